package afs

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// CrashPolicy is what a restarted client does with its disk cache: "may
// have missed notification that cached copy changed".
type CrashPolicy uint8

const (
	// Recheck keeps the cached files and revalidates each with
	// FETCHSTATUS before its first use (the lecture's option 2).
	Recheck CrashPolicy = iota
	// EvictAll throws the whole cache away (option 1).
	EvictAll
)

// ParseCrashPolicy parses the scenario spelling: "recheck" or "evict_all".
func ParseCrashPolicy(s string) (CrashPolicy, error) {
	switch s {
	case "recheck":
		return Recheck, nil
	case "evict_all":
		return EvictAll, nil
	}
	return 0, fmt.Errorf("afs: unknown client_crash %q (want recheck or evict_all)", s)
}

// maxRedirects bounds how often one call follows a moved volume.
const maxRedirects = 3

// The defaults of ClientConfig's retry settings: how a client gives up on
// a file server that does not answer, and how long it keeps trying before
// the application sees ETIMEDOUT.
const (
	// DefaultServerAttempts is ClientConfig.ServerAttempts when 0: a few
	// retransmissions (with DefaultTimeout, the server is given up on
	// after 4 s).
	DefaultServerAttempts = 4
	// DefaultRetryBackoff is ClientConfig.RetryBackoff when 0.
	DefaultRetryBackoff = 2 * time.Second
	// DefaultMaxRetryBackoff is ClientConfig.MaxRetryBackoff when 0.
	DefaultMaxRetryBackoff = time.Minute
	// DefaultGiveUpAfter is ClientConfig.GiveUpAfter when 0.
	DefaultGiveUpAfter = 10 * time.Minute
)

// ClientConfig configures a cache manager.
type ClientConfig struct {
	// VLDB names the node of the volume location database.
	VLDB string
	// Volumes is the mount table: every volume of the tree, as paths
	// ("/", "/home"). A file belongs to the longest that prefixes it.
	Volumes []string
	// Prefetch lists the volumes to locate when the client first starts,
	// before the application needs them.
	Prefetch []string
	// OnCrash says what a restarted client does with its cache.
	OnCrash CrashPolicy
	// Prototype makes the client the AFS prototype's Venus (Howard et
	// al. 1988 §2.2): its servers promise no callbacks, so it validates
	// its cached copy with the server on every open (the prototype's
	// TestAuth, here FETCHSTATUS) and asks for the status on every stat
	// (GetFileStat). It only changes what the notes say: a client of a
	// prototype server never holds a callback, and so checks anyway.
	Prototype bool

	// ServerAttempts bounds the transmissions of one call (to a file
	// server or to the VLDB) before the client gives up on that server
	// and asks the volume location database again (default
	// DefaultServerAttempts; negative: retransmit for ever, never look
	// again). It is the node's rpc.Options.MaxAttempts, unless the node
	// is also a file server, whose callback breaks set that bound.
	ServerAttempts int
	// RetryBackoff is the first wait before calling again when the
	// server that did not answer is still where the database says the
	// volume is, or the database did not answer either (default
	// DefaultRetryBackoff). Each wait doubles, up to MaxRetryBackoff
	// (default DefaultMaxRetryBackoff).
	RetryBackoff, MaxRetryBackoff time.Duration
	// GiveUpAfter is how long after its first unanswered call an
	// operation stops retrying and fails with ETIMEDOUT, so that a
	// server that never comes back does not hold the application (and
	// the simulation) for ever (default DefaultGiveUpAfter).
	GiveUpAfter time.Duration
	// MaxMessage is the largest message the transport below the RPC
	// layer carries (0: no bound). A write or append that would make a
	// file too large for one STORE or FETCH (StoreSize, FetchSize) fails with
	// EFBIG, as a write past a file-size limit does, rather than leave a
	// file no server could ever be sent.
	MaxMessage int
}

// withDefaults fills in the retry settings left 0.
func (cfg ClientConfig) withDefaults() ClientConfig {
	if cfg.ServerAttempts == 0 {
		cfg.ServerAttempts = DefaultServerAttempts
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = DefaultRetryBackoff
	}
	if cfg.MaxRetryBackoff <= 0 {
		cfg.MaxRetryBackoff = DefaultMaxRetryBackoff
	}
	if cfg.MaxRetryBackoff < cfg.RetryBackoff {
		cfg.MaxRetryBackoff = cfg.RetryBackoff
	}
	if cfg.GiveUpAfter <= 0 {
		cfg.GiveUpAfter = DefaultGiveUpAfter
	}
	return cfg
}

