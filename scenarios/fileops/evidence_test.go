package fileops

import (
	"strings"
	"testing"

	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

// s is a time in seconds.
func s(x float64) sim.Time { return sim.Time(x * 1e9) }

// writeBufferEvidence is the lecture's "Server Write Buffer Lost" as
// evidence: writes A B C, X, Y, a crash at 25 s, Z; disk is what the disk
// holds at the end.
func writeBufferEvidence(disk []string, lostY bool) *Evidence {
	ev := &Evidence{Initial: map[string][]string{"f": {}}, Servers: map[string]string{"f": "server"}}
	add := func(at float64, blocks ...string) {
		ev.Changes = append(ev.Changes, Change{At: s(at), Key: "f", Blocks: blocks, Acked: true, AckedAt: s(at)})
	}
	add(1, "A", "B", "C")
	add(11, "X", "B", "C")
	add(21, "X", "Y", "C")
	crash := []string{"X", "Y", "C"}
	if lostY {
		crash = []string{"X", "B", "C"}
		ev.Changes = append(ev.Changes, Change{At: s(25), Key: "f", Blocks: crash, Revert: true})
		add(31, "X", "B", "Z")
	} else {
		add(31, "X", "Y", "Z")
	}
	ev.Durable = []Snapshot{
		{At: s(25), Server: "server", Crash: true, Files: map[string][]string{"f": crash}},
		{At: s(40), Server: "server", Files: map[string][]string{"f": disk}},
	}
	return ev
}

func TestPointInTimeAndAcknowledgedDurable(t *testing.T) {
	for _, tc := range []struct {
		name               string
		ev                 *Evidence
		pointInTime, acked string // "" when it holds
	}{
		{"write-through", writeBufferEvidence([]string{"X", "Y", "Z"}, false), "", ""},
		{"the lecture's buffered server", writeBufferEvidence([]string{"X", "B", "Z"}, true),
			"f: server's disk holds [X B Z] at the end of the run, which is no point in time of the acknowledged writes ([] → [A B C] → [X B C] → [X Y C] → [X Y Z])",
			"f: server's disk holds [X B C] as it crashed at 25s; the acknowledged writes make it [X Y C] (block 1 = Y, acknowledged at 21s, is lost)"},
		{"an old point in time", writeBufferEvidence([]string{"X", "B", "C"}, false), "",
			"f: server's disk holds [X B C] at the end of the run; the acknowledged writes make it [X Y Z] (block 2 = Z, acknowledged at 31s, is lost)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct {
				what, want string
				got        []string
			}{{"point_in_time", tc.pointInTime, PointInTime(tc.ev)}, {"acknowledged", tc.acked, AcknowledgedDurable(tc.ev)}} {
				switch {
				case c.want == "" && len(c.got) > 0:
					t.Errorf("%s: %q; want it to hold", c.what, c.got)
				case c.want != "" && (len(c.got) == 0 || c.got[0] != c.want):
					t.Errorf("%s: %q; want %q", c.what, c.got, c.want)
				}
			}
		})
	}
}

// rows builds a scenario's workload from "client op fd block" lines, all
// on file f, one second apart.
func rows(lines ...string) *scenarios.Scenario {
	sc := &scenarios.Scenario{}
	for i, l := range lines {
		var st scenarios.Step
		f := strings.Fields(l)
		st.Index, st.At, st.Client, st.Op, st.FD, st.File = i, s(float64(i)).Duration(), f[0], f[1], f[2], "f"
		if len(f) > 3 {
			st.Block, st.HasBlock = int(f[3][0]-'0'), true
		}
		if len(f) > 4 {
			st.Data, st.HasData = f[4], true
		}
		sc.Workload = append(sc.Workload, st)
	}
	return sc
}

// done marks row i finished at its own time, ok.
func done(ev *Evidence, i int) *Row {
	r := &ev.Rows[i]
	r.Started, r.Done, r.Finished, r.OK, r.Key = s(float64(i)), s(float64(i)), true, true, "f"
	return r
}

