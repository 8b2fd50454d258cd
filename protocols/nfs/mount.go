package nfs

import (
	"strings"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/rpc/xdr"
)

// The MOUNT protocol, version 1 (RFC 1094 Appendix A), served by the file
// server on MountPort: mountd is not nfsd, but it hands out the handles of
// nfsd's file system, so the two share the Server.

// mountEntry is one mount a client reported (MNT) and has not taken back
// (UMNT): what DUMP lists. Real servers keep the list in /etc/rmtab; here it
// is volatile, and a crash forgets it, as it forgets every client.
type mountEntry struct {
	host, dir string
}

// RegisterMount offers the MOUNT procedures on ms.
func (s *Server) RegisterMount(ms *rpc.Server) {
	for _, p := range []procEntry{
		{ProcMountNull, func(c *rpc.Call) { c.Reply(nil, nil) }},
		{ProcMnt, s.mnt},
		{ProcDump, s.dump},
		{ProcUmnt, s.umnt},
		{ProcUmntall, s.umntall},
		{ProcExport, s.export},
	} {
		ms.Register(procFor(s.opts.API, p.name), p.h)
	}
}

// dirpath decodes MNT's and UMNT's argument: a path of at most MNTPATHLEN
// (1024) bytes.
func (s *Server) dirpath(c *rpc.Call) (string, bool) {
	var p string
	if !s.decode(c, func(a *args) { p = a.str(MaxPathLen) }) {
		return "", false
	}
	return p, true
}

// host is the name a call's AUTH_SYS credential gives its client.
func host(c *rpc.Call) string {
	if c.Cred.Flavor == rpc.AuthSys {
		if p, err := rpc.ParseAuthSys(c.Cred.Body); err == nil {
			return p.MachineName
		}
	}
	return c.Env().NodeName(c.From)
}

// mnt is MOUNT's MNT: the handle of an exported directory (or of a
// directory inside one). mountd is not nfsd, so its walk is not counted as
// the NFS service's path lookups. The status of fhstatus is an errno.
func (s *Server) mnt(c *rpc.Call) {
	dirpath, ok := s.dirpath(c)
	if !ok {
		return
	}
	ino, st := s.exported(dirpath)
	if st != OK {
		reply(c, st, nil)
		return
	}
	e := mountEntry{host: host(c), dir: dirpath}
	if !s.mounted[e] {
		if s.mounted == nil {
			s.mounted = map[mountEntry]bool{}
		}
		s.mounts, s.mounted[e] = append(s.mounts, e), true
	}
	reply(c, OK, MountRes{Dir: s.handleOf(ino)})
}

// exported resolves a directory a client may mount.
func (s *Server) exported(dirpath string) (uint32, Status) {
	parts, st := splitPath(dirpath)
	if st != OK {
		return 0, st
	}
	exported := false
	for _, e := range s.opts.Exports {
		ep, est := splitPath(e)
		if est == OK && len(ep) <= len(parts) && strings.Join(parts[:len(ep)], "/") == strings.Join(ep, "/") {
			exported = true
		}
	}
	if !exported {
		return 0, ErrAcces
	}
	ino := uint32(rootIno)
	for _, p := range parts {
		d := s.fs.get(ino)
		if d.Type != NFDIR {
			return 0, ErrNotDir
		}
		i, ok := d.find(p)
		if !ok {
			return 0, ErrNoEnt
		}
		ino = d.Entries[i].Ino
	}
	if s.fs.get(ino).Type != NFDIR {
		return 0, ErrNotDir
	}
	return ino, OK
}

// umnt is UMNT: the client no longer uses a mount. It has no result.
func (s *Server) umnt(c *rpc.Call) {
	dirpath, ok := s.dirpath(c)
	if !ok {
		return
	}
	e := mountEntry{host: host(c), dir: dirpath}
	delete(s.mounted, e)
	kept := s.mounts[:0]
	for _, m := range s.mounts {
		if m != e {
			kept = append(kept, m)
		}
	}
	s.mounts = kept
	c.Reply(nil, nil)
}

// umntall is UMNTALL: the client no longer uses any mount.
func (s *Server) umntall(c *rpc.Call) {
	if !s.decode(c, func(*args) {}) {
		return
	}
	h := host(c)
	kept := s.mounts[:0]
	for _, m := range s.mounts {
		if m.host != h {
			kept = append(kept, m)
		} else {
			delete(s.mounted, m)
		}
	}
	s.mounts = kept
	c.Reply(nil, nil)
}

// dump is DUMP: every mount the server knows of, a mountlist.
func (s *Server) dump(c *rpc.Call) {
	if !s.decode(c, func(*args) {}) {
		return
	}
	var list *MountList
	for i := len(s.mounts) - 1; i >= 0; i-- {
		list = &MountList{Hostname: s.mounts[i].host, Directory: s.mounts[i].dir, Next: list}
	}
	c.Reply(marshalOptional(list), nil)
}

// export is EXPORT: the exported directories, each to everyone (an empty
// list of groups).
func (s *Server) export(c *rpc.Call) {
	if !s.decode(c, func(*args) {}) {
		return
	}
	var list *ExportList
	for i := len(s.opts.Exports) - 1; i >= 0; i-- {
		list = &ExportList{Dir: s.opts.Exports[i], Next: list}
	}
	c.Reply(marshalOptional(list), nil)
}

// marshalOptional encodes p as XDR optional-data (a linked list's head):
// false for nil, else true and *p.
func marshalOptional[T any](p *T) []byte {
	b, err := xdr.Marshal(struct{ P *T }{p})
	if err != nil {
		panic("nfs: " + err.Error())
	}
	return b
}
