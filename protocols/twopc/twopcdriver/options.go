package twopcdriver

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sim-lecture/sim/protocols/twopc"
	"github.com/sim-lecture/sim/scenarios"
)

// Options configure system two_phase_commit (the `two_phase_commit:`
// block).
type Options struct {
	// Participants are the nodes that hold the transactions' work, in
	// order (default P1, P2, P3); ParticipantPos are where the file names
	// them (zero for the default).
	Participants   []string
	ParticipantPos []scenarios.Pos
	// VoteTimeout, RetryInterval, Retries and Cooperative are the
	// protocol's options (twopc.Options).
	VoteTimeout   time.Duration
	RetryInterval time.Duration
	Retries       int
	Cooperative   bool
}

// Limits of the block's values, so that every run is bounded.
const (
	maxParticipants = 64
	maxRetries      = 1000
)

// Protocol returns the protocol's options.
func (o *Options) Protocol() twopc.Options {
	return twopc.Options{VoteTimeout: o.VoteTimeout, RetryInterval: o.RetryInterval, Retries: o.Retries, Cooperative: o.Cooperative}
}

// Block is the `two_phase_commit:` block.
var Block = &scenarios.Block{Name: "two_phase_commit", Order: 60,
	New: func() any {
		d := twopc.DefaultOptions()
		return &Options{Participants: []string{"P1", "P2", "P3"}, ParticipantPos: make([]scenarios.Pos, 3),
			VoteTimeout: d.VoteTimeout, RetryInterval: d.RetryInterval, Retries: d.Retries, Cooperative: d.Cooperative}
	},
	Options: []scenarios.Option{
		scenarios.CustomOption("participants", "`[P1, P2, P3]`",
			"The nodes that hold the transactions' work and vote; every other node is a coordinator.", decodeParticipants),
		scenarios.DurationOption("vote_timeout", "`1s`",
			"How long a coordinator waits for every vote after PREPARE; then it aborts.", true,
			func(o *Options) *time.Duration { return &o.VoteTimeout }),
		scenarios.DurationOption("retry_interval", "`1s`",
			"How long an in-doubt participant waits before it asks for the decision (DECISION-REQ), and a coordinator for an ACK before it sends the decision again.", true,
			func(o *Options) *time.Duration { return &o.RetryInterval }),
		scenarios.IntOption("retries", "`10`",
			"How many times each asks or sends again; then it waits in silence (a restarted coordinator still tells the decision).", 0, maxRetries,
			func(o *Options) *int { return &o.Retries }),
		scenarios.BoolOption("cooperative", "`false`",
			"An in-doubt participant asks the other participants too (BHG's cooperative termination protocol).",
			func(o *Options) *bool { return &o.Cooperative }),
	},
	Positions: func(v any) []*scenarios.Pos {
		o := v.(*Options)
		ps := make([]*scenarios.Pos, len(o.ParticipantPos))
		for i := range o.ParticipantPos {
			ps[i] = &o.ParticipantPos[i]
		}
		return ps
	},
}

// decodeParticipants reads the participants: a list of distinct node
// names.
func decodeParticipants(d *scenarios.Decoder, n *yaml.Node, o *Options) bool {
	items, ok := d.List(n, "participants")
	if !ok {
		return false
	}
	if len(items) == 0 || len(items) > maxParticipants {
		d.Errorf(n, "participants: expected from 1 to %d nodes, got %d", maxParticipants, len(items))
		return false
	}
	o.Participants, o.ParticipantPos = nil, nil
	for _, it := range items {
		name, nok := d.NodeName(it, "participants")
		if !nok {
			ok = false
			continue
		}
		if i := index(o.Participants, name); i >= 0 {
			d.Errorf(it, "participants: %s is listed twice (first at line %d)", name, o.ParticipantPos[i].Line)
			ok = false
			continue
		}
		o.Participants = append(o.Participants, name)
		o.ParticipantPos = append(o.ParticipantPos, scenarios.PosOf(it))
	}
	return ok
}

// optionsOf returns a scenario's two_phase_commit block.
func optionsOf(sc *scenarios.Scenario) *Options { return sc.Block(Block.Name).(*Options) }

// participants lists the participants as the system's servers: nodes of
// every scenario that runs it, which no row may use as a coordinator.
func participants(d *scenarios.Decoder) []scenarios.NameUse {
	o := optionsOf(d.Scenario())
	out := make([]scenarios.NameUse, len(o.Participants))
	for i, p := range o.Participants {
		out[i] = scenarios.NameUse{Name: p, Pos: o.ParticipantPos[i]}
	}
	return out
}

// CommitOp is the `commit` row: the application at node client asks it,
// as coordinator, to commit the row's transaction (T1 for row 1) among
// the participants.
var CommitOp = &scenarios.Op{Name: "commit", Order: 140,
	Keys:     []scenarios.OpKey{{Name: "client", Required: true}},
	Doc:      "Row N: `client`, the coordinator, commits transaction TN among the participants (two-phase commit).",
	Describe: func(s *scenarios.Step) string { return fmt.Sprintf("commit(T%d)", s.Index+1) },
}

// VoteNo is the vote_no fault (`{at: 2s, vote_no: P3}`): from then on
// the participant cannot commit its part of any transaction (a broken
// constraint, a full disk, a deadlock victim), so it votes NO.
var VoteNo = &scenarios.FaultKind{Name: "vote_no", Order: 120,
	Example: "{at: 2s, vote_no: P3}", Doc: "two-phase commit: the participant votes NO from now on",
	Decode: scenarios.DecodeNodeFault,
	Check: func(d *scenarios.Decoder, o *scenarios.Object, f *scenarios.Fault) {
		ps := optionsOf(d.Scenario()).Participants
		if index(ps, f.Node) < 0 {
			d.Errorf(o.Get("vote_no"), "vote_no: %s is not a participant%s", f.Node,
				scenarios.DidYouMean(f.Node, ps, "participants"))
		}
	},
}

// index returns the position of s in list, or -1.
func index(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
