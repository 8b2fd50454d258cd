package udp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/sim-lecture/sim/sim"
)

// Reference: RFC 1071 §3 (numerical example) and protocol-facts.md §2.
func TestSumAndChecksumVectors(t *testing.T) {
	tests := []struct {
		name     string
		data     []byte
		sum      uint32
		checksum uint16
	}{
		// The RFC's example: 0x2ddf0 folds to 0xddf2.
		{"rfc1071 example", []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, 0xddf2, 0x220d},
		// The final f7 counts as the word f700.
		{"odd length", []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf7}, 0xddfb, 0x2204},
		// "empty -> 0xffff" is the checksum of empty input: its sum is 0
		// and the complement of 0 is 0xffff. (Valid(empty) is false.)
		{"empty", nil, 0x0000, 0xffff},
		{"all zero", []byte{0, 0, 0}, 0x0000, 0xffff},
		// 0xffff + 0x0001 = 0x10000 folds to 0x0001: the end-around carry.
		{"carry", []byte{0xff, 0xff, 0x00, 0x01}, 0x0001, 0xfffe},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sum(tt.data, 0); got != tt.sum {
				t.Errorf("Sum(% x, 0) = %#04x; want %#04x", tt.data, got, tt.sum)
			}
			if got := Checksum(tt.data); got != tt.checksum {
				t.Errorf("Checksum(% x) = %#04x; want %#04x", tt.data, got, tt.checksum)
			}
		})
	}
}

// Reference: RFC 1071 §1 step 3: the sum over data and checksum is all ones.
func TestValidRFCExample(t *testing.T) {
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7, 0x22, 0x0d}
	if got := Sum(b, 0); got != 0xffff {
		t.Errorf("Sum(% x, 0) = %#04x; want 0xffff", b, got)
	}
	if !Valid(b) {
		t.Errorf("Valid(% x) = false; want true", b)
	}
	if Valid(nil) {
		t.Errorf("Valid(nil) = true; want false (a message without a checksum field cannot check out)")
	}
}

// Reference: RFC 1071 §2(A)-(B): the sum is associative, so it can be
// computed piecewise and carries can be deferred.
func TestSumChaining(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := rapid.SliceOf(rapid.Byte()).Draw(t, "a")
		if len(a)%2 == 1 {
			a = a[1:] // chaining is only exact at even boundaries
		}
		b := rapid.SliceOf(rapid.Byte()).Draw(t, "b")
		whole := Sum(append(append([]byte{}, a...), b...), 0)
		if got := Sum(b, Sum(a, 0)); got != whole {
			t.Fatalf("Sum(b, Sum(a, 0)) = %#04x; want %#04x", got, whole)
		}
	})
}

// Reference: RFC 1071 §1: storing the checksum makes the message verify, and
// any single-bit error is detected (a change of ±2^k can never be a multiple
// of 0xffff, so the sum cannot stay all ones).
func TestChecksumProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		data := rapid.SliceOf(rapid.Byte()).Draw(t, "data")
		// The checksum field sits at an even offset, as in every real
		// header; the data after it may have odd length.
		at := 2 * rapid.IntRange(0, len(data)/2).Draw(t, "word")
		msg := make([]byte, 0, len(data)+2)
		msg = append(msg, data[:at]...)
		msg = append(msg, 0, 0)
		msg = append(msg, data[at:]...)
		binary.BigEndian.PutUint16(msg[at:], Checksum(msg))
		if !Valid(msg) {
			t.Fatalf("Valid(% x) = false after storing the checksum at %d", msg, at)
		}
		bit := rapid.IntRange(0, 8*len(msg)-1).Draw(t, "bit")
		msg[bit/8] ^= 1 << (bit % 8)
		if Valid(msg) {
			t.Fatalf("Valid(% x) = true after flipping bit %d", msg, bit)
		}
	})
}

func TestMarshalRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		h       Header
		payload []byte
	}{
		{"empty payload", Header{SrcPort: 1, DstPort: 2}, nil},
		{"odd payload", Header{SrcPort: 1023, DstPort: 2049}, []byte("hello")},
		// Marshal ignores the Length and Checksum the caller passes.
		{"stale fields ignored", Header{SrcPort: 7, DstPort: 9, Length: 99, Checksum: 1234}, []byte("abcd")},
		{"max payload", Header{SrcPort: 0xffff, DstPort: 0xffff}, bytes.Repeat([]byte{0xa5}, MaxPayload)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Marshal(testSrc, testDst, tt.h, tt.payload)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if len(b) != HeaderLen+len(tt.payload) {
				t.Fatalf("len(Marshal) = %d; want %d", len(b), HeaderLen+len(tt.payload))
			}
			h, p, err := Unmarshal(testSrc, testDst, b)
			if err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			want := Header{SrcPort: tt.h.SrcPort, DstPort: tt.h.DstPort, Length: uint16(len(b)), Checksum: h.Checksum}
			if diff := cmp.Diff(want, h); diff != "" {
				t.Errorf("header mismatch (-want +got):\n%s", diff)
			}
			if h.Checksum == 0 {
				t.Errorf("Checksum = 0; Marshal must never send 0")
			}
			if !bytes.Equal(p, tt.payload) {
				t.Errorf("payload = % x; want % x", p, tt.payload)
			}
		})
	}
}

// testSrc and testDst are the addresses of the tests' datagrams: node A's
// and node B's.
var testSrc, testDst = NodeAddr(nodeA), NodeAddr(nodeB)

// Reference: RFC 768 — the checksum covers the pseudo-header 0a00 0001 (10.0.0.1),
// 0a00 0002 (10.0.0.2), 0011 (zero, protocol 17) and 000c (length), then
// the header and the data.
func TestMarshalKnownBytes(t *testing.T) {
	b, err := Marshal(testSrc, testDst, Header{SrcPort: 0x0001, DstPort: 0xf203}, []byte{0xf4, 0xf5, 0xf6, 0xf7})
	if err != nil {
		t.Fatal(err)
	}
	// Pseudo-header words 0a00 0001 0a00 0002 0011 000c = 0x1420; datagram
	// words 0001 f203 000c 0000 f4f5 f6f7 = 0x2ddfc; total 0x2f21c -> f21e;
	// ~ = 0de1.
	want := []byte{0x00, 0x01, 0xf2, 0x03, 0x00, 0x0c, 0x0d, 0xe1, 0xf4, 0xf5, 0xf6, 0xf7}
	if !bytes.Equal(b, want) {
		t.Errorf("Marshal = % x; want % x", b, want)
	}
}

// Reference: RFC 768: a computed checksum of zero is transmitted as all ones.
func TestMarshalZeroChecksumSentAsFFFF(t *testing.T) {
	// The pseudo-header of 0.0.0.0 -> 0.0.0.0 sums to 0011 + 000a; header
	// words 0000 0000 000a 0000 add 0x000a; the payload word ffda brings the
	// total to 0xffff, so the computed checksum is 0.
	var zero Addr
	b, err := Marshal(zero, zero, Header{}, []byte{0xff, 0xda})
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.BigEndian.Uint16(b[6:]); got != 0xffff {
		t.Fatalf("checksum field = %#04x; want 0xffff", got)
	}
	if _, _, err := Unmarshal(zero, zero, b); err != nil {
		t.Errorf("Unmarshal: %v", err)
	}
}

func TestMarshalTooLong(t *testing.T) {
	_, err := Marshal(testSrc, testDst, Header{}, make([]byte, MaxPayload+1))
	if !errors.Is(err, ErrTooLong) {
		t.Errorf("Marshal(MaxPayload+1 bytes) error = %v; want ErrTooLong", err)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	good, err := Marshal(testSrc, testDst, Header{SrcPort: 5, DstPort: 6}, []byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int, mask byte) []byte {
		b := append([]byte{}, good...)
		b[i] ^= mask
		return b
	}
	noChecksum := func(b []byte) []byte {
		b = append([]byte{}, b...)
		b[6], b[7] = 0, 0
		return b
	}
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"nil", nil, ErrMalformed},
		{"short header", good[:7], ErrMalformed},
		{"truncated payload", good[:len(good)-1], ErrChecksum},
		{"truncated, no checksum", noChecksum(good)[:len(good)-1], ErrChecksum},
		{"extra byte, no checksum", append(noChecksum(good), 0), ErrChecksum},
		{"payload bit", flip(HeaderLen+2, 0x10), ErrChecksum},
		{"port bit", flip(0, 0x80), ErrChecksum},
		{"length bit", flip(5, 0x01), ErrChecksum},
		{"checksum bit", flip(7, 0x04), ErrChecksum},
		{"zero checksum field is damage here", noChecksum(flip(HeaderLen, 0xff)), ErrChecksum},
		{"zero checksum field on intact data", noChecksum(good), ErrChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Unmarshal(testSrc, testDst, tt.b)
			if !errors.Is(err, tt.want) {
				t.Errorf("Unmarshal(testSrc, testDst, % x) error = %v; want %v", tt.b, err, tt.want)
			}
		})
	}
}