// Source says where an open found its data.
type Source uint8

const (
	// SourceNone: the operation used no file data.
	SourceNone Source = iota
	// SourceLocal: the cached copy, under a valid callback; no call.
	SourceLocal
	// SourceRechecked: the cached copy, after FETCHSTATUS said it is
	// current.
	SourceRechecked
	// SourceFetched: a whole file fetched from the server.
	SourceFetched
	// SourceShared: the copy another fd of this client has open, under a
	// valid callback; no call. Writes through either fd are seen by both.
	SourceShared
)

// Result is the outcome of an application operation.
type Result struct {
	// Err is nil or an *rpc.Error naming what went wrong (ENOENT, EBADF,
	// ...).
	Err error
	// Value is what a read returned.
	Value *string
	// Note says what the cache manager decided, in the lecture's words.
	Note string
	// Version is the data version an open, create or close ended with.
	Version uint64
	// Source says where an open found its data.
	Source Source
	// Callback describes the callback a local open relied on.
	Callback CallbackInfo
}

// CallbackInfo describes a callback the client holds.
type CallbackInfo struct {
	// Server granted it, in Epoch.
	Server sim.NodeID
	Epoch  uint32
	// Asked is when the client sent the call that obtained it; the
	// callback lasts until Expires.
	Asked, Expires sim.Time
}

// CacheManager is the AFS client (Venus): it keeps whole files in a cache
// on the client's disk, fetches a file on open unless it holds a valid
// callback for it, serves reads and writes from the open copy, and stores
// the whole file back on close if it was written.
//
// Each open file is a private copy of the version it was opened with, kept
// until close even if its callback is broken meanwhile: the lecture's "use
// same version of file entire time between open and close". The cached
// files survive a crash (they are on the disk); the callbacks, the open
// files and everything else do not.
//
// The application's operations run one at a time, in the order they were
// issued: a client is one application thread, and an operation issued while
// an earlier one waits for the server starts when that one completes.
type CacheManager struct {
	// The fields a local operation (an open under a valid callback, a
	// read, a close) uses come first, together: with thousands of
	// clients each cache line of a cache manager that a step reaches is
	// a cache miss.
	env   sim.Env
	queue []*op
	busy  bool
	// spare is an ended operation that sent no call, and spareFile an
	// open copy closed without a store: nothing refers to either any
	// more, so the next operation and open reuse them (newOp, newFile)
	// instead of allocating.
	spare     *op
	spareFile *openFile
	// opNote collects what the running operation met on its way (a
	// moved volume), for its note.
	opNote []string
	// fds maps each open fd to the file's open copy; open maps a path to
	// its open copy, which every fd of the path on this client shares.
	fds    table[string, *openFile]
	open   table[string, *openFile]
	epochs table[sim.NodeID, uint32]
	files  table[string, *cached]
	// volumes is cfg.Volumes, the mount table, here with the other
	// fields of a local operation.
	volumes []string

	rpc  *rpc.Client
	tm   *timers
	cfg  ClientConfig
	vldb sim.NodeID

	locs     map[string]sim.NodeID // volume -> server, mirrors the disk
	locating map[string][]func(sim.NodeID, error)
	// down holds the servers (file servers and the VLDB) an operation
	// gave up waiting for, until one answers again: later operations
	// try them once and then fail at once instead of waiting
	// GiveUpAfter each, as OpenAFS fails calls to a server it has marked
	// down until afs_CheckServers finds it up.
	down map[sim.NodeID]bool

	dropped map[string]string // why a file's copy was thrown away

	// Breaks that arrive while a call about the same file is out are
	// remembered, so that its reply does not install a callback the
	// server has since broken.
	breakSeq    uint64
	breaks      map[string][]breakNote
	outstanding map[string]int

	startNote string

	// shown is each cached file's state as last traced ("cache PATH",
	// "callback PATH"), so that only changes are traced.
	shown map[string]string
}

// cached is one file of the cache, and the client's callback on it.
type cached struct {
	volume  string
	version uint64
	data    []string
	cb      bool
	cbInfo  CallbackInfo
	// why says why there is no callback, for the notes.
	why string
}

