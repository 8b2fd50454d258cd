package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/sim"
)

// Setting is one `--set KEY=VALUE` override: KEY is a dotted path of
// scenario keys (nfs.attr_timeout, network.loss, workload.0.count) and
// VALUE is YAML text, typed as the loader would type it in the file.
type Setting struct {
	Key, Value string
}

// String formats s as KEY=VALUE.
func (s Setting) String() string { return s.Key + "=" + s.Value }

// ParseSetting parses "KEY=VALUE".
func ParseSetting(arg string) (Setting, error) {
	k, v, ok := strings.Cut(arg, "=")
	k = strings.TrimSpace(k)
	switch {
	case !ok:
		return Setting{}, fmt.Errorf("--set %s: expected KEY=VALUE, such as nfs.attr_timeout=1s", arg)
	case k == "":
		return Setting{}, fmt.Errorf("--set %s: the key is empty (expected KEY=VALUE, such as network.loss=0.1)", arg)
	case strings.TrimSpace(v) == "":
		return Setting{}, fmt.Errorf("--set %s: the value is empty", arg)
	}
	return Setting{Key: k, Value: v}, nil
}

// OpenWith is Open followed by the overrides sets (see LoadWith).
func OpenWith(arg string, sets []Setting) (*Scenario, error) {
	if len(sets) == 0 {
		return Open(arg)
	}
	file, data, err := ReadSource(arg)
	if err != nil {
		return nil, err
	}
	return LoadWith(file, data, sets)
}

// LoadWith loads a scenario after applying the overrides sets, in order, to
// its YAML tree: each KEY path names a mapping key (created when missing)
// or a list index, and its value is replaced by VALUE parsed as YAML. The
// loader then validates the result as it validates a file, so a value is
// checked and typed exactly as in the file, and an unknown key gets the
// loader's did-you-mean. Errors in the file keep the file's positions;
// errors in an override name the override. Positions in the returned
// Scenario are the file's.
func LoadWith(file string, data []byte, sets []Setting) (*Scenario, error) {
	sc, _, err := LoadWithText(file, data, sets)
	return sc, err
}

// LoadWithText is LoadWith that also returns the YAML text the overrides
// made, which loads as the returned Scenario (without the file's
// positions): `sim explore --set` writes its counterexamples from it.
func LoadWithText(file string, data []byte, sets []Setting) (*Scenario, []byte, error) {
	if len(sets) == 0 {
		sc, err := Load(file, data)
		return sc, data, err
	}
	// The file on its own first: its errors are reported at its positions.
	if _, err := Load(file, data); err != nil {
		return nil, nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil, fmt.Errorf("%s: cannot apply --set: the file did not parse again", file)
	}
	origin := map[*yaml.Node]int{} // node -> 1 + index of the setting that made it
	for i, s := range sets {
		if err := applySetting(file, doc.Content[0], s, i+1, origin); err != nil {
			return nil, nil, err
		}
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: cannot apply --set: %v", file, err)
	}
	var doc2 yaml.Node
	if err := yaml.Unmarshal(out, &doc2); err != nil {
		return nil, nil, fmt.Errorf("%s: cannot apply --set: %v", file, err)
	}
	pm := posMap{}
	pm.walk(&doc, &doc2, 0, origin, map[*yaml.Node]bool{})
	sc, err := Load(file, out)
	if err != nil {
		return nil, nil, pm.errors(file, err, sets)
	}
	pm.scenario(sc)
	return sc, out, nil
}

