package nfs

import (
	"container/list"
	"fmt"
	"sort"
	"strings"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/sim"
)

// OpKind is an application call on the client: the workload ops of the
// scenario format.
type OpKind uint8

// The operations.
const (
	OpOpen OpKind = iota + 1
	OpRead
	OpWrite
	OpClose
	OpSeek
	OpCreate
	OpRemove
	OpMkdir
	OpStat
	OpAppend
)

var opNames = [...]string{OpOpen: "open", OpRead: "read", OpWrite: "write", OpClose: "close", OpSeek: "seek",
	OpCreate: "create", OpRemove: "remove", OpMkdir: "mkdir", OpStat: "stat", OpAppend: "append"}

// String returns the op's scenario name.
func (k OpKind) String() string {
	if int(k) < len(opNames) && opNames[k] != "" {
		return opNames[k]
	}
	return fmt.Sprintf("op(%d)", uint8(k))
}

// ParseOp returns the OpKind of a scenario op name.
func ParseOp(s string) (OpKind, error) {
	for i, n := range opNames {
		if n != "" && n == s {
			return OpKind(i), nil
		}
	}
	return 0, fmt.Errorf("nfs: unknown op %q", s)
}

// Op is one application call.
type Op struct {
	Kind OpKind
	// FD is the application's name for an open file (open, and create
	// when it opens; read, write, close, seek, append).
	FD string
	// Path is a path in the client's namespace (open, create, remove,
	// mkdir, stat), resolved through the mount table.
	Path string
	// Block is the block of read, write and seek.
	Block int
	// Data is what write and append write.
	Data string
	// Tag is the caller's; Running returns it.
	Tag int
}

// Written is a block the server acknowledged writing for an operation.
type Written struct {
	Server sim.NodeID
	Fileid uint32
	Block  int
	Data   string
	// Sent and Acked are when the WRITE (or APPEND) was first sent and
	// when its reply arrived: Acked-Sent is the write latency the client
	// sees, disk write included under write-through.
	Sent, Acked sim.Time
}

// Result is what an operation returned to the application.
type Result struct {
	// Err is nil, a Status (ESTALE, EBADF, ENOENT, EEXIST, ...) or an RPC
	// error (ETIMEDOUT on a soft mount). ErrorName names it.
	Err error
	// Value is what a read returned; HasValue says whether it did.
	Value    string
	HasValue bool
	// Note is the client's reasoning, in the words of the lecture's
	// middle column ("attr expired: GETATTR, unchanged: use local").
	Note string
	// Server, Fileid and Block name the block a read returned or a write
	// or append targeted, when known.
	Server   sim.NodeID
	Fileid   uint32
	Block    int
	HasBlock bool
	// Cached says a read returned a block from the cache without a READ;
	// Revalidated that a GETATTR confirmed it first; Dirty that it was
	// the client's own unflushed write.
	Cached, Revalidated, Dirty bool
	// Writes lists the WRITEs and APPENDs the operation made that the
	// server acknowledged, in order.
	Writes []Written
	// Started is when the client began the operation: later than Do if it
	// waited for the operations before it.
	Started sim.Time
}

// Client is an NFSv2 client: the lecture's strategy 5, the UNIX API built on
// the client over the stateless, idempotent protocol. It keeps an fd table
// (file + offset) and two caches:
//
//   - an attribute cache: every reply that carries attributes (LOOKUP,
//     GETATTR, READ, WRITE, CREATE, SETATTR) refreshes it, and an entry is
//     trusted for AttrTimeout;
//   - a block cache: before using a cached block the client checks the
//     attributes, sending GETATTR if they are older than AttrTimeout; if the
//     file's mtime changed since the blocks were cached, every clean cached
//     block of the file is dropped (and the block is READ again).
//
// Writes are buffered in the cache and sent, one WRITE per dirty block, on
// close, and when the cache is full (CacheBlocks). RPCs are at least once
// with retries over UDP: a hard mount retries forever, a soft one fails
// with ETIMEDOUT after Retrans retransmissions; the timeout doubles at each.
//
// Like one process making system calls, the client runs one operation at a
// time: an operation issued while another waits for the server is queued.
// All of its state is volatile: a crash loses the fds, the caches and the
// unflushed writes.
type Client struct {
	env    sim.Env
	rpc    *rpc.Client
	opts   ClientOptions
	mounts []*mountPoint
	fds    map[string]*openFile // by the application's fd name; looked up only
	files  map[string]*cfile    // by cache key; looked up only
	lru    *list.List           // *cblock, least recently used first
	queue  []*task
	cur    *task
}

