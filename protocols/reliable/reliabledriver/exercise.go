package reliabledriver

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/scenarios"
)

// exercise writes transport exercises for `sim quiz`: bursts of messages
// to R under a window and a timeout the seed picks, with data or ACKs
// lost for a while, or a stretch of a lossy network. Lecture: "Lost ACK:
// how long to wait?", sequence numbers and the window.
var exercise = &scenarios.Exercise{Clients: 1, Steps: 3, Write: writeExercise}

func writeExercise(w *scenarios.ExerciseWriter, seed uint64, clients, steps int) {
	window := []int{1, 2, 4}[w.Rand.IntN(3)]
	rto := w.Pick("fixed", "adaptive")
	w.Line("description: \"Exercise (reliable transport, window %d, %s timeout): what reaches R, how many retransmissions, and when is each burst complete?\"", window, rto)
	w.Line("seed: %d", seed)
	w.Line("systems: [reliable]")
	if rto == "fixed" {
		w.Line("reliable: {window: %d, rto: fixed, fixed_timeout: 200ms}", window)
	} else {
		w.Line("reliable: {window: %d, rto: adaptive}", window)
	}
	w.Line("network: {delay: 20ms}")
	w.Line("workload:")
	var faults []string
	fault := func(at time.Duration, what string) {
		faults = append(faults, fmt.Sprintf("  - {at: %s, %s}", scenarios.FormatTime(at), what))
	}
	for row := 0; row < steps; row++ {
		at := time.Duration(row) * 5 * time.Second
		c := scenarios.ClientName(w.Rand.IntN(clients))
		w.Line("  - {at: %s, op: send, from: %s, to: R, count: %d, interval: 10ms}", scenarios.FormatTime(at), c, 3+w.Rand.IntN(6))
		switch k := w.Rand.IntN(10); {
		case k < 3: // nothing lost
		case k < 5: // data lost for a while
			fault(at+5*time.Millisecond, fmt.Sprintf("block: {from: %s, to: R}", c))
			fault(at+35*time.Millisecond, fmt.Sprintf("unblock: {from: %s, to: R}", c))
		case k < 8: // ACKs lost for a while
			fault(at+15*time.Millisecond, fmt.Sprintf("block: {from: R, to: %s}", c))
			fault(at+65*time.Millisecond, fmt.Sprintf("unblock: {from: R, to: %s}", c))
		default: // a lossy second
			fault(at, "network: {loss: 0.3}")
			fault(at+time.Second, "network: {loss: 0}")
		}
	}
	if len(faults) > 0 {
		w.Line("faults:")
		for _, f := range faults {
			w.Line("%s", f)
		}
	}
}
