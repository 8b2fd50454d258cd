package scenarios_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

// programScenario is a file-system scenario whose workload is one
// program: keys are its keys besides steps, in flow style, and steps its
// list of steps.
func programScenario(systems, keys, steps string) string {
	return fmt.Sprintf(`name: p
systems: [%s]
files:
  shared: {blocks: [s0, s1]}
  lib/f: {count: 10, choose: zipf, s: 1.1, blocks: [x]}
workload:
  - program: {%s,
      steps: %s}
`, systems, keys, steps)
}

// readSteps is a program's steps: open, read and close a shared file.
const readSteps = "[{op: open, file: shared, fd: f}, {op: read, fd: f, block: 0}, {op: close, fd: f}]"

// runProgram loads and runs a scenario and fails the test on an error.
func runProgram(t *testing.T, src string, opt scenarios.Options) *report.Result {
	t.Helper()
	sc, err := scenarios.Load("p.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	res, _, err := scenarios.Run(sc, opt)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// TestProgramIterations checks the contract of a program: each client
// runs exactly one iteration per period from its phase until `until`,
// every step of it, on both file systems.
func TestProgramIterations(t *testing.T) {
	cases := []struct {
		name             string
		program          string
		clients, periods int
	}{
		{"one client, five periods", "clients: 1, every: 60s, until: 5m, think: 100ms", 1, 5},
		{"ten clients, one hour", "clients: 10, every: 60s, until: 1h", 10, 60},
		{"start delays the first", "clients: 4, every: 10s, start: 30s, until: 90s, think: 1s", 4, 6},
		{"think from a distribution", "clients: 3, every: 20s, until: 100s, think: {dist: uniform, min: 10ms, max: 2s}", 3, 5},
		{"prefix names the clients", "clients: 2, prefix: R, every: 30s, until: 60s", 2, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runProgram(t, programScenario("nfs, afs", tc.program, readSteps), scenarios.Options{})
			if !res.Summarized || res.Table != nil {
				t.Errorf("Summarized = %v, Table = %v; want a summary and no table", res.Summarized, res.Table)
			}
			for _, s := range res.Systems {
				sum := s.Summary
				if sum == nil {
					t.Fatalf("%s: no summary", s.System)
				}
				iters := tc.clients * tc.periods
				type counts struct{ clients, iterations, late, steps, ops, errors int }
				want := counts{tc.clients, iters, 0, 3 * iters, 3 * iters, 0}
				got := counts{sum.Clients, sum.Iterations, sum.Late, sum.Steps, sum.Ops, sum.Errors}
				if got != want {
					t.Errorf("%s: summary = %+v; want %+v", s.System, got, want)
				}
				if len(s.Steps) != 0 {
					t.Errorf("%s: %d steps in the result; want none (the program's are summarized)", s.System, len(s.Steps))
				}
			}
		})
	}
}

// TestProgramErrors checks that Load refuses a bad program with an error
// inside the program, at the key at fault.
func TestProgramErrors(t *testing.T) {
	ok := "clients: 2, every: 60s"
	// okU has until, which a program needs: the cases whose errors
	// are in the steps use it, so that the program is complete.
	okU := ok + ", until: 1h"
	cases := []struct {
		name, systems, keys, steps string
		want                       string
		line, col                  int
	}{
		{"unknown key", "nfs", ok + ", evry: 1s", readSteps, `unknown key "evry" in workload row 1 (a program); did you mean "every"?`, 7, 39},
		{"no clients", "nfs", "every: 60s", readSteps, `missing key "clients" in workload row 1 (a program)`, 7, 14},
		{"zero clients", "nfs", "clients: 0, every: 60s", readSteps, "clients: expected an integer from 1 to 50000, got 0", 7, 24},
		{"no period", "nfs", "clients: 2", readSteps, `missing key "every"`, 7, 14},
		{"until before start", "nfs", ok + ", start: 1m, until: 30s", readSteps, "until: 30s is not after start 60s", 7, 57},
		{"bad prefix", "nfs", ok + ", prefix: a b", readSteps, "prefix: expected a node name", 7, 47},
		{"client in a step", "nfs", okU, "[{op: stat, file: shared, client: A}]", `key "client" does not belong in a program step`, 8, 40},
		{"missing key of the op", "nfs", okU, "[{op: stat}]", `missing key "file" in step 1 of the program`, 8, 15},
		{"key of another op", "nfs", okU, "[{op: stat, file: shared, block: 1}]", `key "block" does not apply to op stat`, 8, 40},
		{"unknown op", "nfs", okU, "[{op: opne, file: shared, fd: f}]", `unknown op "opne"; did you mean "open"?`, 8, 20},
		{"op of no system", "nfs", okU, "[{op: send, to: B}]", "op send is not supported by system nfs", 8, 20},
		{"fd not open", "nfs", okU, "[{op: read, fd: f, block: 0}]", "fd: f is not open; open it with an earlier step", 8, 30},
		{"fd left open", "nfs", okU, "[{op: open, file: shared, fd: f}]", "the program's steps leave fd f (line 8) open", 8, 15},
		{"fd opened twice", "nfs", okU, "[{op: open, file: shared, fd: f}, {op: open, file: shared, fd: f}, {op: close, fd: f}]", "fd: f is already open", 8, 77},
		{"no such file", "nfs", okU, "[{op: open, file: shard, fd: f}, {op: close, fd: f}]", "file: shard does not exist", 8, 32},
		{"chance on an open", "nfs", okU, "[{op: open, file: shared, fd: f, chance: 0.5}, {op: close, fd: f}]", "chance: a step that opens or closes an fd runs in every iteration", 8, 55},
		{"chance zero", "nfs", okU, "[{op: stat, file: shared, chance: 0}]", "chance: expected a probability above 0", 8, 48},
		{"clients of two programs", "nfs", okU + ", steps: [{op: stat, file: shared}]}\n  - program: {clients: 1, every: 60s, until: 1h", readSteps,
			"the program's client C1 is also a client of the program at line 7", 8, 24},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := programScenario(tc.systems, tc.keys, tc.steps)
			_, err := scenarios.Load("case.yaml", []byte(src))
			checkError(t, err, tc.want, tc.line, tc.col, src)
		})
	}
}

