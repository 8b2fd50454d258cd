package nfs

import (
	"cmp"
	"container/list"
	"fmt"
	"slices"
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
	OpRename
	OpRmdir
	OpReaddir
	OpLink
	OpSymlink
	OpReadlink
	OpTruncate
	OpStatfs
)

var opNames = [...]string{OpOpen: "open", OpRead: "read", OpWrite: "write", OpClose: "close", OpSeek: "seek",
	OpCreate: "create", OpRemove: "remove", OpMkdir: "mkdir", OpStat: "stat", OpAppend: "append",
	OpRename: "rename", OpRmdir: "rmdir", OpReaddir: "readdir", OpLink: "link", OpSymlink: "symlink",
	OpReadlink: "readlink", OpTruncate: "truncate", OpStatfs: "statfs"}

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
	// mkdir, rmdir, stat, rename, link, symlink, readlink, readdir,
	// truncate, statfs), resolved through the mount table.
	Path string
	// To is the other path of rename (the new name), link (the new name)
	// and symlink (the path the link holds).
	To string
	// Size is truncate's new size in bytes.
	Size uint32
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
	// Tag is the operation's Op.Tag: a caller may hand every Do the same
	// done function, made once, rather than a closure per operation.
	Tag int
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
	env  sim.Env
	rpc  *rpc.Client // NFS's, on Port
	mnt  *rpc.Client // MOUNT's, on MountPort
	pmap *rpc.Client // the portmapper's, on PortmapPort
	opts ClientOptions
	// bindings is what each server's portmapper said, by server; looked
	// up only. It, fds and files are made when first written: thousands
	// of clients each holding maps they never use cost memory and cache
	// (BENCHMARKS.md, NFS half of issue 12).
	bindings map[sim.NodeID]*binding
	mounts   []*mountPoint        // in mountsBuf while there is one
	fds      map[string]*openFile // by the application's fd name; looked up only
	files    map[fileKey]*cfile   // by cache key; looked up only
	last     *cfile               // the entry of files cached found last, or nil
	lru      list.List            // *cblock, least recently used first
	queue    []*task
	cur      *task
	spare    *task // a finished task for the next Do to reuse, or nil
	// own: the call being sent is the client's own (see Running).
	own bool
	// asOf is when the call whose reply is being handled was sent: the
	// attributes the reply carries are no older than that, and are dated
	// from then (as Linux dates them from the request's start), so that a
	// slow reply does not stretch how long they are trusted.
	asOf sim.Time
	// The NFS RPC client, the xids of the node's RPC clients and the
	// first mount live in the Client's own memory (rpc, the RPC clients'
	// XIDs and mounts[0] point here): a step of one of thousands of
	// clients then reaches one object where it reached four
	// (BENCHMARKS.md, NFS half of issue 12).
	nfsRPC    rpc.Client
	xids      rpc.XIDs
	mount0    mountPoint
	mountsBuf [1]*mountPoint
	port      clientPort // the handler of Port (BindClient)
}

// mountPoint is one entry of the mount table and its state.
type mountPoint struct {
	Mount
	at       []string // At, split into names
	export   []string // Export, split into names
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
	key    fileKey
	ref    fileRef
	offset int
}

// cfile is a file's cache entry: its attributes and its cached blocks.
type cfile struct {
	key      fileKey
	path     string // the client path it was first reached by, for notes
	ref      fileRef
	attr     Fattr
	attrAt   sim.Time
	haveAttr bool
	// blocksMtime is the mtime the clean cached blocks belong to.
	blocksMtime Timeval
	// blocks are the cached blocks in index order: a file has a few,
	// and a sorted slice costs less to search, to walk in order and to
	// hold than a map per file (BENCHMARKS.md, NFS half of issue 12).
	blocks []*cblock
}

// block returns cached block i of f, or nil.
func (f *cfile) block(i int) *cblock {
	if k, ok := f.find(i); ok {
		return f.blocks[k]
	}
	return nil
}

