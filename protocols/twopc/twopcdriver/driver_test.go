package twopcdriver

import (
	"flag"
	"math"
	"strings"
	"testing"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/scenariotest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGoldenBuiltIn runs the system's built-in scenarios and compares
// their table and JSON result with testdata/golden (go test
// ./protocols/twopc/twopcdriver -run Golden -update after an intended
// change).
func TestGoldenBuiltIn(t *testing.T) {
	scenariotest.GoldenBuiltIn(t, "protocols/twopc/twopcdriver/scenarios", *update)
}

// head is the start of the test scenarios: 10ms links and disks.
const head = "name: t\nsystems: [two_phase_commit]\nnetwork: {delay: 10ms}\n"

// TestLoadErrors: what only this system can check is a positioned error.
func TestLoadErrors(t *testing.T) {
	row := "workload:\n  - {at: 1s, op: commit, client: C}\n"
	for _, tc := range []struct{ src, want string }{
		{"two_phase_commit: {participants: [P1, P1]}\n" + row, "4:39: participants: P1 is listed twice (first at line 4)"},
		{"two_phase_commit: {participants: []}\n" + row, "participants: expected from 1 to 64 nodes, got 0"},
		{"two_phase_commit: {participants: [P1, bad name]}\n" + row, "participants: expected a node name"},
		{"two_phase_commit: {retries: -1}\n" + row, "retries: expected an integer from 0 to 1000, got -1"},
		{"two_phase_commit: {vote_timeout: 0}\n" + row, "vote_timeout: expected a duration above 0, got 0"},
		{"two_phase_commit: {cooperativ: true}\n" + row, `unknown key "cooperativ" in two_phase_commit; did you mean "cooperative"?`},
		{"workload:\n  - {at: 1s, op: commit, client: P1}\n", "client: P1 is a participant in this scenario; clients are the other nodes"},
		{row + "faults:\n  - {at: 0, vote_no: C}\n", `7:22: vote_no: C is not a participant (participants: P1, P2, P3)`},
		{row + "faults:\n  - {at: 0, vote_no: P4}\n", `vote_no: P4 is not a participant; did you mean "P1"?`},
		{"workload:\n  - {at: 1s, op: commit}\n", `missing key "client"`},
	} {
		_, err := scenarios.Load("t.yaml", []byte(head+tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n error %v\n want %q", tc.src, err, tc.want)
		}
	}
}

// run runs a scenario of this system with driver d and returns the
// system's result with the invariants' complaints.
func run(t *testing.T, src string, d *driver) (*report.System, []string) {
	t.Helper()
	sc := scenariotest.Load(t, head+src)
	r := scenariotest.RunDriver(t, sc, "two_phase_commit", d)
	var broken []string
	for _, inv := range Invariants {
		for _, msg := range inv.Check(sc, r.Result) {
			broken = append(broken, inv.Name+": "+msg)
		}
	}
	return r.Result, broken
}

// TestRows: the rows' values and notes, and the votes of participants
// that have lost their part of the work.
func TestRows(t *testing.T) {
	for _, tc := range []struct {
		name, src    string
		value, note  string
		result       string
		participants string
	}{
		{"every YES", "workload:\n  - {at: 1s, op: commit, client: C}\n", Committed,
			"votes: P1 yes, P2 yes, P3 yes; C: commit at 1.05s (all voted yes); P1, P2, P3: commit at 1.07s (from C); in doubt: P1, P2, P3 1.03s-1.07s", "ok", ""},
		{"a participant down when the row comes", "workload:\n  - {at: 1s, op: commit, client: C}\nfaults:\n  - {at: 0.5s, crash: P2}\n  - {at: 1.01s, restart: P2}\n",
			Aborted, "votes: P1 yes, P2 no, P3 yes; P2: abort at 1.02s (voted no); C: abort at 1.03s (P2 voted no); P1, P3: abort at 1.05s (from C); in doubt: P1, P3 1.03s-1.05s", "ok", ""},
		{"a participant that crashed after the row", "workload:\n  - {at: 1s, op: commit, client: C}\nfaults:\n  - {at: 1.005s, crash: P1}\n  - {at: 1.006s, restart: P1}\n",
			Aborted, "votes: P1 no, P2 yes, P3 yes; P1: abort at 1.02s (voted no); C: abort at 1.03s (P1 voted no); P2, P3: abort at 1.05s (from C); in doubt: P2, P3 1.03s-1.05s", "ok", ""},
		{"the coordinator down", "workload:\n  - {at: 1s, op: commit, client: C}\nfaults:\n  - {at: 0.5s, crash: C}\n",
			"", "coordinator C is down: T1 not begun", "EHOSTDOWN", ""},
		{"the coordinator crashes before its start record", "workload:\n  - {at: 1s, op: commit, client: C}\nfaults:\n  - {at: 1.005s, crash: C}\n",
			NotBegun, "votes: P1 none, P2 none, P3 none", "ok", ""},
		{"two participants", "two_phase_commit: {participants: [X, Y]}\nworkload:\n  - {at: 1s, op: commit, client: C}\n", Committed,
			"votes: X yes, Y yes; C: commit at 1.05s (all voted yes); X, Y: commit at 1.07s (from C); in doubt: X, Y 1.03s-1.07s", "ok", "X, Y"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys, broken := run(t, tc.src, &driver{})
			st := sys.Steps[0]
			if scenariotest.Text(st.Value) != scenariotest.Text(ptr(tc.value)) || st.Note != tc.note || st.Result != tc.result {
				t.Errorf("row = %s, %s, %q\n want %s, %s, %q", st.Result, scenariotest.Text(st.Value), st.Note, tc.result, tc.value, tc.note)
			}
			if len(broken) > 0 {
				t.Errorf("invariants broken: %q", broken)
			}
			if tc.participants != "" {
				if txs := TransactionsOf(sys); len(txs) != 1 || strings.Join(txs[0].Participants, ", ") != tc.participants {
					t.Errorf("transactions = %+v; want participants %s", txs, tc.participants)
				}
			}
		})
	}
}

func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// TestMetrics evaluates the system's sweep metrics on a built-in
// scenario.
func TestMetrics(t *testing.T) {
	sc, err := scenarios.Open("2pc_recovery")
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		metric string
		want   float64
	}{
		{"transactions.committed", 2},
		{"transactions.aborted", 2},
		{"transactions.blocked", 0},
		{"basic:in_doubt.max", 15.02 - 10.03},
		{"cooperative:in_doubt.max", 5.02 - 1.03},
		// T1: 3 x 3.99s; T2: P1 40ms, and P2 and P3 4.99s (basic) or
		// 1.03s (cooperative).
		{"basic:in_doubt.total", 3*3.99 + 0.04 + 2*4.99},
		{"cooperative:in_doubt.total", 3*3.99 + 0.04 + 2*1.03},
		{"latency.max", 5.02},
	} {
		ref, err := report.ParseMetric(tc.metric)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ref.Eval(res)
		if err != nil || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s = %v, %v; want %v", tc.metric, got, err, tc.want)
		}
	}
	other := &report.Result{Systems: []report.System{{System: "rpc"}}}
	for _, m := range Metrics {
		if v := m.Eval(other, []*report.System{&other.Systems[0]}, "committed"); !math.IsNaN(v) {
			t.Errorf("%s on another system = %v; want NaN", m.Name, v)
		}
	}
}
