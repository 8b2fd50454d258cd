package diagram

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/sim"
)

// Notes: the labels beside a lane (calls, results, state boxes, crashes
// and restarts) and the labels of network faults, measured, wrapped and
// placed clear of every other label and arrow.

// noteKind says what a note is.
type noteKind uint8

const (
	noteCall noteKind = iota
	noteResult
	noteState
	noteCrash
	noteRestart
	noteFault
)

// note is a label beside a lane: a workload call or result, a state box,
// a crash or restart, or a network fault's label in the right margin.
type note struct {
	kind  noteKind
	lane  int
	at    sim.Time
	side  float64 // +1 right of the lane, -1 left; 0 a fault's label
	lines [][]item
	w, h  float64
	// stack is the offset below the anchor for notes of one lane side
	// and instant, drawn one under the other.
	stack float64
	id    string
	class string
	title string
	color paint
	// placed
	x, y   float64 // top-left corner
	ax, ay float64 // the anchor on the lane
	plated bool
	leader bool
	state  *stateBox
	result bool
}

// item is a piece of a note's line: text, or a cell (a boxed value).
type item struct {
	text  string
	face  fontFace
	color paint
	cell  bool
	w     float64
}

// wrapText breaks s into lines no wider than w in face f, at spaces; a
// word longer than w is a line of its own, never cut.
func wrapText(s string, f fontFace, w float64) []string {
	return report.WrapWords(s, f.width, w)
}

// textNote makes the lines of a note of plain text.
func textNote(s string, f fontFace, c paint) ([][]item, float64) {
	var lines [][]item
	w := 0.0
	for _, ln := range wrapText(s, f, noteMaxW) {
		it := item{text: ln, face: f, color: c, w: f.width(ln)}
		lines = append(lines, []item{it})
		w = math.Max(w, it.w)
	}
	return lines, w
}

// noteSide is the side of its lane a lane's notes go to first: the
// outer margin for the first and last lane, else the side nearer the
// margin for clients and the right for the others.
func (m *model) noteSide(lane int) float64 {
	n := len(m.lanes)
	switch {
	case lane == 0 && n > 1 && m.clients[0]:
		return -1
	case lane == n-1:
		return 1
	case m.clients[lane] && float64(lane) < float64(n-1)/2:
		return -1
	case lane == 0 && n == 1:
		return -1
	}
	return 1
}

