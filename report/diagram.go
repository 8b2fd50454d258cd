package report

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// DefaultMaxMessages is how many messages a space-time diagram draws before
// it shows only a window at the start of the run: past a few hundred
// arrows a diagram stops explaining anything.
const DefaultMaxMessages = 300

// DiagramOptions change how WriteDiagram draws.
type DiagramOptions struct {
	// MaxMessages is how many messages to draw (default
	// DefaultMaxMessages); a run with more is drawn up to the last of the
	// first MaxMessages messages, and the caption says so.
	MaxMessages int
}

// WriteDiagram draws system i of res as a space-time diagram in SVG, the
// way the lecture draws its figures: one vertical lane per node of w (the
// system's world, run with its trace kept), time running downwards, an
// arrow per message from its send to each copy's arrival labelled with the
// message's name, a cross where the network lost it, marks for duplicated,
// corrupted, reordered and discarded copies, a band over each node's down
// time, timers that fired, network faults, and the workload rows as labels
// on their client's lane. Idle stretches are shortened, and a long run is
// windowed; the caption says which. The output depends only on its inputs.
func WriteDiagram(out io.Writer, res *Result, i int, w *sim.World, opt DiagramOptions) error {
	if i < 0 || i >= len(res.Systems) {
		return fmt.Errorf("diagram: no system %d in the result", i)
	}
	if opt.MaxMessages <= 0 {
		opt.MaxMessages = DefaultMaxMessages
	}
	names := make([]string, w.NumNodes())
	for id := range names {
		names[id] = w.Name(sim.NodeID(id))
	}
	d := buildDiagram(res, &res.Systems[i], names, w.Trace().Records(), opt)
	var b strings.Builder
	d.render(&b)
	_, err := io.WriteString(out, b.String())
	return err
}

// dMsg is one message: its send and what became of its copies.
type dMsg struct {
	from, to   int
	at         sim.Time
	label      string
	dropped    bool
	dropReason string
	duplicate  bool
	corrupt    bool
	reorder    bool
	arrivals   []dArrival
}

// dArrival is one copy reaching its destination.
type dArrival struct {
	at      sim.Time
	discard bool // the node was down or had crashed since the send
}

// dBand is a stretch of a node's down time.
type dBand struct {
	lane     int
	from, to sim.Time
	open     bool // never restarted
}

// dMark is a point event on a lane or across all lanes.
type dMark struct {
	lane  int // -1: across every lane
	at    sim.Time
	label string
}

// diagram is everything a space-time diagram shows, in virtual time.
type diagram struct {
	title    string
	lanes    []string
	msgs     []dMsg
	bands    []dBand
	timers   []dMark
	faults   []dMark
	steps    []dMark
	captions []string
	end      sim.Time
	// yOf maps a virtual time to a y coordinate (see layoutTime).
	knots  []knot
	breaks []knot // pairs: a compressed stretch from breaks[k] to breaks[k+1]
	slope  float64
	// median is the median one-way delay, which places a lost message's
	// cross.
	median sim.Time
}

// knot is one point of the piecewise-linear map from time to y.
type knot struct {
	t sim.Time
	y float64
}

