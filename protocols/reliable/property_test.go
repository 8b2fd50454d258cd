package reliable_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/protocols/reliable"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
	"pgregory.net/rapid"
)

// schedule is everything one run of the property depends on: the network's
// parameters, its partitions, the transport's options and the workload. The
// seed drives the network's random stream, so a schedule reruns exactly.
type schedule struct {
	Seed                        uint64
	Loss, Dup, Reorder, Corrupt float64
	Delay, Jitter, ReorderDelay time.Duration
	// Bandwidth (bits/s, 0: unlimited) and Queue (datagrams, 0:
	// unlimited) give each direction a finite drop-tail queue.
	Bandwidth                  float64
	Queue                      int
	Partitions                 []partition
	Window                     int
	Fixed                      bool
	FixedTimeout               time.Duration
	MinRTO, MaxRTO, InitialRTO time.Duration
	// The recovery mechanisms (Options of the same names) and the SMSS.
	Timestamps, SACK, FastRetransmit, RACK, CC bool
	SMSS                                       int
	// RecvBuffer and ConsumeRate are the receivers' (flow control); Close
	// makes each application close its direction after its last message.
	RecvBuffer  int
	ConsumeRate float64
	Close       bool
	AtoB, BtoA  int
	Interval    time.Duration
	Size        int
}

// partition cuts A from B in both directions from Start until End.
type partition struct{ Start, End time.Duration }

// GoString prints the schedule as a Go literal to paste into regressions.
func (s schedule) GoString() string {
	var parts []string
	for _, p := range s.Partitions {
		parts = append(parts, fmt.Sprintf("{dur(%q), dur(%q)}", p.Start, p.End))
	}
	return fmt.Sprintf("{Seed: %d, Loss: %g, Dup: %g, Reorder: %g, Corrupt: %g, "+
		"Delay: dur(%q), Jitter: dur(%q), ReorderDelay: dur(%q), Bandwidth: %g, Queue: %d, Partitions: []partition{%s}, "+
		"Window: %d, Fixed: %t, FixedTimeout: dur(%q), MinRTO: dur(%q), MaxRTO: dur(%q), InitialRTO: dur(%q), "+
		"Timestamps: %t, SACK: %t, FastRetransmit: %t, RACK: %t, CC: %t, SMSS: %d, RecvBuffer: %d, ConsumeRate: %g, Close: %t, "+
		"AtoB: %d, BtoA: %d, Interval: dur(%q), Size: %d}",
		s.Seed, s.Loss, s.Dup, s.Reorder, s.Corrupt, s.Delay, s.Jitter, s.ReorderDelay, s.Bandwidth, s.Queue, strings.Join(parts, ", "),
		s.Window, s.Fixed, s.FixedTimeout, s.MinRTO, s.MaxRTO, s.InitialRTO,
		s.Timestamps, s.SACK, s.FastRetransmit, s.RACK, s.CC, s.SMSS, s.RecvBuffer, s.ConsumeRate, s.Close, s.AtoB, s.BtoA, s.Interval, s.Size)
}

func dur(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}

func (s schedule) options() reliable.Options {
	o := reliable.Options{Window: s.Window, MinRTO: s.MinRTO, MaxRTO: s.MaxRTO, InitialRTO: s.InitialRTO, G: time.Millisecond,
		Timestamps: s.Timestamps, SACK: s.SACK, FastRetransmit: s.FastRetransmit, RACK: s.RACK, CongestionControl: s.CC, SMSS: s.SMSS,
		RecvBuffer: s.RecvBuffer, ConsumeRate: s.ConsumeRate, TimeWait: time.Second}
	if s.Fixed {
		o.RTO, o.FixedTimeout = reliable.Fixed, s.FixedTimeout
	}
	return o
}