// mountPoint is one entry of the mount table and its state.
type mountPoint struct {
	Mount
	at       []string // At, split into names
	server   sim.NodeID
	known    bool // the server's name names a node
	root     FHandle
	mounted  bool
	mounting bool
	waiters  []func(error)
}

// fileRef is how requests name a file: the server, and a handle, a server
// path (strategies 1 and 2) or a server fd (strategy 1's data calls).
type fileRef struct {
	server sim.NodeID
	fh     FHandle
	spath  string
	sfd    uint32
}

// openFile is an entry of the fd table.
type openFile struct {
	key    string
	ref    fileRef
	offset int
}

// cfile is a file's cache entry: its attributes and its cached blocks.
type cfile struct {
	key      string
	path     string // the client path it was first reached by, for notes
	ref      fileRef
	attr     Fattr
	attrAt   sim.Time
	haveAttr bool
	// blocksMtime is the mtime the clean cached blocks belong to.
	blocksMtime Timeval
	blocks      map[int]*cblock // looked up; sorted before iteration
}

// cblock is a cached block.
type cblock struct {
	f     *cfile
	index int
	data  string
	dirty bool
	elem  *list.Element
}

// task is an operation in progress or queued.
type task struct {
	op    Op
	done  func(Result)
	res   Result
	notes []string
}

func (t *task) note(format string, args ...any) {
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}

// NewClient returns a client that sends through env (a UDP port's env) and
// serves as that port's handler through its RPC client, RPC(). obs (may be
// nil) is told what the RPC client does. Call Start to mount.
func NewClient(env sim.Env, opts ClientOptions, obs rpc.Observer) *Client {
	opts = opts.withDefaults()
	if obs == nil {
		obs = rpc.BaseObserver{}
	}
	benv := &backoffEnv{Env: env, base: opts.Timeout}
	ropts := rpc.Options{Timeout: opts.Timeout, Auth: rpc.AuthSys}
	if opts.DRC {
		ropts.Semantics = rpc.AtMostOnce
	}
	if opts.Soft {
		ropts.MaxAttempts = opts.Retrans + 1
	}
	c := &Client{env: env, opts: opts, fds: map[string]*openFile{}, files: map[string]*cfile{}, lru: list.New()}
	c.rpc = rpc.NewClient(benv, ropts, backoffObserver{Observer: obs, env: benv})
	for _, m := range opts.Mounts {
		mp := &mountPoint{Mount: m}
		mp.at, _ = splitPath(m.At)
		mp.server, mp.known = env.Lookup(m.Server)
		c.mounts = append(c.mounts, mp)
	}
	return c
}

// RPC returns the client's RPC client, the handler of its port.
func (c *Client) RPC() *rpc.Client { return c.rpc }

// Options returns the client's options with defaults filled in.
func (c *Client) Options() ClientOptions { return c.opts }

// Start mounts every entry of the mount table (MNT), as a client does when
// it boots. Operations issued meanwhile wait for their mount.
func (c *Client) Start() {
	for _, m := range c.mounts {
		c.mount(m, nil)
	}
}

// Running returns the operation the client is working on, if any.
func (c *Client) Running() (Op, bool) {
	if c.cur == nil {
		return Op{}, false
	}
	return c.cur.op, true
}

// DirtyBlock is a block written by the application whose WRITE the server
// has not acknowledged: a client crash loses it, unless the WRITE already
// reached the server (its reply still on the way), which only the server
// can tell.
type DirtyBlock struct {
	Path  string
	Block int
	Data  string
	// Server and Fileid name the file on its server (HasFile: the client
	// has had its attributes, so Fileid is known).
	Server  sim.NodeID
	Fileid  uint32
	HasFile bool
}

// Dirty lists the unflushed blocks, in cache order (least recently used
// first).
func (c *Client) Dirty() []DirtyBlock {
	var out []DirtyBlock
	for e := c.lru.Front(); e != nil; e = e.Next() {
		if b := e.Value.(*cblock); b.dirty {
			out = append(out, DirtyBlock{Path: b.f.path, Block: b.index, Data: b.data,
				Server: b.f.ref.server, Fileid: b.f.attr.Fileid, HasFile: b.f.haveAttr})
		}
	}
	return out
}

