package scenarios_test

import (
	"fmt"
	"strings"
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

// TestProgramRowFDs checks that a program's client may run ordinary rows
// too, but not with an fd name of the program: a client has one table of
// fds, and the program's iterations would open and close the rows' fd
// (before, the rows' read failed with EBADF for some seeds).
func TestProgramRowFDs(t *testing.T) {
	const program = "  - program: {clients: 3, every: 60s, until: 5m,\n      steps: [{op: open, file: shared, fd: f}, {op: read, fd: f, block: 0}, {op: close, fd: f}]}\n"
	rows := func(client, fd string) string {
		return "  - {at: 0, client: " + client + ", op: open, file: shared, fd: " + fd + "}\n" +
			"  - {at: 1, client: " + client + ", op: read, fd: " + fd + ", block: 0}\n" +
			"  - {at: 2, client: " + client + ", op: close, fd: " + fd + "}\n"
	}
	cases := []struct {
		name, rows string
		want       string // an error at 10:44, or "" for a run whose rows all succeed
	}{
		{"a program client's rows share its fd", rows("C1", "f"), "fd: f is also an fd of C1's own rows (line 6), and C1 runs this program"},
		{"the last client", rows("C3", "f"), "fd: f is also an fd of C3's own rows (line 6)"},
		{"another fd on the same client", rows("C1", "g"), ""},
		{"a node past the program's clients", rows("C4", "f"), ""},
		{"a name like a client's, with a zero", rows("C01", "f"), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := "name: t\nsystems: [nfs, afs]\nfiles:\n  shared: {blocks: [s0, s1]}\nworkload:\n" + tc.rows + program
			if tc.want != "" {
				_, err := scenarios.Load("case.yaml", []byte(src))
				checkError(t, err, tc.want, 10, 44, src)
				return
			}
			for seed := uint64(1); seed <= 5; seed++ {
				res := runProgram(t, src, scenarios.Options{Seed: &seed})
				for _, s := range res.Systems {
					for _, st := range s.Steps {
						if st.Result != "ok" {
							t.Errorf("seed %d, %s: row %s %s = %s; want ok", seed, s.Label(), st.Client, st.Op, st.Result)
						}
					}
				}
			}
		})
	}
}

// TestProgramHasClient checks which names are a program's clients.
func TestProgramHasClient(t *testing.T) {
	p := scenarios.Program{Prefix: "C", Clients: 20}
	cases := []struct {
		name string
		want bool
	}{
		{"C1", true}, {"C20", true}, {"C21", false}, {"C0", false}, {"C01", false},
		{"C", false}, {"C1x", false}, {"D1", false}, {"c1", false}, {"C-1", false}, {"C99999999999999999999", false},
	}
	for _, tc := range cases {
		if got := p.HasClient(tc.name); got != tc.want {
			t.Errorf("HasClient(%q) = %v; want %v", tc.name, got, tc.want)
		}
	}
}

// TestProgramEventBound checks that the loader refuses a program whose
// iterations alone are more events than limits.max_events allows (every:
// 1ns ran ten million events into the bound), and accepts one at the
// bound: each client runs at least Iterations()-1 iterations.
func TestProgramEventBound(t *testing.T) {
	cases := []struct {
		name, limits, program string
		want                  string
	}{
		{"every 1ns", "", "clients: 2, every: 1ns, until: 1h", "every: 1ns from 0s to 3600s makes 2 clients x at least 3599999999999 iterations, more than limits.max_events 10000000 allows"},
		{"every 1ns for a second", "", "clients: 2, every: 1ns, until: 1s", "makes 2 clients x at least 999999999 iterations"},
		{"many clients, a short period", "", "clients: 40000, every: 1s, start: 10s, until: 10m", "makes 40000 clients x at least 589 iterations"},
		{"past a lowered bound", "limits: {max_events: 1989}\n", "clients: 10, every: 1s, until: 200s", "makes 10 clients x at least 199 iterations, more than limits.max_events 1989"},
		{"at a lowered bound", "limits: {max_events: 1990}\n", "clients: 10, every: 1s, until: 200s", ""},
		{"a fast period that fits", "", "clients: 100, every: 10ms, until: 1m", ""},
		{"a period longer than the run", "", "clients: 2, every: 1000h, until: 1h", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := "name: t\nsystems: [nfs]\n" + tc.limits + "files: {shared: [a]}\nworkload:\n  - program: {" + tc.program + ",\n      steps: [{op: stat, file: shared}]}\n"
			_, err := scenarios.Load("case.yaml", []byte(src))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			line := 5
			if tc.limits != "" {
				line = 6
			}
			// The error is at every's value.
			col := len("  - program: {") + strings.Index(tc.program, "every: ") + len("every: ") + 1
			checkError(t, err, tc.want, line, col, src)
		})
	}
}

// TestProgramMemoryBound checks the bound on what programs hold for the
// whole run, 10 KiB a client and 1 KiB a step of a client, 512 MiB in
// all: 100,000 clients took 1.1 GB and 200 s, and 15,000 clients of 64
// steps 1.2 GB and 230 s, before it.
func TestProgramMemoryBound(t *testing.T) {
	steps := func(n int) string {
		return "[" + strings.Repeat("{op: stat, file: shared}, ", n-1) + "{op: stat, file: shared}]"
	}
	program := func(prefix string, clients, n int) string {
		return fmt.Sprintf("  - program: {clients: %d, prefix: %s, every: 60s, until: 2m, steps: %s}\n", clients, prefix, steps(n))
	}
	cases := []struct {
		name, programs string
		want           string // an error at the last program's clients, or "" when it loads
	}{
		{"past the most clients", program("C", 50001, 1), "clients: expected an integer from 1 to 50000, got 50001"},
		{"46,000 clients of one step", program("C", 46000, 1), ""},
		{"40,329 clients of three steps", program("C", 40329, 3), ""},
		{"40,330 clients of three steps", program("C", 40330, 3),
			"clients: the programs have 40330 clients and 120990 steps x clients in all, which hold about 513 MiB for the whole run (10 KiB a client, 1 KiB a step of a client), more than 512 MiB"},
		{"7,084 clients of 64 steps", program("C", 7084, 64), ""},
		{"7,085 clients of 64 steps", program("C", 7085, 64), "the programs have 7085 clients and 453440 steps x clients"},
		{"two programs together", program("R", 30000, 1) + program("W", 20000, 1), "the programs have 50000 clients and 50000 steps x clients"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := "name: t\nsystems: [nfs]\nfiles: {shared: [a]}\nworkload:\n" + tc.programs
			_, err := scenarios.Load("case.yaml", []byte(src))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			line := strings.Count(src, "\n")
			checkError(t, err, tc.want, line, len("  - program: {clients: ")+1, "")
		})
	}
}