// lossyNet is the test's network: it loses, duplicates, delays, reorders
// and corrupts datagrams with the schedule's probabilities, and drops
// everything during a partition. With a bandwidth, netmodel's transmit
// queue comes first: it delays datagrams and drops them when full.
type lossyNet struct {
	s     schedule
	rand  *sim.Rand
	queue *netmodel.Network
}

func (n *lossyNet) Transmit(now sim.Time, from, to sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	for _, p := range n.s.Partitions {
		if now >= sim.Time(p.Start) && now < sim.Time(p.End) && from != to {
			return out, "partition"
		}
	}
	var wait time.Duration
	if n.queue != nil {
		copies, reason := n.queue.Transmit(now, from, to, msg, nil)
		if reason != "" {
			return out, reason
		}
		wait = copies[0].Delay
	}
	r := n.rand
	if r.Bernoulli(n.s.Loss) {
		return out, "loss"
	}
	copies := 1
	if r.Bernoulli(n.s.Dup) {
		copies = 2
	}
	for range copies {
		a := sim.Arrival{Delay: wait + n.s.Delay + time.Duration(r.Int63n(int64(n.s.Jitter)+1)), Msg: msg}
		if r.Bernoulli(n.s.Reorder) {
			a.Delay += time.Duration(r.Int63n(int64(n.s.ReorderDelay) + 1))
			a.Fate = sim.Reordered
		}
		if r.Bernoulli(n.s.Corrupt) {
			bad := append([]byte(nil), msg...)
			bit := r.IntN(8 * len(bad))
			bad[bit/8] ^= 1 << (bit % 8)
			a.Msg, a.Fate = bad, sim.Corrupted
		}
		out = append(out, a)
	}
	return out, ""
}

// sink is the application on each node: it records what arrives, across
// the node's lives (a restart appends "|" to got).
type sink struct {
	env  sim.Env
	last *sim.Time // where to note the time of each delivery, if not nil
	got  []string
	// closed notes the peer's end of stream, as "EOF after N messages".
	closed []string
	failed []string
	// resend makes the application send again whatever a failed
	// connection reports unacknowledged.
	resend bool
	resent map[string]bool
}

func (s *sink) Receive(from sim.NodeID, msg []byte) {
	s.got = append(s.got, string(msg))
	if s.last != nil {
		*s.last = s.env.Now()
	}
}
func (s *sink) Timer(uint64) {}
func (s *sink) PeerClosed(peer sim.NodeID) {
	s.closed = append(s.closed, fmt.Sprintf("EOF after %d messages", len(s.got)))
}
func (s *sink) Failed(peer sim.NodeID, msgs [][]byte, err error) {
	s.failed = append(s.failed, fmt.Sprintf("%d messages to %d: %v", len(msgs), peer, err))
	if !s.resend {
		return
	}
	for _, m := range msgs {
		s.resent[string(m)] = true
		s.env.Send(peer, m, "MSG") // from inside Failed, which the Endpoint allows
	}
}

// rtoCheck is an Observer that records every RTO outside [lo, hi], and,
// for the adaptive RTO, every RTT sample after which the RTO is not back
// within reach of the samples: an RTO that stays backed off after a
// sample is the estimator that never collapses (RFC 6298 §5), which
// makes heavy loss crawl.
type rtoCheck struct {
	lo, hi   time.Duration
	adaptive bool
	g        time.Duration
	maxRTT   map[sim.NodeID]time.Duration // the largest sample so far, per peer
	bad      []string
	n        int
}