// openFile is a file open on this client: one copy of one version, shared
// by every fd that has the path open here. The processes of a workstation
// share its cached file: a write through one fd is visible at once through
// the others, and the last close stores the file (Howard et al. 1988;
// OSTEP ch. 50, "AFS ... processes on the same machine see writes at
// once"). Other clients see it only after that close.
type openFile struct {
	path, volume string
	version      uint64
	openedAt     sim.Time
	data         []string
	dirty        bool
	brokenAt     sim.Time
	broken       bool
	// fds counts the fds that have it open.
	fds int
}

// breakNote is a break that arrived while a call was out.
type breakNote struct {
	seq     uint64
	server  sim.NodeID
	epoch   uint32
	gen     uint64
	version uint64
	removed bool
	volume  bool
}

// callCtx is what the client knew when it sent a call.
type callCtx struct {
	server  sim.NodeID
	sentSeq uint64
	sentAt  sim.Time
}

func newCacheManager(env sim.Env, s *rpc.Server, c *rpc.Client, tm *timers, cfg ClientConfig) *CacheManager {
	cm := &CacheManager{
		env: env, rpc: c, tm: tm, cfg: cfg.withDefaults(),
		vldb:        sim.NoNode,
		locs:        map[string]sim.NodeID{},
		locating:    map[string][]func(sim.NodeID, error){},
		down:        map[sim.NodeID]bool{},
		dropped:     map[string]string{},
		breaks:      map[string][]breakNote{},
		outstanding: map[string]int{},
		shown:       map[string]string{},
	}
	cm.volumes = cm.cfg.Volumes
	if id, ok := env.Lookup(cfg.VLDB); ok {
		cm.vldb = id
	}
	cm.load()
	s.Register(procOf(ProcBreakCallback), cm.breakCallback)
	for _, v := range cfg.Prefetch {
		if _, ok := cm.locs[v]; !ok {
			cm.locate(v, func(sim.NodeID, error) {})
		}
	}
	return cm
}

// load rebuilds the cache from the disk. A restarted client trusts none of
// its callbacks (they are memory, and it may have missed a break while it
// was down): it either rechecks each file before use or evicts them all.
func (c *CacheManager) load() {
	d := c.env.Disk()
	restarted := c.env.Incarnation() > 0
	n := 0
	for _, k := range d.Keys() {
		b, _ := d.Get(k)
		switch {
		case strings.HasPrefix(k, keyCMFile):
			path := strings.TrimPrefix(k, keyCMFile)
			n++
			if restarted && c.cfg.OnCrash == EvictAll {
				c.tm.WriteDisk(k, nil, nil)
				c.dropped[path] = "cache evicted after the client's crash"
				sim.TraceDurable(c.env, "cache "+path, "")
				c.traceCache(path)
				continue
			}
			var rec CacheRecord
			decode(b, &rec)
			c.files.set(path, &cached{volume: rec.Volume, version: rec.Version, data: rec.Data, why: "client restarted"})
			// The cached copy's record is durable: already traced.
			c.shown["cache "+path] = sim.Cells(rec.Data)
		case strings.HasPrefix(k, keyCMVolume):
			if id, ok := c.env.Lookup(string(b)); ok {
				c.locs[strings.TrimPrefix(k, keyCMVolume)] = id
			}
		}
	}
	if restarted {
		files := fmt.Sprintf("%d cached files", n)
		if n == 1 {
			files = "its 1 cached file"
		}
		if c.cfg.OnCrash == EvictAll {
			c.startNote = "restarted: evicted " + strings.TrimPrefix(files, "its ")
		} else {
			c.startNote = "restarted: kept " + strings.TrimPrefix(files, "its ") + ", each to be rechecked before use"
		}
	}
}

// StartNote says what the client did with its cache when it started after
// a crash; "" at the first start.
func (c *CacheManager) StartNote() string { return c.startNote }

// Cached returns the client's cached copy of path and its callback, if it
// has one.
func (c *CacheManager) Cached(path string) (version uint64, data []string, callback bool, ok bool) {
	e := c.files.get(path)
	if e == nil {
		return 0, nil, false, false
	}
	return e.version, append([]string(nil), e.data...), c.valid(e), true
}

// OpenFiles returns the names of the open fds, sorted.
func (c *CacheManager) OpenFiles() []string {
	fds := c.fds.keys()
	sort.Strings(fds)
	return fds
}

// valid reports whether e's callback can be trusted now: promised, not
// expired, and from the server's current epoch.
func (c *CacheManager) valid(e *cached) bool {
	return e.cb && c.env.Now() < e.cbInfo.Expires && c.epochs.get(e.cbInfo.Server) == e.cbInfo.Epoch
}

