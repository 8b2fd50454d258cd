package all_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// TestProgramEverySystem runs a small program on every system that runs
// programs and checks the summary's counts, which follow from the
// program by hand: 3 clients x 4 iterations (every 10s until 40s) is 12
// iterations and 12 runs of each step, each an op that completed, with
// its latency counted once per run.
func TestProgramEverySystem(t *testing.T) {
	const program = "clients: 3, every: 10s, until: 40s, think: 100ms"
	cases := []struct {
		name, head, steps string
		// ops counts the steps of one iteration; latency lists the ops
		// whose latencies the summary has, each 12 x its steps.
		ops     int
		latency map[string]int
		// calls, when set, is a procedure and how many calls of it the
		// run starts.
		proc  string
		calls int
	}{
		{"pipe", "systems: [pipe]\nnodes: [B]", "[{op: send, to: B, count: 3, interval: 10ms}]", 1, map[string]int{"send": 12}, "", 0},
		{"socket", "systems: [socket]\nnodes: [B]", "[{op: send, to: B}, {op: send, to: B, count: 2}]", 2, map[string]int{"send": 24}, "", 0},
		{"udp", "systems: [udp]\nnodes: [B]", "[{op: send, to: B, count: 5, interval: 1ms}]", 1, map[string]int{"send": 12}, "", 0},
		{"reliable", "systems: [reliable]\nnodes: [B]", "[{op: send, to: B, count: 4}, {op: send, to: B}]", 2, map[string]int{"send": 24}, "", 0},
		{"rpc", "systems: [rpc]\nnodes: [S]", "[{op: call, server: S, proc: increment}, {op: call, server: S, proc: read}]", 2,
			map[string]int{"call": 24}, "INCREMENT", 12},
		{"two_phase_commit", "systems: [two_phase_commit]\ntwo_phase_commit: {participants: [P1, P2]}", "[{op: commit}]", 1,
			map[string]int{"commit": 12}, "", 0},
		{"nfs", "systems: [nfs]\nfiles: {f: [a]}", "[{op: open, file: f, fd: x}, {op: read, fd: x, block: 0}, {op: close, fd: x}]", 3,
			map[string]int{"open": 12, "read": 12, "close": 12}, "", 0},
		{"afs", "systems: [afs]\nfiles: {f: [a]}", "[{op: open, file: f, fd: x}, {op: read, fd: x, block: 0}, {op: close, fd: x}]", 3,
			map[string]int{"open": 12, "read": 12, "close": 12}, "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := "name: p\n" + tc.head + "\nworkload:\n  - program: {" + program + ", steps: " + tc.steps + "}\n"
			res := runSource(t, src)
			if len(res.Violations) > 0 {
				t.Errorf("violations: %v", res.Violations)
			}
			sum := res.Systems[0].Summary
			type counts struct{ clients, iterations, late, steps, ops, errors int }
			want := counts{3, 12, 0, 12 * tc.ops, 12 * tc.ops, 0}
			got := counts{sum.Clients, sum.Iterations, sum.Late, sum.Steps, sum.Ops, sum.Errors}
			if got != want {
				t.Errorf("summary = %+v; want %+v (errors %v)", got, want, sum.ByResult)
			}
			lat := map[string]int{}
			for _, l := range sum.Latency {
				lat[l.Op] = l.Count
			}
			if len(lat) != len(tc.latency) {
				t.Errorf("latencies of %v; want %v", lat, tc.latency)
			}
			for op, n := range tc.latency {
				if lat[op] != n {
					t.Errorf("%d latencies of %s; want %d", lat[op], op, n)
				}
			}
			if tc.proc != "" && sum.Calls[tc.proc] != tc.calls {
				t.Errorf("%d calls of %s; want %d", sum.Calls[tc.proc], tc.proc, tc.calls)
			}
		})
	}
}

