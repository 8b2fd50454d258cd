package scenarios

import (
	"testing"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/sim"
)

// nopSink is a Sink that drops what it gets.
type nopSink struct{}

func (nopSink) Record(*sim.World, sim.Record) {}
func (nopSink) Step(*report.Step)             {}

// TestStepTextRead: a file's rows are always read; a program's slots
// (from row 2 on here) only when the run streams its steps or its driver
// does not report completions.
func TestStepTextRead(t *testing.T) {
	for _, tc := range []struct {
		name  string
		run   *SystemRun
		row   int
		wants bool
	}{
		{"no program", &SystemRun{}, 5, true},
		{"file row", &SystemRun{prog: &programRun{base: 2, waits: true}}, 1, true},
		{"program slot", &SystemRun{prog: &programRun{base: 2, waits: true}}, 2, false},
		{"streamed slot", &SystemRun{prog: &programRun{base: 2, waits: true}, sink: nopSink{}}, 2, true},
		{"slot of a driver without completions", &SystemRun{prog: &programRun{base: 2}}, 3, true},
	} {
		if got := tc.run.StepTextRead(tc.row); got != tc.wants {
			t.Errorf("%s: StepTextRead(%d) = %v; want %v", tc.name, tc.row, got, tc.wants)
		}
	}
}
