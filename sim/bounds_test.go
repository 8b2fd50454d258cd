package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// flood is a handler whose timer sends n messages of size bytes at once.
type flood struct {
	env     Env
	to      NodeID
	n, size int
}

func (f *flood) Receive(NodeID, []byte) {}
func (f *flood) Timer(uint64) {
	for i := 0; i < f.n; i++ {
		f.env.Send(f.to, make([]byte, f.size), "m")
	}
}

// TestByteBounds: a run that holds or moves more payload than its bound
// stops with a BoundError naming the limits key, before the next event.
func TestByteBounds(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		n, size int
		bound   string
		stopped bool
	}{
		{"held", Config{MaxBytesHeld: 10 * (1000 + MessageOverhead)}, 11, 1000, BoundBytesHeld, true},
		{"held within", Config{MaxBytesHeld: 10 * (1000 + MessageOverhead)}, 10, 1000, "", false},
		{"held: a message costs more than its bytes", Config{MaxBytesHeld: 100_000}, 1000, 1, BoundBytesHeld, true},
		{"moved", Config{MaxBytesMoved: 5_000}, 6, 1000, BoundBytesMoved, true},
		{"moved within", Config{MaxBytesMoved: 6_000}, 6, 1000, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Network = fixedNet{d: time.Millisecond}
			w := New(tc.cfg)
			a := w.AddNode("a", func(env Env) Handler { return &flood{env: env, to: 1, n: tc.n, size: tc.size} })
			w.AddNode("b", func(env Env) Handler { return &recorder{env: env} })
			w.Env(a).SetTimer(0, 1)
			err := w.Run()
			if !tc.stopped {
				if err != nil {
					t.Fatalf("Run() = %v; want nil", err)
				}
				return
			}
			be, ok := err.(*BoundError)
			if !ok {
				t.Fatalf("Run() = %v; want a *BoundError", err)
			}
			if be.Bound != tc.bound || !strings.Contains(be.Error(), "raise limits."+tc.bound) {
				t.Fatalf("bound %q, message %q; want %q and the key", be.Bound, be.Error(), tc.bound)
			}
			if w.Events() != 1 {
				t.Errorf("ran %d events; want 1: no delivery after the bound", w.Events())
			}
		})
	}
}

// TestBytesHeldFollowsFlightsAndDisk: payload counts while in flight (with
// MessageOverhead) or on its way to the disk, and no longer once delivered
// or durable.
func TestBytesHeldFollowsFlightsAndDisk(t *testing.T) {
	w := New(Config{Network: fixedNet{d: 10 * time.Millisecond}, DiskWriteLatency: 5 * time.Millisecond})
	a := w.AddNode("a", func(env Env) Handler { return &recorder{env: env} })
	b := w.AddNode("b", func(env Env) Handler { return &recorder{env: env} })
	var during int64
	w.At(0, func() {
		w.Env(a).Send(b, make([]byte, 300), "m")
		w.Env(b).WriteDisk("k", make([]byte, 50), 1)
		during = w.BytesHeld()
	})
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if during != 350+MessageOverhead || w.BytesHeld() != 0 || w.BytesMoved() != 300 {
		t.Errorf("held during %d, after %d, moved %d; want %d, 0, 300", during, w.BytesHeld(), w.BytesMoved(), 350+MessageOverhead)
	}
}

// TestHoldBytesHalts: a layer the kernel cannot see reports what it holds,
// and the run stops before its next event.
func TestHoldBytesHalts(t *testing.T) {
	w := New(Config{Network: fixedNet{}, MaxBytesHeld: 100})
	ran := 0
	w.At(0, func() { ran++; w.HoldBytes(101) })
	w.At(1, func() { ran++ })
	err := w.Run()
	if be, ok := err.(*BoundError); !ok || be.Bound != BoundBytesHeld {
		t.Fatalf("Run() = %v; want the max_bytes_held bound", err)
	}
	if ran != 1 {
		t.Errorf("%d actions ran; want 1", ran)
	}
}

// periodic re-arms a housekeeping timer for ever, like a flush daemon, and
// counts how often it fired.
type periodic struct {
	env   Env
	every time.Duration
	fired []Time
}

func (p *periodic) Receive(NodeID, []byte) {}
func (p *periodic) Timer(uint64) {
	p.fired = append(p.fired, p.env.Now())
	p.arm()
}
func (p *periodic) arm() { p.env.Housekeeping(p.env.SetTimer(p.every, 1)) }

// TestHousekeepingDoesNotKeepTheRunAlive: a periodic housekeeping timer
// fires while real work is pending, and the run ends at the last real
// event, with no bound hit, whatever the timer's period.
func TestHousekeepingDoesNotKeepTheRunAlive(t *testing.T) {
	for _, every := range []time.Duration{300 * time.Millisecond, time.Hour} {
		w := New(Config{Network: fixedNet{}, MaxTime: Time(time.Minute)})
		var p *periodic
		w.AddNode("n", func(env Env) Handler { p = &periodic{env: env, every: every}; return p })
		p.arm()
		w.At(Time(time.Second), func() {})
		if err := w.Run(); err != nil {
			t.Fatalf("every %v: Run() = %v; want nil", every, err)
		}
		if w.Now() != Time(time.Second) {
			t.Errorf("every %v: ended at %v; want 1s, the last real event", every, w.Now())
		}
		want := int(time.Second / every)
		if len(p.fired) != want {
			t.Errorf("every %v: fired %d times; want %d (only while work was pending)", every, len(p.fired), want)
		}
		if w.PendingWork() != 0 || w.Pending() == 0 {
			t.Errorf("every %v: %d pending, %d work; want the housekeeping timer left, no work", every, w.Pending(), w.PendingWork())
		}
	}
}

