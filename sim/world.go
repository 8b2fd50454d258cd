package sim

import (
	"fmt"
	"time"
)

// Config configures a World.
type Config struct {
	// Seed is the run's seed: every random stream derives from it.
	Seed uint64
	// Network decides the fate of every message. Required before the first
	// send (see SetNetwork).
	Network Network
	// MaxEvents stops the run after this many events; 0 means no limit.
	MaxEvents uint64
	// MaxTime stops the run before the first event later than this; 0 means
	// no limit.
	MaxTime Time
	// MaxBytesHeld stops the run when the bytes held at once (message
	// copies in flight, including those queued behind a link's bandwidth,
	// each counted with MessageOverhead, and disk writes not yet durable,
	// plus whatever HoldBytes reports) exceed it; 0 means no limit.
	MaxBytesHeld int64
	// MaxBytesMoved stops the run when the bytes handed to the network in
	// total exceed it; 0 means no limit.
	MaxBytesMoved int64
	// DiskWriteLatency is the default time a disk write takes to become
	// durable (per node: SetDiskLatency).
	DiskWriteLatency time.Duration
	// KeepTrace keeps every trace record in memory (the hash is always
	// kept). Turn it on when a report needs the records.
	KeepTrace bool
	// NoTrace turns the trace, and its hash, off entirely: for benchmarks.
	NoTrace bool
	// OnRecord, when not nil, is handed every trace record as it happens,
	// after it is hashed (and kept, with KeepTrace): a run too long to
	// keep its trace streams it to a file instead (sim run --out with a
	// program workload). It must not act on the world.
	OnRecord func(Record)
}

// MessageOverhead is what a message copy in flight costs the run besides
// its bytes (its event, its record, its slice headers and the layers'
// notes about it: about 200 bytes measured), and counts towards
// MaxBytesHeld with them. Counting the payload alone let ten million
// one-byte messages in flight (well under the bound) take 2 GB.
const MessageOverhead = 256

// The run bounds, by the name of the scenario key (under limits:) that
// raises each.
const (
	BoundEvents     = "max_events"
	BoundTime       = "max_time"
	BoundBytesHeld  = "max_bytes_held"
	BoundBytesMoved = "max_bytes_moved"
)

// BoundError reports that a run hit one of its bounds (Config.MaxEvents,
// MaxTime, MaxBytesHeld, MaxBytesMoved) before its work was done.
type BoundError struct {
	// Bound is one of BoundEvents, BoundTime, BoundBytesHeld and
	// BoundBytesMoved: the name of the limits key that raises it.
	Bound string
	// Limit is the bound's value, formatted.
	Limit string
	// At is the virtual time reached.
	At Time
	// Events is how many events ran.
	Events uint64
	// Next is the time of the first event that did not run.
	Next Time
	// Reached says, for a bytes bound, how many bytes were held or moved
	// when the run stopped.
	Reached string
}

func (e *BoundError) Error() string {
	var what string
	switch e.Bound {
	case BoundTime:
		what = fmt.Sprintf("the next event, at %s, is past max_time = %s", e.Next, e.Limit)
	case BoundBytesHeld:
		what = fmt.Sprintf("%s held at once (in flight, queued or buffered, %d per message besides its bytes), more than max_bytes_held = %s", e.Reached, MessageOverhead, e.Limit)
	case BoundBytesMoved:
		what = fmt.Sprintf("%s handed to the network in total, more than max_bytes_moved = %s", e.Reached, e.Limit)
	default:
		what = fmt.Sprintf("reached %s = %s", e.Bound, e.Limit)
	}
	return fmt.Sprintf("run stopped at %s after %d events: %s (raise limits.%s in the scenario if the run needs more)",
		e.At, e.Events, what, e.Bound)
}

// FormatBytes writes a byte count the way bound messages do: exact, with
// a binary unit when one reads better ("1073741824 bytes (1 GiB)").
func FormatBytes(n int64) string {
	s := fmt.Sprintf("%d bytes", n)
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size {
			v := float64(n) / float64(u.size)
			if n%u.size == 0 {
				return s + fmt.Sprintf(" (%d %s)", n/u.size, u.name)
			}
			return s + fmt.Sprintf(" (%.1f %s)", v, u.name)
		}
	}
	return s
}