// find returns where block i is, or would be, in f.blocks.
func (f *cfile) find(i int) (int, bool) {
	return slices.BinarySearchFunc(f.blocks, i, func(b *cblock, i int) int { return cmp.Compare(b.index, i) })
}

// put caches b, which must not be cached yet.
func (f *cfile) put(b *cblock) {
	k, _ := f.find(b.index)
	f.blocks = slices.Insert(f.blocks, k, b)
}

// indices returns the indexes of the cached blocks, in order: a copy, for
// a loop that drops blocks.
func (f *cfile) indices() []int {
	if len(f.blocks) == 0 {
		return nil
	}
	idx := make([]int, len(f.blocks))
	for k, b := range f.blocks {
		idx[k] = b.index
	}
	return idx
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
	// first holds the first notes, which most operations do not exceed,
	// in the task's own allocation.
	first [2]string
}

func (t *task) note(format string, args ...any) {
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}

// say adds a note that needs no formatting: most notes of a read or a
// close are fixed words, and formatting them cost an allocation each.
func (t *task) say(note string) { t.notes = append(t.notes, note) }

// ClientEnvs are the envs of a client node's UDP ports: NFS's (Port),
// MOUNT's (MountPort) and the portmapper's (PortmapPort).
type ClientEnvs struct {
	NFS, Mount, Portmap sim.Env
}

// ClientHandlers are the handlers those ports must have: the client's RPC
// clients for NFS, MOUNT and the portmapper.
type ClientHandlers struct {
	NFS, Mount, Portmap *rpc.Client
}

// NewClient returns a client whose calls go through envs, and the RPC
// clients that must be the handlers of those ports. obs (may be nil) is
// told what the RPC clients do. Call Start to mount.
func NewClient(envs ClientEnvs, opts ClientOptions, obs rpc.Observer) (*Client, ClientHandlers) {
	opts = opts.withDefaults()
	if obs == nil {
		obs = rpc.BaseObserver{}
	}
	// One xid sequence for every port: no two calls of this life of the
	// node share an xid.
	//
	// An NFS client over UDP doubles its timeout at each retransmission
	// (Linux nfs(5): timeo 1.1 s, doubling up to 60 s, and no first
	// timeout above the cap either): RPC's Backoff.
	c := &Client{env: envs.NFS, opts: opts}
	c.xids = *rpc.NewXIDs(envs.NFS.Incarnation())
	ropts := rpc.Options{Timeout: min(opts.Timeout, MaxTimeout), Backoff: true, MaxTimeout: MaxTimeout,
		Auth: rpc.AuthSys, XIDs: &c.xids}
	if opts.DRC {
		ropts.Semantics = rpc.AtMostOnce
	}
	if opts.Soft {
		ropts.MaxAttempts = opts.Retrans + 1
	}
	c.nfsRPC.Init(envs.NFS, ropts, obs)
	c.rpc, c.mnt, c.pmap = &c.nfsRPC, rpc.NewClient(envs.Mount, ropts, obs), rpc.NewClient(envs.Portmap, ropts, obs)
	c.mounts = c.mountsBuf[:0]
	for i, m := range opts.Mounts {
		mp := &c.mount0
		if i > 0 {
			mp = &mountPoint{}
		}
		*mp = mountPoint{Mount: m}
		mp.at, _ = splitPath(m.At)
		mp.export, _ = splitPath(m.Export)
		mp.server, mp.known = envs.NFS.Lookup(m.Server)
		c.mounts = append(c.mounts, mp)
	}
	return c, ClientHandlers{NFS: c.rpc, Mount: c.mnt, Portmap: c.pmap}
}

// RPC returns the client's RPC client for NFS.
func (c *Client) RPC() *rpc.Client { return c.rpc }

// Options returns the client's options with defaults filled in.
func (c *Client) Options() ClientOptions { return c.opts }

