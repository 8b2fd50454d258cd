// Package twopcdriver is system two_phase_commit of the scenarios:
// two-phase commit (package twopc) among a coordinator and its
// participants, each a node with the protocol on a UDP port, driven by
// `commit` rows.
//
//	systems: [two_phase_commit]
//	two_phase_commit: {participants: [P1, P2, P3], cooperative: false}
//	workload:
//	  - {at: 1s, op: commit, client: C}        # C coordinates T1
//	faults:
//	  - {at: 1.045s, crash: C}                 # after the votes, before the commit record
//	  - {at: 5s, restart: C}                   # its log says: abort
//	  - {at: 6s, vote_no: P3}                  # P3 cannot commit from now on
//
// Row i is transaction Ti. The participants' work is done when the row
// comes: a participant that was down then, or has crashed since, has
// lost it and votes NO, as does one after a vote_no fault. The row's
// value is the transaction's outcome (committed, aborted, blocked when
// a participant is still in doubt at the end of the run, or mixed when
// nodes decided differently), its note the votes, the decisions and the
// time each participant spent in doubt; the result's `transactions`
// part has all of it, and `disk` each node's log. Every run is checked
// against BHG's AC1-AC3 (Invariants).
//
// This package is the worked example of docs/extending.md: it is the
// whole of what adding a system to sim takes, with package twopc and one
// import line in protocols/all.
package twopcdriver

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"

	"github.com/sim-lecture/sim/protocols/twopc"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

// builtin holds the system's built-in scenarios.
//
//go:embed scenarios/*.yaml
var builtin embed.FS

func init() {
	files, err := fs.Sub(builtin, "scenarios")
	if err != nil {
		panic(err) // the folder is embedded above
	}
	scenarios.Register(scenarios.System{Name: "two_phase_commit", Order: 90,
		Doc:          "Two-phase commit: a coordinator asks the participants to vote, then tells them the decision; logs on disk, crashes, blocking, cooperative termination.",
		Ops:          []*scenarios.Op{CommitOp},
		Blocks:       []*scenarios.Block{Block},
		Faults:       []*scenarios.FaultKind{VoteNo},
		Servers:      participants,
		ServerRole:   "participant",
		Metrics:      Metrics,
		Invariants:   Invariants,
		Scenarios:    files,
		ScenariosDir: "protocols/twopc/twopcdriver/scenarios",
		ResultsDoc:   resultsDoc,
		ReportsDone:  true,
		New:          func() scenarios.Driver { return &driver{} },
	})
}

// resultsDoc is what docs/scenario-format.md says of the system's results.
const resultsDoc = "Row N is transaction TN, coordinated by the row's `client`. Its `value` is the outcome: " +
	"`committed`, `aborted`, `blocked` (a participant voted YES and is still in doubt at the end of the run), " +
	"`mixed` (nodes decided differently: the `atomicity` invariant fails) or `not begun` (the coordinator " +
	"crashed before its start-2PC record was durable); `result` is `EHOSTDOWN` when the coordinator was down. " +
	"A participant that was down when the row came, or has crashed since, has lost its part of the work and votes NO. " +
	"The `note` gives each participant's vote, the decisions (who, when and why: `all voted yes`, " +
	"`vote timeout: no vote from P2`, `P3 voted no`, `from C`, `restarted: no decision in the log`) and each " +
	"participant's time in doubt, from its YES to its decision; `latency` is the time to the last decision. " +
	"JSON `systems[].transactions` has one entry per row that ran: `tx`, `coordinator`, `participants`, `begun`, " +
	"`votes` (`participant`, `vote`, `at`), `decisions` (`node`, `outcome`: `commit` or `abort`, `at`, `why`), " +
	"`in_doubt` (`participant`, `from`, and `to` unless still in doubt at the end) and `outcome`. " +
	"`disk` has each node's log as `NODE/log`: `T1 start-2PC (P1, P2)`, `T1 yes (coordinator C; P1, P2)`, " +
	"`T1 commit`, `T1 abort`, `T1 end`. A program's step begins a new transaction at each iteration, numbered after the rows, " +
	"and returns with the coordinator's decision (its `value`, `committed` or `aborted`); `transactions` lists those of programs only " +
	"when they break an invariant (at most 100), so that it does not grow with the run. Sweep metrics: `transactions.OUTCOME` (`transactions.committed`, ...), " +
	"`in_doubt.total` and `in_doubt.max`."

