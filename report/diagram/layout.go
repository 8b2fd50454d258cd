package diagram

import (
	"fmt"
	"math"
	"strconv"

	"github.com/sim-lecture/sim/sim"
)

// Layout constants, in pixels.
const (
	marginTop   = 78.0  // y of the window's start
	axisX       = 78.0  // the time axis
	laneGapMin  = 190.0 // between two lanes, at least
	laneGapMax  = 520.0 // and at most
	rise        = 40.0  // the drop of an arrow of median delay
	sendSpacing = 22.0  // the distance of a node's sends, at their median pace
	maxGap      = 60.0  // a quiet stretch taller than this is shortened...
	breakH      = 30.0  // ...to this
	maxHeight   = 12000.0
	noteGap     = 15.0  // between a lane and a note beside it: clear of a down band
	noteMaxW    = 230.0 // a note's text wraps past this width
	notePad     = 3.0   // inside a note's plate
	lineH       = 13.0  // a line of 11 px text
	stateLineH  = 15.0  // a line of a state box
	cellPad     = 4.0
	stackGap    = 3.0  // between two notes at one instant
	slotGap     = 15.0 // between two sends (or arrivals) of a node at one instant
	shiftStep   = 13.0 // a note moved off its place moves by lines
	shiftSteps  = 4
	legendH     = 24.0
	captionLine = 16.0
)

// The fonts of a diagram.
var (
	fontLabel  = fontFace{size: 11}
	fontNote   = fontFace{size: 11, italic: true}
	fontState  = fontFace{size: 10}
	fontKey    = fontFace{size: 10, bold: true}
	fontLane   = fontFace{size: 13, bold: true}
	fontTitle  = fontFace{size: 15, bold: true}
	fontSmall  = fontFace{size: 9}
	fontLegend = fontFace{size: 10}
	fontBig    = fontFace{size: 14}
	fontMark   = fontFace{size: 9, bold: true}
)

// layout is a model laid out in pixels.
type layout struct {
	m        *model
	width    float64
	height   float64
	bottom   float64 // the y where the lanes end
	laneX    []float64
	knots    []knot
	breaks   []knot // pairs: a shortened stretch from breaks[k] to breaks[k+1]
	slope    float64
	median   sim.Time
	notes    []*note
	labels   []msgLabel
	legendY  float64
	captions []string
	overlaps []string
	anchors  []Anchor
	// ends are where each message's first arrow ends (its first arrival,
	// its cross, or mid-way while in flight); marks, where its network
	// marks sit.
	ends  []pt
	marks [][]pt
	obst  *obstacles
	// stretch makes the time step that starts at an instant this many
	// times taller (see newLayout); crowded lists the messages whose label
	// found no place in placeLabels' first round, skipped those that found
	// none in either; scaled says the diagram was drawn smaller to stay
	// under maxHeight.
	stretch map[sim.Time]float64
	crowded []int
	skipped []int
	scaled  bool
	// moved are the labels of skipped, drawn as numbered markers and
	// listed right of lanesRight (see moved.go).
	// plotRight is where the idle bands and fault lines end: the
	// diagram's right edge, or lanesRight where a list is drawn.
	// lanesRight is the right edge of the lanes and the notes beside
	// them, short of the room the legend may ask for.
	// markRight is how far right markers may sit: the diagram's right
	// edge before the list, in a narrow plot too.
	moved      []movedLabel
	plotRight  float64
	lanesRight float64
	markRight  float64
	labelW     []float64 // the width of each message's label, or -1 before labelWidth
}

func newLayout(m *model, records []sim.Record) *layout {
	best := settledLayout(m, false)
	if len(best.moved) > 0 && best.lanesRight < best.plotRight {
		// The list of moved labels is read beside the markers: it sits
		// just right of the lanes and their notes, not right of the room
		// the legend asks for. The idle bands, the fault lines and their
		// notes then end at the lanes too: lay out again so.
		best = settledLayout(m, true)
	}
	best.placeList()
	best.placeLabelsCaption()
	best.finish()
	best.makeAnchors(records)
	return best
}

