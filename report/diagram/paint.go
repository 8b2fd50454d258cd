package diagram

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sim-lecture/sim/sim"
)

// Colours.
var (
	colInk     = rgb("#000000")
	colMsg     = rgb("#1f3b73")
	colBad     = rgb("#d9822b")
	colGone    = rgb("#888888")
	colLost    = rgb("#d62728")
	colUp      = rgb("#2ca02c")
	colDup     = rgb("#17becf")
	colFault   = rgb("#9467bd")
	colAxis    = rgb("#999999")
	colAxisTxt = rgb("#666666")
	colLane    = rgb("#333333")
	colLaneBox = rgb("#eef2f8")
	colIdle    = rgb("#f2f2f2")
	colWhite   = rgb("#ffffff")
	colCaption = rgb("#444444")
	colState   = rgb("#b8860b")
)

// paint draws the laid-out diagram on c.
func (l *layout) paint(c canvas) {
	c.rect(0, 0, l.width, l.height, 0, stroke{}, colWhite)
	c.text(12, 22, l.m.title, textStyle{face: fontTitle, color: colInk})
	for k := 0; k+1 < len(l.breaks); k += 2 {
		// A faint band across the lanes where idle time was shortened.
		c.group("idle", "", "")
		c.rect(axisX, l.breaks[k].y, l.plotRight-axisX, l.breaks[k+1].y-l.breaks[k].y, 0, stroke{}, colIdle)
		c.end()
	}
	l.paintAxis(c)
	l.paintBands(c)
	l.paintLanes(c)
	l.paintFaults(c)
	l.paintMessages(c)
	c.group("timers", "", "")
	for _, t := range l.m.timers {
		c.group("timer", "", fmt.Sprintf("%s: a timer fired at %s", l.m.lanes[t.lane], fmtTime(t.at)))
		c.circle(l.laneX[t.lane], l.yOf(t.at), 3.5, stroke{color: rgb("#7f7f7f"), width: 1}, colWhite)
		c.end()
	}
	c.end()
	l.paintNotes(c)
	l.paintList(c)
	l.paintLegend(c)
	y := l.legendY + 34
	for _, line := range l.captions {
		c.group("caption", "", "")
		c.text(12, y, line, textStyle{face: fontLabel, color: colCaption})
		c.end()
		y += captionLine
	}
}

// paintAxis draws the time axis: ticks at round times, a label at the
// start of every stretch, and ≈ over every shortened one.
func (l *layout) paintAxis(c canvas) {
	x := axisX
	grey := stroke{color: colAxis, width: 1}
	axisText := textStyle{face: fontLabel, color: colAxisTxt, anchor: anchorEnd}
	c.group("axis", "", "")
	c.line(x, marginTop, x, l.bottom, grey)
	c.text(x-4, marginTop-22, "time", axisText)
	step := niceStep(70 / l.slope)
	lastY := math.Inf(-1)
	tick := func(t sim.Time) {
		y := l.yOf(t)
		if y-lastY < 14 {
			return
		}
		lastY = y
		c.line(x-4, y, x, y, grey)
		c.text(x-7, y+4, fmtTime(t), axisText)
	}
	// Ticks run stretch by stretch: from each stretch's start to the next
	// break.
	starts := []sim.Time{l.m.from}
	var ends []sim.Time
	for k := 0; k+1 < len(l.breaks); k += 2 {
		ends = append(ends, l.breaks[k].t)
		starts = append(starts, l.breaks[k+1].t)
	}
	ends = append(ends, l.m.end)
	for s := range starts {
		tick(starts[s])
		for t := (starts[s]/step + 1) * step; t <= ends[s]; t += step {
			tick(t)
		}
	}
	for k := 0; k+1 < len(l.breaks); k += 2 {
		y0, y1 := l.breaks[k].y, l.breaks[k+1].y
		ym := (y0 + y1) / 2
		c.group("break", "", "")
		c.rect(x-5, y0+3, 10, math.Max(y1-y0-6, 1), 0, stroke{}, colWhite)
		c.text(x, ym+5, "≈", textStyle{face: fontBig, color: colAxisTxt, anchor: anchorMiddle})
		c.text(x+8, ym+3, "+"+fmtTime(l.breaks[k+1].t-l.breaks[k].t), textStyle{face: fontSmall, color: colAxis})
		c.end()
	}
	c.end()
}

