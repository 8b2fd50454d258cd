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
