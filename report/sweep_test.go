package report_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	_ "github.com/sim-lecture/sim/protocols/all"
	"github.com/sim-lecture/sim/protocols/nfs/nfsdriver"
	"github.com/sim-lecture/sim/protocols/reliable/reliabledriver"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// lossySweep is a small sweep over the socket's loss rate.
func lossySweep(t *testing.T, workers int) *report.SweepResult {
	t.Helper()
	return lossySweepOf(t, workers, report.Shard{})
}

// lossySweepOf runs lossySweep's grid, or the shard of it.
func lossySweepOf(t *testing.T, workers int, shard report.Shard) *report.SweepResult {
	t.Helper()
	file, data, err := scenarios.ReadSource("pipe_vs_socket")
	if err != nil {
		t.Fatal(err)
	}
	ax, err := scenarios.ParseAxis("network.loss", "0..0.4:0.2")
	if err != nil {
		t.Fatal(err)
	}
	dup, err := scenarios.ParseAxis("network.duplicate", "0,0.3")
	if err != nil {
		t.Fatal(err)
	}
	s := report.Sweep{Scenario: "pipe_vs_socket", Axes: []report.SweepAxis{ax, dup}, Seeds: []uint64{1, 2, 3},
		Metrics: []string{"socket:delivered", "duplicates", "calls.total", "events", "completion"}, Workers: workers, Shard: shard}
	res, err := report.RunSweep(s, func(values []string, seed uint64) (*report.Result, error) {
		sc, err := scenarios.LoadWith(file, data, []scenarios.Setting{{Key: "network.loss", Value: values[0]}, {Key: "network.duplicate", Value: values[1]}})
		if err != nil {
			return nil, err
		}
		r, _, err := scenarios.Run(sc, scenarios.Options{Seed: &seed})
		return r, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func csvOf(t *testing.T, r *report.SweepResult) (string, string) {
	t.Helper()
	var a, b bytes.Buffer
	if err := r.WriteCSV(&a); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteSummaryCSV(&b); err != nil {
		t.Fatal(err)
	}
	return a.String(), b.String()
}

// TestSweepWorkersDoNotMatter: the CSV is byte for byte the same with one
// worker and with four.
func TestSweepWorkersDoNotMatter(t *testing.T) {
	one, oneSum := csvOf(t, lossySweep(t, 1))
	four, fourSum := csvOf(t, lossySweep(t, 4))
	if diff := cmp.Diff(one, four); diff != "" {
		t.Errorf("sweep.csv differs between 1 and 4 workers (-1 +4):\n%s", diff)
	}
	if diff := cmp.Diff(oneSum, fourSum); diff != "" {
		t.Errorf("sweep-summary.csv differs between 1 and 4 workers (-1 +4):\n%s", diff)
	}
	lines := strings.Split(strings.TrimSpace(one), "\n")
	if len(lines) != 1+3*2*3 {
		t.Errorf("sweep.csv has %d lines; want a header and 18 runs", len(lines))
	}
	if lines[0] != "network.loss,network.duplicate,seed,socket:delivered,duplicates,calls.total,events,completion" {
		t.Errorf("header = %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "0,0,1,") || !strings.HasPrefix(lines[18], "0.4,0.3,3,") {
		t.Errorf("rows are not in grid order: first %q, last %q", lines[1], lines[18])
	}
}

// TestSweepAggregates: the summary is the mean, min and max over the seeds.
func TestSweepAggregates(t *testing.T) {
	r := lossySweep(t, 2)
	for p := range r.Points {
		for m := range r.Metrics {
			var vals []float64
			for _, run := range r.Runs {
				if run.Point == p && !math.IsNaN(run.Values[m]) {
					vals = append(vals, run.Values[m])
				}
			}
			a := r.Stats[p][m]
			if len(vals) != a.N {
				t.Fatalf("point %d metric %s: N = %d; want %d", p, r.Metrics[m], a.N, len(vals))
			}
			if a.N == 0 {
				if !math.IsNaN(a.Mean) {
					t.Errorf("point %d metric %s: mean %v of no values; want NaN", p, r.Metrics[m], a.Mean)
				}
				continue
			}
			lo, hi, sum := vals[0], vals[0], 0.0
			for _, v := range vals {
				lo, hi, sum = math.Min(lo, v), math.Max(hi, v), sum+v
			}
			if a.Min != lo || a.Max != hi || a.Mean != sum/float64(len(vals)) {
				t.Errorf("point %d metric %s: %+v; want mean %v min %v max %v", p, r.Metrics[m], a, sum/float64(len(vals)), lo, hi)
			}
		}
	}
	// More loss, fewer deliveries: the physics of the sweep.
	first, last := r.Stats[0][0].Mean, r.Stats[4][0].Mean
	if !(last < first) {
		t.Errorf("delivered at loss 0.4 (%v) is not below loss 0 (%v)", last, first)
	}
	// calls.total applies (0 calls: a socket makes none); completion is
	// when the stream's last message arrived.
	if r.Stats[0][2].Mean != 0 || !(r.Stats[0][4].Mean > 0) {
		t.Errorf("calls.total %v, completion %v; want 0 and above 0", r.Stats[0][2].Mean, r.Stats[0][4].Mean)
	}
}

// TestSweepErrors: a bad metric fails before running; a failing run fails
// the sweep with the run's point and seed, the same error whatever the
// number of workers.
func TestSweepErrors(t *testing.T) {
	ax := report.SweepAxis{Key: "k", Values: []string{"a", "b", "c"}, X: []float64{0, 1, 2}}
	ran := false
	_, err := report.RunSweep(report.Sweep{Axes: []report.SweepAxis{ax}, Seeds: []uint64{1}, Metrics: []string{"call.GETATTR"}},
		func([]string, uint64) (*report.Result, error) { ran = true; return &report.Result{}, nil })
	if err == nil || !strings.Contains(err.Error(), `did you mean "calls.PROC"`) || ran {
		t.Errorf("bad metric: %v (ran %v); want a did-you-mean before running", err, ran)
	}
	for _, workers := range []int{1, 3} {
		var mu sync.Mutex
		_, err = report.RunSweep(report.Sweep{Axes: []report.SweepAxis{ax}, Seeds: []uint64{1, 2}, Metrics: []string{"events"}, Workers: workers},
			func(v []string, seed uint64) (*report.Result, error) {
				mu.Lock()
				defer mu.Unlock()
				if v[0] != "a" {
					return nil, errors.New("boom")
				}
				return &report.Result{Systems: []report.System{{System: "x", Events: 3}}}, nil
			})
		if err == nil || err.Error() != "k=b, seed 1: boom" {
			t.Errorf("workers %d: error %v; want the first failing run's", workers, err)
		}
	}
}

func sampleResult() *report.Result {
	four := 4
	return &report.Result{
		Violations: []report.Violation{{System: "nfs", Message: "x"}, {Message: "y"}},
		Systems: []report.System{
			{System: "nfs", End: "10s", Events: 100,
				Stats: report.Stats{Calls: map[string]int{"GETATTR": 9, "READ": 1}, Messages: map[string]int{"send": 20, "drop": 2},
					Counters: map[string]int{"path_lookups": 7}},
				Steps: []report.Step{
					{At: "0s", Op: "open", Result: "ok", Latency: "1s", Calls: []report.Call{{Proc: "LOOKUP", Attempts: 3}}},
					{At: "5s", Op: "read", Result: "ESTALE", Latency: "3s"},
					{At: "6s", Op: "read", Result: "ok", Stale: "0s"},
					{At: "7s", Op: "read", Result: "ok", Stale: "3s"},
				},
				Parts: []report.Part{{Key: nfsdriver.LostPart, Value: []nfsdriver.LostWrite{{File: "f", Block: 1}}}},
			},
			{System: "afs", End: "20s", Events: 50,
				Stats: report.Stats{Calls: map[string]int{"FETCH": 2}},
				Steps: []report.Step{{At: "1s", Result: "ok", Executions: &four}},
				Parts: []report.Part{
					{Key: report.StreamsPart, Value: []report.Stream{{Delivered: 30, Lost: 2, Duplicates: 1, Retransmissions: 5, Completion: "3s"}}},
					{Key: reliabledriver.RTTPart, Value: []reliabledriver.RTTSample{{Sample: "100ms", RTO: "1s"}, {Sample: "300ms", RTO: "2s"}}},
				}},
		},
	}
}

// TestMetricRegistry computes every kind of metric on a known result.
func TestMetricRegistry(t *testing.T) {
	r := sampleResult()
	tests := []struct {
		name string
		want float64
	}{
		{"calls.total", 12},
		{"calls.GETATTR", 9},
		{"calls.getattr", 9},
		{"nfs:calls.total", 10},
		{"afs:calls.GETATTR", 0},
		{"call_share.GETATTR", 0.75},
		{"nfs:call_share.GETATTR", 0.9},
		{"calls_per_second", (10.0/10 + 2.0/20) / 2},
		{"nfs:calls_per_second", 1},
		{"retransmissions", 2 + 5},
		{"delivered", 30},
		{"lost", 2},
		{"duplicates", 1},
		{"goodput", 10},
		{"afs:completion", 3},
		{"nfs:completion", 8},
		{"completion", 8},
		{"end", 20},
		{"events", 150},
		{"violations", 2},
		{"afs:violations", 1},
		{"errors", 1},
		{"staleness.max", 3},
		{"staleness.mean", 1.5},
		{"stale_reads", 1},
		{"lost_writes", 1},
		{"nfs:counters.path_lookups", 7},
		{"executions", 4},
		{"latency.mean", 2},
		{"latency.max", 3},
		{"latency.open", 1},
		{"latency.read", 3},
		{"latency_max.read", 3},
		{"latency_median.open", 1},
		{"rtt.mean", 0.2},
		{"rto.final", 2},
		{"messages.send", 20},
		{"messages.drop", 2},
	}
	for _, tc := range tests {
		m, err := report.ParseMetric(tc.name)
		if err != nil {
			t.Errorf("ParseMetric(%s): %v", tc.name, err)
			continue
		}
		got, err := m.Eval(r)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s = %v; want %v", tc.name, got, tc.want)
		}
	}
	// A metric that does not apply is NaN, not zero.
	m, _ := report.ParseMetric("nfs:delivered")
	if v, _ := m.Eval(r); !math.IsNaN(v) {
		t.Errorf("nfs:delivered = %v; want NaN (nfs has no streams)", v)
	}
	m, _ = report.ParseMetric("latency.write")
	if v, _ := m.Eval(r); !math.IsNaN(v) {
		t.Errorf("latency.write = %v; want NaN (no write rows)", v)
	}
	m, _ = report.ParseMetric("udp:events")
	if _, err := m.Eval(r); err == nil || !strings.Contains(err.Error(), `no system or variant "udp"`) {
		t.Errorf("a missing system: %v", err)
	}
	for _, bad := range []struct{ name, want string }{
		{"calls_per_sec", `did you mean "calls_per_second"`},
		{"retransmisions", `did you mean "retransmissions"`},
		{"zzz", "metrics: calls.PROC"},
		{":events", "empty system"},
	} {
		if _, err := report.ParseMetric(bad.name); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseMetric(%q) = %v; want an error with %q", bad.name, err, bad.want)
		}
	}
	// Every entry is documented and has a unit.
	for _, m := range report.Metrics() {
		if m.Doc == "" || m.Unit == "" || m.Eval == nil {
			t.Errorf("metric %s lacks a doc, a unit or an Eval", m.Usage())
		}
	}
}

func TestGrid(t *testing.T) {
	axes := []report.SweepAxis{{Values: []string{"a", "b"}}, {Values: []string{"x", "y", "z"}}}
	want := [][]int{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}}
	if diff := cmp.Diff(want, report.Grid(axes)); diff != "" {
		t.Errorf("Grid (-want +got):\n%s", diff)
	}
}

// TestStartOrder: the order the runs start in is a permutation of the
// grid's, block by block of points, seed by seed within a block.
func TestStartOrder(t *testing.T) {
	for _, tc := range []struct{ points, seeds int }{{1, 1}, {1, 5}, {3, 2}, {16, 3}, {17, 3}, {40, 1}, {33, 4}} {
		seen := make([]bool, tc.points*tc.seeds)
		for i := range seen {
			at := report.StartOrder(i, tc.points, tc.seeds)
			if at < 0 || at >= len(seen) || seen[at] {
				t.Fatalf("%d points x %d seeds: run %d starts grid run %d, out of range or twice", tc.points, tc.seeds, i, at)
			}
			seen[at] = true
		}
	}
	// The first runs of a block are the first seed of different points.
	var got []int
	for i := range 4 {
		got = append(got, report.StartOrder(i, 3, 2))
	}
	if want := []int{0, 2, 4, 1}; !cmp.Equal(got, want) {
		t.Errorf("3 points x 2 seeds start with the grid runs %v; want %v", got, want)
	}
}
