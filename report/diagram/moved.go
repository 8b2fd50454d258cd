package diagram

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Moved labels: where arrows crowd so that a message's label finds no
// clear place beside its arrow, the label is not left out but moved. A
// small numbered marker takes its place on the arrow (or, where even that
// is crossed, beside the arrow's send or arrival on its lane), and the
// label is written under the same number in a list on the right of the
// diagram, at the height of its marker as far as the list allows. The
// lecture's figures label every message; a reader of a crowded one reads
// the number, then the list beside it. Where arrows crowd so that not
// even a marker finds room (a run of hundreds of crossing arrows), the
// list entry says which arrow it is instead: sender, receiver and time;
// nothing is drawn over an arrow.

// Sizes of the markers and of the list, in pixels.
const (
	markerH    = 12.0
	markerPad  = 3.0   // between a marker's number and its border
	markerGap  = 5.0   // between a marker beside a lane and the lane
	listGap    = 14.0  // between the diagram's right edge and the list
	listColGap = 16.0  // between two columns of the list
	listMaxW   = 220.0 // a listed label wraps past this width
	listDrift  = 160.0 // a column whose entries fall further below their markers calls for another
	listMaxCol = 4
)

// movedLabel is a message label drawn in the list: its marker on the
// diagram and its entry in the list.
type movedLabel struct {
	k    int // the message
	num  int // its number: markers are numbered down the diagram
	mark box // upright; for an unmarked label, the middle of its arrow
	// unmarked: no room for the marker; the entry names the arrow.
	unmarked bool
	lines    []string // the label, wrapped
	where    string   // for an unmarked label: sender, receiver and time
	entry    box      // the list entry: marker and text, upright
}

// markerWidth is the width of a marker holding up to n.
func markerWidth(n int) float64 {
	return math.Max(markerH, fontMark.width(strings.Repeat("8", len(strconv.Itoa(n))))+2*markerPad)
}

// placeMarkers gives each message in skipped a marker where it meets no
// label, note or other marker and no other message's arrow crosses it. A
// label with no such place gets no marker: its list entry names the arrow.
func (l *layout) placeMarkers() {
	l.moved = nil
	w := markerWidth(len(l.skipped))
	for _, k := range l.skipped {
		b, ok := l.markerSpot(k, w)
		if ok {
			l.obst.addBox(b, k)
		}
		l.moved = append(l.moved, movedLabel{k: k, mark: b, unmarked: !ok})
	}
}

// markerSpot returns the first clear place for message k's marker of
// width w among markerSpots, and whether it is clear; with none clear, it
// returns the middle of the arrow.
func (l *layout) markerSpot(k int, w float64) (box, bool) {
	for _, p := range l.markerSpots(k, w) {
		b := box{cx: p.x, cy: p.y, hw: w / 2, hh: markerH / 2}
		if b.cx-b.hw < axisX+4 || b.cx+b.hw > l.markRight-4 {
			continue
		}
		if !l.obst.hitsBox(b, k) && !l.obst.hitsSegment(b, k) {
			return b, true
		}
	}
	p0, p1 := l.labelArrow(k, false)
	return box{cx: (p0.x + p1.x) / 2, cy: (p0.y + p1.y) / 2, hw: w / 2, hh: markerH / 2}, false
}

// markerSpots lists the places of message k's marker of width w, best
// first: on its arrow from the middle out, then just above or under it;
// beside its send, on the side of the lane the arrow does not leave by;
// beside where its first arrow ends (past the head, or either side of a
// lost message's cross); and last a little further from either end.
func (l *layout) markerSpots(k int, w float64) []pt {
	ms := l.m.msgs[k]
	p0, p1 := l.labelArrow(k, false)
	length := math.Hypot(p1.x-p0.x, p1.y-p0.y)
	dir := 1.0
	if p1.x < p0.x {
		dir = -1
	}
	var spots []pt
	nx, ny := (p1.y-p0.y)/length, -(p1.x-p0.x)/length
	for _, off := range []float64{0, markerH/2 + 1, -(markerH/2 + 1)} {
		for _, f := range fineSpots {
			// Clear of the send's dot and the arrow's head.
			if along := length * f; along >= w/2+9 && length-along >= w/2+9 {
				spots = append(spots, pt{p0.x + (p1.x-p0.x)*f + nx*off, p0.y + (p1.y-p0.y)*f + ny*off})
			}
		}
	}
	// beside adds places in two columns on one side of p, gap from it.
	beside := func(p pt, side, gap float64, cols []float64, dys []float64) {
		for _, dx := range cols {
			for _, dy := range dys {
				spots = append(spots, pt{p.x + side*(gap+dx+w/2), p.y + dy})
			}
		}
	}
	near, far := []float64{0, w + 3}, []float64{2*w + 6, 3*w + 9}
	dys := []float64{0, -7, 7, -14, 14, -21, 21}
	beside(p0, -dir, markerGap, near, dys)
	switch {
	case ms.dropped:
		beside(p1, dir, 7+markerGap, near, dys)
		beside(p1, -dir, 7+markerGap, near, dys)
	case len(ms.arrivals) > 0:
		beside(p1, dir, markerGap, near, dys)
		beside(p1, -dir, markerGap+8, near, dys)
		beside(p0, dir, markerGap+8, near, dys)
	}
	dys = append(dys, -28, 28)
	for _, p := range []pt{p0, p1} {
		beside(p, -dir, markerGap, far, dys)
		beside(p, dir, markerGap, far, dys)
	}
	return spots
}

