package explore

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// A counterexample is a scenario file of its own: the original file's
// YAML, cut down to the one system and the one variant that broke the
// invariant (the variant's settings merged into the file's, as the
// loader merges them), with the drawn network values and faults written
// in, and without the variants, expectations and explore block. Shrinking
// edits which rows and faults it keeps and how large the drawn values are,
// and keeps an edit when the file, loaded and run as `sim run` would,
// still breaks the invariant. Working on the file, not on the loaded
// scenario, makes every candidate exactly what the user will run.

// trial is what running a candidate gave: whether it breaks the target
// invariant (ok) and the first violation's message, whether the run
// stopped at its bound, and how many events it took.
type trial struct {
	msg       string
	ok, bound bool
	events    uint64
}

// breaks loads candidate c as a scenario file and runs it as `sim run`
// would. maxEvents, when not 0, lowers the run's event bound.
func (e *Explorer) breaks(t target, c candidate, maxEvents uint64) trial {
	var r trial
	text, err := e.render(t, c, "")
	if err != nil {
		return r
	}
	sc, err := scenarios.Load(e.counterexampleName(t), text)
	if err != nil {
		return r
	}
	if maxEvents > 0 && maxEvents < sc.Limits.MaxEvents {
		sc.Limits.MaxEvents = maxEvents
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{ChecksOnly: true})
	if err != nil {
		return r
	}
	for _, sys := range res.Systems {
		r.bound = r.bound || sys.Bound != ""
		r.events += sys.Events
	}
	for _, v := range res.Violations {
		if v.Invariant == t.invariant && v.System == t.system {
			r.msg, r.ok = v.Message, true
			break
		}
	}
	return r
}

// runScenario is the scenario of variant's runs; for "", the file's own,
// which the systems no variant applies to run.
func (e *Explorer) runScenario(variant string) *scenarios.Scenario {
	for _, v := range e.base.Variants {
		if v.Name == variant {
			return v.Scenario
		}
	}
	return e.base
}

// counterexampleName is the file name of t's counterexample,
// SEED-INVARIANT.yaml.
func (e *Explorer) counterexampleName(t target) string {
	return fmt.Sprintf("%d-%s.yaml", t.seed, t.invariant)
}

// FileName is the file name of a finding's counterexample.
func (f *Finding) FileName() string { return fmt.Sprintf("%d-%s.yaml", f.Seed, f.Invariant) }

// render writes candidate c as a scenario file; msg, when not empty, goes
// into its head comment.
func (e *Explorer) render(t target, c candidate, msg string) ([]byte, error) {
	root := copyNode(e.doc)
	stripComments(root)
	if t.variant != "" {
		mergeVariant(root, t.variant)
	}
	set(root, "name", scalar(truncateName(fmt.Sprintf("%s-%d-%s", e.Name, t.seed, t.invariant))))
	set(root, "description", scalar(fmt.Sprintf("%s broken: seed %d of sim explore %s, shrunk", t.invariant, t.seed, e.Name)))
	set(root, "seed", scalar(strconv.FormatUint(t.seed, 10)))
	set(root, "systems", flowSeq(scalar(t.system)))
	for _, k := range []string{"variants", "expect", "explore"} {
		del(root, k)
	}
	for _, d := range c.drawn {
		net := get(root, "network")
		// A probability shrunk to 0 that the file does not set is left
		// out: the network's default is 0.
		if !d.Duration && d.Value == 0 && get(net, d.Key) == nil {
			continue
		}
		if net == nil || net.Kind != yaml.MappingNode {
			net = &yaml.Node{Kind: yaml.MappingNode}
			set(root, "network", net)
		}
		set(net, d.Key, scalar(formatDraw(d)))
	}
	rows := get(root, "workload")
	if rows == nil || rows.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("the scenario's workload is not a list")
	}
	set(root, "workload", e.keptRows(rows, c))
	faults := &yaml.Node{Kind: yaml.SequenceNode}
	if own := get(root, "faults"); own != nil && own.Kind == yaml.SequenceNode {
		for _, i := range c.faults {
			if i < len(own.Content) {
				faults.Content = append(faults.Content, own.Content[i])
			}
		}
	}
	for _, u := range c.units {
		for _, f := range u.Faults {
			if u.Template >= 0 {
				faults.Content = append(faults.Content, e.drawnNode(u.Template, f))
			} else {
				faults.Content = append(faults.Content, faultNode(f))
			}
		}
	}
	if len(faults.Content) > 0 {
		set(root, "faults", faults)
	} else {
		del(root, "faults")
	}
	orderKeys(root)
	root.HeadComment = e.headComment(t, c, msg)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// keptRows is the workload list of candidate c: the rows and program
