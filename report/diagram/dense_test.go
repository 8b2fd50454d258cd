package diagram

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/sim"
)

// denseRun is a made-up trace: n messages among nodes lanes, sent at
// instants distinct of a window (few instants: many sends at once),
// each delayed up to maxDelay, one in ten lost and one in twenty
// duplicated, labelled as the protocols label theirs, short and long.
type denseRun struct {
	seed             uint64
	nodes, n         int
	instants         int
	window, maxDelay time.Duration
}

var denseLabels = []string{"DATA %d", "ACK %d", "SYN seq=%d (retransmit)", "READ fh=0x1f2e off=%d count=4096", "PREPARE T%d", "VOTE-YES T%d", "GETVOLUMELOCATION vol=%d", "RST %d"}

func (d denseRun) records() ([]string, []sim.Record) {
	r := rand.New(rand.NewPCG(d.seed, 15))
	names := make([]string, d.nodes)
	for i := range names {
		names[i] = fmt.Sprintf("N%d", i)
	}
	var recs []sim.Record
	for id := uint64(1); id <= uint64(d.n); id++ {
		from := r.IntN(d.nodes)
		to := (from + 1 + r.IntN(d.nodes-1)) % d.nodes
		at := sim.Time(d.window) * sim.Time(r.IntN(d.instants)) / sim.Time(d.instants)
		label := denseLabels[r.IntN(len(denseLabels))]
		if r.IntN(2) == 0 {
			label = fmt.Sprintf(label, r.IntN(5000))
		} else {
			label = fmt.Sprintf(label, id)
		}
		a, b := sim.NodeID(from), sim.NodeID(to)
		recs = append(recs, sim.Record{At: at, Kind: sim.KindSend, Node: a, Peer: b, Msg: id, Label: label, Size: 100})
		copies := 1
		switch r.IntN(20) {
		case 0, 1:
			recs = append(recs, sim.Record{At: at, Kind: sim.KindDrop, Node: a, Peer: b, Msg: id, Info: "loss"})
			continue
		case 2:
			recs = append(recs, sim.Record{At: at, Kind: sim.KindDuplicate, Node: a, Peer: b, Msg: id})
			copies = 2
		}
		for range copies {
			delay := sim.Time(time.Microsecond) + sim.Time(r.Int64N(int64(d.maxDelay)))
			recs = append(recs, sim.Record{At: at + delay, Kind: sim.KindDeliver, Node: b, Peer: a, Msg: id, Label: label, Size: 100})
		}
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].At < recs[j].At })
	return names, recs
}

