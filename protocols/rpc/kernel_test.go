package rpc

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/sim"
)

// These tests run the RPC layer in the real kernel (sim.New) over a small
// test network, with every node a Node hosting a client, a server and the
// demo service.

// testNet is a sim.Network that loses and duplicates each message with
// fixed probabilities and delays it by base plus a uniform jitter, which
// reorders messages whose jitters differ by more than their spacing. drop,
// when set, loses the messages it returns true for (a scripted loss).
type testNet struct {
	r         *sim.Rand
	loss, dup float64
	base      time.Duration
	jitter    time.Duration
	drop      func(now sim.Time, from, to sim.NodeID, msg []byte) bool
}

func (n *testNet) delay() time.Duration {
	d := n.base
	if n.jitter > 0 {
		d += time.Duration(n.r.Int63n(int64(n.jitter)))
	}
	return d
}

func (n *testNet) Transmit(now sim.Time, from, to sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	if n.drop != nil && n.drop(now, from, to, msg) {
		return out, "scripted"
	}
	if n.r.Bernoulli(n.loss) {
		return out, "loss"
	}
	out = append(out, sim.Arrival{Delay: n.delay(), Msg: msg})
	if n.r.Bernoulli(n.dup) {
		out = append(out, sim.Arrival{Delay: n.delay(), Msg: msg, Fate: sim.Duplicated})
	}
	return out, ""
}

// cluster is a world of RPC nodes.
type cluster struct {
	w     *sim.World
	rec   *recorder
	ids   []sim.NodeID
	calls []*kcall
}

// kcall is one call the test made and what came of it.
type kcall struct {
	from, to sim.NodeID
	proc     string
	arg      string
	id       CallID
	started  bool
	done     int
	value    string
	err      error
}

func newCluster(seed uint64, net sim.Network, names []string, copts Options, sopts ServerOptions, disk time.Duration) *cluster {
	c := &cluster{w: sim.New(sim.Config{Seed: seed, Network: net, DiskWriteLatency: disk, MaxTime: sim.Time(time.Hour), MaxEvents: 5_000_000}), rec: newRecorder()}
	for _, name := range names {
		c.ids = append(c.ids, c.w.AddNode(name, func(env sim.Env) sim.Handler {
			n := NewNode(env)
			n.AddClient(lecture(copts), c.rec)
			RegisterDemo(n.AddServer(lectureServer(sopts), c.rec))
			return n
		}))
	}
	return c
}

// call schedules a demo call.
func (c *cluster) call(at time.Duration, from, to sim.NodeID, proc, arg string) *kcall {
	k := &kcall{from: from, to: to, proc: proc, arg: arg}
	c.calls = append(c.calls, k)
	c.w.At(sim.Time(at), func() {
		n, ok := c.w.Handler(from).(*Node)
		if !ok {
			return // the caller is down: no call
		}
		args, err := DemoArgs(proc, arg)
		if err != nil {
			panic(err)
		}
		k.started = true
		p, ok := DemoProc(proc)
		if !ok {
			panic("no demo procedure " + proc)
		}
		k.id = n.Client.Call(to, p, args, func(b []byte, err error) {
			k.done++
			k.err = err
			if err == nil {
				k.value, _ = DemoValue(proc, b)
			}
		})
	})
	return k
}

func (c *cluster) state(id sim.NodeID) DemoState {
	st, err := ReadDemoDisk(c.w.Disk(id))
	if err != nil {
		panic(err)
	}
	return st
}

// Reference: lecture, "If server crashes, forgets which RPC's have been
// executed!" — in the real kernel, with a disk that takes 10ms.
func TestKernelServerCrash(t *testing.T) {
	for _, sem := range []Semantics{AtLeastOnce, AtMostOnce} {
		t.Run(sem.String(), func(t *testing.T) {
			net := &testNet{base: 5 * ms}
			c := newCluster(1, net, []string{"A", "S"}, Options{Semantics: sem}, ServerOptions{Semantics: sem}, 10*ms)
			net.r = c.w.Rand("net")
			a, s := c.ids[0], c.ids[1]
			// The first reply is lost; the server crashes before the
			// retransmission arrives and restarts at once.
			replies := 0
			net.drop = func(_ sim.Time, from, _ sim.NodeID, msg []byte) bool {
				if from == s && kindOf(msg) == KindReply {
					replies++
					return replies == 1
				}
				return false
			}
			k := c.call(0, a, s, ProcAppend, "x")
			c.w.At(sim.Time(50*ms), func() { c.w.Crash(s); c.w.Restart(s) })
			if err := c.w.Run(); err != nil {
				t.Fatal(err)
			}
			if k.done != 1 || k.err != nil || k.value != "2" {
				t.Errorf("call got %+v; want value 2 (the append ran twice)", k)
			}
			if got := c.rec.executed[k.id]; got != 2 {
				t.Errorf("executions %d; want 2 under either semantics", got)
			}
			if diff := cmp.Diff([]string{"x", "x"}, c.state(s).Log); diff != "" {
				t.Errorf("log (-want +got):\n%s", diff)
			}
		})
	}
}

