// The receiving half of a connection: the lecture's "receiver remembers
// messages", cumulative and selective ACKs, timestamp echoes, the receive
// window and the application that reads from it.

package reliable

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// receiver is the receiving half of a connection.
type receiver struct {
	// synced says the peer's SYN arrived: irs is its initial sequence
	// number.
	synced bool
	irs    uint32
	next   uint32            // the lecture's N: every message before it arrived in order
	buf    map[uint32][]byte // out of order, all after next; looked up only
	// bufBytes counts the bytes of buf.
	bufBytes int

	// lastWnd is the window the last ACK advertised.
	lastWnd uint32

	// The peer's FIN: its sequence number once it arrived, and whether
	// every message before it did too (finDone).
	finSeq           uint32
	finRcvd, finDone bool

	// blocks are the runs of buffered messages, in sequence order,
	// disjoint and not adjacent, for the SACK option (RFC 2018). touched
	// orders them by the last arrival in each, so that the most recent
	// come first.
	blocks  []sackRun
	touches uint64

	// tsRecent is the timestamp to echo (RFC 7323 §4.3): the TSval of the
	// latest segment that arrived at the left edge of the window. It is
	// set once a segment carried a timestamp.
	tsRecent    uint32
	tsRecentSet bool
}

// inbox holds what arrived in order and the application has not read yet
// (Options.ConsumeRate): messages, and the end of the peer's stream where
// its FIN came. It fills the receive buffer and closes the window. It
// belongs to the application's side and outlives the connection: what was
// acknowledged is read even after the connection closed or failed; only a
// crash loses it.
type inbox struct {
	items []inboxItem
	bytes int
}

// inboxItem is a message, or (eof) the end of the peer's stream.
type inboxItem struct {
	msg []byte
	eof bool
}

// sackRun is one block of buffered messages, [left, right).
type sackRun struct {
	left, right uint32
	touched     uint64
}

// window returns the receive window to advertise: what is free of the
// receive buffer (RFC 9293 §3.8.6), or all of 32 bits without a limit.
// Messages buffered out of order lie inside the window and do not close
// it; messages the application has not read do. A window that is shut
// opens only by the lesser of half the buffer and a segment (RFC 9293
// §3.8.6.2.2): below that it stays 0, so that the sender is not drawn into
// filling the buffer a sliver at a time (silly window syndrome).
func (e *Endpoint) window(c *conn) uint32 {
	if e.opts.RecvBuffer == 0 {
		return math.MaxUint32
	}
	free := e.opts.RecvBuffer - c.inbox.bytes
	if free < min(e.opts.RecvBuffer/2, e.opts.smss()) {
		return 0
	}
	return uint32(free)
}

// fits says whether a message of size bytes fits the receive buffer: what
// the application has not read and what waits out of order, plus it, at
// most RecvBuffer. The next message in order always fits an empty buffer,
// whatever its size, so that a message larger than the buffer still gets
// through.
func (e *Endpoint) fits(c *conn, k uint32, size int) bool {
	r := &c.rcv
	if e.opts.RecvBuffer == 0 {
		return true
	}
	used := c.inbox.bytes + r.bufBytes
	return used+size <= e.opts.RecvBuffer || used == 0 && k == r.next
}

