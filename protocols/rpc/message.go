package rpc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// CallID names one call: Birrell & Nelson's [machine, process, sequence
// number], with the caller's incarnation standing in for their conversation
// id. It is the key of the server's duplicate-request cache, and it is how a
// caller tells a reply to its current call from a stale one.
//
// Seq counts from 1 in each incarnation of a client and only grows, so the
// triple is unique for the whole run.
type CallID struct {
	// Client is the calling node.
	Client sim.NodeID
	// Incarnation is the calling node's incarnation (Env.Incarnation) when
	// it made the call: a restarted client starts a new conversation.
	Incarnation uint32
	// Seq is the call's sequence number within that incarnation.
	Seq uint64
}

// String formats the id as client.incarnation.seq ("0.0.3").
func (id CallID) String() string {
	return fmt.Sprintf("%d.%d.%d", id.Client, id.Incarnation, id.Seq)
}

// idName formats id with the client's node name ("A.0.3"), for the trace.
func idName(env sim.Env, id CallID) string {
	return fmt.Sprintf("%s.%d.%d", env.NodeName(id.Client), id.Incarnation, id.Seq)
}

// Kind is the type of an RPC message.
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

// Message is one RPC message, decoded. Which fields are meaningful depends
// on Kind; the others are zero and are not sent.
type Message struct {
	Kind Kind
	// ID names the call the message is about (every kind).
	ID CallID
	// PleaseAck asks the callee for an explicit ACK if it cannot reply at
	// once (CALL). The caller sets it on every retransmission.
	PleaseAck bool
	// AckBelow acknowledges every result of the caller's incarnation for a
	// call with a smaller Seq: the caller has finished those calls and will
	// never send them again (CALL and the caller's ACK). It is the caller's
	// lowest outstanding Seq, or its next Seq when none is outstanding.
	AckBelow uint64
	// Proc names the procedure (CALL).
	Proc string
	// Args are the marshaled arguments (CALL).
	Args []byte
	// Status is "" when the procedure succeeded, else an error name such as
	// "ENOENT" (REPLY).
	Status string
	// Result is the marshaled result (REPLY).
	Result []byte
}

// flagPleaseAck is bit 0 of a CALL's flags word.
const flagPleaseAck = 1

// ErrMalformed means bytes are not an RPC message: an unknown kind, an item
// cut short, unknown flags or trailing bytes. A receiver drops such a
// message; over UDP it cannot happen by corruption, which the checksum
// catches, so it signals a bug or a foreign sender.
var ErrMalformed = errors.New("rpc: malformed message")

// Encode marshals m in XDR. The layout, every item a multiple of four bytes,
// big-endian:
//
//	all kinds:   kind uint32, client int32, incarnation uint32, seq uint64
//	CALL:        flags uint32 (bit 0 = please-ack), ackBelow uint64,
//	             proc string, args opaque<>
//	REPLY:       status string ("" = ok), result opaque<>
//	ACK (callee): nothing more
//	ACK (caller): ackBelow uint64
//	PROBE:       nothing more
func Encode(m Message) []byte {
	e := xdr.NewEncoder(make([]byte, 0, 40+len(m.Proc)+len(m.Args)+len(m.Status)+len(m.Result)))
	e.Uint32(uint32(m.Kind))
	e.Int32(int32(m.ID.Client))
	e.Uint32(m.ID.Incarnation)
	e.Uint64(m.ID.Seq)
	switch m.Kind {
	case KindCall:
		var flags uint32
		if m.PleaseAck {
			flags |= flagPleaseAck
		}
		e.Uint32(flags)
		e.Uint64(m.AckBelow)
		e.String(m.Proc)
		e.Opaque(m.Args)
	case KindReply:
		e.String(m.Status)
		e.Opaque(m.Result)
	case KindAckReply:
		e.Uint64(m.AckBelow)
	case KindAckCall, KindProbe:
	default:
		panic(fmt.Sprintf("rpc: Encode of unknown kind %d", uint32(m.Kind)))
	}
	if err := e.Err(); err != nil {
		// Only a proc name or payload over 4 GiB gets here: a bug in
		// the caller, not a condition of the simulated network.
		panic("rpc: Encode: " + err.Error())
	}
	return e.Bytes()
}

