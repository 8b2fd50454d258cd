package afsdriver

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/protocols/afs"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios/scenariotest"
)

func procsOf(st report.Step) []string {
	out := []string{}
	for _, c := range st.Calls {
		out = append(out, c.Proc)
	}
	return out
}

// TestAFSDriverRows checks the driver's side of the contract row by row:
// results, values, calls, and the notes the driver adds.
func TestAFSDriverRows(t *testing.T) {
	const head = "name: t\nsystems: [afs]\nfiles:\n  fileA: {blocks: [a0, a1]}\n"
	tests := []struct {
		name   string
		body   string
		row    int
		result string
		value  string
		calls  []string
		note   string
	}{
		{
			name:  "the startup lookup belongs to no step",
			body:  "workload:\n  - {at: 1, client: A, op: open, file: fileA, fd: f}\n",
			row:   0,
			calls: []string{"FETCH"},
		},
		{
			name: "a write without data writes CLIENT@TIME",
			body: "workload:\n  - {at: 0, client: A, op: open, file: fileA, fd: f}\n" +
				"  - {at: 2, client: A, op: write, fd: f, block: 1}\n  - {at: 3, client: A, op: read, fd: f, block: 1}\n",
			row:   2,
			value: "A@2s",
			calls: []string{},
		},
		{
			name: "a row on a down client",
			body: "workload:\n  - {at: 5, client: A, op: open, file: fileA, fd: f}\nfaults:\n  - {at: 1, crash: A}\n",
			row:  0, result: "EHOSTDOWN", calls: []string{},
		},
		{
			name: "an fd from before the client's crash",
			body: "workload:\n  - {at: 0, client: A, op: open, file: fileA, fd: f}\n  - {at: 5, client: A, op: read, fd: f, block: 0}\n" +
				"faults:\n  - {at: 1, crash: A}\n  - {at: 2, restart: A}\n",
			row: 1, result: "EBADF", calls: []string{},
		},
		{
			name: "an operation the client's crash interrupts",
			body: "workload:\n  - {at: 1, client: A, op: open, file: fileA, fd: f}\n" +
				"faults:\n  - {at: 0.5, crash: server}\n  - {at: 1.5, crash: A}\n  - {at: 3, restart: server}\n",
			row: 0, result: "ECANCELED", calls: []string{"FETCH"}, note: "crashed before the operation completed",
		},
		{
			name: "low_memory on a client",
			body: "workload:\n  - {at: 0, client: A, op: open, file: fileA, fd: f}\nfaults:\n  - {at: 1, low_memory: A}\n",
			row:  0, calls: []string{"FETCH"},
		},
		{
			name: "a removed file",
			body: "workload:\n  - {at: 0, client: A, op: remove, file: fileA}\n  - {at: 1, client: B, op: open, file: fileA, fd: g}\n",
			row:  1, result: "ENOENT", calls: []string{"FETCH"},
		},
		{
			name: "a store that waits for a crashed holder says how long",
			body: "workload:\n  - {at: 0, client: A, op: open, file: fileA, fd: f}\n  - {at: 1, client: B, op: open, file: fileA, fd: g}\n" +
				"  - {at: 2, client: B, op: write, fd: g, block: 0}\n  - {at: 4, client: B, op: close, fd: g}\n  - {at: 30, client: A, op: open, file: fileA, fd: h}\n" +
				"faults:\n  - {at: 3, crash: A}\n  - {at: 20, restart: A}\n",
			row: 3, calls: []string{"STORE", "BREAKCALLBACK", "BREAKCALLBACK"}, note: "returned after 2",
		},
		{
			name: "mode prototype validates a cached copy on every open",
			body: "afs: {mode: prototype}\nworkload:\n  - {at: 0, client: A, op: open, file: fileA, fd: f}\n  - {at: 1, client: A, op: close, fd: f}\n" +
				"  - {at: 60, client: A, op: open, file: fileA, fd: f}\n",
			row: 2, calls: []string{"FETCHSTATUS"}, note: "prototype: validate on every open: FETCHSTATUS says unchanged, use local copy",
		},
		{
			name: "mode callbacks opens a cached copy under its callback",
			body: "afs: {mode: callbacks}\nworkload:\n  - {at: 0, client: A, op: open, file: fileA, fd: f}\n  - {at: 1, client: A, op: close, fd: f}\n" +
				"  - {at: 60, client: A, op: open, file: fileA, fd: f}\n",
			row: 2, calls: []string{}, note: "callback valid: use local copy",
		},
		{
			name: "a fixed callback_lifetime expires",
			body: "afs: {callback_lifetime: 30s}\nworkload:\n  - {at: 0, client: A, op: open, file: fileA, fd: f}\n  - {at: 1, client: A, op: close, fd: f}\n" +
				"  - {at: 60, client: A, op: open, file: fileA, fd: f}\n",
			row: 2, calls: []string{"FETCHSTATUS"}, note: "callback expired: FETCHSTATUS says unchanged",
		},
		{
			name: "callback_lifetime openafs lasts hours for a lightly shared file",
			body: "afs: {callback_lifetime: openafs}\nlimits: {max_time: 3h}\nworkload:\n  - {at: 0, client: A, op: open, file: fileA, fd: f}\n  - {at: 1, client: A, op: close, fd: f}\n" +
				"  - {at: 2h, client: A, op: open, file: fileA, fd: f}\n",
			row: 2, calls: []string{}, note: "callback valid: use local copy",
		},
		{
			// The client boots knowing where the database is, however
			// nodes orders them (it once failed every open with ENOENT).
			name: "nodes declares the client before the server",
			body: "nodes: [A, server]\nworkload:\n  - {at: 0, client: A, op: open, file: fileA, fd: f}\n  - {at: 1, client: A, op: read, fd: f, block: 1}\n",
			row:  1, value: "a1", calls: []string{},
		},
		{
			name: "nodes declares the client before the volume servers",
			body: "nodes: [A, s2, server]\nafs: {volumes: {/: server, /h: s2}, vldb: s2}\n" +
				"workload:\n  - {at: 0, client: A, op: create, file: h/x, fd: f}\n",
			row: 0, calls: []string{"CREATE"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := scenariotest.Run(t, head+tt.body)
			st := res.Systems[0].Steps[tt.row]
			want := tt.result
			if want == "" {
				want = "ok"
			}
			if st.Result != want {
				t.Errorf("result = %s (%s); want %s", st.Result, st.Note, want)
			}
			if tt.value != "" && (st.Value == nil || *st.Value != tt.value) {
				t.Errorf("value = %v; want %s", st.Value, tt.value)
			}
			if diff := cmp.Diff(tt.calls, procsOf(st)); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if !strings.Contains(st.Note, tt.note) {
				t.Errorf("note = %q; want it to contain %q", st.Note, tt.note)
			}
		})
	}
}

