package nfs

import (
	"fmt"
	"strings"

	"github.com/sim-lecture/sim/sim"
)

// The client's operations. Each is a short list of steps run in order by a
// seq: a step does its local work and may send one RPC, and the next step
// runs when the reply comes. So an operation reads top to bottom as the RPCs
// it sends: rename is "mount, walk to both directories, RENAME".

// seq runs the steps of one operation.
type seq struct {
	c     *Client
	t     *task
	steps []func(k *seq)
	next  int
	// buf holds the steps of most operations, in the seq's own
	// allocation rather than a slice of their own.
	buf [5]func(k *seq)
}

// run starts the steps of t's operation; after the last, t is finished.
func (c *Client) run(t *task, steps ...func(k *seq)) {
	k := &seq{c: c, t: t}
	if len(steps) <= len(k.buf) {
		k.steps = append(k.buf[:0], steps...)
	} else {
		k.steps = append([]func(*seq){}, steps...)
	}
	k.step()
}

// step runs the next step, or finishes the operation.
func (k *seq) step() {
	if k.next == len(k.steps) {
		k.c.finish(k.t)
		return
	}
	s := k.steps[k.next]
	k.next++
	s(k)
}

// then makes steps the ones to run next, before the rest.
func (k *seq) then(steps ...func(k *seq)) {
	// One new array of the steps left: the steps of the caller's list may
	// not be written over (a walk's are appended to while it runs).
	rest := make([]func(*seq), 0, len(steps)+len(k.steps)-k.next)
	rest = append(append(rest, steps...), k.steps[k.next:]...)
	k.steps, k.next = rest, 0
}

// call sends proc to server and, when the reply is a success, decodes its
// body into res, runs ok (may be nil) and goes on; any error ends the
// operation with it.
func (k *seq) call(server sim.NodeID, proc string, args []byte, res any, ok func()) {
	k.c.call(server, proc, args, res, func(err error) {
		if err != nil {
			k.fail(err, "")
			return
		}
		if ok != nil {
			ok()
		}
		k.step()
	})
}

// fail ends the operation with err; the steps left do not run.
func (k *seq) fail(err error, format string, args ...any) { k.c.fail(k.t, err, format, args...) }

// place is where a path leads: its mount, the names below the mount's root,
// its path on the server, and, once walked, the handle of the file or, for
// an operation that names an entry, of the entry's directory.
type place struct {
	path  string // the client's path, for notes and the cache
	m     *mountPoint
	rel   []string
	spath string
	dir   fileRef // walked: the entry's directory (entry) or the file
	attr  Fattr   // the file's attributes, when the walk got them
	res   DirOpRes
}

// name is the entry's name in its directory.
func (p *place) name() string { return p.rel[len(p.rel)-1] }

// file is how requests name the file itself, once walked.
func (p *place) file() fileRef { return p.dir }

// at resolves path through the mount table and mounts its file system
// (MNT, unless done at boot).
func (c *Client) at(p *place, path string) func(k *seq) {
	return func(k *seq) {
		p.path = path
		m, rel, err := c.resolve(path)
		if err != nil {
			k.fail(err, "no mount for %s", path)
			return
		}
		p.m, p.rel, p.spath = m, rel, serverPath(m, rel)
		if m.mounted {
			k.step() // what c.mount would do, without a closure to hold
			return
		}
		c.mount(m, func(err error) {
			if err != nil {
				k.fail(err, "cannot mount %s:%s", m.Server, m.Export)
				return
			}
			k.step()
		})
	}
}

// walk LOOKUPs the names of p from its mount's root, the way an NFS client
// resolves a path (the server never sees one), up to the entry's directory
// (entry) or the file itself; with no names to look up and attrs, it GETATTRs
// the root. Every reply refreshes the attribute cache. Under strategies 1
// and 2 requests carry the server path and there is nothing to walk.
func (c *Client) walk(p *place, entry, attrs bool) func(k *seq) {
	return func(k *seq) {
		p.dir = fileRef{server: p.m.server, fh: p.m.root, spath: p.spath}
		if c.byPath() {
			k.step()
			return
		}
		names := p.rel
		if entry {
			names = names[:len(names)-1]
		}
		if len(names) == 0 && attrs {
			k.call(p.m.server, ProcGetattr, c.request().file(p.dir, false).bytes(), &p.attr, func() {
				c.refresh(c.fileFor(p.dir, p.path), p.attr, -1)
			})
			return
		}
		c.lookup(k, p, names, 0)
	}
}

