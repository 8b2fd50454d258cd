package nfsdriver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/scenariotest"
)

// stepSummary is what the tests compare of a step.
type stepSummary struct {
	Calls  string
	Result string
	Value  string
}

func summarize(sys report.System) []stepSummary {
	var out []stepSummary
	for _, st := range sys.Steps {
		var procs []string
		for _, c := range st.Calls {
			procs = append(procs, c.Proc)
		}
		s := stepSummary{Calls: strings.Join(procs, ","), Result: st.Result}
		if st.Value != nil {
			s.Value = *st.Value
		}
		out = append(out, s)
	}
	return out
}

// TestNFSLectureTable runs the built-in nfs_lecture_table and checks the
// server action of every row against the lecture's last NFS slide.
//
// Lecture: "Nfs Protocol" (0 lookup, 10 read, 20 read, 30 get attr, 31 -,
// 40 lookup, 50 keep local, 60 getattr, 70 write, 80 read (after getattr),
// 81 read, 90 -, 100 lookup, 110 get attr, 120 -).
func TestNFSLectureTable(t *testing.T) {
	sc, err := scenarios.Open("nfs_lecture_table")
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"LOOKUP", "READ", "READ", "GETATTR", "", "LOOKUP", "", "GETATTR", "WRITE", "GETATTR,READ", "READ",
		"", "LOOKUP", "GETATTR", ""}
	var got []string
	for _, s := range summarize(res.Systems[0]) {
		got = append(got, s.Calls)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("server actions (-want +got):\n%s", diff)
	}
	notes := map[int]string{
		3:  "attr expired: GETATTR, unchanged: use local; read a1",
		4:  "cached, attr fresh: use local; read a2",
		6:  "buffered locally",
		8:  "flush 1 dirty block in 20ms",
		9:  "attr expired: GETATTR, changed: drop cache, READ; read b1",
		10: "not cached: READ; read a2",
	}
	for i, n := range notes {
		if got := res.Systems[0].Steps[i].Note; got != n {
			t.Errorf("row %d note = %q; want %q", i+1, got, n)
		}
	}
	if len(res.Violations) > 0 {
		t.Errorf("violations: %+v", res.Violations)
	}
}

// TestNFSClientCrash checks what the driver reports around a client crash:
// the call in progress is interrupted, a row while the client is down
// finds it down, the fds are gone after the restart, and the unflushed
// write is reported lost.
func TestNFSClientCrash(t *testing.T) {
	res := scenariotest.Run(t, `
name: client_crash
systems: [nfs]
files:
  f: {blocks: [b0]}
workload:
  - {at: 0, client: A, op: open,  file: f, fd: x}
  - {at: 1, client: A, op: write, fd: x, block: 0, data: mine}
  - {at: 2, client: A, op: read,  fd: x, block: 0}
  - {at: 3, client: B, op: open,  file: f, fd: y}
  - {at: 4, client: A, op: read,  fd: x, block: 0}
  - {at: 6, client: A, op: read,  fd: x, block: 0}
  - {at: 7, client: A, op: open,  file: f, fd: z}
faults:
  - {at: 2.5, crash: server}
  - {at: 3, crash: A}
  - {at: 5, restart: A}
  - {at: 6.5, restart: server}
`)
	sys := res.Systems[0]
	want := []stepSummary{
		{"LOOKUP", "ok", ""},
		{"", "ok", ""},
		{"", "ok", "mine"}, // its own dirty block: no call
		{"LOOKUP", "ok", ""},
		{"", "EHOSTDOWN", ""},
		{"", "EBADF", ""},
		{"LOOKUP", "ok", ""},
	}
	if diff := cmp.Diff(want, summarize(sys)); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	wantLost := []LostWrite{{Node: "A", At: "3s", File: "f", Block: 0, Data: "mine", Acknowledged: "1s"}}
	if diff := cmp.Diff(wantLost, LostOf(&sys)); diff != "" {
		t.Errorf("lost (-want +got):\n%s", diff)
	}
	if !strings.Contains(sys.Steps[1].Note, "LOST in A's crash at 3s") {
		t.Errorf("the write's note %q does not report the loss", sys.Steps[1].Note)
	}
}

