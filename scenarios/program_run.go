package scenarios

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/sim"
)

// programRun runs a scenario's programs in one system's run. Each client
// of each program has one slot per step: a row of the run's Workload and
// of its Result.Steps after the file's rows, which the driver sees as any
// row. A slot is filled as its step starts and counted into the summary
// (harvested) when the step returns, or when the slot is needed again,
// or at the end: the run holds clients x steps rows, never clients x
// iterations.
type programRun struct {
	r *SystemRun
	d Driver
	// base is the number of the file's rows: slots start there.
	base int
	// waits says the driver calls SystemRun.Done (System.ReportsDone).
	waits bool
	progs []*runProgram
	// live[s] says slot base+s holds a step not yet harvested; started[s]
	// is when it started.
	live    []bool
	started []sim.Time
	// runs[s] counts the steps slot base+s has started: a slot is
	// reused by its client's next iteration, and an observer that holds
	// on to a step (a call's late retransmission) must tell the step it
	// saw from the slot's next one (SystemRun.StepRun).
	runs []uint32
	sum  *report.SummaryBuilder
	// phases counts the steps' calls by the phase they started in
	// (report.phases), nil without phases; clients names the file's
	// clients, to tell a callback from a call.
	phases  []report.Phase
	clients map[string]bool
	// nextFn runs a client's next step and dueFn starts its next
	// iteration: one func each for every client, scheduled with the
	// client's ref (sim.World.AtCall), so that an event reaches the
	// client's state and no closure of its own.
	nextFn, dueFn func(int)
}

// runProgram is one program in a run.
type runProgram struct {
	p     *Program
	first int // the slot of client 0's step 0
	// firstRef is client 0's ref (programClient.ref).
	firstRef int
	// templates[k] is step k's result before it runs.
	templates []report.Step
	// source[k] is the step whose pick of a family file step k uses
	// (itself, or the step that opened its fd); -1 when none.
	source []int
	// cdf[k] is the cumulative distribution over the files of step k's
	// family (nil without one).
	cdf     [][]float64
	clients []programClient
}

// programClient is one client of a program.
type programClient struct {
	prog *runProgram
	k    int
	name string
	// rand is the client's own stream, held in place rather than behind
	// a pointer: a step reaches one object of its client, not two (at
	// 10,000 clients each is a cache miss).
	rand sim.Rand
	// due is the next iteration's start; pending counts iterations due
	// while the previous one still runs.
	due     sim.Time
	pending int
	running bool
	step    int
	// picks[k] is the file of its family step k uses this iteration.
	picks []int32
	// ref names the client to the world's events (programRun.ref).
	ref int
	// phase is the last phase (report.phases) the client was counted
	// active in, -1 before its first step.
	phase int
	// counted says the client is counted in the summary's clients;
	// began that it started an iteration.
	counted, began bool
	// id is the client's node.
	id sim.NodeID
}

// newProgramRun prepares the programs of sc for run r: the slots are
// appended to the run's copy of the workload and result.
func newProgramRun(r *SystemRun, waits bool) *programRun {
	sc := r.Scenario
	pr := &programRun{r: r, base: len(sc.Workload), waits: waits, sum: report.NewSummaryBuilder()}
	n := 0
	for i := range sc.Programs {
		n += sc.Programs[i].Clients * len(sc.Programs[i].Steps)
	}
	wl := make([]Step, pr.base, pr.base+n)
	copy(wl, sc.Workload)
	steps := make([]report.Step, pr.base, pr.base+n)
	copy(steps, r.Result.Steps)
	for i := range sc.Programs {
		p := &sc.Programs[i]
		rp := &runProgram{p: p, first: len(wl), source: make([]int, len(p.Steps)), cdf: make([][]float64, len(p.Steps))}
		for k := range p.Steps {
			st := p.Steps[k].Step
			if f := p.Steps[k].Family; f >= 0 {
				st.File = sc.Families[f].Member(0)
			}
			rp.templates = append(rp.templates, baseStep(&st))
			rp.source[k] = sourceStep(p, k)
			if f := p.Steps[k].Family; f >= 0 && rp.source[k] == k {
				rp.cdf[k] = familyCDF(&sc.Families[f])
			}
		}
		for c := 0; c < p.Clients; c++ {
			name := p.ClientName(c)
			for k := range p.Steps {
				st := p.Steps[k].Step
				st.SetActor(name)
				st.Index = len(wl)
				if f := p.Steps[k].Family; f >= 0 {
					st.File = sc.Families[f].Member(0)
				}
				wl = append(wl, st)
				rs := rp.templates[k]
				rs.Client, rs.From = st.Client, st.From
				steps = append(steps, rs)
			}
		}
		pr.progs = append(pr.progs, rp)
	}
	run := *sc
	run.Workload = wl
	r.Scenario = &run
	r.Result.Steps = steps
	pr.live, pr.started, pr.runs = make([]bool, n), make([]sim.Time, n), make([]uint32, n)
	return pr
}

