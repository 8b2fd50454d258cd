package sim

import (
	"testing"
	"time"
)

// counter is an endpoint with volatile state (count, log) and durable state
// (the disk key "count", written through on request).
type counter struct {
	env   Env
	count int
	log   []string
	boot  string
}

func newCounter(env Env) Handler {
	c := &counter{env: env}
	if v, ok := env.Disk().Get("count"); ok {
		c.boot = string(v)
	}
	return c
}

func (c *counter) Receive(from NodeID, msg []byte) {
	c.count++
	c.log = append(c.log, "recv "+string(msg))
}

func (c *counter) Timer(tag uint64) {
	c.log = append(c.log, "timer")
}

// TestCrashDropsVolatileState fails if any volatile state, timer, pending
// disk write or in-flight message survives a crash.
func TestCrashDropsVolatileState(t *testing.T) {
	w := New(Config{Seed: 1, Network: fixedNet{d: 10 * time.Millisecond}, DiskWriteLatency: 5 * time.Millisecond, KeepTrace: true})
	a := w.AddNode("A", func(env Env) Handler { return &recorder{env: env} })
	b := w.AddNode("B", newCounter)
	envA := w.Env(a)
	old := w.Handler(b).(*counter)
	oldEnv := w.Env(b)
	oldEnv.Disk().Put("count", []byte("durable"))

	w.At(0, func() {
		envA.Send(b, []byte("before-1"), "m")       // arrives at 10ms: delivered
		oldEnv.SetTimer(50*time.Millisecond, 7)     // would fire at 50ms
		oldEnv.WriteDisk("pending", []byte("x"), 8) // lands at 5ms, before the crash
	})
	w.At(Time(2*time.Millisecond), func() {
		oldEnv.WriteDisk("second", []byte("kept"), 9) // lands at 7ms, before the crash too
	})
	w.At(Time(6*time.Millisecond), func() {
		envA.Send(b, []byte("in-flight"), "m") // arrives at 16ms, after the crash
	})
	w.At(Time(15*time.Millisecond), func() { w.Crash(b) })
	w.At(Time(20*time.Millisecond), func() {
		envA.Send(b, []byte("while-down"), "m") // arrives at 30ms, after the restart
		oldEnv.Send(a, []byte("from-the-dead"), "m")
		oldEnv.SetTimer(time.Millisecond, 10)
	})
	w.At(Time(25*time.Millisecond), func() { w.Restart(b) })
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}

	nw := w.Handler(b).(*counter)
	if nw == old {
		t.Fatal("restart kept the old endpoint")
	}
	if nw.boot != "durable" {
		t.Errorf("restarted endpoint read %q from disk; want %q", nw.boot, "durable")
	}
	// The new life saw only the message sent while it was down, and no timer.
	if want := []string{"recv while-down"}; len(nw.log) != 1 || nw.log[0] != want[0] {
		t.Errorf("new life log = %v; want %v", nw.log, want)
	}
	if nw.count != 1 {
		t.Errorf("new life count = %d; want 1 (volatile state must start fresh)", nw.count)
	}
	// The old life saw the first message and both disk completions before the crash.
	if got := old.log; len(got) != 3 || got[0] != "timer" || got[1] != "timer" || got[2] != "recv before-1" {
		t.Errorf("old life log = %v", got)
	}
	if _, ok := w.Disk(b).Get("pending"); !ok {
		t.Error("a disk write completed before the crash was lost")
	}
	if _, ok := w.Disk(b).Get("second"); !ok {
		t.Error("a disk write completed before the crash was lost")
	}
	// Nothing from the dead endpoint reached A.
	if got := w.Handler(a).(*recorder).recv; len(got) != 0 {
		t.Errorf("A received %q from a crashed endpoint", got)
	}
	var discards int
	for _, r := range w.Trace().Records() {
		if r.Kind == KindDiscard {
			discards++
			if r.Info != "node down" && r.Info != "crashed since send" {
				t.Errorf("discard reason %q", r.Info)
			}
		}
	}
	if discards != 1 {
		t.Errorf("%d messages discarded; want 1 (the one in flight at the crash)", discards)
	}
}

// TestCrashTearsPendingDiskWrite: a write still in progress at the crash
// never reaches the disk.
func TestCrashTearsPendingDiskWrite(t *testing.T) {
	w := New(Config{Network: fixedNet{}, DiskWriteLatency: 10 * time.Millisecond})
	b := w.AddNode("B", newCounter)
	env := w.Env(b)
	w.At(0, func() { env.WriteDisk("k", []byte("v"), 1) })
	w.At(Time(5*time.Millisecond), func() { w.Crash(b) })
	w.At(Time(6*time.Millisecond), func() { w.Restart(b) })
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.Disk(b).Get("k"); ok {
		t.Error("a disk write pending at the crash survived it")
	}
	if got := w.Handler(b).(*counter).log; len(got) != 0 {
		t.Errorf("restarted endpoint saw %v; want nothing", got)
	}
}

// TestCrashCancelsTimersOnRestartBeforeDue: a timer set before the crash does
// not fire in the next life even if that life has begun before it was due.
func TestCrashCancelsTimersOnRestartBeforeDue(t *testing.T) {
	w := New(Config{Network: fixedNet{}})
	b := w.AddNode("B", newCounter)
	env := w.Env(b)
	w.At(0, func() { env.SetTimer(time.Second, 1) })
	w.At(1, func() { w.Crash(b) })
	w.At(2, func() { w.Restart(b) })
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if got := w.Handler(b).(*counter).log; len(got) != 0 {
		t.Errorf("restarted endpoint saw %v; want no timer", got)
	}
}
