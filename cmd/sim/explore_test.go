package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sim-lecture/sim/scenarios"
)

// lessonScenario is the lecture's write-buffer timeline without the
// expectation that says its buffered variant breaks point_in_time_disk:
// exploring it finds the lesson.
func lessonScenario(t *testing.T) string {
	t.Helper()
	_, data, err := scenarios.ReadSource("nfs_write_buffer_loss")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(data), "  - {variant: buffered, broken: point_in_time_disk}\n", "", 1)
	return writeFile(t, "lesson.yaml", s)
}

// exploreJSON runs sim explore with --format json and decodes the result.
func exploreJSON(t *testing.T, args ...string) (int, exploreResult) {
	t.Helper()
	code, out, errs := runSim(t, append([]string{"explore", "--format", "json"}, args...)...)
	var res exploreResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("sim explore %v: %v\nstdout: %s\nstderr: %s", args, err, out, errs)
	}
	return code, res
}

// TestExploreFindsAndWrites: a violation is exit status 1, listed in the
// JSON with its shrunk scenario DIR/SEED-INVARIANT.yaml, which `sim run`
// reproduces: exit status 1 and the invariant in violations.
func TestExploreFindsAndWrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "found")
	code, res := exploreJSON(t, lessonScenario(t), "--seeds", "4", "--out", dir)
	if code != 1 || res.Seeds != 4 || len(res.Violations) == 0 || res.ByInvariant["point_in_time_disk"] != len(res.Violations) {
		t.Fatalf("exit %d, result %+v; want 1 and point_in_time_disk violations", code, res)
	}
	v := res.Violations[0]
	if v.Seed != 1 || v.Invariant != "point_in_time_disk" || v.System != "nfs" || v.Variant != "buffered" ||
		v.Scenario != filepath.Join(dir, "1-point_in_time_disk.yaml") || v.Rows == 0 || v.Message == "" {
		t.Errorf("violation %+v", v)
	}
	runCode, out, _ := runSim(t, "run", v.Scenario, "--format", "json")
	var run struct {
		Violations []struct{ Invariant, Message string }
	}
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatal(err)
	}
	if runCode != 1 || len(run.Violations) == 0 || run.Violations[0].Invariant != "point_in_time_disk" || run.Violations[0].Message != v.Message {
		t.Errorf("sim run %s: exit %d, %+v; want 1 and %q", v.Scenario, runCode, run.Violations, v.Message)
	}
	if _, err := os.Stat(filepath.Join(dir, "explore.json")); err != nil {
		t.Errorf("no explore.json: %v", err)
	}
}

// TestExploreWorkersAndShards: the results do not depend on --workers,
// and the shards of the seeds together find exactly what one run finds.
func TestExploreWorkersAndShards(t *testing.T) {
	file := lessonScenario(t)
	tmp := t.TempDir()
	_, one := exploreJSON(t, file, "--seeds", "6", "--workers", "1", "--out", filepath.Join(tmp, "one"))
	_, many := exploreJSON(t, file, "--seeds", "6", "--workers", "4", "--out", filepath.Join(tmp, "many"))
	for i := range many.Violations {
		many.Violations[i].Scenario = strings.Replace(many.Violations[i].Scenario, "many", "one", 1)
	}
	if diff := cmp.Diff(one, many); diff != "" {
		t.Errorf("1 worker vs 4 (-1 +4):\n%s", diff)
	}
	var union []exploreViolation
	seeds := 0
	for _, shard := range []string{"0/3", "1/3", "3/3" /* = 0/3 */, "2/3"} {
		if shard == "3/3" {
			continue
		}
		_, part := exploreJSON(t, file, "--seeds", "6", "--shard", shard, "--out", filepath.Join(tmp, "one"))
		seeds += part.Seeds
		union = append(union, part.Violations...)
	}
	sort.Slice(union, func(i, j int) bool { return union[i].Seed < union[j].Seed })
	if seeds != 6 {
		t.Errorf("the shards explored %d seeds; want 6", seeds)
	}
	if diff := cmp.Diff(one.Violations, union); diff != "" {
		t.Errorf("one run vs the union of its shards (-one +shards):\n%s", diff)
	}
	var thirds []exploreViolation
	for _, v := range one.Violations {
		if v.Seed%3 == 0 {
			v.Scenario = strings.Replace(v.Scenario, "one", "x", 1)
			thirds = append(thirds, v)
		}
	}
	_, zero := exploreJSON(t, file, "--seeds", "6", "--shard", "3/3", "--out", filepath.Join(tmp, "x"))
	if diff := cmp.Diff(thirds, zero.Violations, cmpopts.EquateEmpty()); zero.Seeds != 2 || diff != "" {
		t.Errorf("--shard 3/3 explored %d seeds; want 2, 3 and 6, as 0/3 (-want +got):\n%s", zero.Seeds, diff)
	}
	if len(one.Violations) == 0 {
		t.Errorf("6 seeds of the lesson found nothing: the comparisons above compared nothing")
	}
}

