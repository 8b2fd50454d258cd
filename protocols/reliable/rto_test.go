package reliable

import (
	"errors"
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// ms converts milliseconds to exact Nanoseconds. The vectors' values are
// dyadic rationals whose products with 1e6 are representable, so the
// multiplication is exact.
func ms(x float64) Nanoseconds { return Nanoseconds(x * 1e6) }

// msDur converts whole or fractional milliseconds to a time.Duration rounded
// to the nanosecond, the way Estimator.RTO rounds.
func msDur(x float64) time.Duration { return ms(x).Duration() }

// step is one input to the estimator and the state expected after it.
type step struct {
	sample  time.Duration // > 0: Sample(sample); 0: Backoff (timer expired)
	ackOnly bool          // an ACK that yields no sample (Karn): no call at all
	// Expected state after the step, in ms. Zero fields are not checked
	// (no vector has a genuine zero).
	srtt, rttvar, raw, rto float64
}

func sampleMS(r float64, srtt, rttvar, raw, rto float64) step {
	return step{sample: msDur(r), srtt: srtt, rttvar: rttvar, raw: raw, rto: rto}
}

func timeout(rto float64) step { return step{rto: rto} }

// Reference: RFC 6298 §2.1-2.5, §3, §4, §5.5, with the vectors A-D of
// protocol-facts.md §1.
func TestEstimatorVectors(t *testing.T) {
	const noFloor = 0
	tests := []struct {
		name        string
		cfg         Config
		initialRTO  float64
		steps       []step
		finalSample int
	}{
		{
			// Reference: RFC 6298 (2.2), (2.3), (2.4): the floor hides the
			// computed value, which is still tracked.
			name:       "A floor",
			cfg:        Config{G: 10 * time.Millisecond, Min: time.Second},
			initialRTO: 1000,
			steps: []step{
				sampleMS(100, 100, 50, 300, 1000),
				sampleMS(120, 102.5, 42.5, 272.5, 1000),
				sampleMS(80, 99.6875, 37.5, 249.6875, 1000),
				sampleMS(200, 112.2265625, 53.203125, 325.0390625, 1000),
			},
		},
		{
			// Reference: RFC 6298 (2.2), (2.3): RTTVAR uses the old SRTT.
			name:       "B G=100",
			cfg:        Config{G: 100 * time.Millisecond, Min: noFloor},
			initialRTO: 1000,
			steps: []step{
				sampleMS(1500, 1500, 750, 4500, 4500),
				sampleMS(1700, 1525, 612.5, 3975, 3975),
				sampleMS(1300, 1496.875, 515.625, 3559.375, 3559.375),
				sampleMS(3000, 1684.765625, 762.5, 4734.765625, 4734.765625),
				sampleMS(1600, 1674.169921875, 593.06640625, 4046.435546875, 4046.435546875),
			},
		},
		{
			// Reference: RFC 6298 (2.1), §3 (Karn), (5.5) and (2.5).
			name:       "C backoff and cap",
			cfg:        Config{G: 100 * time.Millisecond, Min: time.Second, Max: 60 * time.Second},
			initialRTO: 1000,
			steps: []step{
				timeout(2000),
				timeout(4000),
				{ackOnly: true, rto: 4000},
				sampleMS(2500, 2500, 1250, 7500, 7500),
				sampleMS(2000, 2437.5, 1062.5, 6687.5, 6687.5),
				timeout(13375),
				timeout(26750),
				timeout(53500),
				timeout(60000),
				timeout(60000),
			},
		},
		{
			// Reference: RFC 6298 (2.3) and §4: once 4·RTTVAR < G the RTO
			// is SRTT + G.
			name:       "D constant RTT",
			cfg:        Config{G: 100 * time.Millisecond, Min: noFloor},
			initialRTO: 1000,
			steps: []step{
				sampleMS(400, 400, 200, 1200, 1200),
				sampleMS(400, 400, 150, 1000, 1000),
				sampleMS(400, 400, 112.5, 850, 850),
				sampleMS(400, 400, 84.375, 737.5, 737.5),
				sampleMS(400, 400, 63.28125, 653.125, 653.125),
				sampleMS(400, 400, 47.4609375, 589.84375, 589.84375),
				sampleMS(400, 400, 35.595703125, 542.3828125, 542.3828125),
				sampleMS(400, 400, 26.69677734375, 506.787109375, 506.787109375),
				sampleMS(400, 400, 20.0225830078125, 500, 500),
				sampleMS(400, 400, 15.016937255859375, 500, 500),
				sampleMS(400, 400, 11.262702941894531, 500, 500),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(tt.cfg)
			if err != nil {
				t.Fatalf("New(%+v): %v", tt.cfg, err)
			}
			if got, want := e.RTO(), msDur(tt.initialRTO); got != want {
				t.Fatalf("initial RTO() = %v; want %v", got, want)
			}
			for i, s := range tt.steps {
				switch {
				case s.ackOnly:
				case s.sample > 0:
					e.Sample(s.sample)
				default:
					e.Backoff()
				}
				check := func(what string, got Nanoseconds, wantMS float64) {
					t.Helper()
					if wantMS != 0 && got != ms(wantMS) {
						t.Errorf("step %d: %s = %v ms; want %v ms", i+1, what, float64(got)/1e6, wantMS)
					}
				}
				check("SRTT", e.SRTT(), s.srtt)
				check("RTTVAR", e.RTTVAR(), s.rttvar)
				check("Raw", e.Raw(), s.raw)
				check("Exact", e.Exact(), s.rto)
				if got, want := e.RTO(), msDur(s.rto); got != want {
					t.Errorf("step %d: RTO() = %v; want %v", i+1, got, want)
				}
			}
		})
	}
}

// The formula of vector D, RTTVAR = 200·0.75^(n−1) ms, holds exactly.
func TestConstantRTTVARFormula(t *testing.T) {
	e, err := New(Config{G: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 20; n++ {
		e.Sample(400 * time.Millisecond)
		want := ms(200 * math.Pow(0.75, float64(n-1)))
		if got := e.RTTVAR(); got != want {
			t.Errorf("sample %d: RTTVAR = %v ns; want %v ns", n, float64(got), float64(want))
		}
	}
}

func TestRTORounding(t *testing.T) {
	e, err := New(Config{G: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []int{1500, 1700, 1300, 3000, 1600} {
		e.Sample(time.Duration(r) * time.Millisecond)
	}
	// 4046.435546875 ms = 4046435546.875 ns rounds up.
	if got, want := e.RTO(), 4046435547*time.Nanosecond; got != want {
		t.Errorf("RTO() = %d ns; want %d ns", got, want)
	}
}

func TestNewDefaultsAndErrors(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatalf("New(Config{}): %v", err)
	}
	c := e.Config()
	if c.Initial != time.Second || c.K != 4 || c.Alpha != 0.125 || c.Beta != 0.25 {
		t.Errorf("New(Config{}).Config() = %+v; want Initial 1s, K 4, Alpha 1/8, Beta 1/4", c)
	}
	if got := e.RTO(); got != time.Second {
		t.Errorf("RTO() before any sample = %v; want 1s (RFC 6298 (2.1))", got)
	}
	if got := e.Raw(); got != 0 {
		t.Errorf("Raw() before any sample = %v; want 0", got)
	}
	if _, err := New(DefaultConfig()); err != nil {
		t.Errorf("New(DefaultConfig()): %v", err)
	}
	// Initial is clamped like any RTO.
	e, err = New(Config{Initial: 10 * time.Millisecond, Min: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.RTO(); got != 200*time.Millisecond {
		t.Errorf("RTO() with Initial below Min = %v; want 200ms", got)
	}

	bad := []Config{
		{Initial: -1},
		{Min: -1},
		{Max: -1},
		{G: -1},
		{K: -1},
		{Min: 2 * time.Second, Max: time.Second},
		{Alpha: -0.5},
		{Alpha: 1.5},
		{Beta: math.NaN()},
		{Beta: 2},
	}
	for _, c := range bad {
		if _, err := New(c); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v) error = %v; want ErrConfig", c, err)
		}
	}
}

func TestSampleNegativeIsZero(t *testing.T) {
	e, _ := New(Config{G: time.Millisecond})
	e.Sample(-5 * time.Second)
	if e.SRTT() != 0 || e.RTTVAR() != 0 || e.RTO() != time.Millisecond {
		t.Errorf("after Sample(-5s): SRTT %v, RTTVAR %v, RTO %v; want 0, 0, 1ms", e.SRTT(), e.RTTVAR(), e.RTO())
	}
}

// Without a cap, repeated backoff saturates instead of overflowing.
func TestBackoffSaturates(t *testing.T) {
	e, _ := New(Config{})
	for range 2000 {
		e.Backoff()
	}
	if got := e.RTO(); got != math.MaxInt64 {
		t.Errorf("RTO() after 2000 uncapped backoffs = %v; want the largest Duration", got)
	}
	e.Sample(time.Second)
	if got := e.RTO(); got != 3*time.Second {
		t.Errorf("RTO() after a sample collapses the backoff = %v; want 3s", got)
	}
}

func TestNanosecondsDuration(t *testing.T) {
	tests := []struct {
		in   Nanoseconds
		want time.Duration
	}{
		{0, 0},
		{1.5, 2},
		{-1.5, -2},
		{1674169921.875, 1674169922},
		{Nanoseconds(math.Inf(1)), math.MaxInt64},
		{Nanoseconds(math.Inf(-1)), math.MinInt64},
		{Nanoseconds(math.NaN()), 0},
		{1e19, math.MaxInt64},
	}
	for _, tt := range tests {
		if got := tt.in.Duration(); got != tt.want {
			t.Errorf("Nanoseconds(%v).Duration() = %d; want %d", float64(tt.in), got, tt.want)
		}
	}
}

// Reference: RFC 6298 (2.4), (2.5), (5.5): whatever the samples and
// timeouts, the RTO stays within [Min, Max].
func TestRTOBoundedProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		minRTO := time.Duration(rapid.Int64Range(0, int64(10*time.Second)).Draw(t, "min"))
		maxRTO := time.Duration(0)
		if rapid.Bool().Draw(t, "capped") {
			maxRTO = minRTO + time.Duration(rapid.Int64Range(0, int64(100*time.Second)).Draw(t, "maxAboveMin"))
			if maxRTO == 0 {
				maxRTO = 1 // 0 would mean "no cap"
			}
		}
		cfg := Config{
			Initial: time.Duration(rapid.Int64Range(0, int64(100*time.Second)).Draw(t, "initial")),
			Min:     minRTO,
			Max:     maxRTO,
			G:       time.Duration(rapid.Int64Range(0, int64(time.Second)).Draw(t, "g")),
		}
		e, err := New(cfg)
		if err != nil {
			t.Fatalf("New(%+v): %v", cfg, err)
		}
		check := func(after string) {
			got := e.RTO()
			if got < cfg.Min || (cfg.Max != 0 && got > cfg.Max) {
				t.Fatalf("after %s: RTO() = %v outside [%v, %v]", after, got, cfg.Min, cfg.Max)
			}
		}
		check("New")
		n := rapid.IntRange(0, 100).Draw(t, "ops")
		for range n {
			if rapid.Bool().Draw(t, "backoff") {
				e.Backoff()
				check("Backoff")
			} else {
				r := time.Duration(rapid.Int64Range(-int64(time.Second), int64(time.Hour)).Draw(t, "rtt"))
				e.Sample(r)
				check("Sample")
			}
		}
	})
}

// Reference: RFC 7323 Appendix G: with about n samples per round trip the
// gains are α/n and β/n. The first sample is RFC 6298 (2.2) whatever n,
// and n = 1 is exactly (2.3).
func TestSampleScaled(t *testing.T) {
	tests := []struct {
		name                 string
		expected             int
		srtt, rttvar, rtoRaw float64 // after samples of 100ms then 200ms, in ms
	}{
		// RTTVAR = 15/16·50 + 1/16·100, SRTT = 31/32·100 + 1/32·200.
		{"four per round trip", 4, 103.125, 53.125, 315.625},
		// RTTVAR = 3/4·50 + 1/4·100, SRTT = 7/8·100 + 1/8·200: (2.3).
		{"one per round trip", 1, 112.5, 62.5, 362.5},
		{"zero is one", 0, 112.5, 62.5, 362.5},
	}
	for _, tt := range tests {
		e, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		e.SampleScaled(100*time.Millisecond, tt.expected)
		if e.SRTT() != ms(100) || e.RTTVAR() != ms(50) {
			t.Errorf("%s: first sample SRTT %v RTTVAR %v; want 100ms, 50ms (2.2)", tt.name, e.SRTT(), e.RTTVAR())
		}
		e.Backoff()
		e.SampleScaled(200*time.Millisecond, tt.expected)
		if e.SRTT() != ms(tt.srtt) || e.RTTVAR() != ms(tt.rttvar) || e.Exact() != ms(tt.rtoRaw) {
			t.Errorf("%s: SRTT %v RTTVAR %v RTO %v; want %v, %v, %v (and the backoff collapsed)", tt.name,
				e.SRTT(), e.RTTVAR(), e.Exact(), ms(tt.srtt), ms(tt.rttvar), ms(tt.rtoRaw))
		}
	}
}
