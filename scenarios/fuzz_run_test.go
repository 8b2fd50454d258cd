package scenarios_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// fuzzLimits are the small bounds a fuzzed scenario runs under: what the
// fuzzer finds in a bounded run (a panic, an unbounded loop inside one
// event, a nondeterminism) it would find in a long one, sooner.
var fuzzLimits = scenarios.Limits{MaxEvents: 20_000, MaxTime: 10 * time.Minute, MaxBytesHeld: 4 << 20, MaxBytesMoved: 16 << 20}

// FuzzRun loads arbitrary scenarios and runs the ones the loader accepts,
// within small bounds. A run must not panic, must not fail (the loader
// makes every check of the input, so a run of a scenario it accepted
// fails only for a bug), must respect its bounds, and must be
// deterministic: the same scenario twice gives the same trace hashes and
// the same JSON.
func FuzzRun(f *testing.F) {
	files, _ := filepath.Glob("*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"name: t\nsystems: [udp]\nworkload:\n  - {at: 0, op: send, from: A, to: B, count: 1000000, size: 65000B}\n",
		"name: t\nsystems: [reliable]\nworkload:\n  - {at: 0, op: send, from: A, to: B, count: 1000000, size: 60000B}\n",
		"name: t\nsystems: [udp, socket, pipe]\nnetwork: {bandwidth: 1bps}\nworkload:\n  - {at: 0, op: send, from: A, to: B, count: 100, size: 65000B, interval: 1ms}\n",
		"name: t\nsystems: [nfs]\nnfs: {write_policy: buffered, flush_interval: 1h}\nfiles: {a: [x]}\nworkload:\n  - {at: 0, client: C, op: open, file: a, fd: f}\n  - {at: 1, client: C, op: write, fd: f, block: 0}\n  - {at: 2, client: C, op: close, fd: f}\n",
		"name: t\nsystems: [afs]\nfiles: {a: [x]}\nworkload:\n  - {at: 0, client: A, op: open, file: a, fd: f1}\n  - {at: 0, client: A, op: open, file: a, fd: f3}\n  - {at: 1, client: A, op: write, fd: f3, block: 0}\n  - {at: 2, client: A, op: read, fd: f1, block: 0}\n  - {at: 3, client: A, op: close, fd: f1}\n",
		"name: t\nsystems: [rpc]\nworkload:\n  - {at: 0, op: call, client: A, server: S, proc: sleep, args: 5s}\nfaults:\n  - {at: 1, crash: S}\n",
		"name: t\nsystems: [two_generals]\nworkload:\n  - {at: 0, op: agree, from: A, to: B, count: 50}\n",
		// Programs: a family by popularity, chance, faults on a
		// client, rows beside a program, the root, and a program on
		// each kind of system.
		"name: t\nsystems: [nfs, afs]\nfiles:\n  lib/f: {count: 5, choose: zipf, blocks: [x]}\nworkload:\n  - program: {clients: 4, every: 10s, until: 1m, think: {dist: exponential, mean: 1s},\n      steps: [{op: open, file: lib/f, fd: f}, {op: read, fd: f, block: 0}, {op: write, fd: f, block: 0, chance: 0.3}, {op: close, fd: f}]}\nfaults:\n  - {at: 5s, crash: C3}\n  - {at: 20s, restart: C3}\n  - {at: 30s, crash: server}\n  - {at: 40s, restart: server}\n",
		"name: t\nsystems: [nfs]\nfiles: {a: [x], d/b: [y]}\nworkload:\n  - {at: 0, client: C1, op: open, file: a, fd: g}\n  - {at: 1, client: C1, op: close, fd: g}\n  - program: {clients: 3, every: 5s, until: 30s,\n      steps: [{op: statfs, file: /}, {op: readdir, file: /}, {op: create, file: d/n, fd: f}, {op: close, fd: f}, {op: remove, file: d/n}]}\n",
		"name: t\nsystems: [udp, reliable, socket]\nworkload:\n  - program: {clients: 3, every: 1s, until: 20s, steps: [{op: send, to: B, count: 2, size: 1KiB}]}\n",
		"name: t\nsystems: [rpc]\nworkload:\n  - program: {clients: 2, prefix: R, every: 2s, until: 30s, steps: [{op: call, server: S, proc: increment}, {op: call, server: S, proc: sleep, args: 1s}]}\nfaults:\n  - {at: 3s, crash: S}\n  - {at: 9s, restart: S}\n",
		"name: t\nsystems: [two_phase_commit]\nworkload:\n  - program: {clients: 2, every: 5s, until: 30s, steps: [{op: commit}]}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := scenarios.Load("fuzz.yaml", data)
		if err != nil {
			return // FuzzLoad checks the loader's errors
		}
		if scenarios.CheckImplemented(sc) != nil {
			return
		}
		bound(sc)
		first, _, err := scenarios.Run(sc, scenarios.Options{})
		if err != nil {
			// The loader makes every check of the input: validate
			// accepts exactly what run runs.
			t.Fatalf("Load accepts it, but Run fails: %v", err)
		}
		for _, sys := range first.Systems {
			if sys.Events > fuzzLimits.MaxEvents {
				t.Fatalf("%s ran %d events, past max_events %d", sys.Label(), sys.Events, fuzzLimits.MaxEvents)
			}
		}
		var a, b bytes.Buffer
		if err := report.Write(&a, first, "json"); err != nil {
			t.Fatalf("the JSON result: %v", err)
		}
		again, err := scenarios.Load("fuzz.yaml", data)
		if err != nil {
			t.Fatalf("second Load: %v", err)
		}
		bound(again)
		second, _, err := scenarios.Run(again, scenarios.Options{})
		if err != nil {
			t.Fatalf("second Run: %v", err)
		}
		report.Write(&b, second, "json")
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("two runs of the same scenario differ")
		}
	})
}

