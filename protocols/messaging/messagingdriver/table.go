package messagingdriver

import (
	"fmt"
	"math"
	"strings"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// maxMessageRows is the largest number of messages the messaging table
// lists one by one; longer runs get one row per stream.
const maxMessageRows = 100

// sendTable is the table of a scenario whose rows are all send rows: one
// row per message, with what each run's receiving application saw of it,
// or, for many messages (or runs that sent different ones), one row per
// stream and run.
func sendTable(sc *scenarios.Scenario, res *report.Result) *report.Table {
	total := 0
	for _, s := range sc.Workload {
		total += s.Count
	}
	if total <= maxMessageRows && sameSends(res) {
		return messageTable(sc, res)
	}
	return streamTable(sc, res)
}

// sameSends reports whether every run sent the same messages at the same
// times, so that one row per message can show them side by side. A run
// whose sender was down for a while (a crash only some variants have) sent
// fewer, and gets the stream table instead.
func sameSends(res *report.Result) bool {
	first := res.Systems[0]
	for _, sys := range res.Systems[1:] {
		if len(sys.Streams()) != len(first.Streams()) {
			return false
		}
		for si, st := range sys.Streams() {
			if len(st.Messages) != len(first.Streams()[si].Messages) {
				return false
			}
			for k, m := range st.Messages {
				if m.SentAt != first.Streams()[si].Messages[k].SentAt {
					return false
				}
			}
		}
	}
	return true
}

// messageTable has one row per message: when it was sent and what each
// system's receiving application saw of it.
func messageTable(sc *scenarios.Scenario, res *report.Result) *report.Table {
	t := &report.Table{Title: "Each message's fate at the receiving application", Columns: []string{"Msg", "Sent"}, Questions: 2}
	multi := len(sc.Workload) > 1
	for _, sys := range res.Systems {
		t.Columns = append(t.Columns, sys.Label())
	}
	first := res.Systems[0]
	for si, st := range first.Streams() {
		for k, m := range st.Messages {
			label := fmt.Sprint(k)
			if multi {
				label = fmt.Sprintf("%s->%s %d", st.From, st.To, k)
			}
			row := []string{label, m.SentAt}
			for _, sys := range res.Systems {
				row = append(row, fateCell(sys.Streams()[si].Messages[k]))
			}
			t.Rows = append(t.Rows, row)
		}
	}
	for _, sys := range res.Systems {
		for _, st := range sys.Streams() {
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
func streamTable(sc *scenarios.Scenario, res *report.Result) *report.Table {
	t := &report.Table{Title: "What each receiving application saw",
		Columns:   []string{"System", "Stream", "Sent", "Delivered", "Lost", "Duplicates", "Corrupted", "Retransmissions", "In order", "Completion"},
		Questions: 3}
	for _, sys := range res.Systems {
		for _, st := range sys.Streams() {
			t.Rows = append(t.Rows, []string{sys.Label(), st.From + "->" + st.To,
				fmt.Sprint(st.Sent), fmt.Sprint(st.Delivered), fmt.Sprint(st.Lost), fmt.Sprint(st.Duplicates),
				fmt.Sprint(st.Corrupted), fmt.Sprint(st.Retransmissions), fmt.Sprint(st.InOrder), st.Completion})
		}
	}
	return t
}

// StreamMetrics are the sweep metrics of the streams of send rows, which
// every messaging system shares.
var StreamMetrics = []*report.Metric{
	{Name: "delivered", Order: 50, Unit: "messages",
		Doc:  "distinct messages the receiving applications got (send rows)",
		Eval: streamSum(func(st *report.Stream) int { return st.Delivered })},
	{Name: "lost", Order: 60, Unit: "messages",
		Doc:  "messages that never reached the receiving application (send rows)",
		Eval: streamSum(func(st *report.Stream) int { return st.Lost })},
	{Name: "duplicates", Order: 70, Unit: "messages",
		Doc:  "extra copies handed to the receiving applications (send rows)",
		Eval: streamSum(func(st *report.Stream) int { return st.Duplicates })},
	{Name: "goodput", Order: 80, Unit: "messages/s",
		Doc: "distinct messages delivered per second until the last one arrived (mean over the systems)",
		Eval: func(_ *report.Result, ss []*report.System, _ string) float64 {
			return report.MeanSystems(ss, func(s *report.System) float64 {
				if len(s.Streams()) == 0 {
					return math.NaN()
				}
				d, c := 0, report.Completion(s)
				for _, st := range s.Streams() {
					d += st.Delivered
				}
				if !(c > 0) {
					return math.NaN()
				}
				return float64(d) / c
			})
		}},
}

// streamSum adds a stream counter over the systems' streams; NaN for a
// scenario without send rows.
func streamSum(f func(*report.Stream) int) func(*report.Result, []*report.System, string) float64 {
	return func(_ *report.Result, ss []*report.System, _ string) float64 {
		return report.SumSystems(ss, func(s *report.System) float64 {
			streams := s.Streams()
			if len(streams) == 0 {
				return math.NaN()
			}
			n := 0
			for i := range streams {
				n += f(&streams[i])
			}
			return float64(n)
		})
	}
}