// TestTimerStopsBeingWork: a real timer that is cancelled, or whose node
// crashed, no longer keeps the run going, even far from the queue's front
// where housekeeping would otherwise keep firing.
func TestTimerStopsBeingWork(t *testing.T) {
	for _, how := range []string{"cancel", "crash", "housekeeping"} {
		w := New(Config{Network: fixedNet{}, MaxTime: Time(time.Minute)})
		var p *periodic
		id := w.AddNode("n", func(env Env) Handler { p = &periodic{env: env, every: 100 * time.Millisecond}; return p })
		other := w.AddNode("m", func(env Env) Handler { return &recorder{env: env} })
		p.arm()
		env := w.Env(other)
		tm := env.SetTimer(30*time.Second, 9)
		w.At(Time(time.Second), func() {
			switch how {
			case "cancel":
				env.CancelTimer(tm)
			case "crash":
				w.Crash(other)
			case "housekeeping":
				env.Housekeeping(tm)
			}
		})
		if err := w.Run(); err != nil {
			t.Fatalf("%s: Run() = %v", how, err)
		}
		if w.Now() != Time(time.Second) {
			t.Errorf("%s: ended at %v; want 1s", how, w.Now())
		}
		_ = id
	}
}

// TestRestartedNodesTimersAreWork: after a crash and a restart, the new
// life's timers count again.
func TestRestartedNodesTimersAreWork(t *testing.T) {
	w := New(Config{Network: fixedNet{}})
	var env Env
	id := w.AddNode("n", func(e Env) Handler { env = e; return &recorder{env: e} })
	env.SetTimer(time.Hour, 1)
	w.At(Time(time.Second), func() { w.Crash(id) })
	w.At(Time(2*time.Second), func() { w.Restart(id); env.SetTimer(3*time.Second, 2) })
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if w.Now() != Time(5*time.Second) {
		t.Errorf("ended at %v; want 5s, the restarted life's timer", w.Now())
	}
}

// TestRepeatOrdersLikeAt: Repeat runs its actions in exactly the order
// count calls of At would, among other events at the same times.
func TestRepeatOrdersLikeAt(t *testing.T) {
	build := func(repeat bool) []string {
		w := New(Config{Network: fixedNet{}})
		var log []string
		at := func(t Time, s string) { w.At(t, func() { log = append(log, s) }) }
		at(0, "before")
		at(Time(2*time.Millisecond), "before@2")
		w.At(0, func() {
			if repeat {
				w.Repeat(w.Now(), time.Millisecond, 4, func(k int) {
					log = append(log, "send"+string(rune('0'+k)))
					at(w.Now(), "echo"+string(rune('0'+k)))
				})
			} else {
				for k := 0; k < 4; k++ {
					w.At(w.Now().Add(time.Duration(k)*time.Millisecond), func() {
						log = append(log, "send"+string(rune('0'+k)))
						at(w.Now(), "echo"+string(rune('0'+k)))
					})
				}
			}
			at(Time(time.Millisecond), "after@1")
		})
		if err := w.Run(); err != nil {
			t.Fatal(err)
		}
		return log
	}
	want, got := build(false), build(true)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Repeat order:\n %v\nwant (At):\n %v", got, want)
	}
}

// TestRepeatHoldsOneEvent: a long series keeps one pending event.
func TestRepeatHoldsOneEvent(t *testing.T) {
	w := New(Config{Network: fixedNet{}})
	n := 0
	w.Repeat(0, time.Millisecond, 1_000_000, func(int) {
		n++
		if w.Pending() > 1 {
			t.Fatalf("%d events pending", w.Pending())
		}
	})
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if n != 1_000_000 || w.Now() != Time(999_999*time.Millisecond) {
		t.Errorf("ran %d actions, ended at %v", n, w.Now())
	}
}

// TestKeptTraceIsBounded: a kept trace holds the first MaxKeptRecords
// records and counts the rest, which still go into the hash.
func TestKeptTraceIsBounded(t *testing.T) {
	tr := newTrace(true, false, nil)
	for i := 0; i < MaxKeptRecords+5; i++ {
		tr.add(Record{At: Time(i), Kind: KindNote})
	}
	if len(tr.Records()) != MaxKeptRecords || tr.Unkept() != 5 || tr.Len() != MaxKeptRecords+5 {
		t.Errorf("kept %d, unkept %d, hashed %d", len(tr.Records()), tr.Unkept(), tr.Len())
	}
}

// TestTraceSink: a sink is handed every record in order, whether or not
// the trace keeps them, without changing the hash; a trace that is off
// hands it nothing.
func TestTraceSink(t *testing.T) {
	cases := []struct {
		name      string
		keep, off bool
		wantSunk  int
		wantKept  int
	}{
		{"streamed, not kept", false, false, 10, 0},
		{"streamed and kept", true, false, 10, 10},
		{"off", false, true, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var sunk []Record
			tr := newTrace(tc.keep, tc.off, func(r Record) { sunk = append(sunk, r) })
			plain := newTrace(false, tc.off, nil)
			for i := range 10 {
				r := Record{At: Time(i), Kind: KindNote, Label: fmt.Sprint("r", i)}
				tr.add(r)
				plain.add(r)
			}
			if len(sunk) != tc.wantSunk || len(tr.Records()) != tc.wantKept {
				t.Fatalf("sunk %d, kept %d; want %d, %d", len(sunk), len(tr.Records()), tc.wantSunk, tc.wantKept)
			}
			for i, r := range sunk {
				if r.At != Time(i) {
					t.Errorf("sunk[%d].At = %v; want %v", i, r.At, Time(i))
				}
			}
			if tr.Hash() != plain.Hash() {
				t.Errorf("hash with a sink %x; without %x", tr.Hash(), plain.Hash())
			}
		})
	}
}