// applySetting applies s to the top-level mapping root; made (1-based)
// marks the nodes it creates in origin.
func applySetting(file string, root *yaml.Node, s Setting, made int, origin map[*yaml.Node]int) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: --set %s: %s", file, s, fmt.Sprintf(format, args...))
	}
	parts := strings.Split(s.Key, ".")
	for _, p := range parts {
		if p == "" {
			return fail("the key path %q has an empty part (expected keys joined by dots, such as nfs.attr_timeout)", s.Key)
		}
	}
	if s.Key == "seed" {
		return fail("the seed is not a scenario option here: use --seed N with run, --seeds N with sweep and explore")
	}
	var val yaml.Node
	if err := yaml.Unmarshal([]byte(s.Value), &val); err != nil || val.Kind != yaml.DocumentNode || len(val.Content) != 1 {
		return fail("the value is not valid YAML")
	}
	value := val.Content[0]
	markAll(value, made, origin)
	cur := root
	for i, p := range parts {
		last := i == len(parts)-1
		where := strings.Join(parts[:i], ".")
		if where == "" {
			where = "the scenario"
		}
		switch cur.Kind {
		case yaml.AliasNode:
			return fail("%s is an alias (*%s at line %d): edit the file to change it", where, cur.Value, cur.Line)
		case yaml.MappingNode:
			if !last && !hasKey(cur, p) {
				if _, err := strconv.Atoi(parts[i+1]); err == nil {
					// A number indexes a list, and there is none to index.
					key := strings.Join(parts[:i+1], ".")
					return fail("%s is not in the file, so %s.%s indexes nothing: set the whole list, such as --set '%s=[...]'",
						key, key, parts[i+1], key)
				}
			}
			next, done := setInMapping(cur, p, last, value, made, origin)
			if done {
				return nil
			}
			cur = next
		case yaml.SequenceNode:
			idx, err := strconv.Atoi(p)
			if err != nil || idx < 0 {
				return fail("%s is a list: expected a row index (0 to %d), got %q", where, len(cur.Content)-1, p)
			}
			if idx >= len(cur.Content) {
				return fail("%s has %d entries (indexes 0 to %d), so %d is out of range", where, len(cur.Content), len(cur.Content)-1, idx)
			}
			if last {
				cur.Content[idx] = value
				return nil
			}
			cur = cur.Content[idx]
		default:
			return fail("%s is a single value, not a mapping with a key %q", where, p)
		}
	}
	return nil
}

// hasKey reports whether the mapping m has key p.
func hasKey(m *yaml.Node, p string) bool {
	for j := 0; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Kind == yaml.ScalarNode && m.Content[j].Value == p {
			return true
		}
	}
	return false
}

// setInMapping takes one step of a --set key path at the mapping cur:
// with last, it sets key p to value (done); otherwise it returns the
// value of p to walk into, creating a mapping there when p is missing or
// empty. made (1-based) marks in origin the nodes the setting creates.
func setInMapping(cur *yaml.Node, p string, last bool, value *yaml.Node, made int, origin map[*yaml.Node]int) (next *yaml.Node, done bool) {
	for j := 0; j+1 < len(cur.Content); j += 2 {
		if cur.Content[j].Kind == yaml.ScalarNode && cur.Content[j].Value == p {
			if last {
				cur.Content[j+1] = value
				return nil, true
			}
			next = cur.Content[j+1]
			break
		}
	}
	if next == nil {
		k := &yaml.Node{Kind: yaml.ScalarNode, Value: p}
		origin[k] = made
		if last {
			cur.Content = append(cur.Content, k, value)
			return nil, true
		}
		next = &yaml.Node{Kind: yaml.MappingNode}
		origin[next] = made
		cur.Content = append(cur.Content, k, next)
	} else if next.Kind == yaml.ScalarNode && next.ShortTag() == "!!null" {
		// An empty block (`nfs:`) becomes a mapping to hold the key.
		m := &yaml.Node{Kind: yaml.MappingNode, Line: next.Line, Column: next.Column}
		for j := 1; j < len(cur.Content); j += 2 {
			if cur.Content[j] == next {
				cur.Content[j] = m
			}
		}
		next = m
	}
	return next, false
}

// markAll records that n and everything under it came from setting made.
func markAll(n *yaml.Node, made int, origin map[*yaml.Node]int) {
	if n == nil || origin[n] != 0 {
		return
	}
	origin[n] = made
	for _, c := range n.Content {
		markAll(c, made, origin)
	}
}

// posMap maps positions in the re-encoded document back to the file's, or
// to the override that made the node there.
type posMap map[Pos]posOrigin

type posOrigin struct {
	pos Pos // in the file, when set is 0
	set int // 1 + index of the setting, or 0
}

