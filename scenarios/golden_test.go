package scenarios

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sim-lecture/sim/report"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGoldenBuiltIn runs every built-in scenario and compares its text table
// and its JSON result with testdata/golden/NAME.txt and NAME.json. Run
// `go test ./scenarios -run Golden -update` after an intended change and
// review the diff.
func TestGoldenBuiltIn(t *testing.T) {
	list, err := BuiltIn()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 {
		t.Fatal("no built-in scenarios")
	}
	for _, sc := range list {
		sc := sc
		t.Run(sc.Name, func(t *testing.T) {
			res, _, err := Run(sc, Options{})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			for _, format := range []string{"text", "json"} {
				var buf bytes.Buffer
				if err := report.Write(&buf, res, format); err != nil {
					t.Fatal(err)
				}
				ext := map[string]string{"text": ".txt", "json": ".json"}[format]
				path := filepath.Join("testdata", "golden", sc.Name+ext)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if diff := cmp.Diff(string(want), buf.String()); diff != "" {
					t.Errorf("%s differs from the golden file (-want +got):\n%s", path, diff)
				}
			}
			if len(res.Violations) > 0 {
				t.Errorf("built-in scenario %s has violations: %+v", sc.Name, res.Violations)
			}
		})
	}
}
