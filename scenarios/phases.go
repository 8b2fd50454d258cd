package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/sim"
)

// addPhases fills each system's Phases when the scenario asks for them
// (report.phases) and adds a table of them under the timeline table: how
// the servers' load grows as clients join (afs_vs_nfs_scale). A run
// with programs comes with its program steps' counts in Phases already
// (programRun.countPhase), to which the file's rows are added.
func addPhases(sc *Scenario, res *report.Result) {
	length := sc.Report.Phases
	if length <= 0 || (len(sc.Workload) == 0 && len(sc.Programs) == 0) {
		return
	}
	clients := rowClients(sc)
	n := 0
	if len(sc.Workload) > 0 {
		n = int(sc.Workload[len(sc.Workload)-1].At/length) + 1
	}
	for _, p := range sc.Programs {
		n = max(n, int((p.Until-1)/length)+1)
	}
	for _, sys := range res.Systems {
		n = max(n, len(sys.Phases))
	}
	active := make([]map[string]bool, n)
	for _, s := range sc.Workload {
		p := int(s.At / length)
		if active[p] == nil {
			active[p] = map[string]bool{}
		}
		if s.Client != "" {
			active[p][s.Client] = true
		}
	}
	for si := range res.Systems {
		sys := &res.Systems[si]
		phases := make([]report.Phase, n)
		copy(phases, sys.Phases)
		for p := range phases {
			phases[p].From, phases[p].To = sim.FormatDuration(time.Duration(p)*length), sim.FormatDuration(time.Duration(p+1)*length)
			phases[p].Clients += len(active[p])
		}
		for i, st := range sys.Steps {
			p := int(sc.Workload[i].At / length)
			for _, c := range st.Calls {
				if isClient(sc, clients, c.To) {
					phases[p].Callbacks++
				} else {
					phases[p].Calls++
				}
			}
		}
		for p := range phases {
			phases[p].CallsPerSecond = float64(phases[p].Calls) / length.Seconds()
		}
		sys.Phases = phases
	}
	if res.Table == nil {
		return
	}
	t := &report.Table{Columns: []string{"Phase", "Clients"}}
	for _, sys := range res.Systems {
		t.Columns = append(t.Columns, sys.Label()+": calls to servers (per s)")
		if hasCallbacks(sys.Phases) {
			t.Columns = append(t.Columns, sys.Label()+": callbacks to clients")
		}
	}
	for p := 0; p < n; p++ {
		first := res.Systems[0].Phases[p]
		row := []string{first.From + "-" + first.To, fmt.Sprint(first.Clients)}
		for _, sys := range res.Systems {
			ph := sys.Phases[p]
			row = append(row, fmt.Sprintf("%d (%.2f/s)", ph.Calls, ph.CallsPerSecond))
			if hasCallbacks(sys.Phases) {
				row = append(row, fmt.Sprint(ph.Callbacks))
			}
		}
		t.Rows = append(t.Rows, row)
	}
	notes := []string{fmt.Sprintf("Server load in each %s phase:", sim.FormatDuration(length)), ""}
	notes = append(notes, strings.Split(strings.TrimRight(report.TableText(t), "\n"), "\n")...)
	if len(res.Table.Notes) > 0 {
		notes = append([]string{""}, notes...)
	}
	res.Table.Notes = append(res.Table.Notes, notes...)
}

// rowClients names the clients of the file's rows.
func rowClients(sc *Scenario) map[string]bool {
	clients := map[string]bool{}
	for _, s := range sc.Workload {
		if s.Client != "" {
			clients[s.Client] = true
		}
	}
	return clients
}

// isClient says whether a node is a client: of a file's row (clients),
// or of a program (its prefix and a number from 1 to its clients). A
// call to a client is a callback (an AFS server breaking a promise).
func isClient(sc *Scenario, clients map[string]bool, name string) bool {
	if clients[name] {
		return true
	}
	for i := range sc.Programs {
		p := &sc.Programs[i]
		if k, err := strconv.Atoi(strings.TrimPrefix(name, p.Prefix)); err == nil && strings.HasPrefix(name, p.Prefix) &&
			k >= 1 && k <= p.Clients && p.ClientName(k-1) == name {
			return true
		}
	}
	return false
}

func hasCallbacks(ps []report.Phase) bool {
	for _, p := range ps {
		if p.Callbacks > 0 {
			return true
		}
	}
	return false
}
