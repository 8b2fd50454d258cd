package report

import (
	"bytes"
	"encoding/csv"
	"strconv"
)

// writeSummaryCSV writes the summaries of a run that has no table (a
// workload of programs only, or too large a table) as CSV, one line per
// system and metric: system, metric, value. The metrics are named as
// sim sweep's (calls.PROC, latency.OP), so that a spreadsheet or a script
// reads them as it reads a sweep's; without this the CSV of such a run
// was empty.
func writeSummaryCSV(buf *bytes.Buffer, r *Result) error {
	w := csv.NewWriter(buf)
	if err := w.Write([]string{"system", "metric", "value"}); err != nil {
		return err
	}
	for i := range r.Systems {
		s := &r.Systems[i]
		if s.Summary == nil {
			continue
		}
		for _, m := range summaryMetrics(s.Summary) {
			if err := w.Write([]string{s.Label(), m[0], m[1]}); err != nil {
				return err
			}
		}
	}
	w.Flush()
	return w.Error()
}

// summaryMetrics lists a summary's metrics as name and value, in the
// order of its JSON: counts, errors by result, calls by procedure (each
// in name order), then each op's latency percentiles.
func summaryMetrics(sum *Summary) [][2]string {
	itoa := strconv.Itoa
	out := [][2]string{
		{"clients", itoa(sum.Clients)}, {"iterations", itoa(sum.Iterations)}, {"late_iterations", itoa(sum.Late)},
		{"steps", itoa(sum.Steps)}, {"ops", itoa(sum.Ops)}, {"errors", itoa(sum.Errors)},
	}
	if sum.IdleClients > 0 {
		out = append(out[:3:3], append([][2]string{{"idle_clients", itoa(sum.IdleClients)}}, out[3:]...)...)
	}
	for _, k := range sortedKeys(sum.ByResult) {
		out = append(out, [2]string{"errors." + k, itoa(sum.ByResult[k])})
	}
	for _, k := range sortedKeys(sum.Calls) {
		out = append(out, [2]string{"calls." + k, itoa(sum.Calls[k])})
	}
	out = append(out,
		[2]string{"calls_per_second", strconv.FormatFloat(sum.CallsPerSecond, 'g', -1, 64)},
		[2]string{"retransmissions", itoa(sum.Retransmissions)}, [2]string{"stale_reads", itoa(sum.StaleReads)})
	for _, l := range sum.Latency {
		op := "latency." + l.Op + "."
		out = append(out, [2]string{op + "count", itoa(l.Count)}, [2]string{op + "p50", l.P50},
			[2]string{op + "p90", l.P90}, [2]string{op + "p99", l.P99}, [2]string{op + "max", l.Max})
	}
	return out
}
