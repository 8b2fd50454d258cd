package rpc

import (
	"container/list"
	"fmt"
	"sort"
	"time"

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
	// Proc is the procedure's name.
	Proc string
	// Args are the marshaled arguments; the procedure must not modify
	// them.
	Args []byte

	s *Server
	t *task
}

// Reply sends the procedure's result, or its error (whose name is what the
// client gets: see ErrorName), and frees the worker. Only the first Reply
// of a call counts; later ones do nothing.
func (c *Call) Reply(result []byte, err error) { c.s.complete(c.t, result, err) }

// After runs fn after d on the server, for a procedure that takes time.
func (c *Call) After(d time.Duration, fn func()) { c.s.cb.after(d, fn) }

// WriteDisk stores val under key in the server's durable storage and runs
// fn once the write is durable; a crash first loses both.
func (c *Call) WriteDisk(key string, val []byte, fn func()) { c.s.cb.writeDisk(key, val, fn) }

// Env returns the server's env, for a procedure that reads the disk or the
// time.
func (c *Call) Env() sim.Env { return c.s.env }

// Server is the callee's half of the RPC runtime: the lecture's server
// wrapper and its thread pool. It queues arriving calls for a bounded pool
// of workers, runs the registered procedure, replies, and, at most once,
// answers repeats from a duplicate-request cache.
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
	cb    callbacks
	procs map[string]ProcHandler

	queue   []*task // calls waiting for a worker, in arrival order
	busy    int     // workers running a call
	pumping bool    // pump is on the stack: a nested call must not loop

	// At most once: the duplicate-request cache, per client node.
	peers map[sim.NodeID]*peer
	// lru holds the *entry of every cached reply, least recently used
	// first; DRCSize bounds its length.
	lru *list.List
	// At least once: how many copies of each call are queued or running,
	// so that a probe or a retransmission can be acknowledged.
	inProgress map[CallID]int
}

// task is one accepted copy of a call, queued or running.
type task struct {
	id       CallID
	from     sim.NodeID
	proc     string
	args     []byte
	ent      *entry // at most once; nil at least once
	replied  bool
	ackSent  bool
	ackTimer timer
}

// entryState is where a call stands in the duplicate-request cache.
type entryState uint8

const (
	// inProgress: queued or running; a repeat is dropped.
	inProgress entryState = iota + 1
	// done: the reply is cached; a repeat gets it again.
	done
	// acked: the client acknowledged the reply, which was dropped; the
	// entry remains only so that a late copy of the call (delayed or
	// duplicated by the network) is dropped rather than run again.
	acked
)

// entry is one call in the duplicate-request cache.
type entry struct {
	peer   *peer
	id     CallID
	seq    uint64
	state  entryState
	task   *task // while inProgress
	from   sim.NodeID
	proc   string
	status string
	result []byte
	elem   *list.Element // in Server.lru while done
}

// peer is what an at-most-once server knows of one client node's current
// incarnation. Birrell & Nelson's callee keeps the last sequence number of
// each activity and discards calls not greater; with several calls
// outstanding per client this generalises to low: the highest AckBelow the
// client has sent. Every call below it is finished at the client, so a copy
// of one that arrives late is discarded whether or not its entry is still
// cached.
type peer struct {
	incarnation uint32
	low         uint64
	entries     map[uint64]*entry // by Seq; looked up only, never iterated
	order       []uint64          // the Seqs of entries, increasing
}

// NewServer returns a server that receives and sends through env, with no
// procedures registered; obs may be nil.
func NewServer(env sim.Env, opts ServerOptions, obs Observer) *Server {
	return &Server{
		env:        env,
		opts:       opts.withDefaults(),
		obs:        observerOrNop(obs),
		cb:         newCallbacks(env),
		procs:      make(map[string]ProcHandler),
		peers:      make(map[sim.NodeID]*peer),
		lru:        list.New(),
		inProgress: make(map[CallID]int),
	}
}

// Register makes procedure proc run h. Registering a name twice replaces
// the handler.
func (s *Server) Register(proc string, h ProcHandler) { s.procs[proc] = h }

// Env returns the env the server was built with.
func (s *Server) Env() sim.Env { return s.env }

// Options returns the server's options with defaults filled in.
func (s *Server) Options() ServerOptions { return s.opts }

// Cached returns how many replies the duplicate-request cache holds.
func (s *Server) Cached() int { return s.lru.Len() }

// Queued returns how many calls wait for a worker.
func (s *Server) Queued() int { return len(s.queue) }

// Busy returns how many workers are running a call.
func (s *Server) Busy() int { return s.busy }

// Timer runs the callback of a timer or disk write the server started.
func (s *Server) Timer(tag uint64) { s.cb.fire(tag) }

