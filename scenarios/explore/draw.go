package explore

import (
	"math"
	"sort"
	"time"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

// Schedule is what one seed drew from the explore block: the network's
// parameters and the faults, which come on top of the scenario's own.
type Schedule struct {
	Seed uint64
	// Network holds a value per key of explore.network, in the block's
	// order: a probability, or a duration in nanoseconds.
	Network []Draw
	// Units are the drawn faults, in the order drawn.
	Units []Unit
}

// Unit is one drawn fault with the fault that undoes it, if any: a crash
// and its restart, a block and its unblock, or a partition alone (it
// heals itself at its heal_at). Shrinking drops, moves and shortens a
// unit as a whole.
type Unit struct {
	Faults []scenarios.Fault
	// Template is the index of the explore.faults entry the unit was
	// drawn from, or -1 for a unit of explore.crash or explore.partition.
	Template int
}

// Faults returns the schedule's faults, in the order drawn.
func (s Schedule) Faults() []scenarios.Fault {
	var out []scenarios.Fault
	for _, u := range s.Units {
		out = append(out, u.Faults...)
	}
	return out
}

// Draw is one drawn network parameter.
type Draw struct {
	scenarios.NetworkRange
	Value float64
}

// draw draws seed's schedule. Every seed consumes the same numbers of the
// stream whatever it draws, so that the faults do not shift when a range
// changes; a drawn fault that cannot happen (its node is down then, or it
// overlaps one of the scenario's faults on that node) is left out.
func (e *Explorer) draw(seed uint64) Schedule {
	rng := sim.NewRand(seed, "explore")
	s := Schedule{Seed: seed}
	for _, r := range e.plan.Network {
		x := r.Min + rng.Float64()*(r.Max-r.Min)
		if r.Duration {
			x = math.Round(x/float64(time.Millisecond)) * float64(time.Millisecond)
		} else {
			x = math.Round(x*1000) / 1000
		}
		s.Network = append(s.Network, Draw{r, x})
	}
	busy := e.down.clone()
	if c := e.plan.Crash; c.Max > 0 {
		for _, node := range c.Nodes {
			k := rng.IntN(c.Max + 1)
			for j := 0; j < c.Max; j++ {
				at := e.instant(rng)
				down := drawDuration(rng, c.Downtime)
				if j >= k {
					continue
				}
				back := at + max(down, time.Millisecond)
				if busy.overlaps(node, at, back) {
					continue
				}
				busy.add(node, at, back)
				s.Units = append(s.Units, Unit{Template: -1, Faults: []scenarios.Fault{
					{At: at, Kind: "crash", Node: node},
					{At: back, Kind: "restart", Node: node}}})
			}
		}
	}
	if p := e.plan.Partition; p.Max > 0 {
		nodes := p.Nodes
		if len(nodes) == 0 {
			nodes = e.nodes
		}
		k := rng.IntN(p.Max + 1)
		for j := 0; j < p.Max; j++ {
			at := e.instant(rng)
			dur := max(drawDuration(rng, p.Duration), time.Millisecond)
			side := make([]int, len(nodes))
			for i := range side {
				side[i] = rng.IntN(2)
			}
			flip := rng.IntN(len(nodes))
			if j >= k {
				continue
			}
			same := true
			for _, x := range side {
				same = same && x == side[0]
			}
			if same {
				side[flip] = 1 - side[flip]
			}
			groups := [][]string{{}, {}}
			for i, n := range nodes {
				groups[side[i]] = append(groups[side[i]], n)
			}
			s.Units = append(s.Units, Unit{Template: -1, Faults: []scenarios.Fault{
				{At: at, Kind: "partition", Groups: groups, HealAt: at + dur, HasHeal: true}}})
		}
	}
	for j, fp := range e.plan.Faults {
		s.Units = append(s.Units, e.drawFaults(rng, j, fp)...)
	}
	return s
}

// drawFaults draws the faults of explore.faults entry j: 0 to fp.Max
// copies of its fault at drawn instants, each followed by the fault that
// undoes it when its kind has one. Like the other draws, it consumes as
// many numbers whatever it draws.
func (e *Explorer) drawFaults(rng *sim.Rand, j int, fp scenarios.FaultPlan) []Unit {
	var out []Unit
	span := e.span
	if fp.HasAt {
		span = fp.At
	}
	k := rng.IntN(fp.Max + 1)
	for m := 0; m < fp.Max; m++ {
		at := instantIn(rng, span)
		dur := max(drawDuration(rng, fp.Duration), time.Millisecond)
		if m >= k {
			continue
		}
		f := fp.Fault
		f.Pos, f.At = scenarios.Pos{}, at
		u := Unit{Template: j, Faults: []scenarios.Fault{f}}
		if fp.Undo != "" {
			undo := f
			undo.Kind, undo.At = fp.Undo, at+dur
			u.Faults = append(u.Faults, undo)
		}
		out = append(out, u)
	}
	return out
}

// instant draws an instant within the workload's span, to the
// millisecond.
func (e *Explorer) instant(rng *sim.Rand) time.Duration { return instantIn(rng, e.span) }

// instantIn draws an instant within span, to the millisecond.
func instantIn(rng *sim.Rand, span [2]time.Duration) time.Duration {
	from, to := span[0], span[1]
	at := from + time.Duration(rng.Int63n(int64(to-from)+1))
	return at.Round(time.Millisecond)
}

// drawDuration draws a duration in r, to the millisecond.
func drawDuration(rng *sim.Rand, r [2]time.Duration) time.Duration {
	d := r[0] + time.Duration(rng.Int63n(int64(r[1]-r[0])+1))
	return d.Round(time.Millisecond)
}

// workloadSpan is from the first row to the last message of the last
// row, a program's rows included: from its start to its until (or the
// run's max_time).
func workloadSpan(sc *scenarios.Scenario) [2]time.Duration {
	var span [2]time.Duration
	first := true
	add := func(from, to time.Duration) {
		if first || from < span[0] {
			span[0] = from
		}
		span[1] = max(span[1], to)
		first = false
	}
	for _, st := range sc.Workload {
		end := st.At
		if st.Count > 1 {
			end += time.Duration(st.Count-1) * st.Interval
		}
		add(st.At, end)
	}
	for _, p := range sc.Programs {
		add(p.Start, max(p.Start, min(p.Until, sc.Limits.MaxTime)))
	}
	return span
}

// downTimes are, per node, the intervals in which some run of the
// scenario has it down (from a crash to its restart, or to the end), and
// the drawn crashes so far.
type downTimes map[string][][2]time.Duration

// forever is the end of a crash that is never followed by a restart.
const forever = time.Duration(math.MaxInt64)

// busy returns the intervals in which the scenario's own faults, in any
// of its variants, have each node down.
func (e *Explorer) busy() downTimes {
	d := downTimes{}
	for _, sc := range e.runScenarios() {
		faults := append([]scenarios.Fault(nil), sc.Faults...)
		sort.SliceStable(faults, func(i, j int) bool { return faults[i].At < faults[j].At })
		down := map[string]time.Duration{}
		for _, f := range faults {
			switch f.Kind {
			case "crash":
				down[f.Node] = f.At
			case "restart":
				if at, ok := down[f.Node]; ok {
					d.add(f.Node, at, f.At)
					delete(down, f.Node)
				}
			}
		}
		for node, at := range down {
			d.add(node, at, forever)
		}
	}
	return d
}

// clone returns a copy that add does not change d through.
func (d downTimes) clone() downTimes {
	out := downTimes{}
	for k, v := range d {
		out[k] = append([][2]time.Duration(nil), v...)
	}
	return out
}

func (d downTimes) add(node string, from, to time.Duration) {
	d[node] = append(d[node], [2]time.Duration{from, to})
}

// overlaps reports whether [from, to] touches a down interval of node.
func (d downTimes) overlaps(node string, from, to time.Duration) bool {
	for _, iv := range d[node] {
		if from <= iv[1] && iv[0] <= to {
			return true
		}
	}
	return false
}

// applyNetwork sets the drawn parameters on a network's default link.
func applyNetwork(p *netmodel.Params, draws []Draw) {
	for _, d := range draws {
		switch d.Key {
		case "loss":
			p.Loss = d.Value
		case "duplicate":
			p.Duplicate = d.Value
		case "reorder":
			p.Reorder = d.Value
		case "corrupt":
			p.Corrupt = d.Value
		case "delay":
			p.Delay = netmodel.Delay{Kind: netmodel.Constant, Value: time.Duration(d.Value)}
		case "reorder_delay":
			p.ReorderDelay = time.Duration(d.Value)
		}
	}
}
