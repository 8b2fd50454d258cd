package sim_test

import (
	"testing"
	"time"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/sim"
)

// pinger is the ping-pong benchmark's node: it pings a random peer and arms
// a retransmit timer; a pong answering its outstanding ping, or the timer,
// makes it ping a new random peer. Every ping it receives gets a pong.
type pinger struct {
	env    sim.Env
	n      int
	nonce  uint64
	timer  sim.TimerID
	events *int
}

const pingTimeout = 30 * time.Millisecond

func (p *pinger) pingNext() {
	peer := sim.NodeID(p.env.Rand().IntN(p.n - 1))
	if peer >= p.env.Self() {
		peer++
	}
	p.nonce++
	p.env.Send(peer, []byte{'i', byte(p.nonce)}, "PING")
	p.timer = p.env.SetTimer(pingTimeout, p.nonce)
}

func (p *pinger) Receive(from sim.NodeID, msg []byte) {
	*p.events++
	if msg[0] == 'i' { // a ping: answer it with its nonce
		p.env.Send(from, []byte{'o', msg[1]}, "PONG")
		return
	}
	if msg[1] == byte(p.nonce) { // the pong of the outstanding ping
		p.env.CancelTimer(p.timer)
		p.pingNext()
	}
}

func (p *pinger) Timer(tag uint64) {
	*p.events++
	if tag == p.nonce {
		p.pingNext()
	}
}

// BenchmarkPingPong runs 1,000 nodes pinging random peers over netmodel
// links (uniform 1-10 ms delay, 1% loss) with 30 ms retransmit timers,
// through the real kernel. It reports deliveries plus timer firings per
// second of wall time.
func BenchmarkPingPong(b *testing.B) {
	const nodes = 1000
	events := 0
	cfg := netmodel.Config{Default: netmodel.Params{
		Delay: netmodel.Delay{Kind: netmodel.Uniform, Min: time.Millisecond, Max: 10 * time.Millisecond},
		Loss:  0.01,
	}}
	w := sim.New(sim.Config{Seed: 1, NoTrace: true})
	w.SetNetwork(netmodel.New(1, cfg, w.Name))
	var ps []*pinger
	for i := 0; i < nodes; i++ {
		w.AddNode(nodeName(i), func(env sim.Env) sim.Handler {
			p := &pinger{env: env, n: nodes, events: &events}
			ps = append(ps, p)
			return p
		})
	}
	for _, p := range ps {
		p := p
		w.At(0, p.pingNext)
	}
	// Warm up so that the queue and the free lists reach steady state.
	for i := 0; i < 2000000; i++ {
		w.Step()
	}
	events = 0
	b.ReportAllocs()
	b.ResetTimer()
	for events < b.N {
		w.Step()
	}
	b.StopTimer()
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

func nodeName(i int) string {
	const digits = "0123456789"
	return "n" + string([]byte{digits[i/100%10], digits[i/10%10], digits[i%10]})
}
