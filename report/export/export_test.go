package export_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/sim-lecture/sim/report/export"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"

	_ "github.com/sim-lecture/sim/protocols/all"
)

// runs are built-in scenarios whose traces hold every kind of record the
// exports treat apart: duplicated and lost messages (pipe_vs_socket),
// copies reaching a crashed server (nfs_server_crash), crashes, restarts
// and state records (nfs_write_buffer_loss, rpc_append_retry).
var runs = []string{"pipe_vs_socket", "nfs_server_crash", "nfs_write_buffer_loss", "rpc_append_retry", "afs_callbacks"}

func eachRun(t *testing.T, fn func(t *testing.T, names []string, recs []sim.Record)) {
	for _, name := range runs {
		sc, err := scenarios.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		res, worlds, err := scenarios.Run(sc, scenarios.Options{KeepTrace: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range worlds {
			names := make([]string, w.NumNodes())
			for id := range names {
				names[id] = w.Name(sim.NodeID(id))
			}
			t.Run(name+"/"+res.Systems[i].FileLabel(), func(t *testing.T) { fn(t, names, w.Trace().Records()) })
		}
	}
}

// shivizEntry is one parsed entry of a ShiViz log.
type shivizEntry struct {
	host  string
	clock map[string]int
	event string
}

// parseShiViz reads a log the way ShiViz does: the regular expression on
// its first line, matched against the rest.
func parseShiViz(t *testing.T, log string) []shivizEntry {
	t.Helper()
	first, rest, _ := strings.Cut(log, "\n")
	re, err := regexp.Compile("(?m)^" + first + "$")
	if err != nil {
		t.Fatalf("the first line is not a regular expression: %v", err)
	}
	for _, g := range []string{"host", "clock", "event"} {
		if re.SubexpIndex(g) < 0 {
			t.Fatalf("the regular expression has no group %q", g)
		}
	}
	var out []shivizEntry
	for _, m := range re.FindAllStringSubmatch(rest, -1) {
		e := shivizEntry{host: m[re.SubexpIndex("host")], event: m[re.SubexpIndex("event")]}
		if err := json.Unmarshal([]byte(m[re.SubexpIndex("clock")]), &e.clock); err != nil {
			t.Fatalf("clock %q is not a JSON object: %v", m[re.SubexpIndex("clock")], err)
		}
		out = append(out, e)
	}
	if n := strings.Count(rest, "\n"); n != len(out) {
		t.Fatalf("the regular expression matched %d entries of %d lines", len(out), n)
	}
	return out
}

// TestShiViz: the log parses with its own regular expression; each host's
// own entry counts its events; and every delivery happens after its send:
// its clock is at least the send's everywhere (Lamport's happens-before,
// vector clocks' rule).
func TestShiViz(t *testing.T) {
	eachRun(t, func(t *testing.T, names []string, recs []sim.Record) {
		var b bytes.Buffer
		if err := export.WriteShiViz(&b, names, recs); err != nil {
			t.Fatal(err)
		}
		for _, p := range checkShiViz(parseShiViz(t, b.String()), names, recs) {
			t.Error(p)
		}
	})
}

// checkShiViz lists what is wrong with a log's entries for the trace.
func checkShiViz(entries []shivizEntry, names []string, recs []sim.Record) []string {
	var problems []string
	own := map[string]int{}
	sendClock := map[uint64]map[string]int{}
	k, deliveries := 0, 0
	for _, r := range recs {
		if r.Node < 0 || r.Kind == sim.KindDrop || r.Kind == sim.KindDuplicate || r.Kind == sim.KindCorrupt || r.Kind == sim.KindReorder || r.Kind == sim.KindFault {
			continue
		}
		if k >= len(entries) {
			return append(problems, fmt.Sprintf("the log ends before the trace's record %+v", r))
		}
		e := entries[k]
		k++
		host := names[r.Node]
		own[host]++
		if e.host != host || e.clock[host] != own[host] {
			problems = append(problems, fmt.Sprintf("entry %d (%s): host %s, own count %d; want %s's event number %d", k, e.event, e.host, e.clock[host], host, own[host]))
		}
		if !strings.Contains(e.event, "["+r.At.String()+"]") {
			problems = append(problems, fmt.Sprintf("entry %d: %q does not say its time %s", k, e.event, r.At))
		}
		switch r.Kind {
		case sim.KindSend:
			sendClock[r.Msg] = e.clock
		case sim.KindDeliver:
			deliveries++
			for h, n := range sendClock[r.Msg] {
				if e.clock[h] < n {
					problems = append(problems, fmt.Sprintf("entry %d (%s): clock[%s] = %d, below the send's %d: the delivery does not follow its send", k, e.event, h, e.clock[h], n))
				}
			}
		}
	}
	if k != len(entries) {
		problems = append(problems, fmt.Sprintf("the log has %d entries; the trace %d events", len(entries), k))
	}
	if deliveries == 0 {
		problems = append(problems, "no delivery to check")
	}
	return problems
}

// TestShiVizCheckFails shows the happens-before check failing: the same
// log with a delivery's merge undone is rejected.
func TestShiVizCheckFails(t *testing.T) {
	names := []string{"A", "B"}
	recs := []sim.Record{
		{At: 1, Kind: sim.KindTimer, Node: 0, Peer: sim.NoNode},
		{At: 2, Kind: sim.KindSend, Node: 0, Peer: 1, Msg: 1, Label: "M"},
		{At: 3, Kind: sim.KindDeliver, Node: 1, Peer: 0, Msg: 1, Label: "M"},
	}
	var b bytes.Buffer
	if err := export.WriteShiViz(&b, names, recs); err != nil {
		t.Fatal(err)
	}
	entries := parseShiViz(t, b.String())
	if got := fmt.Sprint(entries[2].clock); got != "map[A:2 B:1]" {
		t.Errorf("B's delivery has clock %s; want map[A:2 B:1] (A's two events merged)", got)
	}
	if p := checkShiViz(entries, names, recs); len(p) > 0 {
		t.Errorf("the log fails the check: %q", p)
	}
	entries[2].clock = map[string]int{"B": 1} // no merge
	if p := checkShiViz(entries, names, recs); len(p) == 0 {
		t.Error("a delivery that does not follow its send passed the check")
	}
}

// perfettoFile is what a reader of the trace-event format sees.
type perfettoFile struct {
	TraceEvents []struct {
		Name string          `json:"name"`
		Ph   string          `json:"ph"`
		Ts   float64         `json:"ts"`
		Dur  float64         `json:"dur"`
		Pid  int             `json:"pid"`
		Tid  int             `json:"tid"`
		ID   uint64          `json:"id"`
		Bp   string          `json:"bp"`
		Args json.RawMessage `json:"args"`
	} `json:"traceEvents"`
	DisplayTimeUnit string `json:"displayTimeUnit"`
}

// TestPerfetto: the file parses as the trace-event format; every node has
// its named track; every send starts a flow that its deliveries end, at
// the trace's times in microseconds, each on a slice of its track.
func TestPerfetto(t *testing.T) {
	eachRun(t, func(t *testing.T, names []string, recs []sim.Record) {
		var b bytes.Buffer
		if err := export.WritePerfetto(&b, "test", names, recs); err != nil {
			t.Fatal(err)
		}
		var f perfettoFile
		if err := json.Unmarshal(b.Bytes(), &f); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		tracks := map[int]string{}
		starts := map[uint64]float64{}
		ends := map[uint64][]float64{}
		slices := map[[2]float64]bool{} // (tid, ts) of each slice
		for _, e := range f.TraceEvents {
			switch e.Ph {
			case "M":
				if e.Name == "thread_name" {
					var a struct{ Name string }
					if err := json.Unmarshal(e.Args, &a); err != nil {
						t.Fatal(err)
					}
					tracks[e.Tid] = a.Name
				}
			case "X":
				slices[[2]float64{float64(e.Tid), e.Ts}] = true
			case "s":
				starts[e.ID] = e.Ts
				if !slices[[2]float64{float64(e.Tid), e.Ts}] {
					t.Errorf("flow %d starts on no slice", e.ID)
				}
			case "f":
				if e.Bp != "e" || !slices[[2]float64{float64(e.Tid), e.Ts}] {
					t.Errorf("flow %d ends on no slice (bp %q)", e.ID, e.Bp)
				}
				ends[e.ID] = append(ends[e.ID], e.Ts)
			}
		}
		for id, n := range names {
			if tracks[id+1] != n {
				t.Errorf("track %d is named %q; want %q", id+1, tracks[id+1], n)
			}
		}
		sends, delivers := 0, 0
		for _, r := range recs {
			us := float64(r.At) / 1e3
			switch r.Kind {
			case sim.KindSend:
				sends++
				if starts[r.Msg] != us {
					t.Errorf("message %d: flow starts at %v µs; sent at %v", r.Msg, starts[r.Msg], us)
				}
			case sim.KindDeliver:
				delivers++
				if !contains(ends[r.Msg], us) {
					t.Errorf("message %d: no flow end at its delivery, %v µs", r.Msg, us)
				}
				if starts[r.Msg] > us {
					t.Errorf("message %d: delivered before it was sent", r.Msg)
				}
			}
		}
		if len(starts) != sends || flows(ends) != delivers {
			t.Errorf("%d flow starts, %d ends; the trace has %d sends, %d deliveries", len(starts), flows(ends), sends, delivers)
		}
	})
}

func contains(xs []float64, x float64) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func flows(m map[uint64][]float64) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}

// TestShiVizBounded: every entry carries the clock of every node its node
// has heard of, so a log grows as events times nodes. It stops, at the
// end of an entry, before MaxShiVizBytes: a run of a thousand nodes wrote
// 47 MB for six thousand messages.
func TestShiVizBounded(t *testing.T) {
	const nodes = 1000
	names := make([]string, nodes)
	for i := range names {
		names[i] = fmt.Sprintf("N%d", i)
	}
	var recs []sim.Record
	for i := range 10_000 {
		from := sim.NodeID(1 + i%(nodes-1))
		msg := uint64(i + 1)
		recs = append(recs,
			sim.Record{At: sim.Time(2 * i), Kind: sim.KindSend, Node: from, Peer: 0, Msg: msg, Label: "M"},
			sim.Record{At: sim.Time(2*i + 1), Kind: sim.KindDeliver, Node: 0, Peer: from, Msg: msg, Label: "M"})
	}
	var b bytes.Buffer
	if err := export.WriteShiViz(&b, names, recs); err != nil {
		t.Fatal(err)
	}
	if b.Len() > export.MaxShiVizBytes || b.Len() < export.MaxShiVizBytes/2 {
		t.Errorf("the log has %d bytes; want at most %d, and most of it", b.Len(), export.MaxShiVizBytes)
	}
	if !strings.HasSuffix(b.String(), "\n") {
		t.Errorf("the log ends in the middle of an entry")
	}
	entries := parseShiViz(t, b.String())
	if p := checkShiViz(entries, names, recs[:len(entries)]); len(p) > 0 {
		t.Errorf("the entries written fail the check: %q", p[:min(len(p), 3)])
	}
}
