package netmodel

import (
	"math"
	"testing"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// TestDelayDistributions samples each distribution through Transmit and
// checks its range and its sample mean, which must lie within four standard
// errors of the distribution's mean.
func TestDelayDistributions(t *testing.T) {
	const n = 100_000
	ms := float64(time.Millisecond)
	// truncMean is the mean of N(mu, sd) conditioned on >= 0:
	// mu + sd*phi(mu/sd)/Phi(mu/sd).
	truncMean := func(mu, sd float64) float64 {
		b := mu / sd
		phi := math.Exp(-b*b/2) / math.Sqrt(2*math.Pi)
		Phi := 0.5 * math.Erfc(-b/math.Sqrt2)
		return mu + sd*phi/Phi
	}
	tests := []struct {
		name     string
		delay    Delay
		min, max time.Duration
		mean     float64 // ns
		sd       float64 // an upper bound of the standard deviation, ns
	}{
		{"constant", Delay{Kind: Constant, Value: 5 * time.Millisecond}, 5 * time.Millisecond, 5 * time.Millisecond, 5 * ms, 0},
		{"zero value", Delay{}, 0, 0, 0, 0},
		{"uniform", Delay{Kind: Uniform, Min: time.Millisecond, Max: 20 * time.Millisecond}, time.Millisecond, 20 * time.Millisecond, 10.5 * ms, 19 * ms / math.Sqrt(12)},
		{"uniform point", Delay{Kind: Uniform, Min: 3 * time.Millisecond, Max: 3 * time.Millisecond}, 3 * time.Millisecond, 3 * time.Millisecond, 3 * ms, 0},
		{"exponential", Delay{Kind: Exponential, Mean: 10 * time.Millisecond}, 0, maxDelay, 10 * ms, 10 * ms},
		{"normal", Delay{Kind: Normal, Mean: 10 * time.Millisecond, Stddev: 2 * time.Millisecond}, 0, maxDelay, 10 * ms, 2 * ms},
		{"normal at 0", Delay{Kind: Normal, Mean: 0, Stddev: 5 * time.Millisecond}, 0, maxDelay, 5 * ms * math.Sqrt(2/math.Pi), 5 * ms},
		{"normal near 0", Delay{Kind: Normal, Mean: 2 * time.Millisecond, Stddev: 5 * time.Millisecond}, 0, maxDelay, truncMean(2*ms, 5*ms), 5 * ms},
		{"normal no spread", Delay{Kind: Normal, Mean: 7 * time.Millisecond}, 7 * time.Millisecond, 7 * time.Millisecond, 7 * ms, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := faultless()
			p.Delay = tt.delay
			net := New(3, Config{Default: p}, namer("A", "B"))
			var sum float64
			lo, hi := time.Duration(math.MaxInt64), time.Duration(-1)
			zeros := 0
			for i := range n {
				d := send(net, sim.Time(i), 0, 1, nil).Copies[0].Delay
				sum += float64(d)
				lo, hi = min(lo, d), max(hi, d)
				if d == 0 {
					zeros++
				}
			}
			if lo < tt.min || hi > tt.max {
				t.Errorf("delays in [%v, %v]; want within [%v, %v]", lo, hi, tt.min, tt.max)
			}
			mean := sum / n
			if tol := 4*tt.sd/math.Sqrt(n) + 1; math.Abs(mean-tt.mean) > tol {
				t.Errorf("mean delay %v; want %v ± %v", time.Duration(mean), time.Duration(tt.mean), time.Duration(tol))
			}
			// Truncation by conditioning leaves no pile of zero delays.
			if tt.delay.Kind == Normal && tt.sd > 0 && zeros > 10 {
				t.Errorf("%d of %d normal delays are exactly 0; want a continuous distribution", zeros, n)
			}
		})
	}
}

// TestUniformEnds checks that a uniform delay reaches both ends of its
// range: [0ns, 2ns] gives 0, 1 and 2 ns about equally often.
func TestUniformEnds(t *testing.T) {
	p := faultless()
	p.Delay = Delay{Kind: Uniform, Min: 0, Max: 2}
	net := New(1, Config{Default: p}, namer("A", "B"))
	var counts [3]int
	for i := range 3000 {
		counts[send(net, sim.Time(i), 0, 1, nil).Copies[0].Delay]++
	}
	for d, c := range counts {
		if c < 900 || c > 1100 {
			t.Errorf("delay %dns drawn %d times of 3000; want about 1000", d, c)
		}
	}
}

// TestSampleInvalid checks that invalid parameters, which Validate rejects,
// still never give a negative delay.
func TestSampleInvalid(t *testing.T) {
	for _, d := range []Delay{
		{Kind: Constant, Value: -time.Second},
		{Kind: Uniform, Min: -5, Max: -1},
		{Kind: Uniform, Min: 10, Max: 1},
		{Kind: Exponential, Mean: -time.Second},
		{Kind: Normal, Mean: -time.Second, Stddev: time.Millisecond},
		{Kind: Normal, Mean: time.Second, Stddev: -time.Millisecond},
		{Kind: "pareto", Value: time.Second},
	} {
		for _, u := range []float64{0, 0.5, 1 - 1.0/(1<<53)} {
			if got := d.sample(u); got < 0 {
				t.Errorf("%v.sample(%v) = %v; want >= 0", d, u, got)
			}
		}
	}
}

// TestTruncNormalExtremes checks the inversion at the ends of [0, 1).
func TestTruncNormalExtremes(t *testing.T) {
	ms := float64(time.Millisecond)
	tests := []struct {
		mean, sd, u float64
		lo, hi      time.Duration
	}{
		{10 * ms, 2 * ms, 0, 0, 0}, // u = 0 is the truncation point
		{10 * ms, 2 * ms, 1 - 1.0/(1<<53), 20 * time.Millisecond, 30 * time.Millisecond}, // upper tail, about 8 sd
		{0, 5 * ms, 0, 0, 0},           // the truncation point itself
		{1e12 * ms, 1, 0, 0, maxDelay}, // u = 0 is still the truncation point, not -Inf
		{10 * ms, 2 * ms, 0.5, 10 * time.Millisecond, 10*time.Millisecond + 2}, // median, a hair above the mean
	}
	for _, tt := range tests {
		got := truncNormal(tt.mean, tt.sd, tt.u)
		if got < tt.lo || got > tt.hi {
			t.Errorf("truncNormal(%v, %v, %v) = %v; want in [%v, %v]", tt.mean, tt.sd, tt.u, got, tt.lo, tt.hi)
		}
	}
}