// flight is a message copy on its way.
type flight struct {
	from, to NodeID
	crashes  uint32 // the receiver's crash count at send time
	msgID    uint64
	data     []byte
	label    string
}

// timerSlot is a pending timer. Slots are freed only when their event pops,
// so a slot is never reused while an event still points at it.
type timerSlot struct {
	node    NodeID
	crashes uint32
	gen     uint32
	live    bool
	// work is set while the timer counts as real work (World.Run): it is
	// live, not housekeeping, and of its node's current life.
	work bool
	tag  uint64
}

// repeat is a series of actions at start, start+every, ... (World.Repeat):
// one pending event at a time, each with the scheduling order it would
// have had if all were scheduled at once.
type repeat struct {
	fn    func(k int)
	start Time
	every time.Duration
	k     int
	count int
	seq   uint64 // the scheduling order of action 0
}

// diskWrite is a pending disk write.
type diskWrite struct {
	node    NodeID
	crashes uint32
	key     string
	val     []byte
	tag     uint64
}

// World is one simulated universe: a clock, an event queue, nodes and a
// network. It runs on one goroutine; nothing in it reads the wall clock.
type World struct {
	cfg    Config
	now    Time
	seq    uint64
	events uint64
	q      agenda
	net    Network

	nodes  []*node
	byName map[string]NodeID

	flights slab[flight]
	timers  slab[timerSlot]
	writes  slab[diskWrite]
	actions slab[func()]
	repeats slab[repeat]
	calls   slab[call]

	// work counts the pending events that are real work (see Run):
	// everything but housekeeping, cancelled and dead timers.
	work int

	// held is the payload in flight and in pending disk writes; extra is
	// what HoldBytes reported; moved is every byte handed to the network.
	held, extra, moved int64
	// halt, once set, stops Run before the next event.
	halt *BoundError

	msgSeq  uint64
	scratch []Arrival
	trace   *Trace
}

// New returns an empty world at time 0.
func New(cfg Config) *World {
	return &World{
		cfg:    cfg,
		net:    cfg.Network,
		byName: make(map[string]NodeID),
		trace:  newTrace(cfg.KeepTrace, cfg.NoTrace, cfg.OnRecord),
	}
}

// SetNetwork replaces the network model.
func (w *World) SetNetwork(n Network) { w.net = n }

// Now returns the current virtual time.
func (w *World) Now() Time { return w.now }

// Seed returns the run's seed.
func (w *World) Seed() uint64 { return w.cfg.Seed }

// Rand returns a fresh stream for the named component, derived from the
// run's seed.
func (w *World) Rand(name string) *Rand { return NewRand(w.cfg.Seed, name) }

// Trace returns the run's trace.
func (w *World) Trace() *Trace { return w.trace }

// Events returns how many events have run.
func (w *World) Events() uint64 { return w.events }

// Pending returns how many events are waiting in the queue, housekeeping
// and cancelled timers included.
func (w *World) Pending() int { return w.q.len() }

// PendingWork returns how many pending events are real work: Run returns
// when it is 0.
func (w *World) PendingWork() int { return w.work }

// BytesHeld returns the payload held now: message copies in flight, disk
// writes not yet durable, and what HoldBytes last reported.
func (w *World) BytesHeld() int64 { return w.held + w.extra }

// BytesMoved returns the bytes handed to the network so far.
func (w *World) BytesMoved() int64 { return w.moved }

// HoldBytes tells the world how much payload a layer it cannot see holds
// (a transport's send queue that an application keeps filling): it counts
// towards Config.MaxBytesHeld, replacing the previous report.
func (w *World) HoldBytes(n int64) {
	w.extra = n
	w.checkHeld()
}

// Halt stops the run before its next event with the given bound error,
// for a bound that code outside the kernel enforces. The first halt wins.
func (w *World) Halt(e *BoundError) {
	if w.halt == nil {
		w.halt = e
	}
}

// checkHeld halts the run once the held payload exceeds its bound. It is
// small enough to inline on the send path.
func (w *World) checkHeld() {
	if w.cfg.MaxBytesHeld > 0 && w.held+w.extra > w.cfg.MaxBytesHeld {
		w.haltHeld()
	}
}

