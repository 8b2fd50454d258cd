package report

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// The words of the notes drivers write into steps, shared so that every
// system says the same thing the same way.

// Plural formats a count with the singular or plural noun: "1 probe",
// "3 probes".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// JoinNote joins two parts of a note with "; "; either may be empty.
func JoinNote(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// TableTime formats a virtual time for tables and notes, rounded to
// 10 µs: network delays are drawn to the nanosecond, which only makes a
// table harder to read.
func TableTime(t sim.Time) string {
	return sim.FormatDuration(time.Duration(t).Round(10 * time.Microsecond))
}