// TestProgramThinkAfterReturn checks that a step starts after the one
// before it returned, on a system whose steps take longer than the
// period: a call that sleeps 3s every 2s makes every iteration after the
// first late, which it would not be if the next step followed the start
// of the call.
func TestProgramThinkAfterReturn(t *testing.T) {
	src := `name: p
systems: [rpc]
nodes: [S]
rpc: {workers: 10}
workload:
  - program: {clients: 2, every: 2s, until: 20s,
      steps: [{op: call, server: S, proc: sleep, args: "3s"}, {op: call, server: S, proc: increment}]}
`
	res := runSource(t, src)
	sum := res.Systems[0].Summary
	// Each client: 10 iterations due (one per 2s from its phase before
	// 20s), each but its first late: it starts as the previous one
	// ends, 3s and a little after that one started.
	if sum.Iterations != 20 || sum.Late != 18 || sum.Errors != 0 {
		t.Errorf("iterations %d, late %d, errors %d; want 20, 18, 0", sum.Iterations, sum.Late, sum.Errors)
	}
	for _, l := range sum.Latency {
		if l.Op == "call" && (l.Count != sum.Steps || !strings.HasPrefix(l.Max, "3.")) {
			t.Errorf("call latencies %+v; want %d, the longest 3.x s", l, sum.Steps)
		}
	}
}

// runSource loads and runs a scenario, failing the test on an error.
func runSource(t *testing.T, src string) *report.Result {
	t.Helper()
	sc, err := scenarios.Load("p.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, src)
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// TestProgramRefused checks that a system whose rows have no outcome
// before the end of the run refuses a program, at the step's op.
func TestProgramRefused(t *testing.T) {
	src := "name: p\nsystems: [two_generals]\nnodes: [B]\nworkload:\n  - program: {clients: 2, every: 10s, until: 1m,\n      steps: [{op: agree, to: B}]}\n"
	_, err := scenarios.Load("p.yaml", []byte(src))
	want := "p.yaml:6:20: op agree: system two_generals cannot run it in a program: the generals decide at dawn"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Load = %v; want %q", err, want)
	}
}

// TestProgramPhases checks that report.phases counts program steps: 2
// clients calling every 10s until 60s make 3 calls each in each 30s
// phase; and that an AFS server's callback breaks to a program's
// clients count as callbacks, not calls.
func TestProgramPhases(t *testing.T) {
	src := `name: p
systems: [rpc]
nodes: [S]
report: {phases: 30s}
workload:
  - program: {clients: 2, every: 10s, until: 60s, steps: [{op: call, server: S, proc: increment}]}
`
	res := runSource(t, src)
	var got []string
	for _, p := range res.Systems[0].Phases {
		got = append(got, fmt.Sprintf("%s-%s %d clients %d calls %d callbacks", p.From, p.To, p.Clients, p.Calls, p.Callbacks))
	}
	want := []string{"0s-30s 2 clients 6 calls 0 callbacks", "30s-60s 2 clients 6 calls 0 callbacks"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("phases = %q; want %q", got, want)
	}
	if text := report.SummaryText(&res.Systems[0]); !strings.Contains(text, "30s-60s  2        6 (0.20/s)") {
		t.Errorf("the summary shows no phases:\n%s", text)
	}
	src = `name: p
systems: [afs]
files: {f: [a]}
report: {phases: 1m}
workload:
  - program: {clients: 3, prefix: R, every: 20s, until: 2m,
      steps: [{op: open, file: f, fd: x}, {op: read, fd: x, block: 0}, {op: close, fd: x}]}
  - program: {clients: 1, prefix: W, every: 30s, until: 2m,
      steps: [{op: open, file: f, fd: x}, {op: write, fd: x, block: 0}, {op: close, fd: x}]}
`
	res = runSource(t, src)
	calls, callbacks := 0, 0
	for _, p := range res.Systems[0].Phases {
		if p.Clients != 4 {
			t.Errorf("phase %s: %d clients; want 4", p.From, p.Clients)
		}
		calls += p.Calls
		callbacks += p.Callbacks
	}
	sum := res.Systems[0].Summary
	breaks := sum.Calls["BREAKCALLBACK"]
	if callbacks == 0 || callbacks != breaks {
		t.Errorf("%d callbacks in the phases; want the run's %d breaks, more than 0 (calls %v)", callbacks, breaks, sum.Calls)
	}
}
