package report_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// shardedSweep runs lossySweep's grid as shard part/n and writes its
// output directory (sweep.csv and the manifest) under dir.
func shardedSweep(t *testing.T, dir string, part, n int, id report.ShardManifest) string {
	t.Helper()
	sh, err := report.ParseSweepShard(fmt.Sprintf("%d/%d", part, n))
	if err != nil {
		t.Fatal(err)
	}
	res := lossySweepOf(t, 2, sh)
	out := filepath.Join(dir, fmt.Sprintf("shard-%d-of-%d", part, n))
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	writeTo(t, filepath.Join(out, report.SweepCSVName), res.WriteCSV)
	m := res.Manifest(id)
	writeTo(t, filepath.Join(out, report.ShardManifestName), func(w io.Writer) error { return report.WriteManifest(w, m) })
	return out
}

func writeTo(t *testing.T, path string, write func(io.Writer) error) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := write(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

var testID = report.ShardManifest{Sim: "test", File: "builtin:pipe_vs_socket.yaml", SHA256: "abc", Title: "t"}

func readShards(t *testing.T, dirs ...string) []*report.SweepShard {
	t.Helper()
	var out []*report.SweepShard
	for _, d := range dirs {
		sh, err := report.ReadShard(d, report.MaxMergeRuns)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sh)
	}
	return out
}

// TestMergeShards: the shards of a sweep, merged in any order, give the
// very CSV files one run over the whole grid gives, for any number of
// shards (more shards than points too: some are empty).
func TestMergeShards(t *testing.T) {
	wantCSV, wantSum := csvOf(t, lossySweep(t, 1))
	for _, n := range []int{1, 2, 3, 7} {
		dir := t.TempDir()
		var dirs []string
		for part := n; part >= 1; part-- { // in reverse: order does not matter
			dirs = append(dirs, shardedSweep(t, dir, part, n, testID))
		}
		res, m, err := report.MergeShards(readShards(t, dirs...))
		if err != nil {
			t.Fatalf("%d shards: %v", n, err)
		}
		gotCSV, gotSum := csvOf(t, res)
		if diff := cmp.Diff(wantCSV, gotCSV); diff != "" {
			t.Errorf("%d shards: merged sweep.csv differs (-unsharded +merged):\n%s", n, diff)
		}
		if diff := cmp.Diff(wantSum, gotSum); diff != "" {
			t.Errorf("%d shards: merged sweep-summary.csv differs (-unsharded +merged):\n%s", n, diff)
		}
		if m.Title != "t" || m.Scenario != "pipe_vs_socket" {
			t.Errorf("%d shards: manifest %+v", n, m)
		}
	}
}

// TestMergeShardsRefuses: shards of different sweeps, a missing part and
// a part given twice are refused, naming the directories.
func TestMergeShardsRefuses(t *testing.T) {
	dir := t.TempDir()
	s1 := shardedSweep(t, dir, 1, 3, testID)
	s2 := shardedSweep(t, dir, 2, 3, testID)
	s3 := shardedSweep(t, dir, 3, 3, testID)
	other := testID
	other.SHA256 = "def"
	o3 := shardedSweep(t, filepath.Join(dir, "other"), 3, 3, other)
	fixed := testID
	fixed.Fixed = []string{"network.delay=5ms"}
	f3 := shardedSweep(t, filepath.Join(dir, "fixed"), 3, 3, fixed)
	of4 := shardedSweep(t, dir, 3, 4, testID)
	for _, tc := range []struct {
		name string
		dirs []string
		want string
	}{
		{"another scenario", []string{s1, s2, o3}, "are shards of different sweeps: different scenarios (builtin:pipe_vs_socket.yaml, sha256 abc..."},
		{"other overrides", []string{s1, s2, f3}, "different fixed --set overrides ([] and [network.delay=5ms])"},
		{"another N", []string{s1, s2, of4}, "split into 3 and into 4 parts (shards 1/3 and 3/4)"},
		{"missing", []string{s3, s1}, "missing shards: 2/3 (the sweep has 3"},
		{"twice", []string{s1, s2, s3, s2}, "shard 2/3 is given twice: " + s2 + " and " + s2},
	} {
		_, _, err := report.MergeShards(readShards(t, tc.dirs...))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want %q", tc.name, err, tc.want)
		}
	}
}

