package scenarios_test

import (
	"fmt"
	"testing"

	"github.com/sim-lecture/sim/scenarios"
)

// programBench is the goal's workload: clients that each open, read and
// close a shared file once a minute, for a virtual duration, under NFS
// and AFS.
func programBench(clients int, until string) string {
	return fmt.Sprintf(`name: bench
systems: [nfs, afs]
limits: {max_time: 5h, max_events: 1000000000, max_total_events: 2000000000, max_bytes_moved: 1000000000000}
files:
  shared: {blocks: [s0, s1]}
workload:
  - program:
      clients: %d
      every: 60s
      until: %s
      think: 100ms
      steps:
        - {op: open, file: shared, fd: f}
        - {op: read, fd: f, block: 0}
        - {op: close, fd: f}
`, clients, until)
}

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
			sc, err := scenarios.Load("bench.yaml", []byte(programBench(tc.clients, tc.until)))
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
