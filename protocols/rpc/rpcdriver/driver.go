// Package rpcdriver is system rpc of the scenarios: `call` rows against
// the RPC runtime (protocols/rpc) and its demo service (slides "RPC" to
// "RPC over UDP"). It holds the `rpc:` block and CallLog, the observer
// that lists a step's RPCs, which the systems built on RPC share.
package rpcdriver

import (
	"fmt"
	"strings"
	"time"

	"github.com/sim-lecture/sim/protocols/reliable"
	"github.com/sim-lecture/sim/protocols/reliable/reliabledriver"
	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/stack"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

func init() {
	scenarios.Register(scenarios.System{Name: "rpc", Order: 50,
		Doc:         "Remote procedure calls to a demo service (`increment`, `append`, `read`, `sleep`).",
		Ops:         []*scenarios.Op{CallOp},
		Blocks:      []*scenarios.Block{block, reliabledriver.Block},
		Exercise:    exercise,
		CheckRow:    checkCallSize,
		Invariants:  []scenarios.Invariant{AtMostOnce},
		ReportsDone: true,
		New:         func() scenarios.Driver { return &driver{} }})
}

// Port is the RPC runtime's UDP port (Sun RPC's portmapper's).
const Port = 111

// CallOp is the `call` row: client calls proc on server.
var CallOp = &scenarios.Op{Name: "call", Order: 120,
	Keys:       []scenarios.OpKey{{Name: "client", Required: true}, {Name: "server", Required: true}, {Name: "proc", Required: true}, {Name: "args"}},
	Executions: true,
	Doc:        "RPC to the demo service.",
	Check:      checkCall,
	Describe:   func(s *scenarios.Step) string { return fmt.Sprintf("%s(%s) on %s", s.Proc, s.Args, s.Server) },
}

// checkCall checks a call row the way the driver reads it: two nodes, a
// procedure of the demo service and the arguments it takes (DemoArgs,
// which the driver marshals the same way).
func checkCall(c *scenarios.RowCheck) {
	st := c.Step
	if st.Client == st.Server {
		c.Errorf("server", "server: a call row needs two different nodes, got %s as client and server", st.Client)
	}
	if _, ok := rpc.DemoProc(st.Proc); !ok {
		c.Errorf("proc", "proc: %q is not a procedure of the demo service%s", st.Proc,
			scenarios.DidYouMean(st.Proc, rpc.DemoProcs, "procedures"))
		return
	}
	if _, err := rpc.DemoArgs(st.Proc, st.Args); err != nil {
		if !c.Has("args") {
			c.Errorf("args", "missing key \"args\": proc %s needs args (%v)", st.Proc, err)
			return
		}
		c.Errorf("args", "args: %v", err)
	}
}

// checkCallSize checks that a call row's CALL message fits what carries
// it: one UDP datagram (transport udp), or one message of the reliable
// transport with its record mark (transport reliable). The RPC layer does
// not fragment, so a larger call would never leave the client.
func checkCallSize(c *scenarios.RowCheck) {
	st := c.Step
	p, ok := rpc.DemoProc(st.Proc)
	args, err := rpc.DemoArgs(st.Proc, st.Args)
	if !ok || err != nil {
		return // checkCall reported it
	}
	limit, over := MaxCall(c.Decoder().Scenario().Block(block.Name).(*Options).Transport)
	if n := rpc.CallSize(p, st.Client, args); n > limit {
		c.Errorf("args", "args: the call is %d bytes, more than %s carries (%d bytes): RPC does not fragment a call",
			n, over, limit)
	}
}

// MaxCall is the largest RPC message the transport carries, and what it
// is: one UDP datagram's payload, or over the reliable transport one
// message less the record mark that precedes it (RFC 5531 §11).
func MaxCall(transport string) (int, string) {
	if transport == "reliable" {
		return reliable.MaxPayload - len(rpc.AppendRecord(nil, nil, 0)), "one message of the reliable transport (rpc.transport reliable)"
	}
	return udp.MaxPayload, "one UDP datagram (rpc.transport udp)"
}

// Options configure system rpc (the `rpc:` block).
type Options struct {
	// Semantics is at_least_once (default) or at_most_once.
	Semantics string
	// Transport is udp (default: the reply is the ACK) or reliable.
	Transport string
	// Timeout is the retransmission timeout (default 100ms).
	Timeout time.Duration
	// Backoff doubles the interval at every retransmission of a call, up
	// to MaxTimeout (default true).
	Backoff bool
	// MaxTimeout caps the backed-off interval (default 60s).
	MaxTimeout time.Duration
	// MaxAttempts bounds the sends of one call; 0 (default) retries
	// forever.
	MaxAttempts int
	// Workers is the number of server threads (default 1).
	Workers int
	// AckAfter is how long a call or result may go unacknowledged before
	// an explicit ACK or probe is sent (default: Timeout).
	AckAfter time.Duration
	// Auth is the calls' credential flavor: sys (default, AUTH_SYS) or
	// none (AUTH_NONE).
	Auth string
	// DRCCache is what the duplicate-request cache keeps:
	// non_idempotent (default) or all.
	DRCCache string
}

// Bounds of the rpc options.
const (
	maxAttempts = 1_000_000
	maxWorkers  = 1000
)

// block is the `rpc:` block. When a file sets timeout but not
// ack_after, ack_after follows the timeout.
var block = &scenarios.Block{Name: "rpc", Order: 50,
	New: func() any {
		return &Options{Semantics: "at_least_once", Transport: "udp", Timeout: 100 * time.Millisecond,
			Backoff: true, MaxTimeout: rpc.DefaultMaxTimeout, Workers: 1, AckAfter: 100 * time.Millisecond, Auth: "sys", DRCCache: "non_idempotent"}
	},
	Options: []scenarios.Option{
		scenarios.EnumOption("semantics", "`at_least_once`", "`at_least_once` (every copy of a call that arrives is executed) or `at_most_once` (the server's duplicate-request cache answers repeats, see `drc_cache`; it is volatile, so a crash loses it).",
			[]string{"at_least_once", "at_most_once"}, func(o *Options) *string { return &o.Semantics }),
		scenarios.EnumOption("transport", "`udp`", "`udp` (the reply is the ACK of the call) or `reliable`.",
			[]string{"udp", "reliable"}, func(o *Options) *string { return &o.Transport }),
		scenarios.DurationOption("timeout", "`100ms`", "Retransmission interval: the wait after a call's first transmission.", true,
			func(o *Options) *time.Duration { return &o.Timeout }),
		scenarios.BoolOption("backoff", "`true`", "Double the interval at every retransmission of a call, up to `max_timeout` (the lecture's \"for each missing ack, wait longer between retries\"); `false`: retransmit every `timeout`.",
			func(o *Options) *bool { return &o.Backoff }),
		scenarios.DurationOption("max_timeout", "`60s`", "The cap of the backed-off interval.", true,
			func(o *Options) *time.Duration { return &o.MaxTimeout }),
		scenarios.IntOption("max_attempts", "`0`", "Sends before the call fails with `ETIMEDOUT`; `0` retries forever.", 0, maxAttempts,
			func(o *Options) *int { return &o.MaxAttempts }),
		scenarios.IntOption("workers", "`1`", "Server threads: calls queue when all are busy.", 1, maxWorkers,
			func(o *Options) *int { return &o.Workers }),
		scenarios.DurationOption("ack_after", "`timeout`", "How long a call or result may go unacknowledged before an explicit ACK (long calls get ACKs and probes).", true,
			func(o *Options) *time.Duration { return &o.AckAfter }),
		scenarios.EnumOption("drc_cache", "`non_idempotent`", "What the duplicate-request cache keeps: the replies of `non_idempotent` procedures (`increment`, `append`: a repeat of a completed `read` or `sleep` runs again), as NFS servers do, or `all`.",
			[]string{"non_idempotent", "all"}, func(o *Options) *string { return &o.DRCCache }),
		scenarios.EnumOption("auth", "`sys`", "The calls' credentials (RFC 5531): `sys` (AUTH_SYS: the node's name, uid 0; it carries the implicit ACK of earlier results) or `none` (AUTH_NONE: every result is acknowledged explicitly).",
			[]string{"sys", "none"}, func(o *Options) *string { return &o.Auth }),
	},
	Check: func(c *scenarios.BlockCheck) {
		o := c.Value.(*Options)
		if !c.Has("ack_after") {
			o.AckAfter = o.Timeout
		}
		if _, err := rpc.ParseSemantics(o.Semantics); err != nil && c.OK("semantics") {
			c.Errorf("semantics", "semantics: %v", err)
		}
	},
}

// driver runs `call` rows against the RPC runtime (protocols/rpc) and its
// demo service. Every node is a udp.Host whose Port carries an rpc.Node
// hosting a client and a server with the demo service, either directly
// (transport udp: the RPC layer retransmits and acknowledges itself) or on a
// reliable.Endpoint (transport reliable). A crash loses the Node, and with
// it the client's calls and the server's duplicate-request cache; the
// restarted node rebuilds the demo's state from its disk.
type driver struct {
	log   *CallLog
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
	// calls[i] counts the calls row i made: a program step's row makes
	// one per iteration.
	calls map[int]int
}

// callOptions converts the scenario's rpc block. The scenario's ack_after is
// the client's: how long a result waits for the next call to acknowledge it
// before an explicit ACK, and the interval between probes. The server ACKs
// a call it holds after half of it, so that by default (ack_after =
// timeout) the ACK reaches the client before its next retransmission would
// fire and a long call is not sent, and at least once run, again.
func callOptions(sc *scenarios.Scenario) (rpc.Options, rpc.ServerOptions, error) {
	o := sc.Block("rpc").(*Options)
	sem, err := rpc.ParseSemantics(o.Semantics)
	if err != nil {
		return rpc.Options{}, rpc.ServerOptions{}, fmt.Errorf("%s: rpc: %v", sc.File, err)
	}
	// The lecture's RPC: Birrell & Nelson's ACKs and probes, on the
	// standard messages (see rpc.AckProgram).
	c := rpc.Options{Semantics: sem, BirrellNelson: true, Auth: rpc.AuthSys, Timeout: o.Timeout, Backoff: o.Backoff, MaxTimeout: o.MaxTimeout,
		MaxAttempts: o.MaxAttempts, AckAfter: o.AckAfter}
	s := rpc.ServerOptions{Semantics: sem, BirrellNelson: true, Workers: o.Workers, AckAfter: o.AckAfter / 2,
		CacheAll: o.DRCCache == "all"}
	if o.Auth == "none" {
		c.Auth = rpc.AuthNone
	}
	if o.Transport == "reliable" {
		c.Reliable, s.Reliable = true, true
	}
	// A reply larger than the transport carries (a read of a long log)
	// is SYSTEM_ERR, not a reply lost below for ever.
	s.MaxMessage, _ = MaxCall(o.Transport)
	return c, s, nil
}

// Setup implements scenarios.Driver.
func (d *driver) Setup(r *scenarios.SystemRun) error {
	var err error
	if d.copts, d.sopts, err = callOptions(r.Scenario); err != nil {
		return err
	}
	d.overUDP = !d.copts.Reliable
	if !d.overUDP {
		if d.ropts, err = reliabledriver.TransportOptions(r.Scenario); err != nil {
			return err
		}
	}
	d.args = make([][]byte, len(r.Scenario.Workload))
	for i := range r.Scenario.Workload {
		st := &r.Scenario.Workload[i]
		if st.Op != "call" {
			continue
		}
		// checkCall made the same conversion when the scenario loaded.
		if d.args[i], err = rpc.DemoArgs(st.Proc, st.Args); err != nil {
			return fmt.Errorf("%s:%d:%d: args: %v", r.Scenario.File, st.Pos.Line, st.Pos.Col, err)
		}
	}
	d.log = NewCallLog(r)
	d.obs = &rpcObserver{CallLog: d.log, cached: map[rpc.CallID]int{}, dropped: map[rpc.CallID]int{},
		firstAck: map[rpc.CallID]sim.Time{}, live: map[rpc.CallID]*Repeat{}}
	d.ids = map[int]rpc.CallID{}
	d.calledInc = map[int]uint32{}
	d.done = map[int]bool{}
	d.calls = map[int]int{}
	r.UseNetwork()
	for _, n := range r.Scenario.Nodes {
		r.World.AddNode(n.Name, func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			h.Bind(Port, func(penv sim.Env) sim.Handler {
				if d.overUDP {
					return d.newNode(&rpcTap{Env: penv, obs: d.obs})
				}
				return reliable.NewEndpoint(penv, d.ropts, func(uenv sim.Env) sim.Handler {
					// RPC over a stream: record marking (RFC 5531 §11).
					return rpc.NewRecordStream(uenv, func(renv sim.Env) sim.Handler {
						return d.newNode(&rpcTap{Env: renv, obs: d.obs})
					})
				}, nil)
			})
			return h
		})
	}
	return nil
}