func buildDiagram(res *Result, sys *System, lanes []string, recs []sim.Record, opt DiagramOptions) *diagram {
	d := &diagram{title: fmt.Sprintf("%s: %s (seed %d)", res.Scenario, sys.Label(), res.Seed), lanes: lanes}
	laneOf := func(id sim.NodeID) int {
		if id < 0 || int(id) >= len(lanes) {
			return -1
		}
		return int(id)
	}
	// A long run is windowed: messages sent from the (MaxMessages+1)th
	// send on, and everything else that happens from then on, are left
	// out; the drawn messages' copies are followed to their arrival.
	total := 0
	cut := sim.Time(math.MaxInt64)
	for _, r := range recs {
		if r.Kind == sim.KindSend && laneOf(r.Node) >= 0 && laneOf(r.Peer) >= 0 {
			total++
			if total == opt.MaxMessages+1 {
				cut = r.At
			}
		}
	}
	byID := map[uint64]int{}
	downSince := map[int]sim.Time{}
	var downOrder []int
	for _, r := range recs {
		if r.At < cut && r.At > d.end {
			d.end = r.At
		}
		switch r.Kind {
		case sim.KindSend:
			if r.At >= cut || laneOf(r.Node) < 0 || laneOf(r.Peer) < 0 {
				continue
			}
			byID[r.Msg] = len(d.msgs)
			d.msgs = append(d.msgs, dMsg{from: int(r.Node), to: int(r.Peer), at: r.At, label: r.Label})
		case sim.KindDrop, sim.KindDuplicate, sim.KindCorrupt, sim.KindReorder, sim.KindDeliver, sim.KindDiscard:
			k, ok := byID[r.Msg]
			if !ok {
				continue
			}
			m := &d.msgs[k]
			switch r.Kind {
			case sim.KindDrop:
				m.dropped, m.dropReason = true, r.Info
			case sim.KindDuplicate:
				m.duplicate = true
			case sim.KindCorrupt:
				m.corrupt = true
			case sim.KindReorder:
				m.reorder = true
			default:
				m.arrivals = append(m.arrivals, dArrival{at: r.At, discard: r.Kind == sim.KindDiscard})
				d.end = max(d.end, r.At)
			}
		}
		if r.At >= cut {
			continue
		}
		switch r.Kind {
		case sim.KindCrash:
			if l := laneOf(r.Node); l >= 0 {
				if _, down := downSince[l]; !down {
					downSince[l] = r.At
					downOrder = append(downOrder, l)
				}
			}
		case sim.KindRestart:
			if l := laneOf(r.Node); l >= 0 {
				if from, down := downSince[l]; down {
					d.bands = append(d.bands, dBand{lane: l, from: from, to: r.At})
					delete(downSince, l)
				}
			}
		case sim.KindTimer:
			if l := laneOf(r.Node); l >= 0 {
				d.timers = append(d.timers, dMark{lane: l, at: r.At})
			}
		case sim.KindFault:
			// Crashes and restarts have their own records and bands.
			if r.Label == "crash" || r.Label == "restart" {
				continue
			}
			d.faults = append(d.faults, dMark{lane: -1, at: r.At, label: strings.TrimSpace(r.Label + " " + r.Info)})
		}
	}
	for _, l := range downOrder {
		if from, down := downSince[l]; down {
			d.bands = append(d.bands, dBand{lane: l, from: from, to: d.end, open: true})
		}
	}
	sort.SliceStable(d.bands, func(a, b int) bool { return d.bands[a].from < d.bands[b].from })
	for _, st := range sys.Steps {
		at, err := time.ParseDuration(st.At)
		if err != nil || sim.Time(at) >= cut {
			continue
		}
		lane := -1
		for _, who := range []string{st.Client, st.From} {
			for id, n := range lanes {
				if who != "" && n == who && lane < 0 {
					lane = id
				}
			}
		}
		if lane >= 0 {
			d.steps = append(d.steps, dMark{lane: lane, at: sim.Time(at), label: describeStep(st)})
			if sim.Time(at) > d.end {
				d.end = sim.Time(at)
			}
		}
	}
	if total > len(d.msgs) {
		d.captions = append(d.captions, fmt.Sprintf("Window: only the first %d of %d messages are drawn (what was sent before %s); the full trace is in trace-%s.jsonl.",
			len(d.msgs), total, fmtTime(cut), sys.FileLabel()))
	}
	d.layoutTime()
	return d
}

// describeStep writes a workload row the way the timeline table does.
func describeStep(s Step) string {
	block := ""
	if s.Block != nil {
		block = strconv.Itoa(*s.Block)
	}
	var t string
	switch s.Op {
	case "open":
		t = fmt.Sprintf("%s = open(%q)", s.FD, s.File)
	case "read", "write":
		t = fmt.Sprintf("%s(%s, block%s)", s.Op, s.FD, block)
	case "close", "append", "seek":
		t = fmt.Sprintf("%s(%s)", s.Op, s.FD)
	case "send":
		t = "send to " + s.To
	case "call":
		t = fmt.Sprintf("call %s on %s", s.Proc, s.Server)
	default:
		// An op of another system: as its op writes it.
		t = s.Label
		if t == "" {
			t = fmt.Sprintf("%s(%q)", s.Op, s.File)
		}
	}
	if s.Value != nil {
		t += " = " + *s.Value
	}
	if s.Result != "" && s.Result != "ok" {
		t += " -> " + s.Result
	}
	return t
}

