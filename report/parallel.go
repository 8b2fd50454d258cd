package report

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Shard is one part of a job split over machines (`--shard I/N`): part I
// of N takes the items whose number is I modulo N, so that the N parts
// together take every item exactly once, and what each part finds is what
// one run over every item finds for those items. `sim explore` numbers its
// items by seed; a sweep may number its runs.
type Shard struct {
	// I is the part, from 0 to N-1; N is how many parts there are.
	I, N int
}

// maxShards bounds N, so that a typo cannot make a part that takes
// nothing without saying so.
const maxShards = 1_000_000

// ParseShard parses "I/N": N parts (1 to 1,000,000) and part I, from 0
// to N-1. I = N is accepted as part 0, so that parts numbered from 1 to N
// (a job index that starts at 1) work too.
func ParseShard(s string) (Shard, error) {
	return parseShard(s, 0)
}

// ParseSweepShard parses "I/N" as `sim sweep --shard` numbers its parts:
// from 1 to N, part I taking the grid points whose index (from 0) is I-1
// modulo N (HasPoint), so that `1/3` takes the points 0, 3, 6, ... and
// `3/3` the points 2, 5, 8, .... I = 0 is accepted as part N, which the
// formula I-1 modulo N makes it (a job index that starts at 0 works
// too). It is ParseShard counted from 1: the Shard it returns takes point
// p when it has item p+1.
func ParseSweepShard(s string) (Shard, error) {
	return parseShard(s, 1)
}

// parseShard parses "I/N" for parts numbered from first (0 or 1); the
// other end, N-1 or 0, is accepted too, as the same part modulo N.
func parseShard(s string, first int) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	switch {
	case !ok || err1 != nil || err2 != nil:
		return Shard{}, fmt.Errorf("expected I/N, such as %d/4 (part %d of 4), got %q", first, first, s)
	case n < 1 || n > maxShards:
		return Shard{}, fmt.Errorf("the number of parts N must be from 1 to %d, got %d", maxShards, n)
	case i < 0 || i > n:
		if first == 1 {
			return Shard{}, fmt.Errorf("the part I must be from 1 to %d (N; 0 is taken as N), got %d", n, i)
		}
		return Shard{}, fmt.Errorf("the part I must be from 0 to %d (N-1; N is taken as 0), got %d", n-1, i)
	}
	return Shard{I: i % n, N: n}, nil
}

// Whole is the shard that takes every item.
var Whole = Shard{I: 0, N: 1}

// Has reports whether item k belongs to the shard.
func (s Shard) Has(k uint64) bool {
	if s.N <= 1 {
		return true
	}
	return k%uint64(s.N) == uint64(s.I)
}

// String writes the shard as "I/N".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.I, s.N) }

// HasPoint reports whether grid point p (from 0) belongs to the shard as
// a sweep numbers its parts (ParseSweepShard): whether p is Part()-1
// modulo N.
func (s Shard) HasPoint(p int) bool { return s.Has(uint64(p) + 1) }

// Part is the shard's part counted from 1, as a sweep numbers it: 1 to N.
func (s Shard) Part() int {
	if s.N <= 1 || s.I == 0 {
		return max(s.N, 1)
	}
	return s.I
}

// SweepString writes the shard as a sweep names it, "I/N" with I from 1
// to N.
func (s Shard) SweepString() string { return fmt.Sprintf("%d/%d", s.Part(), max(s.N, 1)) }

// ForEachOrdered computes work(i) for every i from 0 to n-1 on up to
// workers goroutines (GOMAXPROCS when workers <= 0), and hands each result
// to emit in the order of i, one call at a time, each as soon as every
// result before it is in. The results, and the order emit sees them in,
// never depend on workers. emit returning false stops the loop: no new
// work starts, and work already started is waited for but not emitted.
// work must be safe to run in parallel with itself.
func ForEachOrdered[T any](n, workers int, work func(i int) T, emit func(i int, v T) bool) {
	if n <= 0 {
		return
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	if workers == 1 {
		for i := 0; i < n; i++ {
			if !emit(i, work(i)) {
				return
			}
		}
		return
	}
	type item struct {
		i int
		v T
	}
	var (
		next    atomic.Int64 // the next index to compute
		stopped atomic.Bool
		wg      sync.WaitGroup
	)
	// Each worker takes indexes in turn; results wait in done until the
	// ones before them are emitted. The channel holds one result per
	// worker, so a slow item delays emission, never the computation.
	done := make(chan item, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stopped.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				done <- item{i, work(i)}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	pending := map[int]T{}
	want := 0
	for it := range done {
		if stopped.Load() {
			continue // drain, so that the workers can finish
		}
		pending[it.i] = it.v
		for {
			v, ok := pending[want]
			if !ok {
				break
			}
			delete(pending, want)
			if !emit(want, v) {
				stopped.Store(true)
				break
			}
			want++
		}
	}
}
