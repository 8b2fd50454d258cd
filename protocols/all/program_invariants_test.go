package all_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/fileops"
)

// Program workloads of the lecture's anomalies: the same shapes as the
// built-in scenarios TestInvariantsLessons uses, written as programs, so
// that the invariants are shown to work on the evidence of program steps
// (each run of a step a row of its own), not only on the file's rows.
const (
	// readerWriter: R1 opens the file and reads it 8 times, a second
	// apart, every 20s; W1 writes block 0 and closes every 7s, its
	// phase elsewhere in the period.
	readerWriter = `files: {fileA: [a0, a1]}
workload:
  - program: {clients: 1, prefix: R, every: 20s, until: 2m, think: 1s,
      steps: [{op: open, file: fileA, fd: f}, {op: read, fd: f, block: 0}, {op: read, fd: f, block: 0},
        {op: read, fd: f, block: 0}, {op: read, fd: f, block: 0}, {op: read, fd: f, block: 0},
        {op: read, fd: f, block: 0}, {op: read, fd: f, block: 0}, {op: read, fd: f, block: 0}, {op: close, fd: f}]}
  - program: {clients: 1, prefix: W, every: 7s, until: 2m,
      steps: [{op: open, file: fileA, fd: f}, {op: write, fd: f, block: 0}, {op: close, fd: f}]}
`
	// twoWriters: A1 writes block 0, B1 block 1, of one file, in
	// sessions of 4s, every 10s and 7s: NFS stores each close's block,
	// AFS each close's whole copy.
	twoWriters = `files: {fileA: [o0, o1]}
workload:
  - program: {clients: 1, prefix: A, every: 10s, until: 1m, think: 2s,
      steps: [{op: open, file: fileA, fd: f}, {op: write, fd: f, block: 0}, {op: close, fd: f}]}
  - program: {clients: 1, prefix: B, every: 7s, until: 1m, think: 2s,
      steps: [{op: open, file: fileA, fd: f}, {op: write, fd: f, block: 1}, {op: close, fd: f}]}
`
	// writeCrash: X1 writes block 0 every 10s, Y1 block 1 until 30s,
	// through a server that flushes only when told (the flush faults):
	// the crash at 35s loses Y1's writes since the flush at 12s, and
	// the flush at 50s puts X1's later ones on the disk with Y1's older
	// block, as in the lecture's write-buffer timeline.
	writeCrash = `nfs: {flush_interval: 10m}
files: {fileA: {blocks: []}}
workload:
  - program: {clients: 1, prefix: X, every: 10s, until: 1m,
      steps: [{op: open, file: fileA, fd: f}, {op: write, fd: f, block: 0}, {op: close, fd: f}]}
  - program: {clients: 1, prefix: Y, every: 10s, until: 30s,
      steps: [{op: open, file: fileA, fd: f}, {op: write, fd: f, block: 1}, {op: close, fd: f}]}
faults:
  - {at: 12s, flush: server}
  - {at: 35s, crash: server}
  - {at: 36s, restart: server}
  - {at: 50s, flush: server}
`
)

// TestInvariantsOnPrograms checks each file-system invariant on program
// runs: broken by the lecture's anomaly, kept by the configuration that
// makes the promise.
func TestInvariantsOnPrograms(t *testing.T) {
	tests := []struct {
		invariant      string
		broken, kept   string // "system: workload" or "system/write_policy: workload"
		want           string
		brokenW, keptW string
	}{
		{"bounded_staleness", "afs", "nfs", "a program step (R1's read of fileA block 0 at", readerWriter, readerWriter},
		{"session_semantics", "nfs", "afs", "a program step (R1's read of fileA block 0 at", readerWriter, readerWriter},
		{"callback_consistency", "nfs", "afs", "a program step (R1's read of fileA at", readerWriter, readerWriter},
		{"whole_file_versions", "nfs", "afs", "fileA: the server held", twoWriters, twoWriters},
		{"point_in_time_disk", "nfs/buffered", "nfs/write_through", "fileA: server's disk holds", writeCrash, writeCrash},
	}
	for _, tc := range tests {
		t.Run(tc.invariant, func(t *testing.T) {
			inv := invariant(t, tc.invariant)
			sc, sys := runProgramOn(t, tc.broken, tc.brokenW)
			msgs := inv.Check(sc, sys)
			if len(msgs) == 0 || !strings.Contains(msgs[0], tc.want) {
				t.Errorf("%s on %s: %q; want it broken, saying %q", tc.invariant, tc.broken, msgs, tc.want)
			}
			sc, sys = runProgramOn(t, tc.kept, tc.keptW)
			if msgs := inv.Check(sc, sys); len(msgs) > 0 {
				t.Errorf("%s on %s: %q; want it kept", tc.invariant, tc.kept, msgs)
			}
		})
	}
}

