package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sim-lecture/sim/netmodel"
)

// Program is a workload row `program:`: a list of steps that many clients
// run periodically, the way the AFS paper's benchmark clients did
// (Howard et al. 1988, §3: each client a script of file operations run
// again and again). The YAML form is
//
//	workload:
//	  - program:
//	      clients: 10000     # clients C1..C10000 (prefix: R names them R1..)
//	      every: 60s         # one iteration per client per period
//	      start: 0s          # each client starts at start + a seeded phase in [0, every)
//	      until: 1h          # no iteration starts at or after this time
//	      think: 100ms       # gap between two steps: a duration or a delay distribution
//	      steps:
//	        - {op: open, file: shared, fd: f}
//	        - {op: read, fd: f, block: 0}
//	        - {op: write, fd: f, block: 0, chance: 0.1}   # in 10% of the iterations
//	        - {op: close, fd: f}
//
// A step is a workload row without at and without the node that acts
// (client, or from for a send): the program's client is that node. Its
// file may name a file family (File.Count): each iteration (or each
// client, with per: client) picks one of the family's files. The runner
// generates the steps as the run goes; nothing holds clients x iterations
// rows.
type Program struct {
	// Pos is the position of the row; Row its 0-based place in the
	// workload list (ordinary rows and programs together).
	Pos Pos
	Row int
	// Prefix names the clients Prefix1..PrefixN (default "C").
	Prefix string
	// Clients is how many clients run the program.
	Clients int
	// Every is the period of the iterations; Start the earliest start of
	// the first; Until the time at or after which none starts (required:
	// see programLimits).
	Every, Start, Until time.Duration
	// Think is the gap between two steps of one iteration: after the
	// previous step returned, for a system whose driver says when
	// (System.ProgramDone), else after it started.
	Think netmodel.Delay
	// Steps are the program's steps, in order.
	Steps []ProgramStep
}

// ProgramStep is one step of a program.
type ProgramStep struct {
	// Step is the row the step makes, without At and without its client
	// (or sender), which each client fills in; Step.Pos is the step's
	// position.
	Step Step
	// Chance is the probability that an iteration runs the step (key
	// chance, default 1): a mix of readers and writers in one program.
	Chance float64
	// Family is the index in Scenario.Families of the family Step.File
	// names, or -1 when it names one file.
	Family int
}

// ClientName returns the name of the program's client k (0-based).
func (p *Program) ClientName(k int) string { return p.Prefix + strconv.Itoa(k+1) }

// Iterations is how many iterations each client of the program starts,
// at most (the phase may leave one out: a client whose phase puts its
// last period's start at or after Until runs one fewer).
func (p *Program) Iterations() int {
	if p.Until <= p.Start {
		return 0
	}
	return int((p.Until - p.Start + p.Every - 1) / p.Every)
}

// FileFamily is an entry of files with a count: the files Path1..PathN,
// all with the same blocks, of which a program step naming Path picks one
// by popularity.
type FileFamily struct {
	// Path is the family's name, a path prefix ("lib/f").
	Path string
	// Count is how many files it has.
	Count int
	// Choose is how a step picks one: "uniform", or "zipf" (file k with
	// probability proportional to 1/k^S: a few files are most of the
	// opens, as in file-system traces), or "own": the program's client k
	// (from 0) takes file k mod Count for the whole run, so that with as
	// many files as clients each has its own (a home directory's files,
	// which the AFS paper's users mostly wrote; Howard et al. 1988).
	Choose string
	// S is Zipf's exponent (default 1).
	S float64
	// PerClient makes each client pick once, for the whole run (per:
	// client), instead of at every iteration (per: iteration, the
	// default).
	PerClient bool
	// Pos is where the family appears in the file.
	Pos Pos
}

// Member is the path of the family's file k (0-based).
func (f *FileFamily) Member(k int) string { return f.Path + strconv.Itoa(k+1) }