// settledLayout lays m out with its labels settled; narrow ends the
// plot (idle bands, fault lines and their notes) at the lanes.
func settledLayout(m *model, narrow bool) *layout {
	// A crowded label is room missing where its arrow flies: stretch the
	// time it is in flight and lay out again, a few times, keeping the
	// layout with the fewest crowded labels (the first of equals: the
	// shortest); then settle the crowded labels of that one (further
	// places, markers). While some label has no room even for a marker,
	// stretch only its time, a few more times, keeping the layout with
	// the fewest such. Stretching stops before the diagram grows by more
	// than maxStretchH, or has to be scaled down to stay under maxHeight:
	// a dense run keeps its height, and its crowded labels are listed by
	// number.
	first := layOut(m, map[sim.Time]float64{}, narrow)
	best := first
	for l, try := first, 0; len(l.crowded) > 0 && try < maxStretches; try++ {
		if l = layOut(m, l.stretchFlights(l.crowded), narrow); l.scaled || l.bottom > first.bottom+maxStretchH {
			break
		}
		if len(l.crowded) < len(best.crowded) {
			best = l
		}
	}
	best.settleLabels()
	for l, try := best, 0; unmarked(l) > 0 && try < maxStretches; try++ {
		if l = layOut(m, l.stretchFlights(l.unmarkedLabels()), narrow); l.scaled || l.bottom > first.bottom+maxStretchH {
			break
		}
		if l.settleLabels(); unmarked(l) < unmarked(best) {
			best = l
		}
	}
	return best
}

// layOut lays m out, with the time steps that start at an instant of
// stretch drawn that many times taller; narrow ends the plot at the
// lanes.
func layOut(m *model, stretch map[sim.Time]float64, narrow bool) *layout {
	l := &layout{m: m, obst: newObstacles(), stretch: stretch}
	l.makeNotes()
	l.placeLanes()
	if narrow {
		l.plotRight = l.lanesRight
	}
	l.layoutTime()
	l.bottom = l.lanesEnd()
	l.arrowGeometry()
	l.placeNotes()
	l.placeLabels()
	return l
}

// lanesEnd is where the lanes end: below the last instant drawn, and
// below every send and arrival of the messages, which are spread out
// below their instant when a node sends or receives several at once
// (a window's last instant, or the arrivals of messages sent within the
// window, may be such an instant). An arrow ends on its lanes.
func (l *layout) lanesEnd() float64 {
	last := 0.0
	for _, ms := range l.m.msgs {
		last = math.Max(last, l.sendY(ms))
		for _, a := range ms.arrivals {
			last = math.Max(last, l.arrivalY(a))
		}
	}
	return math.Max(l.yOf(l.m.end)+30, last+lanesPast)
}

// lanesPast is how far the lanes run past the last arrow.
const lanesPast = 15.0

// settleLabels gives the labels crowded out of placeLabels' first round
// their second round of places, and moves those that still have none.
func (l *layout) settleLabels() {
	l.placeCrowded()
	l.placeMarkers()
}

// unmarkedLabels lists the messages whose moved label has no marker.
func (l *layout) unmarkedLabels() []int {
	var out []int
	for _, mv := range l.moved {
		if mv.unmarked {
			out = append(out, mv.k)
		}
	}
	return out
}

// unmarked counts the moved labels of l that found no room for a marker.
func unmarked(l *layout) int {
	n := 0
	for _, mv := range l.moved {
		if mv.unmarked {
			n++
		}
	}
	return n
}

// Bounds of the stretching of newLayout.
const (
	maxStretches = 3 // layouts tried after the first
	maxStretch   = 8.0
	maxStretchH  = 1200.0
)

// stretchFlights returns the stretch of l with the time steps during
// which the messages which are in flight doubled (up to maxStretch).
func (l *layout) stretchFlights(which []int) map[sim.Time]float64 {
	stretch := make(map[sim.Time]float64, len(l.stretch)) // looked up only
	for t, f := range l.stretch {
		stretch[t] = f // a copy: the order does not matter
	}
	times := l.times()
	for _, k := range which {
		ms := l.m.msgs[k]
		end := ms.at + l.median/2
		for _, a := range ms.arrivals {
			end = max(end, a.at)
		}
		for _, t := range times {
			if t >= ms.at && t < end {
				stretch[t] = min(max(stretch[t], 1)*2, maxStretch)
			}
		}
	}
	return stretch
}

