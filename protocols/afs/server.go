package afs

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// DefaultBreakRetry is how often a server retries the delayed breaks of a
// client it could not reach, when ServerConfig.BreakRetry is 0.
const DefaultBreakRetry = 10 * time.Second

// ServerConfig configures a file server.
type ServerConfig struct {
	// Volumes are the volumes the server holds at its first start.
	Volumes []string
	// Files are installed on the disk at the first start: the scenario's
	// initial tree (each in one of Volumes).
	Files []FileRecord
	// CallbackLimit bounds how many promises the server keeps in memory;
	// when full, it breaks the oldest to make room. 0 means no limit.
	CallbackLimit int
	// CallbackLifetime, when above 0, is how long every promise lasts,
	// on the server and on the client. When 0 (the default) a promise
	// lasts as OpenAFS makes it last: from 4 hours on a file few clients
	// hold down to 7 minutes on one that many hold (OpenAFSLifetime), and
	// the server honours it ServerBias longer than the client trusts it.
	CallbackLifetime time.Duration
	// Prototype makes the server the AFS prototype's (Howard et al. 1988
	// §2): it promises no callbacks and breaks none, so its clients
	// validate their cached copy with it on every open.
	Prototype bool
	// BreakRetry is how often delayed breaks are retried (default
	// DefaultBreakRetry).
	BreakRetry time.Duration
	// OnStore, if set, is called each time a stored version becomes
	// durable and visible: for tests that check what the server holds.
	OnStore func(path string, version uint64, data []string)
	// OnRemove, if set, is called each time a removed file is gone from
	// the disk and from the server's view.
	OnRemove func(path string)
	// NoCallbackState leaves out the state records of the callback table
	// ("callbacks PATH"): a run whose trace nobody reads, with thousands
	// of clients, would otherwise sort and write every holder's name at
	// every grant.
	NoCallbackState bool
}

// FileServer is an AFS file server (Vice): it holds volumes, serves whole
// files, and keeps a callback promise for every client that has a file
// cached, so that it can "tell clients when data is overwritten".
//
// Its files are durable (a store is on the disk before it is visible or
// acknowledged). Its promises are volatile memory with a size limit, and
// are lost in a crash; the server is therefore no longer stateless, and
// handles its three hard cases like this:
//
//   - Low memory (LowMemory, or CallbackLimit reached): it drops promises
//     and tells the holders with BREAKCALLBACK carrying the file's current
//     version, so that they mark their copies for recheck rather than
//     throw them away.
//   - Its own crash: the restarted server has no promises, so it tells
//     every client it ever promised anything (a durable host list) to
//     recheck every file of its volumes: a BREAKCALLBACK of whole volumes.
//     Every reply also carries the server's epoch, so that a client also
//     notices a restart on its own.
//   - A client it cannot reach (down or partitioned): the break becomes a
//     delayed break, as in OpenAFS. It is retried every BreakRetry, and is
//     delivered before any further request of that client is served. A
//     request from a newer incarnation of the client cancels it: a
//     restarted client trusts none of its old callbacks anyway.
//
// A STORE (or REMOVE) is acknowledged only once every other holder has
// acknowledged its break or its promise has expired. In the fault-free case
// that is one round trip; with a client cut off it can be as long as the
// promise's lifetime. This is the price of the guarantee that once a close
// has returned, no other client opens the file and reads the old version
// without asking the server (OpenAFS acknowledges at once, and a
// partitioned client may read stale data until its callback expires).
type FileServer struct {
	env sim.Env
	rpc *rpc.Client
	tm  *timers
	cfg ServerConfig

	// epoch is the server's incarnation, sent in every reply.
	epoch uint32
	// gen counts promises and breaks, to order them (FileStatus.Gen).
	gen uint64

	files   map[string]*FileRecord // the durable files, mirrored
	volumes map[string]bool
	moved   map[string]string
	// creating holds paths whose CREATE or MAKEDIR is being written.
	creating map[string]bool
	// lastVersion is the highest version given to each path in this
	// life, durable or not, so that concurrent stores get increasing ones.
	lastVersion map[string]uint64

	hosts      map[string]bool     // durable host list, mirrored
	hostWrites map[string][]func() // hosts being added: who waits

	promises map[string]map[sim.NodeID]*promise
	seq      uint64 // grant order, for evicting the oldest
	// shownPromises is each file's promise holders as last traced as
	// state ("callbacks PATH"), so that only changes are traced.
	shownPromises map[string]string

	peers map[sim.NodeID]*peer
	// breaking holds the peers that may have pending breaks (a superset:
	// blocked drops those found with none), so that checking a store's
	// waiters does not visit every client the server ever served.
	breaking map[sim.NodeID]*peer
	// nextCleanup is when grant next forgets the expired promises.
	nextCleanup sim.Time
	sendSeq     uint64
	// recovering is how many clients the restarted server told.
	recovering int

	// waiters are the stores and removes waiting for their breaks;
	// waitTime wakes them at waitAt, when a delayed break may expire.
	waiters  []*waiter
	waitTime timer
	waitAt   sim.Time
}

