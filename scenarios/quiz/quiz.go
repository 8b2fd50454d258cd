// Package quiz writes new exercises, the way OSTEP's simulators do: from a
// seed, a random workload (and for rpc and reliable a random schedule of
// lost messages and crashes) as a scenario file. `sim quiz` runs it and
// prints its table with the answers hidden; the same seed always gives
// the same exercise.
package quiz

import (
	"fmt"
	"strings"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// Systems are the systems there are exercises for.
var Systems = []string{"nfs", "afs", "rpc", "reliable"}

// Bounds of an exercise: a table a student can work through by hand.
const (
	MaxClients = 6
	MaxSteps   = 40
)

// Options choose an exercise.
type Options struct {
	// System is one of Systems.
	System string
	// Seed picks the exercise.
	Seed uint64
	// Clients is how many clients take part (0: 2 for nfs and afs, 1 for
	// rpc and reliable).
	Clients int
	// Steps is how many workload rows the exercise has (0: 8 for nfs and
	// afs, 5 for rpc, 3 for reliable).
	Steps int
}

// withDefaults fills in Clients and Steps.
func (o Options) withDefaults() Options {
	fs := o.System == "nfs" || o.System == "afs"
	if o.Clients == 0 {
		o.Clients = 1
		if fs {
			o.Clients = 2
		}
	}
	if o.Steps == 0 {
		switch o.System {
		case "rpc":
			o.Steps = 5
		case "reliable":
			o.Steps = 3
		default:
			o.Steps = 8
		}
	}
	return o
}

// Command is the command line that writes this exercise again.
func (o Options) Command() string {
	o = o.withDefaults()
	return fmt.Sprintf("sim quiz %s --seed %d --clients %d --steps %d", o.System, o.Seed, o.Clients, o.Steps)
}

// Exercise returns the exercise's name and its scenario file.
func Exercise(o Options) (name string, yaml []byte, err error) {
	o = o.withDefaults()
	switch {
	case indexOf(Systems, o.System) < 0:
		return "", nil, fmt.Errorf("no exercises for system %q (want one of %s)", o.System, strings.Join(Systems, ", "))
	case o.Clients < 1 || o.Clients > MaxClients:
		return "", nil, fmt.Errorf("--clients: want 1 to %d clients, got %d", MaxClients, o.Clients)
	case o.Steps < 1 || o.Steps > MaxSteps:
		return "", nil, fmt.Errorf("--steps: want 1 to %d steps, got %d", MaxSteps, o.Steps)
	case (o.System == "nfs" || o.System == "afs") && o.Steps < 2*o.Clients:
		return "", nil, fmt.Errorf("--steps: %d clients need at least %d steps (each opens and closes a file)", o.Clients, 2*o.Clients)
	}
	name = fmt.Sprintf("quiz_%s_%d", o.System, o.Seed)
	w := &writer{r: sim.NewRand(o.Seed, "quiz/"+o.System), o: o}
	w.line("# An exercise: %s.", o.Command())
	w.line("# Its table with the answers hidden: sim run FILE --quiz; shown: --quiz --answers.")
	w.line("name: %s", name)
	switch o.System {
	case "nfs", "afs":
		w.fileSystem()
	case "rpc":
		w.rpc()
	case "reliable":
		w.reliable()
	}
	return name, []byte(w.b.String()), nil
}

// writer builds an exercise's file from the seed's random stream.
type writer struct {
	r *sim.Rand
	o Options
	b strings.Builder
}

func (w *writer) line(format string, args ...any) { fmt.Fprintf(&w.b, format+"\n", args...) }

// pick returns one of the choices, each as likely.
func (w *writer) pick(choices ...string) string { return choices[w.r.IntN(len(choices))] }

// clientName names client i: A, B, C, ...
func clientName(i int) string { return string(rune('A' + i)) }

// secs formats a duration as scenario files write one.
func secs(d time.Duration) string { return sim.FormatDuration(d) }

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