// Do runs op, after the operations issued before it, and calls done with
// its result. done is not called if the client's node crashes first.
func (c *Client) Do(op Op, done func(Result)) {
	c.queue = append(c.queue, &task{op: op, done: done})
	c.next()
}

func (c *Client) next() {
	if c.cur != nil || len(c.queue) == 0 {
		return
	}
	t := c.queue[0]
	c.queue[0] = nil
	c.queue = c.queue[1:]
	c.cur = t
	t.res.Started = c.env.Now()
	switch t.op.Kind {
	case OpOpen:
		c.open(t)
	case OpRead:
		c.read(t)
	case OpWrite:
		c.write(t)
	case OpClose:
		c.close(t)
	case OpSeek:
		c.seek(t)
	case OpCreate:
		c.create(t)
	case OpRemove:
		c.remove(t, false)
	case OpMkdir:
		c.create(t)
	case OpStat:
		c.stat(t)
	case OpAppend:
		c.appendOp(t)
	default:
		c.fail(t, ErrInval, "unknown operation")
	}
}

// finish returns t's result to the application and starts the next
// operation.
func (c *Client) finish(t *task) {
	t.res.Note = strings.Join(t.notes, "; ")
	c.cur = nil
	if t.done != nil {
		t.done(t.res)
	}
	c.next()
}

func (c *Client) fail(t *task, err error, format string, args ...any) {
	t.res.Err = err
	if format != "" {
		t.note(format, args...)
	}
	c.finish(t)
}

// call sends proc to server with args and decodes the reply's body into
// res (a pointer, or nil when the reply is a status alone). done gets nil,
// the reply's status, or the RPC layer's error.
func (c *Client) call(server sim.NodeID, proc string, args any, res any, done func(error)) {
	c.rpc.Call(server, procFor(c.opts.API, proc), marshal(args), func(b []byte, err error) {
		if err == nil {
			err = decodeResult(b, res)
		}
		done(err)
	})
}

// mount sends MNT for m, unless it is mounted or on its way; k (may be
// nil) runs when it is done.
func (c *Client) mount(m *mountPoint, k func(error)) {
	if m.mounted {
		if k != nil {
			k(nil)
		}
		return
	}
	if k != nil {
		m.waiters = append(m.waiters, k)
	}
	if m.mounting {
		return
	}
	if !m.known {
		c.mounted(m, ErrNXIO)
		return
	}
	m.mounting = true
	var res MountRes
	c.call(m.server, ProcMnt, MountArgs{DirPath: m.Export}, &res, func(err error) {
		m.mounting = false
		if err == nil {
			m.root, m.mounted = res.Dir, true
		}
		c.mounted(m, err)
	})
}

func (c *Client) mounted(m *mountPoint, err error) {
	ws := m.waiters
	m.waiters = nil
	for _, w := range ws {
		w(err)
	}
}

// resolve finds the mount of a client path and the names below its root.
func (c *Client) resolve(path string) (*mountPoint, []string, error) {
	parts, st := splitPath(path)
	if st != OK {
		return nil, nil, st
	}
	var best *mountPoint
	for _, m := range c.mounts {
		if len(m.at) <= len(parts) && strings.Join(parts[:len(m.at)], "/") == strings.Join(m.at, "/") &&
			(best == nil || len(m.at) > len(best.at)) {
			best = m
		}
	}
	if best == nil {
		return nil, nil, ErrNoEnt
	}
	return best, parts[len(best.at):], nil
}

// serverPath is the path on m's server of the names rel below m's root.
func serverPath(m *mountPoint, rel []string) string {
	ep, _ := splitPath(m.Export)
	return "/" + strings.Join(append(append([]string{}, ep...), rel...), "/")
}

// byPath reports whether requests name files by path.
func (c *Client) byPath() bool { return c.opts.API == Paths || c.opts.API == StatefulFDs }

// at resolves t's path and mounts its file system, then runs k.
func (c *Client) at(t *task, k func(m *mountPoint, rel []string)) {
	m, rel, err := c.resolve(t.op.Path)
	if err != nil {
		c.fail(t, err, "no mount for %s", t.op.Path)
		return
	}
	c.mount(m, func(err error) {
		if err != nil {
			c.fail(t, err, "cannot mount %s:%s", m.Server, m.Export)
			return
		}
		k(m, rel)
	})
}