// whyNot says why e has no valid callback.
func (c *CacheManager) whyNot(e *cached) string {
	switch {
	case !e.cb:
		return e.why
	case c.env.Now() >= e.cbInfo.Expires:
		return "callback expired"
	default:
		return "server restarted"
	}
}

// enqueue runs an application operation after the ones before it.
func (c *CacheManager) enqueue(o *op) {
	c.queue = append(c.queue, o)
	c.pump()
}

// pump starts the next queued operation unless one is running.
func (c *CacheManager) pump() {
	if c.busy || len(c.queue) == 0 {
		return
	}
	o := c.queue[0]
	c.queue[0] = nil
	if len(c.queue) == 1 {
		// Emptied: keep the array for the next operation, which reslicing
		// past it would give up (an allocation per operation).
		c.queue = c.queue[:0]
	} else {
		c.queue = c.queue[1:]
	}
	c.busy = true
	c.opNote = nil
	o.step()
}

// end hands a finished operation's result to the application, with what
// the operation met on its way, and starts the next operation.
func (c *CacheManager) end(o *op, r Result) {
	if len(c.opNote) > 0 {
		r.Note = strings.Join(append(c.opNote, r.Note), "; ")
		c.opNote = nil
	}
	if o.done != nil {
		o.done(r)
	}
	if !o.called {
		// No reply will come back to o, and its steps return as soon as
		// it ends: it can be the next operation.
		*o = op{}
		c.spare = o
	}
	c.busy = false
	c.pump()
}

// newOp returns an operation to fill in: the spare one, or a new one.
func (c *CacheManager) newOp() *op {
	if o := c.spare; o != nil {
		c.spare = nil
		return o
	}
	return new(op)
}

// push fills in a new operation with v and enqueues it.
func (c *CacheManager) push(v op) {
	o := c.newOp()
	*o = v
	c.enqueue(o)
}

// newFile returns an open copy to fill in: the spare one, or a new one.
func (c *CacheManager) newFile() *openFile {
	if f := c.spareFile; f != nil {
		c.spareFile = nil
		return f
	}
	return new(openFile)
}

func fail(err error, note string) Result { return Result{Err: err, Note: note} }

// volumeOf finds the volume of path in the mount table.
func (c *CacheManager) volumeOf(path string) (string, bool) { return VolumeOf(c.volumes, path) }

// volumeFor finds the volume of path, or ends operation o with ENOENT.
func (c *CacheManager) volumeFor(path string, o *op) (string, bool) {
	if err := CheckPath(path); err != nil {
		o.fail(ErrNameTooLong, err.Error())
		return "", false
	}
	vol, ok := c.volumeOf(path)
	if !ok {
		o.fail(ErrNoEnt, path+" is in no volume")
	}
	return vol, ok
}

// openFD returns the open file fd, or ends operation o with EBADF.
func (c *CacheManager) openFD(fd string, o *op) *openFile {
	f := c.fds.get(fd)
	if f == nil {
		o.fail(ErrBadF, "fd "+fd+" is not open")
	}
	return f
}

// noCallback notes a reply that came without a trustworthy callback:
// one broken meanwhile, since a server of the revised AFS promises one with
// every reply (a prototype server never does).
func (c *CacheManager) noCallback(cb bool) string {
	if cb || c.cfg.Prototype {
		return ""
	}
	return " (no callback: broken meanwhile)"
}

// openLocal opens fd on a copy of the cached version; issued is when the
// application asked. The copy shares the cache's array: no block slice of
// the client is ever changed in place (a write or append makes a new one),
// so the open file keeps its version however the cache changes.
func (c *CacheManager) openLocal(fd, path string, e *cached, issued sim.Time) {
	f := c.newFile()
	*f = openFile{path: path, volume: e.volume, version: e.version, openedAt: issued, data: slices.Clip(e.data)}
	c.addFD(fd, f)
}

// addFD opens fd on f, the path's open copy (new, or shared).
func (c *CacheManager) addFD(fd string, f *openFile) {
	f.fds++
	c.fds.set(fd, f)
	c.open.set(f.path, f)
}

// fdsOf names the fds that have f open, for notes.
func (c *CacheManager) fdsOf(f *openFile) string {
	var names []string
	for _, fd := range c.OpenFiles() {
		if c.fds.get(fd) == f {
			names = append(names, fd)
		}
	}
	return strings.Join(names, ", ")
}

