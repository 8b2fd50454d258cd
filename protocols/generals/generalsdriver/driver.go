// Package generalsdriver is system two_generals of the scenarios: the
// Two Generals of package generals, one general per node on a UDP port,
// driven by `agree` rows.
//
//	systems: [two_generals]
//	workload:
//	  - {at: 0, op: agree, from: A, to: B, count: 3}
//
// General `from` sends the plan to general `to`; `count` is the number of
// messengers N (default 1). Each node is a udp.Host with a general on
// Port; messengers are XDR over UDP, so a corrupted one is rejected by the
// checksum and lost. At the end of the run (dawn, when every messenger has
// arrived or is lost) each general decides, and the row's value says what
// they did together.
package generalsdriver

import (
	"fmt"
	"strings"

	"github.com/sim-lecture/sim/protocols/generals"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

func init() {
	scenarios.Register(scenarios.System{Name: "two_generals", Order: 60,
		Doc: "Two generals exchanging N messengers (plan, ACK, AckAck, ...) over UDP; at dawn each attacks only if every messenger addressed to it arrived.",
		Ops: []*scenarios.Op{AgreeOp},
		// The generals decide at dawn, the end of the run: an agreement
		// has no outcome before it, so a program could not go on to its
		// next step.
		NoPrograms: "the generals decide at dawn, the end of the run, so an agreement never returns to let the program go on",
		New:        func() scenarios.Driver { return &driver{} }})
}

// Port is the generals' UDP port (Akkoyunlu, Ekanadham & Huber, 1975).
const Port = 1975

// AgreeOp is the `agree` row: general from sends the plan to general to,
// with count messengers in all.
var AgreeOp = &scenarios.Op{Name: "agree", Order: 130,
	Keys: []scenarios.OpKey{{Name: "from", Required: true}, {Name: "to", Required: true}, {Name: "count", Default: "1"}},
	Doc:  "Two generals with `count` messengers.",
	Check: func(c *scenarios.RowCheck) {
		if st := c.Step; st.From == st.To {
			c.Errorf("to", "to: an agree row needs two different generals, got %s twice", st.To)
		}
	},
	Describe: func(s *scenarios.Step) string {
		return fmt.Sprintf("agree with %s in %s", s.To, report.Plural(messengers(s), "messenger", "messengers"))
	},
}

// driver runs `agree` rows; it is the generals' Observer.
type driver struct {
	// flights[i] lists the messengers of row i in the order they left;
	// byK[i][k] those that carry messenger k (several when a restarted
	// general answered a messenger again).
	flights map[int][]*flight
	byK     map[int]map[int][]*flight
}

// flight is one messenger of one agreement.
type flight struct {
	k        int
	from, to sim.NodeID
	arrived  bool
	at       sim.Time
}

// Sent implements generals.Observer.
func (d *driver) Sent(at sim.Time, row, k int, from, to sim.NodeID) {
	f := &flight{k: k, from: from, to: to}
	d.flights[row] = append(d.flights[row], f)
	if d.byK[row] == nil {
		d.byK[row] = map[int][]*flight{}
	}
	d.byK[row][k] = append(d.byK[row][k], f)
}

// Arrived implements generals.Observer. It looks the messenger up by k:
// searching the row's list made a million messengers take hours.
func (d *driver) Arrived(at sim.Time, row, k int) {
	for _, f := range d.byK[row][k] {
		if !f.arrived {
			f.arrived, f.at = true, at
		}
	}
}

// Setup implements scenarios.Driver.
func (d *driver) Setup(r *scenarios.SystemRun) error {
	sc := r.Scenario
	d.flights, d.byK = map[int][]*flight{}, map[int]map[int][]*flight{}
	r.UseNetwork()
	for _, n := range sc.Nodes {
		r.World.AddNode(n.Name, func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			h.Bind(Port, func(penv sim.Env) sim.Handler { return generals.New(penv, d) })
			return h
		})
	}
	return nil
}

// general returns a node's general, or nil while the node is down.
func (d *driver) general(r *scenarios.SystemRun, id sim.NodeID) *generals.General {
	h, ok := r.World.Handler(id).(*udp.Host)
	if !ok {
		return nil
	}
	g, _ := h.Handler(Port).(*generals.General)
	return g
}

// messengers is how many messengers row s asks for.
func messengers(s *scenarios.Step) int {
	if s.Count < 1 {
		return 1
	}
	return s.Count
}

// Step implements scenarios.Driver.
func (d *driver) Step(r *scenarios.SystemRun, i int) {
	s := &r.Scenario.Workload[i]
	if s.Op != "agree" {
		r.Unsupported(i)
		return
	}
	g := d.general(r, r.Node(s.From))
	if g == nil {
		r.Result.Steps[i].Result = "EHOSTDOWN"
		r.Result.Steps[i].Note = fmt.Sprintf("general %s is down: no plan sent", s.From)
		return
	}
	g.Propose(r.Node(s.To), i, messengers(s))
}

// Fault implements scenarios.Driver: the generals accept no fault of
// their own.
func (d *driver) Fault(r *scenarios.SystemRun, f *scenarios.Fault) bool { return false }

// Finish implements scenarios.Driver. It is dawn: each general decides,
// and each row's value says what they did together.
func (d *driver) Finish(r *scenarios.SystemRun) {
	for i := range r.Scenario.Workload {
		s := &r.Scenario.Workload[i]
		st := &r.Result.Steps[i]
		if s.Op != "agree" || st.Result != "ok" {
			continue
		}
		n := messengers(s)
		var parts []string
		flights := d.flights[i]
		for j, f := range flights {
			if j == maxNoted-noteTail && len(flights) > maxNoted {
				// A note is read, not searched: the first messengers and
				// the last ones, which decide the attack.
				parts = append(parts, fmt.Sprintf("... %d more ...", len(flights)-maxNoted))
			}
			if j >= maxNoted-noteTail && j < len(flights)-noteTail {
				continue
			}
			fate := "lost"
			if f.arrived {
				fate = report.TableTime(f.at)
			}
			parts = append(parts, fmt.Sprintf("%s %s->%s %s", generals.Label(f.k), r.World.Name(f.from), r.World.Name(f.to), fate))
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

// A step's note describes at most maxNoted messengers: the first ones
// and the last noteTail.
const (
	maxNoted = 40
	noteTail = 10
)

// decide asks the general on node name what it does at dawn; ok is false
// if its node is down. (A general restarted after a crash has forgotten
// every messenger, so it holds back.)
func (d *driver) decide(r *scenarios.SystemRun, name string, row, n int, initiator bool) (string, bool) {
	g := d.general(r, r.Node(name))
	if g == nil {
		return "is down", false
	}
	if g.Attacks(row, n, initiator) {
		return "attacks", true
	}
	return "holds back", true
}
