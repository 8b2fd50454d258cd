package scenarios

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// faultKeys are all the keys a fault may have: at, the kinds, then the
// keys some kinds take besides their own.
func faultKeys(kinds []*FaultKind) []string {
	keys := []string{"at"}
	for _, k := range kinds {
		keys = append(keys, k.Name)
	}
	for _, k := range kinds {
		for _, x := range k.Keys {
			if !contains(keys, x.Name) {
				keys = append(keys, x.Name)
			}
		}
	}
	return keys
}

// faultKindNames lists the names of kinds.
func faultKindNames(kinds []*FaultKind) []string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.Name
	}
	return names
}

// faultList decodes a faults list and appends its faults to the
// scenario's; suffix ends each fault's name in messages (" of variant x"
// for a variant's faults).
func (l *loader) faultList(n *yaml.Node, suffix string) {
	items, ok := l.list(n, "faults")
	if !ok {
		return
	}
	kinds := FaultKinds()
	keys := faultKeys(kinds)
	for i, it := range items {
		what := fmt.Sprintf("fault %d%s", i+1, suffix)
		f := Fault{Pos: posOf(it), At: -1}
		o := l.fields(it, what, keys)
		ok := o != nil && l.fault(o, &f, what, kinds)
		if o != nil {
			f.Pos = posOf(o.node)
		}
		l.sc.Faults = append(l.sc.Faults, f)
		l.faults = append(l.faults, o)
		l.faultOK = append(l.faultOK, ok)
	}
}

// fault decodes one fault into f and reports whether it is valid: its
// time, its one kind, no key another kind owns, and the kind's own value.
func (l *loader) fault(o *Object, f *Fault, what string, kinds []*FaultKind) bool {
	ok := true
	if v := o.Require("at", "the fault's time, such as 65s"); v != nil {
		if d, dok := l.duration(v, "at"); dok {
			f.At = d
		} else {
			ok = false
		}
	} else {
		ok = false
	}
	kind := l.faultKind(o, what, kinds)
	if kind == nil {
		return false
	}
	f.Kind = kind.Name
	ok = l.faultKeysFit(o, kind, kinds) && ok
	// The common kinds' checks that relate two of the entry's values
	// (from and to) hold back while anything else in the entry is wrong.
	l.faultSoFar = ok
	return kind.Decode(&Decoder{l}, o, f) && ok
}

// faultKind finds the one kind of the entry o, reporting none or several.
func (l *loader) faultKind(o *Object, what string, kinds []*FaultKind) *FaultKind {
	var found []*FaultKind
	for _, k := range o.order {
		for _, kind := range kinds {
			if kind.Name == k {
				found = append(found, kind)
			}
		}
	}
	switch len(found) {
	case 0:
		l.errf(o.node, "%s: expected one of %s to say what happens", what, orList(faultKindNames(kinds)))
		return nil
	case 1:
		return found[0]
	}
	l.errf(o.keys[found[1].Name], "%s has both %s and %s; write one fault per entry", what, found[0].Name, found[1].Name)
	return nil
}

// faultKeysFit reports the keys of entry o that belong to another kind
// than its own (heal_at on a crash).
func (l *loader) faultKeysFit(o *Object, kind *FaultKind, kinds []*FaultKind) bool {
	ok := true
	for _, owner := range kinds {
		if owner == kind {
			continue
		}
		for _, x := range owner.Keys {
			k := o.keys[x.Name]
			if k == nil || kind.takes(x.Name) {
				continue
			}
			hint := ""
			if kind.Form != "" && strings.Contains(kind.Form, x.Name+":") {
				hint = fmt.Sprintf(" (write %s: %s)", kind.Name, kind.Form)
			}
			l.errf(k, "%s applies only to %s, not to %s%s", x.Name, x.Of, kind.Name, hint)
			ok = false
		}
	}
	return ok
}

// takes reports whether entries of kind k may have key name besides the
// kind's own.
func (k *FaultKind) takes(name string) bool {
	for _, x := range k.Keys {
		if x.Name == name {
			return true
		}
	}
	return false
}

// direction decodes the from and to of a link, block or unblock fault; star
// allows "*". It returns ok updated.
func (l *loader) direction(o *Object, what string, star bool, ok bool) (string, string, bool) {
	var names [2]string
	for i, k := range []string{"from", "to"} {
		v := o.Require(k, "a node name")
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
			l.faultUses = append(l.faultUses, NameUse{name, posOf(v)})
		}
	}
	if ok && names[0] == names[1] && names[0] != "*" {
		l.errf(o.Get("to"), "%s: from and to are both %s; expected two different nodes", what, names[0])
		ok = false
	}
	return names[0], names[1], ok
}

// partition decodes a partition fault and its heal_at.
func (l *loader) partition(o *Object, f *Fault) bool {
	v := o.Get("partition")
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
			l.faultUses = append(l.faultUses, NameUse{name, posOf(it)})
		}
		f.Groups = append(f.Groups, names)
	}
	if hn := o.Get("heal_at"); hn != nil {
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
