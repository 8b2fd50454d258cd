package explore

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/sim-lecture/sim/scenarios"
)

// benchScenarios are the lecture's scenarios the benchmarks explore, from
// the smallest (a few calls) to the largest (several variants, minutes of
// virtual time).
var benchScenarios = []string{
	"lost_ack", "rpc_append_retry", "udp_unreliable", "two_generals",
	"nfs_stale_cache", "nfs_server_crash", "afs_callbacks", "afs_crash_recovery",
	"nfs_vs_afs", "nfs_write_buffer_loss", "heavy_loss",
}

// BenchmarkExplore explores seed after seed of each scenario with its
// explore block: one iteration is one schedule (every system and variant
// of the scenario run in one drawn world, its invariants checked; none
// breaks, so nothing is shrunk). It reports schedules per second of wall
// time, and per second of the process's CPU time, which other processes
// on a shared machine do not inflate. Run with -cpu 1 for the per-core
// speed.
func BenchmarkExplore(b *testing.B) {
	for _, name := range benchScenarios {
		e := builtIn(b, name, nil)
		b.Run(name, func(b *testing.B) {
			cpu := cpuTime()
			seed := uint64(1)
			for b.Loop() {
				o, err := e.Seed(seed)
				if err != nil {
					b.Fatal(err)
				}
				if len(o.Findings) > 0 {
					b.Fatalf("seed %d broke %s", seed, o.Findings[0].Invariant)
				}
				seed++
			}
			reportSpeed(b, cpuTime()-cpu, "schedules")
		})
	}
}

// BenchmarkExploreGC is BenchmarkExplore of a few lecture scenarios
// under the garbage collector's default setting (GOGC 100) and under the
// one `sim explore` sets (GCPercent), in the same run.
func BenchmarkExploreGC(b *testing.B) {
	for _, name := range []string{"rpc_append_retry", "nfs_stale_cache", "nfs_vs_afs", "nfs_write_buffer_loss"} {
		e := builtIn(b, name, nil)
		for _, gc := range []int{100, GCPercent} {
			b.Run(fmt.Sprintf("%s/gogc%d", name, gc), func(b *testing.B) {
				defer debug.SetGCPercent(debug.SetGCPercent(gc))
				runtime.GC()
				cpu := cpuTime()
				seed := uint64(1)
				for b.Loop() {
					if _, err := e.Seed(seed); err != nil {
						b.Fatal(err)
					}
					seed++
				}
				reportSpeed(b, cpuTime()-cpu, "schedules")
			})
		}
	}
}

// BenchmarkRunBaseline is the baseline of BenchmarkExplore: one plain
// `sim run` of each scenario (its own faults only, with the table and
// the expectations), in the same process.
func BenchmarkRunBaseline(b *testing.B) {
	for _, name := range benchScenarios {
		sc, err := scenarios.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				if _, _, err := scenarios.Run(sc, scenarios.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			reportSpeed(b, cpuTime()-cpu, "runs")
		})
	}
}

// reportSpeed reports what per second of wall and of CPU time.
func reportSpeed(b *testing.B, cpuNanos int64, what string) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), what+"/s")
	if cpuNanos > 0 {
		b.ReportMetric(float64(b.N)/(float64(cpuNanos)/1e9), what+"/cpu-s")
	}
}