// Port is the protocol's UDP port (Gray's notes are from 1978).
const Port = 1978

// driver runs `commit` rows; it is the nodes' Observer, which outlives
// their crashes.
type driver struct {
	opt *Options
	// txs[i] is the transaction of the file's row i, nil until the row
	// runs.
	txs []*txState
	// progs holds the transactions of program steps still undecided
	// somewhere, by number; each program iteration begins a new one,
	// numbered from len(Workload)+1 on (next). A settled one is checked
	// and forgotten, kept in broken only when it breaks an invariant:
	// the driver's memory follows the transactions in flight, not the
	// run's.
	progs  map[uint32]*txState
	next   uint32
	broken []Transaction
	r      *scenarios.SystemRun
	// refuses[p]: participant p votes NO (a vote_no fault). Looked up
	// only.
	refuses map[string]bool
	// wrap, when set, wraps each node's protocol env: the tests use it
	// to build deliberately broken variants (a disk that loses writes,
	// a participant that lies about its vote).
	wrap func(node string, env sim.Env) sim.Env
}

// txState is what the driver saw of one transaction.
type txState struct {
	begun       sim.Time
	coordinator sim.NodeID
	// lives[i] is participant i's incarnation when the row came, -1 when
	// it was down: its part of the work belongs to that life.
	lives     []int64
	votes     []event
	decisions []event
	// slot is the program step's row that began it, -1 for a file row;
	// returned says the step has its result (the coordinator decided).
	slot     int
	returned bool
}

// event is a vote or a decision the observer heard.
type event struct {
	at   sim.Time
	node sim.NodeID
	yes  bool          // a vote
	o    twopc.Outcome // a decision
	why  string
}

// Setup implements scenarios.Driver: every node is a UDP host with the
// protocol on Port, a participant on the participants' nodes and a
// coordinator on every other.
func (d *driver) Setup(r *scenarios.SystemRun) error {
	sc := r.Scenario
	d.opt = optionsOf(sc)
	d.txs = make([]*txState, r.Rows())
	d.progs, d.next, d.r = map[uint32]*txState{}, uint32(len(sc.Workload)), r
	d.refuses = map[string]bool{}
	r.UseNetwork()
	opt := d.opt.Protocol()
	for _, n := range sc.Nodes {
		name := n.Name
		isParticipant := index(d.opt.Participants, name) >= 0
		r.World.AddNode(name, func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			h.Bind(Port, func(penv sim.Env) sim.Handler {
				if d.wrap != nil {
					penv = d.wrap(name, penv)
				}
				if isParticipant {
					return twopc.NewParticipant(penv, opt, d, func(tx uint32) bool { return d.canCommit(r, name, tx) })
				}
				return twopc.NewCoordinator(penv, opt, d)
			})
			return h
		})
	}
	return nil
}

// Voted implements twopc.Observer.
func (d *driver) Voted(at sim.Time, tx uint32, p sim.NodeID, yes bool) {
	if t := d.tx(tx); t != nil {
		t.votes = append(t.votes, event{at: at, node: p, yes: yes})
	}
}

// Decided implements twopc.Observer.
func (d *driver) Decided(at sim.Time, tx uint32, n sim.NodeID, o twopc.Outcome, why string) {
	t := d.tx(tx)
	if t == nil {
		return
	}
	t.decisions = append(t.decisions, event{at: at, node: n, o: o, why: why})
	if t.slot < 0 {
		return
	}
	if n == t.coordinator && !t.returned {
		// The coordinator's decision is what its application hears.
		t.returned = true
		st := &d.r.Result.Steps[t.slot]
		value := Committed
		if o != twopc.Committed {
			value = Aborted
		}
		st.Value = &value
		d.r.Done(t.slot)
	}
	if d.settledAll(t) {
		d.forget(tx, t)
	}
}

// tx returns the state of transaction tx (row tx-1, or a program
// step's), nil for a number no row began.
func (d *driver) tx(tx uint32) *txState {
	if tx == 0 {
		return nil
	}
	if int(tx) <= len(d.txs) {
		return d.txs[tx-1]
	}
	return d.progs[tx]
}