func (c *rtoCheck) check(at sim.Time, what string, rto time.Duration) {
	c.n++
	if rto < c.lo || rto > c.hi {
		c.bad = append(c.bad, fmt.Sprintf("%v: %s RTO %v outside [%v, %v]", at, what, rto, c.lo, c.hi))
	}
}
func (c *rtoCheck) RTTSample(at sim.Time, peer sim.NodeID, sample, _, rto time.Duration) {
	c.check(at, "sample", rto)
	if !c.adaptive {
		return
	}
	// SRTT and RTTVAR are averages of samples and of distances between
	// them, so SRTT + max(G, 4·RTTVAR) <= G + 5·(the largest sample),
	// whatever the gains; then the clamp to [MinRTO, MaxRTO].
	if c.maxRTT == nil {
		c.maxRTT = map[sim.NodeID]time.Duration{}
	}
	c.maxRTT[peer] = max(c.maxRTT[peer], sample)
	limit := min(max(c.g+5*c.maxRTT[peer], c.lo), c.hi)
	if rto > limit {
		c.bad = append(c.bad, fmt.Sprintf("%v: RTO %v after a sample of %v; want at most %v: the backoff did not collapse (RFC 6298 §5)", at, rto, sample, limit))
	}
}
func (c *rtoCheck) Retransmit(sim.Time, sim.NodeID, uint32, reliable.Cause) {}
func (c *rtoCheck) Congestion(sim.Time, sim.NodeID, int, int)               {}
func (c *rtoCheck) RTO(at sim.Time, _ sim.NodeID, rto time.Duration) {
	c.check(at, "changed", rto)
}

const port = 9

// outcome is what a run produced.
type outcome struct {
	last   sim.Time // the last delivery
	sinks  map[string]*sink
	eps    map[string]*reliable.Endpoint
	obs    *rtoCheck
	err    error
	events uint64
}

// crashPlan crashes node B at At and restarts it at Restart; the
// applications resend what failed connections report.
type crashPlan struct{ At, Restart time.Duration }

// run plays a schedule on the real kernel: nodes A and B, each a udp.Host
// with a reliable.Endpoint on one port, sending each other numbered
// messages.
func run(s schedule) outcome { return runWith(s, nil) }

func runWith(s schedule, crash *crashPlan) outcome { return runUntil(s, crash, 0) }

// runUntil is runWith with the run stopped at virtual time stop (0: when
// the event queue drains).
func runUntil(s schedule, crash *crashPlan, stop time.Duration) outcome {
	o := outcome{sinks: map[string]*sink{}, eps: map[string]*reliable.Endpoint{}}
	o.obs = &rtoCheck{lo: s.MinRTO, hi: s.MaxRTO, adaptive: !s.Fixed, g: time.Millisecond}
	if s.Fixed {
		o.obs.lo, o.obs.hi = s.FixedTimeout, s.FixedTimeout
	}
	w := sim.New(sim.Config{Seed: s.Seed, MaxEvents: 5_000_000, MaxTime: sim.Time(stop)})
	net := &lossyNet{s: s, rand: w.Rand("net")}
	if s.Bandwidth > 0 {
		net.queue = netmodel.New(s.Seed, netmodel.Config{Default: netmodel.Params{Bandwidth: s.Bandwidth, Queue: s.Queue}}, nil)
	}
	w.SetNetwork(net)
	node := func(name string) sim.Factory {
		return func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			h.Bind(port, func(penv sim.Env) sim.Handler {
				ep := reliable.NewEndpoint(penv, s.options(), func(uenv sim.Env) sim.Handler {
					k, ok := o.sinks[name]
					if !ok {
						k = &sink{resend: crash != nil, resent: map[string]bool{}, last: &o.last}
						o.sinks[name] = k
					} else {
						k.got = append(k.got, "|")
					}
					k.env = uenv
					return k
				}, o.obs)
				o.eps[name] = ep
				return ep
			})
			return h
		}
	}
	a := w.AddNode("A", node("A"))
	b := w.AddNode("B", node("B"))
	for i := range max(s.AtoB, s.BtoA) {
		at := sim.Time(time.Duration(i) * s.Interval)
		if i < s.AtoB {
			w.At(at, func() {
				o.sinks["A"].env.Send(b, message("A", i, s.Size), "MSG")
				if s.Close && i == s.AtoB-1 {
					o.sinks["A"].env.(reliable.Closer).Close(b)
				}
			})
		}
		if i < s.BtoA {
			w.At(at, func() {
				o.sinks["B"].env.Send(a, message("B", i, s.Size), "MSG")
				if s.Close && i == s.BtoA-1 {
					o.sinks["B"].env.(reliable.Closer).Close(a)
				}
			})
		}
	}
	if crash != nil {
		w.At(sim.Time(crash.At), func() { w.Crash(b) })
		w.At(sim.Time(crash.Restart), func() { w.Restart(b) })
	}
	o.err = w.Run()
	o.events = w.Events()
	return o
}