// walk pairs the nodes of the edited tree a and of its re-encoded parse b,
// which have the same shape.
func (pm posMap) walk(a, b *yaml.Node, inherited int, origin map[*yaml.Node]int, seen map[*yaml.Node]bool) {
	if a == nil || b == nil || seen[a] {
		return
	}
	seen[a] = true
	set := origin[a]
	if set == 0 {
		set = inherited
	}
	o := posOrigin{set: set}
	if set == 0 {
		o.pos = Pos{a.Line, a.Column}
	}
	pm[Pos{b.Line, b.Column}] = o
	if len(a.Content) != len(b.Content) {
		return
	}
	for i := range a.Content {
		pm.walk(a.Content[i], b.Content[i], set, origin, seen)
	}
}

// lookup finds where p (a position in the re-encoded document) came from:
// the node starting there, or else the last node before it on its line.
func (pm posMap) lookup(p Pos) (posOrigin, bool) {
	if o, ok := pm[p]; ok {
		return o, true
	}
	best, found := posOrigin{}, false
	bestCol := -1
	for q, o := range pm {
		if q.Line == p.Line && q.Col <= p.Col && q.Col > bestCol {
			best, bestCol, found = o, q.Col, true
		}
	}
	return best, found
}

// errors rewrites the loader's errors about the re-encoded document.
func (pm posMap) errors(file string, err error, sets []Setting) error {
	list, ok := err.(ErrorList)
	if !ok {
		return err
	}
	out := make(ErrorList, 0, len(list))
	for _, e := range list {
		c := *e
		if o, ok := pm.lookup(Pos{e.Line, e.Col}); ok {
			if o.set > 0 {
				c.File = file + ": --set " + sets[o.set-1].String()
				c.Line, c.Col = 0, 0
			} else {
				c.Line, c.Col = o.pos.Line, o.pos.Col
			}
		}
		out = append(out, &c)
	}
	return out
}

// fix maps a position of the re-encoded document back to the file; a
// position inside an override becomes zero.
func (pm posMap) fix(p *Pos) {
	if o, ok := pm.lookup(*p); ok {
		if o.set > 0 {
			*p = Pos{}
		} else {
			*p = o.pos
		}
	}
}

// scenario maps every position the loader recorded back to the file.
func (pm posMap) scenario(sc *Scenario) {
	done := map[*Pos]bool{}
	pm.scenarioOnce(sc, done)
	// Each variant's scenario was loaded from the same text: its
	// positions too are the re-marshaled file's until mapped back.
	for _, v := range sc.Variants {
		if v.Scenario != nil {
			pm.scenarioOnce(v.Scenario, done)
		}
	}
}

// scenarioOnce maps the positions of sc not mapped yet (a variant may
// share slices with the file's scenario).
func (pm posMap) scenarioOnce(sc *Scenario, done map[*Pos]bool) {
	fix := func(p *Pos) {
		if !done[p] && *p != (Pos{}) {
			done[p] = true
			pm.fix(p)
		}
	}
	for i := range sc.Nodes {
		fix(&sc.Nodes[i].Pos)
	}
	for _, b := range Blocks() {
		if b.Positions != nil {
			for _, p := range b.Positions(sc.Blocks[b.Name]) {
				fix(p)
			}
		}
	}
	for i := range sc.Files {
		fix(&sc.Files[i].Pos)
	}
	for i := range sc.Workload {
		fix(&sc.Workload[i].Pos)
	}
	for i := range sc.Faults {
		fix(&sc.Faults[i].Pos)
	}
	for i := range sc.Expect {
		fix(&sc.Expect[i].Pos)
	}
}

// valueKind is how the loader types the value of a key, which decides how
// a sweep range over it is stepped and plotted.
type valueKind int

const (
	kindOther valueKind = iota // enums, booleans, names: lists only
	kindDuration
	kindProbability
	kindInt
	kindSize
	kindBandwidth
	kindNumber // a key this table does not know, with numeric values
)

