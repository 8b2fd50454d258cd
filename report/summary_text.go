package report

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// SummaryText writes a system's summary as the text output shows it: the
// steps and ops, the calls by procedure and per second, a table of
// latency percentiles per op and, with report.phases, one of the load
// per phase.
func SummaryText(s *System) string {
	var b strings.Builder
	sum := s.Summary
	if sum == nil {
		return ""
	}
	fmt.Fprintf(&b, "%s: %d steps by %d clients", s.Label(), sum.Steps, sum.Clients)
	if sum.Iterations > 0 {
		fmt.Fprintf(&b, " (%d program iterations, %d late)", sum.Iterations, sum.Late)
	}
	if sum.IdleClients > 0 {
		// A period longer than start..until leaves clients out, which
		// a bare "0 steps by 0 clients" does not explain.
		who := fmt.Sprintf("%d program clients", sum.IdleClients)
		if sum.IdleClients == 1 {
			who = "1 program client"
		}
		fmt.Fprintf(&b, "; %s started no iteration (the first of each starts at a random phase within a period of start, and theirs fell at or after until)", who)
	}
	fmt.Fprintf(&b, "\n  ops: %d ok, %d failed", sum.Ops, sum.Errors)
	if len(sum.ByResult) > 0 {
		var parts []string
		for _, k := range sortedKeys(sum.ByResult) {
			parts = append(parts, fmt.Sprintf("%s %d", k, sum.ByResult[k]))
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	total := 0
	var parts []string
	for _, k := range sortedKeys(sum.Calls) {
		total += sum.Calls[k]
		parts = append(parts, fmt.Sprintf("%s %d", k, sum.Calls[k]))
	}
	fmt.Fprintf(&b, "\n  calls: %d (%g per second)", total, sum.CallsPerSecond)
	if len(parts) > 0 {
		fmt.Fprintf(&b, ": %s", strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, "\n  retransmissions: %d, stale reads: %d\n", sum.Retransmissions, sum.StaleReads)
	if len(sum.Latency) > 0 {
		t := &Table{Columns: []string{"latency", "count", "p50", "p90", "p99", "max"}}
		for _, l := range sum.Latency {
			t.Rows = append(t.Rows, []string{l.Op, fmt.Sprint(l.Count), l.P50, l.P90, l.P99, l.Max})
		}
		for _, line := range strings.SplitAfter(strings.TrimSuffix(TableText(t), "\n"), "\n") {
			b.WriteString("  " + line)
		}
		b.WriteString("\n")
	}
	if len(s.Phases) > 0 {
		t := &Table{Columns: []string{"phase", "clients", "calls to servers (per s)", "callbacks to clients"}}
		for _, p := range s.Phases {
			t.Rows = append(t.Rows, []string{p.From + "-" + p.To, fmt.Sprint(p.Clients), fmt.Sprintf("%d (%.2f/s)", p.Calls, p.CallsPerSecond), fmt.Sprint(p.Callbacks)})
		}
		for _, line := range strings.SplitAfter(strings.TrimSuffix(TableText(t), "\n"), "\n") {
			b.WriteString("  " + line)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// writeSummaries writes each system's summary.
func writeSummaries(buf *bytes.Buffer, r *Result) {
	for i := range r.Systems {
		if r.Systems[i].Summary != nil {
			buf.WriteString(SummaryText(&r.Systems[i]))
			buf.WriteString("\n")
		}
	}
}

// sortedKeys returns a map's keys in order.
func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
