package scenarios

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// ExplorePlan is a scenario's `explore:` block: how `sim explore` draws,
// for each seed, the world the workload runs in. Each seed draws every
// parameter within its range (swarm testing: one seed may lose a tenth of
// the messages and crash the server twice, the next duplicate a few and
// crash nothing), then the faults themselves.
//
//	explore:
//	  network:                      # each value drawn uniformly from [min, max]
//	    loss: [0, 0.3]
//	    duplicate: [0, 0.1]
//	    reorder: [0, 0.3]
//	  crash:                        # each node crashed 0..max times within the
//	    nodes: [server]             #   workload's span, each crash followed by a
//	    max: 2                      #   restart after a downtime drawn from
//	    downtime: [100ms, 5s]       #   [min, max]
//	  partition: {max: 1, duration: [100ms, 10s]}
//	  faults:                       # any other kind a system of the scenario
//	    - {flush: server, max: 2}   #   accepts, 0..max times at drawn instants
//	    - {block: {from: server, to: A}, duration: [10ms, 2s]}  # then unblocked
//	  invariants: [point_in_time_disk]   # default: every invariant of each system
type ExplorePlan struct {
	// Pos is the position of the block (1:1 for the default plan).
	Pos Pos
	// Network are the link parameters each seed draws; the drawn value
	// replaces the file's `network.KEY` (per-link overrides stay).
	Network []NetworkRange
	// Crash, when Max > 0, crashes and restarts nodes.
	Crash CrashPlan
	// Partition, when Max > 0, splits the nodes in two for a while.
	Partition PartitionPlan
	// Faults are the entries of explore.faults: the other fault kinds,
	// the common ones and the systems' own, drawn through the registry.
	Faults []FaultPlan
	// Invariants are the invariants to check; nil means every invariant
	// of each system of the scenario.
	Invariants []string
}

// NetworkRange is one link parameter of the plan: a probability (loss,
// duplicate, reorder, corrupt) or a duration (delay, a constant delay;
// reorder_delay), drawn uniformly from [Min, Max].
type NetworkRange struct {
	Key      string
	Min, Max float64
	// Duration says the values are durations, in nanoseconds, drawn to
	// the millisecond; probabilities are drawn to the thousandth.
	Duration bool
}

// CrashPlan crashes each of Nodes 0 to Max times, at instants drawn within
// the workload's span, each crash followed by a restart after a downtime
// drawn from Downtime.
type CrashPlan struct {
	Nodes    []string
	Max      int
	Downtime [2]time.Duration
}

// PartitionPlan starts 0 to Max partitions at instants drawn within the
// workload's span, each cutting Nodes (every node of the scenario when
// empty) into two random non-empty sides and healing after a duration
// drawn from Duration.
type PartitionPlan struct {
	Max      int
	Duration [2]time.Duration
	Nodes    []string
}

// FaultPlan is one entry of explore.faults: a fault entry of any kind a
// system of the scenario accepts (FaultKinds: a system's own, such as
// NFS's flush or AFS's move_volume, or a common one such as block, link
// or network), without its at, drawn 0 to Max times at instants drawn from
// At (the workload's span unless HasAt). A fault of a kind with an Undo
// (a block) is undone, by a fault of kind Undo with the same value, after
// a duration drawn from Duration.
type FaultPlan struct {
	Pos Pos
	// Fault is the entry decoded as its kind decodes a fault; its At is
	// unset.
	Fault Fault
	Max   int
	At    [2]time.Duration
	HasAt bool
	// Undo is the kind that undoes the fault ("" when none does), after
	// Duration.
	Undo     string
	Duration [2]time.Duration
}

// exploreFaultKeys are the keys of an explore.faults entry besides the
// fault's own.
var exploreFaultKeys = []string{"max", "duration"}

// Limits of the explore block: enough to find what the lecture's
// scenarios hide, small enough that a schedule stays a small scenario.
const (
	maxExploreFaults   = 10
	maxExploreDuration = time.Hour
)

// exploreProbabilities and exploreDurations are the keys of explore.network.
var (
	exploreProbabilities = []string{"loss", "duplicate", "reorder", "corrupt"}
	exploreDurations     = []string{"delay", "reorder_delay"}
)

// DefaultExplorePlan is what `sim explore` draws for a scenario without an
// explore block: only a misbehaving network (loss up to 20%, duplication
// up to 10%, reordering up to 20%), and every invariant.
func DefaultExplorePlan() *ExplorePlan {
	return &ExplorePlan{Pos: Pos{1, 1}, Network: []NetworkRange{
		{Key: "loss", Max: 0.2}, {Key: "duplicate", Max: 0.1}, {Key: "reorder", Max: 0.2}}}
}

