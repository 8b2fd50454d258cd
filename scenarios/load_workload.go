package scenarios

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// nodes decodes the nodes list: names or {name: X} maps.
func (l *loader) nodes(n *yaml.Node) {
	items, ok := l.list(n, "nodes")
	if !ok || len(items) == 0 {
		return
	}
	l.declared = true
	l.declaredSet = map[string]bool{}
	first := map[string]Pos{}
	for _, it := range items {
		r := l.resolve(it)
		if r == nil {
			return
		}
		nn := r
		if r.Kind == yaml.MappingNode {
			o := l.fields(r, "node", []string{"name"})
			if nn = o.Require("name", "the node's name"); nn == nil {
				continue
			}
		}
		name, ok := l.nodeName(nn, "nodes", false)
		if !ok {
			continue
		}
		if p, dup := first[name]; dup {
			l.errf(nn, "nodes: node %q is declared twice (first at line %d)", name, p.Line)
			continue
		}
		first[name] = posOf(nn)
		l.declaredSet[name] = true
		l.sc.Nodes = append(l.sc.Nodes, Node{Name: name, Pos: posOf(nn)})
	}
}

// filesBlock decodes files: a mapping from path to {blocks: [...]} (or
// directly to the list of blocks).
func (l *loader) filesBlock(n *yaml.Node) {
	r := l.resolve(n)
	if r == nil {
		return
	}
	if r.Kind == yaml.ScalarNode && r.ShortTag() == "!!null" {
		return
	}
	if r.Kind != yaml.MappingNode {
		l.errf(r, "files: expected a mapping from path to contents such as {fileA: {blocks: [a1, a2]}}, got %s", describe(r))
		return
	}
	l.files = map[string]Pos{}
	for i := 0; i+1 < len(r.Content); i += 2 {
		k, v := l.resolve(r.Content[i]), r.Content[i+1]
		if k == nil {
			return
		}
		s, ok := l.str(k, "files")
		if !ok {
			continue
		}
		p, bad := cleanPath(s)
		if bad != "" {
			l.errf(k, "files: expected a file path such as fileA or home/notes, got %s (%s)", describe(k), bad)
			continue
		}
		if prev, dup := l.files[p]; dup {
			l.errf(k, "files: file %s appears twice (first at line %d)", p, prev.Line)
			continue
		}
		f := File{Path: p, Blocks: []string{}, Pos: posOf(k)}
		bn := l.resolve(v)
		if bn == nil {
			return
		}
		var fam *Object
		if bn.Kind == yaml.MappingNode {
			o := l.fields(bn, "file "+p, familyKeys)
			if o.Has("count") {
				fam = o
			} else {
				for _, k := range familyKeys[2:] {
					if o.Has(k) {
						l.errf(o.KeyNode(k), "%s: applies only to a family of files, with count (such as {count: 100, choose: zipf})", k)
					}
				}
			}
			bn = o.Get("blocks")
		}
		if fam == nil {
			l.files[p] = posOf(k)
		}
		if bn != nil {
			blocks, ok := l.list(bn, "blocks")
			if !ok {
				continue
			}
			for _, b := range blocks {
				if s, ok := l.str(b, "block"); ok {
					f.Blocks = append(f.Blocks, s)
				}
			}
		}
		if fam != nil {
			l.family(fam, p, f.Blocks)
			continue
		}
		l.sc.Files = append(l.sc.Files, f)
	}
}

// rowKeyDef is one key of the workload rows: what it holds, and how its
// value is read into a Step. The format has one set of row keys; each op
// takes some of them (Op.Keys).
type rowKeyDef struct {
	name string
	// meaning says what the key holds, for "missing key" messages.
	meaning string
	// decode reads v into st and reports whether it is valid.
	decode func(l *loader, v *yaml.Node, st *Step) bool
}