// newNode builds one life of a node's RPC runtime: a client, and a server
// with the demo service, whose state comes from the node's disk.
func (d *driver) newNode(env sim.Env) sim.Handler {
	n := rpc.NewNode(env)
	n.AddClient(d.copts, d.obs)
	rpc.RegisterDemo(n.AddServer(d.sopts, d.obs))
	return n
}

// rpcNode returns a node's current rpc.Node, or nil while it is down.
func (d *driver) rpcNode(r *scenarios.SystemRun, id sim.NodeID) *rpc.Node {
	h, ok := r.World.Handler(id).(*udp.Host)
	if !ok {
		return nil
	}
	switch p := h.Handler(Port).(type) {
	case *rpc.Node:
		return p
	case *reliable.Endpoint:
		if rs, ok := p.Upper().(*rpc.RecordStream); ok {
			n, _ := rs.Upper().(*rpc.Node)
			return n
		}
	}
	return nil
}

// Step implements scenarios.Driver.
func (d *driver) Step(r *scenarios.SystemRun, i int) {
	s := &r.Scenario.Workload[i]
	st := &r.Result.Steps[i]
	if s.Op != "call" {
		r.Unsupported(i)
		return
	}
	client, server := r.Node(s.Client), r.Node(s.Server)
	n := d.rpcNode(r, client)
	if n == nil {
		st.Result = "EHOSTDOWN"
		st.Note = fmt.Sprintf("client %s is down: no call", s.Client)
		d.done[i] = true
		return
	}
	start := r.World.Now()
	d.calledInc[i] = r.World.Env(client).Incarnation()
	// A program step's row is the same client's call of the previous
	// iteration until now, which has returned.
	d.done[i] = false
	d.calls[i]++
	call := d.calls[i]
	proc, _ := rpc.DemoProc(s.Proc) // setup checked the name
	d.ids[i] = n.Client.Call(server, proc, d.args[i], func(result []byte, err error) {
		if d.calls[i] != call {
			return // a call of an earlier iteration, whose row this is no more
		}
		d.done[i] = true
		st := &r.Result.Steps[i]
		st.Result = rpc.ErrorName(err)
		st.Latency = sim.FormatDuration(r.World.Now().Sub(start))
		if err == nil && s.Proc != rpc.ProcSleep {
			if v, verr := rpc.DemoValue(s.Proc, result); verr == nil {
				st.Value = &v
			} else {
				st.Result = "EBADRPC"
				st.Note = "the reply did not unmarshal: " + verr.Error()
			}
		}
		r.Done(i)
	})
}

