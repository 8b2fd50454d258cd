package twopc

import (
	"fmt"

	"github.com/sim-lecture/sim/sim"
)

// Participant is a node that holds part of the transactions' work (BHG's
// participant). Asked to PREPARE, it votes: YES only once
// a prepared record is on its disk, because from then on it has given up
// the right to decide alone. Until the decision reaches it, it is in
// doubt: it cannot commit (another may have voted NO) nor abort (the
// coordinator may have committed). That wait is the blocking of
// two-phase commit.
type Participant struct {
	env  sim.Env
	opt  Options
	obs  Observer
	log  *log
	vote func(tx uint32) bool
	// txs holds every transaction this life knows, looked up by number
	// and never iterated.
	txs map[uint32]*partTx
}

// partState is where a participant is in one transaction.
type partState uint8

const (
	// preparing: voting YES; the prepared record is on its way.
	preparing partState = iota + 1
	// prepared: voted YES, the decision unknown: in doubt.
	prepared
	// deciding: the decision is known; its record is on its way.
	deciding
	// done: the decision is on the disk (or the participant voted NO).
	done
)

// partTx is a participant's volatile state of one transaction.
type partTx struct {
	tx           uint32
	coordinator  sim.NodeID
	participants []sim.NodeID
	state        partState
	outcome      Outcome
	// why says how the decision was learned; ackTo, when set, is the node
	// to acknowledge it to once it is durable.
	why      string
	ackTo    sim.NodeID
	ack      bool
	askTimer sim.TimerID
	asked    int
}

// NewParticipant returns a participant acting through env, reporting to
// obs, after it has recovered whatever log env's disk holds. vote is the
// participant's own verdict on a transaction's part (its work done, its
// constraints met): a participant that cannot commit votes NO. A nil
// vote always votes YES.
func NewParticipant(env sim.Env, opt Options, obs Observer, vote func(tx uint32) bool) *Participant {
	if vote == nil {
		vote = func(uint32) bool { return true }
	}
	p := &Participant{env: env, opt: opt, obs: obs, vote: vote, txs: map[uint32]*partTx{}}
	var recs []Record
	p.log, recs = openLog(env)
	p.recover(recs)
	return p
}

// InDoubt reports whether the participant has voted YES on tx and does
// not know the decision yet.
func (p *Participant) InDoubt(tx uint32) bool {
	t := p.txs[tx]
	return t != nil && t.state == prepared
}

// Receive implements sim.Handler.
func (p *Participant) Receive(from sim.NodeID, msg []byte) {
	m, err := ParseMessage(msg)
	if err != nil {
		p.env.Trace("2pc", "unreadable message from "+p.env.NodeName(from)+": "+err.Error())
		return
	}
	switch m.Kind {
	case Prepare:
		p.prepare(from, m)
	case Commit, Abort:
		outcome := Committed
		if m.Kind == Abort {
			outcome = Aborted
		}
		p.learn(from, m.Tx, outcome)
	case DecisionReq:
		p.answer(from, m.Tx)
	}
}

// prepare answers a PREPARE: phase 1 at the participant.
func (p *Participant) prepare(from sim.NodeID, m Message) {
	t := p.txs[m.Tx]
	if t != nil {
		// A repeated PREPARE: say again what was said.
		switch {
		case t.state == prepared || (t.state == done && t.outcome == Committed):
			send(p.env, from, Message{Kind: Yes, Tx: m.Tx})
		case t.state == done && t.outcome == Aborted:
			send(p.env, from, Message{Kind: No, Tx: m.Tx})
		}
		return
	}
	t = &partTx{tx: m.Tx, coordinator: from, participants: nodes(m.Participants)}
	p.txs[m.Tx] = t
	if !p.vote(m.Tx) {
		// Voting NO is deciding: the participant aborts on its own.
		t.state, t.outcome = done, Aborted
		p.obs.Voted(p.env.Now(), m.Tx, p.env.Self(), false)
		p.obs.Decided(p.env.Now(), m.Tx, p.env.Self(), Aborted, "voted no")
		p.log.append(Record{Kind: LogAbort, Tx: m.Tx}, tag(tagLazy, m.Tx))
		send(p.env, from, Message{Kind: No, Tx: m.Tx})
		return
	}
	t.state = preparing
	p.log.append(Record{Kind: LogYes, Tx: m.Tx, Coordinator: uint32(from), Participants: m.Participants},
		tag(tagYesDurable, m.Tx))
}

