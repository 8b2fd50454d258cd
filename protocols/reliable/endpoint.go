package reliable

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// UpperTagBits is how many low bits of a timer or disk-write tag belong to
// the upper layer. The Endpoint keeps tags with bit 47 set for its own
// retransmission timers, and passes the upper layer's tags through
// unchanged, so the whole stays within the 48 bits a udp port env accepts.
const UpperTagBits = 47

// ownTag marks the Endpoint's own timers.
const ownTag = 1 << UpperTagBits

// genMask bounds the timer generation kept in a tag (bits 32..46).
const genMask = 1<<(UpperTagBits-32) - 1

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
)

// FailureHandler is an optional interface of the upper handler. When the
// transport gives up on a connection it calls Failed with the messages it
// had accepted from Send for peer but not seen acknowledged, in the order
// they were sent, and the reason. Each of them may or may not have been
// delivered (the lecture's lost-ACK dilemma); the rest of the stream's
// messages were delivered exactly once, in order. A later Send to peer
// opens a new stream.
//
// Failed is called from within the Endpoint's Receive, Timer or (for
// ErrTooLong) Send, after the connection's state has been reset, so it may
// call Send itself.
type FailureHandler interface {
	Failed(peer sim.NodeID, unacked [][]byte, err error)
}

// Observer watches an Endpoint's retransmission timer, for plots such as
// the adaptive-RTO scenario's (time, RTT sample, SRTT, RTO). Every method is
// called at the virtual time at which the thing happened. A nil Observer is
// allowed.
type Observer interface {
	// RTTSample reports an RTT measurement taken under Karn's rule, and
	// SRTT and RTO just after it was fed to the estimator (in Fixed mode
	// the RTO is the fixed timeout).
	RTTSample(at sim.Time, peer sim.NodeID, sample, srtt, rto time.Duration)
	// Retransmit reports that the timer expired and DATA seq was sent
	// again.
	Retransmit(at sim.Time, peer sim.NodeID, seq uint32)
	// RTO reports the connection's RTO whenever it changes: when a stream
	// opens, after a sample, after a backoff.
	RTO(at sim.Time, peer sim.NodeID, rto time.Duration)
}

// Stats counts what an Endpoint did on one connection or, summed, on all.
// Counters cover the Endpoint's life, across the streams it opened; a crash
// loses them with the rest of its memory.
type Stats struct {
	// Sent counts messages the upper layer gave to Send.
	Sent uint64
	// Segments counts DATA segments transmitted, retransmissions included.
	Segments uint64
	// Retransmissions counts DATA segments sent again after a timeout.
	Retransmissions uint64
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
	// RTO and SRTT are the connection's current values; they are zero in
	// Endpoint.Total.
	RTO, SRTT time.Duration
}

// add accumulates the counters and gauges of o into s.
func (s *Stats) add(o Stats) {
	s.Sent += o.Sent
	s.Segments += o.Segments
	s.Retransmissions += o.Retransmissions
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
	e.uenv = &upperEnv{e: e}
	e.upper = upper(e.uenv)
	if e.upper == nil {
		panic("reliable: upper factory returned a nil handler")
	}
	return e
}

// Upper returns the upper handler, on which the scenario runner calls
// application operations.
func (e *Endpoint) Upper() sim.Handler { return e.upper }

// Env returns the sim.Env the Endpoint offers the upper layer.
func (e *Endpoint) Env() sim.Env { return e.uenv }

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
	s.Unacked, s.Queued, s.QueuedBytes = len(c.snd.unacked), len(c.snd.queue), c.snd.queueBytes
	s.RTO, s.SRTT = c.rto(&e.opts), c.snd.est.SRTT().Duration()
	return s
}

// Total returns the statistics summed over every connection.
func (e *Endpoint) Total() Stats {
	var t Stats
	for _, p := range e.Peers() {
		s := e.Stats(p)
		s.RTO, s.SRTT = 0, 0
		t.add(s)
	}
	return t
}

// conn is the state of the connection with one peer.
type conn struct {
	peer sim.NodeID
	// peerInc is the peer's incarnation as last heard, or
	// UnknownIncarnation before anything has been heard from it.
	peerInc uint32
	snd     sender
	rcv     receiver
	st      Stats
}

