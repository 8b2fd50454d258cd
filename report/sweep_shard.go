package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The files of a shard's output directory (`sim sweep --shard I/N --out
// DIR`): its runs, as an unsharded sweep writes them, and its manifest.
const (
	SweepCSVName      = "sweep.csv"
	ShardManifestName = "sweep-shard.json"
)

// ShardFormat names the manifest's format. A change that an older `sim
// merge` would misread changes it, and merge refuses a format it does
// not know.
const ShardFormat = "sim-sweep-shard/1"

// Bounds of what ReadShard reads: a manifest lists the axes' values (at
// most 10,000 each) and the seeds (at most 10,000); a shard's sweep.csv
// holds at most MaxMergeRuns rows of a few dozen metrics.
const (
	maxManifestBytes = 16 << 20
	maxShardCSVBytes = 1 << 30
)

// MaxMergeRuns is the default bound of the runs of a merged sweep (grid
// points times seeds, every shard together): merging holds each run's
// metrics, about a hundred bytes a run. `sim merge --max-runs` raises it.
const MaxMergeRuns = 1_000_000

// ShardManifest is what a shard of a sweep writes beside its sweep.csv,
// as sweep-shard.json: what the whole sweep is, so that `sim merge`
// refuses to mix the shards of different sweeps, and which part of it
// the shard ran.
type ShardManifest struct {
	// Format is ShardFormat.
	Format string `json:"format"`
	// Sim is the version of sim that ran the shard: the shards of one
	// sweep come from one version, whose runs agree.
	Sim string `json:"sim"`
	// Scenario is the scenario's name, File what it was read from (a
	// path or builtin:NAME.yaml), SHA256 the hex SHA-256 of its bytes:
	// what identifies it.
	Scenario string `json:"scenario"`
	File     string `json:"file"`
	SHA256   string `json:"scenario_sha256"`
	// Fixed are the fixed overrides (--set KEY=VALUE), in order.
	Fixed []string `json:"fixed"`
	// Axes are the swept keys, as SweepAxis has them.
	Axes []ShardAxis `json:"axes"`
	// Seeds are the seeds every grid point runs with.
	Seeds []uint64 `json:"seeds"`
	// Metrics are the metrics of each run, the columns after the seed.
	Metrics []string `json:"metrics"`
	// Title is the plot's title ("" for the default).
	Title string `json:"title"`
	// Shard is the part, "I/N" with I from 1 to N: it ran the grid
	// points whose index is I-1 modulo N.
	Shard string `json:"shard"`
	// Points counts the points of the whole grid; Runs the runs of this
	// shard, the rows of its sweep.csv.
	Points int `json:"points"`
	Runs   int `json:"runs"`
}

// ShardAxis is a SweepAxis as a manifest writes it (the same fields, so
// that one converts to the other).
type ShardAxis struct {
	Key         string    `json:"key"`
	Values      []string  `json:"values"`
	X           []float64 `json:"x"`
	Unit        string    `json:"unit"`
	Categorical bool      `json:"categorical"`
}

// Manifest returns the manifest of the shard r is the result of, with
// the sweep's identity that only the caller knows (the version of sim,
// the scenario's file and hash, the fixed overrides, the title) taken
// from id.
func (r *SweepResult) Manifest(id ShardManifest) ShardManifest {
	m := id
	m.Format = ShardFormat
	m.Scenario = r.Scenario
	m.Axes = make([]ShardAxis, len(r.Axes))
	for i, ax := range r.Axes {
		m.Axes[i] = ShardAxis(ax)
	}
	m.Seeds = r.Seeds
	m.Metrics = r.Metrics
	m.Shard = r.Shard.SweepString()
	m.Points = len(r.Points)
	m.Runs = len(r.Runs)
	if m.Fixed == nil {
		m.Fixed = []string{}
	}
	return m
}

