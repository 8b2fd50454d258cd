package netmodel

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sim-lecture/sim/sim"
)

// busy returns parameters with every fault, a random delay and a bandwidth,
// so that every draw of a datagram matters.
func busy() Params {
	return Params{
		Delay:        Delay{Kind: Uniform, Min: time.Millisecond, Max: 20 * time.Millisecond},
		Bandwidth:    10e6,
		Loss:         0.2,
		Duplicate:    0.2,
		Reorder:      0.2,
		Corrupt:      0.2,
		ReorderDelay: 30 * time.Millisecond,
	}
}

// TestLinkIsolation checks that the decisions on A -> B are the same
// whether the network has only A and B, or more nodes with other IDs whose
// links are used between the datagrams of A -> B.
func TestLinkIsolation(t *testing.T) {
	const n = 2000
	alone := New(42, Config{Default: busy()}, namer("A", "B"))
	var want []decision
	for i := range n {
		want = append(want, send(alone, sim.Time(i)*sim.Time(time.Millisecond), 0, 1, testMsg(i, 100)))
	}

	// The same names with other IDs: C=0, B=1, D=2, A=3.
	crowd := New(42, Config{Default: busy()}, namer("C", "B", "D", "A"))
	const c, b, d, a = 0, 1, 2, 3
	var got []decision
	for i := range n {
		now := sim.Time(i) * sim.Time(time.Millisecond)
		for _, other := range [][2]sim.NodeID{{c, b}, {a, d}, {d, a}, {b, a}, {a, c}} {
			send(crowd, now, other[0], other[1], testMsg(i+1, 300))
		}
		got = append(got, send(crowd, now, a, b, testMsg(i, 100)))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("A -> B decisions changed by other links (-alone +crowd):\n%s", diff)
	}
}

// TestDeterminism checks that a seed fixes every decision and that another
// seed gives other decisions.
func TestDeterminism(t *testing.T) {
	run := func(seed uint64) []decision {
		net := New(seed, Config{Default: busy()}, namer("A", "B"))
		var ds []decision
		for i := range 500 {
			ds = append(ds, send(net, sim.Time(i)*sim.Time(time.Millisecond), sim.NodeID(i%2), sim.NodeID(1-i%2), testMsg(i, 50)))
		}
		return ds
	}
	if diff := cmp.Diff(run(1), run(1)); diff != "" {
		t.Errorf("same seed, different decisions (-first +second):\n%s", diff)
	}
	lost := func(ds []decision) []bool {
		var l []bool
		for _, d := range ds {
			l = append(l, d.Reason == ReasonLoss)
		}
		return l
	}
	if cmp.Equal(lost(run(1)), lost(run(2))) {
		t.Error("seeds 1 and 2 lost the same datagrams; want different losses")
	}
}

// TestDrawsIndependentOfProbabilities checks the fixed draw count: changing
// the duplicate, reorder and corrupt probabilities and the delay
// distribution does not change which datagrams are lost, and changing the
// loss probability does not change the delays of the datagrams that get
// through in both runs.
func TestDrawsIndependentOfProbabilities(t *testing.T) {
	run := func(p Params) []decision {
		net := New(9, Config{Default: p}, namer("A", "B"))
		var ds []decision
		for i := range 3000 {
			ds = append(ds, send(net, sim.Time(i)*sim.Time(time.Second), 0, 1, testMsg(i, 10)))
		}
		return ds
	}
	base := faultless()
	base.Delay = Delay{Kind: Exponential, Mean: 10 * time.Millisecond}
	base.Loss = 0.3
	other := base
	other.Duplicate, other.Reorder, other.Corrupt = 0.5, 0.5, 0.5
	other.Delay = Delay{Kind: Constant, Value: time.Millisecond}
	a, b := run(base), run(other)
	for i := range a {
		if (a[i].Reason == ReasonLoss) != (b[i].Reason == ReasonLoss) {
			t.Fatalf("datagram %d: lost %v with %+v but %v with %+v", i, a[i].Reason == ReasonLoss, base, b[i].Reason == ReasonLoss, other)
		}
	}

	lossless := base
	lossless.Loss = 0
	c := run(lossless)
	for i := range a {
		if a[i].Reason == "" && !cmp.Equal(a[i], c[i]) {
			t.Fatalf("datagram %d: %+v with loss 0.3 but %+v with loss 0", i, a[i], c[i])
		}
	}
}

