package messaging

import (
	"encoding/binary"
	"testing"
)

// decodeByVote is Decode as first written: a vote over every word
// kept in a map, and a comparison with the re-encoded message. The fast
// decoder must agree with it on every copy the network can make.
func decodeByVote(b []byte) (row, seq int, altered, ok bool) {
	if len(b) < word {
		return 0, 0, true, false
	}
	type id struct{ row, seq uint32 }
	votes := map[id]int{}
	var best id
	for off := 0; off+word <= len(b); off += word {
		v := id{binary.BigEndian.Uint32(b[off:]), binary.BigEndian.Uint32(b[off+4:])}
		votes[v]++
		if votes[v] > votes[best] || (votes[v] == votes[best] && off == 0) {
			best = v
		}
	}
	want := Encode(int(best.row), int(best.seq), len(b))
	return int(best.row), int(best.seq), string(want) != string(b), true
}

// TestDecodeAgreesWithVote: intact messages and every one-bit flip of
// messages of several sizes (one word, two words, a ragged tail) decode
// as the vote decodes them.
func TestDecodeAgreesWithVote(t *testing.T) {
	for _, size := range []int{1, 8, 12, 16, 17, 24, 100} {
		msg := Encode(3, 70000, size)
		check := func(b []byte, what string) {
			r1, s1, a1, ok1 := Decode(b)
			r2, s2, a2, ok2 := decodeByVote(b)
			if r1 != r2 || s1 != s2 || a1 != a2 || ok1 != ok2 {
				t.Fatalf("size %d, %s: Decode = %d %d %v %v; the vote says %d %d %v %v", size, what, r1, s1, a1, ok1, r2, s2, a2, ok2)
			}
		}
		check(msg, "intact")
		if r, s, a, _ := Decode(msg); r != 3 || s != 70000 || a {
			t.Fatalf("size %d: intact message decoded as %d %d altered=%v", size, r, s, a)
		}
		for bit := 0; bit < 8*len(msg); bit++ {
			b := append([]byte(nil), msg...)
			b[bit/8] ^= 1 << (bit % 8)
			check(b, "bit flipped")
		}
	}
}

// BenchmarkDecode decodes a 65,000-byte datagram, the largest a send row
// may carry over UDP.
func BenchmarkDecode(b *testing.B) {
	msg := Encode(1, 2, 65000)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		Decode(msg)
	}
}
