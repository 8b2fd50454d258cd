package nfs

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// Server is an NFSv2 file server: the procedures of RFC 1094 (and MOUNT's
// MNT) registered on an RPC server, over a local file system kept on the
// node's disk.
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
	cb   callbacks
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
	flushTimer timer
	// lastFlush is when the latest flush whose writes are all durable
	// started: everything acknowledged before it is on disk.
	lastFlush sim.Time
	replayed  int
	lookups   uint64

	// fds is strategy 1's table of open files, indexed by fd (0 unused).
	fds []serverFD
}

// serverFD is an open file of strategy 1.
type serverFD struct {
	open bool
	ino  uint32
	gen  uint32
}

// NewServer builds the NFS service on rs, an RPC server, with env for its
// own timers and disk writes (the scenario runner's nodes give it tags of
// its own; see ServerNode). If the disk holds no file system it is formatted
// with opts.Files; otherwise the file system on it is loaded, and under the
// NVRAM policy the contents of the NVRAM are replayed: applied in memory
// and written to disk at once. obs may be nil.
func NewServer(env sim.Env, rs *rpc.Server, opts ServerOptions, obs ServerObserver) (*Server, error) {
	opts = opts.withDefaults()
	if obs == nil {
		obs = nopServerObserver{}
	}
	s := &Server{env: env, rpc: rs, opts: opts, obs: obs, cb: newCallbacks(env), dirty: map[uint32]bool{}, started: env.Now()}
	disk := env.Disk()
	if !formatted(disk) {
		if err := format(disk, env.Name(), opts.Files); err != nil {
			return nil, err
		}
	}
	f, replay, err := load(disk, true)
	if err != nil {
		return nil, err
	}
	s.fs = f
	s.ver = make([]uint64, len(f.inodes))
	s.register()
	if len(replay) > 0 {
		// NVRAM survived the crash: what was acknowledged is still here.
		// Write it to the disk now rather than at the next tick.
		for _, ino := range replay {
			s.dirty[ino] = true
		}
		s.replayed = len(replay)
		env.Trace("nfs", fmt.Sprintf("replaying %d inode(s) from NVRAM", len(replay)))
		s.Flush()
	}
	return s, nil
}

