package generals

import (
	"fmt"
	"strings"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// Messenger is the wire form of a messenger, in XDR: which agreement,
// which messenger of it (from 1) and how many the generals agreed on.
type Messenger struct {
	Agreement, K, N uint32
}

// Observer hears what the generals of a run do. It lives outside the
// nodes, so it survives crashes: it is the historian's notebook.
type Observer interface {
	// Sent reports that messenger k of agreement left from for to.
	Sent(at sim.Time, agreement, k int, from, to sim.NodeID)
	// Arrived reports that messenger k of agreement reached its general
	// (the first copy of it: a duplicate is not news).
	Arrived(at sim.Time, agreement, k int)
}

// General is one general: the messengers of each agreement that reached
// it.
type General struct {
	env sim.Env
	obs Observer
	// got[agreement][k]: messenger k of the agreement reached this general.
	got map[int]map[int]bool
}

// New returns a general that acts through env and reports to obs.
func New(env sim.Env, obs Observer) *General {
	return &General{env: env, obs: obs, got: map[int]map[int]bool{}}
}

// Label names messenger k in the trace: the plan, then the ACKs
// (ACK, ACKACK, ACKACKACK, then ACK^k).
func Label(k int) string {
	switch {
	case k == 1:
		return "PLAN"
	case k <= 4:
		return strings.Repeat("ACK", k-1)
	}
	return fmt.Sprintf("ACK^%d", k-1)
}

// Propose starts agreement on the plan with the general at to: it sends
// the first of n messengers.
func (g *General) Propose(to sim.NodeID, agreement, n int) { g.send(to, agreement, 1, n) }

// send dispatches messenger k of the agreement to peer.
func (g *General) send(to sim.NodeID, agreement, k, n int) {
	b, err := xdr.Marshal(Messenger{Agreement: uint32(agreement), K: uint32(k), N: uint32(n)})
	if err != nil {
		panic("generals: messenger: " + err.Error()) // a fixed struct of three integers
	}
	g.obs.Sent(g.env.Now(), agreement, k, g.env.Self(), to)
	g.env.Send(to, b, Label(k))
}

// Receive implements sim.Handler: a messenger arrived; answer it with the
// next one unless it was the last.
func (g *General) Receive(from sim.NodeID, msg []byte) {
	var m Messenger
	if err := xdr.Unmarshal(msg, &m); err != nil || m.K == 0 || m.K > m.N {
		g.env.Trace("generals", "unreadable messenger from "+g.env.NodeName(from))
		return
	}
	agreement, k, n := int(m.Agreement), int(m.K), int(m.N)
	if g.got[agreement] == nil {
		g.got[agreement] = map[int]bool{}
	}
	if g.got[agreement][k] {
		return // a duplicate: this messenger was answered already
	}
	g.got[agreement][k] = true
	g.obs.Arrived(g.env.Now(), agreement, k)
	if k < n {
		g.send(from, agreement, k+1, n)
	}
}

// Timer implements sim.Handler; a general sets no timers.
func (g *General) Timer(uint64) {}

// Attacks is the decision at dawn for an agreement of n messengers:
// attack if every messenger addressed to this general arrived. The
// initiator is sent the even ones, the other general the odd ones.
func (g *General) Attacks(agreement, n int, initiator bool) bool {
	for k := 1; k <= n; k++ {
		if (k%2 == 0) == initiator && !g.got[agreement][k] {
			return false
		}
	}
	return true
}
