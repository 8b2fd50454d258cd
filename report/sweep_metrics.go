package report

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Metric is one named number computed from a run's Result, for sweeps and
// plots. Metrics are computed over every system of the result unless the
// name says which: "nfs:calls.GETATTR" is GETATTR calls in system nfs only.
//
// The metrics every result feeds are in the table below; a metric only
// some systems' results feed (the RTT samples of the reliable transport)
// is registered with the system (scenarios.System.Metrics), which calls
// RegisterMetric.
type Metric struct {
	// Name is the metric's name; with Param set the metric is used as
	// Name.PARAM (calls.GETATTR).
	Name string
	// Order places the metric in `sim sweep --help`.
	Order int
	// Param names the parameter ("PROC"), or is empty.
	Param string
	// Unit is the unit of its value, for axis labels.
	Unit string
	// Doc says in a sentence what it measures.
	Doc string
	// Eval computes the metric over systems (one, or all of the result),
	// returning NaN when it does not apply (a message count in a scenario
	// without messages).
	Eval func(r *Result, systems []*System, param string) float64
}

// Usage is how the metric is named on the command line.
func (m *Metric) Usage() string {
	if m.Param == "" {
		return m.Name
	}
	return m.Name + "." + m.Param
}

// metrics is the registry, in the order `sim sweep --help` lists it
// (Order): the metrics every result feeds, then those RegisterMetric adds.
var metrics = []*Metric{
	{Name: "calls", Order: 10, Param: "PROC", Unit: "calls",
		Doc: "RPCs started, by procedure (calls.GETATTR; calls.total for all), each call once however often it was sent",
		Eval: func(_ *Result, ss []*System, p string) float64 {
			return SumSystems(ss, func(s *System) float64 { return callCount(s, p) })
		}},
	{Name: "call_share", Order: 20, Param: "PROC", Unit: "fraction",
		Doc: "the procedure's share of all RPCs (GETATTR's share of the server's requests)",
		Eval: func(_ *Result, ss []*System, p string) float64 {
			all := SumSystems(ss, func(s *System) float64 { return callCount(s, "total") })
			if all == 0 {
				return math.NaN()
			}
			return SumSystems(ss, func(s *System) float64 { return callCount(s, p) }) / all
		}},
	{Name: "calls_per_second", Order: 30, Unit: "calls/s",
		Doc: "RPCs started per second of virtual time the run lasted (mean over the systems)",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return MeanSystems(ss, func(s *System) float64 {
				end := Seconds(s.End)
				if !(end > 0) {
					return math.NaN()
				}
				return callCount(s, "total") / end
			})
		}},
	{Name: "retransmissions", Order: 40, Unit: "messages",
		Doc: "retransmissions: the streams' (reliable transport) plus every extra send of an RPC",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return SumSystems(ss, func(s *System) float64 {
				n := 0
				for _, st := range s.Streams() {
					n += st.Retransmissions
				}
				for _, step := range s.Steps {
					for _, c := range step.Calls {
						if c.Attempts > 1 {
							n += c.Attempts - 1
						}
					}
				}
				return float64(n)
			})
		}},
	{Name: "completion", Order: 90, Unit: "s",
		Doc:  "when the work was done: the last stream's last delivery, else the last step's result, else the end of the run (latest over the systems)",
		Eval: func(_ *Result, ss []*System, _ string) float64 { return MaxSystems(ss, Completion) }},
	{Name: "end", Order: 100, Unit: "s",
		Doc: "the virtual time at which the run ended (latest over the systems)",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return MaxSystems(ss, func(s *System) float64 { return Seconds(s.End) })
		}},
	{Name: "events", Order: 110, Unit: "events",
		Doc: "events the simulator processed",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return SumSystems(ss, func(s *System) float64 { return float64(s.Events) })
		}},
	{Name: "violations", Order: 120, Unit: "violations",
		Doc: "failed expectations and violated invariants (those of the system, or of any)",
		Eval: func(r *Result, ss []*System, _ string) float64 {
			n := 0
			for _, v := range r.Violations {
				for _, s := range ss {
					if v.System == "" || v.System == s.System {
						n++
						break
					}
				}
			}
			return float64(n)
		}},
	{Name: "errors", Order: 130, Unit: "steps",
		Doc: "workload rows whose result was an error (ESTALE, ETIMEDOUT, ...)",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return SumSystems(ss, func(s *System) float64 {
				n := 0
				for _, st := range s.Steps {
					if st.Result != "" && st.Result != "ok" {
						n++
					}
				}
				return float64(n)
			})
		}},
	{Name: "executions", Order: 140, Unit: "executions",
		Doc: "times servers ran the procedures of call rows",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return SumSystems(ss, func(s *System) float64 {
				n := 0
				for _, st := range s.Steps {
					if st.Executions != nil {
						n += *st.Executions
					}
				}
				return float64(n)
			})
		}},
	{Name: "latency.mean", Order: 150, Unit: "s",
		Doc:  "mean time from a workload row's start to its result, over the rows that report one",
		Eval: latency(false)},
	{Name: "latency.max", Order: 160, Unit: "s",
		Doc:  "longest time from a workload row's start to its result",
		Eval: latency(true)},
	{Name: "latency", Order: 170, Param: "OP", Unit: "s",
		Doc:  "mean latency of the workload rows of one op: latency.write, latency.close, latency.read",
		Eval: opLatency(false)},
	{Name: "latency_max", Order: 180, Param: "OP", Unit: "s",
		Doc:  "longest latency of the workload rows of one op",
		Eval: opLatency(true)},
	{Name: "latency_median", Order: 190, Param: "OP", Unit: "s",
		Doc:  "median latency of the workload rows of one op: the typical wait, which one stalled row cannot skew",
		Eval: medianLatency},
	{Name: "counters", Order: 260, Param: "NAME", Unit: "count",
		Doc: "a system's own counter, such as counters.path_lookups (nfs)",
		Eval: func(_ *Result, ss []*System, p string) float64 {
			return SumSystems(ss, func(s *System) float64 {
				v, ok := s.Stats.Counters[p]
				if !ok {
					return math.NaN()
				}
				return float64(v)
			})
		}},
	{Name: "messages", Order: 270, Param: "KIND", Unit: "records",
		Doc: "trace records of a kind: messages.send, messages.drop, messages.deliver, messages.duplicate, ...",
		Eval: func(_ *Result, ss []*System, p string) float64 {
			return SumSystems(ss, func(s *System) float64 { return float64(s.Stats.Messages[strings.ToLower(p)]) })
		}},
}

