package netmodel

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sim-lecture/sim/sim"
)

// TestPartitions applies partitions and blocks and checks every direction
// between the nodes A, B, C, D (D is named in no partition in most cases).
func TestPartitions(t *testing.T) {
	names := []string{"A", "B", "C", "D"}
	tests := []struct {
		name string
		do   func(n *Network)
		cut  []string // the directions that drop; every other one delivers
	}{
		{"none", func(n *Network) {}, nil},
		{
			"symmetric",
			func(n *Network) { n.Partition([][]string{{"A", "B"}, {"C"}}) },
			[]string{"A->C", "B->C", "C->A", "C->B"},
		},
		{
			"asymmetric",
			func(n *Network) { n.Block("A", "B") },
			[]string{"A->B"},
		},
		{
			"unblock",
			func(n *Network) { n.Block("A", "B"); n.Block("A", "B"); n.Unblock("A", "B") },
			nil,
		},
		{
			"partitions add up",
			func(n *Network) {
				n.Partition([][]string{{"A"}, {"B"}})
				n.Partition([][]string{{"A", "B"}, {"C"}})
			},
			[]string{"A->B", "B->A", "A->C", "C->A", "B->C", "C->B"},
		},
		{
			"heal one of two overlapping partitions",
			func(n *Network) {
				first := n.Partition([][]string{{"A"}, {"B"}})
				n.Partition([][]string{{"A", "B"}, {"C"}})
				n.HealPartition(first)
			},
			[]string{"A->C", "C->A", "B->C", "C->B"},
		},
		{
			"heal an unknown partition",
			func(n *Network) {
				n.Partition([][]string{{"A"}, {"B"}})
				n.HealPartition(99)
			},
			[]string{"A->B", "B->A"},
		},
		{
			"unblock leaves a partition",
			func(n *Network) {
				n.Partition([][]string{{"A"}, {"B"}})
				n.Block("A", "B")
				n.Unblock("A", "B")
			},
			[]string{"A->B", "B->A"},
		},
		{
			"heal removes partitions and blocks",
			func(n *Network) {
				n.Partition([][]string{{"A"}, {"B", "C", "D"}})
				n.Block("C", "D")
				n.Heal()
			},
			nil,
		},
		{
			"first group wins",
			func(n *Network) { n.Partition([][]string{{"A", "B"}, {"B", "C"}}) },
			[]string{"A->C", "C->A", "B->C", "C->B"},
		},
		{
			"unknown names are harmless",
			func(n *Network) { n.Partition([][]string{{"A"}, {"nobody"}}); n.Block("nobody", "A") },
			nil,
		},
		{
			"one group cuts nothing",
			func(n *Network) { n.Partition([][]string{{"A", "B", "C", "D"}}) },
			nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			net := New(1, Config{Default: faultless()}, namer(names...))
			// Use every link once before the change, so the test also
			// covers links whose cached state must be refreshed.
			for from := range names {
				for to := range names {
					send(net, 0, sim.NodeID(from), sim.NodeID(to), nil)
				}
			}
			tt.do(net)
			var cut []string
			for from := range names {
				for to := range names {
					d := send(net, 1, sim.NodeID(from), sim.NodeID(to), nil)
					dir := names[from] + "->" + names[to]
					switch {
					case d.Reason == ReasonPartition && len(d.Copies) == 0:
						cut = append(cut, dir)
					case d.Reason != "" || len(d.Copies) != 1:
						t.Errorf("%s: %+v; want one copy or a partition drop", dir, d)
					}
					if got := net.Connected(names[from], names[to]); got == (d.Reason == ReasonPartition) {
						t.Errorf("Connected(%q, %q) = %v but Transmit said %q", names[from], names[to], got, d.Reason)
					}
				}
			}
			less := func(a, b string) bool { return a < b }
			if diff := cmp.Diff(tt.cut, cut, cmpSorted(less)); diff != "" {
				t.Errorf("cut directions (-want +got):\n%s", diff)
			}
			if got, want := net.Stats().Partitioned, len(cut); got != want {
				t.Errorf("Stats().Partitioned = %d; want %d", got, want)
			}
		})
	}
}

// TestPartitionOverTime follows one link through a partition and its heal.
func TestPartitionOverTime(t *testing.T) {
	net := New(1, Config{Default: faultless()}, namer("client", "server"))
	steps := []struct {
		do   func()
		want string
	}{
		{func() {}, ""},
		{func() { net.Partition([][]string{{"client"}, {"server"}}) }, ReasonPartition},
		{func() {}, ReasonPartition},
		{func() { net.Heal() }, ""},
		{func() { net.Block("client", "server") }, ReasonPartition},
		{func() { net.Unblock("client", "server") }, ""},
	}
	for i, s := range steps {
		s.do()
		if got := send(net, sim.Time(i), 0, 1, []byte("x")).Reason; got != s.want {
			t.Errorf("step %d: reason %q; want %q", i, got, s.want)
		}
	}
}