func TestSessionAndWholeFile(t *testing.T) {
	sc := rows("A open a", "B open b", "B write b 1 B1", "B close b", "A read a 1", "A close a")
	build := func(readValue string, stored []string) *Evidence {
		ev := NewEvidence(sc)
		ev.Initial["f"] = []string{"a0", "a1"}
		for i := range sc.Workload {
			done(ev, i)
		}
		ev.Rows[0].Saw, ev.Rows[1].Saw = Initial, Initial
		ev.Changes = []Change{{At: s(3), Key: "f", Blocks: stored, Version: 2}}
		ev.Rows[3].Stored = 0
		r := &ev.Rows[4]
		r.Value, r.HasValue, r.Block, r.HasBlock = readValue, true, 1, true
		ev.Durable = []Snapshot{{At: s(9), Server: "server", Files: map[string][]string{"f": stored}}}
		return ev
	}
	if got := SessionSemantics(build("a1", []string{"a0", "B1"}), sc); len(got) > 0 {
		t.Errorf("AFS: A reads its own version: %q", got)
	}
	if got := SessionSemantics(build("B1", []string{"a0", "B1"}), sc); len(got) == 0 ||
		got[0] != "row 5 (A's read of f block 1 at 4s) returned B1; the copy opened at row 1 holds a1" {
		t.Errorf("NFS: A reads B's block in its session: %q", got)
	}
	if got := WholeFileVersions(build("a1", []string{"a0", "B1"}), sc); len(got) > 0 {
		t.Errorf("B's whole copy: %q", got)
	}
	if got := WholeFileVersions(build("a1", []string{"A0", "B1"}), sc); len(got) == 0 ||
		got[0] != "f: the server held [A0 B1] (version 2) at 3s, which no client's copy held whole when it was closed" {
		t.Errorf("a mix: %q", got)
	}
}

func TestStalenessAndCallbacks(t *testing.T) {
	// A caches v1, B writes v2 and closes at 2 s (the server has v2 from
	// 2 s); A reads from its cache at 4 s.
	sc := rows("A open a", "B open b", "B close b", "A read a 0", "A read a 0")
	build := func(value string) *Evidence {
		ev := NewEvidence(sc)
		ev.Initial["f"] = []string{"v1"}
		for i := range sc.Workload {
			done(ev, i)
		}
		ev.Rows[0].Saw = Initial
		ev.Changes = []Change{{At: s(2), Key: "f", Blocks: []string{"v2"}, Acked: true, AckedAt: s(2)}}
		ev.Rows[2].Stored = 0
		for _, i := range []int{3, 4} {
			r := &ev.Rows[i]
			r.Value, r.HasValue, r.Block, r.HasBlock, r.Cached = value, true, 0, true, true
		}
		return ev
	}
	if got := Staleness(build("v1"), sc, s(3)); len(got) > 0 {
		t.Errorf("2 s old under a 3 s bound: %q", got)
	}
	if got := Staleness(build("v1"), sc, s(1)); len(got) != 1 || !strings.Contains(got[0], "row 5 (A's read of f block 0 at 4s) returned v1, which the server had replaced 2s before: more than 1s") {
		t.Errorf("2 s old under a 1 s bound: %q", got)
	}
	if got := CallbackConsistency(build("v2"), sc); len(got) > 0 {
		t.Errorf("the new version from the cache: %q", got)
	}
	if got := CallbackConsistency(build("v1"), sc); len(got) != 2 || !strings.Contains(got[0], "used a cached copy replaced at 2s, after B's close at row 3 had returned at 2s") {
		t.Errorf("the old version after B's close: %q", got)
	}
	// A cached open under an expired callback, and one obtained before
	// the client's crash.
	ev := build("v2")
	ev.Rows[0].Cached, ev.Rows[0].Callback = true, &Callback{Asked: s(-5), Expires: s(-1)}
	sc.Faults = []scenarios.Fault{{At: s(-2).Duration(), Kind: "crash", Node: "A"}}
	got := CallbackConsistency(ev, sc)
	if len(got) != 2 || !strings.Contains(got[0], "expired at -1s") || !strings.Contains(got[1], "before its crash at -2s") {
		t.Errorf("stale callbacks: %q", got)
	}
}
