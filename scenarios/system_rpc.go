package scenarios

import (
	"fmt"
	"strings"

	"github.com/sim-lecture/sim/protocols/reliable"
	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/sim"
)

func init() {
	systemDrivers["rpc"] = func() driver { return &rpcDriver{} }
}

// demoProcs are the procedures a call row may name: the demo service's.
var demoProcs = []string{rpc.ProcIncrement, rpc.ProcAppend, rpc.ProcRead, rpc.ProcSleep}

// rpcDriver runs `call` rows against the RPC runtime (protocols/rpc) and its
// demo service. Every node is a udp.Host whose rpcPort carries an rpc.Node
// hosting a client and a server with the demo service, either directly
// (transport udp: the RPC layer retransmits and acknowledges itself) or on a
// reliable.Endpoint (transport reliable). A crash loses the Node, and with
// it the client's calls and the server's duplicate-request cache; the
// restarted node rebuilds the demo's state from its disk.
type rpcDriver struct {
	log   *callLog
	obs   *rpcObserver
	copts rpc.Options
	sopts rpc.ServerOptions
	// ropts configures the transport with transport reliable.
	ropts     reliable.Options
	overUDP   bool
	args      [][]byte // per row: the marshaled arguments
	ids       map[int]rpc.CallID
	calledInc map[int]uint32 // the client's incarnation when row i called
	done      map[int]bool
}

// rpcOptions converts the scenario's rpc block. The scenario's ack_after is
// the client's: how long a result waits for the next call to acknowledge it
// before an explicit ACK, and the interval between probes. The server ACKs
// a call it holds after half of it, so that by default (ack_after =
// timeout) the ACK reaches the client before its next retransmission would
// fire and a long call is not sent, and at least once run, again.
func rpcOptions(sc *Scenario) (rpc.Options, rpc.ServerOptions, error) {
	o := sc.RPC
	sem, err := rpc.ParseSemantics(o.Semantics)
	if err != nil {
		return rpc.Options{}, rpc.ServerOptions{}, fmt.Errorf("%s: rpc: %v", sc.File, err)
	}
	c := rpc.Options{Semantics: sem, Timeout: o.Timeout, MaxAttempts: o.MaxAttempts, AckAfter: o.AckAfter}
	s := rpc.ServerOptions{Semantics: sem, Workers: o.Workers, AckAfter: o.AckAfter / 2}
	if o.Transport == "reliable" {
		c.Reliable, s.Reliable = true, true
	}
	return c, s, nil
}

func (d *rpcDriver) setup(r *run) error {
	var err error
	if d.copts, d.sopts, err = rpcOptions(r.sc); err != nil {
		return err
	}
	d.overUDP = !d.copts.Reliable
	if !d.overUDP {
		if d.ropts, err = reliableOptions(r.sc); err != nil {
			return err
		}
	}
	d.args = make([][]byte, len(r.sc.Workload))
	for i := range r.sc.Workload {
		st := &r.sc.Workload[i]
		if st.Op != "call" {
			continue
		}
		if !contains(demoProcs, st.Proc) {
			return fmt.Errorf("%s:%d:%d: proc: %q is not a procedure of the demo service%s", r.sc.File, st.Pos.Line, st.Pos.Col,
				st.Proc, didYouMean(st.Proc, demoProcs, "procedures"))
		}
		if d.args[i], err = rpc.DemoArgs(st.Proc, st.Args); err != nil {
			return fmt.Errorf("%s:%d:%d: args: %v", r.sc.File, st.Pos.Line, st.Pos.Col, err)
		}
	}
	d.log = newCallLog(r)
	d.obs = &rpcObserver{callLog: d.log, cached: map[rpc.CallID]int{}, dropped: map[rpc.CallID]int{},
		firstAck: map[rpc.CallID]sim.Time{}}
	d.ids = map[int]rpc.CallID{}
	d.calledInc = map[int]uint32{}
	d.done = map[int]bool{}
	r.useNetwork(false)
	for _, n := range r.sc.Nodes {
		r.w.AddNode(n.Name, func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			h.Bind(rpcPort, func(penv sim.Env) sim.Handler {
				if d.overUDP {
					return d.newNode(&rpcTap{Env: penv, obs: d.obs})
				}
				return reliable.NewEndpoint(penv, d.ropts, func(uenv sim.Env) sim.Handler {
					return d.newNode(&rpcTap{Env: uenv, obs: d.obs})
				}, nil)
			})
			return h
		})
	}
	return nil
}