// Metrics returns the registry, in order.
func Metrics() []*Metric { return metrics }

// RegisterMetric adds m to the registry, in its Order. It is meant for
// the init functions that register systems; registering the same *Metric
// again does nothing, and another metric of the same name is an error.
func RegisterMetric(m *Metric) error {
	for _, x := range metrics {
		switch {
		case x == m:
			return nil
		case x.Name == m.Name:
			return fmt.Errorf("metric %q is registered twice", m.Name)
		}
	}
	if m.Name == "" || m.Eval == nil {
		return fmt.Errorf("metric %q: a name and an Eval are required", m.Name)
	}
	metrics = append(metrics, m)
	sort.SliceStable(metrics, func(i, j int) bool { return metrics[i].Order < metrics[j].Order })
	return nil
}

// MetricRef is a metric as named on the command line: [SYSTEM:]NAME[.PARAM].
type MetricRef struct {
	// Text is the name as given.
	Text string
	// System restricts the metric to the runs of one system, one variant,
	// or one system-variant pair written as in file names
	// ("reliable-fixed_50ms"); empty means all.
	System string
	Metric *Metric
	Param  string
}

// Unit is the unit of the metric's values.
func (m MetricRef) Unit() string { return m.Metric.Unit }

// ParseMetric resolves a metric name; an unknown name is an error with a
// suggestion.
func ParseMetric(text string) (MetricRef, error) {
	ref := MetricRef{Text: text}
	name := text
	if sys, rest, ok := strings.Cut(text, ":"); ok {
		if sys == "" {
			return ref, fmt.Errorf("metric %q: empty system name before the colon", text)
		}
		ref.System, name = sys, rest
	}
	for _, m := range metrics {
		if m.Param == "" && m.Name == name {
			ref.Metric = m
			return ref, nil
		}
	}
	if base, param, ok := strings.Cut(name, "."); ok && param != "" {
		for _, m := range metrics {
			if m.Param != "" && m.Name == base {
				ref.Metric, ref.Param = m, param
				if base == "calls" || base == "call_share" {
					ref.Param = strings.ToUpper(param)
				}
				return ref, nil
			}
		}
	}
	var names []string
	for _, m := range metrics {
		names = append(names, m.Usage())
	}
	msg := fmt.Sprintf("unknown metric %q", name)
	if s := closest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return ref, fmt.Errorf("%s (metrics: %s)", msg, strings.Join(names, ", "))
}

// Selects reports whether the metric counts the run of system under
// variant ("" for a run without one): a run is picked by its system, by
// its variant, or by both as in file names ("reliable-fixed_50ms"), and
// every run when the metric names none.
func (m MetricRef) Selects(system, variant string) bool {
	label := (&System{System: system, Variant: variant}).FileLabel()
	return m.System == "" || system == m.System || label == m.System || (variant != "" && variant == m.System)
}

// Eval computes the metric on r. It is an error for the metric to name a
// system r does not have.
func (m MetricRef) Eval(r *Result) (float64, error) {
	var ss []*System
	var names []string
	for i := range r.Systems {
		sys := &r.Systems[i]
		names = append(names, sys.FileLabel())
		if m.Selects(sys.System, sys.Variant) {
			ss = append(ss, sys)
		}
	}
	if len(ss) == 0 {
		return 0, fmt.Errorf("metric %s: the scenario has no system or variant %q (runs: %s)", m.Text, m.System, strings.Join(names, ", "))
	}
	return m.Metric.Eval(r, ss, m.Param), nil
}