func (w *World) haltHeld() {
	if w.halt == nil {
		w.halt = &BoundError{Bound: BoundBytesHeld, Limit: FormatBytes(w.cfg.MaxBytesHeld), At: w.now, Events: w.events, Reached: FormatBytes(w.held + w.extra)}
	}
}

// AddNode adds a node, builds its endpoint with f and starts it up. Names
// must be unique; a duplicate is a programming error and panics.
func (w *World) AddNode(name string, f Factory) NodeID {
	if _, dup := w.byName[name]; dup {
		panic("sim: duplicate node " + name)
	}
	id := NodeID(len(w.nodes))
	n := &node{
		id:        id,
		name:      name,
		factory:   f,
		disk:      newDisk(),
		randState: *NewRand(w.cfg.Seed, "node/"+name),
		latency:   w.cfg.DiskWriteLatency,
	}
	n.rand = &n.randState
	// The first life's Env lives in the node; a restart makes a new one,
	// and this one goes dead like any old life's (nodeEnv.live).
	n.firstEnv = nodeEnv{w: w, n: n}
	n.env = &n.firstEnv
	w.nodes = append(w.nodes, n)
	w.byName[name] = id
	n.up = true
	n.handler = f(n.env)
	return id
}

// Lookup returns the ID of the named node.
func (w *World) Lookup(name string) (NodeID, bool) {
	id, ok := w.byName[name]
	return id, ok
}

// Name returns a node's name ("?" for an unknown ID).
func (w *World) Name(id NodeID) string {
	if id < 0 || int(id) >= len(w.nodes) {
		return "?"
	}
	return w.nodes[id].name
}

// NumNodes returns how many nodes the world has.
func (w *World) NumNodes() int { return len(w.nodes) }

// Handler returns a node's current endpoint, or nil while it is down. The
// scenario runner calls application operations on it.
func (w *World) Handler(id NodeID) Handler { return w.nodes[id].handler }

// Up reports whether a node is running.
func (w *World) Up(id NodeID) bool { return w.nodes[id].up }

// Disk returns a node's durable storage.
func (w *World) Disk(id NodeID) *Disk { return w.nodes[id].disk }

// Env returns the environment of a node, for code outside the protocol
// (the scenario runner) that must act as that node.
func (w *World) Env(id NodeID) Env { return w.nodes[id].env }

// SetDiskLatency sets one node's disk write latency.
func (w *World) SetDiskLatency(id NodeID, d time.Duration) { w.nodes[id].latency = d }

// Crash stops a node: its endpoint (all volatile state) is dropped, its
// timers and pending disk writes are cancelled, and messages already on
// their way to it will be discarded on arrival. Crashing a down node does
// nothing.
func (w *World) Crash(id NodeID) {
	n := w.nodes[id]
	if !n.up {
		return
	}
	n.up = false
	n.handler = nil
	n.crashes++
	// The node's timers die with it: they are no longer work.
	w.work -= n.timerWork
	n.timerWork = 0
	w.trace.add(Record{At: w.now, Kind: KindCrash, Node: id, Peer: NoNode})
}

// Restart brings a crashed node back: a new endpoint is built by the node's
// factory from its disk. Restarting a running node does nothing.
func (w *World) Restart(id NodeID) {
	n := w.nodes[id]
	if n.up {
		return
	}
	n.up = true
	n.incarn++
	w.trace.add(Record{At: w.now, Kind: KindRestart, Node: id, Peer: NoNode})
	n.env = &nodeEnv{w: w, n: n, crashes: n.crashes}
	n.handler = n.factory(n.env)
}

// Note adds a record of something outside any node, such as a network
// fault, to the trace.
func (w *World) Note(kind Kind, node NodeID, label, info string) {
	w.trace.add(Record{At: w.now, Kind: kind, Node: node, Peer: NoNode, Label: label, Info: info})
}

// schedule queues an event. Every event is work when scheduled; a timer
// stops being work when it is cancelled, marked housekeeping or its node
// crashes.
func (w *World) schedule(at Time, kind eventKind, ref int32) {
	w.seq++
	w.work++
	w.q.push(event{at: at, seq: w.seq, ref: ref, kind: kind})
}

