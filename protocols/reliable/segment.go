package reliable

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// Type is the type of a segment.
type Type uint8

// The segment types.
const (
	// Data carries one message of the upper layer.
	Data Type = 1
	// Ack acknowledges cumulatively: every message before Segment.Ack has
	// arrived.
	Ack Type = 2
	// RST tells the sender of a DATA segment that the receiver has no
	// connection it belongs to, so that the sender gives up at once
	// instead of retransmitting into the void.
	RST Type = 3
)

func (t Type) String() string {
	switch t {
	case Data:
		return "DATA"
	case Ack:
		return "ACK"
	case RST:
		return "RST"
	}
	return "TYPE(" + strconv.Itoa(int(t)) + ")"
}

// HeaderLen is the size in bytes of a segment header: 20, like TCP's.
const HeaderLen = 20

// MaxPayload is the largest message the transport carries: what is left of
// one UDP datagram (65535 bytes less the 8-byte UDP header) after the
// segment header. The transport does not split messages.
const MaxPayload = 0xFFFF - 8 - HeaderLen

// UnknownIncarnation is the DstInc of a segment whose sender does not yet
// know which incarnation of the receiver it is talking to: only the first
// DATA segment of a stream, sent before anything has been heard from the
// peer, carries it.
const UnknownIncarnation = 0xFFFFFFFF

// flagFirst marks the first DATA segment of a stream, the one that may
// create receiver state (TCP's SYN plays this role).
const flagFirst = 0x01

// ErrMalformed means bytes cannot be a segment: too short, an unknown type
// or flag, a non-zero reserved field, or fields that make no sense for the
// type.
var ErrMalformed = errors.New("reliable: malformed segment")

// Segment is one unit of the transport on the wire. See the package
// documentation for the layout.
type Segment struct {
	Type Type
	// First marks the first DATA segment of a stream.
	First bool
	// SrcInc is the sender's incarnation (sim.Env.Incarnation).
	SrcInc uint32
	// DstInc is the receiver's incarnation as the sender believes it, or
	// UnknownIncarnation.
	DstInc uint32
	// Seq is the sequence number of a DATA segment, or, in a RST, the
	// sequence number of the DATA segment it answers. 0 in an ACK.
	Seq uint32
	// Ack is, in an ACK, the next sequence number the receiver expects
	// (the lecture's N). 0 in DATA and RST.
	Ack uint32
	// Payload is the message of a DATA segment; empty otherwise.
	Payload []byte
}

// Label names the segment in traces and space-time diagrams: "DATA 7",
// "ACK 8", "RST".
func (s *Segment) Label() string {
	switch s.Type {
	case Data:
		return "DATA " + strconv.FormatUint(uint64(s.Seq), 10)
	case Ack:
		return "ACK " + strconv.FormatUint(uint64(s.Ack), 10)
	}
	return s.Type.String()
}

// Marshal returns the wire form of s.
func (s *Segment) Marshal() []byte {
	b := make([]byte, HeaderLen+len(s.Payload))
	b[0] = byte(s.Type)
	if s.First {
		b[1] = flagFirst
	}
	// b[2:4] is reserved and stays zero.
	binary.BigEndian.PutUint32(b[4:], s.SrcInc)
	binary.BigEndian.PutUint32(b[8:], s.DstInc)
	binary.BigEndian.PutUint32(b[12:], s.Seq)
	binary.BigEndian.PutUint32(b[16:], s.Ack)
	copy(b[HeaderLen:], s.Payload)
	return b
}

// ParseSegment parses the wire form of a segment. It is strict, so that
// every segment has exactly one encoding: it returns an error wrapping
// ErrMalformed for a short input, an unknown type, a flag other than FIRST
// or FIRST on anything but DATA, a non-zero reserved field, a payload on an
// ACK or RST, or a field that the type leaves unused but is not zero.
//
// The payload aliases b.
func ParseSegment(b []byte) (Segment, error) {
	if len(b) < HeaderLen {
		return Segment{}, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrMalformed, len(b), HeaderLen)
	}
	s := Segment{
		Type:   Type(b[0]),
		First:  b[1] == flagFirst,
		SrcInc: binary.BigEndian.Uint32(b[4:]),
		DstInc: binary.BigEndian.Uint32(b[8:]),
		Seq:    binary.BigEndian.Uint32(b[12:]),
		Ack:    binary.BigEndian.Uint32(b[16:]),
	}
	if len(b) > HeaderLen {
		s.Payload = b[HeaderLen:]
	}
	switch {
	case s.Type != Data && s.Type != Ack && s.Type != RST:
		return Segment{}, fmt.Errorf("%w: type %d", ErrMalformed, b[0])
	case b[1]&^flagFirst != 0 || s.First && s.Type != Data:
		return Segment{}, fmt.Errorf("%w: flags %#02x on %s", ErrMalformed, b[1], s.Type)
	case b[2] != 0 || b[3] != 0:
		return Segment{}, fmt.Errorf("%w: reserved bytes %#02x %#02x", ErrMalformed, b[2], b[3])
	case s.Type != Data && len(s.Payload) > 0:
		return Segment{}, fmt.Errorf("%w: %s with a %d-byte payload", ErrMalformed, s.Type, len(s.Payload))
	case s.Type != Ack && s.Ack != 0:
		return Segment{}, fmt.Errorf("%w: %s with ack %d", ErrMalformed, s.Type, s.Ack)
	case s.Type == Ack && s.Seq != 0:
		return Segment{}, fmt.Errorf("%w: ACK with seq %d", ErrMalformed, s.Seq)
	}
	return s, nil
}
