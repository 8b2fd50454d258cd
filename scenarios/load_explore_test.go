package scenarios_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/scenarios"
)

const exploreHead = "name: e\nsystems: [nfs]\nfiles:\n  f: [a]\nworkload:\n  - {at: 0, client: A, op: open, file: f, fd: x}\n"

// TestExploreBlock: the explore block as the loader reads it.
func TestExploreBlock(t *testing.T) {
	sc, err := scenarios.Load("e.yaml", []byte(exploreHead+`explore:
  network: {loss: [0, 0.3], duplicate: 10%, delay: [1ms, 20ms]}
  crash: {nodes: [server, A], max: 2, downtime: [100ms, 5s]}
  partition: {max: 1, duration: [100ms, 10s]}
  invariants: [point_in_time_disk, bounded_staleness]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := &scenarios.ExplorePlan{Pos: scenarios.Pos{Line: 8, Col: 3},
		Network: []scenarios.NetworkRange{{Key: "loss", Max: 0.3}, {Key: "duplicate", Min: 0.1, Max: 0.1},
			{Key: "delay", Min: float64(time.Millisecond), Max: float64(20 * time.Millisecond), Duration: true}},
		Crash:      scenarios.CrashPlan{Nodes: []string{"server", "A"}, Max: 2, Downtime: [2]time.Duration{100 * time.Millisecond, 5 * time.Second}},
		Partition:  scenarios.PartitionPlan{Max: 1, Duration: [2]time.Duration{100 * time.Millisecond, 10 * time.Second}},
		Invariants: []string{"point_in_time_disk", "bounded_staleness"}}
	if diff := cmp.Diff(want, sc.Explore); diff != "" {
		t.Errorf("explore block (-want +got):\n%s", diff)
	}
	sc, err = scenarios.Load("e.yaml", []byte(exploreHead+`explore:
  faults:
    - {flush: server, max: 3, at: [1s, 2s]}
    - {block: {from: server, to: A}, duration: [10ms, 1s]}
    - {link: {from: "*", to: A, loss: 0.5}}
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fp := range sc.Explore.Faults {
		f := fp.Fault
		got = append(got, fmt.Sprintf("%s %s %s>%s max %d at %v %t undo %q after %v", f.Kind, f.Node, f.From, f.To, fp.Max, fp.At, fp.HasAt, fp.Undo, fp.Duration))
	}
	if diff := cmp.Diff([]string{
		"flush server > max 3 at [1s 2s] true undo \"\" after [1s 1s]",
		"block  server>A max 1 at [0s 0s] false undo \"unblock\" after [10ms 1s]",
		"link  *>A max 1 at [0s 0s] false undo \"\" after [1s 1s]",
	}, got); diff != "" {
		t.Errorf("explore.faults (-want +got):\n%s", diff)
	}
	if sc, _ := scenarios.Load("e.yaml", []byte(exploreHead)); sc.Explore != nil {
		t.Errorf("a file without the block has plan %+v", sc.Explore)
	}
}

// TestExploreBlockErrors: each mistake is reported at its position, with
// what was expected.
func TestExploreBlockErrors(t *testing.T) {
	for _, tc := range []struct{ block, want string }{
		{"explore: {netwrok: {}}", `unknown key "netwrok" in explore; did you mean "network"?`},
		{"explore: {network: {los: 0.1}}", `unknown key "los" in explore.network; did you mean "loss"?`},
		{"explore: {network: {loss: [0.3, 0.1]}}", "explore.network.loss: the range's max 0.1 is below its min 0.3"},
		{"explore: {network: {loss: [0, 2]}}", "explore.network.loss: expected a probability between 0 and 1, got 2"},
		{"explore: {network: {loss: [0, 0.1, 0.2]}}", "expected a range [min, max] such as [0, 0.3], got a list of 3"},
		{"explore: {network: {delay: [1s, 2h]}}", "explore.network.delay: at most 3600s, got 7200s"},
		{"explore: {crash: {max: 1}}", `missing key "nodes" in explore.crash (the nodes to crash, such as [server])`},
		{"explore: {crash: {nodes: [servr]}}", `explore.crash.nodes: servr is not a node of the scenario (nodes: server and A); did you mean "server"?`},
		{"explore: {crash: {nodes: [A, A]}}", "explore.crash.nodes: A is listed twice"},
		{"explore: {crash: {nodes: [A], max: 11}}", "explore.crash.max: expected an integer from 0 to 10, got 11"},
		{"explore: {partition: {nodes: [A]}}", "explore.partition.nodes: a partition needs at least two nodes to split"},
		{"explore: {invariants: [at_most_once]}", "explore.invariants: at_most_once is an invariant of system rpc, which systems does not list"},
		{"explore: {invariants: [point_in_time]}", `explore.invariants: unknown invariant "point_in_time"`},
		{"explore: {faults: [{flsh: server}]}", `unknown key "flsh" in explore.faults entry 1; did you mean "flush"?`},
		{"explore: {faults: [{max: 2}]}", "explore.faults entry 1: expected one of"},
		{"explore: {faults: [{crash: server}]}", "explore.faults entry 1: crashes are drawn by explore.crash"},
		{"explore: {faults: [{partition: [[A], [server]]}]}", "explore.faults entry 1: partitions are drawn by explore.partition"},
		{"explore: {faults: [{restart: server}]}", "explore.faults entry 1: restart undoes crash and follows it"},
		{"explore: {faults: [{unblock: {from: A, to: server}}]}", "explore.faults entry 1: unblock undoes block and follows it: give the block entry a duration instead"},
		{"explore: {faults: [{move_volume: /, to: server}]}", "move_volume applies only to system afs, which systems does not list"},
		{"explore: {faults: [{flush: A}]}", "flush: node A is not a file server (servers: server)"},
		{"explore: {faults: [{flush: servr}]}", `servr is not a node of the scenario (nodes: server and A); did you mean "server"?`},
		{"explore: {faults: [{block: {from: A, to: B}}]}", "B is not a node of the scenario (nodes: server and A)"},
		{"explore: {faults: [{flush: server, duration: 1s}]}", "explore.faults entry 1: duration: no fault undoes flush"},
		{"explore: {faults: [{flush: server, max: 11}]}", "explore.faults entry 1: max: expected an integer from 0 to 10, got 11"},
		{"explore: {faults: [{flush: server, at: [5s, 1s]}]}", "explore.faults entry 1: at: the range's max 1s is below its min 5s"},
		{"explore: {faults: [{block: {from: A, to: server}, duration: [1s, 2h]}]}", "explore.faults entry 1: duration: at most 3600s, got 7200s"},
		{"explore: {faults: [{flush: server, heal_at: 3s}]}", "heal_at applies only to a partition, not to flush"},
	} {
		_, err := scenarios.Load("e.yaml", []byte(exploreHead+tc.block+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want %q", tc.block, err, tc.want)
		}
	}
}
