package scenarios

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Error is one problem found in a scenario file, at a 1-based line and
// column. Line is 0 only when the file could not be read at all.
type Error struct {
	File      string
	Line, Col int
	// Msg says what was found and what was expected.
	Msg string
	// cause is ErrIO when the file could not be read for a reason that is
	// not the input's fault.
	cause error
}

// Unwrap returns ErrIO for a file that could not be read for a reason
// other than its content or its absence.
func (e *Error) Unwrap() error { return e.cause }

// Error formats e as "file:line:col: msg".
func (e *Error) Error() string {
	if e.Line <= 0 {
		return e.File + ": " + e.Msg
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col) + ": " + e.Msg
}

// ErrorList is every problem Load found (at most maxErrors of them, then a
// last "too many errors"), in the order of the file.
type ErrorList []*Error

// Error joins the errors, one per line.
func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// maxErrors is how many errors Load reports before it gives up.
const maxErrors = 20

// maxValues bounds the number of YAML values Load looks at, counting every
// use of an alias, so that a small file of nested aliases cannot make it
// work for ever.
const maxValues = 1_000_000

// LoadFile reads and loads the scenario at path. A file that cannot be read
// (or is larger than MaxInputBytes) gives an *Error with Line 0; anything
// else is as for Load.
func LoadFile(path string) (*Scenario, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return Load(path, data)
}

// Load parses and validates a scenario; filename is used in errors and
// kept in Scenario.File. On failure it returns an ErrorList of every problem
// found, each with its line and column. It never panics: should a bug make
// it, the panic becomes an "internal error" at 1:1.
func Load(filename string, data []byte) (sc *Scenario, err error) {
	if len(data) > MaxInputBytes {
		return nil, ErrorList{tooLargeInput(filename, fmt.Sprintf("is %d bytes", len(data)))}
	}
	l := &loader{file: filename}
	defer func() {
		if r := recover(); r != nil {
			sc = nil
			err = ErrorList{{File: filename, Line: 1, Col: 1, Msg: fmt.Sprintf("internal error while loading the scenario (please report it): %v", r)}}
		}
	}()
	sc = l.load(data)
	if l.tooLarge != nil {
		return nil, ErrorList{l.tooLarge}
	}
	if len(l.errs) > 0 {
		return nil, l.errorList()
	}
	return sc, nil
}

// loader holds the state of one Load.
type loader struct {
	file   string
	errs   []*Error
	values int
	// aborted is set once the document exceeds maxValues: every later
	// lookup returns nothing, and tooLarge is the only error reported.
	aborted  bool
	tooLarge *Error
	sc       *Scenario
	// systems are the valid systems of the scenario, in its order.
	systems []*System
	// systemsOK is false when systems was missing or invalid: the checks
	// that depend on it are skipped.
	systemsOK bool
	// rows[i] is workload row i as parsed (nil when it was not a mapping).
	rows []*Object
	// rowOK[i] is false when row i had an error that makes cross-checks on
	// it meaningless.
	rowOK []bool
	// faults[i] is fault i as parsed.
	faults  []*Object
	faultOK []bool
	// faultSoFar is whether the fault being decoded is valid so far.
	faultSoFar bool
	// crashed maps each node crashed at this point of checkFaults to the
	// line of its crash.
	crashed map[string]int
	// declared is set when the file has `nodes`; declaredSet holds them.
	declared    bool
	declaredSet map[string]bool
	// uses lists every node name used by links, rows and faults, in the
	// order of the file within each group.
	linkUses, rowUses, faultUses []NameUse
	// servers are the servers of the scenario's systems (System.Servers),
	// each once, in order.
	servers []NameUse
	// files maps every initial file's path to its entry.
	files map[string]Pos
	// families maps each file family's path to its index in
	// Scenario.Families; familyFiles counts their files.
	families    map[string]int
	familyFiles int
	// programObjs[i] is program i as parsed, stepObjs[i] its steps;
	// slots counts clients x steps over the programs; programRows counts
	// the workload's program rows, valid or not (a program with an error
	// is not in Scenario.Programs).
	programObjs []*Object
	stepObjs    [][]*Object
	slots       int
	programRows int
	// clientCount counts the clients of the programs so far.
	clientCount int
	// maxTimeSet says the file (or the variant) sets limits.max_time;
	// without it, the programs' until may raise the default
	// (programLimits).
	maxTimeSet bool
	// inVariant is set on the loader of a variant's scenario; hasVariants
	// on the file's when it has a variants key.
	inVariant, hasVariants bool
	// variant is what the variant being loaded changes (nil for the
	// file's own scenario).
	variant *variantSource
}

