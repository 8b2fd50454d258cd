package rpc

import (
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/sim-lecture/sim/sim"
)

func TestEncodeLayout(t *testing.T) {
	id := CallID{Client: 2, Incarnation: 1, Seq: 7}
	tests := []struct {
		m     Message
		hex   string
		label string
	}{
		{
			Message{Kind: KindCall, ID: id, PleaseAck: true, AckBelow: 5, Proc: "append", Args: []byte("x")},
			"00000001" + "00000002" + "00000001" + "0000000000000007" + // header
				"00000001" + "0000000000000005" + // flags, ackBelow
				"00000006" + "617070656e640000" + // "append"
				"00000001" + "78000000", // args
			"APPEND",
		},
		{
			Message{Kind: KindReply, ID: id, Status: "ENOENT"},
			"00000002" + "00000002" + "00000001" + "0000000000000007" +
				"00000006" + "454e4f454e540000" + "00000000",
			"REPLY APPEND",
		},
		{
			Message{Kind: KindAckCall, ID: id},
			"00000003" + "00000002" + "00000001" + "0000000000000007",
			"ACK",
		},
		{
			Message{Kind: KindAckReply, ID: id, AckBelow: 8},
			"00000004" + "00000002" + "00000001" + "0000000000000007" + "0000000000000008",
			"ACK",
		},
		{
			Message{Kind: KindProbe, ID: id},
			"00000005" + "00000002" + "00000001" + "0000000000000007",
			"PROBE",
		},
	}
	for _, tt := range tests {
		b := Encode(tt.m)
		if got := hex.EncodeToString(b); got != tt.hex {
			t.Errorf("Encode(%+v) =\n\t%s; want\n\t%s", tt.m, got, tt.hex)
		}
		back, err := Decode(b)
		if err != nil {
			t.Errorf("Decode(Encode(%+v)): %v", tt.m, err)
		}
		if diff := cmp.Diff(tt.m, back); diff != "" {
			t.Errorf("round trip of %v (-want +got):\n%s", tt.m.Kind, diff)
		}
		if got := Label(tt.m.Kind, "append"); got != tt.label {
			t.Errorf("Label(%v) = %q; want %q", tt.m.Kind, got, tt.label)
		}
	}
}

// The sizes doc.go promises.
func TestMessageSizes(t *testing.T) {
	call := Encode(Message{Kind: KindCall, Proc: "read"})
	reply := Encode(Message{Kind: KindReply})
	if len(call) != 44 || len(reply) != 28 {
		t.Errorf("call of read %d bytes, empty reply %d; want 44 (40 + \"read\"), 28", len(call), len(reply))
	}
}

func TestDecodeRejects(t *testing.T) {
	good := Encode(Message{Kind: KindCall, ID: CallID{Seq: 1}, Proc: "read"})
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"short header", good[:10]},
		{"cut body", good[:len(good)-1]},
		{"trailing", append(append([]byte{}, good...), 0, 0, 0, 0)},
		{"unknown kind", append([]byte{0, 0, 0, 9}, good[4:]...)},
		{"kind zero", append([]byte{0, 0, 0, 0}, good[4:]...)},
		{"unknown flag", func() []byte {
			b := append([]byte{}, good...)
			b[23] = 2
			return b
		}()},
	}
	for _, tt := range tests {
		if m, err := Decode(tt.b); !errors.Is(err, ErrMalformed) {
			t.Errorf("Decode(%s) = %+v, %v; want ErrMalformed", tt.name, m, err)
		}
	}
}

// Any message survives a round trip, and Decode never panics on garbage.
func TestEncodeDecodeProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		kind := Kind(rapid.IntRange(1, 5).Draw(t, "kind"))
		m := Message{Kind: kind, ID: CallID{
			Client:      sim.NodeID(rapid.Int32().Draw(t, "client")),
			Incarnation: rapid.Uint32().Draw(t, "incarnation"),
			Seq:         rapid.Uint64().Draw(t, "seq"),
		}}
		switch kind {
		case KindCall:
			m.PleaseAck = rapid.Bool().Draw(t, "pleaseAck")
			m.AckBelow = rapid.Uint64().Draw(t, "ackBelow")
			m.Proc = rapid.String().Draw(t, "proc")
			m.Args = nilIfEmpty(rapid.SliceOf(rapid.Byte()).Draw(t, "args"))
		case KindReply:
			m.Status = rapid.String().Draw(t, "status")
			m.Result = nilIfEmpty(rapid.SliceOf(rapid.Byte()).Draw(t, "result"))
		case KindAckReply:
			m.AckBelow = rapid.Uint64().Draw(t, "ackBelow")
		}
		b := Encode(m)
		if len(b)%4 != 0 {
			t.Fatalf("Encode gave %d bytes, not a multiple of 4", len(b))
		}
		back, err := Decode(b)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if diff := cmp.Diff(m, back); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
		_, _ = Decode(rapid.SliceOf(rapid.Byte()).Draw(t, "garbage"))
	})
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func TestErrorNames(t *testing.T) {
	tests := []struct {
		err  error
		name string
	}{
		{nil, "ok"},
		{ErrTimedOut, "ETIMEDOUT"},
		{NewError("ENOENT"), "ENOENT"},
		{fmt.Errorf("wrapped: %w", NewError("ESTALE")), "ESTALE"},
		{errors.New("disk on fire"), "disk on fire"},
	}
	for _, tt := range tests {
		if got := ErrorName(tt.err); got != tt.name {
			t.Errorf("ErrorName(%v) = %q; want %q", tt.err, got, tt.name)
		}
	}
	// A name that came over the wire matches the package's variable.
	if !errors.Is(errorOf("ETIMEDOUT"), ErrTimedOut) {
		t.Errorf("errorOf(ETIMEDOUT) is not ErrTimedOut")
	}
	if errorOf(statusOf(nil)) != nil || statusOf(NewError("")) == "" {
		t.Errorf("success and failure must not be confused on the wire")
	}
}
