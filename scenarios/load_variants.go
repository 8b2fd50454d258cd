package scenarios

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// variantBlocks are the option blocks a variant may override, in the order
// of the format: the network, every registered block, disk and limits.
func variantBlocks() []string {
	return concat([]string{"network"}, blockNames(), []string{"disk", "limits"})
}

// variantKeys are the keys of a variant.
func variantKeys() []string {
	return concat([]string{"name", "description", "systems"}, variantBlocks(), []string{"faults"})
}

// maxVariants bounds the variants of a scenario: each one runs every
// system again.
const maxVariants = 100

// variantSource is what a variant changes, as YAML nodes: its option
// blocks by key and its faults list, and the systems it applies to (nil:
// all of the file's).
type variantSource struct {
	name    string
	blocks  map[string]*yaml.Node
	faults  *yaml.Node
	systems []string
}

// variantList decodes the variants list and loads each variant's scenario
// from root with the variant applied, appending them to l.sc.Variants. It
// returns the systems some entry of the list applies to, valid or not (so
// that a mistake in a variant does not make its systems look plain); all
// of them when the list itself is wrong.
func (l *loader) variantList(root, n *yaml.Node) map[string]bool {
	covered := map[string]bool{}
	all := func() map[string]bool {
		for _, s := range l.sc.Systems {
			covered[s] = true
		}
		return covered
	}
	items, ok := l.list(n, "variants")
	if !ok {
		return all()
	}
	const example = "such as {name: fast, rpc: {timeout: 10ms}}"
	if len(items) == 0 {
		l.errf(n, "variants: expected at least one variant (%s); without variants, leave the key out", example)
		return all()
	}
	if len(items) > maxVariants {
		l.errf(items[maxVariants], "variants: at most %d variants, got %d", maxVariants, len(items))
		return all()
	}
	first := map[string]Pos{}
	keys, blocks := variantKeys(), variantBlocks()
	for i, it := range items {
		what := fmt.Sprintf("variant %d", i+1)
		o := l.fields(it, what, keys)
		if o == nil {
			all()
			continue
		}
		v := Variant{Pos: posOf(o.node)}
		nameOK := l.variantName(o, first, &v)
		if dn := o.Get("description"); dn != nil {
			v.Description, _ = l.str(dn, "description")
		}
		if sn := o.Get("systems"); sn != nil {
			v.Systems = l.variantSystems(sn)
		}
		if v.Systems == nil {
			all()
		}
		for _, s := range v.Systems {
			covered[s] = true
		}
		src := &variantSource{name: v.Name, blocks: map[string]*yaml.Node{}, faults: o.Get("faults"), systems: v.Systems}
		for _, k := range blocks {
			if bn := o.Get(k); bn != nil {
				src.blocks[k] = bn
			}
		}
		if !nameOK {
			// The variant cannot be named in a table, an expectation or
			// a message: its options are still checked below, but it is
			// not kept.
			src.name = fmt.Sprintf("%d", i+1)
		}
		vsc := l.loadVariant(root, src)
		if l.aborted {
			return covered
		}
		if nameOK {
			v.Scenario = vsc
			l.sc.Variants = append(l.sc.Variants, v)
		}
	}
	return covered
}

// variantName decodes the name of the variant o into v, reporting
// whether it is good: of the right form, and not in first (the names
// before it, which it joins).
func (l *loader) variantName(o *Object, first map[string]Pos, v *Variant) bool {
	nn := o.Require("name", "the variant's name, such as fixed_50ms")
	if nn == nil {
		return false
	}
	s, ok := l.str(nn, "name")
	if !ok {
		return false
	}
	switch prev, dup := first[s]; {
	case !scenarioName.MatchString(s):
		l.errf(nn, "name: expected lower-case letters, digits, _ and - only, got %s", describe(nn))
	case dup:
		l.errf(nn, "variant %q appears twice (first at line %d)", s, prev.Line)
	default:
		first[s] = posOf(nn)
		v.Name = s
		return true
	}
	return false
}

// variantSystems decodes a variant's systems: a list of the file's
// systems, each once. It returns them in the order of the file's
// systems, or nil (all of them) when the list is wrong.
func (l *loader) variantSystems(n *yaml.Node) []string {
	items, ok := l.list(n, "systems")
	if !ok || !l.systemsOK {
		return nil
	}
	file := l.sc.Systems
	if len(items) == 0 {
		l.errf(n, "systems: expected at least one of the file's systems (%s); to apply the variant to all of them, leave the key out",
			strings.Join(file, ", "))
		return nil
	}
	first := map[string]*yaml.Node{}
	good := true
	for _, it := range items {
		s, ok := l.str(it, "systems")
		switch {
		case !ok:
			good = false
		case !contains(file, s):
			l.errf(it, "systems: %s is not one of the file's systems (%s)%s", s, strings.Join(file, ", "), didYouMean(s, file, ""))
			good = false
		case first[s] != nil:
			l.errf(it, "systems: %s is listed twice (first at line %d)", s, posOf(first[s]).Line)
		default:
			first[s] = it
		}
	}
	if !good {
		return nil
	}
	var out []string
	for _, s := range file {
		if first[s] != nil {
			out = append(out, s)
		}
	}
	return out
}