// TestAFSSilentServer: a client whose cached volume location names a
// server that crashed gives up on it after a few retransmissions, asks the
// volume location database again and follows the volume (it once retried
// the dead server until max_time); a server that never comes back fails
// the operation with ETIMEDOUT after the client's retry budget, and the run
// ends.
func TestAFSSilentServer(t *testing.T) {
	const head = "name: t\nsystems: [afs]\nnodes: [A, server, s2, s3]\nafs: {volumes: {/: server, /h: s2}}\nfiles:\n  h/f: [x]\n" +
		"workload:\n  - {at: 0, client: A, op: open, file: h/f, fd: f}\n  - {at: 1, client: A, op: close, fd: f}\n" +
		"  - {at: 5, client: A, op: create, file: h/n}\nfaults:\n"
	tests := []struct {
		name, faults, result, note string
		calls                      []string
	}{
		{
			name:   "moved, then the old server crashed",
			faults: "  - {at: 2, move_volume: /h, to: s3}\n  - {at: 3, crash: s2}\n",
			result: "ok", calls: []string{"CREATE", "GETVOLUMELOCATION", "CREATE"},
			note: "s2 did not answer: the volume location database says /h is on s3",
		},
		{
			name:   "crashed for good",
			faults: "  - {at: 3, crash: s2}\n",
			result: "ETIMEDOUT",
			note:   "still says /h is there: gave up after",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys := scenariotest.Run(t, head+tt.faults).Systems[0]
			if sys.Bound != "" {
				t.Fatalf("run hit a bound: %s", sys.Bound)
			}
			st := sys.Steps[2]
			if st.Result != tt.result {
				t.Errorf("result = %s (%s); want %s", st.Result, st.Note, tt.result)
			}
			if tt.calls != nil {
				if diff := cmp.Diff(tt.calls, procsOf(st)); diff != "" {
					t.Errorf("calls (-want +got):\n%s", diff)
				}
				if a := st.Calls[0].Attempts; a != afs.DefaultServerAttempts {
					t.Errorf("first CREATE sent %d times; want %d", a, afs.DefaultServerAttempts)
				}
			}
			if !strings.Contains(st.Note, tt.note) {
				t.Errorf("note = %q; want it to contain %q", st.Note, tt.note)
			}
		})
	}
}