func (s *Server) register() {
	r := func(name string, h rpc.ProcHandler) { s.rpc.Register(procFor(s.opts.API, name), h) }
	r(ProcNull, func(c *rpc.Call) { c.Reply(nil, nil) })
	r(ProcGetattr, s.getattr)
	r(ProcSetattr, s.setattr)
	r(ProcLookup, s.lookup)
	r(ProcRead, s.read)
	r(ProcWrite, s.write)
	r(ProcCreate, func(c *rpc.Call) { s.create(c, NFREG) })
	r(ProcMkdir, func(c *rpc.Call) { s.create(c, NFDIR) })
	r(ProcRemove, func(c *rpc.Call) { s.remove(c, false) })
	r(ProcRmdir, func(c *rpc.Call) { s.remove(c, true) })
	r(ProcRename, s.rename)
	r(ProcReaddir, s.readdir)
	r(ProcStatfs, s.statfs)
	r(ProcMnt, s.mnt)
	if s.opts.Append {
		r(ProcAppend, s.appendProc)
	}
	if s.opts.API == StatefulFDs {
		r(ProcOpen, s.open)
		r(ProcClose, s.close)
	}
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
		path, _ := s.fs.pathOf(uint32(ino))
		for b, blk := range n.Blocks {
			u := Unstable{Path: path, Fileid: uint32(ino), Block: b, Data: blk.Data, Modified: sim.Time(blk.Modified)}
			if d != nil && d.Type == NFREG && d.Gen == n.Gen && b < len(d.Blocks) {
				u.Durable, u.OnDisk = d.Blocks[b].Data, true
			}
			if !u.OnDisk || u.Durable != u.Data {
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
		ino, v := ino, s.ver[ino]
		s.cb.writeDisk(inodeKey(ino), s.fs.get(ino).clone().encode(), func() {
			if s.opts.WritePolicy == NVRAM && s.ver[ino] == v {
				s.env.Disk().Delete(nvramKey(ino))
			}
			if left--; left == 0 && start > s.lastFlush {
				s.lastFlush = start
			}
		})
	}
	s.env.Trace("nfs", fmt.Sprintf("flushing %d inode(s)", len(inos)))
	return len(inos)
}

// armFlush makes sure a flush is coming at the next multiple of
// FlushInterval since the server started.
func (s *Server) armFlush() {
	if s.flushTimer.tag != 0 {
		return
	}
	iv := s.opts.FlushInterval
	since := s.env.Now().Sub(s.started)
	next := (since/iv + 1) * iv
	s.flushTimer = s.cb.after(next-since, func() {
		s.flushTimer = timer{}
		s.Flush()
	})
	// The flush daemon is the server's upkeep, not a client's request: it
	// flushes while the run has work, but a run whose clients are done
	// ends then, with the buffer as it is (sim.Env.Housekeeping).
	s.env.Housekeeping(s.flushTimer.id)
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
	switch s.opts.WritePolicy {
	case WriteThrough:
		left := len(inos)
		if left == 0 {
			reply()
			return
		}
		for _, ino := range inos {
			c.WriteDisk(inodeKey(ino), s.fs.get(ino).clone().encode(), func() {
				if left--; left == 0 {
					reply()
				}
			})
		}
	case NVRAM:
		for _, ino := range inos {
			s.env.Disk().Put(nvramKey(ino), s.fs.get(ino).encode())
			s.dirty[ino] = true
		}
		s.armFlush()
		reply()
	default: // Buffered
		for _, ino := range inos {
			s.dirty[ino] = true
		}
		s.armFlush()
		reply()
	}
}

// Request decoding and replies.

// decode unmarshals a call's arguments into v, or replies GARBAGE_ARGS.
func decode(c *rpc.Call, v any) bool {
	if err := xdr.Unmarshal(c.Args, v); err != nil {
		c.Reply(nil, rpc.ErrGarbageArgs)
		return false
	}
	return true
}

func reply(c *rpc.Call, st Status, body any) { c.Reply(encodeResult(st, body), nil) }

// byPath reports whether requests name files by path (strategies 1 and 2)
// rather than by handle.
func (s *Server) byPath() bool { return s.opts.API == Paths || s.opts.API == StatefulFDs }

// handleOf returns the handle of inode ino: without the generation under
// strategy 3.
func (s *Server) handleOf(ino uint32) FHandle {
	gen := s.fs.get(ino).Gen
	if s.opts.API == Inodes {
		gen = 0
	}
	return makeHandle(s.fs.fsid, ino, gen)
}

// inodeOf resolves a handle: NFSERR_STALE if it names another volume or a
// free inode, or (except under strategy 3, whose handles have no
// generation) an inode reused since the handle was made.
func (s *Server) inodeOf(h FHandle) (uint32, Status) {
	fsid, ino, gen := h.fields()
	n := s.fs.get(ino)
	switch {
	case fsid != s.fs.fsid || n == nil || n.Type == NFNON:
		return 0, ErrStale
	case s.opts.API != Inodes && gen != n.Gen:
		return 0, ErrStale
	}
	return ino, OK
}

// lookupName resolves name in directory dir: one path lookup.
func (s *Server) lookupName(dir uint32, name string) (uint32, Status) {
	if st := s.checkEntry(dir, name); st != OK {
		return 0, st
	}
	s.lookups++
	s.obs.Lookup(s.env.Now(), s.env.Self(), dir, name)
	d := s.fs.get(dir)
	i, ok := d.find(name)
	if !ok {
		return 0, ErrNoEnt
	}
	return d.Entries[i].Ino, OK
}

// checkEntry checks that dir is a directory and name a name to create,
// look up or remove in it.
func (s *Server) checkEntry(dir uint32, name string) Status {
	if s.fs.get(dir).Type != NFDIR {
		return ErrNotDir
	}
	return checkName(name)
}

// checkName checks a name to create or look up in a directory.
func checkName(name string) Status {
	switch {
	case len(name) > MaxNameLen:
		return ErrNameTooLong
	case name == "" || name == "." || name == ".." || strings.Contains(name, "/"):
		return ErrInval
	}
	return OK
}

// walk resolves a path from the root, name by name: strategy 2's cost.
func (s *Server) walk(path string) (uint32, Status) {
	parts, st := splitPath(path)
	if st != OK {
		return 0, st
	}
	ino := uint32(rootIno)
	for _, p := range parts {
		if ino, st = s.lookupName(ino, p); st != OK {
			return 0, st
		}
	}
	return ino, OK
}

// walkParent resolves every name of path but the last, and returns the
// directory and the last name.
func (s *Server) walkParent(path string) (uint32, string, Status) {
	parts, st := splitPath(path)
	if st != OK {
		return 0, "", st
	}
	if len(parts) == 0 {
		return 0, "", ErrInval
	}
	dir := uint32(rootIno)
	for _, p := range parts[:len(parts)-1] {
		if dir, st = s.lookupName(dir, p); st != OK {
			return 0, "", st
		}
	}
	return dir, parts[len(parts)-1], OK
}

// fdOf resolves a strategy 1 server fd: EBADF if this server never opened
// it, which after a crash is every fd.
func (s *Server) fdOf(fd uint32) (uint32, Status) {
	if int(fd) >= len(s.fds) || !s.fds[fd].open {
		return 0, ErrBadF
	}
	f := s.fds[fd]
	if n := s.fs.get(f.ino); n == nil || n.Type == NFNON || n.Gen != f.gen {
		return 0, ErrStale
	}
	return f.ino, OK
}

// target decodes the file argument of a procedure whose only reference is
// one file: a handle, or a path under strategies 1 and 2.
func (s *Server) target(c *rpc.Call) (uint32, Status, bool) {
	if s.byPath() {
		var a PathArgs
		if !decode(c, &a) {
			return 0, OK, false
		}
		ino, st := s.walk(a.Path)
		return ino, st, true
	}
	var h FHandle
	if !decode(c, &h) {
		return 0, OK, false
	}
	ino, st := s.inodeOf(h)
	return ino, st, true
}

// dirOp decodes a (directory, name) argument: DirOpArgs, or a path whose
// parent is walked under strategies 1 and 2.
func (s *Server) dirOp(c *rpc.Call) (dir uint32, name string, st Status, ok bool) {
	if s.byPath() {
		var a PathArgs
		if !decode(c, &a) {
			return 0, "", OK, false
		}
		dir, name, st = s.walkParent(a.Path)
		return dir, name, st, true
	}
	var a DirOpArgs
	if !decode(c, &a) {
		return 0, "", OK, false
	}
	dir, st = s.inodeOf(a.Dir)
	return dir, a.Name, st, true
}

// fattr returns inode ino's attributes. Sizes count whole blocks of
// BlockSize bytes; times are virtual.
func (s *Server) fattr(ino uint32) Fattr {
	n := s.fs.get(ino)
	a := Fattr{Type: n.Type, Mode: n.Mode, Nlink: n.Nlink, UID: n.UID, GID: n.GID, Blocksize: BlockSize,
		Fsid: s.fs.fsid, Fileid: ino, Atime: timeval(sim.Time(n.Atime)), Mtime: timeval(sim.Time(n.Mtime)),
		Ctime: timeval(sim.Time(n.Ctime))}
	switch n.Type {
	case NFREG:
		a.Mode |= 0o100000
		a.Size = uint32(len(n.Blocks)) * BlockSize
	case NFDIR:
		a.Mode |= 0o040000
		a.Size = BlockSize
	}
	a.Blocks = (a.Size + 511) / 512
	return a
}

// setModeOwner sets the mode, owner and group that sa gives; NoValue leaves
// one as it is.
func setModeOwner(n *inodeRec, sa Sattr) {
	if sa.Mode != NoValue {
		n.Mode = sa.Mode & 0o7777
	}
	if sa.UID != NoValue {
		n.UID = sa.UID
	}
	if sa.GID != NoValue {
		n.GID = sa.GID
	}
}

// touch records a change of inode n now. Times travel in microseconds
// (fattr's timeval), so two changes within one microsecond would leave the
// mtime a client sees unchanged, and a client comparing mtimes would keep
// a stale cache: like servers that keep a change counter, every change
// moves the mtime forward by at least one microsecond on the wire.
func (s *Server) touch(n *inodeRec) {
	now := int64(s.env.Now())
	if next := (n.Mtime/1000 + 1) * 1000; now/1000*1000 < next {
		now = next
	}
	n.Mtime, n.Ctime = now, now
}

// The procedures.

func (s *Server) getattr(c *rpc.Call) {
	ino, st, ok := s.target(c)
	if !ok {
		return
	}
	if st != OK {
		reply(c, st, nil)
		return
	}
	reply(c, OK, s.fattr(ino))
}

func (s *Server) setattr(c *rpc.Call) {
	var ino uint32
	var st Status
	var sa Sattr
	if s.byPath() {
		var a PathSattrArgs
		if !decode(c, &a) {
			return
		}
		ino, st = s.walk(a.Path)
		sa = a.Attributes
	} else {
		var a SattrArgs
		if !decode(c, &a) {
			return
		}
		ino, st = s.inodeOf(a.File)
		sa = a.Attributes
	}
	if st != OK {
		reply(c, st, nil)
		return
	}
	n := s.fs.get(ino)
	if sa.Size != NoValue {
		if n.Type != NFREG {
			reply(c, ErrIsDir, nil)
			return
		}
		nb := int((uint64(sa.Size) + BlockSize - 1) / BlockSize)
		if nb > MaxBlocks {
			reply(c, ErrFBig, nil)
			return
		}
		now := int64(s.env.Now())
		for len(n.Blocks) < nb {
			n.Blocks = append(n.Blocks, blockRec{Modified: now})
		}
		n.Blocks = n.Blocks[:nb]
		s.touch(n)
	}
	setModeOwner(n, sa)
	if sa.Atime != noTime {
		n.Atime = int64(sa.Atime.Time())
	}
	if sa.Mtime != noTime {
		n.Mtime = int64(sa.Mtime.Time())
	}
	n.Ctime = int64(s.env.Now())
	attr := s.fattr(ino)
	s.commit(c, []uint32{ino}, func() { reply(c, OK, attr) })
}

func (s *Server) lookup(c *rpc.Call) {
	if s.byPath() {
		// By path, LOOKUP is GETATTR: the walk does the lookups.
		s.getattr(c)
		return
	}
	var a DirOpArgs
	if !decode(c, &a) {
		return
	}
	dir, st := s.inodeOf(a.Dir)
	if st == OK {
		var ino uint32
		if ino, st = s.lookupName(dir, a.Name); st == OK {
			reply(c, OK, DirOpRes{File: s.handleOf(ino), Attr: s.fattr(ino)})
			return
		}
	}
	reply(c, st, nil)
}

func (s *Server) read(c *rpc.Call) {
	var ino uint32
	var st Status
	var off uint32
	switch s.opts.API {
	case Paths:
		var a PathReadArgs
		if !decode(c, &a) {
			return
		}
		ino, st = s.walk(a.Path)
		off = a.Offset
	case StatefulFDs:
		var a FDReadArgs
		if !decode(c, &a) {
			return
		}
		ino, st = s.fdOf(a.FD)
		off = a.Offset
	default:
		var a ReadArgs
		if !decode(c, &a) {
			return
		}
		ino, st = s.inodeOf(a.File)
		off = a.Offset
	}
	if st == OK && s.fs.get(ino).Type != NFREG {
		st = ErrIsDir
	}
	if st != OK {
		reply(c, st, nil)
		return
	}
	res := ReadRes{Attr: s.fattr(ino), Data: []byte{}}
	if b := int(off / BlockSize); b < len(s.fs.get(ino).Blocks) {
		res.Data = []byte(s.fs.get(ino).Blocks[b].Data)
	}
	if s.opts.ReadLatency > 0 {
		c.After(s.opts.ReadLatency, func() { reply(c, OK, res) })
		return
	}
	reply(c, OK, res)
}

func (s *Server) write(c *rpc.Call) {
	var ino uint32
	var st Status
	var off uint32
	var data []byte
	switch s.opts.API {
	case Paths:
		var a PathWriteArgs
		if !decode(c, &a) {
			return
		}
		ino, st = s.walk(a.Path)
		off, data = a.Offset, a.Data
	case StatefulFDs:
		var a FDWriteArgs
		if !decode(c, &a) {
			return
		}
		ino, st = s.fdOf(a.FD)
		off, data = a.Offset, a.Data
	default:
		var a WriteArgs
		if !decode(c, &a) {
			return
		}
		ino, st = s.inodeOf(a.File)
		off, data = a.Offset, a.Data
	}
	if st != OK {
		reply(c, st, nil)
		return
	}
	s.writeBlock(c, ino, off, data)
}

// writeBlock is WRITE once the file is known: the block at off becomes data,
// and the file grows (with empty blocks) to reach it. Writing a block is
// idempotent: doing it twice leaves what doing it once does.
func (s *Server) writeBlock(c *rpc.Call, ino, off uint32, data []byte) {
	n := s.fs.get(ino)
	switch {
	case n.Type != NFREG:
		reply(c, ErrIsDir, nil)
		return
	case off%BlockSize != 0:
		reply(c, ErrInval, nil)
		return
	case len(data) > MaxData || off/BlockSize >= MaxBlocks:
		reply(c, ErrFBig, nil)
		return
	}
	now := int64(s.env.Now())
	b := int(off / BlockSize)
	for len(n.Blocks) <= b {
		n.Blocks = append(n.Blocks, blockRec{Modified: now})
	}
	n.Blocks[b] = blockRec{Data: string(data), Modified: now}
	s.touch(n)
	attr := s.fattr(ino)
	s.commit(c, []uint32{ino}, func() { reply(c, OK, attr) })
}

// appendProc is the lecture's append(fh, buf, size): the server puts the
// data in a new block at the end. Running it twice appends twice.
func (s *Server) appendProc(c *rpc.Call) {
	var ino uint32
	var st Status
	var data []byte
	switch s.opts.API {
	case Paths:
		var a PathAppendArgs
		if !decode(c, &a) {
			return
		}
		ino, st = s.walk(a.Path)
		data = a.Data
	case StatefulFDs:
		var a FDAppendArgs
		if !decode(c, &a) {
			return
		}
		ino, st = s.fdOf(a.FD)
		data = a.Data
	default:
		var a AppendArgs
		if !decode(c, &a) {
			return
		}
		ino, st = s.inodeOf(a.File)
		data = a.Data
	}
	if st != OK {
		reply(c, st, nil)
		return
	}
	s.writeBlock(c, ino, uint32(len(s.fs.get(ino).Blocks))*BlockSize, data)
}

// create is CREATE (typ NFREG) and MKDIR (NFDIR). CREATE is exclusive, as
// RFC 1094's note asks: an existing name is NFSERR_EXIST. So neither is
// idempotent: a retransmission of one that ran gets EEXIST.
func (s *Server) create(c *rpc.Call, typ Ftype) {
	var dir uint32
	var name string
	var st Status
	var sa Sattr
	if s.byPath() {
		var a PathCreateArgs
		if !decode(c, &a) {
			return
		}
		dir, name, st = s.walkParent(a.Path)
		sa = a.Attributes
	} else {
		var a CreateArgs
		if !decode(c, &a) {
			return
		}
		dir, st = s.inodeOf(a.Where.Dir)
		name, sa = a.Where.Name, a.Attributes
	}
	if st == OK {
		st = s.checkEntry(dir, name)
	}
	if st == OK {
		if _, exists := s.fs.get(dir).find(name); exists {
			st = ErrExist
		}
	}
	if st != OK {
		reply(c, st, nil)
		return
	}
	ino := s.fs.alloc()
	n, d := s.fs.get(ino), s.fs.get(dir)
	n.Type, n.Mode, n.Nlink = typ, 0o644, 1
	if typ == NFDIR {
		n.Mode, n.Nlink = 0o755, 2
		d.Nlink++
	}
	setModeOwner(n, sa)
	s.touch(n)
	n.Atime = n.Mtime
	d.link(name, ino)
	s.touch(d)
	var res any = DirOpRes{File: s.handleOf(ino), Attr: s.fattr(ino)}
	if s.byPath() {
		res = s.fattr(ino)
	}
	s.commit(c, []uint32{ino, dir}, func() { reply(c, OK, res) })
}

// remove is REMOVE (dirs false) and RMDIR (dirs true). A retransmission of
// one that ran finds the name gone: ENOENT.
func (s *Server) remove(c *rpc.Call, dirs bool) {
	dir, name, st, ok := s.dirOp(c)
	if !ok {
		return
	}
	if st == OK {
		st = s.checkEntry(dir, name)
	}
	var ino uint32
	if st == OK {
		d := s.fs.get(dir)
		i, found := d.find(name)
		switch {
		case !found:
			st = ErrNoEnt
		default:
			ino = d.Entries[i].Ino
			n := s.fs.get(ino)
			switch {
			case dirs && n.Type != NFDIR:
				st = ErrNotDir
			case !dirs && n.Type == NFDIR:
				st = ErrIsDir
			case dirs && len(n.Entries) > 0:
				st = ErrNotEmpty
			}
		}
	}
	if st != OK {
		reply(c, st, nil)
		return
	}
	d, n := s.fs.get(dir), s.fs.get(ino)
	d.unlink(name)
	s.touch(d)
	if s.dropLink(d, ino) {
		n.Ctime = int64(s.env.Now())
	}
	s.commit(c, []uint32{dir, ino}, func() { reply(c, OK, nil) })
}

func (s *Server) rename(c *rpc.Call) {
	var fromDir, toDir uint32
	var fromName, toName string
	var st Status
	if s.byPath() {
		var a PathRenameArgs
		if !decode(c, &a) {
			return
		}
		fromDir, fromName, st = s.walkParent(a.From)
		if st == OK {
			toDir, toName, st = s.walkParent(a.To)
		}
	} else {
		var a RenameArgs
		if !decode(c, &a) {
			return
		}
		fromDir, st = s.inodeOf(a.From.Dir)
		if st == OK {
			toDir, st = s.inodeOf(a.To.Dir)
		}
		fromName, toName = a.From.Name, a.To.Name
	}
	if st == OK && (s.fs.get(fromDir).Type != NFDIR || s.fs.get(toDir).Type != NFDIR) {
		st = ErrNotDir
	}
	if st == OK {
		if st = checkName(fromName); st == OK {
			st = checkName(toName)
		}
	}
	var ino, victim uint32
	if st == OK {
		fd, td := s.fs.get(fromDir), s.fs.get(toDir)
		i, found := fd.find(fromName)
		if !found {
			st = ErrNoEnt
		} else {
			ino = fd.Entries[i].Ino
			if j, exists := td.find(toName); exists {
				victim = td.Entries[j].Ino
			}
			n := s.fs.get(ino)
			switch {
			case victim == ino:
				reply(c, OK, nil) // renaming a file onto itself does nothing
				return
			case n.Type == NFDIR && s.inside(toDir, ino):
				st = ErrInval // a directory cannot move into itself
			case victim != 0 && s.fs.get(victim).Type == NFDIR && n.Type != NFDIR:
				st = ErrIsDir
			case victim != 0 && s.fs.get(victim).Type != NFDIR && n.Type == NFDIR:
				st = ErrNotDir
			case victim != 0 && len(s.fs.get(victim).Entries) > 0:
				st = ErrNotEmpty
			}
		}
	}
	if st != OK {
		reply(c, st, nil)
		return
	}
	fd, td, n := s.fs.get(fromDir), s.fs.get(toDir), s.fs.get(ino)
	changed := []uint32{toDir}
	if victim != 0 {
		td.unlink(toName)
		s.dropLink(td, victim)
	}
	td.link(toName, ino)
	fd.unlink(fromName)
	if n.Type == NFDIR && fromDir != toDir {
		fd.Nlink--
		td.Nlink++
	}
	s.touch(fd)
	s.touch(td)
	if fromDir != toDir {
		changed = append(changed, fromDir)
	}
	if victim != 0 {
		changed = append(changed, victim)
	}
	s.commit(c, changed, func() { reply(c, OK, nil) })
}

// dropLink counts one link fewer to inode ino, whose name in directory d
// was just unlinked, and frees ino once no name is left (a directory has
// only the one, and its ".." no longer counts against d). It reports
// whether ino is still in use.
func (s *Server) dropLink(d *inodeRec, ino uint32) bool {
	n := s.fs.get(ino)
	if n.Type == NFDIR {
		d.Nlink--
		s.fs.free(ino)
		return false
	}
	if n.Nlink--; n.Nlink == 0 {
		s.fs.free(ino)
		return false
	}
	return true
}

// inside reports whether directory ino is dir or one of its ancestors.
func (s *Server) inside(dir, ino uint32) bool {
	if dir == ino {
		return true
	}
	p, ok := s.fs.pathOf(dir)
	if !ok {
		return false
	}
	q, ok := s.fs.pathOf(ino)
	return ok && (q == "" || p == q || strings.HasPrefix(p, q+"/"))
}

func (s *Server) readdir(c *rpc.Call) {
	var dir uint32
	var st Status
	var cookie, count uint32
	if s.byPath() {
		var a PathReaddirArgs
		if !decode(c, &a) {
			return
		}
		dir, st = s.walk(a.Path)
		cookie, count = a.Cookie, a.Count
	} else {
		var a ReaddirArgs
		if !decode(c, &a) {
			return
		}
		dir, st = s.inodeOf(a.Dir)
		cookie, count = a.Cookie, a.Count
	}
	if st == OK && s.fs.get(dir).Type != NFDIR {
		st = ErrNotDir
	}
	if st != OK {
		reply(c, st, nil)
		return
	}
	// The cookie is the index of the next entry. Each entry costs its
	// XDR size against count; at least one is returned.
	d := s.fs.get(dir)
	res := ReaddirRes{EOF: true}
	tail := &res.Entries
	used := uint32(8)
	for i := int(cookie); i < len(d.Entries); i++ {
		e := d.Entries[i]
		cost := uint32(16 + (len(e.Name)+3)/4*4)
		if used+cost > count && res.Entries != nil {
			res.EOF = false
			break
		}
		used += cost
		*tail = &Entry{FileID: e.Ino, Name: e.Name, Cookie: uint32(i + 1)}
		tail = &(*tail).Next
	}
	reply(c, OK, res)
}

func (s *Server) statfs(c *rpc.Call) {
	_, st, ok := s.target(c)
	if !ok {
		return
	}
	if st != OK {
		reply(c, st, nil)
		return
	}
	const total = 1 << 20
	used := uint32(0)
	for _, n := range s.fs.inodes {
		if n != nil {
			used += uint32(len(n.Blocks))
		}
	}
	reply(c, OK, StatfsRes{Tsize: MaxData, Bsize: BlockSize, Blocks: total, Bfree: total - used, Bavail: total - used})
}

// mnt is MOUNT's MNT: the handle of an exported directory (or of a
// directory inside one). mountd is not nfsd, so its walk is not counted as
// the NFS service's path lookups.
func (s *Server) mnt(c *rpc.Call) {
	var a MountArgs
	if !decode(c, &a) {
		return
	}
	parts, st := splitPath(a.DirPath)
	if st != OK {
		reply(c, st, nil)
		return
	}
	exported := false
	for _, e := range s.opts.Exports {
		ep, est := splitPath(e)
		if est == OK && len(ep) <= len(parts) && strings.Join(parts[:len(ep)], "/") == strings.Join(ep, "/") {
			exported = true
		}
	}
	if !exported {
		reply(c, ErrAcces, nil)
		return
	}
	ino := uint32(rootIno)
	for _, p := range parts {
		d := s.fs.get(ino)
		if d.Type != NFDIR {
			reply(c, ErrNotDir, nil)
			return
		}
		i, ok := d.find(p)
		if !ok {
			reply(c, ErrNoEnt, nil)
			return
		}
		ino = d.Entries[i].Ino
	}
	if s.fs.get(ino).Type != NFDIR {
		reply(c, ErrNotDir, nil)
		return
	}
	reply(c, OK, MountRes{Dir: s.handleOf(ino)})
}

// open is strategy 1's open(): the server walks the path and hands out an
// fd, the lowest free, which only its memory remembers.
func (s *Server) open(c *rpc.Call) {
	var a PathArgs
	if !decode(c, &a) {
		return
	}
	ino, st := s.walk(a.Path)
	if st != OK {
		reply(c, st, nil)
		return
	}
	fd := 1
	for fd < len(s.fds) && s.fds[fd].open {
		fd++
	}
	for len(s.fds) <= fd {
		s.fds = append(s.fds, serverFD{})
	}
	s.fds[fd] = serverFD{open: true, ino: ino, gen: s.fs.get(ino).Gen}
	reply(c, OK, OpenRes{FD: uint32(fd), Attr: s.fattr(ino)})
}

// close is strategy 1's close().
func (s *Server) close(c *rpc.Call) {
	var a FDArgs
	if !decode(c, &a) {
		return
	}
	if int(a.FD) >= len(s.fds) || !s.fds[a.FD].open {
		reply(c, ErrBadF, nil)
		return
	}
	s.fds[a.FD] = serverFD{}
	reply(c, OK, nil)
}

// OpenFDs returns how many strategy 1 fds the server holds: state it keeps
// for clients, which it can never safely drop when a client crashes.
func (s *Server) OpenFDs() int {
	n := 0
	for _, f := range s.fds {
		if f.open {
			n++
		}
	}
	return n
}

// callbacks hands out timer and disk-write tags and runs the function
// registered with each (the same idea as package rpc's).
type callbacks struct {
	env  sim.Env
	next uint64
	fns  map[uint64]func() // looked up only, never iterated
}

// timer is a pending callback timer; the zero timer is none.
type timer struct {
	id  sim.TimerID
	tag uint64
}

func newCallbacks(env sim.Env) callbacks { return callbacks{env: env, fns: map[uint64]func(){}} }

func (c *callbacks) newTag(fn func()) uint64 {
	c.next++
	c.fns[c.next] = fn
	return c.next
}

func (c *callbacks) after(d time.Duration, fn func()) timer {
	tag := c.newTag(fn)
	return timer{id: c.env.SetTimer(d, tag), tag: tag}
}

func (c *callbacks) writeDisk(key string, val []byte, fn func()) {
	c.env.WriteDisk(key, val, c.newTag(fn))
}

func (c *callbacks) fire(tag uint64) {
	if fn, ok := c.fns[tag]; ok {
		delete(c.fns, tag)
		fn()
	}
}

// Timer runs the callback of one of the server's own timers or disk writes.
func (s *Server) Timer(tag uint64) { s.cb.fire(tag) }