// lookup LOOKUPs names[i:] of p one after the other, then goes on with
// k's next step; an error ends the operation. Each reply lands in p.res,
// the place's own: a walk allocates no step list and no result per name.
func (c *Client) lookup(k *seq, p *place, names []string, i int) {
	if i == len(names) {
		k.step()
		return
	}
	c.call(p.m.server, ProcLookup, c.request().dirop(p.dir, names[i], "").bytes(), &p.res, func(err error) {
		if err != nil {
			k.fail(err, "")
			return
		}
		path := p.path
		if i < len(names)-1 {
			path = strings.Join(names[:i+1], "/")
		}
		p.dir.fh, p.attr = p.res.File, p.res.Attr
		c.refresh(c.fileFor(p.dir, path), p.res.Attr, -1)
		c.lookup(k, p, names, i+1)
	})
}

// entry checks that p names an entry of a directory, not a mount's root,
// which only the mount can name: an operation on it fails with err.
func entry(p *place, err error) func(k *seq) {
	return func(k *seq) {
		if len(p.rel) == 0 {
			k.fail(err, "%s is a mount point", p.path)
			return
		}
		k.step()
	}
}

// dirop writes the diropargs of p's entry.
func (c *Client) dirop(p *place) *request { return c.request().dirop(p.dir, p.name(), p.spath) }

// opened enters a file into the fd table (when the operation names an fd)
// and its attributes into the cache.
func (c *Client) opened(t *task, r fileRef, attr *Fattr) {
	f := c.fileFor(r, t.op.Path)
	if attr != nil {
		c.refresh(f, *attr, -1)
	}
	if t.op.FD != "" {
		if c.fds == nil {
			c.fds = map[string]*openFile{}
		}
		c.fds[t.op.FD] = &openFile{key: f.key, ref: r}
	}
	if f.haveAttr {
		t.res.Server, t.res.Fileid = r.server, f.attr.Fileid
	}
}

// open: strategy 4 (and 3) LOOKUPs each name of the path; strategy 2 sends
// the whole path, which the server walks every time; strategy 1 forwards
// open() to the server, which hands out an fd.
func (c *Client) open(t *task) {
	p := &place{}
	switch c.opts.API {
	case StatefulFDs:
		var res OpenRes
		c.run(t, c.at(p, t.op.Path), func(k *seq) {
			k.call(p.m.server, ProcOpen, c.request().str(p.spath).bytes(), &res, func() {
				c.opened(t, fileRef{server: p.m.server, spath: p.spath, sfd: res.FD}, &res.Attr)
				t.note("server fd %d", res.FD)
			})
		})
	case Paths:
		var attr Fattr
		c.run(t, c.at(p, t.op.Path), func(k *seq) {
			k.call(p.m.server, ProcLookup, c.request().str(p.spath).bytes(), &attr, func() {
				c.opened(t, fileRef{server: p.m.server, spath: p.spath}, &attr)
			})
		})
	default:
		c.run(t, c.at(p, t.op.Path), c.walk(p, false, true), func(k *seq) {
			c.opened(t, p.file(), nil)
			k.step()
		})
	}
}

// create is create (with an fd: create and open) and mkdir: walk to the
// directory, CREATE or MKDIR; strategy 1 then opens the new file (OPEN).
func (c *Client) create(t *task) {
	proc, sa := ProcCreate, KeepAll
	sa.Mode = 0o644
	if t.op.Kind == OpMkdir {
		proc, sa.Mode = ProcMkdir, 0o755
	}
	p := &place{}
	var res DirOpRes
	var attr Fattr
	made := func(k *seq) {
		body := any(&res)
		if c.byPath() {
			body = &attr
		}
		k.call(p.m.server, proc, c.dirop(p).sattr(sa).bytes(), body, func() {
			if c.byPath() {
				res = DirOpRes{Attr: attr}
			}
		})
	}
	open := func(k *seq) {
		r := fileRef{server: p.m.server, fh: res.File, spath: p.spath}
		if c.opts.API != StatefulFDs || t.op.FD == "" || proc == ProcMkdir {
			if proc == ProcMkdir {
				t.op.FD = ""
			}
			c.opened(t, r, &res.Attr)
			k.step()
			return
		}
		var o OpenRes
		k.call(p.m.server, ProcOpen, c.request().str(p.spath).bytes(), &o, func() {
			t.note("server fd %d", o.FD)
			r.sfd = o.FD
			c.opened(t, r, &o.Attr)
		})
	}
	c.run(t, c.at(p, t.op.Path), entry(p, ErrExist), c.walk(p, true, false), made, open)
}

// remove is remove and rmdir: walk to the directory, REMOVE or RMDIR.
func (c *Client) remove(t *task) {
	proc := ProcRemove
	if t.op.Kind == OpRmdir {
		proc = ProcRmdir
	}
	p := &place{}
	c.run(t, c.at(p, t.op.Path), entry(p, ErrAcces), c.walk(p, true, false), func(k *seq) {
		k.call(p.m.server, proc, c.dirop(p).bytes(), nil, func() { c.forgetPath(p) })
	})
}