// Fault implements scenarios.Driver: rpc accepts no fault of its own.
func (d *driver) Fault(r *scenarios.SystemRun, f *scenarios.Fault) bool { return false }

// Finish implements scenarios.Driver.
func (d *driver) Finish(r *scenarios.SystemRun) {
	for i := range r.Scenario.Workload {
		s := &r.Scenario.Workload[i]
		if s.Op != "call" {
			continue
		}
		st := &r.Result.Steps[i]
		id, called := d.ids[i]
		if !called {
			continue
		}
		if !d.done[i] {
			// No outcome: the client crashed with the call outstanding
			// (its callback went with it), or the run ended first.
			client := r.Node(s.Client)
			if !r.World.Up(client) || r.World.Env(client).Incarnation() != d.calledInc[i] {
				st.Result = "ECANCELED"
				st.Note = fmt.Sprintf("client %s crashed before the reply", s.Client)
			} else {
				st.Result = "EINPROGRESS"
				st.Note = "no reply by the end of the run"
			}
		}
		ex := d.log.executions[id]
		st.Executions = &ex
		st.Note = report.JoinNote(st.Note, d.describe(st, id, ex))
	}
	r.Result.Evidence = d.obs.repeats
	d.disk(r)
}

// describe summarises what became of a call for its step's note: first
// what the client saw (the reply and when), then what the server did, which
// the client cannot see.
func (d *driver) describe(st *report.Step, id rpc.CallID, executions int) string {
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
		client = append(client, "("+report.Plural(n, "probe", "probes")+")")
	}
	server := []string{"server executed it " + times(executions)}
	if n := d.obs.cached[id]; n > 0 {
		server = append(server, "answered "+times(n)+" from its duplicate-request cache")
	}
	if n := d.obs.dropped[id]; n > 0 {
		server = append(server, "dropped "+report.Plural(n, "repeat", "repeats"))
	}
	if n := d.obs.callAcks[id]; n > 0 {
		server = append(server, fmt.Sprintf("sent %s, the first at %s", report.Plural(n, "explicit ACK", "explicit ACKs"),
			report.TableTime(d.obs.firstAck[id])))
	}
	return report.JoinNote(strings.Join(client, " "), strings.Join(server, ", "))
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
func (d *driver) disk(r *scenarios.SystemRun) {
	for _, n := range r.Scenario.Nodes {
		id := r.Node(n.Name)
		if _, ok := r.World.Disk(id).Get(rpc.DemoDiskKey); !ok {
			continue
		}
		state, err := rpc.ReadDemoDisk(r.World.Disk(id))
		if err != nil {
			continue
		}
		if r.Result.Disk == nil {
			r.Result.Disk = map[string][]string{}
		}
		r.Result.Disk[n.Name+"/counter"] = []string{fmt.Sprint(state.Counter)}
		r.Result.Disk[n.Name+"/log"] = append([]string{}, state.Log...)
	}
}

