package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/report/diagram"
	"github.com/sim-lecture/sim/report/export"
	"github.com/sim-lecture/sim/report/outdir"
	"github.com/sim-lecture/sim/report/viewer"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

// Exit statuses. 2 is only ever bad input: what the user gave can be
// fixed by editing it. A file that exists but cannot be read, or output
// that cannot be written, is exitIO.
const (
	exitOK       = 0
	exitViolated = 1
	exitBadInput = 2
	exitInternal = 3
	exitIO       = 4
)

// version is the release of sim; `go build -ldflags "-X main.version=..."`
// may override it.
var version = "0.1.0-dev"

const usage = `sim: a deterministic simulator of the protocols of a distributed-systems lecture

Usage:
  sim run FILE.yaml|NAME [--seed N] [--format text|markdown|csv|json] [--out DIR] [--set KEY=VALUE ...] [--steps]
          [--quiz [--answers]] [--from T] [--to T] [--nodes A,B] [--hide acks,probes,...]
  sim quiz nfs|afs|rpc|reliable [--seed N] [--clients C] [--steps S] [--answers] [--save FILE]
  sim sweep FILE.yaml|NAME --set KEY=FROM..TO[:STEP] [--set ...] [--seeds N] --metric NAME [--metric ...] --out DIR [--shard I/N]
  sim merge DIR... --out DIR
  sim explore FILE.yaml|NAME [--seeds N] [--workers K] [--shard I/N] [--out DIR] [--format text|json]
              [--set KEY=VALUE ...] [--shrink-runs N]
  sim validate FILE.yaml|NAME
  sim list
  sim version

NAME is a built-in scenario (see 'sim list'). Run 'sim COMMAND --help' for a
command's flags.

Exit status: 0 success; 1 a violated invariant, failed expectation or run
bound; 2 bad input; 3 internal error (a bug in sim); 4 an I/O failure (a
file that cannot be read, output that cannot be written).
`

// Main runs the command line args and returns the exit status. It never
// panics: an internal error is reported in one line with status 3.
func Main(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "sim: internal error: %v (this is a bug in sim; please report it with the scenario)\n", p)
			if os.Getenv("SIM_DEBUG") != "" {
				stderr.Write(debug.Stack())
			}
			code = exitInternal
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitBadInput
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "sweep":
		return cmdSweep(args[1:], stdout, stderr)
	case "merge":
		return cmdMerge(args[1:], stdout, stderr)
	case "quiz":
		return cmdQuiz(args[1:], stdout, stderr)
	case "explore":
		return cmdExplore(args[1:], stdout, stderr)
	case "validate":
		return cmdValidate(args[1:], stdout, stderr)
	case "list":
		return cmdList(args[1:], stdout, stderr)
	case "version", "--version", "-version":
		if len(args) > 1 && (args[1] == "--help" || args[1] == "-h" || args[1] == "-help") {
			fmt.Fprint(stdout, "Usage: sim version\n\nPrints the version of sim.\n")
			return exitOK
		}
		fmt.Fprintf(stdout, "sim %s\n", version)
		return exitOK
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "sim: unknown command %q (want run, sweep, merge, explore, quiz, validate, list or version)\n", args[0])
		return exitBadInput
	}
}

// parseInterspersed parses flags that may come before or after the
// positional arguments (`sim run x.yaml --seed 3`).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseCommand parses a command's flags and positional arguments. ok is
// false when the command is done: --help printed the usage to stdout (code
// 0), or the flags were wrong and the error and the usage went to stderr
// (code 2), never into a redirected result.
func parseCommand(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (pos []string, code int, ok bool) {
	fs.SetOutput(io.Discard) // the flag package's own messages: printed below
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		fs.SetOutput(stderr)
		return nil, exitOK, false
	}
	fs.SetOutput(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "sim %s: %v\n", fs.Name(), err)
		fs.Usage()
		return nil, exitBadInput, false
	}
	return pos, exitOK, true
}

// stringFlag is a string flag that knows whether it was given, so that
// --seed "" and --out "" are refused rather than taken for absent.
type stringFlag struct {
	value string
	set   bool
}

func (f *stringFlag) String() string     { return f.value }
func (f *stringFlag) Set(v string) error { f.value, f.set = v, true; return nil }

// loadError prints a scenario error and returns its exit status: an I/O
// failure, or bad input.
func loadError(stderr io.Writer, err error) int {
	fmt.Fprintln(stderr, err)
	if errors.Is(err, scenarios.ErrIO) {
		return exitIO
	}
	return exitBadInput
}