// rowKeyDefs are the keys of the workload rows besides at and op, in the
// order of the format.
var rowKeyDefs = []rowKeyDef{
	{"client", "the node that makes the call", nodeKey("client", func(st *Step) *string { return &st.Client })},
	{"fd", "the client's name for the open file", func(l *loader, v *yaml.Node, st *Step) bool {
		var ok bool
		st.FD, ok = l.str(v, "fd")
		if ok && !fdPattern.MatchString(st.FD) {
			l.errf(v, "fd: expected a name (letters, digits, _ and -), got %s", describe(v))
			ok = false
		}
		return ok
	}},
	{"file", "a path such as fileA", func(l *loader, v *yaml.Node, st *Step) bool {
		op := LookupOp(st.Op)
		return l.rowPath(v, "file", &st.File, op != nil && op.keyFlags("file").Root)
	}},
	{"block", "a block index, from 0", func(l *loader, v *yaml.Node, st *Step) bool {
		var ok bool
		st.Block, ok = l.integer(v, "block", 0, maxBlock)
		st.HasBlock = ok
		return ok
	}},
	{"data", "", func(l *loader, v *yaml.Node, st *Step) bool {
		var ok bool
		st.Data, ok = l.str(v, "data")
		st.HasData = ok
		return ok
	}},
	{"from", "the sending node", nodeKey("from", func(st *Step) *string { return &st.From })},
	{"to", "the receiving node", func(l *loader, v *yaml.Node, st *Step) bool {
		if op := LookupOp(st.Op); op != nil && op.keyFlags("to").Path {
			return l.rowPath(v, "to", &st.ToPath, false)
		}
		return nodeKey("to", func(st *Step) *string { return &st.To })(l, v, st)
	}},
	{"count", "", func(l *loader, v *yaml.Node, st *Step) bool {
		var ok bool
		st.Count, ok = l.integer(v, "count", 1, maxCount)
		return ok
	}},
	{"size", "", func(l *loader, v *yaml.Node, st *Step) bool {
		var ok bool
		if op := LookupOp(st.Op); op != nil && op.keyFlags("size").Length {
			st.Size, ok = l.size(v, "size", 0, MaxFileSize)
		} else {
			st.Size, ok = l.size(v, "size", 1, maxSendSize)
		}
		return ok
	}},
	{"interval", "", func(l *loader, v *yaml.Node, st *Step) bool {
		var ok bool
		st.Interval, ok = l.duration(v, "interval")
		return ok
	}},
	{"close", "", func(l *loader, v *yaml.Node, st *Step) bool {
		var ok bool
		st.Close, ok = l.boolean(v, "close")
		return ok
	}},
	{"server", "the node that runs the procedure", nodeKey("server", func(st *Step) *string { return &st.Server })},
	{"proc", "the procedure's name", func(l *loader, v *yaml.Node, st *Step) bool {
		var ok bool
		st.Proc, ok = l.nonEmpty(v, "proc")
		return ok
	}},
	{"args", "", func(l *loader, v *yaml.Node, st *Step) bool {
		var ok bool
		st.Args, ok = l.str(v, "args")
		return ok
	}},
}

// rowPath reads row key k, a file path, into *p, cleaned. The root
// directory is an error unless root says the op takes it (OpKey.Root);
// it is then "", as the root's path is everywhere in a Step.
func (l *loader) rowPath(v *yaml.Node, k string, p *string, root bool) bool {
	s, ok := l.str(v, k)
	if !ok {
		return false
	}
	clean, bad := cleanPath(s)
	if bad == errRoot && root {
		*p = ""
		return true
	}
	if bad != "" {
		l.errf(v, "%s: expected a file path such as fileA or home/notes, got %s (%s)", k, describe(v), bad)
		return false
	}
	*p = clean
	return true
}

// nodeKey decodes row key k, which names a node, into the field of Step.
func nodeKey(k string, field func(st *Step) *string) func(l *loader, v *yaml.Node, st *Step) bool {
	return func(l *loader, v *yaml.Node, st *Step) bool {
		name, ok := l.nodeName(v, k, false)
		if ok {
			l.rowUses = append(l.rowUses, NameUse{name, posOf(v)})
			*field(st) = name
		}
		return ok
	}
}

// rowKey returns the definition of a row key, or nil.
func rowKey(name string) *rowKeyDef {
	for i := range rowKeyDefs {
		if rowKeyDefs[i].name == name {
			return &rowKeyDefs[i]
		}
	}
	return nil
}

// RowKeys lists the keys of the workload rows besides at and op, in the
// order of the format: an op's keys are some of these.
func RowKeys() []string {
	names := make([]string, len(rowKeyDefs))
	for i, k := range rowKeyDefs {
		names[i] = k.name
	}
	return names
}

// rowKeys are all the keys a workload row may have: at, op and every key
// a registered op takes.
func rowKeys() []string {
	keys := []string{"at", "op"}
	for _, k := range rowKeyDefs {
		for _, op := range Ops() {
			if op.takes(k.name) {
				keys = append(keys, k.name)
				break
			}
		}
	}
	return keys
}

// takes reports whether rows of op may have key k.
func (op *Op) takes(k string) bool {
	for _, x := range op.Keys {
		if x.Name == k {
			return true
		}
	}
	return false
}