// load does the work of Load; errors accumulate in l.errs.
func (l *loader) load(data []byte) *Scenario {
	root, ok := l.parseYAML(data)
	if !ok {
		return nil
	}
	return l.scenario(root, nil)
}

// scenario decodes the scenario at root. With v nil it is the file's own
// scenario, with its variants and expectations; otherwise it is the
// scenario as variant v runs it (see loadVariant), without either.
func (l *loader) scenario(root *yaml.Node, v *variantSource) *Scenario {
	sc := &Scenario{
		File:    l.file,
		Seed:    1,
		Network: DefaultNetwork(),
		Blocks:  map[string]any{},
		Disk:    DefaultDisk(),
		Limits:  DefaultLimits(),
		Report:  DefaultReport(),
	}
	for _, b := range Blocks() {
		sc.Blocks[b.Name] = b.New()
	}
	l.sc, l.variant = sc, v
	top := l.fields(root, "the scenario", topKeys())
	if top == nil {
		return nil
	}
	l.header(top)
	l.systemList(top.Require("systems", "a list of systems such as [nfs, afs]"))
	if v != nil && v.systems != nil {
		l.restrictSystems(v.systems)
	}
	l.optionBlocks(top, v)
	if n := top.Get("nodes"); n != nil {
		l.nodes(n)
	}
	if n := top.Get("files"); n != nil {
		l.filesBlock(n)
	}
	l.workload(top.Require("workload", "the list of application calls"))
	l.programLimits()
	if n := top.Get("faults"); n != nil {
		l.faultList(n, "")
	}
	if v != nil {
		if v.faults != nil {
			l.faultList(v.faults, " of variant "+v.name)
		}
		l.validate()
		return sc
	}
	variants := top.Get("variants")
	if variants == nil {
		l.validate()
	} else {
		// Only the variants run, so only their complete scenarios are
		// checked as a whole: the file's faults may, for instance,
		// restart a node that each variant crashes. Whatever is wrong
		// with the file's own parts is wrong in every variant too, and
		// each variant reports it at the file's position.
		l.hasVariants = true
		before := len(l.errs)
		l.validate()
		l.errs = l.errs[:before]
		covered := l.variantList(root, variants)
		if plain := l.plainSystems(covered); len(plain) > 0 && !l.aborted {
			// The systems no variant applies to run the file as it is:
			// it is checked as they run it, as a variant is.
			l.loadVariant(root, &variantSource{blocks: map[string]*yaml.Node{}, systems: plain})
		}
	}
	if n := top.Get("expect"); n != nil {
		l.expectations(n)
	}
	if n := top.Get("explore"); n != nil {
		l.explore(n)
	}
	return sc
}

// header decodes name, description and seed.
func (l *loader) header(top *Object) {
	sc := l.sc
	if n := top.Require("name", "the scenario's name, such as nfs_vs_afs"); n != nil {
		if s, ok := l.str(n, "name"); ok {
			if !scenarioName.MatchString(s) {
				l.errf(n, "name: expected lower-case letters, digits, _ and - only, got %s", describe(n))
			}
			sc.Name = s
		}
	}
	if n := top.Get("description"); n != nil {
		sc.Description, _ = l.str(n, "description")
	}
	if n := top.Get("seed"); n != nil {
		if v, ok := l.unsigned(n, "seed"); ok {
			sc.Seed = v
		}
	}
}

