// The sending half of a connection: the retransmission timer (RFC 6298),
// timestamps (RFC 7323), the SACK scoreboard and recovery (RFC 2018, RFC
// 6675), NewReno (RFC 6582), RACK-TLP (RFC 8985) and congestion control
// (RFC 5681).

package reliable

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// DupThresh is RFC 5681's duplicate-ACK threshold, and RFC 6675's: the
// third duplicate ACK, or the third segment SACKed above a hole, means
// the hole was lost rather than overtaken.
const DupThresh = 3

// infiniteSsthresh is the slow-start threshold before the first loss:
// "arbitrarily high" (RFC 5681 §3.1).
const infiniteSsthresh = 1 << 30

// The sender's recovery states.
const (
	// notRecovering: every segment sent was sent once, or its loss was
	// repaired.
	notRecovering = iota
	// fastRecovery: the ACKs showed a loss (RFC 5681 §3.2); the window is
	// halved and holes are resent until everything sent before is
	// acknowledged (RFC 6675's RecoveryPoint, RFC 6582's recover).
	fastRecovery
	// timeoutRecovery: the timer expired; the window restarts from one
	// segment and the holes are resent as it opens (RFC 6675 §5.1).
	timeoutRecovery
)

// sender is the sending half of a connection.
type sender struct {
	// established says our SYN (or SYN-ACK) was acknowledged: data may
	// flow. Until then only the SYN is in segs.
	established bool
	// synRetransmitted says the SYN timed out at least once (RFC 6298
	// (5.7)).
	synRetransmitted bool
	// synAckAsked says a DATA or FIN in SYN_RCVD made us resend our
	// SYN-ACK at once (Endpoint.heldInSynReceived), last at synAckAskedAt
	// for a segment that carried the timestamp synAckAskedTSval if
	// synAckAskedTS.
	synAckAsked      bool
	synAckAskedAt    sim.Time
	synAckAskedTS    bool
	synAckAskedTSval uint32
	iss              uint32 // our initial sequence number
	una              uint32 // oldest unacknowledged sequence number
	nxt              uint32 // next sequence number to assign
	segs             []outSeg
	queue            [][]byte // accepted, waiting for the windows
	finSent          bool     // our FIN has a sequence number

	// The peer's receive window (RFC 9293 §3.8.6), in bytes of data
	// counted from the start of the connection: unaOff and nxtOff are the
	// offsets of una and nxt, edge the right edge the peer advertised
	// (it never moves left), maxWnd the largest window it advertised.
	unaOff, nxtOff, edge uint64
	maxWnd               uint32
	// probes counts zero-window probes sent since the window shut (the
	// persist timer's backoff); unanswered those since the peer last
	// answered (towards MaxRetries).
	probes, unanswered int

	est     Estimator
	lastRTO time.Duration // as last reported to the Observer; 0: none yet

	// probing says the retransmission timer is armed for a tail loss
	// probe (RFC 8985 §7.2) rather than for the RTO.
	probing bool

	// Karn's rule, without timestamps: one segment at a time is timed,
	// and only if it is never retransmitted.
	timing   bool
	timedSeq uint32
	timedAt  sim.Time

	retries int // consecutive expiries without progress

	// Congestion control (RFC 5681), in bytes.
	cwnd, ssthresh int
	caAcked        int // bytes acknowledged towards the next increase in congestion avoidance
	lastCwnd       int // as last reported
	lastSsthresh   int

	recovery   int
	recover    uint32 // RFC 6675's RecoveryPoint, RFC 6582's recover
	recoverSet bool
	dupAcks    int  // duplicate ACKs in a row
	partial    bool // a partial ACK arrived in this NewReno recovery
	// highRxt is RFC 6675's HighRxt, the highest segment resent in this
	// recovery, and rescued says its one rescue retransmission (NextSeg
	// rule 4) was sent.
	highRxt uint32
	rescued bool

	sacked int // segments of segs marked SACKed

	rack rackState
	tlp  tlpState
	veno venoState
}

// The kinds of segments a sender keeps for retransmission: each takes a
// sequence number.
const (
	kindData = iota
	kindSYN  // the SYN, or, opened passively, the SYN-ACK
	kindFIN
)

// outSeg is a segment waiting for its acknowledgment.
type outSeg struct {
	seq     uint32
	kind    uint8
	payload []byte
	xmitAt  sim.Time // its latest transmission
	xmits   int
	// sacked: the receiver holds it (RFC 2018). lost: presumed lost and
	// to be resent. retrans: resent and not since presumed lost again;
	// it is in the network, and counted in the pipe (RFC 6675).
	sacked, lost, retrans bool
}

// rackState is RACK's (RFC 8985 §6.1).
type rackState struct {
	// valid says a segment was delivered: the latest-sent delivered
	// segment's transmission time, end and round trip are known.
	valid  bool
	xmitAt sim.Time
	end    uint32
	rtt    time.Duration
	minRTT time.Duration // 0: none yet
	// fack is the end of the highest segment delivered; reorderSeen says
	// a segment was delivered below it without having been resent.
	fack        uint32
	fackSet     bool
	reorderSeen bool
	// mult scales the reordering window, grown by D-SACKs (RFC 8985
	// §6.2 step 4); persist counts the recoveries it lasts.
	mult, persist int
	dsackRound    uint32
	dsackRoundSet bool
}

// tlpState is the tail loss probe's (RFC 8985 §7.1).
type tlpState struct {
	active  bool   // a probe was sent and its episode has not ended
	end     uint32 // SND.NXT when it was sent
	retrans bool   // it resent a segment rather than sending new data
	seq     uint32 // the segment it resent
	dsacked bool   // the receiver reported the resent copy as a duplicate
}

// reportedSsthresh returns ssthresh for Stats and the Observer: 0 while it
// is still "arbitrarily high".
func (s *sender) reportedSsthresh() int {
	if s.ssthresh >= infiniteSsthresh {
		return 0
	}
	return s.ssthresh
}