// WriteManifest writes m as indented JSON.
func WriteManifest(w io.Writer, m ShardManifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// SweepShard is one shard's output directory, read back and checked.
type SweepShard struct {
	// Dir is the directory it was read from.
	Dir      string
	Manifest ShardManifest
	// Shard is the part, parsed from the manifest.
	Shard Shard
	// Runs are the rows of its sweep.csv, in order.
	Runs []SweepRun
}

// ReadShard reads and checks the output directory of one shard of a
// sweep: its manifest, and its sweep.csv against it (the header, and for
// each row the grid point's values and the seed the shard must have run
// there, and numbers written as sim writes them). Problems with the
// files name them with a line and column. An error that wraps an
// *fs.PathError other than fs.ErrNotExist is an I/O failure; any other is
// bad input.
func ReadShard(dir string, maxRuns int) (*SweepShard, error) {
	switch st, err := os.Stat(dir); {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("%s: no such directory (give the output directory of each shard)", dir)
	case err != nil:
		return nil, err
	case !st.IsDir():
		return nil, fmt.Errorf("%s: not a directory (give the output directory of each shard)", dir)
	}
	mpath := filepath.Join(dir, ShardManifestName)
	data, err := readBounded(mpath, maxManifestBytes)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: not the output of a shard of a sweep: it has no %s (sim sweep writes it with --shard I/N)", dir, ShardManifestName)
	}
	if err != nil {
		return nil, err
	}
	sh := &SweepShard{Dir: dir}
	if err := json.Unmarshal(data, &sh.Manifest); err != nil {
		return nil, jsonError(mpath, data, err)
	}
	if err := sh.check(mpath, maxRuns); err != nil {
		return nil, err
	}
	cpath := filepath.Join(dir, SweepCSVName)
	data, err = readBounded(cpath, maxShardCSVBytes)
	if err != nil {
		return nil, err
	}
	if err := sh.readRuns(cpath, data); err != nil {
		return nil, err
	}
	return sh, nil
}

// readBounded reads the file at path, refusing one larger than max.
func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes, more than a shard of a sweep writes", path, max)
	}
	return data, nil
}

// jsonError names the line and column of a JSON error in data.
func jsonError(path string, data []byte, err error) error {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 {
		return fmt.Errorf("%s: %v", path, err)
	}
	line, col := 1, 1
	for _, c := range data[:min(off, int64(len(data)))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("%s:%d:%d: expected the manifest of a shard of a sweep: %v", path, line, col, err)
}

// check checks that the manifest describes a sweep and a part of it.
func (sh *SweepShard) check(path string, maxRuns int) error {
	m := &sh.Manifest
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, a...))
	}
	if m.Format != ShardFormat {
		return bad("format %q; this sim merges %q (merge with the version of sim that ran the shards)", m.Format, ShardFormat)
	}
	var err error
	if sh.Shard, err = ParseSweepShard(m.Shard); err != nil {
		return bad("shard: %v", err)
	}
	if len(m.Axes) == 0 || len(m.Seeds) == 0 || len(m.Metrics) == 0 {
		return bad("expected axes, seeds and metrics, each at least one")
	}
	points := 1
	for _, ax := range m.Axes {
		if len(ax.Values) == 0 || len(ax.Values) != len(ax.X) || ax.Key == "" {
			return bad("axis %q: expected a key, and as many x as values (at least one)", ax.Key)
		}
		points *= len(ax.Values)
		if points > maxRuns {
			break
		}
	}
	if points != m.Points {
		return bad("points: %d, but the axes make a grid of %d", m.Points, points)
	}
	if runs := points * len(m.Seeds); points > maxRuns || runs > maxRuns {
		return bad("the sweep has %d points; with %d seeds that is %d runs, more than --max-runs %d (raise --max-runs)", points, len(m.Seeds), runs, maxRuns)
	}
	for _, name := range m.Metrics {
		if _, err := ParseMetric(name); err != nil {
			return bad("metric %q: %v", name, err)
		}
	}
	if want := sh.points() * len(m.Seeds); m.Runs != want {
		return bad("runs: %d, but shard %s of %d points with %d seeds runs %d", m.Runs, m.Shard, points, len(m.Seeds), want)
	}
	return nil
}

// points counts the grid points of the shard.
func (sh *SweepShard) points() int {
	n := 0
	for p := range sh.Manifest.Points {
		if sh.Shard.HasPoint(p) {
			n++
		}
	}
	return n
}

