package twopc

import (
	"fmt"
	"strings"

	"github.com/sim-lecture/sim/sim"
)

// Coordinator is the node that runs two-phase commit for the transactions
// its application asks to commit (BHG's coordinator). Its volatile state is the votes and acknowledgements of
// the transactions in progress; its log is on its disk. A Coordinator
// built on a disk that holds a log finishes every transaction the log
// names (Recover).
type Coordinator struct {
	env sim.Env
	opt Options
	obs Observer
	log *log
	// txs holds every transaction this life knows, looked up by number
	// and never iterated: recovery walks the log in order instead.
	txs map[uint32]*coordTx
}

// coordPhase is where a coordinator is in one transaction.
type coordPhase uint8

const (
	// starting: the start-2PC record is on its way to the disk.
	starting coordPhase = iota + 1
	// collecting: PREPARE sent, votes coming in.
	collecting
	// committing: every vote was YES; the commit record is on its way.
	committing
	// decided: the decision is made and being delivered.
	decided
)

// vote is what a coordinator heard from one participant.
type vote int8

const (
	noVote vote = iota
	votedYes
	votedNo
)

// coordTx is a coordinator's volatile state of one transaction.
type coordTx struct {
	tx           uint32
	participants []sim.NodeID
	phase        coordPhase
	votes        []vote
	outcome      Outcome
	// acked[i]: participant i has its decision on its disk (a NO voter
	// counts as acknowledged: it aborted on its own).
	acked       []bool
	ended       bool
	voteTimer   sim.TimerID
	resendTimer sim.TimerID
	resends     int
}

// NewCoordinator returns a coordinator acting through env, reporting to
// obs, after it has recovered whatever log env's disk holds (Recover).
func NewCoordinator(env sim.Env, opt Options, obs Observer) *Coordinator {
	c := &Coordinator{env: env, opt: opt, obs: obs, txs: map[uint32]*coordTx{}}
	var recs []Record
	c.log, recs = openLog(env)
	c.recover(recs)
	return c
}

// Begin starts two-phase commit of transaction tx among participants: the
// application asked to commit it. The coordinator forces a start-2PC
// record naming the participants, then sends each a PREPARE (phase 1).
// A transaction number already in use is ignored.
func (c *Coordinator) Begin(tx uint32, participants []sim.NodeID) {
	if tx == 0 || c.txs[tx] != nil || len(participants) == 0 || len(participants) > maxParticipants {
		c.env.Trace("2pc", fmt.Sprintf("T%d not begun: a number in use, or no participants", tx))
		return
	}
	t := c.track(tx, participants)
	t.phase = starting
	c.log.append(Record{Kind: LogStart, Tx: tx, Participants: ids(participants)}, tag(tagStartDurable, tx))
}

// track adds the volatile state of a transaction.
func (c *Coordinator) track(tx uint32, participants []sim.NodeID) *coordTx {
	t := &coordTx{tx: tx, participants: participants,
		votes: make([]vote, len(participants)), acked: make([]bool, len(participants))}
	c.txs[tx] = t
	return t
}

// Receive implements sim.Handler: votes, acknowledgements and questions
// from participants.
func (c *Coordinator) Receive(from sim.NodeID, msg []byte) {
	m, err := ParseMessage(msg)
	if err != nil {
		c.env.Trace("2pc", "unreadable message from "+c.env.NodeName(from)+": "+err.Error())
		return
	}
	t := c.txs[m.Tx]
	if t == nil {
		// No record of the transaction: it never committed here, so the
		// answer to any question about it is ABORT (presumed abort).
		if m.Kind == Yes || m.Kind == DecisionReq {
			send(c.env, from, Message{Kind: Abort, Tx: m.Tx})
		}
		return
	}
	i := t.index(from)
	switch m.Kind {
	case Yes, No:
		if i >= 0 {
			c.vote(t, i, m.Kind == Yes)
		}
	case Ack:
		if i >= 0 && t.phase == decided {
			c.ack(t, i)
		}
	case DecisionReq:
		if t.phase == decided {
			send(c.env, from, Message{Kind: t.decisionKind(), Tx: t.tx})
		}
	}
}

// vote records participant i's vote. A NO decides abort at once; the last
// YES starts the commit: the commit record is forced first.
func (c *Coordinator) vote(t *coordTx, i int, yes bool) {
	if t.phase != collecting || t.votes[i] != noVote {
		// A repeated vote, or one that came after the decision: the
		// decision is on its way, and resent until acknowledged.
		return
	}
	if !yes {
		t.votes[i] = votedNo
		c.decideAbort(t, c.env.NodeName(t.participants[i])+" voted no")
		return
	}
	t.votes[i] = votedYes
	for _, v := range t.votes {
		if v != votedYes {
			return
		}
	}
	c.env.CancelTimer(t.voteTimer)
	t.phase = committing
	c.log.append(Record{Kind: LogCommit, Tx: t.tx}, tag(tagCommitDurable, t.tx))
}

