package reliable

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sim-lecture/sim/protocols/stack"
	"github.com/sim-lecture/sim/sim"
)

// UpperTagBits is how many low bits of a timer or disk-write tag belong to
// the upper layer, and to the Endpoint's own timers. The Endpoint's tag Mux
// puts one owner bit above them: 0 for the upper layer, whose tags
// therefore pass through unchanged, and 1 for the Endpoint's own timers,
// so the whole stays within the 48 bits a udp port env accepts. An own tag
// holds the timer's kind (bits 44..46), its generation (bits 32..43) and
// the peer (bits 0..31).
const UpperTagBits = 47

// The owners of the Endpoint's tags.
const (
	ownerUpper = 0
	ownerSelf  = 1
)

const (
	kindShift = 44
	kindMask  = 7
	genMask   = 1<<12 - 1
)

// The kinds of the Endpoint's timers: one of each per connection.
const (
	// timerRetransmit is the retransmission timer of RFC 6298 §5, which
	// also serves as RACK-TLP's probe timeout (RFC 8985 §7.2) while a
	// tail loss probe is scheduled in its place.
	timerRetransmit = iota
	// timerReorder is RACK's reordering timer (RFC 8985 §6.2 step 5).
	timerReorder
	// timerPersist sends zero-window probes (RFC 9293 §3.8.6.1).
	timerPersist
	// timerTimeWait ends TIME_WAIT (RFC 9293 §3.6.1).
	timerTimeWait
	// timerConsume is the receiving application finishing its read of
	// the oldest unread message (Options.ConsumeRate).
	timerConsume
	// timerFinWait bounds how long messages sent after Close wait for
	// the peer to close its direction (Options.FinTimeout). It comes
	// last so that the tags of the timers above keep their values.
	timerFinWait
	numTimers
)

// Failures reported to FailureHandler.Failed.
var (
	// ErrTimeout means Options.MaxRetries retransmissions went
	// unanswered: the peer is down, partitioned away or unreachable. The
	// sender cannot tell which (lecture: "No ACK: message may or may not
	// have been received").
	ErrTimeout = errors.New("reliable: no acknowledgment after max retries")
	// ErrReset means the peer answered RST: it has no connection the
	// segments belong to.
	ErrReset = errors.New("reliable: connection reset by peer")
	// ErrPeerRestarted means a segment from a newer incarnation of the
	// peer arrived: it crashed and restarted, losing whatever it had not
	// handed to its application.
	ErrPeerRestarted = errors.New("reliable: peer restarted")
	// ErrTooLong means a message longer than MaxPayload was given to Send;
	// it was never sent.
	ErrTooLong = errors.New("reliable: message too long")
	// ErrClosing means a message was sent after Close while the peer
	// kept its direction of the connection open for longer than
	// Options.FinTimeout: the next connection cannot open before this
	// one is over. RFC 9293 §3.10.2 answers a SEND in FIN-WAIT-1 or
	// FIN-WAIT-2 with "error: connection closing"; the message was
	// never sent.
	ErrClosing = errors.New("reliable: connection closing: the peer has not closed its direction")
)

// FailureHandler is an optional interface of the upper handler. When the
// transport gives up on a connection it calls Failed with the messages it
// had accepted from Send for peer but not seen acknowledged, in the order
// they were sent, and the reason. Each of them may or may not have been
// delivered (the lecture's lost-ACK dilemma); the rest of the stream's
// messages were delivered exactly once, in order. A later Send to peer
// opens a new connection.
//
// Failed is called from within the Endpoint's Receive, Timer or (for
// ErrTooLong) Send, after the connection's state has been reset, so it may
// call Send itself.
type FailureHandler interface {
	Failed(peer sim.NodeID, unacked [][]byte, err error)
}

// Cause says why a segment was sent again.
type Cause uint8

// The causes of a retransmission.
const (
	// CauseTimeout: the retransmission timer expired (RFC 6298 (5.4)),
	// or, after it did, the segment was one of the holes the sender
	// repairs while the window opens again (RFC 6675 §5.1).
	CauseTimeout Cause = iota
	// CauseRecovery: the ACKs showed the segment lost (three duplicate
	// ACKs, the SACK scoreboard or RACK) and fast retransmit or fast
	// recovery resent it (RFC 5681 §3.2, RFC 6675, RFC 6582, RFC 8985).
	CauseRecovery
	// CauseProbe: a tail loss probe resent the last segment (RFC 8985
	// §7.3).
	CauseProbe
)

