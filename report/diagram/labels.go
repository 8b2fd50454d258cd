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
		l.obst.addSegment(segment{pt{axisX + 4, y}, pt{l.width - 8, y}, -1000})
	}
}

// labelSpots are the places along its arrow a message label may go, as
// fractions of the way from the send, best first: the middle, then ever
// further out, on both sides.
var labelSpots = func() []float64 {
	spots := []float64{0.5}
	for d := 0.04; d < 0.45; d += 0.04 {
		spots = append(spots, 0.5-d, 0.5+d)
	}
	return spots
}()

// placeLabels puts each message's label along its first arrow, above it
// or below, where it meets no label or note and no other arrow crosses
// it; a label with no such place is left out.
func (l *layout) placeLabels() {
	m := l.m
	l.labels = make([]msgLabel, len(m.msgs))
	for k, ms := range m.msgs {
		if ms.label == "" {
			continue
		}
		x0, y0 := l.laneX[ms.from], l.sendY(ms)
		e := l.ends[k]
		if ms.dropped {
			// A lost message's label may run past its cross, along the
			// arrow it would have been.
			e = pt{l.laneX[ms.to], y0 + 2*(e.y-y0)}
		}
		dx, dy := e.x-x0, e.y-y0
		length := math.Hypot(dx, dy)
		angle := math.Atan2(dy, dx)
		if angle > math.Pi/2 {
			angle -= math.Pi
		} else if angle < -math.Pi/2 {
			angle += math.Pi
		}
		w := fontLabel.width(ms.label) + 4
		h := lineH
		if w > length-14 {
			l.skipped = append(l.skipped, k)
			continue
		}
		// The normal pointing up the page (negative y).
		nx, ny := math.Sin(angle), -math.Cos(angle)
		done := false
		for _, off := range []float64{h/2 + 1, -(h/2 + 1), h/2 + 9, -(h/2 + 9)} {
			for _, f := range labelSpots {
				cx, cy := x0+dx*f+nx*off, y0+dy*f+ny*off
				// Keep the whole label over its arrow, clear of both ends.
				along := length * f
				if along < w/2+7 || length-along < w/2+7 {
					continue
				}
				b := box{cx: cx, cy: cy, hw: w / 2, hh: h / 2, angle: angle}
				if l.obst.hitsBox(b, k) || l.obst.hitsSegment(b, k) {
					continue
				}
				l.obst.addBox(b, k)
				// The baseline sits a little under the box's centre.
				bx, by := cx-nx*3.5, cy-ny*3.5
				l.labels[k] = msgLabel{ok: true, x: bx, y: by, angle: angle * 180 / math.Pi}
				done = true
				break
			}
			if done {
				break
			}
		}
		if !done {
			l.skipped = append(l.skipped, k)
		}
	}
}

// placeLabelsCaption says how many labels placeLabels left out.
func (l *layout) placeLabelsCaption() {
	if skipped := len(l.skipped); skipped > 0 {
		what := fmt.Sprintf("%d message labels are", skipped)
		if skipped == 1 {
			what = "1 message label is"
		}
		l.captions = append(l.captions, what+" left out where arrows crowd; hover over an arrow to read it, or draw a shorter window with --from and --to.")
	}
}
