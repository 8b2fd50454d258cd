// The retransmission timer of RFC 6298: SRTT, RTTVAR, the RTO, backoff.

package reliable

import (
	"errors"
	"math"
	"time"
)

// Nanoseconds is a duration in nanoseconds held as a float64. The RFC 6298
// averages use α = 1/8 and β = 1/4, so SRTT and RTTVAR quickly acquire
// fractions of a nanosecond (1674.169921875 ms is 1674169921.875 ns). Those
// values are dyadic rationals and a float64 holds them exactly, where a
// time.Duration would have to round at every step and drift from the RFC's
// arithmetic.
type Nanoseconds float64

// Duration returns n rounded to the nearest nanosecond, saturating at the
// limits of time.Duration.
func (n Nanoseconds) Duration() time.Duration {
	switch {
	case math.IsNaN(float64(n)):
		return 0
	case n >= math.MaxInt64:
		return math.MaxInt64
	case n <= math.MinInt64:
		return math.MinInt64
	}
	return time.Duration(math.Round(float64(n)))
}

// Config holds the parameters of the RFC 6298 estimator. The zero Config is
// valid: an initial RTO of 1 s, no floor, no cap, G = 0 and the RFC's K,
// α and β.
type Config struct {
	// Initial is the RTO before any RTT sample (RFC 6298 (2.1)); 0 means
	// the RFC's 1 s. Like every RTO it is clamped to [Min, Max].
	Initial time.Duration
	// Min is the floor on the RTO; the RFC says 1 s (2.4). 0 means no floor.
	Min time.Duration
	// Max is the cap on the RTO; the RFC asks for at least 60 s (2.5) but
	// any value is accepted, for tests. 0 means no cap.
	Max time.Duration
	// G is the clock granularity: the RTO is at least SRTT + G (2.2, §4).
	G time.Duration
	// K multiplies RTTVAR in the RTO; 0 means the RFC's 4.
	K int
	// Alpha is the gain of SRTT, in (0, 1]; 0 means the RFC's 1/8.
	Alpha float64
	// Beta is the gain of RTTVAR, in (0, 1]; 0 means the RFC's 1/4.
	Beta float64
}

// DefaultConfig returns the values RFC 6298 recommends: an initial RTO of
// 1 s, a 1 s floor and a 60 s cap. The RFC does not fix G; 1 ms is this
// simulator's choice.
func DefaultConfig() Config {
	return Config{
		Initial: time.Second,
		Min:     time.Second,
		Max:     60 * time.Second,
		G:       time.Millisecond,
	}
}

// ErrConfig means a Config has a negative duration, Min above a non-zero
// Max, or K, Alpha or Beta out of range.
var ErrConfig = errors.New("reliable: invalid RTO config")

// Estimator is the retransmission-timeout estimator of RFC 6298. It is a
// plain value that does no I/O and reads no clock: the transport feeds it
// RTT samples and timer expiries and asks it for the RTO. Copying it copies
// its state.
//
// Karn's rule (RFC 6298 §3) is the caller's job: see Sample.
type Estimator struct {
	cfg     Config
	k       float64
	alpha   float64
	beta    float64
	samples int
	srtt    float64 // ns
	rttvar  float64 // ns
	rto     float64 // ns, clamped, including any backoff
}

// New returns an estimator in the state of RFC 6298 (2.1): no sample yet
// and an RTO of cfg.Initial. It returns an error wrapping ErrConfig if cfg
// is invalid.
func New(cfg Config) (Estimator, error) {
	if cfg.Initial < 0 || cfg.Min < 0 || cfg.Max < 0 || cfg.G < 0 || cfg.K < 0 {
		return Estimator{}, ErrConfig
	}
	if cfg.Max != 0 && cfg.Min > cfg.Max {
		return Estimator{}, ErrConfig
	}
	// The negated comparisons also reject NaN.
	if cfg.Alpha != 0 && !(cfg.Alpha > 0 && cfg.Alpha <= 1) ||
		cfg.Beta != 0 && !(cfg.Beta > 0 && cfg.Beta <= 1) {
		return Estimator{}, ErrConfig
	}
	if cfg.Initial == 0 {
		cfg.Initial = time.Second
	}
	if cfg.K == 0 {
		cfg.K = 4
	}
	if cfg.Alpha == 0 {
		cfg.Alpha = 1.0 / 8
	}
	if cfg.Beta == 0 {
		cfg.Beta = 1.0 / 4
	}
	e := Estimator{cfg: cfg, k: float64(cfg.K), alpha: cfg.Alpha, beta: cfg.Beta}
	e.rto = e.clamp(float64(cfg.Initial))
	return e, nil
}

