package report_test

import (
	"fmt"

	"github.com/sim-lecture/sim/report"
)

// A metric is named on the command line as [SYSTEM:]NAME[.PARAM] and
// computed from a run's result.
func ExampleParseMetric() {
	res := &report.Result{Systems: []report.System{
		{System: "nfs", End: "10s", Stats: report.Stats{Calls: map[string]int{"GETATTR": 9, "READ": 1}}},
		{System: "afs", End: "10s", Stats: report.Stats{Calls: map[string]int{"FETCH": 2}}},
	}}
	for _, name := range []string{"calls.total", "nfs:call_share.GETATTR", "afs:calls_per_second"} {
		m, err := report.ParseMetric(name)
		if err != nil {
			fmt.Println(err)
			continue
		}
		v, _ := m.Eval(res)
		fmt.Printf("%s = %g %s\n", name, v, m.Unit())
	}
	_, err := report.ParseMetric("calls_per_sec")
	fmt.Println(err != nil)
	// Output:
	// calls.total = 12 calls
	// nfs:call_share.GETATTR = 0.9 fraction
	// afs:calls_per_second = 0.2 calls/s
	// true
}