// explore decodes the explore block, once the scenario's nodes are known.
func (l *loader) explore(n *yaml.Node) {
	o := l.fields(n, "explore", []string{"network", "crash", "partition", "faults", "invariants"})
	if o == nil {
		return
	}
	p := &ExplorePlan{Pos: posOf(o.node)}
	if v := o.Get("network"); v != nil {
		net := l.fields(v, "explore.network", concat(exploreProbabilities, exploreDurations))
		var keys []string
		if net != nil {
			keys = net.order
		}
		for _, k := range keys {
			r := NetworkRange{Key: k, Duration: contains(exploreDurations, k)}
			if r.Duration {
				lo, hi, ok := l.durationRange(net.Get(k), "explore.network."+k)
				r.Min, r.Max = float64(lo), float64(hi)
				if !ok {
					continue
				}
			} else if !l.probabilityRange(net.Get(k), "explore.network."+k, &r) {
				continue
			}
			p.Network = append(p.Network, r)
		}
	}
	if v := o.Get("crash"); v != nil {
		c := l.fields(v, "explore.crash", []string{"nodes", "max", "downtime"})
		if c != nil {
			p.Crash.Nodes = l.exploreNodes(c.Require("nodes", "the nodes to crash, such as [server]"), "explore.crash.nodes")
			p.Crash.Max = 1
			if m := c.Get("max"); m != nil {
				p.Crash.Max, _ = l.integer(m, "explore.crash.max", 0, maxExploreFaults)
			}
			p.Crash.Downtime = [2]time.Duration{time.Second, time.Second}
			if d := c.Get("downtime"); d != nil {
				lo, hi, _ := l.durationRange(d, "explore.crash.downtime")
				p.Crash.Downtime = [2]time.Duration{lo, hi}
			}
		}
	}
	if v := o.Get("partition"); v != nil {
		c := l.fields(v, "explore.partition", []string{"max", "duration", "nodes"})
		if c != nil {
			p.Partition.Max = 1
			if m := c.Get("max"); m != nil {
				p.Partition.Max, _ = l.integer(m, "explore.partition.max", 0, maxExploreFaults)
			}
			p.Partition.Duration = [2]time.Duration{time.Second, time.Second}
			if d := c.Get("duration"); d != nil {
				lo, hi, _ := l.durationRange(d, "explore.partition.duration")
				p.Partition.Duration = [2]time.Duration{lo, hi}
			}
			if ns := c.Get("nodes"); ns != nil {
				p.Partition.Nodes = l.exploreNodes(ns, "explore.partition.nodes")
				if len(p.Partition.Nodes) == 1 {
					l.errf(ns, "explore.partition.nodes: a partition needs at least two nodes to split, got %s", p.Partition.Nodes[0])
				}
			} else if len(l.sc.Nodes) < 2 {
				l.errf(c.node, "explore.partition: the scenario has fewer than two nodes to split")
			}
		}
	}
	if v := o.Get("faults"); v != nil {
		p.Faults = l.exploreFaults(v)
	}
	if v := o.Get("invariants"); v != nil {
		p.Invariants = l.invariantList(v, "explore.invariants", &Expectation{})
	}
	l.sc.Explore = p
}

// exploreFaults decodes explore.faults: each entry is decoded and checked
// by its kind's record, as an entry of faults is, without its time.
func (l *loader) exploreFaults(n *yaml.Node) []FaultPlan {
	items, ok := l.list(n, "explore.faults")
	if !ok {
		return nil
	}
	if len(items) > maxExploreFaults {
		l.errf(items[maxExploreFaults], "explore.faults: at most %d entries, got %d", maxExploreFaults, len(items))
		return nil
	}
	kinds := FaultKinds()
	keys := append(faultKeys(kinds), exploreFaultKeys...)
	var out []FaultPlan
	for i, it := range items {
		what := fmt.Sprintf("explore.faults entry %d", i+1)
		o := l.fields(it, what, keys)
		if o == nil {
			continue
		}
		kind := l.faultKind(o, what, kinds)
		if kind == nil || !l.drawable(o, kind, what) {
			continue
		}
		fp := FaultPlan{Pos: posOf(o.node), Fault: Fault{Pos: posOf(o.node), At: -1, Kind: kind.Name}, Max: 1, Undo: kind.Undo}
		if !l.exploreFault(o, kind, kinds, &fp.Fault) {
			continue
		}
		if m := o.Get("max"); m != nil {
			fp.Max, _ = l.integer(m, what+": max", 0, maxExploreFaults)
		}
		if a := o.Get("at"); a != nil {
			fp.At[0], fp.At[1], fp.HasAt = l.durationRange(a, what+": at")
		}
		fp.Duration = [2]time.Duration{time.Second, time.Second}
		if d := o.Get("duration"); d != nil {
			if kind.Undo == "" {
				l.errf(o.keys["duration"], "%s: duration: no fault undoes %s, so it has no duration (a block, undone by unblock, has one)", what, kind.Name)
				continue
			}
			fp.Duration[0], fp.Duration[1], _ = l.durationRange(d, what+": duration")
		}
		out = append(out, fp)
	}
	return out
}

