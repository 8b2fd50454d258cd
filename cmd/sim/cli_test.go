package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// runSim runs the command line in-process and returns its exit status,
// stdout and stderr.
func runSim(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const okScenario = `name: tiny
seed: 5
systems: [pipe, socket]
network: {loss: 0.3}
workload:
  - {at: 0, op: send, from: A, to: B, count: 30, interval: 1ms}
`

func TestExitCodes(t *testing.T) {
	ok := writeFile(t, "ok.yaml", okScenario)
	badYAML := writeFile(t, "bad.yaml", "name: x\nsystems: [pipe\n")
	unknownKey := writeFile(t, "unknown.yaml", "name: x\nsystems: [pipe]\nnetwork: {los: 0.1}\nworkload:\n  - {at: 0, op: send, from: A, to: B}\n")
	failing := writeFile(t, "failing.yaml", okScenario+"expect:\n  - {system: socket, at: 0, from: A, delivered: 30}\n")
	bounded := writeFile(t, "bounded.yaml", okScenario+"limits: {max_events: 5}\n")
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string // a substring stdout must contain
		stderrRE string // a pattern stderr must match
	}{
		{"no args", nil, 2, "", `Usage:`},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"version", []string{"version"}, 0, "sim ", ``},
		{"version help", []string{"version", "--help"}, 0, "Usage: sim version", ``},
		{"help", []string{"--help"}, 0, "Usage:", ``},
		{"run help", []string{"run", "--help"}, 0, "Usage: sim run", ``},
		{"validate help", []string{"validate", "--help"}, 0, "Usage: sim validate", ``},
		{"list help", []string{"list", "--help"}, 0, "Usage: sim list", ``},
		{"run ok", []string{"run", ok}, 0, "violations: none", ``},
		{"run flags after file", []string{"run", ok, "--seed", "7", "--format", "csv"}, 0, "Msg,Sent,pipe,socket", ``},
		{"run builtin by name", []string{"run", "pipe_vs_socket"}, 0, "pipe_vs_socket (seed 9)", ``},
		{"run missing file", []string{"run", "nope.yaml"}, 2, "", `nope.yaml: no such file, and no built-in scenario`},
		{"run misspelled builtin", []string{"run", "pipe_vs_sockt"}, 2, "", `did you mean "pipe_vs_socket"`},
		{"bad yaml", []string{"run", badYAML}, 2, "", `bad\.yaml:\d+:\d+: `},
		{"unknown key", []string{"run", unknownKey}, 2, "", `unknown\.yaml:3:\d+: .*did you mean "loss"`},
		{"validate unknown key", []string{"validate", unknownKey}, 2, "", `unknown\.yaml:3:\d+: `},
		{"validate ok", []string{"validate", ok}, 0, ": ok (tiny", ``},
		{"bad seed", []string{"run", ok, "--seed", "-1"}, 2, "", `--seed: expected a non-negative integer`},
		{"bad format", []string{"run", ok, "--format", "xml"}, 2, "", `unknown format "xml"`},
		{"two files", []string{"run", ok, ok}, 2, "", `want exactly one scenario`},
		{"failed expectation", []string{"run", failing}, 1, "violations: 1", ``},
		{"run bound", []string{"run", bounded}, 1, "STOPPED: run stopped", ``},
		{"list", []string{"list"}, 0, "pipe_vs_socket", ``},
		{"diagram flags without --out", []string{"run", ok, "--from", "1s"}, 2, "", `add --out DIR`},
		{"bad --from", []string{"run", ok, "--out", "unused", "--from", "soon"}, 2, "", `--from: expected a duration`},
		{"negative --to", []string{"run", ok, "--out", "unused", "--to", "-1s"}, 2, "", `--to: a time cannot be negative`},
		{"--to before --from", []string{"run", ok, "--out", "unused", "--from", "2s", "--to", "1s"}, 2, "", `--to 1s: must be after --from 2s`},
		{"unknown --nodes", []string{"run", ok, "--out", "unused", "--nodes", "A,Z"}, 2, "", `--nodes: no node "Z" in this scenario \(its nodes are A, B\)`},
		{"unknown --hide", []string{"run", ok, "--out", "unused", "--hide", "ack"}, 2, "", `--hide: unknown thing to hide "ack"`},
		{"list with args", []string{"list", "x"}, 2, "", `takes no arguments`},
		{"unknown flag", []string{"run", ok, "--sed", "3"}, 2, "", `(?s)sim run: flag provided but not defined: -sed.*Usage: sim run`},
		{"empty seed", []string{"run", ok, "--seed", ""}, 2, "", `--seed: expected a non-negative integer, got ""`},
		{"empty out", []string{"run", ok, "--out", ""}, 2, "", `--out: expected a directory, got ""`},
		{"directory as scenario", []string{"run", filepath.Dir(ok)}, 2, "", `is a directory, not a scenario file`},
		{"validate directory", []string{"validate", filepath.Dir(ok)}, 2, "", `is a directory, not a scenario file`},
		{"builtin error", []string{"run", "nfs_vs_afs", "--set", "nfs.attr_timeout=-1s"}, 2, "", `^builtin:nfs_vs_afs\.yaml`},
		{"unreadable file", []string{"validate", "/proc/self/mem"}, 4, "", `/proc/self/mem: cannot read the scenario`},
		{"unwritable out", []string{"run", ok, "--out", "/proc/sim-out"}, 4, "", `--out: `},
		{"foreign out", []string{"run", ok, "--out", filepath.Dir(ok)}, 2, "", `holds files sim did not write`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runSim(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit = %d; want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			if tc.stdout != "" && !strings.Contains(out, tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, out)
			}
			if tc.stderrRE != "" && !regexp.MustCompile(tc.stderrRE).MatchString(errOut) {
				t.Errorf("stderr does not match %q:\n%s", tc.stderrRE, errOut)
			}
			if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic:") {
				t.Errorf("stderr has a stack trace:\n%s", errOut)
			}
			if tc.code == 2 && out != "" {
				t.Errorf("bad input wrote to stdout (it may be a redirected result):\n%s", out)
			}
		})
	}
}

