package main

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestRunOutWritesDiagrams(t *testing.T) {
	ok := writeFile(t, "ok.yaml", okScenario)
	dir := filepath.Join(t.TempDir(), "out")
	if code, _, errOut := runSim(t, "run", ok, "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, sys := range []string{"pipe", "socket"} {
		b, err := os.ReadFile(filepath.Join(dir, "diagram-"+sys+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("<svg")) || !bytes.Contains(b, []byte(`class="lane"`)) {
			t.Errorf("diagram-%s.svg does not look like a space-time diagram: %.60s", sys, b)
		}
	}
}

func TestRunSet(t *testing.T) {
	ok := writeFile(t, "ok.yaml", okScenario)
	code, out, errOut := runSim(t, "run", ok, "--set", "network.loss=0", "--set", "network.duplicate=0", "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Without loss or duplication every message reaches the socket once.
	if strings.Contains(out, "lost") || strings.Contains(out, "duplicated") {
		t.Errorf("with loss 0 the socket still lost or duplicated messages:\n%s", out)
	}
	code, _, errOut = runSim(t, "run", ok, "--set", "network.los=0")
	if code != 2 || !strings.Contains(errOut, `--set network.los=0: unknown key "los" in network; did you mean "loss"?`) {
		t.Errorf("exit %d, stderr %q; want 2 and a did-you-mean", code, errOut)
	}
}

func TestSweep(t *testing.T) {
	ok := writeFile(t, "ok.yaml", okScenario)
	csvs := map[string]string{}
	for _, workers := range []string{"1", "4"} {
		dir := filepath.Join(t.TempDir(), "w"+workers)
		code, out, errOut := runSim(t, "sweep", ok, "--set", "network.loss=0..0.6:0.2", "--seeds", "3",
			"--metric", "socket:delivered,lost", "--metric", "events", "--out", dir, "--workers", workers)
		if code != 0 {
			t.Fatalf("workers %s: exit %d: %s", workers, code, errOut)
		}
		if errOut != "" {
			t.Errorf("stderr is not a terminal, yet something was written to it: %q", errOut)
		}
		if !strings.Contains(out, "tiny: mean over 3 seeds") || !strings.Contains(out, "network.loss  socket:delivered") {
			t.Errorf("stdout lacks the summary:\n%s", out)
		}
		for _, name := range []string{"sweep.csv", "sweep-summary.csv", "sweep.png", "sweep.svg"} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil || len(b) == 0 {
				t.Fatalf("%s: %v (%d bytes)", name, err, len(b))
			}
			if name == "sweep.png" {
				if _, err := png.Decode(bytes.NewReader(b)); err != nil {
					t.Errorf("sweep.png does not decode: %v", err)
				}
			}
		}
		b, _ := os.ReadFile(filepath.Join(dir, "sweep.csv"))
		csvs[workers] = string(b)
	}
	if csvs["1"] != csvs["4"] {
		t.Errorf("sweep.csv differs between 1 and 4 workers:\n%s\n---\n%s", csvs["1"], csvs["4"])
	}
	lines := strings.Split(strings.TrimSpace(csvs["1"]), "\n")
	if len(lines) != 1+4*3 || lines[0] != "network.loss,seed,socket:delivered,lost,events" {
		t.Errorf("sweep.csv: %d lines, header %q", len(lines), lines[0])
	}
	if !strings.HasPrefix(lines[1], "0,5,") {
		t.Errorf("the first run is %q; want loss 0 with the scenario's seed 5", lines[1])
	}
}

func TestSweepErrors(t *testing.T) {
	ok := writeFile(t, "ok.yaml", okScenario)
	out := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		stderrRE string
	}{
		{"no set", []string{ok, "--metric", "events", "--out", out}, `give at least one key to vary`},
		{"no metric", []string{ok, "--set", "network.loss=0..1", "--out", out}, `give at least one metric`},
		{"no out", []string{ok, "--set", "network.loss=0..1", "--metric", "events"}, `--out: give the directory`},
		{"bad metric", []string{ok, "--set", "network.loss=0..1", "--metric", "deliverd", "--out", out}, `did you mean "delivered"`},
		{"metric of a missing system", []string{ok, "--set", "network.loss=0..1", "--metric", "nfs:events", "--out", out}, `no system or variant "nfs" \(runs: pipe, socket\)`},
		{"metric of a run the variant skips", []string{writeFile(t, "vs.yaml", variantSystemsScenario), "--set", "network.loss=0..1", "--metric", "socket-slow:events", "--out", out},
			`no system or variant "socket-slow" \(runs: pipe-slow, pipe-fast, socket\)`},
		{"unknown key", []string{ok, "--set", "network.los=0..1", "--metric", "events", "--out", out}, `--set network.los=0: unknown key "los" in network; did you mean "loss"\?`},
		{"bad value in the range", []string{ok, "--set", "network.loss=0..2:1", "--metric", "events", "--out", out}, `TO: expected a probability`},
		{"nothing varies", []string{ok, "--set", "network.loss=0.1", "--metric", "events", "--out", out}, `no key varies`},
		{"key twice", []string{ok, "--set", "network.loss=0..1", "--set", "network.loss=0,1", "--metric", "events", "--out", out}, `set twice`},
		{"bad seeds", []string{ok, "--set", "network.loss=0..1", "--metric", "events", "--out", out, "--seeds", "0"}, `--seeds`},
		{"no such scenario", []string{"nope.yaml", "--set", "network.loss=0..1", "--metric", "events", "--out", out}, `no such file`},
		{"the seed", []string{ok, "--set", "seed=1..3", "--metric", "events", "--out", out}, `--seeds`},
		{"a million runs", []string{ok, "--set", "network.loss=0..0.999:0.001", "--set", "network.duplicate=0..0.999:0.001", "--metric", "events", "--out", out},
			`the grid has 1000000 points; with 5 seeds that is 5000000 runs, more than --max-runs 10000 \(raise --max-runs`},
		{"over max-runs", []string{ok, "--set", "network.loss=0..1", "--metric", "events", "--out", out, "--max-runs", "20"}, `more than --max-runs 20`},
		{"empty out", []string{ok, "--set", "network.loss=0..1", "--metric", "events", "--out", ""}, `--out: give the directory`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runSim(t, append([]string{"sweep"}, tc.args...)...)
			if code != 2 {
				t.Errorf("exit %d; want 2 (stderr %q)", code, errOut)
			}
			if !regexp.MustCompile(tc.stderrRE).MatchString(errOut) {
				t.Errorf("stderr %q does not match %q", errOut, tc.stderrRE)
			}
			if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic:") {
				t.Errorf("stderr has a stack trace:\n%s", errOut)
			}
		})
	}
	code, out, _ := runSim(t, "sweep", "--help")
	if code != 0 || !strings.Contains(out, "calls.PROC") || !strings.Contains(out, "calls_per_second") {
		t.Errorf("sweep --help: exit %d, does not list the metrics:\n%s", code, out)
	}
}

