package rpc

import (
	"fmt"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/protocols/stack"
	"github.com/sim-lecture/sim/sim"
)

// Proc names one remote procedure: its program, version and procedure
// number (RFC 5531 §7.1), and what the runtime needs to know about it.
// Programs declare their procedures as package variables (nfs.ProcRead,
// DemoAppend) that both the client and the server use.
type Proc struct {
	// Prog, Vers and Num identify the procedure on the wire.
	Prog, Vers, Num uint32
	// Name is the procedure's name; the trace and the results print it in
	// upper case ("READ").
	Name string
	// Idempotent procedures may run twice with no harm: the
	// duplicate-request cache does not keep their replies unless
	// ServerOptions.CacheAll says so (protocol facts §4, Juszczak's rule).
	Idempotent bool
	// ErrorNames says the program defines no status codes of its own:
	// its results begin with an XDR string, the name of the procedure's
	// error ("" on success, else "ENOENT", ...), and the procedure's own
	// results follow only on success. The demo service and AFS use it;
	// NFS has its nfsstat instead.
	ErrorNames bool
}

// String formats p as the trace labels its calls: its name in upper case.
func (p Proc) String() string { return Label(KindCall, p.Name) }

// CallID names one call: Birrell & Nelson's [machine, process, sequence
// number], with the caller's incarnation standing in for their conversation
// id. It is how a caller tells a reply to its current call from a stale one,
// and (with the procedure, the client's address and a checksum of the
// arguments) the key of the server's duplicate-request cache.
//
// On the wire the caller's incarnation and the sequence number make the
// call's xid: the incarnation (modulo 256) in the top byte, the sequence
// number in the low 24 bits (see XIDs).
type CallID struct {
	// Client is the calling node.
	Client sim.NodeID
	// Incarnation is the calling node's incarnation (Env.Incarnation)
	// modulo 256 when it made the call: a restarted client starts a new
	// conversation.
	Incarnation uint32
	// Seq is the call's sequence number within that incarnation, from 1 to
	// 2^24-1 and then from 1 again.
	Seq uint32
}

// String formats the id as client.incarnation.seq ("0.0.3").
func (id CallID) String() string {
	return fmt.Sprintf("%d.%d.%d", id.Client, id.Incarnation, id.Seq)
}

// XID returns the xid of the call on the wire.
func (id CallID) XID() uint32 { return id.Incarnation<<seqBits | id.Seq }

// seqBits is how many low bits of an xid hold the sequence number.
const (
	seqBits = 24
	seqMask = 1<<seqBits - 1
)

// idOf is the CallID of xid sent by client.
// Key packs id into one number, different for different ids of the
// xids' ranges (Incarnation below 2^8, Seq below 2^24, as an xid carries
// them): a map keyed by it hashes one word, where a map keyed by CallID
// hashes twelve bytes by the slow path, per call of every client.
func (id CallID) Key() uint64 {
	return uint64(uint32(id.Client))<<32 | uint64(id.Incarnation&0xff)<<seqBits | uint64(id.Seq&seqMask)
}

func idOf(client sim.NodeID, xid uint32) CallID {
	return CallID{Client: client, Incarnation: xid >> seqBits, Seq: xid & seqMask}
}

// seqBefore reports whether sequence number a comes before b, in serial
// number arithmetic modulo 2^24 (so that the numbers may wrap).
func seqBefore(a, b uint32) bool { return int32((a-b)<<(32-seqBits)) < 0 }

// seqDistance is how far b is past a, modulo 2^24.
func seqDistance(a, b uint32) uint32 { return (b - a) & seqMask }

// XIDs hands out the xids of one life of a node: its incarnation in the top
// byte, a sequence number counting from 1 below. The client and the server
// of one node share an XIDs, so that no two calls a node sends in one life,
// to any port, have the same xid: a dissector matching replies to calls by
// xid never confuses them. Real clients start their xids at a random value
// for the same reason; a counter keeps the runs repeatable and the xids
// readable (0x01000003 is the third call of the node's first restart).
type XIDs struct {
	inc  uint32
	next uint32
}

// NewXIDs returns the xids of a node's incarnation inc.
func NewXIDs(inc uint32) *XIDs { return &XIDs{inc: inc & 0xff, next: 1} }

// Next returns the next xid.
func (x *XIDs) Next() uint32 {
	seq := x.next
	x.next = (x.next + 1) & seqMask
	if x.next == 0 {
		x.next = 1
	}
	return x.inc<<seqBits | seq
}

// peek returns the sequence number Next will use.
func (x *XIDs) peek() uint32 { return x.next }

