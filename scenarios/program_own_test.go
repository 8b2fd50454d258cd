package scenarios_test

import (
	"strings"
	"testing"

	"github.com/sim-lecture/sim/scenarios"
)

// TestProgramOwnFiles: with choose: own, the program's client k takes
// file k of the family for the whole run (wrapping around), so each
// client writes its own file: each file ends with its client's token.
func TestProgramOwnFiles(t *testing.T) {
	for _, tc := range []struct {
		name, count string
		want        map[string]string
	}{
		{"as many files as clients", "3", map[string]string{"home/f1": "C1@", "home/f2": "C2@", "home/f3": "C3@"}},
		{"more files than clients", "5", map[string]string{"home/f1": "C1@", "home/f2": "C2@", "home/f3": "C3@", "home/f4": "h0", "home/f5": "h0"}},
		{"fewer files: client 3 wraps to file 1", "2", map[string]string{"home/f2": "C2@"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := `name: own
systems: [nfs, afs]
files:
  home/f: {count: ` + tc.count + `, choose: own, blocks: [h0]}
workload:
  - program:
      clients: 3
      every: 60s
      until: 60s
      steps:
        - {op: open, file: home/f, fd: h}
        - {op: write, fd: h, block: 0}
        - {op: close, fd: h}
`
			res := runProgram(t, src, scenarios.Options{})
			for _, s := range res.Systems {
				for f, prefix := range tc.want {
					if got := s.Disk[f]; len(got) != 1 || !strings.HasPrefix(got[0], prefix) {
						t.Errorf("%s: %s = %v; want [%s...]", s.System, f, got, prefix)
					}
				}
			}
		})
	}
}

// TestProgramOwnErrors: choose: own is per client, and has no exponent.
func TestProgramOwnErrors(t *testing.T) {
	for _, tc := range []struct{ entry, want string }{
		{"{count: 3, choose: own, per: iteration, blocks: [x]}", "per: choose: own gives each client its file for the whole run (per: client)"},
		{"{count: 3, choose: own, s: 2, blocks: [x]}", "s: Zipf's exponent applies only to choose: zipf"},
		{"{count: 3, choose: mine, blocks: [x]}", `choose: expected uniform, zipf or own, got "mine"`},
	} {
		src := "name: own\nsystems: [afs]\nfiles:\n  home/f: " + tc.entry + "\nworkload:\n  - program: {clients: 2, every: 60s, steps: [{op: stat, file: home/f}]}\n"
		_, err := scenarios.Load("own.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want %q", tc.entry, err, tc.want)
		}
	}
}
