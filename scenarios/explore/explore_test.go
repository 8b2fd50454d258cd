package explore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	_ "github.com/sim-lecture/sim/protocols/all"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// builtIn returns an explorer of a built-in scenario, edited by edit.
func builtIn(t testing.TB, name string, edit func(string) string) *Explorer {
	t.Helper()
	file, data, err := scenarios.ReadSource(name)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		data = []byte(edit(string(data)))
	}
	e, err := New(file, data)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// fromFile returns an explorer of a scenario file.
func fromFile(t testing.TB, file string) *Explorer {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(filepath.Base(file), data)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// withoutLesson removes the expectation that the buffered variant breaks
// point_in_time_disk, so that exploration reports the lesson.
func withoutLesson(s string) string {
	return strings.Replace(s, "  - {variant: buffered, broken: point_in_time_disk}\n", "", 1)
}

// TestScheduleIsItsScenarioFile: for every built-in scenario and every
// scenario of testdata, the world a seed's schedule builds in memory is
// exactly the one its scenario file builds, for each system and variant:
// the same trace hash. This is what makes a counterexample reproduce what
// exploration saw, whatever kinds of faults explore.faults draws.
func TestScheduleIsItsScenarioFile(t *testing.T) {
	sources := map[string]func(t *testing.T) *Explorer{}
	for _, name := range scenarios.BuiltInNames() {
		sources[name] = func(t *testing.T) *Explorer { return builtIn(t, name, nil) }
	}
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		sources[file] = func(t *testing.T) *Explorer { return fromFile(t, file) }
	}
	for name, open := range sources {
		t.Run(name, func(t *testing.T) {
			e := open(t)
			for seed := uint64(1); seed <= 4; seed++ {
				s := e.draw(seed)
				res, err := e.run(s)
				if err != nil {
					t.Fatal(err)
				}
				for _, sys := range res.Systems {
					c := candidate{drawn: s.Network, units: s.Units}
					c.rows, c.programs = e.allRows()
					for i := range e.runScenario(sys.Variant).Faults {
						c.faults = append(c.faults, i)
					}
					tg := target{seed: seed, invariant: "x", system: sys.System, variant: sys.Variant}
					text, err := e.render(tg, c, "")
					if err != nil {
						t.Fatal(err)
					}
					sc, err := scenarios.Load("schedule.yaml", text)
					if err != nil {
						t.Fatalf("seed %d, %s %s: the schedule's file does not load: %v\n%s", seed, sys.System, sys.Variant, err, text)
					}
					again, _, err := scenarios.Run(sc, scenarios.Options{ChecksOnly: true})
					if err != nil {
						t.Fatal(err)
					}
					if got := again.Systems[0].TraceHash; got != sys.TraceHash {
						t.Fatalf("seed %d, %s %s: the file's run has trace %s, exploration's %s\n%s", seed, sys.System, sys.Variant, got, sys.TraceHash, text)
					}
				}
			}
		})
	}
}

// TestSeedFindsAndShrinks: exploring the write-buffer scenario without
// its expectation finds the buffered lesson; the counterexample is smaller
// than the scenario, names the invariant, and `sim run` (scenarios.Run,
// expectations and all) reproduces it.
func TestSeedFindsAndShrinks(t *testing.T) {
	e := builtIn(t, "nfs_write_buffer_loss", withoutLesson)
	o, err := e.Seed(7)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Findings) != 1 {
		t.Fatalf("findings %+v; want point_in_time_disk under buffered", o.Findings)
	}
	f := o.Findings[0]
	if f.Invariant != "point_in_time_disk" || f.System != "nfs" || f.Variant != "buffered" || f.FileName() != "7-point_in_time_disk.yaml" {
		t.Errorf("finding %+v", f)
	}
	if f.Rows >= len(e.base.Workload) || f.Rows == 0 {
		t.Errorf("shrunk to %d rows of %d", f.Rows, len(e.base.Workload))
	}
	text := string(f.Scenario)
	for _, want := range []string{"# A counterexample to point_in_time_disk, found by `sim explore\n# nfs_write_buffer_loss` with seed 7",
		"name: nfs_write_buffer_loss-7-point_in_time_disk", "seed: 7", "systems: [nfs]", "write_policy: buffered", "crash: server"} {
		if !strings.Contains(text, want) {
			t.Errorf("the counterexample lacks %q:\n%s", want, text)
		}
	}
	for _, gone := range []string{"variants:", "expect:", "explore:"} {
		if strings.Contains(text, gone) {
			t.Errorf("the counterexample still has %q:\n%s", gone, text)
		}
	}
	sc, err := scenarios.Load(f.FileName(), f.Scenario)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Violations) == 0 || res.Violations[0].Invariant != "point_in_time_disk" || res.Violations[0].Message != f.Message {
		t.Errorf("sim run of the counterexample: %+v; want %q", res.Violations, f.Message)
	}
}