// TestOutDirIsOneRun: a reused --out directory holds the second run's
// files only, and nothing is left beside it.
func TestOutDirIsOneRun(t *testing.T) {
	both := writeFile(t, "both.yaml", okScenario)
	one := writeFile(t, "one.yaml", strings.Replace(okScenario, "systems: [pipe, socket]", "systems: [pipe]", 1))
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	for _, f := range []string{both, one} {
		if code, _, errOut := runSim(t, "run", f, "--out", dir); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "trace-socket.jsonl")); err == nil {
		t.Error("the first run's trace-socket.jsonl is still there")
	}
	if _, err := os.Stat(filepath.Join(dir, "trace-pipe.jsonl")); err != nil {
		t.Error(err)
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		t.Errorf("beside the output: %v", entries)
	}
}

// TestSameSeedByteIdentical: the same file and seed give byte-identical
// output in every format, whatever GOMAXPROCS is; another seed changes the
// lossy system's trace.
func TestSameSeedByteIdentical(t *testing.T) {
	ok := writeFile(t, "ok.yaml", okScenario)
	for _, format := range []string{"text", "markdown", "csv", "json"} {
		_, a, _ := runSim(t, "run", ok, "--format", format)
		prev := runtime.GOMAXPROCS(1)
		_, b, _ := runSim(t, "run", ok, "--format", format)
		runtime.GOMAXPROCS(prev)
		if a != b {
			t.Errorf("format %s: two runs differ", format)
		}
	}
	hash := func(seed string) string {
		_, out, _ := runSim(t, "run", ok, "--format", "json", "--seed", seed)
		var res struct {
			Seed    uint64
			Systems []struct {
				System    string
				TraceHash string `json:"trace_hash"`
			}
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		return res.Systems[1].TraceHash
	}
	if first, again := hash("1"), hash("1"); first != again {
		t.Error("seed 1 twice gave different trace hashes")
	}
	if hash("1") == hash("2") {
		t.Error("seeds 1 and 2 gave the same trace hash under 30% loss")
	}
}

// TestJSONContract checks the fields the format doc requires.
func TestJSONContract(t *testing.T) {
	ok := writeFile(t, "ok.yaml", okScenario)
	_, out, _ := runSim(t, "run", ok, "--format", "json")
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"scenario", "seed", "systems", "violations"} {
		if _, ok := res[k]; !ok {
			t.Errorf("JSON result lacks %q", k)
		}
	}
	sys := res["systems"].([]any)[0].(map[string]any)
	for _, k := range []string{"system", "steps", "faults", "stats", "streams"} {
		if _, ok := sys[k]; !ok {
			t.Errorf("system result lacks %q", k)
		}
	}
	step := sys["steps"].([]any)[0].(map[string]any)
	for _, k := range []string{"at", "op", "result", "calls"} {
		if _, ok := step[k]; !ok {
			t.Errorf("step lacks %q", k)
		}
	}
	stream := sys["streams"].([]any)[0].(map[string]any)
	for _, k := range []string{"from", "to", "sent", "delivered", "in_order", "duplicates", "retransmissions"} {
		if _, ok := stream[k]; !ok {
			t.Errorf("stream lacks %q", k)
		}
	}
}

