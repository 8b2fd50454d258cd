// Package sim is the simulator's kernel: virtual time, a queue of typed
// events ordered by (time, scheduling order), nodes that host protocol
// endpoints through one Env interface, crash and restart, seeded random
// streams and the event trace with its running hash. It runs on one
// goroutine and never reads the wall clock (design rules 1 to 4).
//
// # When a run ends
//
// World.Run runs events until no real work is left. Real work is what the
// scenario asked for and what it set in motion: every scheduled action
// (workload rows, faults), every message copy in flight, every disk write
// not yet durable, and every protocol timer that is not housekeeping (a
// retransmission, a service time). A protocol marks a timer as
// housekeeping (Env.Housekeeping) when it is its own upkeep rather than
// part of a job: a periodic flush of a write buffer, the expiry of a
// callback promise, a probe of a server that holds a call. Housekeeping
// fires like any timer while real work is pending, but does not keep the
// run going: when only housekeeping is left, Run returns without firing
// it, the clock stays at the last real event, and the final state (disks,
// caches, results) is the state then. A cancelled timer, or one of a node
// that crashed, is no work either.
//
// # Bounds
//
// Every run is bounded (design rule 7): Config.MaxEvents, MaxTime,
// MaxBytesHeld (payload in flight, queued behind a link, in pending disk
// writes, or reported by a layer with World.HoldBytes) and MaxBytesMoved
// (every byte handed to the network). Hitting one stops the run before its
// next event with a *BoundError that names the scenario's limits key.
package sim
