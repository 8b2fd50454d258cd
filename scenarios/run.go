package scenarios

import (
	"fmt"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/sim"
)

// Options change how a scenario runs without editing its file.
type Options struct {
	// Seed, when not nil, overrides the scenario's seed.
	Seed *uint64
	// KeepTrace keeps every trace record, for --out.
	KeepTrace bool
	// Tap, when not nil, is called as each run sets up its network, with
	// the run's system and variant ("" without variants) and whether the
	// run's nodes send raw payloads (the pipe and socket systems) rather
	// than UDP datagrams; the run uses the network it returns. It is how
	// --out records a packet capture of each run (report.Capture).
	Tap func(system, variant string, raw bool, net sim.Network) sim.Network
	// ChecksOnly runs for the invariants alone, as exploration does: the
	// result has each run's system part and the violations of the
	// systems' invariants and of the run bounds, but no table, phases or
	// checked expectations (an expectation `broken:` moves nothing to
	// Broken either: ExpectsBroken says which invariants a run may break).
	ChecksOnly bool
	// Stream, when not nil, is called as each run starts, with the run's
	// system and variant ("" without variants); the run hands the Sink it
	// returns (if not nil) every trace record and every step it counts
	// into its summary as they happen, and keeps neither for them: how
	// sim run --out writes the trace and the steps of a program workload
	// in memory that does not grow with the run.
	Stream func(system, variant string) Sink
	// KeepSteps, when above zero, keeps up to that many of each run's
	// program steps in its result (report.System.ProgramSteps), copied
	// as each is counted into the summary, and counts the rest in
	// StepsLeftOut: sim run --steps. Memory then grows with the steps
	// kept, which the bound limits.
	KeepSteps int
}

// Sink receives what a run streams (Options.Stream).
type Sink interface {
	// Record is a trace record of w, the run's world, as it happens.
	Record(w *sim.World, r sim.Record)
	// Step is a step of a summarized run as it is counted into the
	// summary: a program's step when it returns (or when the run ends
	// first), then the file's rows that ran, in order, at the end. st is
	// reused once Step returns.
	Step(st *report.Step)
}

// Run runs every system of the scenario on the same workload, each in its own
// world, checks the scenario's expectations and returns the result. A
// scenario with variants runs each system once per variant that applies
// to it (systems in the outer loop, variants in the inner), each run in
// its own world with the variant's scenario, and a system no variant
// applies to once with the file's settings: the runs of Scenario.Runs.
// With opt.KeepTrace, the returned worlds (one per run, in the order of
// res.Systems) give access to the traces; without it, none is returned,
// so that a file of many runs does not keep every finished world in
// memory. The runs share limits.max_total_events: each may use what the
// runs before it left.
func Run(sc *Scenario, opt Options) (*report.Result, []*sim.World, error) {
	seed := sc.Seed
	if opt.Seed != nil {
		seed = *opt.Seed
	}
	res := &report.Result{Scenario: sc.Name, Description: sc.Description, Seed: seed, Violations: []report.Violation{}}
	for _, v := range sc.Variants {
		rv := report.Variant{Name: v.Name, Description: v.Description}
		if v.Systems != nil && len(v.Systems) < len(sc.Systems) {
			rv.Systems = v.Systems
		}
		res.Variants = append(res.Variants, rv)
	}
	runs, err := runSpecs(sc)
	if err != nil {
		return nil, nil, err
	}
	var worlds []*sim.World
	// The events the runs may still use together (limits.max_total_events).
	left := sc.Limits.MaxTotalEvents
	for _, run := range runs {
		system := LookupSystem(run.System)
		if system == nil {
			return nil, nil, fmt.Errorf("%s: system %q is not implemented yet", sc.File, run.System)
		}
		var total *totalEvents
		if sc.Limits.MaxTotalEvents > 0 {
			total = &totalEvents{max: sc.Limits.MaxTotalEvents, left: left}
		}
		r := newRun(run.Scenario, run.System, seed, opt, total, stream(opt, run.System, run.Variant))
		r.Result.Variant = run.Variant
		sys, err := r.execute(system.New())
		if err != nil {
			return nil, nil, err
		}
		left -= min(left, sys.Events)
		res.Systems = append(res.Systems, *sys)
		if opt.KeepTrace {
			// A finished world holds everything its run built; only
			// --out needs it, for the traces and diagrams.
			worlds = append(worlds, r.World)
		}
		if sys.Bound != "" {
			res.Violations = append(res.Violations, report.Violation{System: run.System, Variant: run.Variant, Message: sys.Bound})
		}
		res.Violations = append(res.Violations, systemInvariants(system, run.Scenario, sys)...)
	}
	if opt.ChecksOnly {
		return res, worlds, nil
	}
	res.Violations, res.Broken = expectedBreaks(sc, res.Violations)
	res.Violations = append(res.Violations, checkExpectations(sc, res)...)
	res.Summarized = Summarized(sc)
	if tableFits(sc) {
		res.Table = buildTable(sc, res)
	}
	addPhases(sc, res)
	return res, worlds, nil
}