// walk LOOKUPs names one by one from m's root, the way an NFS client
// resolves a path (the server never sees one), and returns the last handle
// and its attributes. With no names it returns the root's handle, and its
// attributes only if attrs asks for them (a GETATTR).
func (c *Client) walk(m *mountPoint, names []string, path string, attrs bool, done func(FHandle, Fattr, error)) {
	var step func(i int, dir FHandle, attr Fattr)
	step = func(i int, dir FHandle, attr Fattr) {
		if i == len(names) {
			done(dir, attr, nil)
			return
		}
		var res DirOpRes
		c.call(m.server, ProcLookup, DirOpArgs{Dir: dir, Name: names[i]}, &res, func(err error) {
			if err != nil {
				done(FHandle{}, Fattr{}, err)
				return
			}
			p := path
			if i < len(names)-1 {
				p = strings.Join(names[:i+1], "/")
			}
			c.refresh(c.fileFor(fileRef{server: m.server, fh: res.File}, p), res.Attr, -1)
			step(i+1, res.File, res.Attr)
		})
	}
	if len(names) > 0 || !attrs {
		step(0, m.root, Fattr{})
		return
	}
	var attr Fattr
	c.call(m.server, ProcGetattr, m.root, &attr, func(err error) {
		if err == nil {
			c.refresh(c.fileFor(fileRef{server: m.server, fh: m.root}, path), attr, -1)
		}
		done(m.root, attr, err)
	})
}

// keyOf is the cache key of a file: its handle (strategies 3 and 4) or its
// server path (1 and 2), on its server. Under strategy 3 a reused inode has
// the same handle, so the client takes the new file for the old one.
func (c *Client) keyOf(r fileRef) string {
	if c.byPath() {
		return fmt.Sprintf("%d:%s", r.server, r.spath)
	}
	return fmt.Sprintf("%d/%x", r.server, r.fh[:])
}

// fileFor returns the cache entry of a file, making it if needed.
func (c *Client) fileFor(r fileRef, path string) *cfile {
	key := c.keyOf(r)
	f := c.files[key]
	if f == nil {
		f = &cfile{key: key, path: path, ref: r, blocks: map[int]*cblock{}}
		c.files[key] = f
	}
	return f
}

// refresh stores attributes from a reply. If the file's mtime (or, for a
// cache keyed by path, its identity) changed since its blocks were cached,
// the clean blocks are stale and are dropped, except block keep (-1 for
// none): the block a WRITE reply is about, which the reply shows to be the
// server's as of the new mtime. A client's own WRITE changes the mtime too,
// and an NFSv2 reply carries no attributes from before the operation
// (NFSv3's wcc data does), so the client cannot tell whether somebody else
// wrote in between: it keeps only the block it wrote. It returns how many
// blocks it dropped.
func (c *Client) refresh(f *cfile, a Fattr, keep int) int {
	changed := f.haveAttr && (a.Mtime != f.blocksMtime || a.Fileid != f.attr.Fileid)
	if !f.haveAttr {
		changed = len(f.blocks) > 0
	}
	f.attr, f.attrAt, f.haveAttr = a, c.env.Now(), true
	f.blocksMtime = a.Mtime
	if !changed {
		return 0
	}
	return c.dropClean(f, keep)
}

// dropClean drops every clean cached block of f but block keep.
func (c *Client) dropClean(f *cfile, keep int) int {
	n := 0
	for _, i := range sortedBlocks(f) {
		if b := f.blocks[i]; !b.dirty && i != keep {
			c.dropBlock(b)
			n++
		}
	}
	return n
}