// rpcObserver is the run's callLog plus the counts the step notes show:
// repeats a server answered from its cache or dropped, and the explicit
// ACKs and probes of long calls (counted by rpcTap).
type rpcObserver struct {
	*CallLog
	cached, dropped  map[rpc.CallID]int
	callAcks, probes map[rpc.CallID]int
	// firstAck is when the server sent its first explicit ACK of a call.
	firstAck map[rpc.CallID]sim.Time
	// live holds the program steps' calls not yet done, and repeats
	// those that ran more than once (at most maxRepeats): the evidence
	// of at_most_once for program steps, which keeps no call once it is
	// done.
	live    map[rpc.CallID]*Repeat
	repeats []Repeat
}

// Repeat is a program step's call and how many times servers ran it.
type Repeat struct {
	Client, Server, Proc, Args string
	At                         sim.Time
	Executions                 int
}

// maxRepeats bounds the program calls the evidence of at_most_once
// lists.
const maxRepeats = 100

// CallStarted implements rpc.Observer: a program step's own call is
// followed until it is done.
func (o *rpcObserver) CallStarted(at sim.Time, from, to sim.NodeID, proc string, id rpc.CallID) {
	o.CallLog.CallStarted(at, from, to, proc, id)
	r := o.CallLog.r
	if i := r.Current(); i >= r.Rows() {
		s := &r.Scenario.Workload[i]
		o.live[id] = &Repeat{Client: s.Client, Server: s.Server, Proc: s.Proc, Args: s.Args, At: at}
	}
}