// TestNFSInterrupted checks a call cut short by its own client's crash and
// a soft mount giving up.
func TestNFSInterrupted(t *testing.T) {
	res := scenariotest.Run(t, `
name: interrupted
systems: [nfs]
nfs: {mount: soft, retrans: 2}
files:
  f: {blocks: [b0]}
workload:
  - {at: 0, client: A, op: open, file: f, fd: x}
  - {at: 0, client: B, op: open, file: f, fd: x}
  - {at: 1, client: A, op: read, fd: x, block: 0}
  - {at: 1, client: B, op: read, fd: x, block: 0}
faults:
  - {at: 0.5, crash: server}
  - {at: 2, crash: A}
`)
	got := summarize(res.Systems[0])
	want := []stepSummary{{"LOOKUP", "ok", ""}, {"LOOKUP", "ok", ""}, {"READ", "EINTR", ""}, {"READ", "ETIMEDOUT", ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if a := res.Systems[0].Steps[3].Calls[0].Attempts; a != 3 {
		t.Errorf("soft READ sent %d times; want 3 (retrans 2)", a)
	}
}

// TestNFSBadTrees checks that an initial tree a server cannot format its
// disk with is refused when the scenario loads, at the file's entry, with
// every bad file of the file reported at once: `sim validate` refuses
// what `sim run` would.
func TestNFSBadTrees(t *testing.T) {
	for _, tc := range []struct {
		name, nfs, files string
		want             []string
	}{
		{"block too big", "", "f: {blocks: [" + strings.Repeat("x", 8193) + "]}",
			[]string{`bad.yaml:6:3: files: file "f": a block is 8193 bytes, more than NFS's 8192`}},
		{"file in a file", "", "a: {blocks: [x]}\n  a/b: {blocks: [y]}",
			[]string{`bad.yaml:7:3: files: file "a/b": a is a file, not a directory`}},
		{"file that is a directory", "", "a/b: [x]\n  a: [y]",
			[]string{`bad.yaml:7:3: files: file "a" is a directory: other files lie in it`}},
		{"every bad file at once", "", "a: [x]\n  a/b: [y]\n  a/c: [z]",
			[]string{`bad.yaml:7:3: files: file "a/b": a is a file, not a directory`,
				`bad.yaml:8:3: files: file "a/c": a is a file, not a directory`}},
		{"name too long", "", strings.Repeat("n", 256) + ": [x]",
			[]string{`bad.yaml:6:3: files: file "nnnnnnnnnnnnnnnnnnnnnnnnnnnn...nnnnnnnnnnnnnnnnnnnnnnnnnnnn": a name of the path is longer than NFS's 255 bytes (RFC 1094 §2.3.7)`}},
		{"one server file through two mounts", "{mounts: [{on: /, server: server}, {on: /b, server: server}]}", "x: [1]\n  b/x: [2]",
			[]string{`bad.yaml:7:3: files: file "x" appears twice`}},
		{"the conflict is on one server of several", "{mounts: [{on: /, server: server}, {on: /b, server: backup}]}", "b/a: [1]\n  b/a/c: [2]",
			[]string{`bad.yaml:7:3: files: on server backup: file "a/c": a is a file, not a directory`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nfs := tc.nfs
			if nfs == "" {
				nfs = "{}"
			}
			src := "name: bad\nsystems: [nfs]\nnetwork: {delay: 1ms}\nnfs: " + nfs + "\nfiles:\n  " + tc.files +
				"\nworkload:\n  - {at: 0, client: A, op: stat, file: zz}\n"
			_, err := scenarios.Load("bad.yaml", []byte(src))
			var got []string
			if list, ok := err.(scenarios.ErrorList); ok {
				for _, e := range list {
					got = append(got, e.Error())
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Load errors (-want +got):\n%s\n%s", diff, src)
			}
		})
	}
}

// Two clients' WRITEs of one file reach the server in the same microsecond.
// The mtime on the wire has microsecond resolution, so unless every change
// moves it forward, A's later GETATTR matches the mtime of its own write and
// A keeps its stale block. Found by TestNFSPropertyRevalidatedRead.
func TestNFSSameMicrosecondWritesChangeMtime(t *testing.T) {
	scenariotest.RunClean(t, `name: same_microsecond
systems: [nfs]
network: {delay: 1ms}
nfs: {attr_timeout: 0}
files:
  shared: {blocks: [s0, s1]}
workload:
  - {at: 0.1, client: B, op: open, file: shared, fd: f}
  - {at: 0.3, client: A, op: open, file: shared, fd: f}
  - {at: 0.8, client: B, op: write, fd: f, block: 1, data: B.1}
  - {at: 2.1, client: A, op: write, fd: f, block: 1, data: A.1}
  - {at: 6.5, client: A, op: close, fd: f}
  - {at: 6.5, client: B, op: close, fd: f}
  - {at: 8.5, client: A, op: open, file: shared, fd: f}
  - {at: 9.0, client: A, op: read, fd: f, block: 1}
expect:
  - {at: 9.0, value: B.1}
`)
}

// A row that waited for the call before and has no note of its own (a
// create) says only that it waited, with no dangling "; ".
func TestNFSWaitedNoteHasNoEmptyPart(t *testing.T) {
	res := scenariotest.Run(t, `name: t
systems: [nfs]
files:
  fileA: [a0]
workload:
  - {at: 0, client: B, op: remove, file: fileA}
  - {at: 0, client: B, op: create, file: fileA, fd: n}
`)
	st := res.Systems[0].Steps[1]
	if !strings.Contains(st.Note, "waited") || strings.HasSuffix(st.Note, "; ") || strings.Contains(st.Note, "; ;") {
		t.Errorf("create's note = %q; want the wait, and no empty part", st.Note)
	}
}

// TestNFSMounts checks the driver with a mount table of two servers: each
// row's calls go to the server of its path's mount, the disk lists both
// servers' files by the client's path, and a crash, a flush and an NVRAM
// replay on the second server are reported with the client's paths.
func TestNFSMounts(t *testing.T) {
	sc, err := scenarios.Open("nfs_mounts")
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sys := res.Systems[0]
	to := map[string]string{}
	for i, st := range sys.Steps {
		for _, c := range st.Calls {
			want := "server"
			if strings.HasPrefix(sc.Workload[i].File, "backups/") {
				want = "backup"
			}
			if c.To != want {
				t.Errorf("row %d (%s): %s went to %s; want %s", i+1, sc.Workload[i].File, c.Proc, c.To, want)
			}
			to[c.To] = c.Proc
		}
	}
	if len(to) != 2 {
		t.Errorf("calls went to %v; want both servers", to)
	}
	wantDisk := map[string][]string{"home/notes": {"n0", "n1-new"}, "backups/notes.bak": {"n0", "n1-new"}}
	if diff := cmp.Diff(wantDisk, sys.Disk); diff != "" {
		t.Errorf("disk (-want +got):\n%s", diff)
	}
	if len(res.Violations) > 0 {
		t.Errorf("violations: %+v", res.Violations)
	}

	// A buffered backup server exporting /srv: a crash loses what it
	// acknowledged, named by the client's path; the root server is
	// untouched. An NVRAM backup replays instead.
	const text = `
name: mounts_crash
systems: [nfs]
nfs:
  write_policy: %s
  mounts:
    - {on: /, server: server}
    - {on: /backups, server: backup, export: /srv}
files:
  x: {blocks: [x0]}
  backups/y: {blocks: [y0]}
workload:
  - {at: 0, client: A, op: open,  file: backups/y, fd: f}
  - {at: 1, client: A, op: write, fd: f, block: 0, data: y1}
  - {at: 2, client: A, op: close, fd: f}
  - {at: 3, client: A, op: open,  file: x, fd: g}
  - {at: 4, client: A, op: write, fd: g, block: 0, data: x1}
  - {at: 5, client: A, op: close, fd: g}
  - {at: 9, client: A, op: stat,  file: backups}
faults:
  - {at: 6, flush: server}
  - {at: 7, crash: backup}
  - {at: 8, restart: backup}
`
	res = scenariotest.Run(t, fmt.Sprintf(text, "buffered"))
	sys = res.Systems[0]
	if want := (stepSummary{"LOOKUP", "ok", ""}); summarize(sys)[0] != want {
		t.Errorf("open of backups/y: %+v; want %+v", summarize(sys)[0], want)
	}
	if got := sys.Steps[6]; got.Result != "ok" || len(got.Calls) != 1 || got.Calls[0].To != "backup" {
		t.Errorf("stat of the mount point: %+v; want one call to backup", got)
	}
	wantLost := []LostWrite{{Node: "backup", At: "7s", File: "backups/y", Block: 0, Data: "y1",
		Acknowledged: "2.005s", OnDisk: "y0"}}
	if diff := cmp.Diff(wantLost, LostOf(&sys)); diff != "" {
		t.Errorf("lost (-want +got):\n%s", diff)
	}
	wantDisk = map[string][]string{"x": {"x1"}, "backups/y": {"y0"}}
	if diff := cmp.Diff(wantDisk, sys.Disk); diff != "" {
		t.Errorf("buffered disk (-want +got):\n%s", diff)
	}
	if f := sys.Faults[0]; f.Node != "server" || !strings.Contains(f.Detail, "writing 1 inode to disk") {
		t.Errorf("flush of server: %+v", f)
	}
	if !strings.Contains(sys.Steps[1].Note, "LOST in the backup crash at 7s") {
		t.Errorf("the write's note %q does not report the loss", sys.Steps[1].Note)
	}

	res = scenariotest.Run(t, fmt.Sprintf(text, "nvram"))
	sys = res.Systems[0]
	if len(LostOf(&sys)) != 0 {
		t.Errorf("nvram lost %+v", LostOf(&sys))
	}
	if diff := cmp.Diff(map[string][]string{"x": {"x1"}, "backups/y": {"y1"}}, sys.Disk); diff != "" {
		t.Errorf("nvram disk (-want +got):\n%s", diff)
	}
	if f := sys.Faults[2]; f.Node != "backup" || !strings.Contains(f.Detail, "replayed 1 inode from NVRAM") {
		t.Errorf("restart of backup: %+v", f)
	}
}

// TestNFSLostOnlyWhatTheServerNeverGot: a client crash while its WRITE's
// reply is on the way loses nothing (the server has the block, on disk
// under write_through); a crash before the close sends it loses it.
func TestNFSLostOnlyWhatTheServerNeverGot(t *testing.T) {
	for _, tc := range []struct {
		name, crashAt string
		lost          int
	}{
		{"reply in flight", "2.017", 0},
		{"before the close", "1.5", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := scenariotest.Run(t, `name: lost
systems: [nfs]
network: {delay: 5ms}
files:
  fileA: {blocks: [a0]}
workload:
  - {at: 0, client: C, op: open, file: fileA, fd: f}
  - {at: 1, client: C, op: write, fd: f, block: 0, data: X}
  - {at: 2, client: C, op: close, fd: f}
faults:
  - {at: `+tc.crashAt+`, crash: C}
`)
			sys := res.Systems[0]
			if lost := LostOf(&sys); len(lost) != tc.lost {
				t.Fatalf("lost %+v; want %d", lost, tc.lost)
			}
			if tc.lost == 0 && (strings.Contains(sys.Steps[1].Note, "LOST") || sys.Disk["fileA"][0] != "X") {
				t.Errorf("write note %q, disk %v; want no loss, X on disk", sys.Steps[1].Note, sys.Disk["fileA"])
			}
			if tc.lost == 1 && !strings.Contains(sys.Steps[1].Note, "the server never got it") {
				t.Errorf("write note %q; want the loss explained", sys.Steps[1].Note)
			}
		})
	}
}

// Reference: protocol facts §4 — with nfs.drc the cache keeps the replies
// of the non-idempotent procedures: a READ whose reply was lost runs again
// (harmlessly), a MKDIR's retransmission gets the cached reply; with
// nfs.drc_cache all, the READ's too.
func TestDRCCacheKeeps(t *testing.T) {
	for _, tc := range []struct {
		cache            string
		readRuns, mkdirs int
	}{{"non_idempotent", 2, 1}, {"all", 1, 1}} {
		res := scenariotest.RunClean(t, `name: t
systems: [nfs]
nfs: {drc: true, drc_cache: `+tc.cache+`}
files:
  f: [b0]
workload:
  - {at: 0, client: A, op: open, file: f, fd: f}
  - {at: 10, client: A, op: read, fd: f, block: 0}
  - {at: 20, client: A, op: mkdir, file: d}
faults:
  - {at: 10, block: {from: server, to: A}}
  - {at: 10.5, unblock: {from: server, to: A}}
  - {at: 20, block: {from: server, to: A}}
  - {at: 20.5, unblock: {from: server, to: A}}
`)
		read, mkdir := res.Systems[0].Steps[1], res.Systems[0].Steps[2]
		if read.Result != "ok" || *read.Executions != tc.readRuns || mkdir.Result != "ok" || *mkdir.Executions != tc.mkdirs {
			t.Errorf("drc_cache %s: READ %s run %d times, MKDIR %s run %d times; want ok %d times, ok %d times",
				tc.cache, read.Result, *read.Executions, mkdir.Result, *mkdir.Executions, tc.readRuns, tc.mkdirs)
		}
	}
}

// The NFS-only ops' keys: to is a path (no node is made of it), truncate's
// size may be 0, and a path the ops make may be opened later; mistakes are
// errors at their line.
func TestNFSOpRows(t *testing.T) {
	ok := `name: t
systems: [nfs]
files:
  a: [a0]
workload:
  - {at: 1, client: A, op: rename, file: a, to: b}
  - {at: 2, client: A, op: open, file: b, fd: f}
  - {at: 3, client: A, op: truncate, file: b, size: 0}
  - {at: 4, client: A, op: link, file: b, to: c}
  - {at: 5, client: A, op: symlink, file: b, to: s}
  - {at: 6, client: A, op: readlink, file: s}
  - {at: 7, client: A, op: statfs}
`
	sc, err := scenarios.Load("ok.yaml", []byte(ok))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(sc.Nodes) != 2 || sc.Workload[0].ToPath != "b" || sc.Workload[0].To != "" || sc.Workload[2].Size != 0 {
		t.Errorf("nodes %v, rename to %q (node %q), truncate size %d; want A and server, b, no node, 0",
			sc.Nodes, sc.Workload[0].ToPath, sc.Workload[0].To, sc.Workload[2].Size)
	}
	sys := scenariotest.RunClean(t, ok).Systems[0]
	if v := sys.Steps[5].Value; v == nil || *v != "b" || sys.Steps[6].Result != "ok" {
		t.Errorf("readlink = %s, statfs %s; want b, ok", scenariotest.Text(v), sys.Steps[6].Result)
	}
	for _, tc := range []struct{ row, want string }{
		{"{at: 1, client: A, op: rename, file: a}", `missing key "to" in workload row 1: op rename needs client, file and to (the new path)`},
		{"{at: 1, client: A, op: link, file: a, to: /}", "to: expected a file path"},
		{"{at: 1, client: A, op: truncate, file: a, size: -1}", "size:"},
		{"{at: 1, client: A, op: readdir}", `missing key "file"`},
	} {
		_, err := scenarios.Load("bad.yaml", []byte("name: t\nsystems: [nfs]\nfiles:\n  a: [a0]\nworkload:\n  - "+tc.row+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want %q", tc.row, err, tc.want)
		}
	}
}

// TestNFSAttributesDatedFromTheCall: cached attributes are trusted for
// attr_timeout from when the call that brought them was sent, not from
// when its reply arrived, so that a slow network cannot stretch how old a
// read's data may be beyond attr_timeout (bounded_staleness). With a
// half-second delay the client asks the portmapper twice, mounts and looks
// the file up until 4s; the READ sent at 4s brings attributes at 5s: at
// 7.1s they are 3.1s old and must be checked again.
func TestNFSAttributesDatedFromTheCall(t *testing.T) {
	src := `name: t
systems: [nfs]
network: {delay: 500ms}
nfs: {attr_timeout: 3s}
files:
  fileA: [a0]
workload:
  - {at: 0,   client: A, op: open, file: fileA, fd: f}
  - {at: 1,   client: A, op: read, fd: f, block: 0}
  - {at: 6.9, client: A, op: read, fd: f, block: 0}
  - {at: 7.1, client: A, op: read, fd: f, block: 0}
expect:
  - {step: 2, calls: [READ]}
  - {step: 3, calls: []}
  - {step: 4, calls: [GETATTR]}
`
	scenariotest.RunClean(t, src)
}

// TestNFSPortmapperOption: by default each client asks the server's
// portmapper twice (GETPORT for NFS and MOUNT) before its MNT, and those
// calls, like the MNT, belong to no row; `portmapper: false` sends MNT
// alone.
func TestNFSPortmapperOption(t *testing.T) {
	for _, tc := range []struct {
		block       string
		wantGetport int
	}{
		{"", 4},
		{"nfs: {portmapper: true}", 4},
		{"nfs: {portmapper: false}", 0},
	} {
		src := "name: t\nsystems: [nfs]\n" + tc.block + `
files:
  f: [a0]
workload:
  - {at: 0, client: A, op: open, file: f, fd: f}
  - {at: 0, client: B, op: open, file: f, fd: f}
expect:
  - {step: 1, calls: [LOOKUP]}
  - {step: 2, calls: [LOOKUP]}
`
		sys := scenariotest.SystemOf(t, scenariotest.RunClean(t, src), "nfs")
		if got := sys.Stats.Calls["GETPORT"]; got != tc.wantGetport || sys.Stats.Calls["MNT"] != 2 {
			t.Errorf("%q: GETPORT %d, MNT %d calls; want %d and 2", tc.block, got, sys.Stats.Calls["MNT"], tc.wantGetport)
		}
	}
}

// TestNFSRootOps checks that readdir and statfs take the root, `file: /`
// (RFC 1094 §2.2.17: READDIR reads a directory; §2.2.18: STATFS takes any
// fhandle of the file system), under every strategy and in a program,
// that the root is in a mount like any path, and that the ops that take
// a file still refuse it.
func TestNFSRootOps(t *testing.T) {
	const rows = `  - {at: 0, client: A, op: statfs, file: /}
  - {at: 1, client: A, op: readdir, file: /}
  - {at: 2, client: A, op: readdir, file: "//./"}
  - {at: 3, client: A, op: statfs}
`
	for _, api := range []string{"file_handles", "inodes", "paths", "stateful_fds"} {
		t.Run(api, func(t *testing.T) {
			src := "name: t\nsystems: [nfs]\nnfs: {api: " + api + "}\nfiles: {a: [x], d/b: [y]}\nworkload:\n" + rows
			res := scenariotest.RunClean(t, src)
			steps := res.Systems[0].Steps
			for i, want := range []string{"a d", "a d"} {
				if v := steps[1+i].Value; v == nil || *v != want || steps[1+i].Result != "ok" {
					t.Errorf("readdir row %d = %s (%s); want %q, ok", 2+i, scenariotest.Text(v), steps[1+i].Result, want)
				}
			}
			for _, i := range []int{0, 3} {
				if steps[i].Result != "ok" {
					t.Errorf("statfs row %d = %s; want ok", i+1, steps[i].Result)
				}
			}
			if got := res.Table.Rows[1][1]; got != `readdir("/")` {
				t.Errorf("row 2 reads %q; want readdir(\"/\")", got)
			}
		})
	}
	t.Run("program", func(t *testing.T) {
		src := "name: t\nsystems: [nfs]\nfiles: {a: [x]}\nworkload:\n  - program: {clients: 3, every: 10s, until: 1m,\n      steps: [{op: statfs, file: /}, {op: readdir, file: /}]}\n"
		sum := scenariotest.RunClean(t, src).Systems[0].Summary
		if sum == nil || sum.Errors != 0 || sum.Calls["READDIR"] != sum.Calls["STATFS"] || sum.Calls["READDIR"] < 3*5 {
			t.Errorf("summary %+v; want every READDIR and STATFS ok, at least 15 of each", sum)
		}
	})
	for _, tc := range []struct{ name, src, want string }{
		{"the root in no mount", "nfs: {mounts: [{on: /backups, server: B}]}\nfiles: {backups/a: [x]}\nworkload:\n" + rows,
			"6:42: file / is in no NFS mount (nfs.mounts has /backups)"},
		{"statfs's default root in no mount", "nfs: {mounts: [{on: /backups, server: B}]}\nfiles: {backups/a: [x]}\nworkload:\n  - {at: 0, client: A, op: statfs}\n",
			"6:28: file / is in no NFS mount"},
		{"a program's root in no mount", "nfs: {mounts: [{on: /b, server: B}]}\nfiles: {b/a: [x]}\nworkload:\n  - program: {clients: 3, every: 10s, until: 1m, steps: [{op: readdir, file: /}]}\n",
			"6:78: file / is in no NFS mount"},
		{"open the root", "files: {a: [x]}\nworkload:\n  - {at: 0, client: A, op: open, file: /, fd: f}\n",
			"5:40: file: expected a file path such as fileA or home/notes, got \"/\" (the root is a directory, not a file)"},
		{"stat the root", "files: {a: [x]}\nworkload:\n  - {at: 0, client: A, op: stat, file: /}\n",
			"(the root is a directory, not a file)"},
		{"rename to the root", "files: {a: [x]}\nworkload:\n  - {at: 0, client: A, op: rename, file: a, to: /}\n",
			"(the root is a directory, not a file)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.Load("bad.yaml", []byte("name: t\nsystems: [nfs]\n"+tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v; want %q", err, tc.want)
			}
		})
	}
}