// placeList numbers the moved labels down the diagram, by their markers,
// and lays out the list right of the diagram: each entry at its marker's
// height, or under the entry before it in its column. Entries go to the
// column where they sit highest; a list whose entries fall more than
// listDrift below their markers gets another column (up to listMaxCol).
func (l *layout) placeList() {
	if len(l.moved) == 0 {
		return
	}
	sort.SliceStable(l.moved, func(a, b int) bool { return l.moved[a].mark.cy < l.moved[b].mark.cy })
	w := markerWidth(len(l.moved))
	colW := 0.0
	for i := range l.moved {
		mv := &l.moved[i]
		mv.num = i + 1
		ms := l.m.msgs[mv.k]
		mv.lines = wrapText(ms.label, fontLabel, listMaxW)
		for _, ln := range mv.lines {
			colW = math.Max(colW, w+5+fontLabel.width(ln))
		}
		if mv.unmarked {
			mv.where = fmt.Sprintf("%s to %s, sent at %s", l.m.lanes[ms.from], l.m.lanes[ms.to], fmtTime(ms.at))
			colW = math.Max(colW, w+5+fontSmall.width(mv.where))
		}
	}
	// The list sits just right of the lanes, their notes and the markers
	// beside the last lane, even where the legend makes the diagram
	// wider: it is read beside the markers (newLayout ends the idle
	// bands and fault lines short of it).
	x0 := l.lanesRight
	for _, mv := range l.moved {
		if _, _, x1, _ := mv.mark.extent(); !mv.unmarked {
			x0 = math.Max(x0, x1+16)
		}
	}
	x0 += listGap
	for cols := 1; cols <= listMaxCol; cols++ {
		if l.fillList(cols, x0, colW+listColGap, w) <= listDrift {
			break
		}
	}
	right := 0.0
	for _, mv := range l.moved {
		_, _, x1, _ := mv.entry.extent()
		right = math.Max(right, x1)
	}
	l.width = math.Max(l.width, right+12)
}

// fillList lays the entries out in cols columns step apart from x0 and
// returns how far the furthest entry fell below its marker.
func (l *layout) fillList(cols int, x0, step, markW float64) float64 {
	free := make([]float64, cols)
	for c := range free {
		free[c] = marginTop
	}
	drift := 0.0
	for i := range l.moved {
		mv := &l.moved[i]
		h := mv.height()
		want := mv.mark.cy - lineH/2
		best, top := 0, math.Inf(1)
		for c := range free {
			if y := math.Max(want, free[c]); y < top {
				best, top = c, y
			}
		}
		free[best] = top + h + 2
		drift = math.Max(drift, top-want)
		tw := fontSmall.width(mv.where)
		for _, ln := range mv.lines {
			tw = math.Max(tw, fontLabel.width(ln))
		}
		mv.entry = rectBox(x0+float64(best)*step, top, markW+5+tw, h)
	}
	return drift
}

// height is the height of the list entry of mv: its label's lines, and
// a line naming the arrow of an unmarked label.
func (mv *movedLabel) height() float64 {
	h := float64(len(mv.lines)) * lineH
	if mv.unmarked {
		h += lineH
	}
	return h
}

// listBottom is the y under the list's last entry.
func (l *layout) listBottom() float64 {
	b := 0.0
	for _, mv := range l.moved {
		_, _, _, y1 := mv.entry.extent()
		b = math.Max(b, y1)
	}
	return b
}

// drawMarker draws a numbered marker filling b, with a dashed border
// when dashed (a list entry whose marker found no room).
func drawMarker(c canvas, b box, num int, dashed bool) {
	s := stroke{color: colMsg, width: 1}
	if dashed {
		s.dash = []float64{2, 2}
	}
	c.rect(b.cx-b.hw, b.cy-b.hh, 2*b.hw, 2*b.hh, b.hh, s, colWhite)
	c.text(b.cx, b.cy+3.2, strconv.Itoa(num), textStyle{face: fontMark, color: colMsg, anchor: anchorMiddle})
}

// paintList draws the list of moved labels: each entry's marker, then
// its label.
func (l *layout) paintList(c canvas) {
	if len(l.moved) == 0 {
		return
	}
	w := markerWidth(len(l.moved))
	c.group("movedlabels", "", "")
	for _, mv := range l.moved {
		ms := l.m.msgs[mv.k]
		x, y, _, _ := mv.entry.extent()
		c.group("movedlabel", "", fmt.Sprintf("%d: %s, %s to %s at %s", mv.num, ms.label, l.m.lanes[ms.from], l.m.lanes[ms.to], fmtTime(ms.at)))
		drawMarker(c, box{cx: x + w/2, cy: y + lineH/2, hw: w / 2, hh: markerH / 2}, mv.num, mv.unmarked)
		for i, ln := range mv.lines {
			c.text(x+w+5, y+float64(i)*lineH+lineH/2+3.5, ln, textStyle{face: fontLabel, color: colInk})
		}
		if mv.unmarked {
			c.text(x+w+5, y+float64(len(mv.lines))*lineH+lineH/2+3, mv.where, textStyle{face: fontSmall, color: colCaption})
		}
		c.end()
	}
	c.end()
}
