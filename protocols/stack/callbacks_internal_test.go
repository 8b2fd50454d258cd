package stack

import (
	"testing"
	"time"

	"github.com/sim-lecture/sim/sim/simtest"
)

// Callbacks keep their functions in a slice that holds at most twice the
// pending ones (plus one), whatever order the timers fire or are cancelled
// in: a long-lived timer set first must not make the slice grow with the
// timers that come and go after it. Each function runs once.
func TestCallbacksBounded(t *testing.T) {
	const n = 1000
	cases := []struct {
		name string
		// order returns the tags to end (fire or cancel), in order, for
		// tags 2..n+1 (tag 1 is the long-lived timer, never ended).
		order func() []uint64
	}{
		{"in order", func() []uint64 {
			var o []uint64
			for i := uint64(2); i <= n+1; i++ {
				o = append(o, i)
			}
			return o
		}},
		{"reverse", func() []uint64 {
			var o []uint64
			for i := uint64(n + 1); i >= 2; i-- {
				o = append(o, i)
			}
			return o
		}},
		{"evens first", func() []uint64 {
			var o []uint64
			for _, odd := range []uint64{0, 1} {
				for i := uint64(2); i <= n+1; i++ {
					if i%2 == odd {
						o = append(o, i)
					}
				}
			}
			return o
		}},
	}
	for _, tc := range cases {
		for _, cancel := range []bool{false, true} {
			name := tc.name + "/fire"
			if cancel {
				name = tc.name + "/cancel"
			}
			t.Run(name, func(t *testing.T) {
				cb := NewCallbacks(simtest.New(0, "A"))
				runs := make([]int, n+2)
				cb.After(time.Hour, func() { runs[1]++ })
				timers := make([]Timer, n+2)
				for i := 2; i <= n+1; i++ {
					timers[i] = cb.After(time.Second, func() { runs[i]++ })
				}
				for k, tag := range tc.order() {
					if cancel {
						cb.Cancel(&timers[tag])
					} else {
						cb.Timer(tag)
					}
					cb.Timer(tag) // a second time runs nothing
					if pending := n - k; len(cb.fns) > 2*pending+1 {
						t.Fatalf("after %d ended: %d entries for %d pending", k+1, len(cb.fns), pending)
					}
				}
				want := 1
				if cancel {
					want = 0
				}
				for i := 2; i <= n+1; i++ {
					if runs[i] != want {
						t.Fatalf("callback %d ran %d times; want %d", i, runs[i], want)
					}
				}
				if cb.Timer(1); runs[1] != 1 || len(cb.fns) != 0 {
					t.Errorf("long-lived callback ran %d times, %d entries left; want 1, 0", runs[1], len(cb.fns))
				}
			})
		}
	}
}
