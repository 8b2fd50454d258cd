package scenarios

import (
	"fmt"
	"strings"

	"github.com/sim-lecture/sim/report"
)

// buildTable derives the scenario's timeline table from the systems'
// results. Each run gets its own column (or rows), named by its system and,
// in a scenario with variants, its variant ("reliable fixed_50ms"). A
// scenario whose rows all have one op gets that op's table when it has
// one (Op.Table: one row per message of the send rows).
func buildTable(sc *Scenario, res *report.Result) *report.Table {
	if op := onlyOp(sc); op != nil && op.Table != nil && len(res.Systems) > 0 {
		return op.Table(sc, res)
	}
	return stepTable(sc, res)
}

// onlyOp returns the op of every row, or nil when the rows have several
// (or there are none).
func onlyOp(sc *Scenario) *Op {
	if len(sc.Workload) == 0 {
		return nil
	}
	name := sc.Workload[0].Op
	for _, s := range sc.Workload[1:] {
		if s.Op != name {
			return nil
		}
	}
	return LookupOp(name)
}

// maxClientColumns is how many clients get a column of their own in the
// step table; with more, one Client column names each row's client. A
// column per client made a file of 15,000 clients (well under the input
// limit) print a table of 15,000 x 15,000 cells, gigabytes of text.
const maxClientColumns = 16

// stepTable has one row per workload row: the time, what each client did
// (in that client's column, the lecture's layout, or with more than
// maxClientColumns clients in one column that names it), and for each
// system what the servers were asked to do.
func stepTable(sc *Scenario, res *report.Result) *report.Table {
	t := &report.Table{Columns: []string{"Time"}}
	var clients []string
	col := map[string]int{}
	for _, s := range sc.Workload {
		c := rowActor(&s)
		if _, ok := col[c]; !ok {
			col[c] = len(clients)
			clients = append(clients, c)
		}
	}
	perClient := len(clients) <= maxClientColumns
	if perClient {
		for _, c := range clients {
			t.Columns = append(t.Columns, "Client "+c)
		}
	} else {
		clients = []string{""}
		t.Columns = append(t.Columns, "Client")
	}
	t.Questions = len(t.Columns)
	for _, sys := range res.Systems {
		t.Columns = append(t.Columns, sys.Label()+": server action")
	}
	for i := range sc.Workload {
		s := &sc.Workload[i]
		row := make([]string, 1+len(clients)+len(res.Systems))
		row[0] = res.Systems[0].Steps[i].At
		if perClient {
			row[1+col[rowActor(s)]] = describeOp(s)
		} else {
			row[1] = rowActor(s) + ": " + describeOp(s)
		}
		for j, sys := range res.Systems {
			row[1+len(clients)+j] = actionCell(sys.Steps[i])
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// rowActor names the node that performs a workload row.
func rowActor(s *Step) string {
	if s.Client != "" {
		return s.Client
	}
	return s.From
}

// describeOp writes a workload row the way the lecture's table does, as
// its op says (Op.Describe): `fd = open("file")`, `read(fd, block1)`.
func describeOp(s *Step) string {
	if op := LookupOp(s.Op); op != nil {
		return op.Describe(s)
	}
	return s.Op
}

// actionCell lists a step's RPCs (with retransmissions) and its outcome.
func actionCell(st report.Step) string {
	var parts []string
	for _, c := range st.Calls {
		p := c.Proc
		if c.Attempts > 1 {
			p += fmt.Sprintf(" x%d", c.Attempts)
		}
		parts = append(parts, p)
	}
	s := strings.Join(parts, ", ")
	if s == "" {
		s = "-"
	}
	if st.Result != "ok" {
		s += " -> " + st.Result
	}
	if st.Note != "" {
		s += " (" + st.Note + ")"
	}
	return s
}