// Executed implements rpc.Observer.
func (o *rpcObserver) Executed(at sim.Time, server sim.NodeID, proc string, id rpc.CallID) {
	if c := o.live[id]; c != nil {
		c.Executions++
	}
	o.CallLog.Executed(at, server, proc, id)
}

// CallDone implements rpc.Observer: a program step's call that ran more
// than once by now is listed. (A copy that runs after the reply is not
// seen: the call is forgotten.)
func (o *rpcObserver) CallDone(at sim.Time, id rpc.CallID, err error) {
	if c := o.live[id]; c != nil {
		delete(o.live, id)
		if c.Executions > 1 && len(o.repeats) < maxRepeats {
			o.repeats = append(o.repeats, *c)
		}
	}
	o.CallLog.CallDone(at, id, err)
}

// CachedReply implements rpc.Observer.
func (o *rpcObserver) CachedReply(at sim.Time, server sim.NodeID, id rpc.CallID) {
	if o.rowCall(id) {
		o.cached[id]++
	}
	o.CallLog.CachedReply(at, server, id)
}

// Dropped implements rpc.Observer.
func (o *rpcObserver) Dropped(at sim.Time, server sim.NodeID, id rpc.CallID, reason string) {
	if o.rowCall(id) {
		o.dropped[id]++
	}
	o.CallLog.Dropped(at, server, id, reason)
}

// rpcTap is the env below an rpc.Node, watched: it counts the explicit ACKs
// of calls and the probes that leave the node, per call. The Observer does
// not report them, and they are what a long call is made of.
type rpcTap struct {
	sim.Env
	obs *rpcObserver
}

// TagBits passes on the tag budget of the env watched (see stack.Bits).
func (t *rpcTap) TagBits() int { return stack.Bits(t.Env) }

// Send implements sim.Env.
func (t *rpcTap) Send(to sim.NodeID, msg []byte, label string) {
	if m, err := rpc.Decode(msg); err == nil {
		switch m.Kind {
		case rpc.KindAckCall:
			m.ID.Client = to // the server acknowledges the call of node to
			t.obs.count(&t.obs.callAcks, m.ID)
			if _, seen := t.obs.firstAck[m.ID]; !seen && t.obs.rowCall(m.ID) {
				t.obs.firstAck[m.ID] = t.Now()
			}
		case rpc.KindProbe:
			m.ID.Client = t.Self() // the client probes its own call
			t.obs.count(&t.obs.probes, m.ID)
		}
	}
	t.Env.Send(to, msg, label)
}

func (o *rpcObserver) count(m *map[rpc.CallID]int, id rpc.CallID) {
	if !o.rowCall(id) {
		return // only a row's note shows them (describe)
	}
	if *m == nil {
		*m = map[rpc.CallID]int{}
	}
	(*m)[id]++
}
