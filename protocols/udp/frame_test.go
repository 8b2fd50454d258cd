package udp

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sim-lecture/sim/protocols/stack"
	"github.com/sim-lecture/sim/sim"
	"pgregory.net/rapid"
)

// Frame writes in place the header Marshal puts in front of a copy:
// the same datagram, byte for byte, whatever the frame's header bytes
// held before.
func TestFrameEqualsMarshal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		payload := rapid.SliceOfN(rapid.Byte(), 0, 600).Draw(t, "payload")
		h := Header{SrcPort: rapid.Uint16().Draw(t, "src"), DstPort: rapid.Uint16().Draw(t, "dst")}
		want, err := Marshal(testSrc, testDst, h, payload)
		if err != nil {
			t.Fatal(err)
		}
		frame := append(rapid.SliceOfN(rapid.Byte(), HeaderLen, HeaderLen).Draw(t, "garbage"), payload...)
		if err := Frame(testSrc, testDst, h, frame); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(frame, want) {
			t.Fatalf("Frame gave % x; Marshal % x", frame, want)
		}
	})
}

// A frame too long for the Length field is refused like Marshal's
// payload, and left as it was.
func TestFrameTooLong(t *testing.T) {
	for _, n := range []int{MaxPayload + 1, MaxPayload + 100} {
		frame := make([]byte, HeaderLen+n)
		frame[0] = 0xAB
		err := Frame(testSrc, testDst, Header{SrcPort: 1, DstPort: 2}, frame)
		if !errors.Is(err, ErrTooLong) || frame[0] != 0xAB || frame[2] != 0 {
			t.Errorf("Frame of %d payload bytes: %v, header % x; want ErrTooLong and the frame untouched", n, err, frame[:HeaderLen])
		}
	}
}

// A port env is a stack.Framer: SendFramed sends the datagram Send
// would, from the frame itself, and refuses what Send refuses.
func TestPortEnvSendFramed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payload []byte
		sent    int
		stats   Stats
	}{
		{"short", []byte("hello"), 1, Stats{Sent: 1}},
		{"empty", nil, 1, Stats{Sent: 1}},
		{"too long", make([]byte, MaxPayload+1), 0, Stats{TooLong: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			envA, a, _, _ := pair()
			r := bindRecorder(a, 7)
			f, ok := r.env.(stack.Framer)
			if !ok || f.Headroom() != HeaderLen {
				t.Fatalf("port env is a Framer %v with headroom %d; want true, %d", ok, f.Headroom(), HeaderLen)
			}
			frame := append(make([]byte, HeaderLen), tc.payload...)
			f.SendFramed(nodeB, frame, "HELLO")
			sent := envA.TakeSent()
			if len(sent) != tc.sent || a.Stats() != tc.stats {
				t.Fatalf("sent %d, stats %+v; want %d, %+v", len(sent), a.Stats(), tc.sent, tc.stats)
			}
			if tc.sent == 0 {
				return
			}
			want, _ := Marshal(NodeAddr(nodeA), NodeAddr(nodeB), Header{SrcPort: 7, DstPort: 7}, tc.payload)
			if !bytes.Equal(sent[0].Msg, want) || &sent[0].Msg[0] != &frame[0] || sent[0].To != nodeB || sent[0].Label != "HELLO" {
				t.Errorf("sent % x to %d (%q); want % x to %d, in the frame itself", sent[0].Msg, sent[0].To, sent[0].Label, want, nodeB)
			}
		})
	}
}

var _ stack.Framer = (*portEnv)(nil)
var _ sim.Env = (*portEnv)(nil)
