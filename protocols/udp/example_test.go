package udp_test

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
)

// flipNet delivers every datagram after 1ms, but flips one bit of the
// second one, the way a noisy link would.
type flipNet struct{ n int }

func (f *flipNet) Transmit(now sim.Time, from, to sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	f.n++
	if f.n == 2 {
		bad := append([]byte(nil), msg...)
		bad[len(bad)-1] ^= 0x01
		return append(out, sim.Arrival{Delay: time.Millisecond, Msg: bad, Fate: sim.Corrupted}), ""
	}
	return append(out, sim.Arrival{Delay: time.Millisecond, Msg: msg}), ""
}

// echo is a service on port 7 that prints what it receives.
type echo struct{ env sim.Env }

func (e *echo) Receive(from sim.NodeID, msg []byte) {
	fmt.Printf("%s: %s got %q from %s\n", e.env.Now(), e.env.Name(), msg, e.env.NodeName(from))
}
func (e *echo) Timer(uint64) {}

// A node is a udp.Host with services bound to ports. The second datagram is
// corrupted on the way: the checksum catches it and, to the application, it
// is simply lost.
func Example() {
	w := sim.New(sim.Config{Seed: 1, Network: &flipNet{}})
	var hosts = map[string]*udp.Host{}
	var apps = map[string]*echo{}
	node := func(name string) sim.Factory {
		return func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			h.Bind(7, func(penv sim.Env) sim.Handler {
				apps[name] = &echo{env: penv}
				return apps[name]
			})
			hosts[name] = h
			return h
		}
	}
	w.AddNode("A", node("A"))
	b := w.AddNode("B", node("B"))
	for i, word := range []string{"one", "two", "three"} {
		w.At(sim.Time(i)*sim.Time(time.Millisecond), func() { apps["A"].env.Send(b, []byte(word), "MSG") })
	}
	if err := w.Run(); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("B: %+v\n", hosts["B"].Stats())
	// Output:
	// 1ms: B got "one" from A
	// 3ms: B got "three" from A
	// B: {Sent:0 TooLong:0 Delivered:2 Rejected:1 Malformed:0 NoPort:0}
}
