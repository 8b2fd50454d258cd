package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/report/diagram"
	"github.com/sim-lecture/sim/sim"
)

// viewFlags are sim run's options for what it shows: the table as a quiz
// (--quiz, --answers), and what the diagrams that --out writes draw
// (--from, --to, --nodes, --hide).
type viewFlags struct {
	quiz, answers         *bool
	from, to, nodes, hide *string
}

func addViewFlags(fs *flag.FlagSet) viewFlags {
	return viewFlags{
		quiz:    fs.Bool("quiz", false, "print the table with the servers' actions and the values read hidden (?), as an exercise"),
		answers: fs.Bool("answers", false, "with --quiz: print the same table with the answers shown"),
		from:    fs.String("from", "", "draw the diagrams from this virtual time on (a duration such as 2s, or seconds)"),
		to:      fs.String("to", "", "draw the diagrams up to this virtual time"),
		nodes:   fs.String("nodes", "", "draw only these nodes' lanes, in this order (comma-separated: A,server)"),
		hide:    fs.String("hide", "", "leave out of the diagrams: acks, probes, timers, state, faults (comma-separated)"),
	}
}

// check checks what sim run is to show and write: the output format, the
// --out directory's name, the quiz flags against the format and the
// diagram flags against --out; and returns the diagrams' options.
func (f viewFlags) check(format string, out stringFlag) (diagram.Options, error) {
	switch {
	case !report.ValidFormat(format):
		return diagram.Options{}, fmt.Errorf("--format: unknown format %q (want one of %s)", format, strings.Join(report.Formats, ", "))
	case out.set && strings.TrimSpace(out.value) == "":
		return diagram.Options{}, fmt.Errorf("--out: expected a directory, got %q", out.value)
	case *f.answers && !*f.quiz:
		return diagram.Options{}, fmt.Errorf("--answers shows a quiz's answers; add --quiz")
	case *f.quiz && !validQuizFormat(format):
		return diagram.Options{}, fmt.Errorf("--quiz: a quiz is a table: --format must be one of %s, not %q (the JSON result holds the answers)",
			strings.Join(report.QuizFormats, ", "), format)
	case !out.set && (*f.from != "" || *f.to != "" || *f.nodes != "" || *f.hide != ""):
		return diagram.Options{}, fmt.Errorf("--from, --to, --nodes and --hide shape the diagrams that --out writes; add --out DIR")
	}
	return f.diagramOptions()
}

// show checks the --nodes names against the runs (bad input: exit 2),
// then prints the result, its table as a quiz with --quiz, else in format
// (a failure to write: exit 4), and returns the exit status.
func (f viewFlags) show(stdout, stderr io.Writer, res *report.Result, worlds []*sim.World, dopt diagram.Options, format string) int {
	if err := checkNodes(dopt.Nodes, worlds); err != nil {
		fmt.Fprintf(stderr, "sim run: %v\n", err)
		return exitBadInput
	}
	var err error
	if *f.quiz {
		err = report.WriteQuiz(stdout, res, format, *f.answers)
	} else {
		err = report.Write(stdout, res, format)
	}
	if err != nil {
		fmt.Fprintf(stderr, "sim run: %v\n", err)
		return exitIO
	}
	return exitOK
}

// diagramOptions parses the diagram flags.
func (f viewFlags) diagramOptions() (diagram.Options, error) {
	var opt diagram.Options
	var err error
	if opt.From, err = flagTime("from", *f.from); err != nil {
		return opt, err
	}
	if opt.To, err = flagTime("to", *f.to); err != nil {
		return opt, err
	}
	if *f.to != "" && opt.To <= opt.From {
		return opt, fmt.Errorf("--to %s: must be after --from %s", *f.to, sim.FormatDuration(time.Duration(opt.From)))
	}
	for _, n := range strings.Split(*f.nodes, ",") {
		if n = strings.TrimSpace(n); n != "" {
			opt.Nodes = append(opt.Nodes, n)
		}
	}
	if opt.Hide, err = diagram.ParseHide(*f.hide); err != nil {
		return opt, fmt.Errorf("--hide: %v", err)
	}
	return opt, nil
}

// flagTime parses a virtual time as scenarios write one: a Go duration or
// a bare number of seconds, not negative.
func flagTime(name, s string) (sim.Time, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) || f*1e9 >= math.MaxInt64 {
			return 0, fmt.Errorf("--%s: expected a duration such as 1.5s or 300ms, or a number of seconds; got %q", name, s)
		}
		d = time.Duration(math.Round(f * 1e9))
	}
	if d < 0 {
		return 0, fmt.Errorf("--%s: a time cannot be negative, got %q", name, s)
	}
	return sim.Time(d), nil
}

// checkNodes reports a --nodes name that no run has.
func checkNodes(nodes []string, worlds []*sim.World) error {
	var all []string
	for _, n := range nodes {
		found := false
		for _, w := range worlds {
			if _, ok := w.Lookup(n); ok {
				found = true
			}
		}
		if !found {
			for _, w := range worlds {
				for id := 0; id < w.NumNodes(); id++ {
					if name := w.Name(sim.NodeID(id)); !slices.Contains(all, name) {
						all = append(all, name)
					}
				}
			}
			return fmt.Errorf("--nodes: no node %q in this scenario (its nodes are %s)", n, strings.Join(all, ", "))
		}
	}
	return nil
}

// nodesOf keeps the --nodes names that world w has: a scenario's systems
// may have different nodes (the file servers of nfs and afs). None left
// draws every node.
func nodesOf(nodes []string, w *sim.World) []string {
	var out []string
	for _, n := range nodes {
		if _, ok := w.Lookup(n); ok {
			out = append(out, n)
		}
	}
	return out
}
