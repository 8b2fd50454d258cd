package reliabledriver

import (
	"github.com/sim-lecture/sim/protocols/messaging/messagingdriver"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// ExactlyOnceInOrder is the invariant exactly_once_in_order: every message
// sent is delivered once, in order, unless the stream failed and said so.
// It is what the lecture's reliable messages are built for ("Reliable
// Messages: Layering strategy": "build reliable, logical connections over
// unreliable connections"), with its three techniques, the last of which,
// "Technique #3: Receiver Remembers Messages", reads:
//
//	senders give each message an increasing unique seq number
//	receiver knows it has seen all messages before N
//	receiver remembers messages received after N
//	Suppose message K is received. Suppress message if:
//	  K < N
//	  Msg K is already buffered
//
// and the "TCP" slide adds "Buffers messages so arrive in order". When the
// transport gives up ("No ACK: message may or may not have been
// received") it tells the sender, whose messages may then be missing;
// after a crash of an end, the promise holds per life of the receiver (see
// messagingdriver.ExactlyOnceInOrder, which the check is).
var ExactlyOnceInOrder = scenarios.Invariant{
	Name: "exactly_once_in_order",
	Doc:  "Every message sent is handed to the receiver intact, once and in order, unless the transport gave up on it and told the sender (after a crash of an end: at most once and in order per life of the receiver).",
	Lecture: `"Technique #3: Receiver Remembers Messages": "Suppress message if K < N or Msg K is already buffered"; ` +
		`"TCP": "Buffers messages so arrive in order"`,
	Check: func(sc *scenarios.Scenario, sys *report.System) []string {
		ev, _ := sys.Evidence.(*messagingdriver.Evidence)
		return messagingdriver.ExactlyOnceInOrder(ev, sys.Bound != "")
	},
}