// forgetPath drops the cache entry of a file a path named, when files are
// cached by path (strategies 1 and 2): the path may name another file from
// now on. A handle keeps naming its file, removed or renamed.
func (c *Client) forgetPath(p *place) {
	if !c.byPath() {
		return
	}
	if f := c.cached(fileRef{server: p.m.server, spath: p.spath}); f != nil {
		c.forget(f)
	}
}

// forget drops a file's cache entry, blocks and all.
func (c *Client) forget(f *cfile) {
	for _, i := range f.indices() {
		c.dropBlock(f.block(i))
	}
	delete(c.files, f.key)
	if c.last == f {
		c.last = nil
	}
}

// rename: walk to both directories, RENAME. Both paths must be on one
// mount: NFS cannot move a file between servers.
func (c *Client) rename(t *task) {
	from, to := &place{}, &place{}
	c.run(t, c.at(from, t.op.Path), c.at(to, t.op.To), func(k *seq) {
		if from.m != to.m {
			k.fail(ErrNXIO, "%s and %s are on different mounts", t.op.Path, t.op.To)
			return
		}
		k.step()
	}, entry(from, ErrAcces), entry(to, ErrAcces), c.walk(from, true, false), c.walk(to, true, false), func(k *seq) {
		args := c.dirop(from).dirop(to.dir, to.name(), to.spath)
		k.call(from.m.server, ProcRename, args.bytes(), nil, func() {
			c.forgetPath(from)
			c.forgetPath(to)
		})
	})
}

// link: walk to the file and to the new name's directory, LINK.
func (c *Client) link(t *task) {
	file, to := &place{}, &place{}
	c.run(t, c.at(file, t.op.Path), c.at(to, t.op.To), func(k *seq) {
		if file.m != to.m {
			k.fail(ErrNXIO, "%s and %s are on different mounts", t.op.Path, t.op.To)
			return
		}
		k.step()
	}, entry(to, ErrExist), c.walk(file, false, false), c.walk(to, true, false), func(k *seq) {
		args := c.request().file(file.file(), false)
		args.dirop(to.dir, to.name(), to.spath)
		k.call(to.m.server, ProcLink, args.bytes(), nil, nil)
	})
}

// symlink: walk to the new name's directory, SYMLINK (the link holds To).
func (c *Client) symlink(t *task) {
	p := &place{}
	c.run(t, c.at(p, t.op.Path), entry(p, ErrExist), c.walk(p, true, false), func(k *seq) {
		sa := KeepAll
		sa.Mode = 0o777
		k.call(p.m.server, ProcSymlink, c.dirop(p).str(t.op.To).sattr(sa).bytes(), nil, nil)
	})
}

// readlink: walk to the link, READLINK; the value is the path it holds.
func (c *Client) readlink(t *task) {
	p := &place{}
	var target string
	c.run(t, c.at(p, t.op.Path), c.walk(p, false, false), func(k *seq) {
		k.call(p.m.server, ProcReadlink, c.request().file(p.file(), false).bytes(), &target, func() {
			t.res.Value, t.res.HasValue = target, true
			t.note("holds %s", target)
		})
	})
}

// readdir: walk to the directory, READDIR until the server says EOF; the
// value is the names, in the server's order.
func (c *Client) readdir(t *task) {
	p := &place{}
	var names []string
	var more func(cookie uint32) func(k *seq)
	more = func(cookie uint32) func(k *seq) {
		return func(k *seq) {
			var res ReaddirRes
			args := c.request().file(p.file(), false).u32(cookie, MaxData).bytes()
			k.call(p.m.server, ProcReaddir, args, &res, func() {
				last := cookie
				for e := res.Entries; e != nil; e = e.Next {
					names, last = append(names, e.Name), e.Cookie
				}
				if !res.EOF && res.Entries != nil && len(names) < MaxBlocks {
					k.then(more(last))
				}
			})
		}
	}
	c.run(t, c.at(p, t.op.Path), c.walk(p, false, false), more(0), func(k *seq) {
		t.res.Value, t.res.HasValue = strings.Join(names, " "), true
		if len(names) == 0 {
			t.say("empty")
		} else {
			t.note("%s: %s", plural(len(names), "entry"), t.res.Value)
		}
		k.step()
	})
}

