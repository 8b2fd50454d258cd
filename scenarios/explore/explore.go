// Package explore is `sim explore`: it searches fault schedules for broken
// promises. For each seed, the scenario's workload runs in a world whose
// network parameters and faults are drawn from the scenario's `explore:`
// block (scenarios.ExplorePlan) on top of the scenario's own; every
// invariant of each system is checked; and a violation is shrunk (fewer
// workload rows, fewer faults, simpler values) to a small scenario file
// that `sim run` reproduces. This is what the systems people use to teach
// and test distributed protocols do (DSLabs, Stateright, FoundationDB's
// simulation, TigerBeetle's VOPR): search many schedules, hand back a
// minimal failing one.
//
// A seed is explored by Explorer.Seed, which is safe to call from several
// goroutines at once: each run is its own world. What a seed finds depends
// only on the scenario and the seed.
package explore

import (
	"fmt"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// Explorer explores one scenario.
type Explorer struct {
	// File names the scenario in messages and in the counterexamples'
	// comments; Name is its name.
	File, Name string
	base       *scenarios.Scenario
	plan       *scenarios.ExplorePlan
	// Default says the scenario has no explore block, and plan is
	// scenarios.DefaultExplorePlan.
	Default bool
	// checked are the invariants exploration checks, by name.
	checked map[string]bool
	// doc is the file's YAML tree, with aliases expanded: counterexamples
	// are edited copies of it.
	doc   *yaml.Node
	span  [2]time.Duration
	nodes []string
	// rowAt is the index in the file's workload list of each row of the
	// scenario's Workload; program rows are the others (Program.Row).
	rowAt []int
	// down is when the scenario's own faults have each node down.
	down downTimes
	// ShrinkRuns bounds the runs spent shrinking one violation
	// (DefaultShrinkRuns).
	ShrinkRuns int
}

// DefaultShrinkRuns is how many candidate scenarios the shrinking of one
// violation may load and run: enough to take a lecture scenario's schedule
// down to a few rows and faults, few enough to bound a seed's time.
const DefaultShrinkRuns = 400

// GCPercent is the garbage collector's setting `sim explore` runs with
// (debug.SetGCPercent) unless the GOGC variable sets one: a schedule's
// runs allocate much and keep little (a few megabytes live), so letting
// the heap grow to five times what is live, not twice, spends a quarter
// less CPU time per schedule (BENCHMARKS.md) for a few more megabytes.
const GCPercent = 400

// New prepares the exploration of the scenario in data (named file in
// messages). A scenario that does not load is bad input: the error is the
// loader's.
func New(file string, data []byte) (*Explorer, error) { return NewWith(file, data, nil) }

// NewWith is New after the overrides sets (`sim explore --set`), applied
// as `sim run --set` applies them (scenarios.LoadWith): every seed runs,
// and every counterexample holds, the scenario they make.
func NewWith(file string, data []byte, sets []scenarios.Setting) (*Explorer, error) {
	sc, data, err := scenarios.LoadWithText(file, data, sets)
	if err != nil {
		return nil, err
	}
	if err := scenarios.CheckImplemented(sc); err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: the scenario did not parse again", file)
	}
	e := &Explorer{File: file, Name: sc.Name, base: sc, plan: sc.Explore, doc: expandAliases(doc.Content[0]),
		span: workloadSpan(sc), ShrinkRuns: DefaultShrinkRuns}
	if e.plan == nil {
		e.plan, e.Default = scenarios.DefaultExplorePlan(), true
	}
	for _, n := range sc.Nodes {
		e.nodes = append(e.nodes, n.Name)
	}
	program := map[int]bool{}
	for _, p := range sc.Programs {
		program[p.Row] = true
	}
	for i := 0; len(e.rowAt) < len(sc.Workload); i++ {
		if !program[i] {
			e.rowAt = append(e.rowAt, i)
		}
	}
	e.checked = map[string]bool{}
	names := e.plan.Invariants
	if names == nil {
		names = scenarios.InvariantNames(sc.Systems)
	}
	for _, name := range names {
		e.checked[name] = true
	}
	e.down = e.busy()
	return e, nil
}

// Plan is the explore block the explorer draws from.
func (e *Explorer) Plan() *scenarios.ExplorePlan { return e.plan }