// Receive handles a call, a probe or a client's ACK. Replies and ACKs of
// calls are the client's business and are ignored here.
func (s *Server) Receive(from sim.NodeID, msg []byte) {
	m, err := Decode(msg)
	if err != nil {
		s.env.Trace("rpc", fmt.Sprintf("from %s: %v", s.env.NodeName(from), err))
		return
	}
	switch m.Kind {
	case KindCall:
		s.receiveCall(from, m)
	case KindProbe:
		s.receiveProbe(from, m)
	case KindAckReply:
		if s.opts.Semantics == AtMostOnce {
			if p := s.peerOf(m.ID); p != nil {
				s.advance(p, m.AckBelow)
				if e := p.entries[m.ID.Seq]; e != nil && e.state == done {
					s.forgetReply(e)
					e.state = acked
				}
			}
		}
	}
}

func (s *Server) receiveCall(from sim.NodeID, m Message) {
	h := s.procs[m.Proc]
	if h == nil {
		// Nothing ran and nothing will, so there is nothing to cache.
		s.sendReply(from, m.ID, m.Proc, statusOf(ErrProcUnavail), nil)
		return
	}
	if s.opts.Semantics == AtLeastOnce {
		// Every copy runs: the server keeps no memory of calls, only a
		// count of those in progress so that it can ACK them.
		t := &task{id: m.ID, from: from, proc: m.Proc, args: m.Args}
		s.inProgress[m.ID]++
		s.accept(t, m.PleaseAck)
		return
	}
	p := s.peerOf(m.ID)
	if p == nil {
		s.drop(m.ID, m.Proc, "old incarnation")
		return
	}
	s.advance(p, m.AckBelow)
	if m.ID.Seq < p.low {
		s.drop(m.ID, m.Proc, "acknowledged")
		return
	}
	e := p.entries[m.ID.Seq]
	switch {
	case e == nil:
		e = &entry{peer: p, id: m.ID, seq: m.ID.Seq, state: inProgress, from: from, proc: m.Proc}
		p.entries[e.seq] = e
		i := sort.Search(len(p.order), func(i int) bool { return p.order[i] >= e.seq })
		p.order = append(p.order, 0)
		copy(p.order[i+1:], p.order[i:])
		p.order[i] = e.seq
		e.task = &task{id: m.ID, from: from, proc: m.Proc, args: m.Args, ent: e}
		s.accept(e.task, m.PleaseAck)
	case e.state == inProgress:
		// Juszczak's rule: a repeat of a call in progress is dropped.
		// It is answered with an ACK if the client asked, so that it
		// stops retransmitting (Birrell & Nelson §3.3).
		s.drop(m.ID, m.Proc, "in progress")
		if m.PleaseAck {
			s.sendAck(e.task)
		}
	case e.state == done:
		s.resendCached(e)
	default: // acked
		s.drop(m.ID, m.Proc, "acknowledged")
	}
}

// receiveProbe answers a probe: an ACK while the call is held, the cached
// reply once it is done (the reply may have been lost), silence for a call
// the server does not know, which tells the client to retransmit.
func (s *Server) receiveProbe(from sim.NodeID, m Message) {
	if s.opts.Semantics == AtLeastOnce {
		if s.inProgress[m.ID] > 0 {
			s.env.Send(from, Encode(Message{Kind: KindAckCall, ID: m.ID}), Label(KindAckCall, ""))
		}
		return
	}
	p := s.peerOf(m.ID)
	if p == nil {
		return
	}
	e := p.entries[m.ID.Seq]
	switch {
	case e == nil:
	case e.state == inProgress:
		s.sendAck(e.task)
	case e.state == done:
		s.resendCached(e)
	}
}

// peerOf returns the state of the client incarnation that sent id, or nil
// if that incarnation is older than one already seen: its node has crashed
// since, nobody waits for the call any more, and running it would only
// create an orphan. A newer incarnation replaces the old one's state.
func (s *Server) peerOf(id CallID) *peer {
	p := s.peers[id.Client]
	switch {
	case p != nil && id.Incarnation == p.incarnation:
		return p
	case p != nil && id.Incarnation < p.incarnation:
		return nil
	}
	if p != nil {
		for _, seq := range p.order {
			s.forgetReply(p.entries[seq])
		}
	}
	p = &peer{incarnation: id.Incarnation, low: 1, entries: make(map[uint64]*entry)}
	s.peers[id.Client] = p
	return p
}

// advance raises a peer's low-water mark and forgets the entries below it,
// except those still in progress, which go when they complete.
func (s *Server) advance(p *peer, below uint64) {
	if below <= p.low {
		return
	}
	p.low = below
	kept := p.order[:0]
	i := 0
	for ; i < len(p.order) && p.order[i] < below; i++ {
		e := p.entries[p.order[i]]
		if e.state == inProgress {
			kept = append(kept, e.seq)
			continue
		}
		s.forgetReply(e)
		delete(p.entries, e.seq)
	}
	p.order = append(kept, p.order[i:]...)
}

