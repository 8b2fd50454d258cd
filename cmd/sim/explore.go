package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/report/outdir"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/explore"
)

const exploreSynopsis = `sim explore FILE.yaml|NAME [--seeds N] [--workers K] [--shard I/N] [--out DIR] [--format text|json]
            [--set KEY=VALUE ...] [--shrink-runs N]

Searches fault schedules for broken promises. For each seed from 1 to N,
the scenario's workload runs in a world whose network parameters and
faults are drawn from the scenario's explore: block (each seed also draws
the parameters within their ranges), and every invariant of each system is
checked. A broken invariant is shrunk to a small scenario file,
DIR/SEED-INVARIANT.yaml, that 'sim run' reproduces (exit status 1):
fewer drawn faults, scenario faults and workload rows, rounder values and
earlier faults, each change kept only if a run confirms the break, at most
--shrink-runs runs per violation. A scenario's expectation {broken: NAME}
says a run's lesson is a broken promise: exploration does not report that
invariant there. --set changes a key of the scenario, as with 'sim run'.

--shard I/N explores only the seeds I, I+N, I+2N, ... (I from 0 to N-1):
N machines each exploring one part find together exactly what one run
finds. The results never depend on --workers.

Exit status: 0 no invariant broken; 1 at least one broken; 2 bad input.
`

// maxExploreSeeds bounds --seeds: a day of exploration at the speeds of
// BENCHMARKS.md, on one core.
const maxExploreSeeds = 100_000_000

// maxShrinkRuns bounds --shrink-runs: a few minutes for one violation of
// a lecture scenario.
const maxShrinkRuns = 100_000

// exploreRequest is a `sim explore` command line, parsed.
type exploreRequest struct {
	scenario     string
	seeds        int
	workers      int
	shard        report.Shard
	out          stringFlag
	format       string
	sets         []scenarios.Setting
	shrinkRuns   int
	stdout, errw io.Writer
}

func cmdExplore(args []string, stdout, stderr io.Writer) int {
	req, code, ok := parseExplore(args, stdout, stderr)
	if !ok {
		return code
	}
	file, data, err := scenarios.ReadSource(req.scenario)
	if err != nil {
		return loadError(stderr, err)
	}
	e, err := explore.NewWith(file, data, req.sets)
	if err != nil {
		return loadError(stderr, err)
	}
	e.ShrinkRuns = req.shrinkRuns
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(explore.GCPercent))
	}
	return req.run(e)
}

// parseExplore reads the flags.
func parseExplore(args []string, stdout, stderr io.Writer) (*exploreRequest, int, bool) {
	req := &exploreRequest{stdout: stdout, errw: stderr}
	fs := newFlagSet("explore", exploreSynopsis, stderr)
	fs.IntVar(&req.seeds, "seeds", 100, "explore the seeds from 1 to N")
	fs.IntVar(&req.workers, "workers", runtime.GOMAXPROCS(0), "how many seeds to explore at once")
	shard := fs.String("shard", "0/1", "explore only part I of N of the seeds: those equal to I modulo N")
	fs.Var(&req.out, "out", "the directory to write the counterexamples into (default explore-NAME; replaced whole)")
	fs.StringVar(&req.format, "format", "text", "output format: text or json")
	var sets setFlags
	fs.Var(&sets, "set", "override a scenario key, such as nfs.attr_timeout=1s or explore.crash.max=2 (repeatable)")
	fs.IntVar(&req.shrinkRuns, "shrink-runs", explore.DefaultShrinkRuns, "the most runs the shrinking of one violation may take")
	pos, code, ok := parseCommand(fs, args, stdout, stderr)
	if !ok {
		return nil, code, false
	}
	var err error
	if req.sets, err = sets.settings(); err != nil {
		return nil, req.bad("%v", err), false
	}
	req.shard, err = report.ParseShard(*shard)
	switch {
	case len(pos) != 1:
		return nil, req.bad("want exactly one scenario file or name, got %d", len(pos)), false
	case req.seeds < 1 || req.seeds > maxExploreSeeds:
		return nil, req.bad("--seeds: expected a number of seeds from 1 to %d, got %d", maxExploreSeeds, req.seeds), false
	case req.workers < 1:
		return nil, req.bad("--workers: expected at least 1, got %d", req.workers), false
	case req.shrinkRuns < 1 || req.shrinkRuns > maxShrinkRuns:
		return nil, req.bad("--shrink-runs: expected a number of runs from 1 to %d, got %d", maxShrinkRuns, req.shrinkRuns), false
	case err != nil:
		return nil, req.bad("--shard: %v", err), false
	case req.format != "text" && req.format != "json":
		return nil, req.bad("--format: unknown format %q (want text or json)", req.format), false
	case req.out.set && strings.TrimSpace(req.out.value) == "":
		return nil, req.bad("--out: expected a directory, got %q", req.out.value), false
	}
	req.scenario = pos[0]
	return req, exitOK, true
}

