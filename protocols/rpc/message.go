package rpc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// The wire format is ONC RPC version 2, RFC 5531 §9, whose XDR is:
//
//	struct rpc_msg { unsigned int xid; union switch (msg_type mtype) {
//	    case CALL: call_body cbody; case REPLY: reply_body rbody; } body; };
//	struct call_body { unsigned int rpcvers; /* 2 */ unsigned int prog;
//	    unsigned int vers; unsigned int proc; opaque_auth cred;
//	    opaque_auth verf; /* the procedure's parameters follow */ };
//	union reply_body switch (reply_stat stat) {
//	    case MSG_ACCEPTED: accepted_reply areply;
//	    case MSG_DENIED: rejected_reply rreply; };
//	struct accepted_reply { opaque_auth verf; union switch (accept_stat stat) {
//	    case SUCCESS: /* the procedure's results follow */;
//	    case PROG_MISMATCH: struct { unsigned int low; unsigned int high; };
//	    default: void; } reply_data; };
//	union rejected_reply switch (reject_stat stat) {
//	    case RPC_MISMATCH: struct { unsigned int low; unsigned int high; };
//	    case AUTH_ERROR: auth_stat stat; };
//	struct opaque_auth { auth_flavor flavor; opaque body<400>; };

// MsgType is an rpc_msg's msg_type.
type MsgType uint32

// The message types.
const (
	MsgCall  MsgType = 0
	MsgReply MsgType = 1
)

// RPCVersion is the only version of the protocol (RFC 5531 §8).
const RPCVersion = 2

// Flavor is an authentication flavor (RFC 5531 §8.2).
type Flavor uint32

// The flavors this package speaks. A server denies any other with
// AUTH_BADCRED.
const (
	// AuthNone: no credentials (RFC 5531 §10.1).
	AuthNone Flavor = 0
	// AuthSys: the caller's UNIX identity (RFC 5531 Appendix A), what
	// NFSv2 clients send.
	AuthSys Flavor = 1
)

func (f Flavor) String() string {
	switch f {
	case AuthNone:
		return "AUTH_NONE"
	case AuthSys:
		return "AUTH_SYS"
	}
	return fmt.Sprintf("flavor(%d)", uint32(f))
}

// MaxAuthBody bounds an opaque_auth's body (RFC 5531 §8.2: opaque body<400>).
const MaxAuthBody = 400

// OpaqueAuth is a credential or verifier.
type OpaqueAuth struct {
	Flavor Flavor
	Body   []byte
}

// AuthSysParms is the body of an AUTH_SYS credential (RFC 5531 Appendix A).
type AuthSysParms struct {
	// Stamp is "an arbitrary ID which the caller machine may generate".
	// The lecture's RPC runtime carries its piggybacked acknowledgement
	// here (see Stamp).
	Stamp uint32
	// MachineName is the caller's host name (at most 255 bytes).
	MachineName string
	UID, GID    uint32
	// GIDs are the caller's other groups, at most 16.
	GIDs []uint32
}

// The limits of AuthSysParms (RFC 5531 Appendix A).
const (
	maxMachineName = 255
	maxGIDs        = 16
)

// Marshal encodes p as an opaque_auth of flavor AUTH_SYS.
func (p AuthSysParms) Marshal() OpaqueAuth {
	e := xdr.NewEncoder(make([]byte, 0, 24+len(p.MachineName)+4*len(p.GIDs)))
	e.Uint32(p.Stamp)
	e.String(p.MachineName)
	e.Uint32(p.UID)
	e.Uint32(p.GID)
	e.Uint32(uint32(len(p.GIDs)))
	for _, g := range p.GIDs {
		e.Uint32(g)
	}
	return OpaqueAuth{Flavor: AuthSys, Body: e.Bytes()}
}

// ParseAuthSys decodes the body of an AUTH_SYS credential, enforcing its
// limits.
func ParseAuthSys(body []byte) (AuthSysParms, error) {
	var p AuthSysParms
	d := xdr.NewDecoder(body)
	var err error
	if p.Stamp, err = d.Uint32(); err != nil {
		return p, err
	}
	if p.MachineName, err = d.String(); err != nil {
		return p, err
	}
	if len(p.MachineName) > maxMachineName {
		return p, fmt.Errorf("machinename of %d bytes", len(p.MachineName))
	}
	if p.UID, err = d.Uint32(); err != nil {
		return p, err
	}
	if p.GID, err = d.Uint32(); err != nil {
		return p, err
	}
	n, err := d.Uint32()
	if err != nil {
		return p, err
	}
	if n > maxGIDs {
		return p, fmt.Errorf("%d gids", n)
	}
	for range n {
		g, err := d.Uint32()
		if err != nil {
			return p, err
		}
		p.GIDs = append(p.GIDs, g)
	}
	if d.Remaining() != 0 {
		return p, fmt.Errorf("%d trailing bytes", d.Remaining())
	}
	return p, nil
}