func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	bar := progressBar(&b)
	bar(1, 4)
	bar(4, 4)
	want := "\r[#######.......................] 1/4 runs\r[##############################] 4/4 runs\n"
	if b.String() != want {
		t.Errorf("progress bar wrote %q; want %q", b.String(), want)
	}
	if isTerminal(&b) {
		t.Error("a buffer is not a terminal")
	}
}

// TestSweepShardsMerge: a sweep run as three shards (on three machines,
// say) and merged gives byte for byte the files of the sweep run whole:
// the runs, the summary and both pictures.
func TestSweepShardsMerge(t *testing.T) {
	ok := writeFile(t, "ok.yaml", okScenario)
	dir := t.TempDir()
	sweep := []string{"sweep", ok, "--set", "network.loss=0..0.6:0.2", "--set", "network.duplicate=0,0.1", "--set", "network.delay=2ms",
		"--seeds", "2", "--metric", "socket:delivered,duplicates", "--title", "tiny"}
	whole := filepath.Join(dir, "whole")
	if code, _, errOut := runSim(t, append(sweep, "--out", whole)...); code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, errOut)
	}
	var shards []string
	for _, part := range []string{"2/3", "0/3", "1/3"} { // 0/3 is 3/3
		out := filepath.Join(dir, "shard-"+part[:1])
		code, stdout, errOut := runSim(t, append(sweep, "--shard", part, "--out", out, "--workers", "2")...)
		if code != 0 {
			t.Fatalf("--shard %s: exit %d: %s", part, code, errOut)
		}
		if part == "0/3" && !strings.Contains(stdout, "shard 3/3: the points 2, 5 (2 of 8, counted from 0), 4 runs") {
			t.Errorf("--shard 0/3 does not say it runs part 3 of the grid:\n%s", stdout)
		}
		for _, name := range []string{"sweep-summary.csv", "sweep.png"} {
			if _, err := os.Stat(filepath.Join(out, name)); err == nil {
				t.Errorf("--shard %s wrote %s: a shard writes its runs and its manifest only", part, name)
			}
		}
		shards = append(shards, out)
	}
	merged := filepath.Join(dir, "merged")
	code, stdout, errOut := runSim(t, append(append([]string{"merge"}, shards...), "--out", merged)...)
	if code != 0 {
		t.Fatalf("merge: exit %d: %s", code, errOut)
	}
	if !strings.Contains(stdout, "merged 3 shards of "+ok+": 8 points x 2 seeds = 16 runs") {
		t.Errorf("merge's stdout:\n%s", stdout)
	}
	for _, name := range []string{"sweep.csv", "sweep-summary.csv", "sweep.png", "sweep.svg"} {
		want, err := os.ReadFile(filepath.Join(whole, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(merged, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, got) {
			t.Errorf("merged %s differs from the unsharded sweep's (%d and %d bytes)", name, len(got), len(want))
		}
	}

	// What merge refuses, with exit status 2.
	other := writeFile(t, "ok.yaml", okScenario+"# another file\n")
	otherShard := filepath.Join(dir, "other-1")
	otherSweep := append([]string{"sweep", other}, sweep[2:]...)
	if code, _, errOut := runSim(t, append(otherSweep, "--shard", "1/3", "--out", otherShard)...); code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, errOut)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing", []string{shards[0], shards[1]}, "missing shards: 1/3 (the sweep has 3"},
		{"twice", []string{shards[0], shards[1], shards[2], shards[0]}, "shard 2/3 is given twice"},
		{"another sweep", []string{shards[0], shards[1], otherShard}, "are shards of different sweeps: different scenarios"},
		{"a whole sweep", []string{whole}, "has no sweep-shard.json"},
		{"no such dir", []string{filepath.Join(dir, "nope")}, "nope: no such directory"},
		{"out is a shard", []string{shards[0], shards[1], shards[2], "--out", shards[0]}, "is one of the shards"},
		{"no dirs", nil, "give the output directories of the shards"},
	} {
		args := append([]string{"merge"}, tc.args...)
		if !slices.Contains(tc.args, "--out") {
			args = append(args, "--out", filepath.Join(dir, "refused"))
		}
		code, _, errOut := runSim(t, args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", tc.name, code, errOut, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "refused")); err == nil {
		t.Error("a refused merge wrote its --out")
	}
	for _, bad := range []string{"4/3", "x", "1/0"} {
		code, _, errOut := runSim(t, append(sweep, "--shard", bad, "--out", filepath.Join(dir, "bad"))...)
		if code != 2 || !strings.Contains(errOut, "--shard: ") {
			t.Errorf("--shard %s: exit %d, stderr %q; want 2", bad, code, errOut)
		}
	}
	if code, out, _ := runSim(t, "merge", "--help"); code != 0 || !strings.Contains(out, "byte for byte") {
		t.Errorf("merge --help: exit %d:\n%s", code, out)
	}
	if code, out, _ := runSim(t, "sweep", "--help"); code != 0 || !strings.Contains(out, "--shard I/N") {
		t.Errorf("sweep --help does not document --shard:\n%s", out)
	}
}

// TestSweepMoreShardsThanPoints: a part with no point of the grid runs
// nothing, says so, and still merges with the others.
func TestSweepMoreShardsThanPoints(t *testing.T) {
	ok := writeFile(t, "ok.yaml", okScenario)
	dir := t.TempDir()
	sweep := []string{"sweep", ok, "--set", "network.loss=0,0.3", "--seeds", "2", "--metric", "delivered"}
	if code, _, errOut := runSim(t, append(sweep, "--out", filepath.Join(dir, "whole"))...); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var shards []string
	for _, part := range []string{"1", "2", "3"} {
		out := filepath.Join(dir, "s"+part)
		code, stdout, errOut := runSim(t, append(sweep, "--shard", part+"/3", "--out", out)...)
		if code != 0 {
			t.Fatalf("--shard %s/3: exit %d: %s", part, code, errOut)
		}
		if part == "3" && !strings.Contains(stdout, "shard 3/3: no point of the grid's 2 (more parts than points), 0 runs") {
			t.Errorf("--shard 3/3 of 2 points:\n%s", stdout)
		}
		shards = append(shards, out)
	}
	if code, _, errOut := runSim(t, append(append([]string{"merge"}, shards...), "--out", filepath.Join(dir, "merged"))...); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, errOut)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "whole", "sweep.csv"))
	b, _ := os.ReadFile(filepath.Join(dir, "merged", "sweep.csv"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("merged sweep.csv:\n%s\nwant:\n%s", b, a)
	}
}