// fmtTime formats a virtual time for the diagram, rounded to 1 µs.
func fmtTime(t sim.Time) string {
	return sim.FormatDuration(time.Duration(t).Round(time.Microsecond))
}

// Layout constants, in SVG user units (pixels).
const (
	dTop        = 78.0  // y of time zero
	dAxisW      = 78.0  // the time axis column
	dLaneGap    = 190.0 // between two lanes
	dRise       = 40.0  // the drop of an arrow of median delay
	dMaxGap     = 60.0  // a quiet stretch taller than this is shortened...
	dBreak      = 30.0  // ...to this
	dMaxHeight  = 9000.0
	dCharW      = 6.4 // estimated width of a character of the 11px font
	dLabelSpace = 11.0
)

// layoutTime builds the map from time to y: linear where things happen,
// with quiet stretches longer than dMaxGap shortened to dBreak so that
// milliseconds of traffic and seconds of waiting both stay readable.
func (d *diagram) layoutTime() {
	var delays []sim.Time
	times := []sim.Time{0, d.end}
	for _, m := range d.msgs {
		times = append(times, m.at)
		for _, a := range m.arrivals {
			times = append(times, a.at)
			if !a.discard {
				delays = append(delays, a.at-m.at)
			}
		}
	}
	for _, ms := range [][]dMark{d.timers, d.faults, d.steps} {
		for _, m := range ms {
			times = append(times, m.at)
		}
	}
	for _, b := range d.bands {
		times = append(times, b.from, b.to)
	}
	sort.Slice(delays, func(a, b int) bool { return delays[a] < delays[b] })
	sort.Slice(times, func(a, b int) bool { return times[a] < times[b] })
	if len(delays) > 0 {
		d.median = delays[len(delays)/2]
	}
	if d.median <= 0 {
		// No delivered message to learn the scale from: a twentieth of
		// the run, or a millisecond.
		d.median = max(sim.Time(time.Millisecond), d.end/20)
	}
	for _, m := range d.msgs {
		if m.dropped {
			times = append(times, m.at+d.median/2)
		}
	}
	sort.Slice(times, func(a, b int) bool { return times[a] < times[b] })
	d.slope = dRise / float64(d.median)
	y := dTop
	d.knots = []knot{{0, y}}
	prev := sim.Time(0)
	for _, t := range times {
		if t <= prev {
			continue
		}
		dy := float64(t-prev) * d.slope
		if dy > dMaxGap {
			d.breaks = append(d.breaks, knot{prev, y}, knot{t, y + dBreak})
			dy = dBreak
		}
		y += dy
		d.knots = append(d.knots, knot{t, y})
		prev = t
	}
	if h := y - dTop; h > dMaxHeight {
		f := dMaxHeight / h
		for k := range d.knots {
			d.knots[k].y = dTop + (d.knots[k].y-dTop)*f
		}
		for k := range d.breaks {
			d.breaks[k].y = dTop + (d.breaks[k].y-dTop)*f
		}
		d.slope *= f
	}
	if len(d.breaks) > 0 {
		d.captions = append(d.captions, fmt.Sprintf("Idle time compressed: %d quiet stretches longer than %s are drawn short; the ≈ marks on the time axis say how long each was.",
			len(d.breaks)/2, fmtTime(sim.Time(dMaxGap/d.slope))))
	}
}

// yOf maps a virtual time to its y coordinate.
func (d *diagram) yOf(t sim.Time) float64 {
	k := sort.Search(len(d.knots), func(i int) bool { return d.knots[i].t >= t })
	switch {
	case k < len(d.knots) && d.knots[k].t == t:
		return d.knots[k].y
	case k == 0:
		return d.knots[0].y - float64(d.knots[0].t-t)*d.slope
	case k == len(d.knots):
		last := d.knots[len(d.knots)-1]
		return last.y + float64(t-last.t)*d.slope
	}
	a, b := d.knots[k-1], d.knots[k]
	return a.y + (b.y-a.y)*float64(t-a.t)/float64(b.t-a.t)
}

func (d *diagram) laneX(l int) float64 { return d.left() + float64(l)*dLaneGap }

// left is the x of the first lane: room for the time axis and the first
// lane's workload labels.
func (d *diagram) left() float64 {
	w := 0.0
	for _, s := range d.steps {
		if s.lane == 0 {
			w = max(w, float64(len([]rune(s.label)))*dCharW+16)
		}
	}
	// At least room for the first lane's name box beside the axis.
	return dAxisW + 20 + max(min(w, dLaneGap-30), 50)
}

