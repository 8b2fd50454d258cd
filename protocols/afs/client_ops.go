package afs

import (
	"errors"
	"fmt"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// The cache manager's operations that talk to a file server. Each is a short
// list of steps run in order by an op: a step does its local work and may
// send one call, and the next step runs when the reply comes. So an
// operation reads top to bottom as the calls it sends: open is "use the
// cache under a valid callback, else FETCHSTATUS a cached copy, else FETCH
// the whole file" (Howard et al. 1988, section 3.2; lecture: "AFS: open
// ... fetch whole file, setup callback").

// op is one application operation: its operands, what its steps have
// learnt, and the steps, which are shared by every operation of its kind
// (readSteps, openSteps, ...). An operation is one allocation, not a
// closure per step: at thousands of clients the closures were most of a
// step's garbage.
type op struct {
	c    *CacheManager
	done func(Result)
	// steps run in order; next is the one to run.
	steps []opStep
	next  int
	// res is what the operation returns once its last step has run.
	res   Result
	ended bool
	// called says a step sent a call, whose reply refers to the
	// operation: it is not reused (CacheManager.end).
	called bool

	// The operands: an fd, a path (and the volume in finds it in), a
	// block and data.
	fd, path, vol string
	block         int
	data          string
	// issued is when an open was asked for.
	issued sim.Time
	// note is what an open's FETCH result says, chosen by the steps before
	// it.
	note string
	// f is the open copy a close closes.
	f *openFile
}

// opStep is one step of an operation: it does its local work and either
// ends the operation, sends one call, or goes on with o.step().
type opStep func(o *op)

// step runs the next step or, after the last, ends the operation with res.
func (o *op) step() {
	if o.next == len(o.steps) {
		o.finish(o.res)
		return
	}
	s := o.steps[o.next]
	o.next++
	s(o)
}

// finish ends the operation with r; the steps left do not run.
func (o *op) finish(r Result) {
	o.ended = true
	o.c.end(o, r)
}

// fail ends the operation with err.
func (o *op) fail(err error, note string) { o.finish(fail(err, note)) }

// call sends proc about o.path in volume o.vol (CacheManager.call:
// located, following a moved volume) and hands the reply, error or not, to
// reply; then the operation goes on, unless reply ended it.
func (o *op) call(proc string, args []byte, reply func(res []byte, err error, ctx callCtx)) {
	o.called = true
	o.c.call(o.vol, o.path, proc, args, func(res []byte, err error, ctx callCtx) {
		reply(res, err, ctx)
		if !o.ended {
			o.step()
		}
	})
}

// decode unmarshals a reply into v, or ends the operation with EIO.
func (o *op) decode(res []byte, v any, proc string) bool {
	if xdr.Unmarshal(res, v) != nil {
		o.fail(ErrIO, proc+" reply did not unmarshal")
		return false
	}
	return true
}

// in finds o.path's volume (CacheManager.volumeFor), or ends the operation.
func (o *op) in() {
	vol, ok := o.c.volumeFor(o.path, o)
	if !ok {
		return
	}
	o.vol = vol
	o.step()
}

// notOpen ends the operation with EBADF if o.fd is already open ("" names
// no fd).
func (o *op) notOpen() {
	if o.fd != "" && o.c.fds.get(o.fd) != nil {
		o.fail(ErrBadF, "fd "+o.fd+" is already open")
		return
	}
	o.step()
}

// Open opens path as fd: from the cache under a valid callback, after a
// FETCHSTATUS if the cached copy must be rechecked, otherwise by fetching
// the whole file (Howard et al. 1988, section 3.2: the whole file is
// fetched at open; a valid callback means no call at all).
func (c *CacheManager) Open(fd, path string, done func(Result)) {
	c.push(op{c: c, done: done, steps: openSteps, fd: fd, path: path, issued: c.env.Now()})
}

var openSteps = []opStep{(*op).notOpen, (*op).in, (*op).openCached, (*op).openRecheck, (*op).openFetch}

// openCached ends the open without a call when the cache can be trusted:
// another process of this workstation has the file open at the current
// version (they share its copy, unsaved writes included; once the callback
// is broken the new open fetches as usual and the older fds keep their
// version), or the copy has a valid callback.
func (o *op) openCached() {
	c := o.c
	e := c.files.get(o.path)
	if f := c.open.get(o.path); f != nil && !f.broken && e != nil && c.valid(e) && e.version == f.version {
		note := fmt.Sprintf("already open on this client (%s), callback valid: shares its copy", c.fdsOf(f))
		c.addFD(o.fd, f)
		o.finish(Result{Note: note, Version: f.version, Source: SourceShared, Callback: e.cbInfo})
		return
	}
	if e != nil && c.valid(e) {
		c.openLocal(o.fd, o.path, e, o.issued)
		o.finish(Result{Note: "callback valid: use local copy", Version: e.version, Source: SourceLocal, Callback: e.cbInfo})
		return
	}
	o.step()
}

// openRecheck asks FETCHSTATUS about a cached copy without a valid
// callback (expired, broken, or the client restarted) and opens it if it is
// still current; a changed copy is dropped and fetched next. An uncached
// file goes straight to the fetch.
func (o *op) openRecheck() {
	c := o.c
	e := c.files.get(o.path)
	if e == nil {
		o.note = "not cached: whole file fetched, callback set up"
		if c.cfg.Prototype {
			o.note = "not cached: whole file fetched"
		}
		if why, ok := c.dropped[o.path]; ok {
			o.note = why + ": whole file fetched again"
		}
		o.step()
		return
	}
	why := c.whyNot(e)
	o.call(ProcFetchStatus, marshal(&FileArgs{Volume: o.vol, Path: o.path}), func(res []byte, err error, ctx callCtx) {
		var st FileStatus
		if err == nil && xdr.Unmarshal(res, &st) != nil {
			err = ErrIO
		} else if errors.Is(err, ErrNoEnt) {
			c.drop(o.path, "removed")
		}
		if err != nil {
			o.fail(err, why+": FETCHSTATUS failed")
			return
		}
		if same, cb := c.checkStatus(o.path, ctx, st); same {
			e := c.files.get(o.path)
			c.openLocal(o.fd, o.path, e, o.issued)
			o.finish(Result{Note: why + ": FETCHSTATUS says unchanged, use local copy" + c.noCallback(cb), Version: e.version, Source: SourceRechecked})
			return
		}
		o.note = why + ": FETCHSTATUS says changed, whole file fetched"
	})
}

// openFetch FETCHes the whole file, caches it with the reply's callback
// and opens fd on it.
func (o *op) openFetch() {
	c := o.c
	o.call(ProcFetch, marshal(&FileArgs{Volume: o.vol, Path: o.path}), func(res []byte, err error, ctx callCtx) {
		if err != nil {
			o.fail(err, "FETCH failed")
			return
		}
		var fr FetchRes
		if !o.decode(res, &fr, "FETCH") {
			return
		}
		cb := c.install(o.path, o.vol, ctx, fr.Status, fr.Data)
		c.addFD(o.fd, &openFile{path: o.path, volume: o.vol, version: fr.Status.Version, openedAt: o.issued, data: append([]string(nil), fr.Data...)})
		o.finish(Result{Note: o.note + c.noCallback(cb), Version: fr.Status.Version, Source: SourceFetched})
	})
}

// Close closes fd. The last close of a file on this client stores the whole
// file if it was written through any of its fds; the stored version stays
// in the cache with a callback: the server keeps the writer's promise
// (Howard et al. 1988, section 3.2: "the file is stored on close";
// lecture: "close A: send A").
func (c *CacheManager) Close(fd string, done func(Result)) {
	c.push(op{c: c, done: done, steps: closeSteps, fd: fd})
}

var closeSteps = []opStep{(*op).closeFD, (*op).closeStore}

// closeFD closes fd here, and ends the close unless it was the file's last
// fd on this client and the file was written.
func (o *op) closeFD() {
	c := o.c
	f := c.openFD(o.fd, o)
	if f == nil {
		return
	}
	o.f = f
	c.fds.del(o.fd)
	if f.fds--; f.fds > 0 {
		note := "still open here (" + c.fdsOf(f) + "): the last close stores it"
		if !f.dirty {
			note = "still open here (" + c.fdsOf(f) + ")"
		}
		o.finish(Result{Note: note, Version: f.version})
		return
	}
	if c.open.get(f.path) == f {
		c.open.del(f.path)
	}
	if !f.dirty {
		res := Result{Note: "not written: nothing to send", Version: f.version}
		// Closed, unwritten and no longer open here: nothing refers to
		// the copy any more.
		*f = openFile{}
		c.spareFile = f
		o.finish(res)
		return
	}
	o.step()
}

// closeStore STOREs the whole file and caches the stored version.
func (o *op) closeStore() {
	c, f := o.c, o.f
	o.vol, o.path = f.volume, f.path
	o.call(ProcStore, marshal(&StoreArgs{Volume: f.volume, Path: f.path, Data: f.data}), func(res []byte, err error, ctx callCtx) {
		if err != nil {
			o.fail(err, "STORE failed: the changes are lost")
			return
		}
		var st FileStatus
		if !o.decode(res, &st, "STORE") {
			return
		}
		c.install(f.path, f.volume, ctx, st, f.data)
		o.res = Result{Note: fmt.Sprintf("whole file stored as version %d", st.Version), Version: st.Version}
	})
}

// Create creates an empty file, and opens it as fd if fd is not empty.
// The server's reply promises a callback on the new file.
func (c *CacheManager) Create(path, fd string, done func(Result)) {
	c.push(op{c: c, done: done, steps: createSteps, fd: fd, path: path})
}

var createSteps = []opStep{(*op).notOpen, (*op).in, (*op).create}

func (o *op) create() {
	c := o.c
	o.call(ProcCreate, marshal(&FileArgs{Volume: o.vol, Path: o.path}), func(res []byte, err error, ctx callCtx) {
		if err != nil {
			o.fail(err, "CREATE failed")
			return
		}
		var st FileStatus
		if !o.decode(res, &st, "CREATE") {
			return
		}
		c.install(o.path, o.vol, ctx, st, nil)
		if o.fd != "" {
			c.addFD(o.fd, &openFile{path: o.path, volume: o.vol, version: st.Version, openedAt: c.env.Now(), data: []string{}})
		}
		o.res = Result{Note: "created, cached with a callback", Version: st.Version}
		if c.cfg.Prototype {
			o.res.Note = "created, cached"
		}
	})
}

// Remove removes a file. The cached copy goes whatever the answer: a
// failed REMOVE may have run (a lost reply) or found no file.
func (c *CacheManager) Remove(path string, done func(Result)) {
	c.push(op{c: c, done: done, steps: removeSteps, path: path})
}

var removeSteps = []opStep{(*op).in, (*op).remove}

func (o *op) remove() {
	o.call(ProcRemove, marshal(&FileArgs{Volume: o.vol, Path: o.path}), func(_ []byte, err error, _ callCtx) {
		o.c.drop(o.path, "removed")
		if err != nil {
			o.fail(err, "REMOVE failed")
			return
		}
		o.res = Result{Note: "removed"}
	})
}

// MakeDir creates a directory.
func (c *CacheManager) MakeDir(path string, done func(Result)) {
	c.push(op{c: c, done: done, steps: makeDirSteps, path: path})
}

var makeDirSteps = []opStep{(*op).in, (*op).makeDir}

func (o *op) makeDir() {
	o.call(ProcMakeDir, marshal(&FileArgs{Volume: o.vol, Path: o.path}), func(_ []byte, err error, _ callCtx) {
		if err != nil {
			o.fail(err, "MAKEDIR failed")
			return
		}
		o.res = Result{Note: "directory created"}
	})
}

// Stat reports a file's version and length: from the cache under a valid
// callback, else with FETCHSTATUS (Howard et al. 1988, section 3.2: a
// valid callback answers without the server).
func (c *CacheManager) Stat(path string, done func(Result)) {
	c.push(op{c: c, done: done, steps: statSteps, path: path})
}

var statSteps = []opStep{(*op).in, (*op).statCached, (*op).statFetch}

// statCached answers from the cache under a valid callback.
func (o *op) statCached() {
	if e := o.c.files.get(o.path); e != nil && o.c.valid(e) {
		o.finish(Result{Note: fmt.Sprintf("callback valid: version %d, %d blocks, from the cache", e.version, len(e.data)), Version: e.version, Source: SourceLocal, Callback: e.cbInfo})
		return
	}
	o.step()
}

// statFetch asks the server with FETCHSTATUS.
func (o *op) statFetch() {
	c := o.c
	o.call(ProcFetchStatus, marshal(&FileArgs{Volume: o.vol, Path: o.path}), func(res []byte, err error, ctx callCtx) {
		if err != nil {
			if errors.Is(err, ErrNoEnt) {
				c.drop(o.path, "removed")
			}
			o.fail(err, "FETCHSTATUS failed")
			return
		}
		var st FileStatus
		if !o.decode(res, &st, "FETCHSTATUS") {
			return
		}
		c.checkStatus(o.path, ctx, st)
		o.res = Result{Note: fmt.Sprintf("version %d, %d blocks", st.Version, st.Blocks), Version: st.Version}
	})
}