// Invariants lists the invariants exploration checks, in the registry's
// order.
func (e *Explorer) Invariants() []string {
	var out []string
	for _, name := range scenarios.InvariantNames(e.base.Systems) {
		if e.checked[name] {
			out = append(out, name)
		}
	}
	return out
}

// runScenarios are the scenarios the runs follow, each once: the
// variants' and, when a system runs with no variant, the scenario
// itself (Scenario.Runs).
func (e *Explorer) runScenarios() []*scenarios.Scenario {
	var out []*scenarios.Scenario
	for _, r := range e.base.Runs() {
		if !slices.Contains(out, r.Scenario) {
			out = append(out, r.Scenario)
		}
	}
	return out
}

// Outcome is what one seed found.
type Outcome struct {
	Seed uint64
	// Findings has one entry per invariant the seed's schedule broke, in
	// the order of the runs (systems, then variants).
	Findings []Finding
	// Stopped says a run of the seed stopped at its bound (limits): its
	// invariants were checked for what happened up to then.
	Stopped bool
	// Runs counts the runs the seed took, shrinking included.
	Runs int
}

// Finding is one broken invariant, with the shrunk scenario that breaks
// it.
type Finding struct {
	Seed                       uint64
	Invariant, System, Variant string
	// Message is the first violation of the invariant in the shrunk
	// scenario's run.
	Message string
	// Scenario is the shrunk scenario file: `sim run` on it exits 1 and
	// lists the invariant in its violations.
	Scenario []byte
	// Rows and Faults count the shrunk scenario's workload rows and
	// faults; ShrinkRuns the runs the shrinking took, the first run of
	// the whole schedule included.
	Rows, Faults, ShrinkRuns int
	// ShrinkCapped says the shrinking stopped at its cap of runs
	// (Explorer.ShrinkRuns) rather than when no edit was left to keep:
	// a smaller counterexample may exist.
	ShrinkCapped bool
}

// Seed explores one seed: it draws the schedule, runs every system of the
// scenario (under every variant) in it, and shrinks each invariant it
// finds broken. The error is an internal one (a drawn schedule the
// scenario format cannot express, a run that fails): a bug.
func (e *Explorer) Seed(seed uint64) (*Outcome, error) {
	s := e.draw(seed)
	out := &Outcome{Seed: seed}
	res, err := e.run(s)
	if err != nil {
		return nil, fmt.Errorf("seed %d: %w", seed, err)
	}
	out.Runs = len(res.Systems)
	for _, sys := range res.Systems {
		if sys.Bound != "" {
			out.Stopped = true
		}
	}
	seen := map[string]bool{}
	for _, v := range e.violations(res, e.base) {
		if seen[v.Invariant] {
			continue
		}
		seen[v.Invariant] = true
		f, err := e.shrink(s, v)
		if err != nil {
			return nil, fmt.Errorf("seed %d: %s: %w", seed, v.Invariant, err)
		}
		out.Runs += f.ShrinkRuns
		out.Findings = append(out.Findings, *f)
	}
	return out, nil
}

// run runs every system of the scenario, under every variant, in the
// schedule's world.
func (e *Explorer) run(s Schedule) (*report.Result, error) {
	sc := e.build(e.base, s)
	res, _, err := scenarios.Run(sc, scenarios.Options{Seed: &s.Seed, ChecksOnly: true})
	return res, err
}

// violations are the violations of res that exploration reports: of the
// invariants it checks, and that sc does not expect broken in their run.
func (e *Explorer) violations(res *report.Result, sc *scenarios.Scenario) []report.Violation {
	var out []report.Violation
	for _, v := range res.Violations {
		if v.Invariant != "" && e.checked[v.Invariant] && !sc.ExpectsBroken(v.System, v.Variant, v.Invariant) {
			out = append(out, v)
		}
	}
	return out
}

// build returns sc (and each of its variants) with the schedule's
// network parameters and faults: the drawn faults come after the
// scenario's own, as they come after them in a counterexample's file.
func (e *Explorer) build(sc *scenarios.Scenario, s Schedule) *scenarios.Scenario {
	out := *sc
	applyNetwork(&out.Network.Default, s.Network)
	out.Faults = append(append([]scenarios.Fault(nil), sc.Faults...), s.Faults()...)
	if len(sc.Variants) > 0 {
		out.Variants = make([]scenarios.Variant, len(sc.Variants))
		for i, v := range sc.Variants {
			v.Scenario = e.build(v.Scenario, s)
			out.Variants[i] = v
		}
	}
	return &out
}