// f formats a coordinate: one decimal, so the output is the same on every
// machine.
func f(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// esc escapes text for SVG.
func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fit shortens s to at most n characters.
func fit(s string, n int) string {
	r := []rune(s)
	if n < 2 || len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// render writes the SVG.
func (d *diagram) render(b *strings.Builder) {
	bottom := d.yOf(d.end) + 30
	width := d.laneX(len(d.lanes)-1) + dLaneGap*0.75
	if len(d.lanes) == 0 {
		width = d.left() + 200
	}
	width = max(width, 560, legendWidth()+12)
	var captions []string
	for _, c := range append([]string{"Time runs downwards; arrows are messages from send to arrival, labelled with what the protocol called them."}, d.captions...) {
		captions = append(captions, wrap(c, int((width-24)/dCharW))...)
	}
	height := bottom + 60 + float64(len(captions))*16
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="Helvetica, Arial, sans-serif" font-size="11">`+"\n",
		f(width), f(height), f(width), f(height))
	b.WriteString(`<defs>
<marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1f3b73"/></marker>
<marker id="head-bad" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#d9822b"/></marker>
<marker id="head-gone" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#888888"/></marker>
</defs>
<style>
text.lbl { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
</style>
`)
	fmt.Fprintf(b, `<rect width="%s" height="%s" fill="#ffffff"/>`+"\n", f(width), f(height))
	fmt.Fprintf(b, `<text x="12" y="22" font-size="15" font-weight="bold">%s</text>`+"\n", esc(d.title))
	for k := 0; k+1 < len(d.breaks); k += 2 {
		// A faint band across the lanes where idle time was compressed.
		fmt.Fprintf(b, `<rect class="idle" x="%s" y="%s" width="%s" height="%s" fill="#f2f2f2"/>`+"\n",
			f(dAxisW), f(d.breaks[k].y), f(width-dAxisW), f(d.breaks[k+1].y-d.breaks[k].y))
	}
	d.renderAxis(b, bottom)
	b.WriteString(`<g class="bands">` + "\n")
	for _, band := range d.bands {
		x, y0, y1 := d.laneX(band.lane), d.yOf(band.from), d.yOf(band.to)
		what := "down (crashed)"
		if !band.open {
			what = "down: crash to restart"
		}
		fmt.Fprintf(b, `<rect class="down" x="%s" y="%s" width="24" height="%s" fill="#d62728" fill-opacity="0.18" stroke="#d62728" stroke-dasharray="3,2"><title>%s %s, %s to %s</title></rect>`+"\n",
			f(x-12), f(y0), f(max(y1-y0, 2)), esc(d.lanes[band.lane]), what, fmtTime(band.from), fmtTime(band.to))
		fmt.Fprintf(b, `<text class="lbl" x="%s" y="%s" fill="#d62728" font-weight="bold">crash</text>`+"\n", f(x+15), f(y0+4))
		if !band.open {
			fmt.Fprintf(b, `<text class="lbl" x="%s" y="%s" fill="#2ca02c" font-weight="bold">restart</text>`+"\n", f(x+15), f(y1+4))
		}
	}
	b.WriteString("</g>\n")
	b.WriteString(`<g class="lanes">` + "\n")
	for l, name := range d.lanes {
		x := d.laneX(l)
		fmt.Fprintf(b, `<g class="lane"><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333333" stroke-width="1.5"/>`,
			f(x), f(dTop-14), f(x), f(bottom))
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="22" rx="4" fill="#eef2f8" stroke="#333333"/>`,
			f(x-max(30, float64(len([]rune(name)))*4+8)), f(dTop-38), f(2*max(30, float64(len([]rune(name)))*4+8)))
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" font-size="13" font-weight="bold">%s</text></g>`+"\n",
			f(x), f(dTop-22), esc(name))
	}
	b.WriteString("</g>\n")
	d.renderFaults(b, width)
	d.renderMessages(b)
	b.WriteString(`<g class="timers">` + "\n")
	for _, t := range d.timers {
		fmt.Fprintf(b, `<circle class="timer" cx="%s" cy="%s" r="3.5" fill="#ffffff" stroke="#7f7f7f"><title>%s: a timer fired at %s</title></circle>`+"\n",
			f(d.laneX(t.lane)), f(d.yOf(t.at)), esc(d.lanes[t.lane]), fmtTime(t.at))
	}
	b.WriteString("</g>\n")
	b.WriteString(`<g class="steps">` + "\n")
	for _, s := range d.steps {
		x, y := d.laneX(s.lane), d.yOf(s.at)
		room := int((dLaneGap - 30) / dCharW)
		if s.lane == 0 {
			room = int((d.left() - dAxisW - 20) / dCharW)
		}
		fmt.Fprintf(b, `<g class="step"><circle cx="%s" cy="%s" r="4" fill="#1f3b73"/><text class="lbl" x="%s" y="%s" text-anchor="end" font-style="italic" fill="#1f3b73">%s<title>%s: %s at %s</title></text></g>`+"\n",
			f(x), f(y), f(x-8), f(y+4), esc(fit(s.label, room)), esc(d.lanes[s.lane]), esc(s.label), fmtTime(s.at))
	}
	b.WriteString("</g>\n")
	d.renderLegend(b, bottom+24)
	y := bottom + 58
	for _, c := range captions {
		fmt.Fprintf(b, `<text class="caption" x="12" y="%s" fill="#444444">%s</text>`+"\n", f(y), esc(c))
		y += 16
	}
	b.WriteString("</svg>\n")
}

