package rpc

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// w concatenates big-endian words and byte strings given in hex, ignoring
// spaces: the golden bytes below are written field by field from RFC 5531
// §9's XDR, not produced by the encoder under test.
func w(parts ...string) string { return strings.ReplaceAll(strings.Join(parts, ""), " ", "") }

// The AUTH_SYS credential of node "A" at uid 0, gid 0, no other groups, with
// a stamp of 0x80000002 (please ACK; lowest outstanding call 2 below).
var authSysA = w(
	"00000001",          // flavor AUTH_SYS
	"00000018",          // body length 24
	"80000002",          // stamp
	"00000001 41000000", // machinename "A", padded
	"00000000",          // uid
	"00000000",          // gid
	"00000000",          // gids<16>: none
)

// Reference: RFC 5531 §9 (rpc_msg, call_body, reply_body, accepted_reply,
// rejected_reply, opaque_auth) and Appendix A (authsys_parms).
func TestMessageGoldenBytes(t *testing.T) {
	sys := AuthSysParms{Stamp: 0x80000002, MachineName: "A"}.Marshal()
	tests := []struct {
		name string
		m    Msg
		hex  string
	}{
		{
			"call, AUTH_NONE, demo APPEND(\"x\")",
			Msg{XID: 0x01000007, Type: MsgCall, Call: CallHeader{RPCVers: 2, Prog: DemoProgram, Vers: 1, Proc: 2},
				Body: []byte{0, 0, 0, 1, 'x', 0, 0, 0}},
			w("01000007", "00000000", // xid, CALL
				"00000002", "20001984", "00000001", "00000002", // rpcvers, prog, vers, proc
				"00000000 00000000", "00000000 00000000", // cred, verf: AUTH_NONE, empty
				"00000001 78000000"), // the string "x"
		},
		{
			"call, AUTH_SYS, NFS NULL",
			Msg{XID: 3, Type: MsgCall, Call: CallHeader{RPCVers: 2, Prog: 100003, Vers: 2, Proc: 0, Cred: sys}},
			w("00000003", "00000000", "00000002", "000186a3", "00000002", "00000000", authSysA, "00000000 00000000"),
		},
		{
			"reply, SUCCESS with results",
			Msg{XID: 3, Type: MsgReply, Reply: ReplyHeader{Stat: MsgAccepted, Accept: Success}, Body: []byte{0, 0, 0, 9}},
			w("00000003", "00000001", "00000000", "00000000 00000000", "00000000", "00000009"),
		},
		{
			"reply, PROG_UNAVAIL",
			Msg{XID: 3, Type: MsgReply, Reply: ReplyHeader{Stat: MsgAccepted, Accept: ProgUnavail}},
			w("00000003", "00000001", "00000000", "00000000 00000000", "00000001"),
		},
		{
			"reply, PROG_MISMATCH 2..3",
			Msg{XID: 3, Type: MsgReply, Reply: ReplyHeader{Stat: MsgAccepted, Accept: ProgMismatch, Low: 2, High: 3}},
			w("00000003", "00000001", "00000000", "00000000 00000000", "00000002", "00000002", "00000003"),
		},
		{
			"reply, PROC_UNAVAIL",
			Msg{XID: 3, Type: MsgReply, Reply: ReplyHeader{Stat: MsgAccepted, Accept: ProcUnavail}},
			w("00000003", "00000001", "00000000", "00000000 00000000", "00000003"),
		},
		{
			"reply, GARBAGE_ARGS",
			Msg{XID: 3, Type: MsgReply, Reply: ReplyHeader{Stat: MsgAccepted, Accept: GarbageArgs}},
			w("00000003", "00000001", "00000000", "00000000 00000000", "00000004"),
		},
		{
			"reply, SYSTEM_ERR",
			Msg{XID: 3, Type: MsgReply, Reply: ReplyHeader{Stat: MsgAccepted, Accept: SystemErr}},
			w("00000003", "00000001", "00000000", "00000000 00000000", "00000005"),
		},
		{
			"reply, denied RPC_MISMATCH 2..2",
			Msg{XID: 3, Type: MsgReply, Reply: ReplyHeader{Stat: MsgDenied, Reject: RPCMismatch, Low: 2, High: 2}},
			w("00000003", "00000001", "00000001", "00000000", "00000002", "00000002"),
		},
		{
			"reply, denied AUTH_ERROR AUTH_TOOWEAK",
			Msg{XID: 3, Type: MsgReply, Reply: ReplyHeader{Stat: MsgDenied, Reject: AuthError, Auth: AuthTooWeak}},
			w("00000003", "00000001", "00000001", "00000001", "00000005"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.m.Marshal()
			if got := hex.EncodeToString(b); got != tt.hex {
				t.Errorf("Marshal =\n\t%s; want\n\t%s", got, tt.hex)
			}
			back, err := ParseMsg(b)
			if err != nil {
				t.Fatalf("ParseMsg: %v", err)
			}
			if diff := cmp.Diff(tt.m, back, cmpMsg); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

// cmpMsg compares messages with nil and empty bodies as equal.
var cmpMsg = cmp.Transformer("bytes", func(b []byte) string { return string(b) })

// Reference: the package documentation of AckProgram — the lecture's
// extensions are one-way calls of a program of their own, and the
// piggybacked acknowledgement rides in the AUTH_SYS stamp.
func TestLectureMessages(t *testing.T) {
	ackCall := encodeAck(0x00000009, procAckCall, 0x01000007, 0)
	want := w("00000009", "00000000", "00000002", "20001985", "00000001", "00000001",
		"00000000 00000000", "00000000 00000000", "01000007", "00000000")
	if got := hex.EncodeToString(ackCall); got != want {
		t.Errorf("ACKCALL =\n\t%s; want\n\t%s", got, want)
	}
	ackReply := encodeAck(0x0000000a, procAckReply, 0x01000007, 0x01000008)
	want = w("0000000a", "00000000", "00000002", "20001985", "00000001", "00000003",
		"00000000 00000000", "00000000 00000000", "01000007", "01000008")
	if got := hex.EncodeToString(ackReply); got != want {
		t.Errorf("ACKREPLY =\n\t%s; want\n\t%s", got, want)
	}
	tests := []struct {
		b    []byte
		want Message
	}{
		{ackCall, Message{Kind: KindAckCall, ID: CallID{Client: -1, Incarnation: 1, Seq: 7}}},
		{encodeAck(11, procProbe, 0x01000007, 0), Message{Kind: KindProbe, ID: CallID{Client: -1, Incarnation: 1, Seq: 7}}},
		{ackReply, Message{Kind: KindAckReply, ID: CallID{Client: -1, Incarnation: 1, Seq: 7}, AckBelow: 8, HasAck: true}},
		{
			// Call 7 of incarnation 1, whose lowest outstanding call is 5:
			// stamp distance 2, and a retransmission.
			encodeCall(0x01000007, DemoIncrement, AuthSysParms{Stamp: 0x80000002, MachineName: "A"}.Marshal(), nil),
			Message{Kind: KindCall, ID: CallID{Client: -1, Incarnation: 1, Seq: 7}, PleaseAck: true, AckBelow: 5, HasAck: true},
		},
		{
			encodeCall(0x01000007, DemoIncrement, noAuth, nil),
			Message{Kind: KindCall, ID: CallID{Client: -1, Incarnation: 1, Seq: 7}},
		},
		{encodeReply(0x01000007, Success, nil), Message{Kind: KindReply, ID: CallID{Client: -1, Incarnation: 1, Seq: 7}}},
	}
	for _, tt := range tests {
		got, err := Decode(tt.b)
		if err != nil {
			t.Fatalf("Decode(%x): %v", tt.b, err)
		}
		got.Msg = Msg{}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Decode(%x) (-want +got):\n%s", tt.b, diff)
		}
		if k := kindOf(tt.b); k != tt.want.Kind {
			t.Errorf("kindOf(%x) = %v; want %v", tt.b, k, tt.want.Kind)
		}
	}
}

func TestAuthSysLimits(t *testing.T) {
	ok := AuthSysParms{Stamp: 1, MachineName: strings.Repeat("m", 255), UID: 1000, GID: 100, GIDs: make([]uint32, 16)}
	back, err := ParseAuthSys(ok.Marshal().Body)
	if err != nil || !cmp.Equal(ok, back) {
		t.Errorf("ParseAuthSys(Marshal(%+v)) = %+v, %v", ok, back, err)
	}
	for _, bad := range []AuthSysParms{
		{MachineName: strings.Repeat("m", 256)},
		{GIDs: make([]uint32, 17)},
	} {
		if _, err := ParseAuthSys(bad.Marshal().Body); err == nil {
			t.Errorf("ParseAuthSys accepted %d-byte machinename, %d gids", len(bad.MachineName), len(bad.GIDs))
		}
	}
	if _, err := ParseAuthSys(append(ok.Marshal().Body, 0, 0, 0, 0)); err == nil {
		t.Errorf("ParseAuthSys accepted trailing bytes")
	}
}

func TestParseMsgRejects(t *testing.T) {
	good := encodeCall(1, DemoIncrement, AuthSysParms{MachineName: "A"}.Marshal(), nil)
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"xid only", good[:4]},
		{"call cut in its header", good[:20]},
		{"call cut in its credential", good[:30]},
		{"unknown msg_type", []byte{0, 0, 0, 1, 0, 0, 0, 2}},
		{"unknown reply_stat", []byte{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2}},
		{"unknown reject_stat", []byte{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2}},
		{"denied reply with trailing bytes", append(Msg{Type: MsgReply, Reply: ReplyHeader{Stat: MsgDenied, Reject: AuthError}}.Marshal(), 0, 0, 0, 0)},
		{"credential over 400 bytes", Msg{Type: MsgCall, Call: CallHeader{RPCVers: 2, Cred: OpaqueAuth{Flavor: AuthSys, Body: make([]byte, 404)}}}.Marshal()},
	}
	for _, tt := range tests {
		if _, err := ParseMsg(tt.b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: ParseMsg(%x) error %v; want ErrMalformed", tt.name, tt.b, err)
		}
	}
	// A call of another RPC version parses, so that the server can deny
	// it with RPC_MISMATCH.
	m, err := ParseMsg([]byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0xff})
	if err != nil || m.Call.RPCVers != 3 {
		t.Errorf("ParseMsg of an RPC version 3 call = %+v, %v; want version 3", m, err)
	}
}

