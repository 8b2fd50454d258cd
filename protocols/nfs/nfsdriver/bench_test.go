package nfsdriver

import (
	"fmt"
	"testing"

	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/scenariotest"
)

// BenchmarkProgramNFS is the NFS half of the program workload of
// scenarios.BenchmarkProgram (issue 12's goal): clients that each open,
// read and close one shared file once a minute, think 100 ms, under NFS
// alone, for a virtual duration. Time and allocations per step should not
// grow with the clients (BENCHMARKS.md, NFS half of issue 12).
func BenchmarkProgramNFS(b *testing.B) {
	for _, tc := range []struct {
		clients int
		until   string
	}{
		{1000, "1h"}, {3000, "1h"}, {10000, "1h"}, {1000, "4h"},
	} {
		b.Run(fmt.Sprintf("clients=%d/until=%s", tc.clients, tc.until), func(b *testing.B) {
			src := scenariotest.ProgramBench("nfs", tc.clients, tc.until)
			sc, err := scenarios.Load("bench.yaml", []byte(src))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			steps := 0
			for b.Loop() {
				res, _, err := scenarios.Run(sc, scenarios.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if v := res.Violations; len(v) > 0 {
					b.Fatalf("violations: %v", v[0])
				}
				steps += res.Systems[0].Summary.Steps
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(steps), "ns/step")
		})
	}
}
