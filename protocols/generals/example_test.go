package generals_test

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/protocols/generals"
	"github.com/sim-lecture/sim/sim"
)

// loseLast delivers every messenger after 10ms except the third.
type loseLast struct{ n int }

func (l *loseLast) Transmit(now sim.Time, from, to sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	l.n++
	if l.n == 3 {
		return out, "lost"
	}
	return append(out, sim.Arrival{Delay: 10 * time.Millisecond, Msg: msg}), ""
}

// history prints what the observer hears.
type history struct{ w *sim.World }

func (h history) Sent(at sim.Time, agreement, k int, from, to sim.NodeID) {
	fmt.Printf("%s: %s sends %s to %s\n", at, h.w.Name(from), generals.Label(k), h.w.Name(to))
}
func (h history) Arrived(at sim.Time, agreement, k int) {
	fmt.Printf("%s: %s arrives\n", at, generals.Label(k))
}

// Three messengers (plan, ACK, AckAck), the AckAck lost: A, which sent it,
// attacks; B, which never got it, holds back.
func Example() {
	w := sim.New(sim.Config{Seed: 1, Network: &loseLast{}})
	g := map[string]*generals.General{}
	for _, name := range []string{"A", "B"} {
		w.AddNode(name, func(env sim.Env) sim.Handler {
			g[name] = generals.New(env, history{w})
			return g[name]
		})
	}
	b, _ := w.Lookup("B")
	w.At(0, func() { g["A"].Propose(b, 1, 3) })
	if err := w.Run(); err != nil {
		fmt.Println(err)
	}
	fmt.Println("A attacks:", g["A"].Attacks(1, 3, true), "B attacks:", g["B"].Attacks(1, 3, false))
	// Output:
	// 0s: A sends PLAN to B
	// 10ms: PLAN arrives
	// 10ms: B sends ACK to A
	// 20ms: ACK arrives
	// 20ms: A sends ACKACK to B
	// A attacks: true B attacks: false
}
