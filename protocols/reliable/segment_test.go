package reliable

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

// The layout of the package documentation, byte for byte, in network byte
// order.
func TestSegmentKnownBytes(t *testing.T) {
	tests := []struct {
		name string
		seg  Segment
		want []byte
	}{
		{"DATA", Segment{Type: Data, TS: true, SrcInc: 1, DstInc: UnknownIncarnation, Seq: 0x01020304, TSval: 0x0a0b0c0d, Payload: []byte("hi")}, []byte{
			1, 2, 0, 0, // DATA, TS, no SACK blocks, reserved
			0, 0, 0, 1, // SrcInc
			0xff, 0xff, 0xff, 0xff, // DstInc unknown
			1, 2, 3, 4, // Seq
			0x0a, 0x0b, 0x0c, 0x0d, // TSval
			'h', 'i',
		}},
		{"ACK", Segment{Type: Ack, TS: true, SrcInc: 2, DstInc: 1, Ack: 9, Window: 0x10000, TSecr: 7, SACK: []SACKBlock{{11, 13}, {15, 16}}}, []byte{
			2, 2, 2, 0, // ACK, TS, 2 SACK blocks, reserved
			0, 0, 0, 2, // SrcInc
			0, 0, 0, 1, // DstInc
			0, 0, 0, 0, // Seq
			0, 0, 0, 9, // Ack
			0, 1, 0, 0, // Window
			0, 0, 0, 7, // TSecr
			0, 0, 0, 11, 0, 0, 0, 13, // SACK [11, 13)
			0, 0, 0, 15, 0, 0, 0, 16, // SACK [15, 16)
		}},
		{"RST", Segment{Type: RST, SrcInc: 3, DstInc: 4, Seq: 5}, []byte{
			3, 0, 0, 0,
			0, 0, 0, 3,
			0, 0, 0, 4,
			0, 0, 0, 5,
			0, 0, 0, 0,
		}},
		{"SYN", Segment{Type: SYN, TS: true, SACKOK: true, SrcInc: 0, DstInc: UnknownIncarnation, Seq: 0xfffffff0, TSval: 1, Window: 0x20000}, []byte{
			4, 6, 0, 0, // SYN, TS|SACKOK
			0, 0, 0, 0,
			0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xf0, // the ISN
			0, 0, 0, 1, // TSval
			0, 2, 0, 0, // Window
		}},
		{"SYN-ACK", Segment{Type: SYNACK, SACKOK: true, SrcInc: 1, DstInc: 0, Seq: 7, Ack: 0xfffffff1, Window: 100}, []byte{
			5, 4, 0, 0, // SYN-ACK, SACKOK
			0, 0, 0, 1,
			0, 0, 0, 0,
			0, 0, 0, 7, // the ISN
			0, 0, 0, 0, // TSval
			0xff, 0xff, 0xff, 0xf1, // Ack
			0, 0, 0, 100, // Window
			0, 0, 0, 0, // TSecr
		}},
		{"FIN", Segment{Type: FIN, SrcInc: 1, DstInc: 2, Seq: 9}, []byte{
			6, 0, 0, 0,
			0, 0, 0, 1,
			0, 0, 0, 2,
			0, 0, 0, 9,
			0, 0, 0, 0,
		}},
		{"PROBE", Segment{Type: Probe, SrcInc: 1, DstInc: 2, Seq: 9}, []byte{
			7, 0, 0, 0,
			0, 0, 0, 1,
			0, 0, 0, 2,
			0, 0, 0, 9,
			0, 0, 0, 0,
		}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.seg.Marshal()); diff != "" {
			t.Errorf("%s: Marshal (-want +got):\n%s", tt.name, diff)
		}
	}
	// UDP's payload over IPv4: 65,535 less the IPv4 and UDP headers.
	if got := len((&Segment{Type: Data, Payload: make([]byte, MaxPayload)}).Marshal()); got != 0xFFFF-20-8 {
		t.Errorf("a DATA segment with MaxPayload bytes is %d bytes; want %d, what a UDP datagram carries over IPv4", got, 0xFFFF-20-8)
	}
}

func TestSegmentLabels(t *testing.T) {
	for _, tt := range []struct {
		seg  Segment
		want string
	}{
		{Segment{Type: Data, Seq: 7}, "DATA 7"},
		{Segment{Type: Ack, Ack: 8, Window: 1}, "ACK 8"},
		{Segment{Type: Ack, Ack: 8, Window: 1, SACK: []SACKBlock{{10, 13}, {14, 15}}}, "ACK 8 SACK 10-12 14"},
		// RFC 2883: a first block below the ACK, or inside the second,
		// reports a duplicate.
		{Segment{Type: Ack, Ack: 8, Window: 1, SACK: []SACKBlock{{5, 6}}}, "ACK 8 DSACK 5"},
		{Segment{Type: Ack, Ack: 8, Window: 1, SACK: []SACKBlock{{11, 12}, {10, 13}}}, "ACK 8 DSACK 11 SACK 10-12"},
		{Segment{Type: Ack, Ack: 8, Window: 0}, "ACK 8 win 0"},
		{Segment{Type: RST, Seq: 7}, "RST"},
		{Segment{Type: SYN, Seq: 7}, "SYN"},
		{Segment{Type: SYNACK, Seq: 7, Ack: 8}, "SYN-ACK"},
		{Segment{Type: FIN, Seq: 7}, "FIN 7"},
		{Segment{Type: Probe, Seq: 7}, "PROBE"},
		{Segment{Type: 9}, "TYPE(9)"},
	} {
		if got := tt.seg.Label(); got != tt.want {
			t.Errorf("%+v.Label() = %q; want %q", tt.seg, got, tt.want)
		}
	}
}

