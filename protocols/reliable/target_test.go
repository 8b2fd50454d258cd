package reliable_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/protocols/reliable"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
)

// orderedSink counts what arrives and checks that message i arrives i-th.
type orderedSink struct {
	env  sim.Env
	n    int
	bad  int
	last sim.Time
}

func (s *orderedSink) Receive(from sim.NodeID, msg []byte) {
	if string(msg[:8]) != fmt.Sprintf("%08d", s.n) {
		s.bad++
	}
	s.n++
	s.last = s.env.Now()
}
func (s *orderedSink) Timer(uint64) {}

// established records when the sender first heard from the receiver: the
// sender's first RTT sample, taken from the ACK that establishes the
// stream, or under Karn's rule (a SYN sent twice gives none) from the
// first ACK of data. Both endpoints report to it; the receiver's samples
// (of its SYN-ACK, from the handshake's third leg) do not count: they
// say nothing of the sender, whose first data segment may still wait out
// RFC 6298 (5.7)'s 3 s after a lost SYN.
type established struct {
	reliable.Observer
	receiver sim.NodeID // B: the peer of the sender's samples
	at       sim.Time
	set      bool
}

func (o *established) RTTSample(at sim.Time, peer sim.NodeID, _, _, _ time.Duration) {
	if !o.set && peer == o.receiver {
		o.at, o.set = at, true
	}
}
func (o *established) Retransmit(sim.Time, sim.NodeID, uint32, reliable.Cause) {}
func (o *established) RTO(sim.Time, sim.NodeID, time.Duration)                 {}
func (o *established) Congestion(sim.Time, sim.NodeID, int, int)               {}

// stream is one run of a bulk transfer: A hands n messages of size bytes to
// the transport at once, over the network p.
type stream struct {
	delivered, misordered int
	// completion is when the last message arrived; transfer is the time
	// from the stream's establishment (A's first ACK) to then.
	completion, transfer time.Duration
	stats                reliable.Stats
	events               uint64 // the kernel's events in the run
}

func bulkStream(seed uint64, p netmodel.Params, opts reliable.Options, n, size int) stream {
	w := sim.New(sim.Config{Seed: seed, MaxEvents: 20_000_000, MaxTime: sim.Time(2 * time.Hour)})
	names := []string{"A", "B"}
	w.SetNetwork(netmodel.New(seed, netmodel.Config{Default: p}, func(id sim.NodeID) string { return names[id] }))
	sinks := map[string]*orderedSink{}
	eps := map[string]*reliable.Endpoint{}
	est := &established{}
	node := func(name string) sim.Factory {
		return func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			h.Bind(9, func(penv sim.Env) sim.Handler {
				eps[name] = reliable.NewEndpoint(penv, opts, func(uenv sim.Env) sim.Handler {
					sinks[name] = &orderedSink{env: uenv}
					return sinks[name]
				}, est)
				return eps[name]
			})
			return h
		}
	}
	w.AddNode("A", node("A"))
	b := w.AddNode("B", node("B"))
	est.receiver = b
	w.At(0, func() {
		for i := range n {
			m := make([]byte, max(size, 8))
			copy(m, fmt.Sprintf("%08d", i))
			sinks["A"].env.Send(b, m, "MSG")
		}
	})
	w.Run()
	sk := sinks["B"]
	return stream{delivered: sk.n, misordered: sk.bad, completion: sk.last.Duration(),
		transfer: sk.last.Duration() - est.at.Duration(), stats: eps["A"].Stats(b), events: w.Events()}
}

// lecture returns the lecture's plain transport with a fixed timeout: losses
// repaired by the timer alone, no backoff.
func lecture(fixed time.Duration) reliable.Options {
	d := reliable.DefaultOptions()
	return reliable.Options{Window: d.Window, RTO: reliable.Fixed, FixedTimeout: fixed, MinRTO: d.MinRTO,
		MaxRTO: d.MaxRTO, InitialRTO: d.InitialRTO, G: d.G}
}

// Issue 10's target, "as the lecture promises": over 10-30% loss (in both
// directions, 5-15 ms each way) the default transport, with its adaptive
// RTO, delivers 200 messages of 64 bytes no slower than 1.5 times the
// lecture's transport with the best of the fixed timeouts 50 ms, 200 ms and
// 1 s, for every seed. The time measured is the transfer, from the
// stream's establishment to the last delivery: before it, every sender
// waits for its first segment's ACK with the RFC 6298 (2.1) initial RTO of
// 1 s, doubled at each loss, like any TCP (see docs/scenarios.md, heavy
// loss). The old default (timer-only recovery with Karn's rule) took tens
// of minutes here.
func TestTargetAdaptiveNoSlowerThanFixed(t *testing.T) {
	if testing.Short() {
		t.Skip("many runs")
	}
	for _, loss := range []float64{0.1, 0.2, 0.3} {
		worst := 0.0
		for seed := uint64(1); seed <= 20; seed++ {
			p := netmodel.DefaultParams()
			p.Delay = netmodel.Delay{Kind: netmodel.Uniform, Min: 5 * time.Millisecond, Max: 15 * time.Millisecond}
			p.Loss = loss
			def := bulkStream(seed, p, reliable.DefaultOptions(), 200, 64)
			if def.delivered != 200 || def.misordered != 0 {
				t.Fatalf("loss %g seed %d: %d delivered, %d out of order", loss, seed, def.delivered, def.misordered)
			}
			best := time.Duration(1<<63 - 1)
			for _, fixed := range []time.Duration{50 * time.Millisecond, 200 * time.Millisecond, time.Second} {
				best = min(best, bulkStream(seed, p, lecture(fixed), 200, 64).transfer)
			}
			r := float64(def.transfer) / float64(best)
			worst = max(worst, r)
			if r > 1.5 {
				t.Errorf("loss %g seed %d: the default took %v, %.2f times the best fixed timeout's %v", loss, seed, def.transfer, r, best)
			}
		}
		t.Logf("loss %g: worst ratio %.2f", loss, worst)
	}
}