// renderAxis draws the time axis: ticks at round times, a label at the
// start of every stretch, and ≈ over every shortened stretch.
func (d *diagram) renderAxis(b *strings.Builder, bottom float64) {
	x := dAxisW
	b.WriteString(`<g class="axis">` + "\n")
	fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#999999"/>`+"\n", f(x), f(dTop), f(x), f(bottom))
	fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end" fill="#666666">time</text>`+"\n", f(x-4), f(dTop-22))
	step := niceStep(70 / d.slope)
	lastY := -1e9
	tick := func(t sim.Time) {
		y := d.yOf(t)
		if y-lastY < 14 {
			return
		}
		lastY = y
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#999999"/><text x="%s" y="%s" text-anchor="end" fill="#666666">%s</text>`+"\n",
			f(x-4), f(y), f(x), f(y), f(x-7), f(y+4), fmtTime(t))
	}
	// Ticks run stretch by stretch: from each stretch's start to the next
	// break.
	starts := []sim.Time{0}
	ends := []sim.Time{}
	for k := 0; k+1 < len(d.breaks); k += 2 {
		ends = append(ends, d.breaks[k].t)
		starts = append(starts, d.breaks[k+1].t)
	}
	ends = append(ends, d.end)
	for s := range starts {
		tick(starts[s])
		first := (starts[s]/step + 1) * step
		for t := first; t <= ends[s]; t += step {
			tick(t)
		}
	}
	for k := 0; k+1 < len(d.breaks); k += 2 {
		y0, y1 := d.breaks[k].y, d.breaks[k+1].y
		ym := (y0 + y1) / 2
		fmt.Fprintf(b, `<g class="break"><rect x="%s" y="%s" width="10" height="%s" fill="#ffffff"/><text x="%s" y="%s" text-anchor="middle" font-size="14" fill="#666666">≈</text><text x="%s" y="%s" text-anchor="start" font-size="9" fill="#999999">+%s</text></g>`+"\n",
			f(x-5), f(y0+3), f(max(y1-y0-6, 1)), f(x), f(ym+5), f(x+8), f(ym+3), fmtTime(d.breaks[k+1].t-d.breaks[k].t))
	}
	b.WriteString("</g>\n")
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

// renderFaults draws network faults as dashed lines across every lane.
func (d *diagram) renderFaults(b *strings.Builder, width float64) {
	b.WriteString(`<g class="faults">` + "\n")
	for _, m := range d.faults {
		y := d.yOf(m.at)
		fmt.Fprintf(b, `<g class="fault"><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#9467bd" stroke-dasharray="6,4"/><text class="lbl" x="%s" y="%s" text-anchor="end" fill="#9467bd">%s</text></g>`+"\n",
			f(dAxisW+4), f(y), f(width-8), f(y), f(width-8), f(y-4), esc(fit(m.label, 60)))
	}
	b.WriteString("</g>\n")
}