// bad reports a problem with the command line and returns its status.
func (req *exploreRequest) bad(format string, a ...any) int {
	fmt.Fprintf(req.errw, "sim explore: "+format+"\n", a...)
	return exitBadInput
}

// exploreResult is the JSON of `sim explore --format json`, and the file
// explore.json of the output directory.
type exploreResult struct {
	Scenario string `json:"scenario"`
	// Seeds is how many seeds this run explored (of its shard).
	Seeds int    `json:"seeds"`
	Shard string `json:"shard,omitempty"`
	// Invariants are the invariants checked.
	Invariants []string `json:"invariants"`
	// Violations lists every broken invariant, by seed.
	Violations []exploreViolation `json:"violations"`
	// ByInvariant counts the violations of each invariant.
	ByInvariant map[string]int `json:"by_invariant"`
	// Stopped counts the seeds a run of which stopped at its bound.
	Stopped int `json:"stopped"`
	// ShrinkCap is the most runs the shrinking of one violation may take
	// (--shrink-runs).
	ShrinkCap int `json:"shrink_cap"`
}

// exploreViolation is one broken invariant.
type exploreViolation struct {
	Seed      uint64 `json:"seed"`
	Invariant string `json:"invariant"`
	System    string `json:"system"`
	Variant   string `json:"variant,omitempty"`
	// Scenario is the path of the shrunk counterexample.
	Scenario string `json:"scenario"`
	Message  string `json:"message"`
	Rows     int    `json:"rows"`
	Faults   int    `json:"faults"`
	// ShrinkRuns counts the runs the shrinking took; ShrinkCapped says
	// it stopped at the cap, so that a smaller counterexample may exist.
	ShrinkRuns   int  `json:"shrink_runs"`
	ShrinkCapped bool `json:"shrink_capped"`
}

// seedList lists the seeds of the request's shard.
func (req *exploreRequest) seedList() []uint64 {
	var out []uint64
	for s := uint64(1); s <= uint64(req.seeds); s++ {
		if req.shard.Has(s) {
			out = append(out, s)
		}
	}
	return out
}

// run explores the seeds, writes the counterexamples and prints the
// findings and the summary.
func (req *exploreRequest) run(e *explore.Explorer) int {
	seeds := req.seedList()
	dir := req.out.value
	if !req.out.set {
		dir = "explore-" + e.Name
	}
	res := exploreResult{Scenario: e.Name, Seeds: len(seeds), Invariants: e.Invariants(),
		Violations: []exploreViolation{}, ByInvariant: map[string]int{}, ShrinkCap: e.ShrinkRuns}
	if req.shard.N > 1 {
		res.Shard = req.shard.String()
	}
	if res.Invariants == nil {
		res.Invariants = []string{}
	}
	if req.format == "text" {
		req.describe(e, seeds)
	}
	out := &exploreOut{dir: dir}
	defer out.abort()
	// An explicit --out is checked at once; the default directory is made
	// only when there is something to put in it.
	if req.out.set {
		if err := out.open(); err != nil {
			fmt.Fprintf(req.errw, "sim explore: --out: %v\n", err)
			return outError(err)
		}
	}
	start := time.Now()
	if code := req.explore(e, seeds, out, &res); code != exitOK {
		return code
	}
	if err := out.commit(&res); err != nil {
		fmt.Fprintf(req.errw, "sim explore: --out: %v\n", err)
		return exitIO
	}
	if req.format == "json" {
		b, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintf(req.stdout, "%s\n", b)
	} else {
		req.summary(&res, dir)
	}
	elapsed := time.Since(start)
	fmt.Fprintf(req.errw, "explored %d seeds in %s: %.0f seeds/s on %d workers\n", len(seeds), elapsed.Round(time.Millisecond),
		float64(len(seeds))/max(elapsed.Seconds(), 1e-9), min(req.workers, max(len(seeds), 1)))
	if len(res.Violations) > 0 {
		return exitViolated
	}
	return exitOK
}

