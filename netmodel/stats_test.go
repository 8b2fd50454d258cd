package netmodel

import (
	"fmt"
	"math"
	"testing"

	"github.com/sim-lecture/sim/sim"
)

// TestFaultRates checks that each fault happens with its configured
// probability: over n datagrams the observed fraction lies within four
// standard deviations, sqrt(p(1-p)/n), of p. The seed is fixed, so the test
// is deterministic; the bound says the generator and the draw order are
// sound, not that this seed was lucky.
func TestFaultRates(t *testing.T) {
	const n = 100_000
	type rates struct{ lost, duplicated, reordered, corrupted float64 }
	observe := func(p Params) rates {
		net := New(7, Config{Default: p}, namer("A", "B"))
		var r rates
		msg := testMsg(0, 64)
		for i := range n {
			d := send(net, sim.Time(i), 0, 1, msg)
			if d.Reason == ReasonLoss {
				r.lost++
			}
			for _, c := range d.Copies {
				switch c.Fate {
				case sim.Duplicated:
					r.duplicated++
				case sim.Reordered:
					r.reordered++
				case sim.Corrupted:
					r.corrupted++
				}
			}
		}
		// Duplicates, reorderings and corruptions can only happen to
		// datagrams that were not lost.
		delivered := float64(n) - r.lost
		return rates{r.lost / n, r.duplicated / delivered, r.reordered / delivered, r.corrupted / delivered}
	}
	within := func(t *testing.T, what string, got, p float64, count float64) {
		t.Helper()
		sd := math.Sqrt(p * (1 - p) / count)
		if math.Abs(got-p) > 4*sd {
			t.Errorf("%s fraction = %.5f; want %.3f ± %.5f (4 sd)", what, got, p, 4*sd)
		}
	}
	for _, p := range []float64{0, 0.01, 0.1, 0.3, 0.5, 0.9, 1} {
		t.Run(fmt.Sprintf("loss=%v", p), func(t *testing.T) {
			par := faultless()
			par.Loss = p
			within(t, "lost", observe(par).lost, p, n)
		})
		t.Run(fmt.Sprintf("duplicate=%v", p), func(t *testing.T) {
			par := faultless()
			par.Duplicate = p
			within(t, "duplicated", observe(par).duplicated, p, n)
		})
		t.Run(fmt.Sprintf("reorder=%v", p), func(t *testing.T) {
			par := faultless()
			par.Reorder = p
			within(t, "reordered", observe(par).reordered, p, n)
		})
		t.Run(fmt.Sprintf("corrupt=%v", p), func(t *testing.T) {
			par := faultless()
			par.Corrupt = p
			within(t, "corrupted", observe(par).corrupted, p, n)
		})
	}
	// All faults at once: each still has its own rate, the others counted
	// among the datagrams that were not lost.
	t.Run("combined", func(t *testing.T) {
		par := faultless()
		par.Loss, par.Duplicate, par.Reorder, par.Corrupt = 0.2, 0.1, 0.3, 0
		got := observe(par)
		within(t, "lost", got.lost, 0.2, n)
		within(t, "duplicated", got.duplicated, 0.1, 0.8*n)
		within(t, "reordered", got.reordered, 0.3, 0.8*n)
	})
}

// TestStatsCounters checks that Stats counts what Transmit returned.
func TestStatsCounters(t *testing.T) {
	p := faultless()
	p.Loss, p.Duplicate, p.Reorder, p.Corrupt = 0.2, 0.2, 0.2, 0.2
	net := New(3, Config{Default: p}, namer("A", "B", "C"))
	net.Block("C", "A")
	var want Stats
	for i := range 5000 {
		from, to := sim.NodeID(i%3), sim.NodeID((i+1)%3)
		d := send(net, sim.Time(i), from, to, testMsg(i, 20))
		want.Sent++
		switch d.Reason {
		case ReasonLoss:
			want.Lost++
		case ReasonPartition:
			want.Partitioned++
		}
		for _, c := range d.Copies {
			switch c.Fate {
			case sim.Duplicated:
				want.Duplicated++
			case sim.Reordered:
				want.Reordered++
			case sim.Corrupted:
				want.Corrupted++
			}
		}
	}
	got := net.Stats()
	// A copy both corrupted and reordered shows only as Corrupted, but
	// Stats counts it in both: Reordered may exceed what the fates show.
	if got.Reordered < want.Reordered {
		t.Errorf("Stats().Reordered = %d; want >= %d", got.Reordered, want.Reordered)
	}
	got.Reordered = want.Reordered
	if got != want {
		t.Errorf("Stats() = %+v; want %+v", got, want)
	}
	if want.Partitioned != 5000/3 {
		t.Errorf("partitioned %d; want %d (every C -> A datagram)", want.Partitioned, 5000/3)
	}
}