// ReplyStat is a reply_body's reply_stat.
type ReplyStat uint32

// The reply statuses.
const (
	MsgAccepted ReplyStat = 0
	MsgDenied   ReplyStat = 1
)

// AcceptStat says how an accepted call went (RFC 5531 §9).
type AcceptStat uint32

// The accept statuses.
const (
	Success      AcceptStat = 0 // RPC executed successfully
	ProgUnavail  AcceptStat = 1 // remote hasn't exported the program
	ProgMismatch AcceptStat = 2 // remote can't support the version number
	ProcUnavail  AcceptStat = 3 // program can't support the procedure
	GarbageArgs  AcceptStat = 4 // procedure can't decode its parameters
	SystemErr    AcceptStat = 5 // e.g. memory allocation failure
)

var acceptNames = [...]string{"SUCCESS", "PROG_UNAVAIL", "PROG_MISMATCH", "PROC_UNAVAIL", "GARBAGE_ARGS", "SYSTEM_ERR"}

func (s AcceptStat) String() string {
	if int(s) < len(acceptNames) {
		return acceptNames[s]
	}
	return fmt.Sprintf("accept_stat(%d)", uint32(s))
}

// RejectStat says why a call was denied.
type RejectStat uint32

// The reject statuses.
const (
	RPCMismatch RejectStat = 0 // the RPC version number was not 2
	AuthError   RejectStat = 1 // the caller could not be authenticated
)

// AuthStat says why authentication failed (RFC 5531 §9).
type AuthStat uint32

// The authentication statuses this package sends.
const (
	AuthOK          AuthStat = 0
	AuthBadCred     AuthStat = 1 // bad credential (seal broken)
	AuthRejectedCrd AuthStat = 2 // client must begin a new session
	AuthBadVerf     AuthStat = 3 // bad verifier (seal broken)
	AuthRejectedVrf AuthStat = 4 // verifier expired or replayed
	AuthTooWeak     AuthStat = 5 // rejected for security reasons
)

// CallHeader is a call_body without the parameters.
type CallHeader struct {
	RPCVers          uint32
	Prog, Vers, Proc uint32
	Cred, Verf       OpaqueAuth
}

// ReplyHeader is a reply_body without the results. Which fields are sent
// depends on Stat, Accept and Reject.
type ReplyHeader struct {
	Stat ReplyStat
	// Verf and Accept: MSG_ACCEPTED.
	Verf   OpaqueAuth
	Accept AcceptStat
	// Low and High: the versions supported, for PROG_MISMATCH and
	// RPC_MISMATCH.
	Low, High uint32
	// Reject: MSG_DENIED; Auth: AUTH_ERROR.
	Reject RejectStat
	Auth   AuthStat
}

// Msg is one rpc_msg: the header of a call or a reply, and Body, the
// procedure's parameters (a call) or results (a SUCCESS reply), already
// XDR, which the header does not describe.
type Msg struct {
	XID   uint32
	Type  MsgType
	Call  CallHeader
	Reply ReplyHeader
	Body  []byte
}

// ErrMalformed means bytes are not an RPC message: a field cut short, an
// unknown message or reply type, an over-long opaque_auth. A receiver drops
// such a message; over UDP it cannot happen by corruption, which the
// checksum catches, so it signals a bug or a foreign sender.
var ErrMalformed = errors.New("rpc: malformed message")

// Append appends m's encoding to b.
func (m Msg) Append(b []byte) []byte {
	e := xdr.NewEncoder(b)
	e.Uint32(m.XID)
	e.Uint32(uint32(m.Type))
	switch m.Type {
	case MsgCall:
		c := m.Call
		e.Uint32(c.RPCVers)
		e.Uint32(c.Prog)
		e.Uint32(c.Vers)
		e.Uint32(c.Proc)
		appendAuth(e, c.Cred)
		appendAuth(e, c.Verf)
	case MsgReply:
		r := m.Reply
		e.Uint32(uint32(r.Stat))
		if r.Stat == MsgAccepted {
			appendAuth(e, r.Verf)
			e.Uint32(uint32(r.Accept))
			if r.Accept == ProgMismatch {
				e.Uint32(r.Low)
				e.Uint32(r.High)
			}
		} else {
			e.Uint32(uint32(r.Reject))
			if r.Reject == RPCMismatch {
				e.Uint32(r.Low)
				e.Uint32(r.High)
			} else {
				e.Uint32(uint32(r.Auth))
			}
		}
	}
	if err := e.Err(); err != nil {
		// Only an opaque_auth over 4 GiB gets here: a bug.
		panic("rpc: " + err.Error())
	}
	return append(e.Bytes(), m.Body...)
}

