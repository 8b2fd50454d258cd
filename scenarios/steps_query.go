package scenarios

// StepTextRead reports whether anyone will read the Note, Latency and
// Value a driver writes into workload row i's step. A file's own row is
// always read: it is a row of the table or of the JSON result. A
// program's slot is only counted into the summary, which takes the
// latency the runner measured and no note or value (issue 12: output
// that does not grow as rows x clients), unless the run streams its
// steps (--out) or keeps them (--steps), or its driver does not report
// completions (the summary then parses Latency). When this is false a driver may skip building
// them, which at thousands of clients is a share of every step's cost.
func (r *SystemRun) StepTextRead(i int) bool {
	return r.prog == nil || i < r.prog.base || r.sink != nil || r.keeping || !r.prog.waits
}
