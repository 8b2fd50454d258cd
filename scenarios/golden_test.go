package scenarios_test

import (
	"flag"
	"testing"

	_ "github.com/sim-lecture/sim/protocols/all"

	"github.com/sim-lecture/sim/scenarios/scenariotest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGoldenBuiltIn runs every built-in scenario of this folder and
// compares its text table and its JSON result with
// testdata/golden/NAME.txt and NAME.json. Run `go test ./scenarios -run
// Golden -update` after an intended change and review the diff. (The
// scenarios a system ships next to its protocol have their golden files
// there.)
func TestGoldenBuiltIn(t *testing.T) {
	scenariotest.GoldenBuiltIn(t, "scenarios", *update)
}