func (c Cause) String() string {
	switch c {
	case CauseTimeout:
		return "timeout"
	case CauseRecovery:
		return "recovery"
	case CauseProbe:
		return "probe"
	}
	return fmt.Sprintf("Cause(%d)", uint8(c))
}

// Observer watches an Endpoint's retransmission timer and congestion
// window, for plots such as the adaptive-RTO scenario's (time, RTT sample,
// SRTT, RTO). Every method is called at the virtual time at which the thing
// happened. A nil Observer is allowed.
type Observer interface {
	// RTTSample reports an RTT measurement (under Karn's rule, or from a
	// timestamp echo), and SRTT and RTO just after it was fed to the
	// estimator (in Fixed mode the RTO is the fixed timeout).
	RTTSample(at sim.Time, peer sim.NodeID, sample, srtt, rto time.Duration)
	// Retransmit reports that DATA seq was sent again, and why.
	Retransmit(at sim.Time, peer sim.NodeID, seq uint32, cause Cause)
	// RTO reports the connection's RTO whenever it changes: when a connection
	// opens, after a sample, after a backoff.
	RTO(at sim.Time, peer sim.NodeID, rto time.Duration)
	// Congestion reports the congestion window and the slow-start
	// threshold, in segments, whenever either changes (with
	// Options.CongestionControl). ssthresh is 0 until the first loss
	// sets it: before, it is "arbitrarily high" (RFC 5681 §3.1).
	Congestion(at sim.Time, peer sim.NodeID, cwnd, ssthresh int)
}

// Stats counts what an Endpoint did on one connection or, summed, on all.
// Counters cover the Endpoint's life, across the connections it had; a crash
// loses them with the rest of its memory.
type Stats struct {
	// Sent counts messages the upper layer gave to Send.
	Sent uint64
	// Segments counts DATA segments transmitted, retransmissions included.
	Segments uint64
	// Retransmissions counts DATA segments sent again, for any Cause.
	Retransmissions uint64
	// Timeouts counts expiries of the retransmission timer.
	Timeouts uint64
	// FastRetransmits counts retransmissions of segments the ACKs showed
	// lost (CauseRecovery).
	FastRetransmits uint64
	// LossProbes counts tail loss probes (RFC 8985 §7), whether they sent
	// new data or resent the last segment.
	LossProbes uint64
	// DSACKs counts duplicates the receiver reported with a D-SACK (RFC
	// 2883): needless retransmissions, or copies the network made.
	DSACKs uint64
	// Recoveries counts fast recoveries entered.
	Recoveries uint64
	// ZeroWindowProbes counts probes of a zero window (RFC 9293 §3.8.6.1).
	ZeroWindowProbes uint64
	// WindowUpdates counts ACKs sent only because reading opened the
	// window.
	WindowUpdates uint64
	// Overflows counts DATA segments dropped because the receive buffer
	// was full.
	Overflows uint64
	// Acked counts messages whose acknowledgment arrived.
	Acked uint64
	// GivenUp counts messages reported to FailureHandler.Failed.
	GivenUp uint64
	// Failures counts connections that failed.
	Failures uint64
	// AcksSent counts ACK segments sent.
	AcksSent uint64
	// ResetsSent counts RST segments sent.
	ResetsSent uint64
	// Delivered counts messages handed to the upper layer.
	Delivered uint64
	// Duplicates counts DATA segments suppressed because K < N or K was
	// already buffered (lecture: "Suppress message if ...").
	Duplicates uint64
	// OutOfOrder counts DATA segments buffered because an earlier one was
	// missing.
	OutOfOrder uint64
	// RejectedOld counts segments dropped because they came from an earlier
	// incarnation of the peer or were addressed to an earlier incarnation
	// of this node.
	RejectedOld uint64
	// Malformed counts byte strings that did not parse as a segment.
	Malformed uint64

	// Unacked and Queued are gauges: messages in flight, and messages
	// waiting for the window to open.
	Unacked, Queued int
	// QueuedBytes is the payload of the Queued messages: what an
	// application that sends faster than the window drains piles up here
	// (the simulator bounds it, see sim.World.HoldBytes).
	QueuedBytes int
	// RTO and SRTT are the connection's current values, and Cwnd and
	// Ssthresh its congestion window and slow-start threshold (0: not set
	// yet); they are zero in Endpoint.Total.
	RTO, SRTT      time.Duration
	Cwnd, Ssthresh int
}