// TestSeedIsDeterministic: a seed finds the same thing every time, and
// the scenario's expected breaks are not findings.
func TestSeedIsDeterministic(t *testing.T) {
	e := builtIn(t, "nfs_write_buffer_loss", withoutLesson)
	a, err := e.Seed(3)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := e.Seed(3)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("seed 3 twice (-first +second):\n%s", diff)
	}
	with := builtIn(t, "nfs_write_buffer_loss", nil)
	if o, _ := with.Seed(3); len(o.Findings) > 0 {
		t.Errorf("the expected break was reported: %+v", o.Findings)
	}
}

// TestDraw: a seed draws every value within its range, to the thousandth
// or the millisecond, crashes each followed by its restart, never a crash
// of a node the scenario has down then, and 0 to 2 flushes of
// explore.faults within the workload's span.
func TestDraw(t *testing.T) {
	e := builtIn(t, "nfs_write_buffer_loss", nil)
	seen := map[string]bool{}
	flushes := map[int]int{}
	for seed := uint64(1); seed <= 200; seed++ {
		s := e.draw(seed)
		for _, d := range s.Network {
			if d.Value < d.Min || d.Value > d.Max || d.Value*1000 != float64(int64(d.Value*1000)) {
				t.Fatalf("seed %d: %s = %v, out of [%v, %v] or not to the thousandth", seed, d.Key, d.Value, d.Min, d.Max)
			}
		}
		n := 0
		for _, u := range s.Units {
			if f := u.Faults[0]; u.Template == 0 {
				if len(u.Faults) != 1 || f.Kind != "flush" || f.Node != "server" || f.At < e.span[0] || f.At > e.span[1] || f.At%time.Millisecond != 0 {
					t.Fatalf("seed %d: drawn flush %+v, outside %v or not to the millisecond", seed, u, e.span)
				}
				n++
				continue
			}
			if len(u.Faults) != 2 || u.Template != -1 {
				t.Fatalf("seed %d: unit %+v", seed, u)
			}
			c, r := u.Faults[0], u.Faults[1]
			if c.Kind != "crash" || r.Kind != "restart" || c.Node != "server" || r.At <= c.At {
				t.Fatalf("seed %d: faults %+v", seed, u.Faults)
			}
			// The scenario has the server down from 25s to 26s.
			if c.At <= 26e9 && r.At >= 25e9 {
				t.Fatalf("seed %d: a crash from %v to %v overlaps the scenario's own", seed, c.At, r.At)
			}
			seen[c.At.String()] = true
		}
		flushes[n]++
	}
	if len(seen) < 50 {
		t.Errorf("only %d distinct crash instants in 200 seeds", len(seen))
	}
	if len(flushes) != 3 || flushes[0] < 30 || flushes[1] < 30 || flushes[2] < 30 {
		t.Errorf("seeds by number of drawn flushes %v; want 0, 1 and 2, each about a third", flushes)
	}
}

