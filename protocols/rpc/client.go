package rpc

import (
	"fmt"
	"sort"

	"github.com/sim-lecture/sim/sim"
)

// Client is the caller's half of the RPC runtime: the lecture's client
// wrapper minus the marshaling, which the stubs do. It sends calls,
// retransmits them until a reply or an ACK arrives, probes the server
// during long calls, acknowledges results, and hands each result to the
// application's callback.
//
// A Client may have any number of calls outstanding at once, to one server
// or several; each is what Birrell & Nelson call an activity's call, and
// each has its own sequence number. Implicit acknowledgement still works
// because every call carries AckBelow, the client's lowest outstanding
// sequence number: the next call acknowledges every result before it.
//
// All of a Client's state is volatile: a crash ends its calls without their
// callbacks, and the restarted node's new Client starts a new incarnation
// whose sequence numbers the server keeps apart from the old ones.
type Client struct {
	env  sim.Env
	opts Options
	obs  Observer
	cb   callbacks

	next  uint64              // the next call's Seq; starts at 1
	calls map[uint64]*pending // outstanding calls by Seq; looked up only
	// out holds the outstanding Seqs in increasing order, so that the
	// lowest (AckBelow) is found without iterating a map.
	out []uint64
	// ackSent is, per server, the highest AckBelow sent to it: results
	// below it are acknowledged.
	ackSent map[sim.NodeID]uint64
}

// pending is one outstanding call.
type pending struct {
	id       CallID
	server   sim.NodeID
	proc     string
	args     []byte
	done     func(result []byte, err error)
	attempts int
	// acked: the server said it holds the call, so the client probes
	// instead of retransmitting.
	acked bool
	// silent counts probes sent since the server last answered.
	silent int
	timer  timer
}

// NewClient returns a client that sends through env. env.Incarnation names
// the client's conversation; obs may be nil.
func NewClient(env sim.Env, opts Options, obs Observer) *Client {
	return &Client{
		env:     env,
		opts:    opts.withDefaults(),
		obs:     observerOrNop(obs),
		cb:      newCallbacks(env),
		next:    1,
		calls:   make(map[uint64]*pending),
		ackSent: make(map[sim.NodeID]uint64),
	}
}

// Options returns the client's options with defaults filled in.
func (c *Client) Options() Options { return c.opts }

// Outstanding returns how many calls await their reply.
func (c *Client) Outstanding() int { return len(c.out) }

// Call calls procedure proc on server with marshaled args, and returns at
// once: the simulator has no blocking, so done is called later with the
// marshaled result, or with an error (*Error: the server's error name, or
// ErrTimedOut when the client gave up). done is called exactly once, unless
// the client's node crashes first; it may start further calls. args must
// not be modified afterwards.
func (c *Client) Call(server sim.NodeID, proc string, args []byte, done func(result []byte, err error)) CallID {
	id := CallID{Client: c.env.Self(), Incarnation: c.env.Incarnation(), Seq: c.next}
	c.next++
	p := &pending{id: id, server: server, proc: proc, args: args, done: done}
	c.calls[id.Seq] = p
	c.out = append(c.out, id.Seq) // Seqs only grow: out stays sorted
	c.obs.CallStarted(c.env.Now(), id.Client, server, proc, id)
	c.transmit(p)
	return id
}

// ackBelow is the AckBelow of the next message: every call below it has
// finished here, replied or abandoned.
func (c *Client) ackBelow() uint64 {
	if len(c.out) > 0 {
		return c.out[0]
	}
	return c.next
}

func (c *Client) noteAck(server sim.NodeID, below uint64) {
	if below > c.ackSent[server] {
		c.ackSent[server] = below
	}
}

