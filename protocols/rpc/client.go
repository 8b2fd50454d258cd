package rpc

import (
	"fmt"
	"slices"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/protocols/stack"
	"github.com/sim-lecture/sim/sim"
)

// Client is the caller's half of the RPC runtime: the lecture's client
// wrapper minus the marshaling, which the stubs do. It sends calls,
// retransmits them until a reply comes and hands each result to the
// application's callback. With Options.BirrellNelson it also stops
// retransmitting when the server acknowledges a call, probes the server
// during long calls and acknowledges results.
//
// A Client may have any number of calls outstanding at once, to one server
// or several; each is what Birrell & Nelson call an activity's call, and
// each has its own sequence number. Implicit acknowledgement still works
// because every call carries AckBelow, the client's lowest outstanding
// sequence number: the next call acknowledges every result before it.
//
// All of a Client's state is volatile: a crash ends its calls without their
// callbacks, and the restarted node's new Client starts a new incarnation
// whose xids the server keeps apart from the old ones.
type Client struct {
	env  sim.Env
	opts Options
	obs  Observer
	cb   stack.Callbacks // in the Client: one object less per client
	xids *XIDs

	// out holds the outstanding calls in the order they were made, so
	// that the lowest Seq (AckBelow) is the first. A call is found by
	// scanning it: a client has a few calls outstanding, and a scan of a
	// short slice beats a map that thousands of clients would each hold
	// (BENCHMARKS.md, NFS half of issue 12).
	out    []*pending
	outBuf [2]*pending // out's first array, in the Client
	// ackSent is, per server, the highest AckBelow sent to it: results
	// below it are acknowledged. Made at the first acknowledgement
	// (Birrell & Nelson's extensions only).
	ackSent map[sim.NodeID]uint32
	// cred is the AUTH_SYS credential of every call when it carries no
	// acknowledgement (without BirrellNelson): the same bytes each time,
	// marshaled once.
	cred OpaqueAuth
}

// pending is one outstanding call.
type pending struct {
	id       CallID
	server   sim.NodeID
	proc     Proc
	args     []byte
	done     func(result []byte, err error)
	attempts int
	// acked: the server said it holds the call, so the client probes
	// instead of retransmitting.
	acked bool
	// silent counts probes sent since the server last answered.
	silent int
	timer  stack.Timer
}

// NewClient returns a client that sends through env. env.Incarnation names
// the client's conversation; obs may be nil.
func NewClient(env sim.Env, opts Options, obs Observer) *Client {
	c := new(Client)
	c.Init(env, opts, obs)
	return c
}

// Init makes *c the client NewClient returns, in place: for a layer that
// keeps its RPC client inside its own state, so that thousands of client
// nodes each hold one object rather than several (BENCHMARKS.md, NFS half
// of issue 12). *c must not be in use.
func (c *Client) Init(env sim.Env, opts Options, obs Observer) {
	opts = opts.withDefaults()
	xids := opts.XIDs
	if xids == nil {
		xids = NewXIDs(env.Incarnation())
	}
	*c = Client{
		env:  env,
		opts: opts,
		obs:  observerOrNop(obs),
		cb:   *stack.NewCallbacks(env),
		xids: xids,
	}
}

// Options returns the client's options with defaults filled in.
func (c *Client) Options() Options { return c.opts }

// Outstanding returns how many calls await their reply.
func (c *Client) Outstanding() int { return len(c.out) }

// Call calls procedure p on server with marshaled args, and returns at
// once: the simulator has no blocking, so done is called later with the
// marshaled result, or with an error (*Error: the server's error, or
// ErrTimedOut when the client gave up). done is called exactly once, unless
// the client's node crashes first; it may start further calls. args must
// not be modified afterwards.
func (c *Client) Call(server sim.NodeID, p Proc, args []byte, done func(result []byte, err error)) CallID {
	id := idOf(c.env.Self(), c.xids.Next())
	pc := &pending{id: id, server: server, proc: p, args: args, done: done}
	if c.out == nil {
		c.out = c.outBuf[:0]
	}
	c.out = append(c.out, pc)
	c.obs.CallStarted(c.env.Now(), id.Client, server, p.Name, id)
	c.transmit(pc)
	return id
}

