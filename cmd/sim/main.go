// Command sim runs the scenarios of the distributed-systems simulator.
//
//	sim run FILE.yaml|NAME [--seed N] [--format text|markdown|csv|json] [--out DIR] [--set KEY=VALUE ...]
//	sim sweep FILE.yaml|NAME --set KEY=FROM..TO[:STEP] [--set ...] [--seeds N] --metric NAME [--metric ...] --out DIR
//	sim validate FILE.yaml|NAME
//	sim list
//	sim version
//
// Exit status: 0 on success; 1 when a run finds a violated invariant, a failed
// expectation or hits its event or time bound; 2 for bad input; 3 for an
// internal error (a bug).
package main

import (
	"os"

	_ "github.com/sim-lecture/sim/protocols/all"
)

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}
