// Package messaging is the application of the lecture's opening question,
// why are network sockets less reliable than pipes (slides "Pipe",
// "Network Socket", "Raw Messages: UDP"): one node's application sends
// numbered messages, another's receives them and notes what it was handed.
// Run over a pipe, a raw socket, UDP or the reliable transport, the
// receiver's notes show what each layer does to the messages: loss,
// duplication, reordering and altered bytes.
//
// A message is self-identifying: `size` bytes of repeated 8-byte words
// (stream, seq), so that the receiver can tell a message by majority even
// when one bit was flipped, and tell an altered copy from an intact one.
package messaging

import (
	"encoding/binary"

	"github.com/sim-lecture/sim/sim"
)

// word is the size of the repeated (stream, seq) word.
const word = 8

// Encode returns message seq of a stream, size bytes long (at least one
// word).
func Encode(stream, seq, size int) []byte {
	if size < word {
		size = word
	}
	b := make([]byte, size)
	for off := 0; off+word <= size; off += word {
		binary.BigEndian.PutUint32(b[off:], uint32(stream))
		binary.BigEndian.PutUint32(b[off+4:], uint32(seq))
	}
	// Trailing bytes that do not fill a word repeat the first word's bytes.
	for i := size - size%word; i < size; i++ {
		b[i] = b[i%word]
	}
	return b
}

// Decode returns the identity most words of b agree on, and whether b
// differs in any byte from the message with that identity; ok is false
// when b is too short to say. It is linear in the size and allocates
// nothing when the first word holds a majority, which it does for every
// intact message and every message with one bit flipped outside its
// first word: a 65,000-byte datagram is checked in microseconds (a vote
// kept in a map, and the message rebuilt to compare, cost half a
// millisecond each, and a row of a million such messages 800 s).
func Decode(b []byte) (stream, seq int, altered, ok bool) {
	if len(b) < word {
		return 0, 0, true, false
	}
	words := len(b) / word
	first := binary.BigEndian.Uint64(b)
	same := 0
	for off := 0; off+word <= len(b); off += word {
		if binary.BigEndian.Uint64(b[off:]) == first {
			same++
		}
	}
	best := first
	if 2*same <= words {
		best = plurality(b)
	}
	stream, seq = int(uint32(best>>32)), int(uint32(best))
	if best == first && same == words {
		// Every whole word is intact: only a ragged tail can differ.
		return stream, seq, !matches(b[words*word:], best), true
	}
	return stream, seq, !matches(b, best), true
}

// plurality returns the word that occurs most often in b, the one that
// reached its count first among equals (and the first word on a tie with
// it): the slow path of Decode, for a copy whose first word was hit.
func plurality(b []byte) uint64 {
	votes := map[uint64]int{}
	var best uint64
	for off := 0; off+word <= len(b); off += word {
		v := binary.BigEndian.Uint64(b[off:])
		votes[v]++
		if votes[v] > votes[best] || (votes[v] == votes[best] && off == 0) {
			best = v
		}
	}
	return best
}

// matches reports whether b is exactly the message Encode makes of the
// identity word id (or its tail, when b starts on a word boundary),
// without building it.
func matches(b []byte, id uint64) bool {
	var w [word]byte
	binary.BigEndian.PutUint64(w[:], id)
	for i := range b {
		if b[i] != w[i%word] {
			return false
		}
	}
	return true
}

// Arrival is one copy of a message handed to the receiving application.
type Arrival struct {
	At          sim.Time
	Stream, Seq int // -1 when the copy says nothing readable
	Altered     bool
}

// Receiver is the receiving application on a node: it identifies each
// message and checks its bytes. Its notes are kept outside the node (the
// caller's slice), so that what an application has acted on is not undone
// by a later crash of its node.
type Receiver struct {
	env      sim.Env
	arrivals *[]Arrival
}

// NewReceiver returns the application over env, noting every copy it is
// handed in *arrivals.
func NewReceiver(env sim.Env, arrivals *[]Arrival) *Receiver {
	return &Receiver{env: env, arrivals: arrivals}
}

// Env is the environment the application sends through.
func (a *Receiver) Env() sim.Env { return a.env }

// Receive implements sim.Handler.
func (a *Receiver) Receive(from sim.NodeID, msg []byte) {
	stream, seq, altered, ok := Decode(msg)
	if !ok {
		stream, seq, altered = -1, -1, true
	}
	*a.arrivals = append(*a.arrivals, Arrival{At: a.env.Now(), Stream: stream, Seq: seq, Altered: altered})
}

// Timer implements sim.Handler; the application sets no timers.
func (a *Receiver) Timer(uint64) {}