// message is the i-th message from node, padded to size bytes.
func message(node string, i, size int) []byte {
	m := fmt.Sprintf("%s%d", node, i)
	if len(m) < size {
		m += strings.Repeat(".", size-len(m))
	}
	return []byte(m)
}

// check returns what is wrong with an outcome, or "".
func (o outcome) check(s schedule) string {
	var errs []string
	if o.err != nil {
		errs = append(errs, fmt.Sprintf("run did not drain (retransmissions never stopped?): %v", o.err))
	}
	for _, dir := range []struct {
		from, to string
		n        int
	}{{"A", "B", s.AtoB}, {"B", "A", s.BtoA}} {
		var want []string
		for i := range dir.n {
			want = append(want, string(message(dir.from, i, s.Size)))
		}
		if got := o.sinks[dir.to].got; strings.Join(got, " ") != strings.Join(want, " ") {
			errs = append(errs, fmt.Sprintf("%s got %v; want %v (every message exactly once, in order)", dir.to, got, want))
		}
		if f := o.sinks[dir.from].failed; len(f) > 0 {
			errs = append(errs, fmt.Sprintf("%s: connection failed: %v", dir.from, f))
		}
		if st := o.eps[dir.from].Total(); st.Unacked+st.Queued+st.QueuedBytes > 0 {
			errs = append(errs, fmt.Sprintf("%s still has %d unacked, %d queued (%d bytes)", dir.from, st.Unacked, st.Queued, st.QueuedBytes))
		}
		// A closed direction ends, once, after its last message.
		var eof []string
		if s.Close && dir.n > 0 {
			eof = []string{fmt.Sprintf("EOF after %d messages", dir.n)}
		}
		if got := o.sinks[dir.to].closed; strings.Join(got, ",") != strings.Join(eof, ",") {
			errs = append(errs, fmt.Sprintf("%s saw the end of %s's stream %v; want %v", dir.to, dir.from, got, eof))
		}
	}
	// When both closed, both connections end: TIME_WAIT is over when the
	// run drains.
	if s.Close && s.AtoB > 0 && s.BtoA > 0 {
		for _, n := range []string{"A", "B"} {
			peer := map[string]sim.NodeID{"A": 1, "B": 0}[n]
			if st := o.eps[n].State(peer); st != reliable.Closed {
				errs = append(errs, fmt.Sprintf("%s's connection is %v at the end; want CLOSED", n, st))
			}
		}
	}
	errs = append(errs, o.obs.bad...)
	return strings.Join(errs, "\n")
}

