package diagram

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/sim"
)

// model is what a diagram shows, in virtual time, before any layout: the
// trace records of the lanes and the window that are drawn.
type model struct {
	title string
	// lanes are the nodes drawn, in order; laneOf maps a node ID to its
	// lane (-1: not drawn).
	lanes  []string
	laneOf []int
	// clients are the lanes with workload rows.
	clients []bool
	from    sim.Time // the window's start
	end     sim.Time // the last instant drawn
	msgs    []msg
	bands   []band
	timers  []mark
	faults  []mark
	steps   []stepMark
	states  []stateBox
	// captions say what was left out.
	captions []string
}

// msg is one message: its send and what became of its copies.
type msg struct {
	rec        int // the send record
	id         uint64
	from, to   int // lanes
	at         sim.Time
	label      string
	dropped    bool
	dropReason string
	dropRec    int
	duplicate  bool
	corrupt    bool
	reorder    bool
	marks      []int // the duplicate, corrupt and reorder records
	arrivals   []arrival
	// slot counts the messages sent before this one from the same node
	// at the same instant: simultaneous sends are drawn a little apart.
	slot int
}

// arrival is one copy reaching its destination.
type arrival struct {
	rec     int
	at      sim.Time
	discard bool // the node was down or had crashed since the send
	slot    int  // as msg.slot, among the arrivals at the node
}

// band is a stretch of a node's down time.
type band struct {
	lane     int
	from, to sim.Time
	open     bool // not restarted in the window
	// crashRec and upRec are the crash and restart records; -1 when the
	// crash came before the window, or no restart in it.
	crashRec, upRec int
}

// mark is a point event on a lane (a timer) or across every lane (a
// network fault).
type mark struct {
	rec   int
	lane  int
	at    sim.Time
	label string
}

// stepMark is a workload row on its client's lane: the call when it was
// made, and its result when it returned.
type stepMark struct {
	lane     int
	at       sim.Time
	call     string
	result   string // "" when there is none to show
	returned sim.Time
	// together: the result came back at once and is drawn with the call.
	together bool
}

// stateBox is what changed in one node's state at one instant.
type stateBox struct {
	lane int
	at   sim.Time
	recs []int // the records, first to last
	rows []stateRow
	lost bool // the crash forgot these (volatile) rows
}

// stateRow is one key of a state box: its new value ("" when gone).
type stateRow struct {
	key, value string
	durable    bool
}

// input is a run as the diagram reads it.
type input struct {
	res     *report.Result
	sys     *report.System
	names   []string
	records []sim.Record
}

// buildModel selects and collects what the diagram draws.
func buildModel(in input, opt Options) (*model, error) {
	m := &model{title: fmt.Sprintf("%s: %s (seed %d)", in.res.Scenario, in.sys.Label(), in.res.Seed)}
	if err := m.chooseLanes(in, opt.Nodes); err != nil {
		return nil, err
	}
	cut, total := m.window(in.records, opt)
	m.from = opt.From
	m.collectMessages(in.records, opt, cut)
	m.slotMessages()
	m.collectEvents(in.records, opt, cut)
	m.collectSteps(in.sys, opt, cut)
	if opt.Hide&HideState == 0 {
		m.collectStates(in.records, opt, cut)
	}
	if drawn := len(m.msgs); total > drawn && cut != sim.Time(math.MaxInt64) {
		m.captions = append(m.captions, fmt.Sprintf("Only the first %d of %d messages are drawn (what was sent before %s); the full trace is in trace-%s.jsonl, and --from/--to draw another window.",
			drawn, total, fmtTime(cut), in.sys.FileLabel()))
	}
	if m.end < m.from {
		m.end = m.from
	}
	return m, nil
}