// TestDefaultPlan: a scenario without an explore block gets the default
// network-only plan and every invariant of its systems.
func TestDefaultPlan(t *testing.T) {
	e := builtIn(t, "lost_ack", func(s string) string { return s[:strings.Index(s, "\n# sim explore:")+1] })
	if !e.Default || len(e.Plan().Network) != 3 || e.Plan().Crash.Max != 0 {
		t.Errorf("plan %+v (default %t)", e.Plan(), e.Default)
	}
	if got := e.Invariants(); !cmp.Equal(got, []string{"at_most_once"}) {
		t.Errorf("invariants %v", got)
	}
}

// TestExploreOnlyTheListedInvariants: explore.invariants narrows what is
// reported.
func TestExploreOnlyTheListedInvariants(t *testing.T) {
	e := builtIn(t, "nfs_write_buffer_loss", func(s string) string {
		return strings.Replace(withoutLesson(s), "explore:\n", "explore:\n  invariants: [bounded_staleness]\n", 1)
	})
	if o, _ := e.Seed(7); len(o.Findings) > 0 {
		t.Errorf("findings %+v; want none (point_in_time_disk is not listed)", o.Findings)
	}
}

// TestShards: the shards of the seeds are disjoint and together every
// seed; ForEachOrdered is used by the command, tested in report.
func TestShards(t *testing.T) {
	for n := 1; n <= 5; n++ {
		count := map[uint64]int{}
		for i := 0; i < n; i++ {
			sh := report.Shard{I: i, N: n}
			for s := uint64(1); s <= 50; s++ {
				if sh.Has(s) {
					count[s]++
				}
			}
		}
		for s := uint64(1); s <= 50; s++ {
			if count[s] != 1 {
				t.Fatalf("%d shards: seed %d taken %d times", n, s, count[s])
			}
		}
	}
}

// withAFSPlain runs the write-buffer scenario's workload under AFS as
// well, with its three variants restricted to NFS: AFS runs once, with
// the file's settings.
func withAFSPlain(s string) string {
	s = strings.Replace(withoutLesson(s), "systems: [nfs]\n", "systems: [nfs, afs]\n", 1)
	return strings.ReplaceAll(s, "    nfs: {write_policy:", "    systems: [nfs]\n    nfs: {write_policy:")
}

// TestExploreVariantSystems: exploration runs exactly the runs `sim run`
// makes of a file whose variants apply to one system (AFS once, NFS once
// per variant), finds the buffered lesson in NFS's buffered run only, and
// its counterexample, run as `sim run` runs it, reproduces it.
func TestExploreVariantSystems(t *testing.T) {
	e := builtIn(t, "nfs_write_buffer_loss", withAFSPlain)
	s := e.draw(7)
	res, err := e.run(s)
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for _, sys := range res.Systems {
		runs = append(runs, sys.System+"/"+sys.Variant)
	}
	if want := []string{"nfs/buffered", "nfs/write_through", "nfs/nvram", "afs/"}; !cmp.Equal(want, runs) {
		t.Fatalf("exploration's runs %v; want %v", runs, want)
	}
	o, err := e.Seed(7)
	if err != nil {
		t.Fatal(err)
	}
	if o.Runs < len(runs) {
		t.Errorf("seed 7 took %d runs; want at least the %d of the schedule", o.Runs, len(runs))
	}
	var f *Finding
	for i := range o.Findings {
		if o.Findings[i].Invariant == "point_in_time_disk" {
			f = &o.Findings[i]
		}
	}
	if f == nil || f.System != "nfs" || f.Variant != "buffered" {
		t.Fatalf("findings %+v; want point_in_time_disk under nfs buffered", o.Findings)
	}
	text := string(f.Scenario)
	for _, want := range []string{"systems: [nfs]\n", "write_policy: buffered"} {
		if !strings.Contains(text, want) {
			t.Errorf("the counterexample lacks %q:\n%s", want, text)
		}
	}
	sc, err := scenarios.Load(f.FileName(), f.Scenario)
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Violations) == 0 || again.Violations[0].Invariant != "point_in_time_disk" || again.Violations[0].Message != f.Message {
		t.Errorf("sim run of the counterexample: %+v; want %q", again.Violations, f.Message)
	}
}