// optionBlocks decodes the network, the systems' option blocks, disk,
// limits and report. A variant's blocks are the file's, with the
// variant's keys merged in (v.block).
func (l *loader) optionBlocks(top *Object, v *variantSource) {
	sc := l.sc
	if n := v.block(l, top, "network"); n != nil {
		sc.Network = l.network(n)
	}
	for _, b := range Blocks() {
		if n := v.block(l, top, b.Name); n != nil {
			l.block(b, n)
		}
	}
	if n := v.block(l, top, "disk"); n != nil {
		l.disk(n)
	}
	if n := v.block(l, top, "limits"); n != nil {
		l.limits(n)
	}
	if n := top.Get("report"); n != nil {
		o := l.fields(n, "report", []string{"phases", "max_table_steps", "max_table_clients"})
		l.setDuration(o, "phases", &sc.Report.Phases, true)
		if v := o.Get("max_table_steps"); v != nil {
			sc.Report.MaxTableSteps, _ = l.integer(v, "max_table_steps", 1, maxTableSteps)
		}
		if v := o.Get("max_table_clients"); v != nil {
			sc.Report.MaxTableClients, _ = l.integer(v, "max_table_clients", 1, maxTableClients)
		}
	}
}

// baseTopKeys and tailTopKeys are the top-level keys of the format; the
// registered option blocks come between them.
var (
	baseTopKeys = []string{"name", "description", "seed", "systems", "network", "nodes"}
	tailTopKeys = []string{"disk", "limits", "report", "files", "workload", "faults", "variants", "expect", "explore"}
)

// topKeys are the keys of the top-level mapping.
func topKeys() []string { return concat(baseTopKeys, blockNames(), tailTopKeys) }

// blockNames lists the registered option blocks' names, in order.
func blockNames() []string {
	var names []string
	for _, b := range Blocks() {
		names = append(names, b.Name)
	}
	return names
}

// scenarioName is the form of a scenario's name.
var scenarioName = regexp.MustCompile(`^[a-z0-9_-]+$`)

// yamlLine finds the line number in an error of the YAML library.
var yamlLine = regexp.MustCompile(`^yaml: line ([0-9]+): (.*)$`)

// parseYAML decodes the single document of data and returns its root.
func (l *loader) parseYAML(data []byte) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			l.errAt(Pos{1, 1}, "the file is empty: expected a scenario (a mapping with name, systems and workload)")
		} else {
			l.yamlError(err, data)
		}
		return nil, false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		l.errf(&extra, "expected one YAML document, found a second one")
		return nil, false
	} else if err != io.EOF {
		l.yamlError(err, data)
		return nil, false
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			l.errAt(Pos{1, 1}, "the file is empty: expected a scenario (a mapping with name, systems and workload)")
			return nil, false
		}
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		l.errf(root, "the file is empty: expected a scenario (a mapping with name, systems and workload)")
		return nil, false
	}
	return root, true
}

// parserProblems are the messages of the YAML library's parser (as opposed
// to its scanner). The library reports their line 0-based, so one is added.
var parserProblems = []string{"did not find expected", "found duplicate %", "found incompatible YAML document",
	"found undefined tag handle"}

// anchorProblem matches the library's complaints about anchors, which carry
// no line: the position is found by looking for the anchor in the text.
var anchorProblem = regexp.MustCompile(`^yaml: (?:unknown anchor '(.*)' referenced|anchor '(.*)' value contains itself)$`)