// forgetReply removes e's reply from the cache, if it holds one.
func (s *Server) forgetReply(e *entry) {
	if e.elem != nil {
		s.lru.Remove(e.elem)
		e.elem = nil
	}
	e.result = nil
}

// removeEntry deletes e from its peer.
func (s *Server) removeEntry(e *entry) {
	s.forgetReply(e)
	p := e.peer
	if p.entries[e.seq] != e {
		return
	}
	delete(p.entries, e.seq)
	i := sort.Search(len(p.order), func(i int) bool { return p.order[i] >= e.seq })
	if i < len(p.order) && p.order[i] == e.seq {
		p.order = append(p.order[:i], p.order[i+1:]...)
	}
}

// name formats a call id with the client's name ("A.0.3"), for the trace.
func (s *Server) name(id CallID) string { return idName(s.env, id) }

func (s *Server) drop(id CallID, proc, reason string) {
	s.obs.Dropped(s.env.Now(), s.env.Self(), id, reason)
	s.env.Trace("rpc", fmt.Sprintf("%s %s dropped: %s", Label(KindCall, proc), s.name(id), reason))
}

// resendCached answers a repeat of a completed call with its cached reply.
func (s *Server) resendCached(e *entry) {
	s.lru.MoveToBack(e.elem)
	s.obs.CachedReply(s.env.Now(), s.env.Self(), e.id)
	s.env.Trace("rpc", fmt.Sprintf("%s %s answered from the cache", Label(KindCall, e.proc), s.name(e.id)))
	s.sendReply(e.from, e.id, e.proc, e.status, e.result)
}

// accept queues a new call for a worker and arranges for it to be
// acknowledged explicitly if it is held for long.
func (s *Server) accept(t *task, pleaseAck bool) {
	s.queue = append(s.queue, t)
	s.pump()
	if t.replied {
		return // a quick procedure: the reply is the ACK
	}
	if pleaseAck {
		s.sendAck(t)
	}
	if !s.opts.Reliable && !t.ackSent {
		t.ackTimer = s.cb.after(s.opts.AckAfter, func() {
			t.ackTimer = timer{}
			if !t.replied && !t.ackSent {
				s.sendAck(t)
			}
		})
	}
}

// sendAck tells the client the server holds its call.
func (s *Server) sendAck(t *task) {
	t.ackSent = true
	s.env.Send(t.from, Encode(Message{Kind: KindAckCall, ID: t.id}), Label(KindAckCall, ""))
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
		s.queue = s.queue[1:]
		s.busy++
		if s.opts.ServiceTime > 0 {
			s.cb.after(s.opts.ServiceTime, func() { s.execute(t) })
		} else {
			s.execute(t)
		}
	}
	s.pumping = false
}

// execute runs the procedure of t on a worker.
func (s *Server) execute(t *task) {
	s.obs.Executed(s.env.Now(), s.env.Self(), t.proc, t.id)
	s.env.Trace("rpc", fmt.Sprintf("%s %s executed", Label(KindCall, t.proc), s.name(t.id)))
	s.procs[t.proc](&Call{ID: t.id, From: t.from, Proc: t.proc, Args: t.args, s: s, t: t})
}

// complete is Call.Reply: record the result, free the worker, reply.
func (s *Server) complete(t *task, result []byte, err error) {
	if t.replied {
		return
	}
	t.replied = true
	s.cb.cancel(&t.ackTimer)
	s.busy--
	status := statusOf(err)
	if e := t.ent; e != nil {
		e.task = nil
		switch {
		case s.peers[t.id.Client] != e.peer || e.peer.entries[e.seq] != e:
			// The client restarted since: nobody will ask again.
		case e.seq < e.peer.low:
			// The client abandoned the call: nobody will ask again.
			s.removeEntry(e)
		default:
			e.state, e.status, e.result = done, status, result
			e.elem = s.lru.PushBack(e)
			s.evict()
		}
	} else {
		if n := s.inProgress[t.id]; n > 1 {
			s.inProgress[t.id] = n - 1
		} else {
			delete(s.inProgress, t.id)
		}
	}
	s.sendReply(t.from, t.id, t.proc, status, result)
	s.pump()
}

// evict drops the least recently used replies beyond DRCSize. The call is
// then forgotten entirely, and a late repeat of it runs again: the "DRC too
// small" failure of Juszczak's measurements.
func (s *Server) evict() {
	for s.opts.DRCSize > 0 && s.lru.Len() > s.opts.DRCSize {
		e := s.lru.Front().Value.(*entry)
		s.env.Trace("rpc", fmt.Sprintf("%s %s evicted from the cache", Label(KindCall, e.proc), s.name(e.id)))
		s.removeEntry(e)
	}
}

func (s *Server) sendReply(to sim.NodeID, id CallID, proc, status string, result []byte) {
	s.env.Send(to, Encode(Message{Kind: KindReply, ID: id, Status: status, Result: result}), Label(KindReply, proc))
}
