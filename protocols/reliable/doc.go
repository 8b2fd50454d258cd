// Package reliable implements the lecture's reliable messages, a TCP-like
// transport: slides "Reliable Messages: Layering strategy", "Technique #1:
// ACK", "Technique #2: Timeout", "Lost ACK: Issue 1" and "Issue 2",
// "Technique #3: Receiver Remembers Messages", "Solutions" and "TCP".
//
// The lecture builds reliable, logical connections over unreliable ones out
// of three techniques, and each is a part of Endpoint:
//
//   - Acknowledgment: the receiver answers every DATA segment with a
//     cumulative ACK N, meaning "I have every message before N".
//   - Timeout: the sender retransmits what is not acknowledged. The lecture
//     asks how long to wait and answers "be adaptive: adjust time based on
//     how long acks usually take; for each missing ack, wait longer between
//     retries". That is RFC 6298, implemented by Estimator (rto.go):
//     Options.RTO = Adaptive. Options.RTO = Fixed waits a constant time.
//   - Sequence numbers: "senders give each message an increasing unique seq
//     number; receiver knows it has seen all messages before N; receiver
//     remembers messages received after N. Suppose message K is received.
//     Suppress message if K < N or Msg K is already buffered." Messages are
//     buffered so that they are delivered in order, as TCP does.
//
// The result is delivery to the peer's upper layer exactly once and in
// order, as long as neither end crashes and the connection does not fail.
// When it fails, the upper layer learns which messages were not
// acknowledged, and those may or may not have arrived: "No ACK: message may
// or may not have been received". No protocol can do better (the Two
// Generals).
//
// # Layering
//
// An Endpoint is a sim.Handler driven by a sim.Env, normally a udp port env,
// and it offers a sim.Env to the layer above: that env's Send(to, msg)
// queues msg on the connection to node to, for delivery to the upper
// handler on the same port there. Timer and disk-write tags of the upper
// layer pass through unchanged but must be below 1<<UpperTagBits; the
// Endpoint's own timers use bit 47 (a stack.Mux of two owners).
//
// # The sender
//
// Per peer, the sender numbers messages, keeps the unacknowledged ones in
// order and sends at most Options.Window of them before an ACK (1 is
// stop-and-wait). Every mechanism below is an Option; DefaultOptions turns
// them all on, which is what a modern TCP does, and the zero Options keep
// the lecture's plain transport: losses repaired by the timer alone.
//
// The retransmission timer (RFC 6298 §5), one per connection: (5.1)
// sending a segment starts it if it is not running; (5.2) it stops when
// everything is acknowledged; (5.3) an ACK of new data restarts it; on
// expiry (5.4) the earliest unacknowledged segment is retransmitted, (5.5)
// the RTO doubles up to MaxRTO and (5.6) the timer restarts. The lecture's
// transport resends only that segment (not go-back-N: the receiver buffers
// the rest). After Options.MaxRetries retransmissions without an ACK of new
// data, the next expiry fails the connection with ErrTimeout (0: never).
//
// RTT samples. Without timestamps, Karn's rule (§3): one segment at a time
// is timed, and a segment that was retransmitted yields no sample; the
// first sample after a backoff collapses the RTO again. With
// Options.Timestamps (RFC 7323) every DATA segment carries the sender's
// clock and every ACK echoes the clock of the segment that last arrived in
// order, so every ACK of new data is a sample, retransmissions included,
// and the first ACK after a timeout collapses the backoff. Those samples
// are weighted by the flight, as RFC 7323 Appendix G suggests
// (Estimator.SampleScaled).
//
// Selective acknowledgment (Options.SACK, RFC 2018): the receiver reports
// in each ACK the blocks of messages it holds beyond a hole, the most
// recent first, and a duplicate it received (D-SACK, RFC 2883); the sender
// keeps a scoreboard and never resends what the receiver holds.
//
// Fast retransmit and fast recovery (Options.FastRetransmit, RFC 5681
// §3.2): the receiver answers every segment after a hole at once with the
// same ACK. With SACK, a hole with three segments SACKed above it is lost
// (RFC 6675's IsLost); recovery halves the window, resends the holes as
// the pipe (what is still in the network) drains, sends new data when
// there are none, and ends when everything sent before it is acknowledged.
// Without SACK it is NewReno (RFC 6582): the third duplicate ACK resends
// the first hole, each partial ACK the next. After a timeout, every
// segment not known to have arrived is presumed lost and resent as the
// window opens again (RFC 6675 §5.1; without SACK that is go-back-N).
//
// RACK-TLP (Options.RACK, RFC 8985): a segment is lost when one sent after
// it was delivered a reordering window ago, which also finds a lost
// retransmission, which duplicate ACKs cannot; and when nothing has been
// acknowledged for two smoothed round trips a tail loss probe resends the
// last segment (or sends a new one), so that its ACK starts recovery long
// before the RTO would.
//
// Congestion control (Options.CongestionControl, RFC 5681 §3.1): the bytes
// in flight are limited by a congestion window that starts at ten
// segments (RFC 6928), grows by slow start up to ssthresh and by congestion
// avoidance beyond, is halved on entering fast recovery and falls to one
// segment (Options.SMSS bytes) after a timeout. A message is never split:
// one message is always allowed in flight, and small ones share a segment's
// worth of window, as TCP's byte-counted window lets them. The controller
// (Options.Congestion, veno.go) decides what a loss costs: Reno halves the
// window at every loss; Veno (Fu and Liew, IEEE JSAC 2003), the default,
// estimates from the round trips how many of its segments wait in queues
// and cuts the window by a fifth only when none do (a random loss), as
// on a lossy link; behind a full drop-tail queue it halves as Reno does.
//
// # Wire format
//
// Every segment starts with a 16-byte base header, big-endian; the fields
// that follow depend on the type, in the order TSval, Ack, Window, TSecr,
// SACK blocks, message:
//
//	 0      1      2      3      4          8          12         16
//	+------+------+------+------+----------+----------+----------+
//	| type |flags |nsack | rsvd |  SrcInc  |  DstInc  |   Seq    |
//	+------+------+------+------+----------+----------+----------+
//
//	DATA     TSval, the message         (20 bytes of header, like TCP's)
//	ACK      Ack, Window, TSecr, nsack × (Left, Right)
//	SYN      TSval, Window
//	SYN-ACK  TSval, Ack, Window, TSecr
//	FIN      TSval
//	PROBE    TSval
//	RST      four zero bytes
//
//	type    1 DATA, 2 ACK, 3 RST, 4 SYN, 5 SYN-ACK, 6 FIN, 7 PROBE
//	flags   bit 1 TS: the timestamps are set (RFC 7323); on a SYN it offers
//	        them, on a SYN-ACK it accepts them. Bit 2 SACKOK (SYN and
//	        SYN-ACK): SACK is offered or accepted (RFC 2018)
//	nsack   the SACK blocks of an ACK, at most 4 (3 with TS, as in TCP)
//	SrcInc  the sender's incarnation (sim.Env.Incarnation)
//	DstInc  the receiver's incarnation as the sender believes it, or
//	        0xFFFFFFFF (UnknownIncarnation) before it has heard from it
//	Seq     DATA, FIN: the segment's sequence number; SYN, SYN-ACK: the
//	        initial sequence number; PROBE: the next sequence number; RST:
//	        the Seq of the segment it answers; ACK: 0
//	Ack     N, the next sequence number expected
//	Window  the bytes the sender of the segment can still buffer
//
// The trace and the diagrams count sequence numbers from the connection's
// initial ones, so that the first message is "DATA 1" and its ACK "ACK 2"
// whatever the ISN; the labels are "SYN", "SYN-ACK", "DATA 7", "ACK 8",
// "ACK 8 SACK 10-12 14", "ACK 8 DSACK 5", "ACK 8 win 0", "FIN 9", "PROBE"
// and "RST". Every DATA is answered by one ACK, duplicates included, sent
// after the messages it covers were handed to the upper layer.
// ParseSegment rejects anything else, so each segment has one encoding.
//
// # Connections (RFC 9293 §3.5-3.6)
//
// One connection per peer carries both directions. The first message to a
// peer opens it with a three-way handshake: a SYN with an initial sequence
// number drawn from the node's random stream (Options.ISN fixes it), a
// SYN-ACK with the peer's, then the ACK and the data. The SYN is timed and
// retransmitted like data: lost, it costs the initial RTO of RFC 6298
// (2.1), 1 s, doubled at each loss. A SYN sent more than once gives no
// RTT sample, timestamps or not (Karn's rule, RFC 6298 §3: the answer may
// be a SYN-ACK the peer resent on its own timer), and (5.7) such a
// connection starts with an RTO of 3 s until the first ACK of data gives
// a sample. Both ends may open
// at once; the SYNs cross and become SYN-ACKs (a simultaneous open). A
// lost third leg is made up for by the DATA behind it.
//
// Close (the upper layer's env is a Closer) closes this node's direction
// once every queued message is out: a FIN takes the next sequence number,
// the peer reads everything before it and then the end of the stream
// (PeerCloser), and may go on sending: a half-close. When both FINs are
// acknowledged, the side that closed first waits in TIME_WAIT
// (Options.TimeWait, 60 s) to answer a copy of the peer's FIN whose ACK
// was lost; the other is closed. A message sent after Close opens a new
// connection once the old one is over; if the peer has not closed its
// direction within Options.FinTimeout (from our FIN, or from the message
// if later), it fails with ErrClosing, as do later sends until the peer
// closes (RFC 9293 §3.10.2, Linux's tcp_fin_timeout).
//
// Flow control (Options.RecvBuffer): every ACK advertises the free part of
// the receiver's buffer as its window, and the sender sends no message
// beyond it. An application that reads slowly (Options.ConsumeRate) fills
// the buffer and shuts the window; the sender then sends only zero-window
// probes (PROBE) on the persist timer, backed off like the RTO, and the
// receiver sends a window update when reading has freed half the buffer or
// a segment (it never opens the window by less: silly window syndrome). A
// message larger than the buffer goes when the buffer is empty. What the
// application has not read outlives the connection: only a crash loses
// it.
//
// # Crashes and incarnations
//
// All connection state is volatile. A crash loses it; the restarted node
// builds a fresh Endpoint, whose env reports the next incarnation. Every
// segment carries both incarnations, which stands in for TCP's quiet time
// after a crash. The rules, in the order a receiving Endpoint applies
// them:
//
//  1. A segment whose DstInc is neither UnknownIncarnation nor this node's
//     incarnation was meant for an earlier life of this node. It is dropped,
//     counted in Stats.RejectedOld and traced; anything but an ACK or RST
//     is answered with RST, so that its sender learns at once that its
//     connection died.
//  2. A segment whose SrcInc is lower than the peer's incarnation last
//     heard is a ghost of the peer's earlier life: dropped, counted and
//     traced, unanswered.
//  3. A segment whose SrcInc is higher means the peer crashed and
//     restarted. The connection with its old life is over: it fails with
//     ErrPeerRestarted if messages were unacknowledged or waiting, and is
//     forgotten in any case. Then the segment is processed (a SYN opens a
//     connection with the new life).
//  4. A DATA, FIN, PROBE or SYN-ACK for which there is no connection is
//     answered with RST; a SYN from the same life of the peer with a new
//     ISN replaces the connection (the peer gave up on it).
//  5. A RST that answers a segment in flight fails the connection with
//     ErrReset (a RST that answers the SYN: the connection was refused);
//     once both directions are closed it just ends the connection; any
//     other RST is ignored.
//
// A peer that is down cannot answer at all: the sender cannot tell its
// crash from loss and keeps retransmitting with backoff until MaxRetries,
// then fails with ErrTimeout. With MaxRetries 0 it retransmits until the
// peer is back, whose new life answers the stale segments with RST (rule
// 1) and so fails the connection with ErrPeerRestarted (rule 3). Either
// way the space-time diagram shows the peer's reaction: the RST, or the
// backed-off retransmissions and the timeout.
//
// Crashes weaken exactly-once to at-most-once per connection, and not
// across a restart: a SYN sent before anything was heard from the peer
// carries DstInc = UnknownIncarnation, so if the peer delivered data, lost
// the ACK in a crash and restarted, the application's resend reaches the
// new life. Exactly-once across crashes needs stable storage, which the
// lecture reserves for RPC and file systems.
//
// # Heavy loss
//
// The lecture's transport repairs losses only by its timer: one segment,
// the earliest unacknowledged, per expiry, and every expiry doubles the RTO.
// Since a timeout also stops the RTT timing (Karn) and a segment sent behind
// a hole is acknowledged only after the hole is repaired, heavy loss leaves
// the estimator without samples and the RTO climbs to MaxRTO: at 20% loss
// in both directions 200 messages took half an hour. That is the lecture's
// "for each missing ack, wait longer between retries" taken to its end, and
// what TCP did before RFC 1323 and RFC 2018. With the defaults, timestamps
// collapse the backoff at the first ACK, SACK and RACK repair holes within
// a round trip, and timeouts become rare (scenario heavy_loss, figure d).
// What remains is the connection's SYN: before any sample the RTO is
// RFC 6298's 1 s, doubled at each loss, so a SYN (or its SYN-ACK) lost
// four times in a row costs 15 s, as it does in any TCP.
//
// # Observability
//
// Endpoint.Stats and Endpoint.Total count segments, retransmissions (by
// cause), timeouts, probes, recoveries, deliveries, suppressed duplicates,
// buffered out-of-order segments and rejected ghosts; an Observer sees
// every RTT sample, retransmission, RTO change and congestion window; and
// the Endpoint notes timeouts, fast retransmits, probes, the congestion
// window and ssthresh, suppressions, buffering, rejections and failures in
// the trace under the label "reliable".
package reliable
