package netmodel

import (
	"fmt"
	"math"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// grid holds per-direction state indexed by the two NodeIDs. NodeIDs are
// dense from 0, so two slice indexings find a direction: no hashing and no
// string keys on the hot path. Slots hold values, so reaching a direction's
// state costs one memory access after the row's header; a row is allocated
// the first time its node sends.
type grid[T any] struct {
	rows [][]T
}

// at returns the state of from -> to, allocating it on first use. Its
// common case is small enough to inline: every datagram looks up its
// direction's count here.
func (g *grid[T]) at(from, to sim.NodeID) *T {
	if uint(from) < uint(len(g.rows)) {
		if row := g.rows[from]; uint(to) < uint(len(row)) {
			return &row[to]
		}
	}
	return g.grow(from, to)
}

// grow is at's first use of a direction: it checks the IDs and makes room.
func (g *grid[T]) grow(from, to sim.NodeID) *T {
	if from < 0 || to < 0 {
		panic(fmt.Sprintf("netmodel: Transmit from node %d to node %d: NodeIDs must be >= 0", from, to))
	}
	if int(from) >= len(g.rows) {
		g.rows = append(g.rows, make([][]T, int(from)+1-len(g.rows))...)
	}
	row := g.rows[from]
	if int(to) >= len(row) {
		// Grow to at least twice the size so that rows settle quickly.
		grown := make([]T, max(int(to)+1, 2*len(row)))
		copy(grown, row)
		row = grown
		g.rows[from] = row
	}
	return &row[to]
}

// satAdd returns t+d, saturating instead of overflowing.
func satAdd(t sim.Time, d time.Duration) sim.Time {
	if d > 0 && t > sim.Time(math.MaxInt64)-sim.Time(d) {
		return sim.Time(math.MaxInt64)
	}
	return t.Add(d)
}