// size is what a segment counts in the congestion window: its payload
// bytes, at least one.
func (g *outSeg) size() int { return max(len(g.payload), 1) }

// pipe is RFC 6675's estimate of what is in the network, in segments and
// in bytes: the segments not SACKed and not presumed lost, plus the
// retransmissions (SetPipe).
func (s *sender) pipe() (segs, bytes int) {
	for i := range s.segs {
		g := &s.segs[i]
		if g.sacked {
			continue
		}
		n := 0
		if !g.lost {
			n++
		}
		if g.retrans {
			n++
		}
		segs += n
		bytes += n * g.size()
	}
	return segs, bytes
}

// flight is RFC 5681's FlightSize: the bytes sent and not yet cumulatively
// acknowledged.
func (s *sender) flight() int {
	n := 0
	for i := range s.segs {
		n += s.segs[i].size()
	}
	return n
}

// nextLost returns the index of the first segment presumed lost and not yet
// resent (RFC 6675 NextSeg rule 1), or -1.
func (s *sender) nextLost() int {
	for i := range s.segs {
		if g := &s.segs[i]; g.lost && !g.retrans && !g.sacked {
			return i
		}
	}
	return -1
}

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
	switch {
	case c.state == Closed:
		c.snd.queue = append(c.snd.queue, msg)
		c.queuedBytes += len(msg)
		e.activeOpen(c)
	case c.finTimedOut && !c.rcv.finDone:
		// Messages already waited Options.FinTimeout for this half-open
		// connection to end: refuse at once (RFC 9293 §3.10.2).
		c.st.GivenUp++
		e.tracef("message to %s refused: connection closing, %s has not closed its direction", e.name(to), e.name(to))
		e.notifyFailed(to, [][]byte{msg}, ErrClosing)
	case c.closing || c.state == TimeWait:
		// Our direction is closed: the message opens the next
		// connection, once this one is over (at once from TIME_WAIT).
		c.next = append(c.next, msg)
		c.queuedBytes += len(msg)
		if c.state == TimeWait {
			e.closeConn(c)
		} else {
			e.awaitPeerClose(c)
		}
	default:
		c.snd.queue = append(c.snd.queue, msg)
		c.queuedBytes += len(msg)
		e.pump(c)
	}
}

// room says whether the congestion window (or, without congestion control,
// the window) lets a segment of size bytes into the network. With
// congestion control one segment may always be in flight, so that a
// message larger than the window still goes (RFC 5681's loss window is one
// segment, whatever its size).
func (e *Endpoint) room(c *conn, size int) bool {
	segs, bytes := c.snd.pipe()
	if !e.opts.CongestionControl {
		return segs < e.opts.window()
	}
	return segs == 0 || bytes+size <= c.snd.cwnd
}

// peerAllows says whether the peer's receive window takes a message of
// size bytes as the next one (RFC 9293 §3.8.6.2.1): it must end within the
// advertised right edge; but with nothing in flight, a window as large as
// any the peer advertised (its whole buffer is free) takes a message of
// any size, which the peer's empty buffer accepts.
func (s *sender) peerAllows(size int) bool {
	if s.nxtOff+uint64(size) <= s.edge {
		return true
	}
	return s.nxtOff == s.unaOff && s.edge-s.nxtOff >= uint64(s.maxWnd)
}

// peerWindow records a window the peer advertised with acknowledgment
// number ack (0 for its SYN): the right edge moves to the acknowledged
// data plus the window, and never left.
func (e *Endpoint) peerWindow(c *conn, ack uint32, wnd uint32) {
	s := &c.snd
	off := s.unaOff
	if ack != 0 {
		// The data bytes before ack: una's, plus the segments acked.
		for i := range s.segs {
			if !seqLT(s.segs[i].seq, ack) {
				break
			}
			if s.segs[i].kind == kindData {
				off += uint64(len(s.segs[i].payload))
			}
		}
	}
	if edge := off + uint64(wnd); edge > s.edge {
		s.edge = edge
	}
	s.maxWnd = max(s.maxWnd, wnd)
}

// pump sends while the windows allow: first the segments presumed lost,
// then new data (RFC 6675 NextSeg), then, once the application closed and
// everything queued is out, the FIN. With data waiting that the peer's
// window does not take, it starts the persist timer.
func (e *Endpoint) pump(c *conn) {
	s := &c.snd
	if !s.established {
		return
	}
	sentNew, sent := false, false
	for {
		if i := s.nextLost(); i >= 0 && e.room(c, s.segs[i].size()) {
			cause := CauseRecovery
			if s.recovery == timeoutRecovery {
				cause = CauseTimeout
			}
			e.retransmit(c, i, cause)
			sent = true
			continue
		}
		if len(s.queue) > 0 && len(s.segs) < e.opts.window() && e.room(c, max(len(s.queue[0]), 1)) && s.peerAllows(len(s.queue[0])) {
			e.sendNew(c)
			sent, sentNew = true, true
			continue
		}
		if i, rescue := e.speculative(c); i >= 0 && e.room(c, s.segs[i].size()) {
			high := s.highRxt
			e.retransmit(c, i, CauseRecovery)
			if rescue {
				s.rescued, s.highRxt = true, high // RFC 6675: HighRxt MUST NOT be updated
			}
			sent = true
			continue
		}
		break
	}
	if c.closing && !s.finSent && len(s.queue) == 0 {
		e.sendFIN(c)
		sent = true
	}
	switch {
	case sentNew && e.probeAllowed(c):
		e.armRetransmit(c, true) // RFC 8985 §7.2: new data restarts the probe timer
	case sent && !c.timers[timerRetransmit].armed:
		e.armRetransmit(c, false) // RFC 6298 (5.1)
	}
	e.persist(c)
}

