package nfs

import (
	"strings"

	"github.com/sim-lecture/sim/protocols/rpc"
)

// The NFSv2 procedures (RFC 1094 §2.2), each decoded at the door (args.go)
// whatever the strategy, then run once.

// procEntry is a procedure to register.
type procEntry struct {
	name string
	h    rpc.ProcHandler
}

// register offers the procedures on the NFS port: NFSv2's under strategies
// 3 and 4 (program 100003), the lecture program's under 1 and 2.
func (s *Server) register() {
	procs := []procEntry{
		{ProcNull, func(c *rpc.Call) { c.Reply(nil, nil) }},
		{ProcGetattr, s.getattr},
		{ProcSetattr, s.setattr},
		{ProcLookup, s.lookup},
		{ProcReadlink, s.readlink},
		{ProcRead, s.read},
		{ProcWrite, s.write},
		{ProcCreate, func(c *rpc.Call) { s.create(c, NFREG) }},
		{ProcRemove, func(c *rpc.Call) { s.remove(c, false) }},
		{ProcRename, s.rename},
		{ProcLink, s.link},
		{ProcSymlink, s.symlink},
		{ProcMkdir, func(c *rpc.Call) { s.create(c, NFDIR) }},
		{ProcRmdir, func(c *rpc.Call) { s.remove(c, true) }},
		{ProcReaddir, s.readdir},
		{ProcStatfs, s.statfs},
	}
	if !s.byPath() {
		// ROOT and WRITECACHE are void procedures, "obsolete" and "to be
		// used in the next protocol revision": answered with nothing,
		// as Linux's nfsd does.
		void := func(c *rpc.Call) {
			if len(c.Args) != 0 {
				c.Reply(nil, rpc.ErrGarbageArgs)
				return
			}
			c.Reply(nil, nil)
		}
		procs = append(procs, procEntry{ProcRoot, void}, procEntry{ProcWritecache, void})
	}
	if s.opts.Append {
		procs = append(procs, procEntry{ProcAppend, s.appendProc})
	}
	if s.opts.API == StatefulFDs {
		procs = append(procs, procEntry{ProcOpen, s.open}, procEntry{ProcClose, s.close})
	}
	for _, p := range procs {
		s.rpc.Register(procFor(s.opts.API, p.name), p.h)
	}
}

func (s *Server) getattr(c *rpc.Call) {
	var r ref
	if !s.decode(c, func(a *args) { r = a.file(false) }) {
		return
	}
	ino, st := s.resolve(r)
	if st != OK {
		reply(c, st, nil)
		return
	}
	replyFattr(c, s.fattr(ino))
}

func (s *Server) setattr(c *rpc.Call) {
	var r ref
	var sa Sattr
	if !s.decode(c, func(a *args) { r, sa = a.file(false), a.sattr() }) {
		return
	}
	ino, st := s.resolve(r)
	if st == OK {
		st = s.truncate(ino, sa.Size)
	}
	if st != OK {
		reply(c, st, nil)
		return
	}
	n := s.fs.get(ino)
	setModeOwner(n, sa)
	if sa.Atime != noTime {
		n.Atime = int64(sa.Atime.Time())
	}
	if sa.Mtime != noTime {
		n.Mtime = int64(sa.Mtime.Time())
	}
	n.Ctime = int64(s.env.Now())
	attr := s.fattr(ino)
	s.commit(c, []uint32{ino}, func() { replyFattr(c, attr) })
}

// truncate sets a regular file's size (NoValue: leave it), growing it with
// empty blocks or dropping its last ones: the lecture's truncate is SETATTR
// with a size.
func (s *Server) truncate(ino, size uint32) Status {
	if size == NoValue {
		return OK
	}
	n := s.fs.get(ino)
	switch {
	case n.Type == NFDIR:
		return ErrIsDir
	case n.Type != NFREG:
		return ErrInval
	}
	nb := int((uint64(size) + BlockSize - 1) / BlockSize)
	if nb > MaxBlocks {
		return ErrFBig
	}
	now := int64(s.env.Now())
	for len(n.Blocks) < nb {
		n.Blocks = append(n.Blocks, blockRec{Modified: now})
	}
	n.Blocks = n.Blocks[:nb]
	s.touch(n)
	return OK
}