// checkError checks that err is an ErrorList with an error containing
// want at line:col.
func checkError(t *testing.T, err error, want string, line, col int, src string) {
	t.Helper()
	var list scenarios.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Load error = %v (%T); want an ErrorList with %q\n%s", err, err, want, src)
	}
	for _, e := range list {
		if strings.Contains(e.Msg, want) {
			if e.Line != line || e.Col != col {
				t.Errorf("%q at %d:%d; want %d:%d\n%s", want, e.Line, e.Col, line, col, src)
			}
			return
		}
	}
	t.Errorf("no error contains %q; got:\n%v\n%s", want, err, src)
}

// TestFamilyErrors checks the keys of a family of files.
func TestFamilyErrors(t *testing.T) {
	cases := []struct {
		name, entry, want string
		col               int
	}{
		{"count zero", "{count: 0}", "count: expected an integer from 1 to 100000, got 0", 18},
		{"unknown choice", "{count: 3, choose: zip}", `choose: expected uniform, zipf or own, got "zip"; did you mean "zipf"?`, 29},
		{"s without zipf", "{count: 3, s: 2}", "s: Zipf's exponent applies only to choose: zipf", 24},
		{"s out of range", "{count: 3, choose: zipf, s: -1}", "s: expected a number from 0 to 10, got -1", 38},
		{"per without count", "{blocks: [a], per: client}", "per: applies only to a family of files, with count", 24},
		{"bad per", "{count: 3, per: host}", `per: expected iteration or client, got "host"`, 26},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := "name: p\nsystems: [nfs]\nfiles:\n  fam/f: " + tc.entry + "\nworkload:\n  - {at: 0, client: A, op: stat, file: fam/f1}\n"
			_, err := scenarios.Load("case.yaml", []byte(src))
			checkError(t, err, tc.want, 4, tc.col, src)
		})
	}
}

// TestProgramClientIsServer checks that a program's client may not be a
// server of the scenario.
func TestProgramClientIsServer(t *testing.T) {
	src := `name: p
systems: [nfs]
nfs: {mounts: [{on: /, server: S1}]}
files: {shared: [a]}
workload:
  - program: {clients: 2, prefix: S, every: 60s, until: 1h, steps: [{op: stat, file: shared}]}
`
	_, err := scenarios.Load("case.yaml", []byte(src))
	checkError(t, err, "clients: the program's client S1 is a file server in this scenario; choose another prefix", 6, 35, src)
}