// checkStatus applies a FETCHSTATUS reply to the cached copy of path: a
// copy of the reply's version is current and takes its callback if that
// can be trusted; any other copy is stale and dropped. It reports whether
// the copy is current and whether a callback came with it.
func (c *CacheManager) checkStatus(path string, ctx callCtx, st FileStatus) (same, cb bool) {
	e := c.files.get(path)
	if e == nil || e.version != st.Version {
		c.drop(path, "cached copy stale")
		c.noteEpoch(ctx.server, st.Epoch)
		return false, false
	}
	cb = c.acceptCallback(path, ctx, st)
	if cb {
		e.cb, e.cbInfo = true, c.callbackInfo(ctx, st)
	}
	c.traceCache(path)
	return true, cb
}

// acceptCallback decides whether a reply's promise can be trusted: not if
// the server has restarted since (an older epoch), nor if a break about the
// file arrived after the call went out and was decided after the reply.
func (c *CacheManager) acceptCallback(path string, ctx callCtx, st FileStatus) bool {
	c.noteEpoch(ctx.server, st.Epoch)
	if st.Lifetime <= 0 || st.Epoch < c.epochs.get(ctx.server) {
		return false
	}
	for _, b := range c.breaks[path] {
		if b.seq <= ctx.sentSeq {
			continue
		}
		if b.server != ctx.server || b.epoch > st.Epoch || (b.epoch == st.Epoch && b.gen > st.Gen) {
			return false
		}
	}
	return true
}

// staleReply reports whether a break that arrived while the call was out
// says the reply's data is already old.
func (c *CacheManager) staleReply(path string, ctx callCtx, version uint64) bool {
	for _, b := range c.breaks[path] {
		if b.seq > ctx.sentSeq && !b.volume && (b.removed || b.version > version) {
			return true
		}
	}
	return false
}

func (c *CacheManager) callbackInfo(ctx callCtx, st FileStatus) CallbackInfo {
	return CallbackInfo{Server: ctx.server, Epoch: st.Epoch, Asked: ctx.sentAt, Expires: ctx.sentAt.Add(st.lifetime())}
}

// install puts a whole file in the cache (memory and disk), with the
// reply's callback if it can be trusted, and reports whether it could.
// The reason an earlier copy was dropped no longer applies.
func (c *CacheManager) install(path, vol string, ctx callCtx, st FileStatus, data []string) bool {
	delete(c.dropped, path)
	if c.staleReply(path, ctx, st.Version) {
		c.noteEpoch(ctx.server, st.Epoch)
		return false
	}
	cb := c.acceptCallback(path, ctx, st)
	e := &cached{volume: vol, version: st.Version, data: append([]string(nil), data...), why: "callback broken while fetching"}
	if c.cfg.Prototype {
		e.why = "prototype: validate on every open"
	}
	if cb {
		e.cb, e.cbInfo = true, c.callbackInfo(ctx, st)
	}
	c.files.set(path, e)
	c.tm.WriteDisk(keyCMFile+path, marshal(&CacheRecord{Volume: vol, Version: st.Version, Data: e.data}), nil)
	c.traceCache(path)
	return cb
}

// drop throws a cached copy away.
func (c *CacheManager) drop(path, why string) {
	if c.files.get(path) == nil {
		return
	}
	c.files.del(path)
	c.dropped[path] = why
	c.tm.WriteDisk(keyCMFile+path, nil, nil)
	c.traceCache(path)
}

// traceCache records the state of path in the cache: the whole-file copy
// on the client's disk (durable "cache PATH", its blocks) and, in memory,
// whether the server has promised a callback on it (volatile "callback
// PATH": "promised", or why not). Only changes are recorded.
//
// Lecture: "setup callback for A" ... "no callback!! need to fetch A
// again".
func (c *CacheManager) traceCache(path string) {
	cache, cb := "", c.dropped[path]
	if e := c.files.get(path); e != nil {
		cache, cb = sim.Cells(e.data), e.why
		if e.cb {
			cb = "promised"
		}
	}
	c.traceChange(sim.TraceDurable, "cache "+path, cache)
	c.traceChange(sim.TraceState, "callback "+path, cb)
}

// traceChange records key = value as state if it differs from what was
// last recorded.
func (c *CacheManager) traceChange(trace func(sim.Env, string, string), key, value string) {
	if c.shown[key] == value {
		return
	}
	if value == "" {
		delete(c.shown, key)
	} else {
		c.shown[key] = value
	}
	trace(c.env, key, value)
}