// niceStep rounds a duration up to 1, 2 or 5 times a power of ten.
func niceStep(ns float64) sim.Time {
	if !(ns >= 1) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(ns)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= ns {
			return sim.Time(m * p)
		}
	}
	return sim.Time(10 * p)
}

// paintBands draws each node's down time as a red band over its lane.
func (l *layout) paintBands(c canvas) {
	c.group("bands", "", "")
	for k, b := range l.m.bands {
		to := b.to
		what := "down: crash to restart"
		if b.open {
			to, what = l.m.end, "down (crashed)"
		}
		x, y0, y1 := l.laneX[b.lane], l.yOf(b.from), l.yOf(to)
		c.group("down", fmt.Sprintf("down%d", k+1), fmt.Sprintf("%s %s, %s to %s", l.m.lanes[b.lane], what, fmtTime(b.from), fmtTime(to)))
		c.rect(x-12, y0, 24, math.Max(y1-y0, 2), 0, stroke{color: colLost, width: 1, dash: []float64{3, 2}}, paint{hex: "#d62728", opacity: 0.18})
		c.end()
	}
	c.end()
}

// paintLanes draws each node's lane and name.
func (l *layout) paintLanes(c canvas) {
	c.group("lanes", "", "")
	for k, name := range l.m.lanes {
		x := l.laneX[k]
		w := math.Max(60, fontLane.width(name)+16)
		c.group("lane", "", "")
		c.line(x, marginTop-14, x, l.bottom, stroke{color: colLane, width: 1.5})
		c.rect(x-w/2, marginTop-38, w, 22, 4, stroke{color: colLane, width: 1}, colLaneBox)
		c.text(x, marginTop-22, name, textStyle{face: fontLane, color: colInk, anchor: anchorMiddle})
		c.end()
	}
	c.end()
}

// paintFaults draws network faults as dashed lines across the lanes.
func (l *layout) paintFaults(c canvas) {
	c.group("faults", "", "")
	for k, f := range l.m.faults {
		y := l.yOf(f.at)
		c.group("fault", fmt.Sprintf("faultline%d", k+1), fmt.Sprintf("%s at %s", f.label, fmtTime(f.at)))
		c.line(axisX+4, y, l.plotRight-8, y, stroke{color: colFault, width: 1, dash: []float64{6, 4}})
		c.end()
	}
	c.end()
}

// paintMessages draws every message: its arrows, its marks and its label.
func (l *layout) paintMessages(c canvas) {
	m := l.m
	marker := make([]int, len(m.msgs)) // the index in l.moved of each message's marker, or -1
	for k := range marker {
		marker[k] = -1
	}
	for i, mv := range l.moved {
		marker[mv.k] = i
	}
	c.group("messages", "", "")
	for k, ms := range m.msgs {
		x0, y0, x1 := l.laneX[ms.from], l.sendY(ms), l.laneX[ms.to]
		e := l.ends[k]
		c.group("msg", "m"+strconv.FormatUint(ms.id, 10), fmt.Sprintf("%s: %s to %s, sent at %s%s", ms.label, m.lanes[ms.from], m.lanes[ms.to], fmtTime(ms.at), fateText(ms)))
		if ms.dropped {
			c.group("lost", "", "")
			c.line(x0, y0, e.x, e.y, stroke{color: colLost, width: 1.3})
			c.end()
			c.group("drop", "", "lost: "+ms.dropReason)
			c.path([]pt{{e.x - 6, e.y - 6}, {e.x + 6, e.y + 6}}, stroke{color: colLost, width: 2.5}, paint{})
			c.path([]pt{{e.x - 6, e.y + 6}, {e.x + 6, e.y - 6}}, stroke{color: colLost, width: 2.5}, paint{})
			c.end()
		}
		for _, a := range ms.arrivals {
			l.paintArrival(c, ms, x0, y0, x1, l.arrivalY(a), a.discard)
		}
		if len(ms.arrivals) == 0 && !ms.dropped {
			// Still in flight when the run (or the window) ended.
			c.group("arrow inflight", "", "")
			c.line(x0, y0, e.x, e.y, stroke{color: colMsg, width: 1, dash: []float64{2, 3}})
			c.end()
		}
		l.paintMarks(c, k)
		if lb := l.labels[k]; lb.ok {
			c.group("msglabel", "", "")
			c.text(lb.x, lb.y, ms.label, textStyle{face: fontLabel, color: colInk, anchor: anchorMiddle, angle: lb.angle, halo: true})
			c.end()
		}
		if i := marker[k]; i >= 0 && !l.moved[i].unmarked {
			c.group("msgmarker", "", "")
			drawMarker(c, l.moved[i].mark, l.moved[i].num, false)
			c.end()
		}
		c.end()
	}
	c.end()
}

