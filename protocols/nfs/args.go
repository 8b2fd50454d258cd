package nfs

import (
	"strings"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// The lecture's four strategies differ only in how a request names a file:
// by handle (strategies 3 and 4: an fhandle where RFC 1094 has one), by its
// path on the server (strategy 2, and strategy 1's namespace calls), or by
// a server fd (strategy 1's READ, WRITE, APPEND and CLOSE). Every other
// argument is RFC 1094's, in RFC 1094's order. So requests are decoded at
// the door, by one reader that knows the strategy, into refs; each
// procedure's body exists once, and resolve turns a ref into an inode.

// refKind is how a ref names its file.
type refKind uint8

const (
	byHandle refKind = iota
	byPath
	byFD
)

// ref is a file as a request names it.
type ref struct {
	kind refKind
	fh   FHandle
	path string
	fd   uint32
}

// dirRef is a directory entry as a request names it: a directory's handle
// and a name in it (diropargs), or the entry's path on the server.
type dirRef struct {
	dir  ref
	name string
}

// args reads a request's arguments. The first decoding error sticks; the
// procedure then answers GARBAGE_ARGS (see Server.decode).
type args struct {
	api API
	d   *xdr.Decoder
	err error
	dec xdr.Decoder // what d points to: the decoder lives in args
}

func (a *args) fail(err error) {
	if a.err == nil {
		a.err = err
	}
}

// file reads a file argument: an fhandle, or under strategies 1 and 2 a
// path, or under strategy 1 a server fd for a data call (data).
func (a *args) file(data bool) ref {
	switch {
	case a.api == StatefulFDs && data:
		return ref{kind: byFD, fd: a.u32()}
	case a.api == StatefulFDs || a.api == Paths:
		return ref{kind: byPath, path: a.str(MaxPathLen)}
	}
	var r ref
	a.fail(a.d.FixedOpaqueTo(r.fh[:]))
	return r
}

// dirop reads a diropargs: a directory's handle and a name, or under
// strategies 1 and 2 the entry's path.
func (a *args) dirop() dirRef {
	dir := a.file(false)
	if dir.kind == byPath {
		return dirRef{dir: dir}
	}
	return dirRef{dir: dir, name: a.str(MaxNameLen)}
}

func (a *args) u32() uint32 {
	v, err := a.d.Uint32()
	a.fail(err)
	return v
}

// str reads a string of at most max bytes (filename, path).
func (a *args) str(max int) string {
	s, err := a.d.String()
	a.fail(err)
	if len(s) > max {
		a.fail(xdr.ErrInvalid)
	}
	return s
}

// data reads nfsdata: opaque<MAXDATA>.
func (a *args) data() []byte {
	b, err := a.d.Opaque()
	a.fail(err)
	if len(b) > MaxData {
		a.fail(xdr.ErrInvalid)
	}
	return b
}

func (a *args) timeval() Timeval { return Timeval{Seconds: a.u32(), Useconds: a.u32()} }

func (a *args) sattr() Sattr {
	return Sattr{Mode: a.u32(), UID: a.u32(), GID: a.u32(), Size: a.u32(), Atime: a.timeval(), Mtime: a.timeval()}
}

// decode reads c's arguments with read, which must consume them all. On a
// decoding error it answers GARBAGE_ARGS and reports false.
func (s *Server) decode(c *rpc.Call, read func(a *args)) bool {
	a := &args{api: s.opts.API, dec: *xdr.NewDecoder(c.Args)}
	a.d = &a.dec
	read(a)
	if a.err != nil || a.d.Remaining() != 0 {
		c.Reply(nil, rpc.ErrGarbageArgs)
		return false
	}
	return true
}

// request writes a request's arguments, the client's half of args: the
// strategy decides how files are named, the rest is RFC 1094's.
type request struct {
	api API
	e   *xdr.Encoder
	enc xdr.Encoder // what e points to
}

// requestBuffer is the capacity a request starts with: a handle and a
// name, or a handle and three numbers, fit without growing.
const requestBuffer = 64

func newRequest(api API) *request {
	q := &request{api: api, enc: *xdr.NewEncoder(make([]byte, 0, requestBuffer))}
	q.e = &q.enc
	return q
}

// file writes a file argument (see args.file).
func (q *request) file(r fileRef, data bool) *request {
	switch {
	case q.api == StatefulFDs && data:
		q.e.Uint32(r.sfd)
	case q.api == StatefulFDs || q.api == Paths:
		q.e.String(r.spath)
	default:
		q.e.FixedOpaque(r.fh[:])
	}
	return q
}

// dirop writes a diropargs: dir's handle and name, or the entry's path.
func (q *request) dirop(dir fileRef, name, path string) *request {
	if q.api == StatefulFDs || q.api == Paths {
		q.e.String(path)
		return q
	}
	q.e.FixedOpaque(dir.fh[:])
	q.e.String(name)
	return q
}

func (q *request) u32(v ...uint32) *request {
	for _, x := range v {
		q.e.Uint32(x)
	}
	return q
}

func (q *request) opaque(b []byte) *request { q.e.Opaque(b); return q }
func (q *request) str(s string) *request    { q.e.String(s); return q }

func (q *request) sattr(sa Sattr) *request {
	return q.u32(sa.Mode, sa.UID, sa.GID, sa.Size, sa.Atime.Seconds, sa.Atime.Useconds, sa.Mtime.Seconds, sa.Mtime.Useconds)
}

func (q *request) bytes() []byte {
	if err := q.e.Err(); err != nil {
		panic("nfs: request: " + err.Error()) // only a 4 GiB argument gets here
	}
	return q.e.Bytes()
}

// reply answers c with status st and, when it is OK, body.
func reply(c *rpc.Call, st Status, body any) { c.Reply(encodeResult(st, body), nil) }

// replyFattr, replyRead and replyDirop answer OK with the hot bodies (see
// wire_fast.go), which reply would first box into an interface: an
// allocation per call.
func replyFattr(c *rpc.Call, a Fattr) { c.Reply(appendFattr(okResult(c, fattrSize), &a), nil) }

func replyRead(c *rpc.Call, r *ReadRes) {
	c.Reply(appendReadRes(okResult(c, fattrSize+4+len(r.Data)+3), r), nil)
}

// replyDirop answers OK with the diropres of inode ino (see diropres).
func (s *Server) replyDirop(c *rpc.Call, ino uint32) {
	if s.byPath() {
		replyFattr(c, s.fattr(ino))
		return
	}
	h := s.handleOf(ino)
	a := s.fattr(ino)
	c.Reply(appendFattr(append(okResult(c, FHSize+fattrSize), h[:]...), &a), nil)
}

// byPath reports whether requests name files by path (strategies 1 and 2)
// rather than by handle.
func (s *Server) byPath() bool { return s.opts.API == Paths || s.opts.API == StatefulFDs }

// resolve finds the inode a ref names.
func (s *Server) resolve(r ref) (uint32, Status) {
	switch r.kind {
	case byPath:
		return s.walk(r.path)
	case byFD:
		return s.fdOf(r.fd)
	}
	return s.inodeOf(r.fh)
}

// resolveDir finds the directory and the name a dirRef names.
func (s *Server) resolveDir(r dirRef) (uint32, string, Status) {
	if r.dir.kind == byPath {
		return s.walkParent(r.dir.path)
	}
	dir, st := s.inodeOf(r.dir.fh)
	return dir, r.name, st
}

// diropres is the body of a reply that names a file it created or found:
// its handle and attributes, or only its attributes under strategies 1 and
// 2, which have no handles.
func (s *Server) diropres(ino uint32) any {
	if s.byPath() {
		return s.fattr(ino)
	}
	return DirOpRes{File: s.handleOf(ino), Attr: s.fattr(ino)}
}

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

// fattr returns inode ino's attributes. Sizes count whole blocks of
// BlockSize bytes (a symbolic link's, the bytes of its path); times are
// virtual.
func (s *Server) fattr(ino uint32) Fattr {
	n := s.fs.get(ino)
	a := Fattr{Type: n.Type, Mode: n.Mode, Nlink: n.Nlink, UID: n.UID, GID: n.GID, Blocksize: BlockSize,
		Fsid: s.fs.fsid, Fileid: ino, Atime: timeval(sim.Time(n.Atime)), Mtime: timeval(sim.Time(n.Mtime)),
		Ctime: timeval(sim.Time(n.Ctime))}
	switch n.Type {
	case NFREG:
		a.Mode |= modeRegular
		a.Size = uint32(len(n.Blocks)) * BlockSize
	case NFDIR:
		a.Mode |= modeDir
		a.Size = BlockSize
	case NFLNK:
		a.Mode |= modeSymlink
		a.Size = uint32(len(n.Target))
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
