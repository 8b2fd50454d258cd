package sim

import (
	"strconv"
	"testing"
)

// holdSizes are the pending-event counts of the hold model benchmarks.
var holdSizes = []int{1000, 100000, 1000000}

// BenchmarkHold measures the event queue with the classic hold model: N
// events pending; each op pops the earliest and schedules one new event at
// now + a random delay. One op is one event.
func BenchmarkHold(b *testing.B) {
	for _, n := range holdSizes {
		b.Run("N="+strconv.Itoa(n), func(b *testing.B) {
			r := NewRand(1, "hold")
			var q queue
			q.h = make([]event, 0, n+1)
			var seq uint64
			for i := 0; i < n; i++ {
				seq++
				q.push(event{at: Time(r.Int63n(1e9)), seq: seq, kind: evTimer})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				e := q.pop()
				seq++
				q.push(event{at: e.at + Time(r.Int63n(1e9)), seq: seq, ref: e.ref, kind: e.kind})
			}
		})
	}
}

// bareEvent is the 32-byte event of the baseline heap.
type bareEvent struct {
	at  int64
	seq uint64
	_   [2]int64 // payload, to make the struct 32 bytes
}

// BenchmarkHoldBareHeap is the baseline BenchmarkHold is compared with: the
// simplest hand-written binary heap of 32-byte value structs, swapping
// instead of moving a hole.
func BenchmarkHoldBareHeap(b *testing.B) {
	less := func(x, y *bareEvent) bool { return x.at < y.at || (x.at == y.at && x.seq < y.seq) }
	for _, n := range holdSizes {
		b.Run("N="+strconv.Itoa(n), func(b *testing.B) {
			r := NewRand(1, "hold")
			h := make([]bareEvent, 0, n+1)
			push := func(e bareEvent) {
				h = append(h, e)
				for i := len(h) - 1; i > 0; {
					p := (i - 1) / 2
					if !less(&h[i], &h[p]) {
						break
					}
					h[i], h[p] = h[p], h[i]
					i = p
				}
			}
			pop := func() bareEvent {
				top := h[0]
				last := len(h) - 1
				h[0] = h[last]
				h = h[:last]
				for i := 0; ; {
					c := 2*i + 1
					if c >= len(h) {
						break
					}
					if c+1 < len(h) && less(&h[c+1], &h[c]) {
						c++
					}
					if !less(&h[c], &h[i]) {
						break
					}
					h[i], h[c] = h[c], h[i]
					i = c
				}
				return top
			}
			var seq uint64
			for i := 0; i < n; i++ {
				seq++
				push(bareEvent{at: r.Int63n(1e9), seq: seq})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				e := pop()
				seq++
				push(bareEvent{at: e.at + r.Int63n(1e9), seq: seq})
			}
		})
	}
}
