// Package nfs implements NFS version 2 (RFC 1094) the way the lecture's NFS
// section builds it, slide by slide, on the RPC layer (package rpc) over UDP
// (package udp).
//
//   - "General Strategy: Export FS" and the mount slides ("/dev/sdb1 on
//     /backups"): a Server exports directories of a local file system kept
//     on its node's disk (ServerOptions.Exports), and a Client mounts them
//     at paths of its own namespace with MNT (ClientOptions.Mounts); a
//     client may mount several servers, and its paths resolve through the
//     mount table, longest match first.
//   - "Strategy 1" to "Strategy 4", the network API (API): stateful_fds
//     forwards open/read/close and loses its fds in a server crash (EBADF);
//     paths sends the path in every request and the server walks it every
//     time (Server.Lookups); inodes sends <volume, inode> handles that name
//     a reused inode's new file; file_handles, the default and NFSv2's own,
//     adds the generation number, so a deleted file's handle is stale
//     (NFSERR_STALE, ESTALE) even once its inode is reused.
//   - "Can NFS Protocol include Append?" and "Idempotent Operations":
//     READ, WRITE (pwrite), GETATTR and LOOKUP may run twice; CREATE
//     (exclusive, as RFC 1094's note asks), MKDIR, LINK and SYMLINK get
//     EEXIST, and REMOVE, RMDIR and RENAME ENOENT, when a retransmission
//     runs again ("What about these? mkdir, creat"); the non-idempotent
//     APPEND exists only with ServerOptions.Append, to show its duplicate.
//     The optional duplicate-request cache (ServerOptions.DRC) is the RPC
//     server's at-most-once cache, keyed and filled as BSD's and Linux's
//     are (the non-idempotent procedures' replies): volatile, so a crash
//     forgets it ("Replica Suppression is Stateful").
//   - "Strategy 5: client logic": Client builds the UNIX API (an fd table
//     of handle + offset; open, read, write, close, seek, create, remove,
//     mkdir, rmdir, rename, link, symlink, readlink, readdir, truncate,
//     stat, statfs, append) on the stateless protocol. Each operation is a
//     list of steps, one RPC each, that reads top to bottom (client_ops.go).
//   - "Write Buffers" and "Server Write Buffer Lost": WritePolicy
//     WriteThrough (data on disk before the reply, RFC 1094 §2.2: slow),
//     Buffered (reply first, flush every FlushInterval: a crash loses
//     acknowledged writes, and the disk can end in a state that matches no
//     point in time) and NVRAM (a persistent buffer, replayed at restart).
//   - "Cache", "Update Visibility", "Stale Cache" and "Reducing Stat
//     Calls": the client caches blocks and attributes; it flushes dirty
//     blocks on close (and when its cache is full), revalidates a cached
//     block with GETATTR once the attributes are older than AttrTimeout (the
//     lecture's 3 s), and drops the file's cached blocks when the mtime
//     changed. It can therefore "read data that is up to 3 seconds old".
//   - The closing table ("Nfs Protocol": when is the server contacted?)
//     comes out of these rules row by row; see TestLectureTable and the
//     built-in scenario nfs_lecture_table.
//
// # Wire
//
// NFS is ONC RPC program 100003, version 2, with RFC 1094's eighteen
// procedures, numbers and XDR (proto.go; ROOT and WRITECACHE are answered
// with nothing, as nfsd does): fhandles are 32 opaque bytes, every reply
// that has attributes carries a full fattr, each result is a union on its
// nfsstat, and calls carry AUTH_SYS credentials, which the server requires.
// MOUNT is program 100005, version 1 (MNT, DUMP, UMNT, UMNTALL, EXPORT). A
// server listens at the well-known ports: NFS on 2049, MOUNT on 20048
// (IANA's mountd port) and the portmapper (package rpc) on 111, which
// answers GETPORT for both; a client talks from the same ports, and asks
// the portmapper before its first MNT to a server (portmap.go). Procedure
// names are upper case (GETATTR, READ, ...), as the results print them.
//
// The lecture's strategies 1 and 2 name files by path or server fd where
// NFSv2 has a handle, so their requests are not NFSv2's: they run under a
// program of their own, LectureProgram (version 1 and 2), with NFSv2's
// procedure numbers and otherwise RFC 1094's arguments; so does APPEND
// under every strategy. Requests are decoded at the door (args.go): the
// strategy decides only how a file is named, and each procedure's body
// exists once.
//
// A block is one READ or WRITE of BlockSize (MaxData, 8192) bytes at offset
// block*BlockSize; its content is a short token ("a1"), sent as those bytes,
// that stands for the block's bytes, and sizes count whole blocks.
//
// # Timing
//
// The client retransmits a call whose reply does not come: after Timeout
// (1.1 s), then doubling up to 60 s (Linux's UDP timeo), forever on a hard
// mount and Retrans times on a soft one (then ETIMEDOUT). Server times
// (mtime) are virtual, to the microsecond as on the wire.
//
// # Crashes
//
// A server's volatile state is its memory: the file system as cached from
// the disk, the unflushed changes (Buffered), the RPC server's
// duplicate-request cache and strategy 1's fd table. A client's is
// everything: its fd table, both caches and its unflushed writes. A
// node's factory, a fresh udp.Host with BindServer or BindClient, rebuilds
// it from its disk alone, so that sim's crash and restart drop exactly
// that.
//
// Deviations from RFC 1094 and their reasons: times count from the start
// of the run; CREATE is exclusive (the RFC's note); a directory's READDIR
// leaves out "." and ".."; access is never checked (the lecture has one
// user); atime is not updated by reads (it would turn every READ into a
// disk write); the client does not follow symbolic links (READLINK shows
// what one holds); MOUNT's list of mounts (DUMP) is volatile. NFSERR_BADF
// and NFSERR_INVAL are not RFC 1094 statuses: BADF only occurs under
// strategy 1, INVAL for malformed requests and for READLINK, READ or WRITE
// of what is not a symbolic link or a regular file, as Linux's nfsd sends.
package nfs