// TestAFSFaultDetails checks what the AFS faults record.
func TestAFSFaultDetails(t *testing.T) {
	tests := []struct {
		name, text, detail string
	}{
		{"low memory", "name: t\nsystems: [afs]\nfiles:\n  f: [x]\nworkload:\n  - {at: 0, client: A, op: open, file: f, fd: f}\n" +
			"faults:\n  - {at: 1, low_memory: server}\n", "dropped 1 callback promise"},
		{"low memory on a client", "name: t\nsystems: [afs]\nfiles:\n  f: [x]\nworkload:\n  - {at: 0, client: A, op: open, file: f, fd: f}\n" +
			"faults:\n  - {at: 1, low_memory: A}\n", "no effect: not a file server"},
		{"move", "name: t\nsystems: [afs]\nafs: {volumes: {/: server, /h: s2}}\nfiles:\n  h/f: [x]\nworkload:\n  - {at: 0, client: A, op: open, file: h/f, fd: f}\n" +
			"faults:\n  - {at: 1, move_volume: /h, to: s3}\n", "moved from s2 to s3 with 1 file and 1 callback promise"},
		{"move with the database down", "name: t\nsystems: [afs]\nafs: {volumes: {/: server, /h: s2}}\nfiles:\n  h/f: [x]\nworkload:\n  - {at: 0, client: A, op: open, file: h/f, fd: f}\n" +
			"faults:\n  - {at: 1, crash: server}\n  - {at: 2, move_volume: /h, to: s3}\n", "not moved: the volume location server server is down"},
		{"move to where it is", "name: t\nsystems: [afs]\nafs: {volumes: {/: server, /h: s2}}\nfiles:\n  h/f: [x]\nworkload:\n  - {at: 0, client: A, op: open, file: h/f, fd: f}\n" +
			"faults:\n  - {at: 1, move_volume: /h, to: s2}\n", "not moved: already on s2"},
		{"flush", "name: t\nsystems: [afs]\nfiles:\n  f: [x]\nworkload:\n  - {at: 0, client: A, op: open, file: f, fd: f}\n" +
			"faults:\n  - {at: 1, flush: server}\n", "no effect on afs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := scenariotest.Run(t, tt.text)
			var got []string
			for _, f := range res.Systems[0].Faults {
				got = append(got, f.Detail)
			}
			if !strings.Contains(strings.Join(got, "|"), tt.detail) {
				t.Errorf("fault details %q; want one with %q", got, tt.detail)
			}
		})
	}
}

