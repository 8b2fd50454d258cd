package explore

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// candidate is a counterexample being shrunk.
type candidate struct {
	// rows are the workload rows kept, by index in the scenario's
	// Workload; programs the program rows kept, by index in its
	// Programs.
	rows, programs []int
	// faults are the run's own faults kept (the file's, then the
	// variant's), by index.
	faults []int
	// drawn are the drawn network values; units the drawn faults.
	drawn []Draw
	units []Unit
}

func (c candidate) clone() candidate {
	out := candidate{rows: append([]int(nil), c.rows...), programs: append([]int(nil), c.programs...),
		faults: append([]int(nil), c.faults...), drawn: append([]Draw(nil), c.drawn...)}
	for _, u := range c.units {
		out.units = append(out.units, Unit{Template: u.Template, Faults: append([]scenarios.Fault(nil), u.Faults...)})
	}
	return out
}

func (c candidate) faultCount() int {
	n := len(c.faults)
	for _, u := range c.units {
		n += len(u.Faults)
	}
	return n
}

// target is the run a counterexample must break: its invariant, system
// and variant, and the seed of its world.
type target struct {
	seed                       uint64
	invariant, system, variant string
}

// shrinker takes one violation down to a small counterexample. It tries
// one edit of the candidate at a time, simplest first, and keeps an edit
// when the edited file still breaks the invariant; it stops when a whole
// pass keeps nothing, or when it has run its cap of candidates (Explorer.
// ShrinkRuns), which bounds the time one violation may take.
type shrinker struct {
	e   *Explorer
	t   target
	own *scenarios.Scenario
	c   candidate
	// msg is the current candidate's violation message.
	msg string
	// runs counts the candidates run, the first (the whole schedule)
	// included; capped says the cap stopped the shrinking.
	runs   int
	capped bool
	// first is the whole schedule's trial; maxEvents the bound of a
	// candidate's run.
	first     trial
	maxEvents uint64
}

// shrink takes the violation v of schedule s down to a small scenario:
// fewer drawn faults, scenario faults and workload rows, then rounder
// network values, shorter and rounder downtimes and partitions, and
// earlier, rounder fault times.
func (e *Explorer) shrink(s Schedule, v report.Violation) (*Finding, error) {
	sh := &shrinker{e: e, t: target{seed: s.Seed, invariant: v.Invariant, system: v.System, variant: v.Variant},
		own: e.runScenario(v.Variant), runs: 1}
	sh.c = candidate{drawn: append([]Draw(nil), s.Network...), units: candidate{units: s.Units}.clone().units}
	sh.c.rows, sh.c.programs = e.allRows()
	for i := range sh.own.Faults {
		sh.c.faults = append(sh.c.faults, i)
	}
	sh.first = e.breaks(sh.t, sh.c, 0)
	if !sh.first.ok {
		return nil, fmt.Errorf("the drawn schedule, written as a scenario file, does not break %s again (a bug of sim explore)", v.Invariant)
	}
	sh.msg = sh.first.msg
	// A candidate that takes far more events than the schedule did is
	// stopped early: it is not a smaller counterexample, and a run of an
	// hour of retransmissions would cost more than the whole search.
	sh.maxEvents = 4*sh.first.events + 10_000
	for sh.pass() {
	}
	text, err := e.render(sh.t, sh.c, sh.msg)
	if err != nil {
		return nil, err
	}
	return &Finding{Seed: s.Seed, Invariant: v.Invariant, System: v.System, Variant: v.Variant,
		Message: sh.msg, Scenario: text, Rows: len(sh.c.rows) + len(sh.c.programs), Faults: sh.c.faultCount(),
		ShrinkRuns: sh.runs, ShrinkCapped: sh.capped}, nil
}

// pass tries every kind of edit once and reports whether it kept one
// and may go on.
func (sh *shrinker) pass() bool {
	changed := sh.dropUnits()
	changed = sh.dropOwnFaults() || changed
	changed = sh.dropRows() || changed
	changed = sh.simplifyNetwork() || changed
	changed = sh.simplifyUnits() || changed
	return changed && !sh.capped
}

// accept runs next and makes it the candidate when it still breaks the
// invariant.
func (sh *shrinker) accept(next candidate) bool {
	if sh.runs >= sh.e.ShrinkRuns {
		sh.capped = true
		return false
	}
	sh.runs++
	r := sh.e.breaks(sh.t, next, sh.maxEvents)
	// A smaller scenario whose run stops at its bound (a lost unblock that
	// leaves a client retrying for an hour) would be a worse
	// counterexample, not a smaller one.
	if !r.ok || (r.bound && !sh.first.bound) {
		return false
	}
	sh.c, sh.msg = next, r.msg
	return true
}

// dropUnits tries the candidate without each drawn fault (with the fault
// that undoes it), the last drawn first.
func (sh *shrinker) dropUnits() bool {
	changed := false
	for i := len(sh.c.units) - 1; i >= 0 && i < len(sh.c.units); i-- {
		next := sh.c.clone()
		next.units = append(next.units[:i], next.units[i+1:]...)
		changed = sh.accept(next) || changed
	}
	return changed
}

// dropOwnFaults tries the candidate without each of the scenario's own
// faults: one, or one with the fault that undoes it (a restart, an
// unblock).
func (sh *shrinker) dropOwnFaults() bool {
	changed := false
	for i := len(sh.c.faults) - 1; i >= 0 && i < len(sh.c.faults); i-- {
		next := sh.c.clone()
		next.faults = append(next.faults[:i], next.faults[i+1:]...)
		if sh.accept(next) {
			changed = true
			continue
		}
		if j := partner(sh.own.Faults, sh.c.faults, i); j > i {
			next := sh.c.clone()
			next.faults = append(append(next.faults[:i:i], next.faults[i+1:j]...), next.faults[j+1:]...)
			changed = sh.accept(next) || changed
		}
	}
	return changed
}

