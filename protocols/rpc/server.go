package rpc

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/protocols/stack"
	"github.com/sim-lecture/sim/sim"
)

// ProcHandler runs one procedure. It must eventually call call.Reply
// exactly once, either before returning or later, from a callback of
// call.After or call.WriteDisk: a procedure that waits is how the
// simulator models a long call. Until it replies it occupies a worker.
type ProcHandler func(call *Call)

// Call is one execution of a procedure on the server.
type Call struct {
	// ID names the call.
	ID CallID
	// From is the node the call came from.
	From sim.NodeID
	// Proc is the procedure.
	Proc Proc
	// Cred is the caller's credential.
	Cred OpaqueAuth
	// Args are the marshaled arguments; the procedure must not modify
	// them.
	Args []byte

	s *Server
	t *task
}

// Reply sends the procedure's results, or its error, and frees the worker.
// err is nil; one of the runtime's errors that RFC 5531 has an accept_stat
// for (ErrGarbageArgs, ErrProcUnavail, ErrSystemErr); or, for a procedure
// with ErrorNames, any error, whose name (see ErrorName) is what the client
// gets. Any other error is sent as SYSTEM_ERR. Only the first Reply of a
// call counts; later ones do nothing.
func (c *Call) Reply(result []byte, err error) { c.s.complete(c.t, result, err) }

// ResultBuffer returns an empty slice with room for n bytes of results,
// placed in the frame of the reply after the room for its headers, so
// that Reply, given results appended to it within its capacity, sends
// them without copying them (one allocation per call, not two). Results
// built elsewhere, or grown past n, are copied as before. A procedure
// with ErrorNames, whose results follow the error's name, gets a plain
// buffer.
func (c *Call) ResultBuffer(n int) []byte {
	t := c.t
	if c.Proc.ErrorNames {
		return make([]byte, 0, n)
	}
	at := headroom(c.s.env) + successHeaderLen
	t.rbuf = make([]byte, at, at+n)
	return t.rbuf[at:]
}

// After runs fn after d on the server, for a procedure that takes time.
func (c *Call) After(d time.Duration, fn func()) { c.s.cb.After(d, fn) }

// WriteDisk stores val under key in the server's durable storage and runs
// fn once the write is durable; a crash first loses both.
func (c *Call) WriteDisk(key string, val []byte, fn func()) { c.s.cb.WriteDisk(key, val, fn) }

// Env returns the server's env, for a procedure that reads the disk or the
// time.
func (c *Call) Env() sim.Env { return c.s.env }

// Server is the callee's half of the RPC runtime: the lecture's server
// wrapper and its thread pool. It checks each call's RPC version,
// credentials, program, version and procedure (RFC 5531 §9), queues it for
// a bounded pool of workers, runs the registered procedure, replies, and,
// at most once, answers repeats from a duplicate-request cache.
//
// All of a Server's state is volatile. A crash loses the queue, the calls
// in progress and the duplicate-request cache; the restarted node builds a
// new Server that remembers nothing, so a call retransmitted across the
// crash runs again. That is the lecture's "if server crashes, forgets which
// RPCs have been executed!"
type Server struct {
	env   sim.Env
	opts  ServerOptions
	obs   Observer
	cb    stack.Callbacks // in the Server: one object less per server
	xids  *XIDs
	procs map[procKey]registered
	// versions holds the lowest and highest version registered of each
	// program, for PROG_MISMATCH; hasVers the versions registered.
	versions map[uint32][2]uint32
	hasVers  map[[2]uint32]bool

	queue   []*task // calls waiting for a worker, in arrival order
	busy    int     // workers running a call
	pumping bool    // pump is on the stack: a nested call must not loop

	// drc is the duplicate-request cache (at most once).
	drc drc
	// At least once with BirrellNelson: how many copies of each call are
	// queued or running, so that a probe or a retransmission can be
	// acknowledged.
	inProgress map[CallID]int
}

// procKey identifies a registered procedure.
type procKey struct{ prog, vers, num uint32 }

type registered struct {
	proc Proc
	h    ProcHandler
}

// task is one accepted copy of a call, queued or running.
type task struct {
	// call is what the procedure is handed, and the task's id, client,
	// procedure, credential and arguments: kept once, not also in
	// fields of the task's own (a task per call: 160 bytes, not about
	// 290).
	call     Call
	ent      *entry // at most once; nil at least once
	replied  bool
	ackSent  bool
	ackTimer stack.Timer
	// rbuf is the frame of Call.ResultBuffer, or nil.
	rbuf []byte
}

