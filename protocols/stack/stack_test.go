package stack_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sim-lecture/sim/protocols/stack"
	"github.com/sim-lecture/sim/sim"
	"github.com/sim-lecture/sim/sim/simtest"
)

// heard records the tags routed to it.
type heard struct{ tags []uint64 }

func (h *heard) Timer(tag uint64) { h.tags = append(h.tags, tag) }

// The node-level tag of an owner's tag is owner<<low | tag, and Route
// hands it back to that owner with the owner's bits removed; a tag of an
// owner nobody routed is reported, not delivered.
func TestMuxLayout(t *testing.T) {
	tests := []struct {
		name       string
		low, bits  int
		owner, tag uint64
		want       uint64
	}{
		{"UDP port 2049", 48, 16, 2049, 7, 2049<<48 | 7},
		{"the largest owner and tag", 48, 16, 1<<16 - 1, 1<<48 - 1, ^uint64(0)},
		{"owner 0 leaves the tag as it is", 47, 1, 0, 5, 5},
		{"one owner bit", 47, 1, 1, 5, 1<<47 | 5},
		{"a narrow field over few low bits", 3, 2, 2, 7, 2<<3 | 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := simtest.New(0, "A")
			m := stack.NewMux(env, "test", tt.low, tt.bits)
			var h heard
			m.Handle(tt.owner, &h)
			m.Env(tt.owner).SetTimer(time.Second, tt.tag)
			m.Env(tt.owner).WriteDisk("k", nil, tt.tag)
			if got := env.Timers[0].Tag; got != tt.want {
				t.Fatalf("timer tag = %#x; want %#x", got, tt.want)
			}
			if got := env.Writes[0].Tag; got != tt.want {
				t.Fatalf("write tag = %#x; want %#x", got, tt.want)
			}
			if !m.Route(tt.want) || len(h.tags) != 1 || h.tags[0] != tt.tag {
				t.Fatalf("Route(%#x) gave %#x; want [%#x]", tt.want, h.tags, tt.tag)
			}
			other := (tt.owner + 1) & (1<<tt.bits - 1)
			if m.Route(other<<tt.low | tt.tag) {
				t.Errorf("Route of owner %d, never routed, reported a handler", other)
			}
		})
	}
}

// Each owner gets its own tags: two owners may use the same tag, and each
// gets back only its own timers.
func TestMuxOwnersApart(t *testing.T) {
	env := simtest.New(0, "A")
	m := stack.NewMux(env, "test", 40, 2)
	var client, server heard
	m.Handle(1, &client)
	m.Handle(2, &server)
	m.Env(1).SetTimer(time.Second, 1)
	m.Env(2).SetTimer(2*time.Second, 1)
	m.Env(1).SetTimer(3*time.Second, 2)
	for {
		if _, ok := env.FireNext(node{m}); !ok {
			break
		}
	}
	if fmt.Sprint(client.tags) != "[1 2]" || fmt.Sprint(server.tags) != "[1]" {
		t.Errorf("client heard %v, server %v; want [1 2] and [1]", client.tags, server.tags)
	}
}

// A Mux's Env reports its budget, so that a layer stacked on it learns
// what it has, and a layout that does not fit fails when it is built.
func TestMuxBudgets(t *testing.T) {
	env := simtest.New(0, "A")
	if got := stack.Bits(env); got != 64 {
		t.Fatalf("Bits(node env) = %d; want 64", got)
	}
	port := stack.NewMux(env, "udp", 48, 16).Env(9)
	if got := stack.Bits(port); got != 48 {
		t.Fatalf("Bits(port env) = %d; want 48", got)
	}
	upper := stack.NewMux(port, "reliable", 47, 1).Env(0)
	if got := stack.Bits(upper); got != 47 {
		t.Fatalf("Bits(upper env) = %d; want 47", got)
	}
	stack.NewMux(upper, "rpc", 40, 2) // fits: 42 <= 47
	mustPanic(t, "do not fit the 47 bits", func() { stack.NewMux(upper, "greedy", 40, 8) })
	mustPanic(t, "do not fit the 64 bits", func() { stack.NewMux(env, "greedy", 60, 8) })
	mustPanic(t, "0 owner bits", func() { stack.NewMux(env, "empty", 8, 0) })
}