// persist starts or stops the persist timer (RFC 9293 §3.8.6.1): with
// messages waiting, nothing in flight and a window that takes none, only
// a probe can learn that the window opened, since the peer's window update
// may be lost.
func (e *Endpoint) persist(c *conn) {
	s := &c.snd
	closed := s.established && len(s.queue) > 0 && len(s.segs) == 0 && !s.peerAllows(len(s.queue[0]))
	switch {
	case !closed:
		e.stopTimer(c, timerPersist)
		s.probes, s.unanswered = 0, 0
	case !c.timers[timerPersist].armed:
		e.setTimer(c, timerPersist, e.persistTimeout(c))
	}
}

// persistTimeout is the wait before the next zero-window probe: the RTO,
// at least a millisecond, doubled for every probe already sent, at most
// MaxRTO (or 60 s).
func (e *Endpoint) persistTimeout(c *conn) time.Duration {
	d := max(c.rto(&e.opts), e.opts.G, time.Millisecond)
	limit := e.opts.MaxRTO
	if limit == 0 {
		limit = 60 * time.Second
	}
	for range c.snd.probes {
		if d >= limit {
			break
		}
		d *= 2
	}
	return min(d, max(limit, c.rto(&e.opts)))
}

// persistTimer sends a zero-window probe; the peer answers with its
// window. Unanswered probes count towards MaxRetries: a peer that answers
// may keep its window shut forever (RFC 1122 §4.2.2.17), one that does not
// is gone.
func (e *Endpoint) persistTimer(c *conn) {
	s := &c.snd
	if e.opts.MaxRetries > 0 && s.unanswered >= e.opts.MaxRetries {
		e.fail(c, ErrTimeout)
		return
	}
	s.probes++
	s.unanswered++
	c.st.ZeroWindowProbes++
	p := Segment{Type: Probe, SrcInc: e.inc, DstInc: c.peerInc, Seq: s.nxt}
	if c.ts {
		p.TS, p.TSval = true, tsClock(e.env.Now())
	}
	e.tracef("zero window: probe %s", e.name(c.peer))
	e.env.Send(c.peer, p.Marshal(), e.label(c, &p))
	e.setTimer(c, timerPersist, e.persistTimeout(c))
}

// speculative is RFC 6675's NextSeg rule 4, in fast recovery with SACK
// when there is no hole known lost and no new data to send: once per
// recovery, resend the highest segment the receiver has not SACKed (the
// rescue retransmission), so that a loss at the tail, which no later
// segment's SACK will ever reveal, is repaired without the timer. Rule 3,
// which would resend every unSACKed segment above HighRxt on speculation,
// is left out, as in Linux: with a large window it floods the path with
// copies of segments still on their way. It returns the index in segs,
// or -1, and whether it is the rescue.
func (e *Endpoint) speculative(c *conn) (int, bool) {
	s := &c.snd
	if s.recovery != fastRecovery || !c.sack || !e.opts.FastRetransmit {
		return -1, false
	}
	if !s.rescued && seqLT(s.una, s.recover+1) {
		for i := len(s.segs) - 1; i >= 0; i-- {
			if g := &s.segs[i]; !g.sacked {
				if g.retrans {
					break // resent already in this recovery
				}
				return i, true
			}
		}
	}
	return -1, false
}

// sendNew sends the first queued message as a new segment.
func (e *Endpoint) sendNew(c *conn) {
	s := &c.snd
	msg := s.queue[0]
	s.queue[0] = nil
	s.queue = s.queue[1:]
	c.queuedBytes -= len(msg)
	s.segs = append(s.segs, outSeg{seq: s.nxt, payload: msg})
	s.nxt++
	s.nxtOff += uint64(len(msg))
	g := &s.segs[len(s.segs)-1]
	if !e.opts.Timestamps && !s.timing {
		s.timing, s.timedSeq, s.timedAt = true, g.seq, e.env.Now()
	}
	e.emit(c, g)
}

// sendFIN closes our direction: the FIN takes the sequence number after
// the last message.
func (e *Endpoint) sendFIN(c *conn) {
	s := &c.snd
	s.finSent = true
	s.segs = append(s.segs, outSeg{seq: s.nxt, kind: kindFIN})
	s.nxt++
	switch c.state {
	case Established:
		e.setState(c, FinWait1)
	case CloseWait:
		e.setState(c, LastAck)
	}
	e.emit(c, &s.segs[len(s.segs)-1])
	e.awaitPeerClose(c)
}

// awaitPeerClose starts the FIN-wait timer (Options.FinTimeout) when
// messages wait for the next connection, our FIN is out and the peer has
// not closed its direction: only the peer's FIN can end this connection,
// and a peer that never closes would hold them forever. The wait counts
// from our FIN, as Linux's tcp_fin_timeout counts from FIN_WAIT_2, or
// from the first message queued if that is later: a half-close the peer
// keeps open while nobody waits harms nobody (RFC 9293 allows it for
// ever), so each message is given the whole timeout; messages queued
// while the timer runs share its deadline, so none waits longer.
func (e *Endpoint) awaitPeerClose(c *conn) {
	if len(c.next) == 0 || !c.snd.finSent || c.rcv.finDone || c.timers[timerFinWait].armed {
		return
	}
	e.setTimer(c, timerFinWait, e.opts.finTimeout())
}

// finWaitOver is the expiry of the FIN-wait timer: if the peer has still
// not closed its direction, the messages sent after Close fail with
// ErrClosing (RFC 9293 §3.10.2), and so will later sends until the
// connection is over. The connection itself goes on: the peer may still
// send, and its FIN ends it as usual.
func (e *Endpoint) finWaitOver(c *conn) {
	if c.rcv.finDone || len(c.next) == 0 {
		return
	}
	msgs := c.next
	c.next = nil
	for _, m := range msgs {
		c.queuedBytes -= len(m)
	}
	c.finTimedOut = true
	c.st.GivenUp += uint64(len(msgs))
	e.tracef("%s has not closed its direction after %s: %d messages sent after close given up", e.name(c.peer),
		sim.FormatDuration(e.opts.finTimeout()), len(msgs))
	e.notifyFailed(c.peer, msgs, ErrClosing)
}