// yamlError turns an error of the YAML library into an *Error.
func (l *loader) yamlError(err error, data []byte) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if line, aerr := strconv.Atoi(m[1]); aerr == nil && line >= 1 {
			for _, p := range parserProblems {
				if strings.HasPrefix(m[2], p) {
					line++
					break
				}
			}
			l.errAt(Pos{line, 1}, "invalid YAML: %s", m[2])
			return
		}
	}
	p := Pos{1, 1}
	if m := anchorProblem.FindStringSubmatch(msg); m != nil {
		token := "*" + m[1]
		if m[2] != "" {
			token = "&" + m[2]
		}
		if i := bytes.Index(data, []byte(token)); i >= 0 {
			p.Line = 1 + bytes.Count(data[:i], []byte("\n"))
			p.Col = 1 + i - (bytes.LastIndexByte(data[:i], '\n') + 1)
		}
	}
	l.errAt(p, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// errAt records an error at p.
func (l *loader) errAt(p Pos, format string, args ...any) {
	if p.Line < 1 {
		p.Line = 1
	}
	if p.Col < 1 {
		p.Col = 1
	}
	// Keep far more than maxErrors: the list is sorted by position before
	// it is cut.
	if len(l.errs) < 50*maxErrors {
		l.errs = append(l.errs, &Error{File: l.file, Line: p.Line, Col: p.Col, Msg: fmt.Sprintf(format, args...)})
	}
}

// errf records an error at n.
func (l *loader) errf(n *yaml.Node, format string, args ...any) {
	l.errAt(posOf(n), format, args...)
}

// errorList sorts the errors by position (keeping the order of errors at
// the same place) and keeps the first maxErrors.
func (l *loader) errorList() ErrorList {
	list := ErrorList(l.errs)
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Line != list[j].Line {
			return list[i].Line < list[j].Line
		}
		return list[i].Col < list[j].Col
	})
	// Drop exact repeats (an alias used twice reports its problem twice).
	out := list[:0:0]
	for i, e := range list {
		if i > 0 && *e == *list[i-1] {
			continue
		}
		out = append(out, e)
	}
	if len(out) > maxErrors {
		last := out[maxErrors-1]
		out = append(out[:maxErrors:maxErrors], &Error{File: l.file, Line: last.Line, Col: last.Col,
			Msg: fmt.Sprintf("too many errors (%d more not shown)", len(out)-maxErrors)})
	}
	return out
}

// posOf is the position of n (1:1 when unknown).
func posOf(n *yaml.Node) Pos {
	if n == nil {
		return Pos{1, 1}
	}
	p := Pos{n.Line, n.Column}
	if p.Line < 1 {
		p.Line = 1
	}
	if p.Col < 1 {
		p.Col = 1
	}
	return p
}

// resolve follows aliases to the node they name and counts the value
// against maxValues. It returns nil once the document is too large.
func (l *loader) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 100 || n.Alias == nil {
			l.errf(n, "alias *%s: cannot resolve it", n.Value)
			return nil
		}
		n = n.Alias
	}
	if l.aborted || n == nil {
		return nil
	}
	l.values++
	if l.values > maxValues {
		l.abort(n)
		return nil
	}
	return n
}

// abort stops the load at n: the document has more than maxValues values.
func (l *loader) abort(n *yaml.Node) {
	if !l.aborted {
		l.aborted = true
		p := posOf(n)
		msg := fmt.Sprintf("the document is too large: more than %d values, counting every use of an alias", maxValues)
		if l.inVariant {
			msg += " and every variant's copy of the scenario"
		}
		l.tooLarge = &Error{File: l.file, Line: p.Line, Col: p.Col, Msg: msg}
	}
}

// Object is a YAML mapping whose keys have been checked against the keys
// it may have (Decoder.Fields).
type Object struct {
	// owner reports errors about the mapping.
	owner *loader
	// what names the mapping in messages.
	what string
	node *yaml.Node
	keys map[string]*yaml.Node
	vals map[string]*yaml.Node
	// order lists the keys in the order of the file.
	order []string
}

// Get returns the value of key k, or nil.
func (o *Object) Get(k string) *yaml.Node {
	if o == nil {
		return nil
	}
	return o.vals[k]
}

// Has reports whether the mapping has key k.
func (o *Object) Has(k string) bool { return o != nil && o.vals[k] != nil }

// KeyNode returns the node of key k itself (not its value), or nil: where
// to report a key that does not belong.
func (o *Object) KeyNode(k string) *yaml.Node {
	if o == nil {
		return nil
	}
	return o.keys[k]
}