// A node hosts a client and a server at once; two such nodes call each
// other over a lossy network, and the Node routes every message and timer
// to the right half.
func TestNodeHostsClientAndServer(t *testing.T) {
	net := &testNet{loss: 0.3, base: 3 * ms, jitter: 4 * ms}
	c := newCluster(7, net, []string{"A", "B"}, Options{Semantics: AtMostOnce}, ServerOptions{Semantics: AtMostOnce, ServiceTime: 30 * ms, AckAfter: 40 * ms}, 5*ms)
	net.r = c.w.Rand("net")
	a, b := c.ids[0], c.ids[1]
	for i := 0; i < 5; i++ {
		at := time.Duration(i) * 70 * ms
		c.call(at, a, b, ProcAppend, fmt.Sprintf("a%d", i))
		c.call(at, b, a, ProcAppend, fmt.Sprintf("b%d", i))
		c.call(at, a, a, ProcIncrement, "") // to itself
	}
	c.call(400*ms, b, a, ProcSleep, "500ms")
	if err := c.w.Run(); err != nil {
		t.Fatal(err)
	}
	for _, k := range c.calls {
		if k.done != 1 || k.err != nil || c.rec.executed[k.id] != 1 {
			t.Errorf("%s %s(%s): done %d, err %v, executions %d; want 1, nil, 1", c.w.Name(k.from), k.proc, k.arg, k.done, k.err, c.rec.executed[k.id])
		}
	}
	want := DemoState{Counter: 5, Log: []string{"b0", "b1", "b2", "b3", "b4"}}
	if diff := cmp.Diff(want, c.state(a)); diff != "" {
		t.Errorf("A's state (-want +got):\n%s", diff)
	}
	if got := c.state(b).Log; len(got) != 5 {
		t.Errorf("B's log %v; want a0..a4", got)
	}
}

// The same seed gives the same trace, event for event.
func TestKernelDeterminism(t *testing.T) {
	run := func() uint64 {
		net := &testNet{loss: 0.2, dup: 0.2, base: 2 * ms, jitter: 10 * ms}
		c := newCluster(42, net, []string{"A", "B", "S"}, Options{Semantics: AtMostOnce}, ServerOptions{Semantics: AtMostOnce, Workers: 2}, 3*ms)
		net.r = c.w.Rand("net")
		for i := 0; i < 20; i++ {
			c.call(time.Duration(i)*13*ms, c.ids[i%2], c.ids[2], ProcAppend, fmt.Sprint(i))
		}
		if err := c.w.Run(); err != nil {
			t.Fatal(err)
		}
		return c.w.Trace().Hash()
	}
	if h1, h2 := run(), run(); h1 != h2 {
		t.Errorf("trace hashes %x and %x differ", h1, h2)
	}
}

// lecture returns client options for the lecture's RPC: Birrell & Nelson's
// extensions, with AUTH_SYS to carry the implicit ACKs.
func lecture(o Options) Options {
	o.BirrellNelson, o.Auth = true, AuthSys
	return o
}

// lectureServer returns server options for the lecture's RPC.
func lectureServer(o ServerOptions) ServerOptions {
	o.BirrellNelson = true
	return o
}

// demoName returns the name of the demo procedure numbered num.
func demoName(num uint32) string {
	for _, p := range []Proc{DemoNull, DemoIncrement, DemoAppend, DemoRead, DemoSleep} {
		if p.Num == num {
			return p.Name
		}
	}
	return fmt.Sprintf("proc%d", num)
}