// onData is the receiver: the lecture's "receiver remembers messages".
func (e *Endpoint) onData(c *conn, seg *Segment) {
	r := &c.rcv
	switch {
	case c.state == SynReceived:
		e.heldInSynReceived(c, seg)
		return
	case !c.state.synchronized() || !r.synced:
		// Rule 4: no connection for this segment.
		e.tracef("no connection for %s from %s: RST", e.labelIn(c, seg), e.name(c.peer))
		e.reset(c, seg)
		return
	}
	k := seg.Seq
	e.noteTS(c, seg)
	label := e.labelIn(c, seg)
	var dsack *SACKBlock
	switch _, buffered := r.buf[k]; {
	case seqLT(k, r.next):
		c.st.Duplicates++
		dsack = &SACKBlock{k, k + 1}
		e.tracef("suppress %s from %s: %d < N = %d", label, e.name(c.peer), k-r.irs, r.next-r.irs)
	case buffered:
		c.st.Duplicates++
		dsack = &SACKBlock{k, k + 1}
		r.touch(k)
		e.tracef("suppress %s from %s: already buffered", label, e.name(c.peer))
	case r.finRcvd && seqGEQ(k, r.finSeq):
		e.tracef("drop %s from %s: after its FIN", label, e.name(c.peer))
	case seqGEQ(k, r.next+MaxWindow):
		// Beyond any window a valid sender can have open: a corrupted
		// or forged number. Buffering it would hold memory forever.
		e.tracef("drop %s from %s: beyond the window at N = %d", label, e.name(c.peer), r.next-r.irs)
	case !e.fits(c, k, len(seg.Payload)):
		// Flow control: the sender should not have sent it. A zero-window
		// probe with data would be, in TCP; here the drop tells it the
		// window, which the ACK carries.
		c.st.Overflows++
		e.tracef("drop %s from %s: the receive buffer is full (%d of %d bytes)", label, e.name(c.peer), c.inbox.bytes+r.bufBytes, e.opts.RecvBuffer)
	case k != r.next:
		c.st.OutOfOrder++
		r.buf[k] = seg.Payload
		r.bufBytes += len(seg.Payload)
		r.insert(k)
		e.tracef("buffer %s from %s: waiting for %d", label, e.name(c.peer), r.next-r.irs)
	default:
		e.inOrder(c, seg.Payload)
		e.deliverHeld(c)
	}
	// Every DATA is answered at once, duplicates included: a duplicate
	// usually means the ACK was lost, and a segment after a hole must be
	// answered at once for fast retransmit (RFC 5681 §4.2).
	e.sendAck(c, seg.TS, dsack)
}

// deliverHeld passes on the buffered messages that follow N without a
// gap, and the FIN after them.
func (e *Endpoint) deliverHeld(c *conn) {
	r := &c.rcv
	for {
		p, ok := r.buf[r.next]
		if !ok {
			break
		}
		delete(r.buf, r.next)
		r.bufBytes -= len(p)
		e.inOrder(c, p)
	}
	r.dropBlocksBefore(r.next)
	e.consumeFIN(c)
}

// heldInSynReceived handles a DATA or FIN that arrives while our SYN-ACK
// is unacknowledged. In TCP every segment after the SYN carries an ACK, so
// such a segment completes the handshake if it acknowledges our SYN-ACK
// and draws a RST if not (RFC 9293 §3.10.7.4). Here DATA and FIN carry no
// acknowledgment, so nothing in them shows they answer this connection's
// SYN-ACK: a late copy of the SYN that opened the previous connection,
// followed by a late copy of its DATA, would look the same, and the DATA
// would be delivered twice (RFC 9293 §3.5, Figure 10, old duplicate SYN).
// So the DATA is held, not delivered, and the SYN-ACK goes again at once:
// a live peer, whose ACK of it was lost, answers with that ACK, and the
// held data follows the handshake; a peer with no such connection answers
// with RST, which ends this one (onRST). A FIN is dropped; its sender
// resends it.
func (e *Endpoint) heldInSynReceived(c *conn, seg *Segment) {
	r := &c.rcv
	k := seg.Seq
	_, held := r.buf[k]
	if seg.Type == Data && !held && seqGEQ(k, r.next) && seqLT(k, r.next+MaxWindow) && e.fits(c, k, len(seg.Payload)) {
		r.buf[k] = seg.Payload
		r.bufBytes += len(seg.Payload)
		r.insert(k)
		e.tracef("hold %s from %s until the handshake completes", e.labelIn(c, seg), e.name(c.peer))
	}
	// Once per burst of the peer's, so that a window of DATA draws one
	// SYN-ACK, not one each: at most once per RTO, or, with timestamps,
	// once per instant the peer sent at (a window sent at once carries
	// one TSval). In this state the peer sends only when its own timer
	// fires, since nothing of ours acknowledges its data: each of its
	// retransmission bursts is a sign that it still waits, and draws a
	// SYN-ACK whatever our RTO has backed off to. Throttled by our RTO
	// alone, a third leg lost twice stalled the stream for tens of
	// seconds at 30% loss while both timers backed off. Not only on the
	// timer's beat either: behind a full queue the answer to the timer's
	// SYN-ACK can meet the peer's own retransmissions there every time,
	// when both timers have backed off to the same cap.
	s := &c.snd
	now := e.env.Now()
	if len(s.segs) == 0 || s.segs[0].kind != kindSYN {
		return
	}
	newBurst := seg.TS && s.synAckAskedTS && tsLT(s.synAckAskedTSval, seg.TSval)
	if s.synAckAsked && now-s.synAckAskedAt < sim.Time(c.rto(&e.opts)) && !newBurst {
		return
	}
	s.synAckAsked, s.synAckAskedAt = true, now
	s.synAckAskedTS, s.synAckAskedTSval = seg.TS, seg.TSval
	g := &s.segs[0]
	if s.timing && s.timedSeq == g.seq {
		s.timing = false // Karn: the ACK may answer either copy
	}
	c.st.Retransmissions++
	e.tracef("resend SYN-ACK to %s: %s came before the handshake's ACK", e.name(c.peer), e.labelIn(c, seg))
	e.emit(c, g)
}

