// Command figures regenerates the README's teaching figures into
// docs/figures/ from simulator runs: each figure (figures.go) is a declared
// sweep over a scenario, or one run of a built-in scenario, drawn with
// gonum/plot as PNG and SVG, with its data as CSV and an index README.md.
//
//	go generate ./cmd/figures          # or: go run ./cmd/figures -out docs/figures
//	go run ./cmd/figures -only d,e     # some of them
//	go run ./cmd/figures -list         # what there is
//
// A figure whose system, scenario or metric this build does not have yet is
// skipped with the reason (or, with -strict, fails the command).
package main

//go:generate go run . -out ../../docs/figures

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	_ "github.com/sim-lecture/sim/protocols/all"

	"gonum.org/v1/plot"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// errSkip marks a figure that cannot be made by this build yet.
var errSkip = errors.New("not available yet")

// Main runs the command and returns its exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("figures", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "docs/figures", "the directory to write the figures into")
	only := fs.String("only", "", "make only these figures: names or their letters, comma-separated (a,d,e-adaptive-rto)")
	seeds := fs.Int("seeds", 0, "seeds per grid point (default: each figure's own)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "runs at once")
	strict := fs.Bool("strict", false, "fail when a figure cannot be made yet, instead of skipping it")
	list := fs.Bool("list", false, "list the figures and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "figures: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *list {
		for _, f := range figures {
			fmt.Fprintf(stdout, "%-34s %s\n", f.Name, f.Title)
		}
		return 0
	}
	chosen, err := choose(*only)
	if err != nil {
		fmt.Fprintf(stderr, "figures: %v\n", err)
		return 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "figures: %v\n", err)
		return 2
	}
	status := 0
	skipped := map[string]string{}
	for _, f := range chosen {
		err := make1(f, *out, *seeds, *workers)
		switch {
		case err == nil:
			fmt.Fprintf(stdout, "made    %s\n", f.Name)
		case errors.Is(err, errSkip) && !*strict:
			fmt.Fprintf(stdout, "skipped %s: %v\n", f.Name, err)
			skipped[f.Name] = err.Error()
		default:
			fmt.Fprintf(stderr, "figures: %s: %v\n", f.Name, err)
			status = 1
		}
	}
	if err := writeIndex(*out, skipped); err != nil {
		fmt.Fprintf(stderr, "figures: %v\n", err)
		return 1
	}
	return status
}

// choose picks the figures -only names.
func choose(only string) ([]*figure, error) {
	if only == "" {
		return figures, nil
	}
	var out []*figure
	for _, name := range strings.Split(only, ",") {
		name = strings.TrimSpace(name)
		found := false
		for _, f := range figures {
			if f.Name == name || strings.HasPrefix(f.Name, name+"-") {
				out = append(out, f)
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("-only: no figure %q (see -list)", name)
		}
	}
	return out, nil
}

// make1 makes one figure: its runs, its PNG, SVG and CSV.
func make1(f *figure, dir string, seeds, workers int) error {
	if f.Run != nil {
		return makeRun(f, dir)
	}
	if seeds <= 0 {
		seeds = f.Seeds
	}
	sw, err := sweep(f, seeds, workers)
	if err != nil {
		return err
	}
	var plots []*plot.Plot
	letter := f.Name[:1]
	for i, pn := range f.Panels {
		title := fmt.Sprintf("(%s%s) %s", letter, string(rune('1'+i)), pn.Title)
		if len(f.Panels) == 1 {
			title = fmt.Sprintf("(%s) %s", letter, pn.Title)
		}
		for _, m := range pn.Metrics {
			if allNaN(sw, m) {
				return fmt.Errorf("%w: the runs report no value of %s", errSkip, m)
			}
		}
		p, err := report.SweepPlot(sw, report.PlotOptions{Title: title, Metrics: pn.Metrics, Names: pn.Names,
			YLabel: pn.YLabel, LogX: pn.LogX, LogY: pn.LogY})
		if err != nil {
			return err
		}
		plots = append(plots, p)
	}
	for _, ext := range []string{"png", "svg"} {
		if err := report.SaveFigure(filepath.Join(dir, f.Name+"."+ext), plots...); err != nil {
			return err
		}
	}
	var b bytes.Buffer
	if err := sw.WriteSummaryCSV(&b); err != nil {
		return err
	}
	return report.WriteFileAtomic(filepath.Join(dir, f.Name+".csv"), b.Bytes())
}

// source returns the scenario text of a figure at some parameters.
func source(f *figure, p params) (string, []byte, error) {
	if f.Build != nil {
		text, err := f.Build(p)
		return "figure " + f.Name, []byte(text), err
	}
	file, data, err := scenarios.ReadSource(f.Scenario)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %v", errSkip, err)
	}
	return file, data, nil
}

