package udp

import (
	"errors"
	"fmt"

	"github.com/sim-lecture/sim/protocols/stack"
	"github.com/sim-lecture/sim/sim"
)

// TagBits is how many low bits of a timer or disk-write tag belong to the
// handler bound to a port. The Host's tag Mux puts the port number in the
// 16 bits above them, so that the one timer space of a node can be shared
// by every port without two services ever receiving each other's timers.
const TagBits = 48

// Stats counts what a Host did with datagrams. Every datagram that arrives
// lands in exactly one of Delivered, Rejected, Malformed and NoPort.
type Stats struct {
	// Sent counts datagrams handed to the network.
	Sent uint64
	// TooLong counts sends refused because the payload exceeded
	// MaxPayload; nothing was sent.
	TooLong uint64
	// Delivered counts datagrams handed to a port's handler.
	Delivered uint64
	// Rejected counts datagrams whose checksum did not verify: the network
	// corrupted them.
	Rejected uint64
	// Malformed counts byte strings that could not be a datagram at all
	// (too short, or a Length field that disagrees with the size).
	Malformed uint64
	// NoPort counts intact datagrams for a port nothing is bound to.
	NoPort uint64
}

// Host is the UDP layer of one node. It is the node's sim.Handler: it
// receives every message the node gets, checks it and routes it by
// destination port to the handler bound there. Each bound handler sees a
// sim.Env of its own (a port env) whose Send wraps the payload in a UDP
// header with a checksum.
//
// Host keeps no state a crash could corrupt: it is rebuilt, ports and all,
// by the node's factory at every restart.
type Host struct {
	env sim.Env
	// The first inlinePorts ports bound are kept in the Host itself
	// (nums[i] is the number of envs[i]), the rest in more. A host binds
	// a handful of ports, and finding one among them in memory the Host
	// already occupies saves a map's cache miss per datagram when
	// thousands of hosts share the cache (BENCHMARKS.md, program
	// workloads). The port envs themselves, and the tag Mux, live in
	// the Host too: one object per node where there were five, so that
	// a datagram or a timer of a node touches one place in memory.
	nports int
	nums   [inlinePorts]uint16
	envs   [inlinePorts]portEnv
	more   map[uint16]*portEnv // looked up only, never iterated
	tags   stack.Mux           // the ports' timers and disk writes
	stats  Stats
}

// inlinePorts is how many ports a Host keeps without a map: NFS's
// client binds three (NFS, MOUNT, the portmapper).
const inlinePorts = 4

// port returns the env of a bound port, or nil.
func (h *Host) port(n uint16) *portEnv {
	for i := range min(h.nports, inlinePorts) {
		if h.nums[i] == n {
			return &h.envs[i]
		}
	}
	return h.more[n]
}

// addPort records a newly bound port and returns its env, in the Host or
// in more.
func (h *Host) addPort(port uint16) *portEnv {
	var p *portEnv
	if h.nports < inlinePorts {
		h.nums[h.nports], p = port, &h.envs[h.nports]
	} else {
		if h.more == nil {
			h.more = map[uint16]*portEnv{}
		}
		p = &portEnv{}
		h.more[port] = p
	}
	h.nports++
	*p = portEnv{Env: *h.tags.Env(uint64(port)), host: h, port: port}
	return p
}

// NewHost returns a Host that sends and sets timers through env, the
// node's environment. It has no ports bound yet.
func NewHost(env sim.Env) *Host {
	h := &Host{env: env}
	// Copied before any Env of it exists: the Envs point to h.tags.
	h.tags = *stack.NewMux(env, "udp port", TagBits, 16)
	return h
}

// Bind builds the handler of a port: it calls f with a port env and routes
// to the handler f returns every datagram addressed to port and every timer
// or disk write that handler starts. It returns that handler.
//
// The port env's Send sends from port to the same port on the destination
// node: services talk port to port, as the lecture's "messages sent from/to
// ports to target a process on machine". Its SetTimer and WriteDisk accept
// tags below 1<<TagBits only (the port occupies the bits above) and panic
// otherwise, a programming error. Everything else is the node's.
//
// Binding a port twice, or a factory that returns nil, is a programming
// error and panics.
func (h *Host) Bind(port uint16, f sim.Factory) sim.Handler {
	if h.port(port) != nil {
		panic(fmt.Sprintf("udp: port %d bound twice", port))
	}
	// Registered before f runs, so that a handler which sends while it is
	// being built already has its port.
	p := h.addPort(port)
	p.upper = f(p)
	if p.upper == nil {
		panic(fmt.Sprintf("udp: factory for port %d returned a nil handler", port))
	}
	h.tags.Handle(uint64(port), p.upper)
	return p.upper
}

