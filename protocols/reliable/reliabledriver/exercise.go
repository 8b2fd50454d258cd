package reliabledriver

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/scenarios"
)

// exercise writes transport exercises for `sim quiz`: one message to R per
// step, tens of milliseconds apart (each client sends its share), under a
// window and a timeout the seed picks, some of whose data or ACKs are
// lost. The question is when R's
// application gets each message: a loss delays its message until the
// retransmission, and, in order, every message behind it. Lecture: "Lost
// ACK: how long to wait?", sequence numbers, the window.
var exercise = &scenarios.Exercise{Clients: 1, Steps: 6, Write: writeExercise,
	MinSteps: func(clients int) int { return clients }}

func writeExercise(w *scenarios.ExerciseWriter, seed uint64, clients, steps int) {
	window := []int{1, 2, 4}[w.Rand.IntN(3)]
	rto := w.Pick("fixed", "adaptive")
	w.Line("description: \"Exercise (the lecture's reliable transport, window %d, %s timeout, 20ms one way): when does R's application get each message? Some data and ACKs are lost.\"", window, rto)
	w.Line("seed: %d", seed)
	w.Line("systems: [reliable]")
	// The lecture's transport: losses repaired by the timer alone, so
	// that the answers follow from the window and the timeout.
	const lecture = "timestamps: false, sack: false, fast_retransmit: false, rack: false, congestion_control: false"
	if rto == "fixed" {
		w.Line("reliable: {window: %d, rto: fixed, fixed_timeout: 200ms, %s}", window, lecture)
	} else {
		w.Line("reliable: {window: %d, rto: adaptive, %s}", window, lecture)
	}
	w.Line("network: {delay: 20ms}")
	w.Line("workload:")
	var faults []string
	window2ms := func(from, to string, at time.Duration) {
		faults = append(faults,
			fmt.Sprintf("  - {at: %s, block: {from: %s, to: %s}}", scenarios.FormatTime(at-time.Millisecond), from, to),
			fmt.Sprintf("  - {at: %s, unblock: {from: %s, to: %s}}", scenarios.FormatTime(at+time.Millisecond), from, to))
	}
	// The steps are the messages, shared out among the clients: each
	// sends its share in one row, one message every interval.
	interval := []time.Duration{10, 20, 30}[w.Rand.IntN(3)] * time.Millisecond
	for c := 0; c < clients; c++ {
		n := steps / clients
		if c < steps%clients {
			n++
		}
		if n == 0 {
			continue
		}
		name := scenarios.ClientName(c)
		start := 100*time.Millisecond + time.Duration(c)*5*time.Millisecond
		w.Line("  - {at: %s, op: send, from: %s, to: R, count: %d, interval: %s}", scenarios.FormatTime(start), name, n, scenarios.FormatTime(interval))
		for k := 0; k < n; k++ {
			at := start + time.Duration(k)*interval
			switch r := w.Rand.IntN(10); {
			case r < 6: // nothing lost
			case r < 8: // the message is lost, if it leaves at once
				window2ms(name, "R", at)
			default: // its ACK is lost, if it comes back at once
				window2ms("R", name, at+20*time.Millisecond)
			}
		}
	}
	if len(faults) > 0 {
		w.Line("faults:")
		for _, f := range faults {
			w.Line("%s", f)
		}
	}
}
