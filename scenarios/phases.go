package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/sim"
)

// addPhases fills each system's Phases when the scenario asks for them
// (report.phases) and adds a table of them under the timeline table: how
// the servers' load grows as clients join (afs_vs_nfs_scale).
func addPhases(sc *Scenario, res *report.Result) {
	length := sc.Report.Phases
	if length <= 0 || len(sc.Workload) == 0 {
		return
	}
	clients := map[string]bool{}
	for _, s := range sc.Workload {
		if s.Client != "" {
			clients[s.Client] = true
		}
	}
	n := int(sc.Workload[len(sc.Workload)-1].At/length) + 1
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
		for p := range phases {
			phases[p] = report.Phase{From: sim.FormatDuration(time.Duration(p) * length),
				To: sim.FormatDuration(time.Duration(p+1) * length), Clients: len(active[p])}
		}
		for i, st := range sys.Steps {
			p := int(sc.Workload[i].At / length)
			for _, c := range st.Calls {
				if clients[c.To] {
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

func hasCallbacks(ps []report.Phase) bool {
	for _, p := range ps {
		if p.Callbacks > 0 {
			return true
		}
	}
	return false
}