// noteTS is RFC 7323 §4.3 (2): remember the timestamp of a segment at or
// before the left edge of the window (SEG.SEQ <= Last.ACK.sent; this
// receiver acknowledges every segment, so that is N), if it is not older
// than the one kept. A segment after a hole does not count, so the
// duplicate ACKs it draws echo the time of the last segment that arrived
// in order, and the sender measures no round trip shorter than the one it
// caused; a copy of an old segment counts, so that the ACK of a
// retransmission echoes the retransmission.
func (e *Endpoint) noteTS(c *conn, seg *Segment) {
	r := &c.rcv
	k := seg.Seq
	if seg.Type == SYN || seg.Type == SYNACK {
		k = r.irs // the SYN's number, below N
	}
	if seg.TS && seqLEQ(k, r.next) && (!r.tsRecentSet || tsGEQ(seg.TSval, r.tsRecent)) {
		r.tsRecent, r.tsRecentSet = seg.TSval, true
	}
}

// inOrder takes the message numbered r.next: it goes to the application at
// once, or, with a consume rate, to the buffer the application reads from.
func (e *Endpoint) inOrder(c *conn, msg []byte) {
	r := &c.rcv
	// N moves first, so that the state is consistent whatever the upper
	// layer does from inside Receive.
	r.next++
	e.toApp(c, inboxItem{msg: msg})
}

// toApp hands a message, or the end of the peer's stream, to the
// application: at once, or, with a consume rate or while it is still
// reading, through the inbox.
func (e *Endpoint) toApp(c *conn, it inboxItem) {
	in := &c.inbox
	slow := e.opts.ConsumeRate > 0 || e.opts.ConsumeByteRate > 0
	if len(in.items) == 0 && (it.eof || !slow) {
		e.handOver(c, it)
		return
	}
	in.items = append(in.items, it)
	in.bytes += len(it.msg)
	if !c.timers[timerConsume].armed {
		e.setTimer(c, timerConsume, e.readTime(len(in.items[0].msg)))
	}
}

// handOver gives one inbox item to the upper layer.
func (e *Endpoint) handOver(c *conn, it inboxItem) {
	if !it.eof {
		e.deliver(c, it.msg)
		return
	}
	if pc, ok := e.upper.(PeerCloser); ok {
		pc.PeerClosed(c.peer)
	}
}

// readTime is how long the application takes to read a message of size
// bytes: 1/ConsumeRate, or size/ConsumeByteRate, whichever is longer.
func (e *Endpoint) readTime(size int) time.Duration {
	var d float64
	if e.opts.ConsumeRate > 0 {
		d = 1 / e.opts.ConsumeRate
	}
	if e.opts.ConsumeByteRate > 0 {
		d = max(d, float64(size)/e.opts.ConsumeByteRate)
	}
	return time.Duration(math.Round(d * 1e9))
}

// consume is the application reading the oldest unread message. If that
// opens the window by enough, a window update goes out at once (RFC 9293
// §3.8.6.2.2: by the lesser of half the buffer and a segment, so that the
// window does not open in slivers).
func (e *Endpoint) consume(c *conn) {
	in := &c.inbox
	if len(in.items) == 0 {
		return
	}
	it := in.items[0]
	in.items[0] = inboxItem{}
	in.items = in.items[1:]
	in.bytes -= len(it.msg)
	e.handOver(c, it)
	// The end of the stream takes no reading: pass it on with the message
	// before it.
	for len(in.items) > 0 && in.items[0].eof {
		in.items = in.items[1:]
		e.handOver(c, inboxItem{eof: true})
	}
	if len(in.items) > 0 {
		e.setTimer(c, timerConsume, e.readTime(len(in.items[0].msg)))
	}
	r := &c.rcv
	if w := e.window(c); r.synced && e.opts.RecvBuffer > 0 && int64(w)-int64(r.lastWnd) >= int64(min(e.opts.RecvBuffer/2, e.opts.smss())) {
		e.tracef("window update to %s: %d bytes free", e.name(c.peer), w)
		c.st.WindowUpdates++
		e.sendAck(c, c.ts, nil)
	}
}