// TestReadShardRefuses: a directory that is not a shard's output, and a
// manifest or sweep.csv that is not what a shard writes, are refused
// with the file, line and column.
func TestReadShardRefuses(t *testing.T) {
	dir := t.TempDir()
	good := shardedSweep(t, dir, 2, 3, testID)
	csvData, _ := os.ReadFile(filepath.Join(good, report.SweepCSVName))
	manifest, _ := os.ReadFile(filepath.Join(good, report.ShardManifestName))
	lines := strings.SplitAfter(string(csvData), "\n")
	edit := func(name string, data []byte) string {
		d := filepath.Join(t.TempDir(), "s")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for file, b := range map[string][]byte{report.SweepCSVName: csvData, report.ShardManifestName: manifest} {
			if file == name {
				b = data
			}
			if b != nil {
				if err := os.WriteFile(filepath.Join(d, file), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		return d
	}
	replace := func(s, old, new string) []byte {
		if !strings.Contains(s, old) {
			t.Fatalf("%q not in %q", old, s)
		}
		return []byte(strings.Replace(s, old, new, 1))
	}
	// lines[1] is point 1 (0, 0.3), seed 1; sweep.csv's columns are
	// network.loss,network.duplicate,seed,socket:delivered,...
	row := strings.Split(lines[1], ",")
	for _, tc := range []struct {
		name string
		dir  string
		want string
	}{
		{"no such directory", filepath.Join(dir, "nope"), "nope: no such directory"},
		{"not a shard", t.TempDir(), "not the output of a shard of a sweep: it has no sweep-shard.json"},
		{"bad JSON", edit(report.ShardManifestName, replace(string(manifest), `"seeds": [`, `"seeds": [x`)), "sweep-shard.json:"},
		{"wrong type", edit(report.ShardManifestName, replace(string(manifest), `"points": 6`, `"points": "6"`)), "expected the manifest of a shard"},
		{"other format", edit(report.ShardManifestName, replace(string(manifest), report.ShardFormat, "sim-sweep-shard/9")), `format "sim-sweep-shard/9"`},
		{"bad shard", edit(report.ShardManifestName, replace(string(manifest), `"shard": "2/3"`, `"shard": "5/3"`)), "shard: the part I must be from 1 to 3"},
		{"points disagree", edit(report.ShardManifestName, replace(string(manifest), `"points": 6`, `"points": 7`)), "points: 7, but the axes make a grid of 6"},
		{"too many runs", edit(report.ShardManifestName, replace(string(manifest), `"runs": 6`, `"runs": 9`)), "runs: 9, but shard 2/3 of 6 points with 3 seeds runs 6"},
		{"no sweep.csv", edit(report.SweepCSVName, nil), "sweep.csv: no such file"},
		{"header", edit(report.SweepCSVName, replace(string(csvData), "seed,", "sed,")), `sweep.csv:1:32: expected the column "seed"`},
		{"wrong point", edit(report.SweepCSVName, replace(string(csvData), lines[1], "0.2,"+strings.Join(row[1:], ","))), `sweep.csv:2:1: expected "0", the value of grid point 1, got "0.2"`},
		{"wrong seed", edit(report.SweepCSVName, replace(string(csvData), lines[1], row[0]+","+row[1]+",9,"+strings.Join(row[3:], ","))), `sweep.csv:2:`},
		{"not a number", edit(report.SweepCSVName, replace(string(csvData), lines[1], strings.Join(row[:3], ",")+",1.0,"+strings.Join(row[4:], ","))), `expected a number as sim sweep writes it (or nothing), got "1.0"`},
		{"row missing", edit(report.SweepCSVName, []byte(strings.Join(lines[:len(lines)-2], ""))), "5 rows, but shard 2/3 runs 6"},
		{"row extra", edit(report.SweepCSVName, []byte(string(csvData)+lines[1])), "sweep.csv:8:1: more rows than the 6 runs of shard 2/3"},
		{"ragged", edit(report.SweepCSVName, replace(string(csvData), lines[2], "0,0.3\n")), "sweep.csv:3:"},
	} {
		_, err := report.ReadShard(tc.dir, report.MaxMergeRuns)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want %q", tc.name, err, tc.want)
		}
	}
	if _, err := report.ReadShard(good, 10); err == nil || !strings.Contains(err.Error(), "more than --max-runs 10") {
		t.Errorf("a sweep over --max-runs: %v", err)
	}
}

// TestSharePoints: the runs of a point share one load, even when they run
// at once; after its seeds' calls a point is forgotten; an error is
// every run's.
func TestSharePoints(t *testing.T) {
	var calls atomic.Int32
	load := report.SharePoints(4, func(v []string) (string, error) {
		calls.Add(1)
		if v[0] == "bad" {
			return "", errors.New("bad value")
		}
		return strings.Join(v, "+"), nil
	})
	var wg sync.WaitGroup
	for range 4 {
		for _, v := range [][]string{{"a", "b"}, {"a", "c"}, {"bad"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := load(v)
				if v[0] == "bad" {
					if err == nil {
						t.Error("the error of a point's load is not every run's")
					}
				} else if got != v[0]+"+"+v[1] || err != nil {
					t.Errorf("load(%v) = %q, %v", v, got, err)
				}
			}()
		}
	}
	wg.Wait()
	if calls.Load() != 3 {
		t.Errorf("%d loads for 3 points of 4 seeds each; want 3", calls.Load())
	}
	load([]string{"a", "b"})
	if calls.Load() != 4 {
		t.Errorf("a point called again after its seeds is not loaded again (%d loads): its value was kept", calls.Load())
	}
}

// TestSweepSharedScenario: the seeds of a grid point share one loaded
// scenario, in parallel; every system's runs only read it, so the sweep
// gives what loading it for every run gives. Run with -race, this also
// finds a run that writes into its scenario.
func TestSweepSharedScenario(t *testing.T) {
	// A program workload (many clients, files chosen by popularity): the
	// runs draw from the scenario's program, and must not consume it.
	const program = `name: readers
systems: [nfs, afs]
files:
  shared: {blocks: [s0, s1]}
  lib/f: {count: 10, choose: zipf, s: 1.1, blocks: [x]}
workload:
  - program: {clients: 20, every: 10s, until: 60s, think: 100ms,
      steps: [{op: open, file: lib/f, fd: f}, {op: read, fd: f, block: 0}, {op: close, fd: f}]}
`
	for _, tc := range []struct{ name, key, values, metric, src string }{
		{"program", "nfs.attr_timeout", "0s,3s", "calls.total", program},
		{"nfs_vs_afs", "nfs.attr_timeout", "0s,3s", "calls.total", ""},
		{"afs_crash_recovery", "network.loss", "0,0.1", "calls.total", ""},
		{"rpc_append_retry", "network.loss", "0,0.2", "calls.total", ""},
		{"heavy_loss", "network.loss", "0,0.2", "goodput", ""},
		{"2pc_recovery", "network.loss", "0,0.1", "events", ""},
		{"two_generals", "network.loss", "0,0.3", "events", ""},
		{"udp_unreliable", "network.loss", "0,0.3", "delivered", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file, data, err := tc.name+".yaml", []byte(tc.src), error(nil)
			if tc.src == "" {
				file, data, err = scenarios.ReadSource(tc.name)
			}
			if err != nil {
				t.Fatal(err)
			}
			ax, err := scenarios.ParseAxis(tc.key, tc.values)
			if err != nil {
				t.Fatal(err)
			}
			loadPoint := func(values []string) (*scenarios.Scenario, error) {
				return scenarios.LoadWith(file, data, []scenarios.Setting{{Key: tc.key, Value: values[0]}})
			}
			seeds := []uint64{1, 2, 3, 4}
			sweep := func(workers int, load func([]string) (*scenarios.Scenario, error)) string {
				s := report.Sweep{Scenario: tc.name, Axes: []report.SweepAxis{ax}, Seeds: seeds, Metrics: []string{tc.metric, "events", "end"}, Workers: workers}
				res, err := report.RunSweep(s, func(values []string, seed uint64) (*report.Result, error) {
					sc, err := load(values)
					if err != nil {
						return nil, err
					}
					r, _, err := scenarios.Run(sc, scenarios.Options{Seed: &seed})
					return r, err
				})
				if err != nil {
					t.Fatal(err)
				}
				out, _ := csvOf(t, res)
				return out
			}
			fresh := sweep(1, loadPoint)
			shared := sweep(4, report.SharePoints(len(seeds), loadPoint))
			if diff := cmp.Diff(fresh, shared); diff != "" {
				t.Errorf("a shared scenario changes the runs (-one load per run +shared):\n%s", diff)
			}
		})
	}
}
