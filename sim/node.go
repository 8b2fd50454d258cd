package sim

import "time"

// Handler is a protocol endpoint hosted by a node: a state machine that
// reacts to inputs and acts only through the Env it was built with. It knows
// nothing of the scheduler, which is what lets a unit test drive it step by
// step with a fake Env and lets the simulator crash it at any instant.
type Handler interface {
	// Receive is called when a message from another node arrives. msg
	// must be treated as read-only: the network shares one slice between
	// the sender and every intact copy.
	Receive(from NodeID, msg []byte)
	// Timer is called when a timer set with Env.SetTimer fires, and when a
	// disk write started with Env.WriteDisk becomes durable, with the tag
	// given then.
	Timer(tag uint64)
}

// Factory builds a node's endpoint. It is called when the node is added and
// again at every restart, with the node's disk already holding whatever
// survived: a restarted endpoint must rebuild itself from env.Disk() alone.
type Factory func(env Env) Handler

// TimerID identifies a timer so that it can be cancelled.
type TimerID uint64

// Env is everything a protocol endpoint may use: the time, its identity,
// sending, timers, its random stream, its disk and the trace. It is the one
// environment type of every protocol layer (design rule 3).
type Env interface {
	// Now returns the current virtual time.
	Now() Time
	// Self returns this node's ID.
	Self() NodeID
	// Name returns this node's name.
	Name() string
	// Lookup returns the ID of the node with the given name.
	Lookup(name string) (NodeID, bool)
	// NodeName returns the name of a node.
	NodeName(id NodeID) string
	// Send hands msg to the network for delivery to node to. label names
	// the message in the trace and diagrams ("READ", "ACK 7"). The network
	// may lose, delay, duplicate, reorder or corrupt it. msg must not be
	// modified afterwards.
	Send(to NodeID, msg []byte, label string)
	// SetTimer arranges for Handler.Timer(tag) to be called after d. A
	// crash cancels every timer of the node.
	SetTimer(d time.Duration, tag uint64) TimerID
	// CancelTimer stops a timer that has not fired yet and reports whether
	// it did. Cancelling a fired or unknown timer does nothing.
	CancelTimer(id TimerID) bool
	// Housekeeping marks a pending timer as the node's own upkeep (a
	// periodic flush, the expiry of a callback promise, a probe): it fires
	// like any timer while the run has real work, but does not keep the
	// run going (see World.Run). A fired or unknown timer is ignored.
	Housekeeping(id TimerID)
	// Rand returns the node's own random stream.
	Rand() *Rand
	// Disk returns the node's durable storage.
	Disk() *Disk
	// WriteDisk stores val under key (deletes key when val is nil) after
	// the node's disk write latency, then calls Handler.Timer(tag). A crash
	// before then loses the write.
	WriteDisk(key string, val []byte, tag uint64)
	// Trace adds a protocol record to the trace.
	Trace(label, info string)
	// Incarnation counts the node's restarts: 0 for the first life. It lets
	// protocols tell a restarted peer's messages from its old ones.
	Incarnation() uint32
}

// node is the kernel's record of one simulated machine.
type node struct {
	// The fields every delivery, send and timer reads come first, with
	// the node's first Env and its random stream inside the node (see
	// World.AddNode), so that a message to a node finds them in one or
	// two adjacent cache lines rather than in four objects.
	handler Handler // nil while down: the volatile state is gone
	id      NodeID
	crashes uint32 // bumped by each crash; stamps timers, disk writes and messages
	up      bool
	rand    *Rand
	env     *nodeEnv
	// timerWork counts the node's pending timers that are real work.
	timerWork int
	firstEnv  nodeEnv
	randState Rand

	incarn  uint32 // bumped by each restart
	name    string
	factory Factory
	disk    *Disk
	latency time.Duration
}

// nodeEnv is the Env the kernel gives each node.
//
// A fresh nodeEnv is made for every life of the node. Once the node crashes,
// the old one goes dead: a stale endpoint that somebody still holds cannot
// send, set timers or write to disk, so nothing of it outlives the crash.
type nodeEnv struct {
	w       *World
	n       *node
	crashes uint32 // the node's crash count when this life began
}

// live reports whether this env belongs to the node's current life.
func (e *nodeEnv) live() bool { return e.n.up && e.n.crashes == e.crashes }

func (e *nodeEnv) Now() Time                         { return e.w.now }
func (e *nodeEnv) Self() NodeID                      { return e.n.id }
func (e *nodeEnv) Name() string                      { return e.n.name }
func (e *nodeEnv) Lookup(name string) (NodeID, bool) { return e.w.Lookup(name) }
func (e *nodeEnv) NodeName(id NodeID) string         { return e.w.Name(id) }
func (e *nodeEnv) Rand() *Rand                       { return e.n.rand }
func (e *nodeEnv) Disk() *Disk                       { return e.n.disk }
func (e *nodeEnv) Incarnation() uint32               { return e.n.incarn }

func (e *nodeEnv) Send(to NodeID, msg []byte, label string) {
	e.w.send(e.n, e.live(), to, msg, label)
}

func (e *nodeEnv) SetTimer(d time.Duration, tag uint64) TimerID {
	if !e.live() {
		return 0 // never fires: the node's life that asked is over
	}
	return e.w.setTimer(e.n, d, tag)
}

func (e *nodeEnv) CancelTimer(id TimerID) bool { return e.w.cancelTimer(id) }

func (e *nodeEnv) Housekeeping(id TimerID) { e.w.housekeeping(id) }

func (e *nodeEnv) WriteDisk(key string, val []byte, tag uint64) {
	if !e.live() {
		return
	}
	e.w.writeDisk(e.n, key, val, tag)
}

func (e *nodeEnv) Trace(label, info string) {
	e.w.trace.add(Record{At: e.w.now, Kind: KindNote, Node: e.n.id, Peer: NoNode, Label: label, Info: info})
}