// Limits of programs: each client and each step costs memory for the whole
// run (one slot of state per client and step), so both are bounded.
const (
	maxProgramClients = 50_000
	maxProgramSteps   = 64
	// programClientBytes and programSlotBytes are what a program's client
	// (its protocol endpoints, caches and tables) and each of its slots
	// (one per client and step) hold for the whole run: measured as live
	// heap, about 10 KiB per client on nfs and afs, and 1 KiB per slot.
	programClientBytes = 10 << 10
	programSlotBytes   = 1 << 10
	// maxProgramBytes bounds their total over all the programs, below the
	// heap the command sets as its memory limit (768 MiB): 100,000
	// clients reached 1.1 GB and 200 s, 15,000 clients of 64 steps 1.2 GB
	// and 230 s, the garbage collector running without end.
	maxProgramBytes = 512 << 20
	// maxFamilyFiles bounds a family's count and all the families' files
	// together.
	maxFamilyFiles = 100_000
)

// programKeys are the keys of a program.
var programKeys = []string{"clients", "prefix", "every", "start", "until", "think", "steps"}

// program decodes the value of a workload row's program key.
func (l *loader) program(n *yaml.Node, row int, what string) {
	o := l.fields(n, what, programKeys)
	if o == nil {
		return
	}
	p := Program{Pos: posOf(o.node), Row: row, Prefix: "C", Think: netmodel.Delay{Kind: netmodel.Constant}}
	ok := true
	if v := o.Require("clients", "how many clients run the program, such as 100"); v != nil {
		p.Clients, ok = l.integer(v, "clients", 1, maxProgramClients)
	} else {
		ok = false
	}
	if v := o.Get("prefix"); v != nil {
		s, pok := l.nodeName(v, "prefix", false)
		p.Prefix, ok = s, ok && pok
	}
	if v := o.Require("every", "the period of the iterations, such as 60s"); v != nil {
		var eok bool
		p.Every, eok = l.positiveDuration(v, "every")
		ok = ok && eok
	} else {
		ok = false
	}
	ok = l.setDuration(o, "start", &p.Start, false) && ok
	if v := o.Require("until", "the time from which no iteration starts, such as 1h"); v != nil {
		ok = l.setDuration(o, "until", &p.Until, true) && ok
	} else {
		ok = false
	}
	if ok && p.Until <= p.Start {
		l.errf(o.Get("until"), "until: %s is not after start %s: no iteration would run", fmtDuration(p.Until), fmtDuration(p.Start))
		ok = false
	}
	if v := o.Get("think"); v != nil {
		var tok bool
		p.Think, tok = l.delay(v)
		ok = ok && tok
	}
	if v := o.Require("steps", "the list of steps, such as [{op: open, file: f, fd: x}, {op: close, fd: x}]"); v != nil {
		ok = l.programSteps(v, &p) && ok
	} else {
		ok = false
	}
	if !ok {
		return
	}
	l.clientCount += p.Clients
	l.slots += p.Clients * len(p.Steps)
	if need := int64(l.clientCount)*programClientBytes + int64(l.slots)*programSlotBytes; need > maxProgramBytes {
		l.errf(o.Get("clients"), "clients: the programs have %d clients and %d steps x clients in all, which hold about %d MiB for the whole run (10 KiB a client, 1 KiB a step of a client), more than %d MiB; run fewer clients or fewer steps",
			l.clientCount, l.slots, (need+1<<20-1)>>20, maxProgramBytes>>20)
		return
	}
	l.sc.Programs = append(l.sc.Programs, p)
	l.programObjs = append(l.programObjs, o)
}

// programDrain is the time the default limits.max_time leaves after a
// program's last period, for its last iterations to return and the
// protocols' timers to run out.
const programDrain = time.Minute

