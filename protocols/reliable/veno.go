// The congestion controllers: which congestion response a loss calls for.
// Reno's is RFC 5681's; Veno's tells a random loss from a congestive one
// by the backlog the round-trip times show.

package reliable

import (
	"fmt"
	"math/bits"
	"time"
)

// Algorithm is the congestion controller of Options.Congestion, used when
// Options.CongestionControl is on.
type Algorithm uint8

const (
	// Reno is RFC 5681's congestion control: every loss is congestion.
	// Fast recovery halves the window (equation 4) and a retransmission
	// timeout leaves one segment (the loss window, §3.1).
	Reno Algorithm = iota
	// Veno is TCP Veno (C. P. Fu and S. C. Liew, "TCP Veno: TCP
	// enhancement for transmission over wireless access networks", IEEE
	// JSAC 21(2), 2003): Reno, except that the sender estimates from the
	// round-trip times how many of its own segments wait in queues, the
	// backlog N of TCP Vegas (Brakmo and Peterson, IEEE JSAC 13(8), 1995):
	//
	//	N = cwnd · (RTT − BaseRTT) / RTT
	//
	// with BaseRTT the least round trip seen and RTT the least of the last
	// round. A loss with N below β = 3 segments found no queue of ours,
	// so it is taken as random (a bit error, a lossy link): the window is
	// cut by a fifth only. With N at β or more, queues are building and the
	// loss is congestion: the window is halved, as Reno's. In congestion
	// avoidance, a sender whose backlog reached β grows by one segment
	// every other round trip instead of every one (§III of the paper).
	//
	// The simulator applies the same test to a retransmission timeout,
	// where the paper keeps Reno's response: after a random loss the
	// timeout's loss window would be a single segment, whose retransmission
	// (or its ACK) heavy random loss destroys as often as not, each time
	// doubling the RTO (RFC 6298 (5.5)): at 30% loss each way the expected
	// wait of such a timeout grows without bound. So when the backlog said
	// no queue of ours was building, the first timeout of a stall resends
	// at the window of a random loss, four fifths of the flight; a second
	// timeout in a row, or one with a backlog at β, falls to one segment as
	// Reno's does, but a lone retransmission goes twice when the loss was
	// random or when it is the second timeout in a row (Endpoint.secondCopy).
	// Behind a full drop-tail queue the round trips grow with
	// the queue, the backlog passes β, and Veno backs off as Reno does: the
	// lecture's overload lesson holds (scenario congestion_collapse).
	Veno
)

// venoBeta is Veno's β, in segments: the backlog from which a loss is
// congestive (Fu and Liew §III.A: β = 3).
const venoBeta = 3

// String returns the scenario format's word for a.
func (a Algorithm) String() string {
	switch a {
	case Reno:
		return "reno"
	case Veno:
		return "veno"
	}
	return fmt.Sprintf("Algorithm(%d)", uint8(a))
}

// ParseAlgorithm returns the controller named "reno" or "veno", the words
// of the scenario format.
func ParseAlgorithm(s string) (Algorithm, error) {
	switch s {
	case "reno":
		return Reno, nil
	case "veno":
		return Veno, nil
	}
	return 0, fmt.Errorf("%w: congestion control %q: want reno or veno", ErrOptions, s)
}

// venoState is what Veno measures on a connection.
type venoState struct {
	// baseRTT is the least round trip seen (0: none yet), roundMin the
	// least of the current round (0: none yet). A round ends when the
	// segment that was next to be sent at its start is acknowledged.
	baseRTT, roundMin time.Duration
	roundEnd          uint32
	roundSet          bool
	// measured says a round ended with a sample; backlogMilli is then the
	// backlog N of that round in thousandths of a segment (for the trace),
	// and congestive says it reached β.
	measured     bool
	backlogMilli int64
	congestive   bool
}

// veno says whether c runs Veno.
func (e *Endpoint) veno() bool {
	return e.opts.CongestionControl && e.opts.Congestion == Veno
}

// venoSample takes the round trip of a segment sent once and just
// delivered (cumulatively acknowledged or SACKed): unambiguous, unlike
// one resent.
func (e *Endpoint) venoSample(c *conn, rtt time.Duration) {
	v := &c.snd.veno
	if !e.veno() || rtt <= 0 {
		return
	}
	if v.baseRTT == 0 || rtt < v.baseRTT {
		v.baseRTT = rtt
	}
	if v.roundMin == 0 || rtt < v.roundMin {
		v.roundMin = rtt
	}
}