// Marshal returns m's encoding.
func (m Msg) Marshal() []byte {
	return m.marshalAfter(0)
}

// marshalAfter returns m's encoding after room zero bytes, in one
// allocation.
func (m Msg) marshalAfter(room int) []byte {
	return m.Append(make([]byte, room, room+40+len(m.Call.Cred.Body)+len(m.Body)))
}

func appendAuth(e *xdr.Encoder, a OpaqueAuth) {
	e.Uint32(uint32(a.Flavor))
	e.Opaque(a.Body)
}

// ParseMsg decodes an rpc_msg. It never panics: bytes that do not hold an
// RPC header give an error wrapping ErrMalformed. The body is what follows
// the header (aliasing b), and the bodies of the credential and verifier
// alias b too (one allocation fewer per call a server receives); a call
// whose RPC version is not 2 has no header beyond it, since RFC 5531
// defines no other.
func ParseMsg(b []byte) (Msg, error) {
	var m Msg
	d := xdr.NewDecoder(b)
	fail := func(err error) (Msg, error) { return Msg{}, fmt.Errorf("%w: %v", ErrMalformed, err) }
	u := func(p *uint32) bool { return readUint32(d, p) }
	var mtype uint32
	if !u(&m.XID) || !u(&mtype) {
		return fail(xdr.ErrShort)
	}
	m.Type = MsgType(mtype)
	switch m.Type {
	case MsgCall:
		c := &m.Call
		if !u(&c.RPCVers) {
			return fail(xdr.ErrShort)
		}
		if c.RPCVers != RPCVersion {
			m.Body = b[len(b)-d.Remaining():]
			return m, nil
		}
		if !u(&c.Prog) || !u(&c.Vers) || !u(&c.Proc) {
			return fail(xdr.ErrShort)
		}
		var err error
		if c.Cred, err = parseAuth(d); err != nil {
			return fail(err)
		}
		if c.Verf, err = parseAuth(d); err != nil {
			return fail(err)
		}
	case MsgReply:
		if err := parseReply(d, &m.Reply); err != nil {
			return fail(err)
		}
	default:
		return fail(fmt.Errorf("msg_type %d", mtype))
	}
	m.Body = b[len(b)-d.Remaining():]
	return m, nil
}

// readUint32 decodes an unsigned int into *p and reports whether there
// was one. A plain function, not a closure: the escape analysis cannot
// see through a func value, and ParseMsg's message and parseReply's
// locals went to the heap for every message through one.
func readUint32(d *xdr.Decoder, p *uint32) bool {
	v, err := d.Uint32()
	*p = v
	return err == nil
}

func parseReply(d *xdr.Decoder, r *ReplyHeader) error {
	u := func(p *uint32) bool { return readUint32(d, p) }
	var stat, x uint32
	if !u(&stat) {
		return xdr.ErrShort
	}
	r.Stat = ReplyStat(stat)
	switch r.Stat {
	case MsgAccepted:
		var err error
		if r.Verf, err = parseAuth(d); err != nil {
			return err
		}
		if !u(&x) {
			return xdr.ErrShort
		}
		r.Accept = AcceptStat(x)
		if r.Accept == ProgMismatch && (!u(&r.Low) || !u(&r.High)) {
			return xdr.ErrShort
		}
	case MsgDenied:
		if !u(&x) {
			return xdr.ErrShort
		}
		r.Reject = RejectStat(x)
		switch r.Reject {
		case RPCMismatch:
			if !u(&r.Low) || !u(&r.High) {
				return xdr.ErrShort
			}
		case AuthError:
			if !u(&x) {
				return xdr.ErrShort
			}
			r.Auth = AuthStat(x)
		default:
			return fmt.Errorf("reject_stat %d", x)
		}
		if d.Remaining() != 0 {
			return fmt.Errorf("%d bytes after a denied reply", d.Remaining())
		}
	default:
		return fmt.Errorf("reply_stat %d", stat)
	}
	return nil
}