// Repeat schedules fn(0), ..., fn(count-1) at start, start+every, ...,
// exactly as count calls of At made now would (same order among events at
// the same time), but holds only one pending event at a time, so that a
// workload row of a million sends costs no more memory than one.
func (w *World) Repeat(start Time, every time.Duration, count int, fn func(k int)) {
	if count <= 0 {
		return
	}
	if start < w.now {
		start = w.now
	}
	if every < 0 {
		every = 0
	}
	r := repeat{fn: fn, start: start, every: every, count: count, seq: w.seq + 1}
	w.seq += uint64(count)
	w.work++
	w.q.push(event{at: start, seq: r.seq, ref: w.repeats.put(r), kind: evRepeat})
}

// At schedules fn to run at virtual time t (or now, if t is in the past).
// Actions at the same time run in the order they were scheduled.
func (w *World) At(t Time, fn func()) {
	if t < w.now {
		t = w.now
	}
	w.schedule(t, evAction, w.actions.put(fn))
}

// After schedules fn to run d after now.
func (w *World) After(d time.Duration, fn func()) { w.At(w.now.Add(d), fn) }

// call is an action of AtCall: a function and its argument.
type call struct {
	fn  func(int)
	arg int
}

// AtCall schedules fn(arg) to run at virtual time t, in order with At's
// actions. It is At for many actors of one kind (a program's thousands of
// clients): one fn for all of them and an int to say which, instead of a
// closure per actor, which each event would reach as one more object.
func (w *World) AtCall(t Time, fn func(int), arg int) {
	if t < w.now {
		t = w.now
	}
	w.schedule(t, evCall, w.calls.put(call{fn: fn, arg: arg}))
}

// AfterCall schedules fn(arg) to run d after now (AtCall). Like a
// timer's, the event goes to the agenda's lane of its delay when it keeps
// it sorted: a caller that schedules many actions with one delay (a
// program's period, a constant think time) saves the heap's sifting.
func (w *World) AfterCall(d time.Duration, fn func(int), arg int) {
	d = max(d, 0)
	w.seq++
	w.work++
	w.q.pushDelayed(event{at: w.now.Add(d), seq: w.seq, ref: w.calls.put(call{fn: fn, arg: arg}), kind: evCall}, int64(d))
}

func (w *World) send(n *node, live bool, to NodeID, msg []byte, label string) {
	w.msgSeq++
	id := w.msgSeq
	if live {
		w.moved += int64(len(msg))
		if w.cfg.MaxBytesMoved > 0 && w.moved > w.cfg.MaxBytesMoved {
			w.haltMoved()
		}
	}
	if w.trace.on() {
		w.trace.add(Record{At: w.now, Kind: KindSend, Node: n.id, Peer: to, Msg: id, Size: len(msg), Label: label})
	}
	if !live {
		// Only a stale endpoint, or code acting for a down node, gets
		// here: the message never leaves.
		w.trace.add(Record{At: w.now, Kind: KindDrop, Node: n.id, Peer: to, Msg: id, Size: len(msg), Label: label, Info: "sender down"})
		return
	}
	if to < 0 || int(to) >= len(w.nodes) {
		w.trace.add(Record{At: w.now, Kind: KindDrop, Node: n.id, Peer: to, Msg: id, Size: len(msg), Label: label, Info: "no such node"})
		return
	}
	copies, reason := w.net.Transmit(w.now, n.id, to, msg, w.scratch[:0])
	if len(copies) == 0 {
		w.trace.add(Record{At: w.now, Kind: KindDrop, Node: n.id, Peer: to, Msg: id, Size: len(msg), Label: label, Info: reason})
	}
	dest := w.nodes[to]
	for i := range copies {
		c := &copies[i]
		switch c.Fate {
		case Duplicated:
			w.trace.add(Record{At: w.now, Kind: KindDuplicate, Node: n.id, Peer: to, Msg: id, Size: len(c.Msg), Label: label})
		case Corrupted:
			w.trace.add(Record{At: w.now, Kind: KindCorrupt, Node: n.id, Peer: to, Msg: id, Size: len(c.Msg), Label: label})
		case Reordered:
			w.trace.add(Record{At: w.now, Kind: KindReorder, Node: n.id, Peer: to, Msg: id, Size: len(c.Msg), Label: label, Info: "+" + FormatDuration(c.Delay)})
		}
		ref := w.flights.put(flight{from: n.id, to: to, crashes: dest.crashes, msgID: id, data: c.Msg, label: label})
		d := c.Delay
		if d < 0 {
			d = 0
		}
		w.held += int64(len(c.Msg)) + MessageOverhead
		w.schedule(w.now.Add(d), evDeliver, ref)
	}
	w.scratch = copies[:0]
	if len(copies) > 0 {
		w.checkHeld()
	}
}

