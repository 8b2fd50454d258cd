package scenarios

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// faultKinds are the kinds of fault, in the order of the format.
var faultKinds = []string{"crash", "restart", "partition", "heal", "low_memory", "flush", "network", "link",
	"block", "unblock", "move_volume"}

// faultKeys are all the keys a fault may have.
var faultKeys = append(append([]string{"at"}, faultKinds...), "heal_at", "to")

// faultList decodes a faults list and appends its faults to the
// scenario's; suffix ends each fault's name in messages (" of variant x"
// for a variant's faults).
func (l *loader) faultList(n *yaml.Node, suffix string) {
	items, ok := l.list(n, "faults")
	if !ok {
		return
	}
	for i, it := range items {
		what := fmt.Sprintf("fault %d%s", i+1, suffix)
		f := Fault{Pos: posOf(it), At: -1}
		o := l.fields(it, what, faultKeys)
		ok := o != nil && l.fault(o, &f, what)
		if o != nil {
			f.Pos = posOf(o.node)
		}
		l.sc.Faults = append(l.sc.Faults, f)
		l.faults = append(l.faults, o)
		l.faultOK = append(l.faultOK, ok)
	}
}

// fault decodes one fault into f and reports whether it is valid.
func (l *loader) fault(o *object, f *Fault, what string) bool {
	ok := true
	if v := o.require("at", "the fault's time, such as 65s"); v != nil {
		if d, dok := l.duration(v, "at"); dok {
			f.At = d
		} else {
			ok = false
		}
	} else {
		ok = false
	}
	var kinds []string
	for _, k := range o.order {
		if contains(faultKinds, k) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		l.errf(o.node, "%s: expected one of %s to say what happens", what, orList(faultKinds))
		return false
	}
	if len(kinds) > 1 {
		l.errf(o.keys[kinds[1]], "%s has both %s and %s; write one fault per entry", what, kinds[0], kinds[1])
		return false
	}
	kind := kinds[0]
	f.Kind = kind
	if k := o.keys["heal_at"]; k != nil && kind != "partition" {
		l.errf(k, "heal_at applies only to a partition, not to %s", kind)
		ok = false
	}
	if k := o.keys["to"]; k != nil && kind != "move_volume" {
		hint := ""
		if kind == "block" || kind == "unblock" || kind == "link" {
			hint = fmt.Sprintf(" (write %s: {from: A, to: B})", kind)
		}
		l.errf(k, "to applies only to move_volume, not to %s%s", kind, hint)
		ok = false
	}
	v := o.get(kind)
	switch kind {
	case "crash", "restart", "low_memory", "flush":
		name, nok := l.nodeName(v, kind, false)
		if nok {
			f.Node = name
			l.faultUses = append(l.faultUses, nameUse{name, v})
		}
		ok = ok && nok
	case "partition":
		ok = l.partition(o, f) && ok
	case "heal":
		r := l.resolve(v)
		if r == nil {
			return false
		}
		if r.Kind != yaml.ScalarNode || !(r.ShortTag() == "!!null" || (r.ShortTag() == "!!bool" && r.Value == "true") || r.Value == "all") {
			l.errf(r, "heal: expected true or all (heal removes every partition and block), got %s", describe(r))
			ok = false
		}
	case "network":
		po := l.fields(v, "network", patchKeys)
		if po == nil {
			return false
		}
		f.Patch = l.patch(po)
		if empty(po, patchKeys) {
			l.errf(po.node, "network: expected at least one of %s to change", strings.Join(patchKeys, ", "))
			ok = false
		}
	case "link":
		lo := l.fields(v, "link", linkKeys)
		if lo == nil {
			return false
		}
		f.Patch = l.patch(lo)
		f.From, f.To, ok = l.direction(lo, "link", true, ok)
		if empty(lo, patchKeys) {
			l.errf(lo.node, "link: expected at least one of %s to change", strings.Join(patchKeys, ", "))
			ok = false
		}
	case "block", "unblock":
		bo := l.fields(v, kind, []string{"from", "to"})
		if bo == nil {
			return false
		}
		f.From, f.To, ok = l.direction(bo, kind, false, ok)
	case "move_volume":
		if r := l.resolve(v); r != nil {
			if p, vok := l.volumePath(r); vok {
				f.Volume = p
			} else {
				ok = false
			}
		}
		if tn := o.require("to", "the server that receives the volume"); tn != nil {
			name, nok := l.nodeName(tn, "to", false)
			if nok {
				f.Server = name
				l.faultUses = append(l.faultUses, nameUse{name, tn})
			}
			ok = ok && nok
		} else {
			ok = false
		}
	}
	return ok
}

// direction decodes the from and to of a link, block or unblock fault; star
// allows "*". It returns ok updated.
func (l *loader) direction(o *object, what string, star bool, ok bool) (string, string, bool) {
	var names [2]string
	for i, k := range []string{"from", "to"} {
		v := o.require(k, "a node name")
		if v == nil {
			ok = false
			continue
		}
		name, nok := l.nodeName(v, k, star)
		if !nok {
			ok = false
			continue
		}
		names[i] = name
		if name != "*" {
			l.faultUses = append(l.faultUses, nameUse{name, v})
		}
	}
	if ok && names[0] == names[1] && names[0] != "*" {
		l.errf(o.get("to"), "%s: from and to are both %s; expected two different nodes", what, names[0])
		ok = false
	}
	return names[0], names[1], ok
}

// partition decodes a partition fault and its heal_at.
func (l *loader) partition(o *object, f *Fault) bool {
	v := o.get("partition")
	const example = "a list of groups such as [[A], [server, B]]"
	groups, ok := l.list(v, "partition")
	if !ok {
		return false
	}
	if len(groups) < 2 {
		l.errf(v, "partition: expected at least two groups (%s); nodes in no group are not cut off", example)
		ok = false
	}
	seen := map[string]int{}
	for gi, g := range groups {
		items, gok := l.list(g, "partition group")
		if !gok {
			ok = false
			continue
		}
		if len(items) == 0 {
			l.errf(g, "partition: group %d is empty; expected a list of node names", gi+1)
			ok = false
		}
		var names []string
		for _, it := range items {
			name, nok := l.nodeName(it, "partition", false)
			if !nok {
				ok = false
				continue
			}
			if prev, dup := seen[name]; dup {
				l.errf(it, "partition: node %s is in group %d and group %d; the groups must be disjoint", name, prev+1, gi+1)
				ok = false
				continue
			}
			seen[name] = gi
			names = append(names, name)
			l.faultUses = append(l.faultUses, nameUse{name, it})
		}
		f.Groups = append(f.Groups, names)
	}
	if hn := o.get("heal_at"); hn != nil {
		d, dok := l.duration(hn, "heal_at")
		if !dok {
			return false
		}
		f.HealAt, f.HasHeal = d, true
		if f.At >= 0 && d <= f.At {
			l.errf(hn, "heal_at: %s is not after the partition's at %s", fmtDuration(d), fmtDuration(f.At))
			ok = false
		}
	}
	return ok
}
