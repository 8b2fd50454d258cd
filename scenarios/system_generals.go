package scenarios

import (
	"fmt"
	"strings"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
)

func init() {
	Register(System{Name: "two_generals", Order: 60,
		Doc: "Two generals exchanging N messengers (plan, ACK, AckAck, ...) over UDP; at dawn each attacks only if every messenger addressed to it arrived.",
		Ops: []*Op{agreeOp},
		New: func() Driver { return &generalsDriver{} }})
}

// agreeOp is the `agree` row: general from sends the plan to general to,
// with count messengers in all.
var agreeOp = &Op{Name: "agree", Order: 130,
	Keys: []OpKey{{Name: "from", Required: true}, {Name: "to", Required: true}, {Name: "count"}},
	Describe: func(s *Step) string {
		return fmt.Sprintf("agree with %s in %s", s.To, plural(max(s.Count, 1), "messenger", "messengers"))
	},
}

// generalsDriver runs `agree` rows: the lecture's AckAck proposal and the
// Two Generals' Problem it runs into (slides "Proposed Solution" and
// "Aside: Two Generals' Problem").
//
//	{at: 0, op: agree, from: A, to: B, count: 3}
//
// General `from` sends the plan ("attack at dawn") to general `to`; each
// messenger that arrives is answered by the next one the other way (the
// ACK, the AckAck, ...) until `count` messengers (default 1) have been
// sent. A lost messenger is not replaced: nobody can know it was lost, and
// replacing it needs a confirmation, which is one more messenger.
//
// The generals "agree after N messages": at dawn (the end of the run,
// when every messenger has arrived or is lost) each general attacks if
// every messenger addressed to it arrived, and holds back otherwise. So
// if all N arrive both attack; if the last one is lost its sender attacks
// and its receiver holds back, and the generals disagree; if an earlier
// one is lost the chain stops and both hold back. The sender of the last
// messenger sees the same thing whether it arrived or not, which is the
// lecture's question: did the N-th message change the decision?
//
// Each node is a udp.Host with a general on generalsPort; messengers are
// XDR over UDP, so a corrupted one is rejected by the checksum and lost.
type generalsDriver struct {
	// flights[i] lists the messengers of row i in the order they left.
	flights map[int][]*flight
}

// flight is one messenger of one agreement.
type flight struct {
	k        int
	from, to sim.NodeID
	sent     sim.Time
	arrived  bool
	at       sim.Time
}

// messenger is the wire form of a messenger: which agreement (the row),
// which messenger of it (from 1) and how many the generals agreed on.
type messenger struct {
	Row, K, N uint32
}

// general is one general's state machine. All of it is volatile: a general
// whose node crashes forgets what reached it and cannot decide.
type general struct {
	env sim.Env
	d   *generalsDriver
	// got[row][k]: messenger k of agreement row reached this general.
	got map[int]map[int]bool
}

// messengerLabel names messenger k in the trace: the plan, then the ACKs.
func messengerLabel(k int) string {
	switch {
	case k == 1:
		return "PLAN"
	case k <= 4:
		return strings.Repeat("ACK", k-1)
	}
	return fmt.Sprintf("ACK^%d", k-1)
}

// send dispatches messenger k of row to peer.
func (g *general) send(to sim.NodeID, row, k, n int) {
	b, err := xdr.Marshal(messenger{Row: uint32(row), K: uint32(k), N: uint32(n)})
	if err != nil {
		panic("scenarios: messenger: " + err.Error()) // a fixed struct of three integers
	}
	g.d.flights[row] = append(g.d.flights[row], &flight{k: k, from: g.env.Self(), to: to, sent: g.env.Now()})
	g.env.Send(to, b, messengerLabel(k))
}

// Receive implements sim.Handler: a messenger arrived; answer it with the
// next one unless it was the last.
func (g *general) Receive(from sim.NodeID, msg []byte) {
	var m messenger
	if err := xdr.Unmarshal(msg, &m); err != nil || m.K == 0 || m.K > m.N {
		g.env.Trace("generals", "unreadable messenger from "+g.env.NodeName(from))
		return
	}
	row, k, n := int(m.Row), int(m.K), int(m.N)
	if g.got[row] == nil {
		g.got[row] = map[int]bool{}
	}
	if g.got[row][k] {
		return // a duplicate: this messenger was answered already
	}
	g.got[row][k] = true
	for _, f := range g.d.flights[row] {
		if f.k == k && !f.arrived {
			f.arrived, f.at = true, g.env.Now()
		}
	}
	if k < n {
		g.send(from, row, k+1, n)
	}
}