// result is the sweep of the manifest, with no runs.
func (m *ShardManifest) result() *SweepResult {
	s := Sweep{Scenario: m.Scenario, Seeds: m.Seeds, Metrics: m.Metrics}
	for _, ax := range m.Axes {
		s.Axes = append(s.Axes, SweepAxis(ax))
	}
	return &SweepResult{Sweep: s, Points: Grid(s.Axes)}
}

// readRuns reads the shard's sweep.csv: the header an unsharded sweep
// writes, then for each of the shard's points, in order, one row per
// seed.
func (sh *SweepShard) readRuns(path string, data []byte) error {
	m := &sh.Manifest
	res := m.result()
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = len(m.Axes) + 1 + len(m.Metrics)
	r.ReuseRecord = true
	at := func(field int, format string, a ...any) error {
		line, col := r.FieldPos(field)
		return fmt.Errorf("%s:%d:%d: %s", path, line, col, fmt.Sprintf(format, a...))
	}
	head, err := r.Read()
	if err != nil {
		return csvError(path, err)
	}
	want := append(append(res.AxisKeys(), "seed"), m.Metrics...)
	for i, h := range head {
		if h != want[i] {
			return at(i, "expected the column %q of the sweep in %s, got %q", want[i], ShardManifestName, h)
		}
	}
	sh.Runs = make([]SweepRun, 0, m.Runs)
	for p := range res.Points {
		if !sh.Shard.HasPoint(p) {
			continue
		}
		vals := res.PointValues(p)
		for _, seed := range m.Seeds {
			rec, err := r.Read()
			if err == io.EOF {
				return fmt.Errorf("%s: %d rows, but shard %s runs %d (an interrupted copy?)", path, len(sh.Runs), m.Shard, m.Runs)
			}
			if err != nil {
				return csvError(path, err)
			}
			run, err := parseRun(rec, vals, seed, p, at)
			if err != nil {
				return err
			}
			sh.Runs = append(sh.Runs, run)
		}
	}
	if _, err := r.Read(); err != io.EOF {
		line, _ := r.FieldPos(0)
		return fmt.Errorf("%s:%d:1: more rows than the %d runs of shard %s", path, line, m.Runs, m.Shard)
	}
	return nil
}

// parseRun reads one row of sweep.csv, which must be the run of grid
// point p (whose values are vals) with seed.
func parseRun(rec, vals []string, seed uint64, p int, at func(int, string, ...any) error) (SweepRun, error) {
	for a, v := range vals {
		if rec[a] != v {
			return SweepRun{}, at(a, "expected %q, the value of grid point %d, got %q (rows in the order the shard ran them)", v, p, rec[a])
		}
	}
	if s := strconv.FormatUint(seed, 10); rec[len(vals)] != s {
		return SweepRun{}, at(len(vals), "expected the seed %s, got %q", s, rec[len(vals)])
	}
	run := SweepRun{Point: p, Seed: seed, Values: make([]float64, len(rec)-len(vals)-1)}
	for m := range run.Values {
		f := len(vals) + 1 + m
		v := math.NaN()
		if rec[f] != "" {
			x, err := strconv.ParseFloat(rec[f], 64)
			if err != nil || num(x) != rec[f] {
				return SweepRun{}, at(f, "expected a number as sim sweep writes it (or nothing), got %q", rec[f])
			}
			v = x
		}
		run.Values[m] = v
	}
	return run, nil
}