func TestParseSegmentRejects(t *testing.T) {
	good := Segment{Type: Data, Seq: 1, Payload: []byte("x")}
	mod := func(seg Segment, f func(b []byte) []byte) []byte { return f(seg.Marshal()) }
	ack := Segment{Type: Ack, Ack: 1, SACK: []SACKBlock{{3, 4}}}
	tests := []struct {
		name string
		b    []byte
	}{
		{"short", make([]byte, HeaderLen-1)},
		{"type 0", mod(good, func(b []byte) []byte { b[0] = 0; return b })},
		{"type 9", mod(good, func(b []byte) []byte { b[0] = 9; return b })},
		{"unknown flag", mod(good, func(b []byte) []byte { b[1] = 8; return b })},
		{"SACKOK on DATA", mod(good, func(b []byte) []byte { b[1] = flagSACKOK; return b })},
		{"SACKOK on ACK", mod(ack, func(b []byte) []byte { b[1] = flagSACKOK; return b })},
		{"SYN too long", append((&Segment{Type: SYN}).Marshal(), 0)},
		{"FIN with payload", append((&Segment{Type: FIN}).Marshal(), 'x')},
		{"SYN-ACK short", (&Segment{Type: SYNACK}).Marshal()[:28]},
		{"TS on RST", mod(Segment{Type: RST}, func(b []byte) []byte { b[1] = flagTS; return b })},
		{"reserved", mod(good, func(b []byte) []byte { b[3] = 1; return b })},
		{"SACK count on DATA", mod(good, func(b []byte) []byte { b[2] = 1; return b })},
		{"too many SACK blocks", (&Segment{Type: Ack, SACK: make([]SACKBlock, MaxSACKBlocks+1)}).Marshal()},
		{"SACK count beyond the bytes", mod(ack, func(b []byte) []byte { b[2] = 2; return b })},
		{"empty SACK block", (&Segment{Type: Ack, SACK: []SACKBlock{{4, 4}}}).Marshal()},
		{"ACK with payload", append(ack.Marshal(), 'x')},
		{"RST with payload", append((&Segment{Type: RST}).Marshal(), 'x')},
		{"RST with a value in its unused field", mod(Segment{Type: RST}, func(b []byte) []byte { b[19] = 1; return b })},
		{"ACK with seq", mod(ack, func(b []byte) []byte { b[15] = 1; return b })},
		{"TSval without TS", mod(good, func(b []byte) []byte { b[19] = 1; return b })},
		{"TSecr without TS", mod(ack, func(b []byte) []byte { b[27] = 1; return b })},
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
		typ := rapid.SampledFrom([]Type{Data, Ack, RST, SYN, SYNACK, FIN, Probe}).Draw(t, "type")
		s := Segment{
			Type:   typ,
			SrcInc: rapid.Uint32().Draw(t, "src"),
			DstInc: rapid.Uint32().Draw(t, "dst"),
		}
		switch typ {
		case Data, FIN, Probe, SYN, SYNACK:
			s.Seq = rapid.Uint32().Draw(t, "seq")
			if s.TS = rapid.Bool().Draw(t, "ts"); s.TS {
				s.TSval = rapid.Uint32().Draw(t, "tsval")
			}
			switch typ {
			case Data:
				s.Payload = rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, "payload")
			case SYN:
				s.SACKOK = rapid.Bool().Draw(t, "sackok")
				s.Window = rapid.Uint32().Draw(t, "window")
			case SYNACK:
				s.SACKOK = rapid.Bool().Draw(t, "sackok")
				s.Ack = rapid.Uint32().Draw(t, "ack")
				s.Window = rapid.Uint32().Draw(t, "window")
				if s.TS {
					s.TSecr = rapid.Uint32().Draw(t, "tsecr")
				}
			}
		case Ack:
			s.Ack = rapid.Uint32().Draw(t, "ack")
			s.Window = rapid.Uint32().Draw(t, "window")
			if s.TS = rapid.Bool().Draw(t, "ts"); s.TS {
				s.TSecr = rapid.Uint32().Draw(t, "tsecr")
			}
			for range rapid.IntRange(0, MaxSACKBlocks).Draw(t, "blocks") {
				left := rapid.Uint32().Draw(t, "left")
				s.SACK = append(s.SACK, SACKBlock{left, left + rapid.Uint32Range(1, 1<<20).Draw(t, "len")})
			}
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
		junk := rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, "junk")
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
		{"negative initial cwnd", Options{InitialCwnd: -1}, false},
		{"negative receive buffer", Options{RecvBuffer: -1}, false},
		{"negative consume rate", Options{ConsumeRate: -1}, false},
		{"infinite consume rate", Options{ConsumeByteRate: math.Inf(1)}, false},
		{"consume rate too slow", Options{ConsumeRate: 1e-12}, false},
		{"negative time wait", Options{TimeWait: -1}, false},
		{"rack without sack: inactive", Options{RACK: true, FastRetransmit: true}, true},
		{"sack without fast retransmit", Options{SACK: true}, true},
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
