package messagingdriver

import (
	"testing"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios/scenariotest"
)

// Lecture, "Network Socket": the network's faults reach a socket's
// application; a pipe has none, so they do nothing to it and say so.
func TestPipeHasNoFaults(t *testing.T) {
	res := scenariotest.RunClean(t, `name: t
systems: [pipe, socket]
workload:
  - {at: 0, op: send, from: A, to: B, count: 5, interval: 1ms}
faults:
  - {at: 0, network: {loss: 1}}
expect:
  - {system: pipe, at: 0, delivered: 5, in_order: true}
  - {system: socket, at: 0, delivered: 0, lost: 5}
`)
	pipe := scenariotest.SystemOf(t, res, "pipe")
	if f := pipe.Faults[0]; f.Detail != "no effect: a pipe has no faults" {
		t.Errorf("pipe fault %+v; want no effect", f)
	}
	if got := res.Table.Columns; len(got) != 4 || got[2] != "pipe" || got[3] != "socket" {
		t.Errorf("table columns %q; want one column of message fates per system", got)
	}
}

// Many messages get one row per stream and system instead of one per
// message, and the stream metrics add up the streams.
func TestStreamTableAndMetrics(t *testing.T) {
	res := scenariotest.RunClean(t, `name: t
systems: [socket]
network: {loss: 0.5}
workload:
  - {at: 0, op: send, from: A, to: B, count: 200, interval: 1ms}
`)
	st := res.Systems[0].Streams()[0]
	if res.Table.Columns[0] != "System" || len(res.Table.Rows) != 1 {
		t.Errorf("table %q with %d rows; want the stream table", res.Table.Columns, len(res.Table.Rows))
	}
	for name, want := range map[string]int{"delivered": st.Delivered, "lost": st.Lost, "duplicates": st.Duplicates} {
		m, err := report.ParseMetric(name)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := m.Eval(res); got != float64(want) {
			t.Errorf("%s = %v; want %d", name, got, want)
		}
	}
	if st.Delivered+st.Lost != 200 || st.Lost == 0 {
		t.Errorf("stream %+v; want 200 messages, some lost", st)
	}
}