// csvError names the line and column of a CSV error.
func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d:%d: %v", path, pe.Line, pe.Column, pe.Err)
	}
	if err == io.EOF {
		return fmt.Errorf("%s: empty: expected the header of a sweep's runs", path)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// MergeShards puts the shards of one sweep back together: the result one
// run over the whole grid gives (its runs, in the grid's order, and the
// statistics computed from them again), and the sweep's manifest. Every
// part of 1 to N must be there exactly once, and all must be of the same
// sweep: the same version of sim, scenario, fixed overrides, axes, seeds,
// metrics and title. The shards may come in any order.
func MergeShards(shards []*SweepShard) (*SweepResult, *ShardManifest, error) {
	if len(shards) == 0 {
		return nil, nil, fmt.Errorf("no shards to merge")
	}
	first := shards[0]
	n := first.Shard.N
	byPart := make([]*SweepShard, n+1)
	for _, sh := range shards {
		if what := differs(&first.Manifest, &sh.Manifest); what != "" {
			return nil, nil, fmt.Errorf("%s and %s are shards of different sweeps: %s", first.Dir, sh.Dir, what)
		}
		if sh.Shard.N != n {
			return nil, nil, fmt.Errorf("%s and %s are shards of a sweep split into %d and into %d parts (shards %s and %s)",
				first.Dir, sh.Dir, n, sh.Shard.N, first.Manifest.Shard, sh.Manifest.Shard)
		}
		part := sh.Shard.Part()
		if prev := byPart[part]; prev != nil {
			return nil, nil, fmt.Errorf("shard %s is given twice: %s and %s", sh.Manifest.Shard, prev.Dir, sh.Dir)
		}
		byPart[part] = sh
	}
	var missing []string
	count := 0
	for part := 1; part <= n; part++ {
		if byPart[part] == nil {
			if count++; count <= 10 {
				missing = append(missing, fmt.Sprintf("%d/%d", part, n))
			}
		}
	}
	if count > 0 {
		if count > 10 {
			missing = append(missing, fmt.Sprintf("and %d more", count-10))
		}
		return nil, nil, fmt.Errorf("missing shards: %s (the sweep has %d; give the directory of every shard)", strings.Join(missing, ", "), n)
	}
	m := first.Manifest
	res := m.result()
	res.Runs = make([]SweepRun, 0, len(res.Points)*len(res.Seeds))
	next := make([]int, n+1) // the next run of each part
	for p := range res.Points {
		sh := byPart[(p%n)+1]
		k := next[sh.Shard.Part()]
		res.Runs = append(res.Runs, sh.Runs[k:k+len(res.Seeds)]...)
		next[sh.Shard.Part()] = k + len(res.Seeds)
	}
	res.aggregate()
	m.Shard, m.Runs = fmt.Sprintf("%d/%d", n, n), len(res.Runs)
	return res, &m, nil
}

// differs names the first way b is a different sweep from a, or returns
// "".
func differs(a, b *ShardManifest) string {
	switch {
	case a.Sim != b.Sim:
		return fmt.Sprintf("run by sim %s and by sim %s", a.Sim, b.Sim)
	case a.SHA256 != b.SHA256:
		return fmt.Sprintf("different scenarios (%s, sha256 %.12s..., and %s, sha256 %.12s...)", a.File, a.SHA256, b.File, b.SHA256)
	case !slices.Equal(a.Fixed, b.Fixed):
		return fmt.Sprintf("different fixed --set overrides ([%s] and [%s])", strings.Join(a.Fixed, " "), strings.Join(b.Fixed, " "))
	case !sameAxes(a.Axes, b.Axes):
		return "different grids (swept keys or values)"
	case !slices.Equal(a.Seeds, b.Seeds):
		return fmt.Sprintf("different seeds (%d and %d of them, from %d and %d)", len(a.Seeds), len(b.Seeds), a.Seeds[0], b.Seeds[0])
	case !slices.Equal(a.Metrics, b.Metrics):
		return fmt.Sprintf("different metrics (%s and %s)", strings.Join(a.Metrics, ","), strings.Join(b.Metrics, ","))
	case a.Title != b.Title:
		return fmt.Sprintf("different titles (%q and %q)", a.Title, b.Title)
	case a.Scenario != b.Scenario:
		return fmt.Sprintf("different scenario names (%s and %s)", a.Scenario, b.Scenario)
	}
	return ""
}

// sameAxes reports whether two manifests sweep the same grid.
func sameAxes(a, b []ShardAxis) bool {
	return slices.EqualFunc(a, b, func(x, y ShardAxis) bool {
		return x.Key == y.Key && slices.Equal(x.Values, y.Values) && slices.Equal(x.X, y.X) && x.Unit == y.Unit && x.Categorical == y.Categorical
	})
}