// makeNotes measures every note.
func (l *layout) makeNotes() {
	m := l.m
	for k, s := range m.steps {
		call := s.call
		if s.together && s.result != "" {
			call += " " + s.result
		}
		n := &note{kind: noteCall, lane: s.lane, at: s.at, side: m.noteSide(s.lane), class: "step", id: fmt.Sprintf("step%d", k+1),
			title: fmt.Sprintf("%s: %s at %s", m.lanes[s.lane], call, fmtTime(s.at)), color: rgb("#1f3b73")}
		n.lines, n.w = textNote(call, fontNote, n.color)
		l.notes = append(l.notes, n)
		if !s.together {
			r := &note{kind: noteResult, lane: s.lane, at: s.returned, side: n.side, class: "result", id: fmt.Sprintf("result%d", k+1),
				title: fmt.Sprintf("%s: %s returned %s at %s, %s after the call", m.lanes[s.lane], s.call, s.result, fmtTime(s.returned), fmtTime(s.returned-s.at)),
				color: rgb("#1f3b73"), result: true}
			r.lines, r.w = textNote(s.result, fontNote, r.color)
			l.notes = append(l.notes, r)
		}
	}
	for k := range m.states {
		l.notes = append(l.notes, l.stateNote(k))
	}
	lostAt := map[[2]int64]bool{} // lane and time of each box of state a crash lost; looked up only
	for _, st := range m.states {
		if st.lost {
			lostAt[[2]int64{int64(st.lane), int64(st.at)}] = true
		}
	}
	for k, b := range m.bands {
		// A crash that lost state is labelled by the box of what it lost.
		if b.crashRec >= 0 && !lostAt[[2]int64{int64(b.lane), int64(b.from)}] {
			n := &note{kind: noteCrash, lane: b.lane, at: b.from, side: 1, class: "crashlabel", id: fmt.Sprintf("crash%d", k+1), color: rgb("#d62728")}
			n.lines, n.w = textNote("crash", fontKey, n.color)
			l.notes = append(l.notes, n)
		}
		if !b.open {
			n := &note{kind: noteRestart, lane: b.lane, at: b.to, side: 1, class: "restartlabel", id: fmt.Sprintf("restart%d", k+1), color: colUp}
			n.lines, n.w = textNote("restart", fontKey, n.color)
			l.notes = append(l.notes, n)
		}
	}
	for k, f := range m.faults {
		n := &note{kind: noteFault, lane: len(m.lanes) - 1, at: f.at, side: 0, class: "faultlabel", id: fmt.Sprintf("fault%d", k+1), color: rgb("#9467bd"),
			title: fmt.Sprintf("%s at %s", f.label, fmtTime(f.at))}
		n.lines, n.w = textNote(f.label, fontLabel, n.color)
		l.notes = append(l.notes, n)
	}
	for _, n := range l.notes {
		n.w += 2 * notePad
		n.h = 2 * notePad
		for _, ln := range n.lines {
			n.h += lineHeight(ln)
		}
	}
	// Notes in the order of time, then of kind, so that stacking and
	// placement go down the diagram.
	sort.SliceStable(l.notes, func(a, b int) bool { return l.notes[a].at < l.notes[b].at })
}

func lineHeight(ln []item) float64 {
	for _, it := range ln {
		if it.cell || it.face == fontState || it.face == fontKey {
			return stateLineH
		}
	}
	return lineH
}

// stateNote makes the box of state change k: a line per key, the key in
// bold, then the value, as a row of cells when it is made of cells.
func (l *layout) stateNote(k int) *note {
	m := l.m
	s := &m.states[k]
	n := &note{kind: noteState, lane: s.lane, at: s.at, side: m.noteSide(s.lane), class: "state", id: fmt.Sprintf("state%d", k+1), state: s}
	var title []string
	for _, r := range s.rows {
		key := item{text: r.key + ":", face: fontKey, color: rgb("#333333")}
		key.w = fontKey.width(key.text)
		var vals []item
		switch {
		case s.lost:
			vals = []item{{text: "lost in the crash", face: fontNote, color: colLost}}
			title = append(title, r.key+" lost in the crash")
		case r.value == "":
			vals = []item{{text: "(gone)", face: fontNote, color: rgb("#666666")}}
			title = append(title, r.key+" gone")
		case isCells(r.value):
			cells, _ := sim.SplitCells(r.value)
			for _, c := range cells {
				vals = append(vals, item{text: c, face: fontState, color: rgb("#000000"), cell: true})
			}
			title = append(title, r.key+" = "+r.value)
		default:
			for _, ln := range wrapText(r.value, fontState, noteMaxW-key.w) {
				vals = append(vals, item{text: ln, face: fontState, color: rgb("#000000")})
			}
			title = append(title, r.key+" = "+r.value)
		}
		for i := range vals {
			vals[i].w = vals[i].face.width(vals[i].text)
			if vals[i].cell {
				vals[i].w = math.Max(vals[i].w+2*cellPad, 16)
			}
		}
		// The key and as many values as fit on its line; then lines of
		// values under it, indented.
		line := []item{key}
		w := key.w + 6
		for _, v := range vals {
			if len(line) > 1 && (w+v.w > noteMaxW || !v.cell) {
				n.lines = append(n.lines, line)
				line, w = []item{{text: "", face: fontKey, w: 12}}, 12.0
			}
			line = append(line, v)
			w += v.w + 1
		}
		n.lines = append(n.lines, line)
	}
	for _, ln := range n.lines {
		w := 0.0
		for i, it := range ln {
			w += it.w
			if i == 0 {
				w += 6
			} else {
				w++
			}
		}
		n.w = math.Max(n.w, w)
	}
	durable := ""
	if len(s.rows) > 0 && s.rows[0].durable {
		durable = " (durable)"
	}
	n.title = fmt.Sprintf("%s at %s%s: %s", m.lanes[s.lane], fmtTime(s.at), durable, strings.Join(title, "; "))
	n.color = rgb("#fff8e1")
	if s.lost {
		n.color = rgb("#fdecea")
	}
	return n
}

