package sim

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestAgendaOrderProperty: whatever mix of heap and lane pushes and pops,
// the agenda pops events in exactly the order of one sorted list by (time,
// scheduling order), the order the kernel has always run them in. The
// events' times need not equal now + d: the agenda must keep the order
// even for an event its lane cannot take (a saturated time).
func TestAgendaOrderProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var a agenda
		var ref []event
		var seq uint64
		var now Time
		nops := rapid.IntRange(1, 400).Draw(t, "nops")
		for i := 0; i < nops; i++ {
			switch op := rapid.IntRange(0, 3).Draw(t, "op"); {
			case op == 0 && len(ref) > 0:
				got := a.pop()
				want := popRef(&ref)
				if got != want {
					t.Fatalf("pop %d: got (%d, seq %d), want (%d, seq %d)", i, got.at, got.seq, want.at, want.seq)
				}
				now = got.at
			case op == 1: // an action or a message copy: the heap
				seq++
				e := event{at: now + Time(rapid.Int64Range(0, 20).Draw(t, "at")), seq: seq, kind: evAction}
				a.push(e)
				ref = append(ref, e)
			default: // a timer: six durations for four lanes; sometimes a time out of its lane's order
				seq++
				d := rapid.Int64Range(0, 5).Draw(t, "d")
				at := now + Time(d)
				if rapid.IntRange(0, 9).Draw(t, "odd") == 0 {
					at = Time(rapid.Int64Range(0, 40).Draw(t, "oddAt"))
				}
				e := event{at: at, seq: seq, kind: evTimer}
				a.pushDelayed(e, d)
				ref = append(ref, e)
			}
			if a.len() != len(ref) {
				t.Fatalf("len %d, want %d", a.len(), len(ref))
			}
		}
		for len(ref) > 0 {
			if got, want := a.pop(), popRef(&ref); got != want {
				t.Fatalf("draining: got (%d, seq %d), want (%d, seq %d)", got.at, got.seq, want.at, want.seq)
			}
		}
	})
}

// popRef removes and returns the least event of ref by (time, seq).
func popRef(ref *[]event) event {
	i := 0
	for j := range *ref {
		if (*ref)[j].before(&(*ref)[i]) {
			i = j
		}
	}
	e := (*ref)[i]
	*ref = slices.Delete(*ref, i, i+1)
	return e
}

// TestAgendaLanes checks where pushDelayed puts events: one lane per
// delay while lanes last, the heap after, and a freed lane taken again.
func TestAgendaLanes(t *testing.T) {
	tests := []struct {
		name      string
		delays    []int64
		wantLanes int
		wantHeap  int
	}{
		{"one delay, one lane", []int64{30, 30, 30}, 1, 0},
		{"four delays, four lanes", []int64{1, 2, 3, 4, 1, 2}, 4, 0},
		{"a fifth delay goes to the heap", []int64{1, 2, 3, 4, 5, 5}, 4, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a agenda
			for i, d := range tt.delays {
				a.pushDelayed(event{at: Time(d), seq: uint64(i + 1), kind: evTimer}, d)
			}
			if a.nlanes != tt.wantLanes || len(a.heap.h) != tt.wantHeap {
				t.Fatalf("%d lanes and %d heap events, want %d and %d", a.nlanes, len(a.heap.h), tt.wantLanes, tt.wantHeap)
			}
		})
	}
	t.Run("a lane that ran dry is reused", func(t *testing.T) {
		var a agenda
		for i, d := range []int64{1, 2, 3, 4} {
			a.pushDelayed(event{at: Time(d), seq: uint64(i + 1)}, d)
		}
		a.pop() // lane of delay 1 is now empty
		a.pushDelayed(event{at: 9, seq: 5}, 8)
		if a.nlanes != 4 || len(a.heap.h) != 0 || a.lanes[0].d != 8 {
			t.Fatalf("lanes %d, heap %d, lane 0 delay %d: want the free lane reused for delay 8", a.nlanes, len(a.heap.h), a.lanes[0].d)
		}
	})
}