// promise is one callback promise: "I will tell client X if file F
// changes, until expires".
type promise struct {
	expires sim.Time
	inc     uint32 // the client's incarnation when it asked
	seq     uint64
}

// peer is what the server knows of one client host.
type peer struct {
	inc      uint32
	incKnown bool
	files    map[string]*pendingBreak
	volumes  map[string]*pendingBreak
	inFlight bool
	// down: the last BREAKCALLBACK to it failed; new breaks wait for the
	// retry timer or the host's next request.
	down       bool
	retryArmed bool
	// held are requests of this host waiting for its breaks.
	held []func()
}

// pendingBreak is a break not yet acknowledged by its client.
type pendingBreak struct {
	version  uint64
	removed  bool
	gen      uint64
	expires  sim.Time
	inc      uint32
	incKnown bool
	// sent is the send that carries the break's current content; 0
	// until sent.
	sent uint64
}

// waiter is a STORE or REMOVE whose reply waits for breaks.
type waiter struct {
	path, vol string
	from      sim.NodeID
	done      func()
}

func newFileServer(env sim.Env, s *rpc.Server, c *rpc.Client, tm *timers, cfg ServerConfig) *FileServer {
	fs := &FileServer{
		env: env, rpc: c, tm: tm, cfg: cfg,
		epoch:       env.Incarnation(),
		files:       map[string]*FileRecord{},
		volumes:     map[string]bool{},
		moved:       map[string]string{},
		creating:    map[string]bool{},
		lastVersion: map[string]uint64{},
		hosts:       map[string]bool{},
		hostWrites:  map[string][]func(){},
		promises:    map[string]map[sim.NodeID]*promise{},
		peers:       map[sim.NodeID]*peer{},
		breaking:    map[sim.NodeID]*peer{},

		shownPromises: map[string]string{},
	}
	if fs.cfg.BreakRetry <= 0 {
		fs.cfg.BreakRetry = DefaultBreakRetry
	}
	fs.load()
	s.Register(procOf(ProcFetch), fs.fetch)
	s.Register(procOf(ProcFetchStatus), fs.fetchStatus)
	s.Register(procOf(ProcStore), fs.store)
	s.Register(procOf(ProcCreate), fs.create)
	s.Register(procOf(ProcRemove), fs.remove)
	s.Register(procOf(ProcMakeDir), fs.makeDir)
	if fs.epoch > 0 {
		fs.recover()
	}
	return fs
}

// load formats the disk at the first start, then reads it.
func (s *FileServer) load() {
	d := s.env.Disk()
	if _, ok := d.Get(keyFSFormatted); !ok {
		for _, v := range s.cfg.Volumes {
			d.Put(keyFSVolume+v, nil)
		}
		for _, f := range s.cfg.Files {
			d.Put(keyFSFile+f.Path, marshal(&f))
		}
		d.Put(keyFSFormatted, nil)
	}
	for _, k := range d.Keys() {
		b, _ := d.Get(k)
		switch {
		case strings.HasPrefix(k, keyFSFile):
			rec := &FileRecord{}
			decode(b, rec)
			s.files[rec.Path] = rec
		case strings.HasPrefix(k, keyFSVolume):
			s.volumes[strings.TrimPrefix(k, keyFSVolume)] = true
		case strings.HasPrefix(k, keyFSMoved):
			s.moved[strings.TrimPrefix(k, keyFSMoved)] = string(b)
		case strings.HasPrefix(k, keyFSHost):
			s.hosts[strings.TrimPrefix(k, keyFSHost)] = true
		}
	}
}

// recover runs when a restarted server starts: its promises died with the
// old one, so every client it ever promised anything must recheck every
// file of its volumes before trusting its copy. The break is pending, like
// any other, until acknowledged or until every promise the old server
// could have made has expired.
func (s *FileServer) recover() {
	vols := s.Volumes()
	if len(vols) == 0 {
		return
	}
	expires := maxPromise(s.env.Now(), s.cfg.CallbackLifetime)
	names := sortedKeys(s.hosts)
	var ids []sim.NodeID
	for _, name := range names {
		id, ok := s.env.Lookup(name)
		if !ok {
			continue
		}
		p := s.peer(id)
		for _, v := range vols {
			p.volumes[v] = &pendingBreak{expires: expires}
		}
		s.breaking[id] = p
		ids = append(ids, id)
	}
	s.recovering = len(ids)
	if len(ids) > 0 {
		s.env.Trace("afs", fmt.Sprintf("restarted (epoch %d): telling %d clients to recheck", s.epoch, len(ids)))
	}
	s.deliver(ids)
}