// outstanding returns the outstanding call of seq, or nil.
func (c *Client) outstanding(seq uint32) *pending {
	for _, p := range c.out {
		if p.id.Seq == seq {
			return p
		}
	}
	return nil
}

// ackBelow is the AckBelow of the next message: every call below it has
// finished here, replied or abandoned.
func (c *Client) ackBelow() uint32 {
	if len(c.out) > 0 {
		return c.out[0].id.Seq
	}
	return c.xids.peek()
}

func (c *Client) noteAck(server sim.NodeID, below uint32) {
	if last, ok := c.ackSent[server]; !ok || seqBefore(last, below) {
		if c.ackSent == nil {
			c.ackSent = map[sim.NodeID]uint32{}
		}
		c.ackSent[server] = below
	}
}

// credential is the credential of a transmission of p.
func (c *Client) credential(p *pending, below uint32) OpaqueAuth {
	if c.opts.Auth != AuthSys {
		return noAuth
	}
	if !c.opts.BirrellNelson && c.cred.Body != nil {
		return c.cred
	}
	a := AuthSysParms{MachineName: c.env.Name()}
	if !c.opts.BirrellNelson {
		c.cred = a.Marshal()
		return c.cred
	}
	// The piggybacked acknowledgement (see AckProgram).
	a.Stamp = seqDistance(below, p.id.Seq)
	if p.attempts > 1 {
		a.Stamp |= stampPleaseAck
	}
	c.noteAck(p.server, below)
	return a.Marshal()
}

// transmit sends (or re-sends) a call and arms its retransmission timer.
func (c *Client) transmit(p *pending) {
	p.attempts++
	p.acked, p.silent = false, 0
	// Birrell & Nelson §3.3: a retransmission requests an explicit ACK,
	// so that a callee still working on the call can say so.
	cred := c.credential(p, c.ackBelow())
	c.obs.Attempt(c.env.Now(), p.id, p.attempts)
	frame := encodeCallAfter(headroom(c.env), p.id.XID(), p.proc, cred, p.args)
	sendFrame(c.env, p.server, frame, Label(KindCall, p.proc.Name))
	c.cb.Cancel(&p.timer)
	if d := c.opts.retransmitInterval(p.attempts); d > 0 {
		seq := p.id.Seq
		p.timer = c.cb.After(d, func() { c.retransmitTimeout(seq) })
	}
}

// retransmitTimeout: no reply and no ACK within the interval. The call or
// its reply was lost, or the server is slow or down; the client cannot tell
// which, so it sends the call again, until MaxAttempts.
func (c *Client) retransmitTimeout(seq uint32) {
	p := c.outstanding(seq)
	if p == nil {
		return
	}
	p.timer = stack.Timer{}
	c.retry(p)
}

// retry sends the call again, or fails it if its attempts are used up.
func (c *Client) retry(p *pending) {
	if c.opts.MaxAttempts > 0 && p.attempts >= c.opts.MaxAttempts {
		c.env.Trace("rpc", fmt.Sprintf("%s %s gave up after %d attempts", p.proc, idName(c.env, p.id), p.attempts))
		c.finish(p, nil, ErrTimedOut)
		return
	}
	c.transmit(p)
}

// probeTimeout: time to probe a call the server has acknowledged, or the
// last probe went unanswered.
func (c *Client) probeTimeout(seq uint32) {
	p := c.outstanding(seq)
	if p == nil {
		return
	}
	p.timer = stack.Timer{}
	if p.silent >= c.opts.MaxProbes {
		// The server no longer answers for the call: it crashed (and
		// forgot it) or the network between us failed. Fall back to
		// retransmitting; Birrell & Nelson fail the call here, which is
		// what MaxAttempts > 0 ends up doing.
		c.env.Trace("rpc", fmt.Sprintf("%s %s: %d probes unanswered", p.proc, idName(c.env, p.id), p.silent))
		c.retry(p)
		return
	}
	p.silent++
	c.env.Send(p.server, encodeAck(c.xids.Next(), procProbe, p.id.XID(), 0), Label(KindProbe, ""))
	p.timer = c.cb.After(c.opts.Timeout, func() { c.probeTimeout(seq) })
}

