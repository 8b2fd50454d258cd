package scenarios_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/protocols/afs/afsdriver"
	"github.com/sim-lecture/sim/scenarios"
)

// FuzzLoad checks that Load never panics, that every error it returns is an
// ErrorList of positioned *Error, and that what it accepts is consistent.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("*.yaml")
	more, _ := filepath.Glob("testdata/load/*.yaml")
	for _, name := range append(files, more...) {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, tc := range errorCases {
		f.Add([]byte(tc.in))
	}
	for _, s := range []string{
		"", "~", "[]", "{}", "name: [", "a: &a [*a]", "name: t\nsystems: &s [udp]\nworkload: *s\n",
		"name: t\nsystems: [nfs]\nworkload:\n  - {at: 0, client: A, op: read, fd: f, block: 0}\n",
		"\xff\xfe", "name: \"\\x\"", "%YAML 2.0\n---\na: 1\n", "!!binary aGVsbG8=",
		msgBase + "variants: [{name: a, network: &n {loss: 0.5}}, {name: b, network: *n, faults: [{at: 1, crash: B}]}]\n",
		msgBase + "network: {links: [{from: A, to: B, loss: 1}]}\nvariants: [{name: a, network: {links: []}}, {name: b, network: ~}]\n",
		msgBase + "variants: &v [{name: a}]\nexpect: [{variant: a, step: 1, sent: 1}]\nfaults: *v\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := scenarios.Load("fuzz.yaml", data)
		if err != nil {
			if sc != nil {
				t.Fatalf("Load returned a scenario and an error")
			}
			var list scenarios.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("Load error %T %v; want a non-empty ErrorList", err, err)
			}
			for _, e := range list {
				if e == nil || e.Line < 1 || e.Col < 1 || e.File != "fuzz.yaml" || e.Msg == "" {
					t.Fatalf("bad error %#v in %v", e, err)
				}
				if strings.Contains(e.Msg, "internal error") {
					t.Fatalf("Load panicked: %v", e)
				}
			}
			if len(list) > scenarios.MaxErrors+1 {
				t.Fatalf("%d errors; want at most %d", len(list), scenarios.MaxErrors+1)
			}
			return
		}
		if sc == nil || sc.Name == "" || len(sc.Systems) == 0 || len(sc.Workload)+len(sc.Programs) == 0 {
			t.Fatalf("Load accepted an incomplete scenario: %+v", sc)
		}
		checkInvariants(t, sc)
		again, err := scenarios.Load("fuzz.yaml", data)
		if err != nil {
			t.Fatalf("second Load failed: %v", err)
		}
		if diff := cmp.Diff(sc, again); diff != "" {
			t.Fatalf("Load is not deterministic (-first +second):\n%s", diff)
		}
	})
}

// checkInvariants checks what every accepted scenario guarantees its
// drivers.
func checkInvariants(t *testing.T, sc *scenarios.Scenario) {
	t.Helper()
	nodes := map[string]bool{}
	for _, n := range sc.Nodes {
		if nodes[n.Name] {
			t.Fatalf("node %s listed twice", n.Name)
		}
		nodes[n.Name] = true
	}
	for i, st := range sc.Workload {
		if st.Index != i || st.At < 0 || (i > 0 && st.At < sc.Workload[i-1].At) {
			t.Fatalf("row %d: index %d at %v", i, st.Index, st.At)
		}
		for _, name := range []string{st.Client, st.From, st.To, st.Server} {
			if name != "" && !nodes[name] {
				t.Fatalf("row %d names node %s, which is not in Nodes", i, name)
			}
		}
		if st.Op == "send" && (st.Count < 1 || st.Size < 1) {
			t.Fatalf("row %d: send of %d x %d bytes", i, st.Count, st.Size)
		}
	}
	for i, f := range sc.Faults {
		names := []string{f.Node}
		if m, ok := f.Data.(afsdriver.VolumeMove); ok {
			names = append(names, m.Server)
		}
		for _, name := range names {
			if name != "" && !nodes[name] {
				t.Fatalf("fault %d names node %s, which is not in Nodes", i, name)
			}
		}
		if f.HasHeal && f.HealAt <= f.At {
			t.Fatalf("fault %d heals at %v, not after %v", i, f.HealAt, f.At)
		}
	}
	for i, e := range sc.Expect {
		if e.Step < -1 || e.Step >= len(sc.Workload) || (e.Step == -1 && e.Blocks == nil && len(e.Broken)+len(e.MayBreak) == 0) {
			t.Fatalf("expectation %d: step %d of %d rows", i, e.Step, len(sc.Workload))
		}
	}
	if err := sc.Network.Validate(); err != nil {
		t.Fatalf("accepted an invalid network: %v", err)
	}
	names := map[string]bool{}
	for _, v := range sc.Variants {
		if !scenarios.ScenarioName.MatchString(v.Name) || names[v.Name] {
			t.Fatalf("variant name %q is malformed or repeated", v.Name)
		}
		names[v.Name] = true
		vs := v.Scenario
		if vs == nil || vs.Variants != nil || vs.Expect != nil {
			t.Fatalf("variant %s: scenario %+v; want one without variants or expectations", v.Name, vs)
		}
		if diff := cmp.Diff(sc.Workload, vs.Workload); diff != "" {
			t.Fatalf("variant %s runs another workload (-file +variant):\n%s", v.Name, diff)
		}
		if len(vs.Faults) < len(sc.Faults) {
			t.Fatalf("variant %s has %d faults, fewer than the file's %d", v.Name, len(vs.Faults), len(sc.Faults))
		}
		checkInvariants(t, vs)
	}
	for i, e := range sc.Expect {
		if e.Variant != "" && !names[e.Variant] {
			t.Fatalf("expectation %d names variant %q, which the scenario does not have", i, e.Variant)
		}
	}
}
