package simtest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sim-lecture/sim/sim"
)

// tags is a handler that records the timer tags it is given.
type tags struct{ got []uint64 }

func (h *tags) Receive(sim.NodeID, []byte) {}
func (h *tags) Timer(tag uint64)           { h.got = append(h.got, tag) }

func TestIdentityAndClock(t *testing.T) {
	e := New(1, "A", "B")
	e.Clock = 42
	e.Incarn = 3
	id, ok := e.Lookup("A")
	_, okC := e.Lookup("C")
	got := fmt.Sprintln(e.Now(), e.Self(), e.Name(), id, ok, okC, e.NodeName(0), e.NodeName(2), e.NodeName(-1), e.Incarnation())
	if want := "42ns 1 B 0 true false A ? ? 3\n"; got != want {
		t.Errorf("env = %q; want %q", got, want)
	}
	if r1, r2 := e.Rand(), e.Rand(); r1 == nil || r1 != r2 {
		t.Errorf("Rand() is not one stream")
	}
	if e.Disk() == nil || e.Disk().Len() != 0 || New(1, "A", "B").Disk() == e.Disk() {
		t.Errorf("Disk() is not a fresh empty disk of its own")
	}
}

func TestRecordsSendsWritesAndNotes(t *testing.T) {
	e := New(0, "A", "B")
	e.Send(1, []byte("x"), "X")
	e.Send(0, []byte("y"), "Y")
	e.WriteDisk("k", []byte("v"), 9)
	e.WriteDisk("k", nil, 10)
	e.Trace("app", "hi")

	want := []Sent{{To: 1, Msg: []byte("x"), Label: "X"}, {To: 0, Msg: []byte("y"), Label: "Y"}}
	if diff := cmp.Diff(want, e.TakeSent()); diff != "" {
		t.Errorf("TakeSent (-want +got):\n%s", diff)
	}
	if got := e.TakeSent(); len(got) != 0 || len(e.Sent) != 0 {
		t.Errorf("second TakeSent = %v; want nothing", got)
	}
	wantW := []Write{{Key: "k", Val: []byte("v"), Tag: 9}, {Key: "k", Tag: 10}}
	if diff := cmp.Diff(wantW, e.Writes); diff != "" {
		t.Errorf("Writes (-want +got):\n%s", diff)
	}
	if e.Disk().Len() != 0 {
		t.Errorf("a recorded write changed the disk")
	}
	if !cmp.Equal(e.Notes, []string{"app: hi"}) {
		t.Errorf("Notes = %q", e.Notes)
	}
}

func TestTimers(t *testing.T) {
	e := New(0, "A")
	e.Clock = sim.Time(time.Second)
	a := e.SetTimer(3*time.Second, 1)
	b := e.SetTimer(time.Second, 2)
	c := e.SetTimer(time.Second, 3)
	d := e.SetTimer(2*time.Second, 4)
	if a != 1 || b != 2 || c != 3 || d != 4 {
		t.Errorf("IDs = %d %d %d %d; want 1 2 3 4", a, b, c, d)
	}
	if !e.CancelTimer(d) || e.CancelTimer(d) || e.CancelTimer(99) {
		t.Errorf("CancelTimer: want true once for a live timer, then false")
	}
	var due []uint64
	for _, tm := range e.LiveTimers() {
		due = append(due, tm.Tag)
	}
	if !cmp.Equal(due, []uint64{2, 3, 1}) {
		t.Errorf("LiveTimers tags = %v; want [2 3 1] (time order, ties as set)", due)
	}
	if got := e.Timers[0]; got.At != sim.Time(4*time.Second) || got.Duration != 3*time.Second || !got.Live {
		t.Errorf("Timers[0] = %+v; want live, due at 4s after 3s", got)
	}

	h := &tags{}
	var fired []uint64
	var clocks []sim.Time
	for {
		tag, ok := e.FireNext(h)
		if !ok {
			break
		}
		fired = append(fired, tag)
		clocks = append(clocks, e.Clock)
	}
	if !cmp.Equal(fired, []uint64{2, 3, 1}) || !cmp.Equal(h.got, fired) {
		t.Errorf("fired %v, handler got %v; want [2 3 1] both", fired, h.got)
	}
	want := []sim.Time{sim.Time(2 * time.Second), sim.Time(2 * time.Second), sim.Time(4 * time.Second)}
	if !cmp.Equal(clocks, want) {
		t.Errorf("clocks = %v; want %v", clocks, want)
	}
	if len(e.LiveTimers()) != 0 || e.CancelTimer(a) {
		t.Errorf("timers still live after all fired")
	}

	// A timer already due does not move the clock back.
	e.Clock = sim.Time(10 * time.Second)
	e.Timers = append(e.Timers, Timer{ID: 9, At: sim.Time(time.Second), Tag: 7, Live: true})
	if tag, ok := e.FireNext(h); !ok || tag != 7 || e.Clock != sim.Time(10*time.Second) {
		t.Errorf("FireNext of an overdue timer = %d, %v at %v; want 7, true at 10s", tag, ok, e.Clock)
	}
}