// Programming errors panic with the Mux's name: an owner or a tag that
// does not fit, an owner routed twice.
func TestMuxMisuse(t *testing.T) {
	env := simtest.New(0, "A")
	m := stack.NewMux(env, "udp", 48, 16)
	mustPanic(t, "udp: owner 65536 does not fit its 16-bit field", func() { m.Env(1 << 16) })
	mustPanic(t, "udp: tag 0x1000000000000 of owner 7 does not fit 48 bits", func() { m.Env(7).SetTimer(time.Second, 1<<48) })
	mustPanic(t, "does not fit 48 bits", func() { m.Env(7).WriteDisk("k", nil, 1<<48) })
	m.Handle(7, &heard{})
	mustPanic(t, "udp: owner 7 routed twice", func() { m.Handle(7, &heard{}) })
	mustPanic(t, "or to nil", func() { m.Handle(8, nil) })
}

// Bind gives the factory the owner's env and routes the owner's tags to
// the handler it builds, even a timer set while it was being built.
func TestMuxBind(t *testing.T) {
	env := simtest.New(0, "A")
	m := stack.NewMux(env, "udp", 48, 16)
	var built *recorder
	h := m.Bind(53, func(e sim.Env) sim.Handler {
		built = &recorder{}
		e.SetTimer(time.Second, 4)
		return built
	})
	if h != built || m.Handler(53) != built {
		t.Fatal("Bind did not return and route the handler it built")
	}
	env.FireNext(node{m})
	if fmt.Sprint(built.tags) != "[4]" {
		t.Errorf("the handler heard %v; want [4]", built.tags)
	}
}

type recorder struct{ heard }

// node is a node's handler that has only timers: its Mux's.
type node struct{ *stack.Mux }

func (node) Receive(sim.NodeID, []byte) {}

func (*recorder) Receive(sim.NodeID, []byte) {}

// Callbacks number tags 1, 2, 3 whatever they are for, run each function
// once, and forget a cancelled one; a write nobody waits for still takes
// a tag.
func TestCallbacks(t *testing.T) {
	env := simtest.New(0, "A")
	cb := stack.NewCallbacks(env)
	var ran []string
	a := cb.After(time.Second, func() { ran = append(ran, "a") })
	cb.WriteDisk("k", []byte("v"), nil)
	b := cb.After(2*time.Second, func() { ran = append(ran, "b") })
	cb.WriteDisk("k", []byte("w"), func() { ran = append(ran, "durable") })
	if !a.Pending() || !b.Pending() {
		t.Fatal("a timer just set is not pending")
	}
	cb.Cancel(&a)
	if a.Pending() {
		t.Error("a cancelled timer is still pending")
	}
	cb.Cancel(&a) // twice is harmless
	cb.Timer(1)   // a's tag: cancelled, runs nothing
	cb.Timer(2)   // the write nobody waits for
	cb.Timer(3)
	cb.Timer(3) // once only
	cb.Timer(4)
	cb.Timer(99) // never handed out
	if got := strings.Join(ran, " "); got != "b durable" {
		t.Errorf("ran %q; want %q", got, "b durable")
	}
	tags := []uint64{env.Timers[0].Tag, env.Writes[0].Tag, env.Timers[1].Tag, env.Writes[1].Tag}
	if fmt.Sprint(tags) != "[1 2 3 4]" {
		t.Errorf("tags %v; want [1 2 3 4]", tags)
	}
	if env.Timers[0].Live {
		t.Error("Cancel left the kernel's timer live")
	}
}

// Callbacks on a Mux's Env stay within its budget: the last tag of a
// 2-bit env is 3, and a fourth panics rather than reach another owner.
func TestCallbacksExhausted(t *testing.T) {
	env := simtest.New(0, "A")
	cb := stack.NewCallbacks(stack.NewMux(env, "tiny", 2, 1).Env(1))
	for i := 0; i < 3; i++ {
		cb.After(time.Second, func() {})
	}
	mustPanic(t, "the 2-bit tags of A's callbacks are exhausted", func() { cb.After(time.Second, func() {}) })
}

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic; want one saying %q", want)
			return
		}
		if msg := fmt.Sprint(r); !strings.Contains(msg, want) {
			t.Errorf("panic %q; want one saying %q", msg, want)
		}
	}()
	f()
}