// settledAll says every node of a program's transaction has decided: the
// coordinator and each participant.
func (d *driver) settledAll(t *txState) bool {
	decided := 0
	for _, p := range d.opt.Participants {
		id := d.r.Node(p)
		for _, e := range t.decisions {
			if e.node == id {
				decided++
				break
			}
		}
	}
	return t.returned && decided == len(d.opt.Participants)
}

// forget checks a program's settled transaction against the invariants
// and drops it, keeping it for the result only when it breaks one (at
// most maxBroken of them).
func (d *driver) forget(tx uint32, t *txState) {
	delete(d.progs, tx)
	tr := d.transaction(d.r, int(tx)-1, t)
	if len(d.broken) < maxBroken && breaks(&tr) {
		d.broken = append(d.broken, tr)
	}
}

// maxBroken bounds the program transactions the result lists: those
// that break an invariant.
const maxBroken = 100

// breaks says whether a transaction breaks one of the Invariants, as
// their checks see it in a result of its own.
func breaks(tr *Transaction) bool {
	sys := &report.System{}
	sys.AddPart(TransactionsPart, []Transaction{*tr})
	for _, inv := range Invariants {
		if len(inv.Check(nil, sys)) > 0 {
			return true
		}
	}
	return false
}

// canCommit is participant p's vote on tx: YES unless a vote_no fault
// said otherwise, or p has lost its part of the work (it was down when
// the row came, or has crashed since).
func (d *driver) canCommit(r *scenarios.SystemRun, p string, tx uint32) bool {
	t := d.tx(tx)
	if t == nil || d.refuses[p] {
		return false
	}
	i := index(d.opt.Participants, p)
	id := r.Node(p)
	return i >= 0 && t.lives[i] == int64(r.World.Env(id).Incarnation())
}

// Step implements scenarios.Driver: the row's client begins its
// transaction.
func (d *driver) Step(r *scenarios.SystemRun, i int) {
	s := &r.Scenario.Workload[i]
	if s.Op != CommitOp.Name {
		r.Unsupported(i)
		return
	}
	c := d.coordinator(r, r.Node(s.Client))
	if c == nil {
		r.Result.Steps[i].Result = "EHOSTDOWN"
		r.Result.Steps[i].Note = fmt.Sprintf("coordinator %s is down: T%d not begun", s.Client, i+1)
		return
	}
	t := &txState{begun: r.World.Now(), coordinator: r.Node(s.Client), lives: make([]int64, len(d.opt.Participants)), slot: -1}
	ids := make([]sim.NodeID, len(d.opt.Participants))
	for k, p := range d.opt.Participants {
		ids[k] = r.Node(p)
		t.lives[k] = -1
		if r.World.Up(ids[k]) {
			t.lives[k] = int64(r.World.Env(ids[k]).Incarnation())
		}
	}
	tx := uint32(i + 1)
	if i >= r.Rows() {
		// A program step begins a new transaction at each iteration.
		d.next++
		tx, t.slot = d.next, i
		d.progs[tx] = t
	} else {
		d.txs[i] = t
	}
	c.Begin(tx, ids)
}

// coordinator returns a node's coordinator, or nil while it is down.
func (d *driver) coordinator(r *scenarios.SystemRun, id sim.NodeID) *twopc.Coordinator {
	h, ok := r.World.Handler(id).(*udp.Host)
	if !ok {
		return nil
	}
	c, _ := h.Handler(Port).(*twopc.Coordinator)
	return c
}

// Fault implements scenarios.Driver: vote_no.
func (d *driver) Fault(r *scenarios.SystemRun, f *scenarios.Fault) bool {
	if f.Kind != VoteNo.Name {
		return false
	}
	d.refuses[f.Node] = true
	r.RecordFault(f, f.Node, "votes no from now on")
	return true
}

