package diagram

import (
	"fmt"
	"math"
)

// Arrows and their labels.

// msgLabel is where a message's label is drawn, if anywhere.
type msgLabel struct {
	ok    bool
	x, y  float64 // the baseline's centre
	angle float64 // degrees
	b     box     // the room it takes, kept clear of everything else
}

// sendY is the y of a message's send.
func (l *layout) sendY(ms msg) float64 { return l.yOf(ms.at) + float64(ms.slot)*slotGap }

// arrivalY is the y of a copy's arrival.
func (l *layout) arrivalY(a arrival) float64 { return l.yOf(a.at) + float64(a.slot)*slotGap }

// arrowGeometry computes where each message's arrows end and its marks
// sit, and registers the arrows, lanes and fault lines as obstacles.
func (l *layout) arrowGeometry() {
	m := l.m
	l.ends = make([]pt, len(m.msgs))
	l.marks = make([][]pt, len(m.msgs))
	for k, ms := range m.msgs {
		x0, y0, x1 := l.laneX[ms.from], l.sendY(ms), l.laneX[ms.to]
		e := pt{x0 + (x1-x0)*0.5, y0 + rise/2} // in flight
		switch {
		case ms.dropped:
			e = pt{x0 + (x1-x0)*0.5, y0 + l.yOf(ms.at+l.median/2) - l.yOf(ms.at)}
			l.obst.addSegment(segment{pt{x0, y0}, e, k})
			l.obst.addBox(box{cx: e.x, cy: e.y, hw: 7, hh: 7}, -1)
		case len(ms.arrivals) > 0:
			e = pt{x1, l.arrivalY(ms.arrivals[0])}
		}
		l.ends[k] = e
		for _, a := range ms.arrivals {
			l.obst.addSegment(segment{pt{x0, y0}, pt{x1, l.arrivalY(a)}, k})
		}
		if len(ms.arrivals) == 0 && !ms.dropped {
			l.obst.addSegment(segment{pt{x0, y0}, e, k})
		}
		// Marks sit a quarter of the way along: the network decides a
		// message's fate when it is sent.
		mx, my := x0+(e.x-x0)*0.25, y0+(e.y-y0)*0.25
		dir := 1.0
		if x1 < x0 {
			dir = -1
		}
		for range ms.marks {
			l.marks[k] = append(l.marks[k], pt{mx, my})
			l.obst.addBox(box{cx: mx, cy: my, hw: 6, hh: 6}, -1)
			mx += 15 * dir
		}
	}
	for k, x := range l.laneX {
		l.obst.addSegment(segment{pt{x, marginTop - 14}, pt{x, l.bottom}, -1 - k})
	}
	for _, f := range m.faults {
		y := l.yOf(f.at)
		l.obst.addSegment(segment{pt{axisX + 4, y}, pt{l.plotRight - 8, y}, -1000})
	}
}

// labelSpots are the places along its arrow a message label may go, as
// fractions of the way from the send, best first: the middle, then ever
// further out, on both sides.
var labelSpots = spotsEvery(0.04)

// fineSpots are the places tried when none of labelSpots is free: twice
// as many, for the gaps between arrows that cross a crowded one.
var fineSpots = spotsEvery(0.02)

// newSpots are the fineSpots that labelSpots lacks.
var newSpots = func() []float64 {
	var out []float64
	for _, f := range fineSpots {
		old := false
		for _, g := range labelSpots {
			old = old || math.Abs(f-g) < 1e-9
		}
		if !old {
			out = append(out, f)
		}
	}
	return out
}()

func spotsEvery(step float64) []float64 {
	spots := []float64{0.5}
	for d := step; d < 0.45; d += step {
		spots = append(spots, 0.5-d, 0.5+d)
	}
	return spots
}

// labelArrow is the line a message's label goes along: from its send to
// the end of its first arrow; a lost message's runs on past its cross,
// along the arrow it would have been, when past is set.
func (l *layout) labelArrow(k int, past bool) (p0, p1 pt) {
	ms := l.m.msgs[k]
	p0, p1 = pt{l.laneX[ms.from], l.sendY(ms)}, l.ends[k]
	if ms.dropped && past {
		p1 = pt{l.laneX[ms.to], p0.y + 2*(p1.y-p0.y)}
	}
	return p0, p1
}