// Config returns the configuration in use, with defaults filled in.
func (e *Estimator) Config() Config { return e.cfg }

// Sample feeds one round-trip-time measurement r (RFC 6298 §2). The first
// sample sets SRTT = r and RTTVAR = r/2 (2.2); later ones update RTTVAR
// from the old SRTT and then SRTT (2.3), an order the RFC makes a MUST.
// The RTO becomes SRTT + max(G, K·RTTVAR) clamped to [Min, Max], which
// also collapses any backoff. A negative r is taken as 0.
//
// Karn's rule (§3): the caller must not pass a sample measured on a segment
// that was ever retransmitted, because its ACK cannot say which copy it
// answers. The usual recipe is to time one segment at a time: remember its
// sequence number and send time when it is first sent, forget it if it is
// retransmitted (or on any Backoff), and call Sample(now - sent) when an ACK
// first covers it. An ACK that gives no sample leaves the backed-off RTO in
// place, as the RFC requires.
func (e *Estimator) Sample(r time.Duration) {
	x := math.Max(0, float64(r))
	if e.samples == 0 {
		e.srtt = x
		e.rttvar = x / 2
	} else {
		e.rttvar = (1-e.beta)*e.rttvar + e.beta*math.Abs(e.srtt-x)
		e.srtt = (1-e.alpha)*e.srtt + e.alpha*x
	}
	e.samples++
	e.rto = e.clamp(float64(e.Raw()))
}

// SampleScaled feeds a sample that is one of about expected samples per
// round trip, as taking one from the timestamp echo of every ACK gives
// (RFC 7323 Appendix G): the gains become α/expected and β/expected, so
// that a window's worth of samples moves SRTT and RTTVAR about as far as
// the one sample per round trip that RFC 6298's constants assume. Without
// the scaling, a window of n segments would age RTTVAR n times faster and
// pull the RTO down to SRTT + G, below the next round trip's jitter. The
// first sample, and any with expected <= 1, is exactly Sample.
func (e *Estimator) SampleScaled(r time.Duration, expected int) {
	if expected <= 1 || e.samples == 0 {
		e.Sample(r)
		return
	}
	x := math.Max(0, float64(r))
	n := float64(expected)
	beta, alpha := e.beta/n, e.alpha/n
	e.rttvar = (1-beta)*e.rttvar + beta*math.Abs(e.srtt-x)
	e.srtt = (1-alpha)*e.srtt + alpha*x
	e.samples++
	e.rto = e.clamp(float64(e.Raw()))
}

// AtLeast raises the RTO to d (clamped to [Min, Max]) if it is lower: RFC
// 6298 (5.7) for a connection whose SYN timed out without giving a sample.
func (e *Estimator) AtLeast(d time.Duration) {
	e.rto = math.Max(e.rto, e.clamp(float64(d)))
}

// Backoff doubles the RTO after the retransmission timer expires, capped at
// Max (RFC 6298 (5.5)). The doubled value stays until the next Sample.
func (e *Estimator) Backoff() {
	e.rto = e.clamp(2 * e.rto)
}

// RTO returns the timeout to arm the retransmission timer with: the last
// computed value after clamping and any backoffs, rounded to the nanosecond.
func (e *Estimator) RTO() time.Duration {
	return Nanoseconds(e.rto).Duration()
}

// Exact returns the RTO as RTO does, but without rounding to the nanosecond.
func (e *Estimator) Exact() Nanoseconds { return Nanoseconds(e.rto) }

// Raw returns SRTT + max(G, K·RTTVAR) before clamping and backoff, or 0
// before the first sample.
func (e *Estimator) Raw() Nanoseconds {
	if e.samples == 0 {
		return 0
	}
	return Nanoseconds(e.srtt + math.Max(float64(e.cfg.G), e.k*e.rttvar))
}

// SRTT returns the smoothed round-trip time, exactly; 0 before any sample.
func (e *Estimator) SRTT() Nanoseconds { return Nanoseconds(e.srtt) }

// RTTVAR returns the round-trip-time variation, exactly; 0 before any
// sample.
func (e *Estimator) RTTVAR() Nanoseconds { return Nanoseconds(e.rttvar) }

// Samples returns how many samples have been fed in.
func (e *Estimator) Samples() int { return e.samples }

// clamp bounds an RTO to [Min, Max], where 0 means no bound.
func (e *Estimator) clamp(x float64) float64 {
	if m := float64(e.cfg.Min); x < m {
		x = m
	}
	if m := float64(e.cfg.Max); m != 0 && x > m {
		x = m
	}
	return x
}
