package scenarios

import (
	"fmt"
	"strings"

	"github.com/sim-lecture/sim/report"
)

// maxMessageRows is the largest number of messages the messaging table
// lists one by one; longer runs get one row per stream.
const maxMessageRows = 100

// buildTable derives the scenario's timeline table from the systems'
// results. Each run gets its own column (or rows), named by its system and,
// in a scenario with variants, its variant ("reliable fixed_50ms").
func buildTable(sc *Scenario, res *report.Result) *report.Table {
	allSends := len(sc.Workload) > 0
	total := 0
	for _, s := range sc.Workload {
		if s.Op != "send" {
			allSends = false
		}
		total += s.Count
	}
	if allSends && len(res.Systems) > 0 {
		if total <= maxMessageRows && sameSends(res) {
			return messageTable(sc, res)
		}
		return streamTable(sc, res)
	}
	return stepTable(sc, res)
}

// sameSends reports whether every run sent the same messages at the same
// times, so that one row per message can show them side by side. A run
// whose sender was down for a while (a crash only some variants have) sent
// fewer, and gets the stream table instead.
func sameSends(res *report.Result) bool {
	first := res.Systems[0]
	for _, sys := range res.Systems[1:] {
		if len(sys.Streams) != len(first.Streams) {
			return false
		}
		for si, st := range sys.Streams {
			if len(st.Messages) != len(first.Streams[si].Messages) {
				return false
			}
			for k, m := range st.Messages {
				if m.SentAt != first.Streams[si].Messages[k].SentAt {
					return false
				}
			}
		}
	}
	return true
}

// messageTable has one row per message: when it was sent and what each
// system's receiving application saw of it.
func messageTable(sc *Scenario, res *report.Result) *report.Table {
	t := &report.Table{Title: "Each message's fate at the receiving application", Columns: []string{"Msg", "Sent"}}
	multi := len(sc.Workload) > 1
	for _, sys := range res.Systems {
		t.Columns = append(t.Columns, sys.Label())
	}
	first := res.Systems[0]
	for si, st := range first.Streams {
		for k, m := range st.Messages {
			label := fmt.Sprint(k)
			if multi {
				label = fmt.Sprintf("%s->%s %d", st.From, st.To, k)
			}
			row := []string{label, m.SentAt}
			for _, sys := range res.Systems {
				row = append(row, fateCell(sys.Streams[si].Messages[k]))
			}
			t.Rows = append(t.Rows, row)
		}
	}
	for _, sys := range res.Systems {
		for _, st := range sys.Streams {
			t.Notes = append(t.Notes, fmt.Sprintf("%s %s->%s: %s", sys.Label(), st.From, st.To, streamNote(st)))
		}
	}
	return t
}

// fateCell is a message's arrival times followed by its fate when that is
// anything but a plain delivery.
func fateCell(m report.MessageFate) string {
	if len(m.Arrivals) == 0 {
		return m.Fate
	}
	s := strings.Join(m.Arrivals, ", ")
	if m.Fate != "delivered" {
		s += " (" + m.Fate + ")"
	}
	return s
}

// streamTable has one row per stream and system.
func streamTable(sc *Scenario, res *report.Result) *report.Table {
	t := &report.Table{Title: "What each receiving application saw",
		Columns: []string{"System", "Stream", "Sent", "Delivered", "Lost", "Duplicates", "Corrupted", "Retransmissions", "In order", "Completion"}}
	for _, sys := range res.Systems {
		for _, st := range sys.Streams {
			t.Rows = append(t.Rows, []string{sys.Label(), st.From + "->" + st.To,
				fmt.Sprint(st.Sent), fmt.Sprint(st.Delivered), fmt.Sprint(st.Lost), fmt.Sprint(st.Duplicates),
				fmt.Sprint(st.Corrupted), fmt.Sprint(st.Retransmissions), fmt.Sprint(st.InOrder), st.Completion})
		}
	}
	return t
}

// stepTable has one row per workload row: the time, what each client did,
// and for each system what the servers were asked to do.
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
	for _, c := range clients {
		t.Columns = append(t.Columns, "Client "+c)
	}
	for _, sys := range res.Systems {
		t.Columns = append(t.Columns, sys.Label()+": server action")
	}
	for i := range sc.Workload {
		s := &sc.Workload[i]
		row := make([]string, 1+len(clients)+len(res.Systems))
		row[0] = res.Systems[0].Steps[i].At
		row[1+col[rowActor(s)]] = describeOp(s)
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

// describeOp writes a workload row the way the lecture's table does:
// `fd = open("file")`, `read(fd, block1)`.
func describeOp(s *Step) string {
	switch s.Op {
	case "open":
		return fmt.Sprintf("%s = open(%q)", s.FD, s.File)
	case "read", "write":
		return fmt.Sprintf("%s(%s, block%d)", s.Op, s.FD, s.Block)
	case "close", "append", "seek":
		return fmt.Sprintf("%s(%s)", s.Op, s.FD)
	case "send":
		return fmt.Sprintf("send %d x %dB to %s", s.Count, s.Size, s.To)
	case "call":
		return fmt.Sprintf("%s(%s) on %s", s.Proc, s.Args, s.Server)
	case "agree":
		return fmt.Sprintf("agree with %s in %s", s.To, plural(max(s.Count, 1), "messenger", "messengers"))
	default:
		return fmt.Sprintf("%s(%q)", s.Op, s.File)
	}
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
