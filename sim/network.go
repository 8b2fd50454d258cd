package sim

import "time"

// NodeID names a node inside one World. IDs are dense, starting at 0, in the
// order nodes were added.
type NodeID int32

// NoNode is the NodeID of "no node" (for example the peer of a crash record).
const NoNode NodeID = -1

// Fate says what the network did to one copy of a message.
type Fate uint8

const (
	// Delivered is an ordinary copy.
	Delivered Fate = iota
	// Duplicated is an extra copy the network made.
	Duplicated
	// Corrupted is a copy whose bytes the network altered.
	Corrupted
	// Reordered is a copy the network held back by an extra delay.
	Reordered
)

var fateNames = [...]string{"delivered", "duplicated", "corrupted", "reordered"}

func (f Fate) String() string {
	if int(f) < len(fateNames) {
		return fateNames[f]
	}
	return "fate?"
}

// Arrival is one copy of a sent message that the network will deliver.
type Arrival struct {
	// Delay is the time from the send to the arrival.
	Delay time.Duration
	// Msg is the copy's bytes. The network must not modify the sender's
	// slice: a corrupted copy is a fresh slice.
	Msg []byte
	// Fate says whether the copy was duplicated, corrupted or reordered.
	// A copy may be several of these; Fate names the most notable.
	Fate Fate
}

// Network decides the fate of every message a node sends. It is the only
// place where loss, delay, duplication, reordering, corruption and partitions
// happen; package netmodel implements it. Implementations must draw all their
// randomness from streams derived with NewRand so that runs are repeatable.
type Network interface {
	// Transmit is called once per send, in virtual-time order. It appends
	// to out the copies that will arrive (none when the message is lost) and
	// returns the extended slice. When no copy arrives, reason says why in a
	// word or two ("loss", "partition").
	Transmit(now Time, from, to NodeID, msg []byte, out []Arrival) (copies []Arrival, reason string)
}