func (w *World) haltMoved() {
	if w.halt == nil {
		w.halt = &BoundError{Bound: BoundBytesMoved, Limit: FormatBytes(w.cfg.MaxBytesMoved), At: w.now, Events: w.events, Reached: FormatBytes(w.moved)}
	}
}

func (w *World) setTimer(n *node, d time.Duration, tag uint64) TimerID {
	if d < 0 {
		d = 0
	}
	// A reused slot keeps its generation, so that an old TimerID never
	// cancels the new timer.
	ref := w.timers.alloc()
	s := &w.timers.items[ref]
	s.gen++
	s.node, s.crashes, s.live, s.work, s.tag = n.id, n.crashes, true, true, tag
	n.timerWork++
	w.seq++
	w.work++
	w.q.pushDelayed(event{at: w.now.Add(d), seq: w.seq, ref: ref, kind: evTimer}, int64(d))
	return TimerID(uint64(s.gen)<<32 | uint64(uint32(ref)))
}

// timerSlot returns the pending timer id names, or nil if it has fired, was
// cancelled or never existed.
func (w *World) timerSlot(id TimerID) *timerSlot {
	ref := int(uint32(id))
	if ref >= len(w.timers.items) {
		return nil
	}
	s := &w.timers.items[ref]
	if s.gen != uint32(id>>32) || !s.live {
		return nil
	}
	return s
}

// unwork stops counting a timer as real work.
func (w *World) unwork(s *timerSlot) {
	if !s.work {
		return
	}
	s.work = false
	if n := w.nodes[s.node]; n.crashes == s.crashes {
		// A crash has already taken the timers of the node's earlier
		// lives off the count.
		w.work--
		n.timerWork--
	}
}

func (w *World) cancelTimer(id TimerID) bool {
	s := w.timerSlot(id)
	if s == nil {
		return false
	}
	w.unwork(s)
	s.live = false
	return true
}

func (w *World) housekeeping(id TimerID) {
	if s := w.timerSlot(id); s != nil {
		w.unwork(s)
	}
}

// writeDisk schedules a disk write. The value is copied once, here: the
// caller may reuse its slice, and the disk keeps the copy.
func (w *World) writeDisk(n *node, key string, val []byte, tag uint64) {
	wr := diskWrite{node: n.id, crashes: n.crashes, key: key, tag: tag}
	if val != nil {
		wr.val = append([]byte{}, val...)
	}
	w.held += int64(len(wr.val))
	w.schedule(w.now.Add(n.latency), evDisk, w.writes.put(wr))
	w.checkHeld()
}

// dropDeadTimers removes cancelled timers (and timers of a node that has
// crashed since they were set) from the front of the queue, and returns
// the earliest event left and where it is (see agenda.first), or nil if
// none is. Dead timers do nothing, so they must not move the clock, count
// as events or trip a run bound: a run that is over would otherwise seem
// to end at the last cancelled timeout, or stop at max_time with nothing
// left to do.
func (w *World) dropDeadTimers() (*event, int) {
	for w.q.len() > 0 {
		e, from := w.q.first()
		if e.kind != evTimer {
			return e, from
		}
		s := &w.timers.items[e.ref]
		if s.live && w.nodes[s.node].up && w.nodes[s.node].crashes == s.crashes {
			return e, from
		}
		ref := e.ref
		w.q.take(from)
		w.unwork(s)
		s.live = false
		w.timers.release(ref)
	}
	return nil, 0
}

// Step runs the next event, if any, and reports whether one ran. It ignores
// the run bounds. Cancelled timers are skipped without running.
func (w *World) Step() bool {
	first, from := w.dropDeadTimers()
	if first == nil {
		return false
	}
	e := w.q.take(from)
	w.now = e.at
	w.events++
	if e.kind != evTimer {
		// A timer's work is counted by its slot (see unwork).
		w.work--
	}
	w.dispatch(e)
	return true
}