// keyNames lists op's keys, required first; only the required ones with
// required.
func (op *Op) keyNames(requiredOnly bool) []string {
	var names []string
	for _, k := range op.Keys {
		if k.Required || !requiredOnly {
			names = append(names, k.Name)
		}
	}
	return names
}

// opNames lists the registered ops' names, in order.
func opNames() []string {
	var names []string
	for _, op := range Ops() {
		names = append(names, op.Name)
	}
	return names
}

// workload decodes the workload list.
func (l *loader) workload(n *yaml.Node) {
	if n == nil {
		return
	}
	items, ok := l.list(n, "workload")
	if !ok {
		return
	}
	if len(items) == 0 {
		l.errf(n, "workload: expected at least one row such as {at: 0, client: A, op: open, file: fileA, fd: f}")
		return
	}
	keys := rowKeys()
	var prev *Step
	for i, it := range items {
		what := fmt.Sprintf("workload row %d", i+1)
		if pn := programNode(it); pn != nil {
			l.programRow(it, pn, i, what)
			continue
		}
		st := Step{Index: len(l.sc.Workload), Pos: posOf(it), At: -1}
		o := l.fields(it, what, keys)
		ok := o != nil && l.row(o, &st, what)
		if o != nil {
			st.Pos = posOf(o.node)
		}
		if st.At >= 0 {
			if prev != nil && st.At < prev.At {
				l.errf(o.Get("at"), "at: %s is before %s, the time of an earlier row (line %d); workload rows must be in time order",
					fmtDuration(st.At), fmtDuration(prev.At), prev.Pos.Line)
			} else {
				p := st
				prev = &p
			}
		}
		l.sc.Workload = append(l.sc.Workload, st)
		l.rows = append(l.rows, o)
		l.rowOK = append(l.rowOK, ok)
	}
}

// row decodes one workload row into st and reports whether it is valid:
// its time, its op, the keys the op takes and their values, then the op's
// own check.
func (l *loader) row(o *Object, st *Step, what string) bool {
	ok := true
	if v := o.Require("at", "the row's time, such as 10s"); v != nil {
		if d, dok := l.duration(v, "at"); dok {
			st.At = d
		} else {
			ok = false
		}
	} else {
		ok = false
	}
	op := l.rowOp(o)
	if op == nil {
		return false
	}
	st.Op = op.Name
	ok = l.rowKeysFit(o, op, what) && ok
	return l.opValues(o, op, st, func(string) bool { return true }, ok)
}

// opValues fills st from the keys of o that op takes (those decode admits,
// in the file's order) over the op's defaults, then runs the op's own
// check if the row is sound so far (ok) and every value decoded: the same
// for a row and a program's step.
func (l *loader) opValues(o *Object, op *Op, st *Step, decode func(key string) bool, ok bool) bool {
	if op.Defaults != nil {
		op.Defaults(st)
	}
	for _, k := range o.order {
		if !decode(k) || !op.takes(k) {
			continue
		}
		ok = rowKey(k).decode(l, o.vals[k], st) && ok
	}
	if ok && op.Check != nil {
		c := &RowCheck{d: &Decoder{l}, o: o, Step: st}
		op.Check(c)
		ok = !c.failed
	}
	return ok
}

// rowOp finds the registered op the row names.
func (l *loader) rowOp(o *Object) *Op {
	ops := opNames()
	opNode := o.Require("op", "one of "+strings.Join(ops, ", "))
	if opNode == nil {
		return nil
	}
	name, ok := l.str(opNode, "op")
	if !ok {
		return nil
	}
	op := LookupOp(name)
	if op == nil {
		l.errf(opNode, "unknown op %q%s", name, didYouMean(name, ops, "ops"))
	}
	return op
}

// rowKeysFit reports the keys of the row that its op does not take, and
// the ones it needs that are missing.
func (l *loader) rowKeysFit(o *Object, op *Op, what string) bool {
	ok := true
	takes := op.keyNames(false)
	for _, k := range o.order {
		if k != "at" && k != "op" && !op.takes(k) {
			l.errf(o.keys[k], "key %q does not apply to op %s (%s takes %s)", k, op.Name, op.Name, andList(takes))
			ok = false
		}
	}
	required := op.keyNames(true)
	for _, k := range required {
		if !o.Has(k) {
			meaning := rowKey(k).meaning
			if op.keyFlags(k).Path {
				meaning = "the new path"
			}
			l.errf(o.node, "missing key %q in %s: op %s needs %s (%s)", k, what, op.Name, andList(required), meaning)
			ok = false
		}
	}
	return ok
}