// retransmit sends segment i of the window again.
func (e *Endpoint) retransmit(c *conn, i int, cause Cause) {
	s := &c.snd
	g := &s.segs[i]
	g.retrans = true
	if s.recovery == fastRecovery && seqGT(g.seq, s.highRxt) {
		s.highRxt = g.seq
	}
	if s.timing && s.timedSeq == g.seq {
		s.timing = false // Karn (RFC 6298 §3): its ACK could answer either copy
	}
	if g.kind == kindSYN {
		s.synRetransmitted = true
	}
	c.st.Retransmissions++
	if cause == CauseRecovery {
		c.st.FastRetransmits++
	}
	e.emit(c, g)
	if g.kind == kindData {
		e.obs.Retransmit(e.env.Now(), c.peer, g.seq, cause)
	}
}

// emit puts segment g on the wire: a DATA, a FIN, or our SYN, which is a
// SYN-ACK once the peer's SYN has arrived.
func (e *Endpoint) emit(c *conn, g *outSeg) {
	g.xmits++
	g.xmitAt = e.env.Now()
	seg := Segment{SrcInc: e.inc, DstInc: c.peerInc, Seq: g.seq}
	ts := c.ts
	switch g.kind {
	case kindData:
		seg.Type, seg.Payload = Data, g.payload
		c.st.Segments++
	case kindFIN:
		seg.Type = FIN
	case kindSYN:
		// Offer timestamps and SACK on a SYN, accept them on a SYN-ACK
		// (RFC 7323 §3.2, RFC 2018 §2).
		seg.Type, seg.Window = SYN, e.window(c)
		ts = e.opts.Timestamps
		seg.SACKOK = e.opts.SACK
		if c.rcv.synced {
			seg.Type, seg.Ack = SYNACK, c.rcv.next
			ts, seg.SACKOK = c.ts, c.sack
			if ts && c.rcv.tsRecentSet {
				seg.TSecr = c.rcv.tsRecent
			}
			c.rcv.lastWnd = seg.Window
		}
	}
	if ts {
		seg.TS, seg.TSval = true, tsClock(g.xmitAt)
	}
	e.env.Send(c.peer, seg.Marshal(), e.label(c, &seg))
}

// segName names a segment of the window in the trace: "DATA 7", "FIN 9",
// "SYN" or "SYN-ACK".
func (e *Endpoint) segName(c *conn, g *outSeg) string {
	switch g.kind {
	case kindSYN:
		if c.rcv.synced {
			return "SYN-ACK"
		}
		return "SYN"
	case kindFIN:
		return fmt.Sprintf("FIN %d", g.seq-c.snd.iss)
	}
	return fmt.Sprintf("DATA %d", g.seq-c.snd.iss)
}

// tsClock is the timestamp clock of RFC 7323 §5.4: virtual microseconds
// plus one, modulo 2^32 and never 0, so that an echo of 0 can mean
// "none". RFC 7323
// asks for a tick of 1 ms to 1 s so that PAWS works over days; the
// simulator does not use PAWS (incarnations and the window reject old
// segments) and its round trips are often below a millisecond, so it
// ticks faster. The clock wraps every 71 minutes; only differences within
// half of that are ever taken.
func tsClock(t sim.Time) uint32 {
	v := uint32(t.Duration()/time.Microsecond) + 1
	if v == 0 {
		v = 1
	}
	return v
}

// tsLT compares timestamps in serial-number arithmetic.
func tsLT(a, b uint32) bool { return int32(a-b) < 0 }

// probeAllowed says whether a tail loss probe may be scheduled (RFC 8985
// §7.2): RACK-TLP is on, the connection is not recovering, and no probe
// episode is under way.
func (e *Endpoint) probeAllowed(c *conn) bool {
	s := &c.snd
	return e.rack(c) && s.established && s.recovery == notRecovering && !s.tlp.active
}

// rack says whether RACK-TLP runs on c: it needs the SACK scoreboard and
// fast recovery.
func (e *Endpoint) rack(c *conn) bool { return e.opts.RACK && c.sack && e.opts.FastRetransmit }

// armRetransmit arms the retransmission timer, for a tail loss probe if one
// is allowed and would come first. Unless restart is set, a running timer
// is left alone. With nothing outstanding the timer stops (RFC 6298 (5.2)).
func (e *Endpoint) armRetransmit(c *conn, restart bool) {
	s := &c.snd
	if len(s.segs) == 0 {
		e.stopTimer(c, timerRetransmit)
		s.probing = false
		return
	}
	if !restart && c.timers[timerRetransmit].armed {
		return
	}
	rto := c.rto(&e.opts)
	if e.probeAllowed(c) {
		// RFC 8985 §7.2: PTO = 2·SRTT, or 1 s before any sample. A lone
		// segment would add the peer's worst delayed-ACK time, but this
		// receiver acknowledges every segment at once, so there is none
		// to add. The granularity G is the least.
		pto := time.Second
		if s.est.Samples() > 0 {
			pto = max(2*s.est.SRTT().Duration(), e.opts.G)
		}
		if pto < rto {
			s.probing = true
			e.setTimer(c, timerRetransmit, pto)
			return
		}
	}
	s.probing = false
	e.setTimer(c, timerRetransmit, rto)
}

// retransmitTimer handles the expiry of the retransmission timer: a tail
// loss probe, or a timeout.
func (e *Endpoint) retransmitTimer(c *conn) {
	if c.snd.probing {
		c.snd.probing = false
		e.lossProbe(c)
		return
	}
	e.timeout(c)
}

