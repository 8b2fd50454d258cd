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
// Endpoint's own timers use bit 47.
//
// # The sender (RFC 6298 §5)
//
// Per peer, the sender numbers messages, keeps the unacknowledged ones in
// order and sends at most Options.Window of them before an ACK (1 is
// stop-and-wait). One retransmission timer per connection: (5.1) sending a
// segment starts it if it is not running; (5.2) it stops when everything is
// acknowledged; (5.3) an ACK of new data restarts it; on expiry (5.4) only
// the earliest unacknowledged segment is retransmitted (not go-back-N: the
// receiver buffers the rest), (5.5) the RTO doubles up to MaxRTO and (5.6)
// the timer restarts. Karn's rule (§3): one segment at a time is timed, and
// a segment that was retransmitted yields no RTT sample; the first sample
// after a backoff collapses the RTO again. After Options.MaxRetries
// retransmissions without an ACK of new data, the next expiry fails the
// connection with ErrTimeout (0: never).
//
// # Wire format
//
// Every segment is a 20-byte header, big-endian, then the payload of a DATA
// segment:
//
//	 0      1      2      4          8          12         16         20
//	+------+------+------+----------+----------+----------+----------+------
//	| type |flags | rsvd |  SrcInc  |  DstInc  |   Seq    |   Ack    | data
//	+------+------+------+----------+----------+----------+----------+------
//
//	type    1 DATA, 2 ACK, 3 RST
//	flags   bit 0 FIRST: the first DATA segment of a stream (others zero)
//	rsvd    two zero bytes
//	SrcInc  the sender's incarnation (sim.Env.Incarnation)
//	DstInc  the receiver's incarnation as the sender believes it, or
//	        0xFFFFFFFF (UnknownIncarnation) before it has heard from it
//	Seq     DATA: the message's sequence number; RST: the Seq of the DATA
//	        it answers; ACK: 0
//	Ack     ACK: N, the next sequence number expected; otherwise 0
//
// Segments are labelled "DATA 7", "ACK 8" and "RST" in the trace. An ACK
// answers every DATA, duplicates included, and goes out after the messages
// it covers were handed to the upper layer. ParseSegment rejects anything
// else, so each segment has one encoding.
//
// # Streams, crashes and incarnations
//
// All connection state is volatile. A crash loses it; the restarted node
// builds a fresh Endpoint, whose env reports the next incarnation, and
// starts numbering at 1 again. Each direction of a connection is a stream:
// a run of sequence numbers that begins with a DATA segment flagged FIRST.
// Until that segment is acknowledged no other is sent, so that nothing but
// a FIRST segment can reach a receiver that has no state for the stream
// (TCP's SYN does the same). After a failed stream the next message starts
// a new stream, numbered on from where the old one stopped, so that old and
// new segments cannot be confused within one incarnation. The rules, in the
// order a receiving Endpoint applies them:
//
//  1. A segment whose DstInc is neither UnknownIncarnation nor this node's
//     incarnation was meant for an earlier life of this node. It is dropped,
//     counted in Stats.RejectedOld and traced; a DATA segment is answered
//     with RST, so that its sender learns at once that its stream died.
//  2. A segment whose SrcInc is lower than the peer's incarnation last
//     heard is a ghost of the peer's earlier life: dropped, counted and
//     traced, unanswered.
//  3. A segment whose SrcInc is higher means the peer crashed and
//     restarted. The receiving half for it is forgotten; the sending half
//     fails with ErrPeerRestarted if anything was outstanding, and is
//     closed in any case, since the new life has no state for it. Then the
//     segment is processed.
//  4. A DATA segment for which there is no receiving state and which is not
//     FIRST is answered with RST.
//  5. A FIRST segment numbered after the current stream's start begins a
//     new stream from the same life of the peer: N moves to it, and
//     buffered messages before it are discarded (their sender gave up on
//     them and told its application).
//  6. A RST that answers an outstanding DATA segment fails the sending half
//     with ErrReset; any other RST is ignored.
//
// A peer that is down cannot answer at all: the sender cannot tell its
// crash from loss and keeps retransmitting with backoff until MaxRetries,
// then fails with ErrTimeout. With MaxRetries 0 it retransmits until the
// peer is back, whose new life answers the stale segments with RST (rule 1)
// and so fails the stream with ErrPeerRestarted (rule 3).
//
// Crashes weaken exactly-once to at-most-once per stream, and not across a
// restart: a FIRST segment sent before anything was heard from the peer
// carries DstInc = UnknownIncarnation, so if the peer delivered it, lost the
// ACK in a crash and restarted, a retransmission is delivered again to the
// new life. Exactly-once across crashes needs stable storage, which the
// lecture reserves for RPC and file systems.
//
// # Heavy loss
//
// By default losses are repaired only by the retransmission timer: one
// segment, the earliest unacknowledged, per expiry, and every expiry doubles
// the RTO (no selective ACK; fast retransmit on the third duplicate ACK,
// RFC 5681, only with Options.FastRetransmit).
// Since a timeout also stops the RTT timing (Karn) and a segment sent behind
// a hole is acknowledged only after the hole is repaired, heavy loss leaves
// the estimator without samples and the RTO climbs to MaxRTO: at 30% loss in
// both directions a window of 8 crawls, one message every few tens of
// seconds (scenario heavy_loss compares it with fast retransmit). That is the lecture's "for each missing ack, wait longer between
// retries" taken to its end, and what TCP without fast retransmit does. An
// immediate retransmission on partial ACKs (RFC 6582) was tried and backed
// out: it barely helped, and with a fixed timeout shorter than the round
// trip it tripled the needless resends, since every ACK of a slow original
// looks partial.
//
// # Observability
//
// Endpoint.Stats and Endpoint.Total count segments, retransmissions,
// deliveries, suppressed duplicates, buffered out-of-order segments and
// rejected ghosts; an Observer sees every RTT sample, retransmission and
// RTO change; and the Endpoint notes timeouts, suppressions, buffering,
// rejections and failures in the trace under the label "reliable".
package reliable
