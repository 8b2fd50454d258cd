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
			if nn = o.require("name", "the node's name"); nn == nil {
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
		l.files[p] = posOf(k)
		f := File{Path: p, Blocks: []string{}, Pos: posOf(k)}
		bn := l.resolve(v)
		if bn == nil {
			return
		}
		if bn.Kind == yaml.MappingNode {
			o := l.fields(bn, "file "+p, []string{"blocks"})
			bn = o.get("blocks")
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
		l.sc.Files = append(l.sc.Files, f)
	}
}

// opSpec lists the keys of a workload op besides at and op.
type opSpec struct {
	required, optional []string
}

// keys lists every key op takes, required first.
func (s opSpec) keys() []string {
	return append(append([]string{}, s.required...), s.optional...)
}

// opSpecs gives the keys of every workload op.
var opSpecs = map[string]opSpec{
	"open":   {required: []string{"client", "file", "fd"}},
	"read":   {required: []string{"client", "fd", "block"}},
	"write":  {required: []string{"client", "fd", "block"}, optional: []string{"data"}},
	"close":  {required: []string{"client", "fd"}},
	"create": {required: []string{"client", "file"}, optional: []string{"fd"}},
	"remove": {required: []string{"client", "file"}},
	"mkdir":  {required: []string{"client", "file"}},
	"stat":   {required: []string{"client", "file"}},
	"append": {required: []string{"client", "fd"}, optional: []string{"data"}},
	"seek":   {required: []string{"client", "fd", "block"}},
	"send":   {required: []string{"from", "to"}, optional: []string{"count", "size", "interval"}},
	"call":   {required: []string{"client", "server", "proc"}, optional: []string{"args"}},
	"agree":  {required: []string{"from", "to"}, optional: []string{"count"}},
}

// allOps lists every workload op, in the order of the format.
var allOps = append(append([]string{}, fsOps...), "send", "call", "agree")

// rowKeys are all the keys a workload row may have.
var rowKeys = []string{"at", "op", "client", "fd", "file", "block", "data", "from", "to", "count", "size",
	"interval", "server", "proc", "args"}

// keyMeaning says what each row key holds, for "missing key" messages.
var keyMeaning = map[string]string{
	"client": "the node that makes the call",
	"fd":     "the client's name for the open file",
	"file":   "a path such as fileA",
	"block":  "a block index, from 0",
	"from":   "the sending node",
	"to":     "the receiving node",
	"server": "the node that runs the procedure",
	"proc":   "the procedure's name",
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
	var prev *Step
	for i, it := range items {
		what := fmt.Sprintf("workload row %d", i+1)
		st := Step{Index: i, Pos: posOf(it), At: -1}
		o := l.fields(it, what, rowKeys)
		ok := o != nil && l.row(o, &st, what)
		if o != nil {
			st.Pos = posOf(o.node)
		}
		if st.At >= 0 {
			if prev != nil && st.At < prev.At {
				l.errf(o.get("at"), "at: %s is before %s, the time of an earlier row (line %d); workload rows must be in time order",
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

// row decodes one workload row into st and reports whether it is valid.
func (l *loader) row(o *object, st *Step, what string) bool {
	ok := true
	if v := o.require("at", "the row's time, such as 10s"); v != nil {
		if d, dok := l.duration(v, "at"); dok {
			st.At = d
		} else {
			ok = false
		}
	} else {
		ok = false
	}
	opNode := o.require("op", "one of "+strings.Join(allOps, ", "))
	if opNode == nil {
		return false
	}
	op, opOK := l.str(opNode, "op")
	if !opOK {
		return false
	}
	if !contains(allOps, op) {
		l.errf(opNode, "unknown op %q%s", op, didYouMean(op, allOps, "ops"))
		return false
	}
	st.Op = op
	spec := opSpecs[op]
	takes := spec.keys()
	for _, k := range o.order {
		if k != "at" && k != "op" && !contains(takes, k) {
			l.errf(o.keys[k], "key %q does not apply to op %s (%s takes %s)", k, op, op, andList(takes))
			ok = false
		}
	}
	for _, k := range spec.required {
		if !o.has(k) {
			l.errf(o.node, "missing key %q in %s: op %s needs %s (%s)", k, what, op, andList(spec.required), keyMeaning[k])
			ok = false
		}
	}
	if op == "send" {
		st.Count, st.Size = 1, 100
	}
	for _, k := range o.order {
		if !contains(takes, k) {
			continue
		}
		v := o.vals[k]
		var vok bool
		switch k {
		case "client", "from", "to", "server":
			var name string
			if name, vok = l.nodeName(v, k, false); vok {
				l.rowUses = append(l.rowUses, nameUse{name, v})
				switch k {
				case "client":
					st.Client = name
				case "from":
					st.From = name
				case "to":
					st.To = name
				case "server":
					st.Server = name
				}
			}
		case "fd":
			st.FD, vok = l.str(v, "fd")
			if vok && !fdPattern.MatchString(st.FD) {
				l.errf(v, "fd: expected a name (letters, digits, _ and -), got %s", describe(v))
				vok = false
			}
		case "file":
			var s string
			if s, vok = l.str(v, "file"); vok {
				p, bad := cleanPath(s)
				if bad != "" {
					l.errf(v, "file: expected a file path such as fileA or home/notes, got %s (%s)", describe(v), bad)
					vok = false
				}
				st.File = p
			}
		case "block":
			st.Block, vok = l.integer(v, "block", 0, maxBlock)
			st.HasBlock = vok
		case "data":
			st.Data, vok = l.str(v, "data")
			st.HasData = vok
		case "count":
			st.Count, vok = l.integer(v, "count", 1, maxCount)
		case "size":
			st.Size, vok = l.size(v, "size", 1, maxSendSize)
		case "interval":
			st.Interval, vok = l.duration(v, "interval")
		case "proc":
			st.Proc, vok = l.nonEmpty(v, "proc")
		case "args":
			st.Args, vok = l.str(v, "args")
		}
		ok = ok && vok
	}
	if ok && op == "send" && st.From == st.To {
		l.errf(o.get("to"), "to: a send row needs two different nodes, got %s twice", st.To)
		ok = false
	}
	if ok && op == "call" && st.Client == st.Server {
		l.errf(o.get("server"), "server: a call row needs two different nodes, got %s as client and server", st.Client)
		ok = false
	}
	return ok
}
