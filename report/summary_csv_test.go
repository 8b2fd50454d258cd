package report

import (
	"strings"
	"testing"
)

// TestWriteSummaryCSV checks the CSV of a run: its table when it has one,
// else, for a summarized run (programs only), one line per system and
// metric; it was empty before.
func TestWriteSummaryCSV(t *testing.T) {
	sum := &Summary{Clients: 3, Iterations: 6, Steps: 18, Ops: 17, Errors: 1, ByResult: map[string]int{"EHOSTDOWN": 1},
		Calls: map[string]int{"LOOKUP": 6, "GETATTR": 2}, CallsPerSecond: 0.25, Retransmissions: 2,
		Latency: []OpLatency{{Op: "open", Count: 6, P50: "10ms", P90: "10ms", P99: "20ms", Max: "20ms"}}}
	table := &Table{Columns: []string{"Time", "Client A"}, Rows: [][]string{{"0s", "stat(\"a\")"}}}
	cases := []struct {
		name string
		r    Result
		want string
	}{
		{"a summarized run without a table", Result{Summarized: true, Systems: []System{{System: "nfs", Summary: sum}, {System: "afs", Variant: "v", Summary: &Summary{Calls: map[string]int{}}}}},
			`system,metric,value
nfs,clients,3
nfs,iterations,6
nfs,late_iterations,0
nfs,steps,18
nfs,ops,17
nfs,errors,1
nfs,errors.EHOSTDOWN,1
nfs,calls.GETATTR,2
nfs,calls.LOOKUP,6
nfs,calls_per_second,0.25
nfs,retransmissions,2
nfs,stale_reads,0
nfs,latency.open.count,6
nfs,latency.open.p50,10ms
nfs,latency.open.p90,10ms
nfs,latency.open.p99,20ms
nfs,latency.open.max,20ms
afs v,clients,0
afs v,iterations,0
afs v,late_iterations,0
afs v,steps,0
afs v,ops,0
afs v,errors,0
afs v,calls_per_second,0
afs v,retransmissions,0
afs v,stale_reads,0
`},
		{"a summarized run with a table of its rows", Result{Summarized: true, Table: table, Systems: []System{{System: "nfs", Summary: sum}}},
			"Time,Client A\n0s,\"stat(\"\"a\"\")\"\n"},
		{"a run with a table", Result{Table: table, Systems: []System{{System: "nfs"}}}, "Time,Client A\n0s,\"stat(\"\"a\"\")\"\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := Write(&b, &tc.r, "csv"); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tc.want {
				t.Errorf("CSV =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