// noteEpoch records a server's epoch; a newer one makes every callback of
// its older epochs untrustworthy (valid checks it).
func (c *CacheManager) noteEpoch(server sim.NodeID, epoch uint32) {
	if epoch > c.epochs.get(server) {
		c.epochs.set(server, epoch)
	}
}

// Read returns a block of the open copy: a local operation.
func (c *CacheManager) Read(fd string, block int, done func(Result)) {
	c.push(op{c: c, done: done, steps: readSteps, fd: fd, block: block})
}

var readSteps = []opStep{(*op).read}

func (o *op) read() {
	f := o.c.openFD(o.fd, o)
	if f == nil {
		return
	}
	note := "local copy"
	if f.broken {
		note = fmt.Sprintf("local: keeps the version opened at %s; its callback was broken at %s", f.openedAt, f.brokenAt)
	}
	// The value points into the copy's blocks, which nothing changes in
	// place (openLocal): no string is allocated per read.
	var v *string
	if o.block < len(f.data) {
		v = &f.data[o.block]
	} else {
		v = new(string)
		note += fmt.Sprintf("; block %d is past the end (%d blocks)", o.block, len(f.data))
	}
	o.finish(Result{Value: v, Note: note, Version: f.version})
}

// Write changes a block of the open copy: a local operation, sent to the
// server with the whole file at close.
func (c *CacheManager) Write(fd string, block int, data string, done func(Result)) {
	c.push(op{c: c, done: done, steps: writeSteps, fd: fd, block: block, data: data})
}

var writeSteps = []opStep{(*op).write}

func (o *op) write() {
	f := o.c.openFD(o.fd, o)
	if f == nil {
		return
	}
	next := f.data
	if o.block >= len(next) {
		next = append(slices.Clip(next), make([]string, o.block+1-len(next))...)
	} else {
		next = slices.Clone(next)
	}
	next[o.block] = o.data
	if !o.c.fits(f, next, o) {
		return
	}
	f.data = next
	f.dirty = true
	o.finish(Result{Note: "local write, sent at close"})
}

// Append adds a block at the end of the open copy.
func (c *CacheManager) Append(fd, data string, done func(Result)) {
	c.push(op{c: c, done: done, steps: appendSteps, fd: fd, data: data})
}

var appendSteps = []opStep{(*op).append}

func (o *op) append() {
	f := o.c.openFD(o.fd, o)
	if f == nil {
		return
	}
	next := append(slices.Clip(f.data), o.data)
	if !o.c.fits(f, next, o) {
		return
	}
	f.data = next
	f.dirty = true
	o.finish(Result{Note: "local append, sent at close"})
}

// fits reports whether the open file f may become data: small enough
// for one STORE and one FETCH (ClientConfig.MaxMessage). Otherwise it
// ends operation o with EFBIG, the copy unchanged.
func (c *CacheManager) fits(f *openFile, data []string, o *op) bool {
	if c.cfg.MaxMessage <= 0 {
		return true
	}
	if n := max(StoreSize(c.env.Name(), f.volume, f.path, data), FetchSize(data)); n > c.cfg.MaxMessage {
		o.fail(ErrFBig, fmt.Sprintf("the file would take %d bytes to STORE, more than one message carries (%d): not written", n, c.cfg.MaxMessage))
		return false
	}
	return true
}

// Seek moves an open file's offset: a local operation that changes nothing
// here, since reads and writes name their block.
func (c *CacheManager) Seek(fd string, block int, done func(Result)) {
	c.push(op{c: c, done: done, steps: seekSteps, fd: fd, block: block})
}

var seekSteps = []opStep{(*op).seek}

func (o *op) seek() {
	if o.c.openFD(o.fd, o) == nil {
		return
	}
	o.finish(Result{Note: "local"})
}

// call calls a file server procedure about path in volume vol, locating
// the volume first and following it if it has moved or its server stopped
// answering.
func (c *CacheManager) call(vol, path, proc string, args []byte, done func([]byte, error, callCtx)) {
	c.callN(vol, path, proc, args, &retry{moved: sim.NoNode, silent: sim.NoNode}, done)
}

// retry is one call's way through moved volumes and silent servers.
type retry struct {
	// redirects counts the VMOVED/VNOVOL answers followed.
	redirects int
	// moved is the server that just said the volume is not there, silent
	// the one that just did not answer (sim.NoNode: none); the next
	// location lookup is about them.
	moved, silent sim.NodeID
	// since is when the first server stopped answering (0: none has), the
	// start of the GiveUpAfter budget.
	since sim.Time
	// wait is the next backoff (0: none yet).
	wait time.Duration
}