// RunDriver runs one system of sc with the driver d and returns the run,
// so that a test of a driver can look inside the driver and the world
// afterwards.
func RunDriver(sc *Scenario, system string, d Driver, opt Options) (*SystemRun, error) {
	seed := sc.Seed
	if opt.Seed != nil {
		seed = *opt.Seed
	}
	r := newRun(sc, system, seed, opt, nil, nil)
	if _, err := r.execute(d); err != nil {
		return nil, err
	}
	return r, nil
}

// systemInvariants checks the system's invariants on one run's result.
func systemInvariants(system *System, sc *Scenario, sys *report.System) []report.Violation {
	var out []report.Violation
	for _, inv := range system.Invariants {
		for _, msg := range inv.Check(sc, sys) {
			out = append(out, report.Violation{System: sys.System, Variant: sys.Variant, Invariant: inv.Name, Message: inv.Name + ": " + msg})
		}
	}
	return out
}

// runSpecs lists the runs of sc (Scenario.Runs), or reports a variant
// without its scenario.
func runSpecs(sc *Scenario) ([]RunSpec, error) {
	for _, v := range sc.Variants {
		if v.Scenario == nil {
			// Load gives every variant its scenario; a Scenario built by
			// hand may lack one.
			return nil, fmt.Errorf("%s: variant %q has no scenario (build scenarios with Load)", sc.File, v.Name)
		}
	}
	return sc.Runs(), nil
}

// SystemRun is one system's run of a scenario, as its Driver sees it: the
// scenario (as the run's variant has it), the world, and the system's part
// of the result.
type SystemRun struct {
	// Scenario is the scenario the run follows.
	Scenario *Scenario
	// System is the name of the system that runs.
	System string
	// World is the run's simulated world.
	World *sim.World
	// Result is the system's part of the result, which the driver fills.
	Result *report.System
	// net is the scenario's network, nil when the system runs over a
	// network of its own (UseOwnNetwork).
	net *netmodel.Network
	// noNet says why the network faults do nothing without net.
	noNet string
	// current is the index of the workload row that ran last: RPCs started
	// now are attributed to it.
	current int
	// memoName and memoID are the last node Node looked up: a driver asks
	// for the node of the step it runs, and the program runner primes it
	// with the step's client, which saves a lookup among thousands of
	// names per step.
	memoName string
	memoID   sim.NodeID
	// partitions maps each partition fault to the id the network gave it.
	partitions map[*Fault]int
	// ran[i] says whether workload row i ran.
	ran []bool
	// total, when set, is the run's share of limits.max_total_events.
	total *totalEvents
	// tap is Options.Tap.
	tap func(system, variant string, raw bool, net sim.Network) sim.Network
	// prog runs the scenario's programs; nil without any.
	prog *programRun
	// sink receives the steps counted into the summary (Options.Stream).
	sink Sink
	// keeping says the result keeps program steps (Options.KeepSteps),
	// and keepSteps how many more it may keep.
	keeping   bool
	keepSteps int
	// summarize says the result gets a Summary (see Summarized); quiet
	// says so too and that nobody keeps the trace (Quiet).
	summarize, quiet bool
	// RawPayloads says the system's nodes send bare payloads rather than
	// UDP datagrams (the pipe and socket systems): a driver sets it before
	// it sets up the network, for Options.Tap.
	RawPayloads bool
}

// newRun prepares one run of system; total, when not nil, is its share of
// limits.max_total_events, which bounds it when less than its own
// max_events.
func newRun(sc *Scenario, system string, seed uint64, opt Options, total *totalEvents, sink Sink) *SystemRun {
	var w *sim.World
	cfg := sim.Config{
		Seed:             seed,
		MaxEvents:        sc.Limits.MaxEvents,
		MaxTime:          sim.Time(sc.Limits.MaxTime),
		MaxBytesHeld:     sc.Limits.MaxBytesHeld,
		MaxBytesMoved:    sc.Limits.MaxBytesMoved,
		DiskWriteLatency: sc.Disk.WriteLatency,
		KeepTrace:        opt.KeepTrace,
	}
	if total != nil && total.left > 0 && total.left < cfg.MaxEvents {
		cfg.MaxEvents = total.left
	}
	if sink != nil {
		cfg.OnRecord = func(rec sim.Record) { sink.Record(w, rec) }
	}
	w = sim.New(cfg)
	r := &SystemRun{Scenario: sc, System: system, World: w, current: -1, partitions: map[*Fault]int{}, tap: opt.Tap,
		total: total, sink: sink, keeping: opt.KeepSteps > 0, keepSteps: opt.KeepSteps}
	r.Result = &report.System{System: system, Steps: make([]report.Step, len(sc.Workload)), Faults: []report.Fault{}}
	for i := range sc.Workload {
		r.Result.Steps[i] = baseStep(&sc.Workload[i])
	}
	r.summarize = Summarized(sc)
	r.quiet = r.summarize && !opt.KeepTrace
	if len(sc.Programs) > 0 {
		sys := LookupSystem(system)
		r.prog = newProgramRun(r, sys != nil && sys.ReportsDone)
	}
	return r
}