// TestAFSDiskMergesServers: the disk of the result is every file server's
// files, by path.
func TestAFSDiskMergesServers(t *testing.T) {
	res := scenariotest.Run(t, "name: t\nsystems: [afs]\nafs: {volumes: {/: server, /h: s2}}\nfiles:\n  a: [x]\n  h/b: [y, z]\n"+
		"workload:\n  - {at: 0, client: A, op: create, file: h/c, fd: c}\n  - {at: 1, client: A, op: write, fd: c, block: 0, data: w}\n"+
		"  - {at: 2, client: A, op: close, fd: c}\n  - {at: 3, client: A, op: mkdir, file: h/d}\n")
	want := map[string][]string{"a": {"x"}, "h/b": {"y", "z"}, "h/c": {"w"}}
	if diff := cmp.Diff(want, res.Systems[0].Disk); diff != "" {
		t.Errorf("disk (-want +got):\n%s", diff)
	}
}

// TestAFSDeterministic: the same scenario and seed give the same trace.
func TestAFSDeterministic(t *testing.T) {
	text := "name: t\nsystems: [afs]\nnetwork: {delay: {dist: uniform, min: 1ms, max: 20ms}, loss: 0.1, duplicate: 0.1}\nfiles:\n  f: [x, y]\n" +
		"workload:\n  - {at: 0, client: A, op: open, file: f, fd: f}\n  - {at: 0, client: B, op: open, file: f, fd: f}\n" +
		"  - {at: 1, client: B, op: write, fd: f, block: 0}\n  - {at: 2, client: B, op: close, fd: f}\n  - {at: 3, client: A, op: close, fd: f}\n" +
		"  - {at: 4, client: A, op: open, file: f, fd: g}\n  - {at: 5, client: A, op: read, fd: g, block: 0}\n" +
		"faults:\n  - {at: 1.5, low_memory: server}\n"
	a, b := scenariotest.Run(t, text), scenariotest.Run(t, text)
	if a.Systems[0].TraceHash != b.Systems[0].TraceHash {
		t.Errorf("trace hashes differ: %s, %s", a.Systems[0].TraceHash, b.Systems[0].TraceHash)
	}
	if v := a.Systems[0].Steps[6].Value; v == nil || *v != "B@1s" {
		t.Errorf("A read %v after B's store; want B@1s", v)
	}
}

// TestAFSPropertyScheduleFormat: a schedule printed by the AFS property
// test (protocols/afs) is a scenario that loads and runs.
func TestAFSPropertyScheduleFormat(t *testing.T) {
	res := scenariotest.Run(t, `name: afs_property_failure
systems: [afs]
afs: {client_crash: evict_all, callback_limit: 1}
network: {loss: 0.1}
files:
  fileA: {blocks: [a0, a1]}
  fileB: {blocks: [b0, b1]}
workload:
  - {at: 0s, client: A, op: open, file: fileA, fd: f1}
  - {at: 4ms, client: B, op: open, file: fileA, fd: f1}
  - {at: 1s, client: B, op: write, fd: f1, block: 2}
  - {at: 1s, client: B, op: close, fd: f1}
  - {at: 9s, client: A, op: read, fd: f1, block: 0}
faults:
  - {at: 0s, partition: [[A], [server, B]], heal_at: 3s}
  - {at: 12ms, crash: server}
  - {at: 1s, restart: server}
  - {at: 2s, low_memory: server}
`)
	if len(res.Violations) != 0 {
		t.Errorf("violations: %+v", res.Violations)
	}
}

