package twopc_test

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/protocols/twopc"
	"github.com/sim-lecture/sim/sim"
)

// after10ms delivers every message 10ms after it is sent.
type after10ms struct{}

func (after10ms) Transmit(now sim.Time, from, to sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	return append(out, sim.Arrival{Delay: 10 * time.Millisecond, Msg: msg}), ""
}

// printer prints what the observer hears.
type printer struct{ w *sim.World }

func (p printer) Voted(at sim.Time, tx uint32, n sim.NodeID, yes bool) {
	fmt.Printf("%s: %s votes yes=%v on T%d\n", at, p.w.Name(n), yes, tx)
}

func (p printer) Decided(at sim.Time, tx uint32, n sim.NodeID, o twopc.Outcome, why string) {
	fmt.Printf("%s: %s decides %s on T%d (%s)\n", at, p.w.Name(n), o, tx, why)
}

// The coordinator crashes after both YES votes arrived but before its
// commit record is durable. The participants are in doubt and can only
// wait (blocking); the restarted coordinator finds a start-2PC record
// without a decision in its log and aborts.
func Example() {
	w := sim.New(sim.Config{Seed: 1, Network: after10ms{}, DiskWriteLatency: 10 * time.Millisecond})
	obs := printer{w}
	var coord *twopc.Coordinator
	cid := w.AddNode("C", func(env sim.Env) sim.Handler {
		coord = twopc.NewCoordinator(env, twopc.DefaultOptions(), obs)
		return coord
	})
	parts := map[string]*twopc.Participant{}
	var ids []sim.NodeID
	for _, name := range []string{"P1", "P2"} {
		ids = append(ids, w.AddNode(name, func(env sim.Env) sim.Handler {
			parts[name] = twopc.NewParticipant(env, twopc.DefaultOptions(), obs, nil)
			return parts[name]
		}))
	}
	w.At(0, func() { coord.Begin(1, ids) })
	// start-2PC durable at 10ms, PREPARE arrives at 20ms, the yes records
	// are durable at 30ms, the votes arrive at 40ms, the commit record
	// would be durable at 50ms.
	w.At(sim.Time(45*time.Millisecond), func() { fmt.Println("45ms: C crashes"); w.Crash(cid) })
	w.At(sim.Time(time.Second), func() { fmt.Println("1s: P1 in doubt:", parts["P1"].InDoubt(1)) })
	w.At(sim.Time(1500*time.Millisecond), func() { fmt.Println("1.5s: C restarts"); w.Restart(cid) })
	if err := w.Run(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 30ms: P1 votes yes=true on T1
	// 30ms: P2 votes yes=true on T1
	// 45ms: C crashes
	// 1s: P1 in doubt: true
	// 1.5s: C restarts
	// 1.5s: C decides abort on T1 (restarted: no decision in the log)
	// 1.52s: P1 decides abort on T1 (from C)
	// 1.52s: P2 decides abort on T1 (from C)
}
