package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
)

// SweepAxis is one scenario key a sweep varies.
type SweepAxis struct {
	// Key is the scenario key path (nfs.attr_timeout) or, for a sweep a
	// program builds, any parameter name.
	Key string
	// Values are the values set, as scenario text ("1.5s", "0.1").
	Values []string
	// X are the values as plotted numbers (seconds for durations); for a
	// categorical axis, 0, 1, 2, ...
	X []float64
	// Unit is the unit of X ("s", "bytes", "bit/s", or "").
	Unit string
	// Categorical is set when the values are names, not numbers.
	Categorical bool
}

// Label is the axis label: the key and its unit.
func (a SweepAxis) Label() string {
	if a.Unit == "" {
		return a.Key
	}
	return a.Key + " (" + a.Unit + ")"
}

// Sweep describes a parameter sweep: a grid of axis values, each point run
// with every seed, and the metrics computed from each run.
type Sweep struct {
	// Scenario names the swept scenario, for titles.
	Scenario string
	// Axes are the varied keys; the grid is every combination of their
	// values, the first axis varying slowest.
	Axes []SweepAxis
	// Seeds are the seeds each grid point is run with.
	Seeds []uint64
	// Metrics are the metric names (see Metrics) computed from each run.
	Metrics []string
	// Workers is how many runs go at once (default GOMAXPROCS). The result
	// never depends on it.
	Workers int
	// Progress, when not nil, is called after each run with the number of
	// runs done and the total, one call at a time.
	Progress func(done, total int)
	// Shard, when N is above 1, is the part of the grid to run: the
	// points p for which Shard.HasPoint(p) (`sim sweep --shard I/N`).
	// The zero Shard runs every point.
	Shard Shard
}

// RunFunc runs the scenario at one grid point (one value per axis, as
// scenario text) with one seed.
type RunFunc func(values []string, seed uint64) (*Result, error)

// SweepRun is the outcome of one run of a sweep.
type SweepRun struct {
	// Point indexes SweepResult.Points; Seed is the run's seed.
	Point int
	Seed  uint64
	// Values holds one value per metric, NaN where the metric does not
	// apply to the run.
	Values []float64
}

// Agg aggregates one metric at one grid point over the seeds.
type Agg struct {
	Mean, Min, Max float64
	// N counts the seeds where the metric applied.
	N int
}

// SweepResult is a finished sweep.
type SweepResult struct {
	Sweep
	// Points are the grid points: for each, one value index per axis.
	Points [][]int
	// Runs holds every run, point by point and, within a point, seed by
	// seed: the same order whatever the number of workers. A shard's
	// result holds only the runs of its points.
	Runs []SweepRun
	// Stats[p][m] aggregates metric m at point p over the seeds (N is 0
	// at a point the shard did not run).
	Stats [][]Agg
}

// HasPoint reports whether the result holds the runs of grid point p:
// always, unless it is a shard's.
func (r *SweepResult) HasPoint(p int) bool { return r.Shard.HasPoint(p) }

// Grid returns every combination of the axes' values, the first axis
// varying slowest.
func Grid(axes []SweepAxis) [][]int {
	points := [][]int{{}}
	for _, ax := range axes {
		var next [][]int
		for _, p := range points {
			for v := range ax.Values {
				q := append(append([]int{}, p...), v)
				next = append(next, q)
			}
		}
		points = next
	}
	return points
}

