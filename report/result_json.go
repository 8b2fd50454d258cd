package report

import (
	"bytes"
	"encoding/json"
)

// MarshalJSON writes the system's result with its parts (Parts) between
// disk and phases, each under its key, so that every system's JSON has the
// same order of keys whatever parts it has: system, variant, summary,
// steps, faults, disk, the parts, phases, stats, end, events, trace_hash,
// bound. Summary is left out when there is none, steps when they are
// nil.
func (s System) MarshalJSON() ([]byte, error) {
	head := struct {
		System  string              `json:"system"`
		Variant string              `json:"variant,omitempty"`
		Summary *Summary            `json:"summary,omitempty"`
		Steps   *[]Step             `json:"steps,omitempty"`
		Faults  []Fault             `json:"faults"`
		Disk    map[string][]string `json:"disk"`
	}{s.System, s.Variant, s.Summary, nil, s.Faults, s.Disk}
	if s.Steps != nil {
		// Empty but present: only a result that leaves its steps out
		// (Result.OmitSteps) has none.
		steps := s.Steps
		if len(s.ProgramSteps) > 0 {
			steps = append(s.Steps[:len(s.Steps):len(s.Steps)], s.ProgramSteps...)
		}
		head.Steps = &steps
	}
	tail := struct {
		Phases    []Phase `json:"phases,omitempty"`
		Stats     Stats   `json:"stats"`
		End       string  `json:"end"`
		Events    uint64  `json:"events"`
		TraceHash string  `json:"trace_hash"`
		Bound     string  `json:"bound,omitempty"`
		LeftOut   int     `json:"steps_left_out,omitempty"`
	}{s.Phases, s.Stats, s.End, s.Events, s.TraceHash, s.Bound, 0}
	if s.Steps != nil {
		tail.LeftOut = s.StepsLeftOut
	}
	var b bytes.Buffer
	h, err := encode(head)
	if err != nil {
		return nil, err
	}
	b.Write(h[:len(h)-1]) // without its closing brace
	for _, p := range s.Parts {
		k, err := encode(p.Key)
		if err != nil {
			return nil, err
		}
		v, err := encode(p.Value)
		if err != nil {
			return nil, err
		}
		b.WriteByte(',')
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	t, err := encode(tail)
	if err != nil {
		return nil, err
	}
	b.WriteByte(',')
	b.Write(t[1:]) // without its opening brace
	return b.Bytes(), nil
}

// encode marshals v as the result's writer does: compact, and without
// escaping <, > and & (notes say "A->B").
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