// sender is the sending half of a connection: one stream of sequence
// numbers at a time.
type sender struct {
	// open says a stream exists: its first segment has been sent.
	open bool
	// established says the first segment was acknowledged. Until then
	// nothing else is sent: the first segment plays TCP's SYN, and no
	// later one may reach a receiver that has no state for the stream.
	established bool
	start       uint32 // the stream's first sequence number
	una         uint32 // oldest unacknowledged sequence number
	nxt         uint32 // next sequence number to assign; survives a failed stream
	unacked     []outSeg
	queue       [][]byte // accepted, waiting for the window
	queueBytes  int      // the payload in queue

	est     Estimator
	lastRTO time.Duration // as last reported to the Observer; 0: none yet

	// The retransmission timer: one per connection (RFC 6298 §5).
	armed bool
	timer sim.TimerID
	gen   uint64 // bumped at every arm and disarm; stale expiries are ignored

	// Karn's rule: one segment at a time is timed, and only if it is never
	// retransmitted.
	timing   bool
	timedSeq uint32
	timedAt  sim.Time

	retries int // consecutive expiries without progress

	// dupAcks counts ACKs in a row that acknowledged nothing new while data
	// was outstanding (Options.FastRetransmit).
	dupAcks int
}

// outSeg is a DATA segment waiting for its acknowledgment.
type outSeg struct {
	seq     uint32
	wire    []byte // marshaled once; retransmissions resend the same bytes
	payload []byte
}

// receiver is the receiving half of a connection.
type receiver struct {
	open  bool
	start uint32            // first sequence number of the peer's stream
	next  uint32            // the lecture's N: every message before it was delivered
	buf   map[uint32][]byte // out of order, all after next; looked up only
}

// before reports whether a comes before b in serial-number arithmetic
// (RFC 1982), so that streams may cross 2^32 without confusion.
func before(a, b uint32) bool { return int32(a-b) < 0 }

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
		// Sequence numbers start at 1 in every incarnation; a stream that
		// follows a failed one continues from where it left off, which is
		// what lets the receiver tell its first segment from old ones.
		c.snd.nxt = 1
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

// send accepts a message of the upper layer for peer.
func (e *Endpoint) send(to sim.NodeID, msg []byte) {
	c := e.conn(to)
	c.st.Sent++
	if len(msg) > MaxPayload {
		c.st.GivenUp++
		e.tracef("message of %d bytes to %s too long (max %d)", len(msg), e.name(to), MaxPayload)
		e.notifyFailed(to, [][]byte{msg}, ErrTooLong)
		return
	}
	c.snd.queue = append(c.snd.queue, msg)
	c.snd.queueBytes += len(msg)
	e.pump(c)
}

// pump opens a stream if needed and sends queued messages while the window
// allows.
func (e *Endpoint) pump(c *conn) {
	s := &c.snd
	if len(s.queue) == 0 {
		return
	}
	if !s.open {
		*s = sender{open: true, start: s.nxt, una: s.nxt, nxt: s.nxt, queue: s.queue, queueBytes: s.queueBytes, est: s.est, lastRTO: s.lastRTO, gen: s.gen}
		e.reportRTO(c)
	}
	limit := e.opts.window()
	if !s.established {
		limit = 1
	}
	for len(s.queue) > 0 && len(s.unacked) < limit {
		msg := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		s.queueBytes -= len(msg)
		seg := Segment{Type: Data, First: s.nxt == s.start, SrcInc: e.inc, DstInc: c.peerInc, Seq: s.nxt, Payload: msg}
		s.nxt++
		out := outSeg{seq: seg.Seq, wire: seg.Marshal(), payload: msg}
		s.unacked = append(s.unacked, out)
		c.st.Segments++
		e.env.Send(c.peer, out.wire, seg.Label())
		if !s.timing {
			s.timing, s.timedSeq, s.timedAt = true, seg.Seq, e.env.Now()
		}
		if !s.armed {
			e.arm(c) // RFC 6298 (5.1)
		}
	}
}

// arm (re)starts the connection's retransmission timer with the current RTO.
func (e *Endpoint) arm(c *conn) {
	e.disarm(c)
	s := &c.snd
	s.armed = true
	tag := ownTag | (s.gen&genMask)<<32 | uint64(uint32(c.peer))
	s.timer = e.env.SetTimer(c.rto(&e.opts), tag)
}