// Rows is the number of the scenario file's workload rows: a row index
// from Rows() on is a program's step (Scenario.Programs), whose slot the
// runner fills anew at each iteration. A driver keeps no state of its own
// per program step beyond what it resets when the step starts.
func (r *SystemRun) Rows() int {
	if r.prog != nil {
		return r.prog.base
	}
	return len(r.Scenario.Workload)
}

// Quiet reports that the run is summarized and its trace is not kept:
// nobody will draw its state, so a driver may spare its protocols the
// state records whose value grows with the clients (an AFS server's
// callback table), which would make a run of thousands of clients
// quadratic. The trace hash is still the run's, and still the same for
// the same scenario and seed.
func (r *SystemRun) Quiet() bool { return r.quiet }

// Done tells the runner that workload row i has its result (Step's
// Result, Latency and Calls are final): a driver whose System.ReportsDone
// is set calls it, so that a program's next step starts its think time
// after this one returned. It does nothing for the file's own rows.
func (r *SystemRun) Done(i int) {
	if r.prog != nil {
		r.prog.Done(i)
	}
}

// baseStep fills the fields of a step's result that come from its row.
func baseStep(s *Step) report.Step {
	st := report.Step{At: sim.FormatDuration(s.At), Client: s.Client, Op: s.Op, FD: s.FD, File: s.File,
		Result: "ok", Calls: []report.Call{}, From: s.From, To: s.To + s.ToPath, Server: s.Server, Proc: s.Proc,
		Label: describeOp(s)}
	if s.HasBlock {
		b := s.Block
		st.Block = &b
	}
	return st
}

// UseNetwork installs the scenario's network model: its links, and the
// network faults act on it.
func (r *SystemRun) UseNetwork() {
	r.net = netmodel.New(r.World.Seed(), r.Scenario.Network, r.World.Name)
	r.setNetwork(r.net)
}

// setNetwork installs n, through Options.Tap when there is one.
func (r *SystemRun) setNetwork(n sim.Network) {
	if r.tap != nil {
		n = r.tap(r.System, r.Result.Variant, r.RawPayloads, n)
	}
	r.World.SetNetwork(n)
}

// UseOwnNetwork installs a network of the system's own (a pipe), which
// the network faults leave alone; they record "no effect: " + why.
func (r *SystemRun) UseOwnNetwork(n sim.Network, why string) {
	r.setNetwork(n)
	r.noNet = why
}

// Node returns the ID of a node of the scenario; the loader guarantees
// every node a row or a fault names exists, so an unknown name is a bug.
func (r *SystemRun) Node(name string) sim.NodeID {
	if name == r.memoName && name != "" {
		return r.memoID
	}
	id, ok := r.World.Lookup(name)
	if !ok {
		panic("scenarios: unknown node " + name + " (the loader should have caught it)")
	}
	r.memoName, r.memoID = name, id
	return id
}

// Current is the index of the workload row that ran last, -1 before the
// first: what happens now is attributed to it.
func (r *SystemRun) Current() int { return r.current }

// StepRun tells apart the steps that slot i of r.Result.Steps has held: a
// program's slot is reused by its client's next iteration, which empties
// the step's Calls. An observer that keeps a reference into a step (to
// update a call of it later) keeps StepRun(i) with it and drops the
// update when StepRun(i) has changed. A file's own row is one step: 0.
func (r *SystemRun) StepRun(i int) uint32 {
	if r.prog == nil || i < r.prog.base {
		return 0
	}
	return r.prog.runs[i-r.prog.base]
}

// Unsupported marks workload row i as an op the system does not run.
func (r *SystemRun) Unsupported(i int) {
	r.Result.Steps[i].Result = "EINVAL"
	r.Result.Steps[i].Note = fmt.Sprintf("%s does not support op %q", r.System, r.Scenario.Workload[i].Op)
}

// RecordFault lists a fault in the result and the trace, with the node it
// concerns and what it did.
func (r *SystemRun) RecordFault(f *Fault, node, detail string) {
	r.Result.Faults = append(r.Result.Faults, report.Fault{At: r.World.Now().String(), Kind: f.Kind, Node: node, Detail: detail})
	r.World.Note(sim.KindFault, sim.NoNode, f.Kind, node+" "+detail)
}