// Handler returns the handler bound to port, or nil if none is. The scenario
// runner uses it to call application operations on a service.
func (h *Host) Handler(port uint16) sim.Handler {
	if p := h.port(port); p != nil {
		return p.upper
	}
	return nil
}

// Stats returns the counters of this Host's life.
func (h *Host) Stats() Stats { return h.stats }

// Receive checks a datagram and hands its payload to the handler bound to
// its destination port. A datagram that fails the checksum or is malformed
// is dropped, counted and noted in the trace: the lecture's "only
// protection: checksums to ensure data not corrupted". UDP does nothing
// else about it; recovering the loss is the business of the layer above.
//
// The payload handed on aliases msg and must not be modified.
func (h *Host) Receive(from sim.NodeID, msg []byte) {
	hdr, payload, err := Unmarshal(NodeAddr(from), NodeAddr(h.env.Self()), msg)
	switch {
	case errors.Is(err, ErrChecksum):
		h.stats.Rejected++
		h.env.Trace("udp", "checksum error from "+h.env.NodeName(from))
		return
	case err != nil:
		h.stats.Malformed++
		h.env.Trace("udp", fmt.Sprintf("malformed datagram from %s: %v", h.env.NodeName(from), err))
		return
	}
	p := h.port(hdr.DstPort)
	if p == nil {
		// Real hosts answer with ICMP port unreachable; the lecture's
		// UDP has no such feedback, so the datagram just vanishes.
		h.stats.NoPort++
		h.env.Trace("udp", fmt.Sprintf("no port %d from %s", hdr.DstPort, h.env.NodeName(from)))
		return
	}
	h.stats.Delivered++
	p.upper.Receive(from, payload)
}

// Timer routes a timer or disk-write completion to the port named by the top
// 16 bits of tag, with those bits removed.
func (h *Host) Timer(tag uint64) {
	if !h.tags.Route(tag) {
		// Only a tag the Host never handed out can get here; note it
		// rather than crash the run.
		h.env.Trace("udp", fmt.Sprintf("timer %#x for unbound port %d", tag, tag>>TagBits))
	}
}

// send wraps payload in a datagram from port to port and hands it to the
// network. A payload too long for the 16-bit Length field cannot be sent;
// like a real socket's EMSGSIZE it is refused, which here means counted
// and noted, since sim.Env.Send has no error to return.
func (h *Host) send(port uint16, to sim.NodeID, payload []byte, label string) {
	b, err := Marshal(NodeAddr(h.env.Self()), NodeAddr(to), Header{SrcPort: port, DstPort: port}, payload)
	if err != nil {
		h.stats.TooLong++
		h.env.Trace("udp", fmt.Sprintf("not sent to %s: %v", h.env.NodeName(to), err))
		return
	}
	h.stats.Sent++
	h.env.Send(to, b, label)
}

// sendFramed is send with the datagram built in frame, whose first
// HeaderLen bytes are free for the header (stack.Framer).
func (h *Host) sendFramed(port uint16, to sim.NodeID, frame []byte, label string) {
	if err := Frame(NodeAddr(h.env.Self()), NodeAddr(to), Header{SrcPort: port, DstPort: port}, frame); err != nil {
		h.stats.TooLong++
		h.env.Trace("udp", fmt.Sprintf("not sent to %s: %v", h.env.NodeName(to), err))
		return
	}
	h.stats.Sent++
	h.env.Send(to, frame, label)
}

// portEnv is the sim.Env a port's handler is given: the port's env of the
// Host's tag Mux (its timers and disk writes carry the port), whose Send
// wraps the message in a datagram from and to the port.
type portEnv struct {
	stack.Env
	host  *Host
	port  uint16
	upper sim.Handler
}

func (p *portEnv) Send(to sim.NodeID, msg []byte, label string) {
	p.host.send(p.port, to, msg, label)
}

// Headroom is stack.Framer's: a UDP header (RFC 768).
func (p *portEnv) Headroom() int { return HeaderLen }

// SendFramed is stack.Framer's: Send without copying the message.
func (p *portEnv) SendFramed(to sim.NodeID, frame []byte, label string) {
	p.host.sendFramed(p.port, to, frame, label)
}
