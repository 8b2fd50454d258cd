package rpc

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// Semantics is a call semantics: what a retransmitted call may do to the
// server.
type Semantics uint8

const (
	// AtLeastOnce: the client retransmits until it gets a reply and the
	// server runs every copy of the call that reaches it. Fine for
	// idempotent procedures (read, pwrite); wrong for append.
	AtLeastOnce Semantics = iota
	// AtMostOnce: the server remembers the calls it has run in a
	// duplicate-request cache and answers a repeat from the cache instead
	// of running it again. The cache is volatile: a server crash forgets
	// it, and a call retransmitted across the crash runs again.
	AtMostOnce
)

// String returns the scenario spelling: "at_least_once" or "at_most_once".
func (s Semantics) String() string {
	switch s {
	case AtLeastOnce:
		return "at_least_once"
	case AtMostOnce:
		return "at_most_once"
	}
	return fmt.Sprintf("semantics(%d)", uint8(s))
}

// ParseSemantics parses the scenario spelling of a semantics.
func ParseSemantics(s string) (Semantics, error) {
	switch s {
	case "at_least_once":
		return AtLeastOnce, nil
	case "at_most_once":
		return AtMostOnce, nil
	}
	return 0, fmt.Errorf("rpc: unknown semantics %q (want at_least_once or at_most_once)", s)
}

// DefaultTimeout is the retransmission interval when Options.Timeout is 0.
const DefaultTimeout = 100 * time.Millisecond

// DefaultMaxTimeout caps a backed-off retransmission interval when
// Options.MaxTimeout is 0: 60 s, the least cap RFC 6298 (2.5) allows TCP,
// and Linux NFS's over UDP.
const DefaultMaxTimeout = 60 * time.Second

// Options configure a Client. The zero value is valid: standard ONC RPC
// with AUTH_NONE over an unreliable transport, retransmitting every 100ms
// forever.
type Options struct {
	// Semantics must match the server's. The client only uses it to decide
	// whether results need acknowledging (with BirrellNelson): at-most-once
	// servers cache them until acknowledged, at-least-once servers keep
	// nothing.
	Semantics Semantics
	// BirrellNelson turns on the lecture's extensions (Birrell & Nelson
	// 1984 §3.2–3.3): retransmissions ask for an explicit ACK, an
	// acknowledged call is probed instead of retransmitted, and results
	// are acknowledged, implicitly by the next call or explicitly (see
	// AckProgram). Without it the client speaks RPC as NFS clients do:
	// calls, replies and retransmissions, nothing else.
	BirrellNelson bool
	// Auth is the flavor of the client's credentials: AuthNone (the zero
	// value) or AuthSys, the node's name as machinename with uid and gid
	// 0. The implicit acknowledgement of results needs AuthSys.
	Auth Flavor
	// XIDs, when not nil, are shared with other clients and servers of the
	// node (see XIDs); nil gives the client its own.
	XIDs *XIDs
	// Timeout is the retransmission interval over an unreliable
	// transport, and how long a probe waits for its answer (default
	// 100ms). Constant unless Backoff is set: the lecture's simple timer.
	Timeout time.Duration
	// Backoff doubles the retransmission interval at every transmission
	// of a call, from Timeout up to MaxTimeout: the lecture's "for each
	// missing ack, wait longer between retries", which keeps clients from
	// piling retransmissions on a server that is slow because it is
	// overloaded ("resending makes overload worse"). A reply or an ACK
	// ends the call's backoff; the next call starts again from Timeout.
	Backoff bool
	// MaxTimeout caps the backed-off interval (default DefaultMaxTimeout).
	MaxTimeout time.Duration
	// MaxAttempts bounds the transmissions of one call; when they are used
	// up the call fails with ETIMEDOUT. 0 means retry forever (an NFS
	// "hard" mount).
	MaxAttempts int
	// AckAfter is how long a result may wait for the next call to
	// acknowledge it implicitly before the client sends an explicit ACK
	// (BirrellNelson and at-most-once only; default Timeout).
	AckAfter time.Duration
	// ProbeInterval is the time between probes while the server holds a
	// call it has acknowledged (default AckAfter).
	ProbeInterval time.Duration
	// MaxProbes is how many probes in a row may go unanswered before the
	// client stops trusting the server's ACK and retransmits the call
	// (default 3).
	MaxProbes int
	// Reliable says the transport below is reliable (the reliable
	// package, not UDP): it retransmits lost messages itself, so the
	// client sends each call once and waits for the reply however long it
	// takes, as Birrell & Nelson's caller does while the callee is alive.
	// Timeout is then unused.
	Reliable bool
	// ReliableTimeout, with Reliable, is how long a call may go without a
	// reply before the client sends it again: a crash of either side loses
	// the transport's connection, and this is the only way such a call is
	// ever retried. 0 (the default) never resends.
	ReliableTimeout time.Duration
}

// withDefaults fills in the zero fields.
func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.AckAfter <= 0 {
		o.AckAfter = o.Timeout
	}
	if o.ProbeInterval <= 0 {
		o.ProbeInterval = o.AckAfter
	}
	if o.MaxProbes <= 0 {
		o.MaxProbes = 3
	}
	if o.MaxTimeout <= 0 {
		o.MaxTimeout = DefaultMaxTimeout
	}
	return o
}

// retransmitInterval is how long the n-th transmission of a call (1: the
// first) waits for a reply or an ACK before the call is sent again; 0
// means never. With Backoff it is the base interval doubled n-1 times, at
// most MaxTimeout.
func (o Options) retransmitInterval(n int) time.Duration {
	d := o.Timeout
	if o.Reliable {
		d = o.ReliableTimeout
	}
	if !o.Backoff || d <= 0 {
		return d
	}
	for i := 1; i < n && d < o.MaxTimeout; i++ {
		d *= 2
	}
	return min(d, max(o.MaxTimeout, o.Timeout))
}