// bound puts a fuzzed scenario, and each of its variants, under
// fuzzLimits (or its own, when smaller).
func bound(sc *scenarios.Scenario) {
	clamp := func(l *scenarios.Limits) {
		l.MaxEvents = min(l.MaxEvents, fuzzLimits.MaxEvents)
		l.MaxTime = min(l.MaxTime, fuzzLimits.MaxTime)
		l.MaxBytesHeld = min(l.MaxBytesHeld, fuzzLimits.MaxBytesHeld)
		l.MaxBytesMoved = min(l.MaxBytesMoved, fuzzLimits.MaxBytesMoved)
	}
	clamp(&sc.Limits)
	for _, v := range sc.Variants {
		if v.Scenario != nil {
			clamp(&v.Scenario.Limits)
		}
	}
}

// FuzzSet applies arbitrary --set overrides to the built-in scenarios and
// expands them as sweep axes: nothing may panic, an accepted override must
// give a scenario that loads again the same way, an error must name the
// override or the file, and an axis never has more values than a sweep
// allows.
func FuzzSet(f *testing.F) {
	for _, s := range []struct{ name, set string }{
		{"pipe_vs_socket", "network.loss=0.3"},
		{"nfs_vs_afs", "nfs.attr_timeout=0..6"},
		{"adaptive_rto", "network.delay={dist: exponential, mean: 10ms}"},
		{"timeouts", "variants.0.reliable.rto=fixed"},
		{"lost_ack", "workload.0.count=3"},
		{"nfs_mounts", "nfs.mounts.1.server=backup2"},
		{"two_generals", "workload.9.count=0..1000000"},
		{"heavy_loss", "network.loss=0..100%:1e-300"},
		{"rpc_long_call", "limits.max_bytes_held=1..1GiB"},
		{"udp_unreliable", "workload=~"},
		{"afs_volumes", "seed=3"},
		{"nfs_idempotency", "faults.0=[1, 2]"},
		{"pipe_vs_socket", "network.links.7.loss=1"},
		{"pipe_vs_socket", "a.b.c.d=*x"},
		{"program_nfs_vs_afs", "workload.0.program.clients=1..100000"},
		{"program_nfs_vs_afs", "workload.0.program.every=1ns"},
		{"program_nfs_vs_afs", "workload.0.program.steps.0.file=/"},
	} {
		f.Add(s.name, s.set)
	}
	names := scenarios.BuiltInNames()
	f.Fuzz(func(t *testing.T, name, set string) {
		if len(set) > 4096 {
			return
		}
		file, data, err := scenarios.ReadSource(name)
		if err != nil {
			if _, _, err2 := scenarios.ReadSource(names[len(name)%len(names)]); err2 != nil {
				t.Fatal(err2)
			}
			return
		}
		st, err := scenarios.ParseSetting(set)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "--set ") {
				t.Fatalf("ParseSetting(%q) error %q; want it to name the override", set, err)
			}
			return
		}
		if ax, err := scenarios.ParseAxis(st.Key, st.Value); err == nil {
			if len(ax.Values) == 0 || len(ax.Values) > scenarios.MaxAxisValues || len(ax.X) != len(ax.Values) {
				t.Fatalf("ParseAxis(%q, %q) gave %d values, %d xs", st.Key, st.Value, len(ax.Values), len(ax.X))
			}
		}
		sc, err := scenarios.LoadWith(file, data, []scenarios.Setting{st})
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, file) || strings.Contains(msg, "internal error") {
				t.Fatalf("LoadWith(%s, %s) error %q; want it to name the file or the override", name, set, msg)
			}
			return
		}
		again, err := scenarios.LoadWith(file, data, []scenarios.Setting{st})
		if err != nil || again.Name != sc.Name || len(again.Workload) != len(sc.Workload) {
			t.Fatalf("a second LoadWith differs: %v", err)
		}
		checkInvariants(t, sc)
	})
}