func drawSchedule(t *rapid.T) schedule {
	ms := func(lo, hi int64, label string) time.Duration {
		return time.Duration(rapid.Int64Range(lo, hi).Draw(t, label)) * time.Millisecond
	}
	s := schedule{
		Seed:           rapid.Uint64().Draw(t, "seed"),
		Loss:           rapid.Float64Range(0, 0.5).Draw(t, "loss"),
		Dup:            rapid.Float64Range(0, 0.3).Draw(t, "dup"),
		Reorder:        rapid.Float64Range(0, 0.3).Draw(t, "reorder"),
		Corrupt:        rapid.Float64Range(0, 0.1).Draw(t, "corrupt"),
		Delay:          ms(1, 20, "delay"),
		Jitter:         ms(0, 10, "jitter"),
		ReorderDelay:   ms(0, 50, "reorder_delay"),
		Bandwidth:      rapid.SampledFrom([]float64{0, 1e5, 1e6}).Draw(t, "bandwidth"),
		Queue:          rapid.SampledFrom([]int{0, 1, 2, 5, 20}).Draw(t, "queue"),
		Window:         rapid.SampledFrom([]int{1, 2, 4, 8, 16, 64}).Draw(t, "window"),
		Fixed:          rapid.Bool().Draw(t, "fixed"),
		FixedTimeout:   ms(30, 500, "fixed_timeout"),
		MinRTO:         ms(0, 200, "min_rto"),
		InitialRTO:     ms(50, 1000, "initial_rto"),
		Timestamps:     rapid.Bool().Draw(t, "timestamps"),
		SACK:           rapid.Bool().Draw(t, "sack"),
		FastRetransmit: rapid.Bool().Draw(t, "fast_retransmit"),
		CC:             rapid.Bool().Draw(t, "congestion_control"),
		SMSS:           rapid.SampledFrom([]int{0, 1, 10, 100}).Draw(t, "smss"),
		AtoB:           rapid.IntRange(0, 40).Draw(t, "a_to_b"),
		BtoA:           rapid.IntRange(0, 40).Draw(t, "b_to_a"),
		Interval:       ms(0, 20, "interval"),
		Size:           rapid.IntRange(0, 120).Draw(t, "size"),
		RecvBuffer:     rapid.SampledFrom([]int{0, 0, 150, 1000, 10000}).Draw(t, "recv_buffer"),
		ConsumeRate:    rapid.SampledFrom([]float64{0, 0, 20, 500}).Draw(t, "consume_rate"),
		Close:          rapid.Bool().Draw(t, "close"),
	}
	s.RACK = rapid.Bool().Draw(t, "rack")
	if s.Fixed {
		// A fixed timeout never backs off, so behind a drop-tail queue
		// two senders can lock in phase and drop each other's ACKs
		// forever (TestFixedTimeoutLivelock): no liveness to check.
		s.Queue = 0
	}
	s.MaxRTO = s.MinRTO + ms(100, 5000, "max_rto_above_min")
	for range rapid.IntRange(0, 2).Draw(t, "partitions") {
		start := ms(0, 3000, "partition_start")
		s.Partitions = append(s.Partitions, partition{start, start + ms(0, 10000, "partition_length")})
	}
	return s
}

// Lecture: TCP builds "reliable, logical connections over unreliable
// connections" out of ACKs, timeouts and sequence numbers. Whatever the
// network does (loss below 1, duplication, reordering, corruption caught by
// the UDP checksum, a finite queue that drops when full, partitions that
// heal), whatever recovery mechanisms run, each application receives every
// message of the other exactly once and in order; once everything is
// acknowledged the retransmissions stop and the world's queue drains; and
// the RTO stays within [MinRTO, MaxRTO] (RFC 6298 (2.4), (2.5)).
func TestPropertyExactlyOnceInOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := drawSchedule(t)
		if msg := run(s).check(s); msg != "" {
			t.Fatalf("%s\nrerun: add this schedule to regressions in property_test.go:\n%#v", msg, s)
		}
	})
}