// placeLabels puts each message's label along its first arrow, above it
// or below, where it meets no label or note and no other arrow crosses
// it, at a few places near the arrow; those that find none are listed in
// crowded, for placeCrowded.
func (l *layout) placeLabels() {
	m := l.m
	l.labels = make([]msgLabel, len(m.msgs))
	h := lineH
	near := []float64{h/2 + 1, -(h/2 + 1), h/2 + 9, -(h/2 + 9)}
	for k, ms := range m.msgs {
		if ms.label != "" && !l.placeLabel(k, near, labelSpots) {
			l.crowded = append(l.crowded, k)
		}
	}
}

// placeCrowded tries each label of crowded at more places along its
// arrow, a little further off; a label with no such place is listed in
// skipped, and placeMarkers moves it off the arrow. Running after every
// label's first round, it keeps the first round's places exactly where
// they were before it existed.
func (l *layout) placeCrowded() {
	h := lineH
	far := []float64{h/2 + 1, -(h/2 + 1), h/2 + 5, -(h/2 + 5), h/2 + 9, -(h/2 + 9), h/2 + 13, -(h/2 + 13)}
	for _, k := range l.crowded {
		placed := false
		for i, off := range far {
			// The offsets of the first round were tried at labelSpots
			// already, and what is placed since only takes room.
			spots := fineSpots
			if i%4 < 2 {
				spots = newSpots
			}
			if placed = l.placeLabel(k, []float64{off}, spots); placed {
				break
			}
		}
		if !placed {
			l.skipped = append(l.skipped, k)
		}
	}
}

// placeLabel tries the label of message k at each offset from its arrow
// (up the page first) and each spot along it, and keeps the first place
// clear of everything; it reports whether there was one.
func (l *layout) placeLabel(k int, offsets, spots []float64) bool {
	p0, p1 := l.labelArrow(k, true)
	dx, dy := p1.x-p0.x, p1.y-p0.y
	length := math.Hypot(dx, dy)
	angle := math.Atan2(dy, dx)
	if angle > math.Pi/2 {
		angle -= math.Pi
	} else if angle < -math.Pi/2 {
		angle += math.Pi
	}
	w, h := l.labelWidth(k)+4, lineH
	if w > length-14 {
		return false
	}
	// The normal pointing up the page (negative y).
	nx, ny := math.Sin(angle), -math.Cos(angle)
	for _, off := range offsets {
		for _, f := range spots {
			// Keep the whole label over its arrow, clear of both ends.
			along := length * f
			if along < w/2+7 || length-along < w/2+7 {
				continue
			}
			cx, cy := p0.x+dx*f+nx*off, p0.y+dy*f+ny*off
			b := box{cx: cx, cy: cy, hw: w / 2, hh: h / 2, angle: angle}
			if l.obst.hitsBox(b, k) || l.obst.hitsSegment(b, k) {
				continue
			}
			l.obst.addBox(b, k)
			// The baseline sits a little under the box's centre.
			l.labels[k] = msgLabel{ok: true, x: cx - nx*3.5, y: cy - ny*3.5, angle: angle * 180 / math.Pi, b: b}
			return true
		}
	}
	return false
}

// labelWidth measures message k's label once.
func (l *layout) labelWidth(k int) float64 {
	if l.labelW == nil {
		l.labelW = make([]float64, len(l.m.msgs))
		for i := range l.labelW {
			l.labelW[i] = -1
		}
	}
	if l.labelW[k] < 0 {
		l.labelW[k] = fontLabel.width(l.m.msgs[k].label)
	}
	return l.labelW[k]
}

// placeLabelsCaption says how the labels moved off their arrows are
// drawn.
func (l *layout) placeLabelsCaption() {
	n := len(l.moved)
	if n == 0 {
		return
	}
	what := fmt.Sprintf("%d message labels have", n)
	if n == 1 {
		what = "1 message label has"
	}
	c := what + " no room beside their arrows: each is a numbered marker on its arrow (or beside its send or arrival), and the list on the right gives the labels by number."
	if u := unmarked(l); u > 0 {
		c += fmt.Sprintf(" Where not even a marker fits (%d), the entry's number is dashed and the entry names the arrow's ends and time.", u)
	}
	l.captions = append(l.captions, c)
}