// Any header survives a round trip, and ParseMsg never panics on garbage.
func TestMsgRoundTripProperty(t *testing.T) {
	auth := func(t *rapid.T, label string) OpaqueAuth {
		return OpaqueAuth{Flavor: Flavor(rapid.Uint32Range(0, 3).Draw(t, label+"flavor")),
			Body: rapid.SliceOfN(rapid.Byte(), 0, MaxAuthBody).Draw(t, label+"body")}
	}
	rapid.Check(t, func(t *rapid.T) {
		m := Msg{XID: rapid.Uint32().Draw(t, "xid"), Type: MsgType(rapid.Uint32Range(0, 1).Draw(t, "type"))}
		if m.Type == MsgCall {
			m.Call = CallHeader{RPCVers: 2, Prog: rapid.Uint32().Draw(t, "prog"), Vers: rapid.Uint32().Draw(t, "vers"),
				Proc: rapid.Uint32().Draw(t, "proc"), Cred: auth(t, "cred"), Verf: auth(t, "verf")}
			m.Body = rapid.SliceOf(rapid.Byte()).Draw(t, "args")
		} else {
			r := &m.Reply
			r.Stat = ReplyStat(rapid.Uint32Range(0, 1).Draw(t, "stat"))
			if r.Stat == MsgAccepted {
				r.Verf = auth(t, "verf")
				r.Accept = AcceptStat(rapid.Uint32Range(0, 5).Draw(t, "accept"))
				if r.Accept == ProgMismatch {
					r.Low, r.High = rapid.Uint32().Draw(t, "low"), rapid.Uint32().Draw(t, "high")
				}
				m.Body = rapid.SliceOf(rapid.Byte()).Draw(t, "results")
			} else {
				r.Reject = RejectStat(rapid.Uint32Range(0, 1).Draw(t, "reject"))
				if r.Reject == RPCMismatch {
					r.Low, r.High = rapid.Uint32().Draw(t, "low"), rapid.Uint32().Draw(t, "high")
				} else {
					r.Auth = AuthStat(rapid.Uint32Range(0, 7).Draw(t, "auth"))
				}
			}
		}
		back, err := ParseMsg(m.Marshal())
		if err != nil {
			t.Fatalf("ParseMsg(Marshal(%+v)): %v", m, err)
		}
		if diff := cmp.Diff(m, back, cmpMsg); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
		_, _ = Decode(rapid.SliceOf(rapid.Byte()).Draw(t, "garbage"))
	})
}

