package nfs

import (
	"fmt"
	"sort"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/stack"
	"github.com/sim-lecture/sim/sim"
)

// Server is an NFSv2 file server: the procedures of RFC 1094 registered on
// an RPC server (and MOUNT's on another, see RegisterMount), over a local
// file system kept on the node's disk.
//
// It is stateless in the lecture's sense: it remembers nothing about its
// clients. Its volatile state is a cache of the disk (the whole file system,
// read at start), the changes not yet written (Buffered and NVRAM), the
// duplicate-request cache of the RPC server below (DRC) and, under the
// lecture's strategy 1 only, the table of open server fds. A crash loses all
// of it; a restarted server reads the disk (and replays the NVRAM) and goes
// on, and a client that retransmits cannot tell the crash from a slow reply.
type Server struct {
	env  sim.Env
	rpc  *rpc.Server
	opts ServerOptions
	obs  ServerObserver
	cb   *stack.Callbacks
	fs   *fs

	// ver counts the changes of each inode (indexed by inode), so that a
	// flush knows whether the NVRAM copy it wrote is still the latest.
	ver []uint64
	// dirty holds the inodes changed since they were last written (Buffered
	// and NVRAM); looked up, and sorted before use.
	dirty map[uint32]bool
	// started is when this life of the server began: flushes fall on
	// multiples of FlushInterval since then.
	started    sim.Time
	flushTimer stack.Timer
	// lastFlush is when the latest flush whose writes are all durable
	// started: everything acknowledged before it is on disk.
	lastFlush sim.Time
	replayed  int
	lookups   uint64
	// changes counts the changes committed in this life (Change.ID).
	changes uint64

	// fds is strategy 1's table of open files, indexed by fd (0 unused).
	fds []serverFD
	// mounts are the mounts clients made (MNT) and did not undo (UMNT),
	// in the order they were made: MOUNT's DUMP.
	mounts []mountEntry
	// mounted is the set of mounts, so that an MNT finds out whether it
	// is listed without scanning them all: with thousands of clients
	// mounting, the scans were quadratic.
	mounted map[mountEntry]bool

	// shown remembers the path under which each file's blocks were last
	// traced as state, so that a removed file can be shown gone; looked
	// up only.
	shown map[shownKey]string
}

// serverFD is an open file of strategy 1.
type serverFD struct {
	open bool
	ino  uint32
	gen  uint32
}

// NewServer builds the NFS service on rs, an RPC server, with env for its
// own timers and disk writes (BindServer gives it tags of its own beside
// the RPC server's, with a stack.Mux). If the disk holds no file system it
// is formatted with opts.Files; otherwise the file system on it is loaded,
// and under the NVRAM policy the contents of the NVRAM are replayed:
// applied in memory and written to disk at once. obs may be nil.
func NewServer(env sim.Env, rs *rpc.Server, opts ServerOptions, obs ServerObserver) (*Server, error) {
	opts = opts.withDefaults()
	if obs == nil {
		obs = nopServerObserver{}
	}
	s := &Server{env: env, rpc: rs, opts: opts, obs: obs, cb: stack.NewCallbacks(env), dirty: map[uint32]bool{}, started: env.Now(),
		shown: map[shownKey]string{}}
	disk := env.Disk()
	fresh := !formatted(disk)
	if fresh {
		if err := format(disk, env.Name(), opts.Files); err != nil {
			return nil, err
		}
	}
	f, replay, err := load(disk, true)
	if err != nil {
		return nil, err
	}
	s.fs = f
	// The walk visits the entries in the order pathOf searches them, so
	// the first path it gives an inode is pathOf's: passing it on, rather
	// than searching the tree again per file, keeps formatting n files
	// linear (it was quadratic: 10,000 files took seconds).
	var first map[uint32]string
	if fresh {
		first = map[uint32]string{}
	}
	f.walkFiles(func(ino uint32, path string, n *inodeRec) {
		if fresh {
			p, seen := first[ino]
			if !seen {
				p, first[ino] = path, path
			}
			// The disk before the run: the slides' "server disk" row.
			s.traceFileAt(sim.TraceDurable, "disk", ino, p, n)
		}
		s.shown[shownKey{"disk", ino}] = path
	})
	s.ver = make([]uint64, len(f.inodes))
	s.register()
	if len(replay) > 0 {
		// NVRAM survived the crash: what was acknowledged is still here.
		// Write it to the disk now rather than at the next tick.
		for _, ino := range replay {
			s.dirty[ino] = true
			if path, ok := f.pathOf(ino); ok {
				s.shown[shownKey{"nvram", ino}] = path
			}
			s.traceFile(sim.TraceState, "mem", ino, f.get(ino))
		}
		s.replayed = len(replay)
		env.Trace("nfs", fmt.Sprintf("replaying %d inode(s) from NVRAM", len(replay)))
		s.Flush()
	}
	return s, nil
}