// NewServer returns a server that receives and sends through env, with no
// procedures registered; obs may be nil.
func NewServer(env sim.Env, opts ServerOptions, obs Observer) *Server {
	opts = opts.withDefaults()
	xids := opts.XIDs
	if xids == nil {
		xids = NewXIDs(env.Incarnation())
	}
	return &Server{
		env:        env,
		opts:       opts,
		obs:        observerOrNop(obs),
		cb:         *stack.NewCallbacks(env),
		xids:       xids,
		procs:      make(map[procKey]registered),
		versions:   make(map[uint32][2]uint32),
		hasVers:    make(map[[2]uint32]bool),
		drc:        newDRC(),
		inProgress: make(map[CallID]int),
	}
}

// Register makes procedure p run h. Registering a procedure twice replaces
// the handler.
func (s *Server) Register(p Proc, h ProcHandler) {
	s.procs[procKey{p.Prog, p.Vers, p.Num}] = registered{proc: p, h: h}
	v, ok := s.versions[p.Prog]
	if !ok {
		v = [2]uint32{p.Vers, p.Vers}
	}
	v[0], v[1] = min(v[0], p.Vers), max(v[1], p.Vers)
	s.versions[p.Prog] = v
	s.hasVers[[2]uint32{p.Prog, p.Vers}] = true
}

// Env returns the env the server was built with.
func (s *Server) Env() sim.Env { return s.env }

// Options returns the server's options with defaults filled in.
func (s *Server) Options() ServerOptions { return s.opts }

// Cached returns how many replies the duplicate-request cache holds.
func (s *Server) Cached() int { return s.drc.lru.Len() }

// Queued returns how many calls wait for a worker.
func (s *Server) Queued() int { return len(s.queue) }

// Busy returns how many workers are running a call.
func (s *Server) Busy() int { return s.busy }

// Timer runs the callback of a timer or disk write the server started.
func (s *Server) Timer(tag uint64) { s.cb.Timer(tag) }

// Receive handles a call, a probe or a client's ACK. Replies and ACKs of
// calls are the client's business and are ignored here.
func (s *Server) Receive(from sim.NodeID, msg []byte) {
	m, err := Decode(msg)
	if err != nil {
		s.env.Trace("rpc", fmt.Sprintf("from %s: %v", s.env.NodeName(from), err))
		return
	}
	m.ID.Client = from
	bn := s.opts.BirrellNelson
	switch {
	case m.Kind == KindProbe && bn:
		s.receiveProbe(from, m)
	case m.Kind == KindAckReply && bn:
		if s.opts.Semantics == AtMostOnce {
			s.drc.ackReply(s, m)
		}
	case m.Kind == KindCall, m.Kind == KindProbe, m.Kind == KindAckReply:
		s.receiveCall(from, m)
	}
}

// dispatch checks what the call asks for: the RPC version, the
// credentials, the program, version and procedure. It answers what fails
// (the procedure did not run, so there is nothing to cache).
func (s *Server) dispatch(from sim.NodeID, m Message) (registered, bool) {
	c := m.Msg.Call
	deny := func(r ReplyHeader, why string) (registered, bool) {
		r.Stat = MsgDenied
		s.env.Trace("rpc", fmt.Sprintf("%s %s denied: %s", procName(c), s.name(m.ID), why))
		s.env.Send(from, Msg{XID: m.Msg.XID, Type: MsgReply, Reply: r}.Marshal(), "REPLY DENIED")
		return registered{}, false
	}
	switch {
	case c.RPCVers != RPCVersion:
		return deny(ReplyHeader{Reject: RPCMismatch, Low: RPCVersion, High: RPCVersion}, fmt.Sprintf("RPC version %d", c.RPCVers))
	case c.Cred.Flavor != AuthNone && c.Cred.Flavor != AuthSys:
		return deny(ReplyHeader{Reject: AuthError, Auth: AuthBadCred}, "credential flavor "+c.Cred.Flavor.String())
	case c.Verf.Flavor != AuthNone:
		return deny(ReplyHeader{Reject: AuthError, Auth: AuthBadVerf}, "verifier flavor "+c.Verf.Flavor.String())
	case c.Cred.Flavor == AuthSys && !validAuthSys(c.Cred.Body):
		return deny(ReplyHeader{Reject: AuthError, Auth: AuthBadCred}, "malformed AUTH_SYS credential")
	case s.opts.RequireAuthSys && c.Cred.Flavor != AuthSys && c.Proc != 0:
		return deny(ReplyHeader{Reject: AuthError, Auth: AuthTooWeak}, "AUTH_SYS required")
	}
	r, ok := s.procs[procKey{c.Prog, c.Vers, c.Proc}]
	if ok {
		return r, true
	}
	reply := Msg{XID: m.Msg.XID, Type: MsgReply, Reply: ReplyHeader{Stat: MsgAccepted, Verf: noAuth}}
	v, known := s.versions[c.Prog]
	switch {
	case !known:
		reply.Reply.Accept = ProgUnavail
	case !s.hasVers[[2]uint32{c.Prog, c.Vers}]:
		reply.Reply.Accept, reply.Reply.Low, reply.Reply.High = ProgMismatch, v[0], v[1]
	default:
		reply.Reply.Accept = ProcUnavail
	}
	s.env.Trace("rpc", fmt.Sprintf("%s %s: %s", procName(c), s.name(m.ID), reply.Reply.Accept))
	s.env.Send(from, reply.Marshal(), "REPLY "+reply.Reply.Accept.String())
	return registered{}, false
}

