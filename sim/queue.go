package sim

// eventKind says what an event does when it pops. Events are typed values
// dispatched by a switch rather than closures: the hold benchmark showed
// closures cost about 1.5x and interface boxing allocates.
type eventKind uint8

const (
	evDeliver eventKind = iota + 1 // a message copy arrives (ref: in-flight slot)
	evTimer                        // a node timer fires (ref: timer slot)
	evDisk                         // a node's disk write completes (ref: disk-write slot)
	evAction                       // a scheduled function runs (ref: action slot)
	evRepeat                       // one action of a series runs (ref: repeat slot)
	evCall                         // a scheduled function runs with its argument (ref: call slot)
)

// event is one entry of the pending-event queue: 24 bytes, kept by value.
type event struct {
	at   Time
	seq  uint64 // scheduling order: breaks ties in time
	ref  int32
	kind eventKind
}

// before orders events by (time, scheduling sequence).
func (a *event) before(b *event) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// queue is a hand-written binary min-heap of event values keyed by (at, seq).
// It avoids container/heap's interface calls and boxing; sift operations move
// a hole instead of swapping.
type queue struct {
	h []event
}

func (q *queue) push(e event) {
	q.h = append(q.h, e)
	h := q.h
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !e.before(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

// pop removes and returns the earliest event. The queue must not be empty.
func (q *queue) pop() event {
	h := q.h
	top := h[0]
	n := len(h) - 1
	last := h[n]
	q.h = h[:n]
	if n == 0 {
		return top
	}
	h = q.h
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].before(&h[c]) {
			c++
		}
		if !h[c].before(&last) {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = last
	return top
}

// maxLanes bounds the FIFO lanes of an agenda: a pop compares the heap's
// top with the head of every lane, so a few lanes cost a few comparisons.
const maxLanes = 4

// agenda is the kernel's pending-event queue: the heap, plus a few FIFO
// lanes for timers.
//
// A timer set for d at now expires at now+d, and now never goes back, so
// timers that all have the same duration expire in the order they were
// set: a lane of them is sorted by (time, scheduling order) by
// construction, and appending and taking its head cost O(1) instead of a
// heap's O(log n). That is the common case of protocol timers (a fixed
// retransmission timeout per endpoint, RFC 6298's RTO between
// adjustments), and it matters most for the cancelled ones: a timeout
// whose answer came stays pending until its time (see
// World.dropDeadTimers), and a lane drops it without sifting the heap.
//
// Events still run in exactly the order one heap would give them: the
// earliest event is the least, by (time, scheduling order), of the heap's
// top and the lanes' heads, and an event that would not keep its lane
// sorted (a saturated time) goes to the heap instead.
type agenda struct {
	heap queue
	// lanes[:nlanes] are in use; a lane whose events have all run is
	// free for another duration.
	lanes  [maxLanes]lane
	nlanes int
	n      int // pending events, heap and lanes together
}

// lane is a FIFO of events sorted by (time, scheduling order): ev[head:]
// are pending, all scheduled with the same delay d.
type lane struct {
	d    int64
	ev   []event
	head int
}

func (a *agenda) len() int { return a.n }

// push adds an event to the heap.
func (a *agenda) push(e event) {
	a.n++
	a.heap.push(e)
}

// pushDelayed adds an event scheduled d after now: to the lane of d if it
// stays sorted there, to a free lane if there is one, else to the heap.
func (a *agenda) pushDelayed(e event, d int64) {
	a.n++
	free := -1
	for i := 0; i < a.nlanes; i++ {
		l := &a.lanes[i]
		if l.head == len(l.ev) {
			if free < 0 {
				free = i
			}
			continue
		}
		if l.d == d {
			if l.ev[len(l.ev)-1].before(&e) {
				l.ev = append(l.ev, e)
				return
			}
			a.heap.push(e)
			return
		}
	}
	if free < 0 && a.nlanes < maxLanes {
		free = a.nlanes
		a.nlanes++
	}
	if free < 0 {
		a.heap.push(e)
		return
	}
	l := &a.lanes[free]
	l.d, l.ev, l.head = d, append(l.ev[:0], e), 0
}

// first returns the earliest pending event and where it is: -1 for the
// heap's top, else the index of its lane. The agenda must not be empty.
func (a *agenda) first() (*event, int) {
	var best *event
	from := -1
	if len(a.heap.h) > 0 {
		best = &a.heap.h[0]
	}
	for i := 0; i < a.nlanes; i++ {
		l := &a.lanes[i]
		if l.head < len(l.ev) && (best == nil || l.ev[l.head].before(best)) {
			best, from = &l.ev[l.head], i
		}
	}
	return best, from
}

// pop removes and returns the earliest event. The agenda must not be
// empty.
func (a *agenda) pop() event {
	_, from := a.first()
	return a.take(from)
}

// take removes and returns the earliest event, which first said is at
// from: the kernel looks at the earliest event before it runs it, and
// need not look for it twice.
func (a *agenda) take(from int) event {
	a.n--
	if from < 0 {
		return a.heap.pop()
	}
	l := &a.lanes[from]
	ev := l.ev[l.head]
	l.head++
	switch {
	case l.head == len(l.ev):
		l.ev, l.head = l.ev[:0], 0
	case l.head >= 64 && l.head > len(l.ev)/2:
		// Move the pending half down so that the lane's array does not
		// grow with the events it has already run.
		k := copy(l.ev, l.ev[l.head:])
		l.ev, l.head = l.ev[:k], 0
	}
	return ev
}
