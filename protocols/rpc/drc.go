package rpc

import (
	"container/list"
	"fmt"
	"hash/crc32"

	"github.com/sim-lecture/sim/sim"
)

// The duplicate-request cache of an at-most-once server, keyed as BSD's
// nfs_srvcache.c (after Juszczak 1989) and Linux's nfsd key theirs: the
// xid, the procedure, the client's address and a checksum of the
// arguments, which tells a reused xid from a retransmission. Following
// them:
//
//   - a repeat of a call in progress is dropped (the client will
//     retransmit again if the reply is lost);
//   - a repeat of a completed non-idempotent call gets the cached reply;
//   - a repeat of a completed idempotent call runs again: its reply is not
//     kept, unless ServerOptions.CacheAll says so;
//   - the cache holds at most DRCSize replies, least recently used first
//     out; a repeat of an evicted call runs again ("DRCs are frequently
//     not large enough").
//
// With BirrellNelson the cache also keeps, per client node, the
// incarnation it last heard from and the lowest sequence number the client
// may still retransmit (its AckBelow): acknowledged replies leave the cache
// and late copies of acknowledged calls are dropped, as Birrell & Nelson's
// callee discards calls whose sequence number is not greater than the last
// one it saw; a call from an older incarnation is dropped (its caller is
// gone: running it would make an orphan).

// drcKey is the key of a cache entry.
type drcKey struct {
	client           sim.NodeID
	xid              uint32
	prog, vers, proc uint32
	sum              uint32
}

// entryState is where a call stands in the duplicate-request cache.
type entryState uint8

const (
	// inProgress: queued or running; a repeat is dropped.
	inProgress entryState = iota + 1
	// done: the reply is cached; a repeat gets it again.
	done
	// acked: the client acknowledged the reply, which was dropped; the
	// entry remains only so that a late copy of the call (delayed or
	// duplicated by the network) is dropped rather than run again.
	acked
)

// entry is one call in the duplicate-request cache.
type entry struct {
	key   drcKey
	id    CallID
	proc  Proc
	from  sim.NodeID
	state entryState
	task  *task  // while inProgress
	reply []byte // the encoded reply, while done
	elem  *list.Element
	peer  *peer // with BirrellNelson
}

// peer is what a server with BirrellNelson knows of one client node's
// current incarnation. Birrell & Nelson's callee keeps the last sequence
// number of each activity and discards calls not greater; with several
// calls outstanding per client this generalises to low: the highest
// AckBelow the client has sent. Every call below it is finished at the
// client, so a copy of one that arrives late is discarded whether or not
// its entry is still cached.
type peer struct {
	incarnation uint32
	low         uint32
	// entries holds the entries of the incarnation by Seq, in the order
	// the calls arrived; looked up by scanning, never ranged as a map.
	entries []*entry
}

// drc is the cache.
type drc struct {
	entries map[drcKey]*entry // looked up only, never iterated
	// lru holds the *entry of every cached reply, least recently used
	// first.
	lru   *list.List
	peers map[sim.NodeID]*peer // looked up only
}

func newDRC() drc {
	return drc{entries: map[drcKey]*entry{}, lru: list.New(), peers: map[sim.NodeID]*peer{}}
}

// keyOf is the cache key of a call.
func keyOf(from sim.NodeID, m Message) drcKey {
	c := m.Msg.Call
	return drcKey{client: from, xid: m.Msg.XID, prog: c.Prog, vers: c.Vers, proc: c.Proc, sum: crc32.ChecksumIEEE(m.Msg.Body)}
}

// receive handles an arriving call of a registered procedure.
func (d *drc) receive(s *Server, t *task, m Message, pleaseAck bool) {
	var p *peer
	if s.opts.BirrellNelson {
		if p = d.peerOf(m.ID); p == nil {
			s.drop(m.ID, t.call.Proc, "old incarnation")
			return
		}
		if m.HasAck {
			d.advance(p, m.AckBelow)
		}
		if seqBefore(m.ID.Seq, p.low) {
			s.drop(m.ID, t.call.Proc, "acknowledged")
			return
		}
	}
	key := keyOf(t.call.From, m)
	e := d.entries[key]
	switch {
	case e == nil:
		e = &entry{key: key, id: m.ID, proc: t.call.Proc, from: t.call.From, state: inProgress, task: t, peer: p}
		d.entries[key] = e
		if p != nil {
			p.entries = append(p.entries, e)
		}
		t.ent = e
		s.accept(t, pleaseAck)
	case e.state == inProgress:
		// Juszczak's rule: a repeat of a call in progress is dropped.
		// With BirrellNelson it is answered with an ACK if the client
		// asked, so that it stops retransmitting (§3.3).
		s.drop(m.ID, t.call.Proc, "in progress")
		if pleaseAck {
			s.sendAck(e.task)
		}
	case e.state == done:
		d.resend(s, e)
	default: // acked
		s.drop(m.ID, t.call.Proc, "acknowledged")
	}
}