func validAuthSys(body []byte) bool {
	_, err := ParseAuthSys(body)
	return err == nil
}

func (s *Server) receiveCall(from sim.NodeID, m Message) {
	r, ok := s.dispatch(from, m)
	if !ok {
		return
	}
	t := &task{}
	t.call = Call{ID: m.ID, From: from, Proc: r.proc, Cred: m.Msg.Call.Cred, Args: m.Msg.Body, s: s, t: t}
	pleaseAck := s.opts.BirrellNelson && m.PleaseAck
	if s.opts.Semantics == AtLeastOnce {
		// Every copy runs: the server keeps no memory of calls, only (to
		// acknowledge them) a count of those in progress.
		if s.opts.BirrellNelson {
			s.inProgress[m.ID]++
		}
		s.accept(t, pleaseAck)
		return
	}
	s.drc.receive(s, t, m, pleaseAck)
}

// receiveProbe answers a probe: an ACK while the call is held, the cached
// reply once it is done (the reply may have been lost), silence for a call
// the server does not know, which tells the client to retransmit.
func (s *Server) receiveProbe(from sim.NodeID, m Message) {
	if s.opts.Semantics == AtLeastOnce {
		if s.inProgress[m.ID] > 0 {
			s.sendAckOf(from, m.ID)
		}
		return
	}
	s.drc.probe(s, m)
}

// name formats a call id with the client's name ("A.0.3"), for the trace.
func (s *Server) name(id CallID) string { return idName(s.env, id) }

func (s *Server) drop(id CallID, p Proc, reason string) {
	s.obs.Dropped(s.env.Now(), s.env.Self(), id, reason)
	s.env.Trace("rpc", fmt.Sprintf("%s %s dropped: %s", p, s.name(id), reason))
}

// accept queues a new call for a worker and, with BirrellNelson, arranges
// for it to be acknowledged explicitly if it is held for long.
func (s *Server) accept(t *task, pleaseAck bool) {
	s.queue = append(s.queue, t)
	s.pump()
	if t.replied || !s.opts.BirrellNelson {
		return // a quick procedure: the reply is the ACK
	}
	if pleaseAck {
		s.sendAck(t)
	}
	if !s.opts.Reliable && !t.ackSent {
		t.ackTimer = s.cb.After(s.opts.AckAfter, func() {
			t.ackTimer = stack.Timer{}
			if !t.replied && !t.ackSent {
				s.sendAck(t)
			}
		})
	}
}

// sendAck tells the client the server holds its call.
func (s *Server) sendAck(t *task) {
	t.ackSent = true
	s.sendAckOf(t.call.From, t.call.ID)
}

func (s *Server) sendAckOf(to sim.NodeID, id CallID) {
	s.env.Send(to, encodeAck(s.xids.Next(), procAckCall, id.XID(), 0), Label(KindAckCall, ""))
}

// pump starts queued calls while workers are free.
func (s *Server) pump() {
	if s.pumping {
		return // the loop below us will pick up the freed worker
	}
	s.pumping = true
	for s.busy < s.opts.Workers && len(s.queue) > 0 {
		t := s.queue[0]
		s.queue[0] = nil
		if len(s.queue) == 1 {
			// Emptied: keep the array for the next call, which
			// reslicing past it would give up (an allocation per call).
			s.queue = s.queue[:0]
		} else {
			s.queue = s.queue[1:]
		}
		s.busy++
		if s.opts.ServiceTime > 0 {
			s.cb.After(s.opts.ServiceTime, func() { s.execute(t) })
		} else {
			s.execute(t)
		}
	}
	s.pumping = false
}

