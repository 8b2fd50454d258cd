package scenarios_test

import (
	"fmt"
	"testing"

	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/scenariotest"
)

// BenchmarkProgram runs the program workload for clients and virtual
// durations: time should grow linearly in both (BENCHMARKS.md). Besides
// wall time it reports the process's CPU seconds per run (cpu-s/op, the
// garbage collector's work on the other core included) and per million
// steps of both systems (cpu-s/Msteps), which other jobs on a shared
// machine inflate less. The sim binary collects garbage at GOGC 400; a
// test binary at Go's default unless GOGC says otherwise.
func BenchmarkProgram(b *testing.B) {
	cases := []struct {
		clients int
		until   string
	}{
		{10, "1h"}, {100, "1h"}, {1000, "1h"}, {3000, "1h"}, {10000, "1h"},
		{1000, "15m"}, {1000, "30m"}, {1000, "2h"}, {1000, "4h"},
	}
	for _, tc := range cases {
		b.Run(fmt.Sprintf("clients=%d/until=%s", tc.clients, tc.until), func(b *testing.B) {
			sc, err := scenarios.Load("bench.yaml", []byte(scenariotest.ProgramBench("nfs, afs", tc.clients, tc.until)))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu, steps := cpuTime(), 0
			for b.Loop() {
				res, _, err := scenarios.Run(sc, scenarios.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Violations) > 0 {
					b.Fatalf("violations: %v", res.Violations[0])
				}
				for _, sys := range res.Systems {
					steps += sys.Summary.Steps
				}
			}
			if cpu := float64(cpuTime()-cpu) / 1e9; cpu > 0 {
				b.ReportMetric(cpu/float64(b.N), "cpu-s/op")
				b.ReportMetric(cpu/(float64(steps)/1e6), "cpu-s/Msteps")
			}
		})
	}
}
