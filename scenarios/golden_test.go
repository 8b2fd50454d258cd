package scenarios_test

import (
	"bytes"
	"flag"
	"path/filepath"
	"testing"

	_ "github.com/sim-lecture/sim/protocols/all"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim/simtest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGoldenBuiltIn runs every built-in scenario and compares its text table
// and its JSON result with testdata/golden/NAME.txt and NAME.json. Run
// `go test ./scenarios -run Golden -update` after an intended change and
// review the diff.
func TestGoldenBuiltIn(t *testing.T) {
	list, err := scenarios.BuiltIn()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 {
		t.Fatal("no built-in scenarios")
	}
	for _, sc := range list {
		sc := sc
		t.Run(sc.Name, func(t *testing.T) {
			res, _, err := scenarios.Run(sc, scenarios.Options{})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			for _, format := range []string{"text", "json"} {
				var buf bytes.Buffer
				if err := report.Write(&buf, res, format); err != nil {
					t.Fatal(err)
				}
				ext := map[string]string{"text": ".txt", "json": ".json"}[format]
				simtest.Golden(t, filepath.Join("testdata", "golden", sc.Name+ext), buf.String(), *update)
			}
			if len(res.Violations) > 0 {
				t.Errorf("built-in scenario %s has violations: %+v", sc.Name, res.Violations)
			}
		})
	}
}