func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs, a := newRunFlags(stderr)
	pos, code, ok := parseCommand(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	sc, opt, dopt, code := a.input(fs, pos, stderr)
	if code != exitOK {
		return code
	}
	var set *outdir.Dir
	if a.out.set {
		// Checked before the run: a directory sim may not replace is
		// refused at once, not after a long run.
		var err error
		if set, err = outdir.Create(a.out.value); err != nil {
			fmt.Fprintf(stderr, "sim run: --out: %v\n", err)
			return outError(err)
		}
		defer set.Abort()
		stop := abortOnSignal(set)
		defer stop()
	}
	caps := captures{set: set}
	if set != nil {
		opt.Tap = caps.tap
		defer caps.close() // a no-op once closed; before the set's Abort
	}
	if set != nil && len(sc.Programs) > 0 {
		// A program workload's trace and steps grow with its clients
		// and duration: streamed into the set, never kept.
		caps.streams = &streams{set: set}
		opt.Stream = caps.streams.open
	} else {
		opt.KeepTrace = a.out.set
	}
	if *a.steps && (*a.format == "json" || set != nil) {
		// The JSON result (or --out's result.json) lists a program's
		// steps: the first maxKeptSteps of each run, the rest counted.
		opt.KeepSteps = maxKeptSteps
	}
	return runAndShow(sc, opt, a, dopt, set, &caps, stdout, stderr)
}

// maxKeptSteps bounds the program steps --steps keeps of one run: about
// 40 MB of steps and as much JSON. All of them go to --out's
// steps-SYSTEM.jsonl, streamed.
const maxKeptSteps = 100_000

// runArgs are the flags of sim run.
type runArgs struct {
	seed, out stringFlag
	format    *string
	sets      setFlags
	view      viewFlags
	// steps keeps the steps in the JSON of a summarized run (--steps).
	steps *bool
}

// newRunFlags declares sim run's flags.
func newRunFlags(stderr io.Writer) (*flag.FlagSet, *runArgs) {
	fs := newFlagSet("run", "sim run FILE.yaml|NAME [--seed N] [--format text|markdown|csv|json] [--out DIR] [--set KEY=VALUE ...] [--steps]\n"+
		"        [--quiz [--answers]] [--from T] [--to T] [--nodes A,B] [--hide acks,probes,timers,state,faults]\n\n"+
		"Runs a scenario and prints its timeline table. NAME is a built-in scenario.", stderr)
	a := &runArgs{}
	fs.Var(&a.seed, "seed", "override the scenario's seed (a non-negative integer)")
	a.format = fs.String("format", "text", "output format: "+strings.Join(report.Formats, ", "))
	fs.Var(&a.out, "out", "also write the table, the JSON result, per system the event trace, a space-time diagram (SVG, PNG), a packet capture and the ShiViz and Perfetto traces, and a step-through viewer (viewer.html) into this directory (replaced whole); with programs, the trace and every step streamed as JSON Lines instead of the diagram, exports and viewer")
	fs.Var(&a.sets, "set", "override a scenario key, such as nfs.attr_timeout=1s or network.loss=0.1 (repeatable)")
	a.steps = fs.Bool("steps", false, "keep the steps in the JSON result of a run that is summarized (a program workload, or more rows or clients than report.max_table_steps and max_table_clients): the rows', then up to 100000 program steps a run")
	a.view = addViewFlags(fs)
	return fs, a
}

// input checks sim run's arguments and loads the scenario they name. code
// is exitOK, or the exit code of what was wrong, already told on stderr.
func (a *runArgs) input(fs *flag.FlagSet, pos []string, stderr io.Writer) (sc *scenarios.Scenario, opt scenarios.Options, dopt diagram.Options, code int) {
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "sim run: want exactly one scenario file or name, got %d\n", len(pos))
		fs.Usage()
		return nil, opt, dopt, exitBadInput
	}
	var ok bool
	if opt.Seed, ok = runSeed(a.seed, stderr); !ok {
		return nil, opt, dopt, exitBadInput
	}
	settings, err := a.sets.settings()
	if err != nil {
		fmt.Fprintf(stderr, "sim run: %v\n", err)
		return nil, opt, dopt, exitBadInput
	}
	if dopt, err = a.view.check(*a.format, a.out); err != nil {
		fmt.Fprintf(stderr, "sim run: %v\n", err)
		return nil, opt, dopt, exitBadInput
	}
	if sc, err = scenarios.OpenWith(pos[0], settings); err != nil {
		return nil, opt, dopt, loadError(stderr, err)
	}
	return sc, opt, dopt, exitOK
}