// Recovering returns how many clients the server told to recheck when it
// started after a crash.
func (s *FileServer) Recovering() int { return s.recovering }

// Epoch returns the server's epoch: its incarnation.
func (s *FileServer) Epoch() uint32 { return s.epoch }

// Volumes returns the volumes the server holds, sorted.
func (s *FileServer) Volumes() []string {
	var out []string
	for v, ok := range s.volumes {
		if ok {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// Promises returns how many unexpired callback promises the server keeps.
func (s *FileServer) Promises() int {
	now := s.env.Now()
	n := 0
	for _, m := range s.promises {
		for _, p := range m {
			if p.expires > now {
				n++
			}
		}
	}
	return n
}

// held is how many promises the server holds, expired ones included: at
// least Promises().
func (s *FileServer) held() int {
	n := 0
	for _, m := range s.promises {
		n += len(m)
	}
	return n
}

// PendingBreaks returns how many breaks await their client's
// acknowledgement.
func (s *FileServer) PendingBreaks() int {
	now := s.env.Now()
	n := 0
	for _, p := range s.peers {
		for _, b := range p.files {
			if b.expires > now {
				n++
			}
		}
		for _, b := range p.volumes {
			if b.expires > now {
				n++
			}
		}
	}
	return n
}

// File returns the server's current (durable) copy of a file.
func (s *FileServer) File(path string) (FileRecord, bool) {
	f, ok := s.files[path]
	if !ok {
		return FileRecord{}, false
	}
	return *f, true
}

func (s *FileServer) peer(id sim.NodeID) *peer {
	p := s.peers[id]
	if p == nil {
		p = &peer{files: map[string]*pendingBreak{}, volumes: map[string]*pendingBreak{}}
		s.peers[id] = p
	}
	return p
}

// volumeErr is the error for a volume the server does not hold.
func (s *FileServer) volumeErr(vol string) error {
	if _, ok := s.moved[vol]; ok {
		return ErrMoved
	}
	return ErrNoVol
}

// lookup finds a file of a volume the server holds.
func (s *FileServer) lookup(a FileArgs) (*FileRecord, error) {
	if !s.volumes[a.Volume] {
		return nil, s.volumeErr(a.Volume)
	}
	f := s.files[a.Path]
	if f == nil || f.Volume != a.Volume {
		return nil, ErrNoEnt
	}
	return f, nil
}

// admit runs fn for a request of call's client, after two checks. A
// request from a newer incarnation of the client ends every promise and
// break of its older ones. A client with undelivered breaks gets them
// first, and the request waits until they are acknowledged (or fail): the
// OpenAFS rule that delayed breaks are delivered before anything else is
// served, so that a client never mixes a fresh reply with a callback it
// should have lost.
func (s *FileServer) admit(c *rpc.Call, fn func()) {
	p := s.peer(c.From)
	inc := c.ID.Incarnation
	if p.incKnown && inc > p.inc {
		s.forgetIncarnation(c.From, inc)
	}
	if !p.incKnown || inc > p.inc {
		p.inc, p.incKnown = inc, true
	}
	s.purge(p)
	if len(p.files) == 0 && len(p.volumes) == 0 {
		fn()
		return
	}
	p.held = append(p.held, fn)
	p.down = false // it just reached us
	s.sendBreaks(c.From)
}

// forgetIncarnation drops the promises and breaks of a client's
// incarnations older than inc.
func (s *FileServer) forgetIncarnation(host sim.NodeID, inc uint32) {
	for _, m := range s.promises {
		if pr := m[host]; pr != nil && pr.inc < inc {
			delete(m, host)
		}
	}
	s.traceAllPromises()
	p := s.peer(host)
	for path, b := range p.files {
		if b.incKnown && b.inc < inc {
			delete(p.files, path)
		}
	}
	s.checkWaiters()
}

// ensureHost runs fn once host is on the durable host list, writing it
// there first if needed: a promise may only be made to a client the
// server will remember after a crash. A prototype server makes no
// promises, and keeps no host list.
func (s *FileServer) ensureHost(host sim.NodeID, fn func()) {
	name := s.env.NodeName(host)
	if s.hosts[name] || s.cfg.Prototype {
		fn()
		return
	}
	if waiting, ok := s.hostWrites[name]; ok {
		s.hostWrites[name] = append(waiting, fn)
		return
	}
	s.hostWrites[name] = []func(){fn}
	s.tm.WriteDisk(keyFSHost+name, []byte{}, func() {
		s.hosts[name] = true
		fns := s.hostWrites[name]
		delete(s.hostWrites, name)
		for _, f := range fns {
			f()
		}
	})
}

// grant records (or renews) host's promise on path and returns the status
// to reply with. The promise lasts ServerConfig.CallbackLifetime, or as
// OpenAFS decides from how many other clients hold one on path
// (OpenAFSLifetime). A prototype server promises nothing.
func (s *FileServer) grant(path string, host sim.NodeID, inc uint32, f *FileRecord) FileStatus {
	if s.cfg.Prototype {
		return s.status(f)
	}
	now := s.env.Now()
	s.cleanup()
	// Counting the live promises scans them all; the promises held
	// (expired or not, one map length per file) bound that count, so the
	// scan waits until they reach the limit: a grant to each of N new
	// clients would otherwise cost N^2 in all.
	if s.cfg.CallbackLimit > 0 && s.promises[path][host] == nil && s.held() >= s.cfg.CallbackLimit {
		for s.Promises() >= s.cfg.CallbackLimit {
			if !s.evictOldest() {
				break
			}
		}
	}
	m := s.promises[path]
	if m == nil {
		m = map[sim.NodeID]*promise{}
		s.promises[path] = m
	}
	end, life := promiseEnd(now, s.cfg.CallbackLifetime, s.holders(m, host))
	s.seq++
	m[host] = &promise{expires: end, inc: inc, seq: s.seq}
	s.tracePromises(path)
	return FileStatus{Version: f.Version, Blocks: uint32(len(f.Data)), Lifetime: int64(life), Epoch: s.epoch, Gen: s.gen}
}

// holders counts the promises in m, a file's, of other hosts than host:
// as OpenAFS counts a file's callback entries, expired ones included until
// its cleanup, every CleanupInterval, forgets them. Here the first grant
// after each interval does that cleanup (cleanup).
func (s *FileServer) holders(m map[sim.NodeID]*promise, host sim.NodeID) int {
	if _, ok := m[host]; ok {
		return len(m) - 1
	}
	return len(m)
}

// CleanupInterval is how often the server forgets expired promises, as
// OpenAFS's file server runs CleanupTimedOutCallBacks every 5 minutes.
const CleanupInterval = 5 * time.Minute

// cleanup forgets the expired promises if CleanupInterval has passed since
// it last did, so that the holders it counts are those of the last few
// minutes, at a cost that does not grow with every grant.
func (s *FileServer) cleanup() {
	if now := s.env.Now(); now >= s.nextCleanup {
		s.purgePromises()
		s.nextCleanup = now.Add(CleanupInterval)
	}
}

// status is a reply's status without a promise.
func (s *FileServer) status(f *FileRecord) FileStatus {
	return FileStatus{Version: f.Version, Blocks: uint32(len(f.Data)), Epoch: s.epoch, Gen: s.gen}
}

// evictOldest breaks the oldest promise to make room: "space will be
// reclaimed by breaking callbacks of old hosts".
func (s *FileServer) evictOldest() bool {
	s.purgePromises()
	var bestPath string
	var bestHost sim.NodeID
	var best *promise
	for path, m := range s.promises {
		for h, p := range m {
			if best == nil || p.seq < best.seq {
				bestPath, bestHost, best = path, h, p
			}
		}
	}
	if best == nil {
		return false
	}
	s.env.Trace("afs", fmt.Sprintf("callback table full: breaking %s's callback on %s", s.env.NodeName(bestHost), bestPath))
	s.dropPromise(bestPath, bestHost, best)
	s.deliver([]sim.NodeID{bestHost})
	return true
}

// dropPromise removes a promise and queues a break telling its holder that
// the promise is gone but the file is unchanged.
func (s *FileServer) dropPromise(path string, host sim.NodeID, pr *promise) {
	delete(s.promises[path], host)
	s.tracePromises(path)
	var version uint64
	if f := s.files[path]; f != nil {
		version = f.Version
	}
	s.addBreak(host, path, version, false, pr)
}

// purgePromises forgets expired promises.
func (s *FileServer) purgePromises() {
	now := s.env.Now()
	for path, m := range s.promises {
		for h, p := range m {
			if p.expires <= now {
				delete(m, h)
			}
		}
		if len(m) == 0 {
			delete(s.promises, path)
		}
	}
	s.traceAllPromises()
}

// maxListedHolders is how many holders of a file the trace of its
// promises names; more are traced as a number.
const maxListedHolders = 8

// tracePromises records, as the server's volatile state "callbacks PATH",
// the clients it has promised to tell when path changes ("A, B"), if that
// changed since it was last recorded: the callback table the lecture's
// AFS slides keep on the server.
//
// A file many clients hold is traced as their number ("40 clients"):
// listing thousands of names on every promise would cost time quadratic in
// the clients, and nobody reads such a list.
func (s *FileServer) tracePromises(path string) {
	if s.cfg.NoCallbackState {
		return
	}
	var holders string
	if m := s.promises[path]; len(m) > maxListedHolders {
		holders = fmt.Sprintf("%d clients", len(m))
	} else {
		names := make([]string, 0, len(m))
		for h := range m {
			names = append(names, s.env.NodeName(h))
		}
		sort.Strings(names)
		holders = strings.Join(names, ", ")
	}
	if holders == s.shownPromises[path] {
		return
	}
	if holders == "" {
		delete(s.shownPromises, path)
	} else {
		s.shownPromises[path] = holders
	}
	sim.TraceState(s.env, "callbacks "+path, holders)
}

// traceAllPromises is tracePromises for every file, in path order.
func (s *FileServer) traceAllPromises() {
	paths := append(sortedKeys(s.promises), sortedKeys(s.shownPromises)...)
	sort.Strings(paths)
	for i, path := range paths {
		if i == 0 || paths[i-1] != path {
			s.tracePromises(path)
		}
	}
}

// LowMemory is the lecture's "what if server runs out of memory?": the
// server drops every promise it holds and tells each holder, in one
// BREAKCALLBACK per client. It returns how many promises it dropped.
func (s *FileServer) LowMemory() int {
	s.purgePromises()
	n := 0
	hosts := map[sim.NodeID]bool{}
	for _, path := range sortedKeys(s.promises) {
		m := s.promises[path]
		for _, h := range sortedIDs(m) {
			s.dropPromise(path, h, m[h])
			hosts[h] = true
			n++
		}
	}
	s.deliver(sortedIDs(hosts))
	return n
}

// addBreak queues a break for host; deliver sends it.
func (s *FileServer) addBreak(host sim.NodeID, path string, version uint64, removed bool, pr *promise) {
	p := s.peer(host)
	s.gen++
	b := p.files[path]
	if b == nil {
		b = &pendingBreak{}
		p.files[path] = b
	}
	s.breaking[host] = p
	b.version, b.removed, b.gen, b.sent = version, removed, s.gen, 0
	if pr.expires > b.expires {
		b.expires = pr.expires
	}
	b.inc, b.incKnown = pr.inc, true
}

// breakOthers breaks every promise on path except the writer's.
func (s *FileServer) breakOthers(path string, writer sim.NodeID, version uint64, removed bool) {
	m := s.promises[path]
	now := s.env.Now()
	var hosts []sim.NodeID
	for _, h := range sortedIDs(m) {
		pr := m[h]
		if h == writer {
			continue
		}
		delete(m, h)
		if pr.expires <= now {
			continue
		}
		s.addBreak(h, path, version, removed, pr)
		hosts = append(hosts, h)
	}
	s.tracePromises(path)
	s.deliver(hosts)
}

// deliver sends the queued breaks of hosts that are not known to be down.
func (s *FileServer) deliver(hosts []sim.NodeID) {
	for _, h := range hosts {
		p := s.peer(h)
		if p.down {
			s.armRetry(h)
			continue
		}
		s.sendBreaks(h)
	}
}

// purge forgets a host's expired breaks: the promise they break is over
// on both sides.
func (s *FileServer) purge(p *peer) {
	now := s.env.Now()
	for k, b := range p.files {
		if b.expires <= now {
			delete(p.files, k)
		}
	}
	for k, b := range p.volumes {
		if b.expires <= now {
			delete(p.volumes, k)
		}
	}
}

// sendBreaks sends one BREAKCALLBACK with every pending break of host,
// unless one is already on its way.
func (s *FileServer) sendBreaks(host sim.NodeID) {
	p := s.peer(host)
	if p.inFlight {
		return
	}
	s.purge(p)
	if len(p.files) == 0 && len(p.volumes) == 0 {
		p.down = false
		s.release(p)
		s.checkWaiters()
		return
	}
	s.sendSeq++
	seq := s.sendSeq
	args := BreakCallbackArgs{Epoch: s.epoch}
	for _, path := range sortedKeys(p.files) {
		b := p.files[path]
		b.sent = seq
		args.Files = append(args.Files, BrokenFile{Path: path, Version: b.version, Removed: b.removed, Gen: b.gen})
	}
	for _, v := range sortedKeys(p.volumes) {
		p.volumes[v].sent = seq
		args.Volumes = append(args.Volumes, v)
	}
	p.inFlight = true
	s.rpc.Call(host, procOf(ProcBreakCallback), marshal(&args), func(_ []byte, err error) {
		p.inFlight = false
		if err != nil {
			p.down = true
			s.env.Trace("afs", fmt.Sprintf("break to %s failed (%s): delayed", s.env.NodeName(host), rpc.ErrorName(err)))
			s.armRetry(host)
		} else {
			p.down = false
			for k, b := range p.files {
				if b.sent == seq {
					delete(p.files, k)
				}
			}
			for k, b := range p.volumes {
				if b.sent == seq {
					delete(p.volumes, k)
				}
			}
		}
		s.release(p)
		s.checkWaiters()
		if err == nil && (len(p.files) > 0 || len(p.volumes) > 0) {
			s.sendBreaks(host)
		}
	})
}

// release serves the requests held for a host's breaks.
func (s *FileServer) release(p *peer) {
	held := p.held
	p.held = nil
	for _, fn := range held {
		fn()
	}
}

// armRetry schedules a retry of a host's delayed breaks.
func (s *FileServer) armRetry(host sim.NodeID) {
	p := s.peer(host)
	if p.retryArmed {
		return
	}
	p.retryArmed = true
	t := s.tm.After(s.cfg.BreakRetry, func() {
		p.retryArmed = false
		s.purge(p)
		if len(p.files) > 0 || len(p.volumes) > 0 {
			s.sendBreaks(host)
		}
		s.checkWaiters()
	})
	// Retrying delayed breaks is upkeep: while a store waits for them, its
	// waiter's timer (the promise's expiry) keeps the run going and the
	// retries fire; once nothing waits, the breaks left are for promises
	// that expire unused, and must not hold the run open until they do.
	s.env.Housekeeping(t.ID())
}

// wait runs done once no other client than from may still hold a callback
// on path (or on all of vol) that it has not been told is broken.
func (s *FileServer) wait(path, vol string, from sim.NodeID, done func()) {
	s.waiters = append(s.waiters, &waiter{path: path, vol: vol, from: from, done: done})
	s.checkWaiters()
}

// blocked reports whether w must still wait and, if some of its blockers
// are not on their way to the client (delayed breaks), when the earliest of
// those expires. Breaks on their way need no timer: their acknowledgement
// or failure checks the waiters again.
func (s *FileServer) blocked(w *waiter) (blocked bool, until sim.Time, timed bool) {
	now := s.env.Now()
	for id, p := range s.breaking {
		if len(p.files) == 0 && len(p.volumes) == 0 {
			delete(s.breaking, id)
			continue
		}
		if id == w.from {
			continue
		}
		for _, b := range []*pendingBreak{p.files[w.path], p.volumes[w.vol]} {
			if b == nil || b.expires <= now {
				continue
			}
			blocked = true
			if !p.inFlight && (!timed || b.expires < until) {
				until, timed = b.expires, true
			}
		}
	}
	return blocked, until, timed
}

// checkWaiters replies to the stores whose breaks are all acknowledged or
// expired, and arms a timer for the next expiry of a delayed break.
func (s *FileServer) checkWaiters() {
	var ready, still []*waiter
	var next sim.Time
	armed := false
	for _, w := range s.waiters {
		b, until, timed := s.blocked(w)
		switch {
		case !b:
			ready = append(ready, w)
			continue
		case timed && (!armed || until < next):
			next, armed = until, true
		}
		still = append(still, w)
	}
	s.waiters = still
	// Checked again at the expiry, or sooner: a timer cancelled early
	// still sits in the kernel's queue, and should not hold the run's end
	// back by a whole callback lifetime.
	if limit := s.env.Now().Add(s.cfg.BreakRetry); armed && next > limit {
		next = limit
	}
	if armed && (!s.waitTime.Pending() || next < s.waitAt) {
		s.tm.Cancel(&s.waitTime)
		s.waitAt = next
		s.waitTime = s.tm.After(next.Sub(s.env.Now()), func() {
			s.waitTime = timer{}
			s.checkWaiters()
		})
	}
	for _, w := range ready {
		w.done()
	}
}

// args unmarshals a call's arguments, replying EGARBAGEARGS if they do not.
func args(c *rpc.Call, v any) bool {
	if err := xdr.Unmarshal(c.Args, v); err != nil {
		c.Reply(nil, rpc.ErrGarbageArgs)
		return false
	}
	return true
}

// fetch is FETCH: the whole file, and a callback promise on it.
func (s *FileServer) fetch(c *rpc.Call) {
	var a FileArgs
	if !args(c, &a) {
		return
	}
	s.serveFile(c, a, func(f *FileRecord, st FileStatus) {
		c.Reply(marshal(&FetchRes{Status: st, Data: f.Data}), nil)
	})
}

// fetchStatus is FETCHSTATUS: the file's status, and a callback promise.
func (s *FileServer) fetchStatus(c *rpc.Call) {
	var a FileArgs
	if !args(c, &a) {
		return
	}
	s.serveFile(c, a, func(_ *FileRecord, st FileStatus) {
		c.Reply(marshal(&st), nil)
	})
}

// serveFile is the common part of FETCH and FETCHSTATUS.
func (s *FileServer) serveFile(c *rpc.Call, a FileArgs, reply func(*FileRecord, FileStatus)) {
	s.admit(c, func() {
		if _, err := s.lookup(a); err != nil {
			c.Reply(nil, err)
			return
		}
		s.ensureHost(c.From, func() {
			// Looked up again: the file may have changed while the
			// host list was being written.
			f, err := s.lookup(a)
			switch {
			case err != nil:
				c.Reply(nil, err)
			case f.Dir:
				c.Reply(nil, ErrIsDir)
			default:
				reply(f, s.grant(a.Path, c.From, c.ID.Incarnation, f))
			}
		})
	})
}

// store is STORE: replace the whole file atomically. The new version is
// made durable first, then visible, then every other holder's callback is
// broken; the reply waits for the breaks (see FileServer).
func (s *FileServer) store(c *rpc.Call) {
	var a StoreArgs
	if !args(c, &a) {
		return
	}
	fa := FileArgs{Volume: a.Volume, Path: a.Path}
	s.admit(c, func() {
		f, err := s.lookup(fa)
		switch {
		case err != nil:
			c.Reply(nil, err)
			return
		case f.Dir:
			c.Reply(nil, ErrIsDir)
			return
		}
		s.ensureHost(c.From, func() {
			version := s.lastVersion[a.Path]
			if f := s.files[a.Path]; f != nil && f.Version > version {
				version = f.Version
			}
			version++
			s.lastVersion[a.Path] = version
			rec := &FileRecord{Volume: a.Volume, Path: a.Path, Version: version, Data: a.Data}
			s.tm.WriteDisk(keyFSFile+a.Path, marshal(rec), func() {
				if !s.volumes[a.Volume] {
					// Moved away while the write was on its way: the
					// copy left here must go, and the client must store
					// at the new place.
					s.tm.WriteDisk(keyFSFile+a.Path, nil, nil)
					c.Reply(nil, s.volumeErr(a.Volume))
					return
				}
				s.apply(rec)
				s.breakOthers(a.Path, c.From, version, false)
				st := s.grant(a.Path, c.From, c.ID.Incarnation, rec)
				s.wait(a.Path, a.Volume, c.From, func() { c.Reply(marshal(&st), nil) })
			})
		})
	})
}

// apply makes a durable version visible.
func (s *FileServer) apply(rec *FileRecord) {
	if cur := s.files[rec.Path]; cur != nil && cur.Version > rec.Version {
		return
	}
	s.files[rec.Path] = rec
	if s.cfg.OnStore != nil && !rec.Dir {
		s.cfg.OnStore(rec.Path, rec.Version, append([]string(nil), rec.Data...))
	}
}

// create is CREATE: a new empty file, with a callback promise to its
// creator.
func (s *FileServer) create(c *rpc.Call) {
	s.newFile(c, false)
}

// makeDir is MAKEDIR: a new directory.
func (s *FileServer) makeDir(c *rpc.Call) {
	s.newFile(c, true)
}

func (s *FileServer) newFile(c *rpc.Call, dir bool) {
	var a FileArgs
	if !args(c, &a) {
		return
	}
	s.admit(c, func() {
		if !s.volumes[a.Volume] {
			c.Reply(nil, s.volumeErr(a.Volume))
			return
		}
		if s.files[a.Path] != nil || s.creating[a.Path] {
			c.Reply(nil, ErrExist)
			return
		}
		s.creating[a.Path] = true
		s.ensureHost(c.From, func() {
			version := s.lastVersion[a.Path] + 1
			s.lastVersion[a.Path] = version
			rec := &FileRecord{Volume: a.Volume, Path: a.Path, Version: version, Dir: dir, Data: []string{}}
			s.tm.WriteDisk(keyFSFile+a.Path, marshal(rec), func() {
				delete(s.creating, a.Path)
				if !s.volumes[a.Volume] {
					s.tm.WriteDisk(keyFSFile+a.Path, nil, nil)
					c.Reply(nil, s.volumeErr(a.Volume))
					return
				}
				s.apply(rec)
				if dir {
					c.Reply(marshal(s.status(rec)), nil)
					return
				}
				st := s.grant(a.Path, c.From, c.ID.Incarnation, rec)
				c.Reply(marshal(&st), nil)
			})
		})
	})
}

// remove is REMOVE: the file goes, and so does every callback on it.
func (s *FileServer) remove(c *rpc.Call) {
	var a FileArgs
	if !args(c, &a) {
		return
	}
	s.admit(c, func() {
		f, err := s.lookup(a)
		if err != nil {
			c.Reply(nil, err)
			return
		}
		version := f.Version
		if version > s.lastVersion[a.Path] {
			s.lastVersion[a.Path] = version
		}
		s.tm.WriteDisk(keyFSFile+a.Path, nil, func() {
			if !s.volumes[a.Volume] {
				c.Reply(nil, s.volumeErr(a.Volume))
				return
			}
			// The delete reached the disk last, so it wins over any store
			// that completed meanwhile.
			delete(s.files, a.Path)
			if s.cfg.OnRemove != nil {
				s.cfg.OnRemove(a.Path)
			}
			delete(s.promises[a.Path], c.From)
			s.breakOthers(a.Path, c.From, version, true)
			s.wait(a.Path, a.Volume, c.From, func() { c.Reply(nil, nil) })
		})
	})
}

// PromiseDump is one callback promise in transit with its volume.
type PromiseDump struct {
	Path    string
	Host    sim.NodeID
	Expires sim.Time
	Inc     uint32
}

// BreakDump is one undelivered break in transit with its volume.
type BreakDump struct {
	Path    string
	Host    sim.NodeID
	Version uint64
	Removed bool
	Expires sim.Time
	Inc     uint32
}

// VolumeDump is a volume being moved: its files, and the callback state
// on them, so that the new server goes on honouring the old one's promises
// (its clients' copies did not change by moving).
type VolumeDump struct {
	Volume   string
	Files    []FileRecord
	Promises []PromiseDump
	Breaks   []BreakDump
}

// ReleaseVolume is the old server's half of an administrator's volume
// move (vos move): it hands over the volume's files and callback state,
// deletes them here and remembers where the volume went, so that clients
// still asking here get VMOVED and look it up again. Undelivered breaks on
// the volume stay here too, so that stores this server is still finishing
// keep waiting for them. The move is instantaneous and durable at once.
func (s *FileServer) ReleaseVolume(vol, to string) (VolumeDump, error) {
	if !s.volumes[vol] {
		return VolumeDump{}, fmt.Errorf("%s does not hold volume %s", s.env.Name(), vol)
	}
	d := s.env.Disk()
	dump := VolumeDump{Volume: vol}
	for _, path := range sortedKeys(s.files) {
		f := s.files[path]
		if f.Volume != vol {
			continue
		}
		dump.Files = append(dump.Files, *f)
		delete(s.files, path)
		d.Delete(keyFSFile + path)
		m := s.promises[path]
		for _, h := range sortedIDs(m) {
			pr := m[h]
			dump.Promises = append(dump.Promises, PromiseDump{Path: path, Host: h, Expires: pr.expires, Inc: pr.inc})
		}
		delete(s.promises, path)
	}
	for _, h := range sortedIDs(s.peers) {
		p := s.peers[h]
		for _, path := range sortedKeys(p.files) {
			b := p.files[path]
			if v, ok := VolumeOf([]string{vol}, path); ok && v == vol {
				dump.Breaks = append(dump.Breaks, BreakDump{Path: path, Host: h, Version: b.version, Removed: b.removed, Expires: b.expires, Inc: b.inc})
			}
		}
	}
	s.traceAllPromises()
	delete(s.volumes, vol)
	s.moved[vol] = to
	d.Delete(keyFSVolume + vol)
	d.Put(keyFSMoved+vol, []byte(to))
	return dump, nil
}

// AttachVolume is the new server's half of a volume move: it stores the
// volume's files and takes over its callback state.
func (s *FileServer) AttachVolume(dump VolumeDump) {
	d := s.env.Disk()
	for i := range dump.Files {
		f := dump.Files[i]
		d.Put(keyFSFile+f.Path, marshal(&f))
		s.files[f.Path] = &f
	}
	s.volumes[dump.Volume] = true
	delete(s.moved, dump.Volume)
	d.Delete(keyFSMoved + dump.Volume)
	d.Put(keyFSVolume+dump.Volume, nil)
	now := s.env.Now()
	for _, p := range dump.Promises {
		if p.Expires <= now {
			continue
		}
		if name := s.env.NodeName(p.Host); !s.hosts[name] {
			s.hosts[name] = true
			d.Put(keyFSHost+name, []byte{})
		}
		m := s.promises[p.Path]
		if m == nil {
			m = map[sim.NodeID]*promise{}
			s.promises[p.Path] = m
		}
		s.seq++
		m[p.Host] = &promise{expires: p.Expires, inc: p.Inc, seq: s.seq}
	}
	s.traceAllPromises()
	var hosts []sim.NodeID
	for _, b := range dump.Breaks {
		if b.Expires <= now {
			continue
		}
		s.addBreak(b.Host, b.Path, b.Version, b.Removed, &promise{expires: b.Expires, inc: b.Inc})
		hosts = append(hosts, b.Host)
	}
	s.deliver(hosts)
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sortedIDs returns a map's node IDs in order.
func sortedIDs[V any](m map[sim.NodeID]V) []sim.NodeID {
	keys := make([]sim.NodeID, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
