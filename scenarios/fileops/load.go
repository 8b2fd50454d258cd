package fileops

import (
	"math"
	"sort"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// Utilization is the sweep metric utilization: the fraction of the run
// its file servers were busy, in a simple model of a server's CPU. Each
// call of the run costs its procedure's service time
// (scenarios.System.ServiceTime; afs.ServiceTime, nfs.ServiceTime); the
// sum, over the virtual time the run lasted, is the busy fraction of a
// single server, the setting of Howard et al.'s (1988, §3.1, §5) server
// load measurements. With several file servers it is their sum (2 means
// two servers busy all the time). The model has no queue: it says how
// much work the calls ask of a server, not how long they wait for it, so
// it may exceed 1, the load a real server could not carry.
//
// The file systems share it by listing it in their scenarios.System's
// Metrics.
var Utilization = &report.Metric{Name: "utilization", Order: 35, Unit: "fraction",
	Doc: "busy fraction of the file servers: the service time of every call (afs.ServiceTime, nfs.ServiceTime) over the virtual time the run lasted (mean over the systems)",
	Eval: func(_ *report.Result, ss []*report.System, _ string) float64 {
		return report.MeanSystems(ss, utilization)
	}}

// utilization is Utilization of one system's result; NaN for a system
// without a service-time model or a run that took no time.
func utilization(s *report.System) float64 {
	sys := scenarios.LookupSystem(s.System)
	end := report.Seconds(s.End)
	if sys == nil || sys.ServiceTime == nil || !(end > 0) {
		return math.NaN()
	}
	procs := make([]string, 0, len(s.Stats.Calls))
	for p := range s.Stats.Calls {
		procs = append(procs, p)
	}
	sort.Strings(procs) // a float sum in a fixed order
	busy := 0.0
	for _, p := range procs {
		busy += float64(s.Stats.Calls[p]) * sys.ServiceTime(p).Seconds()
	}
	return busy / end
}
