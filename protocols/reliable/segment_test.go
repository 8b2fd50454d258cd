package reliable

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

// The layout of the package documentation, byte for byte, in network byte
// order.
func TestSegmentKnownBytes(t *testing.T) {
	seg := Segment{Type: Data, First: true, SrcInc: 1, DstInc: UnknownIncarnation, Seq: 0x01020304, Payload: []byte("hi")}
	want := []byte{
		1, 1, 0, 0, // DATA, FIRST, reserved
		0, 0, 0, 1, // SrcInc
		0xff, 0xff, 0xff, 0xff, // DstInc unknown
		1, 2, 3, 4, // Seq
		0, 0, 0, 0, // Ack
		'h', 'i',
	}
	if diff := cmp.Diff(want, seg.Marshal()); diff != "" {
		t.Errorf("Marshal (-want +got):\n%s", diff)
	}
	ack := Segment{Type: Ack, SrcInc: 2, DstInc: 1, Ack: 9}
	if got, want := ack.Marshal(), []byte{2, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9}; !cmp.Equal(got, want) {
		t.Errorf("ACK Marshal = % x; want % x", got, want)
	}
}

func TestSegmentLabels(t *testing.T) {
	for _, tt := range []struct {
		seg  Segment
		want string
	}{
		{Segment{Type: Data, Seq: 7}, "DATA 7"},
		{Segment{Type: Ack, Ack: 8}, "ACK 8"},
		{Segment{Type: RST, Seq: 7}, "RST"},
		{Segment{Type: 9}, "TYPE(9)"},
	} {
		if got := tt.seg.Label(); got != tt.want {
			t.Errorf("%+v.Label() = %q; want %q", tt.seg, got, tt.want)
		}
	}
}

func TestParseSegmentRejects(t *testing.T) {
	good := Segment{Type: Data, Seq: 1, Payload: []byte("x")}
	mod := func(f func(b []byte) []byte) []byte { return f(good.Marshal()) }
	firstOnAck := (&Segment{Type: Ack}).Marshal()
	firstOnAck[1] = flagFirst
	tests := []struct {
		name string
		b    []byte
	}{
		{"short", make([]byte, HeaderLen-1)},
		{"type 0", mod(func(b []byte) []byte { b[0] = 0; return b })},
		{"type 4", mod(func(b []byte) []byte { b[0] = 4; return b })},
		{"unknown flag", mod(func(b []byte) []byte { b[1] = 2; return b })},
		{"FIRST on ACK", firstOnAck},
		{"reserved", mod(func(b []byte) []byte { b[3] = 1; return b })},
		{"ACK with payload", (&Segment{Type: Ack, Payload: []byte("x")}).Marshal()},
		{"RST with payload", (&Segment{Type: RST, Payload: []byte("x")}).Marshal()},
		{"DATA with ack", (&Segment{Type: Data, Ack: 1}).Marshal()},
		{"RST with ack", (&Segment{Type: RST, Ack: 1}).Marshal()},
		{"ACK with seq", (&Segment{Type: Ack, Seq: 1}).Marshal()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseSegment(tt.b); !errors.Is(err, ErrMalformed) {
				t.Errorf("ParseSegment(% x) error = %v; want ErrMalformed", tt.b, err)
			}
		})
	}
}

// Every well-formed segment survives Marshal and ParseSegment unchanged, and
// ParseSegment never panics on arbitrary bytes.
func TestSegmentRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		typ := rapid.SampledFrom([]Type{Data, Ack, RST}).Draw(t, "type")
		s := Segment{
			Type:   typ,
			SrcInc: rapid.Uint32().Draw(t, "src"),
			DstInc: rapid.Uint32().Draw(t, "dst"),
		}
		switch typ {
		case Data:
			s.First = rapid.Bool().Draw(t, "first")
			s.Seq = rapid.Uint32().Draw(t, "seq")
			s.Payload = rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, "payload")
		case Ack:
			s.Ack = rapid.Uint32().Draw(t, "ack")
		case RST:
			s.Seq = rapid.Uint32().Draw(t, "seq")
		}
		got, err := ParseSegment(s.Marshal())
		if err != nil {
			t.Fatalf("ParseSegment(Marshal(%+v)) error %v", s, err)
		}
		if diff := cmp.Diff(s, got, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
		junk := rapid.SliceOfN(rapid.Byte(), 0, 40).Draw(t, "junk")
		if seg, err := ParseSegment(junk); err == nil {
			// Strict parsing: what parses re-encodes to the same bytes.
			if again := seg.Marshal(); !cmp.Equal(again, junk, cmpopts.EquateEmpty()) {
				t.Fatalf("% x parsed as %+v, which marshals to % x", junk, seg, again)
			}
		}
	})
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		ok   bool
	}{
		{"zero", Options{}, true},
		{"defaults", DefaultOptions(), true},
		{"negative window", Options{Window: -1}, false},
		{"huge window", Options{Window: MaxWindow + 1}, false},
		{"fixed without timeout", Options{RTO: Fixed}, false},
		{"fixed", Options{RTO: Fixed, FixedTimeout: time.Second}, true},
		{"unknown mode", Options{RTO: 7}, false},
		{"min above max", Options{MinRTO: 2 * time.Second, MaxRTO: time.Second}, false},
		{"negative G", Options{G: -1}, false},
		{"negative retries", Options{MaxRetries: -1}, false},
	}
	for _, tt := range tests {
		err := tt.o.Validate()
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrOptions) {
			t.Errorf("%s: Validate() = %v; want ok %v", tt.name, err, tt.ok)
		}
	}
	for _, s := range []string{"adaptive", "fixed"} {
		m, err := ParseRTOMode(s)
		if err != nil || m.String() != s {
			t.Errorf("ParseRTOMode(%q) = %v, %v", s, m, err)
		}
	}
	if _, err := ParseRTOMode("slow"); !errors.Is(err, ErrOptions) {
		t.Errorf("ParseRTOMode(slow) error = %v; want ErrOptions", err)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("NewEndpoint with invalid options did not panic")
		}
	}()
	newSide(nA, 0, Options{Window: -1})
}