// regressions are schedules run on every test, hand-picked to be hard or
// pasted from failures of the property.
var regressions = []schedule{
	// Heavy loss both ways, stop-and-wait, adaptive RTO.
	{Seed: 1, Loss: 0.5, Delay: dur("10ms"), Jitter: dur("5ms"), Window: 1, MinRTO: dur("20ms"), MaxRTO: dur("2s"), InitialRTO: dur("1s"), AtoB: 20, BtoA: 20, Interval: dur("1ms")},
	// Everything at once, with two partitions longer than MaxRTO.
	{Seed: 7, Loss: 0.3, Dup: 0.3, Reorder: 0.3, Corrupt: 0.1, Delay: dur("5ms"), Jitter: dur("10ms"), ReorderDelay: dur("50ms"),
		Partitions: []partition{{dur("100ms"), dur("4s")}, {dur("5s"), dur("9s")}},
		Window:     8, MinRTO: dur("50ms"), MaxRTO: dur("1s"), InitialRTO: dur("200ms"), AtoB: 25, BtoA: 25, Interval: dur("5ms")},
	// A fixed timeout shorter than the round trip: spurious
	// retransmissions, all suppressed as duplicates.
	{Seed: 3, Delay: dur("20ms"), Jitter: dur("10ms"), Window: 4, Fixed: true, FixedTimeout: dur("30ms"), MaxRTO: dur("1s"), AtoB: 25, Interval: dur("2ms")},
	// A simultaneous open, both sides close; B's first SYN, reordered,
	// reaches A after the connection is over and opens another, and a
	// late copy of B's DATA 1 followed: it was delivered twice, as
	// nothing in DATA showed it belonged to the old connection
	// (TestOldDuplicateSYN).
	{Seed: 4, Loss: 0.25, Dup: 0.3, Reorder: 0.3, Corrupt: 0.03125, Delay: dur("1ms"), ReorderDelay: dur("9ms"), Window: 2,
		FixedTimeout: dur("30ms"), MaxRTO: dur("100ms"), InitialRTO: dur("50ms"), Close: true, AtoB: 3, BtoA: 1, Interval: dur("3ms")},
	// The third leg lost, then A, holding DATA in SYN_RCVD, resent its
	// SYN-ACK only on its timer. Both timers at the 104 ms cap kept one
	// phase: B's answer met B's own retransmitted DATA in the one-datagram
	// queue every time, and the handshake never completed.
	{Seed: 9793, Loss: 0.5, Corrupt: 0.028648102593785175, Delay: dur("15ms"), Jitter: dur("2ms"), ReorderDelay: dur("21ms"),
		Bandwidth: 100000, Queue: 1, Window: 64, FixedTimeout: dur("60ms"), MinRTO: dur("3ms"), MaxRTO: dur("104ms"), InitialRTO: dur("534ms"),
		Timestamps: true, RACK: true, SMSS: 100, RecvBuffer: 10000, BtoA: 20, Size: 81},
}

// The lecture: "Messages may have been dropped due to overloaded server.
// Resending makes overload worse!" A sends 40 messages to B over a link of
// 100 kbit/s with a four-datagram queue and 20 ms each way, so a round trip
// takes over 50 ms. With a fixed 31 ms timeout and no backoff, segments are
// resent before their ACKs can come back: the needless copies take the
// bottleneck and its queue from new data and ACKs (most are dropped by the
// full queue, some arrive twice), and the transfer is no faster for them.
// The adaptive RTO waits as long as ACKs take and backs off. (With several senders on one bottleneck, the copies
// crowd out the others' data: scenario congestion_collapse.)
func TestResendingMakesOverloadWorse(t *testing.T) {
	s := schedule{Seed: 1, Delay: dur("20ms"), Bandwidth: 100000, Queue: 4, Window: 16,
		MinRTO: dur("10ms"), MaxRTO: dur("60s"), InitialRTO: dur("1s"), AtoB: 40, Size: 120,
		Timestamps: true, SACK: true, FastRetransmit: true, RACK: true, CC: true}
	adaptive := run(s)
	if msg := adaptive.check(s); msg != "" {
		t.Fatalf("adaptive: %s", msg)
	}
	s.Fixed, s.FixedTimeout = true, dur("31ms")
	fixed := runUntil(s, nil, 10*time.Minute)
	ta, tf := adaptive.eps["A"].Total(), fixed.eps["A"].Total()
	dupA, dupF := adaptive.eps["B"].Total().Duplicates, fixed.eps["B"].Total().Duplicates
	t.Logf("adaptive: %d retransmissions, %d duplicates, last delivery %v; fixed: %d retransmissions, %d duplicates, last delivery %v",
		ta.Retransmissions, dupA, adaptive.last, tf.Retransmissions, dupF, fixed.last)
	if len(fixed.sinks["B"].got) != 40 {
		t.Fatalf("fixed: %d of 40 delivered", len(fixed.sinks["B"].got))
	}
	if tf.Retransmissions < 5*ta.Retransmissions || dupF <= dupA {
		t.Errorf("fixed timeout: %d retransmissions and %d duplicates; want far more than the adaptive RTO's %d and %d",
			tf.Retransmissions, dupF, ta.Retransmissions, dupA)
	}
	if fixed.last < adaptive.last {
		t.Errorf("fixed timeout finished at %v, before the adaptive RTO (%v): resending did not help, it cannot be faster", fixed.last, adaptive.last)
	}
}

