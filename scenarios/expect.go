package scenarios

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// expectSelectors choose the workload row of a step expectation.
var expectSelectors = []string{"step", "at", "client", "from", "to", "op"}

// expectStepKeys assert on a step.
var expectStepKeys = []string{"calls", "value", "result", "executions"}

// expectStreamKeys assert on the stream of a send row.
var expectStreamKeys = []string{"sent", "delivered", "duplicates", "retransmissions", "lost", "corrupted", "in_order"}

// expectKeys are all the keys of an expectation.
var expectKeys = concat([]string{"system", "variant"}, expectSelectors, expectStepKeys, expectStreamKeys, []string{"file", "disk", "broken", "may_break"})

// concat joins lists into a new one.
func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// maxExpectCount bounds the counts an expectation may assert.
const maxExpectCount = 1<<31 - 1

// expectations decodes the expect list. It runs after validate, so that
// rows know their files.
func (l *loader) expectations(n *yaml.Node) {
	items, ok := l.list(n, "expect")
	if !ok {
		return
	}
	for i, it := range items {
		what := fmt.Sprintf("expectation %d", i+1)
		o := l.fields(it, what, expectKeys)
		if o == nil {
			continue
		}
		e := Expectation{Pos: posOf(o.node), Step: -1, Stream: -1}
		if v := o.Get("system"); v != nil {
			if s, ok := l.str(v, "system"); ok {
				if l.systemsOK && !contains(l.sc.Systems, s) {
					l.errf(v, "system: %s is not one of this scenario's systems (%s)%s", s, strings.Join(l.sc.Systems, ", "),
						didYouMean(s, l.sc.Systems, ""))
				}
				e.System = s
			}
		}
		if v := o.Get("variant"); v != nil {
			l.expectVariant(v, &e)
		}
		switch {
		case o.Has("broken") || o.Has("may_break"):
			l.brokenExpectation(o, &e)
		case o.Has("disk") || o.Has("file"):
			l.diskExpectation(o, &e, what)
		default:
			l.stepExpectation(o, &e, what)
		}
		l.sc.Expect = append(l.sc.Expect, e)
	}
}

// brokenExpectation decodes {broken: NAME} or {broken: [NAME, ...]}: the
// invariants the runs it applies to must break; and {may_break: ...}: the
// invariants they may break, or keep.
func (l *loader) brokenExpectation(o *Object, e *Expectation) {
	for _, k := range o.order {
		if k != "system" && k != "variant" && k != "broken" && k != "may_break" {
			l.errf(o.keys[k], "key %q does not apply to a broken expectation (it takes system, variant, broken and may_break)", k)
		}
	}
	if n := o.Get("broken"); n != nil {
		e.Broken = l.invariantList(n, "broken", e)
	}
	if n := o.Get("may_break"); n != nil {
		e.MayBreak = l.invariantList(n, "may_break", e)
	}
}

// invariantList decodes an invariant name or a list of them, each an
// invariant of the systems whose runs e applies to (expectSystems).
func (l *loader) invariantList(n *yaml.Node, what string, e *Expectation) []string {
	r := l.resolve(n)
	if r == nil {
		return nil
	}
	items := []*yaml.Node{r}
	if r.Kind == yaml.SequenceNode {
		var ok bool
		if items, ok = l.list(r, what); !ok {
			return nil
		}
		if len(items) == 0 {
			l.errf(r, "%s: expected at least one invariant", what)
			return nil
		}
	}
	if !l.systemsOK {
		return nil
	}
	systems, v := l.expectSystems(e)
	known := InvariantNames(systems)
	var out []string
	for _, it := range items {
		name, ok := l.nonEmpty(it, what)
		if !ok {
			continue
		}
		if !contains(known, name) {
			owner, _ := LookupInvariant(name)
			switch {
			case owner != nil && e.System != "":
				l.errf(it, "%s: %s is an invariant of system %s, not of %s", what, name, owner.Name, e.System)
			case owner != nil && v != nil && contains(l.sc.Systems, owner.Name):
				l.errf(it, "%s: %s is an invariant of system %s, which variant %s does not apply to", what, name, owner.Name, v.Name)
			case owner != nil:
				l.errf(it, "%s: %s is an invariant of system %s, which systems does not list", what, name, owner.Name)
			case len(known) == 0:
				l.errf(it, "%s: %s is not an invariant; the systems %s have none", what, name, strings.Join(systems, ", "))
			default:
				l.errf(it, "%s: unknown invariant %q (invariants of %s: %s)%s", what, name, strings.Join(systems, ", "),
					strings.Join(known, ", "), didYouMean(name, known, ""))
			}
			continue
		}
		if contains(out, name) {
			l.errf(it, "%s: %s is listed twice", what, name)
			continue
		}
		out = append(out, name)
	}
	return out
}

// expectSystems lists the systems whose runs e applies to: its system,
// or the systems of its variant (returned too when it applies to some
// systems only), or all of the scenario's.
func (l *loader) expectSystems(e *Expectation) ([]string, *Variant) {
	if e.System != "" {
		return []string{e.System}, nil
	}
	if v := l.variantNamed(e.Variant); e.Variant != "" && v != nil && v.Systems != nil {
		return v.Systems, v
	}
	return l.sc.Systems, nil
}