// programLimits relates the programs' until to limits.max_time, so that
// a program that keeps up with its period ends before the run's bound:
// when the file sets max_time, each until must be before it; when it
// does not, the default (1h) grows to the latest until plus a period and
// programDrain. A run stopped at max_time reports a bound violation,
// which a program that merely ran to its end must not.
func (l *loader) programLimits() {
	var need time.Duration
	for i := range l.sc.Programs {
		p := &l.sc.Programs[i]
		if l.maxTimeSet && p.Until >= l.sc.Limits.MaxTime {
			l.errf(l.programObjs[i].Get("until"), "until: %s is not before limits.max_time %s: the last iterations would be cut off by the bound; lower until or raise max_time",
				fmtDuration(p.Until), fmtDuration(l.sc.Limits.MaxTime))
		}
		need = max(need, p.Until+p.Every+programDrain)
	}
	if !l.maxTimeSet && need > l.sc.Limits.MaxTime {
		l.sc.Limits.MaxTime = need
	}
}

// stepKeys are the keys of a program step: a row's, without at, with
// chance.
func stepKeys() []string {
	var keys []string
	for _, k := range rowKeys() {
		if k != "at" {
			keys = append(keys, k)
		}
	}
	return append(keys, "chance")
}

// programSteps decodes the steps of p.
func (l *loader) programSteps(n *yaml.Node, p *Program) bool {
	items, ok := l.list(n, "steps")
	if !ok {
		return false
	}
	if len(items) == 0 || len(items) > maxProgramSteps {
		l.errf(n, "steps: expected from 1 to %d steps, got %d", maxProgramSteps, len(items))
		return false
	}
	keys := stepKeys()
	var objs []*Object
	for i, it := range items {
		what := fmt.Sprintf("step %d of the program", i+1)
		ps := ProgramStep{Step: Step{Index: i, Pos: posOf(it)}, Chance: 1, Family: -1}
		o := l.fields(it, what, keys)
		if o == nil {
			ok = false
			continue
		}
		ps.Step.Pos = posOf(o.node)
		if !l.programStep(o, &ps, what) {
			ok = false
		}
		p.Steps = append(p.Steps, ps)
		objs = append(objs, o)
	}
	l.stepObjs = append(l.stepObjs, objs)
	return ok
}

// programStep decodes one step: the op, the keys it takes except the
// acting node's, and chance.
func (l *loader) programStep(o *Object, ps *ProgramStep, what string) bool {
	op := l.rowOp(o)
	if op == nil {
		return false
	}
	st := &ps.Step
	st.Op = op.Name
	actor := actingKey(op)
	if actor == "" {
		l.errf(o.Get("op"), "op %s names no node that makes the call, so a program cannot run it", op.Name)
		return false
	}
	ok := true
	for _, k := range o.order {
		switch {
		case k == actor:
			l.errf(o.keys[k], "key %q does not belong in a program step: the program's clients make the calls", k)
			ok = false
		case k != "op" && k != "chance" && !op.takes(k):
			l.errf(o.keys[k], "key %q does not apply to op %s (%s takes %s)", k, op.Name, op.Name, andList(op.keyNames(false)))
			ok = false
		}
	}
	for _, k := range op.keyNames(true) {
		if k != actor && !o.Has(k) {
			l.errf(o.node, "missing key %q in %s: op %s needs %s (%s)", k, what, op.Name, andList(op.keyNames(true)), rowKey(k).meaning)
			ok = false
		}
	}
	if v := o.Get("chance"); v != nil {
		c, cok := l.probability(v, "chance")
		if cok && c == 0 {
			l.errf(v, "chance: expected a probability above 0 (a step that never runs is no step)")
			cok = false
		}
		ps.Chance, ok = c, ok && cok
	}
	// The program's clients are its actors, and chance is the program's.
	return l.opValues(o, op, st, func(k string) bool { return k != actor && k != "chance" && k != "op" }, ok)
}

// actingKey is the row key that names the node making an op's call:
// client, or from for a send; "" when the op has neither.
func actingKey(op *Op) string {
	switch {
	case op.takes("client"):
		return "client"
	case op.takes("from"):
		return "from"
	}
	return ""
}