// RunSweep runs every grid point with every seed, in parallel over
// s.Workers goroutines (each run is its own world; nothing is shared;
// ForEachOrdered), and collects the results by index, never by completion
// order, so the result is the same with one worker or many. The runs
// start in the order of startOrder, and it stops at the first error in
// that order (which does not depend on the workers either).
func RunSweep(s Sweep, run RunFunc) (*SweepResult, error) {
	metrics := make([]MetricRef, len(s.Metrics))
	for i, name := range s.Metrics {
		m, err := ParseMetric(name)
		if err != nil {
			return nil, err
		}
		metrics[i] = m
	}
	if len(s.Seeds) == 0 {
		return nil, fmt.Errorf("sweep: no seeds to run")
	}
	for _, ax := range s.Axes {
		if len(ax.Values) == 0 || len(ax.X) != len(ax.Values) {
			return nil, fmt.Errorf("sweep: axis %s has no values", ax.Key)
		}
	}
	res := &SweepResult{Sweep: s, Points: Grid(s.Axes)}
	var points []int // the grid points to run, in order
	for p := range res.Points {
		if res.HasPoint(p) {
			points = append(points, p)
		}
	}
	total := len(points) * len(s.Seeds)
	res.Runs = make([]SweepRun, total)
	type outcome struct {
		run SweepRun
		err error
	}
	var firstErr error
	ForEachOrdered(total, s.Workers, func(i int) outcome {
		at := startOrder(i, len(points), len(s.Seeds))
		p, k := points[at/len(s.Seeds)], at%len(s.Seeds)
		vals := res.PointValues(p)
		r := SweepRun{Point: p, Seed: s.Seeds[k], Values: make([]float64, len(metrics))}
		out, err := run(vals, s.Seeds[k])
		if err == nil {
			for m, ref := range metrics {
				if r.Values[m], err = ref.Eval(out); err != nil {
					break
				}
			}
		}
		if err != nil {
			err = fmt.Errorf("%s, seed %d: %w", pointName(s.Axes, vals), s.Seeds[k], err)
		}
		return outcome{r, err}
	}, func(i int, o outcome) bool {
		res.Runs[startOrder(i, len(points), len(s.Seeds))] = o.run
		if o.err != nil {
			firstErr = o.err
			return false
		}
		if s.Progress != nil {
			s.Progress(i+1, total)
		}
		return true
	})
	if firstErr != nil {
		return nil, firstErr
	}
	res.aggregate()
	return res, nil
}

// pointsAtOnce is how many grid points a sweep has in progress at once
// (startOrder): enough for as many workers, few enough that the shared
// scenarios of the points in progress (SharePoints) stay few.
const pointsAtOnce = 16

// startOrder maps the i-th run a sweep starts to its index in the grid's
// order (point by point, seed by seed within a point). The runs go in
// blocks of pointsAtOnce points, and within a block seed by seed: first
// seed of each point, then the second of each, and so on. In the grid's
// order, the workers took the runs of one point together, and all but
// one waited while that one loaded the point's scenario (SharePoints),
// which is costlier than a run of a small scenario: a serial share of a
// fifth of the time (BENCHMARKS.md). Block by block, each worker loads
// a different point. The order depends on the grid only, never on the
// number of workers.
func startOrder(i, points, seeds int) int {
	block := pointsAtOnce * seeds
	b, j := i/block, i%block
	n := min(pointsAtOnce, points-b*pointsAtOnce) // the points of block b
	p, k := b*pointsAtOnce+j%n, j/n
	return p*seeds + k
}

// aggregate computes Stats from Runs: each metric's mean, min and max at
// each point over its seeds, summed in the order of the seeds, so that a
// merge of shards gives the very numbers one run over the grid gives.
func (r *SweepResult) aggregate() {
	r.Stats = make([][]Agg, len(r.Points))
	for p := range r.Points {
		r.Stats[p] = make([]Agg, len(r.Metrics))
		for m := range r.Metrics {
			r.Stats[p][m] = Agg{Mean: math.NaN(), Min: math.NaN(), Max: math.NaN()}
		}
	}
	sums := make([]float64, len(r.Metrics))
	for i, run := range r.Runs {
		if i == 0 || r.Runs[i-1].Point != run.Point {
			clear(sums)
		}
		for m, v := range run.Values {
			a := &r.Stats[run.Point][m]
			if math.IsNaN(v) {
				continue
			}
			if a.N == 0 || v < a.Min {
				a.Min = v
			}
			if a.N == 0 || v > a.Max {
				a.Max = v
			}
			sums[m] += v
			a.N++
			a.Mean = sums[m] / float64(a.N)
		}
	}
}

