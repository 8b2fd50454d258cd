package stack

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// Callbacks hands out the tags of one env from a counter (1, 2, 3, ...)
// and runs the function registered with each when its timer fires or its
// disk write becomes durable. A layer that uses it never decodes a tag:
// what a timer is for is the function it runs. A tag with no function (a
// cancelled timer, a write nobody waits for, a timer of a life before a
// restart, which the kernel never delivers anyway) does nothing.
//
// The functions live in the endpoint's memory, so a crash forgets them
// with everything else, as it forgets the timers and writes they wait for.
//
// A layer may hold its Callbacks by value (*NewCallbacks(env)), copied
// before its first use; a Callbacks in use must not be copied, since it
// keeps its first functions in an array of its own.
type Callbacks struct {
	env  sim.Env
	next uint64
	last uint64 // the largest tag env accepts
	// fns holds the registered functions in tag order (tags only grow,
	// so registering appends); a run or cancelled one is cleared in
	// place and the cleared entries are dropped once they are half the
	// slice, so that it holds at most twice the pending callbacks. An
	// endpoint has a few callbacks pending at a time: a binary search
	// among them costs less than hashing into a map, and thousands of
	// endpoints hold one small array each instead of a map (BENCHMARKS.md,
	// NFS half of issue 12).
	fns   []callback
	clear int // how many entries of fns are cleared
	// buf is fns's first array, taken when the first function is
	// registered (not before: a Callbacks may be copied until it is
	// used): most endpoints never hold more.
	buf [2]callback
}

// callback is a registered function and its tag; fn is nil once it ran
// or was cancelled.
type callback struct {
	tag uint64
	fn  func()
}

// Timer is a pending callback timer; the zero Timer is none.
type Timer struct {
	id  sim.TimerID
	tag uint64
}

// Pending reports whether t is a timer that has neither fired nor been
// cancelled, as far as its holder cleared it: a callback that fires
// should set its Timer back to the zero Timer.
func (t Timer) Pending() bool { return t.tag != 0 }

// ID is the kernel's id of the timer, for sim.Env.Housekeeping.
func (t Timer) ID() sim.TimerID { return t.id }

// NewCallbacks returns Callbacks that set timers and start writes
// through env, with tags below 1<<Bits(env).
func NewCallbacks(env sim.Env) *Callbacks {
	last := ^uint64(0)
	if b := Bits(env); b < 64 {
		last = 1<<b - 1
	}
	return &Callbacks{env: env, last: last}
}

func (c *Callbacks) newTag(fn func()) uint64 {
	if c.next == c.last {
		panic(fmt.Sprintf("stack: the %d-bit tags of %s's callbacks are exhausted", Bits(c.env), c.env.Name()))
	}
	c.next++
	if fn != nil {
		if c.fns == nil {
			c.fns = c.buf[:0]
		}
		c.fns = append(c.fns, callback{c.next, fn})
	}
	return c.next
}

// take removes the function of tag and returns it, or nil.
func (c *Callbacks) take(tag uint64) func() {
	i, ok := slices.BinarySearchFunc(c.fns, tag, func(e callback, t uint64) int { return cmp.Compare(e.tag, t) })
	if !ok || c.fns[i].fn == nil {
		return nil
	}
	fn := c.fns[i].fn
	c.fns[i].fn = nil
	c.clear++
	if c.clear == len(c.fns) {
		c.fns, c.clear = c.fns[:0], 0
	} else if 2*c.clear > len(c.fns) {
		c.fns = slices.DeleteFunc(c.fns, func(e callback) bool { return e.fn == nil })
		c.clear = 0
	}
	return fn
}

// After runs fn after d, unless Cancel stops it first.
func (c *Callbacks) After(d time.Duration, fn func()) Timer {
	tag := c.newTag(fn)
	return Timer{id: c.env.SetTimer(d, tag), tag: tag}
}

// Cancel stops *t if it is pending and makes it the zero Timer.
func (c *Callbacks) Cancel(t *Timer) {
	if t.tag == 0 {
		return
	}
	c.env.CancelTimer(t.id)
	c.take(t.tag)
	*t = Timer{}
}

// WriteDisk stores val under key through env and runs fn, if not nil, once
// the write is durable. A crash first loses both the write and fn.
func (c *Callbacks) WriteDisk(key string, val []byte, fn func()) {
	c.env.WriteDisk(key, val, c.newTag(fn))
}

// Timer runs the function of tag, once: Callbacks is the Timers of the
// layer that uses it.
func (c *Callbacks) Timer(tag uint64) {
	if fn := c.take(tag); fn != nil {
		fn()
	}
}
