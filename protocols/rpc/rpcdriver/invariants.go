package rpcdriver

import (
	"fmt"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// AtMostOnce is the invariant at_most_once: no call of a procedure that
// is not idempotent is executed more than once. It comes from the
// lecture's "Lost Ack: Issue 2" slide:
//
//	ACK: message received exactly once
//	No ACK: message may or may not have been received
//	What if message is command to increment counter?
//
// and from "Technique #3: Receiver Remembers Messages", whose remedy, the
// server's duplicate-request cache, is what at-most-once semantics adds.
// An idempotent call (read, sleep) may run again, since "doing things
// twice never hurts" ("NFS Summary"), and the cache keeps the replies of
// the others only (BSD's nfs_srvcache.c), unless rpc.drc_cache is all:
// then every call is promised to run at most once. At-least-once RPC
// breaks it by design (every copy of a call that arrives runs: scenario
// lost_ack), and at-most-once keeps it until a server crash loses the
// volatile cache (rpc_append_retry's at_most_once_crash): both scenarios
// say so with an expectation `broken: at_most_once`. The check reads each
// call row's executions, which the driver counts from the server's side,
// and the program steps' calls that ran more than once before their
// reply (Repeat; a copy that runs after the reply is not seen there).
var AtMostOnce = scenarios.Invariant{
	Name:    "at_most_once",
	Doc:     "No call of a procedure that is not idempotent (increment, append) runs more than once on the server; with rpc semantics at_most_once and drc_cache all, no call at all.",
	Lecture: `"Lost Ack: Issue 2": "What if message is command to increment counter?"`,
	Check: func(sc *scenarios.Scenario, sys *report.System) []string {
		return checkAtMostOnce(sc, sys)
	},
}

// checkAtMostOnce lists the call rows the server ran more than once that
// the promise covers.
func checkAtMostOnce(sc *scenarios.Scenario, sys *report.System) []string {
	o := sc.Block("rpc").(*Options)
	all := o.Semantics == "at_most_once" && o.DRCCache == "all"
	var bad []string
	for i, st := range sys.Steps {
		if i >= len(sc.Workload) || sc.Workload[i].Op != CallOp.Name || st.Executions == nil || *st.Executions <= 1 {
			continue
		}
		if p, ok := rpc.DemoProc(sc.Workload[i].Proc); ok && p.Idempotent && !all {
			continue
		}
		s := &sc.Workload[i]
		bad = append(bad, fmt.Sprintf("row %d (%s's call %s(%s) at %s) ran %d times on %s",
			i+1, s.Client, s.Proc, s.Args, scenarios.FormatDuration(s.At), *st.Executions, s.Server))
	}
	repeats, _ := sys.Evidence.([]Repeat)
	for _, c := range repeats {
		if p, ok := rpc.DemoProc(c.Proc); ok && p.Idempotent && !all {
			continue
		}
		bad = append(bad, fmt.Sprintf("a program step (%s's call %s(%s) at %s) ran %d times on %s",
			c.Client, c.Proc, c.Args, c.At, c.Executions, c.Server))
	}
	return bad
}