// TestAcknowledgedWritesDurableOnPrograms: a buffered server's crash
// loses a program's acknowledged writes, which the check finds; under
// write-through and NVRAM every acknowledged write is on disk.
func TestAcknowledgedWritesDurableOnPrograms(t *testing.T) {
	inv := invariant(t, "acknowledged_writes_durable")
	_, sys := runProgramOn(t, "nfs/buffered", writeCrash)
	if msgs := fileops.AcknowledgedDurable(sys.Evidence.(*fileops.Evidence)); len(msgs) == 0 || !strings.Contains(msgs[0], "acknowledged at") {
		t.Errorf("the buffered server's lost writes: %q; want them found", msgs)
	}
	for _, policy := range []string{"write_through", "nvram"} {
		sc, sys := runProgramOn(t, "nfs/"+policy, writeCrash)
		if msgs := inv.Check(sc, sys); len(msgs) > 0 {
			t.Errorf("%s: %q; want every acknowledged write on disk", policy, msgs)
		}
	}
}

// runProgramOn runs workload on system ("nfs/POLICY" sets the NFS write
// policy) and returns the scenario and the system's result.
func runProgramOn(t *testing.T, system, workload string) (*scenarios.Scenario, *report.System) {
	t.Helper()
	name, policy, _ := strings.Cut(system, "/")
	src := fmt.Sprintf("name: p\nsystems: [%s]\n", name)
	if policy != "" {
		src += fmt.Sprintf("nfs: {write_policy: %s}\n", policy)
		workload = strings.Replace(workload, "nfs: {flush_interval: 10m}\n", "", 1)
		src = strings.Replace(src, "nfs: {write_policy: "+policy+"}", "nfs: {write_policy: "+policy+", flush_interval: 10m}", 1)
	}
	sc, err := scenarios.Load("p.yaml", []byte(src+workload))
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, src+workload)
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Systems[0].Evidence == nil {
		t.Fatalf("%s: no evidence", system)
	}
	return sc, &res.Systems[0]
}

// TestProgramEvidenceIsBounded checks that the evidence of a long
// program run stops at fileops.MaxRows rows, at its Horizon, with no
// disk after it, and that the invariants judge the run up to there: 100
// clients x 180 iterations x 3 steps are 54,000 rows.
func TestProgramEvidenceIsBounded(t *testing.T) {
	workload := `files: {shared: [s0]}
workload:
  - program: {clients: 100, every: 10s, until: 30m,
      steps: [{op: open, file: shared, fd: f}, {op: read, fd: f, block: 0}, {op: close, fd: f}]}
`
	for _, system := range []string{"nfs", "afs"} {
		sc, sys := runProgramOn(t, system, workload)
		ev := sys.Evidence.(*fileops.Evidence)
		if len(ev.Rows) != fileops.MaxRows || ev.Horizon == 0 || len(ev.Durable) != 0 {
			t.Errorf("%s: %d rows, horizon %v, %d disks; want %d, a horizon, none", system, len(ev.Rows), ev.Horizon, len(ev.Durable), fileops.MaxRows)
		}
		if sys.Summary.Steps != 54_000 {
			t.Errorf("%s: %d steps in the summary; want 54000 (the summary counts them all)", system, sys.Summary.Steps)
		}
		for _, name := range scenarios.InvariantNames([]string{system}) {
			_, inv := scenarios.LookupInvariant(name)
			if msgs := inv.Check(sc, sys); len(msgs) > 0 {
				t.Errorf("%s: %s: %q; want it kept", system, name, msgs)
			}
		}
	}
}

// TestAtMostOnceOnPrograms: the lecture's lost ACK, as a program over a
// lossy network: at-least-once RPC runs some increments twice, which
// at_most_once finds among the program's calls; at-most-once answers
// the repeats from its duplicate-request cache.
func TestAtMostOnceOnPrograms(t *testing.T) {
	inv := invariant(t, "at_most_once")
	for _, tc := range []struct {
		semantics string
		broken    bool
	}{{"at_least_once", true}, {"at_most_once", false}} {
		src := `name: p
systems: [rpc]
nodes: [S]
network: {delay: 10ms, loss: 0.3}
rpc: {semantics: ` + tc.semantics + `}
workload:
  - program: {clients: 3, every: 2s, until: 1m, steps: [{op: call, server: S, proc: increment}]}
`
		sc, err := scenarios.Load("p.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		res, _, err := scenarios.Run(sc, scenarios.Options{})
		if err != nil {
			t.Fatal(err)
		}
		msgs := inv.Check(sc, &res.Systems[0])
		switch {
		case tc.broken && (len(msgs) == 0 || !strings.Contains(msgs[0], "a program step (C") || !strings.Contains(msgs[0], "'s call increment() at")):
			t.Errorf("%s: %q; want a program's increment that ran twice", tc.semantics, msgs)
		case !tc.broken && len(msgs) > 0:
			t.Errorf("%s: %q; want it kept", tc.semantics, msgs)
		}
	}
}