// Reference: RFC 5531 §11 — a record is fragments, each after a header
// whose high bit marks the last.
func TestRecordMarking(t *testing.T) {
	rec := []byte("0123456789")
	one := AppendRecord(nil, rec, 0)
	if got, want := hex.EncodeToString(one), "8000000a"+hex.EncodeToString(rec); got != want {
		t.Errorf("one fragment = %s; want %s", got, want)
	}
	three := AppendRecord(nil, rec, 4)
	want := "00000004" + hex.EncodeToString(rec[:4]) + "00000004" + hex.EncodeToString(rec[4:8]) +
		"80000002" + hex.EncodeToString(rec[8:])
	if got := hex.EncodeToString(three); got != want {
		t.Errorf("three fragments = %s; want %s", got, want)
	}
	// Two records, fed one byte at a time, come out whole and in order.
	stream := append(append([]byte{}, three...), AppendRecord(nil, []byte("ab"), 0)...)
	var r RecordReader
	var got [][]byte
	for _, c := range stream {
		recs, err := r.Push([]byte{c})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, recs...)
	}
	if len(got) != 2 || !bytes.Equal(got[0], rec) || string(got[1]) != "ab" || r.Buffered() != 0 {
		t.Errorf("records %q, %d bytes left; want [%q \"ab\"], 0", got, r.Buffered(), rec)
	}
	// A record longer than MaxRecord is refused before it is buffered.
	if _, err := r.Push([]byte{0x80, 0x20, 0, 0}); !errors.Is(err, ErrRecord) || r.Buffered() != 0 {
		t.Errorf("a %d-byte record: %v, %d buffered; want ErrRecord, 0", 0x200000, err, r.Buffered())
	}
}

func TestErrorNames(t *testing.T) {
	tests := []struct {
		err  error
		name string
	}{
		{nil, "ok"},
		{ErrTimedOut, "ETIMEDOUT"},
		{ErrProgUnavail, "EPROGUNAVAIL"},
		{ErrAuth, "EAUTH"},
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
	if !errors.Is(&Error{Name: "ETIMEDOUT"}, ErrTimedOut) {
		t.Errorf("an ETIMEDOUT from the wire is not ErrTimedOut")
	}
}

func TestXIDs(t *testing.T) {
	x := NewXIDs(257) // incarnations travel modulo 256
	if got := x.Next(); got != 0x01000001 {
		t.Errorf("first xid of incarnation 257 = %#x; want 0x01000001", got)
	}
	x.next = seqMask
	if a, b := x.Next(), x.Next(); a != 0x01ffffff || b != 0x01000001 {
		t.Errorf("xids around the wrap = %#x, %#x; want 0x01ffffff, 0x01000001 (0 is skipped)", a, b)
	}
	if !seqBefore(seqMask, 1) || seqBefore(1, seqMask) {
		t.Errorf("serial arithmetic: 2^24-1 must come before 1 after the wrap")
	}
}