// The lecture's extensions (Birrell & Nelson 1984 §3.2–3.3) on a standard
// wire. Calls and replies are plain RFC 5531 messages; what Birrell &
// Nelson add is carried where the standard leaves room for it:
//
//   - A call's acknowledgement of earlier results and its request for an
//     explicit ACK ride in the AUTH_SYS credential's stamp, "an arbitrary
//     ID which the caller machine may generate" (RFC 5531 Appendix A),
//     which servers ignore: bit 31 asks for an ACK, and the low 24 bits say
//     how far below this call's sequence number the caller's lowest
//     outstanding call is (AckBelow = Seq - distance). A call with
//     AUTH_NONE has no stamp: its results are acknowledged explicitly.
//   - The three messages of their own are one-way calls (RFC 5531 §7.4.1:
//     no reply is expected) of program AckProgram, version 1: ACKCALL
//     (callee to caller: "I hold call xid, stop retransmitting"), PROBE
//     (caller to callee: "do you still hold call xid?") and ACKREPLY
//     (caller to callee: "I have the result of call xid, and of every call
//     below ackbelow"). Their parameters are
//
//	struct ackargs { unsigned int xid; unsigned int ackbelow; };
//
//     with ackbelow an xid too (0 in ACKCALL and PROBE). Each has an xid of
//     its own, from the sender's XIDs. A standard server knows no program
//     AckProgram and would answer PROG_UNAVAIL; a standard client would
//     answer nothing, as for any call of a program it does not serve.

// AckProgram is the program number of the lecture's ACK and PROBE
// messages, in the range RFC 5531 §7.3 leaves to users.
const AckProgram = 0x20001985

// The procedures of AckProgram, version 1.
var (
	procAckCall  = Proc{Prog: AckProgram, Vers: 1, Num: 1, Name: "ACK"}
	procProbe    = Proc{Prog: AckProgram, Vers: 1, Num: 2, Name: "PROBE"}
	procAckReply = Proc{Prog: AckProgram, Vers: 1, Num: 3, Name: "ACK"}
)

// The bits of a stamp.
const (
	stampPleaseAck = 1 << 31
)

// Kind is the lecture's type of an RPC message: a call, its reply, or one of
// Birrell & Nelson's acknowledgements.
type Kind uint32

// The message kinds. The two ACKs are distinct kinds, although both are
// labelled "ACK" in the trace, so that a node hosting both a client and a
// server can route an ACK without guessing which of them it is for.
const (
	// KindCall carries a call: caller to callee.
	KindCall Kind = 1
	// KindReply carries the result: callee to caller. It is also the
	// implicit ACK of the call.
	KindReply Kind = 2
	// KindAckCall is the callee's explicit ACK of a call that is taking
	// long (Birrell & Nelson §3.3): "I have it, stop retransmitting".
	KindAckCall Kind = 3
	// KindAckReply is the caller's explicit ACK of a result, sent when no
	// next call came soon enough to acknowledge it implicitly.
	KindAckReply Kind = 4
	// KindProbe asks the callee whether it still holds a call that it has
	// acknowledged.
	KindProbe Kind = 5
)

var kindNames = [...]string{KindCall: "CALL", KindReply: "REPLY", KindAckCall: "ACK", KindAckReply: "ACK", KindProbe: "PROBE"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("KIND(%d)", uint32(k))
}

// Message is an RPC message as the lecture sees it: which kind it is, which
// call it is about, and what Birrell & Nelson's extensions say. Msg is the
// message itself.
type Message struct {
	Kind Kind
	// ID names the call the message is about (every kind). Decode cannot
	// know the calling node, so ID.Client is sim.NoNode: the receiver
	// knows it (the sender of a call, itself for a reply).
	ID CallID
	// PleaseAck asks the callee for an explicit ACK if it cannot reply at
	// once (a call with AUTH_SYS). The caller sets it on every
	// retransmission.
	PleaseAck bool
	// AckBelow acknowledges every result of the caller's incarnation for a
	// call with a smaller Seq: the caller has finished those calls and will
	// never send them again. It is the caller's lowest outstanding Seq, or
	// its next Seq when none is outstanding. HasAck says whether the
	// message carries it (a call with AUTH_SYS, an ACKREPLY).
	AckBelow uint32
	HasAck   bool
	// Msg is the RPC message.
	Msg Msg
}

// Decode parses an RPC message and says what it is. It never panics; bytes
// that are not one RPC message give an error wrapping ErrMalformed.
func Decode(b []byte) (Message, error) {
	m, err := ParseMsg(b)
	if err != nil {
		return Message{}, err
	}
	out := Message{Msg: m, ID: idOf(sim.NoNode, m.XID)}
	switch {
	case m.Type == MsgReply:
		out.Kind = KindReply
	case m.Call.RPCVers == RPCVersion && m.Call.Prog == AckProgram:
		a, err := decodeAckArgs(m.Body)
		if err != nil {
			return Message{}, fmt.Errorf("%w: %s: %v", ErrMalformed, procName(m.Call), err)
		}
		out.ID = idOf(sim.NoNode, a.XID)
		switch m.Call.Proc {
		case procAckCall.Num:
			out.Kind = KindAckCall
		case procProbe.Num:
			out.Kind = KindProbe
		case procAckReply.Num:
			out.Kind = KindAckReply
			out.AckBelow, out.HasAck = a.AckBelow&seqMask, true
		default:
			out.Kind = KindCall
		}
	default:
		out.Kind = KindCall
		if m.Call.Cred.Flavor == AuthSys {
			if p, err := ParseAuthSys(m.Call.Cred.Body); err == nil {
				out.PleaseAck = p.Stamp&stampPleaseAck != 0
				out.AckBelow, out.HasAck = (out.ID.Seq-p.Stamp)&seqMask, true
			}
		}
	}
	return out, nil
}

