package netmodel

import (
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/sim-lecture/sim/sim"
)

// namer returns a names function for New: node i is names[i].
func namer(names ...string) func(sim.NodeID) string {
	return func(id sim.NodeID) string { return names[id] }
}

// faultless returns the parameters of a link with a constant delay and no
// faults, to which a test adds what it is about.
func faultless() Params {
	return Params{Delay: Delay{Kind: Constant, Value: 10 * time.Millisecond}, ReorderDelay: 50 * time.Millisecond}
}

// ptr returns a pointer to a copy of v, for building Patches.
func ptr[T any](v T) *T { return &v }

// decision is everything Transmit decided about one datagram, in a form
// cmp.Diff can compare.
type decision struct {
	Reason string
	Copies []sim.Arrival
}

// send transmits msg from -> to at now and returns the decision.
func send(n sim.Network, now sim.Time, from, to sim.NodeID, msg []byte) decision {
	copies, reason := n.Transmit(now, from, to, msg, nil)
	return decision{Reason: reason, Copies: copies}
}

// testMsg returns a message of size bytes whose content depends on i.
func testMsg(i, size int) []byte {
	b := make([]byte, size)
	for j := range b {
		b[j] = byte(i*31 + j*7 + 1)
	}
	return b
}

// cmpSorted makes cmp.Diff compare slices as sorted (nil and empty alike).
func cmpSorted[T any](less func(a, b T) bool) cmp.Option {
	return cmp.Options{cmpopts.SortSlices(less), cmpopts.EquateEmpty()}
}
