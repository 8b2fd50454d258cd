package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/report/outdir"
	"github.com/sim-lecture/sim/scenarios"
)

// setFlags collects repeated --set KEY=VALUE flags.
type setFlags []string

func (s *setFlags) String() string     { return strings.Join(*s, " ") }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

// settings parses every --set.
func (s setFlags) settings() ([]scenarios.Setting, error) {
	var out []scenarios.Setting
	for _, v := range s {
		st, err := scenarios.ParseSetting(v)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// listFlags collects a repeated flag; commas also separate values.
type listFlags []string

func (l *listFlags) String() string { return strings.Join(*l, ",") }
func (l *listFlags) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

const sweepSynopsis = `sim sweep FILE.yaml|NAME --set KEY=FROM..TO[:STEP] [--set ...] [--seeds N] --metric NAME [--metric ...] --out DIR
          [--workers N] [--max-runs N] [--title T] [--shard I/N]

Runs the scenario at every point of a grid of key values, with N seeds each
(the scenario's seed and the N-1 after it), in parallel, and writes into DIR:
  sweep.csv          one row per grid point and seed
  sweep-summary.csv  one row per grid point: each metric's mean, min and max
  sweep.png, .svg    the first key along x, each metric's mean over the seeds
                     in a band from min to max (one line per value of the
                     other keys)
The results do not depend on --workers.

--set KEY=FROM..TO[:STEP] is a range (TO included when on the grid; without
STEP, counts step by 1 and everything else by a tenth of the range rounded
up to a round number: 0..6s steps by 1s, 0..30% by 5%), KEY=a,b,c a list,
KEY=VALUE a fixed override. The grid is printed before the runs start; a
sweep of more than --max-runs runs (grid points times seeds) is refused. Values are typed as in the scenario file:
durations (300ms, 1.5s, or seconds), probabilities (0.1, 10%), counts, sizes.
Keys: network.loss, network.delay, nfs.attr_timeout, nfs.write_policy,
reliable.rto, reliable.window, rpc.timeout, workload.0.count, ...

--shard I/N spreads a sweep over N machines: this one runs only the grid
points whose index (from 0, in the order of sweep.csv) is I-1 modulo N, I
from 1 to N (0 is taken as N, for job indexes counted from 0), and writes
into DIR its rows of sweep.csv and sweep-shard.json (what the whole sweep
is, and which part this is). 'sim merge DIR1 DIR2 ... --out DIR' puts the
N parts together into exactly the files one machine writes. Give every
shard the same command line but --shard and --out; --max-runs bounds the
whole grid.

Metrics ([SYSTEM:]NAME; a SYSTEM: prefix such as nfs: keeps one system,
otherwise values are taken over all systems):
`

// sweepRequest is a `sim sweep` command line, parsed.
type sweepRequest struct {
	scenario     string
	sets         setFlags
	metrics      listFlags
	seeds        int
	workers      int
	shard        report.Shard
	maxRuns      int
	points       int
	out          stringFlag
	title        string
	file         string
	data         []byte
	axes         []report.SweepAxis
	fixed        []scenarios.Setting
	base         *scenarios.Scenario
	stdout, errw io.Writer
}

// sweepGCPercent is the garbage collector's target while a sweep runs
// (GOGC; Go's default is 100). A sweep's runs are short and each holds
// little live memory, so at 100 the collector ran every few megabytes
// allocated, a fifth of the CPU time, and on the second core even with
// one worker; at 400 it runs a quarter as often (BENCHMARKS.md). The
// memory limit main sets still bounds the heap: past it the collector
// works harder rather than let memory grow. A GOGC in the environment
// is left as the user set it.
const sweepGCPercent = 400

func cmdSweep(args []string, stdout, stderr io.Writer) int {
	req, code, ok := parseSweep(args, stdout, stderr)
	if !ok {
		return code
	}
	if os.Getenv("GOGC") == "" { // a GOGC the user set wins
		defer debug.SetGCPercent(debug.SetGCPercent(sweepGCPercent))
	}
	if code, ok := req.load(); !ok {
		return code
	}
	if code, ok := req.checkGrid(); !ok {
		return code
	}
	set, err := outdir.Create(req.out.value)
	if err != nil {
		fmt.Fprintf(stderr, "sim sweep: --out: %v\n", err)
		return outError(err)
	}
	defer set.Abort()
	stop := abortOnSignal(set)
	defer stop()
	return req.run(set)
}

// parseSweep reads the flags and checks the ones that need no scenario.
func parseSweep(args []string, stdout, stderr io.Writer) (*sweepRequest, int, bool) {
	req := &sweepRequest{stdout: stdout, errw: stderr}
	fs := newFlagSet("sweep", sweepSynopsis+metricHelp(), stderr)
	fs.Var(&req.sets, "set", "a key to vary (KEY=FROM..TO[:STEP] or KEY=a,b,c) or to fix (KEY=VALUE); repeatable")
	fs.Var(&req.metrics, "metric", "a metric to compute (repeatable, or comma-separated)")
	fs.IntVar(&req.seeds, "seeds", 5, "how many seeds to run each grid point with")
	fs.IntVar(&req.workers, "workers", runtime.GOMAXPROCS(0), "how many runs at once")
	fs.IntVar(&req.maxRuns, "max-runs", defaultMaxRuns, "refuse a sweep of more runs (grid points times seeds) than this")
	fs.Var(&req.out, "out", "the directory to write the CSV files and the plots into (required; replaced whole)")
	fs.StringVar(&req.title, "title", "", "the plot's title (default: the scenario, the metrics and the key)")
	shard := fs.String("shard", "", "run only part I of N of the grid: the points whose index is I-1 modulo N (I from 1 to N); sim merge puts the parts together")
	pos, code, ok := parseCommand(fs, args, stdout, stderr)
	if !ok {
		return nil, code, false
	}
	if *shard != "" {
		var err error
		if req.shard, err = report.ParseSweepShard(*shard); err != nil {
			return nil, req.bad("--shard: %v", err), false
		}
	}
	switch {
	case len(pos) != 1:
		return nil, req.bad("want exactly one scenario file or name, got %d", len(pos)), false
	case len(req.sets) == 0:
		return nil, req.bad("--set: give at least one key to vary, such as --set network.loss=0..0.5:0.1"), false
	case len(req.metrics) == 0:
		return nil, req.bad("--metric: give at least one metric, such as --metric calls.total (see sim sweep --help)"), false
	case strings.TrimSpace(req.out.value) == "":
		return nil, req.bad("--out: give the directory to write the results into"), false
	case req.seeds < 1 || req.seeds > 10000:
		return nil, req.bad("--seeds: expected a number of seeds from 1 to 10000, got %d", req.seeds), false
	case req.workers < 1:
		return nil, req.bad("--workers: expected at least 1, got %d", req.workers), false
	case req.maxRuns < 1:
		return nil, req.bad("--max-runs: expected at least 1, got %d", req.maxRuns), false
	}
	for _, m := range req.metrics {
		if _, err := report.ParseMetric(m); err != nil {
			return nil, req.bad("--metric: %v", err), false
		}
	}
	req.scenario = pos[0]
	return req, exitOK, true
}

// bad reports a problem with the command line and returns its status.
func (req *sweepRequest) bad(format string, a ...any) int {
	fmt.Fprintf(req.errw, "sim sweep: "+format+"\n", a...)
	return exitBadInput
}

// load reads the scenario with the fixed overrides, and checks that the
// metrics and the swept keys fit it.
func (req *sweepRequest) load() (int, bool) {
	var err error
	if req.file, req.data, err = scenarios.ReadSource(req.scenario); err != nil {
		return loadError(req.errw, err), false
	}
	if req.axes, req.fixed, err = sweepAxes(req.sets); err != nil {
		return req.bad("%v", err), false
	}
	// The grid is sized before anything is loaded or run: two axes of a
	// thousand values are a million runs, refused at once.
	req.points = 1
	for _, ax := range req.axes {
		req.points *= len(ax.Values)
	}
	if runs := req.points * req.seeds; req.points > req.maxRuns || runs > req.maxRuns {
		return req.bad("the grid has %d points; with %d seeds that is %d runs, more than --max-runs %d (raise --max-runs, or use fewer values or seeds)",
			req.points, req.seeds, runs, req.maxRuns), false
	}
	if req.base, err = scenarios.LoadWith(req.file, req.data, req.fixed); err != nil {
		return loadError(req.errw, err), false
	}
	if err := scenarios.CheckImplemented(req.base); err != nil {
		fmt.Fprintln(req.errw, err)
		return exitBadInput, false
	}
	for _, m := range req.metrics {
		if ok := req.metricHasRun(m); !ok {
			return exitBadInput, false
		}
	}
	for _, ax := range req.axes {
		if sys, _, ok := strings.Cut(ax.Key, "."); ok && scenarios.LookupSystem(sys) != nil && !has(req.base.Systems, sys) {
			fmt.Fprintf(req.errw, "sim sweep: warning: %s has no effect: the scenario runs %s\n", ax.Key, strings.Join(req.base.Systems, ", "))
		}
	}
	return exitOK, true
}

// metricHasRun reports whether the metric m selects some run of the
// scenario (by its system, its variant, or both: nfs, prototype,
// afs-prototype), and says so when it selects none.
func (req *sweepRequest) metricHasRun(m string) bool {
	ref, _ := report.ParseMetric(m)
	var labels []string
	for _, r := range req.base.Runs() {
		if ref.Selects(r.System, r.Variant) {
			return true
		}
		labels = append(labels, (&report.System{System: r.System, Variant: r.Variant}).FileLabel())
	}
	req.bad("--metric %s: the scenario has no system or variant %q (runs: %s)", m, ref.System, strings.Join(labels, ", "))
	return false
}

// settingsAt is every override of the grid point whose axis values are
// values: the fixed ones, then the swept ones.
func (req *sweepRequest) settingsAt(values []string) []scenarios.Setting {
	all := append([]scenarios.Setting{}, req.fixed...)
	for a, v := range values {
		all = append(all, scenarios.Setting{Key: req.axes[a].Key, Value: v})
	}
	return all
}

// checkGrid loads (and so checks) every value of every axis on its own
// before anything runs, so that a bad value fails at once with the
// loader's message; values that are wrong only together fail at their
// grid point. Loading every grid point first took minutes before a large
// sweep printed anything. The loads go on the sweep's workers (a serial
// check was a fifth of a one-key sweep's time, BENCHMARKS.md); the error
// reported is the first in the order of the axes and values, whatever
// the number of workers.
func (req *sweepRequest) checkGrid() (int, bool) {
	type value struct{ axis, v int }
	var all []value
	for a, ax := range req.axes {
		for v := range ax.Values {
			all = append(all, value{a, v})
		}
	}
	var failed error
	report.ForEachOrdered(len(all), req.workers, func(i int) error {
		ax := req.axes[all[i].axis]
		sets := append(append([]scenarios.Setting{}, req.fixed...), scenarios.Setting{Key: ax.Key, Value: ax.Values[all[i].v]})
		_, err := scenarios.LoadWith(req.file, req.data, sets)
		return err
	}, func(_ int, err error) bool {
		failed = err
		return err == nil
	})
	if failed != nil {
		return loadError(req.errw, failed), false
	}
	return exitOK, true
}

// defaultMaxRuns bounds a sweep's runs unless --max-runs raises it: about
// a minute of the built-in scenarios on two cores.
const defaultMaxRuns = 10_000

// printGrid says what the sweep is about to run, before it runs.
func printGrid(w io.Writer, axes []report.SweepAxis, points, seeds int) {
	fmt.Fprintln(w, "grid:")
	for _, ax := range axes {
		vals := ax.Values
		shown := strings.Join(vals, ", ")
		if len(vals) > 12 {
			shown = strings.Join(vals[:5], ", ") + ", ..., " + strings.Join(vals[len(vals)-3:], ", ")
		}
		fmt.Fprintf(w, "  %s = %s (%d values)\n", ax.Key, shown, len(vals))
	}
	fmt.Fprintf(w, "%d points x %d seeds = %d runs\n\n", points, seeds, points*seeds)
}

// run runs the grid, writes the files into the set and prints the
// summary.
func (req *sweepRequest) run(set *outdir.Dir) int {
	printGrid(req.stdout, req.axes, req.points, req.seeds)
	seedList := make([]uint64, req.seeds)
	for k := range seedList {
		seedList[k] = req.base.Seed + uint64(k)
	}
	spec := report.Sweep{Scenario: req.base.Name, Axes: req.axes, Seeds: seedList, Metrics: req.metrics, Workers: req.workers,
		Shard: req.shard}
	runs := req.points * req.seeds
	if req.sharded() {
		runs = req.printShard()
	}
	if isTerminal(req.errw) && runs > 0 {
		spec.Progress = progressBar(req.errw)
		spec.Progress(0, runs) // at once, not after the first run
	}
	// The seeds of a grid point share its scenario, loaded once: runs
	// only read their scenario, and each builds its own world from it.
	load := report.SharePoints(req.seeds, func(values []string) (*scenarios.Scenario, error) {
		return scenarios.LoadWith(req.file, req.data, req.settingsAt(values))
	})
	res, err := report.RunSweep(spec, func(values []string, seed uint64) (*report.Result, error) {
		sc, err := load(values)
		if err != nil {
			return nil, err
		}
		r, _, err := scenarios.Run(sc, scenarios.Options{Seed: &seed})
		if err != nil {
			return nil, internalError{err}
		}
		return r, nil
	})
	if ie := (internalError{}); errors.As(err, &ie) {
		fmt.Fprintf(req.errw, "sim: internal error: %v (the scenario passed validation; this is a bug in sim, please report it with the scenario)\n", err)
		return exitInternal
	}
	if err != nil {
		return req.bad("%v", err)
	}
	write, files := writeSweep, sweepFiles
	if req.sharded() {
		write, files = req.writeShard, shardFiles
	}
	if err := write(set, res, req.title, req.workers); err != nil {
		fmt.Fprintf(req.errw, "sim sweep: --out: %v\n", err)
		return exitIO
	}
	printSummary(req.stdout, res)
	printWrote(req.stdout, req.out.value, files)
	return exitOK
}

// The files a sweep writes into --out, and those a shard of one writes.
var (
	sweepFiles = []string{report.SweepCSVName, "sweep-summary.csv", "sweep.png", "sweep.svg"}
	shardFiles = []string{report.SweepCSVName, report.ShardManifestName}
)

// printWrote lists the files written into dir.
func printWrote(w io.Writer, dir string, files []string) {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(dir, f)
	}
	fmt.Fprintf(w, "\nwrote %s\n", strings.Join(paths, ", "))
}

// sharded says the request runs one part of the grid (--shard).
func (req *sweepRequest) sharded() bool { return req.shard.N > 0 }

// printShard says which points of the grid the shard runs, and returns
// how many runs that is.
func (req *sweepRequest) printShard() int {
	var pts []string
	n := 0
	for p := range req.points {
		if req.shard.HasPoint(p) {
			if n++; n <= 4 {
				pts = append(pts, strconv.Itoa(p))
			}
		}
	}
	if n > 4 {
		pts = append(pts, "...")
	}
	if n == 0 {
		fmt.Fprintf(req.stdout, "shard %s: no point of the grid's %d (more parts than points), 0 runs\n\n", req.shard.SweepString(), req.points)
		return 0
	}
	fmt.Fprintf(req.stdout, "shard %s: the points %s (%d of %d, counted from 0), %d runs\n\n",
		req.shard.SweepString(), strings.Join(pts, ", "), n, req.points, n*req.seeds)
	return n * req.seeds
}

// writeShard writes a shard's runs (sweep.csv, as an unsharded sweep
// writes it, with the shard's rows only) and its manifest, what `sim
// merge` needs to put the shards back together and to refuse shards of
// other sweeps; and commits the set. A shard draws no plot: its points
// are every N-th of the grid.
func (req *sweepRequest) writeShard(set *outdir.Dir, res *report.SweepResult, title string, _ int) error {
	id := report.ShardManifest{Sim: version, File: req.file, SHA256: fmt.Sprintf("%x", sha256.Sum256(req.data)), Title: title}
	for _, st := range req.fixed {
		id.Fixed = append(id.Fixed, st.Key+"="+st.Value)
	}
	if err := set.Write(report.SweepCSVName, res.WriteCSV); err != nil {
		return err
	}
	m := res.Manifest(id)
	if err := set.Write(report.ShardManifestName, func(w io.Writer) error { return report.WriteManifest(w, m) }); err != nil {
		return err
	}
	return set.Commit()
}

// internalError is a run's failure on a scenario the loader accepted: a
// bug of sim, not bad input (the loader makes every check of the input).
type internalError struct{ err error }

func (e internalError) Error() string { return e.err.Error() }
func (e internalError) Unwrap() error { return e.err }

// sweepAxes splits the --set flags into swept axes (ranges and lists) and
// fixed overrides (single values).
func sweepAxes(sets setFlags) ([]report.SweepAxis, []scenarios.Setting, error) {
	var axes []report.SweepAxis
	var fixed []scenarios.Setting
	seen := map[string]bool{}
	for _, v := range sets {
		st, err := scenarios.ParseSetting(v)
		if err != nil {
			return nil, nil, err
		}
		if seen[st.Key] {
			return nil, nil, fmt.Errorf("--set %s: the key %s is set twice", v, st.Key)
		}
		seen[st.Key] = true
		ax, err := scenarios.ParseAxis(st.Key, st.Value)
		if err != nil {
			return nil, nil, err
		}
		if len(ax.Values) == 1 {
			fixed = append(fixed, st)
			continue
		}
		axes = append(axes, ax)
	}
	if len(axes) == 0 {
		return nil, nil, fmt.Errorf("--set: no key varies; give a range (KEY=FROM..TO[:STEP]) or a list (KEY=a,b,c)")
	}
	return axes, fixed, nil
}

// writeSweep writes the CSV files and the plots into the set, and commits
// it.
func writeSweep(set *outdir.Dir, res *report.SweepResult, title string, workers int) error {
	if err := set.Write("sweep.csv", res.WriteCSV); err != nil {
		return err
	}
	if err := set.Write("sweep-summary.csv", res.WriteSummaryCSV); err != nil {
		return err
	}
	// The two pictures are drawn at once (with two workers or more), each
	// from its own plot: drawing is most of the time left after the runs
	// (BENCHMARKS.md).
	type picture struct {
		data []byte
		err  error
	}
	exts := []string{"png", "svg"}
	var failed error
	report.ForEachOrdered(len(exts), workers, func(i int) picture {
		p, err := report.SweepPlot(res, report.PlotOptions{Title: title})
		if err != nil {
			return picture{err: err}
		}
		data, err := report.RenderFigure(exts[i], p)
		return picture{data, err}
	}, func(i int, pic picture) bool {
		if failed = pic.err; failed == nil {
			failed = set.WriteFile("sweep."+exts[i], pic.data)
		}
		return failed == nil
	})
	if failed != nil {
		return failed
	}
	return set.Commit()
}

// printSummary prints each grid point's means (min–max) as a text table.
func printSummary(w io.Writer, res *report.SweepResult) {
	head := append(res.AxisKeys(), res.Metrics...)
	rows := [][]string{head}
	for p := range res.Points {
		if !res.HasPoint(p) {
			continue
		}
		row := res.PointValues(p)
		for _, a := range res.Stats[p] {
			cell := short(a.Mean)
			if a.N > 1 && a.Min != a.Max {
				cell += " (" + short(a.Min) + "–" + short(a.Max) + ")"
			}
			row = append(row, cell)
		}
		rows = append(rows, row)
	}
	fmt.Fprintf(w, "%s: mean over %d seeds (min–max)\n\n", res.Scenario, len(res.Seeds))
	widths := make([]int, len(head))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for ri, r := range rows {
		var line strings.Builder
		for i, c := range r {
			if i > 0 {
				line.WriteString("  ")
			}
			line.WriteString(c + strings.Repeat(" ", widths[i]-len([]rune(c))))
		}
		fmt.Fprintln(w, strings.TrimRight(line.String(), " "))
		if ri == 0 {
			var rule []string
			for _, wd := range widths {
				rule = append(rule, strings.Repeat("-", wd))
			}
			fmt.Fprintln(w, strings.Join(rule, "  "))
		}
	}
}

// short formats a value with at most 4 significant digits.
func short(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// metricHelp lists the metric registry for --help.
func metricHelp() string {
	var b strings.Builder
	for _, m := range report.Metrics() {
		fmt.Fprintf(&b, "  %-18s %s (%s)\n", m.Usage(), m.Doc, m.Unit)
	}
	b.WriteString("\nFlags:")
	return b.String()
}

func has(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// isTerminal reports whether w is a terminal: the progress bar is drawn only
// there, never into a file or a pipe.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar draws "[#####.....] 12/40 runs" on one line of w.
func progressBar(w io.Writer) func(done, total int) {
	return func(done, total int) {
		const width = 30
		n := done * width / total
		fmt.Fprintf(w, "\r[%s%s] %d/%d runs", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}