// Any single flipped bit in a marshaled datagram is reported as ErrChecksum,
// including a flip that turns the checksum field into 0 (see Unmarshal).
func TestUnmarshalDetectsAnyBitFlip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := Header{
			SrcPort: rapid.Uint16().Draw(t, "src"),
			DstPort: rapid.Uint16().Draw(t, "dst"),
		}
		payload := rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, "payload")
		b, err := Marshal(testSrc, testDst, h, payload)
		if err != nil {
			t.Fatal(err)
		}
		bit := rapid.IntRange(0, 8*len(b)-1).Draw(t, "bit")
		b[bit/8] ^= 1 << (bit % 8)
		_, _, err = Unmarshal(testSrc, testDst, b)
		if !errors.Is(err, ErrChecksum) {
			t.Fatalf("Unmarshal after flipping bit %d: error = %v; want ErrChecksum", bit, err)
		}
	})
}

// sumByWords is RFC 1071's definition taken literally: 16-bit words, one
// at a time. Sum's eight-byte steps must give the same result.
func sumByWords(b []byte, initial uint32) uint32 {
	s := uint64(initial)
	for ; len(b) >= 2; b = b[2:] {
		s += uint64(b[0])<<8 | uint64(b[1])
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	for s > 0xFFFF {
		s = s&0xFFFF + s>>16
	}
	return uint32(s)
}

func TestSumEqualsWordByWord(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOfN(rapid.Byte(), 0, 300).Draw(t, "b")
		if rapid.Bool().Draw(t, "ones") {
			for i := range b {
				b[i] = 0xFF
			}
		}
		initial := rapid.Uint32Range(0, 0x1FFFE).Draw(t, "initial")
		if got, want := Sum(b, initial), sumByWords(b, initial); got != want {
			t.Fatalf("Sum(% x, %#x) = %#x; want %#x", b, initial, got, want)
		}
	})
}

// BenchmarkSum sums the largest UDP payload.
func BenchmarkSum(b *testing.B) {
	p := make([]byte, MaxPayload)
	for i := range p {
		p[i] = byte(i * 7)
	}
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		Sum(p, 0)
	}
}

func TestNodeAddr(t *testing.T) {
	for _, tt := range []struct {
		id   sim.NodeID
		want string
	}{{0, "10.0.0.1"}, {1, "10.0.0.2"}, {254, "10.0.0.255"}, {255, "10.0.1.0"}, {1<<24 - 2, "10.255.255.255"}} {
		if got := NodeAddr(tt.id).String(); got != tt.want {
			t.Errorf("NodeAddr(%d) = %s; want %s", tt.id, got, tt.want)
		}
	}
}

// Reference: RFC 768 — the pseudo-header "gives protection against
// misrouted datagrams": the same bytes between other addresses fail.
func TestChecksumCoversAddresses(t *testing.T) {
	b, err := Marshal(testSrc, testDst, Header{SrcPort: 1, DstPort: 2}, []byte("to B"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Unmarshal(testSrc, NodeAddr(7), b); !errors.Is(err, ErrChecksum) {
		t.Errorf("Unmarshal at the wrong address: %v; want ErrChecksum", err)
	}
	// Swapping the two addresses goes unnoticed: a sum does not see order.
	if _, _, err := Unmarshal(testDst, testSrc, b); err != nil {
		t.Errorf("Unmarshal with the addresses swapped: %v; want nil (the sum is commutative)", err)
	}
}