// ServerOptions configure a Server. The zero value is valid: standard ONC
// RPC, at-least-once, one worker, no service time.
type ServerOptions struct {
	// Semantics is AtLeastOnce (run every copy) or AtMostOnce (keep a
	// duplicate-request cache).
	Semantics Semantics
	// CacheAll makes the duplicate-request cache keep the replies of
	// idempotent procedures too. By default it keeps only those of
	// non-idempotent ones, as BSD's and Linux's NFS servers do: a repeat
	// of a completed idempotent call runs again, which is harmless.
	CacheAll bool
	// BirrellNelson turns on the lecture's extensions: calls held longer
	// than AckAfter, and retransmissions that ask, are acknowledged
	// explicitly; probes are answered; acknowledged results leave the
	// cache and late copies of their calls are dropped; a call from an
	// older incarnation of its client is dropped. Without it the server
	// is a standard ONC RPC server.
	BirrellNelson bool
	// RequireAuthSys denies (AUTH_ERROR, AUTH_TOOWEAK) every call but a
	// NULL procedure (number 0) whose credentials are not AUTH_SYS, as NFS
	// servers do.
	RequireAuthSys bool
	// XIDs, when not nil, are shared with the node's client (see XIDs); the
	// server uses them for its ACKs.
	XIDs *XIDs
	// Workers is the number of server threads (default 1). A call that
	// arrives while all are busy waits in a FIFO queue: the queueing delay
	// that shows under load.
	Workers int
	// ServiceTime is how long a worker computes before the procedure runs
	// (default 0); the procedure may then take longer by replying later.
	ServiceTime time.Duration
	// DRCSize bounds how many completed replies the duplicate-request
	// cache holds (at-most-once only); the least recently used goes first,
	// and a repeat of a call whose reply was evicted runs again. 0 means
	// DefaultDRCSize.
	DRCSize int
	// AckAfter is how long a call may be held (queued or running) without
	// a reply before the server sends an explicit ACK, so that the client
	// stops retransmitting (default 50ms, half the client's default
	// Timeout). It should be below the client's Timeout minus a round
	// trip: otherwise the client's retransmission crosses the ACK, and
	// at least once that copy runs again. The server also ACKs every
	// retransmission that asks for it.
	AckAfter time.Duration
	// Reliable says the transport below is reliable: the client does not
	// retransmit, so no unsolicited ACK is needed.
	Reliable bool
	// MaxMessage is the largest message the transport below carries (0:
	// no bound). A reply that would be larger is sent as SYSTEM_ERR
	// instead (RFC 5531 §9: the server "failed for a reason of its
	// own"), as a Sun RPC server over UDP fails to send a reply larger
	// than its buffer: otherwise the reply vanishes below, and the client
	// retransmits a call that runs again and again.
	MaxMessage int
}

// DefaultDRCSize bounds the duplicate-request cache when
// ServerOptions.DRCSize is 0: a limit on what a server keeps, large enough
// that no scenario here evicts a reply it still needs.
const DefaultDRCSize = 4096

func (o ServerOptions) withDefaults() ServerOptions {
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if o.AckAfter <= 0 {
		o.AckAfter = DefaultTimeout / 2
	}
	if o.ServiceTime < 0 {
		o.ServiceTime = 0
	}
	if o.DRCSize <= 0 {
		o.DRCSize = DefaultDRCSize
	}
	return o
}

// Observer is told what the RPC layer does, for the scenario runner's step
// results and statistics. Every method is called synchronously from inside
// the simulation and must not call back into the Client or Server. Embed
// BaseObserver to implement only some methods.
type Observer interface {
	// CallStarted: the application started a call. proc is as given to
	// Client.Call (not upper-cased).
	CallStarted(at sim.Time, from, to sim.NodeID, proc string, id CallID)
	// Attempt: the client sent the call for the n-th time (1 = the first
	// transmission). Probes are not attempts.
	Attempt(at sim.Time, id CallID, n int)
	// CallDone: the call finished with err (nil, a server's error, or
	// ErrTimedOut). Called once per call, before the application's done.
	CallDone(at sim.Time, id CallID, err error)
	// Executed: server ran procedure proc for call id. A procedure that
	// runs twice for one id was executed twice: the lecture's duplicate.
	Executed(at sim.Time, server sim.NodeID, proc string, id CallID)
	// Dropped: server discarded an arriving call without running it;
	// reason is "in progress", "acknowledged", "old incarnation".
	// A call the server denies or cannot dispatch (an unknown program,
	// version or procedure) is neither executed nor dropped.
	Dropped(at sim.Time, server sim.NodeID, id CallID, reason string)
	// CachedReply: server answered a repeated call from its
	// duplicate-request cache instead of running it.
	CachedReply(at sim.Time, server sim.NodeID, id CallID)
}

// BaseObserver implements Observer with methods that do nothing.
type BaseObserver struct{}

func (BaseObserver) CallStarted(sim.Time, sim.NodeID, sim.NodeID, string, CallID) {}
func (BaseObserver) Attempt(sim.Time, CallID, int)                                {}
func (BaseObserver) CallDone(sim.Time, CallID, error)                             {}
func (BaseObserver) Executed(sim.Time, sim.NodeID, string, CallID)                {}
func (BaseObserver) Dropped(sim.Time, sim.NodeID, CallID, string)                 {}
func (BaseObserver) CachedReply(sim.Time, sim.NodeID, CallID)                     {}

func observerOrNop(o Observer) Observer {
	if o == nil {
		return BaseObserver{}
	}
	return o
}
