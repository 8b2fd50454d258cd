package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

// Exit statuses.
const (
	exitOK       = 0
	exitViolated = 1
	exitBadInput = 2
	exitInternal = 3
)

// version is the release of sim; `go build -ldflags "-X main.version=..."`
// may override it.
var version = "0.1.0-dev"

const usage = `sim: a deterministic simulator of the protocols of a distributed-systems lecture

Usage:
  sim run FILE.yaml|NAME [--seed N] [--format text|markdown|csv|json] [--out DIR] [--set KEY=VALUE ...]
  sim sweep FILE.yaml|NAME --set KEY=FROM..TO[:STEP] [--set ...] [--seeds N] --metric NAME [--metric ...] --out DIR
  sim validate FILE.yaml|NAME
  sim list
  sim version

NAME is a built-in scenario (see 'sim list'). Run 'sim COMMAND --help' for a
command's flags.

Exit status: 0 success; 1 a violated invariant, failed expectation or run
bound; 2 bad input; 3 internal error.
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
		fmt.Fprintf(stderr, "sim: unknown command %q (want run, sweep, validate, list or version)\n", args[0])
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
// false when the command is done: --help was printed (code 0) or the flags
// were wrong (code 2, the flag package has said why).
func parseCommand(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (pos []string, code int, ok bool) {
	fs.SetOutput(stdout) // --help goes to stdout and exits 0
	pos, err := parseInterspersed(fs, args)
	fs.SetOutput(stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil, exitOK, false
	}
	if err != nil {
		return nil, exitBadInput, false
	}
	return pos, exitOK, true
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
	fs := newFlagSet("run", "sim run FILE.yaml|NAME [--seed N] [--format text|markdown|csv|json] [--out DIR] [--set KEY=VALUE ...]\n\n"+
		"Runs a scenario and prints its timeline table. NAME is a built-in scenario.", stderr)
	seedFlag := fs.String("seed", "", "override the scenario's seed (a non-negative integer)")
	format := fs.String("format", "text", "output format: "+strings.Join(report.Formats, ", "))
	out := fs.String("out", "", "also write the table, the JSON result, the event traces and a space-time diagram per system into this directory")
	var sets setFlags
	fs.Var(&sets, "set", "override a scenario key, such as nfs.attr_timeout=1s or network.loss=0.1 (repeatable)")
	pos, code, ok := parseCommand(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "sim run: want exactly one scenario file or name, got %d\n", len(pos))
		fs.Usage()
		return exitBadInput
	}
	if !report.ValidFormat(*format) {
		fmt.Fprintf(stderr, "sim run: --format: unknown format %q (want one of %s)\n", *format, strings.Join(report.Formats, ", "))
		return exitBadInput
	}
	var opt scenarios.Options
	if *seedFlag != "" {
		s, err := strconv.ParseUint(*seedFlag, 10, 64)
		if err != nil {
			fmt.Fprintf(stderr, "sim run: --seed: expected a non-negative integer, got %q\n", *seedFlag)
			return exitBadInput
		}
		opt.Seed = &s
	}
	settings, err := sets.settings()
	if err != nil {
		fmt.Fprintf(stderr, "sim run: %v\n", err)
		return exitBadInput
	}
	sc, err := scenarios.OpenWith(pos[0], settings)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitBadInput
	}
	opt.KeepTrace = *out != ""
	res, worlds, err := scenarios.Run(sc, opt)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitBadInput
	}
	if err := report.Write(stdout, res, *format); err != nil {
		fmt.Fprintf(stderr, "sim run: %v\n", err)
		return exitInternal
	}
	if *out != "" {
		if err := writeOut(*out, res, worlds); err != nil {
			fmt.Fprintf(stderr, "sim run: --out: %v\n", err)
			return exitBadInput
		}
	}
	if len(res.Violations) > 0 {
		return exitViolated
	}
	return exitOK
}

// writeOut writes the table (Markdown, CSV), the JSON result, each
// system's trace (JSON Lines) and each system's space-time diagram (SVG)
// into dir, each file whole or not at all.
func writeOut(dir string, res *report.Result, worlds []*sim.World) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string]string{"table.md": "markdown", "table.csv": "csv", "result.json": "json"}
	for _, name := range []string{"table.md", "table.csv", "result.json"} {
		var b strings.Builder
		if err := report.Write(&b, res, files[name]); err != nil {
			return err
		}
		if err := report.WriteFileAtomic(filepath.Join(dir, name), []byte(b.String())); err != nil {
			return err
		}
	}
	for i, w := range worlds {
		var b strings.Builder
		if err := report.WriteTrace(&b, w); err != nil {
			return err
		}
		name := fmt.Sprintf("trace-%s.jsonl", res.Systems[i].FileLabel())
		if err := report.WriteFileAtomic(filepath.Join(dir, name), []byte(b.String())); err != nil {
			return err
		}
		b.Reset()
		if err := report.WriteDiagram(&b, res, i, w, report.DiagramOptions{}); err != nil {
			return err
		}
		name = fmt.Sprintf("diagram-%s.svg", res.Systems[i].FileLabel())
		if err := report.WriteFileAtomic(filepath.Join(dir, name), []byte(b.String())); err != nil {
			return err
		}
	}
	return nil
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
		fmt.Fprintln(stderr, err)
		return exitBadInput
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
