package twopc

import (
	"fmt"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// Kind is what a message says.
type Kind uint32

// The messages of two-phase commit (BHG §7.4), by their usual names:
// PREPARE is BHG's VOTE-REQ.
const (
	// Prepare asks a participant to vote; it carries the list of
	// participants, so that each knows whom to ask in the cooperative
	// termination protocol.
	Prepare Kind = iota + 1
	// Yes is a participant's promise: it has forced a prepared record to
	// its log and will commit if told to, even after a crash.
	Yes
	// No is a participant's refusal; it has aborted its part.
	No
	// Commit and Abort carry the decision, from the coordinator or, in
	// the cooperative termination protocol, from another participant.
	Commit
	Abort
	// Ack tells the coordinator that a participant's decision is on its
	// disk, so that the coordinator need not send it again.
	Ack
	// DecisionReq is an in-doubt participant's question: what was
	// decided? (BHG's DECISION-REQ.)
	DecisionReq
)

var kindNames = [...]string{Prepare: "PREPARE", Yes: "YES", No: "NO", Commit: "COMMIT",
	Abort: "ABORT", Ack: "ACK", DecisionReq: "DECISION-REQ"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("KIND(%d)", uint32(k))
}

// Message is the wire form of every message, in XDR.
type Message struct {
	Kind Kind
	// Tx names the transaction.
	Tx uint32
	// Participants are the node IDs of the participants (Prepare only).
	Participants []uint32
}

// maxParticipants bounds the participants of one transaction, so that a
// message decodes into a bounded list.
const maxParticipants = 1024

// Label names a message in the trace and the diagrams: "PREPARE T1".
func (m Message) Label() string { return fmt.Sprintf("%s T%d", m.Kind, m.Tx) }

// Marshal encodes m.
func (m Message) Marshal() []byte {
	b, err := xdr.Marshal(m)
	if err != nil {
		panic("twopc: message: " + err.Error()) // integers and a list of them always encode
	}
	return b
}

// ParseMessage decodes a message, rejecting anything that is not one.
func ParseMessage(b []byte) (Message, error) {
	var m Message
	if err := xdr.Unmarshal(b, &m); err != nil {
		return m, err
	}
	switch {
	case m.Kind < Prepare || m.Kind > DecisionReq:
		return m, fmt.Errorf("unknown kind %d", uint32(m.Kind))
	case m.Tx == 0:
		return m, fmt.Errorf("transaction 0")
	case len(m.Participants) > maxParticipants:
		return m, fmt.Errorf("%d participants", len(m.Participants))
	}
	return m, nil
}

// send sends message m to node to.
func send(env sim.Env, to sim.NodeID, m Message) { env.Send(to, m.Marshal(), m.Label()) }

// ids converts node IDs to their wire form.
func ids(nodes []sim.NodeID) []uint32 {
	out := make([]uint32, len(nodes))
	for i, n := range nodes {
		out[i] = uint32(n)
	}
	return out
}

// nodes converts node IDs from their wire form.
func nodes(ids []uint32) []sim.NodeID {
	out := make([]sim.NodeID, len(ids))
	for i, n := range ids {
		out[i] = sim.NodeID(n)
	}
	return out
}