// TestSweepVariantSystems: a metric picks the runs of a scenario whose
// variants apply to one system by the system (the plain run, or every
// variant's run), the variant, or both.
func TestSweepVariantSystems(t *testing.T) {
	vs := writeFile(t, "vs.yaml", variantSystemsScenario)
	dir := filepath.Join(t.TempDir(), "out")
	code, _, errOut := runSim(t, "sweep", vs, "--set", "network.loss=0..0.3:0.3", "--seeds", "1", "--metric", "socket:events", "--metric", "pipe-slow:events",
		"--metric", "fast:events", "--metric", "pipe:events", "--metric", "events", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "sweep.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 || lines[0] != "network.loss,seed,socket:events,pipe-slow:events,fast:events,pipe:events,events" {
		t.Fatalf("sweep.csv:\n%s", b)
	}
	for _, line := range lines[1:] {
		var v [7]float64
		if _, err := fmt.Sscanf(strings.ReplaceAll(line, ",", " "), "%g %g %g %g %g %g %g", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		// pipe is the sum of its two variants' runs, events of all three.
		if v[2] == 0 || v[3] == 0 || v[4] == 0 || v[5] != v[3]+v[4] || v[6] != v[2]+v[5] {
			t.Errorf("row %q: want socket, pipe-slow and fast > 0, pipe = pipe-slow + fast, events = socket + pipe", line)
		}
	}
}
