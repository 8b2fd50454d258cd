package udp

import (
	"time"

	"github.com/sim-lecture/sim/sim"
)

// fakeEnv is a sim.Env for unit tests: it records what the layer under test
// does (sends, timers, disk writes, trace notes) and lets the test move the
// clock and fire timers by hand. There is no scheduler and no network.
type fakeEnv struct {
	now    sim.Time
	self   sim.NodeID
	names  []string
	incarn uint32
	rand   *sim.Rand
	disk   *sim.Disk

	sent   []sentMsg
	timers []fakeTimer
	writes []diskWrite
	notes  []string
}

type sentMsg struct {
	to    sim.NodeID
	msg   []byte
	label string
}

type fakeTimer struct {
	id   sim.TimerID
	at   sim.Time
	tag  uint64
	live bool
}

type diskWrite struct {
	key string
	val []byte
	tag uint64
}

// newFakeEnv returns the env of node self among nodes with the given names.
func newFakeEnv(self sim.NodeID, names ...string) *fakeEnv {
	// sim.Disk has no exported constructor; a throwaway world lends one.
	w := sim.New(sim.Config{})
	id := w.AddNode("disk", func(sim.Env) sim.Handler { return nopHandler{} })
	return &fakeEnv{self: self, names: names, rand: sim.NewRand(1, "fake"), disk: w.Disk(id)}
}

type nopHandler struct{}

func (nopHandler) Receive(sim.NodeID, []byte) {}
func (nopHandler) Timer(uint64)               {}

func (e *fakeEnv) Now() sim.Time    { return e.now }
func (e *fakeEnv) Self() sim.NodeID { return e.self }
func (e *fakeEnv) Name() string     { return e.NodeName(e.self) }
func (e *fakeEnv) Lookup(name string) (sim.NodeID, bool) {
	for i, n := range e.names {
		if n == name {
			return sim.NodeID(i), true
		}
	}
	return 0, false
}
func (e *fakeEnv) NodeName(id sim.NodeID) string {
	if id < 0 || int(id) >= len(e.names) {
		return "?"
	}
	return e.names[id]
}
func (e *fakeEnv) Rand() *sim.Rand                 { return e.rand }
func (e *fakeEnv) Disk() *sim.Disk                 { return e.disk }
func (e *fakeEnv) Incarnation() uint32             { return e.incarn }
func (e *fakeEnv) Trace(label, info string)        { e.notes = append(e.notes, label+": "+info) }
func (e *fakeEnv) CancelTimer(id sim.TimerID) bool { return e.cancel(id) }

func (e *fakeEnv) Send(to sim.NodeID, msg []byte, label string) {
	e.sent = append(e.sent, sentMsg{to: to, msg: msg, label: label})
}

func (e *fakeEnv) SetTimer(d time.Duration, tag uint64) sim.TimerID {
	id := sim.TimerID(len(e.timers) + 1)
	e.timers = append(e.timers, fakeTimer{id: id, at: e.now.Add(d), tag: tag, live: true})
	return id
}

func (e *fakeEnv) cancel(id sim.TimerID) bool {
	for i := range e.timers {
		if e.timers[i].id == id && e.timers[i].live {
			e.timers[i].live = false
			return true
		}
	}
	return false
}

func (e *fakeEnv) WriteDisk(key string, val []byte, tag uint64) {
	e.writes = append(e.writes, diskWrite{key: key, val: val, tag: tag})
}

// fireNext moves the clock to the earliest live timer, fires it on h and
// returns its tag; ok is false when no timer is live.
func (e *fakeEnv) fireNext(h sim.Handler) (tag uint64, ok bool) {
	best := -1
	for i, t := range e.timers {
		if t.live && (best < 0 || t.at < e.timers[best].at) {
			best = i
		}
	}
	if best < 0 {
		return 0, false
	}
	t := &e.timers[best]
	t.live = false
	if t.at > e.now {
		e.now = t.at
	}
	h.Timer(t.tag)
	return t.tag, true
}

// takeSent returns the messages sent since the last call and forgets them.
func (e *fakeEnv) takeSent() []sentMsg {
	s := e.sent
	e.sent = nil
	return s
}