// allRows lists every row of the scenario: its Workload's, then its
// Programs', by index.
func (e *Explorer) allRows() (rows, programs []int) {
	for i := range e.base.Workload {
		rows = append(rows, i)
	}
	for i := range e.base.Programs {
		programs = append(programs, i)
	}
	return rows, programs
}

// dropRows tries the candidate without each program row, then without
// each whole open-to-close session, then without each row, the last
// first.
func (sh *shrinker) dropRows() bool {
	changed := false
	for i := len(sh.c.programs) - 1; i >= 0 && i < len(sh.c.programs); i-- {
		next := sh.c.clone()
		next.programs = append(next.programs[:i], next.programs[i+1:]...)
		changed = sh.accept(next) || changed
	}
	for i := len(sh.c.rows) - 1; i >= 0 && i < len(sh.c.rows); i-- {
		if drop := sh.e.session(sh.c.rows, i); len(drop) > 1 {
			changed = sh.accept(sh.c.without(drop)) || changed
		}
	}
	for i := len(sh.c.rows) - 1; i >= 0 && i < len(sh.c.rows); i-- {
		changed = sh.accept(sh.c.without([]int{i})) || changed
	}
	return changed
}

// simplifyNetwork tries simpler values of each drawn network parameter
// (see roundings): none at all, then rounder and smaller ones.
func (sh *shrinker) simplifyNetwork() bool {
	changed := false
	for i := range sh.c.drawn {
		d := sh.c.drawn[i]
		unit, least := 1e-3, 0.0
		if d.Duration {
			unit = float64(time.Millisecond)
			if d.Key == "delay" {
				// A delay of 0 is no simpler a network than the
				// range's least delay.
				least = d.Min
			}
		}
		for _, x := range roundings(gridValue(d.Value, unit), gridValue(least, unit), false) {
			next := sh.c.clone()
			next.drawn[i].Value = onGrid(x, unit)
			if sh.accept(next) {
				changed = true
				break
			}
		}
	}
	return changed
}

// simplifyUnits tries, for each drawn fault, a shorter and rounder time
// until it is undone (a downtime, a partition's or a block's duration),
// then an earlier and rounder start, the undoing fault moved with it.
func (sh *shrinker) simplifyUnits() bool {
	changed := false
	for i := range sh.c.units {
		if d, ok := length(sh.c.units[i]); ok {
			for _, x := range roundings(int64(d/time.Millisecond), 1, false) {
				next := sh.c.clone()
				setLength(&next.units[i], time.Duration(x)*time.Millisecond)
				if sh.accept(next) {
					changed = true
					break
				}
			}
		}
		at := sh.c.units[i].Faults[0].At
		for _, x := range roundings(int64(at/time.Millisecond), 0, true) {
			next := sh.c.clone()
			shift(&next.units[i], time.Duration(x)*time.Millisecond-at)
			if sh.accept(next) {
				changed = true
				break
			}
		}
	}
	return changed
}

// length is how long unit u lasts until it is undone: a crash's
// downtime, a partition's or a block's duration; false for a fault that
// is not undone.
func length(u Unit) (time.Duration, bool) {
	switch f := u.Faults[0]; {
	case len(u.Faults) == 2:
		return u.Faults[1].At - f.At, true
	case f.HasHeal:
		return f.HealAt - f.At, true
	}
	return 0, false
}

// setLength makes unit u last d.
func setLength(u *Unit, d time.Duration) {
	f := &u.Faults[0]
	if len(u.Faults) == 2 {
		u.Faults[1].At = f.At + d
	} else if f.HasHeal {
		f.HealAt = f.At + d
	}
}

// shift moves every instant of unit u by delta.
func shift(u *Unit, delta time.Duration) {
	for i := range u.Faults {
		f := &u.Faults[i]
		f.At += delta
		if f.HasHeal {
			f.HealAt += delta
		}
	}
}

// without returns c without the rows at positions drop (indexes into
// c.rows, in increasing order).
func (c candidate) without(drop []int) candidate {
	next := c.clone()
	next.rows = next.rows[:0]
	for i, r := range c.rows {
		if len(drop) > 0 && drop[0] == i {
			drop = drop[1:]
			continue
		}
		next.rows = append(next.rows, r)
	}
	return next
}

// session returns the positions in rows of the session that the row at
// position i opens (the open, then every later row of its client and fd
// up to its close), or just i.
func (e *Explorer) session(rows []int, i int) []int {
	st := &e.base.Workload[rows[i]]
	if st.FD == "" || (st.Op != "open" && st.Op != "create") {
		return []int{i}
	}
	out := []int{i}
	for j := i + 1; j < len(rows); j++ {
		o := &e.base.Workload[rows[j]]
		if o.Client != st.Client || o.FD != st.FD {
			continue
		}
		if o.Op == "open" || o.Op == "create" {
			break
		}
		out = append(out, j)
		if o.Op == "close" {
			break
		}
	}
	return out
}

// partner is the position in kept of the fault that undoes kept[i] (the
// restart of a crash, the unblock of a block), or -1.
func partner(all []scenarios.Fault, kept []int, i int) int {
	f := &all[kept[i]]
	kind := scenarios.LookupFaultKind(f.Kind)
	if kind == nil || kind.Undo == "" {
		return -1
	}
	for j := i + 1; j < len(kept); j++ {
		g := &all[kept[j]]
		if g.Kind == kind.Undo && g.Node == f.Node && g.From == f.From && g.To == f.To {
			return j
		}
	}
	return -1
}
