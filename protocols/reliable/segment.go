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
	// arrived) and, with SACK, selectively (Segment.SACK).
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

// HeaderLen is the size in bytes of a DATA segment's header: 20, like
// TCP's. It is the transport's overhead on every message.
const HeaderLen = 20

// baseLen is the part of the header every segment has: type, flags, SACK
// count, reserved byte, SrcInc, DstInc and Seq.
const baseLen = 16

// ackLen is the size of an ACK without SACK blocks: the base, Ack, Window
// and TSecr.
const ackLen = baseLen + 12

// MaxPayload is the largest message the transport carries: what is left of
// one UDP datagram (65535 bytes less the 8-byte UDP header) after the
// segment header. The transport does not split messages.
const MaxPayload = 0xFFFF - 8 - HeaderLen

// MaxSACKBlocks is the most SACK blocks an ACK carries. TCP fits four in
// its 40 bytes of options, or three next to the timestamp option (RFC 2018
// §3); the transport keeps TCP's limits, so that a receiver with many holes
// reports only the most recent ones, as a real one must.
const MaxSACKBlocks = 4

// UnknownIncarnation is the DstInc of a segment whose sender does not yet
// know which incarnation of the receiver it is talking to: only the first
// DATA segment of a stream, sent before anything has been heard from the
// peer, carries it.
const UnknownIncarnation = 0xFFFFFFFF

// The flags.
const (
	// flagFirst marks the first DATA segment of a stream, the one that
	// may create receiver state (TCP's SYN plays this role).
	flagFirst = 0x01
	// flagTS says the segment carries a timestamp: TSval in DATA, TSecr
	// in ACK (RFC 7323). Without it those fields are zero.
	flagTS = 0x02
)

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
	// First marks the first DATA segment of a stream.
	First bool
	// TS says the segment carries a timestamp (RFC 7323): TSval in DATA,
	// TSecr in ACK.
	TS bool
	// SrcInc is the sender's incarnation (sim.Env.Incarnation).
	SrcInc uint32
	// DstInc is the receiver's incarnation as the sender believes it, or
	// UnknownIncarnation.
	DstInc uint32
	// Seq is the sequence number of a DATA segment, or, in a RST, the
	// sequence number of the DATA segment it answers. 0 in an ACK.
	Seq uint32
	// Ack is, in an ACK, the next sequence number the receiver expects
	// (the lecture's N).
	Ack uint32
	// Window is, in an ACK, how many bytes the receiver can still buffer
	// beyond Ack (RFC 9293 §3.8.6).
	Window uint32
	// TSval is, in DATA, the sender's timestamp clock when it sent the
	// segment (RFC 7323 §3).
	TSval uint32
	// TSecr is, in an ACK, the TSval the receiver echoes (RFC 7323 §4.3).
	TSecr uint32
	// SACK lists, in an ACK, the blocks of messages received after a
	// hole, most recent first (RFC 2018 §4); a first block that lies
	// below Ack or inside the second reports a duplicate (D-SACK, RFC
	// 2883).
	SACK []SACKBlock
	// Payload is the message of a DATA segment; empty otherwise.
	Payload []byte
}