// Options returns the server's options with defaults filled in.
func (s *Server) Options() ServerOptions { return s.opts }

// Volume returns the server's volume id (fsid).
func (s *Server) Volume() uint32 { return s.fs.fsid }

// Lookups counts the names this life of the server has resolved in
// directories: one per LOOKUP, one per name of a path the server walked.
func (s *Server) Lookups() uint64 { return s.lookups }

// Replayed returns how many inodes this server replayed from NVRAM when it
// started.
func (s *Server) Replayed() int { return s.replayed }

// LastFlush returns when the latest complete flush started: every change
// acknowledged before then is on disk. Under WriteThrough it is the current
// time, since nothing waits.
func (s *Server) LastFlush() sim.Time {
	if s.opts.WritePolicy == WriteThrough {
		return s.env.Now()
	}
	return s.lastFlush
}

// Files returns the server's file system as its memory holds it (ahead of
// the disk by the unflushed changes), path -> blocks.
func (s *Server) Files() map[string][]string { return s.fs.files() }

// FileStates returns the regular files as the server's memory holds them,
// by inode.
func (s *Server) FileStates() []FileState { return s.fs.states() }

// Block returns block b of inode fileid as the server holds it in memory:
// what a READ would return now, and when it last changed.
func (s *Server) Block(fileid uint32, b int) (data string, modified sim.Time, ok bool) {
	return s.fs.block(fileid, b)
}

// Unstable is a block whose acknowledged contents are not on stable storage:
// a crash now would lose them.
type Unstable struct {
	// Path and Fileid name the file; Block the block.
	Path   string
	Fileid uint32
	Block  int
	// Data is the acknowledged content, Modified when it was written.
	Data     string
	Modified sim.Time
	// Durable is what the disk holds instead; OnDisk says whether the disk
	// has the block at all.
	Durable string
	OnDisk  bool
}

// Unstable lists, in inode and block order, every block whose acknowledged
// contents a crash right now would lose. It is empty under WriteThrough
// (no reply precedes its write) and NVRAM (the NVRAM keeps what the disk
// lacks).
func (s *Server) Unstable() []Unstable {
	if s.opts.WritePolicy == WriteThrough {
		return nil
	}
	durable, _, err := load(s.env.Disk(), true)
	if err != nil {
		panic("nfs: the server's own disk does not load: " + err.Error())
	}
	var out []Unstable
	for ino, n := range s.fs.inodes {
		if n == nil || n.Type != NFREG {
			continue
		}
		d := durable.get(uint32(ino))
		// The path only of a file with unstable blocks: searching the
		// tree for every file made each crash quadratic in the files.
		path, known := "", false
		for b, blk := range n.Blocks {
			u := Unstable{Fileid: uint32(ino), Block: b, Data: blk.Data, Modified: sim.Time(blk.Modified)}
			if d != nil && d.Type == NFREG && d.Gen == n.Gen && b < len(d.Blocks) {
				u.Durable, u.OnDisk = d.Blocks[b].Data, true
			}
			if !u.OnDisk || u.Durable != u.Data {
				if !known {
					path, _ = s.fs.pathOf(uint32(ino))
					known = true
				}
				u.Path = path
				out = append(out, u)
			}
		}
	}
	return out
}

// Flush writes every changed inode to disk now, as the flush timer and the
// scenario's `flush` fault do, and returns how many it wrote. Under NVRAM
// each NVRAM copy is dropped once its inode is durable, unless it changed
// again meanwhile.
func (s *Server) Flush() int {
	if len(s.dirty) == 0 {
		return 0
	}
	inos := make([]uint32, 0, len(s.dirty))
	for ino := range s.dirty {
		inos = append(inos, ino)
	}
	sort.Slice(inos, func(i, j int) bool { return inos[i] < inos[j] })
	start := s.env.Now()
	left := len(inos)
	for _, ino := range inos {
		delete(s.dirty, ino)
		ino, v, rec := ino, s.ver[ino], s.fs.get(ino).clone()
		s.cb.WriteDisk(inodeKey(ino), rec.encode(), func() {
			s.traceFile(sim.TraceDurable, "disk", ino, rec)
			if s.opts.WritePolicy == NVRAM && s.ver[ino] == v {
				s.env.Disk().Delete(nvramKey(ino))
				s.traceGone(sim.TraceDurable, "nvram", ino)
			}
			if left--; left == 0 && start > s.lastFlush {
				s.lastFlush = start
			}
		})
	}
	s.env.Trace("nfs", fmt.Sprintf("flushing %d inode(s)", len(inos)))
	return len(inos)
}