// lookup is LOOKUP: one name in one directory. Under strategies 1 and 2
// the request is a path, which the server walks from the root.
func (s *Server) lookup(c *rpc.Call) {
	var r dirRef
	if !s.decode(c, func(a *args) { r = a.dirop() }) {
		return
	}
	dir, name, st := s.resolveDir(r)
	var ino uint32
	if st == OK {
		ino, st = s.lookupName(dir, name)
	}
	if st != OK {
		reply(c, st, nil)
		return
	}
	s.replyDirop(c, ino)
}

// readlink is READLINK: the path a symbolic link holds.
func (s *Server) readlink(c *rpc.Call) {
	var r ref
	if !s.decode(c, func(a *args) { r = a.file(false) }) {
		return
	}
	ino, st := s.resolve(r)
	if st == OK && s.fs.get(ino).Type != NFLNK {
		st = ErrInval
	}
	if st != OK {
		reply(c, st, nil)
		return
	}
	reply(c, OK, s.fs.get(ino).Target)
}

// dataFile checks that inode ino can be read or written: a regular file.
func (s *Server) dataFile(ino uint32) Status {
	switch s.fs.get(ino).Type {
	case NFREG:
		return OK
	case NFDIR:
		return ErrIsDir
	}
	return ErrInval
}

func (s *Server) read(c *rpc.Call) {
	var r ref
	var off uint32
	if !s.decode(c, func(a *args) { r, off = a.file(true), a.u32(); a.u32(); a.u32() }) {
		return
	}
	ino, st := s.resolve(r)
	if st == OK {
		st = s.dataFile(ino)
	}
	if st != OK {
		reply(c, st, nil)
		return
	}
	// A block's content is its token's bytes: what READ returns.
	res := ReadRes{Attr: s.fattr(ino), Data: []byte{}}
	if b := int(off / BlockSize); b < len(s.fs.get(ino).Blocks) {
		res.Data = []byte(s.fs.get(ino).Blocks[b].Data)
	}
	if s.opts.ReadLatency > 0 {
		c.After(s.opts.ReadLatency, func() { replyRead(c, &res) })
		return
	}
	replyRead(c, &res)
}

func (s *Server) write(c *rpc.Call) {
	var r ref
	var off uint32
	var data []byte
	if !s.decode(c, func(a *args) { r = a.file(true); a.u32(); off = a.u32(); a.u32(); data = a.data() }) {
		return
	}
	ino, st := s.resolve(r)
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
	st := s.dataFile(ino)
	switch {
	case st != OK:
	case off%BlockSize != 0:
		st = ErrInval
	case len(data) > MaxData || off/BlockSize >= MaxBlocks:
		st = ErrFBig
	}
	if st != OK {
		reply(c, st, nil)
		return
	}
	n := s.fs.get(ino)
	now := int64(s.env.Now())
	b := int(off / BlockSize)
	for len(n.Blocks) <= b {
		n.Blocks = append(n.Blocks, blockRec{Modified: now})
	}
	n.Blocks[b] = blockRec{Data: string(data), Modified: now}
	s.touch(n)
	attr := s.fattr(ino)
	s.commit(c, []uint32{ino}, func() { replyFattr(c, attr) })
}

// appendProc is the lecture's append(fh, buf, size): the server puts the
// data in a new block at the end. Running it twice appends twice.
func (s *Server) appendProc(c *rpc.Call) {
	var r ref
	var data []byte
	if !s.decode(c, func(a *args) { r, data = a.file(true), a.data() }) {
		return
	}
	ino, st := s.resolve(r)
	if st != OK {
		reply(c, st, nil)
		return
	}
	s.writeBlock(c, ino, uint32(len(s.fs.get(ino).Blocks))*BlockSize, data)
}

