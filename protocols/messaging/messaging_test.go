package messaging_test

import (
	"testing"

	"github.com/sim-lecture/sim/protocols/messaging"
	"github.com/sim-lecture/sim/sim/simtest"
)

// A message says which it is, even with one bit flipped; a flipped bit
// makes it altered, never another message.
func TestDecode(t *testing.T) {
	tests := []struct {
		name                string
		stream, seq, size   int
		flip                int // byte to flip a bit of, -1 for none
		wantAltered, wantOK bool
	}{
		{"intact", 3, 14, 100, -1, false, true},
		{"one word", 0, 1, 8, -1, false, true},
		{"shorter than a word is padded", 1, 2, 3, -1, false, true},
		{"a flipped bit in the middle", 3, 14, 100, 50, true, true},
		{"a flipped bit in the first word", 7, 9, 64, 2, true, true},
		{"a flipped bit in the tail", 2, 5, 21, 20, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := messaging.Encode(tc.stream, tc.seq, tc.size)
			if tc.size >= 8 && len(b) != tc.size {
				t.Fatalf("Encode: %d bytes; want %d", len(b), tc.size)
			}
			if tc.flip >= 0 {
				b[tc.flip] ^= 0x10
			}
			stream, seq, altered, ok := messaging.Decode(b)
			if stream != tc.stream || seq != tc.seq || altered != tc.wantAltered || ok != tc.wantOK {
				t.Errorf("Decode = %d, %d, %v, %v; want %d, %d, %v, %v", stream, seq, altered, ok,
					tc.stream, tc.seq, tc.wantAltered, tc.wantOK)
			}
		})
	}
	if _, _, altered, ok := messaging.Decode([]byte{1, 2}); ok || !altered {
		t.Errorf("Decode of 2 bytes: ok %v, altered %v; want neither readable nor intact", ok, altered)
	}
}

// The receiver notes every copy, with the time it came and whether it was
// intact; an unreadable copy is noted as stream -1.
func TestReceiver(t *testing.T) {
	env := simtest.New(1, "A", "B")
	var log []messaging.Arrival
	r := messaging.NewReceiver(env, &log)
	env.Clock = 5
	r.Receive(0, messaging.Encode(0, 0, 16))
	r.Receive(0, []byte{9})
	want := []messaging.Arrival{{At: 5, Stream: 0, Seq: 0}, {At: 5, Stream: -1, Seq: -1, Altered: true}}
	if len(log) != 2 || log[0] != want[0] || log[1] != want[1] {
		t.Errorf("arrivals %+v; want %+v", log, want)
	}
	if r.Env() != env {
		t.Errorf("Env is not the receiver's env")
	}
}
