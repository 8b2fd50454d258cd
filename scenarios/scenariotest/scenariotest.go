// Package scenariotest helps the tests of the systems' drivers: load and
// run a scenario written in the test, and run one system with a driver
// the test keeps, to look inside it afterwards. Scenarios written with it
// are named test.yaml in errors.
package scenariotest

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim/simtest"
)

// Load loads a scenario written in a test, failing the test on an error.
func Load(t testing.TB, src string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Load("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, src)
	}
	return sc
}

// Run loads and runs a scenario written in a test.
func Run(t testing.TB, src string) *report.Result {
	t.Helper()
	res, _, err := scenarios.Run(Load(t, src), scenarios.Options{})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, src)
	}
	return res
}

// RunClean is Run, and fails the test on any violation of the scenario's
// expectations.
func RunClean(t testing.TB, src string) *report.Result {
	t.Helper()
	res := Run(t, src)
	if len(res.Violations) > 0 {
		t.Fatalf("violations: %+v\n%s", res.Violations, src)
	}
	return res
}

// RunDriver runs one system of sc with the driver d, so that a test can
// look inside the driver and the world afterwards.
func RunDriver(t testing.TB, sc *scenarios.Scenario, system string, d scenarios.Driver) *scenarios.SystemRun {
	t.Helper()
	r, err := scenarios.RunDriver(sc, system, d, scenarios.Options{})
	if err != nil {
		t.Fatalf("RunDriver: %v", err)
	}
	return r
}

// SystemOf returns the result of one system.
func SystemOf(t testing.TB, res *report.Result, name string) *report.System {
	t.Helper()
	for i := range res.Systems {
		if res.Systems[i].System == name {
			return &res.Systems[i]
		}
	}
	t.Fatalf("no system %s in the result", name)
	return nil
}

// Text returns *s, or "<nil>": a step's value in a message.
func Text(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// GoldenBuiltIn runs every built-in scenario whose file is in dir (from
// the module's root: "scenarios", or a system's ScenariosDir) and
// compares its text table and its JSON result with
// testdata/golden/NAME.txt and NAME.json, relative to the calling test's
// package; update rewrites them. A built-in scenario must have no
// violation. It fails when dir holds no built-in scenario.
func GoldenBuiltIn(t *testing.T, dir string, update bool) {
	t.Helper()
	n := 0
	for _, name := range scenarios.BuiltInNames() {
		if scenarios.BuiltInDir(name) != dir {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			sc, err := scenarios.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			res, _, err := scenarios.Run(sc, scenarios.Options{})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			for _, format := range []string{"text", "json"} {
				var buf bytes.Buffer
				if err := report.Write(&buf, res, format); err != nil {
					t.Fatal(err)
				}
				ext := map[string]string{"text": ".txt", "json": ".json"}[format]
				simtest.Golden(t, filepath.Join("testdata", "golden", sc.Name+ext), buf.String(), update)
			}
			if len(res.Violations) > 0 {
				t.Errorf("built-in scenario %s has violations: %+v", sc.Name, res.Violations)
			}
		})
	}
	if n == 0 {
		t.Fatalf("no built-in scenario in %s", dir)
	}
}

// ProgramBench is issue 12's goal workload for the benchmarks: clients
// that each open, read and close one shared file once a minute, thinking
// 100 ms between steps, until a virtual duration (a Go duration such as
// "1h"), under the systems listed ("nfs, afs"), with bounds that do not
// stop it.
func ProgramBench(systems string, clients int, until string) string {
	return fmt.Sprintf(`name: bench
systems: [%s]
limits: {max_time: 5h, max_events: 1000000000, max_total_events: 2000000000, max_bytes_moved: 1000000000000}
files:
  shared: {blocks: [s0, s1]}
workload:
  - program:
      clients: %d
      every: 60s
      until: %s
      think: 100ms
      steps:
        - {op: open, file: shared, fd: f}
        - {op: read, fd: f, block: 0}
        - {op: close, fd: f}
`, systems, clients, until)
}
