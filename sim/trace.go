package sim

// Kind is the kind of a trace record.
type Kind uint8

// The kinds of trace records. Every send, network decision, delivery, timer,
// disk write, crash, restart and fault is recorded with its virtual time.
const (
	KindSend      Kind = iota + 1 // a node handed a message to the network
	KindDeliver                   // a copy reached a live node's endpoint
	KindDrop                      // the network lost the message (Info: why)
	KindDuplicate                 // the network made an extra copy
	KindCorrupt                   // the network flipped bits in a copy
	KindReorder                   // the network held a copy back
	KindDiscard                   // a copy reached a node that was down or had crashed since the send
	KindTimer                     // a timer fired
	KindDisk                      // a disk write became durable
	KindCrash                     // a node crashed: its volatile state is gone
	KindRestart                   // a node restarted from its disk
	KindFault                     // a network fault or change (partition, heal, parameters)
	KindNote                      // a protocol's own record (env.Trace)

	numKinds
)

// Kinds lists every record kind in order.
func Kinds() []Kind {
	ks := make([]Kind, 0, numKinds-1)
	for k := KindSend; k < numKinds; k++ {
		ks = append(ks, k)
	}
	return ks
}

var kindNames = [...]string{
	KindSend: "send", KindDeliver: "deliver", KindDrop: "drop",
	KindDuplicate: "duplicate", KindCorrupt: "corrupt", KindReorder: "reorder",
	KindDiscard: "discard", KindTimer: "timer", KindDisk: "disk",
	KindCrash: "crash", KindRestart: "restart", KindFault: "fault", KindNote: "note",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "kind?"
}

// Record is one entry of the event trace.
type Record struct {
	At   Time
	Kind Kind
	// Node is where the record happened: the sender of a send, drop,
	// duplicate, corrupt or reorder; the receiver of a deliver or discard.
	Node NodeID
	// Peer is the other end of a message, or NoNode.
	Peer NodeID
	// Msg identifies the message a send and its copies' records belong to
	// (0 when the record is not about a message).
	Msg uint64
	// Size is the message's size in bytes.
	Size int
	// Label is what the protocol called the message or event ("READ",
	// "ACK 7", a timer's purpose).
	Label string
	// Info is free text: a drop's reason, a fault's description.
	Info string
}

// Trace accumulates the records of a run and a running hash of all of them.
// The hash is the determinism self-check: two runs of the same scenario and
// seed must end with the same hash.
type Trace struct {
	keep   bool
	off    bool
	sink   func(Record)
	recs   []Record
	unkept uint64
	hash   uint64
	count  uint64
	counts [numKinds]uint64
}

const fnvOffset = 14695981039346656037
const fnvPrime = 1099511628211

func newTrace(keep, off bool, sink func(Record)) *Trace {
	return &Trace{keep: keep, off: off, sink: sink, hash: fnvOffset}
}

func (t *Trace) mixU64(v uint64) {
	h := t.hash
	for i := 0; i < 8; i++ {
		h ^= v & 0xff
		h *= fnvPrime
		v >>= 8
	}
	t.hash = h
}

func (t *Trace) mixString(s string) {
	h := t.hash
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	// A terminator keeps ("ab","c") apart from ("a","bc").
	h ^= 0xff
	h *= fnvPrime
	t.hash = h
}

// on reports whether records are kept or hashed at all. The hot paths
// (every send, delivery and timer) test it before they build a Record:
// add is too big to inline, and a benchmark's World (Config.NoTrace)
// would otherwise build and pass 80 bytes per event for nothing.
func (t *Trace) on() bool { return !t.off }

func (t *Trace) add(r Record) {
	if t.off {
		return
	}
	t.count++
	t.counts[r.Kind]++
	t.mixU64(uint64(r.At))
	t.mixU64(uint64(r.Kind) | uint64(uint32(r.Node))<<8 | uint64(uint32(r.Peer))<<40)
	t.mixU64(r.Msg)
	t.mixU64(uint64(r.Size))
	t.mixString(r.Label)
	t.mixString(r.Info)
	if t.sink != nil {
		t.sink(r)
	}
	if t.keep {
		if len(t.recs) < MaxKeptRecords {
			t.recs = append(t.recs, r)
		} else {
			t.unkept++
		}
	}
}

// MaxKeptRecords bounds the records a kept trace holds in memory (about
// 100 bytes each): the first million are kept, the rest only counted and
// hashed, so that --out on a run of ten million events stays within
// memory.
const MaxKeptRecords = 1_000_000

// Unkept returns how many records a kept trace counted but did not keep,
// past MaxKeptRecords.
func (t *Trace) Unkept() uint64 { return t.unkept }

// Records returns the kept records in the order they happened: the first
// MaxKeptRecords of them. It is empty unless the world was configured to
// keep the trace.
func (t *Trace) Records() []Record { return t.recs }

// Hash returns the running FNV-1a hash of every record so far.
func (t *Trace) Hash() uint64 { return t.hash }

// Count returns how many records of kind k there were, whether or not the
// records were kept.
func (t *Trace) Count(k Kind) uint64 {
	if k >= numKinds {
		return 0
	}
	return t.counts[k]
}

// Len returns how many records were hashed.
func (t *Trace) Len() uint64 { return t.count }