func TestOutDir(t *testing.T) {
	ok := writeFile(t, "ok.yaml", okScenario)
	dir := filepath.Join(t.TempDir(), "out")
	if code, _, errOut := runSim(t, "run", ok, "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, name := range []string{"table.md", "table.csv", "result.json", "trace-pipe.jsonl", "trace-socket.jsonl",
		"capture-pipe.pcap", "capture-socket.pcap",
		"diagram-pipe.svg", "diagram-socket.svg", "diagram-pipe.png", "diagram-socket.png",
		"shiviz-pipe.log", "shiviz-socket.log", "perfetto-pipe.json", "perfetto-socket.json", "viewer.html"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("missing %s: %v", name, err)
			continue
		}
		if len(b) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
	trace, _ := os.ReadFile(filepath.Join(dir, "trace-socket.jsonl"))
	lines := strings.Split(strings.TrimSpace(string(trace)), "\n")
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatalf("trace line 1 is not JSON: %v", err)
	}
	if first["kind"] != "send" {
		t.Errorf("first trace record kind = %v; want send", first["kind"])
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

// variantSystemsScenario is okScenario with two variants that apply to
// pipe only: pipe runs twice, socket once with the file's settings.
const variantSystemsScenario = okScenario + `variants:
  - {name: slow, systems: [pipe], pipe: {delay: 3ms}}
  - {name: fast, systems: [pipe]}
`

// TestOutDirVariantSystems: with variants that apply to one system,
// --out names the files of each variant's run SYSTEM-VARIANT and those of
// the system no variant applies to SYSTEM alone, as without variants; the
// viewer lists the three runs; validate's summary says which system the
// variants apply to.
func TestOutDirVariantSystems(t *testing.T) {
	vs := writeFile(t, "vs.yaml", variantSystemsScenario)
	dir := filepath.Join(t.TempDir(), "out")
	if code, _, errOut := runSim(t, "run", vs, "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got []string
	for _, pattern := range []string{"trace-*.jsonl", "capture-*.pcap", "diagram-*.svg"} {
		names, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, n := range names {
			got = append(got, filepath.Base(n))
		}
	}
	want := []string{"trace-pipe-fast.jsonl", "trace-pipe-slow.jsonl", "trace-socket.jsonl", "capture-pipe-fast.pcap", "capture-pipe-slow.pcap",
		"capture-socket.pcap", "diagram-pipe-fast.svg", "diagram-pipe-slow.svg", "diagram-socket.svg"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files %v; want %v", got, want)
	}
	html, err := os.ReadFile(filepath.Join(dir, "viewer.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"pipe-slow"`, `"pipe-fast"`, `"socket"`} {
		if !strings.Contains(string(html), key) {
			t.Errorf("viewer.html lacks the run %s", key)
		}
	}
	var res struct {
		Systems []struct {
			System  string  `json:"system"`
			Variant *string `json:"variant"`
		} `json:"systems"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "result.json"))
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Systems) != 3 || res.Systems[2].System != "socket" || res.Systems[2].Variant != nil || res.Systems[0].Variant == nil || *res.Systems[0].Variant != "slow" {
		t.Errorf("result.json runs %s", b[:min(len(b), 400)])
	}
	code, out, _ := runSim(t, "validate", vs)
	if want := "systems pipe, socket, variants slow (pipe only), fast (pipe only))"; code != 0 || !strings.Contains(out, want) {
		t.Errorf("validate: exit %d, %q; want it to contain %q", code, out, want)
	}
}

// programScenario is a program workload of 20 clients, a file row
// besides, under NFS and AFS.
const programScenario = `name: prog
systems: [nfs, afs]
files:
  shared: {blocks: [s0, s1]}
workload:
  - {at: 1s, op: open, client: A, file: shared, fd: g}
  - program:
      clients: 20
      every: 60s
      until: 5m
      think: 100ms
      steps:
        - {op: open, file: shared, fd: f}
        - {op: read, fd: f, block: 0}
        - {op: close, fd: f}
`

// TestOutDirProgram: --out with a program workload streams each run's
// trace and steps (one JSON line per record, per step) and writes the
// summary, but no diagram, viewer or export drawn from a kept trace; the
// printed trace hash is the one of a run without --out.
func TestOutDirProgram(t *testing.T) {
	prog := writeFile(t, "prog.yaml", programScenario)
	dir := filepath.Join(t.TempDir(), "out")
	code, withOut, errOut := runSim(t, "run", prog, "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "streamed to trace-SYSTEM.jsonl and steps-SYSTEM.jsonl") {
		t.Errorf("stderr %q does not say what --out left out", errOut)
	}
	if _, plain, _ := runSim(t, "run", prog); plain != withOut {
		t.Errorf("output with --out differs from without:\n%s\n---\n%s", withOut, plain)
	}
	var res struct {
		Systems []struct {
			System  string
			Summary struct{ Steps int }
			Stats   struct{ Messages map[string]int }
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	for _, sys := range res.Systems {
		steps := jsonLines(t, filepath.Join(dir, "steps-"+sys.System+".jsonl"))
		// 20 clients x 5 iterations x 3 steps, and the file's row.
		if len(steps) != sys.Summary.Steps || len(steps) != 301 {
			t.Errorf("%s: %d step lines; want the summary's %d, 301", sys.System, len(steps), sys.Summary.Steps)
		}
		if steps[0]["client"] == "" || steps[0]["op"] != "open" || steps[len(steps)-1]["client"] != "A" {
			t.Errorf("%s: first step %v, last %v; want a client's open first and A's row last", sys.System, steps[0], steps[len(steps)-1])
		}
		kinds := map[string]int{}
		for _, r := range jsonLines(t, filepath.Join(dir, "trace-"+sys.System+".jsonl")) {
			kinds[r["kind"].(string)]++
		}
		if !reflect.DeepEqual(kinds, sys.Stats.Messages) || len(kinds) == 0 {
			t.Errorf("%s: trace records by kind %v; want the result's %v", sys.System, kinds, sys.Stats.Messages)
		}
	}
	for _, name := range []string{"viewer.html", "diagram-nfs.svg", "diagram-afs.png", "shiviz-nfs.log", "perfetto-afs.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s written for a program workload", name)
		}
	}
}

// jsonLines reads a JSON Lines file.
func jsonLines(t *testing.T, name string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var lines []map[string]any
	for i, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%s:%d: %v", name, i+1, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// TestValidateEqualsRun: on the inputs of issue 9 that once passed
// validate and failed run, and on their valid neighbours and the built-in
// scenarios, `sim validate` exits 0 exactly when `sim run` does not exit
// 2, and run never exits 3 (a failed run of a loaded scenario is a bug).
func TestValidateEqualsRun(t *testing.T) {
	files := map[string]string{
		"proc typo":           "name: t\nsystems: [rpc]\nworkload:\n  - {at: 0, op: call, client: A, server: S, proc: incremnt}\n",
		"sleep negative":      "name: t\nsystems: [rpc]\nworkload:\n  - {at: 0, op: call, client: A, server: S, proc: sleep, args: -5s}\n",
		"increment with args": "name: t\nsystems: [rpc]\nworkload:\n  - {at: 0, op: call, client: A, server: S, proc: increment, args: lots}\n",
		"udp too large":       "name: t\nsystems: [udp]\nworkload:\n  - {at: 0, op: send, from: A, to: B, size: 65508B}\n",
		"udp largest":         "name: t\nsystems: [udp]\nworkload:\n  - {at: 0, op: send, from: A, to: B, size: 65507B}\n",
		"agree with itself":   "name: t\nsystems: [two_generals]\nworkload:\n  - {at: 0, op: agree, from: A, to: A}\n",
		"agree":               "name: t\nsystems: [two_generals]\nworkload:\n  - {at: 0, op: agree, from: A, to: B}\n",
		"crash a typo":        "name: t\nsystems: [udp]\nworkload:\n  - {at: 0, op: send, from: A, to: B}\nfaults:\n  - {at: 1, crash: Bb}\n",
		"nfs file in a file":  "name: t\nsystems: [nfs]\nfiles: {a: [x], a/b: [y]}\nworkload:\n  - {at: 0, op: stat, client: C, file: a}\n",
		"afs file in a file":  "name: t\nsystems: [afs]\nfiles: {a: [x], a/b: [y]}\nworkload:\n  - {at: 0, op: stat, client: C, file: a}\n",
	}
	args := append([]string{}, listNames(t)...)
	for name, text := range files {
		args = append(args, writeFile(t, strings.ReplaceAll(name, " ", "_")+".yaml", text))
	}
	for _, a := range args {
		vcode, _, verr := runSim(t, "validate", a)
		rcode, _, rerr := runSim(t, "run", a)
		if (vcode == 0) != (rcode != 2) || rcode == 3 {
			t.Errorf("%s: validate exits %d (%s), run exits %d (%s)", a, vcode, strings.TrimSpace(verr), rcode, strings.TrimSpace(rerr))
		}
	}
}

// listNames returns the built-in scenarios' names, as `sim list` prints
// them.
func listNames(t *testing.T) []string {
	t.Helper()
	code, out, errs := runSim(t, "list")
	if code != 0 {
		t.Fatalf("sim list: %d %s", code, errs)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		names = append(names, strings.Fields(line)[0])
	}
	return names
}

// TestRunStepsProgram: the JSON of a program workload leaves its steps
// out; --steps lists them, the file's rows first, then every program step
// as --out's steps-SYSTEM.jsonl has it.
func TestRunStepsProgram(t *testing.T) {
	prog := writeFile(t, "prog.yaml", programScenario)
	type system struct {
		System  string
		Summary struct{ Steps int }
		Steps   []map[string]any
		LeftOut *int `json:"steps_left_out"`
	}
	decode := func(out string) []system {
		var res struct{ Systems []system }
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return res.Systems
	}
	_, plain, _ := runSim(t, "run", prog, "--format", "json")
	for _, sys := range decode(plain) {
		if sys.Steps != nil {
			t.Errorf("%s: %d steps without --steps; want none", sys.System, len(sys.Steps))
		}
	}
	dir := filepath.Join(t.TempDir(), "out")
	code, out, errOut := runSim(t, "run", prog, "--format", "json", "--steps", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, sys := range decode(out) {
		lines := jsonLines(t, filepath.Join(dir, "steps-"+sys.System+".jsonl"))
		if len(sys.Steps) != sys.Summary.Steps || len(sys.Steps) != 301 || sys.LeftOut != nil {
			t.Fatalf("%s: %d steps (%v left out); want the summary's %d, 301", sys.System, len(sys.Steps), sys.LeftOut, sys.Summary.Steps)
		}
		// The file's row first; steps-SYSTEM.jsonl has it last.
		if !reflect.DeepEqual(sys.Steps[0], lines[300]) || !reflect.DeepEqual(sys.Steps[1:], lines[:300]) {
			t.Errorf("%s: --steps lists %v ...; want A's row, then steps-%s.jsonl's program steps %v ...", sys.System, sys.Steps[:2], sys.System, lines[:1])
		}
	}
}