// newEntry checks that name may be created in directory dir, as resolved.
func (s *Server) newEntry(dir uint32, name string, st Status) Status {
	if st == OK {
		st = s.checkEntry(dir, name)
	}
	if st == OK {
		if _, exists := s.fs.get(dir).find(name); exists {
			st = ErrExist
		}
	}
	return st
}

// create is CREATE (typ NFREG) and MKDIR (NFDIR). CREATE is exclusive, as
// RFC 1094's note asks: an existing name is NFSERR_EXIST. So neither is
// idempotent: a retransmission of one that ran gets EEXIST.
func (s *Server) create(c *rpc.Call, typ Ftype) {
	var r dirRef
	var sa Sattr
	if !s.decode(c, func(a *args) { r, sa = a.dirop(), a.sattr() }) {
		return
	}
	dir, name, st := s.resolveDir(r)
	if st = s.newEntry(dir, name, st); st != OK {
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
	res := s.diropres(ino)
	s.commit(c, []uint32{ino, dir}, func() { reply(c, OK, res) })
}

// symlink is SYMLINK: a new name that holds a path. Not idempotent: a
// retransmission of one that ran gets EEXIST.
func (s *Server) symlink(c *rpc.Call) {
	var r dirRef
	var target string
	if !s.decode(c, func(a *args) { r, target = a.dirop(), a.str(MaxPathLen); a.sattr() }) {
		return
	}
	dir, name, st := s.resolveDir(r)
	if st = s.newEntry(dir, name, st); st != OK {
		reply(c, st, nil)
		return
	}
	ino := s.fs.alloc()
	n, d := s.fs.get(ino), s.fs.get(dir)
	n.Type, n.Mode, n.Nlink, n.Target = NFLNK, 0o777, 1, target
	s.touch(n)
	n.Atime = n.Mtime
	d.link(name, ino)
	s.touch(d)
	s.commit(c, []uint32{ino, dir}, func() { reply(c, OK, nil) })
}

// link is LINK: a second name for an existing file (not a directory). Not
// idempotent: a retransmission of one that ran gets EEXIST.
func (s *Server) link(c *rpc.Call) {
	var from ref
	var to dirRef
	if !s.decode(c, func(a *args) { from, to = a.file(false), a.dirop() }) {
		return
	}
	ino, st := s.resolve(from)
	dir, name := uint32(0), ""
	if st == OK {
		dir, name, st = s.resolveDir(to)
	}
	if st == OK && s.fs.get(ino).Type == NFDIR {
		st = ErrPerm // POSIX: no hard links to directories
	}
	if st = s.newEntry(dir, name, st); st != OK {
		reply(c, st, nil)
		return
	}
	n, d := s.fs.get(ino), s.fs.get(dir)
	n.Nlink++
	n.Ctime = int64(s.env.Now())
	d.link(name, ino)
	s.touch(d)
	s.commit(c, []uint32{ino, dir}, func() { reply(c, OK, nil) })
}

// remove is REMOVE (dirs false) and RMDIR (dirs true). A retransmission of
// one that ran finds the name gone: ENOENT.
func (s *Server) remove(c *rpc.Call, dirs bool) {
	var r dirRef
	if !s.decode(c, func(a *args) { r = a.dirop() }) {
		return
	}
	dir, name, st := s.resolveDir(r)
	var ino uint32
	if st == OK {
		ino, st = s.removable(dir, name, dirs)
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

// removable finds name in dir and checks that REMOVE (dirs false) or RMDIR
// (dirs true) may remove it.
func (s *Server) removable(dir uint32, name string, dirs bool) (uint32, Status) {
	if st := s.checkEntry(dir, name); st != OK {
		return 0, st
	}
	d := s.fs.get(dir)
	i, found := d.find(name)
	if !found {
		return 0, ErrNoEnt
	}
	ino := d.Entries[i].Ino
	n := s.fs.get(ino)
	switch {
	case dirs && n.Type != NFDIR:
		return 0, ErrNotDir
	case !dirs && n.Type == NFDIR:
		return 0, ErrIsDir
	case dirs && len(n.Entries) > 0:
		return 0, ErrNotEmpty
	}
	return ino, OK
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
	var r ref
	var cookie, count uint32
	if !s.decode(c, func(a *args) { r, cookie, count = a.file(false), a.u32(), a.u32() }) {
		return
	}
	dir, st := s.resolve(r)
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
	var r ref
	if !s.decode(c, func(a *args) { r = a.file(false) }) {
		return
	}
	if _, st := s.resolve(r); st != OK {
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

// open is strategy 1's open(): the server walks the path and hands out an
// fd, the lowest free, which only its memory remembers.
func (s *Server) open(c *rpc.Call) {
	var r ref
	if !s.decode(c, func(a *args) { r = a.file(false) }) {
		return
	}
	ino, st := s.resolve(r)
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
	var r ref
	if !s.decode(c, func(a *args) { r = a.file(true) }) {
		return
	}
	if int(r.fd) >= len(s.fds) || !s.fds[r.fd].open {
		reply(c, ErrBadF, nil)
		return
	}
	s.fds[r.fd] = serverFD{}
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

// rename is RENAME, atomic (RFC 1094 §2.2.11) and not idempotent: a
// retransmission of one that ran finds the old name gone, ENOENT.
func (s *Server) rename(c *rpc.Call) {
	var from, to dirRef
	if !s.decode(c, func(a *args) { from, to = a.dirop(), a.dirop() }) {
		return
	}
	fromDir, fromName, st := s.resolveDir(from)
	toDir, toName := uint32(0), ""
	if st == OK {
		toDir, toName, st = s.resolveDir(to)
	}
	var ino, victim uint32
	if st == OK {
		ino, victim, st = s.renamable(fromDir, fromName, toDir, toName)
	}
	switch {
	case st != OK:
		reply(c, st, nil)
	case victim == ino:
		reply(c, OK, nil) // renaming a file onto itself does nothing
	default:
		s.commit(c, s.move(ino, fromDir, fromName, toDir, toName, victim), func() { reply(c, OK, nil) })
	}
}

// renamable checks a RENAME and returns the inode to move and the one its
// new name replaces (0: none).
func (s *Server) renamable(fromDir uint32, fromName string, toDir uint32, toName string) (ino, victim uint32, st Status) {
	if s.fs.get(fromDir).Type != NFDIR || s.fs.get(toDir).Type != NFDIR {
		return 0, 0, ErrNotDir
	}
	if st = checkName(fromName); st == OK {
		st = checkName(toName)
	}
	if st != OK {
		return 0, 0, st
	}
	fd, td := s.fs.get(fromDir), s.fs.get(toDir)
	i, found := fd.find(fromName)
	if !found {
		return 0, 0, ErrNoEnt
	}
	ino = fd.Entries[i].Ino
	if j, exists := td.find(toName); exists {
		victim = td.Entries[j].Ino
	}
	n := s.fs.get(ino)
	switch {
	case victim == ino:
	case n.Type == NFDIR && s.inside(toDir, ino):
		st = ErrInval // a directory cannot move into itself
	case victim != 0 && s.fs.get(victim).Type == NFDIR && n.Type != NFDIR:
		st = ErrIsDir
	case victim != 0 && s.fs.get(victim).Type != NFDIR && n.Type == NFDIR:
		st = ErrNotDir
	case victim != 0 && len(s.fs.get(victim).Entries) > 0:
		st = ErrNotEmpty
	}
	return ino, victim, st
}

// move does a checked RENAME in memory and returns the inodes it changed,
// in the order to write them.
func (s *Server) move(ino, fromDir uint32, fromName string, toDir uint32, toName string, victim uint32) []uint32 {
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
	return changed
}
