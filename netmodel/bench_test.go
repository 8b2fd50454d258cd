package netmodel

import (
	"testing"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// TestTransmitAllocations checks that Transmit allocates only for a
// corrupted copy once its link exists and out has room.
func TestTransmitAllocations(t *testing.T) {
	p := busy()
	p.Corrupt = 0
	net := New(1, Config{Default: p}, namer("A", "B"))
	msg := make([]byte, 100)
	out := make([]sim.Arrival, 0, 2)
	net.Transmit(0, 0, 1, msg, out) // creates the link
	var now sim.Time
	allocs := testing.AllocsPerRun(1000, func() {
		now += sim.Time(time.Millisecond)
		out, _ = net.Transmit(now, 0, 1, msg, out[:0])
	})
	if allocs != 0 {
		t.Errorf("Transmit allocates %v times per call; want 0", allocs)
	}
	pipe := NewPipe(time.Millisecond, 1e6)
	pipe.Transmit(0, 0, 1, msg, out[:0])
	allocs = testing.AllocsPerRun(1000, func() {
		now += sim.Time(time.Millisecond)
		out, _ = pipe.Transmit(now, 0, 1, msg, out[:0])
	})
	if allocs != 0 {
		t.Errorf("Pipe.Transmit allocates %v times per call; want 0", allocs)
	}
}

// BenchmarkTransmit measures one datagram on a busy network of 16 nodes.
func BenchmarkTransmit(b *testing.B) { benchTransmit(b, Config{Default: busy()}) }

// BenchmarkTransmitQueue is BenchmarkTransmit with a finite drop-tail
// queue of 4 datagrams on every direction, and BenchmarkTransmitShared the
// same queue shared by all directions into each node, as on a bottleneck
// link (full/op is the share of datagrams that found the queue full).
func BenchmarkTransmitQueue(b *testing.B) {
	p := busy()
	p.Queue = 4
	benchTransmit(b, Config{Default: p})
}

func BenchmarkTransmitShared(b *testing.B) {
	p := busy()
	p.Queue = 4
	cfg := Config{Default: p}
	for i := range 16 {
		cfg.Links = append(cfg.Links, LinkPatch{From: "*", To: string(rune('a' + i)), Shared: true})
	}
	benchTransmit(b, cfg)
}

// benchTransmit sends datagrams of 100 bytes, one every microsecond, over
// the 256 directions of 16 nodes in turn.
func benchTransmit(b *testing.B, cfg Config) {
	names := make([]string, 16)
	for i := range names {
		names[i] = string(rune('a' + i))
	}
	net := New(1, cfg, namer(names...))
	msg := make([]byte, 100)
	out := make([]sim.Arrival, 0, 2)
	b.ReportAllocs()
	var now sim.Time
	i := 0
	for b.Loop() {
		now += sim.Time(time.Microsecond)
		out, _ = net.Transmit(now, sim.NodeID(i%16), sim.NodeID(i/16%16), msg, out[:0])
		i++
	}
	b.ReportMetric(float64(net.Stats().Overflowed)/float64(b.N), "full/op")
}

// BenchmarkPipe measures one message through a pipe.
func BenchmarkPipe(b *testing.B) {
	pipe := NewPipe(time.Millisecond, 1e9)
	msg := make([]byte, 100)
	out := make([]sim.Arrival, 0, 1)
	b.ReportAllocs()
	var now sim.Time
	for b.Loop() {
		now += sim.Time(time.Microsecond)
		out, _ = pipe.Transmit(now, 0, 1, msg, out[:0])
	}
}