// TestDenseLabelsPlaced: in runs of hundreds of messages in a short
// window, crossing each other between two to six lanes, every label is
// drawn (beside its arrow, or as a numbered marker listed on the right),
// and none overlaps another or is crossed by an arrow; short of a tangle,
// every moved label has its marker.
func TestDenseLabelsPlaced(t *testing.T) {
	ms := time.Millisecond
	var cases []denseRun
	for seed := uint64(1); seed <= 3; seed++ {
		cases = append(cases,
			denseRun{seed: seed, nodes: 2, n: 300, instants: 1000, window: 100 * ms, maxDelay: 40 * ms},
			denseRun{seed: seed, nodes: 4, n: 300, instants: 1000, window: 50 * ms, maxDelay: 20 * ms},
			denseRun{seed: seed, nodes: 3, n: 200, instants: 10, window: 20 * ms, maxDelay: 10 * ms},
			denseRun{seed: seed, nodes: 6, n: 300, instants: 300, window: 20 * ms, maxDelay: 5 * ms},
		)
	}
	// A tangle: 300 messages sent at 30 instants of 5 ms, each in flight
	// up to 50 ms, every arrow crossed by hundreds. Some labels find no
	// room even for a marker there; their entries name their arrows.
	tangle := denseRun{seed: 7, nodes: 5, n: 300, instants: 30, window: 5 * ms, maxDelay: 50 * ms}
	cases = append(cases, tangle)
	for _, d := range cases {
		t.Run(fmt.Sprintf("seed%d-%dnodes-%dmsgs-%dinstants", d.seed, d.nodes, d.n, d.instants), func(t *testing.T) {
			names, recs := d.records()
			res := &report.Result{Scenario: "dense", Seed: d.seed, Systems: []report.System{{System: "synthetic"}}}
			dg, err := Build(res, 0, names, recs, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if bad := checkPlacement(dg.l); len(bad) > 0 {
				t.Errorf("%d things wrong, the first: %q", len(bad), bad[:min(len(bad), 5)])
			}
			u := unmarked(dg.l)
			if u > 0 && d != tangle {
				t.Errorf("%d moved labels without a marker; want 0", u)
			}
			t.Logf("%d of %d labels moved, %d of them without a marker; %.0f x %.0f px", len(dg.l.moved), d.n, u, dg.l.width, dg.l.height)
		})
	}
}

// TestCheckPlacementCatches: the check fails where it should. Each case
// spoils one thing of a good layout (a label left out, a label on
// another, a marker on another message's arrow, an entry over the
// lanes, an entry that does not say the label, lanes ending above an
// arrow, a legend or caption over arrows, a ≈ band across an arrow not
// in flight then, a list far right of the lanes) and wants a complaint.
func TestCheckPlacementCatches(t *testing.T) {
	d := denseRun{seed: 1, nodes: 3, n: 120, instants: 200, window: 20 * time.Millisecond, maxDelay: 10 * time.Millisecond}
	names, recs := d.records()
	res := &report.Result{Scenario: "dense", Seed: d.seed, Systems: []report.System{{System: "synthetic"}}}
	for _, tc := range []struct {
		name  string
		spoil func(l *layout)
		want  string // in one of the complaints
	}{
		{"label left out", func(l *layout) {
			for k := range l.labels {
				if l.labels[k].ok {
					l.labels[k].ok = false
					return
				}
			}
		}, "is left out"},
		{"label over a label", func(l *layout) {
			var placed []int
			for k := range l.labels {
				if l.labels[k].ok {
					placed = append(placed, k)
				}
			}
			l.labels[placed[1]].b = l.labels[placed[0]].b
		}, "overlaps the label"},
		{"marker on an arrow", func(l *layout) {
			mv := &l.moved[0]
			for k := range l.m.msgs {
				if k != mv.k && len(l.m.msgs[k].arrivals) > 0 {
					ms := l.m.msgs[k]
					a := l.m.msgs[k].arrivals[0]
					mv.mark.cx = (l.laneX[ms.from] + l.laneX[ms.to]) / 2
					mv.mark.cy = (l.sendY(ms) + l.arrivalY(a)) / 2
					return
				}
			}
		}, "is crossed by the arrow of message"},
		{"entry over the lanes", func(l *layout) { l.moved[0].entry.cx = l.laneX[0] }, "outside the list's room"},
		{"lanes end above an arrow", func(l *layout) { l.bottom -= 100 }, "below the lanes' end"},
		{"legend over the arrows", func(l *layout) { l.legendY = l.bottom - 50 }, "runs over the legend"},
		{"caption over the arrows", func(l *layout) { l.legendY = l.bottom - 60 }, "runs over the caption"},
		{"band across an arrival", func(l *layout) {
			// A band of idle time from an arrival on, drawn across
			// the middle of the arrow: the message is not in flight
			// then.
			for _, ms := range l.m.msgs {
				if len(ms.arrivals) > 0 {
					a := ms.arrivals[0]
					mid := (l.sendY(ms) + l.arrivalY(a)) / 2
					l.breaks = append(l.breaks, knot{a.at, mid - 5}, knot{a.at + 1, mid + 5})
					return
				}
			}
		}, "but flies from"},
		{"list far from the lanes", func(l *layout) {
			for i := range l.moved {
				l.moved[i].entry.cx += 300
			}
			l.width += 300
		}, "px right of the lanes"},
		{"entry says another label", func(l *layout) { l.moved[0].lines = []string{"NOT IT"} }, `is listed as ["NOT IT"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dg, err := Build(res, 0, names, recs, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if bad := checkPlacement(dg.l); len(bad) > 0 {
				t.Fatalf("the layout is wrong before it is spoilt: %q", bad)
			}
			if len(dg.l.moved) == 0 {
				t.Fatal("no label was moved: the case spoils nothing")
			}
			tc.spoil(dg.l)
			bad := checkPlacement(dg.l)
			for _, b := range bad {
				if strings.Contains(b, tc.want) {
					return
				}
			}
			t.Errorf("%s: no complaint says %q; got %q", tc.name, tc.want, bad)
		})
	}
}
