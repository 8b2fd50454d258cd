// Package quiz writes new exercises, the way OSTEP's simulators do: from a
// seed, a random workload (and for rpc and reliable a random schedule of
// lost messages and crashes) as a scenario file, which `sim quiz` runs and
// asks about with the answers hidden. The same seed always gives the same
// exercise. Each system writes its own (scenarios.System.Exercise); this
// package checks the options and adds the file's head.
package quiz

import (
	"fmt"
	"strings"

	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

// Bounds of an exercise: a table a student can work through by hand.
const (
	MaxClients = 6
	MaxSteps   = 40
)

// Systems returns the registered systems that write exercises, in order.
func Systems() []string {
	var out []string
	for _, s := range scenarios.Systems() {
		if s.Exercise != nil {
			out = append(out, s.Name)
		}
	}
	return out
}

// Options choose an exercise.
type Options struct {
	// System is one of Systems.
	System string
	// Seed picks the exercise.
	Seed uint64
	// Clients is how many clients take part; 0 is the system's default.
	Clients int
	// Steps is how many workload rows the exercise has; 0 is the
	// system's default, or more if the clients need more (MinSteps).
	Steps int
}

// exercise returns the system's exercise writer, and o with the
// system's defaults filled in.
func (o Options) exercise() (*scenarios.Exercise, Options, error) {
	s := scenarios.LookupSystem(o.System)
	if s == nil || s.Exercise == nil {
		return nil, o, fmt.Errorf("no exercises for system %q (want one of %s)", o.System, strings.Join(Systems(), ", "))
	}
	if o.Clients == 0 {
		o.Clients = s.Exercise.Clients
	}
	if o.Steps == 0 {
		o.Steps = s.Exercise.Steps
		// Enough steps for every client to take part.
		if m := s.Exercise.MinSteps; m != nil && o.Clients > 0 && o.Clients <= MaxClients {
			o.Steps = max(o.Steps, m(o.Clients))
		}
	}
	return s.Exercise, o, nil
}

// Command is the command line that writes this exercise again.
func (o Options) Command() string {
	if _, d, err := o.exercise(); err == nil {
		o = d
	}
	return fmt.Sprintf("sim quiz %s --seed %d --clients %d --steps %d", o.System, o.Seed, o.Clients, o.Steps)
}

// Exercise returns the exercise's name and its scenario file.
func Exercise(o Options) (name string, yaml []byte, err error) {
	ex, o, err := o.exercise()
	if err != nil {
		return "", nil, err
	}
	switch {
	case o.Clients < 1 || o.Clients > MaxClients:
		return "", nil, fmt.Errorf("--clients: want 1 to %d clients, got %d", MaxClients, o.Clients)
	case o.Steps < 1 || o.Steps > MaxSteps:
		return "", nil, fmt.Errorf("--steps: want 1 to %d steps, got %d", MaxSteps, o.Steps)
	case ex.MinSteps != nil && o.Steps < ex.MinSteps(o.Clients):
		return "", nil, fmt.Errorf("--steps: %d clients need at least %d steps", o.Clients, ex.MinSteps(o.Clients))
	}
	name = fmt.Sprintf("quiz_%s_%d", o.System, o.Seed)
	w := &scenarios.ExerciseWriter{Rand: sim.NewRand(o.Seed, "quiz/"+o.System)}
	w.Line("# An exercise: %s.", o.Command())
	w.Line("# Its table with the answers hidden: sim run FILE --quiz; shown: --quiz --answers.")
	w.Line("name: %s", name)
	ex.Write(w, o.Seed, o.Clients, o.Steps)
	return name, []byte(w.String()), nil
}
