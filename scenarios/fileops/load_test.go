package fileops_test

import (
	"math"
	"testing"

	_ "github.com/sim-lecture/sim/protocols/all"
	"github.com/sim-lecture/sim/report"
)

// The utilisation model: each call costs its procedure's service time
// (a status call 1 ms, a transfer 4 ms, a namespace change 3 ms), over
// the time the run lasted.
func TestUtilization(t *testing.T) {
	tests := []struct {
		name   string
		metric string
		sys    []report.System
		want   float64
	}{
		{"afs: 10 FETCH and 100 FETCHSTATUS in 10s", "utilization", []report.System{
			{System: "afs", End: "10s", Stats: report.Stats{Calls: map[string]int{"FETCH": 10, "FETCHSTATUS": 100}}}}, 0.014},
		{"afs: a STORE, its break and a CREATE in 1s", "utilization", []report.System{
			{System: "afs", End: "1s", Stats: report.Stats{Calls: map[string]int{"STORE": 1, "BREAKCALLBACK": 1, "CREATE": 1}}}}, 0.008},
		{"nfs: 50 GETATTR, 25 READ, 5 WRITE and a MKDIR in 5s", "utilization", []report.System{
			{System: "nfs", End: "5s", Stats: report.Stats{Calls: map[string]int{"GETATTR": 50, "READ": 25, "WRITE": 5, "MKDIR": 1}}}}, 0.0346},
		{"mean over the systems", "utilization", []report.System{
			{System: "afs", End: "1s", Stats: report.Stats{Calls: map[string]int{"FETCHSTATUS": 100}}},
			{System: "nfs", End: "1s", Stats: report.Stats{Calls: map[string]int{"GETATTR": 300}}}}, 0.2},
		{"one system by name", "nfs:utilization", []report.System{
			{System: "afs", End: "1s", Stats: report.Stats{Calls: map[string]int{"FETCHSTATUS": 100}}},
			{System: "nfs", End: "1s", Stats: report.Stats{Calls: map[string]int{"GETATTR": 300}}}}, 0.3},
		{"no calls", "utilization", []report.System{{System: "afs", End: "3s"}}, 0},
		{"a system without a model", "utilization", []report.System{
			{System: "udp", End: "1s", Stats: report.Stats{Calls: map[string]int{"X": 1}}}}, math.NaN()},
		{"a run that took no time", "utilization", []report.System{
			{System: "afs", End: "0s", Stats: report.Stats{Calls: map[string]int{"FETCH": 1}}}}, math.NaN()},
	}
	for _, tt := range tests {
		ref, err := report.ParseMetric(tt.metric)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ref.Eval(&report.Result{Systems: tt.sys})
		if err != nil {
			t.Fatal(err)
		}
		if math.IsNaN(tt.want) != math.IsNaN(got) || (!math.IsNaN(got) && math.Abs(got-tt.want) > 1e-12) {
			t.Errorf("%s: %s = %g; want %g", tt.name, tt.metric, got, tt.want)
		}
	}
}