// rows it keeps, in the order of the file.
func (e *Explorer) keptRows(rows *yaml.Node, c candidate) *yaml.Node {
	at := make([]bool, len(rows.Content))
	for _, i := range c.rows {
		at[e.rowAt[i]] = true
	}
	for _, i := range c.programs {
		at[e.base.Programs[i].Row] = true
	}
	kept := &yaml.Node{Kind: yaml.SequenceNode}
	for i, keep := range at {
		if keep {
			kept.Content = append(kept.Content, rows.Content[i])
		}
	}
	return kept
}

// headComment says where a counterexample comes from and what it shows.
func (e *Explorer) headComment(t target, c candidate, msg string) string {
	if msg == "" {
		return ""
	}
	run := "system " + t.system
	if t.variant != "" {
		run += ", variant " + t.variant + ", whose settings are merged in below"
	}
	text := fmt.Sprintf("A counterexample to %s, found by `sim explore %s` with seed %d (%s) and shrunk to %s and %s. "+
		"`sim run` on this file reproduces it (exit status 1), and `sim run` with --out draws its diagram:",
		t.invariant, e.Name, t.seed, run, report.Plural(len(c.rows)+len(c.programs), "workload row", "workload rows"),
		report.Plural(c.faultCount(), "fault", "faults"))
	return wrap(text, 76) + "\n  " + msg
}

// wrap breaks text into lines of at most width columns, at spaces.
func wrap(text string, width int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n")
}

// formatDraw writes a drawn value as the scenario format reads it.
func formatDraw(d Draw) string {
	if d.Duration {
		return scenarios.FormatDuration(time.Duration(d.Value))
	}
	return strconv.FormatFloat(d.Value, 'f', -1, 64)
}

// faultNode writes a drawn fault as a faults entry.
func faultNode(f scenarios.Fault) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	add := func(k string, v *yaml.Node) { m.Content = append(m.Content, scalar(k), v) }
	add("at", scalar(scenarios.FormatDuration(f.At)))
	switch f.Kind {
	case "partition":
		groups := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, g := range f.Groups {
			side := flowSeq()
			for _, n := range g {
				side.Content = append(side.Content, scalar(n))
			}
			groups.Content = append(groups.Content, side)
		}
		add("partition", groups)
		if f.HasHeal {
			add("heal_at", scalar(scenarios.FormatDuration(f.HealAt)))
		}
	default:
		add(f.Kind, scalar(f.Node))
	}
	return m
}

// drawnNode writes a fault drawn from explore.faults entry j as a faults
// entry: the explore entry as the file writes it, without max, duration
// and at, with the drawn at first; the fault that undoes it has the
// undoing kind's key in place of the entry's kind.
func (e *Explorer) drawnNode(j int, f scenarios.Fault) *yaml.Node {
	m := e.template(j)
	m.Content = append([]*yaml.Node{scalar("at"), scalar(scenarios.FormatDuration(f.At))}, m.Content...)
	if kind := e.plan.Faults[j].Fault.Kind; f.Kind != kind {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == kind {
				m.Content[i] = scalar(f.Kind)
			}
		}
	}
	return m
}

