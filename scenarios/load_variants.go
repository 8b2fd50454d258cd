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
	return concat([]string{"name", "description"}, variantBlocks(), []string{"faults"})
}

// maxVariants bounds the variants of a scenario: each one runs every
// system again.
const maxVariants = 100

// variantSource is what a variant changes, as YAML nodes: its option
// blocks by key and its faults list.
type variantSource struct {
	name   string
	blocks map[string]*yaml.Node
	faults *yaml.Node
}

// variantList decodes the variants list and loads each variant's scenario
// from root with the variant applied, appending them to l.sc.Variants.
func (l *loader) variantList(root, n *yaml.Node) {
	items, ok := l.list(n, "variants")
	if !ok {
		return
	}
	const example = "such as {name: fast, rpc: {timeout: 10ms}}"
	if len(items) == 0 {
		l.errf(n, "variants: expected at least one variant (%s); without variants, leave the key out", example)
		return
	}
	if len(items) > maxVariants {
		l.errf(items[maxVariants], "variants: at most %d variants, got %d", maxVariants, len(items))
		return
	}
	first := map[string]Pos{}
	keys, blocks := variantKeys(), variantBlocks()
	for i, it := range items {
		what := fmt.Sprintf("variant %d", i+1)
		o := l.fields(it, what, keys)
		if o == nil {
			continue
		}
		v := Variant{Pos: posOf(o.node)}
		nameOK := false
		if nn := o.Require("name", "the variant's name, such as fixed_50ms"); nn != nil {
			if s, ok := l.str(nn, "name"); ok {
				switch prev, dup := first[s]; {
				case !scenarioName.MatchString(s):
					l.errf(nn, "name: expected lower-case letters, digits, _ and - only, got %s", describe(nn))
				case dup:
					l.errf(nn, "variant %q appears twice (first at line %d)", s, prev.Line)
				default:
					first[s] = posOf(nn)
					v.Name, nameOK = s, true
				}
			}
		}
		if dn := o.Get("description"); dn != nil {
			v.Description, _ = l.str(dn, "description")
		}
		src := &variantSource{name: v.Name, blocks: map[string]*yaml.Node{}, faults: o.Get("faults")}
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
			return
		}
		if nameOK {
			v.Scenario = vsc
			l.sc.Variants = append(l.sc.Variants, v)
		}
	}
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
	switch {
	case !l.hasVariants:
		l.errf(n, "variant: the scenario has no variants; remove the key, or add a variants list")
	case !contains(names, s) && len(names) > 0:
		l.errf(n, "variant: %s is not one of this scenario's variants (%s)%s", s, strings.Join(names, ", "),
			didYouMean(s, names, ""))
	}
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
