package reliable_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/protocols/reliable"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
)

// benchLink is the link of the transfer benchmarks: 5-15 ms each way, as
// the targets' (target_test.go), losing loss of the datagrams in each
// direction.
func benchLink(loss float64) netmodel.Params {
	p := netmodel.DefaultParams()
	p.Delay = netmodel.Delay{Kind: netmodel.Uniform, Min: 5 * time.Millisecond, Max: 15 * time.Millisecond}
	p.Loss = loss
	return p
}

// countSink counts the datagrams a port is handed.
type countSink struct{ n int }

func (s *countSink) Receive(sim.NodeID, []byte) { s.n++ }
func (s *countSink) Timer(uint64)               {}

// udpBulk is the baseline of the transfer benchmarks: the same messages
// sent as bare UDP datagrams over the same link, through the same kernel,
// network and UDP layer, with nothing repaired. It returns the datagrams
// delivered and the kernel's events.
func udpBulk(seed uint64, p netmodel.Params, n, size int) (int, uint64) {
	w := sim.New(sim.Config{Seed: seed, MaxEvents: 20_000_000})
	names := []string{"A", "B"}
	w.SetNetwork(netmodel.New(seed, netmodel.Config{Default: p}, func(id sim.NodeID) string { return names[id] }))
	var from sim.Env
	got := &countSink{}
	w.AddNode("A", func(env sim.Env) sim.Handler {
		return udp.NewHost(env).Bind(9, func(penv sim.Env) sim.Handler { from = penv; return &countSink{} })
	})
	b := w.AddNode("B", func(env sim.Env) sim.Handler {
		return udp.NewHost(env).Bind(9, func(sim.Env) sim.Handler { return got })
	})
	w.At(0, func() {
		for i := range n {
			m := make([]byte, size)
			copy(m, fmt.Sprintf("%08d", i))
			from.Send(b, m, "MSG")
		}
	})
	w.Run()
	return got.n, w.Events()
}

// BenchmarkBulkTransfer measures the wall time of whole simulated
// transfers: A hands 1000 messages of 1000 bytes at once to its transport,
// over a link of 5-15 ms each way losing 0, 10 or 30% in each direction.
// Each op is one transfer (a new seed each time, cycling over ten); the
// reported ns/msg is the wall time per message handed, events/msg the
// kernel's events per message. The baseline, "udp", sends the same
// messages as bare datagrams and repairs nothing; "lecture" is the
// lecture's transport with a fixed 200 ms timeout (timer-only recovery; with
// its adaptive RTO, backed off to the 60 s cap, a lossy transfer takes hours
// of virtual time but few events); "default" is the modern TCP of
// DefaultOptions.
func BenchmarkBulkTransfer(b *testing.B) {
	const n, size = 1000, 1000
	for _, loss := range []float64{0, 0.1, 0.3} {
		p := benchLink(loss)
		for _, tr := range []string{"udp", "lecture", "default"} {
			b.Run(fmt.Sprintf("loss=%g/%s", loss, tr), func(b *testing.B) {
				var events uint64
				var virtual time.Duration
				seed := uint64(0)
				for b.Loop() {
					seed = seed%10 + 1
					switch tr {
					case "udp":
						_, ev := udpBulk(seed, p, n, size)
						events += ev
					default:
						opts := reliable.DefaultOptions()
						if tr == "lecture" {
							opts = lecture(200 * time.Millisecond)
						}
						st := bulkStream(seed, p, opts, n, size)
						if st.delivered != n {
							b.Fatalf("seed %d: %d of %d delivered", seed, st.delivered, n)
						}
						events += st.events
						virtual += st.completion
					}
				}
				ops := float64(b.N)
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/ops/n, "ns/msg")
				b.ReportMetric(float64(events)/ops/n, "events/msg")
				if tr != "udp" {
					b.ReportMetric(virtual.Seconds()/ops, "virtual-s/op")
				}
			})
		}
	}
}
