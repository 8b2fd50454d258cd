// Package messagingdriver is the systems pipe and socket of the scenarios,
// and what every messaging system shares: the `send` row, the `pipe:`
// block, the bookkeeping of sends and arrivals (Sends), the table of
// message fates and the sweep metrics of streams.
//
//	systems: [pipe, socket]
//	workload:
//	  - {at: 0, op: send, from: A, to: B, count: 1000, size: 100B, interval: 1ms}
//
// Both run the messaging application over the kernel's raw datagrams: pipe
// over a reliable, in-order channel (like a UNIX pipe), socket over the
// scenario's network with no checksum, so that whatever the network does
// reaches the application. It is the lecture's opening question: why are
// network sockets less reliable than pipes?
package messagingdriver

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/protocols/messaging"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

func init() {
	scenarios.Register(scenarios.System{Name: "pipe", Order: 10,
		Doc:     "A reliable, in-order channel (like a UNIX pipe): no loss, no duplication, no reordering, no corruption. Network faults do not affect it.",
		Ops:     []*scenarios.Op{SendOp},
		Blocks:  []*scenarios.Block{pipeBlock},
		Metrics: StreamMetrics,
		New:     func() scenarios.Driver { return &driver{pipe: true} }, ReportsDone: true})
	scenarios.Register(scenarios.System{Name: "socket", Order: 20,
		Doc:     "Raw datagrams over the scenario's network with no checksum: whatever the network does reaches the application, altered bytes included.",
		Ops:     []*scenarios.Op{SendOp},
		Metrics: StreamMetrics,
		New:     func() scenarios.Driver { return &driver{} }, ReportsDone: true})
}

// SendOp is the `send` row: count messages of size bytes from `from` to
// `to`, one every interval. Its rows are streams: every messaging system
// reports one report.Stream per send row.
var SendOp = &scenarios.Op{Name: "send", Order: 110,
	Keys: []scenarios.OpKey{{Name: "from", Required: true}, {Name: "to", Required: true},
		{Name: "count", Default: "1"}, {Name: "size", Default: "100B"}, {Name: "interval", Default: "0"}, {Name: "close", Default: "false"}},
	Doc: "`count` messages, one every `interval`; with `close: true` the sender then closes its direction of the connection " +
		"(`reliable`: a FIN after the last message, and a later send waits for the peer's close, at most `reliable.fin_timeout`; the other systems have no connection to close).",
	Streams: true,
	Defaults: func(st *scenarios.Step) {
		st.Count, st.Size = 1, 100
	},
	Check: func(c *scenarios.RowCheck) {
		if st := c.Step; st.From == st.To {
			c.Errorf("to", "to: a send row needs two different nodes, got %s twice", st.To)
		}
	},
	Describe: func(s *scenarios.Step) string {
		d := fmt.Sprintf("send %d x %dB to %s", s.Count, s.Size, s.To)
		if s.Close {
			d += ", close"
		}
		return d
	},
	Label: func(st *scenarios.Step) string { return fmt.Sprintf("a send from %s to %s", st.From, st.To) },
	Table: sendTable,
}

// PipeOptions configure system pipe: a reliable, in-order channel.
type PipeOptions struct {
	// Delay is the constant one-way delay (default 1ms).
	Delay time.Duration
	// Bandwidth in bits per second; 0 (the default) means unlimited.
	Bandwidth float64
}

// pipeBlock is the `pipe:` block.
var pipeBlock = &scenarios.Block{Name: "pipe", Order: 10,
	New: func() any { return &PipeOptions{Delay: time.Millisecond} },
	Options: []scenarios.Option{
		scenarios.DurationOption("delay", "`1ms`", "Constant one-way delay.", false,
			func(o *PipeOptions) *time.Duration { return &o.Delay }),
		scenarios.BandwidthOption("bandwidth", "unlimited", "Serialisation delay, one queue per direction.",
			func(o *PipeOptions) *float64 { return &o.Bandwidth }),
	}}

// driver runs `send` rows over a pipe or a raw socket: every node is the
// messaging application itself, on the node's raw datagrams.
type driver struct {
	pipe  bool
	sends *Sends
}

// Setup implements scenarios.Driver.
func (d *driver) Setup(r *scenarios.SystemRun) error {
	r.RawPayloads = true // the nodes send bare payloads, not UDP datagrams
	if d.pipe {
		o := r.Scenario.Block("pipe").(*PipeOptions)
		r.UseOwnNetwork(netmodel.NewPipe(o.Delay, o.Bandwidth), "a pipe has no faults")
	} else {
		r.UseNetwork()
	}
	d.sends = NewSends(r, 0)
	for _, n := range r.Scenario.Nodes {
		r.World.AddNode(n.Name, func(env sim.Env) sim.Handler {
			return messaging.NewReceiver(env, d.sends.Boot(env))
		})
	}
	return nil
}

// Step implements scenarios.Driver: the sender's current life sends, if
// it is up.
func (d *driver) Step(r *scenarios.SystemRun, i int) {
	d.sends.Send(r, i, func(from sim.NodeID) sim.Env {
		if !r.World.Up(from) {
			return nil
		}
		return r.World.Env(from)
	})
}

// Fault implements scenarios.Driver: pipe and socket accept no fault of
// their own.
func (d *driver) Fault(r *scenarios.SystemRun, f *scenarios.Fault) bool { return false }

// Finish implements scenarios.Driver.
func (d *driver) Finish(r *scenarios.SystemRun) { d.sends.Finish(r, nil) }