// Timer implements sim.Handler; a general sets no timers.
func (g *general) Timer(uint64) {}

// attacks is the decision rule: attack if every messenger of the agreement
// addressed to this general arrived. The initiator is sent the even ones,
// the other general the odd ones.
func (g *general) attacks(row, n int, initiator bool) bool {
	for k := 1; k <= n; k++ {
		if (k%2 == 0) == initiator && !g.got[row][k] {
			return false
		}
	}
	return true
}

func (d *generalsDriver) Setup(r *SystemRun) error {
	for _, st := range r.Scenario.Workload {
		if st.Op == "agree" && st.From == st.To {
			return fmt.Errorf("%s:%d:%d: to: an agree row needs two different generals, got %s twice",
				r.Scenario.File, st.Pos.Line, st.Pos.Col, st.To)
		}
	}
	d.flights = map[int][]*flight{}
	r.UseNetwork()
	for _, n := range r.Scenario.Nodes {
		r.World.AddNode(n.Name, func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			h.Bind(generalsPort, func(penv sim.Env) sim.Handler {
				return &general{env: penv, d: d, got: map[int]map[int]bool{}}
			})
			return h
		})
	}
	return nil
}

// generalOf returns a node's general, or nil while the node is down.
func (d *generalsDriver) generalOf(r *SystemRun, id sim.NodeID) *general {
	h, ok := r.World.Handler(id).(*udp.Host)
	if !ok {
		return nil
	}
	g, _ := h.Handler(generalsPort).(*general)
	return g
}

// messengers is how many messengers row s asks for.
func messengers(s *Step) int {
	if s.Count < 1 {
		return 1
	}
	return s.Count
}

func (d *generalsDriver) Step(r *SystemRun, i int) {
	s := &r.Scenario.Workload[i]
	if s.Op != "agree" {
		r.Unsupported(i)
		return
	}
	g := d.generalOf(r, r.Node(s.From))
	if g == nil {
		r.Result.Steps[i].Result = "EHOSTDOWN"
		r.Result.Steps[i].Note = fmt.Sprintf("general %s is down: no plan sent", s.From)
		return
	}
	g.send(r.Node(s.To), i, 1, messengers(s))
}

func (d *generalsDriver) Fault(r *SystemRun, f *Fault) bool { return false }

// finish is dawn: each general decides, and each row's value says what
// they did together.
func (d *generalsDriver) Finish(r *SystemRun) {
	for i := range r.Scenario.Workload {
		s := &r.Scenario.Workload[i]
		st := &r.Result.Steps[i]
		if s.Op != "agree" || st.Result != "ok" {
			continue
		}
		n := messengers(s)
		var parts []string
		for _, f := range d.flights[i] {
			fate := "lost"
			if f.arrived {
				fate = ms(f.at)
			}
			parts = append(parts, fmt.Sprintf("%s %s->%s %s", messengerLabel(f.k), r.World.Name(f.from), r.World.Name(f.to), fate))
		}
		a, aok := d.decide(r, s.From, i, n, true)
		b, bok := d.decide(r, s.To, i, n, false)
		var value string
		switch {
		case !aok || !bok:
			value = "a general is down"
		case a == b && a == "attacks":
			value = "both attack"
		case a == b:
			value = "both hold back"
		case a == "attacks":
			value = s.From + " attacks alone"
		default:
			value = s.To + " attacks alone"
		}
		st.Value = &value
		st.Note = fmt.Sprintf("%s; at dawn %s", strings.Join(parts, ", "), value)
	}
}

// decide asks the general on node name what it does at dawn; ok is false
// if its node is down. (A general restarted after a crash has forgotten
// every messenger, so it holds back.)
func (d *generalsDriver) decide(r *SystemRun, name string, row, n int, initiator bool) (string, bool) {
	id := r.Node(name)
	g := d.generalOf(r, id)
	if g == nil {
		return "is down", false
	}
	if g.attacks(row, n, initiator) {
		return "attacks", true
	}
	return "holds back", true
}