// disarm stops the retransmission timer.
func (e *Endpoint) disarm(c *conn) {
	s := &c.snd
	if s.armed {
		e.env.CancelTimer(s.timer)
		s.armed = false
	}
	// A new generation makes any expiry of the old timer recognisably
	// stale, even from an env whose CancelTimer came too late.
	s.gen++
}

func (e *Endpoint) reportRTO(c *conn) {
	if r := c.rto(&e.opts); r != c.snd.lastRTO {
		c.snd.lastRTO = r
		e.obs.RTO(e.env.Now(), c.peer, r)
	}
}

// Timer handles the expiry of a retransmission timer, and passes the upper
// layer's timers and disk writes on to it.
func (e *Endpoint) Timer(tag uint64) {
	if tag&ownTag == 0 {
		e.upper.Timer(tag)
		return
	}
	peer := sim.NodeID(int32(uint32(tag)))
	c, ok := e.conns[peer]
	if !ok || !c.snd.armed || (tag>>32)&genMask != c.snd.gen&genMask {
		return // a timer stopped since
	}
	e.timeout(c)
}

// timeout is RFC 6298 (5.4)-(5.6): retransmit the earliest unacknowledged
// segment (only that one: not go-back-N), back off, restart the timer.
func (e *Endpoint) timeout(c *conn) {
	s := &c.snd
	s.armed = false
	if len(s.unacked) == 0 {
		return // cannot happen: (5.2) stops the timer when all is acked
	}
	if e.opts.MaxRetries > 0 && s.retries >= e.opts.MaxRetries {
		e.fail(c, ErrTimeout)
		return
	}
	s.retries++
	seg := s.unacked[0]
	old := c.rto(&e.opts)
	// Karn's rule (RFC 6298 §3): the ACK of a retransmitted segment cannot
	// say which copy it answers, so stop timing.
	s.timing = false
	if e.opts.RTO == Adaptive {
		s.est.Backoff() // (5.5)
	}
	c.st.Segments++
	c.st.Retransmissions++
	e.tracef("timeout: retransmit DATA %d to %s (RTO %s -> %s)", seg.seq, e.name(c.peer), sim.FormatDuration(old), sim.FormatDuration(c.rto(&e.opts)))
	e.env.Send(c.peer, seg.wire, "DATA "+fmt.Sprint(seg.seq))
	e.obs.Retransmit(e.env.Now(), c.peer, seg.seq)
	e.reportRTO(c)
	e.arm(c) // (5.6)
}

// fail gives up on the sending half of c: the upper layer is told which
// messages were not acknowledged, and the next message opens a new stream.
func (e *Endpoint) fail(c *conn, err error) {
	s := &c.snd
	msgs := make([][]byte, 0, len(s.unacked)+len(s.queue))
	for _, o := range s.unacked {
		msgs = append(msgs, o.payload)
	}
	msgs = append(msgs, s.queue...)
	e.closeStream(c)
	c.st.Failures++
	c.st.GivenUp += uint64(len(msgs))
	e.tracef("connection to %s failed: %v; %d messages unacknowledged", e.name(c.peer), err, len(msgs))
	e.notifyFailed(c.peer, msgs, err)
}

// closeStream forgets the sending stream but keeps its next sequence
// number. A new stream starts with a fresh estimator: the old one may be
// backed off to the cap by the very outage that ended the stream.
func (e *Endpoint) closeStream(c *conn) {
	e.disarm(c)
	c.snd = sender{nxt: c.snd.nxt, est: e.newEstimator(), lastRTO: c.snd.lastRTO, gen: c.snd.gen}
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
		e.tracef("reject %s from %s: for incarnation %d, this is %d", seg.Label(), e.name(from), seg.DstInc, e.inc)
		if seg.Type == Data {
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
		e.tracef("reject %s from %s: from incarnation %d, peer is at %d", seg.Label(), e.name(from), seg.SrcInc, c.peerInc)
		return
	case seg.SrcInc > c.peerInc:
		e.peerRestarted(c, seg.SrcInc)
	}
	switch seg.Type {
	case Data:
		e.onData(c, &seg)
	case Ack:
		e.onAck(c, &seg)
	case RST:
		e.onRST(c, &seg)
	}
}