func (c *CacheManager) callN(vol, path, proc string, args []byte, rt *retry, done func([]byte, error, callCtx)) {
	c.locate(vol, func(server sim.NodeID, err error) {
		if err != nil {
			// The database did not answer either: the volume's place is
			// unknown, which is no fault of the application's, so wait
			// and ask again rather than fail at once.
			if errors.Is(err, rpc.ErrTimedOut) && c.later(rt, c.vldb, "the volume location database did not answer", func() {
				c.callN(vol, path, proc, args, rt, done)
			}) {
				return
			}
			done(nil, err, callCtx{})
			return
		}
		if rt.moved != sim.NoNode {
			c.addNote(fmt.Sprintf("%s said %s is not there: the volume location database says %s",
				c.env.NodeName(rt.moved), vol, c.env.NodeName(server)))
			rt.moved = sim.NoNode
		}
		if silent := rt.silent; silent != sim.NoNode {
			rt.silent = sim.NoNode
			if server != silent {
				c.addNote(fmt.Sprintf("%s did not answer: the volume location database says %s is on %s",
					c.env.NodeName(silent), vol, c.env.NodeName(server)))
			} else {
				// Still there as far as the database knows: the server is
				// down or cut off. Like afs_CheckServers, try it again
				// later, with a growing wait so that a long outage costs
				// few messages.
				if !c.later(rt, server, fmt.Sprintf("%s did not answer and the volume location database still says %s is there",
					c.env.NodeName(server), vol), func() { c.send(vol, path, proc, args, server, rt, done) }) {
					done(nil, rpc.ErrTimedOut, callCtx{server: server})
				}
				return
			}
		}
		c.send(vol, path, proc, args, server, rt, done)
	})
}

// send makes one call to the server that holds vol, as far as the client
// knows, and follows a moved volume or a silent server.
func (c *CacheManager) send(vol, path, proc string, args []byte, server sim.NodeID, rt *retry, done func([]byte, error, callCtx)) {
	ctx := callCtx{server: server, sentSeq: c.breakSeq, sentAt: c.env.Now()}
	c.outstanding[path]++
	c.rpc.Call(server, procOf(proc), args, func(res []byte, err error) {
		c.outstanding[path]--
		switch {
		case errors.Is(err, ErrMoved) || errors.Is(err, ErrNoVol):
			c.forgetLocation(vol, server)
			if rt.redirects < maxRedirects {
				rt.redirects++
				rt.moved = server
				c.callN(vol, path, proc, args, rt, done)
			} else {
				done(nil, ErrIO, ctx)
			}
		case errors.Is(err, rpc.ErrTimedOut):
			// The server did not answer ServerAttempts transmissions:
			// give up on it and ask the database again, since the
			// volume may have moved away from a server that then
			// died (it can no longer say VMOVED). The procedure ran
			// there once or not at all; the call sent next is a new
			// one.
			c.forgetLocation(vol, server)
			if rt.since == 0 {
				rt.since = c.env.Now()
			}
			rt.silent = server
			c.callN(vol, path, proc, args, rt, done)
		default:
			delete(c.down, server) // it answered: up again
			done(res, err, ctx)
		}
		if c.outstanding[path] <= 0 {
			delete(c.outstanding, path)
			delete(c.breaks, path)
		}
	})
}

// later runs again after the call's next backoff, noting why, and reports
// whether it will: not once GiveUpAfter has passed since the first silent
// server (or would have by the end of the wait), and not for a server,
// silent, that an earlier operation already gave up on.
func (c *CacheManager) later(rt *retry, silent sim.NodeID, why string, again func()) bool {
	now := c.env.Now()
	if rt.since == 0 {
		rt.since = now
	}
	if c.down[silent] {
		c.addNote(why + ": given up on earlier, still down")
		return false
	}
	if rt.wait == 0 {
		rt.wait = c.cfg.RetryBackoff
	}
	if now.Add(rt.wait).Sub(rt.since) > c.cfg.GiveUpAfter {
		c.down[silent] = true
		c.addNote(fmt.Sprintf("%s: gave up after %s", why, now.Sub(rt.since)))
		return false
	}
	c.addNote(why + ": retrying with backoff")
	wait := rt.wait
	rt.wait = min(2*rt.wait, c.cfg.MaxRetryBackoff)
	c.tm.After(wait, again)
	return true
}

