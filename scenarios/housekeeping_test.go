package scenarios_test

import (
	"testing"

	"github.com/sim-lecture/sim/scenarios"
)

// TestHousekeepingEndsWithTheWork: a run whose rows are done ends then,
// not at max_time, when only a protocol's upkeep is left (design: sim's
// package comment, "When a run ends").
func TestHousekeepingEndsWithTheWork(t *testing.T) {
	tests := []struct {
		name, src, end string
		disk           map[string][]string
	}{
		{"nfs flush daemon of 1h", `name: hk
systems: [nfs]
nfs: {write_policy: buffered, flush_interval: 1h}
files:
  fileA: {blocks: [a1]}
workload:
  - {at: 0, client: C, op: open, file: fileA, fd: f}
  - {at: 1, client: C, op: write, fd: f, block: 0, data: X}
  - {at: 2, client: C, op: close, fd: f}
`, "2.01s", map[string][]string{"fileA": {"a1"}}},
		// A is cut off for good: the server retries its break every 10 s
		// until A's promise expires (2 min after its fetch, as pinned
		// here), when B's close returns; then nothing waits, and the
		// retries stop.
		{"afs break retries", `name: hk
systems: [afs]
afs: {callback_lifetime: 2m}
files:
  fileA: {blocks: [a0]}
workload:
  - {at: 0, client: A, op: open, file: fileA, fd: f}
  - {at: 1, client: A, op: close, fd: f}
  - {at: 2, client: B, op: open, file: fileA, fd: g}
  - {at: 3, client: B, op: write, fd: g, block: 0, data: B0}
  - {at: 12, client: B, op: close, fd: g}
faults:
  - {at: 10, partition: [[A], [server, B]]}
`, "121.035s", map[string][]string{"fileA": {"B0"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := scenarios.Load("hk.yaml", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			res, _, err := scenarios.Run(sc, scenarios.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sys := res.Systems[0]
			if len(res.Violations) > 0 || sys.Bound != "" {
				t.Fatalf("violations %+v, bound %q; want none: the work is done", res.Violations, sys.Bound)
			}
			if tc.end != "" && sys.End != tc.end {
				t.Errorf("ended at %s; want %s, the last real event", sys.End, tc.end)
			}
			for f, want := range tc.disk {
				if got := sys.Disk[f]; len(got) != len(want) || got[0] != want[0] {
					t.Errorf("disk %s = %v; want %v", f, got, want)
				}
			}
			for _, st := range sys.Steps {
				if st.Result != "ok" {
					t.Errorf("step at %s %s = %s; want ok", st.At, st.Op, st.Result)
				}
			}
		})
	}
}
