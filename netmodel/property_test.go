package netmodel

import (
	"bytes"
	"testing"
	"time"

	"github.com/sim-lecture/sim/sim"
	"pgregory.net/rapid"
)

// genDelay generates any valid delay distribution.
func genDelay(t *rapid.T) Delay {
	dur := func(label string) time.Duration {
		return time.Duration(rapid.Int64Range(0, int64(time.Second)).Draw(t, label))
	}
	switch rapid.SampledFrom([]DelayKind{"", Constant, Uniform, Exponential, Normal}).Draw(t, "kind") {
	case Constant:
		return Delay{Kind: Constant, Value: dur("value")}
	case Uniform:
		lo := dur("min")
		return Delay{Kind: Uniform, Min: lo, Max: lo + dur("span")}
	case Exponential:
		return Delay{Kind: Exponential, Mean: dur("mean")}
	case Normal:
		return Delay{Kind: Normal, Mean: dur("mean"), Stddev: dur("stddev")}
	}
	return Delay{}
}

// genParams generates any valid Params.
func genParams(t *rapid.T) Params {
	prob := func(label string) float64 {
		// Often exactly 0 or 1, the edges where off-by-one bugs live.
		return rapid.OneOf(rapid.Just(0.0), rapid.Just(1.0), rapid.Float64Range(0, 1)).Draw(t, label)
	}
	p := Params{
		Delay:        genDelay(t),
		Bandwidth:    rapid.OneOf(rapid.Just(0.0), rapid.Float64Range(1e3, 1e10)).Draw(t, "bandwidth"),
		Loss:         prob("loss"),
		Duplicate:    prob("duplicate"),
		Reorder:      prob("reorder"),
		Corrupt:      prob("corrupt"),
		ReorderDelay: time.Duration(rapid.Int64Range(0, int64(time.Second)).Draw(t, "reorder_delay")),
		Queue:        rapid.IntRange(0, 5).Draw(t, "queue"),
		QueueBytes:   rapid.SampledFrom([]int{0, 64, 200}).Draw(t, "queue_bytes"),
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("generated invalid params: %v", err)
	}
	return p
}

// TestPropertyNetwork sends any sequence of datagrams over any valid
// network, with partitions and patches coming and going, and checks the
// contract of every Transmit: no negative delay, at most two copies, a
// reason exactly when none arrives, copies that are the message or the
// message with one bit flipped, and a sender's slice left alone.
func TestPropertyNetwork(t *testing.T) {
	names := []string{"A", "B", "C"}
	rapid.Check(t, func(t *rapid.T) {
		net := New(rapid.Uint64().Draw(t, "seed"), Config{Default: genParams(t)}, namer(names...))
		node := rapid.IntRange(0, len(names)-1)
		var now sim.Time
		var drops, dups int
		sends := rapid.IntRange(1, 200).Draw(t, "sends")
		for i := range sends {
			switch rapid.IntRange(0, 20).Draw(t, "event") {
			case 0:
				net.Partition([][]string{{names[node.Draw(t, "a")]}, {names[node.Draw(t, "b")]}})
			case 1:
				net.Block(names[node.Draw(t, "from")], names[node.Draw(t, "to")])
			case 2:
				net.Heal()
			case 3:
				net.SetDefault(Patch{Loss: ptr(rapid.Float64Range(0, 1).Draw(t, "loss"))})
			case 4:
				net.PatchLink(names[node.Draw(t, "from")], "*", Patch{Delay: ptr(genDelay(t))})
			}
			now += sim.Time(rapid.Int64Range(0, int64(10*time.Millisecond)).Draw(t, "gap"))
			from, to := sim.NodeID(node.Draw(t, "from")), sim.NodeID(node.Draw(t, "to"))
			msg := rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, "msg")
			sent := bytes.Clone(msg)
			copies, reason := net.Transmit(now, from, to, msg, nil)
			if !bytes.Equal(msg, sent) {
				t.Fatalf("send %d: the sender's slice changed", i)
			}
			if (reason == "") != (len(copies) > 0) || len(copies) > 2 {
				t.Fatalf("send %d: %d copies with reason %q", i, len(copies), reason)
			}
			if reason != "" {
				drops++
				if reason != ReasonLoss && reason != ReasonPartition && reason != ReasonQueue {
					t.Fatalf("send %d: unknown reason %q", i, reason)
				}
			}
			for _, c := range copies {
				if c.Delay < 0 {
					t.Fatalf("send %d: negative delay %v", i, c.Delay)
				}
				want := 0
				switch c.Fate {
				case sim.Corrupted:
					want = 1
				case sim.Duplicated:
					dups++
				}
				if n := bitDiff(msg, c.Msg); n != want {
					t.Fatalf("send %d: %v copy differs from the message in %d bits; want %d", i, c.Fate, n, want)
				}
			}
		}
		st := net.Stats()
		if st.Sent != sends || st.Lost+st.Partitioned+st.Overflowed != drops || st.Duplicated != dups {
			t.Fatalf("Stats() = %+v; want %d sent, %d dropped, %d duplicated", st, sends, drops, dups)
		}
	})
}

// TestPropertyPipe checks that a pipe delivers every message once, intact,
// with arrival times that never decrease in a direction, whatever the
// sizes and times of the sends.
func TestPropertyPipe(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		delay := time.Duration(rapid.Int64Range(0, int64(time.Second)).Draw(t, "delay"))
		bw := rapid.OneOf(rapid.Just(0.0), rapid.Float64Range(1e3, 1e10)).Draw(t, "bandwidth")
		p := NewPipe(delay, bw)
		last := map[[2]sim.NodeID]sim.Time{}
		var now sim.Time
		for i := range rapid.IntRange(1, 200).Draw(t, "sends") {
			now += sim.Time(rapid.Int64Range(0, int64(10*time.Millisecond)).Draw(t, "gap"))
			from := sim.NodeID(rapid.IntRange(0, 2).Draw(t, "from"))
			to := sim.NodeID(rapid.IntRange(0, 2).Draw(t, "to"))
			msg := rapid.SliceOfN(rapid.Byte(), 0, 1500).Draw(t, "msg")
			copies, reason := p.Transmit(now, from, to, msg, nil)
			if reason != "" || len(copies) != 1 || copies[0].Fate != sim.Delivered || !bytes.Equal(copies[0].Msg, msg) {
				t.Fatalf("send %d: %q %+v; want one intact copy", i, reason, copies)
			}
			if copies[0].Delay < delay {
				t.Fatalf("send %d: delay %v below the pipe's %v", i, copies[0].Delay, delay)
			}
			at := now.Add(copies[0].Delay)
			dir := [2]sim.NodeID{from, to}
			if prev, ok := last[dir]; ok && at < prev {
				t.Fatalf("send %d: arrives at %v, before the previous message at %v", i, at, prev)
			}
			last[dir] = at
		}
	})
}
