package diagram_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/report/diagram"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"

	_ "github.com/sim-lecture/sim/protocols/all"
)

var keepSVG = flag.String("svgdir", "", "write the diagrams the tests draw into this directory, to look at them")

// svgCounts counts the elements of an SVG by class: every class word of
// every element counts once.
func svgCounts(t *testing.T, svg []byte) map[string]int {
	t.Helper()
	counts := map[string]int{}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Local == "class" {
					for _, c := range strings.Fields(a.Value) {
						counts[c]++
					}
				}
			}
		}
	}
	return counts
}

// run runs a scenario with its trace kept.
func runKept(t *testing.T, sc *scenarios.Scenario) (*report.Result, []*sim.World) {
	t.Helper()
	res, worlds, err := scenarios.Run(sc, scenarios.Options{KeepTrace: true})
	if err != nil {
		t.Fatal(err)
	}
	return res, worlds
}

func draw(t *testing.T, res *report.Result, worlds []*sim.World, i int, opt diagram.Options) []byte {
	t.Helper()
	d, err := diagram.New(res, i, worlds[i], opt)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := d.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	if *keepSVG != "" {
		name := filepath.Join(*keepSVG, res.Scenario+"-"+res.Systems[i].System+".svg")
		if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// traceCounts counts, from the trace itself, what the diagram must show.
func traceCounts(w *sim.World) map[string]int {
	c := map[string]int{}
	for _, r := range w.Trace().Records() {
		switch r.Kind {
		case sim.KindSend:
			c["msg"]++
		case sim.KindDeliver, sim.KindDiscard:
			c["arrow"]++
		case sim.KindDrop:
			c["drop"]++
		case sim.KindDuplicate:
			c["duplicate"]++
		case sim.KindCorrupt:
			c["corrupt"]++
		case sim.KindReorder:
			c["reorder"]++
		case sim.KindTimer:
			c["timer"]++
		}
	}
	return c
}

// TestDiagramPipeVsSocket checks the structure of the lecture's opening
// figure: two lanes, one arrow per copy that arrived and a cross per lost
// message, and marks for what the network did.
//
// Lecture: "messages may be lost, messages may be reordered, messages may
// be duplicated".
func TestDiagramPipeVsSocket(t *testing.T) {
	sc, err := scenarios.Open("pipe_vs_socket")
	if err != nil {
		t.Fatal(err)
	}
	res, worlds := runKept(t, sc)
	for i, sys := range res.Systems {
		t.Run(sys.System, func(t *testing.T) {
			svg := draw(t, res, worlds, i, diagram.Options{})
			got := svgCounts(t, svg)
			want := traceCounts(worlds[i])
			for _, class := range []string{"msg", "arrow", "drop", "duplicate", "corrupt", "reorder", "timer"} {
				if got[class] != want[class] {
					t.Errorf("%s: %d elements of class %q; want %d (one per trace record)", sys.System, got[class], class, want[class])
				}
			}
			if got["lane"] != 2 {
				t.Errorf("lanes = %d; want 2 (A and B)", got["lane"])
			}
			if got["step"] != 1 {
				t.Errorf("workload labels = %d; want 1", got["step"])
			}
			if !bytes.Contains(svg, []byte(">MSG 0<")) {
				t.Error("the first message's label MSG 0 is missing")
			}
		})
	}
	// The known numbers of this scenario and seed: the pipe loses nothing,
	// the socket shows every kind of trouble.
	pipe, socket := svgCounts(t, draw(t, res, worlds, 0, diagram.Options{})), svgCounts(t, draw(t, res, worlds, 1, diagram.Options{}))
	if pipe["arrow"] != 20 || pipe["drop"] != 0 {
		t.Errorf("pipe: %d arrows, %d crosses; want 20 and 0", pipe["arrow"], pipe["drop"])
	}
	if socket["drop"] == 0 || socket["duplicate"] == 0 || socket["reorder"] == 0 || socket["corrupt"] == 0 {
		t.Errorf("socket: drops %d, duplicates %d, reorders %d, corruptions %d; want each at least 1",
			socket["drop"], socket["duplicate"], socket["reorder"], socket["corrupt"])
	}
}

const crashScenario = `name: crashy
systems: [socket]
network: {delay: 10ms}
workload:
  - {at: 0, op: send, from: A, to: B, count: 10, interval: 10ms}
  - {at: 30s, op: send, from: B, to: A, count: 2, interval: 10ms}
faults:
  - {at: 35ms, crash: B}
  - {at: 75ms, restart: B}
  - {at: 10s, partition: [[A], [B]], heal_at: 20s}
`

// TestDiagramCrashAndIdle: a crash draws a down band and the copies that
// reach the down node are marked; a long idle stretch is compressed, and
// the caption says so.
func TestDiagramCrashAndIdle(t *testing.T) {
	sc, err := scenarios.Load("crashy.yaml", []byte(crashScenario))
	if err != nil {
		t.Fatal(err)
	}
	res, worlds := runKept(t, sc)
	svg := draw(t, res, worlds, 0, diagram.Options{})
	got := svgCounts(t, svg)
	want := map[string]int{"lane": 2, "down": 1, "msg": 12, "arrow": 12, "discarded": 4, "discard": 4, "step": 2, "fault": 2, "break": 3}
	for class, n := range want {
		if got[class] != n {
			t.Errorf("%d elements of class %q; want %d", got[class], class, n)
		}
	}
	if !bytes.Contains(svg, []byte("Idle time compressed")) {
		t.Error("the caption does not say that idle time was compressed")
	}
}

// TestDiagramWindow: a run of more messages than the limit is windowed,
// and the caption says so.
func TestDiagramWindow(t *testing.T) {
	sc, err := scenarios.Load("many.yaml", []byte(`name: many
systems: [socket]
workload:
  - {at: 0, op: send, from: A, to: B, count: 500, interval: 1ms}
`))
	if err != nil {
		t.Fatal(err)
	}
	res, worlds := runKept(t, sc)
	svg := draw(t, res, worlds, 0, diagram.Options{MaxMessages: 40})
	got := svgCounts(t, svg)
	if got["msg"] != 40 {
		t.Errorf("drew %d messages; want the first 40", got["msg"])
	}
	if !bytes.Contains(svg, []byte("the first 40 of 500 messages")) {
		t.Error("the caption does not say the diagram is windowed")
	}
	full := svgCounts(t, draw(t, res, worlds, 0, diagram.Options{MaxMessages: 1000}))
	if full["msg"] != 500 {
		t.Errorf("with a limit of 1000, drew %d messages; want all 500", full["msg"])
	}
}

// TestDiagramDeterministic: the same run draws the same bytes, as SVG and
// as PNG.
func TestDiagramDeterministic(t *testing.T) {
	sc, err := scenarios.Open("pipe_vs_socket")
	if err != nil {
		t.Fatal(err)
	}
	res1, w1 := runKept(t, sc)
	res2, w2 := runKept(t, sc)
	a, b := draw(t, res1, w1, 1, diagram.Options{}), draw(t, res2, w2, 1, diagram.Options{})
	if diff := cmp.Diff(string(a), string(b)); diff != "" {
		t.Errorf("two runs drew different SVG (-first +second):\n%s", diff)
	}
	png := func(res *report.Result, w []*sim.World) []byte {
		d, err := diagram.New(res, 1, w[1], diagram.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := d.WritePNG(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	if !bytes.Equal(png(res1, w1), png(res2, w2)) {
		t.Error("two runs drew different PNGs")
	}
	if _, err := diagram.New(res1, 5, w1[0], diagram.Options{}); err == nil {
		t.Error("a diagram of a system that is not there was drawn")
	}
}

// TestDiagramLabelsOtherOps: a row of an op the diagram has no words of
// its own for is labelled as the timeline table writes it (its op's
// Describe), never as a file call.
func TestDiagramLabelsOtherOps(t *testing.T) {
	sc, err := scenarios.Load("agree.yaml", []byte(`name: agree
systems: [two_generals]
workload:
  - {at: 0, op: agree, from: A, to: B, count: 2}
`))
	if err != nil {
		t.Fatal(err)
	}
	res, worlds := runKept(t, sc)
	svg := draw(t, res, worlds, 0, diagram.Options{})
	if !bytes.Contains(svg, []byte("agree with B in 2 messengers = both attack")) {
		t.Errorf("the agree row is not labelled as the table writes it:\n%s", svg)
	}
}
