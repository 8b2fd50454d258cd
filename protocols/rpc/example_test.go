package rpc_test

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/sim"
)

// loseFirstReply is a network with a 5ms delay that loses the first reply
// it carries: the lecture's lost reply.
type loseFirstReply struct{ lost bool }

func (n *loseFirstReply) Transmit(_ sim.Time, _, _ sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	if m, err := rpc.Decode(msg); err == nil && m.Kind == rpc.KindReply && !n.lost {
		n.lost = true
		return out, "loss"
	}
	return append(out, sim.Arrival{Delay: 5 * time.Millisecond, Msg: msg}), ""
}

// A client appends to a server's log through the typed stub, as if it were
// a local call. The first reply is lost and the client retransmits; under
// at-most-once the server answers the repeat from its duplicate-request
// cache, so "x" is appended once.
func Example() {
	w := sim.New(sim.Config{Seed: 1, Network: &loseFirstReply{}})
	server := w.AddNode("S", func(env sim.Env) sim.Handler {
		s := rpc.NewServer(env, rpc.ServerOptions{Semantics: rpc.AtMostOnce}, nil)
		rpc.RegisterDemo(s)
		return s
	})
	client := w.AddNode("A", func(env sim.Env) sim.Handler {
		return rpc.NewClient(env, rpc.Options{Semantics: rpc.AtMostOnce, Timeout: 100 * time.Millisecond}, nil)
	})

	stub := rpc.DemoClient{C: w.Handler(client).(*rpc.Client)}
	stub.Append(server, "x", func(n int, err error) {
		fmt.Printf("%s: append(x) = %d, %v\n", w.Now(), n, err)
		stub.Read(server, func(st rpc.DemoState, err error) {
			fmt.Printf("%s: read() = %s, %v\n", w.Now(), st, err)
		})
	})
	if err := w.Run(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 110ms: append(x) = 1, <nil>
	// 120ms: read() = counter=0 log=[x], <nil>
}

// One node can host both a client and a server: a Node routes each message
// and timer to the right one.
func ExampleNode() {
	w := sim.New(sim.Config{Seed: 1, Network: &loseFirstReply{lost: true}})
	build := func(env sim.Env) sim.Handler {
		n := rpc.NewNode(env)
		n.AddClient(rpc.Options{}, nil)
		rpc.RegisterDemo(n.AddServer(rpc.ServerOptions{}, nil))
		return n
	}
	a := w.AddNode("A", build)
	b := w.AddNode("B", build)
	call := func(from, to sim.NodeID) {
		rpc.DemoClient{C: w.Handler(from).(*rpc.Node).Client}.Increment(to, func(v uint64, err error) {
			fmt.Printf("%s increments %s: %d, %v\n", w.Name(from), w.Name(to), v, err)
		})
	}
	call(a, b)
	call(b, a)
	call(a, b)
	if err := w.Run(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// A increments B: 1, <nil>
	// B increments A: 1, <nil>
	// A increments B: 2, <nil>
}