// diskExpectation decodes {file: F, disk: [...]}.
func (l *loader) diskExpectation(o *Object, e *Expectation, what string) {
	for _, k := range o.order {
		if k != "system" && k != "variant" && k != "file" && k != "disk" {
			l.errf(o.keys[k], "key %q does not apply to a disk expectation (it takes system, variant, file and disk)", k)
		}
	}
	if v := o.Require("file", "the file whose blocks disk lists"); v != nil {
		if s, ok := l.str(v, "file"); ok {
			if p, bad := cleanPath(s); bad != "" {
				l.errf(v, "file: expected a file path such as fileA, got %s (%s)", describe(v), bad)
			} else {
				e.File = p
				l.checkKnownFile(v, p)
			}
		}
	}
	if v := o.Require("disk", "the file's expected blocks, such as [a1, a2]"); v != nil {
		items, ok := l.list(v, "disk")
		if ok {
			e.Blocks = []string{}
			for _, it := range items {
				if s, ok := l.str(it, "disk"); ok {
					e.Blocks = append(e.Blocks, s)
				}
			}
		}
	}
}

// checkKnownFile reports a disk expectation on a file that neither files
// nor a create row makes.
func (l *loader) checkKnownFile(n *yaml.Node, p string) {
	var known []string
	for _, f := range l.sc.Files {
		if f.Path == p {
			return
		}
		known = append(known, f.Path)
	}
	for _, st := range l.sc.Workload {
		op := LookupOp(st.Op)
		if op != nil && (op.File == CreatesFile || op.File == CreatesDir) {
			if st.File == p {
				return
			}
			known = append(known, st.File)
		}
		if op != nil && op.keyFlags("to").Path {
			if st.ToPath == p {
				return
			}
			known = append(known, st.ToPath)
		}
	}
	l.errf(n, "file: %s is not in files and no row creates it%s", p, didYouMean(p, known, "files"))
}

// stepExpectation decodes an expectation on one workload row.
func (l *loader) stepExpectation(o *Object, e *Expectation, what string) {
	asserts := false
	for _, k := range o.order {
		if contains(expectStepKeys, k) || contains(expectStreamKeys, k) {
			asserts = true
		}
	}
	if !asserts {
		l.errf(o.node, "%s asserts nothing: expected at least one of %s (or file and disk)", what,
			strings.Join(concat(expectStepKeys, expectStreamKeys), ", "))
	}
	if v := o.Get("calls"); v != nil {
		if items, ok := l.list(v, "calls"); ok {
			calls := []string{}
			for _, it := range items {
				if s, ok := l.nonEmpty(it, "calls"); ok {
					calls = append(calls, s)
				}
			}
			e.Calls = &calls
		}
	}
	if v := o.Get("value"); v != nil {
		if s, ok := l.str(v, "value"); ok {
			e.Value = &s
		}
	}
	if v := o.Get("result"); v != nil {
		if s, ok := l.nonEmpty(v, "result"); ok {
			e.Result = &s
		}
	}
	for _, f := range []struct {
		key string
		dst **int
	}{{"executions", &e.Executions}, {"sent", &e.Sent}, {"delivered", &e.Delivered}, {"duplicates", &e.Duplicates},
		{"retransmissions", &e.Retransmissions}, {"lost", &e.Lost}, {"corrupted", &e.Corrupted}} {
		if v := o.Get(f.key); v != nil {
			if x, ok := l.integer(v, f.key, 0, maxExpectCount); ok {
				*f.dst = &x
			}
		}
	}
	if v := o.Get("in_order"); v != nil {
		if b, ok := l.boolean(v, "in_order"); ok {
			e.InOrder = &b
		}
	}
	i, ok := l.selectRow(o, what)
	if !ok {
		return
	}
	e.Step = i
	st := &l.sc.Workload[i]
	op := LookupOp(st.Op)
	if op.Streams {
		e.Stream = 0
		for j := 0; j < i; j++ {
			if op := LookupOp(l.sc.Workload[j].Op); op != nil && op.Streams {
				e.Stream++
			}
		}
	}
	for _, k := range o.order {
		switch {
		case contains(expectStreamKeys, k) && !op.Streams:
			l.errf(o.keys[k], "%s applies only to %s; row %d is %s", k, rowsOf(func(op *Op) bool { return op.Streams }), i+1, rowLabel(st))
		case k == "executions" && !op.Executions:
			l.errf(o.keys[k], "executions applies only to %s; row %d is %s", rowsOf(func(op *Op) bool { return op.Executions }), i+1, rowLabel(st))
		}
	}
}

// rowsOf names the rows of the registered ops that have a property: "a
// send row", "a send or call row".
func rowsOf(has func(op *Op) bool) string {
	var names []string
	for _, op := range Ops() {
		if has(op) {
			names = append(names, op.Name)
		}
	}
	return "a " + orList(names) + " row"
}

