package netmodel

import (
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// The reasons Network.Transmit gives when no copy arrives.
const (
	ReasonLoss      = "loss"      // the loss probability dropped the datagram
	ReasonPartition = "partition" // a partition or a block separates the nodes
	ReasonQueue     = "queue"     // the link's transmit queue was full (drop-tail)
)

// Network is the unreliable network of the lecture: every datagram may be
// lost, duplicated, corrupted or reordered, with the probabilities of its
// link's Params, and partitions cut nodes off. It implements sim.Network.
//
// A datagram from -> to goes through these steps:
//
//  1. Eight numbers are drawn from the link's stream (see the package
//     comment), always all eight.
//  2. Serialisation: with a Bandwidth, the datagram waits until the link
//     has sent every earlier datagram (each directed link is one FIFO
//     transmit queue; the link is busy until the last one is out) and then
//     takes bits/Bandwidth to send (an empty message waits its turn but
//     takes no time). If the queue already holds Queue datagrams, or would
//     hold more than QueueBytes bytes with this one, the datagram is dropped
//     instead and takes no time (ReasonQueue: drop-tail). Every datagram the
//     queue takes occupies the link, even one that the partition or loss
//     steps drop afterwards: the sender's interface cannot know what
//     happens further on. Bandwidth 0 means no queue and no serialisation
//     delay.
//  3. Partition: if a partition or block separates the nodes, no copy
//     arrives (ReasonPartition). It is checked before loss, so a datagram
//     both would drop is counted once, as partitioned.
//  4. Loss: with probability Loss, no copy arrives (ReasonLoss).
//  5. The first copy arrives after the serialisation wait plus a delay drawn
//     from the link's Delay. With probability Reorder it is held back by an
//     extra delay uniform in (0, ReorderDelay] (Fate Reordered; nothing
//     happens when ReorderDelay is 0). With probability Corrupt it is a fresh
//     slice with exactly one bit flipped (Fate Corrupted, which wins over
//     Reordered when both happen; an empty message has no bit to flip and
//     is delivered intact).
//  6. With probability Duplicate a second copy follows (Fate Duplicated):
//     the bytes as sent, after the same serialisation wait (the network
//     copied the datagram after it left the sender) and its own delay draw.
//
// Copies that are not corrupted share the sender's slice; the network never
// writes to it. Reordering needs no separate mechanism beyond step 5: any
// delay distribution that is not constant already lets a later datagram
// overtake an earlier one.
//
// A Network is not safe for concurrent use; the simulator calls it from its
// one goroutine.
type Network struct {
	seed  uint64
	cfg   Config
	names func(sim.NodeID) string

	// patches are the mid-run changes, in the order they were made.
	// paramsGen counts changes to cfg-plus-patches; a link recomputes its
	// Params when its copy of the counter is stale.
	patches   []LinkPatch
	paramsGen uint32
	// paramSets holds each distinct effective Params once; links refer to
	// theirs by index, so most links share the default's entry.
	paramSets []Params

	// partitions maps, for each active partition, a node name to its group.
	// blocked holds the blocked directions. cutGen counts changes to both.
	partitions []partition
	nextPartID int
	blocked    map[direction]bool
	cutGen     uint32

	links grid[link]
	// shared holds the transmit queue of each shared override of
	// cfg.Links, by index (unused for the others).
	shared []link
	// sent counts the datagrams of each direction: a link's position in
	// its random stream. It is the only per-link state the common case
	// touches, so it takes one byte per direction: a thousand-node
	// network's million directions take 1 MB, which stays in a core's
	// cache where 4 bytes each did not. A count that reaches narrowCount
	// goes on in wide, which only the links that carry that many use.
	// Both directions of a pair sit side by side (indexed by the lower
	// NodeID, then the higher), so that a reply finds its counter in the
	// cache line its request just loaded.
	sent grid[[2]uint8]
	wide grid[[2]uint32]
	// nodeKeys caches, per NodeID, the parts of a link's key that depend
	// on one of its nodes (see linkKey).
	nodeKeys []nodeKey
	stats    Stats
}

// partition is one active partition: its ID and each named node's group.
type partition struct {
	id    int
	group map[string]int
}

// narrowCount is where a direction's datagram count moves from Network.sent
// to Network.wide.
const narrowCount = 255

// direction is a blocked from -> to pair of node names.
type direction struct{ from, to string }

// link is the slow-path state of one direction of one link: its transmit
// queue and caches of its effective Params (an index into the network's
// table of distinct Params) and of whether a partition cuts it. Only a
// network with overrides, patches, partitions, blocks or a bandwidth uses
// it; see Transmit.
type link struct {
	busyUntil sim.Time // when the transmit queue has sent everything so far
	paramsGen uint32
	cutGen    uint32
	params    int32 // index into Network.paramSets
	cut       bool
	// queue is the index+1 in Network.shared of the shared override whose
	// queue this direction uses, or 0 for its own.
	queue int32
	// held lists, oldest first from head, the datagrams the transmit
	// queue holds: when each is sent in full, and its size. It is kept
	// only while the link has a queue limit, so it never holds more than
	// the limit.
	held      []heldDatagram
	head      int
	heldBytes int
}

// heldDatagram is one datagram in a link's transmit queue.
type heldDatagram struct {
	done sim.Time
	size int
}

// drain forgets the datagrams sent in full by now.
func (l *link) drain(now sim.Time) {
	for l.head < len(l.held) && l.held[l.head].done <= now {
		l.heldBytes -= l.held[l.head].size
		l.head++
	}
	if l.head == len(l.held) {
		l.held, l.head = l.held[:0], 0
	} else if l.head > len(l.held)/2 {
		n := copy(l.held, l.held[l.head:])
		l.held, l.head = l.held[:n], 0
	}
}

// full reports whether a datagram of size bytes overflows the queue.
func (l *link) full(p *Params, size int) bool {
	return p.Queue > 0 && len(l.held)-l.head >= p.Queue ||
		p.QueueBytes > 0 && l.heldBytes+size > p.QueueBytes
}

// Stats counts what a Network did since New. A copy that is both corrupted
// and reordered counts in both, although its Fate says only Corrupted.
type Stats struct {
	Sent        int // datagrams passed to Transmit
	Lost        int // datagrams dropped by the loss probability
	Partitioned int // datagrams dropped by a partition or block
	Duplicated  int // extra copies made
	Corrupted   int // copies with a flipped bit
	Reordered   int // copies held back by an extra delay
	Overflowed  int // datagrams dropped because a transmit queue was full
}

// New returns the network of cfg under the run's seed. names gives each
// node's scenario name, which per-link overrides, partitions and the links'
// random streams use; nil names a node by its decimal NodeID. New does not
// validate cfg (see Config.Validate); invalid values never produce a
// negative delay.
func New(seed uint64, cfg Config, names func(sim.NodeID) string) *Network {
	cfg.Links = slices.Clone(cfg.Links)
	for i := range cfg.Links {
		cfg.Links[i].Patch = clonePatch(cfg.Links[i].Patch)
	}
	return &Network{seed: seed, cfg: cfg, names: names, paramsGen: 1, cutGen: 1}
}

// clonePatch copies the values patch points to, so that a caller that
// reuses its variables cannot change a patch already given to the network.
func clonePatch(p Patch) Patch {
	return Patch{
		Delay:        clonePtr(p.Delay),
		Bandwidth:    clonePtr(p.Bandwidth),
		Loss:         clonePtr(p.Loss),
		Duplicate:    clonePtr(p.Duplicate),
		Reorder:      clonePtr(p.Reorder),
		ReorderDelay: clonePtr(p.ReorderDelay),
		Corrupt:      clonePtr(p.Corrupt),
		Queue:        clonePtr(p.Queue),
		QueueBytes:   clonePtr(p.QueueBytes),
	}
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// name returns the scenario name of node id.
func (n *Network) name(id sim.NodeID) string {
	if n.names == nil {
		return strconv.Itoa(int(id))
	}
	return n.names(id)
}

// Params returns the effective parameters of the direction from -> to:
// the default, then every matching per-link override of the Config in
// order, then every matching mid-run change (SetDefault, PatchLink) in the
// order it was made. A later patch wins for the fields it sets, so
// SetDefault overrides earlier per-link overrides of the same fields.
func (n *Network) Params(from, to string) Params {
	p := n.cfg.Default
	for _, lp := range n.cfg.Links {
		if lp.Matches(from, to) {
			p = p.Apply(lp.Patch)
		}
	}
	for _, lp := range n.patches {
		if lp.Matches(from, to) {
			p = p.Apply(lp.Patch)
		}
	}
	return p
}

// SetDefault changes every link from now on: p is applied to every
// direction after everything applied so far. Datagrams already in flight
// keep their fate.
func (n *Network) SetDefault(p Patch) {
	n.PatchLink("*", "*", p)
}

// PatchLink changes the direction from -> to from now on; "" or "*" as a
// name matches every node, as in Config.Links.
func (n *Network) PatchLink(from, to string, p Patch) {
	n.patches = append(n.patches, LinkPatch{From: from, To: to, Patch: clonePatch(p)})
	n.paramsGen++
}

// Partition adds a partition: a datagram between two nodes that are both
// named in groups, in different groups, is dropped (ReasonPartition). Nodes
// named in no group are unaffected and still reach everyone. A name listed
// in several groups belongs to the first. Partitions add up: a datagram is
// dropped when any active partition or block separates its nodes, until
// Heal, or until HealPartition with the ID it returns.
func (n *Network) Partition(groups [][]string) int {
	m := make(map[string]int)
	for g, names := range groups {
		for _, name := range names {
			if _, dup := m[name]; !dup {
				m[name] = g
			}
		}
	}
	n.nextPartID++
	n.partitions = append(n.partitions, partition{id: n.nextPartID, group: m})
	n.cutGen++
	return n.nextPartID
}

// HealPartition removes the one partition Partition returned id for, so
// that overlapping partitions with their own heal times end separately.
// Other partitions and blocks stay. An unknown id does nothing.
func (n *Network) HealPartition(id int) {
	for i, p := range n.partitions {
		if p.id == id {
			n.partitions = append(n.partitions[:i:i], n.partitions[i+1:]...)
			n.cutGen++
			return
		}
	}
}

// Block drops every datagram from -> to (ReasonPartition) until Unblock or
// Heal, leaving to -> from alone: an asymmetric partition. Names are exact
// (no "*"). Blocking twice is the same as once.
func (n *Network) Block(from, to string) {
	if n.blocked == nil {
		n.blocked = make(map[direction]bool)
	}
	n.blocked[direction{from, to}] = true
	n.cutGen++
}

// Unblock undoes Block(from, to). A partition that separates the two nodes
// still drops their datagrams.
func (n *Network) Unblock(from, to string) {
	delete(n.blocked, direction{from, to})
	n.cutGen++
}

// Heal restores full connectivity: it removes every partition and every
// block. Datagrams dropped before stay dropped.
func (n *Network) Heal() {
	n.partitions = nil
	n.blocked = nil
	n.cutGen++
}

// Connected reports whether datagrams from -> to currently pass: no block on
// that direction and no partition with the two nodes in different groups.
func (n *Network) Connected(from, to string) bool {
	if n.blocked[direction{from, to}] {
		return false
	}
	for _, p := range n.partitions {
		gf, okf := p.group[from]
		gt, okt := p.group[to]
		if okf && okt && gf != gt {
			return false
		}
	}
	return true
}

// Stats returns the counters so far.
func (n *Network) Stats() Stats { return n.stats }

// link returns the slow-path state of from -> to with its caches up to
// date.
func (n *Network) link(from, to sim.NodeID) *link {
	l := n.links.at(from, to)
	if l.paramsGen != n.paramsGen {
		l.params = n.intern(n.Params(n.name(from), n.name(to)))
		l.paramsGen = n.paramsGen
		l.queue = 0
		for i, lp := range n.cfg.Links {
			if lp.Shared && lp.Matches(n.name(from), n.name(to)) {
				l.queue = int32(i + 1)
			}
		}
	}
	if l.cutGen != n.cutGen {
		l.cut = !n.Connected(n.name(from), n.name(to))
		l.cutGen = n.cutGen
	}
	return l
}

// simple reports whether every link has the default parameters, no
// partition or block is active and there is no bandwidth limit: then no
// link needs its slow-path state.
func (n *Network) simple() bool {
	return len(n.cfg.Links) == 0 && len(n.patches) == 0 && len(n.partitions) == 0 &&
		len(n.blocked) == 0 && !(n.cfg.Default.Bandwidth > 0)
}

// nodeKey is what a link's key takes from one of its nodes: linkKey's
// Mix64(seed^h) when the node sends and h*γ when it receives, where h is
// the FNV-1a hash of the node's name with its low bit set (h == 0: not
// computed yet). Caching both halves leaves one Mix64 per datagram.
type nodeKey struct {
	h, from, to uint64
}

// nodeKey returns node id's parts of link keys, cached.
func (n *Network) nodeKey(id sim.NodeID) *nodeKey {
	if int(id) >= len(n.nodeKeys) {
		n.nodeKeys = append(n.nodeKeys, make([]nodeKey, int(id)+1-len(n.nodeKeys))...)
	}
	k := &n.nodeKeys[id]
	if k.h == 0 {
		k.h = sim.HashString(n.name(id)) | 1
		k.from, k.to = sim.Mix64(n.seed^k.h), k.h*linkGamma
	}
	return k
}

// LinkStream returns the random stream of the direction from -> to under
// seed, at its start: SplitMix64 seeded with a key mixed from the seed and
// the FNV-1a hashes of the two names (see the package comment). Datagram k
// of the link uses outputs 8k+1 to 8k+8.
func LinkStream(seed uint64, from, to string) sim.SplitMix {
	return sim.NewSplitMixState(linkKey(seed, sim.HashString(from)|1, sim.HashString(to)|1))
}

// linkKey is the start of the stream of the direction between the nodes
// whose name hashes are from and to.
func linkKey(seed, from, to uint64) uint64 {
	return sim.Mix64(sim.Mix64(seed^from) ^ to*linkGamma)
}

// linkGamma is SplitMix64's increment, which linkKey also multiplies the
// receiver's hash by.
const linkGamma = 0x9e3779b97f4a7c15

// intern returns the index of p in n.paramSets, adding it if it is new.
func (n *Network) intern(p Params) int32 {
	if len(n.paramSets) > 0 && n.paramSets[0] == p {
		return 0 // the common case: the default
	}
	for i := range n.paramSets {
		if n.paramSets[i] == p {
			return int32(i)
		}
	}
	n.paramSets = append(n.paramSets, p)
	return int32(len(n.paramSets) - 1)
}

// The numbers of a datagram's eight draws from its link's stream, in the
// order the package comment gives.
const (
	drawLoss = iota + 1
	drawDuplicate
	drawCorrupt
	drawReorder
	drawBit
	drawReorderDelay
	drawDelay
	drawDuplicateDelay
	drawsPerDatagram = drawDuplicateDelay
)

// Transmit decides the fate of one datagram; see Network for the steps.
// It allocates only for a corrupted copy (and the first time a link is
// used).
//
// Datagram k of a link takes outputs 8k+1 to 8k+8 of the link's stream.
// SplitMix64 computes any output directly from the stream's start, so
// Transmit computes only the numbers this datagram's fate reads (a lost
// datagram reads one): every datagram still meets the dice it would if all
// eight were drawn, and the next datagram starts at 8(k+1) all the same.
func (n *Network) Transmit(now sim.Time, from, to sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	r := sim.NewSplitMixState(sim.Mix64(n.nodeKey(from).from ^ n.nodeKey(to).to)) // linkKey
	r.Skip(drawsPerDatagram * n.count(from, to))
	n.stats.Sent++

	p := &n.cfg.Default
	depart := now
	if !n.simple() {
		l := n.link(from, to)
		p = &n.paramSets[l.params]
		var full bool
		if depart, full = n.enqueue(l, p, now, len(msg)); full {
			n.stats.Overflowed++
			return out, ReasonQueue
		}
		if l.cut {
			n.stats.Partitioned++
			return out, ReasonPartition
		}
	}
	// A probability p > 0 is tested first only to skip computing a number
	// whose test cannot pass: a draw in [0, 1) is never below p <= 0.
	if p.Loss > 0 && r.NthFloat64(drawLoss) < p.Loss {
		n.stats.Lost++
		return out, ReasonLoss
	}

	wait := depart.Sub(now)
	first := sim.Arrival{Delay: addDelay(wait, p.Delay.sample(r.NthFloat64(drawDelay))), Msg: msg, Fate: sim.Delivered}
	if p.Reorder > 0 && p.ReorderDelay > 0 && r.NthFloat64(drawReorder) < p.Reorder {
		extra := 1 + time.Duration(scale(r.Nth(drawReorderDelay), uint64(p.ReorderDelay)))
		first.Delay = addDelay(first.Delay, extra)
		first.Fate = sim.Reordered
		n.stats.Reordered++
	}
	if p.Corrupt > 0 && len(msg) > 0 && r.NthFloat64(drawCorrupt) < p.Corrupt {
		first.Msg = flipBit(msg, scale(r.Nth(drawBit), uint64(len(msg))*8))
		first.Fate = sim.Corrupted
		n.stats.Corrupted++
	}
	out = append(out, first)
	if p.Duplicate > 0 && r.NthFloat64(drawDuplicate) < p.Duplicate {
		out = append(out, sim.Arrival{Delay: addDelay(wait, p.Delay.sample(r.NthFloat64(drawDuplicateDelay))), Msg: msg, Fate: sim.Duplicated})
		n.stats.Duplicated++
	}
	return out, ""
}

// count returns how many datagrams were sent from -> to before this one,
// and counts this one. The count is kept modulo 2^32.
func (n *Network) count(from, to sim.NodeID) uint64 {
	lo, hi, dir := from, to, 0
	if to < from {
		lo, hi, dir = to, from, 1
	}
	c := &n.sent.at(lo, hi)[dir]
	if *c < narrowCount {
		*c++
		return uint64(*c - 1)
	}
	w := &n.wide.at(lo, hi)[dir]
	*w++
	return uint64(uint32(narrowCount) + *w - 1)
}

// enqueue puts a datagram of size bytes sent at now into l's transmit
// queue (or the shared one l uses) and returns when it will have left, or
// full when a finite queue drops it (step 2 of Network).
func (n *Network) enqueue(l *link, p *Params, now sim.Time, size int) (depart sim.Time, full bool) {
	q := l
	if l.queue > 0 {
		if len(n.shared) < len(n.cfg.Links) {
			n.shared = make([]link, len(n.cfg.Links))
		}
		q = &n.shared[l.queue-1]
	}
	limited := (p.Queue > 0 || p.QueueBytes > 0) && p.Bandwidth > 0 && !math.IsInf(p.Bandwidth, 1)
	if limited {
		q.drain(now)
		if q.full(p, size) {
			return now, true
		}
	}
	depart = queued(now, &q.busyUntil, size, p.Bandwidth)
	if limited {
		q.held = append(q.held, heldDatagram{done: depart, size: size})
		q.heldBytes += size
	}
	return depart, false
}

// flipBit returns a copy of msg with bit number bit flipped (bit 0 is the
// most significant bit of msg[0]). One flipped bit is always caught by the
// Internet checksum and by CRCs: see the package comment.
func flipBit(msg []byte, bit uint64) []byte {
	c := make([]byte, len(msg))
	copy(c, msg)
	c[bit/8] ^= 0x80 >> (bit % 8)
	return c
}

// addDelay returns a+b for non-negative delays, capped at maxDelay.
func addDelay(a, b time.Duration) time.Duration {
	if a > maxDelay-b {
		return maxDelay
	}
	return a + b
}
