package sim

import (
	"strconv"
	"time"
)

// Time is a virtual instant: nanoseconds since the start of a run. It is
// never read from the wall clock; only the scheduler advances it.
type Time int64

// Add returns t moved forward (or back) by d.
func (t Time) Add(d time.Duration) Time { return t + Time(d) }

// Sub returns the duration t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// Duration returns t as the duration elapsed since the start of the run.
func (t Time) Duration() time.Duration { return time.Duration(t) }

// Seconds returns t in seconds since the start of the run.
func (t Time) Seconds() float64 { return float64(t) / 1e9 }

// String formats t the way scenarios write times: a Go duration string
// ("0s", "10s", "1.5s", "300ms", "2m30s").
func (t Time) String() string { return FormatDuration(time.Duration(t)) }

// FormatDuration formats d like time.Duration.String but with "0s" for zero,
// which is what every output of sim uses for times and durations.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	return d.String()
}

// Millis formats d in milliseconds with up to three decimals ("12.5ms"),
// the unit the messaging tables use.
func Millis(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/1e6, 'f', -1, 64) + "ms"
}
