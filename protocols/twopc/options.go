package twopc

import (
	"time"

	"github.com/sim-lecture/sim/sim"
)

// Options configure the coordinators and participants of a run.
type Options struct {
	// VoteTimeout is how long a coordinator waits for every vote after it
	// sent PREPARE; then it aborts (a missing vote counts as NO).
	VoteTimeout time.Duration
	// RetryInterval is how long an in-doubt participant waits before it
	// asks for the decision, and again between two questions; and how
	// long a coordinator waits for a participant's ACK before it sends the
	// decision again.
	RetryInterval time.Duration
	// Retries bounds the questions an in-doubt participant asks, and the
	// times a coordinator sends a decision again, so that every run ends.
	// A participant that has asked Retries times waits in silence: a
	// restarted coordinator tells it the decision.
	Retries int
	// Cooperative makes an in-doubt participant ask the other
	// participants too, not only the coordinator: BHG's cooperative
	// termination protocol. One that knows the decision answers; one that
	// has not voted yet aborts and answers ABORT.
	Cooperative bool
}

// DefaultOptions are the options of a scenario that sets none.
func DefaultOptions() Options {
	return Options{VoteTimeout: time.Second, RetryInterval: time.Second, Retries: 10}
}

// Outcome is a decision.
type Outcome uint8

// The two decisions.
const (
	Committed Outcome = iota + 1
	Aborted
)

func (o Outcome) String() string {
	switch o {
	case Committed:
		return "commit"
	case Aborted:
		return "abort"
	}
	return "none"
}

// Observer hears what the nodes of a run do. It lives outside the nodes,
// so it survives their crashes: it is what the result is built from.
type Observer interface {
	// Voted reports that participant p sent its vote on tx.
	Voted(at sim.Time, tx uint32, p sim.NodeID, yes bool)
	// Decided reports that node n decided tx: a coordinator when its
	// decision is made (a commit when its record is durable), a
	// participant when its decision record is durable, or when it votes
	// NO. why says how ("all voted yes", "vote timeout", "from C").
	Decided(at sim.Time, tx uint32, n sim.NodeID, o Outcome, why string)
}

// Timer and disk-write tags: what for in the bits above 32, the
// transaction below. They fit the 48 bits a UDP port's handler owns.
const (
	tagVoteTimeout uint64 = iota + 1
	tagResend
	tagAsk
	tagStartDurable
	tagCommitDurable
	tagYesDurable
	tagDecisionDurable
	tagLazy // a record nobody waits for
)

func tag(what uint64, tx uint32) uint64 { return what<<32 | uint64(tx) }

func untag(t uint64) (uint64, uint32) { return t >> 32, uint32(t) }
