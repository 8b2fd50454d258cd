package rpc

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sim-lecture/sim/sim"
	"github.com/sim-lecture/sim/sim/simtest"
)

// This file is the fake world of the unit tests: a set of fake sim.Envs on
// one manual clock, with no network at all. Every message a node sends waits
// on "the wire" until the test delivers or drops it, and time moves only
// when the test says so; timers and disk writes then fire in order. A test
// therefore reads as a protocol narrative: send, lose, wait, retransmit.

// harness is the fake world.
type harness struct {
	t      *testing.T
	now    sim.Time
	seq    uint64
	nodes  []*fakeNode
	timers []*fakeTimer // pending, in no particular order
	wire   []wireMsg    // sent, neither delivered nor dropped yet
	log    []string     // everything that happened, for failure messages
	// standard makes addClient and addServer build standard ONC RPC
	// endpoints, without Birrell & Nelson's extensions.
	standard bool
}

// fakeNode is one machine: a factory, its current life and its disk.
type fakeNode struct {
	h       *harness
	id      sim.NodeID
	name    string
	factory sim.Factory
	env     *fakeEnv // the current life; nil while down
	handler sim.Handler
	incarn  uint32
	disk    *sim.Disk
}

// fakeEnv is the sim.Env of one life of a node. Once the node crashes it
// goes dead, as the kernel's does: sends vanish, timers never fire.
type fakeEnv struct {
	n    *fakeNode
	live bool
}

type fakeTimer struct {
	id    sim.TimerID
	at    sim.Time
	seq   uint64
	env   *fakeEnv
	tag   uint64
	live  bool
	write func() // a disk write's effect, run when it completes
}

// wireMsg is a message on the wire.
type wireMsg struct {
	from, to sim.NodeID
	raw      []byte
	m        Message
	label    string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return &harness{t: t}
}

// add adds a node built by f and starts it.
func (h *harness) add(name string, f sim.Factory) *fakeNode {
	n := &fakeNode{h: h, id: sim.NodeID(len(h.nodes)), name: name, factory: f, disk: simtest.NewDisk()}
	h.nodes = append(h.nodes, n)
	n.start()
	return n
}

func (n *fakeNode) start() {
	n.env = &fakeEnv{n: n, live: true}
	n.handler = n.factory(n.env)
}

// addClient adds a node whose handler is a lone Client. Unless the
// harness is standard, the client speaks the lecture's RPC: Birrell &
// Nelson's extensions, with AUTH_SYS to carry its implicit ACKs.
func (h *harness) addClient(name string, opts Options, obs Observer) (*fakeNode, func() *Client) {
	if !h.standard {
		opts.BirrellNelson, opts.Auth = true, AuthSys
	}
	n := h.add(name, func(env sim.Env) sim.Handler { return NewClient(env, opts, obs) })
	return n, func() *Client { return n.handler.(*Client) }
}

// addServer adds a node whose handler is a lone Server with the demo
// service.
func (h *harness) addServer(name string, opts ServerOptions, obs Observer) (*fakeNode, func() *Server) {
	if !h.standard {
		opts.BirrellNelson = true
	}
	n := h.add(name, func(env sim.Env) sim.Handler {
		s := NewServer(env, opts, obs)
		RegisterDemo(s)
		return s
	})
	return n, func() *Server { return n.handler.(*Server) }
}

// crash drops the node's life: handler, timers, pending disk writes.
func (n *fakeNode) crash() {
	n.h.logf("crash %s", n.name)
	n.env.live = false
	n.env, n.handler = nil, nil
}

// restart starts a new life from the disk.
func (n *fakeNode) restart() {
	n.h.logf("restart %s", n.name)
	n.incarn++
	n.start()
}

func (h *harness) logf(format string, args ...any) {
	h.log = append(h.log, fmt.Sprintf("%-6s ", h.now)+fmt.Sprintf(format, args...))
}