// truncate: walk to the file, SETATTR with the new size and nothing else.
// The reply's attributes show the new mtime, which drops the cached blocks.
func (c *Client) truncate(t *task) {
	p := &place{}
	var attr Fattr
	c.run(t, c.at(p, t.op.Path), c.walk(p, false, false), func(k *seq) {
		sa := KeepAll
		sa.Size = t.op.Size
		k.call(p.m.server, ProcSetattr, c.request().file(p.file(), false).sattr(sa).bytes(), &attr, func() {
			c.refresh(c.fileFor(p.file(), t.op.Path), attr, -1)
			t.note("%s", plural(attr.NBlocks(), "block"))
			t.res.Server, t.res.Fileid = p.m.server, attr.Fileid
		})
	})
}

// statfs: STATFS on the mount's root (or the path's file).
func (c *Client) statfs(t *task) {
	p := &place{}
	var res StatfsRes
	path := t.op.Path
	if path == "" {
		path = "/"
	}
	c.run(t, c.at(p, path), c.walk(p, false, false), func(k *seq) {
		k.call(p.m.server, ProcStatfs, c.request().file(p.file(), false).bytes(), &res, func() {
			t.note("%d of %d blocks of %d bytes free", res.Bfree, res.Blocks, res.Bsize)
			t.res.Server = p.m.server
		})
	})
}

// stat: the file's attributes, LOOKUPs (or GETATTR by path) as open.
func (c *Client) stat(t *task) {
	p := &place{}
	show := func(attr Fattr) {
		t.note("%d blocks, mtime %s", attr.NBlocks(), attr.Mtime)
		t.res.Server, t.res.Fileid = p.m.server, attr.Fileid
	}
	if c.byPath() {
		c.run(t, c.at(p, t.op.Path), func(k *seq) {
			f := c.fileFor(fileRef{server: p.m.server, spath: p.spath}, t.op.Path)
			c.getattr(f, func(err error) {
				if err != nil {
					k.fail(err, "")
					return
				}
				show(f.attr)
				k.step()
			})
		})
		return
	}
	c.run(t, c.at(p, t.op.Path), c.walk(p, false, true), func(k *seq) {
		show(p.attr)
		k.step()
	})
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "y") {
		return fmt.Sprintf("%d %sies", n, what[:len(what)-1])
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// The data operations act on an open fd, through the caches.

func (c *Client) read(t *task) {
	of, f, ok := c.fdFile(t)
	if !ok || !c.checkBlock(t) {
		return
	}
	i := t.op.Block
	t.res.Server, t.res.Block, t.res.HasBlock = of.ref.server, i, true
	if c.opts.API == StatefulFDs {
		t.say("read(fd) forwarded to the server")
		c.readBlock(t, f, of.ref, i)
		return
	}
	b := f.block(i)
	if b == nil {
		t.say("not cached: READ")
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
		if b := f.block(i); b != nil {
			c.local(t, b, "attr expired: GETATTR, unchanged: use local")
			t.res.Revalidated = true
			c.finish(t)
			return
		}
		t.say("attr expired: GETATTR, changed: drop cache, READ")
		c.readBlock(t, f, of.ref, i)
	})
}

// local returns cached block b as t's value.
func (c *Client) local(t *task, b *cblock, note string) {
	c.lru.MoveToBack(b.elem)
	t.say(note)
	t.res.Value, t.res.HasValue, t.res.Cached = b.data, true, true
	t.res.Fileid = b.f.attr.Fileid
}

// readBlock READs block i of f and caches it. Under strategy 1 nothing is
// cached: every read() goes to the server.
func (c *Client) readBlock(t *task, f *cfile, r fileRef, i int) {
	// READ's arguments: file, offset, count, totalcount (unused).
	args := c.request().file(r, true).u32(uint32(i)*BlockSize, BlockSize, 0).bytes()
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
			t.say("end of file")
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
		t.say("write(fd) forwarded to the server")
		c.sendWrite(t, f, of.ref, i, t.op.Data, func(err error) { c.fail(t, err, "") })
		return
	}
	c.insert(t, f, i, t.op.Data, true, func() {
		t.say("buffered locally")
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
		t.say("close(fd) forwarded to the server")
		c.call(of.ref.server, ProcClose, c.request().file(of.ref, true).bytes(), nil, func(err error) { c.fail(t, err, "") })
		return
	}
	var dirty []*cblock
	for _, b := range f.blocks {
		if b.dirty {
			dirty = append(dirty, b)
		}
	}
	if len(dirty) == 0 {
		t.say("no dirty blocks")
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
					if f.block(d.index) == d {
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

func (c *Client) seek(t *task) {
	of, _, ok := c.fdFile(t)
	if !ok {
		return
	}
	of.offset = t.op.Block
	t.say("local: the offset lives in the client's fd")
	c.finish(t)
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
		args := c.request().file(of.ref, true).opaque([]byte(t.op.Data)).bytes()
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
		for _, b := range f.blocks {
			if b.dirty && b.index >= end {
				end = b.index + 1
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
