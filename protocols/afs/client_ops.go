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

// op runs the steps of one application operation.
type op struct {
	c     *CacheManager
	end   func(Result)
	steps []func(o *op)
	next  int
	// res is what the operation returns once its last step has run.
	res   Result
	ended bool
}

// do enqueues an operation made of steps (CacheManager.run); its result
// goes to done.
func (c *CacheManager) do(done func(Result), steps ...func(o *op)) {
	c.run(done, func(end func(Result)) {
		o := &op{c: c, end: end, steps: steps}
		o.step()
	})
}

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
	o.end(r)
}

// fail ends the operation with err.
func (o *op) fail(err error, note string) { o.finish(fail(err, note)) }

// call sends proc about path in volume vol (CacheManager.call: located,
// following a moved volume) and hands the reply, error or not, to reply;
// then the operation goes on, unless reply ended it.
func (o *op) call(vol, path, proc string, args []byte, reply func(res []byte, err error, ctx callCtx)) {
	o.c.call(vol, path, proc, args, func(res []byte, err error, ctx callCtx) {
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

// target is the file an operation is about: its path and, once found in the
// mount table, its volume.
type target struct {
	path, vol string
}

// in finds t's volume (CacheManager.volumeFor), or ends the operation.
func (c *CacheManager) in(t *target, path string) func(o *op) {
	return func(o *op) {
		t.path = path
		vol, ok := c.volumeFor(path, o.finish)
		if !ok {
			return
		}
		t.vol = vol
		o.step()
	}
}

// notOpen ends the operation with EBADF if fd is already open ("" names no fd).
func (c *CacheManager) notOpen(fd string) func(o *op) {
	return func(o *op) {
		if fd != "" && c.fds[fd] != nil {
			o.fail(ErrBadF, "fd "+fd+" is already open")
			return
		}
		o.step()
	}
}

// opening is an open on its way: what it has learnt so far.
type opening struct {
	target
	fd     string
	issued sim.Time
	// note is what the FETCH's result says, chosen by the steps before it.
	note string
}

// Open opens path as fd: from the cache under a valid callback, after a
// FETCHSTATUS if the cached copy must be rechecked, otherwise by fetching
// the whole file (Howard et al. 1988, section 3.2: the whole file is
// fetched at open; a valid callback means no call at all).
func (c *CacheManager) Open(fd, path string, done func(Result)) {
	p := &opening{fd: fd, issued: c.env.Now()}
	c.do(done,
		c.notOpen(fd),
		c.in(&p.target, path),
		c.openCached(p),
		c.openRecheck(p),
		c.openFetch(p),
	)
}

// openCached ends the open without a call when the cache can be trusted:
// another process of this workstation has the file open at the current
// version (they share its copy, unsaved writes included; once the callback
// is broken the new open fetches as usual and the older fds keep their
// version), or the copy has a valid callback.
func (c *CacheManager) openCached(p *opening) func(o *op) {
	return func(o *op) {
		e := c.files[p.path]
		if f := c.open[p.path]; f != nil && !f.broken && e != nil && c.valid(e) && e.version == f.version {
			note := fmt.Sprintf("already open on this client (%s), callback valid: shares its copy", c.fdsOf(f))
			c.addFD(p.fd, f)
			o.finish(Result{Note: note, Version: f.version, Source: SourceShared, Callback: e.cbInfo})
			return
		}
		if e != nil && c.valid(e) {
			c.openLocal(p.fd, p.path, e, p.issued)
			o.finish(Result{Note: "callback valid: use local copy", Version: e.version, Source: SourceLocal, Callback: e.cbInfo})
			return
		}
		o.step()
	}
}

// openRecheck asks FETCHSTATUS about a cached copy without a valid
// callback (expired, broken, or the client restarted) and opens it if it is
// still current; a changed copy is dropped and fetched next. An uncached
// file goes straight to the fetch.
func (c *CacheManager) openRecheck(p *opening) func(o *op) {
	return func(o *op) {
		e := c.files[p.path]
		if e == nil {
			p.note = "not cached: whole file fetched, callback set up"
			if c.cfg.Prototype {
				p.note = "not cached: whole file fetched"
			}
			if why, ok := c.dropped[p.path]; ok {
				p.note = why + ": whole file fetched again"
			}
			o.step()
			return
		}
		why := c.whyNot(e)
		o.call(p.vol, p.path, ProcFetchStatus, marshal(&FileArgs{Volume: p.vol, Path: p.path}), func(res []byte, err error, ctx callCtx) {
			var st FileStatus
			if err == nil && xdr.Unmarshal(res, &st) != nil {
				err = ErrIO
			} else if errors.Is(err, ErrNoEnt) {
				c.drop(p.path, "removed")
			}
			if err != nil {
				o.fail(err, why+": FETCHSTATUS failed")
				return
			}
			if same, cb := c.checkStatus(p.path, ctx, st); same {
				e := c.files[p.path]
				c.openLocal(p.fd, p.path, e, p.issued)
				o.finish(Result{Note: why + ": FETCHSTATUS says unchanged, use local copy" + c.noCallback(cb), Version: e.version, Source: SourceRechecked})
				return
			}
			p.note = why + ": FETCHSTATUS says changed, whole file fetched"
		})
	}
}

// openFetch FETCHes the whole file, caches it with the reply's callback
// and opens fd on it.
func (c *CacheManager) openFetch(p *opening) func(o *op) {
	return func(o *op) {
		o.call(p.vol, p.path, ProcFetch, marshal(&FileArgs{Volume: p.vol, Path: p.path}), func(res []byte, err error, ctx callCtx) {
			if err != nil {
				o.fail(err, "FETCH failed")
				return
			}
			var fr FetchRes
			if !o.decode(res, &fr, "FETCH") {
				return
			}
			cb := c.install(p.path, p.vol, ctx, fr.Status, fr.Data)
			c.addFD(p.fd, &openFile{path: p.path, volume: p.vol, version: fr.Status.Version, openedAt: p.issued, data: append([]string(nil), fr.Data...)})
			o.finish(Result{Note: p.note + c.noCallback(cb), Version: fr.Status.Version, Source: SourceFetched})
		})
	}
}

// closing is a close on its way: the open copy fd named.
type closing struct {
	f *openFile
}

// Close closes fd. The last close of a file on this client stores the whole
// file if it was written through any of its fds; the stored version stays
// in the cache with a callback: the server keeps the writer's promise
// (Howard et al. 1988, section 3.2: "the file is stored on close";
// lecture: "close A: send A").
func (c *CacheManager) Close(fd string, done func(Result)) {
	p := &closing{}
	c.do(done,
		c.closeFD(fd, p),
		c.closeStore(p),
	)
}

// closeFD closes fd here, and ends the close unless it was the file's last
// fd on this client and the file was written.
func (c *CacheManager) closeFD(fd string, p *closing) func(o *op) {
	return func(o *op) {
		f := c.openFD(fd, o.finish)
		if f == nil {
			return
		}
		p.f = f
		delete(c.fds, fd)
		if f.fds--; f.fds > 0 {
			note := "still open here (" + c.fdsOf(f) + "): the last close stores it"
			if !f.dirty {
				note = "still open here (" + c.fdsOf(f) + ")"
			}
			o.finish(Result{Note: note, Version: f.version})
			return
		}
		if c.open[f.path] == f {
			delete(c.open, f.path)
		}
		if !f.dirty {
			o.finish(Result{Note: "not written: nothing to send", Version: f.version})
			return
		}
		o.step()
	}
}

// closeStore STOREs the whole file and caches the stored version.
func (c *CacheManager) closeStore(p *closing) func(o *op) {
	return func(o *op) {
		f := p.f
		o.call(f.volume, f.path, ProcStore, marshal(&StoreArgs{Volume: f.volume, Path: f.path, Data: f.data}), func(res []byte, err error, ctx callCtx) {
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
}

// Create creates an empty file, and opens it as fd if fd is not empty.
// The server's reply promises a callback on the new file.
func (c *CacheManager) Create(path, fd string, done func(Result)) {
	t := &target{}
	c.do(done,
		c.notOpen(fd),
		c.in(t, path),
		func(o *op) {
			o.call(t.vol, path, ProcCreate, marshal(&FileArgs{Volume: t.vol, Path: path}), func(res []byte, err error, ctx callCtx) {
				if err != nil {
					o.fail(err, "CREATE failed")
					return
				}
				var st FileStatus
				if !o.decode(res, &st, "CREATE") {
					return
				}
				c.install(path, t.vol, ctx, st, nil)
				if fd != "" {
					c.addFD(fd, &openFile{path: path, volume: t.vol, version: st.Version, openedAt: c.env.Now(), data: []string{}})
				}
				o.res = Result{Note: "created, cached with a callback", Version: st.Version}
				if c.cfg.Prototype {
					o.res.Note = "created, cached"
				}
			})
		},
	)
}

// Remove removes a file. The cached copy goes whatever the answer: a
// failed REMOVE may have run (a lost reply) or found no file.
func (c *CacheManager) Remove(path string, done func(Result)) {
	t := &target{}
	c.do(done,
		c.in(t, path),
		func(o *op) {
			o.call(t.vol, path, ProcRemove, marshal(&FileArgs{Volume: t.vol, Path: path}), func(_ []byte, err error, _ callCtx) {
				c.drop(path, "removed")
				if err != nil {
					o.fail(err, "REMOVE failed")
					return
				}
				o.res = Result{Note: "removed"}
			})
		},
	)
}

// MakeDir creates a directory.
func (c *CacheManager) MakeDir(path string, done func(Result)) {
	t := &target{}
	c.do(done,
		c.in(t, path),
		func(o *op) {
			o.call(t.vol, path, ProcMakeDir, marshal(&FileArgs{Volume: t.vol, Path: path}), func(_ []byte, err error, _ callCtx) {
				if err != nil {
					o.fail(err, "MAKEDIR failed")
					return
				}
				o.res = Result{Note: "directory created"}
			})
		},
	)
}

// Stat reports a file's version and length: from the cache under a valid
// callback, else with FETCHSTATUS (Howard et al. 1988, section 3.2: a
// valid callback answers without the server).
func (c *CacheManager) Stat(path string, done func(Result)) {
	t := &target{}
	c.do(done,
		c.in(t, path),
		func(o *op) {
			if e := c.files[path]; e != nil && c.valid(e) {
				o.finish(Result{Note: fmt.Sprintf("callback valid: version %d, %d blocks, from the cache", e.version, len(e.data)), Version: e.version, Source: SourceLocal, Callback: e.cbInfo})
				return
			}
			o.step()
		},
		func(o *op) {
			o.call(t.vol, path, ProcFetchStatus, marshal(&FileArgs{Volume: t.vol, Path: path}), func(res []byte, err error, ctx callCtx) {
				if err != nil {
					if errors.Is(err, ErrNoEnt) {
						c.drop(path, "removed")
					}
					o.fail(err, "FETCHSTATUS failed")
					return
				}
				var st FileStatus
				if !o.decode(res, &st, "FETCHSTATUS") {
					return
				}
				c.checkStatus(path, ctx, st)
				o.res = Result{Note: fmt.Sprintf("version %d, %d blocks", st.Version, st.Blocks), Version: st.Version}
			})
		},
	)
}
