package explore

import (
	"math"
	"slices"
	"sort"
)

// Simpler values. A counterexample is easier to read when its numbers are
// round and its faults early: a loss of 0.3 rather than 0.273, a crash at
// 14s rather than 14.589s, down for 1s rather than 2.731s. The shrinker
// handles a value as a whole number of grid steps (thousandths for a
// probability, milliseconds for a duration or an instant), and calls one
// value simpler than another when it has fewer significant digits, or as
// many and is smaller. Every change the shrinker keeps makes a value
// strictly simpler, and a value has finitely many simpler ones: shrinking
// values ends.

// digits counts the significant digits of v, without trailing zeros
// (14589 has 5, 14000 has 2, 0 has none).
func digits(v int64) int {
	if v == 0 {
		return 0
	}
	for v%10 == 0 {
		v /= 10
	}
	n := 0
	for ; v > 0; v /= 10 {
		n++
	}
	return n
}

// simplerThan reports whether a is simpler than b: fewer significant
// digits, or as many and smaller.
func simplerThan(a, b int64) bool {
	da, db := digits(a), digits(b)
	return da < db || (da == db && a < b)
}

// roundings lists values simpler than v and at least least, simplest
// first: least itself, v rounded to a multiple of each round step not
// above v (1 and 5 times a power of ten; to the nearest multiple, or down
// when down is set), and half of v to one significant digit. With down,
// no value is above v: a fault moves only earlier.
func roundings(v, least int64, down bool) []int64 {
	var out []int64
	add := func(c int64) {
		if c >= least && c != v && simplerThan(c, v) && !(down && c > v) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	add(least)
	for p := int64(1); p <= v && p <= math.MaxInt64/10; p *= 10 {
		for _, m := range []int64{1, 5} {
			step := m * p
			if step > v {
				break
			}
			add(v / step * step)
			if !down {
				add((v + step/2) / step * step)
			}
		}
	}
	add(oneDigit(v / 2))
	sort.Slice(out, func(i, j int) bool { return simplerThan(out[i], out[j]) })
	return out
}

// oneDigit rounds v to one significant digit (1234 to 1000, 1634 to
// 2000).
func oneDigit(v int64) int64 {
	p := int64(1)
	for p <= v/10 {
		p *= 10
	}
	return (v + p/2) / p * p
}

// gridValue is x in grid steps of unit (a probability in thousandths,
// nanoseconds in milliseconds).
func gridValue(x, unit float64) int64 { return int64(math.Round(x / unit)) }

// onGrid is the value of n grid steps of unit. A probability is
// divided, not multiplied, so that 273 steps are exactly 0.273 as the
// file writes it.
func onGrid(n int64, unit float64) float64 {
	if unit < 1 {
		return float64(n) / math.Round(1/unit)
	}
	return float64(n) * unit
}