// learn takes a decision from the coordinator or, in the cooperative
// termination protocol, from another participant, and writes it to the
// disk; the coordinator gets an ACK once it is there.
func (p *Participant) learn(from sim.NodeID, tx uint32, o Outcome) {
	t := p.txs[tx]
	if t == nil {
		// Nothing on the disk about tx: the PREPARE was lost, or never
		// came. The sender is taken for the coordinator.
		t = &partTx{tx: tx, coordinator: from}
		p.txs[tx] = t
	}
	fromCoordinator := from == t.coordinator
	switch t.state {
	case deciding, done:
		if t.outcome != o {
			p.env.Trace("2pc", fmt.Sprintf("T%d: %s from %s ignored: decided %s", tx, o, p.env.NodeName(from), t.outcome))
			return
		}
		if fromCoordinator && t.state == done {
			send(p.env, from, Message{Kind: Ack, Tx: tx})
		} else if fromCoordinator {
			t.ack, t.ackTo = true, from
		}
		return
	case preparing:
		if o == Committed {
			// Nobody can have decided commit without this vote.
			p.env.Trace("2pc", fmt.Sprintf("T%d: COMMIT from %s before the vote ignored", tx, p.env.NodeName(from)))
			return
		}
	}
	p.env.CancelTimer(t.askTimer)
	t.state, t.outcome = deciding, o
	t.why = "from " + p.env.NodeName(from)
	t.ack, t.ackTo = fromCoordinator, from
	rk := LogCommit
	if o == Aborted {
		rk = LogAbort
	}
	p.log.append(Record{Kind: rk, Tx: tx}, tag(tagDecisionDurable, tx))
}

// answer answers another participant's DECISION-REQ (cooperative
// termination): with the decision when this one knows it; with ABORT
// when it has not voted, since it may then abort on its own; not at all
// when it is in doubt too.
func (p *Participant) answer(from sim.NodeID, tx uint32) {
	t := p.txs[tx]
	if t == nil {
		t = &partTx{tx: tx, state: done, outcome: Aborted}
		p.txs[tx] = t
		p.obs.Decided(p.env.Now(), tx, p.env.Self(), Aborted, "asked by "+p.env.NodeName(from)+" before it voted")
		p.log.append(Record{Kind: LogAbort, Tx: tx}, tag(tagLazy, tx))
	}
	if t.state == deciding || t.state == done {
		kind := Commit
		if t.outcome == Aborted {
			kind = Abort
		}
		send(p.env, from, Message{Kind: kind, Tx: tx})
	}
}

// Timer implements sim.Handler: durable records, and the questions of an
// in-doubt participant.
func (p *Participant) Timer(tg uint64) {
	what, tx := untag(tg)
	t := p.txs[tx]
	if t == nil {
		return
	}
	switch what {
	case tagYesDurable:
		if t.state != preparing {
			return // an ABORT came first: no vote
		}
		t.state = prepared
		p.obs.Voted(p.env.Now(), tx, p.env.Self(), true)
		send(p.env, t.coordinator, Message{Kind: Yes, Tx: tx})
		if p.opt.Retries > 0 {
			t.askTimer = p.env.SetTimer(p.opt.RetryInterval, tag(tagAsk, tx))
		}
	case tagDecisionDurable:
		if t.state != deciding {
			return
		}
		t.state = done
		p.obs.Decided(p.env.Now(), tx, p.env.Self(), t.outcome, t.why)
		if t.ack {
			send(p.env, t.ackTo, Message{Kind: Ack, Tx: tx})
		}
	case tagAsk:
		if t.state == prepared {
			p.ask(t)
		}
	}
}

// ask sends DECISION-REQ to the coordinator (and, cooperatively, to the
// other participants), and sets the timer to ask again, up to Retries
// questions in one life.
func (p *Participant) ask(t *partTx) {
	t.asked++
	send(p.env, t.coordinator, Message{Kind: DecisionReq, Tx: t.tx})
	if p.opt.Cooperative {
		for _, q := range t.participants {
			if q != p.env.Self() {
				send(p.env, q, Message{Kind: DecisionReq, Tx: t.tx})
			}
		}
	}
	if t.asked < p.opt.Retries {
		t.askTimer = p.env.SetTimer(p.opt.RetryInterval, tag(tagAsk, t.tx))
	}
}

// recover rebuilds the participant's transactions from its log: a yes
// record without a decision leaves it in doubt, and it asks at once
// (BHG §7.4: the termination protocol); a transaction with no record
// was never voted on, so it is as good as aborted.
func (p *Participant) recover(recs []Record) {
	var order []*partTx
	for _, r := range recs {
		t := p.txs[r.Tx]
		switch r.Kind {
		case LogYes:
			if t == nil {
				t = &partTx{tx: r.Tx, coordinator: sim.NodeID(r.Coordinator),
					participants: nodes(r.Participants), state: prepared}
				p.txs[r.Tx] = t
				order = append(order, t)
			}
		case LogCommit, LogAbort:
			if t == nil {
				t = &partTx{tx: r.Tx}
				p.txs[r.Tx] = t
			}
			t.state, t.outcome = done, Committed
			if r.Kind == LogAbort {
				t.outcome = Aborted
			}
		}
	}
	for _, t := range order {
		if t.state == prepared && p.opt.Retries > 0 {
			p.ask(t)
		}
	}
}