// formatKinds types the keys of the format that are not in an option
// block: the network's, disk's, limits', and those of rows and faults.
var formatKinds = map[string]valueKind{
	"delay": kindDuration, "reorder_delay": kindDuration, "write_latency": kindDuration,
	"read_latency": kindDuration, "max_time": kindDuration, "at": kindDuration,
	"interval": kindDuration, "heal_at": kindDuration,
	"loss": kindProbability, "duplicate": kindProbability, "reorder": kindProbability,
	"corrupt":    kindProbability,
	"max_events": kindInt, "max_total_events": kindInt, "count": kindInt, "block": kindInt, "queue": kindInt,
	// A program's keys (a range of clients is of whole clients, 1..5
	// not 1, 1.5, 2, ...) and its steps' chance.
	"clients": kindInt, "every": kindDuration, "start": kindDuration, "until": kindDuration, "think": kindDuration,
	"chance": kindProbability,
	"size":   kindSize, "max_bytes_held": kindSize, "max_bytes_moved": kindSize, "queue_bytes": kindSize,
	"bandwidth": kindBandwidth,
}

// keyKind types a scenario key by its last path element (the same name
// has the same type wherever it appears in the format): the format's own
// keys, then the registered blocks' numeric options. A key that is not
// known can still be set: the loader decides whether it exists.
func keyKind(name string) (valueKind, bool) {
	if k, ok := formatKinds[name]; ok {
		return k, true
	}
	for _, b := range Blocks() {
		for _, o := range b.Options {
			if o.Name == name && o.kind != kindOther {
				return o.kind, true
			}
		}
	}
	return kindOther, false
}

// kindUnits are the plot units of each kind.
var kindUnits = map[valueKind]string{kindDuration: "s", kindProbability: "probability", kindSize: "bytes", kindBandwidth: "bit/s"}

// maxAxisValues bounds the values of one sweep axis.
const maxAxisValues = 10_000

// ParseAxis expands the value of `sim sweep --set KEY=SPEC` into the values
// of one sweep axis. SPEC is a range FROM..TO[:STEP] (TO included when it is
// on the grid; STEP defaults to 1 for counts and to a tenth of the range
// otherwise), a list a,b,c (any values, e.g. write policies), or a single
// value. Range values are typed as the loader types the key: durations
// (1.5s, 300ms or seconds, plotted in seconds), probabilities (0.1 or 10%),
// counts, sizes and bandwidths.
func ParseAxis(key, spec string) (report.SweepAxis, error) {
	ax := report.SweepAxis{Key: key}
	last := key[strings.LastIndex(key, ".")+1:]
	kind, known := keyKind(last)
	fail := func(format string, args ...any) (report.SweepAxis, error) {
		return report.SweepAxis{}, fmt.Errorf("--set %s=%s: %s", key, spec, fmt.Sprintf(format, args...))
	}
	if from, rest, ok := strings.Cut(spec, ".."); ok {
		to, step, hasStep := strings.Cut(rest, ":")
		if !known {
			kind = inferKind(from, to, step)
		}
		if kind == kindOther {
			return fail("%s does not take a range of numbers; give a list of values such as a,b,c", key)
		}
		vals, xs, err := expandRange(kind, strings.TrimSpace(from), strings.TrimSpace(to), strings.TrimSpace(step), hasStep)
		if err != nil {
			return fail("%v", err)
		}
		ax.Values, ax.X, ax.Unit = vals, xs, kindUnits[kind]
		return ax, nil
	}
	items := strings.Split(spec, ",")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
		if items[i] == "" {
			return fail("a list has an empty value")
		}
	}
	if !known {
		kind = inferKind(items...)
	}
	numeric := kind != kindOther
	for _, it := range items {
		ax.Values = append(ax.Values, it)
		x, err := parseKind(kind, it)
		if err != nil {
			numeric = false
		}
		ax.X = append(ax.X, x)
	}
	if !numeric {
		ax.Categorical = true
		for i := range ax.X {
			ax.X[i] = float64(i)
		}
	} else {
		ax.Unit = kindUnits[kind]
	}
	return ax, nil
}

// inferKind types the values of a key keyKind does not know.
func inferKind(vals ...string) valueKind {
	allNum := true
	for _, v := range vals {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if !number.MatchString(v) {
			allNum = false
		}
	}
	if allNum {
		return kindNumber
	}
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			if _, err := parseDuration(v); err != nil {
				return kindOther
			}
		}
	}
	return kindDuration
}

