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
				text := report.TableText(res.Table)
				if len(res.Table.Notes) > 0 {
					text += "\n" + strings.Join(res.Table.Notes, "\n") + "\n"
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

// registryMarker finds the tables docs/scenario-format.md derives from the
// registry: a comment naming the table, then the table's lines.
var registryMarker = regexp.MustCompile(`(?m)^(<!-- registry: (systems|options [a-z0-9_]+) -->\n)((?:\|.*\n)*)`)

// TestDocsRegistryTablesUpToDate checks that the tables of systems and of
// each option block in docs/scenario-format.md are what the registry
// says: the docs' option tables are generated, never written by hand.
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
		var table string
		if g[2] == "systems" {
			table = scenarios.SystemsTable()
		} else {
			name := strings.TrimPrefix(g[2], "options ")
			seen[name] = true
			if table = scenarios.OptionsTable(name); table == "" {
				t.Errorf("%s: no registered block %q", path, name)
				return m
			}
		}
		if g[3] != table && !*update {
			t.Errorf("%s: the table %q is out of date (-doc +registry):\n%s", path, g[2], cmp.Diff(g[3], table))
		}
		return g[1] + table
	})
	for _, b := range scenarios.Blocks() {
		if !seen[b.Name] {
			t.Errorf("%s has no table of the options of block %s (<!-- registry: options %s -->)", path, b.Name, b.Name)
		}
	}
	for _, row := range []string{"| " + scenarios.BlocksCell() + " | defaults below |", "| `network`, " + scenarios.BlocksCell() + ", `disk`, `limits` |"} {
		if !strings.Contains(out, row) {
			t.Errorf("%s: no row starts %q: the blocks the format lists are not the registered ones", path, row)
		}
	}
	if *update && out != string(data) {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
