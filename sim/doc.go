// Package sim is the simulator's kernel: virtual time, a queue of typed
// events ordered by (time, scheduling order), nodes that host protocol
// endpoints through one Env interface, crash and restart, seeded random
// streams and the event trace with its running hash. It runs on one
// goroutine and never reads the wall clock (design rules 1 to 4).
//
// This comment and the package's Example are meant to be enough to write
// a protocol; docs/extending.md then turns one into a system the
// scenarios can run.
//
// # A world
//
// A World is one simulated universe: New(Config) with the run's Seed, the
// Network that decides every message's fate (package netmodel's, or any
// Network), the disks' write latency and the run's bounds. AddNode(name,
// factory) adds a node and builds its endpoint; At, After and Repeat
// schedule actions (an application's calls, faults); Run runs events in
// time order until no work is left. Events at the same instant run in the
// order they were scheduled, so a run is a function of its seed and its
// inputs.
//
// # A protocol: Handler, Env and Factory
//
// A protocol endpoint is a Handler, a state machine with two inputs:
// Receive(from, msg), a message arrived, and Timer(tag), a timer it set
// fired or a disk write it started became durable. Its application calls
// its own methods (Begin, Send, Read, ...), from an action: find the
// endpoint with World.Handler (nil while the node is down) and call it.
//
// The endpoint acts only through the Env it was built with: Now, Self and
// Name, Lookup and NodeName; Send(to, msg, label), where label names the
// message in the trace and the diagrams ("PREPARE T1", "ACK 7"); SetTimer
// and CancelTimer; Disk and WriteDisk; Rand, its own random stream; Trace,
// a note of its own; Incarnation, its node's restarts. It never sees the
// World, the queue or the network: that is what lets a unit test drive it
// with a fake Env (package sim/simtest) and lets the kernel crash it at
// any instant.
//
// A Factory builds a node's endpoint from an Env. The kernel calls it when
// the node is added and again at every restart: it is the endpoint's
// recovery procedure, and must rebuild the endpoint from Env.Disk alone.
//
// # Timers and tags
//
// SetTimer(d, tag) calls Handler.Timer(tag) after d of virtual time,
// unless CancelTimer stops it first or the node crashes. The tag is the
// endpoint's own: a number it chooses to say what the timer is for (which
// retransmission, which transaction), within the bits the layer below
// leaves it (a UDP port's handler has the low 48). Disk writes carry tags
// the same way. A layer that hosts others (a UDP host its ports, an RPC
// node its client and server) shares its tags among them with a Mux of
// package protocols/stack, which puts each owner's number above the
// owner's tags and routes the tags back; a layer that would rather run a
// function when a timer fires takes its tags from stack.Callbacks. A timer that is upkeep rather than work is marked with
// Housekeeping (see "When a run ends").
//
// # The disk
//
// Disk is a node's durable storage: keys to bytes, read at once.
// WriteDisk(key, val, tag) stores val after the node's write latency and
// then calls Handler.Timer(tag); until then the write is only on its way,
// and a crash tears it: it never happens. A protocol that must not
// forget something (a vote, a decision, an acknowledged write) waits for
// that Timer before it tells anyone. Disk.Put is instant: battery-backed
// NVRAM, or what a scenario puts on a disk before the run.
//
// # Crash and restart
//
// World.Crash drops a node's endpoint, and with it every field of it (its
// volatile state: caches, buffers, sequence numbers, tables); cancels its
// timers and pending disk writes; and makes every message on its way to
// it be discarded on arrival. The Env the old endpoint held goes dead:
// a stale endpoint cannot send, set timers or write. World.Restart calls
// the node's Factory with a fresh Env, on the disk that survived;
// Incarnation counts the restarts, so that peers can tell a restarted
// node's messages from its old ones. Nothing volatile survives by
// accident, since nothing of the old endpoint is reachable.
//
// # Layering by environments
//
// Every layer is a Handler over an Env and offers an Env to the layer
// above. The node's Handler is the bottom layer (protocols/udp's Host);
// each service bound to a UDP port gets a port Env whose Send wraps the
// message in a UDP header with a checksum, whose timer and disk tags
// carry the port, and whose Receive delivers only intact datagrams for
// that port. The reliable transport and RPC stack the same way. So a
// protocol written against Env runs unchanged on a bare node, on a UDP
// port, or in a unit test, and a layer between two others needs to know
// neither.
//
// # The network, randomness and the trace
//
// A Network returns, for each message, the copies that arrive and their
// delays (duplicated, corrupted or reordered ones marked), or none and
// why. Every random choice comes from a Rand derived from the seed and
// the name of whoever makes it (NewRand, Env.Rand, World.Rand), so adding
// a node never changes another's numbers; nothing may use math/rand.
// Every send, drop, copy, delivery, discard, timer, disk write, crash,
// restart, fault and protocol note is a Record in the Trace, with its
// virtual time; Trace.Hash is the running hash that shows two runs equal,
// and Config.KeepTrace keeps the records for reports and diagrams.
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