// The same target with full-size segments, 1000 messages of 1000 bytes:
// small messages share segments, these cannot, so here the congestion
// window counts every loss. Reno (RFC 5681) reads every random loss as
// congestion and halves its window; a window that stays at a segment or
// two makes the timer the only repair (a TCP's throughput falls with the
// loss rate p as about 1/(RTO·p·(1+32p²)), Padhye et al., SIGCOMM 1998),
// and at 30% loss Reno takes several times the best fixed timeout's
// transfer. The default, Veno, sees no queue building in the round trips,
// takes those losses as random and cuts its window by a fifth only. This
// test demands the target of it at 10%, 20% and 30% for every seed, and
// that Reno cost at least twice Veno's time at 30% loss.
//
// What the last slow seeds needed, with RFC 6298's rules exact (every
// expiry doubles the RTO): no RTT sample from a handshake whose SYN went
// twice (a SYN-ACK the peer resent on its own timer had made the first
// sample 3 s, and the RTO stayed seconds for hundreds of samples); a
// receiver in SYN_RCVD that answers each burst of held DATA with its
// SYN-ACK (its backed-off RTO had kept a lost third leg unrepaired for
// 30 s); and two copies of a lone retransmission from the second timeout
// in a row (a hole at the tail of the stream, with nothing left to send
// behind it for RACK to use, had its retransmission or its ACK lost nine
// times in a row at p = 0.51 each). A run of 100 seeds (seeds 1-100) gave
// a worst ratio of 0.25, 0.59 and 0.36 at 10%, 20% and 30%.
func TestTargetFullSegments(t *testing.T) {
	if testing.Short() {
		t.Skip("many runs")
	}
	reno := reliable.DefaultOptions()
	reno.Congestion = reliable.Reno
	for _, loss := range []float64{0.1, 0.2, 0.3} {
		worst := 0.0
		var def, rn, best time.Duration
		for seed := uint64(1); seed <= 20; seed++ {
			p := netmodel.DefaultParams()
			p.Delay = netmodel.Delay{Kind: netmodel.Uniform, Min: 5 * time.Millisecond, Max: 15 * time.Millisecond}
			p.Loss = loss
			d := bulkStream(seed, p, reliable.DefaultOptions(), 1000, 1000)
			r := bulkStream(seed, p, reno, 1000, 1000)
			for _, s := range []stream{d, r} {
				if s.delivered != 1000 || s.misordered != 0 {
					t.Fatalf("loss %g seed %d: %d delivered, %d out of order", loss, seed, s.delivered, s.misordered)
				}
			}
			b := time.Duration(1<<63 - 1)
			for _, fixed := range []time.Duration{50 * time.Millisecond, 200 * time.Millisecond, time.Second} {
				b = min(b, bulkStream(seed, p, lecture(fixed), 1000, 1000).transfer)
			}
			ratio := float64(d.transfer) / float64(b)
			worst = max(worst, ratio)
			def, rn, best = def+d.transfer, rn+r.transfer, best+b
			if ratio > 1.5 {
				t.Errorf("loss %g seed %d: the default took %v, %.2f times the best fixed timeout's %v", loss, seed, d.transfer, ratio, b)
			}
		}
		if loss == 0.3 && rn < 2*def {
			t.Errorf("loss 0.3: Reno's transfers took %v in all, Veno's %v; want Reno's halving to cost at least twice", rn, def)
		}
		t.Logf("loss %g: worst ratio %.2f; in all Veno %v, Reno %v, best fixed %v", loss, worst, def, rn, best)
	}
}

// Issue 10's target: 300 messages across a link with 30% loss, 20%
// duplication, 30% reordering and 5% corruption arrive once each and in
// order, well under a minute after the stream is established, for every
// seed; and half the runs take less than 5 s in all.
func TestTargetHostileNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("many runs")
	}
	var total []time.Duration
	for seed := uint64(1); seed <= 40; seed++ {
		p := netmodel.DefaultParams()
		p.Loss, p.Duplicate, p.Reorder, p.Corrupt = 0.3, 0.2, 0.3, 0.05
		s := bulkStream(seed, p, reliable.DefaultOptions(), 300, 100)
		if s.delivered != 300 || s.misordered != 0 {
			t.Errorf("seed %d: %d delivered, %d out of order; want 300 in order", seed, s.delivered, s.misordered)
		}
		if s.transfer > 20*time.Second {
			t.Errorf("seed %d: the transfer took %v; want well under a minute", seed, s.transfer)
		}
		total = append(total, s.completion)
	}
	slices.Sort(total)
	if med := total[len(total)/2]; med > 5*time.Second {
		t.Errorf("median completion %v; want under 5s", med)
	}
	t.Logf("completion: median %v, max %v", total[len(total)/2], total[len(total)-1])
}