// Finish implements scenarios.Driver: each row's outcome, the
// transactions part and each node's log.
func (d *driver) Finish(r *scenarios.SystemRun) {
	var txs []Transaction
	for i, t := range d.txs {
		if t == nil {
			continue
		}
		tr := d.transaction(r, i, t)
		txs = append(txs, tr)
		st := &r.Result.Steps[i]
		value := tr.Outcome
		st.Value = &value
		st.Note = note(&tr)
		if last, ok := settled(t); ok && (tr.Outcome == Committed || tr.Outcome == Aborted) {
			st.Latency = sim.FormatDuration(last.Sub(t.begun))
		}
	}
	txs = append(txs, d.unsettled(r)...)
	if txs == nil {
		txs = []Transaction{}
	}
	r.Result.AddPart(TransactionsPart, txs)
	r.Result.Disk = map[string][]string{}
	for _, n := range r.Scenario.Nodes {
		id := r.Node(n.Name)
		var lines []string
		for _, rec := range twopc.ReadLog(r.World.Disk(id)) {
			lines = append(lines, rec.Format(r.World.Name))
		}
		if lines != nil {
			r.Result.Disk[n.Name+"/log"] = lines
		}
	}
}

// unsettled lists the program transactions that broke an invariant,
// then those some node had not decided by the end that break one, in
// the order of their numbers; it gives each program step still waiting
// for its coordinator its outcome so far.
func (d *driver) unsettled(r *scenarios.SystemRun) []Transaction {
	var open []uint32
	for tx := range d.progs {
		open = append(open, tx)
	}
	slices.Sort(open)
	out := d.broken
	for _, tx := range open {
		t := d.progs[tx]
		tr := d.transaction(r, int(tx)-1, t)
		if !t.returned {
			value := tr.Outcome
			r.Result.Steps[t.slot].Value = &value
		}
		if len(out) < maxBroken && breaks(&tr) {
			out = append(out, tr)
		}
	}
	return out
}

// settled returns the time of the last decision of a transaction.
func settled(t *txState) (sim.Time, bool) {
	if len(t.decisions) == 0 {
		return 0, false
	}
	last := t.decisions[0].at
	for _, e := range t.decisions {
		last = max(last, e.at)
	}
	return last, true
}

// transaction builds the result's record of the transaction of row i.
func (d *driver) transaction(r *scenarios.SystemRun, i int, t *txState) Transaction {
	w := r.World
	tr := Transaction{Tx: i + 1, Coordinator: w.Name(t.coordinator), Participants: d.opt.Participants,
		Begun: t.begun.String(), Votes: []Vote{}, Decisions: []Decision{}, InDoubt: []Doubt{}}
	for _, v := range t.votes {
		vote := "no"
		if v.yes {
			vote = "yes"
		}
		tr.Votes = append(tr.Votes, Vote{Participant: w.Name(v.node), Vote: vote, At: v.at.String()})
	}
	for _, e := range t.decisions {
		tr.Decisions = append(tr.Decisions, Decision{Node: w.Name(e.node), Outcome: e.o.String(), At: e.at.String(), Why: e.why})
	}
	// A participant is in doubt from its YES to its first decision after
	// it, or to the end of the run.
	for _, v := range t.votes {
		if !v.yes {
			continue
		}
		doubt := Doubt{Participant: w.Name(v.node), From: v.at.String()}
		for _, e := range t.decisions {
			if e.node == v.node && e.at >= v.at {
				doubt.To = e.at.String()
				break
			}
		}
		tr.InDoubt = append(tr.InDoubt, doubt)
	}
	tr.Outcome = outcome(&tr)
	return tr
}

// outcome is the transaction's outcome as the row's value gives it.
func outcome(tr *Transaction) string {
	seen := map[string]bool{} // looked up only
	for _, e := range tr.Decisions {
		seen[e.Outcome] = true
	}
	switch {
	case len(seen) > 1:
		return Mixed
	case len(tr.blocked()) > 0:
		return Blocked
	case seen[twopc.Committed.String()]:
		return Committed
	case seen[twopc.Aborted.String()]:
		return Aborted
	}
	return NotBegun
}

// The outcomes of a transaction (a row's value).
const (
	Committed = "committed"
	Aborted   = "aborted"
	// Blocked: a participant voted YES and is still in doubt at the end.
	Blocked = "blocked"
	// Mixed: nodes decided differently, which AC1 forbids.
	Mixed = "mixed"
	// NotBegun: nobody voted or decided (the coordinator crashed before
	// its start-2PC record was durable).
	NotBegun = "not begun"
)
