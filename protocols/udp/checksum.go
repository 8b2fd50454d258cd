// The datagram format: an 8-byte header in the layout of RFC 768, protected
// by the Internet checksum of RFC 1071. The checksum is what lets a corrupted
// bit on a simulated link be caught by a real computation rather than by a
// flag on the message.

package udp

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/sim-lecture/sim/sim"
)

// Sum adds b to initial as a sequence of big-endian 16-bit words in one's
// complement arithmetic (RFC 1071 §1) and returns the folded 16-bit sum in
// the low bits of the result. An odd final byte Z counts as the word [Z, 0];
// the pad is never part of the data.
//
// initial lets a caller chain sums over several pieces (a header and then a
// payload); any partial result of Sum, folded or not, is a valid initial
// value. Chaining is only exact when every piece but the last has even
// length, since an odd piece is padded where it ends.
func Sum(b []byte, initial uint32) uint32 {
	// Accumulate in 64 bits so that carries can be deferred (RFC 1071 §2(B)):
	// even 2^32 words of 0xFFFF cannot overflow.
	s := uint64(initial)
	// Eight bytes at a time, as two 32-bit words: the one's complement sum
	// does not depend on how the data is grouped into words (RFC 1071
	// §2(A) and (C)), and the fold below brings it back to 16 bits. A
	// 65,507-byte payload is summed four times faster than word by word.
	for len(b) >= 8 {
		s += uint64(binary.BigEndian.Uint32(b)) + uint64(binary.BigEndian.Uint32(b[4:]))
		b = b[8:]
	}
	for len(b) >= 2 {
		s += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	for s > 0xFFFF {
		s = s&0xFFFF + s>>16
	}
	return uint32(s)
}

// Checksum returns the Internet checksum of b: the one's complement of the
// folded sum. A sender zeroes the checksum field, computes Checksum over the
// whole message and stores the result in the field.
//
// The checksum of empty input (or of all-zero input) is 0xFFFF: the sum is 0
// and its complement is 0xFFFF.
func Checksum(b []byte) uint16 {
	return ^uint16(Sum(b, 0))
}

// Valid reports whether b, which includes a checksum field at an even
// offset, checks out: the one's complement sum over all of it must be
// 0xFFFF (RFC 1071 §1, step 3).
func Valid(b []byte) bool {
	return Sum(b, 0) == 0xFFFF
}

// HeaderLen is the size in bytes of a marshaled Header.
const HeaderLen = 8

// IPv4HeaderLen is the size of the IPv4 header without options (RFC 791
// §3.1), which carries every datagram on a real network.
const IPv4HeaderLen = 20

// MaxPayload is the largest payload of one UDP datagram over IPv4: the
// 16-bit Length field of RFC 768 would allow 65,527 bytes, but the
// datagram travels in an IPv4 packet whose 16-bit Total Length counts the
// IP header too (RFC 791 §3.1), which leaves 65,535 - 20 - 8 = 65,507.
// The simulator has no IP layer, yet it keeps IPv4's limit, so that a
// payload a real socket refuses (EMSGSIZE) is refused here too.
const MaxPayload = 0xFFFF - IPv4HeaderLen - HeaderLen

// Header is the UDP header of RFC 768. All fields travel big-endian.
type Header struct {
	SrcPort uint16
	DstPort uint16
	// Length is the length in bytes of the header plus the payload.
	Length uint16
	// Checksum is the Internet checksum of the datagram, or 0 for "no
	// checksum" (RFC 768).
	Checksum uint16
}

var (
	// ErrChecksum means the datagram's checksum does not match its bytes:
	// it was corrupted in flight.
	ErrChecksum = errors.New("udp: bad checksum")
	// ErrMalformed means the bytes cannot be a datagram: shorter than a
	// header, or a Length field that disagrees with the number of bytes.
	ErrMalformed = errors.New("udp: malformed datagram")
	// ErrTooLong means a payload longer than MaxPayload was given to Marshal.
	ErrTooLong = errors.New("udp: payload too long")
)

// Addr is an IPv4 address: where a node is, for the checksum's
// pseudo-header and for packet captures.
type Addr [4]byte

// NodeAddr is the address of node id: 10.0.0.1 for the first node of a
// world, 10.0.0.2 for the second, and so on through 10.255.255.254. Node IDs
// follow the order in which a scenario adds its nodes, so a node keeps its
// address from run to run.
func NodeAddr(id sim.NodeID) Addr {
	n := uint32(id) + 1
	return Addr{10, byte(n >> 16), byte(n >> 8), byte(n)}
}

// String formats a as a dotted quad.
func (a Addr) String() string { return fmt.Sprintf("%d.%d.%d.%d", a[0], a[1], a[2], a[3]) }

// ProtocolUDP is UDP's IP protocol number.
const ProtocolUDP = 17

// pseudoSum is the sum of RFC 768's pseudo-header: the source and
// destination addresses, a zero byte, the protocol and the UDP length.
func pseudoSum(src, dst Addr, length int) uint32 {
	var p [12]byte
	copy(p[0:], src[:])
	copy(p[4:], dst[:])
	p[9] = ProtocolUDP
	binary.BigEndian.PutUint16(p[10:], uint16(length))
	return Sum(p[:], 0)
}

// Marshal returns the wire form of a datagram carrying payload from src to
// dst. It fills in Length and Checksum itself; the values of those fields
// in h are ignored.
//
// The checksum covers RFC 768's pseudo-header (the IP addresses, the
// protocol and the length), the UDP header and the payload, exactly as a
// real sender computes it, so a capture of the datagram inside an IPv4
// packet between the same addresses checks out. As in RFC 768, a computed
// checksum of 0 is sent as 0xFFFF (the other representation of zero in one's
// complement), because a transmitted 0 means "no checksum".
func Marshal(src, dst Addr, h Header, payload []byte) ([]byte, error) {
	if len(payload) > MaxPayload {
		return nil, fmt.Errorf("%w: %d bytes, max %d", ErrTooLong, len(payload), MaxPayload)
	}
	b := make([]byte, HeaderLen+len(payload))
	copy(b[HeaderLen:], payload)
	return b, Frame(src, dst, h, b)
}

// Frame is Marshal in place: b holds the payload after HeaderLen bytes,
// which Frame fills with the header (h's ports, the length and the
// checksum, as Marshal computes them). It returns the error of Marshal
// for a payload too long, and leaves b alone then.
func Frame(src, dst Addr, h Header, b []byte) error {
	if len(b)-HeaderLen > MaxPayload {
		return fmt.Errorf("%w: %d bytes, max %d", ErrTooLong, len(b)-HeaderLen, MaxPayload)
	}
	binary.BigEndian.PutUint16(b[0:], h.SrcPort)
	binary.BigEndian.PutUint16(b[2:], h.DstPort)
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)))
	// The checksum field is zero while the checksum is computed.
	b[6], b[7] = 0, 0
	c := ^uint16(Sum(b, pseudoSum(src, dst, len(b))))
	if c == 0 {
		c = 0xFFFF
	}
	binary.BigEndian.PutUint16(b[6:], c)
	return nil
}

