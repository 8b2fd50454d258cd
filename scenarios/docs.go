package scenarios

import (
	"strings"
)

// SystemsTable is the docs' table of systems (docs/scenario-format.md,
// "Systems and their options"), in Markdown: each registered system, what
// runs, and its workload ops.
func SystemsTable() string {
	var b strings.Builder
	b.WriteString("| System | What runs | Workload ops |\n|---|---|---|\n")
	for _, s := range Systems() {
		ops := s.OpsDoc
		if ops == "" {
			ops = "`" + strings.Join(s.opNames(), "`, `") + "`"
		}
		b.WriteString("| `" + s.Name + "` | " + s.Doc + " | " + ops + " |\n")
	}
	return b.String()
}

// OptionsTable is the docs' table of an option block's keys, in Markdown:
// each key, its default and what it does. A key without a Doc shares the
// row of the key before it ("`min_rto`, `max_rto`"). It is "" for a block
// no system registered.
func OptionsTable(block string) string {
	b := LookupBlock(block)
	if b == nil {
		return ""
	}
	var out strings.Builder
	out.WriteString("| Key | Default | Meaning |\n|---|---|---|\n")
	for i := 0; i < len(b.Options); {
		names, defaults := []string{"`" + b.Options[i].Name + "`"}, []string{b.Options[i].Default}
		doc := b.Options[i].Doc
		for i++; i < len(b.Options) && b.Options[i].Doc == ""; i++ {
			names = append(names, "`"+b.Options[i].Name+"`")
			defaults = append(defaults, b.Options[i].Default)
		}
		out.WriteString("| " + strings.Join(names, ", ") + " | " + strings.Join(defaults, ", ") + " | " + doc + " |\n")
	}
	return out.String()
}

// BlocksCell is the docs' list of the registered option blocks, as the
// tables of top-level and variant keys name them: "`pipe`, `nfs`, ...".
func BlocksCell() string {
	return "`" + strings.Join(blockNames(), "`, `") + "`"
}

// OpsTable is the docs' table of workload ops (docs/scenario-format.md,
// "Workload"), in Markdown: each registered op, its keys (optional ones
// in brackets, with their defaults) and its notes. Ops in a row of the
// registry's order with the same keys and no notes share a line
// ("`remove`, `mkdir`, `stat`").
func OpsTable() string {
	var b strings.Builder
	b.WriteString("| Op | Keys | Notes |\n|---|---|---|\n")
	ops := Ops()
	for i := 0; i < len(ops); {
		names := []string{"`" + ops[i].Name + "`"}
		keys := opKeysCell(ops[i])
		j := i + 1
		for ; ops[i].Doc == "" && j < len(ops) && ops[j].Doc == "" && opKeysCell(ops[j]) == keys; j++ {
			names = append(names, "`"+ops[j].Name+"`")
		}
		doc := ops[i].Doc
		if doc != "" {
			doc += " "
		}
		b.WriteString("| " + strings.Join(names, ", ") + " | " + keys + " | " + doc + "|\n")
		i = j
	}
	return b.String()
}

// opKeysCell writes an op's keys: "`client`, `fd`, [`count`=1]".
func opKeysCell(op *Op) string {
	cells := make([]string, len(op.Keys))
	for i, k := range op.Keys {
		c := "`" + k.Name + "`"
		switch {
		case k.Required:
		case k.Default != "":
			c = "[" + c + "=" + k.Default + "]"
		default:
			c = "[" + c + "]"
		}
		cells[i] = c
	}
	return strings.Join(cells, ", ")
}

// FaultsList is the docs' list of fault kinds (docs/scenario-format.md,
// "Faults"): a YAML block with one entry per kind, common and registered,
// in order, each with what it does as a comment.
func FaultsList() string {
	var b strings.Builder
	width := 0
	for _, k := range FaultKinds() {
		if n := len(k.Example); n <= 50 && n > width {
			width = n
		}
	}
	b.WriteString("```yaml\nfaults:\n")
	for _, k := range FaultKinds() {
		line := "  - " + k.Example
		if k.Doc != "" {
			pad := width + 2 - len(k.Example)
			if pad < 2 {
				pad = 3 // a long example: its comment stands apart
			}
			line += strings.Repeat(" ", pad) + "# " + k.Doc
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("```\n")
	return b.String()
}

// InvariantsTable is the docs' table of the systems' invariants
// (docs/scenario-format.md, "Expectations"), in Markdown: each system's
// invariants, what holds, and the lecture's slide it comes from.
func InvariantsTable() string {
	var b strings.Builder
	b.WriteString("| System | Invariant | What holds after every run | From the lecture |\n|---|---|---|---|\n")
	for _, s := range Systems() {
		for _, inv := range s.Invariants {
			b.WriteString("| `" + s.Name + "` | `" + inv.Name + "` | " + inv.Doc + " | " + inv.Lecture + " |\n")
		}
	}
	return b.String()
}

// ResultsList is the docs' list of what systems report beyond the common
// fields (System.ResultsDoc), one bullet per system that says.
func ResultsList() string {
	var b strings.Builder
	for _, s := range Systems() {
		if s.ResultsDoc != "" {
			b.WriteString(wrap("- **System `"+s.Name+"`**: "+s.ResultsDoc, 76, "  "))
		}
	}
	return b.String()
}

// wrap breaks text into lines of at most width columns (a longer word
// stands alone), the lines after the first indented by indent. A code
// span (`...`) is never broken.
func wrap(text string, width int, indent string) string {
	var words []string
	for _, w := range strings.Fields(text) {
		if n := len(words); n > 0 && strings.Count(words[n-1], "`")%2 == 1 {
			words[n-1] += " " + w
			continue
		}
		words = append(words, w)
	}
	var b strings.Builder
	line := ""
	for _, w := range words {
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) > width:
			b.WriteString(line + "\n")
			line = indent + w
		default:
			line += " " + w
		}
	}
	if line != "" {
		b.WriteString(line + "\n")
	}
	return b.String()
}

// DocSection returns the section of the docs that the registry
// generates under the marker `<!-- registry: NAME -->`: "systems",
// "options BLOCK", "ops", "faults", "invariants" or "results". ok is
// false for another name or a block no system registered.
func DocSection(name string) (text string, ok bool) {
	switch name {
	case "systems":
		return SystemsTable(), true
	case "ops":
		return OpsTable(), true
	case "faults":
		return FaultsList(), true
	case "invariants":
		return InvariantsTable(), true
	case "results":
		return ResultsList(), true
	}
	if block, found := strings.CutPrefix(name, "options "); found {
		t := OptionsTable(block)
		return t, t != ""
	}
	return "", false
}
