package reliable_test

import (
	"testing"
	"time"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/protocols/reliable"
)

// Veno against Reno on the two kinds of loss (Fu and Liew 2003): random
// loss on a link without a queue, where Veno keeps a larger window and
// finishes sooner; and Reno's halving, which each run of Reno shows as more
// time. Each case checks a margin, not a number of seconds: Reno at least
// 1.5 times Veno's total (2.9 and 5.4 times when written). A Veno that
// halved at every loss as Reno does came within 7% of Reno's time, and
// this test failed against it; the bare direction (Veno faster) did not.
func TestVenoAgainstReno(t *testing.T) {
	reno := reliable.DefaultOptions()
	reno.Congestion = reliable.Reno
	for _, tc := range []struct {
		loss float64
	}{{0.05}, {0.2}} {
		var v, r time.Duration
		for seed := uint64(1); seed <= 5; seed++ {
			p := netmodel.DefaultParams()
			p.Delay = netmodel.Delay{Kind: netmodel.Uniform, Min: 5 * time.Millisecond, Max: 15 * time.Millisecond}
			p.Loss = tc.loss
			v += bulkStream(seed, p, reliable.DefaultOptions(), 500, 1000).transfer
			r += bulkStream(seed, p, reno, 500, 1000).transfer
		}
		t.Logf("loss %g: Veno %v, Reno %v in all", tc.loss, v, r)
		if 2*r < 3*v {
			t.Errorf("loss %g: Veno took %v in all, Reno %v; want Reno at least 1.5 times slower on random loss", tc.loss, v, r)
		}
	}
}

func TestParseAlgorithm(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want reliable.Algorithm
		ok   bool
	}{{"reno", reliable.Reno, true}, {"veno", reliable.Veno, true}, {"cubic", 0, false}} {
		got, err := reliable.ParseAlgorithm(tc.in)
		if (err == nil) != tc.ok || tc.ok && got != tc.want {
			t.Errorf("ParseAlgorithm(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
		if tc.ok && got.String() != tc.in {
			t.Errorf("%v.String() = %q; want %q", got, got.String(), tc.in)
		}
	}
	bad := reliable.DefaultOptions()
	bad.Congestion = 7
	if bad.Validate() == nil {
		t.Errorf("Validate accepted congestion controller 7")
	}
}