// renderMessages draws every message: its arrows, its marks and its label.
func (d *diagram) renderMessages(b *strings.Builder) {
	type spot struct{ x, y, w float64 }
	var labels []spot
	skipped := 0
	crowded := func(x, y, w float64) bool {
		for _, s := range labels {
			if math.Abs(s.y-y) < dLabelSpace && math.Abs(s.x-x) < (s.w+w)/2 {
				return true
			}
		}
		return false
	}
	b.WriteString(`<g class="messages">` + "\n")
	for _, m := range d.msgs {
		x0, y0 := d.laneX(m.from), d.yOf(m.at)
		x1 := d.laneX(m.to)
		bad := m.corrupt
		fmt.Fprintf(b, `<g class="msg"><title>%s: %s to %s, sent at %s%s</title>`+"\n", esc(m.label), esc(d.lanes[m.from]), esc(d.lanes[m.to]), fmtTime(m.at), fateText(m))
		// The first arrow carries the label and the network's marks; its
		// end is the first arrival, or the cross of a lost message.
		var ex, ey float64
		if m.dropped {
			ex, ey = x0+(x1-x0)*0.5, d.yOf(m.at+d.median/2)
			fmt.Fprintf(b, `<line class="lost" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#d62728" stroke-width="1.3"/>`+"\n", f(x0), f(y0), f(ex), f(ey))
			fmt.Fprintf(b, `<path class="drop" d="M%s,%s L%s,%s M%s,%s L%s,%s" stroke="#d62728" stroke-width="2.5"><title>lost: %s</title></path>`+"\n",
				f(ex-6), f(ey-6), f(ex+6), f(ey+6), f(ex-6), f(ey+6), f(ex+6), f(ey-6), esc(m.dropReason))
		}
		for k, a := range m.arrivals {
			ay := d.yOf(a.at)
			class, stroke, head, dash := "arrow", "#1f3b73", "head", ""
			if bad {
				stroke, head = "#d9822b", "head-bad"
			}
			if a.discard {
				class, stroke, head, dash = "arrow discarded", "#888888", "head-gone", ` stroke-dasharray="4,3"`
			}
			fmt.Fprintf(b, `<line class="%s" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.3" marker-end="url(#%s)"%s/>`+"\n",
				class, f(x0), f(y0), f(x1), f(ay), stroke, head, dash)
			if a.discard {
				fmt.Fprintf(b, `<g class="discard"><circle cx="%s" cy="%s" r="5" fill="#ffffff" stroke="#888888" stroke-width="1.5"/><path d="M%s,%s L%s,%s" stroke="#888888" stroke-width="1.5"/></g>`+"\n",
					f(x1), f(ay), f(x1-3.5), f(ay+3.5), f(x1+3.5), f(ay-3.5))
			}
			if k == 0 && !m.dropped {
				ex, ey = x1, ay
			}
		}
		if len(m.arrivals) == 0 && !m.dropped {
			// Still in flight when the run (or the window) ended.
			ex, ey = x0+(x1-x0)*0.5, y0+dRise/2
			fmt.Fprintf(b, `<line class="arrow inflight" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#1f3b73" stroke-dasharray="2,3"/>`+"\n", f(x0), f(y0), f(ex), f(ey))
		}
		// Marks sit a quarter of the way along: the network decides a
		// message's fate when it is sent.
		mx, my := x0+(ex-x0)*0.25, y0+(ey-y0)*0.25
		dir := 1.0
		if x1 < x0 {
			dir = -1
		}
		for _, mk := range []struct {
			on    bool
			class string
			svg   string
		}{
			{m.duplicate, "duplicate", `<circle cx="%[1]s" cy="%[2]s" r="6" fill="#ffffff" stroke="#17becf" stroke-width="1.5"/><text x="%[1]s" y="%[3]s" text-anchor="middle" font-size="9" font-weight="bold" fill="#17becf">2</text>`},
			{m.corrupt, "corrupt", `<path d="M%[1]s,%[4]s L%[5]s,%[2]s L%[1]s,%[6]s L%[7]s,%[2]s z" fill="#d9822b"/>`},
			{m.reorder, "reorder", `<path d="M%[1]s,%[4]s L%[5]s,%[6]s L%[7]s,%[6]s z" fill="#9467bd"/>`},
		} {
			if !mk.on {
				continue
			}
			svg := fmt.Sprintf(mk.svg, f(mx), f(my), f(my+3), f(my-6), f(mx+6), f(my+6), f(mx-6))
			fmt.Fprintf(b, `<g class="%s">%s</g>`+"\n", mk.class, svg)
			mx += 15 * dir
		}
		if m.label != "" {
			lx, ly := x0+(ex-x0)*0.55, y0+(ey-y0)*0.55
			text := fit(m.label, 28)
			// The label's width along x; a steep arrow's label is narrow.
			w := float64(len([]rune(text))) * dCharW * math.Abs(math.Cos(math.Atan2(ey-y0, ex-x0)))
			if crowded(lx, ly, w) {
				skipped++
			} else {
				labels = append(labels, spot{lx, ly, w})
				angle := math.Atan2(ey-y0, ex-x0) * 180 / math.Pi
				if angle > 90 {
					angle -= 180
				} else if angle < -90 {
					angle += 180
				}
				fmt.Fprintf(b, `<text class="lbl msglabel" x="%s" y="%s" text-anchor="middle" transform="rotate(%s %s %s)" dy="-3">%s</text>`+"\n",
					f(lx), f(ly), f(angle), f(lx), f(ly), esc(text))
			}
		}
		b.WriteString("</g>\n")
	}
	b.WriteString("</g>\n")
	if skipped > 0 {
		d.captions = append(d.captions, fmt.Sprintf("%d message labels are left out where arrows crowd; hover over an arrow to read it.", skipped))
	}
}

