// The connection's life (RFC 9293 §3.3.2): the three-way handshake, the
// half-close with FIN, TIME_WAIT, reset, and the incarnation rules that
// stand in for TCP's quiet time after a crash.

package reliable

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// State is a connection's state (RFC 9293 §3.3.2, Figure 5).
type State uint8

// The states of a connection.
const (
	Closed      State = iota // no connection
	SynSent                  // our SYN is out; waiting for the peer's SYN-ACK
	SynReceived              // the peer's SYN arrived; our SYN-ACK is out
	Established              // both ISNs acknowledged: data flows both ways
	FinWait1                 // we closed our direction; our FIN is not acknowledged
	FinWait2                 // our FIN is acknowledged; the peer may still send
	CloseWait                // the peer closed its direction; we may still send
	Closing                  // both closed at once; our FIN is not acknowledged
	LastAck                  // the peer closed first, then we did; waiting for the ACK of our FIN
	TimeWait                 // both closed, we first: waiting 2·MSL for stray segments
)

var stateNames = [...]string{"CLOSED", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
	"CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// synchronized says both ISNs are known and acknowledged: the states in
// which data and FINs are processed.
func (s State) synchronized() bool { return s >= Established }

// PeerCloser is an optional interface of the upper handler: PeerClosed is
// called when the peer has closed its direction of the connection (its FIN
// arrived in order, after every message it sent): nothing more will come
// from it on this connection.
type PeerCloser interface {
	PeerClosed(peer sim.NodeID)
}

// Closer is implemented by the sim.Env the Endpoint offers the upper layer:
// Close(peer) closes the application's direction of the connection with
// peer once every message sent so far has been delivered (a FIN follows
// them); the peer may go on sending (half-close). A message sent after
// Close goes on a new connection, opened once this one is over, or fails
// with ErrClosing if the peer does not close within Options.FinTimeout.
type Closer interface {
	Close(peer sim.NodeID)
}

// Close closes this node's direction of the connection with peer, as the
// upper layer's Closer does.
func (e *Endpoint) Close(peer sim.NodeID) {
	c, ok := e.conns[peer]
	if !ok || c.closing {
		return
	}
	switch c.state {
	case Closed, FinWait1, FinWait2, Closing, LastAck, TimeWait:
		return
	}
	c.closing = true
	e.tracef("close the connection to %s (%d messages still to send first)", e.name(peer), len(c.snd.queue))
	e.pump(c)
}

// setState moves c to state st, noting it in the trace.
func (e *Endpoint) setState(c *conn, st State) {
	if c.state == st {
		return
	}
	e.tracef("connection with %s: %v -> %v", e.name(c.peer), c.state, st)
	c.state = st
}

// isn returns an initial sequence number: drawn from the node's random
// stream, as RFC 9293 §3.4.1 asks it be unpredictable, unless Options.ISN
// fixes it.
func (e *Endpoint) isn() uint32 {
	if e.opts.ISN != 0 {
		return e.opts.ISN
	}
	return uint32(e.env.Rand().Uint64())
}

// activeOpen starts a connection for the queued messages: SYN_SENT, and
// the SYN goes out (RFC 9293 §3.5).
func (e *Endpoint) activeOpen(c *conn) {
	e.resetConn(c)
	e.initSender(c)
	e.setState(c, SynSent)
	e.emit(c, &c.snd.segs[0])
	e.armRetransmit(c, true)
}

// passiveOpen answers a SYN: SYN_RCVD, and the SYN-ACK goes out.
func (e *Endpoint) passiveOpen(c *conn, syn *Segment) {
	e.resetConn(c)
	e.initSender(c)
	e.initReceiver(c, syn)
	c.ts, c.sack = syn.TS && e.opts.Timestamps, syn.SACKOK && e.opts.SACK
	e.peerWindow(c, 0, syn.Window)
	e.setState(c, SynReceived)
	e.emit(c, &c.snd.segs[0])
	e.armRetransmit(c, true)
}

// resetConn forgets the connection's state, keeping what outlives it: the
// peer's incarnation, the counters, the messages waiting for the next
// connection, the application's inbox and its reading, and what was last
// reported to the Observer.
func (e *Endpoint) resetConn(c *conn) {
	for k := range c.timers {
		if k != timerConsume {
			e.stopTimer(c, k)
		}
	}
	s := &c.snd
	queue := append(s.queue, c.next...)
	c.next = nil
	*c = conn{peer: c.peer, peerInc: c.peerInc, st: c.st, timers: c.timers, inbox: c.inbox, state: Closed, queuedBytes: c.queuedBytes,
		snd: sender{queue: queue, lastRTO: s.lastRTO, lastCwnd: s.lastCwnd, lastSsthresh: s.lastSsthresh}}
}

// initSender starts the sending half: a fresh ISN, the SYN (or, passively,
// the SYN-ACK) as its first segment, a fresh estimator and window.
func (e *Endpoint) initSender(c *conn) {
	s := &c.snd
	s.iss = e.isn()
	s.una, s.nxt = s.iss, s.iss+1
	s.segs = append(s.segs[:0], outSeg{seq: s.iss, kind: kindSYN})
	s.est = e.newEstimator()
	s.cwnd, s.ssthresh = e.opts.initialCwnd(), infiniteSsthresh
	s.rack.mult = 1
	if !e.opts.Timestamps {
		s.timing, s.timedSeq, s.timedAt = true, s.iss, e.env.Now()
	}
	e.reportRTO(c)
	e.reportCongestion(c, "new connection")
}

// initReceiver synchronizes the receiving half with the peer's SYN.
func (e *Endpoint) initReceiver(c *conn, syn *Segment) {
	c.rcv = receiver{synced: true, irs: syn.Seq, next: syn.Seq + 1, buf: make(map[uint32][]byte), lastWnd: e.window(c)}
	if syn.TS {
		c.rcv.tsRecent, c.rcv.tsRecentSet = syn.TSval, true
	}
}

// established completes the handshake on this side.
func (e *Endpoint) established(c *conn) {
	e.setState(c, Established)
	s := &c.snd
	// RFC 6298 (5.7): if the SYN or SYN-ACK timed out and gave no RTT
	// sample, the RTO is at least 3 s once data flows.
	if s.synRetransmitted && s.est.Samples() == 0 && e.opts.RTO == Adaptive {
		s.est.AtLeast(3 * time.Second)
		e.reportRTO(c)
	}
}

// onSYN handles a SYN: a new connection, the other half of a simultaneous
// open, or a duplicate.
func (e *Endpoint) onSYN(c *conn, seg *Segment) {
	switch {
	case c.state == Closed:
		e.passiveOpen(c, seg)
	case c.state == SynSent:
		// Simultaneous open (RFC 9293 §3.5, Figure 8): both SYNs crossed.
		// Our SYN becomes a SYN-ACK of the same ISN.
		e.initReceiver(c, seg)
		c.ts, c.sack = seg.TS && e.opts.Timestamps, seg.SACKOK && e.opts.SACK
		e.peerWindow(c, 0, seg.Window)
		e.setState(c, SynReceived)
		e.retransmit(c, 0, CauseTimeout)
	case c.rcv.synced && seg.Seq == c.rcv.irs:
		// A copy of the SYN that opened this connection: its answer was
		// lost, or the copy is late. Its timestamp is the one to echo
		// (RFC 7323 §4.3): the sender measures from the copy it sent last.
		e.noteTS(c, seg)
		if c.state == SynReceived {
			e.retransmit(c, 0, CauseTimeout)
		} else {
			e.sendAck(c, seg.TS, nil)
		}
	default:
		// A new connection from the same life of the peer: it gave up on
		// this one (its application was told) or has closed it and waited
		// out TIME_WAIT, so this one is dead (RFC 9293 §3.10.7.4, and RFC
		// 6191 in TIME_WAIT).
		e.tracef("new connection from %s replaces the old one", e.name(c.peer))
		if c.hasData() {
			e.fail(c, ErrReset)
		}
		e.passiveOpen(c, seg)
	}
}

// onSYNACK handles the second leg of the handshake.
func (e *Endpoint) onSYNACK(c *conn, seg *Segment) {
	s := &c.snd
	switch {
	case c.state == SynSent || c.state == SynReceived:
		if seg.Ack != s.iss+1 {
			e.tracef("ignore %s from %s: it acknowledges %d, not our SYN", e.labelIn(c, seg), e.name(c.peer), seg.Ack-s.iss)
			return
		}
		if c.state == SynSent {
			e.initReceiver(c, seg)
			c.ts, c.sack = seg.TS && e.opts.Timestamps, seg.SACKOK && e.opts.SACK
		} else if seg.Seq != c.rcv.irs {
			return
		}
		e.peerWindow(c, s.iss+1, seg.Window)
		// The third leg goes first, then the data ackSYN lets out.
		e.sendAck(c, seg.TS, nil)
		e.ackSYN(c, seg)
	case c.rcv.synced && seg.Seq == c.rcv.irs:
		e.noteTS(c, seg)
		e.sendAck(c, seg.TS, nil) // our third leg was lost
	default:
		e.tracef("no connection for %s from %s: RST", e.labelIn(c, seg), e.name(c.peer))
		e.reset(c, seg)
	}
}

// ackSYN is the acknowledgment of our SYN (or SYN-ACK), by the peer's
// SYN-ACK or ACK or, in SYN_RCVD, implied by the peer's DATA or FIN: the
// peer sends those only once it has our SYN-ACK.
func (e *Endpoint) ackSYN(c *conn, seg *Segment) {
	s := &c.snd
	if len(s.segs) == 0 || s.segs[0].kind != kindSYN {
		return
	}
	// Karn's rule (RFC 6298 §3) for the handshake: a SYN sent more than
	// once gives no sample, timestamps or not. The echo says which copy
	// of the SYN the answer is for, but not whether the answer is itself
	// a copy the peer resent on its own timer, seconds after the SYN
	// arrived: its "round trip" would be one of the timers, not of the
	// path, and as the first sample (2.2) it would set SRTT and RTTVAR
	// outright, leaving an RTO of seconds that the per-window weighting
	// of RFC 7323 Appendix G takes hundreds of samples to bring down. A
	// SYN sent once is answered before the peer's timer could resend:
	// both start from the same initial RTO, and ours fires first. Then
	// the first data ACK gives the first sample, with RFC 6298 (5.7)
	// meanwhile.
	if s.segs[0].xmits == 1 {
		e.sampleRTT(c, seg, s.iss+1, s.flight())
	}
	s.segs = s.segs[1:]
	s.una = s.iss + 1
	s.established, s.retries = true, 0
	e.established(c)
	if len(c.rcv.buf) > 0 {
		// DATA held in SYN_RCVD (heldInSynReceived): now it is this
		// connection's. Its ACK echoes no timestamp: the data waited
		// for the handshake, perhaps for seconds, and an echo of its
		// (or the SYN's) clock would hand the peer that wait as a round
		// trip (RFC 7323 §4.3 makes such echoes overestimate on
		// purpose, for a hole or a delayed ACK, not for a handshake
		// that stalled). The next ACK echoes a segment that did not
		// wait.
		e.deliverHeld(c)
		e.sendAck(c, false, nil)
	}
	if len(s.segs) == 0 {
		e.stopTimer(c, timerRetransmit)
		s.probing = false
	}
	e.pump(c)
}

// onFIN handles the peer's FIN: the end of its direction.
func (e *Endpoint) onFIN(c *conn, seg *Segment) {
	r := &c.rcv
	switch {
	case !c.state.synchronized() && c.state != SynReceived:
		if c.state == Closed {
			e.tracef("no connection for %s from %s: RST", e.labelIn(c, seg), e.name(c.peer))
			e.reset(c, seg)
		}
		return
	case c.state == SynReceived:
		e.heldInSynReceived(c, seg)
		return
	}
	k := seg.Seq
	switch {
	case r.finRcvd && k == r.finSeq || seqLT(k, r.next):
		// A copy: our ACK of it was lost. TIME_WAIT exists to answer it
		// (RFC 9293 §3.6), and restarts.
		e.sendAck(c, seg.TS, &SACKBlock{k, k + 1})
		if c.state == TimeWait {
			e.setTimer(c, timerTimeWait, e.opts.timeWait())
		}
		return
	case seqGEQ(k, r.next+MaxWindow):
		e.tracef("drop %s from %s: beyond the window", e.labelIn(c, seg), e.name(c.peer))
		return
	}
	r.finSeq, r.finRcvd = k, true
	e.noteTS(c, seg)
	e.consumeFIN(c)
	e.sendAck(c, seg.TS, nil)
}

// consumeFIN takes the peer's FIN once every message before it has
// arrived: the peer's direction is over.
func (e *Endpoint) consumeFIN(c *conn) {
	r := &c.rcv
	if !r.finRcvd || r.finDone || r.next != r.finSeq {
		return
	}
	r.next++
	r.finDone = true
	e.tracef("FIN from %s: it sends nothing more", e.name(c.peer))
	switch c.state {
	case Established:
		e.setState(c, CloseWait)
	case FinWait1:
		e.setState(c, Closing)
	case FinWait2:
		e.enterTimeWait(c)
	}
	e.toApp(c, inboxItem{eof: true})
}

// finAcked moves the state on once our FIN is acknowledged.
func (e *Endpoint) finAcked(c *conn) {
	switch c.state {
	case FinWait1:
		e.setState(c, FinWait2)
	case Closing:
		e.enterTimeWait(c)
	case LastAck:
		e.closeConn(c)
	}
}

// enterTimeWait waits out stray segments of the connection after both
// sides closed (RFC 9293 §3.6.1): the last ACK may be lost, and the peer's
// copy of its FIN must find someone to answer it. A message sent now
// opens a new connection at once (with a new ISN, as RFC 6191 allows).
func (e *Endpoint) enterTimeWait(c *conn) {
	e.setState(c, TimeWait)
	e.stopTimer(c, timerRetransmit)
	e.stopTimer(c, timerReorder)
	e.stopTimer(c, timerPersist)
	if len(c.next) > 0 {
		e.closeConn(c)
		return
	}
	e.setTimer(c, timerTimeWait, e.opts.timeWait())
}

// closeConn ends the connection; messages sent after Close open the next
// one.
func (e *Endpoint) closeConn(c *conn) {
	e.resetConn(c)
	e.tracef("connection with %s closed", e.name(c.peer))
	if len(c.snd.queue) > 0 {
		e.activeOpen(c)
	}
}

// timeWaitOver is the expiry of the TIME_WAIT timer.
func (e *Endpoint) timeWaitOver(c *conn) {
	if c.state == TimeWait {
		e.closeConn(c)
	}
}

// onProbe answers a zero-window probe with the window (RFC 9293
// §3.8.6.1).
func (e *Endpoint) onProbe(c *conn, seg *Segment) {
	if !c.rcv.synced {
		e.reset(c, seg)
		return
	}
	e.sendAck(c, seg.TS, nil)
}

// onRST fails the connection if the RST answers one of its segments. Once
// both directions are closed (LAST_ACK, CLOSING, TIME_WAIT) there is
// nothing to fail: the connection just closes (RFC 9293 §3.10.7.4).
func (e *Endpoint) onRST(c *conn, seg *Segment) {
	s := &c.snd
	if c.state == Closed || !seqIn(seg.Seq, s.una, s.nxt) && seg.Seq != s.nxt {
		e.tracef("ignore RST for %d from %s: not outstanding", seg.Seq-s.iss, e.name(c.peer))
		return
	}
	switch {
	case c.state == LastAck || c.state == Closing || c.state == TimeWait:
		e.tracef("RST from %s: the closed connection ends", e.name(c.peer))
		e.closeConn(c)
		return
	case c.state == SynReceived && !c.hasData():
		// A connection the peer's SYN opened and the peer does not know:
		// the SYN was a late copy. It ends quietly, as RFC 9293
		// §3.10.7.4 returns it to LISTEN; nothing of ours was lost.
		e.tracef("RST from %s: the half-open connection ends", e.name(c.peer))
		e.closeConn(c)
		return
	}
	e.fail(c, ErrReset)
}

// reset answers a segment that belongs to no connection with RST.
func (e *Endpoint) reset(c *conn, seg *Segment) {
	rst := Segment{Type: RST, SrcInc: e.inc, DstInc: seg.SrcInc, Seq: seg.Seq}
	c.st.ResetsSent++
	e.env.Send(c.peer, rst.Marshal(), rst.Label())
}

// hasData says the sending half holds messages the peer has not
// acknowledged, or that wait to be sent.
func (c *conn) hasData() bool {
	for i := range c.snd.segs {
		if c.snd.segs[i].kind == kindData {
			return true
		}
	}
	return len(c.snd.queue)+len(c.next) > 0
}

// fail gives up on the connection: the upper layer is told which messages
// were not acknowledged, and the next message opens a new connection.
func (e *Endpoint) fail(c *conn, err error) {
	s := &c.snd
	msgs := make([][]byte, 0, len(s.segs)+len(s.queue)+len(c.next))
	for _, g := range s.segs {
		if g.kind == kindData {
			msgs = append(msgs, g.payload)
		}
	}
	msgs = append(msgs, s.queue...)
	msgs = append(msgs, c.next...)
	s.queue, c.next, c.queuedBytes = nil, nil, 0
	e.resetConn(c)
	c.st.Failures++
	c.st.GivenUp += uint64(len(msgs))
	e.tracef("connection to %s failed: %v; %d messages unacknowledged", e.name(c.peer), err, len(msgs))
	e.notifyFailed(c.peer, msgs, err)
}

// label names a segment this connection sends or receives, with numbers
// relative to its ISNs.
func (e *Endpoint) label(c *conn, seg *Segment) string {
	r := seg.Relative(c.snd.iss, c.rcv.irs)
	return r.Label()
}

// labelIn names a segment received from the peer: its Seq counts from the
// peer's ISN and its Ack from ours.
func (e *Endpoint) labelIn(c *conn, seg *Segment) string {
	r := seg.Relative(c.rcv.irs, c.snd.iss)
	return r.Label()
}

// finTimeout returns Options.FinTimeout, or its default.
func (o *Options) finTimeout() time.Duration {
	if o.FinTimeout == 0 {
		return DefaultFinTimeout
	}
	return o.FinTimeout
}

// timeWait returns how long TIME_WAIT lasts.
func (o *Options) timeWait() time.Duration {
	if o.TimeWait == 0 {
		return DefaultTimeWait
	}
	return o.TimeWait
}
