package reliable

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Type is the type of a segment.
type Type uint8

// The segment types.
const (
	// Data carries one message of the upper layer.
	Data Type = 1
	// Ack acknowledges cumulatively (every message before Segment.Ack has
	// arrived) and, with SACK, selectively (Segment.SACK); it advertises
	// the receive window.
	Ack Type = 2
	// RST tells the sender of a segment that the receiver has no
	// connection it belongs to, so that the sender gives up at once
	// instead of retransmitting into the void.
	RST Type = 3
	// SYN opens a connection: the first leg of the three-way handshake,
	// with the sender's initial sequence number (RFC 9293 §3.5).
	SYN Type = 4
	// SYNACK is the second leg: the receiver's initial sequence number
	// and the acknowledgment of the SYN.
	SYNACK Type = 5
	// FIN closes the sender's direction of the connection (half-close):
	// it takes the sequence number after the last message.
	FIN Type = 6
	// Probe asks a receiver that advertised a zero window for its window
	// (RFC 9293 §3.8.6.1): it carries no message, and the receiver answers
	// with an ACK.
	Probe Type = 7
)

var typeNames = [...]string{Data: "DATA", Ack: "ACK", RST: "RST", SYN: "SYN", SYNACK: "SYN-ACK", FIN: "FIN", Probe: "PROBE"}

func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "TYPE(" + strconv.Itoa(int(t)) + ")"
}

// HeaderLen is the size in bytes of a DATA segment's header: 20, like
// TCP's. It is the transport's overhead on every message.
const HeaderLen = 20

// baseLen is the part of the header every segment has: type, flags, SACK
// count, reserved byte, SrcInc, DstInc and Seq.
const baseLen = 16

// MaxPayload is the largest message the transport carries: what is left of
// one UDP datagram's payload over IPv4 (65,507 bytes: 65,535 less the
// 20-byte IPv4 header and the 8-byte UDP header, see udp.MaxPayload) after
// the segment header. The transport does not split messages.
const MaxPayload = 0xFFFF - 20 - 8 - HeaderLen

// MaxSACKBlocks is the most SACK blocks an ACK carries. TCP fits four in
// its 40 bytes of options, or three next to the timestamp option (RFC 2018
// §3); the transport keeps TCP's limits, so that a receiver with many holes
// reports only the most recent ones, as a real one must.
const MaxSACKBlocks = 4

// UnknownIncarnation is the DstInc of a segment whose sender does not yet
// know which incarnation of the receiver it is talking to: a SYN sent
// before anything has been heard from the peer.
const UnknownIncarnation = 0xFFFFFFFF

// The flags.
const (
	// flagTS says the segment carries timestamps (RFC 7323): TSval in
	// DATA, FIN, PROBE, SYN and SYN-ACK, TSecr in ACK and SYN-ACK. On a
	// SYN it offers the option; on a SYN-ACK it accepts it. Without it
	// those fields are zero.
	flagTS = 0x02
	// flagSACKOK offers (SYN) or accepts (SYN-ACK) selective
	// acknowledgments: RFC 2018's SACK-permitted option.
	flagSACKOK = 0x04
)

// layout says which fields follow the base header of a type, in this
// order: TSval, Ack, Window, TSecr, SACK blocks, payload.
type layout struct{ tsval, ack, window, tsecr, sack, payload, zero bool }

var layouts = [...]layout{
	Data:   {tsval: true, payload: true},
	Ack:    {ack: true, window: true, tsecr: true, sack: true},
	RST:    {zero: true},
	SYN:    {tsval: true, window: true},
	SYNACK: {tsval: true, ack: true, window: true, tsecr: true},
	FIN:    {tsval: true},
	Probe:  {tsval: true},
}

// flagsOf says which flags a type may carry.
func flagsOf(t Type) byte {
	switch t {
	case SYN, SYNACK:
		return flagTS | flagSACKOK
	case RST:
		return 0
	}
	return flagTS
}

// ErrMalformed means bytes cannot be a segment: too short or too long for
// its type, an unknown type or flag, a non-zero reserved field, or fields
// that make no sense for the type.
var ErrMalformed = errors.New("reliable: malformed segment")

// SACKBlock is one block of a selective acknowledgment (RFC 2018 §3): the
// receiver holds every message numbered from Left up to, not including,
// Right.
type SACKBlock struct{ Left, Right uint32 }