// sourceStep is the step whose file step k of p uses: the step that
// opened its fd, or itself when it names its file.
func sourceStep(p *Program, k int) int {
	st := &p.Steps[k].Step
	if p.Steps[k].Family < 0 {
		return -1
	}
	op := LookupOp(st.Op)
	if op == nil || (op.FD != UsesFD && op.FD != ClosesFD) {
		return k
	}
	for j := k - 1; j >= 0; j-- {
		if o := LookupOp(p.Steps[j].Step.Op); o != nil && o.FD == OpensFD && p.Steps[j].Step.FD == st.FD {
			return j
		}
	}
	return k
}

// familyCDF is the cumulative distribution of a family's choice: uniform,
// or Zipf's law with exponent S (file k, from 1, has weight 1/k^S).
func familyCDF(f *FileFamily) []float64 {
	cdf := make([]float64, f.Count)
	total := 0.0
	for k := range cdf {
		w := 1.0
		if f.Choose == "zipf" {
			w = 1 / math.Pow(float64(k+1), f.S)
		}
		total += w
		cdf[k] = total
	}
	for k := range cdf {
		cdf[k] /= total
	}
	return cdf
}

// schedule puts each client's first iteration on the clock: at the
// program's start plus a phase drawn from the client's own stream, so
// that clients do not run in lockstep and each client's draws do not
// depend on the others' (design rule 2).
func (pr *programRun) schedule(seed uint64) {
	pr.nextFn = func(ref int) {
		cl := pr.client(ref)
		cl.step++
		pr.runStep(cl)
	}
	pr.dueFn = func(ref int) { pr.due(pr.client(ref)) }
	refs := 0
	for _, rp := range pr.progs {
		rp.firstRef = refs
		refs += rp.p.Clients
		p := rp.p
		rp.clients = make([]programClient, p.Clients)
		picks := make([]int32, p.Clients*len(p.Steps))
		for c := range rp.clients {
			cl := &rp.clients[c]
			cl.prog, cl.k, cl.name, cl.phase = rp, c, p.ClientName(c), -1
			cl.id = pr.r.Node(cl.name)
			cl.rand = *sim.NewRand(seed, "program/"+cl.name)
			cl.picks = picks[c*len(p.Steps) : (c+1)*len(p.Steps) : (c+1)*len(p.Steps)]
			cl.ref = rp.firstRef + c
			phase := time.Duration(cl.rand.Int63n(int64(p.Every)))
			cl.due = sim.Time(p.Start + phase)
			if time.Duration(cl.due) < p.Until {
				pr.r.World.AtCall(cl.due, pr.dueFn, cl.ref)
			}
		}
	}
}

// client is the client that ref names: the clients of the programs are
// numbered from 0 in program order.
func (pr *programRun) client(ref int) *programClient {
	for i := len(pr.progs) - 1; i > 0; i-- {
		if rp := pr.progs[i]; ref >= rp.firstRef {
			return &rp.clients[ref-rp.firstRef]
		}
	}
	return &pr.progs[0].clients[ref]
}