// Unmarshal parses a datagram that travelled from src to dst. It returns an
// error wrapping ErrMalformed if b is shorter than a header, ErrChecksum if
// the checksum does not verify, and ErrMalformed if the Length field differs
// from len(b).
//
// RFC 768 lets a sender transmit 0 to mean "no checksum". Every sender in
// this simulator computes one (Marshal never sends 0), so a 0 field can only
// be damage: one flipped bit turns 0x0001..0x8000 into 0, and accepting it
// would let a corrupted datagram through. Unmarshal therefore reports a 0
// field as ErrChecksum; a real receiver would accept it.
//
// The returned payload aliases b.
func Unmarshal(src, dst Addr, b []byte) (Header, []byte, error) {
	if len(b) < HeaderLen {
		return Header{}, nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrMalformed, len(b), HeaderLen)
	}
	h := Header{
		SrcPort:  binary.BigEndian.Uint16(b[0:]),
		DstPort:  binary.BigEndian.Uint16(b[2:]),
		Length:   binary.BigEndian.Uint16(b[4:]),
		Checksum: binary.BigEndian.Uint16(b[6:]),
	}
	// The checksum is verified before the length so that a flipped bit
	// anywhere, the Length field included, reads as ErrChecksum.
	if h.Checksum == 0 || Sum(b, pseudoSum(src, dst, len(b))) != 0xFFFF {
		return Header{}, nil, ErrChecksum
	}
	// The simulator delivers exactly the bytes that were sent, so any
	// disagreement between Length and the datagram size is damage.
	if int(h.Length) != len(b) {
		return Header{}, nil, fmt.Errorf("%w: length field %d, datagram %d bytes", ErrMalformed, h.Length, len(b))
	}
	return h, b[HeaderLen:], nil
}
