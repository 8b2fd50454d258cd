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
	cpu := cpuTime()
	for events < b.N {
		w.Step()
	}
	b.StopTimer()
	reportEvents(b, events, cpuTime()-cpu)
}

// reportEvents reports events per second of wall time, and nanoseconds of
// the process's CPU time per event: on a machine shared with other jobs,
// waiting for a core inflates the first and not the second.
func reportEvents(b *testing.B, events int, cpu int64) {
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu)/float64(events), "cpu-ns/event")
	}
}

func nodeName(i int) string {
	const digits = "0123456789"
	return "n" + string([]byte{digits[i/100%10], digits[i/10%10], digits[i%10]})
}

// BenchmarkPingPongBare is the baseline of BenchmarkPingPong: the same model
// as one hand-written loop over a binary heap, with one random stream for
// everything, no kernel, no network model and no per-link state. The gap
// between the two is what the kernel's generality costs.
func BenchmarkPingPongBare(b *testing.B) {
	const nodes = 1000
	type ev struct {
		at    int64
		seq   uint64
		kind  uint8 // 0 ping arrives, 1 pong arrives, 2 timer
		node  int32
		peer  int32
		nonce uint32
	}
	var h []ev
	var seq uint64
	less := func(x, y *ev) bool { return x.at < y.at || (x.at == y.at && x.seq < y.seq) }
	push := func(e ev) {
		seq++
		e.seq = seq
		h = append(h, e)
		i := len(h) - 1
		for i > 0 {
			p := (i - 1) / 2
			if !less(&e, &h[p]) {
				break
			}
			h[i] = h[p]
			i = p
		}
		h[i] = e
	}
	pop := func() ev {
		top := h[0]
		n := len(h) - 1
		last := h[n]
		h = h[:n]
		i := 0
		for {
			c := 2*i + 1
			if c >= n {
				break
			}
			if c+1 < n && less(&h[c+1], &h[c]) {
				c++
			}
			if !less(&h[c], &last) {
				break
			}
			h[i] = h[c]
			i = c
		}
		if n > 0 {
			h[i] = last
		}
		return top
	}
	r := sim.NewRand(1, "bare")
	nonce := make([]uint32, nodes)
	var now int64
	send := func(from, to int32, kind uint8, nc uint32) {
		if r.Float64() < 0.01 {
			return
		}
		d := int64(time.Millisecond) + r.Int63n(int64(9*time.Millisecond)+1)
		push(ev{at: now + d, kind: kind, node: to, peer: from, nonce: nc})
	}
	ping := func(n int32) {
		peer := int32(r.IntN(nodes - 1))
		if peer >= n {
			peer++
		}
		nonce[n]++
		send(n, peer, 0, nonce[n])
		push(ev{at: now + int64(pingTimeout), kind: 2, node: n, nonce: nonce[n]})
	}
	for n := int32(0); n < nodes; n++ {
		ping(n)
	}
	// Like the kernel's, a timer whose ping was answered stays in the heap
	// and is skipped when it pops; it does not count as an event.
	events := 0
	step := func() {
		e := pop()
		now = e.at
		switch e.kind {
		case 0:
			events++
			send(e.node, e.peer, 1, e.nonce)
		case 1:
			events++
			if e.nonce == nonce[e.node] {
				ping(e.node)
			}
		case 2:
			if e.nonce == nonce[e.node] {
				events++
				ping(e.node)
			}
		}
	}
	for i := 0; i < 2000000; i++ {
		step()
	}
	events = 0
	b.ResetTimer()
	cpu := cpuTime()
	for events < b.N {
		step()
	}
	b.StopTimer()
	reportEvents(b, events, cpuTime()-cpu)
}

// oneStreamNet is BenchmarkPingPongKernel's network: the benchmark's delay
// and loss from one shared stream, with no per-link state.
type oneStreamNet struct{ r *sim.Rand }

func (n oneStreamNet) Transmit(now sim.Time, from, to sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	if n.r.Float64() < 0.01 {
		return out, "loss"
	}
	return append(out, sim.Arrival{Delay: time.Millisecond + time.Duration(n.r.Int63n(int64(9*time.Millisecond)+1)), Msg: msg}), ""
}

// BenchmarkPingPongKernel is BenchmarkPingPong with netmodel replaced by a
// one-stream network: it measures the kernel alone against the bare loop.
func BenchmarkPingPongKernel(b *testing.B) {
	const nodes = 1000
	events := 0
	w := sim.New(sim.Config{Seed: 1, NoTrace: true})
	w.SetNetwork(oneStreamNet{sim.NewRand(1, "net")})
	var ps []*pinger
	for i := 0; i < nodes; i++ {
		w.AddNode(nodeName(i), func(env sim.Env) sim.Handler {
			p := &pinger{env: env, n: nodes, events: &events}
			ps = append(ps, p)
			return p
		})
	}
	for _, p := range ps {
		w.At(0, p.pingNext)
	}
	for i := 0; i < 2000000; i++ {
		w.Step()
	}
	events = 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for events < b.N {
		w.Step()
	}
	b.StopTimer()
	reportEvents(b, events, cpuTime()-cpu)
}
