// Package afs implements the Andrew File System of the lecture's AFS
// slides: "AFS Goals" through "AFS Summary", and the AFS column of the
// closing "AFS vs NFS Protocols" table.
//
// The pieces, each a role of a Node (one AFS machine on UDP port Port,
// running an RPC client and server, since servers call their clients back):
//
//   - FileServer (Vice): "directory tree stored across many server
//     machines", split into volumes. It serves whole files (FETCH), file
//     status (FETCHSTATUS), and takes whole files back (STORE), atomically:
//     "never get mixed data on server". It keeps a callback promise per
//     (file, client) it has served, and on a STORE breaks every other
//     holder's callback (BREAKCALLBACK): "tell clients when data is
//     overwritten".
//   - VLDB: the volume location database. "Client library gives seamless
//     view of directory tree by automatically finding volumes": clients ask
//     it where a volume is (GETVOLUMELOCATION) and cache the answer; "volumes
//     may be moved by an administrator" (FileServer.ReleaseVolume,
//     AttachVolume, VLDB.SetLocation), and a client that asks the old server
//     is told VMOVED and asks the database again.
//   - CacheManager (Venus): "upon open, AFS client fetches whole file ...
//     storing in local memory or disk; upon close, client flushes file to
//     server (if file was written)". Reads and writes are local; an open
//     file keeps the version it was opened with until close; the last
//     closer wins.
//
// Callbacks make the server stateful, and the slides "Callbacks: Dealing
// with STATE" ask three questions; the answers here:
//
//   - Client crash: the cache is on the client's disk and survives, but the
//     callbacks were in memory. ClientConfig.OnCrash chooses the lecture's
//     option 1 (EvictAll) or option 2 (Recheck: FETCHSTATUS before each
//     cached file's first use).
//   - Low server memory: the promise table is bounded
//     (ServerConfig.CallbackLimit) and FileServer.LowMemory drops it; the
//     server tells the holders, who "mark entry for recheck".
//   - Server crash: the restarted server lost its promises, so it tells
//     every client it ever promised anything ("tell all clients to recheck
//     all data before next read"), and every reply carries its epoch.
//
// Callbacks also expire, as in OpenAFS, and a break that cannot be
// delivered (client down or partitioned) is kept as a delayed break,
// retried, and delivered before that client is served again. A promise
// lasts as long as the OpenAFS file server makes it last
// (OpenAFSLifetime): 4 hours on a file fewer than 8 clients hold, down to
// 7 minutes on one 64 or more hold, so that a client re-reading a lightly
// shared, unchanged file every minute asks the server a few times a day,
// not once a minute (ServerConfig.CallbackLifetime fixes it instead).
//
// ServerConfig.Prototype and ClientConfig.Prototype make the AFS
// prototype that Howard et al. (1988, "Scale and Performance in a
// Distributed File System", §2) measured before the revised AFS: no
// callbacks, so the client validates its cached copy with the server on
// every open (the prototype's TestAuth; FETCHSTATUS here) and asks for
// the status on every stat (GetFileStat). Those validation calls
// dominated the prototype's server load, which is what callbacks removed
// (§3.2; the lecture's "Stale Cache" slide: "Clients can use data without
// checking all the time").
// A STORE is acknowledged once every other holder has acknowledged its
// break or its promise has expired, so that a returned close is never
// followed by another client reading the old version without asking.
//
// A file server that does not answer is given up on after
// ClientConfig.ServerAttempts transmissions of one call (ETIMEDOUT from the
// RPC layer; default 4, about 4 s). The client then forgets the volume's
// location and asks the VLDB again, since the volume may have moved off a
// server that then died and can no longer say VMOVED; if the VLDB names
// another server the call goes there at once. If it names the same one, or
// the VLDB does not answer either, the client waits and tries again, as
// afs_CheckServers keeps pinging down servers: RetryBackoff (2 s), doubling
// up to MaxRetryBackoff (1 min). After GiveUpAfter (10 min) from the first
// silent server the operation fails with ETIMEDOUT, the error OpenAFS
// returns for a volume whose servers are all down, and the server is
// marked down: later operations try it once (one round of attempts and a
// VLDB lookup) and fail at once, until it answers again. So a server that
// never comes back holds one operation for 10 minutes, not for ever. A
// call given up on ran on the silent server once or not at all, and the
// next try is a new call: a CREATE that ran before its replies were lost
// may come back EEXIST, as with NFS.
//
// Files are named by path, not by AFS-3 fids; see FileArgs. Everything on
// the wire is XDR (package xdr) inside the RPC layer's messages.
package afs
