// Package stack is how the layers of one node share its timers and disk
// writes. The kernel gives a node one space of uint64 tags (sim.Env's
// SetTimer and WriteDisk) and hands each fired timer and durable write back
// to the node's one handler (Handler.Timer). A node is a stack of layers,
// UDP ports, a reliable endpoint, an RPC client and server, a file
// service, and each layer sets timers of its own; so each layer needs its
// own part of the tag space, and the tags must find their way back up to
// the layer that set them.
//
// A Mux does that for a layer that hosts others: it splits the tags of the
// env it was given into a field of owner numbers (a UDP port, "the reliable
// endpoint itself" or "the layer above", an RPC client or server) over the
// low bits, gives each owner an Env whose tags it may number from 0 as it
// likes, and routes each tag back to the owner's handler with the owner's
// bits removed. A layer therefore decides its own layout (how many low bits
// its owners get, how wide the owner field is) and nothing else: it never
// needs the bit budgets of the layers below or above it. What it must fit
// in is its env's budget (Bits), which each Mux's Env reports, and which
// NewMux checks when the node is built, so that a layer that does not fit
// fails at once, by name, not by a timer delivered to the wrong layer.
//
// Callbacks is the other half: a layer whose timers are "run this function
// then" takes tags from a counter and never decodes one.
//
// Both are plain state of the endpoint that owns them, built again by the
// node's factory at every restart (design rule 4: nothing survives a
// crash), and neither starts or reads anything the kernel does not give
// it, so that the tags, and the trace records that carry them, are a
// function of the run.
package stack

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// Timers is what a Mux routes a tag to: sim.Handler's Timer. Every
// sim.Handler is one, and so is a Callbacks.
type Timers interface {
	// Timer is called with the owner's own tag of a timer that fired or a
	// disk write that became durable.
	Timer(tag uint64)
}

// Budget is what an env whose tags are limited implements: TagBits is how
// many low bits of a tag its holder may use. A Mux's Env does.
type Budget interface{ TagBits() int }

// Bits returns how many low bits of the tags given to env's SetTimer and
// WriteDisk its holder may use: env's TagBits if it has a Budget, otherwise
// 64, the node's whole tag. An env that wraps another should pass TagBits
// on; one that does not only makes NewMux's check looser, since the Env
// below still refuses a tag that does not fit.
func Bits(env sim.Env) int {
	if b, ok := env.(Budget); ok {
		return b.TagBits()
	}
	return 64
}

// Mux shares the tags of one env among owners, each numbered in a field of
// the tags above the low bits it leaves each owner. The zero Mux is not
// usable; call NewMux.
type Mux struct {
	env  sim.Env
	name string
	low  int
	max  uint64 // the largest owner number the field holds
	// routes is short (a UDP host binds a few ports, the other layers two
	// owners), so a scan in binding order beats a map and iterates
	// nothing whose order could reach the output.
	routes []route
}

type route struct {
	owner uint64
	to    Timers
}

// NewMux returns a Mux over env whose owners' tags are below 1<<low, with
// the owner number in the bits field above them: an owner's tag t is env's
// tag owner<<low | t. name says whose Mux it is in the messages of the
// programming errors it panics on: a layout that does not fit in env's
// Bits, or a field of no bits.
func NewMux(env sim.Env, name string, low, bits int) *Mux {
	if bits < 1 || low < 0 || low+bits > Bits(env) {
		panic(fmt.Sprintf("%s: %d owner bits over %d low bits do not fit the %d bits of its env's tags", name, bits, low, Bits(env)))
	}
	return &Mux{env: env, name: name, low: low, max: 1<<bits - 1}
}

// Env returns the env of owner: env itself, whose SetTimer and WriteDisk
// take tags below 1<<low and put the owner number above them. It panics
// if owner does not fit the field.
func (m *Mux) Env(owner uint64) *Env {
	if owner > m.max {
		panic(fmt.Sprintf("%s: owner %d does not fit its %d-bit field", m.name, owner, bitLen(m.max)))
	}
	return &Env{Env: m.env, mux: m, owner: owner, high: owner << m.low}
}

// Handle routes owner's tags to to. Routing an owner twice, or to nil, is a
// programming error and panics.
func (m *Mux) Handle(owner uint64, to Timers) {
	if to == nil || m.Handler(owner) != nil {
		panic(fmt.Sprintf("%s: owner %d routed twice, or to nil", m.name, owner))
	}
	m.routes = append(m.routes, route{owner, to})
}

// Bind builds the handler of owner: it calls f with owner's Env, routes
// owner's tags to the handler f returns and returns that handler. A handler
// may set timers while f builds it: they are routed once it is returned.
func (m *Mux) Bind(owner uint64, f sim.Factory) sim.Handler {
	h := f(m.Env(owner))
	m.Handle(owner, h)
	return h
}

// Handler returns what owner's tags are routed to, or nil.
func (m *Mux) Handler(owner uint64) Timers {
	for _, r := range m.routes {
		if r.owner == owner {
			return r.to
		}
	}
	return nil
}

// Route hands tag, with the owner's bits removed, to its owner's handler,
// and reports whether it had one. A tag of no owner can only be one that
// was never handed out: the caller decides whether to note it.
func (m *Mux) Route(tag uint64) bool {
	to := m.Handler(tag >> m.low)
	if to == nil {
		return false
	}
	to.Timer(tag & (1<<m.low - 1))
	return true
}

// Timer routes tag as Route does, and drops a tag of no owner; a Mux is
// therefore a Timers, and a layer with nothing else to do with a tag can
// hand it on.
func (m *Mux) Timer(tag uint64) { m.Route(tag) }

func bitLen(max uint64) int {
	n := 0
	for ; max > 0; max >>= 1 {
		n++
	}
	return n
}

// Env is the env of one owner of a Mux: the Mux's env, with the owner
// number put above every tag.
type Env struct {
	sim.Env
	mux   *Mux
	owner uint64
	high  uint64
}

// TagBits implements Budget: the owner's tags are below 1<<low.
func (e *Env) TagBits() int { return e.mux.low }

// SetTimer sets a timer of the owner. A tag that does not fit below
// 1<<low is a programming error and panics.
func (e *Env) SetTimer(d time.Duration, tag uint64) sim.TimerID {
	return e.Env.SetTimer(d, e.tag(tag))
}

// WriteDisk starts a disk write of the owner, tagged as SetTimer's timers.
func (e *Env) WriteDisk(key string, val []byte, tag uint64) {
	e.Env.WriteDisk(key, val, e.tag(tag))
}

func (e *Env) tag(tag uint64) uint64 {
	if tag>>e.mux.low != 0 {
		panic(fmt.Sprintf("%s: tag %#x of owner %d does not fit %d bits", e.mux.name, tag, e.owner, e.mux.low))
	}
	return e.high | tag
}

// TimerFunc is a function as a Timers: a layer's own timer handler that is
// a method rather than a type, as in m.Handle(1, stack.TimerFunc(e.ownTimer)).
type TimerFunc func(tag uint64)

// Timer calls f(tag).
func (f TimerFunc) Timer(tag uint64) { f(tag) }
