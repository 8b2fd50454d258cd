package netmodel

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// Pipe is the reliable channel of the lecture's "why are network sockets
// less reliable than pipes?": every message arrives exactly once, intact,
// and in the order it was sent in its direction. It implements sim.Network
// with a fixed delay and an optional bandwidth, and draws no random numbers.
//
// Each direction is one FIFO: with a bandwidth, a message waits until the
// previous ones are sent and then takes bits/bandwidth; it arrives the fixed
// delay after it is sent. Arrival times never decrease in one direction, and
// the kernel breaks ties in time by scheduling order, so equal arrival times
// stay in order too. (Unlike a real pipe, a full buffer does not block the
// writer: the queue is unbounded.)
type Pipe struct {
	delay     time.Duration
	bandwidth float64
	dirs      grid[pipeDir]
}

// pipeDir is the state of one direction of a Pipe.
type pipeDir struct {
	busyUntil sim.Time // when the transmit queue has sent everything so far
	last      sim.Time // the latest arrival so far
}

// NewPipe returns a pipe with the given one-way delay and bandwidth in bits
// per second (0 for unlimited). It panics on a negative or NaN argument:
// those are programming errors, not user input.
func NewPipe(delay time.Duration, bandwidth float64) *Pipe {
	if delay < 0 {
		panic(fmt.Sprintf("netmodel: NewPipe with negative delay %v", delay))
	}
	if err := validBandwidth(bandwidth); err != nil {
		panic("netmodel: NewPipe: " + err.Error())
	}
	return &Pipe{delay: delay, bandwidth: bandwidth}
}

// Transmit returns the one copy of msg, which shares the sender's slice.
// The reason is always "".
func (p *Pipe) Transmit(now sim.Time, from, to sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	d := p.dirs.at(from, to)
	depart := queued(now, &d.busyUntil, len(msg), p.bandwidth)
	// The maximum only matters if a caller breaks the contract that sends
	// come in time order; it keeps the FIFO promise even then.
	arrive := max(satAdd(depart, p.delay), d.last)
	d.last = arrive
	return append(out, sim.Arrival{Delay: arrive.Sub(now), Msg: msg, Fate: sim.Delivered}), ""
}

// Interface checks.
var (
	_ sim.Network = (*Network)(nil)
	_ sim.Network = (*Pipe)(nil)
)