// Start mounts every entry of the mount table (GETPORT, then MNT), as a
// client does when it boots. Operations issued meanwhile wait for their mount.
func (c *Client) Start() {
	for _, m := range c.mounts {
		c.mount(m, nil)
	}
}

// Running returns the operation the client is working on, if any. While
// the client sends a call of its own (the GETPORTs and MNT of the mounts
// it starts when it boots) it works on none, even if an operation waits
// for that mount: the call belongs to the boot, not to the operation.
func (c *Client) Running() (Op, bool) {
	if c.cur == nil || c.own {
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
	t := c.spare
	if t != nil {
		c.spare = nil
		*t = task{op: op, done: done}
	} else {
		t = &task{op: op, done: done}
	}
	t.notes, t.res.Tag = t.first[:0], op.Tag
	c.queue = append(c.queue, t)
	c.next()
}

func (c *Client) next() {
	if c.cur != nil || len(c.queue) == 0 {
		return
	}
	t := c.queue[0]
	c.queue[0] = nil
	if len(c.queue) == 1 {
		// Emptied: keep the array for the next operation, which reslicing
		// past it would give up (an allocation per operation).
		c.queue = c.queue[:0]
	} else {
		c.queue = c.queue[1:]
	}
	c.cur = t
	t.res.Started = c.env.Now()
	if int(t.op.Kind) < len(ops) && ops[t.op.Kind] != nil {
		ops[t.op.Kind](c, t)
		return
	}
	c.fail(t, ErrInval, "unknown operation")
}

// ops runs each operation (client_ops.go), by kind: an array, indexed at
// every operation. It is filled in by init: the operations end by starting
// the next one, which looks here.
var ops [len(opNames)]func(c *Client, t *task)

func init() {
	ops = [len(opNames)]func(c *Client, t *task){
		OpOpen: (*Client).open, OpRead: (*Client).read, OpWrite: (*Client).write, OpClose: (*Client).close,
		OpSeek: (*Client).seek, OpCreate: (*Client).create, OpMkdir: (*Client).create, OpRemove: (*Client).remove,
		OpRmdir: (*Client).remove, OpStat: (*Client).stat, OpAppend: (*Client).appendOp, OpRename: (*Client).rename,
		OpLink: (*Client).link, OpSymlink: (*Client).symlink, OpReadlink: (*Client).readlink,
		OpReaddir: (*Client).readdir, OpTruncate: (*Client).truncate, OpStatfs: (*Client).statfs,
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
	// Nothing refers to a finished task any more (an operation's steps
	// and replies all come before its finish, and done got a copy of the
	// result), so the next Do may take it: an allocation less per
	// operation.
	c.spare = t
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
func (c *Client) call(server sim.NodeID, proc string, args []byte, res any, done func(error)) {
	rc := c.rpc
	if _, mount := mountNums[proc]; mount {
		rc = c.mnt
	}
	sent := c.env.Now()
	rc.Call(server, procFor(c.opts.API, proc), args, func(b []byte, err error) {
		if err == nil {
			err = decodeResult(b, res)
		}
		c.asOf = sent
		done(err)
	})
}

// request starts a request's arguments.
func (c *Client) request() *request { return newRequest(c.opts.API) }

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
	// The mount Start begins is the client's own: its calls belong to no
	// operation, even to one that waits for it.
	boot := k == nil
	c.sendOwn(boot, func() {
		c.bind(m.server, func(err error) {
			if err != nil {
				m.mounting = false
				c.mounted(m, err)
				return
			}
			var res MountRes
			c.sendOwn(boot, func() {
				c.call(m.server, ProcMnt, c.request().str(m.Export).bytes(), &res, func(err error) {
					m.mounting = false
					if err == nil {
						m.root, m.mounted = res.Dir, true
					}
					c.mounted(m, err)
				})
			})
		})
	})
}

// sendOwn runs f, which sends calls; if own, they are the client's own, not
// the running operation's (see Running).
func (c *Client) sendOwn(own bool, f func()) {
	was := c.own
	c.own = own
	f()
	c.own = was
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
		if len(m.at) <= len(parts) && slices.Equal(parts[:len(m.at)], m.at) &&
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
	n := 0
	for _, names := range [][]string{m.export, rel} {
		for _, s := range names {
			n += 1 + len(s)
		}
	}
	if n == 0 {
		return "/"
	}
	var b strings.Builder
	b.Grow(n)
	for _, names := range [][]string{m.export, rel} {
		for _, s := range names {
			b.WriteByte('/')
			b.WriteString(s)
		}
	}
	return b.String()
}

// byPath reports whether requests name files by path.
func (c *Client) byPath() bool { return c.opts.API == Paths || c.opts.API == StatefulFDs }

// fileKey is the cache key of a file: its handle (strategies 3 and 4) or
// its server path (1 and 2, fh zero), on its server. Under strategy 3 a
// reused inode has the same handle, so the client takes the new file for
// the old one. A struct, not a string: a lookup per operation builds no key.
type fileKey struct {
	server sim.NodeID
	fh     FHandle
	spath  string
}

// keyOf is the cache key of a file.
func (c *Client) keyOf(r fileRef) fileKey {
	if c.byPath() {
		return fileKey{server: r.server, spath: r.spath}
	}
	return fileKey{server: r.server, fh: r.fh}
}

// cached returns the cache entry of a file, or nil. The entry found last
// is checked first: a client mostly works on one file, and comparing its
// key costs less than reaching into the map.
func (c *Client) cached(r fileRef) *cfile {
	k := c.keyOf(r)
	if f := c.last; f != nil && f.key == k {
		return f
	}
	f := c.files[k]
	if f != nil {
		c.last = f
	}
	return f
}

// fileFor returns the cache entry of a file, making it if needed.
func (c *Client) fileFor(r fileRef, path string) *cfile {
	f := c.cached(r)
	if f == nil {
		key := c.keyOf(r)
		f = &cfile{key: key, path: path, ref: r}
		if c.files == nil {
			c.files = map[fileKey]*cfile{}
		}
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
	f.attr, f.attrAt, f.haveAttr = a, c.asOf, true
	f.blocksMtime = a.Mtime
	if !changed {
		return 0
	}
	return c.dropClean(f, keep)
}

// dropClean drops every clean cached block of f but block keep.
func (c *Client) dropClean(f *cfile, keep int) int {
	n := 0
	for _, i := range f.indices() {
		if b := f.block(i); !b.dirty && i != keep {
			c.dropBlock(b)
			n++
		}
	}
	return n
}

func (c *Client) dropBlock(b *cblock) {
	if k, ok := b.f.find(b.index); ok {
		b.f.blocks = slices.Delete(b.f.blocks, k, k+1)
	}
	c.lru.Remove(b.elem)
}

// fresh reports whether f's cached attributes may be trusted without asking
// the server.
func (c *Client) fresh(f *cfile) bool {
	return c.opts.AttrTimeout > 0 && f.haveAttr && c.env.Now().Sub(f.attrAt) <= c.opts.AttrTimeout
}

// insert caches block i of f, making room first (see makeRoom), then runs k.
func (c *Client) insert(t *task, f *cfile, i int, data string, dirty bool, k func()) {
	if b := f.block(i); b != nil {
		b.data, b.dirty = data, b.dirty || dirty
		c.lru.MoveToBack(b.elem)
		k()
		return
	}
	c.makeRoom(t, func() {
		b := &cblock{f: f, index: i, data: data, dirty: dirty}
		b.elem = c.lru.PushBack(b)
		f.put(b)
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
	// WRITE's arguments: file, beginoffset, offset, totalcount, data.
	args := c.request().file(r, true).u32(0, uint32(i)*BlockSize, uint32(len(data))).opaque([]byte(data)).bytes()
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
	var attr Fattr
	c.call(f.ref.server, ProcGetattr, c.request().file(f.ref, false).bytes(), &attr, func(err error) {
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
