package netmodel

import (
	"math"
	"math/bits"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// maxDelay caps every computed delay (about 146 years) so that a huge
// parameter can never overflow virtual time.
const maxDelay = time.Duration(1 << 62)

// sample returns the delay of d for the uniform number u in [0, 1). Every
// distribution uses exactly one number, even Constant, so the count of
// draws per datagram never depends on the distribution. Out-of-range
// parameters (which Validate rejects) are treated as 0 rather than
// producing a negative delay.
func (d Delay) sample(u float64) time.Duration {
	switch d.Kind {
	case Uniform:
		lo, hi := max(d.Min, 0), max(d.Max, 0)
		if hi <= lo {
			return lo
		}
		// Whole nanoseconds uniform on [lo, hi], both ends included.
		span := float64(hi-lo) + 1
		return min(lo+toDuration(math.Floor(u*span)), hi)
	case Exponential:
		// Inversion: 1-u is in (0, 1], so the logarithm is finite.
		return toDuration(-math.Log(1-u) * float64(max(d.Mean, 0)))
	case Normal:
		return truncNormal(float64(max(d.Mean, 0)), float64(max(d.Stddev, 0)), u)
	default: // Constant and ""
		return max(d.Value, 0)
	}
}

// truncNormal returns the sample of the normal distribution (mean, sd)
// conditioned on being >= 0 whose upper tail has probability (1-u) times the
// tail above 0. With mean >= 0 the tail above 0 is at least one half, so the
// inversion is accurate; math.Erfcinv is used rather than Erfinv because the
// interesting end is the upper tail. u = 0 gives 0, the lower end of the
// distribution, as inverting a distribution function always does.
func truncNormal(mean, sd, u float64) time.Duration {
	if sd == 0 {
		return toDuration(mean)
	}
	b := mean / sd
	tail := 0.5 * math.Erfc(-b/math.Sqrt2) // P(Z > -b), in [0.5, 1]
	q := (1 - u) * tail                    // in (0, tail]
	z := math.Sqrt2 * math.Erfcinv(2*q)    // P(Z > z) = q
	if !(z >= -b) {                        // rounding at q == tail, or -Inf
		z = -b
	}
	return toDuration(mean + sd*z)
}

// toDuration rounds f nanoseconds to a Duration in [0, maxDelay]; NaN is 0.
func toDuration(f float64) time.Duration {
	switch {
	case !(f > 0):
		return 0
	case f >= float64(maxDelay):
		return maxDelay
	}
	return time.Duration(math.Round(f))
}

// queued returns when a message of size bytes sent at now has left a link
// of bandwidth bits per second whose transmit queue is busy until
// *busyUntil, and moves *busyUntil to that time. The message waits for the
// earlier ones (FIFO, even when it is empty), then takes bits/bandwidth,
// rounded to the nearest nanosecond. An unlimited bandwidth (0, +Inf, or
// invalid) means no queue at all: the message leaves at now.
func queued(now sim.Time, busyUntil *sim.Time, size int, bandwidth float64) sim.Time {
	if !(bandwidth > 0) || math.IsInf(bandwidth, 1) {
		return now
	}
	ser := toDuration(float64(size) * 8 * 1e9 / bandwidth)
	*busyUntil = satAdd(max(now, *busyUntil), ser)
	return *busyUntil
}

// scale maps 64 random bits to [0, n) by multiply-shift. The bias is below
// n/2^64, far below anything a simulation can observe, and unlike
// rejection sampling it always uses exactly one number.
func scale(x uint64, n uint64) uint64 {
	hi, _ := bits.Mul64(x, n)
	return hi
}

// Sample draws one delay of d from r (one number, whatever the
// distribution): a program's think time between two steps.
func (d Delay) Sample(r *sim.Rand) time.Duration { return d.sample(r.Float64()) }
