package reliable_test

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/protocols/reliable"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
)

// dropFifth is a network with a constant 10ms delay that loses the fifth
// datagram handed to it.
type dropFifth struct{ n int }

func (d *dropFifth) Transmit(now sim.Time, from, to sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	d.n++
	if d.n == 5 {
		return out, "loss"
	}
	return append(out, sim.Arrival{Delay: 10 * time.Millisecond, Msg: msg}), ""
}

// app is the application: it notes in the trace what it is handed.
type app struct{ env sim.Env }

func (a *app) Receive(from sim.NodeID, msg []byte) {
	a.env.Trace("app", fmt.Sprintf("got %q from %s", msg, a.env.NodeName(from)))
}
func (a *app) Timer(uint64) {}

// Each node stacks the layers the way every protocol of the simulator does:
// a udp.Host is the node's handler, a reliable.Endpoint is bound to a port,
// and the application sits on the Endpoint's env. The three-way handshake
// comes first; then DATA 2 is lost, and B buffers DATA 3 and 4 until the
// retransmission of DATA 2 fills the hole. These are the zero Options, the
// lecture's transport: the timer alone repairs the loss.
func Example() {
	w := sim.New(sim.Config{Seed: 1, Network: &dropFifth{}, KeepTrace: true})
	apps := map[string]*app{}
	eps := map[string]*reliable.Endpoint{}
	opts := reliable.Options{InitialRTO: 100 * time.Millisecond, G: time.Millisecond}
	node := func(name string) sim.Factory {
		return func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			h.Bind(9, func(penv sim.Env) sim.Handler {
				eps[name] = reliable.NewEndpoint(penv, opts, func(uenv sim.Env) sim.Handler {
					apps[name] = &app{env: uenv}
					return apps[name]
				}, nil)
				return eps[name]
			})
			return h
		}
	}
	w.AddNode("A", node("A"))
	b := w.AddNode("B", node("B"))
	w.At(0, func() {
		for _, m := range []string{"m1", "m2", "m3", "m4"} {
			apps["A"].env.Send(b, []byte(m), "MSG")
		}
	})
	if err := w.Run(); err != nil {
		fmt.Println(err)
	}
	for _, r := range w.Trace().Records() {
		switch r.Kind {
		case sim.KindSend:
			fmt.Printf("%-5s %s sends %s\n", r.At, w.Name(r.Node), r.Label)
		case sim.KindDrop:
			fmt.Printf("%-5s %s lost\n", r.At, r.Label)
		case sim.KindNote:
			fmt.Printf("%-5s %s %s: %s\n", r.At, w.Name(r.Node), r.Label, r.Info)
		}
	}
	st := eps["A"].Stats(b)
	fmt.Printf("A: %d segments, %d retransmission, RTO %v\n", st.Segments, st.Retransmissions, st.RTO)
	// Output:
	// 0s    A reliable: connection with B: CLOSED -> SYN_SENT
	// 0s    A sends SYN
	// 10ms  B reliable: connection with A: CLOSED -> SYN_RCVD
	// 10ms  B sends SYN-ACK
	// 20ms  A sends ACK 1
	// 20ms  A reliable: connection with B: SYN_SENT -> ESTABLISHED
	// 20ms  A sends DATA 1
	// 20ms  A sends DATA 2
	// 20ms  DATA 2 lost
	// 20ms  A sends DATA 3
	// 20ms  A sends DATA 4
	// 30ms  B reliable: connection with A: SYN_RCVD -> ESTABLISHED
	// 30ms  B app: got "m1" from A
	// 30ms  B sends ACK 2
	// 30ms  B reliable: buffer DATA 3 from A: waiting for 2
	// 30ms  B sends ACK 2
	// 30ms  B reliable: buffer DATA 4 from A: waiting for 2
	// 30ms  B sends ACK 2
	// 90ms  A reliable: timeout: retransmit DATA 2 to B (RTO 50ms -> 100ms)
	// 90ms  A sends DATA 2
	// 100ms B app: got "m2" from A
	// 100ms B app: got "m3" from A
	// 100ms B app: got "m4" from A
	// 100ms B sends ACK 5
	// A: 5 segments, 1 retransmission, RTO 100ms
}
