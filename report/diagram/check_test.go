package diagram

import (
	"fmt"
	"math"
	"strings"

	"github.com/sim-lecture/sim/sim"
)

// checkPlacement checks what a reader needs of a diagram's message
// labels, from the geometry of what is drawn (not from the obstacles the
// layout kept while placing): every message with a label has it beside
// its arrow, or a marker and an entry of the list holding its whole
// text; no two labels, markers, list entries, notes or network marks
// overlap; no arrow, lane or fault line crosses a label or a marker,
// except its own message's arrows; nothing crosses a list entry; and the
// list is inside the diagram, above its legend; and what checkExtent
// checks of arrows, ≈ bands and the list's place. It returns what is
// wrong.
func checkPlacement(l *layout) []string {
	var bad []string
	shapes := placedShapes(l, &bad)
	segs := drawnSegments(l)
	for i, a := range shapes {
		for _, b := range shapes[i+1:] {
			if !a.isLabel() && !b.isLabel() {
				continue // notes and marks among themselves: Overlaps
			}
			if a.owner >= 0 && a.owner == b.owner || !a.near(b) || !a.b.overlaps(b.b) {
				continue
			}
			bad = append(bad, fmt.Sprintf("%s overlaps %s", a.name, b.name))
		}
		if !a.isLabel() {
			continue
		}
		for _, s := range segs {
			if a.kind != "entry" && s.owner == a.owner {
				continue
			}
			if s.y1 < a.y0 || s.y0 > a.y1 || !a.b.crosses(s.a, s.b) {
				continue
			}
			bad = append(bad, fmt.Sprintf("%s is crossed by %s", a.name, s.name))
		}
		if a.kind == "entry" && (a.x1 > l.width || a.y1 > l.legendY-10 || a.x0 < l.plotRight) {
			bad = append(bad, fmt.Sprintf("%s is outside the list's room", a.name))
		}
	}
	return append(bad, checkExtent(l)...)
}

// shape is a box drawn on a diagram, with its upright bounds.
type shape struct {
	b              box
	kind, name     string
	owner          int // the message it belongs to, or -1
	x0, y0, x1, y1 float64
}

// isLabel reports whether s shows a message label: beside its arrow, as a
// marker or in the list.
func (s shape) isLabel() bool { return s.kind == "label" || s.kind == "marker" || s.kind == "entry" }

func (s shape) near(o shape) bool { return s.x0 < o.x1 && o.x0 < s.x1 && s.y0 < o.y1 && o.y0 < s.y1 }

func newShape(b box, kind, name string, owner int) shape {
	s := shape{b: b, kind: kind, name: name, owner: owner}
	s.x0, s.y0, s.x1, s.y1 = b.extent()
	return s
}

// placedShapes lists the labels, markers, list entries, notes and
// network marks of l, and adds to bad every labelled message shown
// neither beside its arrow nor in the list.
func placedShapes(l *layout, bad *[]string) []shape {
	var out []shape
	moved := map[int]movedLabel{} // looked up only
	for _, mv := range l.moved {
		moved[mv.k] = mv
	}
	for k, ms := range l.m.msgs {
		name := fmt.Sprintf("message %d %q", k, ms.label)
		mv, isMoved := moved[k]
		switch {
		case ms.label == "":
		case l.labels[k].ok && isMoved:
			*bad = append(*bad, name+" is both beside its arrow and in the list")
		case l.labels[k].ok:
			out = append(out, newShape(l.labels[k].b, "label", "the label of "+name, k))
		case !isMoved:
			*bad = append(*bad, name+" is left out")
		case strings.Join(strings.Fields(strings.Join(mv.lines, " ")), " ") != strings.Join(strings.Fields(ms.label), " "):
			*bad = append(*bad, fmt.Sprintf("%s is listed as %q", name, mv.lines))
		case mv.unmarked && mv.where != fmt.Sprintf("%s to %s, sent at %s", l.m.lanes[ms.from], l.m.lanes[ms.to], fmtTime(ms.at)):
			*bad = append(*bad, fmt.Sprintf("%s has no marker, and its entry says %q", name, mv.where))
		default:
			if !mv.unmarked {
				out = append(out, newShape(mv.mark, "marker", fmt.Sprintf("the marker %d of %s", mv.num, name), k))
			}
			out = append(out, newShape(mv.entry, "entry", fmt.Sprintf("the list entry %d of %s", mv.num, name), -1))
		}
		for _, p := range l.marks[k] {
			out = append(out, newShape(box{cx: p.x, cy: p.y, hw: 6, hh: 6}, "netmark", "a network mark of "+name, -1))
		}
		if ms.dropped {
			e := l.ends[k]
			out = append(out, newShape(box{cx: e.x, cy: e.y, hw: 7, hh: 7}, "netmark", "the cross of "+name, -1))
		}
	}
	for _, n := range l.notes {
		out = append(out, newShape(rectBox(n.x, n.y, n.w, n.h), "note", fmt.Sprintf("note %s %q", n.id, lineText(n.lines[0])), -1))
	}
	return out
}

// drawnSegment is a line the diagram draws.
type drawnSegment struct {
	a, b   pt
	y0, y1 float64
	owner  int // the message it belongs to, or -1
	name   string
}

