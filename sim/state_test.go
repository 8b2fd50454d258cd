package sim_test

import (
	"testing"

	"github.com/sim-lecture/sim/sim"
	"github.com/sim-lecture/sim/sim/simtest"
)

func TestStateRecords(t *testing.T) {
	env := simtest.New(0, "server")
	sim.TraceState(env, "mem fileA", "[X] [B] [C]")
	sim.TraceDurable(env, "disk fileA", "")
	want := []string{"state: mem fileA = [X] [B] [C]", "durable: disk fileA = "}
	for i, n := range env.Notes {
		if n != want[i] {
			t.Errorf("note %d = %q; want %q", i, n, want[i])
		}
	}
	for _, tc := range []struct {
		rec         sim.Record
		key, value  string
		durable, ok bool
	}{
		{sim.Record{Kind: sim.KindNote, Label: sim.StateLabel, Info: "mem fileA = [X] [B]"}, "mem fileA", "[X] [B]", false, true},
		{sim.Record{Kind: sim.KindNote, Label: sim.DurableLabel, Info: "disk fileA = "}, "disk fileA", "", true, true},
		{sim.Record{Kind: sim.KindNote, Label: "nfs", Info: "a = b"}, "", "", false, false},
		{sim.Record{Kind: sim.KindSend, Label: sim.StateLabel, Info: "a = b"}, "", "", false, false},
		{sim.Record{Kind: sim.KindNote, Label: sim.StateLabel, Info: "no separator"}, "no separator", "", false, false},
	} {
		k, v, d, ok := sim.ParseState(tc.rec)
		if ok != tc.ok || (ok && (k != tc.key || v != tc.value || d != tc.durable)) {
			t.Errorf("ParseState(%+v) = %q, %q, %v, %v; want %q, %q, %v, %v", tc.rec, k, v, d, ok, tc.key, tc.value, tc.durable, tc.ok)
		}
	}
}

func TestCells(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, "(empty)"},
		{[]string{"X"}, "[X]"},
		{[]string{"X", "", "C"}, "[X] [-] [C]"},
		{[]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, "[1] [2] [3] [4] [5] [6] [7] [8] [… +2]"},
	} {
		got := sim.Cells(tc.in)
		if got != tc.want {
			t.Errorf("Cells(%q) = %q; want %q", tc.in, got, tc.want)
		}
		cells, ok := sim.SplitCells(got)
		if len(tc.in) > 0 && (!ok || len(cells) != min(len(tc.in), sim.MaxCells+1)) {
			t.Errorf("SplitCells(%q) = %q, %v; want %d cells", got, cells, ok, min(len(tc.in), sim.MaxCells+1))
		}
	}
	if cells, ok := sim.SplitCells("promised"); ok {
		t.Errorf("SplitCells(promised) = %q; want no cells", cells)
	}
}

// TestStatesReplay: state records build each node's state, an empty value
// removes a key, and a crash forgets the volatile keys but not the durable
// ones (design rule 4).
func TestStatesReplay(t *testing.T) {
	note := func(node sim.NodeID, label, info string) sim.Record {
		return sim.Record{Kind: sim.KindNote, Node: node, Label: label, Info: info}
	}
	s := sim.NewStates()
	steps := []struct {
		rec     sim.Record
		changed bool
	}{
		{note(1, sim.StateLabel, "mem f = [X] [B]"), true},
		{note(1, sim.DurableLabel, "disk f = [A] [B]"), true},
		{note(1, sim.StateLabel, "executed = 1"), true},
		{note(2, sim.StateLabel, "cache f = A"), true},
		{note(1, sim.StateLabel, "executed = "), true},
		{note(1, "nfs", "flushing"), false},
		{sim.Record{Kind: sim.KindCrash, Node: 1}, true},
		{sim.Record{Kind: sim.KindCrash, Node: 1}, false},
	}
	for i, st := range steps {
		if got := s.Apply(st.rec); got != st.changed {
			t.Errorf("step %d: Apply(%+v) = %v; want %v", i, st.rec, got, st.changed)
		}
	}
	if got := s.Keys(1); len(got) != 1 || got[0] != "disk f" {
		t.Errorf("node 1 after its crash holds %q; want only the durable [disk f]", got)
	}
	if v, durable, ok := s.Get(1, "disk f"); !ok || !durable || v != "[A] [B]" {
		t.Errorf("Get(1, disk f) = %q, %v, %v; want [A] [B], durable", v, durable, ok)
	}
	if v, _, ok := s.Get(2, "cache f"); !ok || v != "A" {
		t.Errorf("node 2's cache f = %q, %v; want A (another node's crash forgets nothing of it)", v, ok)
	}
}