func (w *World) dispatch(e event) {
	switch e.kind {
	case evDeliver:
		f := w.flights.take(e.ref)
		w.held -= int64(len(f.data)) + MessageOverhead
		n := w.nodes[f.to]
		if !n.up || n.crashes != f.crashes {
			info := "node down"
			if n.up {
				info = "crashed since send"
			}
			w.trace.add(Record{At: w.now, Kind: KindDiscard, Node: f.to, Peer: f.from, Msg: f.msgID, Size: len(f.data), Label: f.label, Info: info})
			return
		}
		if w.trace.on() {
			w.trace.add(Record{At: w.now, Kind: KindDeliver, Node: f.to, Peer: f.from, Msg: f.msgID, Size: len(f.data), Label: f.label})
		}
		n.handler.Receive(f.from, f.data)
	case evTimer:
		slot := &w.timers.items[e.ref]
		s := *slot
		slot.live, slot.work = false, false
		w.timers.release(e.ref)
		n := w.nodes[s.node]
		if s.work && n.crashes == s.crashes {
			// Still counted as work (see unwork).
			w.work--
			n.timerWork--
		}
		if !s.live || !n.up || n.crashes != s.crashes {
			return
		}
		if w.trace.on() {
			w.trace.add(Record{At: w.now, Kind: KindTimer, Node: s.node, Peer: NoNode, Msg: s.tag})
		}
		n.handler.Timer(s.tag)
	case evDisk:
		wr := w.writes.take(e.ref)
		w.held -= int64(len(wr.val))
		n := w.nodes[wr.node]
		if !n.up || n.crashes != wr.crashes {
			return // the crash tore this write: it never reached the platter
		}
		if wr.val == nil {
			n.disk.Delete(wr.key)
		} else {
			n.disk.data[wr.key] = wr.val
		}
		w.trace.add(Record{At: w.now, Kind: KindDisk, Node: wr.node, Peer: NoNode, Msg: wr.tag, Size: len(wr.val), Label: wr.key})
		n.handler.Timer(wr.tag)
	case evAction:
		fn := w.actions.take(e.ref)
		fn()
	case evCall:
		c := w.calls.take(e.ref)
		c.fn(c.arg)
	case evRepeat:
		r := &w.repeats.items[e.ref]
		k, fn := r.k, r.fn
		if r.k++; r.k < r.count {
			w.work++
			w.q.push(event{at: r.start.Add(time.Duration(r.k) * r.every), seq: r.seq + uint64(r.k), ref: e.ref, kind: evRepeat})
		} else {
			w.repeats.take(e.ref)
		}
		fn(k)
	}
}

// Run runs events until no real work is left, and leaves the clock at the
// last event that ran. It returns a *BoundError if the run hits a bound of
// its Config first, or was halted (Halt, HoldBytes).
//
// Real work is every pending message copy, disk write and scheduled
// action, and every timer not marked housekeeping (Env.Housekeeping). A
// housekeeping timer (a periodic flush, the expiry of a callback promise,
// a probe) fires like any other while there is real work, but does not
// keep the run going: when only housekeeping remains, Run returns without
// firing it, and the final state is the state after the last real event.
func (w *World) Run() error { return w.run(-1) }

// RunUntil runs every event at or before t, housekeeping timers included,
// then sets the clock to t. It returns a *BoundError if a bound is hit
// first.
func (w *World) RunUntil(t Time) error {
	if err := w.run(t); err != nil {
		return err
	}
	if w.now < t {
		w.now = t
	}
	return nil
}

func (w *World) run(until Time) error {
	for {
		if w.halt != nil {
			return w.halt
		}
		e, _ := w.dropDeadTimers()
		if e == nil || (until < 0 && w.work == 0) {
			return nil
		}
		if until >= 0 && e.at > until {
			return nil
		}
		if w.cfg.MaxTime > 0 && e.at > w.cfg.MaxTime {
			return &BoundError{Bound: "max_time", Limit: FormatDuration(time.Duration(w.cfg.MaxTime)), At: w.now, Events: w.events, Next: e.at}
		}
		if w.cfg.MaxEvents > 0 && w.events >= w.cfg.MaxEvents {
			return &BoundError{Bound: "max_events", Limit: fmt.Sprint(w.cfg.MaxEvents), At: w.now, Events: w.events, Next: e.at}
		}
		w.Step()
	}
}