// sweep runs a figure's sweep.
func sweep(f *figure, seeds, workers int) (*report.SweepResult, error) {
	var axes []report.SweepAxis
	for _, spec := range f.Axes {
		k, v, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, fmt.Errorf("axis %q: expected KEY=VALUES", spec)
		}
		ax, err := scenarios.ParseAxis(k, v)
		if err != nil {
			return nil, err
		}
		axes = append(axes, ax)
	}
	var metrics []string
	for _, pn := range f.Panels {
		for _, m := range pn.Metrics {
			if _, err := report.ParseMetric(m); err != nil {
				msg, _, _ := strings.Cut(err.Error(), " (metrics:")
				return nil, fmt.Errorf("%w: %s: no system reports it in this build", errSkip, msg)
			}
			metrics = append(metrics, m)
		}
	}
	load := func(values []string) (*scenarios.Scenario, error) {
		p := params{}
		for k, v := range f.Params {
			p[k] = v
		}
		var sets []scenarios.Setting
		for a, ax := range axes {
			if _, ok := f.Params[ax.Key]; ok {
				p[ax.Key] = values[a]
			} else {
				sets = append(sets, scenarios.Setting{Key: ax.Key, Value: values[a]})
			}
		}
		file, data, err := source(f, p)
		if err != nil {
			return nil, err
		}
		return scenarios.LoadWith(file, data, sets)
	}
	// The first grid point tells whether this build can run the figure.
	first := make([]string, len(axes))
	for a, ax := range axes {
		first[a] = ax.Values[0]
	}
	sc, err := load(first)
	if err != nil {
		return nil, err
	}
	if err := scenarios.CheckImplemented(sc); err != nil {
		return nil, fmt.Errorf("%w: %v", errSkip, err)
	}
	seedList := make([]uint64, seeds)
	for k := range seedList {
		seedList[k] = sc.Seed + uint64(k)
	}
	// The seeds of a grid point share its scenario, loaded once.
	shared := report.SharePoints(seeds, load)
	return report.RunSweep(report.Sweep{Scenario: sc.Name, Axes: axes, Seeds: seedList, Metrics: metrics, Workers: workers},
		func(values []string, seed uint64) (*report.Result, error) {
			sc, err := shared(values)
			if err != nil {
				return nil, err
			}
			r, _, err := scenarios.Run(sc, scenarios.Options{Seed: &seed})
			return r, err
		})
}

// makeRun makes a figure of one run.
func makeRun(f *figure, dir string) error {
	file, data, err := source(f, f.Params)
	if err != nil {
		return err
	}
	sc, err := scenarios.LoadWith(file, data, nil)
	if err != nil {
		return err
	}
	if err := scenarios.CheckImplemented(sc); err != nil {
		return fmt.Errorf("%w: %v", errSkip, err)
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		return err
	}
	plots, rows, err := f.Run(res)
	if err != nil {
		return err
	}
	for _, ext := range []string{"png", "svg"} {
		if err := report.SaveFigure(filepath.Join(dir, f.Name+"."+ext), plots...); err != nil {
			return err
		}
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	return report.WriteFileAtomic(filepath.Join(dir, f.Name+".csv"), b.Bytes())
}

// allNaN reports whether metric m has no value anywhere in the sweep.
func allNaN(sw *report.SweepResult, m string) bool {
	for i, name := range sw.Metrics {
		if name != m {
			continue
		}
		for _, run := range sw.Runs {
			if !math.IsNaN(run.Values[i]) {
				return false
			}
		}
	}
	return true
}

// writeIndex writes dir/README.md: every figure that is there, with its
// caption and data file, and those that could not be made yet.
func writeIndex(dir string, skipped map[string]string) error {
	var b strings.Builder
	b.WriteString("# Teaching figures\n\n")
	b.WriteString("Generated by `go generate ./cmd/figures` (or `go run ./cmd/figures -out docs/figures`) from simulator runs; " +
		"do not edit. Each figure is a declared sweep over a scenario (cmd/figures/figures.go): lines are the mean over " +
		"the seeds, bands span the minimum to the maximum, and the CSV next to each image holds the numbers.\n\n")
	var missing []*figure
	for _, f := range figures {
		png := filepath.Join(dir, f.Name+".png")
		if _, err := os.Stat(png); err != nil {
			missing = append(missing, f)
			continue
		}
		data := f.Name + ".csv"
		fmt.Fprintf(&b, "## %s. %s\n\n![%s](%s.png)\n\n%s\n\nData: [%s](%s); vector: [%s.svg](%s.svg).\n\n",
			f.Name[:1], f.Title, f.Title, f.Name, f.Caption, data, data, f.Name, f.Name)
	}
	if len(missing) > 0 {
		b.WriteString("## Not generated yet\n\n")
		for _, f := range missing {
			why := skipped[f.Name]
			if why == "" {
				why = "not made in the last run"
			}
			fmt.Fprintf(&b, "- %s. %s: %s\n", f.Name[:1], f.Title, why)
		}
		b.WriteString("\n")
	}
	return report.WriteFileAtomic(filepath.Join(dir, "README.md"), []byte(b.String()))
}
