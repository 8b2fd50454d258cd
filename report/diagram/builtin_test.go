package diagram_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/report/diagram"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

// TestBuiltInDiagrams draws every built-in scenario's diagrams and checks
// what a reader would: every message within the drawn part has its
// arrow and its label (beside the arrow, or listed by number), and no
// label or marker had to be drawn over another label or under an arrow.
// With -svgdir, the SVGs and PNGs are written there to be looked at.
func TestBuiltInDiagrams(t *testing.T) {
	forEachBuiltInRun(t, func(t *testing.T, sc *scenarios.Scenario, res *report.Result, worlds []*sim.World) {
		for i, sys := range res.Systems {
			d, err := diagram.New(res, i, worlds[i], diagram.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var svg bytes.Buffer
			if err := d.WriteSVG(&svg); err != nil {
				t.Fatal(err)
			}
			got := svgCounts(t, svg.Bytes())
			want := 0
			for _, r := range worlds[i].Trace().Records() {
				if r.Kind == sim.KindSend {
					want++
				}
			}
			if want <= diagram.DefaultMaxMessages && got["msg"] != want {
				t.Errorf("%s: %d messages drawn; the trace has %d", sys.Label(), got["msg"], want)
			}
			checkDrawn(t, sys.Label(), d)
			if *keepSVG != "" {
				base := filepath.Join(*keepSVG, sc.Name+"-"+sys.FileLabel())
				var png bytes.Buffer
				if err := d.WritePNG(&png); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(base+".svg", svg.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(base+".png", png.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// forEachBuiltInRun runs every built-in scenario that draws a timeline,
// keeping its worlds, and calls check on it in a subtest of its name.
func forEachBuiltInRun(t *testing.T, check func(t *testing.T, sc *scenarios.Scenario, res *report.Result, worlds []*sim.World)) {
	list, err := scenarios.BuiltIn()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range list {
		t.Run(sc.Name, func(t *testing.T) {
			if scenarios.Summarized(sc) {
				// Hundreds of lanes: its --out diagram is a picture of
				// the crowd, not a timeline whose labels must all fit.
				t.Skip("a summarized run")
			}
			res, worlds := runKept(t, sc)
			check(t, sc, res, worlds)
		})
	}
}

// checkDrawn reports what is wrong with where d draws things: labels
// drawn over something, labels left out, arrows out of their room.
func checkDrawn(t *testing.T, what string, d *diagram.Diagram) {
	t.Helper()
	if ov := d.Overlaps(); len(ov) > 0 {
		t.Errorf("%s: %d labels drawn over something: %q", what, len(ov), ov)
	}
	if bad := diagram.CheckPlacement(d); len(bad) > 0 {
		t.Errorf("%s: %d things left out or drawn over something, the first: %q", what, len(bad), bad[:min(len(bad), 5)])
	}
}

// TestBuiltInDiagramWindows checks, as TestBuiltInDiagrams does, the
// diagrams of parts of every built-in run, as --from, --to, --nodes and
// --hide draw them: a window cuts messages in flight and arrivals at one
// instant at its edges, which the whole run may not have.
func TestBuiltInDiagramWindows(t *testing.T) {
	forEachBuiltInRun(t, func(t *testing.T, sc *scenarios.Scenario, res *report.Result, worlds []*sim.World) {
		for i, sys := range res.Systems {
			w := worlds[i]
			recs := w.Trace().Records()
			if len(recs) == 0 || w.NumNodes() < 2 {
				continue
			}
			for _, opt := range windows(sc.Name, recs[len(recs)-1].At, w.Name(1), w.Name(0)) {
				d, err := diagram.New(res, i, w, opt)
				if err != nil {
					t.Fatal(err)
				}
				checkDrawn(t, fmt.Sprintf("%s %+v", sys.Label(), opt), d)
			}
		}
	})
}

// windows are the options TestBuiltInDiagramWindows draws a run ending
// at end with: windows at its start, middle and end, two of its nodes
// (n1, n0), and with things hidden.
func windows(scenario string, end sim.Time, n1, n0 string) []diagram.Options {
	out := []diagram.Options{
		{From: end / 3, To: end / 2},
		{To: end / 4},
		{From: end * 2 / 3},
		{Nodes: []string{n1, n0}},
		{Hide: diagram.HideAcks | diagram.HideProbes},
		{From: end / 4, Hide: diagram.HideState | diagram.HideTimers | diagram.HideFaults},
	}
	if scenario == "handshake_loss" {
		// The window of issue 15's picture: the data and its ACKs, all
		// arriving at one instant each.
		out = append(out, diagram.Options{From: sim.Time(2900 * time.Millisecond), To: sim.Time(3100 * time.Millisecond)})
	}
	return out
}

// TestDiagramMakesRoomForLabels: where a few labels find no place clear of
// crossing arrows, the diagram stretches the time those messages are in
// flight and lays out again, so that a teacher's slide of a small run
// names every message beside its arrow rather than in the numbered list.
// Each scenario here had labels with no place before (the count in the
// comment).
func TestDiagramMakesRoomForLabels(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		max      int // labels moved into the list at most, in any of its diagrams
	}{
		{"2pc_happy_path", 0},   // 1 before
		{"afs_volumes", 0},      // 2
		{"afs_vs_nfs_scale", 0}, // 2 in each system's
		{"2pc_recovery", 3},     // 13 in the cooperative variant's
	} {
		sc, err := scenarios.Open(tc.scenario)
		if err != nil {
			t.Fatal(err)
		}
		res, worlds := runKept(t, sc)
		for i, sys := range res.Systems {
			d, err := diagram.New(res, i, worlds[i], diagram.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if n := diagram.MovedLabels(d); n > tc.max {
				t.Errorf("%s %s: %d message labels moved into the list; want at most %d", tc.scenario, sys.Label(), n, tc.max)
			}
		}
	}
}

// TestDiagramLanesBounded: a run of more nodes than MaxLanes draws the
// servers and the first clients, and says so; --nodes still draws any
// nodes asked for. A thousand nodes made a PNG 190,000 px wide.
func TestDiagramLanesBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: t\nsystems: [udp]\nworkload:\n")
	clients := diagram.MaxLanes + 6
	for i := range clients {
		fmt.Fprintf(&b, "  - {at: %dms, op: send, from: C%d, to: server}\n", i, i)
	}
	sc, err := scenarios.Load("lanes.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	res, worlds := runKept(t, sc)
	for _, tc := range []struct {
		nodes   []string
		lanes   int
		caption bool
	}{
		{nil, diagram.MaxLanes, true},
		{[]string{"server", "C29", "C28"}, 3, false},
	} {
		svg := string(draw(t, res, worlds, 0, diagram.Options{Nodes: tc.nodes}))
		if got := strings.Count(svg, `class="lane"`); got != tc.lanes {
			t.Errorf("nodes %v: %d lanes drawn; want %d", tc.nodes, got, tc.lanes)
		}
		caption := fmt.Sprintf("Only %d of the %d nodes are drawn", diagram.MaxLanes, clients+1)
		if strings.Contains(svg, caption) != tc.caption {
			t.Errorf("nodes %v: caption %q shown = %v; want %v", tc.nodes, caption, !tc.caption, tc.caption)
		}
		if tc.nodes == nil && !strings.Contains(svg, ">server<") {
			t.Errorf("the server's lane is not drawn")
		}
	}
}
