package scenarios_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	_ "github.com/sim-lecture/sim/protocols/all"
	"github.com/sim-lecture/sim/scenarios"
)

// TestRunBoundsByDefault: the inputs that once exhausted the machine stop
// at a bound that names the limits key raising it, quickly and within
// memory.
func TestRunBoundsByDefault(t *testing.T) {
	tests := []struct {
		name, workload, limits, want string
	}{
		{"udp flood", "{at: 0, op: send, from: A, to: B, count: 1000000, size: 65000B}", "", "raise limits.max_bytes_held"},
		{"reliable backlog", "{at: 0, op: send, from: A, to: B, count: 1000000, size: 60000B}", "", "raise limits.max_bytes_held"},
		{"udp moved", "{at: 0, op: send, from: A, to: B, count: 1000, size: 1000B, interval: 1ms}", "limits: {max_bytes_moved: 100KB}", "raise limits.max_bytes_moved"},
		{"events", "{at: 0, op: send, from: A, to: B, count: 1000, interval: 1ms}", "limits: {max_events: 100}", "raise limits.max_events"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sys := "udp"
			if strings.HasPrefix(tc.name, "reliable") {
				sys = "reliable"
			}
			src := "name: b\nsystems: [" + sys + "]\n" + tc.limits + "\nworkload:\n  - " + tc.workload + "\n"
			sc, err := scenarios.Load("b.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			res, _, err := scenarios.Run(sc, scenarios.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Violations) != 1 || !strings.Contains(res.Violations[0].Message, tc.want) {
				t.Fatalf("violations %+v; want one saying %q", res.Violations, tc.want)
			}
		})
	}
}

// TestStreamFatesAreBounded: a stream of many messages counts them all
// but describes only the first report.MaxMessageFates one by one.
func TestStreamFatesAreBounded(t *testing.T) {
	sc, err := scenarios.Load("f.yaml", []byte("name: f\nsystems: [udp]\nworkload:\n  - {at: 0, op: send, from: A, to: B, count: 12000, size: 8B, interval: 1ms}\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := res.Systems[0].Streams()[0]
	if st.Sent != 12000 || st.Delivered != 12000 || len(st.Messages) != 10000 || st.MessagesOmitted != 2000 {
		t.Errorf("sent %d, delivered %d, %d fates, %d omitted; want 12000, 12000, 10000, 2000",
			st.Sent, st.Delivered, len(st.Messages), st.MessagesOmitted)
	}
}

// TestTotalEventsAcrossRuns: the runs of a file share
// limits.max_total_events, so that a hundred variants of a heavy
// workload end in about a minute, not in hours. The run that exhausts it
// stops with a message naming the key; the runs after it do not start,
// and their rows say they did not run.
func TestTotalEventsAcrossRuns(t *testing.T) {
	src := "name: b\nsystems: [udp, pipe]\nlimits: {max_total_events: 50}\nworkload:\n" +
		"  - {at: 0, op: send, from: A, to: B, count: 10, interval: 1ms}\n" +
		"variants:\n  - {name: a}\n  - {name: b}\n  - {name: c}\n"
	sc, err := scenarios.Load("b.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, worlds, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if worlds != nil {
		t.Errorf("Run kept %d worlds without KeepTrace; want none", len(worlds))
	}
	var total uint64
	var summary []string
	for _, s := range res.Systems {
		total += s.Events
		summary = append(summary, fmt.Sprintf("%s/%s %d %s", s.System, s.Variant, s.Events, s.Steps[0].Result))
	}
	want := []string{"udp/a 21 ok", "udp/b 21 ok", "udp/c 8 ok", "pipe/a 0 ECANCELED", "pipe/b 0 ECANCELED", "pipe/c 0 ECANCELED"}
	if diff := cmp.Diff(want, summary); diff != "" || total != 50 {
		t.Errorf("runs (-want +got):\n%s\n%d events in all; want 50", diff, total)
	}
	if len(res.Violations) != 4 {
		t.Fatalf("%d violations; want 4 (the run that reached the bound and the three after it)", len(res.Violations))
	}
	for _, v := range res.Violations {
		if !strings.Contains(v.Message, "reached max_total_events = 50, the events of all the file's runs together") ||
			!strings.Contains(v.Message, "raise limits.max_total_events") {
			t.Errorf("violation %q; want the file's bound and its key", v.Message)
		}
	}
	if note := res.Systems[3].Steps[0].Note; !strings.HasPrefix(note, "not run:") {
		t.Errorf("a row of a run that did not start: note %q; want not run", note)
	}
}

// TestRowsNotReachedAreNotOK: a row the run never reached, because it
// stopped at a bound first, is not reported "ok" with nothing sent.
func TestRowsNotReachedAreNotOK(t *testing.T) {
	sc, err := scenarios.Load("b.yaml", []byte("name: b\nsystems: [udp]\nworkload:\n  - {at: 0, op: send, from: A, to: B}\n  - {at: 2h, op: send, from: A, to: B}\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	steps := res.Systems[0].Steps
	if steps[0].Result != "ok" || steps[1].Result != "ECANCELED" || !strings.HasPrefix(steps[1].Note, "not run:") {
		t.Errorf("results %s, %s (%s); want ok, then ECANCELED: not run", steps[0].Result, steps[1].Result, steps[1].Note)
	}
}

// TestManyClientsOneColumn: a step table gives each client a column of
// its own up to 16 clients, the lecture's layout; with more, one Client
// column names each row's client, so that the table grows with the rows,
// not with rows times clients.
func TestManyClientsOneColumn(t *testing.T) {
	for _, n := range []int{16, 17} {
		var b strings.Builder
		b.WriteString("name: c\nsystems: [nfs]\nfiles: {f: [x]}\nworkload:\n")
		for i := range n {
			fmt.Fprintf(&b, "  - {at: %d, client: C%d, op: stat, file: f}\n", i, i)
		}
		sc, err := scenarios.Load("c.yaml", []byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		res, _, err := scenarios.Run(sc, scenarios.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cols := res.Table.Columns
		switch {
		case n == 16 && (len(cols) != 18 || cols[1] != "Client C0"):
			t.Errorf("16 clients: columns %q; want Time, a column per client, the server's", cols)
		case n == 17 && (len(cols) != 3 || cols[1] != "Client" || res.Table.Rows[16][1] != `C16: stat("f")`):
			t.Errorf("17 clients: columns %q, row 17 %q; want Time, Client, the server's", cols, res.Table.Rows[16])
		}
	}
}
