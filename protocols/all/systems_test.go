package all_test

// Tests of scenarios that run several systems side by side, which only
// a binary with every system registered can load.

import (
	"encoding/json"
	"strings"
	"testing"

	_ "github.com/sim-lecture/sim/protocols/all"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/scenariotest"
)

// TestNFSDeterminism runs every built-in NFS scenario twice and compares
// the trace hashes.
func TestNFSDeterminism(t *testing.T) {
	for _, name := range scenarios.BuiltInNames() {
		if !strings.HasPrefix(name, "nfs_") {
			continue
		}
		sc, err := scenarios.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		a, _, err := scenarios.Run(sc, scenarios.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, _, _ := scenarios.Run(sc, scenarios.Options{})
		if a.Systems[0].TraceHash != b.Systems[0].TraceHash {
			t.Errorf("%s: trace hash %s then %s", name, a.Systems[0].TraceHash, b.Systems[0].TraceHash)
		}
	}
}

// TestDiskAlwaysPresent: every system's disk is in the JSON result, {}
// when no server holds anything (a messaging system, every file removed).
func TestDiskAlwaysPresent(t *testing.T) {
	for _, text := range []string{
		"name: t\nsystems: [socket, pipe]\nworkload:\n  - {at: 0, op: send, from: A, to: B}\n",
		"name: t\nsystems: [afs, nfs]\nfiles:\n  f: [x]\nworkload:\n  - {at: 0, client: A, op: remove, file: f}\n",
	} {
		res := scenariotest.Run(t, text)
		for _, sys := range res.Systems {
			b, err := json.Marshal(sys)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), `"disk":{}`) {
				t.Errorf("%s: JSON has no \"disk\":{}: %s", sys.System, b)
			}
		}
	}
}

// TestAFSvsNFSScale checks the lesson of afs_vs_nfs_scale on the phases
// the run reports (report.phases): as clients join, NFS's server load grows
// with them while AFS's stays a fraction of it (lecture: "AFS Goals:
// primary goal: scalability!").
func TestAFSvsNFSScale(t *testing.T) {
	sc, err := scenarios.Open("afs_vs_nfs_scale")
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	phases := map[string][]report.Phase{}
	for _, sys := range res.Systems {
		phases[sys.System] = sys.Phases
	}
	nfs, afs := phases["nfs"], phases["afs"]
	if len(nfs) != 3 || len(afs) != 3 {
		t.Fatalf("phases: nfs %d, afs %d; want 3 each", len(nfs), len(afs))
	}
	for p := range nfs {
		if want := []int{1, 2, 4}[p]; nfs[p].Clients != want {
			t.Errorf("phase %d has %d clients; want %d", p, nfs[p].Clients, want)
		}
		if p > 0 && nfs[p].Calls <= nfs[p-1].Calls {
			t.Errorf("NFS calls did not grow with the clients: phase %d %d, phase %d %d", p-1, nfs[p-1].Calls, p, nfs[p].Calls)
		}
		if 3*afs[p].Calls > nfs[p].Calls {
			t.Errorf("phase %d: AFS made %d server calls against NFS's %d; want under a third", p, afs[p].Calls, nfs[p].Calls)
		}
	}
	if afs[2].Callbacks == 0 {
		t.Error("the change in the last phase broke no callbacks")
	}
}
