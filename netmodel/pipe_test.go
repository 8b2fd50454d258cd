package netmodel

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sim-lecture/sim/sim"
)

// TestPipe checks the pipe's arithmetic: a fixed delay, a FIFO transmit
// queue per direction, one intact copy per message.
func TestPipe(t *testing.T) {
	p := NewPipe(time.Millisecond, 8e6) // 1000 bytes take 1 ms
	us := func(n int64) sim.Time { return sim.Time(n * int64(time.Microsecond)) }
	steps := []struct {
		at       sim.Time
		from, to sim.NodeID
		size     int
		want     sim.Time // arrival time
	}{
		{0, 0, 1, 1000, us(2000)},
		{0, 0, 1, 500, us(2500)},     // behind the first
		{0, 1, 0, 500, us(1500)},     // the other direction is free
		{us(100), 0, 1, 0, us(2500)}, // empty: no time on the wire, still FIFO
		{us(4000), 0, 1, 1000, us(6000)},
	}
	for i, s := range steps {
		msg := make([]byte, s.size)
		copies, reason := p.Transmit(s.at, s.from, s.to, msg, nil)
		want := []sim.Arrival{{Delay: s.want.Sub(s.at), Msg: msg, Fate: sim.Delivered}}
		if diff := cmp.Diff(want, copies); diff != "" || reason != "" {
			t.Errorf("step %d: reason %q, copies (-want +got):\n%s", i, reason, diff)
		}
	}
}

// TestPipeUnlimited checks a pipe without bandwidth: every message takes
// exactly the delay.
func TestPipeUnlimited(t *testing.T) {
	p := NewPipe(3*time.Millisecond, 0)
	for i := range 100 {
		copies, _ := p.Transmit(sim.Time(i/10), 0, 1, make([]byte, i), nil)
		if len(copies) != 1 || copies[0].Delay != 3*time.Millisecond {
			t.Fatalf("message %d: %+v; want one copy after 3ms", i, copies)
		}
	}
}

// TestNewPipePanics checks that invalid pipe arguments are caught at once.
func TestNewPipePanics(t *testing.T) {
	for _, tt := range []struct {
		delay time.Duration
		bw    float64
	}{{-1, 0}, {0, -1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewPipe(%v, %v) did not panic", tt.delay, tt.bw)
				}
			}()
			NewPipe(tt.delay, tt.bw)
		}()
	}
}