// explore explores the seeds on the workers, in order: each finding is
// written to out, added to res and, in text, printed as it comes. It
// returns exitOK, or the status of a failure it has reported.
func (req *exploreRequest) explore(e *explore.Explorer, seeds []uint64, out *exploreOut, res *exploreResult) int {
	progress := req.progress(len(seeds))
	var failure error
	code := exitOK
	report.ForEachOrdered(len(seeds), req.workers, func(i int) seedOutcome {
		o, err := e.Seed(seeds[i])
		return seedOutcome{o, err}
	}, func(i int, so seedOutcome) bool {
		if so.err != nil {
			failure, code = so.err, exitInternal
			return false
		}
		if so.o.Stopped {
			res.Stopped++
		}
		for _, f := range so.o.Findings {
			v, err := out.write(f)
			if err != nil {
				failure, code = fmt.Errorf("--out: %w", err), outError(err)
				return false
			}
			res.Violations = append(res.Violations, v)
			res.ByInvariant[f.Invariant]++
			if req.format == "text" {
				progress.clear()
				req.finding(v, res.ShrinkCap)
			}
		}
		progress.update(i+1, len(res.Violations))
		return true
	})
	progress.done()
	if failure != nil {
		fmt.Fprintf(req.errw, "sim explore: %v\n", failure)
	}
	return code
}

// exploreOut is the output directory of an exploration, made when the
// first counterexample is written (or at once, for an explicit --out) and
// written as one set.
type exploreOut struct {
	dir         string
	set         *outdir.Dir
	stopSignals func()
}

// open makes the directory's set, once.
func (o *exploreOut) open() error {
	if o.set != nil {
		return nil
	}
	s, err := outdir.Create(o.dir)
	if err == nil {
		o.set, o.stopSignals = s, abortOnSignal(s)
	}
	return err
}

// write writes finding f's counterexample and returns its entry in the
// result.
func (o *exploreOut) write(f explore.Finding) (exploreViolation, error) {
	if err := o.open(); err != nil {
		return exploreViolation{}, err
	}
	if err := o.set.WriteFile(f.FileName(), f.Scenario); err != nil {
		return exploreViolation{}, err
	}
	return exploreViolation{Seed: f.Seed, Invariant: f.Invariant, System: f.System, Variant: f.Variant,
		Scenario: filepath.Join(o.dir, f.FileName()), Message: f.Message, Rows: f.Rows, Faults: f.Faults,
		ShrinkRuns: f.ShrinkRuns, ShrinkCapped: f.ShrinkCapped}, nil
}