// parseKind parses one value of a kind into its plotted number.
func parseKind(kind valueKind, s string) (float64, error) {
	switch kind {
	case kindDuration:
		d, err := parseDuration(s)
		return d.Seconds(), err
	case kindProbability:
		return parseProbability(s)
	case kindInt, kindNumber:
		if !number.MatchString(s) {
			return 0, errSyntax
		}
		return strconv.ParseFloat(s, 64)
	case kindSize:
		v, err := parseSize(s)
		return float64(v), err
	case kindBandwidth:
		return parseBandwidth(s)
	}
	return 0, errSyntax
}

// kindExpected describes a kind's values for messages.
var kindExpected = map[valueKind]string{
	kindDuration: durationExpected, kindProbability: "a probability between 0 and 1",
	kindInt: "a whole number", kindNumber: "a number", kindSize: sizeExpected,
	kindBandwidth: "a bandwidth such as 10Mbps",
}

// expandRange steps from..to.
func expandRange(kind valueKind, from, to, step string, hasStep bool) ([]string, []float64, error) {
	var lo, hi, st float64
	var err error
	parse := func(what, s string) float64 {
		if err != nil {
			return 0
		}
		var v float64
		v, err = parseKind(kind, s)
		if err != nil {
			err = fmt.Errorf("%s: expected %s, got %q", what, kindExpected[kind], s)
		}
		return v
	}
	lo, hi = parse("FROM", from), parse("TO", to)
	if hasStep {
		st = parse("STEP", step)
	}
	if err != nil {
		return nil, nil, err
	}
	if hi < lo {
		return nil, nil, fmt.Errorf("FROM %s is above TO %s", from, to)
	}
	integral := kind == kindInt || kind == kindSize
	if integral && (lo != math.Trunc(lo) || hi != math.Trunc(hi) || st != math.Trunc(st)) {
		return nil, nil, fmt.Errorf("expected whole numbers")
	}
	if !hasStep {
		st = defaultStep(kind, lo, hi)
	}
	if !(st > 0) {
		return nil, nil, fmt.Errorf("STEP must be above 0")
	}
	n := math.Floor((hi-lo)/st+1e-9) + 1
	if n > maxAxisValues {
		return nil, nil, fmt.Errorf("the range has %.0f values, more than the %d a sweep axis may have", n, maxAxisValues)
	}
	var vals []string
	var xs []float64
	for i := 0; i < int(n); i++ {
		x := lo + float64(i)*st
		// Twelve significant digits hide the float noise of lo + i*step
		// (0.30000000000000004) without losing any value a user types.
		x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
		xs = append(xs, x)
		vals = append(vals, formatKind(kind, x))
	}
	return vals, xs, nil
}

// defaultStep is the step of a range written without one: what a person
// expects (0..6 s in steps of 1 s, not of 600 ms). Counts step by 1;
// everything else by a tenth of the range rounded up to a round number:
// 1, 2 or 5 times a power of ten, and for durations from a second on 1,
// 2, 5, 10, 15 or 30 s, 1, 2, 5, 10, 15 or 30 min, or whole hours.
func defaultStep(kind valueKind, lo, hi float64) float64 {
	if kind == kindInt || hi == lo {
		return 1
	}
	t := (hi - lo) / 10
	if kind == kindDuration && t > 1 {
		for _, s := range []float64{2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600} {
			if s >= t*(1-1e-9) {
				return s
			}
		}
		return 3600 * math.Ceil(t/3600)
	}
	st := roundUp125(t)
	if kind == kindSize {
		st = math.Max(1, math.Ceil(st))
	}
	return st
}

// roundUp125 returns the smallest of 1, 2 and 5 times a power of ten that
// is at least t > 0.
func roundUp125(t float64) float64 {
	e := math.Floor(math.Log10(t))
	for _, m := range []float64{1, 2, 5, 10} {
		v := m * math.Pow10(int(e))
		v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
		if v >= t*(1-1e-9) {
			return v
		}
	}
	return 10 * math.Pow10(int(e))
}

// formatKind writes a value back as scenario text the loader parses to x.
func formatKind(kind valueKind, x float64) string {
	switch kind {
	case kindDuration:
		return sim.FormatDuration(time.Duration(math.Round(x * float64(time.Second))))
	case kindSize:
		return strconv.FormatFloat(x, 'f', 0, 64) + "B"
	case kindBandwidth:
		return strconv.FormatFloat(x, 'g', -1, 64) + "bps"
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}
