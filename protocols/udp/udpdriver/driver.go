// Package udpdriver is system udp of the scenarios: `send` rows over raw
// UDP (protocols/udp), the lecture's "raw messages" (slide "Raw Messages:
// UDP"). Every node is a udp.Host with the messaging application bound to
// Port, so the network's loss, duplication and reordering reach the
// application, but a corrupted datagram fails the checksum and is
// dropped: the one protection UDP gives.
//
// It also holds what the systems over UDP share: ChecksumTap, which counts
// the datagrams the checksum rejects.
package udpdriver

import (
	"errors"
	"fmt"

	"github.com/sim-lecture/sim/protocols/messaging"
	"github.com/sim-lecture/sim/protocols/messaging/messagingdriver"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

func init() {
	scenarios.Register(scenarios.System{Name: "udp", Order: 30,
		Doc:     "UDP datagrams with the Internet checksum: corrupted datagrams are dropped; loss, duplication and reordering reach the application.",
		Ops:     []*scenarios.Op{messagingdriver.SendOp},
		Metrics: messagingdriver.StreamMetrics,
		CheckRow: messagingdriver.MaxSize(udp.MaxPayload, fmt.Sprintf(
			"system udp carries at most %d bytes of payload (an IPv4 packet's %d bytes less its %d-byte header and UDP's %d)",
			udp.MaxPayload, 0xFFFF, udp.IPv4HeaderLen, udp.HeaderLen)),
		New: func() scenarios.Driver { return &driver{} }, ReportsDone: true})
}

// Port is the messaging application's UDP port (echo's). The numbers only
// have to differ from nothing, but real ones read better in a trace.
const Port = 7

// driver runs `send` rows over UDP.
type driver struct {
	sends *messagingdriver.Sends
}

// Setup implements scenarios.Driver.
func (d *driver) Setup(r *scenarios.SystemRun) error {
	r.UseNetwork()
	d.sends = messagingdriver.NewSends(r, udp.HeaderLen)
	for _, n := range r.Scenario.Nodes {
		r.World.AddNode(n.Name, func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			log := d.sends.Boot(env)
			h.Bind(Port, func(penv sim.Env) sim.Handler { return messaging.NewReceiver(penv, log) })
			return &ChecksumTap{Host: h, Self: env.Self(), Reject: func(from sim.NodeID, datagram []byte) {
				d.sends.Reject(r, from, env.Self(), datagram)
			}}
		})
	}
	return nil
}

// Step implements scenarios.Driver.
func (d *driver) Step(r *scenarios.SystemRun, i int) {
	d.sends.Send(r, i, func(from sim.NodeID) sim.Env {
		t, ok := r.World.Handler(from).(*ChecksumTap)
		if !ok {
			return nil
		}
		return t.Host.Handler(Port).(*messaging.Receiver).Env()
	})
}

// Fault implements scenarios.Driver: udp accepts no fault of its own.
func (d *driver) Fault(r *scenarios.SystemRun, f *scenarios.Fault) bool { return false }

// Finish implements scenarios.Driver.
func (d *driver) Finish(r *scenarios.SystemRun) { d.sends.Finish(r, nil) }

// ChecksumTap is a node's handler in the systems over UDP: the udp.Host,
// watched by the driver. It hands every datagram to the Host unchanged
// and, when the Host's checksum is going to reject one, tells Reject.
// Host.Stats are volatile (a crash loses them) and count per node, so the
// driver keeps its own count.
type ChecksumTap struct {
	Host *udp.Host
	// Self is the node, whose address the checksum covers.
	Self   sim.NodeID
	Reject func(from sim.NodeID, datagram []byte)
}

// Receive implements sim.Handler.
func (t *ChecksumTap) Receive(from sim.NodeID, msg []byte) {
	if _, _, err := udp.Unmarshal(udp.NodeAddr(from), udp.NodeAddr(t.Self), msg); errors.Is(err, udp.ErrChecksum) {
		t.Reject(from, msg)
	}
	t.Host.Receive(from, msg)
}

// Timer implements sim.Handler.
func (t *ChecksumTap) Timer(tag uint64) { t.Host.Timer(tag) }