// sendAck sends the receiver's ACK: N, the window, the SACK blocks (with a
// D-SACK first if dsack is set), and the timestamp echo if the peer sends
// timestamps.
func (e *Endpoint) sendAck(c *conn, ts bool, dsack *SACKBlock) {
	r := &c.rcv
	ack := Segment{Type: Ack, SrcInc: e.inc, DstInc: c.peerInc, Ack: r.next, Window: e.window(c)}
	if ts && c.ts && r.tsRecentSet {
		ack.TS, ack.TSecr = true, r.tsRecent
	}
	if c.sack {
		ack.SACK = r.sackBlocks(dsack, ack.TS)
	}
	r.lastWnd = ack.Window
	c.st.AcksSent++
	e.env.Send(c.peer, ack.Marshal(), e.label(c, &ack))
}

// deliver hands a message to the upper layer.
func (e *Endpoint) deliver(c *conn, msg []byte) {
	c.st.Delivered++
	e.upper.Receive(c.peer, msg)
}

// insert adds buffered message k to the SACK blocks.
func (r *receiver) insert(k uint32) {
	r.touches++
	i, _ := slices.BinarySearchFunc(r.blocks, k, func(b sackRun, k uint32) int {
		switch {
		case seqLT(b.left, k):
			return -1
		case b.left == k:
			return 0
		}
		return 1
	})
	// r.blocks[i-1] starts before k, r.blocks[i] at or after it.
	joinPrev := i > 0 && r.blocks[i-1].right == k
	joinNext := i < len(r.blocks) && r.blocks[i].left == k+1
	switch {
	case joinPrev && joinNext:
		r.blocks[i-1].right = r.blocks[i].right
		r.blocks[i-1].touched = r.touches
		r.blocks = slices.Delete(r.blocks, i, i+1)
	case joinPrev:
		r.blocks[i-1].right = k + 1
		r.blocks[i-1].touched = r.touches
	case joinNext:
		r.blocks[i].left = k
		r.blocks[i].touched = r.touches
	default:
		r.blocks = slices.Insert(r.blocks, i, sackRun{k, k + 1, r.touches})
	}
}

// touch marks the block holding buffered message k as the most recent.
func (r *receiver) touch(k uint32) {
	r.touches++
	for i := range r.blocks {
		if seqIn(k, r.blocks[i].left, r.blocks[i].right) {
			r.blocks[i].touched = r.touches
			return
		}
	}
}

// dropBlocksBefore forgets the blocks below n: delivered.
func (r *receiver) dropBlocksBefore(n uint32) {
	i := 0
	for i < len(r.blocks) && seqLEQ(r.blocks[i].right, n) {
		i++
	}
	r.blocks = r.blocks[i:]
	if len(r.blocks) > 0 && seqLT(r.blocks[0].left, n) {
		r.blocks[0].left = n
	}
}

// sackBlocks returns the SACK blocks of the next ACK: a D-SACK first if
// dsack is set (RFC 2883 §4), then the blocks of buffered messages, the
// one holding the latest arrival first and the rest most recent first
// (RFC 2018 §4), as many as TCP's option space allows next to the
// timestamp option or without it.
func (r *receiver) sackBlocks(dsack *SACKBlock, ts bool) []SACKBlock {
	limit := MaxSACKBlocks
	if ts {
		limit--
	}
	n := len(r.blocks)
	if dsack != nil {
		n++
	}
	if n == 0 {
		return nil
	}
	out := make([]SACKBlock, 0, min(n, limit))
	if dsack != nil {
		out = append(out, *dsack)
	}
	order := make([]int, len(r.blocks))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Compare(r.blocks[b].touched, r.blocks[a].touched)
	})
	for _, i := range order {
		if len(out) == limit {
			break
		}
		out = append(out, SACKBlock{r.blocks[i].left, r.blocks[i].right})
	}
	return out
}

// tsGEQ compares timestamps in serial-number arithmetic (RFC 7323 §5.2).
func tsGEQ(a, b uint32) bool { return int32(a-b) >= 0 }