// Segment is one unit of the transport on the wire. See the package
// documentation for the layout.
type Segment struct {
	Type Type
	// TS says the segment carries timestamps (RFC 7323): TSval in DATA,
	// FIN, PROBE, SYN and SYN-ACK, TSecr in ACK and SYN-ACK. On a SYN it
	// offers the option, on a SYN-ACK it accepts it.
	TS bool
	// SACKOK offers (SYN) or accepts (SYN-ACK) selective acknowledgments.
	SACKOK bool
	// SrcInc is the sender's incarnation (sim.Env.Incarnation).
	SrcInc uint32
	// DstInc is the receiver's incarnation as the sender believes it, or
	// UnknownIncarnation.
	DstInc uint32
	// Seq is the sequence number of a DATA segment, of a FIN, the initial
	// sequence number of a SYN or SYN-ACK, the next sequence number in a
	// PROBE, or, in a RST, the sequence number of the segment it answers.
	// 0 in an ACK.
	Seq uint32
	// Ack is, in an ACK or SYN-ACK, the next sequence number the receiver
	// expects (the lecture's N).
	Ack uint32
	// Window is, in an ACK, SYN or SYN-ACK, how many bytes the sender of
	// the segment can still buffer beyond Ack (RFC 9293 §3.8.6).
	Window uint32
	// TSval is the sender's timestamp clock when it sent the segment (RFC
	// 7323 §3).
	TSval uint32
	// TSecr is, in an ACK or SYN-ACK, the TSval the receiver echoes (RFC
	// 7323 §4.3).
	TSecr uint32
	// SACK lists, in an ACK, the blocks of messages received after a
	// hole, most recent first (RFC 2018 §4); a first block that lies
	// below Ack or inside the second reports a duplicate (D-SACK, RFC
	// 2883).
	SACK []SACKBlock
	// Payload is the message of a DATA segment; empty otherwise.
	Payload []byte
}

// Label names the segment in traces and space-time diagrams with the
// numbers it carries: "DATA 7", "ACK 8", "ACK 8 SACK 10-12 14", "ACK 8
// DSACK 5", "ACK 8 win 0", "SYN", "SYN-ACK", "FIN 9", "PROBE", "RST". The
// Endpoint labels what it sends with numbers relative to the connection's
// initial sequence numbers (Relative), so that the first message is DATA 1
// whatever the ISN.
func (s *Segment) Label() string {
	switch s.Type {
	case Data, FIN:
		return s.Type.String() + " " + strconv.FormatUint(uint64(s.Seq), 10)
	case Ack:
		var b strings.Builder
		b.WriteString("ACK ")
		b.WriteString(strconv.FormatUint(uint64(s.Ack), 10))
		blocks := s.SACK
		if s.DSACK() {
			b.WriteString(" DSACK ")
			writeBlock(&b, blocks[0])
			blocks = blocks[1:]
		}
		for i, blk := range blocks {
			if i == 0 {
				b.WriteString(" SACK ")
			} else {
				b.WriteByte(' ')
			}
			writeBlock(&b, blk)
		}
		if s.Window == 0 {
			b.WriteString(" win 0")
		}
		return b.String()
	}
	return s.Type.String()
}

// Relative returns a copy of s with its sequence numbers counted from the
// connection's: Seq from iss (the sender's initial sequence number), Ack
// and SACK blocks from irs (the receiver's). The copy is for labels; it
// shares the payload.
func (s Segment) Relative(iss, irs uint32) Segment {
	switch s.Type {
	case SYN, SYNACK, RST:
		s.Seq = 0
	default:
		s.Seq -= iss
	}
	if s.Type == Ack || s.Type == SYNACK {
		s.Ack -= irs
	}
	if len(s.SACK) > 0 {
		blocks := make([]SACKBlock, len(s.SACK))
		for i, b := range s.SACK {
			blocks[i] = SACKBlock{b.Left - irs, b.Right - irs}
		}
		s.SACK = blocks
	}
	return s
}

// writeBlock writes a block as the messages it holds: "10-12" or "14".
func writeBlock(b *strings.Builder, blk SACKBlock) {
	b.WriteString(strconv.FormatUint(uint64(blk.Left), 10))
	if last := blk.Right - 1; last != blk.Left {
		b.WriteByte('-')
		b.WriteString(strconv.FormatUint(uint64(last), 10))
	}
}

// DSACK reports whether the first SACK block of an ACK reports a duplicate
// rather than data after a hole (RFC 2883 §4): it lies below the
// cumulative Ack, or inside the second block.
func (s *Segment) DSACK() bool {
	if s.Type != Ack || len(s.SACK) == 0 {
		return false
	}
	first := s.SACK[0]
	if seqLEQ(first.Right, s.Ack) {
		return true
	}
	if len(s.SACK) > 1 {
		second := s.SACK[1]
		return seqLEQ(second.Left, first.Left) && seqLEQ(first.Right, second.Right)
	}
	return false
}