// selectRow finds the one workload row an expectation chooses, by step or
// by at, narrowed by client, from, to and op.
func (l *loader) selectRow(o *Object, what string) (int, bool) {
	stepNode, atNode := o.Get("step"), o.Get("at")
	if stepNode != nil && atNode != nil {
		l.errf(o.keys["at"], "%s: use either step or at to choose the row, not both", what)
		return 0, false
	}
	if stepNode == nil && atNode == nil {
		l.errf(o.node, "%s: expected step (a row number, from 1) or at (a row's time) to choose a workload row, or file and disk for a disk assertion", what)
		return 0, false
	}
	filters := map[string]string{}
	for _, k := range []string{"client", "from", "to", "op"} {
		if v := o.Get(k); v != nil {
			s, ok := l.str(v, k)
			if !ok {
				return 0, false
			}
			filters[k] = s
		}
	}
	if len(l.rows) == 0 || len(l.rows) != len(l.sc.Workload) {
		return 0, false // the workload is missing or broken: reported already
	}
	candidates, where, selector, ok := l.rowCandidates(stepNode, atNode)
	if !ok {
		return 0, false
	}
	var matched []int
	for _, i := range candidates {
		if rowMatches(&l.sc.Workload[i], filters) {
			matched = append(matched, i)
		}
	}
	switch {
	case len(matched) == 1:
		if !l.rowOK[matched[0]] {
			return 0, false // reported with the row
		}
		return matched[0], true
	case len(matched) == 0:
		var keys []string
		for _, k := range []string{"client", "from", "to", "op"} {
			if v, ok := filters[k]; ok {
				keys = append(keys, k+" "+v)
			}
		}
		if stepNode != nil {
			l.errf(selector, "step: %s is %s, which does not have %s", where, rowLabel(&l.sc.Workload[candidates[0]]), andList(keys))
		} else {
			l.errf(selector, "no workload row %s has %s (%s)", where, andList(keys), describeRows(l.sc.Workload, candidates))
		}
	default:
		l.errf(selector, "%d workload rows are %s (%s); add client, from, to or op to choose one",
			len(matched), where, describeRows(l.sc.Workload, matched))
	}
	return 0, false
}

// rowCandidates lists the rows an expectation's step or at names, with
// how messages name them ("row 3", "at 10s") and the key that chose them.
func (l *loader) rowCandidates(stepNode, atNode *yaml.Node) (candidates []int, where string, selector *yaml.Node, ok bool) {
	if stepNode != nil {
		n, ok := l.integer(stepNode, "step", 1, int64(len(l.sc.Workload)))
		if !ok {
			return nil, "", nil, false
		}
		return []int{n - 1}, fmt.Sprintf("row %d", n), stepNode, true
	}
	at, ok := l.duration(atNode, "at")
	if !ok {
		return nil, "", nil, false
	}
	for i, st := range l.sc.Workload {
		if st.At == at {
			candidates = append(candidates, i)
		}
	}
	if len(candidates) == 0 {
		l.errf(atNode, "at: no workload row is at %s%s", fmtDuration(at), l.nearestTimes(at))
		return nil, "", nil, false
	}
	return candidates, "at " + fmtDuration(at), atNode, true
}

// rowMatches reports whether st has every key-value of filters.
func rowMatches(st *Step, filters map[string]string) bool {
	for k, v := range filters {
		var got string
		switch k {
		case "client":
			got = st.Client
		case "from":
			got = st.From
		case "to":
			got = st.To
		case "op":
			got = st.Op
		}
		if got != v {
			return false
		}
	}
	return true
}

// nearestTimes names the row times just before and after at.
func (l *loader) nearestTimes(at time.Duration) string {
	before, after := time.Duration(-1), time.Duration(-1)
	for _, st := range l.sc.Workload {
		if st.At < 0 {
			continue
		}
		if st.At < at && st.At > before {
			before = st.At
		}
		if st.At > at && (after < 0 || st.At < after) {
			after = st.At
		}
	}
	switch {
	case before >= 0 && after >= 0:
		return fmt.Sprintf(" (the nearest are at %s and %s)", fmtDuration(before), fmtDuration(after))
	case before >= 0:
		return fmt.Sprintf(" (the last is at %s)", fmtDuration(before))
	case after >= 0:
		return fmt.Sprintf(" (the first is at %s)", fmtDuration(after))
	}
	return ""
}

// describeRows lists up to five rows as "row 3: A read, row 4: B write".
func describeRows(rows []Step, idx []int) string {
	var parts []string
	for i, j := range idx {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(idx)-5))
			break
		}
		parts = append(parts, fmt.Sprintf("row %d: %s", j+1, rowLabel(&rows[j])))
	}
	return strings.Join(parts, ", ")
}

// rowLabel describes a row briefly: "client A's read", or as its op says
// (Op.Label: "a send from A to B").
func rowLabel(st *Step) string {
	if op := LookupOp(st.Op); op != nil && op.Label != nil {
		return op.Label(st)
	}
	switch {
	case st.Client != "" && st.Op != "":
		return fmt.Sprintf("client %s's %s", st.Client, st.Op)
	case st.Op != "":
		return "a " + st.Op
	}
	return "a row"
}
