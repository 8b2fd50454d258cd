package rpc

import (
	"testing"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// perfectNet delivers every message after 1ms.
type perfectNet struct{}

func (perfectNet) Transmit(_ sim.Time, _, _ sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	return append(out, sim.Arrival{Delay: time.Millisecond, Msg: msg}), ""
}

// benchCalls makes one demo NULL call at a time from A to S in the kernel
// and measures a whole call: marshal, send, dispatch, execute, reply,
// match. The Birrell & Nelson profile adds the AUTH_SYS credential's stamp
// and, at most once, the cache and the ACK of each result.
func benchCalls(b *testing.B, copts Options, sopts ServerOptions) {
	w := sim.New(sim.Config{Seed: 1, Network: perfectNet{}, NoTrace: true})
	s := w.AddNode("S", func(env sim.Env) sim.Handler {
		srv := NewServer(env, sopts, nil)
		RegisterDemo(srv)
		return srv
	})
	a := w.AddNode("A", func(env sim.Env) sim.Handler { return NewClient(env, copts, nil) })
	c := w.Handler(a).(*Client)
	b.ReportAllocs()
	for b.Loop() {
		done := false
		c.Call(s, DemoNull, nil, func([]byte, error) { done = true })
		for !done && w.Step() {
		}
	}
}

// BenchmarkCallStandard is the baseline: NFS's profile, AUTH_SYS, at least
// once.
func BenchmarkCallStandard(b *testing.B) {
	benchCalls(b, Options{Auth: AuthSys}, ServerOptions{})
}

// BenchmarkCallStandardAtMostOnce adds the duplicate-request cache.
func BenchmarkCallStandardAtMostOnce(b *testing.B) {
	benchCalls(b, Options{Auth: AuthSys, Semantics: AtMostOnce}, ServerOptions{Semantics: AtMostOnce, CacheAll: true})
}

// BenchmarkCallBirrellNelson is the lecture's profile at most once: the
// rpc system's.
func BenchmarkCallBirrellNelson(b *testing.B) {
	benchCalls(b, Options{Auth: AuthSys, Semantics: AtMostOnce, BirrellNelson: true},
		ServerOptions{Semantics: AtMostOnce, CacheAll: true, BirrellNelson: true})
}
