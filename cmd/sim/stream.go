package main

import (
	"bufio"
	"fmt"
	"os"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/report/outdir"
	"github.com/sim-lecture/sim/scenarios"
)

// streams are the trace and step files of a run with --out whose
// workload has programs: per system run, trace-LABEL.jsonl and
// steps-LABEL.jsonl, written into the set as the run goes (issue 12: "the
// full table and traces go only to --out, streamed"). Nothing of either
// is kept in memory, so that 10,000 clients for an hour (millions of
// records and steps) fit where a kept trace would not.
type streams struct {
	set   *outdir.Dir
	files []streamFile
	sinks []*report.RunStream
	err   error
}

type streamFile struct {
	f *os.File
	w *bufio.Writer
}

// open is scenarios.Options.Stream: it creates one run's two files.
func (s *streams) open(system, variant string) scenarios.Sink {
	if s.err != nil {
		return nil
	}
	label := (&report.System{System: system, Variant: variant}).FileLabel()
	var ws [2]*bufio.Writer
	for i, name := range []string{"trace-" + label + ".jsonl", "steps-" + label + ".jsonl"} {
		f, err := s.set.Create(name)
		if err != nil {
			s.err = fmt.Errorf("--out: %v", err)
			return nil
		}
		ws[i] = bufio.NewWriterSize(f, 1<<16)
		s.files = append(s.files, streamFile{f: f, w: ws[i]})
	}
	rs := report.NewRunStream(ws[0], ws[1])
	s.sinks = append(s.sinks, rs)
	return rs
}

// close finishes every file: all of it on disk, or the first error.
func (s *streams) close() error {
	first := s.err
	for _, rs := range s.sinks {
		if err := rs.Err(); first == nil && err != nil {
			first = fmt.Errorf("--out: %v", err)
		}
	}
	for _, sf := range s.files {
		err := sf.w.Flush()
		if cerr := sf.f.Close(); err == nil {
			err = cerr
		}
		if first == nil && err != nil {
			first = fmt.Errorf("--out: %v", err)
		}
	}
	s.files, s.sinks = nil, nil
	return first
}