// TestExploreSetAndShrinkCap: --set changes the scenario every seed runs
// and the counterexamples hold; --shrink-runs caps the shrinking, and the
// JSON and the text say it stopped there.
func TestExploreSetAndShrinkCap(t *testing.T) {
	file := lessonScenario(t)
	dir := t.TempDir()
	// Write-through keeps the promise the buffered variant breaks: with
	// that variant (variants.0) write-through, the seeds that break it
	// in TestExploreFindsAndWrites find nothing.
	code, res := exploreJSON(t, file, "--seeds", "4", "--set", "variants.0.nfs.write_policy=write_through", "--out", filepath.Join(dir, "wt"))
	if code != 0 || len(res.Violations) != 0 {
		t.Errorf("--set variants.0.nfs.write_policy=write_through: exit %d, %+v; want 0 and nothing", code, res.Violations)
	}
	code, res = exploreJSON(t, file, "--seeds", "1", "--set", "nfs.attr_timeout=4s", "--shrink-runs", "3", "--out", filepath.Join(dir, "cap"))
	if code != 1 || len(res.Violations) == 0 || res.ShrinkCap != 3 {
		t.Fatalf("exit %d, %+v; want 1, a violation and shrink_cap 3", code, res)
	}
	v := res.Violations[0]
	if v.ShrinkRuns != 3 || !v.ShrinkCapped {
		t.Errorf("violation %+v; want shrink_runs 3, shrink_capped", v)
	}
	text, err := os.ReadFile(v.Scenario)
	if err != nil || !strings.Contains(string(text), "attr_timeout: 4s") {
		t.Errorf("the counterexample lacks the --set value (attr_timeout: 4s): %v\n%s", err, text)
	}
	_, out, _ := runSim(t, "explore", file, "--seeds", "1", "--shrink-runs", "3", "--out", filepath.Join(dir, "text"))
	for _, want := range []string{"shrinking: at most 3 runs per violation", "(stopped at the cap of 3 runs: it may shrink further)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the text lacks %q:\n%s", want, out)
		}
	}
}

// TestExploreNothingFound: a scenario whose promises hold exits 0, writes
// nothing without --out, and prints a summary per invariant.
func TestExploreNothingFound(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	code, out, errs := runSim(t, "explore", "lost_ack", "--seeds", "20")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"exploring lost_ack: seeds 1 to 20", "invariants: at_most_once", "20 seeds explored: no invariant broken", "  at_most_once"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "explored 20 seeds in") || !strings.Contains(errs, "seeds/s") {
		t.Errorf("stderr has no speed: %q", errs)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("exploring wrote %v with nothing to report", entries)
	}
}

// TestExploreBadInput: bad flags and scenarios are exit status 2.
func TestExploreBadInput(t *testing.T) {
	bad := writeFile(t, "bad.yaml", exploreBadScenario)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"explore"}, "want exactly one scenario"},
		{[]string{"explore", "lost_ack", "--seeds", "0"}, "--seeds: expected a number of seeds from 1 to"},
		{[]string{"explore", "lost_ack", "--workers", "0"}, "--workers: expected at least 1"},
		{[]string{"explore", "lost_ack", "--shard", "4/3"}, "--shard: the part I must be from 0 to 2"},
		{[]string{"explore", "lost_ack", "--format", "xml"}, `--format: unknown format "xml"`},
		{[]string{"explore", "lost_akc"}, "lost_akc"},
		{[]string{"explore", bad}, `unknown key "crsh" in explore; did you mean "crash"?`},
		{[]string{"explore", "lost_ack", "--shrink-runs", "0"}, "--shrink-runs: expected a number of runs from 1 to 100000, got 0"},
		{[]string{"explore", "lost_ack", "--set", "rpc.timeot=1s"}, `--set rpc.timeot=1s: unknown key "timeot" in rpc; did you mean "timeout"?`},
		{[]string{"explore", "lost_ack", "--set", "explore.crash.max=11"}, "explore.crash.max: expected an integer from 0 to 10, got 11"},
		{[]string{"explore", "lost_ack", "--set", "novalue"}, "--set novalue: expected KEY=VALUE"},
	} {
		code, _, errs := runSim(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}

const exploreBadScenario = `name: bad
systems: [rpc]
workload:
  - {at: 1s, op: call, client: A, server: server, proc: read}
explore: {crsh: {nodes: [server]}}
`