// newNode builds one life of a node's RPC runtime: a client, and a server
// with the demo service, whose state comes from the node's disk.
func (d *rpcDriver) newNode(env sim.Env) sim.Handler {
	n := rpc.NewNode(env)
	n.AddClient(d.copts, d.obs)
	rpc.RegisterDemo(n.AddServer(d.sopts, d.obs))
	return n
}

// rpcNode returns a node's current rpc.Node, or nil while it is down.
func (d *rpcDriver) rpcNode(r *run, id sim.NodeID) *rpc.Node {
	h, ok := r.w.Handler(id).(*udp.Host)
	if !ok {
		return nil
	}
	switch p := h.Handler(rpcPort).(type) {
	case *rpc.Node:
		return p
	case *reliable.Endpoint:
		n, _ := p.Upper().(*rpc.Node)
		return n
	}
	return nil
}

func (d *rpcDriver) step(r *run, i int) {
	s := &r.sc.Workload[i]
	st := &r.sys.Steps[i]
	if s.Op != "call" {
		unsupportedOp(r, i)
		return
	}
	client, server := r.node(s.Client), r.node(s.Server)
	n := d.rpcNode(r, client)
	if n == nil {
		st.Result = "EHOSTDOWN"
		st.Note = fmt.Sprintf("client %s is down: no call", s.Client)
		d.done[i] = true
		return
	}
	start := r.w.Now()
	d.calledInc[i] = r.w.Env(client).Incarnation()
	d.ids[i] = n.Client.Call(server, s.Proc, d.args[i], func(result []byte, err error) {
		d.done[i] = true
		st := &r.sys.Steps[i]
		st.Result = rpc.ErrorName(err)
		st.Latency = sim.FormatDuration(r.w.Now().Sub(start))
		if err == nil && s.Proc != rpc.ProcSleep {
			if v, verr := rpc.DemoValue(s.Proc, result); verr == nil {
				st.Value = &v
			} else {
				st.Result = "EBADRPC"
				st.Note = "the reply did not unmarshal: " + verr.Error()
			}
		}
	})
}

func (d *rpcDriver) fault(r *run, f *Fault) bool { return false }

func (d *rpcDriver) finish(r *run) {
	for i := range r.sc.Workload {
		s := &r.sc.Workload[i]
		if s.Op != "call" {
			continue
		}
		st := &r.sys.Steps[i]
		id, called := d.ids[i]
		if !called {
			continue
		}
		if !d.done[i] {
			// No outcome: the client crashed with the call outstanding
			// (its callback went with it), or the run ended first.
			client := r.node(s.Client)
			if !r.w.Up(client) || r.w.Env(client).Incarnation() != d.calledInc[i] {
				st.Result = "ECANCELED"
				st.Note = fmt.Sprintf("client %s crashed before the reply", s.Client)
			} else {
				st.Result = "EINPROGRESS"
				st.Note = "no reply by the end of the run"
			}
		}
		ex := d.log.executions[id]
		st.Executions = &ex
		st.Note = joinNote(st.Note, d.describe(st, id, ex))
	}
	d.disk(r)
}