// placeLanes spaces the lanes so that each lane's notes fit beside it.
func (l *layout) placeLanes() {
	m := l.m
	n := len(m.lanes)
	left := make([]float64, n)
	right := make([]float64, n)
	faults := 0.0
	for _, nt := range l.notes {
		switch {
		case nt.kind == noteFault:
			faults = math.Max(faults, nt.w)
		case nt.side < 0:
			left[nt.lane] = math.Max(left[nt.lane], nt.w)
		default:
			right[nt.lane] = math.Max(right[nt.lane], nt.w)
		}
	}
	labels := make([]float64, n) // the widest message label between lane k and k+1
	for _, ms := range m.msgs {
		lo := min(ms.from, ms.to)
		if hi := max(ms.from, ms.to); hi == lo+1 {
			labels[lo] = math.Max(labels[lo], fontLabel.width(ms.label))
		}
	}
	names := make([]float64, n)
	for k, name := range m.lanes {
		names[k] = math.Max(60, fontLane.width(name)+16)
	}
	l.laneX = make([]float64, n)
	x := axisX + 20 + math.Max(left[0]+noteGap, names[0]/2)
	if n > 0 && left[0] == 0 {
		x = axisX + 20 + math.Max(60, names[0]/2)
	}
	for k := range m.lanes {
		if k > 0 {
			gap := math.Max(laneGapMin, right[k-1]+left[k]+2*noteGap+24)
			gap = math.Max(gap, labels[k-1]+60)
			gap = math.Max(gap, (names[k-1]+names[k])/2+16)
			x += math.Min(gap, laneGapMax)
		}
		l.laneX[k] = x
	}
	last := axisX + 200.0
	if n > 0 {
		last = l.laneX[n-1] + math.Max(right[n-1]+noteGap, names[n-1]/2)
	}
	l.lanesRight = math.Max(last, lastLane(l.laneX)+noteGap+faults) + 16
	l.width = math.Max(l.lanesRight, 560)
	l.width = math.Max(l.width, legendWidth()+12)
	l.plotRight = l.width
	l.markRight = l.width
}

func lastLane(xs []float64) float64 {
	if len(xs) == 0 {
		return axisX
	}
	return xs[len(xs)-1]
}

// finish sizes the diagram and writes its captions.
func (l *layout) finish() {
	m := l.m
	bottom := math.Max(l.bottom, l.listBottom()+8)
	for _, n := range l.notes {
		bottom = math.Max(bottom, n.y+n.h+8)
	}
	l.bottom = bottom
	l.legendY = bottom + 24
	lines := []string{"Time runs downwards; arrows are messages from send to arrival, labelled with what the protocol called them."}
	if len(m.states) > 0 {
		lines = append(lines, "Yellow boxes are a node's state where it changes, in the protocol's words; a crash loses what is not on disk (red).")
	}
	lines = append(append(lines, m.captions...), l.captions...)
	l.captions = nil
	for _, c := range lines {
		l.captions = append(l.captions, wrapText(c, fontLabel, l.width-24)...)
	}
	l.height = l.legendY + 34 + float64(len(l.captions))*captionLine
}

// makeAnchors records where each trace record is drawn: the message,
// mark or note that shows it, or else the point of its node's lane at its
// time.
func (l *layout) makeAnchors(records []sim.Record) {
	m := l.m
	l.anchors = make([]Anchor, len(records))
	set := func(rec int, x, y float64, id string) {
		if rec >= 0 && rec < len(records) {
			l.anchors[rec] = Anchor{X: x, Y: y, OK: true, ID: id}
		}
	}
	for k, ms := range m.msgs {
		id := "m" + strconv.FormatUint(ms.id, 10)
		set(ms.rec, l.laneX[ms.from], l.sendY(ms), id)
		for _, a := range ms.arrivals {
			set(a.rec, l.laneX[ms.to], l.arrivalY(a), id)
		}
		if ms.dropped {
			set(ms.dropRec, l.ends[k].x, l.ends[k].y, id)
		}
		for i, r := range ms.marks {
			set(r, l.marks[k][i].x, l.marks[k][i].y, id)
		}
	}
	for _, t := range m.timers {
		set(t.rec, l.laneX[t.lane], l.yOf(t.at), "")
	}
	for k, f := range m.faults {
		set(f.rec, (axisX+l.plotRight)/2, l.yOf(f.at), fmt.Sprintf("fault%d", k+1))
	}
	for k, b := range m.bands {
		set(b.crashRec, l.laneX[b.lane], l.yOf(b.from), fmt.Sprintf("down%d", k+1))
		set(b.upRec, l.laneX[b.lane], l.yOf(b.to), fmt.Sprintf("down%d", k+1))
	}
	for _, n := range l.notes {
		if n.state != nil {
			for _, r := range n.state.recs {
				set(r, n.ax, n.ay, n.id)
			}
		}
	}
	for i, r := range records {
		if ln := m.lane(r.Node); !l.anchors[i].OK && ln >= 0 && r.At >= m.from && r.At <= m.end && r.Msg == 0 {
			set(i, l.laneX[ln], l.yOf(r.At), "")
		}
	}
}
