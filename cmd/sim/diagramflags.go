package main

import (
	"flag"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sim-lecture/sim/report/diagram"
	"github.com/sim-lecture/sim/sim"
)

// diagramFlags are sim run's options for the diagrams --out writes.
type diagramFlags struct {
	from, to, nodes, hide *string
}

func addDiagramFlags(fs *flag.FlagSet) diagramFlags {
	return diagramFlags{
		from:  fs.String("from", "", "draw the diagrams from this virtual time on (a duration such as 2s, or seconds)"),
		to:    fs.String("to", "", "draw the diagrams up to this virtual time"),
		nodes: fs.String("nodes", "", "draw only these nodes' lanes, in this order (comma-separated: A,server)"),
		hide:  fs.String("hide", "", "leave out of the diagrams: acks, probes, timers, state, faults (comma-separated)"),
	}
}

// set reports whether any diagram flag was given.
func (f diagramFlags) set() bool {
	return *f.from != "" || *f.to != "" || *f.nodes != "" || *f.hide != ""
}

// options parses the flags.
func (f diagramFlags) options() (diagram.Options, error) {
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