// add accumulates the counters and gauges of o into s.
func (s *Stats) add(o Stats) {
	s.Sent += o.Sent
	s.Segments += o.Segments
	s.Retransmissions += o.Retransmissions
	s.Timeouts += o.Timeouts
	s.FastRetransmits += o.FastRetransmits
	s.LossProbes += o.LossProbes
	s.DSACKs += o.DSACKs
	s.Recoveries += o.Recoveries
	s.ZeroWindowProbes += o.ZeroWindowProbes
	s.WindowUpdates += o.WindowUpdates
	s.Overflows += o.Overflows
	s.Acked += o.Acked
	s.GivenUp += o.GivenUp
	s.Failures += o.Failures
	s.AcksSent += o.AcksSent
	s.ResetsSent += o.ResetsSent
	s.Delivered += o.Delivered
	s.Duplicates += o.Duplicates
	s.OutOfOrder += o.OutOfOrder
	s.RejectedOld += o.RejectedOld
	s.Malformed += o.Malformed
	s.Unacked += o.Unacked
	s.Queued += o.Queued
	s.QueuedBytes += o.QueuedBytes
}

// Endpoint is the reliable transport of one node: a sim.Handler driven by
// the sim.Env it was built with (normally a udp port env), and the provider
// of a sim.Env to the layer above, whose Send queues a message for
// reliable, in-order, exactly-once delivery to the upper handler of the
// same port on the destination node.
//
// It keeps one connection per peer, each made of a sending half and a
// receiving half; all of it is volatile, as the kernel's crash model
// demands: a restarted node builds a fresh Endpoint and starts a new
// incarnation. The package documentation gives the rules.
type Endpoint struct {
	env   sim.Env
	opts  Options
	obs   Observer
	inc   uint32
	upper sim.Handler
	uenv  *upperEnv
	tags  *stack.Mux           // the upper layer's timers and disk writes, and own
	own   sim.Env              // the env of the Endpoint's own timers
	conns map[sim.NodeID]*conn // looked up, or visited in sorted order
}

// NewEndpoint returns an Endpoint that talks through env and builds its
// upper handler with upper, handing it the Endpoint's own sim.Env. obs may
// be nil. Invalid opts, and a factory that returns nil, are programming
// errors and panic: check options that come from a user with
// Options.Validate first.
func NewEndpoint(env sim.Env, opts Options, upper sim.Factory, obs Observer) *Endpoint {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	if obs == nil {
		obs = nopObserver{}
	}
	e := &Endpoint{
		env:   env,
		opts:  opts,
		obs:   obs,
		inc:   env.Incarnation(),
		conns: make(map[sim.NodeID]*conn),
	}
	e.tags = stack.NewMux(env, "reliable", UpperTagBits, 1)
	e.own = e.tags.Env(ownerSelf)
	e.tags.Handle(ownerSelf, stack.TimerFunc(e.ownTimer))
	e.uenv = &upperEnv{Env: e.tags.Env(ownerUpper), e: e}
	e.upper = upper(e.uenv)
	if e.upper == nil {
		panic("reliable: upper factory returned a nil handler")
	}
	e.tags.Handle(ownerUpper, e.upper)
	return e
}

// Upper returns the upper handler, on which the scenario runner calls
// application operations.
func (e *Endpoint) Upper() sim.Handler { return e.upper }

// Env returns the sim.Env the Endpoint offers the upper layer.
func (e *Endpoint) Env() sim.Env { return e.uenv }

// Options returns the options the Endpoint runs with.
func (e *Endpoint) Options() Options { return e.opts }

