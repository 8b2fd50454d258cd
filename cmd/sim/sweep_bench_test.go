package main

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
)

// scalingSweeps are the sweeps BenchmarkSweepScaling times: many runs of
// a small lecture scenario (where loading the scenario weighs most), a
// transport under loss, and congestion collapse (long runs that allocate
// a message per segment sent).
var scalingSweeps = []struct {
	name string
	args []string
}{
	{"nfs_vs_afs", []string{"nfs_vs_afs", "--set", "nfs.attr_timeout=0..10s:1s", "--seeds", "10", "--metric", "calls.total"}},
	{"heavy_loss", []string{"heavy_loss", "--set", "network.loss=0..0.3:0.05", "--seeds", "10", "--metric", "goodput"}},
	{"congestion_collapse", []string{"congestion_collapse", "--set", "network.loss=0..0.2:0.1", "--seeds", "4", "--metric", "goodput"}},
}

// BenchmarkSweepScaling runs each sweep of scalingSweeps, whole (`sim
// sweep` with its output directory), on one core (GOMAXPROCS 1, one
// worker) and on two (GOMAXPROCS 2, two workers), alternately within each
// iteration so that both see the same load from other processes. It
// reports the median wall time of each, the median of the iterations'
// ratios of one to the other (speedup: 2 is perfect scaling), the process's CPU time per sweep on one core, and
// its CPU time on two cores over that on one (cpu-ratio: above 1 is work
// that two cores add, such as garbage collection or contention). The CPU
// times do not count the time other processes take from the machine. Run with -benchtime 10x or more:
// the medians need several iterations.
func BenchmarkSweepScaling(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	if runtime.NumCPU() < 2 {
		b.Skip("needs two CPUs")
	}
	for _, sw := range scalingSweeps {
		b.Run(sw.name, func(b *testing.B) {
			// Each sub-benchmark restores GOMAXPROCS: the testing package
			// checks it after each one (with -count 2 or more).
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
			dir := filepath.Join(b.TempDir(), "out")
			var wall [2][]time.Duration
			var cpu [2]time.Duration
			iter := 0
			for b.Loop() {
				for k := range 2 {
					cores := 1 + (k+iter)%2 // alternate which goes first
					runtime.GOMAXPROCS(cores)
					args := append([]string{"sweep"}, sw.args...)
					args = append(args, "--out", dir, "--workers", fmt.Sprint(cores))
					c0, t0 := processCPU(), time.Now()
					if code := Main(args, io.Discard, io.Discard); code != 0 {
						b.Fatalf("sim %v: exit %d", args, code)
					}
					wall[cores-1] = append(wall[cores-1], time.Since(t0))
					cpu[cores-1] += processCPU() - c0
				}
				iter++
			}
			// The speedup is the median of each iteration's ratio: the two
			// runs of an iteration see about the same load.
			ratios := make([]time.Duration, len(wall[0]))
			for i := range ratios {
				ratios[i] = time.Duration(1000 * float64(wall[0][i]) / float64(wall[1][i]))
			}
			b.ReportMetric(float64(median(wall[0]).Milliseconds()), "1core-ms")
			b.ReportMetric(float64(median(wall[1]).Milliseconds()), "2core-ms")
			b.ReportMetric(float64(median(ratios))/1000, "speedup")
			b.ReportMetric(float64(cpu[0].Milliseconds())/float64(len(wall[0])), "1core-cpu-ms")
			if cpu[0] > 0 {
				b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "cpu-ratio")
			}
			// How many cores the two-core sweeps had: CPU time over wall
			// time. Below about 1.9 the machine did not give the process
			// its second core (other processes, or a scheduler that shares
			// the CPUs between sessions), and the speedup measures that.
			var w2 time.Duration
			for _, d := range wall[1] {
				w2 += d
			}
			if w2 > 0 {
				b.ReportMetric(float64(cpu[1])/float64(w2), "2core-cores")
			}
		})
	}
}

// median returns the middle of ds (the mean of the two middle ones for
// an even count).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return (s[(len(s)-1)/2] + s[len(s)/2]) / 2
}

// processCPU is the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
