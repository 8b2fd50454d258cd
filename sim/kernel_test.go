package sim

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// recorder is a Handler that logs every timer it sees.
type recorder struct {
	env   Env
	fired []uint64
	recv  [][]byte
}

func (r *recorder) Receive(from NodeID, msg []byte) { r.recv = append(r.recv, msg) }
func (r *recorder) Timer(tag uint64)                { r.fired = append(r.fired, tag) }

// fixedNet delivers every message after a constant delay.
type fixedNet struct{ d time.Duration }

func (n fixedNet) Transmit(now Time, from, to NodeID, msg []byte, out []Arrival) ([]Arrival, string) {
	return append(out, Arrival{Delay: n.d, Msg: msg}), ""
}

// TestQueueOrderProperty: for any mix of scheduled actions, timers and
// cancellations, events run in non-decreasing time, ties run in scheduling
// order, and a cancelled timer never fires.
func TestQueueOrderProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := New(Config{Seed: 1, Network: fixedNet{}})
		var rec *recorder
		id := w.AddNode("n", func(env Env) Handler { rec = &recorder{env: env}; return rec })
		env := w.Env(id)

		type fired struct {
			at  Time
			seq int
		}
		var order []fired
		scheduled := 0
		cancelled := map[uint64]bool{}
		due := map[uint64]Time{}
		var timers []TimerID
		var tags []uint64

		nops := rapid.IntRange(1, 200).Draw(t, "nops")
		for i := 0; i < nops; i++ {
			switch rapid.IntRange(0, 2).Draw(t, "op") {
			case 0: // an action at an absolute time
				at := Time(rapid.Int64Range(0, 50).Draw(t, "at"))
				seq := scheduled
				scheduled++
				w.At(at, func() { order = append(order, fired{w.Now(), seq}) })
			case 1: // a timer, set from inside an action so that "now" varies
				at := Time(rapid.Int64Range(0, 50).Draw(t, "tat"))
				d := time.Duration(rapid.Int64Range(0, 50).Draw(t, "d"))
				tag := uint64(len(tags) + 1)
				tags = append(tags, tag)
				timers = append(timers, 0)
				k := len(timers) - 1
				w.At(at, func() {
					timers[k] = env.SetTimer(d, tag)
					due[tag] = w.Now().Add(d)
				})
			case 2: // cancel an earlier timer at some time
				if len(timers) == 0 {
					continue
				}
				k := rapid.IntRange(0, len(timers)-1).Draw(t, "k")
				at := Time(rapid.Int64Range(0, 100).Draw(t, "cat"))
				w.At(at, func() {
					if timers[k] != 0 && env.CancelTimer(timers[k]) {
						cancelled[tags[k]] = true
					}
				})
			}
		}
		var last Time
		for w.Step() {
			if w.Now() < last {
				t.Fatalf("time went back from %v to %v", last, w.Now())
			}
			last = w.Now()
		}
		for i := 1; i < len(order); i++ {
			a, b := order[i-1], order[i]
			if a.at == b.at && a.seq > b.seq {
				t.Fatalf("tie at %v ran seq %d before %d", a.at, a.seq, b.seq)
			}
		}
		seen := map[uint64]bool{}
		for _, tag := range rec.fired {
			if cancelled[tag] {
				t.Fatalf("cancelled timer %d fired", tag)
			}
			if seen[tag] {
				t.Fatalf("timer %d fired twice", tag)
			}
			seen[tag] = true
		}
		// Every timer that was set and not cancelled fired.
		for tag := range due {
			if !cancelled[tag] && !seen[tag] {
				t.Fatalf("timer %d never fired", tag)
			}
		}
	})
}

func TestQueueTiesInSchedulingOrder(t *testing.T) {
	w := New(Config{Network: fixedNet{}})
	var got []int
	for i := 0; i < 10; i++ {
		i := i
		w.At(5, func() { got = append(got, i) })
	}
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("ties ran in order %v; want 0..9", got)
		}
	}
}

