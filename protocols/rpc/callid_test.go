package rpc

import (
	"math"
	"testing"

	"github.com/sim-lecture/sim/sim"
)

// CallID.Key tells apart every two ids an xid can name: the extremes of
// each field, on both sides of each boundary between fields' bits, and
// every id that idOf makes from an xid.
func TestCallIDKey(t *testing.T) {
	clients := []sim.NodeID{0, 1, 2, 255, 256, 1 << 24, math.MaxInt32}
	incs := []uint32{0, 1, 2, 127, 128, 254, 255}
	seqs := []uint32{0, 1, 2, 1 << 8, 1<<23 - 1, 1 << 23, seqMask - 1, seqMask}
	seen := map[uint64]CallID{}
	for _, c := range clients {
		for _, inc := range incs {
			for _, s := range seqs {
				id := CallID{Client: c, Incarnation: inc, Seq: s}
				if other, dup := seen[id.Key()]; dup {
					t.Fatalf("%+v and %+v have the key %#x", id, other, id.Key())
				}
				seen[id.Key()] = id
				if back := idOf(c, id.XID()); back != id || back.Key() != id.Key() {
					t.Fatalf("%+v: xid %#x gives %+v", id, id.XID(), back)
				}
			}
		}
	}
}
