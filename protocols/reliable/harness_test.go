package reliable

import (
	"fmt"
	"testing"
	"time"

	"github.com/sim-lecture/sim/sim"
	"github.com/sim-lecture/sim/sim/simtest"
)

const (
	nA sim.NodeID = 0
	nB sim.NodeID = 1
)

// app is an upper layer that records what the transport hands it.
type app struct {
	env    sim.Env
	got    []string
	fails  []failure
	timers []uint64
}

type failure struct {
	Peer sim.NodeID
	Msgs []string
	Err  error
}

func (a *app) Receive(from sim.NodeID, msg []byte) { a.got = append(a.got, string(msg)) }
func (a *app) Timer(tag uint64)                    { a.timers = append(a.timers, tag) }
func (a *app) Failed(peer sim.NodeID, msgs [][]byte, err error) {
	f := failure{Peer: peer, Err: err}
	for _, m := range msgs {
		f.Msgs = append(f.Msgs, string(m))
	}
	a.fails = append(a.fails, f)
}

// obsLog records an Observer's calls as lines of text, with sequence
// numbers counted from the connection's ISN.
type obsLog struct {
	lines []string
	ep    *Endpoint
}

func (o *obsLog) RTTSample(at sim.Time, peer sim.NodeID, sample, srtt, rto time.Duration) {
	o.lines = append(o.lines, fmt.Sprintf("%v rtt %v srtt %v rto %v", at, sample, srtt, rto))
}
func (o *obsLog) Retransmit(at sim.Time, peer sim.NodeID, seq uint32, cause Cause) {
	seq -= o.ep.conns[peer].snd.iss
	if cause == CauseTimeout {
		o.lines = append(o.lines, fmt.Sprintf("%v retransmit %d", at, seq))
		return
	}
	o.lines = append(o.lines, fmt.Sprintf("%v retransmit %d (%v)", at, seq, cause))
}
func (o *obsLog) Congestion(at sim.Time, peer sim.NodeID, cwnd, ssthresh int) {
	o.lines = append(o.lines, fmt.Sprintf("%v cwnd %d ssthresh %d", at, cwnd, ssthresh))
}
func (o *obsLog) RTO(at sim.Time, peer sim.NodeID, rto time.Duration) {
	o.lines = append(o.lines, fmt.Sprintf("%v rto %v", at, rto))
}

// side is one node in a unit test: a fake env, an Endpoint on it and the
// recording application above.
type side struct {
	env *simtest.Env
	ep  *Endpoint
	app *app
	obs *obsLog
}

func newSide(self sim.NodeID, incarn uint32, opts Options) *side {
	s := &side{env: simtest.New(self, "A", "B"), app: &app{}, obs: &obsLog{}}
	s.env.Incarn = incarn
	s.ep = NewEndpoint(s.env, opts, func(env sim.Env) sim.Handler { s.app.env = env; return s.app }, s.obs)
	s.obs.ep = s.ep
	return s
}

// send makes the application send each message to peer.
func (s *side) send(to sim.NodeID, msgs ...string) {
	for _, m := range msgs {
		s.app.env.Send(to, []byte(m), "MSG")
	}
}

// packet is a segment one side sent, with the label the Endpoint gave it
// (its numbers counted from the connection's ISNs).
type packet struct {
	Segment
	label string
}

// pkt wraps segments a test builds by hand; their labels are Label's.
func pkt(segs ...Segment) []packet {
	var ps []packet
	for _, s := range segs {
		ps = append(ps, packet{s, s.Label()})
	}
	return ps
}

// take returns the segments this side sent since the last call.
func (s *side) take(t testing.TB) []packet {
	t.Helper()
	var segs []packet
	for _, m := range s.env.TakeSent() {
		seg, err := ParseSegment(m.Msg)
		if err != nil {
			t.Fatalf("node %d sent unparsable bytes % x: %v", s.env.Self(), m.Msg, err)
		}
		segs = append(segs, packet{seg, m.Label})
	}
	return segs
}

// recv hands segments to this side as if they came from node from.
func (s *side) recv(from sim.NodeID, segs ...packet) {
	for _, seg := range segs {
		s.ep.Receive(from, seg.Marshal())
	}
}

// fire fires the earliest live timer of this side, failing if there is none.
func (s *side) fire(t testing.TB) {
	t.Helper()
	if _, ok := s.env.FireNext(s.ep); !ok {
		t.Fatalf("node %d: no live timer to fire", s.env.Self())
	}
}

// setNow moves the clocks of the given sides to at.
func setNow(at time.Duration, sides ...*side) {
	for _, s := range sides {
		s.env.Clock = sim.Time(at)
	}
}

// labels returns the labels of segments.
func labels(segs []packet) []string {
	var ls []string
	for _, s := range segs {
		ls = append(ls, s.label)
	}
	return ls
}

// exchange moves segments back and forth between a and b, losslessly,
// until neither sends anything, and returns the labels a sent in each
// round.
func exchange(t testing.TB, a, b *side) [][]string {
	t.Helper()
	var rounds [][]string
	for i := 0; i < 1000; i++ {
		fromA := a.take(t)
		fromB := b.take(t)
		if len(fromA) == 0 && len(fromB) == 0 {
			return rounds
		}
		if len(fromA) > 0 {
			rounds = append(rounds, labels(fromA))
		}
		b.recv(a.env.Self(), fromA...)
		a.recv(b.env.Self(), fromB...)
	}
	t.Fatalf("exchange did not settle")
	return nil
}

func msgs(prefix string, n int) []string {
	var ms []string
	for i := 1; i <= n; i++ {
		ms = append(ms, fmt.Sprintf("%s%d", prefix, i))
	}
	return ms
}