// venoRound ends Veno's round when the ACKs pass its end: the least round
// trip of the round gives the backlog N, for the window it had.
func (e *Endpoint) venoRound(c *conn) {
	s := &c.snd
	v := &s.veno
	if !e.veno() {
		return
	}
	if v.roundSet && seqLT(s.una, v.roundEnd) {
		return
	}
	if v.roundSet && v.roundMin > 0 {
		// N ≥ β ⇔ cwnd·(RTT − BaseRTT) ≥ β·SMSS·RTT, compared exactly in
		// 128 bits: a window of a million segments times an hour
		// overflows 64.
		q := uint64(v.roundMin - v.baseRTT)
		hi1, lo1 := bits.Mul64(uint64(s.cwnd), q)
		hi2, lo2 := bits.Mul64(uint64(venoBeta*e.opts.smss()), uint64(v.roundMin))
		v.measured = true
		v.congestive = hi1 > hi2 || hi1 == hi2 && lo1 >= lo2
		v.backlogMilli = int64(float64(s.cwnd) / float64(e.opts.smss()) * float64(q) / float64(v.roundMin) * 1000)
	}
	v.roundMin, v.roundEnd, v.roundSet = 0, s.nxt, true
}

// randomLoss says whether the controller takes the loss just found as
// random rather than congestive: never with Reno; with Veno, when the
// last round's backlog was below β, or, before any round was measured,
// when the window is below β segments (N ≤ cwnd < β).
func (e *Endpoint) randomLoss(c *conn) bool {
	s := &c.snd
	switch {
	case !e.veno():
		return false
	case !s.veno.measured:
		return s.cwnd < venoBeta*e.opts.smss()
	}
	return !s.veno.congestive
}

// lossThreshold is the slow-start threshold after a loss of base bytes of
// window (the flight, or the window for a tail loss probe): half of it,
// RFC 5681's equation (4), or four fifths if the loss is random (Veno);
// at least two segments either way.
func (e *Endpoint) lossThreshold(c *conn, base string, bytes int) int {
	t := bytes / 2
	if e.randomLoss(c) {
		t = bytes / 5 * 4
	}
	if e.veno() {
		e.tracef("veno: %s", e.venoVerdict(c, base))
	}
	return max(t, 2*e.opts.smss())
}

// venoVerdict says, for the trace, what Veno made of a loss.
func (e *Endpoint) venoVerdict(c *conn, base string) string {
	v := &c.snd.veno
	switch {
	case !v.measured:
		return fmt.Sprintf("no round measured yet: congestive loss, %s halved", base)
	case v.congestive:
		return fmt.Sprintf("backlog %.1f segments: congestive loss, %s halved", float64(v.backlogMilli)/1000, base)
	}
	return fmt.Sprintf("backlog %.1f segments: random loss, %s cut by a fifth", float64(v.backlogMilli)/1000, base)
}

// timeoutWindow is the congestion response to a retransmission timeout,
// and says whether the loss was taken as random. RFC 5681 §3.1: ssthresh
// from the flight (equation 4) on the first timeout of a stall only, and
// a loss window of one segment. With Veno, after a random loss, ssthresh
// is four fifths of the flight and the window restarts from it (see Veno).
func (e *Endpoint) timeoutWindow(c *conn) bool {
	s := &c.snd
	random := e.randomLoss(c)
	if s.retries == 1 {
		s.ssthresh = e.lossThreshold(c, "flight", s.flight())
	}
	s.cwnd, s.caAcked = e.opts.smss(), 0
	if random {
		s.cwnd = s.ssthresh
	}
	return random
}

// secondCopy sends a second copy of the segment a timeout resent, when
// nothing else could go with it and, with Veno, either the loss was taken
// as random (repeat false: while the window of a random loss has room for
// it) or the timeout is the second or later in a row (repeat true). A lone
// retransmission that heavy random loss destroys (or whose ACK it
// destroys) costs a doubled RTO each time, and at 30% loss each way that
// happens to one in two: the expected wait grows without bound, and a hole
// at the tail of a stream, with nothing left to send after it that RACK
// could use (RFC 8985 §6.2), waits out every doubling. Two copies fail
// together one time in four. QUIC's probe timeout answers the same
// problem so (RFC 9002 §6.2.4: a sender "MAY send up to two full-sized
// datagrams ... to avoid an expensive consecutive PTO expiration due to a
// single lost datagram", on every expiry and whatever the congestion
// window). The RTO still doubles at every expiry (RFC 6298 (5.5)): a
// sender that has backed off sends two segments per RTO instead of one.
// Reno keeps RFC 5681's single segment.
func (e *Endpoint) secondCopy(c *conn, repeat bool) {
	s := &c.snd
	if len(s.segs) == 0 || s.segs[0].kind != kindData || !repeat && s.cwnd < 2*s.segs[0].size() {
		return
	}
	why := "random loss"
	if repeat {
		why = "its last copy was lost"
	}
	e.tracef("timeout: second copy of %s to %s (%s)", e.segName(c, &s.segs[0]), e.name(c.peer), why)
	e.retransmit(c, 0, CauseTimeout)
}

// caThreshold is how many bytes congestion avoidance must see acknowledged
// before it opens the window by one segment: a window's worth (RFC 5681
// §3.1), or two with Veno once its backlog reached β (one segment every
// other round trip).
func (e *Endpoint) caThreshold(c *conn) int {
	s := &c.snd
	if e.veno() && s.veno.measured && s.veno.congestive {
		return 2 * s.cwnd
	}
	return s.cwnd
}