// ackArgs are the parameters of AckProgram's procedures.
type ackArgs struct {
	XID      uint32
	AckBelow uint32
}

func decodeAckArgs(b []byte) (ackArgs, error) {
	var a ackArgs
	err := xdr.Unmarshal(b, &a)
	return a, err
}

// procName formats a call's procedure for the trace when the receiver does
// not know it: "PROC 100003/2/99".
func procName(c CallHeader) string { return fmt.Sprintf("PROC %d/%d/%d", c.Prog, c.Vers, c.Proc) }

// kindOf classifies an encoded message for routing, without decoding the
// parameters; 0 when b is not an RPC message.
func kindOf(b []byte) Kind {
	m, err := ParseMsg(b)
	switch {
	case err != nil:
		return 0
	case m.Type == MsgReply:
		return KindReply
	case m.Call.Prog == AckProgram && m.Call.RPCVers == RPCVersion:
		switch m.Call.Proc {
		case procAckCall.Num:
			return KindAckCall
		case procProbe.Num:
			return KindProbe
		case procAckReply.Num:
			return KindAckReply
		}
	}
	return KindCall
}

// noAuth is the AUTH_NONE credential or verifier.
var noAuth = OpaqueAuth{Flavor: AuthNone}

// encodeCall builds a call message.
func encodeCall(xid uint32, p Proc, cred OpaqueAuth, args []byte) []byte {
	return encodeCallAfter(0, xid, p, cred, args)
}

// encodeCallAfter builds a call message after room free bytes (a frame
// of stack.Framer).
func encodeCallAfter(room int, xid uint32, p Proc, cred OpaqueAuth, args []byte) []byte {
	m := Msg{XID: xid, Type: MsgCall, Call: CallHeader{RPCVers: RPCVersion, Prog: p.Prog, Vers: p.Vers, Proc: p.Num,
		Cred: cred, Verf: noAuth}, Body: args}
	return m.marshalAfter(room)
}

// CallSize is the size in bytes of the CALL message a Client on the node
// named machine sends for p with args: with an AUTH_SYS credential, which
// carries the name and is the larger of the two flavors. A caller that
// knows its transport's largest message checks a call against it before
// making it (the RPC layer does not fragment a message).
func CallSize(p Proc, machine string, args []byte) int {
	return len(encodeCall(0, p, AuthSysParms{MachineName: machine}.Marshal(), args))
}

// ReplySize is the size in bytes of the SUCCESS reply a Server sends for
// p with result (after the error's name, "", for a procedure with
// ErrorNames).
func ReplySize(p Proc, result []byte) int {
	if p.ErrorNames {
		// The empty name: an XDR string of length 0.
		result = append([]byte{0, 0, 0, 0}, result...)
	}
	return len(encodeReply(0, Success, result))
}

// encodeAck builds one of AckProgram's messages: its own xid, the call it
// is about, and for ACKREPLY the acknowledgement.
func encodeAck(xid uint32, p Proc, about, ackBelow uint32) []byte {
	args, _ := xdr.Marshal(ackArgs{XID: about, AckBelow: ackBelow})
	return encodeCall(xid, p, noAuth, args)
}

// encodeReply builds an accepted reply with status st; results follow a
// SUCCESS.
func encodeReply(xid uint32, st AcceptStat, results []byte) []byte {
	return encodeReplyAfter(0, xid, st, results)
}

// encodeReplyAfter builds an accepted reply after room free bytes (a
// frame of stack.Framer).
func encodeReplyAfter(room int, xid uint32, st AcceptStat, results []byte) []byte {
	m := Msg{XID: xid, Type: MsgReply, Reply: ReplyHeader{Stat: MsgAccepted, Verf: noAuth, Accept: st}}
	if st == Success {
		m.Body = results
	}
	return m.marshalAfter(room)
}

// headroom is the room a message sent through env leaves for the
// header of env's layer (stack.Framer), 0 if env has none to write.
func headroom(env sim.Env) int {
	if f, ok := env.(stack.Framer); ok {
		return f.Headroom()
	}
	return 0
}

// sendFrame sends a message built after headroom(env) free bytes:
// through SendFramed if env frames, so that the bytes are not copied
// into a datagram of their own, else as it is.
func sendFrame(env sim.Env, to sim.NodeID, frame []byte, label string) {
	if f, ok := env.(stack.Framer); ok {
		f.SendFramed(to, frame, label)
		return
	}
	env.Send(to, frame, label)
}