// transmit sends (or re-sends) a call and arms its retransmission timer.
func (c *Client) transmit(p *pending) {
	p.attempts++
	p.acked, p.silent = false, 0
	below := c.ackBelow()
	// Birrell & Nelson §3.3: a retransmission requests an explicit ACK,
	// so that a callee still working on the call can say so.
	m := Message{Kind: KindCall, ID: p.id, PleaseAck: p.attempts > 1, AckBelow: below, Proc: p.proc, Args: p.args}
	c.noteAck(p.server, below)
	c.obs.Attempt(c.env.Now(), p.id, p.attempts)
	c.env.Send(p.server, Encode(m), Label(KindCall, p.proc))
	c.cb.cancel(&p.timer)
	if d := c.opts.retransmitInterval(); d > 0 {
		seq := p.id.Seq
		p.timer = c.cb.after(d, func() { c.retransmitTimeout(seq) })
	}
}

// retransmitTimeout: no reply and no ACK within the interval. The call or
// its reply was lost, or the server is slow or down; the client cannot tell
// which, so it sends the call again, until MaxAttempts.
func (c *Client) retransmitTimeout(seq uint64) {
	p := c.calls[seq]
	if p == nil {
		return
	}
	p.timer = timer{}
	c.retry(p)
}

// retry sends the call again, or fails it if its attempts are used up.
func (c *Client) retry(p *pending) {
	if c.opts.MaxAttempts > 0 && p.attempts >= c.opts.MaxAttempts {
		c.env.Trace("rpc", fmt.Sprintf("%s %s gave up after %d attempts", Label(KindCall, p.proc), idName(c.env, p.id), p.attempts))
		c.finish(p, nil, ErrTimedOut)
		return
	}
	c.transmit(p)
}

// probeTimeout: time to probe a call the server has acknowledged, or the
// last probe went unanswered.
func (c *Client) probeTimeout(seq uint64) {
	p := c.calls[seq]
	if p == nil {
		return
	}
	p.timer = timer{}
	if p.silent >= c.opts.MaxProbes {
		// The server no longer answers for the call: it crashed (and
		// forgot it) or the network between us failed. Fall back to
		// retransmitting; Birrell & Nelson fail the call here, which is
		// what MaxAttempts > 0 ends up doing.
		c.env.Trace("rpc", fmt.Sprintf("%s %s: %d probes unanswered", Label(KindCall, p.proc), idName(c.env, p.id), p.silent))
		c.retry(p)
		return
	}
	p.silent++
	c.env.Send(p.server, Encode(Message{Kind: KindProbe, ID: p.id}), Label(KindProbe, ""))
	p.timer = c.cb.after(c.opts.Timeout, func() { c.probeTimeout(seq) })
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
	if m.ID.Client != c.env.Self() || m.ID.Incarnation != c.env.Incarnation() {
		return
	}
	p := c.calls[m.ID.Seq]
	if p == nil {
		return
	}
	switch m.Kind {
	case KindReply:
		c.finish(p, m.Result, errorOf(m.Status))
		if c.opts.Semantics == AtMostOnce {
			c.scheduleResultAck(p)
		}
	case KindAckCall:
		// The server holds the call (Birrell & Nelson §3.3): stop
		// retransmitting, and probe now and then to learn whether it
		// still does. An ACK that answers a probe restarts the wait.
		c.cb.cancel(&p.timer)
		p.acked, p.silent = true, 0
		seq := p.id.Seq
		p.timer = c.cb.after(c.opts.ProbeInterval, func() { c.probeTimeout(seq) })
	}
}

// Timer runs the callback of a timer the client set.
func (c *Client) Timer(tag uint64) { c.cb.fire(tag) }

// finish ends a call and tells the observer and the application.
func (c *Client) finish(p *pending, result []byte, err error) {
	c.cb.cancel(&p.timer)
	delete(c.calls, p.id.Seq)
	i := sort.Search(len(c.out), func(i int) bool { return c.out[i] >= p.id.Seq })
	c.out = append(c.out[:i], c.out[i+1:]...)
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
	c.cb.after(c.opts.AckAfter, func() {
		if c.ackSent[server] > id.Seq {
			return // a later message already acknowledged it
		}
		below := c.ackBelow()
		c.noteAck(server, below)
		c.env.Send(server, Encode(Message{Kind: KindAckReply, ID: id, AckBelow: below}), Label(KindAckReply, ""))
	})
}
