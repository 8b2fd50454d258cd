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
//   - Long calls, then a separate ACK: with Birrell & Nelson's extensions,
//     a call held longer than ServerOptions.AckAfter (50ms by default, so
//     that the ACK beats the client's 100ms retransmission), or
//     retransmitted with the please-ack flag, is acknowledged explicitly;
//     the client then stops retransmitting and sends PROBEs every
//     Options.ProbeInterval (Birrell & Nelson §3.3).
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
// reply therefore runs the procedure again. With Options.Backoff the
// interval doubles at each retransmission up to Options.MaxTimeout (the
// lecture's "for each missing ack, wait longer between retries"), so that
// many clients of a slow server do not bury it in retransmissions.
//
// At most once (AtMostOnce): the server keeps a duplicate-request cache in
// memory, keyed as real servers key it: xid, procedure, client address and
// a checksum of the arguments. A repeat of a call in progress is dropped
// (answered with an ACK if the client asked); a repeat of a completed
// non-idempotent call gets the cached reply (every call's, with
// ServerOptions.CacheAll); a repeat of a completed idempotent call runs
// again; a repeat of a call the client has since acknowledged is dropped. This is Birrell & Nelson's guarantee: if the call
// returns, the procedure ran exactly once; if it fails (ETIMEDOUT after
// Options.MaxAttempts), it ran once or not at all and the caller cannot tell
// which. The cache is volatile: after a server crash a retransmitted call
// runs again, the lecture's "if server crashes, forgets which RPCs have been
// executed". A bounded cache (ServerOptions.DRCSize) forgets the least
// recently used replies first, and a repeat of a forgotten call runs again.
//
// Acknowledgements and the cache (Birrell & Nelson's extensions). Every
// CALL with AUTH_SYS carries AckBelow, the client's lowest outstanding
// sequence number: it acknowledges every result below,
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
// Every message is ONC RPC version 2 (RFC 5531 §9, see Msg), in XDR (RFC
// 4506): a call names its program, version and procedure by number (Proc)
// and carries AUTH_NONE or AUTH_SYS credentials (Options.Auth); a reply is
// accepted, with an accept_stat (SUCCESS, PROG_UNAVAIL, PROG_MISMATCH,
// PROC_UNAVAIL, GARBAGE_ARGS, SYSTEM_ERR), or denied (RPC_MISMATCH,
// AUTH_ERROR). A call's xid is the caller's incarnation (modulo 256) in the
// top byte and its sequence number below (CallID, XIDs). Over the reliable
// transport each message is a record (RFC 5531 §11, RecordStream).
//
// Birrell & Nelson's extensions (Options.BirrellNelson) fit in the standard
// messages: the piggybacked acknowledgement and the request for an ACK ride
// in the AUTH_SYS stamp, and the explicit ACKs and probes are one-way calls
// of a program of their own (AckProgram). Without them the runtime is a
// plain ONC RPC client or server, as NFS uses it. The trace labels a call by
// its procedure in upper case ("APPEND"), its reply "REPLY APPEND", and the
// others "ACK" and "PROBE".
//
// # Hosting
//
// Client and Server are each a sim.Handler. A node that hosts both uses a
// Node, which routes messages by kind and timers by tag.
package rpc