// closest returns the candidate nearest to s, or "" when none is near.
func closest(s string, candidates []string) string {
	best, bestD := "", 4
	for _, c := range candidates {
		target := c
		// Compare "call.READ" with "calls.PROC" as "calls.READ".
		if b, _, ok := strings.Cut(c, "."); ok && strings.ToUpper(c[len(b)+1:]) == c[len(b)+1:] {
			if _, p, ok := strings.Cut(s, "."); ok {
				target = b + "." + p
			}
		}
		if d := levenshtein(strings.ToLower(s), strings.ToLower(target)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Seconds parses a duration of the result ("1.5s"), NaN if it is not one.
func Seconds(s string) float64 {
	d, err := time.ParseDuration(s)
	if err != nil {
		return math.NaN()
	}
	return d.Seconds()
}

// callCount counts a system's RPCs of one procedure, or all ("total").
func callCount(s *System, proc string) float64 {
	if strings.EqualFold(proc, "total") {
		n := 0
		for _, k := range sortedCallKeys(s.Stats.Calls) {
			n += s.Stats.Calls[k]
		}
		return float64(n)
	}
	return float64(s.Stats.Calls[strings.ToUpper(proc)])
}

func sortedCallKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Completion is when a system's work was done, in seconds: the last
// stream's last delivery, else the last step's result, else the end of
// the run.
func Completion(s *System) float64 {
	if streams := s.Streams(); len(streams) > 0 {
		c := math.NaN()
		for _, st := range streams {
			if v := Seconds(st.Completion); !math.IsNaN(v) && (math.IsNaN(c) || v > c) {
				c = v
			}
		}
		return c
	}
	c := math.NaN()
	for _, st := range s.Steps {
		if st.Latency == "" {
			continue
		}
		if v := Seconds(st.At) + Seconds(st.Latency); !math.IsNaN(v) && (math.IsNaN(c) || v > c) {
			c = v
		}
	}
	if !math.IsNaN(c) {
		return c
	}
	return Seconds(s.End)
}

// SumSystems adds f over the systems, skipping NaN; NaN when every one is.
func SumSystems(ss []*System, f func(*System) float64) float64 {
	sum, any := 0.0, false
	for _, s := range ss {
		if v := f(s); !math.IsNaN(v) {
			sum += v
			any = true
		}
	}
	if !any {
		return math.NaN()
	}
	return sum
}

// MeanSystems averages f over the systems where it applies.
func MeanSystems(ss []*System, f func(*System) float64) float64 {
	sum, n := 0.0, 0
	for _, s := range ss {
		if v := f(s); !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// MaxSystems is the largest f over the systems where it applies.
func MaxSystems(ss []*System, f func(*System) float64) float64 {
	best := math.NaN()
	for _, s := range ss {
		if v := f(s); !math.IsNaN(v) && (math.IsNaN(best) || v > best) {
			best = v
		}
	}
	return best
}

// latency is the mean (or the max) of the steps' latencies.
func latency(worst bool) func(*Result, []*System, string) float64 {
	return func(r *Result, ss []*System, _ string) float64 { return opLatency(worst)(r, ss, "") }
}

// opLatency is the mean (or the max) latency of the steps of one op, or
// of every step when op is "".
func opLatency(worst bool) func(*Result, []*System, string) float64 {
	return func(_ *Result, ss []*System, op string) float64 {
		return MeanOrMax(StepSeconds(ss, func(st *Step) string {
			if op != "" && !strings.EqualFold(st.Op, op) {
				return ""
			}
			return st.Latency
		}), worst)
	}
}

// medianLatency is the median latency of the steps of one op.
func medianLatency(_ *Result, ss []*System, op string) float64 {
	vals := StepSeconds(ss, func(st *Step) string {
		if !strings.EqualFold(st.Op, op) {
			return ""
		}
		return st.Latency
	})
	if len(vals) == 0 {
		return math.NaN()
	}
	sort.Float64s(vals)
	if len(vals)%2 == 1 {
		return vals[len(vals)/2]
	}
	return (vals[len(vals)/2-1] + vals[len(vals)/2]) / 2
}

// StepSeconds lists, step by step, the durations field reads from the
// systems' steps, skipping the steps where it is empty or not a duration.
func StepSeconds(ss []*System, field func(*Step) string) []float64 {
	var vals []float64
	for _, s := range ss {
		for i := range s.Steps {
			if d := field(&s.Steps[i]); d != "" {
				if v := Seconds(d); !math.IsNaN(v) {
					vals = append(vals, v)
				}
			}
		}
	}
	return vals
}

// MeanOrMax is the mean of vals, or with worst their max; NaN when there
// are none.
func MeanOrMax(vals []float64, worst bool) float64 {
	sum, top := 0.0, math.NaN()
	for _, v := range vals {
		sum += v
		if math.IsNaN(top) || v > top {
			top = v
		}
	}
	if worst {
		return top
	}
	if len(vals) == 0 {
		return math.NaN()
	}
	return sum / float64(len(vals))
}
