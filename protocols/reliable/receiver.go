// The receiving half of a connection: the lecture's "receiver remembers
// messages", cumulative and selective ACKs, timestamp echoes.

package reliable

import (
	"cmp"
	"slices"
)

// receiver is the receiving half of a connection.
type receiver struct {
	open  bool
	start uint32            // first sequence number of the peer's stream
	next  uint32            // the lecture's N: every message before it was delivered
	buf   map[uint32][]byte // out of order, all after next; looked up only

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

// sackRun is one block of buffered messages, [left, right).
type sackRun struct {
	left, right uint32
	touched     uint64
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
	case seg.First && seqLT(r.start, k):
		// Rule 5: a new stream from the same life of the peer, whose
		// previous stream failed. Its numbers continue the old ones, so
		// whatever is buffered from k on belongs to it and stays.
		e.tracef("new stream from %s at %d", e.name(c.peer), k)
		for q := range r.buf { // deleting: the order does not matter
			if seqLT(q, k) {
				delete(r.buf, q)
			}
		}
		r.dropBlocksBefore(k)
		r.start, r.next = k, k
	}
	// RFC 7323 §4.3 (2): remember the timestamp of a segment at or before
	// the left edge of the window, if it is not older than the one kept.
	// A segment after a hole does not count, so the duplicate ACKs it
	// draws echo the time of the last segment that arrived in order, and
	// the sender measures no round trip shorter than the one it caused.
	if seg.TS && seqLEQ(k, r.next) && (!r.tsRecentSet || tsGEQ(seg.TSval, r.tsRecent)) {
		r.tsRecent, r.tsRecentSet = seg.TSval, true
	}
	var dsack *SACKBlock
	switch _, buffered := r.buf[k]; {
	case seqLT(k, r.next):
		c.st.Duplicates++
		dsack = &SACKBlock{k, k + 1}
		e.tracef("suppress DATA %d from %s: %d < N = %d", k, e.name(c.peer), k, r.next)
	case buffered:
		c.st.Duplicates++
		dsack = &SACKBlock{k, k + 1}
		r.touch(k)
		e.tracef("suppress DATA %d from %s: already buffered", k, e.name(c.peer))
	case seqGEQ(k, r.next+MaxWindow):
		// Beyond any window a valid sender can have open: a corrupted
		// or forged number. Buffering it would hold memory forever.
		e.tracef("drop DATA %d from %s: beyond the window at N = %d", k, e.name(c.peer), r.next)
	case k != r.next:
		c.st.OutOfOrder++
		r.buf[k] = seg.Payload
		r.insert(k)
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
		r.dropBlocksBefore(r.next)
	}
	// Every DATA is answered at once, duplicates included: a duplicate
	// usually means the ACK was lost, and a segment after a hole must be
	// answered at once for fast retransmit (RFC 5681 §4.2).
	e.sendAck(c, seg.TS, dsack)
}

// sendAck sends the receiver's ACK: N, the SACK blocks (with a D-SACK
// first if dsack is set), and the timestamp echo if the peer sends
// timestamps.
func (e *Endpoint) sendAck(c *conn, ts bool, dsack *SACKBlock) {
	r := &c.rcv
	ack := Segment{Type: Ack, SrcInc: e.inc, DstInc: c.peerInc, Ack: r.next, Window: ^uint32(0)}
	if ts && r.tsRecentSet {
		ack.TS, ack.TSecr = true, r.tsRecent
	}
	if e.opts.SACK {
		ack.SACK = r.sackBlocks(dsack, ts)
	}
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

// dropBlocksBefore forgets the blocks below n (delivered, or of an old
// stream).
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