func TestRegressionSchedules(t *testing.T) {
	for i, s := range regressions {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			o := run(s)
			if msg := o.check(s); msg != "" {
				t.Fatalf("%s\nschedule: %#v", msg, s)
			}
			if o.obs.n == 0 {
				t.Errorf("no RTO was observed")
			}
		})
	}
}

// The same schedule gives the same run: same events, same deliveries.
func TestDeterministic(t *testing.T) {
	s := regressions[1]
	o1, o2 := run(s), run(s)
	if o1.events != o2.events || o1.eps["A"].Total() != o2.eps["A"].Total() {
		t.Errorf("two runs of one schedule differ: %d vs %d events, %+v vs %+v", o1.events, o2.events, o1.eps["A"].Total(), o2.eps["A"].Total())
	}
}

// A crash loses B's connection state. A, which cannot tell the crash from
// loss, retransmits with backoff into the void; B's new life answers the
// stale DATA with RST (rule 1), A's stream fails with ErrPeerRestarted
// (rule 3) and A's application resends what was not acknowledged on a new
// stream. Within each life of B every message arrives at most once and in
// order; across lives only the resent messages may repeat, and all arrive.
func TestCrashRestartOnKernel(t *testing.T) {
	s := schedule{Seed: 5, Loss: 0.1, Delay: dur("5ms"), Jitter: dur("2ms"), Window: 4,
		MinRTO: dur("50ms"), MaxRTO: dur("2s"), InitialRTO: dur("200ms"), AtoB: 20, Interval: dur("10ms")}
	o := runWith(s, &crashPlan{At: dur("55ms"), Restart: dur("3s")})
	if o.err != nil {
		t.Fatalf("run did not drain: %v", o.err)
	}
	a, b := o.sinks["A"], o.sinks["B"]
	if len(a.failed) == 0 || !strings.Contains(a.failed[0], reliable.ErrPeerRestarted.Error()) {
		t.Errorf("A's failures = %q; want the peer's restart", a.failed)
	}
	seen := map[string]int{}
	last := -1
	lives := 1
	for _, m := range b.got {
		if m == "|" {
			last, lives = -1, lives+1
			continue
		}
		var i int
		fmt.Sscanf(m, "A%d", &i)
		if i <= last {
			t.Errorf("life %d of B got %s after A%d: %v", lives, m, last, b.got)
		}
		last = i
		seen[m]++
	}
	if lives != 2 {
		t.Errorf("B had %d lives; want 2", lives)
	}
	for i := range s.AtoB {
		m := fmt.Sprintf("A%d", i)
		if seen[m] == 0 || seen[m] > 1 && !a.resent[m] {
			t.Errorf("%s delivered %d times (resent: %v); B got %v", m, seen[m], a.resent[m], b.got)
		}
	}
	if st := o.eps["B"].Total(); st.RejectedOld == 0 || st.ResetsSent == 0 {
		t.Errorf("B's new life: %+v; want stale segments rejected and answered with RST", st)
	}
}