// SetActor fills in the node that makes the step's call: client, or from
// for an op whose rows name their sender.
func (st *Step) SetActor(name string) {
	if op := LookupOp(st.Op); op != nil && actingKey(op) == "from" {
		st.From = name
		return
	}
	st.Client = name
}

// familyKeys are the keys of a files entry with a count.
var familyKeys = []string{"blocks", "count", "choose", "s", "per"}

// family decodes the count, choose, s and per keys of a files entry o
// whose path is p, and adds the family's files with blocks.
func (l *loader) family(o *Object, p string, blocks []string) {
	f := FileFamily{Path: p, Choose: "uniform", S: 1, Pos: posOf(o.node)}
	var ok bool
	if f.Count, ok = l.integer(o.Get("count"), "count", 1, maxFamilyFiles); !ok {
		return
	}
	if v := o.Get("choose"); v != nil {
		if f.Choose, ok = l.enum(v, "choose", []string{"uniform", "zipf", "own"}); !ok {
			return
		}
		f.PerClient = f.Choose == "own"
	}
	if v := o.Get("s"); v != nil {
		if f.S, ok = l.float(v, "s", 0, 10); !ok {
			return
		}
		if f.Choose != "zipf" {
			l.errf(v, "s: Zipf's exponent applies only to choose: zipf")
			return
		}
	}
	if v := o.Get("per"); v != nil {
		per, ok := l.enum(v, "per", []string{"iteration", "client"})
		if !ok {
			return
		}
		if f.Choose == "own" && per != "client" {
			l.errf(v, "per: choose: own gives each client its file for the whole run (per: client)")
			return
		}
		f.PerClient = per == "client"
	}
	l.familyFiles += f.Count
	if l.familyFiles > maxFamilyFiles {
		l.errf(o.Get("count"), "count: the file families have %d files in all, more than %d", l.familyFiles, maxFamilyFiles)
		return
	}
	if l.families == nil {
		l.families = map[string]int{}
	}
	l.families[p] = len(l.sc.Families)
	l.sc.Families = append(l.sc.Families, f)
	for k := 0; k < f.Count; k++ {
		m := f.Member(k)
		if prev, dup := l.files[m]; dup {
			l.errf(o.Get("count"), "count: file %s of family %s is also declared at line %d", m, p, prev.Line)
			return
		}
		l.files[m] = f.Pos
		l.sc.Files = append(l.sc.Files, File{Path: m, Blocks: blocks, Pos: f.Pos})
	}
}

// float decodes a number in [lo, hi].
func (l *loader) float(n *yaml.Node, what string, lo, hi float64) (float64, bool) {
	expected := fmt.Sprintf("a number from %g to %g", lo, hi)
	n, ok := l.scalar(n, what, expected)
	if !ok {
		return 0, false
	}
	x, err := strconv.ParseFloat(n.Value, 64)
	if err != nil || math.IsNaN(x) || x < lo || x > hi || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		l.errf(n, "%s: expected %s, got %s", what, expected, describe(n))
		return 0, false
	}
	return x, true
}

// programNode returns the value of the key program when the workload
// row it is a mapping with that key, else nil.
func programNode(it *yaml.Node) *yaml.Node {
	for i := 0; it != nil && it.Kind == yaml.AliasNode && i < 100; i++ {
		it = it.Alias
	}
	if it == nil || it.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(it.Content); i += 2 {
		if it.Content[i].Kind == yaml.ScalarNode && it.Content[i].Value == "program" {
			return it.Content[i+1]
		}
	}
	return nil
}

// programRow decodes workload row i, a mapping with a program key, which
// must be its only key.
func (l *loader) programRow(it, pn *yaml.Node, i int, what string) {
	l.programRows++
	o := l.fields(it, what, []string{"program"})
	if o == nil {
		return
	}
	if len(o.order) != 1 {
		return
	}
	l.program(pn, i, what+" (a program)")
}

// Bounds of the report thresholds.
const (
	maxTableSteps   = 1_000_000
	maxTableClients = 10_000
)