// paintArrival draws the arrow of one copy, with its head.
func (l *layout) paintArrival(c canvas, ms msg, x0, y0, x1, y1 float64, discard bool) {
	class, col := "arrow", colMsg
	if ms.corrupt {
		col = colBad
	}
	var dash []float64
	if discard {
		class, col, dash = "arrow discarded", colGone, []float64{4, 3}
	}
	c.group(class, "", "")
	c.line(x0, y0, x1, y1, stroke{color: col, width: 1.3, dash: dash})
	arrowHead(c, x0, y0, x1, y1, col)
	c.end()
	if discard {
		c.group("discard", "", "")
		c.circle(x1, y1, 5, stroke{color: colGone, width: 1.5}, colWhite)
		c.line(x1-3.5, y1+3.5, x1+3.5, y1-3.5, stroke{color: colGone, width: 1.5})
		c.end()
	}
}

// arrowHead draws a filled head at x1, y1 pointing along the arrow.
func arrowHead(c canvas, x0, y0, x1, y1 float64, col paint) {
	a := math.Atan2(y1-y0, x1-x0)
	const length, half = 8.0, 3.5
	bx, by := x1-length*math.Cos(a), y1-length*math.Sin(a)
	nx, ny := -math.Sin(a)*half, math.Cos(a)*half
	c.path([]pt{{x1, y1}, {bx + nx, by + ny}, {bx - nx, by - ny}}, stroke{}, col)
}

// paintMarks draws what the network did to a message: duplicated,
// corrupted, reordered.
func (l *layout) paintMarks(c canvas, k int) {
	ms := l.m.msgs[k]
	i := 0
	for _, mk := range []struct {
		on    bool
		class string
	}{{ms.duplicate, "duplicate"}, {ms.corrupt, "corrupt"}, {ms.reorder, "reorder"}} {
		if !mk.on || i >= len(l.marks[k]) {
			continue
		}
		p := l.marks[k][i]
		i++
		c.group(mk.class, "", "")
		drawMark(c, mk.class, p.x, p.y)
		c.end()
	}
}

// drawMark draws one network mark centred on x, y.
func drawMark(c canvas, kind string, x, y float64) {
	switch kind {
	case "duplicate":
		c.circle(x, y, 6, stroke{color: colDup, width: 1.5}, colWhite)
		c.text(x, y+3, "2", textStyle{face: fontMark, color: colDup, anchor: anchorMiddle})
	case "corrupt":
		c.path([]pt{{x, y - 6}, {x + 6, y}, {x, y + 6}, {x - 6, y}}, stroke{}, colBad)
	case "reorder":
		c.path([]pt{{x, y - 6}, {x + 6, y + 6}, {x - 6, y + 6}}, stroke{}, colFault)
	}
}

