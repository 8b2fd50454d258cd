package netmodel

import (
	"bytes"
	"hash/crc32"
	"math/bits"
	"testing"

	"github.com/sim-lecture/sim/sim"
)

// onesSum is the RFC 1071 one's-complement sum of b: big-endian 16-bit
// words, an odd last byte padded with a zero, carries folded back in.
func onesSum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

// withChecksum returns payload behind a 2-byte Internet checksum field set
// so that the sum over the whole message is 0xFFFF, as UDP sends it.
func withChecksum(payload []byte) []byte {
	m := append([]byte{0, 0}, payload...)
	c := ^onesSum(m)
	m[0], m[1] = byte(c>>8), byte(c)
	return m
}

// TestOnesSum checks the test's own checksum against RFC 1071's example.
func TestOnesSum(t *testing.T) {
	tests := []struct {
		in   []byte
		want uint16
	}{
		{[]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, 0xddf2},
		{[]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf7}, 0xddfb},
		{nil, 0},
	}
	for _, tt := range tests {
		if got := onesSum(tt.in); got != tt.want {
			t.Errorf("onesSum(% x) = %#04x; want %#04x", tt.in, got, tt.want)
		}
	}
	if got := onesSum(withChecksum([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7})); got != 0xffff {
		t.Errorf("sum over data and its checksum = %#04x; want 0xffff", got)
	}
}

// TestCorruptionIsOneBitAndCaught checks every corrupted copy: it differs
// from the original in exactly one bit, the Internet checksum and CRC-32
// both catch it, and the sender's slice is untouched.
func TestCorruptionIsOneBitAndCaught(t *testing.T) {
	p := faultless()
	p.Corrupt = 1
	net := New(11, Config{Default: p}, namer("A", "B"))
	corrupted := 0
	for i := range 20_000 {
		msg := withChecksum(testMsg(i, i%61)) // odd and even lengths, 2..62 bytes
		sent := bytes.Clone(msg)
		crc := crc32.ChecksumIEEE(msg)
		d := send(net, sim.Time(i), 0, 1, msg)
		if !bytes.Equal(msg, sent) {
			t.Fatalf("datagram %d: Transmit modified the sender's slice", i)
		}
		if len(d.Copies) != 1 || d.Copies[0].Fate != sim.Corrupted {
			t.Fatalf("datagram %d: copies %+v; want one corrupted copy", i, d.Copies)
		}
		got := d.Copies[0].Msg
		if &got[0] == &msg[0] {
			t.Fatalf("datagram %d: corrupted copy shares the sender's slice", i)
		}
		if n := bitDiff(sent, got); n != 1 {
			t.Fatalf("datagram %d: corrupted copy differs in %d bits; want 1", i, n)
		}
		if s := onesSum(got); s == 0xffff {
			t.Fatalf("datagram %d: Internet checksum missed the corruption of % x", i, got)
		}
		if crc32.ChecksumIEEE(got) == crc {
			t.Fatalf("datagram %d: CRC-32 missed the corruption", i)
		}
		corrupted++
	}
	if got := net.Stats().Corrupted; got != corrupted {
		t.Errorf("Stats().Corrupted = %d; want %d", got, corrupted)
	}
}

// TestCorruptionHitsEveryBit checks that the flipped bit is spread over the
// whole message: on an 8-byte message, all 64 positions occur.
func TestCorruptionHitsEveryBit(t *testing.T) {
	p := faultless()
	p.Corrupt = 1
	net := New(5, Config{Default: p}, namer("A", "B"))
	msg := make([]byte, 8)
	seen := make(map[int]bool)
	for i := range 5000 {
		got := send(net, sim.Time(i), 0, 1, msg).Copies[0].Msg
		for j, b := range got {
			if b != 0 {
				seen[j*8+bits.LeadingZeros8(b)] = true
			}
		}
	}
	if len(seen) != 64 {
		t.Errorf("flipped %d distinct bit positions of 64", len(seen))
	}
}

// TestCorruptEmptyMessage checks that an empty message, which has no bit to
// flip, arrives intact and is not counted as corrupted.
func TestCorruptEmptyMessage(t *testing.T) {
	p := faultless()
	p.Corrupt = 1
	net := New(1, Config{Default: p}, namer("A", "B"))
	d := send(net, 0, 0, 1, nil)
	if len(d.Copies) != 1 || d.Copies[0].Fate != sim.Delivered {
		t.Errorf("copies = %+v; want one delivered copy", d.Copies)
	}
	if got := net.Stats().Corrupted; got != 0 {
		t.Errorf("Stats().Corrupted = %d; want 0", got)
	}
}

// bitDiff counts the bits in which a and b (of equal length) differ; a
// length difference counts as 1000.
func bitDiff(a, b []byte) int {
	if len(a) != len(b) {
		return 1000
	}
	n := 0
	for i := range a {
		n += bits.OnesCount8(a[i] ^ b[i])
	}
	return n
}
