package diagram_test

import (
	"bytes"
	"flag"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/report/diagram"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
	"github.com/sim-lecture/sim/sim/simtest"
)

var update = flag.Bool("update", false, "rewrite the golden SVGs in testdata")

// golden are the diagrams kept as golden files: the lecture's figures.
var golden = []struct{ scenario, run string }{
	{"lost_ack", "rpc"},
	{"nfs_write_buffer_loss", "nfs-buffered"},
	{"nfs_server_crash", "nfs"},
	{"nfs_vs_afs", "afs"},
	{"pipe_vs_socket", "socket"},
}

// TestDiagramGolden keeps the SVG of the lecture's figures in testdata:
// a change of layout shows as a diff to look at (and -update takes it).
func TestDiagramGolden(t *testing.T) {
	for _, g := range golden {
		t.Run(g.scenario+"-"+g.run, func(t *testing.T) {
			res, worlds := runBuiltIn(t, g.scenario)
			i := runIndex(t, res.Systems, g.run)
			got := draw(t, res, worlds, i, diagram.Options{})
			simtest.Golden(t, filepath.Join("testdata", g.scenario+"-"+g.run+".svg"), string(got), *update)
		})
	}
}

func runBuiltIn(t *testing.T, name string) (*report.Result, []*sim.World) {
	t.Helper()
	sc, err := scenarios.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	return runKept(t, sc)
}

func runIndex(t *testing.T, systems []report.System, label string) int {
	t.Helper()
	for i, s := range systems {
		if s.FileLabel() == label {
			return i
		}
	}
	t.Fatalf("no run %s", label)
	return -1
}

// TestDiagramState: the state boxes show what the lecture draws. The
// write-buffer figure has the server's mem and disk rows and the memory
// the crash lost; lost_ack shows the increment executed once per copy
// that arrived, three times for two calls.
//
// Lecture: "Server Write Buffer Lost"; "Message lost or ACK lost?".
func TestDiagramState(t *testing.T) {
	res, worlds := runBuiltIn(t, "nfs_write_buffer_loss")
	svg := string(draw(t, res, worlds, runIndex(t, res.Systems, "nfs-buffered"), diagram.Options{}))
	for _, want := range []string{
		"server at 4.005s: mem fileA = [A]",
		"server at 5.01s (durable): disk fileA = [A] [B] [C]",
		"server at 22.005s: mem fileA = [X] [Y] [C]",
		"server at 25s: mem fileA lost in the crash",
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("nfs buffered: no state box %q", want)
		}
	}
	res, worlds = runBuiltIn(t, "lost_ack")
	svg = string(draw(t, res, worlds, 0, diagram.Options{}))
	if n := strings.Count(svg, ": executed INCREMENT = "); n != 3 {
		t.Errorf("lost_ack: %d executed INCREMENT boxes; want 3 (one per copy the server ran)", n)
	}
	if !strings.Contains(svg, "executed INCREMENT = 3") {
		t.Error("lost_ack: the server never shows INCREMENT executed 3 times")
	}
	if got := svgCounts(t, []byte(draw(t, res, worlds, 0, diagram.Options{Hide: diagram.HideState})))["state"]; got != 0 {
		t.Errorf("--hide state drew %d state boxes", got)
	}
}

// TestDiagramResultsWhenTheyReturn: a read that waits for a crashed
// server shows its value when the reply comes, not when it was called.
func TestDiagramResultsWhenTheyReturn(t *testing.T) {
	res, worlds := runBuiltIn(t, "nfs_server_crash")
	svg := string(draw(t, res, worlds, 0, diagram.Options{}))
	if !regexp.MustCompile(`read\(f, block2\) returned = a2 at 10\.71\d*s`).MatchString(svg) {
		t.Error("the read of block2 does not return at 10.71s, when the restarted server's reply came")
	}
	if strings.Contains(svg, "read(f, block2) = a2") {
		t.Error("the read of block2 is drawn with its value at the call")
	}
}

// TestDiagramOptions: the window, the lanes and what is hidden.
func TestDiagramOptions(t *testing.T) {
	res, worlds := runBuiltIn(t, "lost_ack")
	recs := worlds[0].Trace().Records()
	sends, acks := 0, 0
	for _, r := range recs {
		if r.Kind == sim.KindSend {
			sends++
			if r.Label == "ACK" {
				acks++
			}
		}
	}
	if got := svgCounts(t, draw(t, res, worlds, 0, diagram.Options{Hide: diagram.HideAcks}))["msg"]; got != sends-acks || acks == 0 {
		t.Errorf("--hide acks drew %d messages; want %d of %d (all but the %d ACKs)", got, sends-acks, sends, acks)
	}
	from, to := sim.Time(2*time.Second), sim.Time(2500*time.Millisecond)
	window := 0
	for _, r := range recs {
		if r.Kind == sim.KindSend && r.At >= from && r.At <= to {
			window++
		}
	}
	svg := draw(t, res, worlds, 0, diagram.Options{From: from, To: to})
	if got := svgCounts(t, svg)["msg"]; got != window {
		t.Errorf("--from 2s --to 2.5s drew %d messages; want the %d sent then", got, window)
	}
	if bytes.Contains(svg, []byte("call read on server")) {
		t.Error("--to 2.5s drew the call at 3s")
	}
	svg = draw(t, res, worlds, 0, diagram.Options{Nodes: []string{"server", "A"}})
	if i, j := bytes.Index(svg, []byte(">server</text>")), bytes.Index(svg, []byte(">A</text>")); i < 0 || j < 0 || i > j {
		t.Error("--nodes server,A did not draw server's lane first")
	}
	if _, err := diagram.New(res, 0, worlds[0], diagram.Options{Nodes: []string{"nobody"}}); err == nil {
		t.Error("--nodes nobody drew a diagram")
	}
	if _, err := diagram.New(res, 0, worlds[0], diagram.Options{From: 3, To: 2}); err == nil {
		t.Error("a window ending before it starts drew a diagram")
	}
	for _, tc := range []struct {
		in   string
		want diagram.Hide
		ok   bool
	}{
		{"", 0, true},
		{"acks", diagram.HideAcks, true},
		{"acks, probes,state", diagram.HideAcks | diagram.HideProbes | diagram.HideState, true},
		{"timers,faults", diagram.HideTimers | diagram.HideFaults, true},
		{"ack", 0, false},
	} {
		got, err := diagram.ParseHide(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseHide(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// TestOverlapsReported: the placement check can fail. Client B sits
// between A and C while A floods C, so that every place beside B's lane
// is crossed by an arrow: B's notes are drawn on plates and listed.
func TestOverlapsReported(t *testing.T) {
	sc, err := scenarios.Load("crowded.yaml", []byte(`name: crowded
systems: [socket]
network: {delay: 100ms}
workload:
  - {at: 0, op: send, from: A, to: C, count: 200, interval: 1ms}
  - {at: 50ms, op: send, from: B, to: A}
  - {at: 120ms, op: send, from: B, to: C}
`))
	if err != nil {
		t.Fatal(err)
	}
	res, worlds := runKept(t, sc)
	d, err := diagram.New(res, 0, worlds[0], diagram.Options{Nodes: []string{"A", "B", "C"}})
	if err != nil {
		t.Fatal(err)
	}
	if ov := d.Overlaps(); len(ov) == 0 {
		t.Error("B's notes, with arrows crossing both sides of its lane, were placed without overlap")
	}
}