// traceFile records, as state key "where PATH", the blocks of inode ino
// as n holds them: what the lecture draws in the "server mem" and "server
// disk" rows of its write-buffer slides. Only regular files are shown; a
// file that was removed is shown gone.
func (s *Server) traceFile(trace func(sim.Env, string, string), where string, ino uint32, n *inodeRec) {
	if n == nil || n.Type != NFREG {
		if n != nil && n.Type == NFNON {
			s.traceGone(trace, where, ino)
		}
		return
	}
	path, ok := s.fs.pathOf(ino)
	if !ok {
		s.traceGone(trace, where, ino)
		return
	}
	s.traceFileAt(trace, where, ino, path, n)
}

// traceFileAt is traceFile for a regular file whose path is known.
func (s *Server) traceFileAt(trace func(sim.Env, string, string), where string, ino uint32, path string, n *inodeRec) {
	blocks := make([]string, len(n.Blocks))
	for i, b := range n.Blocks {
		blocks[i] = b.Data
	}
	s.shown[shownKey{where, ino}] = path
	trace(s.env, where+" "+path, sim.Cells(blocks))
}

// traceGone records that the file inode ino was last shown as is gone
// from where (removed, or its NVRAM copy dropped after the flush).
func (s *Server) traceGone(trace func(sim.Env, string, string), where string, ino uint32) {
	k := shownKey{where, ino}
	if path, ok := s.shown[k]; ok {
		delete(s.shown, k)
		trace(s.env, where+" "+path, "")
	}
}

// shownKey names a file's row in the state records: where ("mem",
// "disk", "nvram") and the inode.
type shownKey struct {
	where string
	ino   uint32
}

// armFlush makes sure a flush is coming at the next multiple of
// FlushInterval since the server started.
func (s *Server) armFlush() {
	if s.flushTimer.Pending() {
		return
	}
	iv := s.opts.FlushInterval
	since := s.env.Now().Sub(s.started)
	next := (since/iv + 1) * iv
	s.flushTimer = s.cb.After(next-since, func() {
		s.flushTimer = stack.Timer{}
		s.Flush()
	})
	// The flush daemon is the server's upkeep, not a client's request: it
	// flushes while the run has work, but a run whose clients are done
	// ends then, with the buffer as it is (sim.Env.Housekeeping).
	s.env.Housekeeping(s.flushTimer.ID())
}

// commit makes the changes of inodes inos (already applied in memory)
// stable as the write policy says, then calls reply: after the disk writes
// under WriteThrough, at once otherwise. The inodes are written in the
// order given, which the callers choose so that a crash between two writes
// leaves at worst an orphan inode, never a name for a missing one.
func (s *Server) commit(c *rpc.Call, inos []uint32, reply func()) {
	for _, ino := range inos {
		for int(ino) >= len(s.ver) {
			s.ver = append(s.ver, 0)
		}
		s.ver[ino]++
	}
	var files []FileState
	for _, ino := range inos {
		if st, ok := s.fs.state(ino); ok {
			files = append(files, st)
		}
	}
	if len(files) > 0 {
		// Tell the observer what changed, and when the reply goes out: the
		// client's acknowledgment.
		s.changes++
		id, send := s.changes, reply
		s.obs.Changed(s.env.Now(), s.env.Self(), Change{ID: id, Files: files})
		reply = func() {
			s.obs.Acknowledged(s.env.Now(), s.env.Self(), id)
			send()
		}
	}
	switch s.opts.WritePolicy {
	case WriteThrough:
		left := len(inos)
		if left == 0 {
			reply()
			return
		}
		for _, ino := range inos {
			rec := s.fs.get(ino).clone()
			c.WriteDisk(inodeKey(ino), rec.encode(), func() {
				s.traceFile(sim.TraceDurable, "disk", ino, rec)
				if left--; left == 0 {
					reply()
				}
			})
		}
	case NVRAM:
		for _, ino := range inos {
			s.env.Disk().Put(nvramKey(ino), s.fs.get(ino).encode())
			s.dirty[ino] = true
			s.traceFile(sim.TraceState, "mem", ino, s.fs.get(ino))
			s.traceFile(sim.TraceDurable, "nvram", ino, s.fs.get(ino))
		}
		s.armFlush()
		reply()
	default: // Buffered
		for _, ino := range inos {
			s.dirty[ino] = true
			s.traceFile(sim.TraceState, "mem", ino, s.fs.get(ino))
		}
		s.armFlush()
		reply()
	}
}

// Timer runs the callback of one of the server's own timers or disk writes.
func (s *Server) Timer(tag uint64) { s.cb.Timer(tag) }