// addNote adds to the running operation's note, once: a call that waits
// out a long outage meets the same reason many times.
func (c *CacheManager) addNote(note string) {
	if !contains(c.opNote, note) {
		c.opNote = append(c.opNote, note)
	}
}

// locate finds the server of a volume: from the client's location cache,
// else by asking the volume location database.
func (c *CacheManager) locate(vol string, done func(sim.NodeID, error)) {
	if s, ok := c.locs[vol]; ok {
		done(s, nil)
		return
	}
	if w, ok := c.locating[vol]; ok {
		c.locating[vol] = append(w, done)
		return
	}
	c.locating[vol] = []func(sim.NodeID, error){done}
	if c.vldb == sim.NoNode {
		c.finishLocate(vol, sim.NoNode, ErrNoEnt)
		return
	}
	c.rpc.Call(c.vldb, procOf(ProcGetVolumeLocation), marshal(&VolumeArgs{Volume: vol}), func(res []byte, err error) {
		server := sim.NoNode
		var loc VolumeLocation
		switch {
		case errors.Is(err, ErrNoVol):
			err = ErrNoEnt
		case err != nil:
		case xdr.Unmarshal(res, &loc) != nil:
			err = ErrIO
		default:
			id, ok := c.env.Lookup(loc.Server)
			if !ok {
				err = ErrNoEnt
				break
			}
			server = id
			c.locs[vol] = id
			c.tm.WriteDisk(keyCMVolume+vol, []byte(loc.Server), nil)
		}
		c.finishLocate(vol, server, err)
	})
}

func (c *CacheManager) finishLocate(vol string, server sim.NodeID, err error) {
	waiting := c.locating[vol]
	delete(c.locating, vol)
	for _, w := range waiting {
		w(server, err)
	}
}

// forgetLocation drops a volume location that turned out wrong.
func (c *CacheManager) forgetLocation(vol string, server sim.NodeID) {
	if s, ok := c.locs[vol]; ok && s == server {
		delete(c.locs, vol)
		c.tm.WriteDisk(keyCMVolume+vol, nil, nil)
	}
}

// breakCallback is the client's BREAKCALLBACK procedure. A file whose
// version moved past the cached copy is thrown away (the next open fetches
// it); a file the server merely stopped promising is marked for recheck
// (the next open sends FETCHSTATUS). A volume break, from a restarted
// server, marks every file of the volume for recheck. Open files keep
// their version.
func (c *CacheManager) breakCallback(call *rpc.Call) {
	var a BreakCallbackArgs
	if !args(call, &a) {
		return
	}
	server := call.From
	c.noteEpoch(server, a.Epoch)
	c.breakSeq++
	now := c.env.Now()
	note := func(path string, b breakNote) {
		if c.outstanding[path] > 0 {
			b.seq = c.breakSeq
			c.breaks[path] = append(c.breaks[path], b)
		}
	}
	brokenOpen := func(path string) {
		if f := c.open.get(path); f != nil && !f.broken {
			f.broken, f.brokenAt = true, now
		}
	}
	for _, bf := range a.Files {
		note(bf.Path, breakNote{server: server, epoch: a.Epoch, gen: bf.Gen, version: bf.Version, removed: bf.Removed})
		brokenOpen(bf.Path)
		e := c.files.get(bf.Path)
		switch {
		case e == nil:
		case bf.Removed:
			c.drop(bf.Path, "removed")
		case bf.Version > e.version:
			c.drop(bf.Path, "callback broken")
		default:
			e.cb, e.why = false, "server dropped the callback"
			c.traceCache(bf.Path)
		}
	}
	if len(a.Volumes) > 0 {
		paths := make([]string, 0, c.files.size()+len(c.outstanding))
		paths = append(paths, sortedTableKeys(&c.files)...)
		paths = append(paths, sortedKeys(c.outstanding)...)
		sort.Strings(paths)
		for i, path := range paths {
			if i > 0 && paths[i-1] == path {
				continue
			}
			vol, ok := c.volumeOf(path)
			if !ok || !contains(a.Volumes, vol) {
				continue
			}
			note(path, breakNote{server: server, epoch: a.Epoch, volume: true})
			if e := c.files.get(path); e != nil && e.cb && (e.cbInfo.Server != server || e.cbInfo.Epoch < a.Epoch) {
				e.cb, e.why = false, "server restarted"
				c.traceCache(path)
			}
		}
	}
	call.Reply(nil, nil)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