// peerRestarted is rule 3: the peer crashed and came back, so both halves
// of the connection with its old life are dead.
func (e *Endpoint) peerRestarted(c *conn, inc uint32) {
	e.tracef("%s restarted: incarnation %d -> %d", e.name(c.peer), c.peerInc, inc)
	c.peerInc = inc
	c.rcv = receiver{}
	if len(c.snd.unacked)+len(c.snd.queue) > 0 {
		e.fail(c, ErrPeerRestarted)
	} else if c.snd.open {
		e.closeStream(c)
	}
}

// reset answers a DATA segment with RST.
func (e *Endpoint) reset(c *conn, data *Segment) {
	rst := Segment{Type: RST, SrcInc: e.inc, DstInc: data.SrcInc, Seq: data.Seq}
	c.st.ResetsSent++
	e.env.Send(c.peer, rst.Marshal(), rst.Label())
}

// onData is the receiver: the lecture's "receiver remembers messages".
func (e *Endpoint) onData(c *conn, seg *Segment) {
	r := &c.rcv
	k := seg.Seq
	switch {
	case !r.open && !seg.First:
		// Rule 4: no state for this stream, and this is not its start.
		e.tracef("no connection for DATA %d from %s: RST", k, e.name(c.peer))
		e.reset(c, seg)
		return
	case !r.open:
		*r = receiver{open: true, start: k, next: k, buf: make(map[uint32][]byte)}
	case seg.First && before(r.start, k):
		// Rule 5: a new stream from the same life of the peer, whose
		// previous stream failed. Its numbers continue the old ones, so
		// whatever is buffered from k on belongs to it and stays.
		e.tracef("new stream from %s at %d", e.name(c.peer), k)
		for q := range r.buf { // deleting: the order does not matter
			if before(q, k) {
				delete(r.buf, q)
			}
		}
		r.start, r.next = k, k
	}
	switch _, buffered := r.buf[k]; {
	case before(k, r.next):
		c.st.Duplicates++
		e.tracef("suppress DATA %d from %s: %d < N = %d", k, e.name(c.peer), k, r.next)
	case buffered:
		c.st.Duplicates++
		e.tracef("suppress DATA %d from %s: already buffered", k, e.name(c.peer))
	case k != r.next:
		c.st.OutOfOrder++
		r.buf[k] = seg.Payload
		e.tracef("buffer DATA %d from %s: waiting for %d", k, e.name(c.peer), r.next)
	default:
		e.deliver(c, seg.Payload)
		for {
			p, ok := r.buf[r.next]
			if !ok {
				break
			}
			delete(r.buf, r.next)
			e.deliver(c, p)
		}
	}
	// Every DATA is answered, duplicates included: a duplicate usually
	// means the ACK was lost.
	ack := Segment{Type: Ack, SrcInc: e.inc, DstInc: seg.SrcInc, Ack: r.next}
	c.st.AcksSent++
	e.env.Send(c.peer, ack.Marshal(), ack.Label())
}

// deliver hands the message numbered r.next to the upper layer.
func (e *Endpoint) deliver(c *conn, msg []byte) {
	// N moves first, so that the state is consistent whatever the upper
	// layer does from inside Receive.
	c.rcv.next++
	c.st.Delivered++
	e.upper.Receive(c.peer, msg)
}

// onAck is the sender's side of a cumulative ACK.
func (e *Endpoint) onAck(c *conn, seg *Segment) {
	s := &c.snd
	a := seg.Ack
	if !s.open {
		return
	}
	if a == s.una && len(s.unacked) > 0 {
		e.onDupAck(c)
		return
	}
	if !before(s.una, a) {
		return // acknowledges nothing new
	}
	s.dupAcks = 0
	if before(s.nxt, a) {
		e.tracef("ignore ACK %d from %s: beyond %d sent", a, e.name(c.peer), s.nxt-1)
		return
	}
	n := int(a - s.una)
	for i := range n {
		s.unacked[i] = outSeg{}
	}
	s.unacked = s.unacked[n:]
	s.una = a
	s.established = true
	s.retries = 0
	c.st.Acked += uint64(n)
	if s.timing && before(s.timedSeq, a) {
		s.timing = false
		r := e.env.Now().Sub(s.timedAt)
		s.est.Sample(r) // collapses any backoff (RFC 6298 §5)
		e.obs.RTTSample(e.env.Now(), c.peer, r, s.est.SRTT().Duration(), c.rto(&e.opts))
		e.reportRTO(c)
	}
	if len(s.unacked) == 0 {
		e.disarm(c) // (5.2)
	} else {
		e.arm(c) // (5.3)
	}
	e.pump(c)
}