// due starts the client's iteration that is due now, or queues it behind
// the one still running; it schedules the next.
func (pr *programRun) due(cl *programClient) {
	p := cl.prog.p
	if cl.running {
		cl.pending++
	} else {
		pr.begin(cl, false)
	}
	cl.due += sim.Time(p.Every)
	if time.Duration(cl.due) < p.Until {
		// Every client's next iteration is the period away (due runs at
		// cl.due): the world keeps them in one lane, not its heap.
		pr.r.World.AfterCall(cl.due.Sub(pr.r.World.Now()), pr.dueFn, cl.ref)
	}
}

// begin starts an iteration: its picks of family files, then its first
// step.
func (pr *programRun) begin(cl *programClient, late bool) {
	pr.sum.Iteration(late)
	cl.running, cl.step, cl.began = true, 0, true
	rp := cl.prog
	for k, cdf := range rp.cdf {
		if cdf == nil {
			continue
		}
		fam := &pr.r.Scenario.Families[rp.p.Steps[k].Family]
		if fam.PerClient && cl.picks[k] > 0 {
			continue // picked at its first iteration (stored plus one)
		}
		if fam.Choose == "own" {
			cl.picks[k] = int32(cl.k%len(cdf)) + 1 // no draw: the choice is the client's index
			continue
		}
		u := cl.rand.Float64()
		cl.picks[k] = int32(sort.SearchFloat64s(cdf, u)) + 1
		if int(cl.picks[k]) > len(cdf) {
			cl.picks[k] = int32(len(cdf))
		}
	}
	pr.runStep(cl)
}

// runStep runs the client's current step, or ends the iteration after
// the last.
func (pr *programRun) runStep(cl *programClient) {
	rp := cl.prog
	p := rp.p
	for cl.step < len(p.Steps) && p.Steps[cl.step].Chance < 1 && cl.rand.Float64() >= p.Steps[cl.step].Chance {
		cl.step++ // not in this iteration
	}
	if cl.step >= len(p.Steps) {
		cl.running = false
		if cl.pending > 0 {
			cl.pending--
			pr.begin(cl, true)
		}
		return
	}
	r := pr.r
	slot := rp.first + cl.k*len(p.Steps) + cl.step
	s := slot - pr.base
	if pr.live[s] {
		pr.harvest(slot, -1)
	}
	st := &r.Scenario.Workload[slot]
	st.At = time.Duration(r.World.Now())
	res := &r.Result.Steps[slot]
	calls := res.Calls[:0]
	*res = rp.templates[cl.step]
	res.Calls, res.Client, res.From = calls, st.Client, st.From
	if src := rp.source[cl.step]; src >= 0 {
		st.File = r.Scenario.Families[p.Steps[cl.step].Family].Member(int(cl.picks[src]) - 1)
		res.File = st.File
	}
	pr.live[s], pr.started[s] = true, r.World.Now()
	pr.runs[s]++
	r.current, r.ran[slot] = slot, true
	r.memoName, r.memoID = cl.name, cl.id
	pr.d.Step(r, slot)
	switch {
	case !pr.waits:
		pr.think(cl)
	case pr.live[s] && res.Result != "ok":
		// Refused at once (its client is down): it returned now.
		pr.Done(slot)
	}
}

// Done is SystemRun.Done for a slot: the step returned; the client's
// next step starts think later.
func (pr *programRun) Done(slot int) {
	s := slot - pr.base
	if s < 0 || s >= len(pr.live) || !pr.live[s] {
		return
	}
	pr.harvest(slot, time.Duration(pr.r.World.Now()-pr.started[s]))
	if !pr.waits {
		return
	}
	rp := pr.progOf(slot)
	cl := &rp.clients[(slot-rp.first)/len(rp.p.Steps)]
	if (slot-rp.first)%len(rp.p.Steps) != cl.step {
		return
	}
	pr.think(cl)
}

// think schedules the client's next step a think time from now. A
// constant think time is one delay for all the clients, which the world
// keeps in a lane (sim.World.AfterCall); a drawn one goes to its heap, so
// that one-off delays do not take the lanes its timers use.
func (pr *programRun) think(cl *programClient) {
	w := pr.r.World
	th := &cl.prog.p.Think
	d := th.Sample(&cl.rand)
	if th.Kind == netmodel.Constant || th.Kind == "" {
		w.AfterCall(d, pr.nextFn, cl.ref)
		return
	}
	w.AtCall(w.Now().Add(d), pr.nextFn, cl.ref)
}