// runAndShow runs the scenario, prints what --format asks for and writes
// --out's files into set (if not nil); its exit code says whether every
// promise held.
func runAndShow(sc *scenarios.Scenario, opt scenarios.Options, a *runArgs, dopt diagram.Options, set *outdir.Dir, caps *captures, stdout, stderr io.Writer) int {
	res, worlds, err := scenarios.Run(sc, opt)
	if err != nil {
		// The loader makes every check of the input, so that validate
		// and run agree: a scenario it accepted that a driver refuses
		// is a bug of sim.
		fmt.Fprintf(stderr, "sim: internal error: %v (the scenario passed validation; this is a bug in sim, please report it with the scenario)\n", err)
		return exitInternal
	}
	if caps.err != nil {
		fmt.Fprintf(stderr, "sim run: --out: %v\n", caps.err)
		return exitIO
	}
	if caps.streams != nil && caps.streams.err != nil {
		fmt.Fprintf(stderr, "sim run: %v\n", caps.streams.err)
		return exitIO
	}
	res.OmitSteps = res.Summarized && !*a.steps
	if code := a.view.show(stdout, stderr, res, worlds, dopt, *a.format); code != exitOK {
		return code
	}
	if set != nil {
		if err := writeOut(set, caps, res, worlds, dopt); err != nil {
			fmt.Fprintf(stderr, "sim run: --out: %v\n", err)
			return exitIO
		}
		if caps.streams != nil {
			fmt.Fprintf(stderr, "sim run: --out: a program workload: its trace and steps are streamed to trace-SYSTEM.jsonl and steps-SYSTEM.jsonl; "+
				"no diagram, viewer, ShiViz or Perfetto trace (they are drawn from a kept trace, and a program workload's run keeps none)\n")
		}
	}
	if len(res.Violations) > 0 {
		return exitViolated
	}
	return exitOK
}

// captures are the packet captures of a run with --out, one per system
// run: capture-SYSTEM.pcap (capture-SYSTEM-VARIANT.pcap with variants),
// streamed into the set while the runs go on.
type captures struct {
	set   *outdir.Dir
	files []captureFile
	err   error
	// streams, when not nil, are the runs' streamed traces and steps
	// (a program workload).
	streams *streams
}

type captureFile struct {
	f  *os.File
	w  *bufio.Writer
	rc *report.Capture
}

// tap is scenarios.Options.Tap: it starts the capture of one run.
func (c *captures) tap(system, variant string, raw bool, n sim.Network) sim.Network {
	if c.err != nil {
		return n
	}
	name := "capture-" + (&report.System{System: system, Variant: variant}).FileLabel() + ".pcap"
	f, err := c.set.Create(name)
	if err != nil {
		c.err = fmt.Errorf("--out: %v", err)
		return n
	}
	w := bufio.NewWriterSize(f, 1<<16)
	rc, err := report.NewCapture(n, w, report.CaptureOptions{Raw: raw, Port: report.RawPort})
	if err != nil {
		f.Close()
		c.err = fmt.Errorf("--out: %v", err)
		return n
	}
	c.files = append(c.files, captureFile{f: f, w: w, rc: rc})
	return rc
}

// close finishes every capture: all of it on disk, or the first error.
func (c *captures) close() error {
	var first error
	for _, cf := range c.files {
		err := cf.rc.Err()
		if err == nil {
			err = cf.w.Flush()
		}
		if cerr := cf.f.Close(); err == nil {
			err = cerr
		}
		if first == nil {
			first = err
		}
	}
	c.files = nil
	if c.streams != nil {
		if err := c.streams.close(); first == nil {
			first = err
		}
	}
	return first
}

// runSeed is --seed's value, nil when it is not set; ok is false (and the
// problem said) when it is not a seed.
func runSeed(f stringFlag, stderr io.Writer) (seed *uint64, ok bool) {
	if !f.set {
		return nil, true
	}
	s, err := strconv.ParseUint(f.value, 10, 64)
	if err != nil {
		fmt.Fprintf(stderr, "sim run: --seed: expected a non-negative integer, got %q\n", f.value)
		return nil, false
	}
	return &s, true
}

// writeOut finishes the runs' packet captures and writes the table
// (Markdown, CSV), the JSON result, and for each run its trace (JSON
// Lines), its space-time diagram (SVG and PNG) and its trace for ShiViz
// and Perfetto, and the step-through viewer of every run (viewer.html)
// into the set, which it then commits: the directory holds this run's
// files, all of them, and no other run's.
func writeOut(set *outdir.Dir, caps *captures, res *report.Result, worlds []*sim.World, dopt diagram.Options) error {
	if err := caps.close(); err != nil {
		return err
	}
	for _, f := range []struct{ name, format string }{{"table.md", "markdown"}, {"table.csv", "csv"}, {"result.json", "json"}} {
		if err := set.Write(f.name, func(w io.Writer) error { return report.Write(w, res, f.format) }); err != nil {
			return err
		}
	}
	if caps.streams != nil {
		return set.Commit() // the trace and steps are already written
	}
	var runs []viewer.Run
	for i, w := range worlds {
		name := fmt.Sprintf("trace-%s.jsonl", res.Systems[i].FileLabel())
		if err := set.Write(name, func(out io.Writer) error { return report.WriteTrace(out, w) }); err != nil {
			return err
		}
		d, err := writeDiagram(set, res, i, w, dopt)
		if err != nil {
			return err
		}
		if err := writeExports(set, res, i, w); err != nil {
			return err
		}
		runs = append(runs, viewer.Run{Key: res.Systems[i].FileLabel(), Title: res.Systems[i].Label(),
			Nodes: nodeNames(w), Records: w.Trace().Records(), Diagram: d})
	}
	title := fmt.Sprintf("%s (seed %d)", res.Scenario, res.Seed)
	if err := set.Write("viewer.html", func(out io.Writer) error { return viewer.Write(out, title, runs) }); err != nil {
		return err
	}
	return set.Commit()
}