// lossProbe is RFC 8985 §7.3: two round trips passed without an ACK, so the
// last segments may all be lost, leaving no ACK to start fast recovery.
// Send new data if there is some, or else resend the last segment, so that
// the ACK of the probe reveals the loss; then the RTO takes over.
func (e *Endpoint) lossProbe(c *conn) {
	s := &c.snd
	if len(s.segs) == 0 {
		return
	}
	c.st.LossProbes++
	if len(s.queue) > 0 && len(s.segs) < e.opts.window() && s.peerAllows(len(s.queue[0])) {
		e.sendNew(c)
		s.tlp = tlpState{active: true, end: s.nxt}
		e.tracef("tail loss probe: new %s to %s", e.segName(c, &s.segs[len(s.segs)-1]), e.name(c.peer))
	} else {
		i := len(s.segs) - 1
		for i >= 0 && s.segs[i].sacked {
			i--
		}
		if i < 0 {
			e.armRetransmit(c, true)
			return
		}
		seq := s.segs[i].seq
		e.tracef("tail loss probe: resend %s to %s", e.segName(c, &s.segs[i]), e.name(c.peer))
		e.retransmit(c, i, CauseProbe)
		s.tlp = tlpState{active: true, end: s.nxt, retrans: true, seq: seq}
	}
	s.probing = false
	e.setTimer(c, timerRetransmit, c.rto(&e.opts))
}

// timeout is RFC 6298 (5.4)-(5.6): retransmit the earliest unacknowledged
// segment, back off, restart the timer. With congestion control the window
// falls to one segment (RFC 5681 §3.1). The lecture's transport resends
// only that segment (the receiver buffers the rest); with SACK or fast
// retransmit every segment not known to have arrived is presumed lost and
// resent as the window opens again (RFC 6675 §5.1, RFC 8985 §6.3; without
// SACK that is go-back-N, as in TCP).
func (e *Endpoint) timeout(c *conn) {
	s := &c.snd
	if len(s.segs) == 0 {
		return // cannot happen: (5.2) stops the timer when all is acked
	}
	if e.opts.MaxRetries > 0 && s.retries >= e.opts.MaxRetries {
		e.fail(c, ErrTimeout)
		return
	}
	s.retries++
	c.st.Timeouts++
	old := c.rto(&e.opts)
	// Karn's rule (RFC 6298 §3): the ACK of a retransmitted segment cannot
	// say which copy it answers, so stop timing.
	s.timing = false
	if e.opts.RTO == Adaptive {
		s.est.Backoff() // (5.5)
	}
	random := false
	if e.opts.CongestionControl {
		random = e.timeoutWindow(c)
	}
	s.tlp.active, s.dupAcks = false, 0
	if s.segs[0].sacked {
		e.reneged(c)
	}
	if e.opts.SACK || e.opts.FastRetransmit {
		for i := range s.segs {
			if g := &s.segs[i]; !g.sacked {
				g.lost, g.retrans = true, false
			}
		}
		s.recovery, s.recover, s.recoverSet = timeoutRecovery, s.nxt-1, true
	}
	e.tracef("timeout: retransmit %s to %s (RTO %s -> %s)", e.segName(c, &s.segs[0]), e.name(c.peer), sim.FormatDuration(old), sim.FormatDuration(c.rto(&e.opts)))
	e.retransmit(c, 0, CauseTimeout)
	e.reportRTO(c)
	e.armRetransmit(c, true) // (5.6)
	sent := c.st.Segments
	e.pump(c)
	if c.st.Segments == sent && (random || e.veno() && s.retries >= 2) {
		e.secondCopy(c, !random)
	}
	e.reportCongestion(c, "timeout")
}

// reneged forgets every SACK mark after a timeout that finds the segment at
// the left edge of the window SACKed yet not acknowledged: the receiver
// holds data it has not acknowledged (it discarded it, or holds it while
// its side of the handshake is not complete). RFC 2018 §8: after a
// retransmit timeout the sender SHOULD turn off all SACKed bits and MUST
// retransmit the segment at the left edge of the window, SACKed or not.
func (e *Endpoint) reneged(c *conn) {
	s := &c.snd
	for i := range s.segs {
		s.segs[i].sacked = false
	}
	s.sacked = 0
	e.tracef("timeout: %s SACKed but not acknowledged: SACK marks cleared (RFC 2018 §8)", e.segName(c, &s.segs[0]))
}

// reorderTimer is RACK's reordering timer (RFC 8985 §6.2 step 5): a
// segment sent before the latest delivered one has now waited a round
// trip and the reordering window.
func (e *Endpoint) reorderTimer(c *conn) {
	e.detectLosses(c)
	s := &c.snd
	if s.recovery == notRecovering && s.nextLost() >= 0 {
		e.enterFastRecovery(c)
	}
	e.pump(c)
	e.reportCongestion(c, "fast recovery")
}

// onAck is the sender's side of an ACK: cumulative and selective
// acknowledgment, RTT samples, loss detection, recovery and the windows.
func (e *Endpoint) onAck(c *conn, ack *Segment) {
	s := &c.snd
	switch {
	case c.state == SynReceived && ack.Ack == s.iss+1:
		e.ackSYN(c, ack) // the third leg of the handshake
	case !s.established:
		return
	}
	a := ack.Ack
	if seqGT(a, s.nxt) {
		e.tracef("ignore %s from %s: beyond %d sent", e.labelIn(c, ack), e.name(c.peer), s.nxt-1-s.iss)
		return
	}
	if seqLT(a, s.una) {
		return // overtaken by a later ACK
	}
	s.unanswered = 0 // the peer answers
	e.peerWindow(c, a, ack.Window)
	flight := s.flight()
	_, inPipe := s.pipe()
	newly := int(a - s.una)
	ackedBytes, finAcked := 0, false
	for i := range newly {
		ackedBytes += s.segs[i].size()
		finAcked = finAcked || s.segs[i].kind == kindFIN
	}

	dsack, newlySacked := e.selectiveAck(c, ack)
	e.cumulativeAck(c, ack, newly, flight, finAcked)
	e.probeOnAck(c, a, dsack)

	dup := newly == 0 && len(s.segs) > 0
	if c.sack {
		dup = dup && newlySacked > 0
	}
	switch {
	case dup:
		s.dupAcks++
	case newly > 0:
		s.dupAcks = 0
	}

	why := e.recoverOnAck(c, a, ackedBytes, inPipe, dup)
	switch {
	case len(s.segs) == 0:
		e.stopTimer(c, timerRetransmit) // (5.2)
		e.stopTimer(c, timerReorder)
		s.probing = false
	case newly > 0:
		e.armRetransmit(c, true) // (5.3), or a new probe (RFC 8985 §7.2)
	}
	if finAcked {
		e.finAcked(c)
		if c.state == Closed || c.state == TimeWait {
			return
		}
	}
	e.pump(c)
	if why == "" {
		why = "ACK"
	}
	e.reportCongestion(c, why)
}