func isCells(v string) bool {
	_, ok := sim.SplitCells(v)
	return ok
}

// noteLift is how far above its anchor a note's box starts: the anchor is
// at the middle of its first line.
func noteLift(n *note) float64 { return notePad + lineHeight(n.lines[0])/2 }

// placeNotes puts every note beside its lane where it meets no other note
// and no arrow crosses it: on its side, at its anchor, else a line or a
// few lower or higher, else on the other side. A note with no such place
// goes where it meets no other note, on a white plate, and is listed in
// the overlaps.
func (l *layout) placeNotes() {
	for _, n := range l.notes {
		n.ay = l.yOf(n.at)
		if n.kind == noteFault {
			n.ax = l.plotRight - 8
		} else {
			n.ax = l.laneX[n.lane]
		}
		var fallback *candidate
		placed := false
		for _, c := range l.candidates(n) {
			b := rectBox(c.x, c.y, n.w, n.h)
			if l.obst.hitsBox(b, -1) || c.x < axisX+4 || c.x+n.w > l.plotRight-4 {
				continue
			}
			if l.obst.hitsSegment(b, l.noteOwner(n)) {
				if fallback == nil {
					cc := c
					fallback = &cc
				}
				continue
			}
			n.x, n.y, n.leader = c.x, c.y, c.moved
			placed = true
			break
		}
		if !placed {
			c := l.candidates(n)[0]
			if fallback != nil {
				c = *fallback
			}
			n.x, n.y, n.leader, n.plated = c.x, c.y, c.moved, true
			l.overlaps = append(l.overlaps, fmt.Sprintf("%s %q at %s", n.class, lineText(n.lines[0]), fmtTime(n.at)))
		}
		l.obst.addBox(rectBox(n.x-1, n.y-1, n.w+2, n.h+2), -1)
	}
}

// candidate is a place for a note: its top-left corner, and whether it
// is off its anchor (and needs a leader line).
type candidate struct {
	x, y  float64
	moved bool
}

// candidates lists a note's places in order of preference.
func (l *layout) candidates(n *note) []candidate {
	top := n.ay - noteLift(n) + n.stack
	sides := []float64{n.side, -n.side}
	if n.kind == noteFault {
		sides = []float64{0}
	}
	if n.kind == noteFault {
		// Above its dashed line, at the right edge.
		top = n.ay - n.h - 1
	}
	var out []candidate
	for _, side := range sides {
		x := n.ax + noteGap
		switch {
		case side < 0:
			x = n.ax - noteGap - n.w
		case side == 0:
			x = n.ax - n.w
		}
		out = append(out, candidate{x, top, n.stack > 0})
		for s := 1; s <= shiftSteps; s++ {
			d := float64(s) * shiftStep
			out = append(out, candidate{x, top + d, true}, candidate{x, top - d, true})
		}
	}
	return out
}

// noteOwner is the obstacle owner a note need not avoid: its own lane.
func (l *layout) noteOwner(n *note) int {
	if n.kind == noteFault {
		return -1000
	}
	return -1 - n.lane
}

func lineText(ln []item) string {
	var parts []string
	for _, it := range ln {
		parts = append(parts, it.text)
	}
	return strings.Join(parts, " ")
}