// nodeNames returns w's node names by ID.
func nodeNames(w *sim.World) []string {
	names := make([]string, w.NumNodes())
	for id := range names {
		names[id] = w.Name(sim.NodeID(id))
	}
	return names
}

// writeExports writes run i's trace for ShiViz (shiviz-LABEL.log) and for
// Perfetto (perfetto-LABEL.json).
func writeExports(set *outdir.Dir, res *report.Result, i int, w *sim.World) error {
	names := nodeNames(w)
	label := res.Systems[i].FileLabel()
	if err := set.Write("shiviz-"+label+".log", func(out io.Writer) error {
		return export.WriteShiViz(out, names, w.Trace().Records())
	}); err != nil {
		return err
	}
	title := fmt.Sprintf("%s: %s (seed %d)", res.Scenario, res.Systems[i].Label(), res.Seed)
	return set.Write("perfetto-"+label+".json", func(out io.Writer) error {
		return export.WritePerfetto(out, title, names, w.Trace().Records())
	})
}

// writeDiagram writes run i's space-time diagram as diagram-LABEL.svg and
// diagram-LABEL.png.
func writeDiagram(set *outdir.Dir, res *report.Result, i int, w *sim.World, dopt diagram.Options) (*diagram.Diagram, error) {
	dopt.Nodes = nodesOf(dopt.Nodes, w)
	d, err := diagram.New(res, i, w, dopt)
	if err != nil {
		return nil, err
	}
	base := "diagram-" + res.Systems[i].FileLabel()
	if err := set.Write(base+".svg", d.WriteSVG); err != nil {
		return nil, err
	}
	return d, set.Write(base+".png", d.WritePNG)
}

// outError is the exit status of an --out directory that cannot be used:
// one sim may not replace is the user's to fix (bad input), anything
// else an I/O failure.
func outError(err error) int {
	if errors.Is(err, outdir.ErrRefused) || errors.Is(err, outdir.ErrForeign) {
		return exitBadInput
	}
	return exitIO
}

// abortOnSignal removes the set's staging directory if the process is
// interrupted or terminated while it runs or writes, so that no temporary
// file survives; the returned function stops watching.
func abortOnSignal(set *outdir.Dir) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			set.Abort()
			code := 130
			if s == syscall.SIGTERM {
				code = 143
			}
			os.Exit(code)
		case <-done:
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", "sim validate FILE.yaml|NAME\n\nParses and checks a scenario without running it.", stderr)
	pos, code, ok := parseCommand(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "sim validate: want exactly one scenario file or name, got %d\n", len(pos))
		return exitBadInput
	}
	sc, err := scenarios.Open(pos[0])
	if err != nil {
		return loadError(stderr, err)
	}
	if err := scenarios.CheckImplemented(sc); err != nil {
		fmt.Fprintln(stderr, err)
		return exitBadInput
	}
	variants := ""
	if n := len(sc.Variants); n > 0 {
		names := make([]string, n)
		for i, v := range sc.Variants {
			names[i] = v.Name
			if v.Systems != nil && len(v.Systems) < len(sc.Systems) {
				names[i] += " (" + strings.Join(v.Systems, ", ") + " only)"
			}
		}
		variants = fmt.Sprintf(", variants %s", strings.Join(names, ", "))
	}
	fmt.Fprintf(stdout, "%s: ok (%s: %d workload rows, %d faults, %d expectations, systems %s%s)\n",
		sc.File, sc.Name, len(sc.Workload), len(sc.Faults), len(sc.Expect), strings.Join(sc.Systems, ", "), variants)
	return exitOK
}

func cmdList(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("list", "sim list\n\nLists the built-in scenarios with one-line descriptions.", stderr)
	pos, code, ok := parseCommand(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 0 {
		fmt.Fprintf(stderr, "sim list: takes no arguments\n")
		return exitBadInput
	}
	list, err := scenarios.BuiltIn()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInternal
	}
	width := 0
	for _, sc := range list {
		if len(sc.Name) > width {
			width = len(sc.Name)
		}
	}
	for _, sc := range list {
		fmt.Fprintf(stdout, "%-*s  %s\n", width, sc.Name, sc.Description)
	}
	return exitOK
}