// The ways TestAtCallOrder schedules an action.
const (
	howAt = iota
	howAtCall
	howAfterCall
)

// TestAtCallOrder checks that AtCall's actions get their argument and run
// in time order, ties in scheduling order with At's: the runner's clients
// moved from At to AtCall without changing any run.
func TestAtCallOrder(t *testing.T) {
	cases := []struct {
		name string
		// at[i] is action i's time; how[i] says it is scheduled with At,
		// AtCall (argument i) or AfterCall (delay at[i] from 0).
		at   []Time
		how  []int
		want []int
	}{
		{"ties mixed", []Time{5, 5, 5, 5}, []int{howAt, howAtCall, howAt, howAtCall}, []int{0, 1, 2, 3}},
		{"times", []Time{9, 3, 7, 1}, []int{howAtCall, howAt, howAtCall, howAtCall}, []int{3, 1, 2, 0}},
		{"past is now", []Time{-1, 0}, []int{howAtCall, howAt}, []int{0, 1}},
		// AfterCall's events of one delay share a lane, the others the
		// heap: they still run by time, ties in scheduling order.
		{"after", []Time{5, 2, 5, 2, 3, 5}, []int{howAfterCall, howAfterCall, howAt, howAfterCall, howAfterCall, howAtCall}, []int{1, 3, 4, 0, 2, 5}},
		{"after negative", []Time{1, -3}, []int{howAt, howAfterCall}, []int{1, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := New(Config{Network: fixedNet{}})
			var got []int
			record := func(i int) { got = append(got, i) }
			for i, at := range tc.at {
				switch tc.how[i] {
				case howAtCall:
					w.AtCall(at, record, i)
				case howAfterCall:
					w.AfterCall(time.Duration(at), record, i)
				default:
					w.At(at, func() { record(i) })
				}
			}
			if err := w.Run(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("ran %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRunBounds(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		bound string
	}{
		{"events", Config{MaxEvents: 10}, "max_events"},
		{"time", Config{MaxTime: Time(time.Second)}, "max_time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Network = fixedNet{}
			w := New(tc.cfg)
			// A timer that re-arms itself forever: the run only ends at a bound.
			var env Env
			w.AddNode("n", func(e Env) Handler { env = e; return loop{e} })
			env.SetTimer(100*time.Millisecond, 1)
			err := w.Run()
			be, ok := err.(*BoundError)
			if !ok {
				t.Fatalf("Run() = %v; want a *BoundError", err)
			}
			if be.Bound != tc.bound {
				t.Fatalf("bound = %q; want %q", be.Bound, tc.bound)
			}
			if tc.bound == "max_time" && w.Now() > tc.cfg.MaxTime {
				t.Fatalf("ran past max_time: now %v", w.Now())
			}
			if tc.bound == "max_events" && w.Events() != 10 {
				t.Fatalf("ran %d events; want 10", w.Events())
			}
		})
	}
}

type loop struct{ env Env }

func (l loop) Receive(NodeID, []byte) {}
func (l loop) Timer(tag uint64)       { l.env.SetTimer(100*time.Millisecond, tag) }

// A cancelled timer does nothing: it neither moves the clock nor counts as
// an event nor trips a run bound.
func TestCancelledTimerIsInvisible(t *testing.T) {
	w := New(Config{Network: fixedNet{}, MaxTime: Time(time.Second)})
	id := w.AddNode("n", func(env Env) Handler { return &recorder{env: env} })
	env := w.Env(id)
	w.At(Time(10*time.Millisecond), func() {
		tm := env.SetTimer(time.Hour, 1) // far beyond max_time
		env.CancelTimer(tm)
	})
	if err := w.Run(); err != nil {
		t.Fatalf("Run() = %v; want nil: only a cancelled timer was left", err)
	}
	if w.Now() != Time(10*time.Millisecond) {
		t.Errorf("Now() = %v; want 10ms, the last real event", w.Now())
	}
	if w.Events() != 1 {
		t.Errorf("Events() = %d; want 1", w.Events())
	}
}