func sortedBlocks(f *cfile) []int {
	idx := make([]int, 0, len(f.blocks))
	for i := range f.blocks {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	return idx
}

func (c *Client) dropBlock(b *cblock) {
	delete(b.f.blocks, b.index)
	c.lru.Remove(b.elem)
}

// fresh reports whether f's cached attributes may be trusted without asking
// the server.
func (c *Client) fresh(f *cfile) bool {
	return c.opts.AttrTimeout > 0 && f.haveAttr && c.env.Now().Sub(f.attrAt) <= c.opts.AttrTimeout
}

// insert caches block i of f, making room first (see makeRoom), then runs k.
func (c *Client) insert(t *task, f *cfile, i int, data string, dirty bool, k func()) {
	if b := f.blocks[i]; b != nil {
		b.data, b.dirty = data, b.dirty || dirty
		c.lru.MoveToBack(b.elem)
		k()
		return
	}
	c.makeRoom(t, func() {
		b := &cblock{f: f, index: i, data: data, dirty: dirty}
		b.elem = c.lru.PushBack(b)
		f.blocks[i] = b
		k()
	})
}

// makeRoom evicts least recently used blocks until the cache has room for
// one more. A dirty victim is written back first: the "flush when the
// client runs out of cache memory" of the lecture.
func (c *Client) makeRoom(t *task, k func()) {
	if c.opts.CacheBlocks <= 0 || c.lru.Len() < c.opts.CacheBlocks {
		k()
		return
	}
	v := c.lru.Front().Value.(*cblock)
	if !v.dirty {
		c.dropBlock(v)
		c.makeRoom(t, k)
		return
	}
	t.note("cache full: write back block %d of %s", v.index, v.f.path)
	c.sendWrite(t, v.f, v.f.ref, v.index, v.data, func(err error) {
		if err != nil {
			t.note("write-back failed: %s", ErrorName(err))
		}
		c.dropBlock(v)
		c.makeRoom(t, k)
	})
}

// sendWrite WRITEs block i of f with data and records the acknowledgement.
// r says how to name the file: f's own reference, except under strategy 1
// where the fd the operation used names it.
func (c *Client) sendWrite(t *task, f *cfile, r fileRef, i int, data string, done func(error)) {
	var args any
	off := uint32(i) * BlockSize
	switch {
	case c.opts.API == StatefulFDs:
		args = FDWriteArgs{FD: r.sfd, Offset: off, TotalCount: uint32(len(data)), Data: []byte(data)}
	case c.opts.API == Paths:
		args = PathWriteArgs{Path: r.spath, Offset: off, TotalCount: uint32(len(data)), Data: []byte(data)}
	default:
		args = WriteArgs{File: r.fh, Offset: off, TotalCount: uint32(len(data)), Data: []byte(data)}
	}
	sent := c.env.Now()
	var attr Fattr
	c.call(r.server, ProcWrite, args, &attr, func(err error) {
		if err == nil {
			c.refresh(f, attr, i)
			t.res.Writes = append(t.res.Writes, Written{Server: r.server, Fileid: attr.Fileid, Block: i,
				Data: data, Sent: sent, Acked: c.env.Now()})
		}
		done(err)
	})
}

// getattr asks f's server for its attributes and refreshes the cache.
func (c *Client) getattr(f *cfile, done func(error)) {
	var args any = f.ref.fh
	if c.byPath() {
		args = PathArgs{Path: f.ref.spath}
	}
	var attr Fattr
	c.call(f.ref.server, ProcGetattr, args, &attr, func(err error) {
		if err == nil {
			c.refresh(f, attr, -1)
		}
		done(err)
	})
}

// fdFile returns the open file and cache entry of t's fd, or fails t with
// EBADF: the fd was never opened on this client, or the client crashed
// since.
func (c *Client) fdFile(t *task) (*openFile, *cfile, bool) {
	of := c.fds[t.op.FD]
	if of == nil {
		c.fail(t, ErrBadF, "fd %s is not open", t.op.FD)
		return nil, nil, false
	}
	return of, c.files[of.key], true
}

// checkBlock fails t if its block or data do not fit the protocol.
func (c *Client) checkBlock(t *task) bool {
	switch {
	case t.op.Block < 0 || t.op.Block >= MaxBlocks:
		c.fail(t, ErrFBig, "block %d is beyond the largest file (%d blocks)", t.op.Block, MaxBlocks)
		return false
	case len(t.op.Data) > MaxData:
		c.fail(t, ErrFBig, "%d bytes do not fit one WRITE (at most %d)", len(t.op.Data), MaxData)
		return false
	}
	return true
}

// The operations.

func (c *Client) open(t *task) {
	c.at(t, func(m *mountPoint, rel []string) {
		switch c.opts.API {
		case StatefulFDs:
			// Strategy 1: open() on the client calls open() on the server.
			sp := serverPath(m, rel)
			var res OpenRes
			c.call(m.server, ProcOpen, PathArgs{Path: sp}, &res, func(err error) {
				if err != nil {
					c.fail(t, err, "")
					return
				}
				r := fileRef{server: m.server, spath: sp, sfd: res.FD}
				f := c.fileFor(r, t.op.Path)
				c.refresh(f, res.Attr, -1)
				c.fds[t.op.FD] = &openFile{key: f.key, ref: r}
				t.note("server fd %d", res.FD)
				c.finish(t)
			})
		case Paths:
			// Strategy 2: the server resolves the whole path, every time.
			sp := serverPath(m, rel)
			var attr Fattr
			c.call(m.server, ProcLookup, PathArgs{Path: sp}, &attr, func(err error) {
				if err != nil {
					c.fail(t, err, "")
					return
				}
				r := fileRef{server: m.server, spath: sp}
				f := c.fileFor(r, t.op.Path)
				c.refresh(f, attr, -1)
				c.fds[t.op.FD] = &openFile{key: f.key, ref: r}
				c.finish(t)
			})
		default:
			c.walk(m, rel, t.op.Path, true, func(fh FHandle, attr Fattr, err error) {
				if err != nil {
					c.fail(t, err, "")
					return
				}
				r := fileRef{server: m.server, fh: fh}
				f := c.fileFor(r, t.op.Path)
				c.fds[t.op.FD] = &openFile{key: f.key, ref: r}
				c.finish(t)
			})
		}
	})
}

func (c *Client) read(t *task) {
	of, f, ok := c.fdFile(t)
	if !ok || !c.checkBlock(t) {
		return
	}
	i := t.op.Block
	t.res.Server, t.res.Block, t.res.HasBlock = of.ref.server, i, true
	if c.opts.API == StatefulFDs {
		t.note("read(fd) forwarded to the server")
		c.readBlock(t, f, of.ref, i)
		return
	}
	b := f.blocks[i]
	if b == nil {
		t.note("not cached: READ")
		c.readBlock(t, f, of.ref, i)
		return
	}
	if b.dirty {
		c.local(t, b, "dirty in cache: use local")
		t.res.Dirty = true
		c.finish(t)
		return
	}
	if c.fresh(f) {
		c.local(t, b, "cached, attr fresh: use local")
		c.finish(t)
		return
	}
	c.getattr(f, func(err error) {
		if err != nil {
			c.fail(t, err, "attr expired: GETATTR")
			return
		}
		if b := f.blocks[i]; b != nil {
			c.local(t, b, "attr expired: GETATTR, unchanged: use local")
			t.res.Revalidated = true
			c.finish(t)
			return
		}
		t.note("attr expired: GETATTR, changed: drop cache, READ")
		c.readBlock(t, f, of.ref, i)
	})
}

// local returns cached block b as t's value.
func (c *Client) local(t *task, b *cblock, note string) {
	c.lru.MoveToBack(b.elem)
	t.note("%s", note)
	t.res.Value, t.res.HasValue, t.res.Cached = b.data, true, true
	t.res.Fileid = b.f.attr.Fileid
}

// readBlock READs block i of f and caches it. Under strategy 1 nothing is
// cached: every read() goes to the server.
func (c *Client) readBlock(t *task, f *cfile, r fileRef, i int) {
	var args any
	off := uint32(i) * BlockSize
	switch c.opts.API {
	case StatefulFDs:
		args = FDReadArgs{FD: r.sfd, Offset: off, Count: BlockSize}
	case Paths:
		args = PathReadArgs{Path: r.spath, Offset: off, Count: BlockSize}
	default:
		args = ReadArgs{File: r.fh, Offset: off, Count: BlockSize}
	}
	var res ReadRes
	c.call(r.server, ProcRead, args, &res, func(err error) {
		if err != nil {
			c.fail(t, err, "")
			return
		}
		c.refresh(f, res.Attr, -1)
		data := string(res.Data)
		t.res.Value, t.res.HasValue, t.res.Fileid = data, true, res.Attr.Fileid
		if i >= res.Attr.NBlocks() {
			t.note("end of file")
			c.finish(t)
			return
		}
		if c.opts.API == StatefulFDs {
			c.finish(t)
			return
		}
		c.insert(t, f, i, data, false, func() { c.finish(t) })
	})
}

func (c *Client) write(t *task) {
	of, f, ok := c.fdFile(t)
	if !ok || !c.checkBlock(t) {
		return
	}
	i := t.op.Block
	t.res.Server, t.res.Block, t.res.HasBlock, t.res.Fileid = of.ref.server, i, true, f.attr.Fileid
	if c.opts.API == StatefulFDs {
		// Strategy 1: write() on the client calls write() on the server.
		t.note("write(fd) forwarded to the server")
		c.sendWrite(t, f, of.ref, i, t.op.Data, func(err error) { c.fail(t, err, "") })
		return
	}
	c.insert(t, f, i, t.op.Data, true, func() {
		t.note("buffered locally")
		c.finish(t)
	})
}

func (c *Client) close(t *task) {
	of, f, ok := c.fdFile(t)
	if !ok {
		return
	}
	// close releases the fd whatever happens to the data (POSIX).
	delete(c.fds, t.op.FD)
	if c.opts.API == StatefulFDs {
		t.note("close(fd) forwarded to the server")
		c.call(of.ref.server, ProcClose, FDArgs{FD: of.ref.sfd}, nil, func(err error) { c.fail(t, err, "") })
		return
	}
	var dirty []*cblock
	for _, i := range sortedBlocks(f) {
		if b := f.blocks[i]; b.dirty {
			dirty = append(dirty, b)
		}
	}
	if len(dirty) == 0 {
		t.note("no dirty blocks")
		c.finish(t)
		return
	}
	// Flush on close: one WRITE per dirty block, one block at a time (the
	// lecture's "flushes not atomic").
	start := c.env.Now()
	var flush func(k int)
	flush = func(k int) {
		if k == len(dirty) {
			t.note("flush %s in %s", plural(len(dirty), "dirty block"), sim.FormatDuration(c.env.Now().Sub(start)))
			c.finish(t)
			return
		}
		b := dirty[k]
		c.sendWrite(t, f, f.ref, b.index, b.data, func(err error) {
			if err != nil {
				// The data cannot reach the server: drop it, and
				// report the error at close, as NFS clients do.
				for _, d := range dirty[k:] {
					if f.blocks[d.index] == d {
						c.dropBlock(d)
					}
				}
				c.fail(t, err, "flush failed at block %d", b.index)
				return
			}
			b.dirty = false
			flush(k + 1)
		})
	}
	flush(0)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func (c *Client) seek(t *task) {
	of, _, ok := c.fdFile(t)
	if !ok {
		return
	}
	of.offset = t.op.Block
	t.note("local: the offset lives in the client's fd")
	c.finish(t)
}

// create is create (with an fd: create and open) and mkdir.
func (c *Client) create(t *task) {
	mkdir := t.op.Kind == OpMkdir
	proc := ProcCreate
	sa := KeepAll
	sa.Mode = 0o644
	if mkdir {
		proc, sa.Mode = ProcMkdir, 0o755
	}
	c.at(t, func(m *mountPoint, rel []string) {
		if len(rel) == 0 {
			c.fail(t, ErrExist, "%s is a mount point", t.op.Path)
			return
		}
		opened := func(r fileRef, attr Fattr) {
			f := c.fileFor(r, t.op.Path)
			c.refresh(f, attr, -1)
			if t.op.FD != "" && !mkdir {
				c.fds[t.op.FD] = &openFile{key: f.key, ref: r}
			}
			c.finish(t)
		}
		if c.byPath() {
			sp := serverPath(m, rel)
			var attr Fattr
			c.call(m.server, proc, PathCreateArgs{Path: sp, Attributes: sa}, &attr, func(err error) {
				if err != nil {
					c.fail(t, err, "")
					return
				}
				if c.opts.API != StatefulFDs || t.op.FD == "" || mkdir {
					opened(fileRef{server: m.server, spath: sp}, attr)
					return
				}
				var res OpenRes
				c.call(m.server, ProcOpen, PathArgs{Path: sp}, &res, func(err error) {
					if err != nil {
						c.fail(t, err, "")
						return
					}
					t.note("server fd %d", res.FD)
					opened(fileRef{server: m.server, spath: sp, sfd: res.FD}, res.Attr)
				})
			})
			return
		}
		c.walk(m, rel[:len(rel)-1], t.op.Path, false, func(dir FHandle, _ Fattr, err error) {
			if err != nil {
				c.fail(t, err, "")
				return
			}
			var res DirOpRes
			args := CreateArgs{Where: DirOpArgs{Dir: dir, Name: rel[len(rel)-1]}, Attributes: sa}
			c.call(m.server, proc, args, &res, func(err error) {
				if err != nil {
					c.fail(t, err, "")
					return
				}
				opened(fileRef{server: m.server, fh: res.File}, res.Attr)
			})
		})
	})
}

func (c *Client) remove(t *task, dir bool) {
	proc := ProcRemove
	if dir {
		proc = ProcRmdir
	}
	c.at(t, func(m *mountPoint, rel []string) {
		if len(rel) == 0 {
			c.fail(t, ErrAcces, "%s is a mount point", t.op.Path)
			return
		}
		if c.byPath() {
			sp := serverPath(m, rel)
			c.call(m.server, proc, PathArgs{Path: sp}, nil, func(err error) {
				if err == nil {
					// The path may name another file from now on.
					if f := c.files[c.keyOf(fileRef{server: m.server, spath: sp})]; f != nil {
						c.forget(f)
					}
				}
				c.fail(t, err, "")
			})
			return
		}
		c.walk(m, rel[:len(rel)-1], t.op.Path, false, func(d FHandle, _ Fattr, err error) {
			if err != nil {
				c.fail(t, err, "")
				return
			}
			c.call(m.server, proc, DirOpArgs{Dir: d, Name: rel[len(rel)-1]}, nil, func(err error) { c.fail(t, err, "") })
		})
	})
}

// forget drops a file's cache entry, blocks and all.
func (c *Client) forget(f *cfile) {
	for _, i := range sortedBlocks(f) {
		c.dropBlock(f.blocks[i])
	}
	delete(c.files, f.key)
}

func (c *Client) stat(t *task) {
	c.at(t, func(m *mountPoint, rel []string) {
		show := func(attr Fattr) {
			t.note("%d blocks, mtime %s", attr.NBlocks(), attr.Mtime)
			t.res.Server, t.res.Fileid = m.server, attr.Fileid
			c.finish(t)
		}
		if c.byPath() {
			sp := serverPath(m, rel)
			f := c.fileFor(fileRef{server: m.server, spath: sp}, t.op.Path)
			c.getattr(f, func(err error) {
				if err != nil {
					c.fail(t, err, "")
					return
				}
				show(f.attr)
			})
			return
		}
		c.walk(m, rel, t.op.Path, true, func(_ FHandle, attr Fattr, err error) {
			if err != nil {
				c.fail(t, err, "")
				return
			}
			show(attr)
		})
	})
}

// appendOp appends a block. With ClientOptions.Append it is the lecture's
// append(fh, buf, size), the APPEND procedure: the server picks the block,
// so a retransmission that runs twice appends twice. Without it, the client
// finds the end from the attributes (revalidated if stale) and its own
// dirty blocks, and writes there like any write: idempotent, but two
// clients appending at once overwrite each other.
func (c *Client) appendOp(t *task) {
	of, f, ok := c.fdFile(t)
	if !ok || !c.checkBlock(t) {
		return
	}
	t.res.Server = of.ref.server
	if c.opts.Append {
		var args any
		switch c.opts.API {
		case StatefulFDs:
			args = FDAppendArgs{FD: of.ref.sfd, Data: []byte(t.op.Data)}
		case Paths:
			args = PathAppendArgs{Path: of.ref.spath, Data: []byte(t.op.Data)}
		default:
			args = AppendArgs{File: of.ref.fh, Data: []byte(t.op.Data)}
		}
		sent := c.env.Now()
		var attr Fattr
		c.call(of.ref.server, ProcAppend, args, &attr, func(err error) {
			if err != nil {
				c.fail(t, err, "")
				return
			}
			c.refresh(f, attr, -1)
			i := attr.NBlocks() - 1
			t.res.Fileid, t.res.Block, t.res.HasBlock = attr.Fileid, i, true
			t.res.Writes = append(t.res.Writes, Written{Server: of.ref.server, Fileid: attr.Fileid, Block: i,
				Data: t.op.Data, Sent: sent, Acked: c.env.Now()})
			t.note("APPEND: the server put it at block %d", i)
			c.finish(t)
		})
		return
	}
	at := func() {
		end := f.attr.NBlocks()
		for _, i := range sortedBlocks(f) {
			if f.blocks[i].dirty && i >= end {
				end = i + 1
			}
		}
		t.res.Fileid, t.res.Block, t.res.HasBlock = f.attr.Fileid, end, true
		if c.opts.API == StatefulFDs {
			t.note("append at block %d: write(fd) forwarded to the server", end)
			c.sendWrite(t, f, of.ref, end, t.op.Data, func(err error) { c.fail(t, err, "") })
			return
		}
		c.insert(t, f, end, t.op.Data, true, func() {
			t.note("append at block %d: buffered locally", end)
			c.finish(t)
		})
	}
	if c.fresh(f) || c.opts.API == StatefulFDs {
		at()
		return
	}
	c.getattr(f, func(err error) {
		if err != nil {
			c.fail(t, err, "GETATTR for the end of file")
			return
		}
		at()
	})
}
