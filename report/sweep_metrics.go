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
// Adding a metric is adding one entry to the metrics table below.
type Metric struct {
	// Name is the metric's name; with Param set the metric is used as
	// Name.PARAM (calls.GETATTR).
	Name string
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

// metrics is the registry, in the order `sim sweep --help` lists it.
var metrics = []*Metric{
	{Name: "calls", Param: "PROC", Unit: "calls",
		Doc: "RPCs started, by procedure (calls.GETATTR; calls.total for all), each call once however often it was sent",
		Eval: func(_ *Result, ss []*System, p string) float64 {
			return sumSys(ss, func(s *System) float64 { return callCount(s, p) })
		}},
	{Name: "call_share", Param: "PROC", Unit: "fraction",
		Doc: "the procedure's share of all RPCs (GETATTR's share of the server's requests)",
		Eval: func(_ *Result, ss []*System, p string) float64 {
			all := sumSys(ss, func(s *System) float64 { return callCount(s, "total") })
			if all == 0 {
				return math.NaN()
			}
			return sumSys(ss, func(s *System) float64 { return callCount(s, p) }) / all
		}},
	{Name: "calls_per_second", Unit: "calls/s",
		Doc: "RPCs started per second of virtual time the run lasted (mean over the systems)",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return meanSys(ss, func(s *System) float64 {
				end := seconds(s.End)
				if !(end > 0) {
					return math.NaN()
				}
				return callCount(s, "total") / end
			})
		}},
	{Name: "retransmissions", Unit: "messages",
		Doc: "retransmissions: the streams' (reliable transport) plus every extra send of an RPC",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return sumSys(ss, func(s *System) float64 {
				n := 0
				for _, st := range s.Streams {
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
	{Name: "delivered", Unit: "messages",
		Doc:  "distinct messages the receiving applications got (send rows)",
		Eval: streamSum(func(st *Stream) int { return st.Delivered })},
	{Name: "lost", Unit: "messages",
		Doc:  "messages that never reached the receiving application (send rows)",
		Eval: streamSum(func(st *Stream) int { return st.Lost })},
	{Name: "duplicates", Unit: "messages",
		Doc:  "extra copies handed to the receiving applications (send rows)",
		Eval: streamSum(func(st *Stream) int { return st.Duplicates })},
	{Name: "goodput", Unit: "messages/s",
		Doc: "distinct messages delivered per second until the last one arrived (mean over the systems)",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return meanSys(ss, func(s *System) float64 {
				if len(s.Streams) == 0 {
					return math.NaN()
				}
				d, c := 0, completion(s)
				for _, st := range s.Streams {
					d += st.Delivered
				}
				if !(c > 0) {
					return math.NaN()
				}
				return float64(d) / c
			})
		}},
	{Name: "completion", Unit: "s",
		Doc:  "when the work was done: the last stream's last delivery, else the last step's result, else the end of the run (latest over the systems)",
		Eval: func(_ *Result, ss []*System, _ string) float64 { return maxSys(ss, completion) }},
	{Name: "end", Unit: "s",
		Doc: "the virtual time at which the run ended (latest over the systems)",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return maxSys(ss, func(s *System) float64 { return seconds(s.End) })
		}},
	{Name: "events", Unit: "events",
		Doc: "events the simulator processed",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return sumSys(ss, func(s *System) float64 { return float64(s.Events) })
		}},
	{Name: "violations", Unit: "violations",
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
	{Name: "errors", Unit: "steps",
		Doc: "workload rows whose result was an error (ESTALE, ETIMEDOUT, ...)",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return sumSys(ss, func(s *System) float64 {
				n := 0
				for _, st := range s.Steps {
					if st.Result != "" && st.Result != "ok" {
						n++
					}
				}
				return float64(n)
			})
		}},
	{Name: "executions", Unit: "executions",
		Doc: "times servers ran the procedures of call rows",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return sumSys(ss, func(s *System) float64 {
				n := 0
				for _, st := range s.Steps {
					if st.Executions != nil {
						n += *st.Executions
					}
				}
				return float64(n)
			})
		}},
	{Name: "latency.mean", Unit: "s",
		Doc:  "mean time from a workload row's start to its result, over the rows that report one",
		Eval: latency(false)},
	{Name: "latency.max", Unit: "s",
		Doc:  "longest time from a workload row's start to its result",
		Eval: latency(true)},
	{Name: "latency", Param: "OP", Unit: "s",
		Doc:  "mean latency of the workload rows of one op: latency.write, latency.close, latency.read",
		Eval: opLatency(false)},
	{Name: "latency_max", Param: "OP", Unit: "s",
		Doc:  "longest latency of the workload rows of one op",
		Eval: opLatency(true)},
	{Name: "latency_median", Param: "OP", Unit: "s",
		Doc:  "median latency of the workload rows of one op: the typical wait, which one stalled row cannot skew",
		Eval: medianLatency},
	{Name: "rtt.mean", Unit: "s",
		Doc: "mean RTT sample of the reliable transport",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			sum, n := 0.0, 0
			for _, s := range ss {
				for _, x := range s.RTT {
					sum += seconds(x.Sample)
					n++
				}
			}
			if n == 0 {
				return math.NaN()
			}
			return sum / float64(n)
		}},
	{Name: "rto.final", Unit: "s",
		Doc: "the reliable transport's RTO after its last RTT sample (largest over the systems)",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return maxSys(ss, func(s *System) float64 {
				if len(s.RTT) == 0 {
					return math.NaN()
				}
				return seconds(s.RTT[len(s.RTT)-1].RTO)
			})
		}},
	{Name: "staleness.max", Unit: "s",
		Doc:  "the stalest read: how long the server had held newer data than a read returned (nfs)",
		Eval: staleness(true)},
	{Name: "staleness.mean", Unit: "s",
		Doc:  "mean staleness over every read that reports one, fresh reads counting 0 (nfs)",
		Eval: staleness(false)},
	{Name: "stale_reads", Unit: "reads",
		Doc: "reads that returned older data than the server held (nfs)",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return sumSys(ss, func(s *System) float64 {
				n, any := 0, false
				for _, st := range s.Steps {
					if st.Stale != "" {
						any = true
						if seconds(st.Stale) > 0 {
							n++
						}
					}
				}
				if !any {
					return math.NaN()
				}
				return float64(n)
			})
		}},
	{Name: "lost_writes", Unit: "blocks",
		Doc: "blocks of acknowledged written data that crashes destroyed (file systems)",
		Eval: func(_ *Result, ss []*System, _ string) float64 {
			return sumSys(ss, func(s *System) float64 { return float64(len(s.Lost)) })
		}},
	{Name: "counters", Param: "NAME", Unit: "count",
		Doc: "a system's own counter, such as counters.path_lookups (nfs)",
		Eval: func(_ *Result, ss []*System, p string) float64 {
			return sumSys(ss, func(s *System) float64 {
				v, ok := s.Stats.Counters[p]
				if !ok {
					return math.NaN()
				}
				return float64(v)
			})
		}},
	{Name: "messages", Param: "KIND", Unit: "records",
		Doc: "trace records of a kind: messages.send, messages.drop, messages.deliver, messages.duplicate, ...",
		Eval: func(_ *Result, ss []*System, p string) float64 {
			return sumSys(ss, func(s *System) float64 { return float64(s.Stats.Messages[strings.ToLower(p)]) })
		}},
}