// TestPartitionDoesNotShiftDraws checks that the datagrams after a healed
// partition meet the same fate as without the partition: a dropped
// datagram still consumes its draws.
func TestPartitionDoesNotShiftDraws(t *testing.T) {
	p := busy()
	p.Bandwidth = 0 // the queue would be emptier with the partition
	run := func(partition bool) []decision {
		net := New(5, Config{Default: p}, namer("A", "B"))
		var ds []decision
		for i := range 1000 {
			if partition && i == 100 {
				net.Partition([][]string{{"A"}, {"B"}})
			}
			if partition && i == 200 {
				net.Heal()
			}
			ds = append(ds, send(net, sim.Time(i)*sim.Time(time.Second), 0, 1, testMsg(i, 10)))
		}
		return ds
	}
	with, without := run(true), run(false)
	for i := 100; i < 200; i++ {
		if with[i].Reason != ReasonPartition {
			t.Fatalf("datagram %d during the partition: reason %q; want %q", i, with[i].Reason, ReasonPartition)
		}
	}
	if diff := cmp.Diff(without[200:], with[200:]); diff != "" {
		t.Errorf("decisions after the heal changed (-without +with):\n%s", diff)
	}
}

// TestStreamName checks that a link's stream is the one the package
// comment names, so that other tools can reproduce its draws.
func TestStreamName(t *testing.T) {
	p := faultless()
	p.Loss = 0.5
	net := New(77, Config{Default: p}, namer("client", "server"))
	r := LinkStream(77, "client", "server")
	for i := range 200 {
		uLoss := r.Float64()
		for range 7 {
			r.Uint64()
		}
		d := send(net, sim.Time(i), 0, 1, nil)
		if got, want := d.Reason == ReasonLoss, uLoss < 0.5; got != want {
			t.Fatalf("datagram %d: lost = %v; want %v from the stream link/client->server", i, got, want)
		}
	}
}

// TestFatesReadTheStreamInOrder checks every decision against the stream
// read the plain way the package comment describes it: eight numbers per
// datagram, in order, from the start of LinkStream. Both directions of a
// pair carry well over 255 datagrams each, past where a direction's count
// moves from its one-byte counter to the wide one, and the probabilities
// are such that every draw decides something.
func TestFatesReadTheStreamInOrder(t *testing.T) {
	tests := []struct {
		name string
		p    func() Params
	}{
		{"every fault", func() Params { p := busy(); p.Bandwidth = 0; return p }},
		{"loss only, exponential delay", func() Params {
			p := faultless()
			p.Loss, p.Delay = 0.3, Delay{Kind: Exponential, Mean: 5 * time.Millisecond}
			return p
		}},
		{"no fault", faultless},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p()
			net := New(3, Config{Default: p}, namer("x", "y"))
			streams := []sim.SplitMix{LinkStream(3, "x", "y"), LinkStream(3, "y", "x")}
			for i := range 1300 {
				from := sim.NodeID(i % 3 % 2) // x, y, x, x, y, x, ...: the directions drift apart
				msg := testMsg(i, 20)
				want := readFate(&streams[from], p, msg)
				if got := send(net, sim.Time(i), from, 1-from, msg); !cmp.Equal(got, want, cmpSorted(func(a, b sim.Arrival) bool { return a.Fate < b.Fate })) {
					t.Fatalf("datagram %d from %d: got %+v; want %+v", i, from, got, want)
				}
			}
		})
	}
}

// readFate is the fate of msg under p with the next eight numbers of r,
// following Network's steps with no queue and no partition.
func readFate(r *sim.SplitMix, p Params, msg []byte) decision {
	var u [8]float64
	var x [8]uint64
	for i := range 8 {
		x[i] = r.Uint64()
		u[i] = float64(x[i]>>11) / (1 << 53)
	}
	if u[0] < p.Loss {
		return decision{Reason: ReasonLoss}
	}
	first := sim.Arrival{Delay: p.Delay.sample(u[6]), Msg: msg}
	if u[3] < p.Reorder && p.ReorderDelay > 0 {
		first.Delay += 1 + time.Duration(scale(x[5], uint64(p.ReorderDelay)))
		first.Fate = sim.Reordered
	}
	if u[2] < p.Corrupt && len(msg) > 0 {
		first.Msg = flipBit(msg, scale(x[4], uint64(len(msg))*8))
		first.Fate = sim.Corrupted
	}
	d := decision{Copies: []sim.Arrival{first}}
	if u[1] < p.Duplicate {
		d.Copies = append(d.Copies, sim.Arrival{Delay: p.Delay.sample(u[7]), Msg: msg, Fate: sim.Duplicated})
	}
	return d
}