// Node returns the mapping's node.
func (o *Object) Node() *yaml.Node {
	if o == nil {
		return nil
	}
	return o.node
}

// fields checks that n is a mapping whose keys are all in allowed, reports
// unknown and repeated keys, and returns it; nil when n is not a mapping. A
// null value (an empty block) is an empty mapping. what names the mapping
// in messages ("network", "workload row 3").
func (l *loader) fields(n *yaml.Node, what string, allowed []string) *Object {
	n = l.resolve(n)
	if n == nil {
		return nil
	}
	o := &Object{owner: l, what: what, node: n, keys: map[string]*yaml.Node{}, vals: map[string]*yaml.Node{}}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return o
	}
	if n.Kind != yaml.MappingNode {
		l.errf(n, "%s: expected a mapping of keys (%s), got %s", what, strings.Join(allowed, ", "), describe(n))
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := l.resolve(n.Content[i])
		if k == nil {
			return nil
		}
		if k.Kind != yaml.ScalarNode {
			l.errf(k, "%s: expected a key name, got %s", what, describe(k))
			continue
		}
		name := k.Value
		if name == "<<" {
			l.errf(k, "merge keys (<<) are not supported in %s; repeat the keys instead", what)
			continue
		}
		if !contains(allowed, name) {
			l.errf(k, "unknown key %q in %s%s", name, what, didYouMean(name, allowed, "valid keys"))
			continue
		}
		if prev, dup := o.keys[name]; dup {
			l.errf(k, "key %q appears twice in %s (first at line %d)", name, what, posOf(prev).Line)
			continue
		}
		o.keys[name] = k
		o.vals[name] = n.Content[i+1]
		o.order = append(o.order, name)
	}
	return o
}

// Require returns the value of key k, reporting it missing otherwise;
// what says what the key holds.
func (o *Object) Require(k, what string) *yaml.Node {
	if o == nil {
		return nil
	}
	if v := o.vals[k]; v != nil {
		return v
	}
	o.owner.missing(o.node, o.what, k, what)
	return nil
}

// missing reports a missing required key at the mapping n, which in names;
// what says what the key holds.
func (l *loader) missing(n *yaml.Node, in, key, what string) {
	if what != "" {
		l.errf(n, "missing key %q in %s (%s)", key, in, what)
		return
	}
	l.errf(n, "missing key %q in %s", key, in)
}

// list checks that n is a sequence and returns its items; a null value is
// an empty list. what names the list in messages.
func (l *loader) list(n *yaml.Node, what string) ([]*yaml.Node, bool) {
	n = l.resolve(n)
	if n == nil {
		return nil, false
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil, true
	}
	if n.Kind != yaml.SequenceNode {
		l.errf(n, "%s: expected a list, got %s", what, describe(n))
		return nil, false
	}
	l.values += len(n.Content)
	if l.values > maxValues {
		l.abort(n)
		return nil, false
	}
	return n.Content, true
}

// describe says what a node is, for "got ..." in messages.
func describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		v := n.Value
		if len(v) > 40 {
			v = v[:37] + "..."
		}
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!str":
			return strconv.Quote(v)
		}
		return v
	}
	return "nothing"
}

// contains reports whether list has s.
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// orList writes "a, b or c".
func orList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// andList writes "a, b and c".
func andList(items []string) string {
	switch len(items) {
	case 0:
		return "nothing"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// fmtDuration formats a duration for messages the way a scenario writes
// it: "0s", "300ms", "1.5s", "80s" (not "1m20s").
func fmtDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d < 0 || d%time.Millisecond != 0:
		return d.String()
	case d < time.Second:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	}
	// Exactly, from the integer: d.Seconds() of 6.863s is 6.8629999...
	out := strconv.FormatInt(int64(d/time.Second), 10)
	if ms := int64(d % time.Second / time.Millisecond); ms > 0 {
		out += strings.TrimRight(fmt.Sprintf(".%03d", ms), "0")
	}
	return out + "s"
}
