package nfs

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// API is the lecture's network API strategy: how a request names the file it
// is about. Client and server must agree.
type API uint8

const (
	// FileHandles is strategy 4, NFSv2's own and the default: opaque handles
	// <volume, inode, generation>. A handle of a deleted file is stale
	// (ESTALE) even once its inode is reused.
	FileHandles API = iota
	// StatefulFDs is strategy 1: open() and close() go to the server, which
	// hands out file descriptors and keeps them in memory. A server crash
	// loses them, and the client's next read fails with EBADF.
	StatefulFDs
	// Paths is strategy 2: every request carries the file's path, which the
	// server walks name by name each time (pread(path, buf, size, offset)).
	Paths
	// Inodes is strategy 3: handles without a generation number. When a
	// file is deleted and its inode reused, an old handle names the new
	// file.
	Inodes
)

var apiNames = [...]string{FileHandles: "file_handles", StatefulFDs: "stateful_fds", Paths: "paths", Inodes: "inodes"}

// String returns the scenario spelling of a.
func (a API) String() string {
	if int(a) < len(apiNames) {
		return apiNames[a]
	}
	return fmt.Sprintf("api(%d)", uint8(a))
}

// ParseAPI parses the scenario spelling of an API strategy.
func ParseAPI(s string) (API, error) {
	for i, n := range apiNames {
		if n == s {
			return API(i), nil
		}
	}
	return 0, fmt.Errorf("nfs: unknown api %q (want file_handles, stateful_fds, paths or inodes)", s)
}

// WritePolicy is when a server's WRITE (and every other change) reaches its
// disk relative to the reply.
type WritePolicy uint8

const (
	// WriteThrough puts the data on disk before the reply: RFC 1094 §2.2's
	// "any data associated with the request is now on stable storage". The
	// disk's write latency is in every WRITE's round trip.
	WriteThrough WritePolicy = iota
	// Buffered replies at once and writes the changes every FlushInterval
	// (and on Flush). A crash loses what was acknowledged since the last
	// flush: the lecture's "server write buffer lost".
	Buffered
	// NVRAM replies once the change is in battery-backed memory (a
	// sim.Disk.Put, which is instant), and flushes like Buffered. The NVRAM
	// survives a crash and is replayed at restart.
	NVRAM
)

var policyNames = [...]string{WriteThrough: "write_through", Buffered: "buffered", NVRAM: "nvram"}

// String returns the scenario spelling of p.
func (p WritePolicy) String() string {
	if int(p) < len(policyNames) {
		return policyNames[p]
	}
	return fmt.Sprintf("write_policy(%d)", uint8(p))
}

// ParseWritePolicy parses the scenario spelling of a write policy.
func ParseWritePolicy(s string) (WritePolicy, error) {
	for i, n := range policyNames {
		if n == s {
			return WritePolicy(i), nil
		}
	}
	return 0, fmt.Errorf("nfs: unknown write_policy %q (want write_through, buffered or nvram)", s)
}

// DefaultFlushInterval is how often a buffered server flushes when
// ServerOptions.FlushInterval is 0 (the UNIX update daemon's 30 s).
const DefaultFlushInterval = 30 * time.Second

// DefaultWorkers is the number of server threads when ServerOptions.Workers
// is 0 (the traditional eight nfsd).
const DefaultWorkers = 8

// ServerOptions configure a Server. The zero value is valid: strategy 4,
// write-through, the whole tree exported, no duplicate-request cache.
type ServerOptions struct {
	// API is the naming strategy; the clients must use the same.
	API API
	// WritePolicy is when changes reach the disk.
	WritePolicy WritePolicy
	// FlushInterval is how often a Buffered or NVRAM server writes its
	// changes to disk (default 30s). Flushes happen at multiples of it
	// since the server started, and only when something is unwritten.
	FlushInterval time.Duration
	// Exports are the directories clients may mount (default "/"); a
	// directory inside an export may be mounted too.
	Exports []string
	// Append registers the non-idempotent APPEND procedure.
	Append bool
	// DRC turns on the duplicate-request cache: the RPC server runs at
	// most once and answers a repeated call from the cache, which is
	// volatile.
	DRC bool
	// DRCSize bounds the duplicate-request cache (0: rpc.DefaultDRCSize).
	DRCSize int
	// DRCAll makes the cache keep the replies of idempotent procedures
	// too; by default it keeps only those of SETATTR, WRITE, CREATE,
	// REMOVE, RENAME, LINK, SYMLINK, MKDIR, RMDIR (and the lecture's
	// APPEND, OPEN, CLOSE), as BSD's and Linux's servers do.
	DRCAll bool
	// Workers is the number of server threads (default 8).
	Workers int
	// ReadLatency is how long a READ takes to get its block from the disk
	// (default 0: the server's memory holds every block).
	ReadLatency time.Duration
	// Files is the tree a server formats its disk with when the disk holds
	// no file system: the state before the run. A restarted server finds
	// its file system on the disk and ignores Files.
	Files []File
}