// drawnSegments lists the arrows, lanes and fault lines of l, computed
// again from the model as paint draws them.
func drawnSegments(l *layout) []drawnSegment {
	var out []drawnSegment
	add := func(a, b pt, owner int, name string) {
		out = append(out, drawnSegment{a: a, b: b, y0: math.Min(a.y, b.y), y1: math.Max(a.y, b.y), owner: owner, name: name})
	}
	for k, ms := range l.m.msgs {
		x0, y0, x1 := l.laneX[ms.from], l.sendY(ms), l.laneX[ms.to]
		name := fmt.Sprintf("the arrow of message %d %q", k, ms.label)
		for _, a := range ms.arrivals {
			add(pt{x0, y0}, pt{x1, l.arrivalY(a)}, k, name)
		}
		switch {
		case ms.dropped:
			add(pt{x0, y0}, pt{(x0 + x1) / 2, y0 + l.yOf(ms.at+l.median/2) - l.yOf(ms.at)}, k, name)
		case len(ms.arrivals) == 0:
			add(pt{x0, y0}, pt{(x0 + x1) / 2, y0 + rise/2}, k, name)
		}
	}
	for k, x := range l.laneX {
		add(pt{x, marginTop - 14}, pt{x, l.bottom}, -1, "the lane of "+l.m.lanes[k])
	}
	for _, f := range l.m.faults {
		y := l.yOf(f.at)
		add(pt{axisX + 4, y}, pt{l.plotRight - 8, y}, -1, "the line of fault "+f.label)
	}
	return out
}

// checkExtent checks that what is drawn stays in its room: every arrow
// starts and ends on its lanes, above where they end, and runs over
// neither the legend nor a caption; an arrow crosses a ≈ band (idle
// time drawn short) only while its message is in flight across that
// idle time, and no send or arrival is drawn inside a band; and the list
// of moved labels starts just right of the lanes and what is drawn
// beside them. It returns what is wrong.
func checkExtent(l *layout) []string {
	var bad []string
	legend := rectBox(0, l.legendY-10, legendWidth(), 20)
	for _, a := range flights(l) {
		lo, hi := math.Min(a.p0.y, a.p1.y), math.Max(a.p0.y, a.p1.y)
		if hi > l.bottom+0.5 {
			bad = append(bad, fmt.Sprintf("%s ends at y %.0f, below the lanes' end at %.0f", a.name, hi, l.bottom))
		}
		if legend.crosses(a.p0, a.p1) {
			bad = append(bad, a.name+" runs over the legend")
		}
		for i, c := range l.captions {
			y := l.legendY + 34 + float64(i)*captionLine
			if rectBox(12, y-11, fontLabel.width(c), 14).crosses(a.p0, a.p1) {
				bad = append(bad, fmt.Sprintf("%s runs over the caption %q", a.name, c))
			}
		}
		for k := 0; k+1 < len(l.breaks); k += 2 {
			b0, b1 := l.breaks[k], l.breaks[k+1]
			band := fmt.Sprintf("the ≈ band from %s to %s", fmtTime(b0.t), fmtTime(b1.t))
			if hi > b0.y+0.5 && lo < b1.y-0.5 && (a.t0 > b0.t || a.t1 < b1.t) {
				bad = append(bad, fmt.Sprintf("%s crosses %s, but flies from %s to %s", a.name, band, fmtTime(a.t0), fmtTime(a.t1)))
			}
			for _, p := range []pt{a.p0, a.p1} {
				if p.y > b0.y+0.5 && p.y < b1.y-0.5 {
					bad = append(bad, fmt.Sprintf("%s starts or ends inside %s", a.name, band))
				}
			}
		}
	}
	if len(l.moved) > 0 {
		right, left := plotExtent(l), math.Inf(1)
		for _, mv := range l.moved {
			x0, _, _, _ := mv.entry.extent()
			left = math.Min(left, x0)
		}
		if left > right+listGap+listSlack {
			bad = append(bad, fmt.Sprintf("the list starts at x %.0f, %.0f px right of the lanes and their notes (at %.0f)", left, left-right, right))
		}
	}
	return bad
}

// listSlack is how much further than listGap from the lanes (and what is
// drawn beside them) the list of moved labels may start: the margin
// placeLanes keeps right of the last lane.
const listSlack = 40.0

// flight is an arrow as drawn, with the instants it flies between.
type flight struct {
	p0, p1 pt
	t0, t1 sim.Time
	name   string
}

// flights lists the arrows of l, computed again from the model as paint
// draws them; an arrow still in flight flies to the end of time.
func flights(l *layout) []flight {
	var out []flight
	for k, ms := range l.m.msgs {
		x0, y0, x1 := l.laneX[ms.from], l.sendY(ms), l.laneX[ms.to]
		name := fmt.Sprintf("the arrow of message %d %q sent at %s", k, ms.label, fmtTime(ms.at))
		for _, a := range ms.arrivals {
			out = append(out, flight{pt{x0, y0}, pt{x1, l.arrivalY(a)}, ms.at, a.at, name})
		}
		switch {
		case ms.dropped:
			out = append(out, flight{pt{x0, y0}, l.ends[k], ms.at, ms.at + l.median/2, name})
		case len(ms.arrivals) == 0:
			out = append(out, flight{pt{x0, y0}, l.ends[k], ms.at, sim.Time(math.MaxInt64), name})
		}
	}
	return out
}

// plotExtent is the right edge of the lanes' names, the notes, labels,
// markers and marks: what the list of moved labels is to sit right of.
func plotExtent(l *layout) float64 {
	right := 0.0
	for k, x := range l.laneX {
		right = math.Max(right, x+math.Max(60, fontLane.width(l.m.lanes[k])+16)/2)
	}
	var ignore []string
	for _, s := range placedShapes(l, &ignore) {
		if s.kind != "entry" {
			right = math.Max(right, s.x1)
		}
	}
	return right
}
