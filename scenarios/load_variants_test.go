package scenarios_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/protocols/messaging/messagingdriver"
	"github.com/sim-lecture/sim/protocols/reliable/reliabledriver"
	"github.com/sim-lecture/sim/protocols/rpc/rpcdriver"
	"github.com/sim-lecture/sim/scenarios"
)

// TestLoadVariants loads a file with variants and compares every field of
// the file's scenario and of each variant's with what the file says: each
// block of a variant is the file's with the variant's keys replacing the
// file's, network.links whole, and the variant's faults follow the file's.
func TestLoadVariants(t *testing.T) {
	got, err := scenarios.LoadFile("testdata/load/variants.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ms := time.Millisecond
	const file = "testdata/load/variants.yaml"
	workload := []scenarios.Step{{Pos: scenarios.Pos{13, 5}, Index: 0, At: 0, Op: "send", From: "A", To: "B", Count: 10, Size: 100}}
	crash := scenarios.Fault{Pos: scenarios.Pos{15, 5}, At: time.Second, Kind: "crash", Node: "B"}
	nodes := []scenarios.Node{{Name: "A", Pos: scenarios.Pos{13, 29}}, {Name: "B", Pos: scenarios.Pos{13, 36}}}
	network := netmodel.Config{
		Default: netmodel.DefaultParams(),
		Links:   []netmodel.LinkPatch{{From: "A", To: "B", Patch: netmodel.Patch{Loss: ptr(0.5)}}},
	}
	network.Default.Delay = netmodel.Delay{Kind: netmodel.Constant, Value: 20 * ms}
	network.Default.Loss = 0.1
	reliable := reliabledriver.Block.New().(*reliabledriver.Options)
	reliable.Window, reliable.RTO, reliable.FixedTimeout = 4, "fixed", 300*ms
	// file is the scenario as the file's own blocks and faults describe it.
	fileScenario := func() *scenarios.Scenario {
		reliable := *reliable
		return &scenarios.Scenario{
			File: file, Name: "variants", Seed: 7, Systems: []string{"udp", "reliable"},
			Network: network, Nodes: nodes, Blocks: blocks(map[string]any{"reliable": &reliable}),
			Disk: scenarios.DefaultDisk(), Limits: scenarios.DefaultLimits(), Report: scenarios.DefaultReport(),
			Workload: workload, Faults: []scenarios.Fault{crash},
		}
	}

	tuned := fileScenario()
	tuned.Network = netmodel.Config{
		Default: network.Default,
		Links:   []netmodel.LinkPatch{{From: "B", To: "A", Patch: netmodel.Patch{Delay: &netmodel.Delay{Kind: netmodel.Constant, Value: 5 * ms}}}},
	}
	tuned.Network.Default.Loss = 0
	tuned.Block("reliable").(*reliabledriver.Options).FixedTimeout = 100 * ms
	tuned.Disk.WriteLatency = ms
	tuned.Limits.MaxTime = time.Minute
	tuned.Faults = append(tuned.Faults, scenarios.Fault{Pos: scenarios.Pos{25, 9}, At: 2 * time.Second, Kind: "restart", Node: "B"})

	empty := fileScenario()
	empty.Block("pipe").(*messagingdriver.PipeOptions).Delay = 3 * ms

	want := fileScenario()
	want.Variants = []scenarios.Variant{
		{Name: "base", Pos: scenarios.Pos{17, 5}, Scenario: fileScenario()},
		{Name: "tuned", Description: "a shorter timeout on a cleaner network", Pos: scenarios.Pos{18, 5}, Scenario: tuned},
		{Name: "empty-blocks", Pos: scenarios.Pos{26, 5}, Scenario: empty},
	}
	want.Expect = []scenarios.Expectation{
		{Pos: scenarios.Pos{30, 5}, Step: 0, Stream: 0, Delivered: ptr(10)},
		{Pos: scenarios.Pos{31, 5}, System: "reliable", Variant: "tuned", Step: 0, Stream: 0, InOrder: ptr(true)},
	}
	if diff := cmp.Diff(want, got, cmpScenario); diff != "" {
		t.Errorf("Load(variants.yaml) mismatch (-want +got):\n%s", diff)
	}
}

// TestLoadVariantsValid lists files that are valid only because each
// variant is checked as the whole scenario it runs.
func TestLoadVariantsValid(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		check    func(*scenarios.Scenario) string
	}{
		{"the file restarts what every variant crashes",
			msgBase + "faults: [{at: 2s, restart: B}]\nvariants:\n  - {name: a, faults: [{at: 1s, crash: B}]}\n  - {name: b, faults: [{at: 1.5s, crash: B}]}\n",
			func(sc *scenarios.Scenario) string {
				if f := sc.Variants[1].Scenario.Faults; len(f) != 2 || f[0].Kind != "restart" || f[1].At != 1500*time.Millisecond {
					return "variant b's faults are not the file's followed by its own"
				}
				return ""
			}},
		{"a variant adds the block the file does not have",
			msgBase + "variants:\n  - {name: a, rpc: {timeout: 1s}}\n",
			func(sc *scenarios.Scenario) string {
				// ack_after follows the timeout, as in a file's own rpc block.
				if o := sc.Variants[0].Scenario.Block("rpc").(*rpcdriver.Options); o.Timeout != time.Second || o.AckAfter != time.Second {
					return "variant a's rpc timeout and ack_after are not 1s"
				}
				if sc.Block("rpc").(*rpcdriver.Options).Timeout != scenarios.LookupBlock("rpc").New().(*rpcdriver.Options).Timeout {
					return "the file's own rpc options changed"
				}
				return ""
			}},
		{"a variant's key replaces the file's, the others stay",
			msgBase + "rpc: {timeout: 1s, ack_after: 3s}\nvariants:\n  - {name: a, rpc: {timeout: 2s}}\n",
			func(sc *scenarios.Scenario) string {
				if o := sc.Variants[0].Scenario.Block("rpc").(*rpcdriver.Options); o.Timeout != 2*time.Second || o.AckAfter != 3*time.Second {
					return "variant a's rpc is not {timeout: 2s, ack_after: 3s}"
				}
				return ""
			}},
		{"variant blocks through aliases",
			msgBase + "network: &n {loss: 0.5}\nvariants:\n  - {name: a, network: &m {delay: 1s}}\n  - {name: b, network: *m}\n",
			func(sc *scenarios.Scenario) string {
				for _, v := range sc.Variants {
					p := v.Scenario.Network.Default
					if p.Loss != 0.5 || p.Delay.Value != time.Second {
						return "variant " + v.Name + "'s network is not the file's loss with its own delay"
					}
				}
				return ""
			}},
		{"a variant for one system: the other runs the file's settings",
			pairBase + "variants:\n  - {name: p, systems: [afs], afs: {mode: prototype}}\n  - {name: q, systems: [afs]}\n",
			func(sc *scenarios.Scenario) string {
				if v := sc.Variants[0]; !cmp.Equal(v.Systems, []string{"afs"}) || !cmp.Equal(v.Scenario.Systems, []string{"afs"}) {
					return "variant p does not apply to afs alone"
				}
				return runsAre(sc, "nfs/", "afs/p", "afs/q")
			}},
		{"a variant's systems in the file's order",
			pairBase + "variants:\n  - {name: p, systems: [afs, nfs]}\n  - {name: q}\n",
			func(sc *scenarios.Scenario) string {
				if !cmp.Equal(sc.Variants[0].Systems, []string{"nfs", "afs"}) {
					return "variant p's systems are not [nfs, afs]"
				}
				return runsAre(sc, "nfs/p", "nfs/q", "afs/p", "afs/q")
			}},
		{"a key only a system the variant skips checks",
			pairBase + "variants:\n  - {name: p, systems: [afs], nfs: {mounts: [{on: /x, server: server}]}}\n",
			func(sc *scenarios.Scenario) string { return runsAre(sc, "nfs/", "afs/p") }},
		{"a variant crashes what the file restarts, on every system it runs",
			pairBase + "faults: [{at: 2s, restart: A}]\nvariants:\n  - {name: p, systems: [nfs], faults: [{at: 1s, crash: A}]}\n  - {name: q, systems: [afs], faults: [{at: 1s, crash: A}]}\n",
			func(sc *scenarios.Scenario) string { return runsAre(sc, "nfs/p", "afs/q") }},
		{"an expectation of a variant's system",
			pairBase + "variants:\n  - {name: p, systems: [afs]}\nexpect:\n  - {system: afs, variant: p, step: 1, calls: [FETCH]}\n  - {variant: p, broken: session_semantics}\n  - {system: nfs, step: 1, calls: [LOOKUP]}\n",
			func(sc *scenarios.Scenario) string { return runsAre(sc, "nfs/", "afs/p") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := scenarios.Load("case.yaml", []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if msg := tc.check(sc); msg != "" {
				t.Error(msg)
			}
		})
	}
}

// runsAre says how the runs of sc (system/variant) differ from want, or
// "" when they are want.
func runsAre(sc *scenarios.Scenario, want ...string) string {
	var got []string
	for _, r := range sc.Runs() {
		got = append(got, r.System+"/"+r.Variant)
		if r.Scenario == nil {
			return "run " + r.System + "/" + r.Variant + " has no scenario"
		}
	}
	if !cmp.Equal(want, got) {
		return fmt.Sprintf("runs %v; want %v", got, want)
	}
	return ""
}

// TestLoadVariantErrorsOnce checks that a mistake in the file's own blocks
// is reported once, not once per variant.
func TestLoadVariantErrorsOnce(t *testing.T) {
	in := msgBase + "network: {los: 0.1}\nvariants: [{name: a}, {name: b}, {name: c}]\n"
	_, err := scenarios.Load("case.yaml", []byte(in))
	if err == nil {
		t.Fatal("Load accepted an unknown network key")
	}
	if n := strings.Count(err.Error(), `unknown key "los"`); n != 1 {
		t.Errorf("the unknown key is reported %d times; want once:\n%v", n, err)
	}
}

// TestLoadVariantsTooLarge checks that the variants' copies of the scenario
// count against the loader's bound on the values it reads.
func TestLoadVariantsTooLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: t\nsystems: [udp]\nworkload:\n")
	for i := 0; i < 20000; i++ {
		b.WriteString("  - {at: 0, op: send, from: A, to: B}\n")
	}
	b.WriteString("variants:\n")
	for i := 0; i < scenarios.MaxVariants; i++ {
		b.WriteString("  - {name: v" + strings.Repeat("x", i) + "}\n")
	}
	_, err := scenarios.Load("big.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "every variant's copy of the scenario") {
		t.Fatalf("Load error = %v; want the document is too large, counting the variants' copies", err)
	}
}