// drawable reports whether explore.faults may draw faults of kind: not
// crashes and partitions, which explore.crash and explore.partition draw,
// nor a kind that only undoes another (a restart), which follows the
// fault it undoes.
func (l *loader) drawable(o *Object, kind *FaultKind, what string) bool {
	at := o.keys[kind.Name]
	switch kind.Name {
	case "crash":
		l.errf(at, "%s: crashes are drawn by explore.crash (nodes, max, downtime), not explore.faults", what)
		return false
	case "partition":
		l.errf(at, "%s: partitions are drawn by explore.partition (max, duration, nodes), not explore.faults", what)
		return false
	}
	for _, k := range FaultKinds() {
		if k.Undo == kind.Name {
			l.errf(at, "%s: %s undoes %s and follows it: give the %s entry a duration instead", what, kind.Name, k.Name, k.Name)
			return false
		}
	}
	if l.systemsOK && !l.accepted(kind) {
		l.errf(at, "%s", notAccepted(kind))
		return false
	}
	return true
}

// exploreFault decodes the fault of entry o and checks it as the faults
// list checks one; the nodes it names must be the scenario's.
func (l *loader) exploreFault(o *Object, kind *FaultKind, kinds []*FaultKind, f *Fault) bool {
	ok := l.faultKeysFit(o, kind, kinds)
	l.faultSoFar = ok
	uses := len(l.faultUses)
	ok = kind.Decode(&Decoder{l}, o, f) && ok
	var all []string
	for _, nd := range l.sc.Nodes {
		all = append(all, nd.Name)
	}
	for _, u := range l.faultUses[uses:] {
		if !contains(all, u.Name) {
			l.errAt(u.Pos, "%s is not a node of the scenario (nodes: %s)%s", u.Name, andList(all), didYouMean(u.Name, all, ""))
			ok = false
		}
	}
	l.faultUses = l.faultUses[:uses]
	if ok && kind.Check != nil {
		before := len(l.errs)
		kind.Check(&Decoder{l}, o, f)
		ok = len(l.errs) == before
	}
	return ok
}

// exploreNodes decodes a non-empty list of the scenario's nodes.
func (l *loader) exploreNodes(n *yaml.Node, what string) []string {
	if n == nil {
		return nil
	}
	items, ok := l.list(n, what)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		l.errf(n, "%s: expected at least one node", what)
		return nil
	}
	var all []string
	for _, nd := range l.sc.Nodes {
		all = append(all, nd.Name)
	}
	var out []string
	for _, it := range items {
		name, ok := l.nodeName(it, what, false)
		if !ok {
			continue
		}
		switch {
		case !contains(all, name):
			l.errf(it, "%s: %s is not a node of the scenario (nodes: %s)%s", what, name, andList(all), didYouMean(name, all, ""))
		case contains(out, name):
			l.errf(it, "%s: %s is listed twice", what, name)
		default:
			out = append(out, name)
		}
	}
	return out
}

// rangeItems reads a range value: [min, max], or a single value (min =
// max). what names the key in messages.
func (l *loader) rangeItems(n *yaml.Node, what, example string) (lo, hi *yaml.Node, ok bool) {
	r := l.resolve(n)
	if r == nil {
		return nil, nil, false
	}
	if r.Kind != yaml.SequenceNode {
		return r, r, true
	}
	items, ok := l.list(r, what)
	if !ok {
		return nil, nil, false
	}
	if len(items) != 2 {
		l.errf(r, "%s: expected a range [min, max] such as %s, got a list of %d", what, example, len(items))
		return nil, nil, false
	}
	return items[0], items[1], true
}

// probabilityRange decodes a range of probabilities into r.
func (l *loader) probabilityRange(n *yaml.Node, what string, r *NetworkRange) bool {
	a, b, ok := l.rangeItems(n, what, "[0, 0.3]")
	if !ok {
		return false
	}
	lo, ok1 := l.probability(a, what)
	hi, ok2 := l.probability(b, what)
	if !ok1 || !ok2 {
		return false
	}
	if hi < lo {
		l.errf(b, "%s: the range's max %g is below its min %g", what, hi, lo)
		return false
	}
	r.Min, r.Max = lo, hi
	return true
}

// durationRange decodes a range of durations, each at most
// maxExploreDuration.
func (l *loader) durationRange(n *yaml.Node, what string) (lo, hi time.Duration, ok bool) {
	a, b, ok := l.rangeItems(n, what, "[100ms, 5s]")
	if !ok {
		return 0, 0, false
	}
	lo, ok1 := l.duration(a, what)
	hi, ok2 := l.duration(b, what)
	switch {
	case !ok1 || !ok2:
		return 0, 0, false
	case hi < lo:
		l.errf(b, "%s: the range's max %s is below its min %s", what, fmtDuration(hi), fmtDuration(lo))
		return 0, 0, false
	case hi > maxExploreDuration:
		l.errf(b, "%s: at most %s, got %s", what, fmtDuration(maxExploreDuration), fmtDuration(hi))
		return 0, 0, false
	}
	return lo, hi, true
}

// String describes a range for messages: "loss 0–0.3".
func (r NetworkRange) String() string {
	if r.Duration {
		return fmt.Sprintf("%s %s–%s", r.Key, fmtDuration(time.Duration(r.Min)), fmtDuration(time.Duration(r.Max)))
	}
	return fmt.Sprintf("%s %g–%g", r.Key, r.Min, r.Max)
}