// Receive handles a reply or an ACK from a server. Anything else, and
// anything about a call that is not outstanding (a duplicate, a reply to an
// abandoned call, a message for an earlier incarnation), is ignored.
func (c *Client) Receive(from sim.NodeID, msg []byte) {
	m, err := Decode(msg)
	if err != nil {
		c.env.Trace("rpc", fmt.Sprintf("from %s: %v", c.env.NodeName(from), err))
		return
	}
	if m.ID.Incarnation != c.xids.inc {
		return
	}
	p := c.outstanding(m.ID.Seq)
	if p == nil || p.server != from {
		return
	}
	switch m.Kind {
	case KindReply:
		result, err := c.outcome(p, m.Msg)
		c.finish(p, result, err)
		if c.opts.BirrellNelson && c.opts.Semantics == AtMostOnce {
			c.scheduleResultAck(p)
		}
	case KindAckCall:
		if !c.opts.BirrellNelson {
			return
		}
		// The server holds the call (Birrell & Nelson §3.3): stop
		// retransmitting, and probe now and then to learn whether it
		// still does. An ACK that answers a probe restarts the wait.
		c.cb.Cancel(&p.timer)
		p.acked, p.silent = true, 0
		seq := p.id.Seq
		p.timer = c.cb.After(c.opts.ProbeInterval, func() { c.probeTimeout(seq) })
	}
}

// outcome turns a reply into what the application gets: the results, or
// the error the reply says.
func (c *Client) outcome(p *pending, m Msg) ([]byte, error) {
	r := m.Reply
	switch {
	case r.Stat == MsgDenied && r.Reject == RPCMismatch:
		return nil, ErrRPCMismatch
	case r.Stat == MsgDenied:
		return nil, ErrAuth
	case r.Accept != Success:
		if err, ok := acceptErrors[r.Accept]; ok {
			return nil, err
		}
		return nil, ErrSystemErr
	case !p.proc.ErrorNames:
		return m.Body, nil
	}
	d := xdr.NewDecoder(m.Body)
	name, err := d.String()
	if err != nil {
		return nil, ErrGarbageResult
	}
	if name != "" {
		if d.Remaining() != 0 {
			return nil, ErrGarbageResult
		}
		return nil, &Error{Name: name}
	}
	return m.Body[len(m.Body)-d.Remaining():], nil
}

// Timer runs the callback of a timer the client set.
func (c *Client) Timer(tag uint64) { c.cb.Timer(tag) }

// finish ends a call and tells the observer and the application.
func (c *Client) finish(p *pending, result []byte, err error) {
	c.cb.Cancel(&p.timer)
	if i := slices.Index(c.out, p); i >= 0 {
		c.out = slices.Delete(c.out, i, i+1)
	}
	c.obs.CallDone(c.env.Now(), p.id, err)
	if p.done != nil {
		p.done(result, err)
	}
}

// scheduleResultAck arranges for the result of p to be acknowledged: by
// the next call to the same server if one goes out within AckAfter (the
// implicit ACK of Birrell & Nelson §3.2), else by an explicit ACK. The ACK
// lets an at-most-once server drop the cached reply. If it is lost the
// entry stays until the next call's AckBelow covers it.
func (c *Client) scheduleResultAck(p *pending) {
	server, id := p.server, p.id
	c.cb.After(c.opts.AckAfter, func() {
		if last, ok := c.ackSent[server]; ok && seqBefore(id.Seq, last) {
			return // a later message already acknowledged it
		}
		below := c.ackBelow()
		c.noteAck(server, below)
		msg := encodeAck(c.xids.Next(), procAckReply, id.XID(), c.xids.inc<<seqBits|below)
		c.env.Send(server, msg, Label(KindAckReply, ""))
	})
}
