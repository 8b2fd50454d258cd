package scenarios

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sim-lecture/sim/report"
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
				sc, err := Open(name)
				if err != nil {
					failed = append(failed, err.Error())
					return m
				}
				res, _, err := Run(sc, Options{})
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
	if diff := cmp.Diff(BuiltInNames(), listed); diff != "" {
		t.Errorf("README's scenario table (-built-in +README):\n%s", diff)
	}
}
