package stack

import "github.com/sim-lecture/sim/sim"

// A Framer is an env whose Send wraps each message in a header of its own
// (a UDP port env: RFC 768's 8 bytes). A layer above that builds a
// message anyway can leave Headroom bytes free at its front and hand the
// whole buffer to SendFramed, which writes the header there: one buffer
// and no copy per message, instead of the message's buffer and then the
// datagram's. What goes on the wire is the same bytes either way.
type Framer interface {
	// Headroom is how many bytes a frame keeps free for the header.
	Headroom() int
	// SendFramed sends frame[Headroom():] as Send would send it, writing
	// the header into frame[:Headroom()]. The frame then belongs to the
	// network, which may deliver it more than once: the caller must not
	// write to it again, though it may keep and read the message part (a
	// reply cache does).
	SendFramed(to sim.NodeID, frame []byte, label string)
}

// Headroom is the Framer's of the env e was given, 0 if that env does
// not frame: a layer hosted by a Mux over a UDP port env frames too.
func (e *Env) Headroom() int {
	if f, ok := e.Env.(Framer); ok {
		return f.Headroom()
	}
	return 0
}

// SendFramed sends through the Framer of the env e was given, or, if it
// does not frame (Headroom 0), sends frame as it is.
func (e *Env) SendFramed(to sim.NodeID, frame []byte, label string) {
	if f, ok := e.Env.(Framer); ok {
		f.SendFramed(to, frame, label)
		return
	}
	e.Env.Send(to, frame, label)
}