// describe summarises what became of a call for its step's note: first
// what the client saw (the reply and when), then what the server did, which
// the client cannot see.
func (d *rpcDriver) describe(st *report.Step, id rpc.CallID, executions int) string {
	var client []string
	switch {
	case st.Value != nil:
		client = append(client, "reply "+*st.Value)
	case st.Result == "ok":
		client = append(client, "reply")
	}
	if st.Latency != "" {
		client = append(client, "after "+st.Latency)
	}
	if n := d.obs.probes[id]; n > 0 {
		client = append(client, "("+plural(n, "probe", "probes")+")")
	}
	server := []string{"server executed it " + times(executions)}
	if n := d.obs.cached[id]; n > 0 {
		server = append(server, "answered "+times(n)+" from its duplicate-request cache")
	}
	if n := d.obs.dropped[id]; n > 0 {
		server = append(server, "dropped "+plural(n, "repeat", "repeats"))
	}
	if n := d.obs.callAcks[id]; n > 0 {
		server = append(server, fmt.Sprintf("sent %s, the first at %s", plural(n, "explicit ACK", "explicit ACKs"),
			ms(d.obs.firstAck[id])))
	}
	return joinNote(strings.Join(client, " "), strings.Join(server, ", "))
}

// times says how many times something happened: never, once, twice, 3 times.
func times(n int) string {
	switch n {
	case 0:
		return "never"
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// disk reports the demo service's durable state on every node that has
// one, as two "files" per node: NODE/counter and NODE/log.
func (d *rpcDriver) disk(r *run) {
	for _, n := range r.sc.Nodes {
		id := r.node(n.Name)
		if _, ok := r.w.Disk(id).Get(rpc.DemoDiskKey); !ok {
			continue
		}
		state, err := rpc.ReadDemoDisk(r.w.Disk(id))
		if err != nil {
			continue
		}
		if r.sys.Disk == nil {
			r.sys.Disk = map[string][]string{}
		}
		r.sys.Disk[n.Name+"/counter"] = []string{fmt.Sprint(state.Counter)}
		r.sys.Disk[n.Name+"/log"] = append([]string{}, state.Log...)
	}
}

// rpcObserver is the run's callLog plus the counts the step notes show:
// repeats a server answered from its cache or dropped, and the explicit
// ACKs and probes of long calls (counted by rpcTap).
type rpcObserver struct {
	*callLog
	cached, dropped  map[rpc.CallID]int
	callAcks, probes map[rpc.CallID]int
	// firstAck is when the server sent its first explicit ACK of a call.
	firstAck map[rpc.CallID]sim.Time
}

// CachedReply implements rpc.Observer.
func (o *rpcObserver) CachedReply(at sim.Time, server sim.NodeID, id rpc.CallID) {
	o.cached[id]++
	o.callLog.CachedReply(at, server, id)
}

// Dropped implements rpc.Observer.
func (o *rpcObserver) Dropped(at sim.Time, server sim.NodeID, id rpc.CallID, reason string) {
	o.dropped[id]++
	o.callLog.Dropped(at, server, id, reason)
}

// rpcTap is the env below an rpc.Node, watched: it counts the explicit ACKs
// of calls and the probes that leave the node, per call. The Observer does
// not report them, and they are what a long call is made of.
type rpcTap struct {
	sim.Env
	obs *rpcObserver
}

// Send implements sim.Env.
func (t *rpcTap) Send(to sim.NodeID, msg []byte, label string) {
	if m, err := rpc.Decode(msg); err == nil {
		switch m.Kind {
		case rpc.KindAckCall:
			t.obs.count(&t.obs.callAcks, m.ID)
			if _, seen := t.obs.firstAck[m.ID]; !seen {
				t.obs.firstAck[m.ID] = t.Now()
			}
		case rpc.KindProbe:
			t.obs.count(&t.obs.probes, m.ID)
		}
	}
	t.Env.Send(to, msg, label)
}

func (o *rpcObserver) count(m *map[rpc.CallID]int, id rpc.CallID) {
	if *m == nil {
		*m = map[rpc.CallID]int{}
	}
	(*m)[id]++
}

// plural formats a count with the singular or plural noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// joinNote joins two parts of a note with "; ", either may be empty.
func joinNote(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