func (o ServerOptions) withDefaults() ServerOptions {
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if len(o.Exports) == 0 {
		o.Exports = []string{"/"}
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	return o
}

// Mount is one entry of a client's mount table: Export of Server mounted on
// At in the client's namespace (the lecture's "/dev/sdb1 on /backups").
type Mount struct {
	// Server names the server node.
	Server string
	// Export is the directory on the server ("/" by default).
	Export string
	// At is where it appears in the client's namespace ("/" by default).
	At string
}

// DefaultTimeout is the first retransmission timeout when
// ClientOptions.Timeout is 0: Linux's 1.1 s for NFS over UDP.
const DefaultTimeout = 1100 * time.Millisecond

// MaxTimeout caps the doubling retransmission timeout (Linux: 60 s).
const MaxTimeout = 60 * time.Second

// DefaultAttrTimeout is the lecture's attribute cache lifetime, 3 s (Linux's
// acregmin).
const DefaultAttrTimeout = 3 * time.Second

// ClientOptions configure a Client. The zero value is valid except that
// AttrTimeout 0 turns attribute caching off: use DefaultAttrTimeout for the
// lecture's 3 s.
type ClientOptions struct {
	// API is the naming strategy; it must match the server's.
	API API
	// AttrTimeout is how long cached attributes are trusted. A cached
	// block whose attributes are older is revalidated with GETATTR before
	// use; 0 revalidates every time.
	AttrTimeout time.Duration
	// CacheBlocks bounds the block cache (0: unbounded). A full cache drops
	// its least recently used block, writing it back first if it is dirty.
	CacheBlocks int
	// Soft fails a call with ETIMEDOUT after Retrans retransmissions; a
	// hard mount (the default) retries forever.
	Soft bool
	// Retrans is how many retransmissions a soft mount makes.
	Retrans int
	// Timeout is the first retransmission timeout (default 1.1s); each
	// retransmission doubles it, up to MaxTimeout.
	Timeout time.Duration
	// DRC says the servers keep a duplicate-request cache, which the client
	// then acknowledges results for (at-most-once RPC).
	DRC bool
	// Append makes the append operation use the server's APPEND procedure
	// instead of a WRITE at the end of the file.
	Append bool
	// Mounts is the mount table (default: "server":/ on /). Paths resolve
	// through the entry with the longest matching At.
	Mounts []Mount
	// FixedPorts skips the portmapper: the client trusts the well-known
	// ports of MOUNT and NFS instead of asking each server with GETPORT
	// before its first MNT (see bind).
	FixedPorts bool
}

func (o ClientOptions) withDefaults() ClientOptions {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if len(o.Mounts) == 0 {
		o.Mounts = []Mount{{Server: "server", Export: "/", At: "/"}}
	}
	for i := range o.Mounts {
		if o.Mounts[i].Export == "" {
			o.Mounts[i].Export = "/"
		}
		if o.Mounts[i].At == "" {
			o.Mounts[i].At = "/"
		}
	}
	return o
}

// ServerObserver is told what a server does beyond the RPC layer, for the
// scenario runner's statistics. Its methods are called synchronously and
// must not call back into the server.
type ServerObserver interface {
	// Lookup: server resolved name in directory dir, one step of a path.
	Lookup(at sim.Time, server sim.NodeID, dir uint32, name string)
	// Changed: a procedure changed regular files in memory (from now on
	// a READ returns the new contents), and the server starts to make the
	// change stable as its write policy says.
	Changed(at sim.Time, server sim.NodeID, c Change)
	// Acknowledged: the server replies to the procedure that made change
	// id of this life of the server: after the disk writes under
	// write-through, at once under buffered and NVRAM. A change a crash
	// interrupts is never acknowledged.
	Acknowledged(at sim.Time, server sim.NodeID, id uint64)
}

// Change is one procedure's change of a server's regular files, as the
// server commits it.
type Change struct {
	// ID numbers the changes of one life of the server, from 1.
	ID uint64
	// Files are the regular files the procedure changed, as memory now
	// holds them.
	Files []FileState
}

type nopServerObserver struct{}

func (nopServerObserver) Lookup(sim.Time, sim.NodeID, uint32, string) {}
func (nopServerObserver) Changed(sim.Time, sim.NodeID, Change)        {}
func (nopServerObserver) Acknowledged(sim.Time, sim.NodeID, uint64)   {}