// chooseLanes picks the lanes: the nodes asked for, in that order, or
// every node with the clients split around the others, so that the first
// and last lanes are clients whose rows can be written in the margins.
func (m *model) chooseLanes(in input, nodes []string) error {
	m.laneOf = make([]int, len(in.names))
	for i := range m.laneOf {
		m.laneOf[i] = -1
	}
	isClient := map[string]bool{}
	for _, st := range in.sys.Steps {
		for _, who := range []string{st.Client, st.From} {
			if who != "" {
				isClient[who] = true
			}
		}
	}
	var order []int
	if len(nodes) > 0 {
		for _, n := range nodes {
			id := indexOf(in.names, n)
			if id < 0 {
				return fmt.Errorf("diagram: no node %q in this run (it has %s)", n, strings.Join(in.names, ", "))
			}
			if m.laneOf[id] >= 0 {
				return fmt.Errorf("diagram: node %q is listed twice", n)
			}
			m.laneOf[id] = len(order)
			order = append(order, id)
		}
	} else {
		var clients, others []int
		for id, n := range in.names {
			if isClient[n] {
				clients = append(clients, id)
			} else {
				others = append(others, id)
			}
		}
		if n := len(clients) + len(others); n > MaxLanes {
			// The servers first, then the first clients: a run of a
			// thousand nodes would be a diagram 190,000 px wide.
			others = others[:min(len(others), MaxLanes)]
			clients = clients[:MaxLanes-len(others)]
			m.captions = append(m.captions, fmt.Sprintf("Only %d of the %d nodes are drawn, and the messages between them; --nodes chooses which.", MaxLanes, n))
		}
		half := (len(clients) + 1) / 2
		order = append(append(append(order, clients[:half]...), others...), clients[half:]...)
		for l, id := range order {
			m.laneOf[id] = l
		}
	}
	for _, id := range order {
		m.lanes = append(m.lanes, in.names[id])
		m.clients = append(m.clients, isClient[in.names[id]])
	}
	return nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// lane returns the lane of a node, or -1.
func (m *model) lane(id sim.NodeID) int {
	if id < 0 || int(id) >= len(m.laneOf) {
		return -1
	}
	return m.laneOf[id]
}

// shown reports whether a message record falls between two drawn lanes
// and is not hidden.
func (m *model) shown(r sim.Record, opt Options) bool {
	return m.lane(r.Node) >= 0 && m.lane(r.Peer) >= 0 && !opt.Hide.hides(r.Label)
}

// window returns the instant from which nothing more is drawn: the end of
// the time window, or the send of the message past MaxMessages; and how
// many messages the window holds.
func (m *model) window(recs []sim.Record, opt Options) (cut sim.Time, total int) {
	cut = sim.Time(math.MaxInt64)
	if opt.To > 0 {
		cut = opt.To + 1
	}
	last := cut
	for _, r := range recs {
		if r.Kind == sim.KindSend && r.At >= opt.From && r.At < last && m.shown(r, opt) {
			total++
			if total == opt.MaxMessages+1 {
				cut = r.At
			}
		}
	}
	return cut, total
}

// inWindow reports whether an instant is drawn.
func (m *model) inWindow(t sim.Time, opt Options, cut sim.Time) bool {
	return t >= opt.From && t < cut
}

// stretch moves the end of the diagram to cover t.
func (m *model) stretch(t sim.Time) {
	if t > m.end {
		m.end = t
	}
}

// collectMessages gathers the messages sent in the window and follows
// their copies to their arrival, even past the window's end.
func (m *model) collectMessages(recs []sim.Record, opt Options, cut sim.Time) {
	byID := map[uint64]int{} // looked up only
	for i, r := range recs {
		switch r.Kind {
		case sim.KindSend:
			if !m.inWindow(r.At, opt, cut) || !m.shown(r, opt) {
				continue
			}
			byID[r.Msg] = len(m.msgs)
			m.msgs = append(m.msgs, msg{rec: i, id: r.Msg, from: m.lane(r.Node), to: m.lane(r.Peer), at: r.At, label: r.Label, dropRec: -1})
			m.stretch(r.At)
		case sim.KindDrop, sim.KindDuplicate, sim.KindCorrupt, sim.KindReorder, sim.KindDeliver, sim.KindDiscard:
			k, ok := byID[r.Msg]
			if !ok {
				continue
			}
			ms := &m.msgs[k]
			switch r.Kind {
			case sim.KindDrop:
				ms.dropped, ms.dropReason, ms.dropRec = true, r.Info, i
			case sim.KindDuplicate:
				ms.duplicate = true
				ms.marks = append(ms.marks, i)
			case sim.KindCorrupt:
				ms.corrupt = true
				ms.marks = append(ms.marks, i)
			case sim.KindReorder:
				ms.reorder = true
				ms.marks = append(ms.marks, i)
			default:
				ms.arrivals = append(ms.arrivals, arrival{rec: i, at: r.At, discard: r.Kind == sim.KindDiscard})
				m.stretch(r.At)
			}
		}
	}
}

// slotMessages numbers the sends, and the arrivals, of each node at one
// instant, so that they are drawn apart.
func (m *model) slotMessages() {
	type key struct {
		lane int
		at   sim.Time
	}
	sends, arrivals := map[key]int{}, map[key]int{} // looked up only
	for k := range m.msgs {
		ms := &m.msgs[k]
		ms.slot = sends[key{ms.from, ms.at}]
		sends[key{ms.from, ms.at}]++
	}
	// Arrivals are numbered in the order they happen: by record.
	type ref struct{ msg, arr, rec int }
	var all []ref
	for k, ms := range m.msgs {
		for j, a := range ms.arrivals {
			all = append(all, ref{k, j, a.rec})
		}
	}
	sort.Slice(all, func(a, b int) bool { return all[a].rec < all[b].rec })
	for _, r := range all {
		a := &m.msgs[r.msg].arrivals[r.arr]
		kk := key{m.msgs[r.msg].to, a.at}
		a.slot = arrivals[kk]
		arrivals[kk]++
	}
}

// collectEvents gathers down times, timers and network faults.
func (m *model) collectEvents(recs []sim.Record, opt Options, cut sim.Time) {
	m.collectBands(recs, opt, cut)
	for i, r := range recs {
		if r.At >= cut {
			break
		}
		if r.At < opt.From {
			continue
		}
		l := m.lane(r.Node)
		switch {
		case r.Kind == sim.KindTimer && l >= 0 && opt.Hide&HideTimers == 0:
			m.timers = append(m.timers, mark{rec: i, lane: l, at: r.At})
			m.stretch(r.At)
		case r.Kind == sim.KindFault && r.Label != "crash" && r.Label != "restart" && opt.Hide&HideFaults == 0:
			// Crashes and restarts have their own records and bands.
			m.faults = append(m.faults, mark{rec: i, lane: -1, at: r.At, label: strings.TrimSpace(r.Label + " " + r.Info)})
			m.stretch(r.At)
		case (r.Kind == sim.KindCrash || r.Kind == sim.KindRestart) && l >= 0:
			m.stretch(r.At)
		}
	}
}

// collectBands gathers each drawn node's down times that reach into the
// window; a crash before the window starts the band at the window.
func (m *model) collectBands(recs []sim.Record, opt Options, cut sim.Time) {
	down := map[int]int{} // lane -> index in all; looked up only
	var all []band
	for i, r := range recs {
		if r.At >= cut {
			break
		}
		l := m.lane(r.Node)
		if l < 0 {
			continue
		}
		switch r.Kind {
		case sim.KindCrash:
			if _, ok := down[l]; !ok {
				down[l] = len(all)
				all = append(all, band{lane: l, from: r.At, crashRec: i, upRec: -1, open: true})
			}
		case sim.KindRestart:
			if k, ok := down[l]; ok {
				all[k].to, all[k].upRec, all[k].open = r.At, i, false
				delete(down, l)
			}
		}
	}
	for _, b := range all {
		if !b.open && b.to < opt.From {
			continue
		}
		if b.from < opt.From {
			b.from, b.crashRec = opt.From, -1
		}
		m.bands = append(m.bands, b)
	}
}

// collectSteps gathers the workload rows of the drawn clients: the call
// at its time, and its result when the call returned.
func (m *model) collectSteps(sys *report.System, opt Options, cut sim.Time) {
	for _, st := range sys.Steps {
		at, err := time.ParseDuration(st.At)
		if err != nil || !m.inWindow(sim.Time(at), opt, cut) {
			continue
		}
		lane := -1
		for _, who := range []string{st.Client, st.From} {
			if l := indexOf(m.lanes, who); who != "" && l >= 0 && lane < 0 {
				lane = l
			}
		}
		if lane < 0 {
			continue
		}
		s := stepMark{lane: lane, at: sim.Time(at), call: describeCall(st), result: describeResult(st), returned: sim.Time(at)}
		if lat, err := time.ParseDuration(st.Latency); err == nil && lat > 0 {
			s.returned = sim.Time(at + lat)
		}
		// A result that came back within a millisecond is drawn with its
		// call: a local read has no round trip to show.
		s.together = s.result == "" || s.returned-s.at < sim.Time(time.Millisecond)
		m.steps = append(m.steps, s)
		m.stretch(s.at)
		if !s.together {
			m.stretch(s.returned)
		}
	}
}

// describeCall writes a workload row's call the way the timeline table
// does.
func describeCall(s report.Step) string {
	block := ""
	if s.Block != nil {
		block = strconv.Itoa(*s.Block)
	}
	switch s.Op {
	case "open":
		return fmt.Sprintf("%s = open(%q)", s.FD, s.File)
	case "read", "write":
		return fmt.Sprintf("%s(%s, block%s)", s.Op, s.FD, block)
	case "close", "append", "seek":
		return fmt.Sprintf("%s(%s)", s.Op, s.FD)
	case "send":
		return "send to " + s.To
	case "call":
		return fmt.Sprintf("call %s on %s", s.Proc, s.Server)
	}
	// An op of another system: as its op writes it.
	if s.Label != "" {
		return s.Label
	}
	return fmt.Sprintf("%s(%q)", s.Op, s.File)
}

// describeResult writes what a row returned: "= a1", "-> ESTALE", or "".
func describeResult(s report.Step) string {
	var parts []string
	if s.Value != nil {
		parts = append(parts, "= "+*s.Value)
	}
	if s.Result != "" && s.Result != "ok" {
		parts = append(parts, "-> "+s.Result)
	}
	return strings.Join(parts, " ")
}

// collectStates gathers the state records of the drawn lanes, one box per
// node and instant, and at each crash a box of the volatile state it
// forgot.
func (m *model) collectStates(recs []sim.Record, opt Options, cut sim.Time) {
	states := sim.NewStates()
	var cur *stateBox
	for i, r := range recs {
		if r.At >= cut {
			break
		}
		l := m.lane(r.Node)
		if r.Kind == sim.KindCrash && l >= 0 && r.At >= opt.From {
			var lost []stateRow
			for _, k := range states.Keys(r.Node) {
				if _, durable, _ := states.Get(r.Node, k); !durable {
					lost = append(lost, stateRow{key: k})
				}
			}
			if len(lost) > 0 {
				m.states = append(m.states, stateBox{lane: l, at: r.At, recs: []int{i}, rows: lost, lost: true})
				cur = nil
			}
		}
		states.Apply(r)
		key, value, durable, ok := sim.ParseState(r)
		if !ok || l < 0 || r.At < opt.From {
			continue
		}
		if cur == nil || cur.lane != l || cur.at != r.At || cur.lost {
			m.states = append(m.states, stateBox{lane: l, at: r.At})
			cur = &m.states[len(m.states)-1]
			m.stretch(r.At)
		}
		cur.recs = append(cur.recs, i)
		row := stateRow{key: key, value: value, durable: durable}
		if j := rowIndex(cur.rows, key); j >= 0 {
			cur.rows[j] = row // the instant's last value wins
		} else {
			cur.rows = append(cur.rows, row)
		}
	}
}

func rowIndex(rows []stateRow, key string) int {
	for i, r := range rows {
		if r.key == key {
			return i
		}
	}
	return -1
}

// fmtTime formats a virtual time for the diagram, rounded to 1 µs.
func fmtTime(t sim.Time) string {
	return sim.FormatDuration(time.Duration(t).Round(time.Microsecond))
}
