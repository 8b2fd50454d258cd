package scenarios_test

import (
	"testing"

	"github.com/sim-lecture/sim/scenarios"
)

// TestProgramFaultsOnClients checks that faults may act on a program's
// clients, which no row names one by one: a crashed client's steps fail
// while it is down, the others' do not, and the run ends cleanly. (A
// fault on a node past the program's clients is a load error: see
// errorCases.)
func TestProgramFaultsOnClients(t *testing.T) {
	cases := []struct {
		name, faults string
		failing      bool
	}{
		{"crash and restart C17", "  - {at: 30s, crash: C17}\n  - {at: 200s, restart: C17}\n", true},
		{"crash C20 for good", "  - {at: 40s, crash: C20}\n", true},
		{"block C1 from the server for a while", "  - {at: 10s, block: {from: C1, to: server}}\n  - {at: 90s, heal: true}\n", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := programScenario("nfs, afs", "clients: 20, every: 60s, until: 5m, think: 1s", readSteps) + "faults:\n" + tc.faults
			res := runProgram(t, src, scenarios.Options{})
			if len(res.Violations) > 0 {
				t.Fatalf("violations: %v", res.Violations)
			}
			for _, s := range res.Systems {
				if s.Summary == nil || s.Summary.Steps != 20*5*3 {
					t.Fatalf("%s: summary %+v; want 300 steps", s.Label(), s.Summary)
				}
				if failed := s.Summary.Errors > 0; failed != tc.failing {
					t.Errorf("%s: %d steps failed (%v); want failures %v", s.Label(), s.Summary.Errors, s.Summary.ByResult, tc.failing)
				}
			}
		})
	}
}