// Marshal returns the wire form of s.
func (s *Segment) Marshal() []byte {
	l := layouts[s.Type]
	n := baseLen
	for _, f := range []bool{l.tsval, l.ack, l.window, l.tsecr, l.zero} {
		if f {
			n += 4
		}
	}
	if l.sack {
		n += 8 * len(s.SACK)
	}
	b := make([]byte, n+len(s.Payload))
	b[0] = byte(s.Type)
	if s.TS {
		b[1] |= flagTS
	}
	if s.SACKOK {
		b[1] |= flagSACKOK
	}
	if l.sack {
		b[2] = byte(len(s.SACK))
	}
	// b[3] is reserved and stays zero.
	binary.BigEndian.PutUint32(b[4:], s.SrcInc)
	binary.BigEndian.PutUint32(b[8:], s.DstInc)
	binary.BigEndian.PutUint32(b[12:], s.Seq)
	i := baseLen
	put := func(on bool, v uint32) {
		if on {
			binary.BigEndian.PutUint32(b[i:], v)
			i += 4
		}
	}
	put(l.tsval, s.TSval)
	put(l.ack, s.Ack)
	put(l.window, s.Window)
	put(l.tsecr, s.TSecr)
	put(l.zero, 0)
	if l.sack {
		for _, blk := range s.SACK {
			put(true, blk.Left)
			put(true, blk.Right)
		}
	}
	copy(b[i:], s.Payload)
	return b
}

// ParseSegment parses the wire form of a segment. It is strict, so that
// every segment has exactly one encoding: it returns an error wrapping
// ErrMalformed for an input shorter or longer than its type allows, an
// unknown type, a flag the type does not take, a non-zero reserved field,
// SACK blocks on anything but an ACK or more than MaxSACKBlocks, an empty
// SACK block, a timestamp field set without the TS flag, a payload on
// anything but DATA, or a field the type leaves unused that is not zero.
//
// The payload aliases b; the SACK blocks do not.
func ParseSegment(b []byte) (Segment, error) {
	if len(b) < baseLen {
		return Segment{}, fmt.Errorf("%w: %d bytes, shorter than the %d-byte base header", ErrMalformed, len(b), baseLen)
	}
	s := Segment{
		Type:   Type(b[0]),
		TS:     b[1]&flagTS != 0,
		SACKOK: b[1]&flagSACKOK != 0,
		SrcInc: binary.BigEndian.Uint32(b[4:]),
		DstInc: binary.BigEndian.Uint32(b[8:]),
		Seq:    binary.BigEndian.Uint32(b[12:]),
	}
	if int(s.Type) >= len(layouts) || layouts[s.Type] == (layout{}) {
		return Segment{}, fmt.Errorf("%w: type %d", ErrMalformed, b[0])
	}
	l := layouts[s.Type]
	nsack := int(b[2])
	switch {
	case b[1]&^flagsOf(s.Type) != 0:
		return Segment{}, fmt.Errorf("%w: flags %#02x on %s", ErrMalformed, b[1], s.Type)
	case b[3] != 0:
		return Segment{}, fmt.Errorf("%w: reserved byte %#02x", ErrMalformed, b[3])
	case nsack != 0 && !l.sack:
		return Segment{}, fmt.Errorf("%w: %d SACK blocks on %s", ErrMalformed, nsack, s.Type)
	case nsack > MaxSACKBlocks:
		return Segment{}, fmt.Errorf("%w: %d SACK blocks, more than %d", ErrMalformed, nsack, MaxSACKBlocks)
	}
	want := baseLen
	for _, f := range []bool{l.tsval, l.ack, l.window, l.tsecr, l.zero} {
		if f {
			want += 4
		}
	}
	want += 8 * nsack
	if len(b) < want || len(b) > want && !l.payload {
		return Segment{}, fmt.Errorf("%w: %s of %d bytes, not %d", ErrMalformed, s.Type, len(b), want)
	}
	i := baseLen
	get := func(on bool) uint32 {
		if !on {
			return 0
		}
		v := binary.BigEndian.Uint32(b[i:])
		i += 4
		return v
	}
	s.TSval = get(l.tsval)
	s.Ack = get(l.ack)
	s.Window = get(l.window)
	s.TSecr = get(l.tsecr)
	if v := get(l.zero); v != 0 {
		return Segment{}, fmt.Errorf("%w: %s with %d in its unused field", ErrMalformed, s.Type, v)
	}
	if nsack > 0 {
		s.SACK = make([]SACKBlock, nsack)
		for k := range s.SACK {
			blk := SACKBlock{get(true), get(true)}
			if !seqLT(blk.Left, blk.Right) {
				return Segment{}, fmt.Errorf("%w: SACK block [%d, %d) is empty", ErrMalformed, blk.Left, blk.Right)
			}
			s.SACK[k] = blk
		}
	}
	if len(b) > i {
		s.Payload = b[i:]
	}
	switch {
	case s.Type == Ack && s.Seq != 0:
		return Segment{}, fmt.Errorf("%w: ACK with seq %d", ErrMalformed, s.Seq)
	case !s.TS && (s.TSval != 0 || s.TSecr != 0):
		return Segment{}, fmt.Errorf("%w: %s with a timestamp but no TS flag", ErrMalformed, s.Type)
	}
	return s, nil
}