// selectiveAck takes in an ACK's SACK blocks (RFC 2018): a D-SACK first
// (RFC 2883), then the blocks that mark segments held by the receiver. It
// reports whether there was a D-SACK and how many segments were newly
// marked.
func (e *Endpoint) selectiveAck(c *conn, ack *Segment) (dsack bool, newlySacked int) {
	if !c.sack {
		return false, 0
	}
	blocks := ack.SACK
	if ack.DSACK() {
		dsack = true
		e.onDSACK(c, blocks[0])
		blocks = blocks[1:]
	}
	return dsack, e.markSacked(c, blocks, ack)
}

// cumulativeAck moves the left edge past the newly acknowledged segments:
// RACK learns of those it had not seen SACKed (RFC 8985 §6.2), the RTT is
// sampled (RFC 6298 §3), and they leave the queue.
func (e *Endpoint) cumulativeAck(c *conn, ack *Segment, newly, flight int, finAcked bool) {
	s := &c.snd
	for i := range newly {
		g := &s.segs[i]
		if g.sacked {
			s.sacked--
		} else {
			e.rackUpdate(c, g, ack, true)
		}
	}
	if newly == 0 {
		return
	}
	e.sampleRTT(c, ack, ack.Ack, flight)
	for i := range newly {
		if s.segs[i].kind == kindData {
			s.unaOff += uint64(len(s.segs[i].payload))
		}
		s.segs[i] = outSeg{}
	}
	s.segs = s.segs[newly:]
	s.una = ack.Ack
	s.retries = 0
	c.st.Acked += uint64(newly)
	if finAcked {
		c.st.Acked--
	}
	if s.rack.dsackRoundSet && seqGEQ(s.una, s.rack.dsackRound) {
		s.rack.dsackRoundSet = false
	}
	e.venoRound(c)
}

// recoverOnAck runs loss recovery and congestion control for an ACK: SACK
// recovery (RFC 6675), NewReno's (RFC 6582), or, without fast
// retransmit, only the window's growth (RFC 5681 §3.1). It returns why
// the window changed, or "".
func (e *Endpoint) recoverOnAck(c *conn, a uint32, ackedBytes, inPipe int, dup bool) string {
	s := &c.snd
	switch {
	case e.opts.FastRetransmit && c.sack:
		return e.sackRecovery(c, a, ackedBytes, inPipe)
	case e.opts.FastRetransmit:
		return e.newRenoRecovery(c, a, ackedBytes, inPipe, dup)
	}
	if s.recovery != notRecovering && seqGT(a, s.recover) {
		s.recovery = notRecovering
	}
	e.growCwnd(c, ackedBytes, inPipe)
	return ""
}

// markSacked marks the segments the SACK blocks cover, and returns how many
// were new.
func (e *Endpoint) markSacked(c *conn, blocks []SACKBlock, ack *Segment) int {
	s := &c.snd
	n := 0
	for _, b := range blocks {
		if !seqLT(b.Left, b.Right) || seqLEQ(b.Right, s.una) || seqGT(b.Right, s.nxt) {
			continue // stale, or beyond what was sent
		}
		lo := int(seqMax(b.Left, s.una) - s.una)
		hi := int(b.Right - s.una)
		for i := lo; i < hi; i++ {
			g := &s.segs[i]
			if g.sacked {
				continue
			}
			g.sacked = true
			s.sacked++
			n++
			e.rackUpdate(c, g, ack, false)
		}
	}
	return n
}

// onDSACK handles a D-SACK (RFC 2883): the receiver got a segment twice.
// If the sender resent it, the resend was needless: RACK widens its
// reordering window (RFC 8985 §6.2 step 4), and a tail loss probe that
// was a duplicate repaired nothing (§7.4).
func (e *Endpoint) onDSACK(c *conn, b SACKBlock) {
	s := &c.snd
	c.st.DSACKs++
	r := &s.rack
	if !r.dsackRoundSet {
		r.mult++
		r.persist = 16
		r.dsackRound, r.dsackRoundSet = s.nxt, true
	}
	if s.tlp.active && s.tlp.retrans && seqIn(s.tlp.seq, b.Left, b.Right) {
		s.tlp.dsacked = true
	}
}

// sampleRTT takes the RTT sample an ACK of new data gives: from its
// timestamp echo (RFC 7323 §4), or from the timed segment under Karn's
// rule.
func (e *Endpoint) sampleRTT(c *conn, ack *Segment, a uint32, flight int) {
	s := &c.snd
	now := e.env.Now()
	var r time.Duration
	switch {
	case e.opts.Timestamps:
		if !ack.TS || ack.TSecr == 0 {
			return
		}
		d := tsClock(now) - ack.TSecr
		if int32(d) < 0 {
			return
		}
		r = time.Duration(d) * time.Microsecond
		// RFC 7323 Appendix G: ExpectedSamples = ceil(FlightSize / (2 *
		// SMSS)), the flight in bytes before this ACK.
		s.est.SampleScaled(r, (flight+2*e.opts.smss()-1)/(2*e.opts.smss()))
	case s.timing && seqLT(s.timedSeq, a):
		s.timing = false
		r = now.Sub(s.timedAt)
		s.est.Sample(r) // collapses any backoff (RFC 6298 §5)
	default:
		return
	}
	e.obs.RTTSample(now, c.peer, r, s.est.SRTT().Duration(), c.rto(&e.opts))
	e.reportRTO(c)
}