// Metrics returns the registry, in order.
func Metrics() []*Metric { return metrics }

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

// Eval computes the metric on r. It is an error for the metric to name a
// system r does not have.
func (m MetricRef) Eval(r *Result) (float64, error) {
	var ss []*System
	var names []string
	for i := range r.Systems {
		sys := &r.Systems[i]
		names = append(names, sys.FileLabel())
		// A run is picked by its system, by its variant, or by both as in
		// file names ("reliable-fixed_50ms").
		if m.System == "" || sys.System == m.System || sys.FileLabel() == m.System || (sys.Variant != "" && sys.Variant == m.System) {
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

// seconds parses a duration of the result ("1.5s"), NaN if it is not one.
func seconds(s string) float64 {
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

// completion is when a system's work was done, in seconds.
func completion(s *System) float64 {
	if len(s.Streams) > 0 {
		c := math.NaN()
		for _, st := range s.Streams {
			if v := seconds(st.Completion); !math.IsNaN(v) && (math.IsNaN(c) || v > c) {
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
		if v := seconds(st.At) + seconds(st.Latency); !math.IsNaN(v) && (math.IsNaN(c) || v > c) {
			c = v
		}
	}
	if !math.IsNaN(c) {
		return c
	}
	return seconds(s.End)
}

// sumSys adds f over the systems, skipping NaN; NaN when every one is.
func sumSys(ss []*System, f func(*System) float64) float64 {
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

// meanSys averages f over the systems where it applies.
func meanSys(ss []*System, f func(*System) float64) float64 {
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

// maxSys is the largest f over the systems where it applies.
func maxSys(ss []*System, f func(*System) float64) float64 {
	best := math.NaN()
	for _, s := range ss {
		if v := f(s); !math.IsNaN(v) && (math.IsNaN(best) || v > best) {
			best = v
		}
	}
	return best
}

// streamSum adds a stream counter over the systems' streams; NaN for a
// scenario without send rows.
func streamSum(f func(*Stream) int) func(*Result, []*System, string) float64 {
	return func(_ *Result, ss []*System, _ string) float64 {
		return sumSys(ss, func(s *System) float64 {
			if len(s.Streams) == 0 {
				return math.NaN()
			}
			n := 0
			for i := range s.Streams {
				n += f(&s.Streams[i])
			}
			return float64(n)
		})
	}
}

// latency is the mean (or the max) of the steps' latencies.
func latency(worst bool) func(*Result, []*System, string) float64 {
	return func(r *Result, ss []*System, _ string) float64 { return opLatency(worst)(r, ss, "") }
}

// opLatency is the mean (or the max) latency of the steps of one op, or
// of every step when op is "".
func opLatency(worst bool) func(*Result, []*System, string) float64 {
	return func(_ *Result, ss []*System, op string) float64 {
		return meanOrMax(stepSeconds(ss, func(st *Step) string {
			if op != "" && !strings.EqualFold(st.Op, op) {
				return ""
			}
			return st.Latency
		}), worst)
	}
}

// staleness is the worst (or the mean) staleness of the reads that report
// one; NaN when none does.
func staleness(worst bool) func(*Result, []*System, string) float64 {
	return func(_ *Result, ss []*System, _ string) float64 {
		return meanOrMax(stepSeconds(ss, func(st *Step) string { return st.Stale }), worst)
	}
}

// medianLatency is the median latency of the steps of one op.
func medianLatency(_ *Result, ss []*System, op string) float64 {
	vals := stepSeconds(ss, func(st *Step) string {
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

// stepSeconds lists, step by step, the durations field reads from the
// systems' steps, skipping the steps where it is empty or not a duration.
func stepSeconds(ss []*System, field func(*Step) string) []float64 {
	var vals []float64
	for _, s := range ss {
		for i := range s.Steps {
			if d := field(&s.Steps[i]); d != "" {
				if v := seconds(d); !math.IsNaN(v) {
					vals = append(vals, v)
				}
			}
		}
	}
	return vals
}

// meanOrMax is the mean of vals, or with worst their max; NaN when there
// are none.
func meanOrMax(vals []float64, worst bool) float64 {
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
