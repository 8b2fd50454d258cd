package scenarios

import (
	"fmt"
	"sort"
	"strconv"
	"time"

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
}

// Run runs every system of the scenario on the same workload, each in its own
// world, checks the scenario's expectations and returns the result. A
// scenario with variants runs each system once per variant (systems in the
// outer loop, variants in the inner), each run in its own world with the
// variant's scenario. The returned worlds (one per run, in the order of
// res.Systems) give access to the traces.
func Run(sc *Scenario, opt Options) (*report.Result, []*sim.World, error) {
	seed := sc.Seed
	if opt.Seed != nil {
		seed = *opt.Seed
	}
	res := &report.Result{Scenario: sc.Name, Description: sc.Description, Seed: seed, Violations: []report.Violation{}}
	for _, v := range sc.Variants {
		res.Variants = append(res.Variants, report.Variant{Name: v.Name, Description: v.Description})
	}
	variants, err := runVariants(sc)
	if err != nil {
		return nil, nil, err
	}
	var worlds []*sim.World
	for _, name := range sc.Systems {
		mk, ok := systemDrivers[name]
		if !ok {
			return nil, nil, fmt.Errorf("%s: system %q is not implemented yet", sc.File, name)
		}
		for _, v := range variants {
			r := newRun(v.Scenario, name, seed, opt)
			r.sys.Variant = v.Name
			sys, err := r.execute(mk())
			if err != nil {
				return nil, nil, err
			}
			res.Systems = append(res.Systems, *sys)
			worlds = append(worlds, r.w)
			if sys.Bound != "" {
				res.Violations = append(res.Violations, report.Violation{System: name, Variant: v.Name, Message: sys.Bound})
			}
		}
	}
	res.Violations = append(res.Violations, checkExpectations(sc, res)...)
	res.Table = buildTable(sc, res)
	addPhases(sc, res)
	return res, worlds, nil
}

// runVariants lists the settings each system runs under: the scenario's
// variants, or the scenario itself (as a variant without a name) when it
// has none.
func runVariants(sc *Scenario) ([]Variant, error) {
	if len(sc.Variants) == 0 {
		return []Variant{{Scenario: sc}}, nil
	}
	for _, v := range sc.Variants {
		if v.Scenario == nil {
			// Load gives every variant its scenario; a Scenario built by
			// hand may lack one.
			return nil, fmt.Errorf("%s: variant %q has no scenario (build scenarios with Load)", sc.File, v.Name)
		}
	}
	return sc.Variants, nil
}

// driver is one system's way of running a scenario: it builds the nodes,
// performs workload rows and system-specific faults, and fills in the
// system's part of the result after the run.
type driver interface {
	// setup adds the system's nodes to r.w.
	setup(r *run) error
	// step performs workload row i; it runs at the row's time.
	step(r *run, i int)
	// fault performs a system-specific fault and reports whether it knew
	// the kind; crash, restart and network faults are handled by the run.
	fault(r *run, f *Fault) bool
	// finish completes r.sys after the run.
	finish(r *run)
}

// systemDrivers maps each implemented system name to its driver.
var systemDrivers = map[string]func() driver{
	"pipe":   func() driver { return &messaging{pipe: true} },
	"socket": func() driver { return &messaging{} },
}

// run is one system's execution of a scenario.
type run struct {
	sc     *Scenario
	system string
	w      *sim.World
	net    *netmodel.Network // nil when the system runs over a pipe
	sys    *report.System
	// current is the index of the workload row that ran last: RPCs started
	// now are attributed to it.
	current int
	// partitions maps each partition fault to the id the network gave it.
	partitions map[*Fault]int
}

func newRun(sc *Scenario, system string, seed uint64, opt Options) *run {
	cfg := sim.Config{
		Seed:             seed,
		MaxEvents:        sc.Limits.MaxEvents,
		MaxTime:          sim.Time(sc.Limits.MaxTime),
		DiskWriteLatency: sc.Disk.WriteLatency,
		KeepTrace:        opt.KeepTrace,
	}
	r := &run{sc: sc, system: system, w: sim.New(cfg), current: -1, partitions: map[*Fault]int{}}
	r.sys = &report.System{System: system, Steps: make([]report.Step, len(sc.Workload)), Faults: []report.Fault{}}
	for i := range sc.Workload {
		r.sys.Steps[i] = baseStep(&sc.Workload[i])
	}
	return r
}

// baseStep fills the fields of a step's result that come from its row.
func baseStep(s *Step) report.Step {
	st := report.Step{At: sim.FormatDuration(s.At), Client: s.Client, Op: s.Op, FD: s.FD, File: s.File,
		Result: "ok", Calls: []report.Call{}, From: s.From, To: s.To, Server: s.Server, Proc: s.Proc}
	if s.HasBlock {
		b := s.Block
		st.Block = &b
	}
	return st
}

// useNetwork installs the scenario's network model (or a pipe).
func (r *run) useNetwork(pipe bool) {
	if pipe {
		r.w.SetNetwork(netmodel.NewPipe(r.sc.Pipe.Delay, r.sc.Pipe.Bandwidth))
		return
	}
	r.net = netmodel.New(r.w.Seed(), r.sc.Network, r.w.Name)
	r.w.SetNetwork(r.net)
}

// node returns the ID of a node the loader guaranteed to exist.
func (r *run) node(name string) sim.NodeID {
	id, ok := r.w.Lookup(name)
	if !ok {
		panic("scenarios: unknown node " + name + " (the loader should have caught it)")
	}
	return id
}