// story returns the log, for failure messages.
func (h *harness) story() string { return "\n\t" + strings.Join(h.log, "\n\t") }

// run advances the clock by d, firing every timer and disk write due by
// then in time order (ties in the order they were set).
func (h *harness) run(d time.Duration) {
	end := h.now.Add(d)
	for {
		sort.SliceStable(h.timers, func(i, j int) bool {
			a, b := h.timers[i], h.timers[j]
			if a.at != b.at {
				return a.at < b.at
			}
			return a.seq < b.seq
		})
		if len(h.timers) == 0 || h.timers[0].at > end {
			break
		}
		tm := h.timers[0]
		h.timers = h.timers[1:]
		if !tm.live || !tm.env.live {
			continue
		}
		h.now = tm.at
		tm.live = false
		if tm.write != nil {
			tm.write()
		}
		tm.env.n.handler.Timer(tm.tag)
	}
	h.now = end
}

// wireLabels returns the wire's messages as "A>S APPEND".
func (h *harness) wireLabels() []string {
	out := []string{}
	for _, w := range h.wire {
		out = append(out, h.nodes[w.from].name+">"+h.nodes[w.to].name+" "+w.label)
	}
	return out
}

// expectWire checks what is on the wire, in order.
func (h *harness) expectWire(want ...string) {
	h.t.Helper()
	got := h.wireLabels()
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		h.t.Fatalf("on the wire: %q; want %q%s", got, want, h.story())
	}
}

// take removes and returns the wire's messages.
func (h *harness) take() []wireMsg {
	w := h.wire
	h.wire = nil
	return w
}

// deliver hands a message to its destination, if it is up.
func (h *harness) deliver(w wireMsg) {
	n := h.nodes[w.to]
	if n.handler == nil {
		h.logf("discard %s>%s %s (down)", h.nodes[w.from].name, n.name, w.label)
		return
	}
	h.logf("deliver %s>%s %s", h.nodes[w.from].name, n.name, w.label)
	n.handler.Receive(w.from, w.raw)
}

// deliverAll delivers what is on the wire now (not what that sends).
func (h *harness) deliverAll() {
	for _, w := range h.take() {
		h.deliver(w)
	}
}

// dropAll loses what is on the wire.
func (h *harness) dropAll() {
	for _, w := range h.take() {
		h.logf("lose %s>%s %s", h.nodes[w.from].name, h.nodes[w.to].name, w.label)
	}
}

// settle delivers messages, and what they cause, until the wire is empty.
func (h *harness) settle() {
	for i := 0; len(h.wire) > 0; i++ {
		if i > 1000 {
			h.t.Fatalf("the wire never settles%s", h.story())
		}
		h.deliverAll()
	}
}

func (e *fakeEnv) Now() sim.Time    { return e.n.h.now }
func (e *fakeEnv) Self() sim.NodeID { return e.n.id }
func (e *fakeEnv) Name() string     { return e.n.name }
func (e *fakeEnv) Lookup(name string) (sim.NodeID, bool) {
	for _, n := range e.n.h.nodes {
		if n.name == name {
			return n.id, true
		}
	}
	return 0, false
}
func (e *fakeEnv) NodeName(id sim.NodeID) string { return e.n.h.nodes[id].name }
func (e *fakeEnv) Rand() *sim.Rand               { return sim.NewRand(1, "fake/"+e.n.name) }
func (e *fakeEnv) Disk() *sim.Disk               { return e.n.disk }
func (e *fakeEnv) Incarnation() uint32           { return e.n.incarn }
func (e *fakeEnv) Trace(label, info string)      { e.n.h.logf("%s: %s %s", e.n.name, label, info) }