// progOf is the program that owns a slot.
func (pr *programRun) progOf(slot int) *runProgram {
	for i := len(pr.progs) - 1; i > 0; i-- {
		if slot >= pr.progs[i].first {
			return pr.progs[i]
		}
	}
	return pr.progs[0]
}

// harvest counts a slot's step into the summary; latency is negative
// when the step did not say it returned.
func (pr *programRun) harvest(slot int, latency time.Duration) {
	pr.live[slot-pr.base] = false
	rp := pr.progOf(slot)
	if cl := &rp.clients[(slot-rp.first)/len(rp.p.Steps)]; !cl.counted {
		cl.counted = true
		pr.sum.Client(cl.name)
	}
	st := &pr.r.Result.Steps[slot]
	pr.sum.AddStep(st, latency)
	if length := pr.r.Scenario.Report.Phases; length > 0 {
		pr.countPhase(slot, length)
	}
	if pr.r.sink != nil || pr.r.keepSteps > 0 {
		// The slot's time is its template's until now: the time it
		// started is only written out for a reader.
		st.At = sim.FormatDuration(time.Duration(pr.started[slot-pr.base]))
		if latency >= 0 && st.Latency == "" {
			st.Latency = sim.FormatDuration(latency)
		}
	}
	if pr.r.sink != nil {
		pr.r.sink.Step(st)
	}
	pr.keep(st)
}

// keep copies a step into the result's ProgramSteps while the bound
// (Options.KeepSteps) allows, and counts it as left out after. The copy
// has calls of its own: the slot's are reused by its next step.
func (pr *programRun) keep(st *report.Step) {
	r := pr.r
	switch {
	case !r.keeping:
	case r.keepSteps > 0:
		kept := *st
		kept.Calls = slices.Clone(st.Calls)
		r.Result.ProgramSteps = append(r.Result.ProgramSteps, kept)
		r.keepSteps--
	default:
		r.Result.StepsLeftOut++
	}
}

// countPhase counts a slot's step into the phase it started in: its
// calls, its callbacks, and its client once per phase (a client's steps
// start in time order).
func (pr *programRun) countPhase(slot int, length time.Duration) {
	p := int(time.Duration(pr.started[slot-pr.base]) / length)
	for len(pr.phases) <= p {
		pr.phases = append(pr.phases, report.Phase{})
	}
	ph := &pr.phases[p]
	rp := pr.progOf(slot)
	if cl := &rp.clients[(slot-rp.first)/len(rp.p.Steps)]; cl.phase != p {
		cl.phase = p
		ph.Clients++
	}
	if pr.clients == nil {
		pr.clients = rowClients(pr.r.Scenario)
	}
	for _, c := range pr.r.Result.Steps[slot].Calls {
		if isClient(pr.r.Scenario, pr.clients, c.To) {
			ph.Callbacks++
		} else {
			ph.Calls++
		}
	}
}

// finish counts the steps still in their slots and drops the slots from
// the result. A step of a system that reports completions and has not
// returned by the end is unfinished: EINPROGRESS, unless the driver's
// Finish gave it an error of its own (a client that crashed), and no
// latency, whatever Finish wrote (a stream's completion so far).
func (pr *programRun) finish() *report.SummaryBuilder {
	r := pr.r
	for s, live := range pr.live {
		if !live {
			continue
		}
		slot := pr.base + s
		if pr.waits {
			st := &r.Result.Steps[slot]
			if st.Result == "ok" {
				st.Result = "EINPROGRESS"
			}
			st.Latency = ""
		}
		pr.harvest(slot, -1)
	}
	idle := 0
	for _, rp := range pr.progs {
		for k := range rp.clients {
			if !rp.clients[k].began {
				idle++
			}
		}
	}
	pr.sum.IdleClients(idle)
	r.Result.Steps = r.Result.Steps[:pr.base:pr.base]
	// addPhases adds the file's rows to these and fills in the times.
	r.Result.Phases = pr.phases
	r.ran = r.ran[:pr.base]
	return pr.sum
}
