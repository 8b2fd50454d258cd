package diagram

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// The time map: from virtual time to y, linear where things happen,
// with quiet stretches shortened and room made for notes.

// knot is one point of the piecewise-linear map from time to y.
type knot struct {
	t sim.Time
	y float64
}

// layoutTime builds the map from time to y: linear where things happen,
// with quiet stretches longer than maxGap shortened to breakH, so that
// milliseconds of traffic and seconds of waiting both stay readable; and
// pushed down where the notes of one lane side would otherwise run into
// each other.
func (l *layout) layoutTime() {
	m := l.m
	l.median = medianDelay(m)
	times := l.times()
	l.slope = rise / float64(l.median)
	if g := medianSendGap(m); g > 0 {
		// Sends that come faster than the network delivers them are
		// spread out enough to be told apart and labelled.
		l.slope = math.Max(l.slope, sendSpacing/float64(g))
	}
	byTime := map[sim.Time][]*note{} // looked up only
	for _, n := range l.notes {
		byTime[n.at] = append(byTime[n.at], n)
	}
	type slot struct {
		lane int
		side float64
	}
	free := map[slot]float64{} // the first y a slot's next note may use; looked up only
	fan := l.fanOut()
	y := marginTop
	l.knots = []knot{{m.from, y}}
	prev := m.from
	next := y // the first y the next instant may use
	for _, t := range times {
		if t > prev {
			dy := float64(t-prev) * l.slope
			if dy > maxGap {
				// The band of idle time starts below the sends and
				// arrivals spread out below the instant before it: an
				// arrow crosses the band only while it is in flight
				// across the idle time.
				start := math.Max(y, next)
				l.breaks = append(l.breaks, knot{prev, start}, knot{t, start + breakH})
				dy = start + breakH - y
			} else if f := l.stretch[prev]; f > 1 {
				dy *= f
			}
			y = math.Max(y+dy, next)
		}
		notes := byTime[t]
		shift := 0.0
		for _, n := range notes {
			shift = math.Max(shift, free[slot{n.lane, n.side}]-(y-noteLift(n)))
		}
		y += shift
		// The sends and arrivals spread out below this instant keep the
		// next instant below them.
		next = y + fan[t]
		stack := map[slot]float64{} // looked up only
		for _, n := range notes {
			s := slot{n.lane, n.side}
			n.stack = stack[s]
			stack[s] += n.h + stackGap
			free[s] = y - noteLift(n) + stack[s]
		}
		if t > prev || shift > 0 {
			if t == prev {
				l.knots[len(l.knots)-1].y = y
			} else {
				l.knots = append(l.knots, knot{t, y})
			}
		}
		prev = t
	}
	l.fitHeight(y)
	if len(l.breaks) > 0 {
		l.captions = append(l.captions, fmt.Sprintf("Idle time compressed: %d quiet stretches longer than %s are drawn short; the ≈ marks on the time axis say how long each was.",
			len(l.breaks)/2, fmtTime(sim.Time(maxGap/l.slope))))
	}
}

// fitHeight scales the time map down when the diagram, whose last
// instant is at y, would be taller than maxHeight, and says so in a
// caption.
func (l *layout) fitHeight(y float64) {
	h := y - marginTop
	if h <= maxHeight {
		return
	}
	f := maxHeight / h
	for k := range l.knots {
		l.knots[k].y = marginTop + (l.knots[k].y-marginTop)*f
	}
	for k := range l.breaks {
		l.breaks[k].y = marginTop + (l.breaks[k].y-marginTop)*f
	}
	l.slope *= f
	l.scaled = true
	l.captions = append(l.captions, fmt.Sprintf("Drawn at %.0f%% of the usual scale to stay under %.0f px; --from and --to draw a part at full scale.", f*100, maxHeight))
}

// fanOut returns, for each instant at which a node sends (or receives)
// several messages, the room their arrows (and the crosses of the lost
// ones) need below it.
func (l *layout) fanOut() map[sim.Time]float64 {
	out := map[sim.Time]float64{} // looked up only
	room := func(t sim.Time, slot int) {
		if h := float64(slot)*slotGap + 4; slot > 0 && h > out[t] {
			out[t] = h
		}
	}
	for _, ms := range l.m.msgs {
		room(ms.at, ms.slot)
		if ms.dropped {
			// The cross of a lost message is as far below its
			// instant as its send is below the send's.
			room(ms.at+l.median/2, ms.slot)
		}
		for _, a := range ms.arrivals {
			room(a.at, a.slot)
		}
	}
	return out
}

// medianDelay is the median one-way delay of the delivered copies, which
// sets the scale and places a lost message's cross.
func medianDelay(m *model) sim.Time {
	var delays []sim.Time
	for _, ms := range m.msgs {
		for _, a := range ms.arrivals {
			if !a.discard {
				delays = append(delays, a.at-ms.at)
			}
		}
	}
	sort.Slice(delays, func(a, b int) bool { return delays[a] < delays[b] })
	var med sim.Time
	if len(delays) > 0 {
		med = delays[len(delays)/2]
	}
	if med <= 0 {
		// No delivered message to learn the scale from: a twentieth of
		// the drawn time, or a millisecond.
		med = max(sim.Time(time.Millisecond), (m.end-m.from)/20)
	}
	return med
}

// medianSendGap is the median time between a node's consecutive sends
// (at different instants), or 0 when there are too few to tell.
func medianSendGap(m *model) sim.Time {
	last := map[int]sim.Time{} // lane -> its last send; looked up only
	var gaps []sim.Time
	for _, ms := range m.msgs {
		if t, ok := last[ms.from]; ok && ms.at > t {
			gaps = append(gaps, ms.at-t)
		}
		last[ms.from] = ms.at
	}
	if len(gaps) < 4 {
		return 0
	}
	sort.Slice(gaps, func(a, b int) bool { return gaps[a] < gaps[b] })
	return gaps[len(gaps)/2]
}

// times lists, in order and once each, every instant the diagram draws
// something at.
func (l *layout) times() []sim.Time {
	m := l.m
	ts := []sim.Time{m.from, m.end}
	for _, ms := range m.msgs {
		ts = append(ts, ms.at)
		for _, a := range ms.arrivals {
			ts = append(ts, a.at)
		}
		if ms.dropped {
			ts = append(ts, ms.at+l.median/2)
		}
	}
	for _, ks := range [][]mark{m.timers, m.faults} {
		for _, k := range ks {
			ts = append(ts, k.at)
		}
	}
	for _, b := range m.bands {
		ts = append(ts, b.from, b.to)
	}
	for _, n := range l.notes {
		ts = append(ts, n.at)
	}
	sort.Slice(ts, func(a, b int) bool { return ts[a] < ts[b] })
	out := ts[:0]
	for i, t := range ts {
		if (i == 0 || t != ts[i-1]) && t >= m.from {
			out = append(out, t)
		}
	}
	return out
}

// yOf maps a virtual time to its y coordinate.
func (l *layout) yOf(t sim.Time) float64 {
	k := sort.Search(len(l.knots), func(i int) bool { return l.knots[i].t >= t })
	switch {
	case k < len(l.knots) && l.knots[k].t == t:
		return l.knots[k].y
	case k == 0:
		return l.knots[0].y - float64(l.knots[0].t-t)*l.slope
	case k == len(l.knots):
		last := l.knots[len(l.knots)-1]
		return last.y + float64(t-last.t)*l.slope
	}
	a, b := l.knots[k-1], l.knots[k]
	return a.y + (b.y-a.y)*float64(t-a.t)/float64(b.t-a.t)
}
