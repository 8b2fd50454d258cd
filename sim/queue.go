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

func (q *queue) len() int { return len(q.h) }

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

// peek returns the earliest event without removing it.
func (q *queue) peek() *event { return &q.h[0] }
