package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/sim"
)

// commonFaults are the fault kinds every system accepts: the node's
// (crash, restart) and the network's (partition, heal, network, link,
// block, unblock). Each acts on the world or the network model, never on a
// protocol, so the runner performs them; a system adds kinds only it
// understands through System.Faults.
var commonFaults = []*FaultKind{
	{Name: "crash", Order: 10, Decode: decodeNodeFault, Check: checkCrash, Undo: "restart",
		Example: "{at: 65s, crash: server}", Doc: "volatile state lost, timers cancelled, in-flight messages discarded",
		Apply: func(r *SystemRun, f *Fault) {
			r.World.Crash(r.Node(f.Node))
			r.RecordFault(f, f.Node, "")
		}},
	{Name: "restart", Order: 20, Decode: decodeNodeFault, Check: checkRestart,
		Example: "{at: 66s, restart: server}", Doc: "rebuilt from its disk; the node must be down",
		Apply: func(r *SystemRun, f *Fault) {
			r.World.Restart(r.Node(f.Node))
			r.RecordFault(f, f.Node, "")
		}},
	{Name: "partition", Order: 30, Keys: []FaultKey{{Name: "heal_at", Of: "a partition"}},
		Example: "{at: 30s, partition: [[A], [server, B]], heal_at: 40s}", Doc: "heal_at optional",
		Decode: func(d *Decoder, o *Object, f *Fault) bool { return d.l.partition(o, f) },
		Apply: netFault(func(r *SystemRun, f *Fault) string {
			r.partitions[f] = r.net.Partition(f.Groups)
			return fmt.Sprint(f.Groups)
		})},
	{Name: "heal", Order: 40, Decode: decodeHeal,
		Example: "{at: 41s, heal: all}", Doc: "removes every partition and block",
		Apply: netFault(func(r *SystemRun, f *Fault) string {
			r.net.Heal()
			return ""
		})},
	{Name: "network", Order: 70, Decode: decodeNetworkFault,
		Example: "{at: 10s, network: {loss: 0.5, delay: 20ms}}", Doc: "change every link from now on",
		Apply: netFault(func(r *SystemRun, f *Fault) string {
			r.net.SetDefault(f.Patch)
			return describePatch(f.Patch)
		})},
	{Name: "link", Order: 80, Form: "{from: A, to: B}", Decode: decodeLinkFault,
		Example: "{at: 10s, link: {from: A, to: server, delay: 200ms}}", Doc: `change one direction ("*" = any node)`,
		Apply: netFault(func(r *SystemRun, f *Fault) string {
			r.net.PatchLink(f.From, f.To, f.Patch)
			return f.From + "->" + f.To + " " + describePatch(f.Patch)
		})},
	{Name: "block", Order: 90, Form: "{from: A, to: B}", Decode: decodeBlockFault, Undo: "unblock",
		Example: "{at: 10s, block: {from: server, to: A}}", Doc: "one direction only",
		Apply: netFault(func(r *SystemRun, f *Fault) string {
			r.net.Block(f.From, f.To)
			return f.From + "->" + f.To
		})},
	{Name: "unblock", Order: 100, Form: "{from: A, to: B}", Decode: decodeBlockFault,
		Example: "{at: 20s, unblock: {from: server, to: A}}",
		Apply: netFault(func(r *SystemRun, f *Fault) string {
			r.net.Unblock(f.From, f.To)
			return f.From + "->" + f.To
		})},
}

// decodeNodeFault decodes the node of a fault that names one
// (`crash: server`). Systems' kinds of that form use it too.
func decodeNodeFault(d *Decoder, o *Object, f *Fault) bool {
	v := o.Get(f.Kind)
	name, ok := d.l.nodeName(v, f.Kind, false)
	if ok {
		f.Node = name
		d.l.faultUses = append(d.l.faultUses, NameUse{name, posOf(v)})
	}
	return ok
}

// DecodeNodeFault is the Decode of a fault kind whose value is a node
// name (`low_memory: server`): it fills Fault.Node.
func DecodeNodeFault(d *Decoder, o *Object, f *Fault) bool { return decodeNodeFault(d, o, f) }

// checkCrash: a node is not crashed twice without a restart between.
func checkCrash(d *Decoder, o *Object, f *Fault) {
	l := d.l
	if line, down := l.crashed[f.Node]; down {
		l.errf(o.Get("crash"), "crash: node %s is already crashed (line %d); restart it first", f.Node, line)
		return
	}
	l.crashed[f.Node] = f.Pos.Line
}

// checkRestart: a restart follows a crash of the node.
func checkRestart(d *Decoder, o *Object, f *Fault) {
	l := d.l
	if _, down := l.crashed[f.Node]; !down {
		l.errf(o.Get("restart"), "restart: node %s is not crashed at %s; a restart must follow a crash of that node",
			f.Node, fmtDuration(f.At))
		return
	}
	delete(l.crashed, f.Node)
}