// ack records that participant i has the decision on its disk; once all
// have, the coordinator writes the end record and stops resending.
func (c *Coordinator) ack(t *coordTx, i int) {
	if t.acked[i] {
		return
	}
	t.acked[i] = true
	for _, a := range t.acked {
		if !a {
			return
		}
	}
	c.env.CancelTimer(t.resendTimer)
	t.ended = true
	c.log.append(Record{Kind: LogEnd, Tx: t.tx}, tag(tagLazy, t.tx))
}

// decideAbort aborts t and tells every participant that did not vote NO.
// The abort record need not be forced: a coordinator that finds no
// decision in its log aborts anyway.
func (c *Coordinator) decideAbort(t *coordTx, why string) {
	c.env.CancelTimer(t.voteTimer)
	t.phase, t.outcome = decided, Aborted
	c.obs.Decided(c.env.Now(), t.tx, c.env.Self(), Aborted, why)
	c.log.append(Record{Kind: LogAbort, Tx: t.tx}, tag(tagLazy, t.tx))
	for i, v := range t.votes {
		if v == votedNo {
			t.acked[i] = true
		}
	}
	c.deliver(t)
}

// deliver sends the decision to every participant that has not
// acknowledged it, and sets the timer to send it again (phase 2).
func (c *Coordinator) deliver(t *coordTx) {
	for i, p := range t.participants {
		if !t.acked[i] {
			send(c.env, p, Message{Kind: t.decisionKind(), Tx: t.tx})
		}
	}
	if t.resends < c.opt.Retries {
		t.resendTimer = c.env.SetTimer(c.opt.RetryInterval, tag(tagResend, t.tx))
	}
}

// Timer implements sim.Handler: durable log records, the vote timeout,
// and resending the decision.
func (c *Coordinator) Timer(tg uint64) {
	what, tx := untag(tg)
	t := c.txs[tx]
	if t == nil {
		return
	}
	switch what {
	case tagStartDurable:
		if t.phase != starting {
			return
		}
		t.phase = collecting
		for _, p := range t.participants {
			send(c.env, p, Message{Kind: Prepare, Tx: tx, Participants: ids(t.participants)})
		}
		t.voteTimer = c.env.SetTimer(c.opt.VoteTimeout, tag(tagVoteTimeout, tx))
	case tagVoteTimeout:
		if t.phase == collecting {
			c.decideAbort(t, "vote timeout: no vote from "+t.missingVotes(c.env))
		}
	case tagCommitDurable:
		if t.phase != committing {
			return
		}
		t.phase, t.outcome = decided, Committed
		c.obs.Decided(c.env.Now(), tx, c.env.Self(), Committed, "all voted yes")
		c.deliver(t)
	case tagResend:
		if t.phase == decided && !t.ended {
			t.resends++
			c.deliver(t)
		}
	}
}

// recover rebuilds the state of every transaction the log names and
// finishes it (BHG §7.4, recovery): a start-2PC record without a decision
// means the coordinator may not have decided, and no participant can
// have committed, so it aborts; a decision without an end record is sent
// to every participant again.
func (c *Coordinator) recover(recs []Record) {
	var order []*coordTx
	for _, r := range recs {
		t := c.txs[r.Tx]
		if r.Kind == LogStart && t == nil {
			t = c.track(r.Tx, nodes(r.Participants))
			t.phase = collecting
			order = append(order, t)
			continue
		}
		if t == nil {
			continue
		}
		switch r.Kind {
		case LogCommit:
			t.phase, t.outcome = decided, Committed
		case LogAbort:
			t.phase, t.outcome = decided, Aborted
		case LogEnd:
			t.ended = true
		}
	}
	for _, t := range order {
		switch {
		case t.phase != decided:
			c.decideAbort(t, "restarted: no decision in the log")
		case !t.ended:
			c.deliver(t)
		}
	}
}

// index returns the position of node n among t's participants, or -1.
func (t *coordTx) index(n sim.NodeID) int {
	for i, p := range t.participants {
		if p == n {
			return i
		}
	}
	return -1
}

// decisionKind is the message that carries t's decision.
func (t *coordTx) decisionKind() Kind {
	if t.outcome == Committed {
		return Commit
	}
	return Abort
}

// missingVotes names the participants whose vote has not arrived.
func (t *coordTx) missingVotes(env sim.Env) string {
	var names []string
	for i, v := range t.votes {
		if v == noVote {
			names = append(names, env.NodeName(t.participants[i]))
		}
	}
	return strings.Join(names, ", ")
}