// fateText says what the network did to a message, for its tooltip.
func fateText(m dMsg) string {
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

// legendItems are the legend's texts, in order.
var legendItems = []string{"message", "lost", "duplicated", "corrupted", "reordered", "at a down node", "node down", "timer fired"}

// legendStep is the width of a legend item.
func legendStep(text string) float64 { return 34 + float64(len([]rune(text)))*5.6 + 18 }

// legendWidth is the width of the whole legend.
func legendWidth() float64 {
	w := 12.0
	for _, t := range legendItems {
		w += legendStep(t)
	}
	return w
}

// wrap breaks s into lines of at most n characters, at spaces.
func wrap(s string, n int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len([]rune(line))+1+len([]rune(word)) > n {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}

// renderLegend draws one example of each mark.
func (d *diagram) renderLegend(b *strings.Builder, y float64) {
	b.WriteString(`<g class="legend" font-size="10" fill="#444444">` + "\n")
	x := 12.0
	item := func(svg, text string) {
		b.WriteString(fmt.Sprintf(svg, f(x), f(y), f(x+10), f(y-4), f(y+4), f(x+20)))
		fmt.Fprintf(b, `<text x="%s" y="%s">%s</text>`+"\n", f(x+34), f(y+4), esc(text))
		x += legendStep(text)
	}
	item(`<line x1="%[1]s" y1="%[4]s" x2="%[6]s" y2="%[5]s" stroke="#1f3b73" stroke-width="1.3" marker-end="url(#head)"/>`+"\n", "message")
	item(`<path d="M%[1]s,%[4]s L%[6]s,%[5]s M%[1]s,%[5]s L%[6]s,%[4]s" stroke="#d62728" stroke-width="2.5"/>`+"\n", "lost")
	item(`<circle cx="%[3]s" cy="%[2]s" r="6" fill="#ffffff" stroke="#17becf" stroke-width="1.5"/>`+"\n", "duplicated")
	item(`<path d="M%[3]s,%[4]s L%[6]s,%[2]s L%[3]s,%[5]s L%[1]s,%[2]s z" fill="#d9822b"/>`+"\n", "corrupted")
	item(`<path d="M%[3]s,%[4]s L%[6]s,%[5]s L%[1]s,%[5]s z" fill="#9467bd"/>`+"\n", "reordered")
	item(`<circle cx="%[3]s" cy="%[2]s" r="5" fill="#ffffff" stroke="#888888" stroke-width="1.5"/>`+"\n", "at a down node")
	item(`<rect x="%[1]s" y="%[4]s" width="20" height="8" fill="#d62728" fill-opacity="0.18" stroke="#d62728"/>`+"\n", "node down")
	item(`<circle cx="%[3]s" cy="%[2]s" r="3.5" fill="#ffffff" stroke="#7f7f7f"/>`+"\n", "timer fired")
	b.WriteString("</g>\n")
}