// Decode parses a message produced by Encode. It never panics; bytes that
// are not exactly one message give an error wrapping ErrMalformed.
func Decode(b []byte) (Message, error) {
	var m Message
	d := xdr.NewDecoder(b)
	fail := func(err error) (Message, error) {
		return Message{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	kind, err := d.Uint32()
	if err != nil {
		return fail(err)
	}
	m.Kind = Kind(kind)
	client, err := d.Int32()
	if err != nil {
		return fail(err)
	}
	m.ID.Client = sim.NodeID(client)
	if m.ID.Incarnation, err = d.Uint32(); err != nil {
		return fail(err)
	}
	if m.ID.Seq, err = d.Uint64(); err != nil {
		return fail(err)
	}
	switch m.Kind {
	case KindCall:
		flags, err := d.Uint32()
		if err != nil {
			return fail(err)
		}
		if flags&^flagPleaseAck != 0 {
			return fail(fmt.Errorf("unknown flags %#x", flags))
		}
		m.PleaseAck = flags&flagPleaseAck != 0
		if m.AckBelow, err = d.Uint64(); err != nil {
			return fail(err)
		}
		if m.Proc, err = d.String(); err != nil {
			return fail(err)
		}
		if m.Args, err = d.Opaque(); err != nil {
			return fail(err)
		}
	case KindReply:
		if m.Status, err = d.String(); err != nil {
			return fail(err)
		}
		if m.Result, err = d.Opaque(); err != nil {
			return fail(err)
		}
	case KindAckReply:
		if m.AckBelow, err = d.Uint64(); err != nil {
			return fail(err)
		}
	case KindAckCall, KindProbe:
	default:
		return fail(fmt.Errorf("unknown kind %d", kind))
	}
	if d.Remaining() != 0 {
		return fail(fmt.Errorf("%d trailing bytes", d.Remaining()))
	}
	return m, nil
}

// peekKind returns the kind of an encoded message without decoding the
// rest, for routing; 0 when b is too short.
func peekKind(b []byte) Kind {
	if len(b) < 4 {
		return 0
	}
	return Kind(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
}

// Label returns the name of a message for the trace and the space-time
// diagrams: the procedure in upper case for a call ("APPEND"), "REPLY" and
// the procedure for a reply ("REPLY APPEND"), else "ACK" or "PROBE". A REPLY
// does not carry the procedure on the wire, so proc is passed separately.
func Label(kind Kind, proc string) string {
	switch kind {
	case KindCall:
		return strings.ToUpper(proc)
	case KindReply:
		return "REPLY " + strings.ToUpper(proc)
	}
	return kind.String()
}

// Error is a failed call: an error name like an errno, which is what the
// scenario results print ("ETIMEDOUT", "ENOENT"). The server's errors travel
// as their names and come back as *Error values with the same name.
type Error struct {
	Name string
}

func (e *Error) Error() string { return "rpc: " + e.Name }

// Is makes errors.Is match any *Error with the same name, so that an error
// decoded from a reply compares equal to the package's variables.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Name == e.Name
}

// NewError returns an *Error with the given name, for procedures to return.
func NewError(name string) *Error { return &Error{Name: name} }

// The errors of the RPC runtime itself. Procedures return their own.
var (
	// ErrTimedOut: the client gave up (Options.MaxAttempts). The
	// procedure ran once or not at all, and nobody can tell which.
	ErrTimedOut = NewError("ETIMEDOUT")
	// ErrProcUnavail: the server has no procedure of that name (Sun RPC's
	// PROC_UNAVAIL). The procedure did not run.
	ErrProcUnavail = NewError("EPROCUNAVAIL")
	// ErrGarbageArgs: the arguments did not unmarshal (Sun RPC's
	// GARBAGE_ARGS). Procedures return it; the procedure had no effect.
	ErrGarbageArgs = NewError("EGARBAGEARGS")
	// ErrInval: the arguments unmarshaled but make no sense (the demo's
	// sleep with a bad duration).
	ErrInval = NewError("EINVAL")
)

// ErrorName returns the name of a call's outcome as the scenario results
// print it: "ok" for nil, the Name of an *Error, else the error's text.
func ErrorName(err error) string {
	if err == nil {
		return "ok"
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Name
	}
	return err.Error()
}

// statusOf is the wire status of a procedure's error: "" for success.
func statusOf(err error) string {
	if err == nil {
		return ""
	}
	name := ErrorName(err)
	if name == "" || name == "ok" {
		// An error must not read as success on the other side.
		return "EIO"
	}
	return name
}

// errorOf turns a wire status back into an error.
func errorOf(status string) error {
	if status == "" {
		return nil
	}
	return &Error{Name: status}
}