// template returns a copy of explore.faults entry j without max,
// duration and at, in flow style.
func (e *Explorer) template(j int) *yaml.Node {
	m := copyNode(get(get(e.doc, "explore"), "faults").Content[j])
	stripComments(m)
	for _, k := range []string{"at", "max", "duration"} {
		del(m, k)
	}
	m.Style = yaml.FlowStyle
	return m
}

// Template writes explore.faults entry j as what it draws, the fault
// without its at, max and duration: "{flush: server}".
func (e *Explorer) Template(j int) string {
	b, err := yaml.Marshal(e.template(j))
	if err != nil {
		return e.plan.Faults[j].Fault.Kind
	}
	return strings.TrimSpace(string(b))
}

// truncateName keeps a scenario name within a reasonable length.
func truncateName(s string) string {
	if len(s) > 120 {
		return s[:120]
	}
	return s
}

// mergeVariant merges variant name's settings into the file's, as the
// loader does: each key a variant block sets replaces the file's value for
// that key (a list whole), a block the file lacks is the variant's, and
// the variant's faults come after the file's.
func mergeVariant(root *yaml.Node, name string) {
	var v *yaml.Node
	if vs := get(root, "variants"); vs != nil && vs.Kind == yaml.SequenceNode {
		for _, it := range vs.Content {
			if n := get(it, "name"); n != nil && n.Value == name {
				v = it
			}
		}
	}
	if v == nil {
		return
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		key, val := v.Content[i].Value, v.Content[i+1]
		switch key {
		case "name", "description", "systems":
			// The counterexample runs the one system t names.
		case "faults":
			own := get(root, "faults")
			if own == nil || own.Kind != yaml.SequenceNode {
				own = &yaml.Node{Kind: yaml.SequenceNode}
				set(root, "faults", own)
			}
			if val.Kind == yaml.SequenceNode {
				own.Content = append(own.Content, val.Content...)
			}
		default:
			block := get(root, key)
			if block == nil || block.Kind != yaml.MappingNode || val.Kind != yaml.MappingNode {
				set(root, key, val)
				continue
			}
			for j := 0; j+1 < len(val.Content); j += 2 {
				set(block, val.Content[j].Value, val.Content[j+1])
			}
		}
	}
}

// orderKeys puts the top-level keys in the order the format lists them.
func orderKeys(root *yaml.Node) {
	order := []string{"name", "description", "seed", "systems", "network", "nodes"}
	for _, b := range scenarios.Blocks() {
		order = append(order, b.Name)
	}
	order = append(order, "disk", "limits", "report", "files", "workload", "faults")
	rank := map[string]int{}
	for i, k := range order {
		rank[k] = i + 1
	}
	type pair struct{ k, v *yaml.Node }
	var pairs []pair
	for i := 0; i+1 < len(root.Content); i += 2 {
		pairs = append(pairs, pair{root.Content[i], root.Content[i+1]})
	}
	for i := 1; i < len(pairs); i++ {
		for j := i; j > 0 && rank[pairs[j].k.Value] < rank[pairs[j-1].k.Value]; j-- {
			pairs[j], pairs[j-1] = pairs[j-1], pairs[j]
		}
	}
	root.Content = root.Content[:0]
	for _, p := range pairs {
		root.Content = append(root.Content, p.k, p.v)
	}
}

// YAML tree helpers.

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }

func flowSeq(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: items}
}

// get returns the value of key in mapping m, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// set sets key in mapping m, appending it when missing.
func set(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, scalar(key), v)
}

// del removes key from mapping m.
func del(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// copyNode copies a tree (without aliases).
func copyNode(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = copyNode(x)
	}
	return &c
}

// expandAliases returns a copy of the tree in which every alias is a copy
// of what it names, and no node has an anchor: parts of it can then be
// moved and dropped freely. The loader has bounded the tree's size.
func expandAliases(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return expandAliases(n.Alias)
	}
	c := *n
	c.Anchor, c.Alias = "", nil
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = expandAliases(x)
	}
	return &c
}

// stripComments removes every comment: the original file's comments
// describe the original scenario, not the counterexample.
func stripComments(n *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		stripComments(c)
	}
}