// execute runs the procedure of t on a worker.
func (s *Server) execute(t *task) {
	s.obs.Executed(s.env.Now(), s.env.Self(), t.call.Proc.Name, t.call.ID)
	// Built in one buffer: one allocation per call for the trace's line.
	var buf [96]byte
	line := append(append(buf[:0], t.call.Proc.String()...), ' ')
	line = append(appendIDName(line, s.env, t.call.ID), " executed"...)
	s.env.Trace("rpc", string(line))
	r := s.procs[procKey{t.call.Proc.Prog, t.call.Proc.Vers, t.call.Proc.Num}]
	// The Call lives in its task: one allocation per call, not two.
	r.h(&t.call)
}

// complete is Call.Reply: record the result, free the worker, reply.
func (s *Server) complete(t *task, result []byte, err error) {
	if t.replied {
		return
	}
	t.replied = true
	s.cb.Cancel(&t.ackTimer)
	s.busy--
	room := headroom(s.env)
	frame, ok := s.inPlace(t, room, result, err)
	if !ok {
		frame = encodeReplyAfter(room, t.call.ID.XID(), s.acceptStat(t, err), s.results(t, result, err))
	}
	if max := s.opts.MaxMessage; max > 0 && len(frame)-room > max {
		s.env.Trace("rpc", fmt.Sprintf("%s %s: the reply of %d bytes does not fit one message (%d): SYSTEM_ERR",
			t.call.Proc, s.name(t.call.ID), len(frame)-room, max))
		frame = encodeReplyAfter(room, t.call.ID.XID(), SystemErr, nil)
	}
	// The cache keeps the message, which the frame's header does not
	// touch once it is sent; a repeat is sent from it by copy.
	msg := frame[room:]
	if e := t.ent; e != nil {
		s.drc.complete(s, e, msg)
	} else if s.opts.BirrellNelson {
		if n := s.inProgress[t.call.ID]; n > 1 {
			s.inProgress[t.call.ID] = n - 1
		} else {
			delete(s.inProgress, t.call.ID)
		}
	}
	sendFrame(s.env, t.call.From, frame, Label(KindReply, t.call.Proc.Name))
	s.pump()
}

// inPlace builds a SUCCESS reply around results that were appended to
// the task's Call.ResultBuffer within its capacity, writing the headers
// in front of them: the frame, and true. Anything else is not in place.
func (s *Server) inPlace(t *task, room int, result []byte, err error) ([]byte, bool) {
	buf := t.rbuf
	t.rbuf = nil
	at := room + successHeaderLen
	if buf == nil || err != nil || len(buf) != at || cap(buf) == at || cap(result) != cap(buf)-at ||
		&result[:1][0] != &buf[:at+1][at] {
		return nil, false
	}
	m := Msg{XID: t.call.ID.XID(), Type: MsgReply, Reply: ReplyHeader{Stat: MsgAccepted, Verf: noAuth, Accept: Success}}
	if hdr := m.Append(buf[:room]); len(hdr) != at {
		return nil, false // the header is not the length reserved: a bug, but the copy is right
	}
	return buf[:at+len(result)], true
}

// successHeaderLen is the length of an accepted SUCCESS reply's header
// with an AUTH_NONE verifier (RFC 5531 §9): xid, msg_type, reply_stat,
// the verifier's flavor and empty body, accept_stat.
const successHeaderLen = 6 * 4

// acceptStat is the accept_stat of a procedure's outcome.
func (s *Server) acceptStat(t *task, err error) AcceptStat {
	switch {
	case err == nil:
		return Success
	case err == ErrGarbageArgs:
		return GarbageArgs
	case err == ErrProcUnavail:
		return ProcUnavail
	case t.call.Proc.ErrorNames && err != ErrSystemErr:
		return Success
	}
	return SystemErr
}

// results are the results of a SUCCESS reply: result, after the error's
// name for a procedure with ErrorNames.
func (s *Server) results(t *task, result []byte, err error) []byte {
	if !t.call.Proc.ErrorNames {
		return result
	}
	name := ""
	if err != nil {
		if name = ErrorName(err); name == "" || name == "ok" {
			// An error must not read as success on the other side.
			name = "EIO"
		}
		result = nil
	}
	e := xdr.NewEncoder(make([]byte, 0, 4+len(name)+3+len(result)))
	e.String(name)
	return append(e.Bytes(), result...)
}