// Label names the segment in traces and space-time diagrams: "DATA 7",
// "ACK 8", "ACK 8 SACK 10-12 14", "ACK 8 DSACK 5", "RST".
func (s *Segment) Label() string {
	switch s.Type {
	case Data:
		return "DATA " + strconv.FormatUint(uint64(s.Seq), 10)
	case Ack:
		if len(s.SACK) == 0 {
			return "ACK " + strconv.FormatUint(uint64(s.Ack), 10)
		}
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
		return b.String()
	}
	return s.Type.String()
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
	n := baseLen + 4
	if s.Type == Ack {
		n = ackLen + 8*len(s.SACK)
	}
	b := make([]byte, n+len(s.Payload))
	b[0] = byte(s.Type)
	if s.First {
		b[1] |= flagFirst
	}
	if s.TS {
		b[1] |= flagTS
	}
	if s.Type == Ack {
		b[2] = byte(len(s.SACK))
	}
	// b[3] is reserved and stays zero.
	binary.BigEndian.PutUint32(b[4:], s.SrcInc)
	binary.BigEndian.PutUint32(b[8:], s.DstInc)
	binary.BigEndian.PutUint32(b[12:], s.Seq)
	switch s.Type {
	case Ack:
		binary.BigEndian.PutUint32(b[16:], s.Ack)
		binary.BigEndian.PutUint32(b[20:], s.Window)
		binary.BigEndian.PutUint32(b[24:], s.TSecr)
		for i, blk := range s.SACK {
			binary.BigEndian.PutUint32(b[ackLen+8*i:], blk.Left)
			binary.BigEndian.PutUint32(b[ackLen+8*i+4:], blk.Right)
		}
	default:
		binary.BigEndian.PutUint32(b[16:], s.TSval)
	}
	copy(b[n:], s.Payload)
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
	if len(b) < baseLen+4 {
		return Segment{}, fmt.Errorf("%w: %d bytes, shorter than a %d-byte header", ErrMalformed, len(b), baseLen+4)
	}
	s := Segment{
		Type:   Type(b[0]),
		First:  b[1]&flagFirst != 0,
		TS:     b[1]&flagTS != 0,
		SrcInc: binary.BigEndian.Uint32(b[4:]),
		DstInc: binary.BigEndian.Uint32(b[8:]),
		Seq:    binary.BigEndian.Uint32(b[12:]),
	}
	nsack := int(b[2])
	allowed := byte(0)
	switch s.Type {
	case Data:
		allowed = flagFirst | flagTS
	case Ack:
		allowed = flagTS
	case RST:
	default:
		return Segment{}, fmt.Errorf("%w: type %d", ErrMalformed, b[0])
	}
	switch {
	case b[1]&^allowed != 0:
		return Segment{}, fmt.Errorf("%w: flags %#02x on %s", ErrMalformed, b[1], s.Type)
	case b[3] != 0:
		return Segment{}, fmt.Errorf("%w: reserved byte %#02x", ErrMalformed, b[3])
	case nsack != 0 && s.Type != Ack:
		return Segment{}, fmt.Errorf("%w: %d SACK blocks on %s", ErrMalformed, nsack, s.Type)
	case nsack > MaxSACKBlocks:
		return Segment{}, fmt.Errorf("%w: %d SACK blocks, more than %d", ErrMalformed, nsack, MaxSACKBlocks)
	}
	switch s.Type {
	case Ack:
		if len(b) != ackLen+8*nsack {
			return Segment{}, fmt.Errorf("%w: ACK with %d SACK blocks is %d bytes, not %d", ErrMalformed, nsack, len(b), ackLen+8*nsack)
		}
		s.Ack = binary.BigEndian.Uint32(b[16:])
		s.Window = binary.BigEndian.Uint32(b[20:])
		s.TSecr = binary.BigEndian.Uint32(b[24:])
		if nsack > 0 {
			s.SACK = make([]SACKBlock, nsack)
		}
		for i := range s.SACK {
			blk := SACKBlock{binary.BigEndian.Uint32(b[ackLen+8*i:]), binary.BigEndian.Uint32(b[ackLen+8*i+4:])}
			if !seqLT(blk.Left, blk.Right) {
				return Segment{}, fmt.Errorf("%w: SACK block [%d, %d) is empty", ErrMalformed, blk.Left, blk.Right)
			}
			s.SACK[i] = blk
		}
		if s.Seq != 0 {
			return Segment{}, fmt.Errorf("%w: ACK with seq %d", ErrMalformed, s.Seq)
		}
		if !s.TS && s.TSecr != 0 {
			return Segment{}, fmt.Errorf("%w: ACK with TSecr %d but no TS flag", ErrMalformed, s.TSecr)
		}
	case Data:
		s.TSval = binary.BigEndian.Uint32(b[16:])
		if len(b) > HeaderLen {
			s.Payload = b[HeaderLen:]
		}
		if !s.TS && s.TSval != 0 {
			return Segment{}, fmt.Errorf("%w: DATA with TSval %d but no TS flag", ErrMalformed, s.TSval)
		}
	case RST:
		if len(b) != baseLen+4 {
			return Segment{}, fmt.Errorf("%w: RST of %d bytes, not %d", ErrMalformed, len(b), baseLen+4)
		}
		if v := binary.BigEndian.Uint32(b[16:]); v != 0 {
			return Segment{}, fmt.Errorf("%w: RST with %d in its unused field", ErrMalformed, v)
		}
	}
	return s, nil
}