func (e *fakeEnv) Send(to sim.NodeID, msg []byte, label string) {
	h := e.n.h
	if !e.live {
		return
	}
	m, err := Decode(msg)
	if err != nil {
		h.t.Fatalf("%s sent %q that does not decode: %v", e.n.name, label, err)
	}
	h.logf("send %s>%s %s", e.n.name, h.nodes[to].name, label)
	h.wire = append(h.wire, wireMsg{from: e.n.id, to: to, raw: msg, m: m, label: label})
}

func (e *fakeEnv) SetTimer(d time.Duration, tag uint64) sim.TimerID {
	h := e.n.h
	h.seq++
	tm := &fakeTimer{id: sim.TimerID(h.seq), at: h.now.Add(d), seq: h.seq, env: e, tag: tag, live: e.live}
	h.timers = append(h.timers, tm)
	return tm.id
}

// Housekeeping does nothing: the fake harness fires every timer anyway.
func (e *fakeEnv) Housekeeping(sim.TimerID) {}

func (e *fakeEnv) CancelTimer(id sim.TimerID) bool {
	for _, tm := range e.n.h.timers {
		if tm.id == id && tm.live {
			tm.live = false
			return true
		}
	}
	return false
}

// WriteDisk completes at once, in time order with the timers: a disk with
// no latency.
func (e *fakeEnv) WriteDisk(key string, val []byte, tag uint64) {
	id := e.SetTimer(0, tag)
	tm := e.n.h.timers[len(e.n.h.timers)-1]
	if tm.id != id {
		panic("fake: timer bookkeeping")
	}
	disk := e.n.disk
	tm.write = func() {
		if val == nil {
			disk.Delete(key)
		} else {
			disk.Put(key, val)
		}
	}
}

// recorder is an Observer that remembers everything, for assertions.
type recorder struct {
	started  []CallID
	attempts map[CallID]int
	done     map[CallID]error
	finished map[CallID]int
	executed map[CallID]int
	dropped  []string
	cached   int
}

func newRecorder() *recorder {
	return &recorder{attempts: map[CallID]int{}, done: map[CallID]error{}, finished: map[CallID]int{}, executed: map[CallID]int{}}
}

func (r *recorder) CallStarted(_ sim.Time, _, _ sim.NodeID, _ string, id CallID) {
	r.started = append(r.started, id)
}
func (r *recorder) Attempt(_ sim.Time, id CallID, n int) { r.attempts[id] = n }
func (r *recorder) CallDone(_ sim.Time, id CallID, err error) {
	r.done[id] = err
	r.finished[id]++
}
func (r *recorder) Executed(_ sim.Time, _ sim.NodeID, _ string, id CallID) { r.executed[id]++ }
func (r *recorder) Dropped(_ sim.Time, _ sim.NodeID, id CallID, reason string) {
	r.dropped = append(r.dropped, reason)
}
func (r *recorder) CachedReply(sim.Time, sim.NodeID, CallID) { r.cached++ }

// totalExecutions sums executed over all calls.
func (r *recorder) totalExecutions() int {
	n := 0
	for _, id := range r.started {
		n += r.executed[id]
	}
	return n
}

// mustArgs marshals a demo call's args or fails the test.
func mustArgs(t *testing.T, proc, text string) []byte {
	t.Helper()
	b, err := DemoArgs(proc, text)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// result is what a done callback got.
type result struct {
	called int
	value  string
	err    error
}

// doneFor returns a done callback for a demo proc that records into r.
func doneFor(t *testing.T, proc string, r *result) func([]byte, error) {
	return func(b []byte, err error) {
		r.called++
		r.err = err
		if err == nil {
			v, verr := DemoValue(proc, b)
			if verr != nil {
				t.Errorf("DemoValue(%s): %v", proc, verr)
			}
			r.value = v
		}
	}
}

// play runs for d with a perfect network: every message is delivered
// within the millisecond it was sent.
func (h *harness) play(d time.Duration) {
	end := h.now.Add(d)
	for {
		h.settle()
		if h.now >= end {
			return
		}
		h.run(time.Millisecond)
	}
}
