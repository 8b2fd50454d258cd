package nfsdriver

import (
	"strings"
	"testing"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

// stepSink keeps a copy of every step streamed to it.
type stepSink struct{ steps []report.Step }

func (s *stepSink) Record(*sim.World, sim.Record) {}
func (s *stepSink) Step(st *report.Step)          { s.steps = append(s.steps, *st) }

// TestStreamedProgramStepsKeepText: the driver leaves out a program
// step's note and latency only when nobody reads them; a streamed step
// (--out) still has them and its value, as has a file's own row of the
// same run.
func TestStreamedProgramStepsKeepText(t *testing.T) {
	src := `name: text
systems: [nfs]
files:
  shared: {blocks: [s0]}
workload:
  - {at: 0s, client: A, op: open, file: shared, fd: g}
  - {at: 1s, client: A, op: read, fd: g, block: 0}
  - program:
      clients: 2
      every: 60s
      until: 2m
      think: 100ms
      steps:
        - {op: open, file: shared, fd: f}
        - {op: read, fd: f, block: 0}
        - {op: close, fd: f}
`
	sc, err := scenarios.Load("text.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	sink := &stepSink{}
	res, _, err := scenarios.Run(sc, scenarios.Options{Stream: func(string, string) scenarios.Sink { return sink }})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range append(res.Systems[0].Steps, sink.steps...) {
		if st.Op != "read" || st.Result != "ok" {
			continue
		}
		if st.Latency == "" || !strings.Contains(st.Note, "read s0") || st.Value == nil || *st.Value != "s0" {
			t.Errorf("%s's read at %s: latency %q, note %q, value %v; want a latency, %q and s0", st.Client, st.At, st.Latency, st.Note, st.Value, "read s0")
		}
	}
	if n := len(sink.steps); n != 2+2*3*2 {
		t.Errorf("streamed %d steps; want %d", n, 2+2*3*2)
	}
}