// execute runs the scenario with driver d and returns the system's result.
func (r *SystemRun) execute(d Driver) (*report.System, error) {
	if err := d.Setup(r); err != nil {
		return nil, err
	}
	r.ran = make([]bool, len(r.Scenario.Workload))
	r.schedule(d)
	var err error
	if r.total != nil && r.total.left == 0 {
		// The runs before this one used the file's events: it does not
		// start (a MaxEvents of 0 would mean no bound at all).
		err = &sim.BoundError{Bound: BoundTotalEvents, Limit: r.total.limit()}
	} else {
		err = r.World.Run()
	}
	be, bound := err.(*sim.BoundError)
	if !bound && err != nil {
		return nil, err
	}
	if bound {
		if be.Bound == sim.BoundEvents && r.total != nil && r.total.left < r.Scenario.Limits.MaxEvents {
			// What stopped it was the file's budget, not its own.
			be.Bound, be.Limit = BoundTotalEvents, r.total.limit()
		}
		r.Result.Bound = be.Error()
	}
	d.Finish(r)
	var sum *report.SummaryBuilder
	if r.prog != nil {
		sum = r.prog.finish()
	}
	if bound {
		r.notRun()
	}
	r.summarizeStats()
	if r.summarize {
		if sum == nil {
			sum = report.NewSummaryBuilder()
		}
		for i := range r.Result.Steps {
			if r.ran[i] {
				sum.Add(&r.Result.Steps[i], -1)
				if r.sink != nil {
					r.sink.Step(&r.Result.Steps[i])
				}
			}
		}
		r.Result.Summary = sum.Summary(r.Result.Stats.Calls, r.World.Now())
	}
	return r.Result, nil
}

// stream is the sink of one run (Options.Stream), or nil.
func stream(opt Options, system, variant string) Sink {
	if opt.Stream == nil {
		return nil
	}
	return opt.Stream(system, variant)
}

// BoundTotalEvents names limits.max_total_events in bound messages.
const BoundTotalEvents = "max_total_events"

// totalEvents is a run's share of limits.max_total_events.
type totalEvents struct {
	max, left uint64
}

// limit formats the bound for its message.
func (t *totalEvents) limit() string {
	return fmt.Sprintf("%d, the events of all the file's runs together (%d left for this one)", t.max, t.left)
}

// notRun marks the rows a run stopped at a bound never reached: their
// results are not the drivers' defaults ("ok", nothing sent) but say that
// the row did not happen.
func (r *SystemRun) notRun() {
	for i, ran := range r.ran {
		if ran {
			continue
		}
		st := &r.Result.Steps[i]
		st.Result, st.Value, st.Latency = "ECANCELED", nil, ""
		st.Note = "not run: the run stopped at a bound before this row's time (see the run's bound)"
	}
}

// schedule puts the faults and the workload rows on the world's clock.
// Faults are scheduled before workload rows, so that at the same instant a
// fault happens first and the row sees the world it left (events at one
// time run in the order they were scheduled).
func (r *SystemRun) schedule(d Driver) {
	sc := r.Scenario
	for i := range sc.Faults {
		f := &sc.Faults[i]
		r.World.At(sim.Time(f.At), func() { r.fault(d, f) })
		if f.HasHeal {
			// Scheduled now, not when the partition starts, so that the heal
			// too comes before workload rows at its instant.
			r.World.At(sim.Time(f.HealAt), func() { r.healPartition(f) })
		}
	}
	for i := range r.Rows() {
		r.World.At(sim.Time(sc.Workload[i].At), func() {
			r.current, r.ran[i] = i, true
			d.Step(r, i)
		})
	}
	if r.prog != nil {
		r.prog.d = d
		r.prog.schedule(r.World.Seed())
	}
}

// summarizeStats fills the parts of the result every system has.
func (r *SystemRun) summarizeStats() {
	if r.Result.Disk == nil {
		// The JSON result always has disk: {} when no server holds
		// anything (a messaging system, or every file removed).
		r.Result.Disk = map[string][]string{}
	}
	w := r.World
	r.Result.End = w.Now().String()
	r.Result.Events = w.Events()
	r.Result.TraceHash = fmt.Sprintf("%016x", w.Trace().Hash())
	r.Result.Stats.Messages = map[string]int{}
	for _, k := range sim.Kinds() {
		if n := w.Trace().Count(k); n > 0 {
			r.Result.Stats.Messages[k.String()] = int(n)
		}
	}
}

// fault performs one entry of the faults list: a common kind itself, a
// system's kind through the driver.
func (r *SystemRun) fault(d Driver, f *Fault) {
	if k := LookupFaultKind(f.Kind); k != nil && k.Apply != nil {
		k.Apply(r, f)
		return
	}
	if !d.Fault(r, f) {
		r.RecordFault(f, f.Node, "no effect on "+r.System)
	}
}