// TestProgramSet checks that --set reaches a program's keys and steps,
// and that an error in a setting names it.
func TestProgramSet(t *testing.T) {
	src := programScenario("nfs", "clients: 2, every: 60s, until: 10m", readSteps)
	sc, err := scenarios.LoadWith("p.yaml", []byte(src), []scenarios.Setting{
		{Key: "workload.0.program.clients", Value: "7"},
		{Key: "workload.0.program.steps.1.block", Value: "1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := sc.Programs[0]
	if p.Clients != 7 || p.Steps[1].Step.Block != 1 || p.Pos != (scenarios.Pos{Line: 7, Col: 16}) {
		t.Errorf("clients %d, block %d, pos %v; want 7, 1 and 7:16", p.Clients, p.Steps[1].Step.Block, p.Pos)
	}
	_, err = scenarios.LoadWith("p.yaml", []byte(src), []scenarios.Setting{{Key: "workload.0.program.clients", Value: "0"}})
	if err == nil || !strings.Contains(err.Error(), "--set workload.0.program.clients=0") || !strings.Contains(err.Error(), "clients: expected an integer from 1") {
		t.Errorf("LoadWith(clients=0) = %v; want the setting named with the loader's message", err)
	}
}

// TestProgramDeterministic checks that a run with programs, a family and
// chance steps is the same for the same seed, and differs for another.
func TestProgramDeterministic(t *testing.T) {
	src := programScenario("nfs, afs", "clients: 20, every: 30s, until: 10m, think: {dist: exponential, mean: 1s}",
		"[{op: open, file: lib/f, fd: f}, {op: read, fd: f, block: 0}, {op: write, fd: f, block: 0, chance: 0.3}, {op: close, fd: f}]")
	render := func(seed uint64) string {
		res := runProgram(t, src, scenarios.Options{Seed: &seed})
		var b strings.Builder
		if err := report.Write(&b, res, "json"); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	a, b, c := render(1), render(1), render(2)
	if a != b {
		t.Errorf("two runs with seed 1 differ")
	}
	if a == c {
		t.Errorf("seeds 1 and 2 give the same result")
	}
}

// TestProgramMix checks the AFS paper's kind of workload: readers and a
// few writers, as two programs, and a program's write steps that run in
// a fraction of the iterations (chance).
func TestProgramMix(t *testing.T) {
	src := `name: mix
systems: [afs]
files:
  lib/f: {count: 5, blocks: [x]}
workload:
  - {at: 0, client: A, op: stat, file: lib/f1}
  - program: {clients: 8, prefix: R, every: 60s, until: 30m,
      steps: [{op: open, file: lib/f, fd: f}, {op: read, fd: f, block: 0}, {op: close, fd: f}]}
  - program: {clients: 2, prefix: W, every: 60s, until: 30m,
      steps: [{op: open, file: lib/f, fd: f}, {op: write, fd: f, block: 0, chance: 0.5}, {op: close, fd: f}]}
expect:
  - {step: 1, result: ok}
`
	res := runProgram(t, src, scenarios.Options{})
	if len(res.Violations) > 0 {
		t.Fatalf("violations: %v", res.Violations)
	}
	s := res.Systems[0]
	sum := s.Summary
	// 8 readers x 30 x 3 steps, 2 writers x 30 x (2 steps + about 15
	// writes), and the row.
	if sum.Iterations != 300 || sum.Steps <= 1+720+120 || sum.Steps >= 1+720+180 || sum.Errors != 0 {
		t.Errorf("iterations %d, steps %d, errors %d; want 300, between 841 and 901, 0", sum.Iterations, sum.Steps, sum.Errors)
	}
	stores := sum.Calls["STORE"]
	if stores == 0 || stores >= 60 {
		t.Errorf("%d STOREs; want some, fewer than the writers' 60 iterations", stores)
	}
	if len(s.Steps) != 1 || s.Steps[0].Op != "stat" {
		t.Errorf("steps = %v; want the file's one row", s.Steps)
	}
	if res.Table == nil || len(res.Table.Rows) != 1 {
		t.Errorf("table = %v; want the one row", res.Table)
	}
}

// TestProgramUntil checks how a program's until and limits.max_time go
// together: until is required; a max_time the file sets must be after
// it; without one, the default grows to leave the last period and a
// minute after the latest until, so that a program run to its end is a
// clean run, not one stopped at the bound.
func TestProgramUntil(t *testing.T) {
	cases := []struct {
		name, program, limits string
		err                   string // the load error, when it fails
		line, col             int
		maxTime               string // limits.max_time after loading
	}{
		{"until is required", "clients: 2, every: 60s", "", `missing key "until" in workload row 1 (a program)`, 7, 14, ""},
		{"until at max_time", "clients: 2, every: 60s, until: 1h", "limits: {max_time: 1h}\n",
			"until: 3600s is not before limits.max_time 3600s: the last iterations would be cut off", 8, 46, ""},
		{"until before max_time", "clients: 2, every: 60s, until: 50m", "limits: {max_time: 1h}\n", "", 0, 0, "1h0m0s"},
		{"the default grows", "clients: 2, every: 60s, until: 1h", "", "", 0, 0, "1h2m0s"},
		{"the latest until counts", "clients: 2, every: 5m, until: 3h", "", "", 0, 0, "3h6m0s"},
		{"a short program keeps the default", "clients: 2, every: 60s, until: 10m", "", "", 0, 0, "1h0m0s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(programScenario("nfs", tc.program, readSteps), "workload:", tc.limits+"workload:", 1)
			sc, err := scenarios.Load("case.yaml", []byte(src))
			if tc.err != "" {
				checkError(t, err, tc.err, tc.line, tc.col, src)
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := sc.Limits.MaxTime.String(); got != tc.maxTime {
				t.Errorf("max_time = %s; want %s", got, tc.maxTime)
			}
		})
	}
}

// TestProgramRunsToItsEnd checks that a program that runs until the
// default max_time would be ends cleanly: every iteration due before
// until runs and returns, and no bound stops the run. (An iteration
// lasts over 40s, so one that starts in the last minute before 1h
// returns after it.)
func TestProgramRunsToItsEnd(t *testing.T) {
	for _, system := range []string{"nfs", "afs"} {
		res := runProgram(t, programScenario(system, "clients: 3, every: 60s, until: 1h, think: 20s", readSteps), scenarios.Options{})
		sum := res.Systems[0].Summary
		if len(res.Violations) > 0 || res.Systems[0].Bound != "" {
			t.Errorf("%s: violations %v, bound %q; want none", system, res.Violations, res.Systems[0].Bound)
		}
		if sum.Iterations != 180 || sum.Ops != 540 || sum.Errors != 0 {
			t.Errorf("%s: %d iterations, %d ops, %d errors; want 180, 540, 0", system, sum.Iterations, sum.Ops, sum.Errors)
		}
	}
}

// countingSink is a Sink that counts what a run streams and the trace
// records its world has kept at each of them.
type countingSink struct {
	records, steps int
	// keptMax is the most records the world held at any record.
	keptMax int
	// byClient counts the steps by client.
	byClient map[string]int
}

func (c *countingSink) Record(w *sim.World, _ sim.Record) {
	c.records++
	c.keptMax = max(c.keptMax, len(w.Trace().Records()))
}

func (c *countingSink) Step(st *report.Step) {
	c.steps++
	c.byClient[st.Client]++
}

// TestStreamedRunKeepsNothing: a program run with Options.Stream hands
// every trace record and every step to its sink while the world keeps
// no record and the result no program step, however long the run: ten
// times the duration streams ten times the steps and retains the same.
func TestStreamedRunKeepsNothing(t *testing.T) {
	for _, until := range []string{"5m", "50m"} {
		t.Run(until, func(t *testing.T) {
			src := programScenario("nfs, afs", "clients: 30, every: 60s, until: "+until+", think: 100ms", readSteps)
			sc, err := scenarios.Load("p.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			sinks := map[string]*countingSink{}
			opt := scenarios.Options{Stream: func(system, _ string) scenarios.Sink {
				sinks[system] = &countingSink{byClient: map[string]int{}}
				return sinks[system]
			}}
			res, worlds, err := scenarios.Run(sc, opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(worlds) != 0 {
				t.Errorf("Run returned %d worlds; want none kept", len(worlds))
			}
			iterations := map[string]int{"5m": 5, "50m": 50}[until]
			for _, sys := range res.Systems {
				c := sinks[sys.System]
				var hashed uint64
				for _, n := range sys.Stats.Messages {
					hashed += uint64(n)
				}
				if c.keptMax != 0 || len(sys.Steps) != 0 {
					t.Errorf("%s: the world kept up to %d records, the result %d steps; want none", sys.System, c.keptMax, len(sys.Steps))
				}
				if uint64(c.records) != hashed || c.steps != 30*3*iterations || c.steps != sys.Summary.Steps {
					t.Errorf("%s: streamed %d records and %d steps; want %d and %d", sys.System, c.records, c.steps, hashed, 30*3*iterations)
				}
				if len(c.byClient) != 30 || c.byClient["C7"] != 3*iterations {
					t.Errorf("%s: steps of %d clients, %d of C7; want 30 and %d", sys.System, len(c.byClient), c.byClient["C7"], 3*iterations)
				}
			}
		})
	}
}

// TestKeepStepsBound: Options.KeepSteps keeps that many program steps of
// each run, in the order they are counted, with their own calls, and
// counts the rest; the JSON lists them after the file's rows and says how
// many were left out.
func TestKeepStepsBound(t *testing.T) {
	res := runProgram(t, `name: t
systems: [nfs]
files: {f: [x]}
workload:
  - {at: 0, client: A, op: stat, file: f}
  - program: {clients: 3, every: 10s, until: 1m, steps: [{op: open, file: f, fd: d}, {op: close, fd: d}]}
`, scenarios.Options{KeepSteps: 7})
	sys := res.Systems[0]
	if len(sys.ProgramSteps) != 7 || sys.StepsLeftOut != sys.Summary.Steps-1-7 || sys.StepsLeftOut <= 0 {
		t.Fatalf("kept %d, left out %d of %d steps (one a row); want 7 kept, the rest counted", len(sys.ProgramSteps), sys.StepsLeftOut, sys.Summary.Steps)
	}
	for i, st := range sys.ProgramSteps {
		if st.Client == "" || st.At == "" || (st.Op == "open") != (len(st.Calls) > 0) {
			t.Errorf("kept step %d = %+v; want a client's step with its time, an open with its own calls", i, st)
		}
	}
	var out bytes.Buffer
	if err := report.Write(&out, res, "json"); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Systems []struct {
			Steps   []report.Step
			LeftOut int `json:"steps_left_out"`
		}
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if g := got.Systems[0]; len(g.Steps) != 8 || g.Steps[0].Op != "stat" || g.LeftOut != sys.StepsLeftOut {
		t.Errorf("JSON has %d steps (first %q), %d left out; want the row then 7, %d", len(g.Steps), g.Steps[0].Op, g.LeftOut, sys.StepsLeftOut)
	}
}

// TestProgramIdleClients: a client's first iteration starts at a seeded
// phase within a period of start, so with a period longer than start to
// until some clients start none; the summary counts them.
func TestProgramIdleClients(t *testing.T) {
	cases := []struct {
		name, every string
		wantAll     bool // every client idle, or none
	}{
		{"an hour's period over a second", "1h", true},
		{"a period inside the span", "100ms", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runProgram(t, `name: t
systems: [nfs]
files: {f: [x]}
workload:
  - program: {clients: 3, every: `+tc.every+`, until: 1s, steps: [{op: stat, file: f}]}
`, scenarios.Options{})
			sum := res.Systems[0].Summary
			if tc.wantAll && (sum.IdleClients != 3 || sum.Clients != 0) || !tc.wantAll && sum.IdleClients != 0 {
				t.Errorf("idle %d, clients %d; want all three idle: %v", sum.IdleClients, sum.Clients, tc.wantAll)
			}
		})
	}
}

// TestProgramClientsNeedNoDeclaration checks that a program's clients
// are nodes of the scenario when `nodes` lists others and not them: a
// fault, a link and an ordinary row may name them, as they may in a file
// without `nodes`.
func TestProgramClientsNeedNoDeclaration(t *testing.T) {
	program := "  - program: {clients: 2, every: 1s, until: 5s, steps: [{op: call, server: S, proc: read}]}\n"
	cases := []struct{ name, extra, rows string }{
		{"a crash of a client", "faults:\n  - {at: 2s, crash: C1}\n  - {at: 3s, restart: C1}\n", ""},
		{"a partition of a client", "faults:\n  - {at: 2s, partition: [[C2], [S]], heal_at: 3s}\n", ""},
		{"a link of a client", "network:\n  links:\n    - {from: C1, to: S, loss: 0.5}\n", ""},
		{"a row of a client", "", "  - {at: 1s, op: call, client: C2, server: S, proc: increment}\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := "name: t\nsystems: [rpc]\nnodes: [A, S]\n" + tc.extra + "workload:\n  - {at: 0, op: call, client: A, server: S, proc: read}\n" + tc.rows + program
			runProgram(t, src, scenarios.Options{})
		})
	}
}