// rackUpdate is RFC 8985 §6.2 steps 2 and 3 for a segment just delivered,
// cumulatively acknowledged (cum) or SACKed.
func (e *Endpoint) rackUpdate(c *conn, g *outSeg, ack *Segment, cum bool) {
	s := &c.snd
	r := &s.rack
	rtt := e.env.Now().Sub(g.xmitAt)
	if g.xmits > 1 {
		// Did the ACK answer the latest copy? An echo older than it, or
		// a round trip shorter than any seen, says it answered an
		// earlier one. The echo speaks only for the segment at the left
		// edge: for a SACKed one the receiver echoes the last segment
		// that arrived in order (RFC 7323 §4.3), which is older than any
		// retransmission after a hole, so only the round trip can tell.
		if cum && ack.TS && ack.TSecr != 0 && tsLT(ack.TSecr, tsClock(g.xmitAt)) {
			return
		}
		if r.minRTT > 0 && rtt < r.minRTT {
			return
		}
	}
	end := g.seq + 1
	if g.xmits == 1 && r.fackSet && seqLT(end, r.fack) {
		r.reorderSeen = true
	}
	if !r.fackSet || seqGT(end, r.fack) {
		r.fack, r.fackSet = end, true
	}
	if r.minRTT == 0 || rtt < r.minRTT {
		r.minRTT = rtt
	}
	if g.xmits == 1 {
		e.venoSample(c, rtt)
	}
	if !r.valid || sentAfter(g.xmitAt, end, r.xmitAt, r.end) {
		r.valid, r.xmitAt, r.end, r.rtt = true, g.xmitAt, end, rtt
	}
}

// sentAfter is RACK's order of transmissions (RFC 8985 §6.2): by time,
// then by sequence number for segments sent at the same instant.
func sentAfter(t1 sim.Time, end1 uint32, t2 sim.Time, end2 uint32) bool {
	return t1 > t2 || t1 == t2 && seqGT(end1, end2)
}

// reoWnd is RACK's reordering window (RFC 8985 §6.2 step 4): none until
// reordering was seen while recovering or with DupThresh segments SACKed,
// else a quarter of the minimum RTT per D-SACK round, at most SRTT.
func (e *Endpoint) reoWnd(c *conn) time.Duration {
	s := &c.snd
	r := &s.rack
	if !r.reorderSeen && (s.recovery != notRecovering || s.sacked >= DupThresh) {
		return 0
	}
	w := time.Duration(r.mult) * r.minRTT / 4
	if s.est.Samples() > 0 {
		w = min(w, s.est.SRTT().Duration())
	}
	return w
}

// detectLosses marks the segments the ACKs show lost: by RACK (RFC 8985
// §6.2 step 5), arming the reordering timer for those not yet overdue, or,
// without RACK, by RFC 6675's IsLost: DupThresh segments SACKed above.
func (e *Endpoint) detectLosses(c *conn) {
	s := &c.snd
	if e.rack(c) && s.rack.valid {
		now := e.env.Now()
		reo := e.reoWnd(c)
		var wait time.Duration
		for i := range s.segs {
			g := &s.segs[i]
			if g.sacked || g.lost && !g.retrans || !sentAfter(s.rack.xmitAt, s.rack.end, g.xmitAt, g.seq+1) {
				continue
			}
			if left := g.xmitAt.Duration() + s.rack.rtt + reo - now.Duration(); left > 0 {
				wait = max(wait, left)
				continue
			}
			g.lost, g.retrans = true, false
		}
		if wait > 0 {
			e.setTimer(c, timerReorder, wait)
		} else {
			e.stopTimer(c, timerReorder)
		}
	}
	if e.rack(c) {
		// RACK replaces the DupThresh rule (RFC 8985 §1): it keeps it only
		// in its reordering window, which is 0 until reordering is seen
		// (step 4), since counting SACKed segments mistakes every
		// reordering for a loss.
		return
	}
	above := 0
	for i := len(s.segs) - 1; i >= 0; i-- {
		g := &s.segs[i]
		switch {
		case g.sacked:
			above++
		case above >= DupThresh && !g.lost:
			g.lost = true
		}
	}
}

// enterFastRecovery starts fast recovery with SACK (RFC 6675 §5 step 4):
// RecoveryPoint is the highest segment sent, ssthresh and cwnd half the
// flight, and the first lost segment is resent at once, whatever the
// window; the rest follow as the pipe drains.
func (e *Endpoint) enterFastRecovery(c *conn) {
	s := &c.snd
	s.recovery, s.recover, s.recoverSet = fastRecovery, s.nxt-1, true
	s.highRxt, s.rescued = s.una-1, false
	s.tlp.active = false
	c.st.Recoveries++
	if e.opts.CongestionControl {
		s.ssthresh = e.lossThreshold(c, "flight", s.flight())
		s.cwnd, s.caAcked = s.ssthresh, 0
	}
	if i := s.nextLost(); i >= 0 {
		e.tracef("fast retransmit %s to %s: %s", e.segName(c, &s.segs[i]), e.name(c.peer), e.lossEvidence(c))
		e.retransmit(c, i, CauseRecovery)
	}
}

// lossEvidence says what showed the loss, for the trace.
func (e *Endpoint) lossEvidence(c *conn) string {
	s := &c.snd
	if s.sacked > 0 {
		return fmt.Sprintf("%d segments SACKed above it", s.sacked)
	}
	return fmt.Sprintf("%d duplicate ACKs", s.dupAcks)
}

// sackRecovery runs RFC 6675 on an ACK (with RACK's loss detection when
// on), and returns what changed the window, for the trace.
func (e *Endpoint) sackRecovery(c *conn, a uint32, acked, inPipe int) string {
	s := &c.snd
	why := ""
	if s.recovery != notRecovering && seqGT(a, s.recover) {
		// Everything sent before the loss is acknowledged: recovery
		// ends, the window stays at ssthresh (RFC 6675 §5).
		why = "recovered"
		s.recovery = notRecovering
		if s.rack.persist > 0 {
			s.rack.persist--
			if s.rack.persist == 0 {
				s.rack.mult = 1
			}
		}
	}
	if s.recovery != fastRecovery {
		e.growCwnd(c, acked, inPipe)
	}
	e.detectLosses(c)
	if s.recovery == notRecovering && s.nextLost() >= 0 {
		e.enterFastRecovery(c)
		why = "fast recovery"
	}
	return why
}

