package scenarios

import (
	"testing"

	"github.com/sim-lecture/sim/report"
)

// The helpers of the systems' tests still in this package (see
// scenariotest for the drivers' own packages).

// mustLoad loads a scenario written in a test.
func mustLoad(t testing.TB, src string) *Scenario {
	t.Helper()
	sc, err := Load("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, src)
	}
	return sc
}

// runText loads and runs a scenario written in a test.
func runText(t testing.TB, src string) *report.Result {
	t.Helper()
	res, _, err := Run(mustLoad(t, src), Options{})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, src)
	}
	return res
}

// runSrc loads and runs a scenario written in a test and fails on any
// violation of its expectations.
func runSrc(t testing.TB, src string) *report.Result {
	t.Helper()
	res := runText(t, src)
	if len(res.Violations) > 0 {
		t.Fatalf("violations: %+v\n%s", res.Violations, src)
	}
	return res
}