// fateText says what the network did to a message, for its tooltip.
func fateText(m msg) string {
	var parts []string
	if m.dropped {
		parts = append(parts, "lost ("+m.dropReason+")")
	}
	if m.duplicate {
		parts = append(parts, "duplicated")
	}
	if m.corrupt {
		parts = append(parts, "corrupted")
	}
	if m.reorder {
		parts = append(parts, "reordered")
	}
	for _, a := range m.arrivals {
		if a.discard {
			parts = append(parts, "arrived at "+fmtTime(a.at)+" at a down node")
		} else {
			parts = append(parts, "arrived at "+fmtTime(a.at))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", ")
}

// paintNotes draws the notes: calls and results, state boxes, crash and
// restart labels, fault labels.
func (l *layout) paintNotes(c canvas) {
	c.group("notes", "", "")
	for _, n := range l.notes {
		c.group(n.class, n.id, n.title)
		l.paintNote(c, n)
		c.end()
	}
	c.end()
}

func (l *layout) paintNote(c canvas, n *note) {
	if n.leader {
		// A thin line from the anchor to the note moved off it.
		ex := n.x
		if n.x+n.w/2 < n.ax {
			ex = n.x + n.w
		}
		c.line(n.ax, n.ay, ex, math.Min(math.Max(n.ay, n.y+2), n.y+n.h-2), stroke{color: colAxis, width: 0.8, dash: []float64{2, 2}})
	}
	switch {
	case n.kind == noteState:
		border := colState
		if n.state.lost {
			border = colLost
		}
		c.rect(n.x, n.y, n.w, n.h, 3, stroke{color: border, width: 1}, n.color)
	case n.plated:
		c.rect(n.x, n.y, n.w, n.h, 2, stroke{}, colWhite)
	}
	switch n.kind {
	case noteCall, noteResult:
		// The call's or result's point on the lane.
		fill := n.color
		if n.kind == noteResult {
			fill = colWhite
		}
		c.circle(n.ax, n.ay, 4, stroke{color: n.color, width: 1.5}, fill)
	case noteState:
		c.circle(n.ax, n.ay, 3, stroke{color: colState, width: 1}, rgb("#ffe082"))
	}
	y := n.y + notePad
	for _, ln := range n.lines {
		h := lineHeight(ln)
		base := y + h/2 + 3.5
		x := n.x + notePad
		anchorText := anchorStart
		if n.kind != noteState && n.side < 0 || n.kind == noteFault {
			// Text beside the left of a lane ends at the lane.
			x, anchorText = n.x+n.w-notePad, anchorEnd
		}
		for i, it := range ln {
			if it.cell {
				c.rect(x, y+1, it.w, h-2, 0, stroke{color: rgb("#555555"), width: 0.8}, colWhite)
				c.text(x+it.w/2, base, it.text, textStyle{face: it.face, color: it.color, anchor: anchorMiddle})
				x += it.w + 1
				continue
			}
			if it.text != "" {
				c.text(x, base, it.text, textStyle{face: it.face, color: it.color, anchor: anchorText, halo: n.kind != noteState})
			}
			x += it.w
			if i == 0 {
				x += 6
			}
		}
		y += h
	}
}

// legendItems are the legend's texts, in order.
var legendItems = []string{"message", "lost", "duplicated", "corrupted", "reordered", "at a down node", "node down", "timer fired"}

// legendStep is the width of a legend item.
func legendStep(text string) float64 { return 34 + fontLegend.width(text) + 18 }

// legendWidth is the width of the whole legend.
func legendWidth() float64 {
	w := 12.0
	for _, t := range legendItems {
		w += legendStep(t)
	}
	return w
}

// paintLegend draws one example of each mark.
func (l *layout) paintLegend(c canvas) {
	y := l.legendY
	x := 12.0
	c.group("legend", "", "")
	for _, text := range legendItems {
		switch text {
		case "message":
			c.line(x, y-4, x+20, y+4, stroke{color: colMsg, width: 1.3})
			arrowHead(c, x, y-4, x+20, y+4, colMsg)
		case "lost":
			c.path([]pt{{x + 4, y - 5}, {x + 14, y + 5}}, stroke{color: colLost, width: 2.5}, paint{})
			c.path([]pt{{x + 4, y + 5}, {x + 14, y - 5}}, stroke{color: colLost, width: 2.5}, paint{})
		case "duplicated":
			drawMark(c, "duplicate", x+10, y)
		case "corrupted":
			drawMark(c, "corrupt", x+10, y)
		case "reordered":
			drawMark(c, "reorder", x+10, y)
		case "at a down node":
			c.circle(x+10, y, 5, stroke{color: colGone, width: 1.5}, colWhite)
			c.line(x+6.5, y+3.5, x+13.5, y-3.5, stroke{color: colGone, width: 1.5})
		case "node down":
			c.rect(x, y-4, 20, 8, 0, stroke{color: colLost, width: 1}, paint{hex: "#d62728", opacity: 0.18})
		case "timer fired":
			c.circle(x+10, y, 3.5, stroke{color: rgb("#7f7f7f"), width: 1}, colWhite)
		}
		c.text(x+34, y+4, text, textStyle{face: fontLegend, color: colCaption})
		x += legendStep(text)
	}
	c.end()
}