// newRenoRecovery runs fast retransmit and NewReno's fast recovery without
// SACK (RFC 5681 §3.2, RFC 6582 §3.2) on an ACK, and returns what changed
// the window, for the trace.
func (e *Endpoint) newRenoRecovery(c *conn, a uint32, acked, inPipe int, dup bool) string {
	s := &c.snd
	cc := e.opts.CongestionControl
	smss := e.opts.smss()
	switch {
	case s.recovery == fastRecovery && acked > 0 && seqGT(a, s.recover):
		// A full ACK (step 3): deflate the window and leave.
		s.recovery = notRecovering
		if cc {
			s.cwnd = min(s.ssthresh, max(s.flight(), smss)+smss)
		}
		return "recovered"
	case s.recovery == fastRecovery && acked > 0:
		// A partial ACK (step 5): the next hole was lost too; resend it
		// at once, deflate by what was acknowledged, add one back, and
		// restart the timer on the first partial ACK only (the Impatient
		// variant the RFC recommends).
		g := &s.segs[0]
		g.lost, g.retrans = true, false
		e.tracef("partial ACK %d: retransmit %s to %s", a-c.snd.iss, e.segName(c, g), e.name(c.peer))
		e.retransmit(c, 0, CauseRecovery)
		if cc {
			s.cwnd -= acked
			if acked >= smss {
				s.cwnd += smss
			}
			s.cwnd = max(s.cwnd, smss)
		}
		if !s.partial {
			s.partial = true
			e.armRetransmit(c, true)
		}
		return "partial ACK"
	case s.recovery == fastRecovery && dup:
		if cc {
			s.cwnd += smss // step 4: each duplicate ACK is a segment that left the network
		}
		return "duplicate ACK"
	case s.recovery == notRecovering && dup && s.dupAcks == DupThresh && (!s.recoverSet || seqGT(a, s.recover)):
		// Fast retransmit (step 2), unless the duplicates come from
		// segments sent before the last recovery ended.
		s.recovery, s.recover, s.recoverSet, s.partial = fastRecovery, s.nxt-1, true, false
		c.st.Recoveries++
		if cc {
			s.ssthresh = e.lossThreshold(c, "flight", s.flight())
			s.cwnd, s.caAcked = s.ssthresh+DupThresh*smss, 0
		}
		g := &s.segs[0]
		g.lost, g.retrans = true, false
		e.tracef("%d duplicate ACKs: fast retransmit %s to %s", DupThresh, e.segName(c, g), e.name(c.peer))
		e.retransmit(c, 0, CauseRecovery)
		return "fast recovery"
	}
	if s.recovery == timeoutRecovery && seqGT(a, s.recover) {
		s.recovery = notRecovering
	}
	if s.recovery != fastRecovery {
		e.growCwnd(c, acked, inPipe)
	}
	return ""
}

// growCwnd opens the congestion window on an ACK of acked new bytes (RFC
// 5681 §3.1): in slow start, below ssthresh, by what was acknowledged but
// at most one SMSS per ACK (equation 2); in congestion avoidance by one
// SMSS per window's worth of acknowledged bytes (the byte counting §3.1
// recommends). The window grows only while the flight (inPipe bytes when
// the ACK came) used it, as RFC 7661 asks: a sender held back by
// Options.Window or by a slow application has not shown that the network
// can take more.
func (e *Endpoint) growCwnd(c *conn, acked, inPipe int) {
	if !e.opts.CongestionControl || acked == 0 {
		return
	}
	s := &c.snd
	smss := e.opts.smss()
	if s.cwnd < s.ssthresh {
		if 2*inPipe >= s.cwnd {
			s.cwnd += min(acked, smss)
		}
		return
	}
	if inPipe+smss < s.cwnd {
		return
	}
	s.caAcked += acked
	if t := e.caThreshold(c); s.caAcked >= t {
		s.caAcked -= t
		s.cwnd += smss
	}
}

// probeOnAck ends a tail loss probe's episode (RFC 8985 §7.4): once the
// probe is acknowledged, a resent segment that the receiver did not report
// as a duplicate repaired a loss, which calls for the congestion response
// fast recovery would have made.
func (e *Endpoint) probeOnAck(c *conn, a uint32, dsack bool) {
	s := &c.snd
	t := &s.tlp
	if !t.active {
		return
	}
	switch {
	case t.retrans && t.dsacked:
		t.active = false
	case seqGEQ(a, t.end):
		t.active = false
		if t.retrans && e.opts.CongestionControl {
			s.ssthresh = e.lossThreshold(c, "window", s.cwnd)
			s.cwnd, s.caAcked = s.ssthresh, 0
			e.tracef("the tail loss probe to %s repaired a loss", e.name(c.peer))
		}
	}
}

// reportRTO tells the Observer the RTO if it changed.
func (e *Endpoint) reportRTO(c *conn) {
	if r := c.rto(&e.opts); r != c.snd.lastRTO {
		c.snd.lastRTO = r
		e.obs.RTO(e.env.Now(), c.peer, r)
	}
}

// reportCongestion tells the Observer and the trace the congestion window
// and ssthresh if either changed.
func (e *Endpoint) reportCongestion(c *conn, why string) {
	s := &c.snd
	if !e.opts.CongestionControl {
		return
	}
	ss := s.reportedSsthresh()
	if s.cwnd == s.lastCwnd && ss == s.lastSsthresh {
		return
	}
	s.lastCwnd, s.lastSsthresh = s.cwnd, ss
	e.obs.Congestion(e.env.Now(), c.peer, s.cwnd, ss)
	if ss == 0 {
		e.tracef("cwnd %d to %s (%s)", s.cwnd, e.name(c.peer), why)
	} else {
		e.tracef("cwnd %d, ssthresh %d to %s (%s)", s.cwnd, ss, e.name(c.peer), why)
	}
}