func (r *run) execute(d driver) (*report.System, error) {
	if err := d.setup(r); err != nil {
		return nil, err
	}
	// Faults are scheduled before workload rows, so that at the same instant
	// a fault happens first and the row sees the world it left (events at
	// one time run in the order they were scheduled).
	for i := range r.sc.Faults {
		f := &r.sc.Faults[i]
		r.w.At(sim.Time(f.At), func() { r.fault(d, f) })
		if f.Kind == "partition" && f.HasHeal {
			// Scheduled now, not when the partition starts, so that the heal
			// too comes before workload rows at its instant.
			r.w.At(sim.Time(f.HealAt), func() { r.healPartition(f) })
		}
	}
	for i := range r.sc.Workload {
		i := i
		r.w.At(sim.Time(r.sc.Workload[i].At), func() {
			r.current = i
			d.step(r, i)
		})
	}
	err := r.w.Run()
	if be, ok := err.(*sim.BoundError); ok {
		r.sys.Bound = be.Error()
	} else if err != nil {
		return nil, err
	}
	d.finish(r)
	if r.sys.Disk == nil {
		// The JSON result always has disk: {} when no server holds
		// anything (a messaging system, or every file removed).
		r.sys.Disk = map[string][]string{}
	}
	r.sys.End = r.w.Now().String()
	r.sys.Events = r.w.Events()
	r.sys.TraceHash = fmt.Sprintf("%016x", r.w.Trace().Hash())
	r.sys.Stats.Messages = map[string]int{}
	for _, k := range sim.Kinds() {
		if n := r.w.Trace().Count(k); n > 0 {
			r.sys.Stats.Messages[k.String()] = int(n)
		}
	}
	return r.sys, nil
}

// fault performs one entry of the faults list.
func (r *run) fault(d driver, f *Fault) {
	switch f.Kind {
	case "crash":
		r.w.Crash(r.node(f.Node))
		r.recordFault(f, f.Node, "")
	case "restart":
		r.w.Restart(r.node(f.Node))
		r.recordFault(f, f.Node, "")
	case "partition", "heal", "block", "unblock", "network", "link":
		r.applyNetFault(f)
	default:
		if !d.fault(r, f) {
			r.recordFault(f, f.Node, "no effect on "+r.system)
		}
	}
}

func (r *run) recordFault(f *Fault, node, detail string) {
	r.sys.Faults = append(r.sys.Faults, report.Fault{At: r.w.Now().String(), Kind: f.Kind, Node: node, Detail: detail})
	r.w.Note(sim.KindFault, sim.NoNode, f.Kind, node+" "+detail)
}

// healPartition ends the partition fault f started (and only that one:
// overlapping partitions heal separately).
func (r *run) healPartition(f *Fault) {
	heal := &Fault{At: f.HealAt, Kind: "heal"}
	if r.net == nil {
		r.recordFault(heal, "", "no effect: a pipe has no faults")
		return
	}
	r.net.HealPartition(r.partitions[f])
	r.recordFault(heal, "", fmt.Sprint(f.Groups))
}

func (r *run) applyNetFault(f *Fault) {
	if r.net == nil {
		r.recordFault(f, "", "no effect: a pipe has no faults")
		return
	}
	var detail string
	switch f.Kind {
	case "partition":
		r.partitions[f] = r.net.Partition(f.Groups)
		detail = fmt.Sprint(f.Groups)
	case "heal":
		r.net.Heal()
	case "block":
		r.net.Block(f.From, f.To)
		detail = f.From + "->" + f.To
	case "unblock":
		r.net.Unblock(f.From, f.To)
		detail = f.From + "->" + f.To
	case "network":
		r.net.SetDefault(f.Patch)
		detail = describePatch(f.Patch)
	case "link":
		r.net.PatchLink(f.From, f.To, f.Patch)
		detail = f.From + "->" + f.To + " " + describePatch(f.Patch)
	}
	r.recordFault(f, "", detail)
}

// describePatch says what a network change sets, keys in a fixed order.
func describePatch(p netmodel.Patch) string {
	var parts []string
	add := func(k, v string) { parts = append(parts, k+"="+v) }
	if p.Delay != nil {
		add("delay", describeDelay(*p.Delay))
	}
	if p.Bandwidth != nil {
		add("bandwidth", strconv.FormatFloat(*p.Bandwidth, 'g', -1, 64)+"bps")
	}
	for _, kv := range []struct {
		k string
		v *float64
	}{{"loss", p.Loss}, {"duplicate", p.Duplicate}, {"reorder", p.Reorder}, {"corrupt", p.Corrupt}} {
		if kv.v != nil {
			add(kv.k, strconv.FormatFloat(*kv.v, 'g', -1, 64))
		}
	}
	if p.ReorderDelay != nil {
		add("reorder_delay", sim.FormatDuration(*p.ReorderDelay))
	}
	s := ""
	for i, p := range parts {
		if i > 0 {
			s += " "
		}
		s += p
	}
	return s
}

func describeDelay(d netmodel.Delay) string {
	f := sim.FormatDuration
	switch d.Kind {
	case netmodel.Uniform:
		return "uniform(" + f(d.Min) + "," + f(d.Max) + ")"
	case netmodel.Exponential:
		return "exponential(" + f(d.Mean) + ")"
	case netmodel.Normal:
		return "normal(" + f(d.Mean) + "," + f(d.Stddev) + ")"
	default:
		return f(d.Value)
	}
}

// sortedKeys returns a map's keys in order: output never depends on map
// iteration order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ms formats a virtual time for tables, rounded to 10 µs: network delays
// are drawn to the nanosecond, which only makes a table harder to read.
func ms(t sim.Time) string { return sim.FormatDuration(time.Duration(t).Round(10 * time.Microsecond)) }
