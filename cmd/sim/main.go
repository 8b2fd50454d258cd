// Command sim runs the scenarios of the distributed-systems simulator.
//
//	sim run FILE.yaml|NAME [--seed N] [--format text|markdown|csv|json] [--out DIR] [--set KEY=VALUE ...]
//	sim sweep FILE.yaml|NAME --set KEY=FROM..TO[:STEP] [--set ...] [--seeds N] --metric NAME [--metric ...] --out DIR [--shard I/N]
//	sim merge DIR... --out DIR
//	sim explore FILE.yaml|NAME [--seeds N] [--workers K] [--shard I/N] [--out DIR] [--format text|json]
//	sim validate FILE.yaml|NAME
//	sim list
//	sim version
//
// Exit status: 0 on success; 1 when a run finds a violated invariant, a failed
// expectation or hits one of its bounds; 2 for bad input, and only that; 3
// for an internal error (a bug); 4 for an I/O failure (a file that cannot be
// read, output that cannot be written).
package main

import (
	"os"
	"runtime/debug"

	_ "github.com/sim-lecture/sim/protocols/all"
)

// memoryLimit is the heap size past which the garbage collector works
// harder rather than let memory grow: every run is bounded well below it
// (limits.max_bytes_held), and so is the machine's budget of 1 GB.
const memoryLimit = 768 << 20

// gcPercent is the garbage collector's target of new heap per live heap
// (GOGC), unless the environment sets GOGC. Go's default, 100, collects
// whenever the heap has doubled; a run of 10,000 clients keeps about
// 100 MB of live state (its clients' caches and connections) and
// allocates gigabytes of short-lived messages, so at 100 the collector
// marks that live state again and again: up to a third of the CPU time
// (BENCHMARKS.md, program workloads). At 400 it collects a quarter as
// often, and memoryLimit still caps the heap: near the limit the
// collector runs as often as it must.
const gcPercent = 400

func main() {
	debug.SetMemoryLimit(memoryLimit)
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}