func parseAuth(d *xdr.Decoder) (OpaqueAuth, error) {
	f, err := d.Uint32()
	if err != nil {
		return OpaqueAuth{}, err
	}
	body, err := d.OpaqueView()
	if err != nil {
		return OpaqueAuth{}, err
	}
	if len(body) > MaxAuthBody {
		return OpaqueAuth{}, fmt.Errorf("opaque_auth body of %d bytes, more than %d", len(body), MaxAuthBody)
	}
	return OpaqueAuth{Flavor: Flavor(f), Body: body}, nil
}

// Error is a failed call: an error name like an errno, which is what the
// scenario results print ("ETIMEDOUT", "ENOENT"). The RPC runtime's own
// failures are named after BSD's errnos for them (EPROGUNAVAIL, EAUTH, ...);
// a program whose procedures return names (Proc.ErrorNames) sends them in
// its results, and they come back as *Error values with the same name.
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
	// ErrProgUnavail: the server does not offer the program
	// (PROG_UNAVAIL).
	ErrProgUnavail = NewError("EPROGUNAVAIL")
	// ErrProgMismatch: the server offers the program, but not that
	// version (PROG_MISMATCH).
	ErrProgMismatch = NewError("EPROGMISMATCH")
	// ErrProcUnavail: the program has no such procedure (PROC_UNAVAIL).
	// The procedure did not run.
	ErrProcUnavail = NewError("EPROCUNAVAIL")
	// ErrGarbageArgs: the arguments did not unmarshal (GARBAGE_ARGS).
	// Procedures return it; the procedure had no effect.
	ErrGarbageArgs = NewError("EGARBAGEARGS")
	// ErrSystemErr: the server failed for a reason of its own
	// (SYSTEM_ERR): a procedure returned an error its program has no
	// way to send.
	ErrSystemErr = NewError("ESYSTEMERR")
	// ErrRPCMismatch: the server speaks another RPC version (MSG_DENIED,
	// RPC_MISMATCH).
	ErrRPCMismatch = NewError("ERPCMISMATCH")
	// ErrAuth: the server denied the caller's credentials (MSG_DENIED,
	// AUTH_ERROR).
	ErrAuth = NewError("EAUTH")
	// ErrInval: the arguments unmarshaled but make no sense (the demo's
	// sleep with a bad duration).
	ErrInval = NewError("EINVAL")
	// ErrGarbageResult: the reply's results did not unmarshal.
	ErrGarbageResult = NewError("EGARBAGERESULT")
)

// acceptErrors maps the accept statuses of failed calls to their errors.
var acceptErrors = map[AcceptStat]*Error{
	ProgUnavail: ErrProgUnavail, ProgMismatch: ErrProgMismatch, ProcUnavail: ErrProcUnavail,
	GarbageArgs: ErrGarbageArgs, SystemErr: ErrSystemErr,
}

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

// Label returns the name of a message for the trace and the space-time
// diagrams: the procedure in upper case for a call ("APPEND"), "REPLY" and
// the procedure for a reply ("REPLY APPEND"), else "ACK" or "PROBE". A
// reply does not carry the procedure on the wire, so proc is passed
// separately.
func Label(kind Kind, proc string) string {
	switch kind {
	case KindCall:
		return labels(proc).call
	case KindReply:
		return labels(proc).reply
	}
	return kind.String()
}

// procLabels are a procedure's call and reply labels.
type procLabels struct{ call, reply string }

// labelCache memoizes labels by procedure name (string -> procLabels): a
// program run labels millions of messages with a dozen names, and
// upper-casing each anew was an allocation per message. Procedure names
// come from the protocols' tables, so the cache stays that small.
var labelCache sync.Map

// labels returns the labels of proc's messages.
func labels(proc string) procLabels {
	if v, ok := labelCache.Load(proc); ok {
		l, _ := v.(procLabels)
		return l
	}
	up := strings.ToUpper(proc)
	l := procLabels{call: up, reply: "REPLY " + up}
	labelCache.Store(proc, l)
	return l
}

// idName formats id with the client's node name ("A.0.3"), for the trace.
func idName(env sim.Env, id CallID) string {
	var buf [64]byte
	return string(appendIDName(buf[:0], env, id))
}

// appendIDName appends idName(env, id) to b.
func appendIDName(b []byte, env sim.Env, id CallID) []byte {
	b = append(append(b, env.NodeName(id.Client)...), '.')
	b = append(strconv.AppendUint(b, uint64(id.Incarnation), 10), '.')
	return strconv.AppendUint(b, uint64(id.Seq), 10)
}
