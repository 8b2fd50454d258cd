package scenarios_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// docMarker finds the tables the docs show: a comment naming a built-in
// scenario, then a fenced text block that must hold that scenario's table.
var docMarker = regexp.MustCompile("(?s)(<!-- sim run ([a-z0-9_-]+) -->\n```text\n)(.*?)(```)")

// TestDocsTablesUpToDate checks that every table shown in the README and in
// docs/scenarios.md is what `sim run` prints today: the docs show what the
// simulator does, never a table written by hand. -update rewrites them.
func TestDocsTablesUpToDate(t *testing.T) {
	for _, path := range []string{"../README.md", "../docs/scenarios.md"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		tables := map[string]string{}
		var failed []string
		out := docMarker.ReplaceAllStringFunc(string(data), func(m string) string {
			g := docMarker.FindStringSubmatch(m)
			name := g[2]
			if _, ok := tables[name]; !ok {
				sc, err := scenarios.Open(name)
				if err != nil {
					failed = append(failed, err.Error())
					return m
				}
				res, _, err := scenarios.Run(sc, scenarios.Options{})
				if err != nil {
					failed = append(failed, err.Error())
					return m
				}
				var text string
				if res.Table != nil {
					text = report.TableText(res.Table)
					if len(res.Table.Notes) > 0 {
						text += "\n" + strings.Join(res.Table.Notes, "\n") + "\n"
					}
				}
				if res.Summarized {
					// A run too large for a table: its summaries.
					for i := range res.Systems {
						text += report.SummaryText(&res.Systems[i])
					}
				}
				tables[name] = text
			}
			if g[3] != tables[name] && !*update {
				t.Errorf("%s: the table of %s is out of date (-doc +sim run):\n%s", path, name, cmp.Diff(g[3], tables[name]))
			}
			return g[1] + tables[name] + g[4]
		})
		for _, f := range failed {
			t.Errorf("%s: %s", path, f)
		}
		if *update && out != string(data) {
			if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if !strings.Contains(string(data), "<!-- sim run ") {
			t.Errorf("%s shows no table", path)
		}
	}
}

// TestREADMEListsEveryScenario: the README's table of scenarios names every
// built-in scenario and nothing else.
func TestREADMEListsEveryScenario(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, m := range regexp.MustCompile("(?m)^\\| \\[`([a-z0-9_-]+)`\\]").FindAllStringSubmatch(string(data), -1) {
		listed = append(listed, m[1])
	}
	if diff := cmp.Diff(scenarios.BuiltInNames(), listed); diff != "" {
		t.Errorf("README's scenario table (-built-in +README):\n%s", diff)
	}
}

// registryMarker finds the sections docs/scenario-format.md derives from
// the registry: a comment naming the section (scenarios.DocSection), then
// the section's lines, up to the first empty line.
var registryMarker = regexp.MustCompile(`(?m)^(<!-- registry: ([a-z0-9_ ]+) -->\n)((?:.+\n)*)`)

// blockRows find the rows of the format's tables that list the option
// blocks: the top-level keys, and what a variant may change.
var blockRows = []struct {
	re   *regexp.Regexp
	text func() string
}{
	{regexp.MustCompile("(?m)^\\| (?:`[a-z0-9_]+`, )*`[a-z0-9_]+` \\| defaults below \\|"),
		func() string { return "| " + scenarios.BlocksCell() + " | defaults below |" }},
	{regexp.MustCompile("(?m)^\\| `network`, (?:`[a-z0-9_]+`, )*`disk`, `limits` \\|"),
		func() string { return "| `network`, " + scenarios.BlocksCell() + ", `disk`, `limits` |" }},
}

// TestDocsRegistryTablesUpToDate checks that the sections of
// docs/scenario-format.md generated from the registry (the tables of
// systems, of each option block, of workload ops and of invariants, the
// list of faults, the systems' results) and its rows listing the option
// blocks are what the registry says: they are never written by hand.
// -update rewrites them.
func TestDocsRegistryTablesUpToDate(t *testing.T) {
	const path = "../docs/scenario-format.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	out := registryMarker.ReplaceAllStringFunc(string(data), func(m string) string {
		g := registryMarker.FindStringSubmatch(m)
		seen[g[2]] = true
		text, ok := scenarios.DocSection(g[2])
		if !ok {
			t.Errorf("%s: no section %q in the registry", path, g[2])
			return m
		}
		if g[3] != text && !*update {
			t.Errorf("%s: the section %q is out of date (-doc +registry):\n%s", path, g[2], cmp.Diff(g[3], text))
		}
		return g[1] + text
	})
	for _, w := range []string{"systems", "ops", "faults", "invariants", "results"} {
		if !seen[w] {
			t.Errorf("%s has no section %q (<!-- registry: %s -->)", path, w, w)
		}
	}
	// A block with no section gets one, under a heading of its own, at
	// the end of "Systems and their options".
	for _, b := range scenarios.Blocks() {
		if w := "options " + b.Name; !seen[w] {
			if !*update {
				t.Errorf("%s has no section %q (<!-- registry: %s -->; -update adds it)", path, w, w)
				continue
			}
			text, _ := scenarios.DocSection(w)
			out = strings.Replace(out, "\n## Variants\n", "\n### `"+b.Name+"`\n\n<!-- registry: "+w+" -->\n"+text+"\n## Variants\n", 1)
		}
	}
	for _, row := range blockRows {
		if !row.re.MatchString(out) {
			t.Errorf("%s: no row like %q", path, row.text())
			continue
		}
		fixed := row.re.ReplaceAllLiteralString(out, row.text())
		if fixed != out && !*update {
			t.Errorf("%s: the blocks the format lists are not the registered ones: want %q", path, row.text())
		}
		out = fixed
	}
	if *update && out != string(data) {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