// pointName writes a grid point as key=value pairs.
func pointName(axes []SweepAxis, vals []string) string {
	var b bytes.Buffer
	for i, ax := range axes {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(ax.Key + "=" + vals[i])
	}
	if b.Len() == 0 {
		return "the scenario"
	}
	return b.String()
}

// num formats a metric value for CSV: the shortest text that reads back as
// the same float64, empty for NaN.
func num(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// WriteCSV writes one row per grid point and seed: the axis values, the
// seed and each metric.
func (r *SweepResult) WriteCSV(w io.Writer) error {
	head := append(r.AxisKeys(), "seed")
	rows := [][]string{append(head, r.Metrics...)}
	for _, run := range r.Runs {
		row := r.PointValues(run.Point)
		row = append(row, strconv.FormatUint(run.Seed, 10))
		for _, v := range run.Values {
			row = append(row, num(v))
		}
		rows = append(rows, row)
	}
	return writeCSVRows(w, rows)
}

// WriteSummaryCSV writes one row per grid point (of a shard's result, per
// point of the shard): the axis values, the number of seeds, and each
// metric's mean, min and max over the seeds.
func (r *SweepResult) WriteSummaryCSV(w io.Writer) error {
	head := append(r.AxisKeys(), "seeds")
	for _, m := range r.Metrics {
		head = append(head, m+" mean", m+" min", m+" max")
	}
	rows := [][]string{head}
	for p := range r.Points {
		if !r.HasPoint(p) {
			continue
		}
		row := r.PointValues(p)
		row = append(row, strconv.Itoa(len(r.Seeds)))
		for _, a := range r.Stats[p] {
			row = append(row, num(a.Mean), num(a.Min), num(a.Max))
		}
		rows = append(rows, row)
	}
	return writeCSVRows(w, rows)
}

// writeCSVRows writes rows as CSV to w in a single write.
func writeCSVRows(w io.Writer, rows [][]string) error {
	var buf bytes.Buffer
	if err := csv.NewWriter(&buf).WriteAll(rows); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// AxisKeys returns the keys of the swept axes, in order: the first columns
// of the sweep's tables.
func (r *SweepResult) AxisKeys() []string {
	keys := []string{}
	for _, ax := range r.Axes {
		keys = append(keys, ax.Key)
	}
	return keys
}

// PointValues returns the axis values of grid point p, as scenario text, in
// the order of AxisKeys.
func (r *SweepResult) PointValues(p int) []string {
	vals := make([]string, len(r.Axes))
	for a, v := range r.Points[p] {
		vals[a] = r.Axes[a].Values[v]
	}
	return vals
}

// SharePoints returns load wrapped so that the runs of one grid point
// (one list of values) share one call of load instead of making one per
// seed. Loading a scenario with its --set overrides parses and writes its
// YAML several times: per run, that was two thirds of a sweep's CPU time
// and most of what it allocated on the lecture's scenarios, and the
// garbage collector's share kept two workers from running twice as fast
// as one (BENCHMARKS.md). What load returns is handed to every run of the
// point, and runs go in parallel: they must only read it. A point's value
// is forgotten after seeds calls for it, so that a sweep holds the values
// of only the points being run; a later call loads it again.
func SharePoints[T any](seeds int, load func(values []string) (T, error)) func(values []string) (T, error) {
	type entry struct {
		once sync.Once
		v    T
		err  error
		left int
	}
	var (
		mu      sync.Mutex
		entries = map[string]*entry{}
	)
	return func(values []string) (T, error) {
		// NUL cannot occur in a --set value, so the key is unambiguous.
		key := strings.Join(values, "\x00")
		mu.Lock()
		e := entries[key]
		if e == nil {
			e = &entry{left: seeds}
			entries[key] = e
		}
		if e.left--; e.left <= 0 {
			delete(entries, key)
		}
		mu.Unlock()
		e.once.Do(func() { e.v, e.err = load(values) })
		return e.v, e.err
	}
}