// TestAFSProcessesShareTheClientsCopy: two fds of one client share its open
// copy (Howard et al. 1988; OSTEP ch. 50): a write through one is read at
// once through the other, and the last close stores the file, whichever
// fd wrote. Another client still sees the change only after that close.
func TestAFSProcessesShareTheClientsCopy(t *testing.T) {
	res := scenariotest.Run(t, `name: share
systems: [afs]
files:
  a: {blocks: [old]}
workload:
  - {at: 0, client: A, op: open, file: a, fd: fd1}
  - {at: 1, client: A, op: open, file: a, fd: fd3}
  - {at: 2, client: A, op: write, fd: fd3, block: 0, data: new}
  - {at: 3, client: A, op: read, fd: fd1, block: 0}
  - {at: 4, client: B, op: open, file: a, fd: g}
  - {at: 5, client: B, op: read, fd: g, block: 0}
  - {at: 6, client: A, op: close, fd: fd3}
  - {at: 7, client: A, op: close, fd: fd1}
  - {at: 8, client: B, op: close, fd: g}
  - {at: 9, client: B, op: open, file: a, fd: g}
  - {at: 10, client: B, op: read, fd: g, block: 0}
expect:
  - {at: 1, calls: []}
  - {at: 3, value: new}
  - {at: 5, value: old}
  - {at: 6, calls: []}
  - {at: 7, calls: [STORE, BREAKCALLBACK]}
  - {at: 10, value: new}
  - {file: a, disk: [new]}
`)
	for _, v := range res.Violations {
		t.Errorf("%s: %s", v.Where, v.Message)
	}
	steps := res.Systems[0].Steps
	if !strings.Contains(steps[1].Note, "shares its copy") || !strings.Contains(steps[6].Note, "the last close stores it") {
		t.Errorf("notes %q, %q; want the sharing said", steps[1].Note, steps[6].Note)
	}
}

// AFS moves a whole file in one message, and over UDP one message carries
// at most 65507 bytes: a write that would make the open file too large
// for one STORE fails with EFBIG and leaves the copy as it was (before, it
// succeeded, and the STORE at close vanished on the wire until the client
// gave up on a server that was up). A path longer than AFS allows fails
// with ENAMETOOLONG before any call.
func TestAFSFileTooLargeForOneMessage(t *testing.T) {
	block := strings.Repeat("x", 8000)
	res := scenariotest.RunClean(t, `name: t
systems: [afs]
files:
  f: [`+strings.Repeat(block+", ", 6)+block+`]
workload:
  - {at: 0, client: A, op: open, file: f, fd: h}
  - {at: 1, client: A, op: write, fd: h, block: 7, data: `+block+`}
  - {at: 2, client: A, op: write, fd: h, block: 8, data: `+block+`}
  - {at: 3, client: A, op: append, fd: h, data: `+block+`}
  - {at: 4, client: A, op: close, fd: h}
  - {at: 5, client: A, op: stat, file: `+strings.Repeat("n", 256)+`}
expect:
  - {step: 2, result: ok}
  - {step: 3, result: EFBIG}
  - {step: 4, result: EFBIG}
  - {step: 5, result: ok, calls: [STORE]}
  - {step: 6, result: ENAMETOOLONG, calls: []}
`)
	if n := len(res.Systems[0].Disk["f"]); n != 8 {
		t.Errorf("the stored file has %d blocks; want 8 (the writes past the limit refused)", n)
	}
	if note := res.Systems[0].Steps[2].Note; !strings.Contains(note, "more than one message carries (65507)") {
		t.Errorf("EFBIG note %q; want the limit", note)
	}
}

// TestLateCallOfReusedProgramSlot runs program clients through a server
// crash under loss: a call started while a step was the last to run can
// still be resent after the client's next iteration has reused the
// step's slot, emptying its calls. Counting that resend into the slot
// indexed past its calls and crashed the run (seed 4 of this file).
func TestLateCallOfReusedProgramSlot(t *testing.T) {
	const text = `name: t
seed: 4
systems: [afs]
network: {loss: 0.1}
files:
  shared: {blocks: [s0, s1]}
workload:
  - program:
      clients: 20
      every: 30s
      until: 10m
      think: 0s
      steps:
        - {op: open, file: shared, fd: f}
        - {op: read, fd: f, block: 0}
        - {op: write, fd: f, block: 0, chance: 0.5}
        - {op: close, fd: f}
faults:
  - {at: 60, crash: server}
  - {at: 105, restart: server}
`
	res := scenariotest.Run(t, text)
	sum := res.Systems[0].Summary
	if sum == nil || sum.Steps == 0 {
		t.Fatalf("summary %+v; want the program's steps counted", sum)
	}
	if sum.Retransmissions == 0 {
		t.Errorf("no retransmissions under 10%% loss and a crash: the case no longer resends late")
	}
}
