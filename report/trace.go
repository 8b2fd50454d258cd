package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/sim-lecture/sim/sim"
)

// traceLine is one trace record as a JSON object.
type traceLine struct {
	At    string `json:"at"`
	Ns    int64  `json:"ns"`
	Kind  string `json:"kind"`
	Node  string `json:"node,omitempty"`
	Peer  string `json:"peer,omitempty"`
	Msg   uint64 `json:"msg,omitempty"`
	Size  int    `json:"size,omitempty"`
	Label string `json:"label,omitempty"`
	Info  string `json:"info,omitempty"`
}

// WriteTrace writes every kept trace record of w as JSON Lines, one record
// per line, in the order they happened.
func WriteTrace(out io.Writer, w *sim.World) error {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, r := range w.Trace().Records() {
		if err := enc.Encode(lineOf(w, r)); err != nil {
			return err
		}
		if b.Len() >= 1<<20 {
			// Written as it goes: a trace of a million records is
			// never held twice in memory.
			if _, err := io.WriteString(out, b.String()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	if n := w.Trace().Unkept(); n > 0 {
		last := traceLine{At: w.Now().String(), Ns: int64(w.Now()), Kind: "truncated", Info: fmt.Sprintf("%d later records were not kept (a trace keeps the first %d)", n, sim.MaxKeptRecords)}
		if err := enc.Encode(last); err != nil {
			return err
		}
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// lineOf is record r of w as a JSON line.
func lineOf(w *sim.World, r sim.Record) traceLine {
	name := func(id sim.NodeID) string {
		if id == sim.NoNode {
			return ""
		}
		return w.Name(id)
	}
	return traceLine{At: r.At.String(), Ns: int64(r.At), Kind: r.Kind.String(), Node: name(r.Node), Peer: name(r.Peer),
		Msg: r.Msg, Size: r.Size, Label: r.Label, Info: r.Info}
}

// RunStream writes a run's trace records and steps as JSON Lines while the
// run goes on, in memory that does not grow with it: sim run --out of a
// program workload, whose millions of records and steps are never kept.
// Trace lines have WriteTrace's form; step lines are Steps as the JSON
// result writes them. Writes go to buffered writers the caller flushes;
// the first error stops the writing and Err reports it.
type RunStream struct {
	trace, steps *json.Encoder
	err          error
}

// NewRunStream returns a RunStream that writes trace records to trace and steps
// to steps.
func NewRunStream(trace, steps io.Writer) *RunStream {
	s := &RunStream{trace: json.NewEncoder(trace), steps: json.NewEncoder(steps)}
	s.trace.SetEscapeHTML(false)
	s.steps.SetEscapeHTML(false)
	return s
}

// Record writes trace record r of w.
func (s *RunStream) Record(w *sim.World, r sim.Record) {
	if s.err == nil {
		s.err = s.trace.Encode(lineOf(w, r))
	}
}

// Step writes a step.
func (s *RunStream) Step(st *Step) {
	if s.err == nil {
		s.err = s.steps.Encode(st)
	}
}

// Err returns the first write error, or nil.
func (s *RunStream) Err() error { return s.err }