// resend answers a repeat of a completed call with its cached reply.
func (d *drc) resend(s *Server, e *entry) {
	d.lru.MoveToBack(e.elem)
	s.obs.CachedReply(s.env.Now(), s.env.Self(), e.id)
	s.env.Trace("rpc", fmt.Sprintf("%s %s answered from the cache", e.proc, s.name(e.id)))
	s.env.Send(e.from, e.reply, Label(KindReply, e.proc.Name))
}

// complete records the reply of e's call: cached for a non-idempotent
// procedure (or any, with CacheAll), forgotten otherwise.
func (d *drc) complete(s *Server, e *entry, reply []byte) {
	e.task = nil
	switch {
	case d.entries[e.key] != e:
		// The client restarted since: nobody will ask again.
	case e.peer != nil && (d.peers[e.key.client] != e.peer || seqBefore(e.id.Seq, e.peer.low)):
		// The client restarted, or abandoned the call: nobody will ask
		// again.
		d.remove(e)
	case e.proc.Idempotent && !s.opts.CacheAll:
		// Running it again is harmless: keep nothing.
		d.remove(e)
	default:
		e.state, e.reply = done, reply
		e.elem = d.lru.PushBack(e)
		d.evict(s)
	}
}

// evict drops the least recently used replies beyond DRCSize. The call is
// then forgotten entirely, and a late repeat of it runs again: the "DRC too
// small" failure of Juszczak's measurements.
func (d *drc) evict(s *Server) {
	for d.lru.Len() > s.opts.DRCSize {
		e := d.lru.Front().Value.(*entry)
		s.env.Trace("rpc", fmt.Sprintf("%s %s evicted from the cache", e.proc, s.name(e.id)))
		d.remove(e)
	}
}

// forgetReply removes e's reply from the cache, if it holds one.
func (d *drc) forgetReply(e *entry) {
	if e.elem != nil {
		d.lru.Remove(e.elem)
		e.elem = nil
	}
	e.reply = nil
}

// remove deletes e from the cache and from its peer.
func (d *drc) remove(e *entry) {
	d.forgetReply(e)
	if d.entries[e.key] == e {
		delete(d.entries, e.key)
	}
	if p := e.peer; p != nil {
		for i, x := range p.entries {
			if x == e {
				p.entries = append(p.entries[:i], p.entries[i+1:]...)
				break
			}
		}
	}
}

// peerOf returns the state of the client incarnation that sent id, or nil
// if that incarnation is older than one already seen: its node has crashed
// since, nobody waits for the call any more, and running it would only
// create an orphan. A newer incarnation replaces the old one's state.
// Incarnations travel modulo 256 in the xid; "older" compares them in
// serial number arithmetic.
func (d *drc) peerOf(id CallID) *peer {
	p := d.peers[id.Client]
	switch {
	case p != nil && id.Incarnation == p.incarnation:
		return p
	case p != nil && int8(id.Incarnation-p.incarnation) < 0:
		return nil
	}
	if p != nil {
		for _, e := range append([]*entry(nil), p.entries...) {
			d.remove(e)
		}
	}
	p = &peer{incarnation: id.Incarnation, low: 1}
	d.peers[id.Client] = p
	return p
}

// advance raises a peer's low-water mark and forgets the entries below it,
// except those still in progress, which go when they complete.
func (d *drc) advance(p *peer, below uint32) {
	if !seqBefore(p.low, below) {
		return
	}
	p.low = below
	for _, e := range append([]*entry(nil), p.entries...) {
		if e.state != inProgress && seqBefore(e.id.Seq, below) {
			d.remove(e)
		}
	}
}

// ackReply handles a client's explicit ACK of a result.
func (d *drc) ackReply(s *Server, m Message) {
	p := d.peerOf(m.ID)
	if p == nil {
		return
	}
	d.advance(p, m.AckBelow)
	for _, e := range p.entries {
		if e.id.Seq == m.ID.Seq && e.state == done {
			d.forgetReply(e)
			e.state = acked
		}
	}
}

// probe answers a probe at most once: an ACK while the call is held, the
// cached reply once it is done.
func (d *drc) probe(s *Server, m Message) {
	p := d.peers[m.ID.Client]
	if p == nil || p.incarnation != m.ID.Incarnation {
		return
	}
	for _, e := range p.entries {
		if e.id.Seq != m.ID.Seq {
			continue
		}
		switch e.state {
		case inProgress:
			s.sendAck(e.task)
		case done:
			d.resend(s, e)
		}
		return
	}
}
