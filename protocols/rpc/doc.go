// Package rpc implements the lecture's remote procedure call: "create
// wrappers so calling a function on another machine feels just like calling
// a local function". It covers the RPC slides:
//
//   - RPC and wrappers: a Client (the client wrapper's runtime) sends a call
//     and hands the result to a callback; a Server (the server wrapper's
//     listener loop) runs the registered procedure and replies.
//   - RPC tools: the runtime library has a thread pool (ServerOptions.Workers;
//     calls queue when every worker is busy), and the stubs convert
//     arguments and results to messages. The stubs here are written by hand,
//     one method per procedure (DemoClient); rpcgen, Thrift or protobufs
//     would generate the same code from an interface definition.
//   - Marshaling: arguments, results and the RPC messages themselves are XDR
//     (package xdr), big-endian whatever the machine, so the wire carries
//     real bytes whose size drives the network's delays.
//   - Pointers: xdr.Marshal follows pointers and copies what they point to,
//     the "smart RPC package"; the callee gets a copy, never an address.
//   - RPC over TCP vs UDP: the Env below the RPC layer is either a UDP port
//     (messages lost, duplicated, reordered) or the reliable transport;
//     Options.Reliable says which. Over UDP the RPC layer does its own
//     retransmission and acknowledgement; over the reliable transport it
//     sends each call once (see Options.ReliableTimeout for crashes).
//   - Function return as implicit ACK: over UDP the reply acknowledges the
//     call and the client's next call acknowledges the previous reply
//     (Birrell & Nelson §3.2), so a quick call costs two messages.
//   - Long calls, then a separate ACK: a call held longer than
//     ServerOptions.AckAfter (50ms by default, so that the ACK beats the
//     client's 100ms retransmission), or retransmitted with the please-ack
//     flag, is acknowledged explicitly; the client then stops
//     retransmitting and sends PROBEs every Options.ProbeInterval
//     (Birrell & Nelson §3.3).
//   - Idempotence and append: the demo service (RegisterDemo) has the
//     non-idempotent increment and append next to read, so a call executed
//     twice is visible in the server's state. That state is durable (written
//     to the disk before the reply, like NFSv2) while the duplicate-request
//     cache is not, so a crash keeps the log and forgets the cache.
//
// # Call semantics
//
// At least once (AtLeastOnce): the client retransmits every Options.Timeout
// until it gets a reply; the server runs every copy that reaches it. A lost
// reply therefore runs the procedure again.
//
// At most once (AtMostOnce): the server keeps a duplicate-request cache
// keyed by CallID, in memory. A repeat of a call in progress is dropped
// (answered with an ACK if the client asked); a repeat of a completed call
// gets the cached reply; a repeat of a call the client has since
// acknowledged is dropped. This is Birrell & Nelson's guarantee: if the call
// returns, the procedure ran exactly once; if it fails (ETIMEDOUT after
// Options.MaxAttempts), it ran once or not at all and the caller cannot tell
// which. The cache is volatile: after a server crash a retransmitted call
// runs again, the lecture's "if server crashes, forgets which RPCs have been
// executed". A bounded cache (ServerOptions.DRCSize) forgets the least
// recently used replies first, and a repeat of a forgotten call runs again.
//
// Acknowledgements and the cache. Every CALL carries AckBelow, the client's
// lowest outstanding sequence number: it acknowledges every result below,
// so the server drops those cached replies and discards any late copy of
// those calls, as Birrell & Nelson's callee discards calls whose sequence
// number is not greater than the last one it saw. A result that no next
// call acknowledges within Options.AckAfter gets an explicit ACK. (Birrell &
// Nelson instead have the callee retransmit the result asking for an ACK;
// here a lost result is recovered by the caller's retransmission hitting
// the cache, so the callee keeps no timer per result.) A call from an
// older incarnation of a client than one already seen is discarded: its
// caller is gone. None of this applies at least once, where the server
// keeps no memory of calls.
//
// Long calls. While the server holds an acknowledged call, each probe is
// answered with an ACK, or with the (cached) reply once it is done. After
// Options.MaxProbes unanswered probes the client retransmits the call, which
// with MaxAttempts > 0 soon fails it: Birrell & Nelson fail the call at once
// there; retrying first lets a "retry forever" client survive a server
// restart, at the price of running the call again.
//
// Over the reliable transport (Options.Reliable, ServerOptions.Reliable)
// the client never retransmits by itself and the server sends no unsolicited
// ACK: the transport already retransmits, acknowledges and orders. If
// either side crashes the connection and the call are lost; only
// Options.ReliableTimeout, if set, sends the call again. Results are still
// acknowledged at most once, since the cache is the RPC layer's, not the
// transport's.
//
// # Concurrency
//
// A Client may have many calls outstanding, to one or several servers;
// each is independent and has its own sequence number. A Server runs up to
// Workers procedures at a time, in the order the calls arrived.
//
// # Wire format
//
// Every message is XDR (RFC 4506): big-endian, each item a multiple of four
// bytes. A common header, then a body by kind:
//
//	kind uint32 (1 CALL, 2 REPLY, 3 ACK of a call, 4 ACK of a result, 5 PROBE)
//	client int32, incarnation uint32, seq uint64     the CallID
//	CALL:   flags uint32 (bit 0: please ACK), ackBelow uint64,
//	        proc string, args opaque<>
//	REPLY:  status string ("" = success, else an error name), result opaque<>
//	ACK 3:  (nothing)
//	ACK 4:  ackBelow uint64
//	PROBE:  (nothing)
//
// A call without arguments is 40 bytes plus its procedure name padded to four;
// its reply without a result is 28. The
// trace labels a call by its procedure in upper case ("APPEND"), its reply
// "REPLY APPEND", and the others "ACK" and "PROBE".
//
// # Hosting
//
// Client and Server are each a sim.Handler. A node that hosts both uses a
// Node, which routes messages by kind and timers by tag.
package rpc