// Peers returns the nodes this Endpoint has a connection with, in
// increasing order.
func (e *Endpoint) Peers() []sim.NodeID {
	ids := make([]sim.NodeID, 0, len(e.conns))
	for id := range e.conns {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Stats returns the statistics of the connection with peer (zero if there is
// none).
func (e *Endpoint) Stats(peer sim.NodeID) Stats {
	c, ok := e.conns[peer]
	if !ok {
		return Stats{}
	}
	s := c.st
	for i := range c.snd.segs {
		if c.snd.segs[i].kind == kindData {
			s.Unacked++
		}
	}
	s.Queued, s.QueuedBytes = len(c.snd.queue)+len(c.next), c.queuedBytes
	s.RTO, s.SRTT = c.rto(&e.opts), c.snd.est.SRTT().Duration()
	if e.opts.CongestionControl {
		s.Cwnd, s.Ssthresh = c.snd.cwnd, c.snd.reportedSsthresh()
	}
	return s
}

// State returns the state of the connection with peer (Closed if there is
// none).
func (e *Endpoint) State(peer sim.NodeID) State {
	if c, ok := e.conns[peer]; ok {
		return c.state
	}
	return Closed
}

// Total returns the statistics summed over every connection.
func (e *Endpoint) Total() Stats {
	var t Stats
	for _, p := range e.Peers() {
		s := e.Stats(p)
		s.RTO, s.SRTT, s.Cwnd, s.Ssthresh = 0, 0, 0, 0
		t.add(s)
	}
	return t
}

// conn is the state of the connection with one peer. One connection at a
// time carries both directions; after it closes or fails the next message
// opens another, with new initial sequence numbers.
type conn struct {
	peer sim.NodeID
	// peerInc is the peer's incarnation as last heard, or
	// UnknownIncarnation before anything has been heard from it.
	peerInc uint32
	state   State
	// ts and sack say both ends offered timestamps and SACK on the SYNs:
	// the connection uses them.
	ts, sack bool
	// closing says the application closed its direction: the FIN follows
	// the queued messages.
	closing bool
	// next holds messages sent after Close, for the next connection.
	next [][]byte
	// finTimedOut says messages waited Options.FinTimeout in next and
	// the peer had still not closed: until this connection is over, a
	// send fails at once with ErrClosing.
	finTimedOut bool
	// queuedBytes is the payload of snd.queue and next together.
	queuedBytes int
	inbox       inbox
	snd         sender
	rcv         receiver
	st          Stats
	timers      [numTimers]timerSlot
}

// timerSlot is one of a connection's timers.
type timerSlot struct {
	armed bool
	id    sim.TimerID
	gen   uint64 // bumped at every arm and disarm; stale expiries are ignored
}

// rto returns the timeout the retransmission timer is armed with.
func (c *conn) rto(o *Options) time.Duration {
	if o.RTO == Fixed {
		return o.FixedTimeout
	}
	return c.snd.est.RTO()
}

func (e *Endpoint) conn(peer sim.NodeID) *conn {
	c, ok := e.conns[peer]
	if !ok {
		c = &conn{peer: peer, peerInc: UnknownIncarnation}
		c.snd.est = e.newEstimator()
		e.conns[peer] = c
	}
	return c
}

func (e *Endpoint) newEstimator() Estimator {
	est, err := New(e.opts.estimatorConfig())
	if err != nil {
		panic(err) // Validate accepted the same config
	}
	return est
}

func (e *Endpoint) tracef(format string, args ...any) {
	e.env.Trace("reliable", fmt.Sprintf(format, args...))
}

func (e *Endpoint) name(peer sim.NodeID) string { return e.env.NodeName(peer) }

// minTimeout is the least wait of a retransmission or persist timer: the
// timestamp clock's tick. RFC 6298 puts the clock granularity G under the
// RTO; with G = 0 and round trips of 0 the RTO would be 0, and a timer that
// fires at the instant it is set would back off from 0 forever, at one
// virtual instant.
const minTimeout = time.Microsecond

// setTimer (re)arms timer kind of c to fire after d.
func (e *Endpoint) setTimer(c *conn, kind int, d time.Duration) {
	if kind == timerRetransmit || kind == timerPersist {
		d = max(d, minTimeout)
	}
	e.stopTimer(c, kind)
	t := &c.timers[kind]
	t.armed = true
	tag := uint64(kind)<<kindShift | (t.gen&genMask)<<32 | uint64(uint32(c.peer))
	t.id = e.own.SetTimer(d, tag)
}

// stopTimer stops timer kind of c.
func (e *Endpoint) stopTimer(c *conn, kind int) {
	t := &c.timers[kind]
	if t.armed {
		e.env.CancelTimer(t.id)
		t.armed = false
	}
	// A new generation makes any expiry of the old timer recognisably
	// stale, even from an env whose CancelTimer came too late.
	t.gen++
}

// Timer handles the expiry of the Endpoint's own timers, and passes the
// upper layer's timers and disk writes on to it.
func (e *Endpoint) Timer(tag uint64) { e.tags.Route(tag) }

// ownTimer handles the expiry of one of the Endpoint's own timers.
func (e *Endpoint) ownTimer(tag uint64) {
	peer := sim.NodeID(int32(uint32(tag)))
	kind := int(tag>>kindShift) & kindMask
	c, ok := e.conns[peer]
	if !ok || kind >= numTimers {
		return
	}
	t := &c.timers[kind]
	if !t.armed || (tag>>32)&genMask != t.gen&genMask {
		return // a timer stopped since
	}
	t.armed = false
	switch kind {
	case timerRetransmit:
		e.retransmitTimer(c)
	case timerReorder:
		e.reorderTimer(c)
	case timerPersist:
		e.persistTimer(c)
	case timerTimeWait:
		e.timeWaitOver(c)
	case timerConsume:
		e.consume(c)
	case timerFinWait:
		e.finWaitOver(c)
	}
}

func (e *Endpoint) notifyFailed(peer sim.NodeID, msgs [][]byte, err error) {
	if f, ok := e.upper.(FailureHandler); ok {
		f.Failed(peer, msgs, err)
	}
}

// Receive handles a segment from the layer below.
func (e *Endpoint) Receive(from sim.NodeID, msg []byte) {
	c := e.conn(from)
	seg, err := ParseSegment(msg)
	if err != nil {
		c.st.Malformed++
		e.tracef("from %s: %v", e.name(from), err)
		return
	}
	// Rule 1: a segment addressed to an earlier life of this node belongs
	// to a connection that died with it.
	if seg.DstInc != UnknownIncarnation && seg.DstInc != e.inc {
		c.st.RejectedOld++
		e.tracef("reject %s from %s: for incarnation %d, this is %d", seg.Type, e.name(from), seg.DstInc, e.inc)
		if seg.Type != RST && seg.Type != Ack {
			e.reset(c, &seg)
		}
		return
	}
	// Rule 2: a segment from an earlier life of the peer is a ghost. No
	// reply: nobody is left to hear it.
	switch {
	case c.peerInc == UnknownIncarnation:
		c.peerInc = seg.SrcInc
	case seg.SrcInc < c.peerInc:
		c.st.RejectedOld++
		e.tracef("reject %s from %s: from incarnation %d, peer is at %d", seg.Type, e.name(from), seg.SrcInc, c.peerInc)
		return
	case seg.SrcInc > c.peerInc:
		e.peerRestarted(c, seg.SrcInc)
	}
	switch seg.Type {
	case SYN:
		e.onSYN(c, &seg)
	case SYNACK:
		e.onSYNACK(c, &seg)
	case Data:
		e.onData(c, &seg)
	case Ack:
		e.onAck(c, &seg)
	case FIN:
		e.onFIN(c, &seg)
	case Probe:
		e.onProbe(c, &seg)
	case RST:
		e.onRST(c, &seg)
	}
}

// peerRestarted is rule 3: the peer crashed and came back, so the
// connection with its old life is dead.
func (e *Endpoint) peerRestarted(c *conn, inc uint32) {
	e.tracef("%s restarted: incarnation %d -> %d", e.name(c.peer), c.peerInc, inc)
	c.peerInc = inc
	switch {
	case c.hasData():
		e.fail(c, ErrPeerRestarted)
	case c.state != Closed:
		e.resetConn(c)
	}
}

// upperEnv is the sim.Env of the upper layer: the upper owner's env of the
// Endpoint's tag Mux, whose Send goes on a connection.
type upperEnv struct {
	*stack.Env
	e *Endpoint
}

// Send queues msg for reliable delivery to the upper layer on node to. The
// label is not used: segments are labelled "DATA n".
func (u *upperEnv) Send(to sim.NodeID, msg []byte, _ string) { u.e.send(to, msg) }

// Close closes the application's direction of the connection with peer:
// the Endpoint's env is a Closer.
func (u *upperEnv) Close(peer sim.NodeID) { u.e.Close(peer) }

type nopObserver struct{}

func (nopObserver) RTTSample(sim.Time, sim.NodeID, time.Duration, time.Duration, time.Duration) {}
func (nopObserver) Retransmit(sim.Time, sim.NodeID, uint32, Cause)                              {}
func (nopObserver) RTO(sim.Time, sim.NodeID, time.Duration)                                     {}
func (nopObserver) Congestion(sim.Time, sim.NodeID, int, int)                                   {}