// restrictSystems leaves in the scenario being loaded only the systems
// of list (a variant's): the checks of the others do not apply to it.
func (l *loader) restrictSystems(list []string) {
	var systems []*System
	var names []string
	for i, s := range l.sc.Systems {
		if contains(list, s) {
			names = append(names, s)
			systems = append(systems, l.systems[i])
		}
	}
	l.sc.Systems, l.systems = names, systems
}

// plainSystems lists the file's systems that are not covered (by a
// variant: see variantList): each runs once with the file's own settings.
func (l *loader) plainSystems(covered map[string]bool) []string {
	var out []string
	for _, s := range l.sc.Systems {
		if !covered[s] {
			out = append(out, s)
		}
	}
	return out
}

// loadVariant loads the scenario at root as variant v runs it, with a
// loader of its own so that its parts do not mix with the file's. Its
// errors join l's (an error in a part the variant shares with the file
// comes out once per variant, at the same position, and errorList drops
// the repeats). The values it reads count against l's bound.
func (l *loader) loadVariant(root *yaml.Node, v *variantSource) *Scenario {
	sub := &loader{file: l.file, values: l.values, inVariant: true}
	sc := sub.scenario(root, v)
	l.values = sub.values
	l.errs = append(l.errs, sub.errs...)
	if sub.aborted {
		l.aborted, l.tooLarge = true, sub.tooLarge
	}
	return sc
}

// block returns the option block k of the scenario as variant v runs it:
// the file's block (from top), with v's keys replacing the file's values
// for those keys. With v nil, or when v does not set k, it is the file's
// block as it is.
func (v *variantSource) block(l *loader, top *Object, k string) *yaml.Node {
	file := top.Get(k)
	if v == nil || v.blocks[k] == nil {
		return file
	}
	over := l.resolve(v.blocks[k])
	if over == nil {
		return file
	}
	if over.Kind == yaml.ScalarNode && over.ShortTag() == "!!null" {
		return file // `reliable:` or `reliable: ~` in a variant changes nothing
	}
	if over.Kind != yaml.MappingNode || file == nil {
		// Not a mapping: the block's decoder reports it at its position.
		return over
	}
	base := l.resolve(file)
	if base == nil || base.Kind != yaml.MappingNode {
		// The file's block is empty or wrong (the file's own load
		// reports the latter): the variant's keys are the block.
		return over
	}
	overridden := map[string]bool{}
	for i := 0; i+1 < len(over.Content); i += 2 {
		if key := follow(over.Content[i]); key != nil && key.Kind == yaml.ScalarNode {
			overridden[key.Value] = true
		}
	}
	// The merged mapping stands where the variant's block does, so that a
	// problem of the block as a whole is reported there.
	merged := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: over.Line, Column: over.Column}
	for i := 0; i+1 < len(base.Content); i += 2 {
		if key := follow(base.Content[i]); key != nil && key.Kind == yaml.ScalarNode && overridden[key.Value] {
			continue
		}
		merged.Content = append(merged.Content, base.Content[i], base.Content[i+1])
	}
	merged.Content = append(merged.Content, over.Content...)
	return merged
}

// follow returns the node an alias names (n itself when it is no alias),
// or nil for a broken chain; unlike resolve it does not count the value.
func follow(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 100 {
			return nil
		}
		n = n.Alias
	}
	return n
}

// variantNames lists the names of the scenario's variants.
func (l *loader) variantNames() []string {
	names := make([]string, len(l.sc.Variants))
	for i, v := range l.sc.Variants {
		names[i] = v.Name
	}
	return names
}

// expectVariant decodes the variant key of an expectation.
func (l *loader) expectVariant(n *yaml.Node, e *Expectation) {
	s, ok := l.str(n, "variant")
	if !ok {
		return
	}
	e.Variant = s
	names := l.variantNames()
	switch v := l.variantNamed(s); {
	case !l.hasVariants:
		l.errf(n, "variant: the scenario has no variants; remove the key, or add a variants list")
	case !contains(names, s) && len(names) > 0:
		l.errf(n, "variant: %s is not one of this scenario's variants (%s)%s", s, strings.Join(names, ", "),
			didYouMean(s, names, ""))
	case v != nil && e.System != "" && !v.AppliesTo(e.System):
		l.errf(n, "variant: %s applies only to %s, not to system %s; leave out system, or name a system %s applies to",
			s, strings.Join(v.Systems, ", "), e.System, s)
	}
}

// variantNamed returns the scenario's variant named name, nil when it has
// none of that name.
func (l *loader) variantNamed(name string) *Variant {
	for i := range l.sc.Variants {
		if l.sc.Variants[i].Name == name {
			return &l.sc.Variants[i]
		}
	}
	return nil
}

// variantSets reports whether n is the value of a key the variant being
// loaded sets in its own limits block (rather than one the file sets).
func (l *loader) variantSets(n *yaml.Node) bool {
	if l.variant == nil {
		return false
	}
	b := follow(l.variant.blocks["limits"])
	if b == nil || b.Kind != yaml.MappingNode {
		return false
	}
	for i := 1; i < len(b.Content); i += 2 {
		if b.Content[i] == n {
			return true
		}
	}
	return false
}
