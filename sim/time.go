package sim

import (
	"fmt"
	"strconv"
	"strings"
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

// FormatDuration formats d the way every output of sim writes times and
// durations: like time.Duration.String below a minute ("0s", "300ms",
// "1.5s", "59s"), and in seconds from a minute on ("65s", "120.25s"), where
// time.Duration.String would write "1m5s". Scenario times are read in
// seconds, and the lecture's timelines count seconds ("at 70"), so "70s"
// reads better than "1m10s".
func FormatDuration(d time.Duration) string {
	if d > -time.Minute && d < time.Minute {
		return d.String()
	}
	sign := ""
	if d < 0 {
		sign = "-"
		d = -d
	}
	secs, frac := int64(d/time.Second), int64(d%time.Second)
	if frac == 0 {
		return sign + strconv.FormatInt(secs, 10) + "s"
	}
	f := strings.TrimRight(fmt.Sprintf("%09d", frac), "0")
	return sign + strconv.FormatInt(secs, 10) + "." + f + "s"
}

// Millis formats d in milliseconds with up to three decimals ("12.5ms"),
// the unit the messaging tables use.
func Millis(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/1e6, 'f', -1, 64) + "ms"
}