// dupAckThreshold is RFC 5681's: the third duplicate ACK triggers a fast
// retransmit.
const dupAckThreshold = 3

// onDupAck counts an ACK that repeats the last one while data is
// outstanding. The receiver sends one for every segment that arrives after
// a hole, so with Options.FastRetransmit the third in a row retransmits the
// earliest unacknowledged segment at once (RFC 5681 §3.2), without waiting
// for the timer and without backing off.
func (e *Endpoint) onDupAck(c *conn) {
	s := &c.snd
	s.dupAcks++
	if !e.opts.FastRetransmit || s.dupAcks != dupAckThreshold {
		return
	}
	seg := s.unacked[0]
	if s.timing && s.timedSeq == seg.seq {
		s.timing = false // Karn: its ACK could answer either copy
	}
	c.st.Segments++
	c.st.Retransmissions++
	e.tracef("3 duplicate ACKs: fast retransmit DATA %d to %s", seg.seq, e.name(c.peer))
	e.env.Send(c.peer, seg.wire, "DATA "+fmt.Sprint(seg.seq))
	e.obs.Retransmit(e.env.Now(), c.peer, seg.seq)
	e.arm(c)
}

// onRST fails the sending half if the RST answers one of its segments.
func (e *Endpoint) onRST(c *conn, seg *Segment) {
	s := &c.snd
	if !s.open || before(seg.Seq, s.una) || !before(seg.Seq, s.nxt) {
		e.tracef("ignore RST for DATA %d from %s: not outstanding", seg.Seq, e.name(c.peer))
		return
	}
	e.fail(c, ErrReset)
}

// upperEnv is the sim.Env of the upper layer.
type upperEnv struct{ e *Endpoint }

func (u *upperEnv) Now() sim.Time                         { return u.e.env.Now() }
func (u *upperEnv) Self() sim.NodeID                      { return u.e.env.Self() }
func (u *upperEnv) Name() string                          { return u.e.env.Name() }
func (u *upperEnv) Lookup(name string) (sim.NodeID, bool) { return u.e.env.Lookup(name) }
func (u *upperEnv) NodeName(id sim.NodeID) string         { return u.e.env.NodeName(id) }
func (u *upperEnv) Rand() *sim.Rand                       { return u.e.env.Rand() }
func (u *upperEnv) Disk() *sim.Disk                       { return u.e.env.Disk() }
func (u *upperEnv) Trace(label, info string)              { u.e.env.Trace(label, info) }
func (u *upperEnv) Incarnation() uint32                   { return u.e.env.Incarnation() }
func (u *upperEnv) CancelTimer(id sim.TimerID) bool       { return u.e.env.CancelTimer(id) }
func (u *upperEnv) Housekeeping(id sim.TimerID)           { u.e.env.Housekeeping(id) }

// Send queues msg for reliable delivery to the upper layer on node to. The
// label is not used: segments are labelled "DATA n".
func (u *upperEnv) Send(to sim.NodeID, msg []byte, _ string) { u.e.send(to, msg) }

func (u *upperEnv) SetTimer(d time.Duration, tag uint64) sim.TimerID {
	return u.e.env.SetTimer(d, upperTag(tag))
}

func (u *upperEnv) WriteDisk(key string, val []byte, tag uint64) {
	u.e.env.WriteDisk(key, val, upperTag(tag))
}

func upperTag(tag uint64) uint64 {
	if tag >= ownTag {
		panic(fmt.Sprintf("reliable: upper-layer tag %#x does not fit %d bits", tag, UpperTagBits))
	}
	return tag
}

type nopObserver struct{}

func (nopObserver) RTTSample(sim.Time, sim.NodeID, time.Duration, time.Duration, time.Duration) {}
func (nopObserver) Retransmit(sim.Time, sim.NodeID, uint32)                                     {}
func (nopObserver) RTO(sim.Time, sim.NodeID, time.Duration)                                     {}
