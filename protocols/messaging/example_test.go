package messaging_test

import (
	"fmt"

	"github.com/sim-lecture/sim/protocols/messaging"
)

// A message is its identity repeated; the network flips one bit, and the
// receiver still knows which message it was, and that it was altered.
func Example() {
	msg := messaging.Encode(2, 41, 32)
	msg[13] ^= 0x04
	stream, seq, altered, _ := messaging.Decode(msg)
	fmt.Printf("stream %d, message %d, altered %v\n", stream, seq, altered)
	// Output: stream 2, message 41, altered true
}
