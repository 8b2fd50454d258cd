package nfs

import (
	"strings"
	"testing"
	"time"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
)

// These tests run the NFS layers in the real kernel over a small test
// network: a constant one-way delay, and drops the test scripts.

const ms = time.Millisecond

// testNet delays every message by delay. drop, when set, loses the messages
// it returns true for.
type testNet struct {
	delay time.Duration
	drop  func(now sim.Time, from, to sim.NodeID, msg []byte) bool
}

func (n *testNet) Transmit(now sim.Time, from, to sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	if n.drop != nil && n.drop(now, from, to, msg) {
		return out, "scripted"
	}
	return append(out, sim.Arrival{Delay: n.delay, Msg: msg}), ""
}

// callRec is one RPC a test saw start.
type callRec struct {
	at       sim.Time
	from     sim.NodeID
	proc     string
	id       rpc.CallID
	attempts []sim.Time
	execs    int
}

// recorder is the tests' rpc.Observer.
type recorder struct {
	rpc.BaseObserver
	calls []*callRec
	byID  map[rpc.CallID]*callRec
}

func newRecorder() *recorder { return &recorder{byID: map[rpc.CallID]*callRec{}} }

func (r *recorder) CallStarted(at sim.Time, from, to sim.NodeID, proc string, id rpc.CallID) {
	c := &callRec{at: at, from: from, proc: proc, id: id}
	r.calls = append(r.calls, c)
	r.byID[id] = c
}

func (r *recorder) Attempt(at sim.Time, id rpc.CallID, n int) {
	if c := r.byID[id]; c != nil {
		c.attempts = append(c.attempts, at)
	}
}

func (r *recorder) Executed(at sim.Time, server sim.NodeID, proc string, id rpc.CallID) {
	if c := r.byID[id]; c != nil {
		c.execs++
	}
}

// procsBetween lists the procs of the calls started in [from, to), except
// the clients' GETPORT and MNT calls at boot.
func (r *recorder) procsBetween(from, to sim.Time) []string {
	out := []string{}
	for _, c := range r.calls {
		if c.at >= from && c.at < to && c.proc != ProcMnt && c.proc != rpc.PmapGetport.Name {
			out = append(out, c.proc)
		}
	}
	return out
}

// cluster is a world with one NFS server named "server" and some clients.
type cluster struct {
	t       *testing.T
	w       *sim.World
	net     *testNet
	rec     *recorder
	server  sim.NodeID
	api     API // the server's
	clients map[string]sim.NodeID
	results []opResult
}

// opResult is a finished operation.
type opResult struct {
	client string
	op     Op
	at     sim.Time // when it was issued
	done   sim.Time
	res    Result
}

func newCluster(t *testing.T, sopts ServerOptions, copts ClientOptions, clients ...string) *cluster {
	t.Helper()
	c := &cluster{t: t, net: &testNet{delay: 5 * ms}, rec: newRecorder(), api: sopts.API, clients: map[string]sim.NodeID{}}
	c.w = sim.New(sim.Config{Seed: 1, Network: c.net, DiskWriteLatency: 10 * ms, MaxTime: sim.Time(time.Hour), KeepTrace: true})
	c.server = c.w.AddNode("server", serverNode(t, sopts, c.rec))
	for _, name := range clients {
		c.clients[name] = c.w.AddNode(name, clientNode(copts, c.rec))
	}
	return c
}

// serverNode is the factory of a file server's node: a udp.Host that
// BindServer makes a server.
func serverNode(t testing.TB, opts ServerOptions, rpcObs rpc.Observer) sim.Factory {
	return func(env sim.Env) sim.Handler {
		h := udp.NewHost(env)
		if _, err := BindServer(h, opts, rpcObs, nil); err != nil {
			t.Fatalf("BindServer: %v", err)
		}
		return h
	}
}

// clientNode is the factory of a client's node.
func clientNode(opts ClientOptions, obs rpc.Observer) sim.Factory {
	return func(env sim.Env) sim.Handler {
		h := udp.NewHost(env)
		BindClient(h, opts, obs)
		return h
	}
}

// serverOf and clientOf find the server or the client of a node that is up.
func serverOf(w *sim.World, id sim.NodeID) *ServerNode {
	n, _ := ServerOn(w.Handler(id))
	return n
}

func clientOf(w *sim.World, id sim.NodeID) *Client {
	c, _ := ClientOn(w.Handler(id))
	return c
}

func (c *cluster) client(name string) *Client { return clientOf(c.w, c.clients[name]) }

func (c *cluster) srv() *Server { return serverOf(c.w, c.server).Server() }

// do schedules op on a client at time at (seconds).
func (c *cluster) do(at float64, client string, op Op) {
	t := sim.Time(at * float64(time.Second))
	c.w.At(t, func() {
		issued := c.w.Now()
		c.client(client).Do(op, func(res Result) {
			c.results = append(c.results, opResult{client: client, op: op, at: issued, done: c.w.Now(), res: res})
		})
	})
}

func (c *cluster) run() {
	c.t.Helper()
	if err := c.w.Run(); err != nil {
		c.t.Fatalf("Run: %v", err)
	}
}

// result returns the result of the op issued at time at by client.
func (c *cluster) result(at float64, client string) opResult {
	c.t.Helper()
	t := sim.Time(at * float64(time.Second))
	for _, r := range c.results {
		if r.at == t && r.client == client {
			return r
		}
	}
	c.t.Fatalf("no result for %s at %vs", client, at)
	return opResult{}
}

func secs(s float64) sim.Time { return sim.Time(s * float64(time.Second)) }

func joined(s []string) string { return strings.Join(s, ",") }
