package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// Exercise is how a system writes new exercises for `sim quiz`, as OSTEP's
// simulators do: a scenario with a random workload (and, for a system
// whose lesson is what failures do, a random schedule of faults) drawn
// from a seed, which `sim quiz` runs and asks about.
type Exercise struct {
	// Clients and Steps are the defaults of `sim quiz --clients` and
	// `--steps`.
	Clients, Steps int
	// MinSteps, when set, is the fewest steps an exercise of this many
	// clients needs so that every client takes part (a file system's: an
	// open and a close each; a step each elsewhere). Write must then use
	// every client.
	MinSteps func(clients int) int
	// Write writes the scenario's keys after its name (description,
	// seed, systems, options, files, workload, faults) for an exercise of
	// clients and steps, within the bounds of `sim quiz`, drawing every
	// choice from w.Rand: the same stream writes the same exercise.
	Write func(w *ExerciseWriter, seed uint64, clients, steps int)
}

// ExerciseWriter collects the lines of an exercise's scenario file and
// hands out its random choices.
type ExerciseWriter struct {
	// Rand is the exercise's random stream, derived from its seed.
	Rand *sim.Rand
	b    strings.Builder
}

// Line adds a line to the file.
func (w *ExerciseWriter) Line(format string, args ...any) { fmt.Fprintf(&w.b, format+"\n", args...) }

// Pick returns one of the choices, each as likely.
func (w *ExerciseWriter) Pick(choices ...string) string { return choices[w.Rand.IntN(len(choices))] }

// String returns the file so far.
func (w *ExerciseWriter) String() string { return w.b.String() }

// ClientName names client i of an exercise: A, B, C, ...
func ClientName(i int) string { return string(rune('A' + i)) }

// FormatTime writes a time as a scenario file does ("1.5s", "950ms").
func FormatTime(d time.Duration) string { return sim.FormatDuration(d) }
