//go:build unix

package scenarios_test

import "syscall"

// cpuTime is the CPU time the process has used, user and system, in
// nanoseconds: what BenchmarkProgram reports besides wall time, which
// other jobs on a shared machine inflate.
func cpuTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
