package stack

import (
	"fmt"
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
type Callbacks struct {
	env  sim.Env
	next uint64
	last uint64            // the largest tag env accepts
	fns  map[uint64]func() // looked up only, never iterated
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
	return &Callbacks{env: env, last: last, fns: make(map[uint64]func())}
}

func (c *Callbacks) newTag(fn func()) uint64 {
	if c.next == c.last {
		panic(fmt.Sprintf("stack: the %d-bit tags of %s's callbacks are exhausted", Bits(c.env), c.env.Name()))
	}
	c.next++
	if fn != nil {
		c.fns[c.next] = fn
	}
	return c.next
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
	delete(c.fns, t.tag)
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
	fn, ok := c.fns[tag]
	if !ok {
		return
	}
	delete(c.fns, tag)
	fn()
}