// decodeHeal accepts heal: true, heal: all or an empty heal.
func decodeHeal(d *Decoder, o *Object, f *Fault) bool {
	r := d.l.resolve(o.Get("heal"))
	if r == nil {
		return false
	}
	if r.Kind != yaml.ScalarNode || !(r.ShortTag() == "!!null" || (r.ShortTag() == "!!bool" && r.Value == "true") || r.Value == "all") {
		d.l.errf(r, "heal: expected true or all (heal removes every partition and block), got %s", describe(r))
		return false
	}
	return true
}

// decodeNetworkFault decodes a change of every link.
func decodeNetworkFault(d *Decoder, o *Object, f *Fault) bool {
	l := d.l
	po := l.fields(o.Get("network"), "network", patchKeys)
	if po == nil {
		return false
	}
	f.Patch = l.patch(po)
	if empty(po, patchKeys) {
		l.errf(po.node, "network: expected at least one of %s to change", strings.Join(patchKeys, ", "))
		return false
	}
	return true
}

// decodeLinkFault decodes a change of one direction of one link.
func decodeLinkFault(d *Decoder, o *Object, f *Fault) bool {
	l := d.l
	lo := l.fields(o.Get("link"), "link", linkKeys)
	if lo == nil {
		return false
	}
	f.Patch = l.patch(lo)
	var ok bool
	f.From, f.To, ok = l.direction(lo, "link", true, l.faultSoFar)
	if empty(lo, patchKeys) {
		l.errf(lo.node, "link: expected at least one of %s to change", strings.Join(patchKeys, ", "))
		ok = false
	}
	return ok
}

// decodeBlockFault decodes the direction a block or unblock cuts or
// restores.
func decodeBlockFault(d *Decoder, o *Object, f *Fault) bool {
	l := d.l
	bo := l.fields(o.Get(f.Kind), f.Kind, []string{"from", "to"})
	if bo == nil {
		return false
	}
	var ok bool
	f.From, f.To, ok = l.direction(bo, f.Kind, false, l.faultSoFar)
	return ok
}

// netFault performs a network fault with act, which returns the detail to
// record; a system over a network of its own records why nothing happens.
func netFault(act func(r *SystemRun, f *Fault) string) func(r *SystemRun, f *Fault) {
	return func(r *SystemRun, f *Fault) {
		if r.net == nil {
			r.RecordFault(f, "", "no effect: "+r.noNet)
			return
		}
		r.RecordFault(f, "", act(r, f))
	}
}

// healPartition ends the partition fault f started (and only that one:
// overlapping partitions heal separately).
func (r *SystemRun) healPartition(f *Fault) {
	heal := &Fault{At: f.HealAt, Kind: "heal"}
	if r.net == nil {
		r.RecordFault(heal, "", "no effect: "+r.noNet)
		return
	}
	r.net.HealPartition(r.partitions[f])
	r.RecordFault(heal, "", fmt.Sprint(f.Groups))
}

// describePatch says what a network change sets, keys in a fixed order.
func describePatch(p netmodel.Patch) string {
	var parts []string
	add := func(k, v string) { parts = append(parts, k+"="+v) }
	if p.Delay != nil {
		add("delay", describeDelay(*p.Delay))
	}
	if p.Bandwidth != nil {
		add("bandwidth", strconv.FormatFloat(*p.Bandwidth, 'g', -1, 64)+"bps")
	}
	for _, kv := range []struct {
		k string
		v *float64
	}{{"loss", p.Loss}, {"duplicate", p.Duplicate}, {"reorder", p.Reorder}, {"corrupt", p.Corrupt}} {
		if kv.v != nil {
			add(kv.k, strconv.FormatFloat(*kv.v, 'g', -1, 64))
		}
	}
	if p.ReorderDelay != nil {
		add("reorder_delay", sim.FormatDuration(*p.ReorderDelay))
	}
	if p.Queue != nil {
		add("queue", strconv.Itoa(*p.Queue))
	}
	if p.QueueBytes != nil {
		add("queue_bytes", strconv.Itoa(*p.QueueBytes)+"B")
	}
	return strings.Join(parts, " ")
}

func describeDelay(d netmodel.Delay) string {
	f := sim.FormatDuration
	switch d.Kind {
	case netmodel.Uniform:
		return "uniform(" + f(d.Min) + "," + f(d.Max) + ")"
	case netmodel.Exponential:
		return "exponential(" + f(d.Mean) + ")"
	case netmodel.Normal:
		return "normal(" + f(d.Mean) + "," + f(d.Stddev) + ")"
	default:
		return f(d.Value)
	}
}