// commit writes explore.json beside the counterexamples and puts the set
// in place; without a set (nothing found, no --out) it does nothing.
func (o *exploreOut) commit(res *exploreResult) error {
	if o.set == nil {
		return nil
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err == nil {
		err = o.set.WriteFile("explore.json", append(b, '\n'))
	}
	if err == nil {
		err = o.set.Commit()
	}
	return err
}

// abort drops a set that was not committed.
func (o *exploreOut) abort() {
	if o.set != nil {
		o.set.Abort()
		o.stopSignals()
	}
}

// seedOutcome is what exploring one seed gave.
type seedOutcome struct {
	o   *explore.Outcome
	err error
}

// describe says what is explored.
func (req *exploreRequest) describe(e *explore.Explorer, seeds []uint64) {
	w := req.stdout
	part := ""
	if req.shard.N > 1 {
		part = fmt.Sprintf(" (shard %s: %d of them)", req.shard, len(seeds))
	}
	fmt.Fprintf(w, "exploring %s: seeds 1 to %d%s\n", e.Name, req.seeds, part)
	p := e.Plan()
	var draws []string
	for _, r := range p.Network {
		draws = append(draws, r.String())
	}
	if p.Crash.Max > 0 {
		draws = append(draws, fmt.Sprintf("up to %s of each of %s (down %s–%s)", report.Plural(p.Crash.Max, "crash", "crashes"), strings.Join(p.Crash.Nodes, ", "),
			scenarios.FormatDuration(p.Crash.Downtime[0]), scenarios.FormatDuration(p.Crash.Downtime[1])))
	}
	if p.Partition.Max > 0 {
		draws = append(draws, fmt.Sprintf("up to %s (%s–%s)", report.Plural(p.Partition.Max, "partition", "partitions"),
			scenarios.FormatDuration(p.Partition.Duration[0]), scenarios.FormatDuration(p.Partition.Duration[1])))
	}
	for j, fp := range p.Faults {
		d := fmt.Sprintf("up to %d of %s", fp.Max, e.Template(j))
		if fp.HasAt {
			d += fmt.Sprintf(" at %s–%s", scenarios.FormatDuration(fp.At[0]), scenarios.FormatDuration(fp.At[1]))
		}
		if fp.Undo != "" {
			d += fmt.Sprintf(", each undone by %s after %s–%s", fp.Undo, scenarios.FormatDuration(fp.Duration[0]), scenarios.FormatDuration(fp.Duration[1]))
		}
		draws = append(draws, d)
	}
	how := "drawn per seed"
	if e.Default {
		how = "drawn per seed (the scenario has no explore: block; these are the defaults)"
	}
	fmt.Fprintf(w, "  %s: %s\n", how, strings.Join(draws, "; "))
	fmt.Fprintf(w, "  shrinking: at most %s per violation\n", report.Plural(e.ShrinkRuns, "run", "runs"))
	inv := e.Invariants()
	if len(inv) == 0 {
		fmt.Fprintf(w, "  invariants: none (the scenario's systems have none)\n")
	} else {
		fmt.Fprintf(w, "  invariants: %s\n", strings.Join(inv, ", "))
	}
}

// finding prints one broken invariant as it is found.
func (req *exploreRequest) finding(v exploreViolation, limit int) {
	run := v.System
	if v.Variant != "" {
		run += " " + v.Variant
	}
	runs := "in " + report.Plural(v.ShrinkRuns, "run", "runs")
	if v.ShrinkCapped {
		runs = fmt.Sprintf("stopped at the cap of %d runs: it may shrink further", limit)
	}
	fmt.Fprintf(req.stdout, "seed %d: %s broken (%s), shrunk to %s and %s (%s): %s\n    %s\n", v.Seed, v.Invariant, run,
		report.Plural(v.Rows, "row", "rows"), report.Plural(v.Faults, "fault", "faults"), runs, v.Scenario, v.Message)
}

// summary prints the counts at the end.
func (req *exploreRequest) summary(res *exploreResult, dir string) {
	w := req.stdout
	if len(res.Violations) == 0 {
		fmt.Fprintf(w, "%d seeds explored: no invariant broken", res.Seeds)
	} else {
		fmt.Fprintf(w, "%d seeds explored: %s", res.Seeds, report.Plural(len(res.Violations), "violation", "violations"))
	}
	if res.Stopped > 0 {
		fmt.Fprintf(w, " (%s stopped at the scenario's limits)", report.Plural(res.Stopped, "seed", "seeds"))
	}
	fmt.Fprintln(w)
	for _, inv := range res.Invariants {
		n := res.ByInvariant[inv]
		var seeds []string
		for _, v := range res.Violations {
			if v.Invariant == inv && len(seeds) < 10 {
				seeds = append(seeds, fmt.Sprint(v.Seed))
			}
		}
		line := fmt.Sprintf("  %-28s %d", inv, n)
		if n > 0 {
			more := ""
			if n > len(seeds) {
				more = ", ..."
			}
			line += "  (seeds " + strings.Join(seeds, ", ") + more + ")"
		}
		fmt.Fprintln(w, line)
	}
	if len(res.Violations) > 0 {
		fmt.Fprintf(w, "counterexamples in %s; `sim run FILE --out DIR` draws one's diagram\n", dir+string(filepath.Separator))
	}
}

// progressLine is the progress line on a terminal: seeds done, violations
// found, seeds per second. It draws nothing elsewhere.
type progressLine struct {
	w           io.Writer
	on          bool
	total       int
	start, last time.Time
	drawn       bool
}

func (req *exploreRequest) progress(total int) *progressLine {
	return &progressLine{w: req.errw, on: isTerminal(req.errw), total: total, start: time.Now()}
}

// update records seeds done and violations found, redrawn at most ten
// times a second.
func (p *progressLine) update(done, violations int) {
	if !p.on || (time.Since(p.last) < 100*time.Millisecond && done < p.total) {
		return
	}
	p.last = time.Now()
	rate := float64(done) / max(time.Since(p.start).Seconds(), 1e-9)
	fmt.Fprintf(p.w, "\r%d/%d seeds, %s, %.0f seeds/s ", done, p.total, report.Plural(violations, "violation", "violations"), rate)
	p.drawn = true
}

// clear erases the line before other output.
func (p *progressLine) clear() {
	if p.on && p.drawn {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 60))
		p.drawn = false
	}
}

// done ends the line.
func (p *progressLine) done() {
	if p.on && p.drawn {
		fmt.Fprintln(p.w)
	}
}
