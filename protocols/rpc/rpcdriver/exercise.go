package rpcdriver

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/scenarios"
)

// exercise writes RPC exercises for `sim quiz`: calls to the demo service
// a second apart, some of whose calls or replies are lost, and a server
// that may crash in the middle of a call, under at-least-once or
// at-most-once. Lecture: "Message lost or ACK lost?", "what happens when
// append() is retried?", "if server crashes, forgets which RPC's have been
// executed".
var exercise = &scenarios.Exercise{Clients: 1, Steps: 5, Write: writeExercise,
	MinSteps: func(clients int) int { return clients }}

func writeExercise(w *scenarios.ExerciseWriter, seed uint64, clients, steps int) {
	semantics := w.Pick("at_least_once", "at_most_once")
	w.Line("description: \"Exercise (RPC, %s, 100ms timeout): how often does the server run each call, and what does it return? Some messages are lost, and the server may crash.\"", semantics)
	w.Line("seed: %d", seed)
	w.Line("systems: [rpc]")
	w.Line("rpc: {semantics: %s, timeout: 100ms}", semantics)
	w.Line("network: {delay: 10ms}")
	w.Line("workload:")
	var faults []string
	fault := func(at time.Duration, what string) {
		faults = append(faults, fmt.Sprintf("  - {at: %s, %s}", scenarios.FormatTime(at), what))
	}
	appends := 0
	called := map[int]bool{} // looked up and counted only
	for row := 0; row < steps; row++ {
		at := time.Duration(row+1) * time.Second
		// A random client, or, once the rows left are as many as the
		// clients that have not called yet, the first of those: every
		// client calls.
		k := w.Rand.IntN(clients)
		if unused := clients - len(called); steps-row <= unused {
			for k = 0; called[k]; k++ {
			}
		}
		called[k] = true
		c := scenarios.ClientName(k)
		switch k := w.Rand.IntN(20); {
		case k < 12:
			w.Line("  - {at: %s, op: call, client: %s, server: server, proc: increment}", scenarios.FormatTime(at), c)
		case k < 17:
			appends++
			w.Line("  - {at: %s, op: call, client: %s, server: server, proc: append, args: %c}", scenarios.FormatTime(at), c, 'a'+rune(appends-1)%26)
		default:
			w.Line("  - {at: %s, op: call, client: %s, server: server, proc: read}", scenarios.FormatTime(at), c)
		}
		// The call reaches the server 10ms after it is sent, and its
		// reply leaves once the state is on disk, 10ms later.
		before, after := at-50*time.Millisecond, at+50*time.Millisecond
		switch k := w.Rand.IntN(20); {
		case k < 7: // nothing lost
		case k < 10: // the call is lost
			fault(before, fmt.Sprintf("block: {from: %s, to: server}", c))
			fault(after, fmt.Sprintf("unblock: {from: %s, to: server}", c))
		case k < 15: // the reply is lost
			fault(before, fmt.Sprintf("block: {from: server, to: %s}", c))
			fault(after, fmt.Sprintf("unblock: {from: server, to: %s}", c))
		case k < 17: // the server crashes while the call's write is on its way to disk
			fault(at+15*time.Millisecond, "crash: server")
			fault(at+60*time.Millisecond, "restart: server")
		default: // the reply is lost, and the server crashes after sending it
			fault(before, fmt.Sprintf("block: {from: server, to: %s}", c))
			fault(at+30*time.Millisecond, "crash: server")
			fault(after, fmt.Sprintf("unblock: {from: server, to: %s}", c))
			fault(at+60*time.Millisecond, "restart: server")
		}
	}
	if len(faults) > 0 {
		w.Line("faults:")
		for _, f := range faults {
			w.Line("%s", f)
		}
	}
	// The exercise asks how often each call runs: at least once runs a
	// retried increment again, and a crash makes at most once forget
	// what it ran. Either may break at_most_once: the lesson, not a
	// failure of the run.
	w.Line("expect:")
	w.Line("  - {may_break: at_most_once}")
}
