package nfs

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// The protocol's numbers (RFC 1094 §2, §2.3 and Appendix A).
const (
	// Program and Version identify NFS to ONC RPC.
	Program = 100003
	Version = 2
	// MountProgram and MountVersion identify the MOUNT protocol.
	MountProgram = 100005
	MountVersion = 1
	// Port is the UDP port of the NFS service (RFC 1094 §2: "port 2049").
	Port = 2049
	// MountPort is the UDP port of the MOUNT service. RFC 1094 leaves it
	// to the portmapper; servers that pin it use 20048, the port IANA
	// assigned to mountd.
	MountPort = 20048
	// PortmapPort is the portmapper's (RFC 1833 §3), which answers
	// GETPORT for both services.
	PortmapPort = rpc.PortmapPort
	// MaxData is the most data a READ or WRITE carries.
	MaxData = 8192
	// FHSize is the size of an opaque file handle.
	FHSize = 32
	// MaxNameLen bounds a name in a directory.
	MaxNameLen = 255
	// MaxPathLen bounds a path name.
	MaxPathLen = 1024
	// BlockSize is the size of one block of a file. A scenario's block is
	// one READ or WRITE of MaxData bytes, so block b starts at offset
	// b*BlockSize; its content is a token such as "a1", sent as those
	// bytes, shorter than the block, which stands for the block's bytes.
	BlockSize = MaxData
	// MaxBlocks bounds a file, in blocks (512 MiB): a limit of this
	// simulator, so that a WRITE far beyond the end cannot make a server
	// hold millions of empty blocks.
	MaxBlocks = 1 << 16
)

// The procedure names, in upper case as the results print them. RFC 1094
// §2.2 numbers them; procFor gives each its program, version and number.
const (
	ProcNull       = "NULL"
	ProcGetattr    = "GETATTR"
	ProcSetattr    = "SETATTR"
	ProcRoot       = "ROOT" // obsolete (RFC 1094 §2.2.3): answered with nothing
	ProcLookup     = "LOOKUP"
	ProcReadlink   = "READLINK"
	ProcRead       = "READ"
	ProcWritecache = "WRITECACHE" // for "the next protocol revision" (§2.2.7): answered with nothing
	ProcWrite      = "WRITE"
	ProcCreate     = "CREATE"
	ProcRemove     = "REMOVE"
	ProcRename     = "RENAME"
	ProcLink       = "LINK"
	ProcSymlink    = "SYMLINK"
	ProcMkdir      = "MKDIR"
	ProcRmdir      = "RMDIR"
	ProcReaddir    = "READDIR"
	ProcStatfs     = "STATFS"
	// The MOUNT protocol's procedures (RFC 1094 Appendix A): MNT gives a
	// directory's file handle, UMNT and UMNTALL take the client off the
	// server's list of mounts, DUMP lists them, EXPORT lists the exports.
	ProcMountNull = "MOUNTNULL"
	ProcMnt       = "MNT"
	ProcDump      = "DUMP"
	ProcUmnt      = "UMNT"
	ProcUmntall   = "UMNTALL"
	ProcExport    = "EXPORT"
	// ProcAppend is the lecture's non-idempotent append(fh, buf, size),
	// which RFC 1094 does not have. The server registers it only with
	// ServerOptions.Append.
	ProcAppend = "APPEND"
	// ProcOpen and ProcClose exist only under the lecture's strategy 1
	// (API StatefulFDs): open() and close() forwarded to the server.
	ProcOpen  = "OPEN"
	ProcClose = "CLOSE"
)

// LectureProgram is the program of the lecture's procedures that NFSv2
// does not have, in the range RFC 5531 §7.3 leaves to users: the requests
// of strategies 1 (version 1) and 2 (version 2), whose arguments name files
// by path or server fd instead of by handle, and APPEND under strategies 3
// and 4 (versions 3 and 4). Procedures keep their NFSv2 numbers there;
// APPEND is 18, OPEN 19 and CLOSE 20. Putting them under a program of their
// own keeps NFS's program 100003 exactly RFC 1094: a dissector never reads
// a path where NFSv2 has a handle.
const LectureProgram = 0x20001987

// procInfo is a procedure's number and whether it is idempotent. BSD's
// nfs_srvcache.c (after Juszczak 1989) keeps the replies of SETATTR,
// WRITE, CREATE, MKDIR, SYMLINK, REMOVE, RMDIR, RENAME and LINK, and treats
// the others as idempotent; the lecture's APPEND, OPEN and CLOSE are not
// idempotent either.
type procInfo struct {
	num        uint32
	idempotent bool
}

var procNums = map[string]procInfo{
	ProcNull: {0, true}, ProcGetattr: {1, true}, ProcSetattr: {2, false}, ProcRoot: {3, true},
	ProcLookup: {4, true}, ProcReadlink: {5, true}, ProcRead: {6, true}, ProcWritecache: {7, true},
	ProcWrite: {8, false}, ProcCreate: {9, false}, ProcRemove: {10, false}, ProcRename: {11, false},
	ProcLink: {12, false}, ProcSymlink: {13, false}, ProcMkdir: {14, false}, ProcRmdir: {15, false},
	ProcReaddir: {16, true}, ProcStatfs: {17, true},
	ProcAppend: {18, false}, ProcOpen: {19, false}, ProcClose: {20, false},
}

var mountNums = map[string]procInfo{
	ProcMountNull: {0, true}, ProcMnt: {1, true}, ProcDump: {2, true}, ProcUmnt: {3, true},
	ProcUmntall: {4, true}, ProcExport: {5, true},
}

// procFor returns the RPC procedure of a procedure name under api: NFSv2's
// and MOUNT's own, or the lecture program's for what NFSv2 does not have.
func procFor(api API, name string) rpc.Proc {
	if n, ok := mountNums[name]; ok {
		return rpc.Proc{Prog: MountProgram, Vers: MountVersion, Num: n.num, Name: name, Idempotent: n.idempotent}
	}
	n, ok := procNums[name]
	if !ok {
		panic("nfs: no procedure " + name)
	}
	p := rpc.Proc{Prog: Program, Vers: Version, Num: n.num, Name: name, Idempotent: n.idempotent}
	switch {
	case api == StatefulFDs:
		p.Prog, p.Vers = LectureProgram, 1
	case api == Paths:
		p.Prog, p.Vers = LectureProgram, 2
	case name == ProcAppend && api == Inodes:
		p.Prog, p.Vers = LectureProgram, 3
	case name == ProcAppend:
		p.Prog, p.Vers = LectureProgram, 4
	}
	return p
}

// Status is an NFS reply status (RFC 1094 §2.3.1, "stat").
type Status uint32

// The statuses. Their String is the errno name the scenario results print.
const (
	OK             Status = 0
	ErrPerm        Status = 1
	ErrNoEnt       Status = 2
	ErrIO          Status = 5
	ErrNXIO        Status = 6
	ErrBadF        Status = 9 // not in RFC 1094: strategy 1's lost server fd
	ErrAcces       Status = 13
	ErrExist       Status = 17
	ErrNoDev       Status = 19
	ErrNotDir      Status = 20
	ErrIsDir       Status = 21
	ErrInval       Status = 22 // not in RFC 1094 (NFSv3 has it; Linux's nfsd sends it in v2 too)
	ErrFBig        Status = 27
	ErrNoSpc       Status = 28
	ErrROFS        Status = 30
	ErrNameTooLong Status = 63
	ErrNotEmpty    Status = 66
	ErrDQuot       Status = 69
	ErrStale       Status = 70
	ErrWFlush      Status = 99
)

var statusNames = map[Status]string{
	OK: "ok", ErrPerm: "EPERM", ErrNoEnt: "ENOENT", ErrIO: "EIO", ErrNXIO: "ENXIO", ErrBadF: "EBADF",
	ErrAcces: "EACCES", ErrExist: "EEXIST", ErrNoDev: "ENODEV", ErrNotDir: "ENOTDIR", ErrIsDir: "EISDIR",
	ErrInval: "EINVAL", ErrFBig: "EFBIG", ErrNoSpc: "ENOSPC", ErrROFS: "EROFS", ErrNameTooLong: "ENAMETOOLONG",
	ErrNotEmpty: "ENOTEMPTY", ErrDQuot: "EDQUOT", ErrStale: "ESTALE", ErrWFlush: "EWFLUSH",
}

// String returns the errno name of s ("ESTALE" for NFSERR_STALE), or "ok".
func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("NFSERR_%d", uint32(s))
}

// Error makes a non-OK status an error.
func (s Status) Error() string { return "nfs: " + s.String() }

// ErrorName returns the name of an operation's outcome as the scenario
// results print it: "ok" for nil, the errno name of a Status, the name of an
// RPC error (ETIMEDOUT), else the error's text.
func ErrorName(err error) string {
	// The common cases first: errors.As makes its target escape, an
	// allocation per call, and the drivers call this once per step.
	if err == nil {
		return rpc.ErrorName(nil)
	}
	if st, ok := err.(Status); ok {
		return st.String()
	}
	var st Status
	if errors.As(err, &st) {
		return st.String()
	}
	return rpc.ErrorName(err)
}

// Ftype is a file's type (RFC 1094 §2.3.2). NFNON marks a free inode here.
type Ftype uint32

// The file types of RFC 1094; this server keeps regular files,
// directories and symbolic links.
const (
	NFNON Ftype = 0
	NFREG Ftype = 1
	NFDIR Ftype = 2
	NFBLK Ftype = 3
	NFCHR Ftype = 4
	NFLNK Ftype = 5
)

// The type bits of fattr's mode (RFC 1094 §2.3.5).
const (
	modeDir     = 0o040000
	modeRegular = 0o100000
	modeSymlink = 0o120000
)

// Timeval is a time on the wire: seconds and microseconds since the start of
// the run (virtual time; RFC 1094 counts from 1970, and so does a packet
// capture of the run, which starts at the epoch).
type Timeval struct {
	Seconds  uint32
	Useconds uint32
}

// timeval converts a virtual time, truncated to the microsecond as on the
// wire: two changes within one microsecond have the same mtime.
func timeval(t sim.Time) Timeval {
	return Timeval{Seconds: uint32(t / 1e9), Useconds: uint32(t % 1e9 / 1e3)}
}

// Time returns tv as a virtual time.
func (tv Timeval) Time() sim.Time { return sim.Time(tv.Seconds)*1e9 + sim.Time(tv.Useconds)*1e3 }

// String formats tv like every time of the results ("70.005s").
func (tv Timeval) String() string { return tv.Time().String() }

// noTime is a Timeval of sattr meaning "do not set".
var noTime = Timeval{Seconds: ^uint32(0), Useconds: ^uint32(0)}

// Fattr are a file's attributes (RFC 1094 §2.3.5), on every reply that
// carries attributes.
type Fattr struct {
	Type      Ftype
	Mode      uint32
	Nlink     uint32
	UID       uint32
	GID       uint32
	Size      uint32
	Blocksize uint32
	Rdev      uint32
	Blocks    uint32
	Fsid      uint32
	Fileid    uint32
	Atime     Timeval
	Mtime     Timeval
	Ctime     Timeval
}

// NBlocks returns the file's size in blocks.
func (a Fattr) NBlocks() int { return int((a.Size + BlockSize - 1) / BlockSize) }

// Sattr are the attributes a client sets (RFC 1094 §2.3.6); a field of all
// ones (NoValue, or noTime) is left as it is.
type Sattr struct {
	Mode  uint32
	UID   uint32
	GID   uint32
	Size  uint32
	Atime Timeval
	Mtime Timeval
}

// NoValue in a Sattr field means "do not set".
const NoValue = ^uint32(0)

// KeepAll is a Sattr that changes nothing.
var KeepAll = Sattr{Mode: NoValue, UID: NoValue, GID: NoValue, Size: NoValue, Atime: noTime, Mtime: noTime}

// FHandle is a file handle: FHSize opaque bytes that only the server
// interprets (the lecture's "opaque to client"). This server puts the volume
// id, the inode number and the inode's generation number in it, the
// lecture's <volume ID, inode #, generation #>; under API Inodes (strategy 3)
// the generation is left out.
type FHandle [FHSize]byte

// makeHandle builds the handle of inode ino, generation gen, on volume fsid.
func makeHandle(fsid, ino, gen uint32) FHandle {
	var h FHandle
	binary.BigEndian.PutUint32(h[0:], fsid)
	binary.BigEndian.PutUint32(h[4:], ino)
	binary.BigEndian.PutUint32(h[8:], gen)
	return h
}

// fields returns what the server put in h.
func (h FHandle) fields() (fsid, ino, gen uint32) {
	return binary.BigEndian.Uint32(h[0:]), binary.BigEndian.Uint32(h[4:]), binary.BigEndian.Uint32(h[8:])
}

// String shows the handle's fields, for traces and tests only: a client
// never looks inside.
func (h FHandle) String() string {
	fsid, ino, gen := h.fields()
	return fmt.Sprintf("<vol %d, inode %d, gen %d>", fsid, ino, gen)
}

// Arguments and results, in RFC 1094 §2.2's XDR. Each result is a union on
// its Status: the status, then the body only when it is OK (encodeResult).
// attrstat is a Fattr body, diropres a DirOpRes, readlinkres a Path, stat
// alone has no body.

// DirOpArgs name an entry of a directory (diropargs: LOOKUP, REMOVE,
// RMDIR, and inside CREATE, MKDIR, RENAME, LINK, SYMLINK).
type DirOpArgs struct {
	Dir  FHandle
	Name string
}

// DirOpRes is the body of LOOKUP's, CREATE's and MKDIR's reply (diropres).
type DirOpRes struct {
	File FHandle
	Attr Fattr
}

// SattrArgs are SETATTR's arguments.
type SattrArgs struct {
	File       FHandle
	Attributes Sattr
}

// ReadArgs are READ's arguments. TotalCount is unused (RFC 1094).
type ReadArgs struct {
	File       FHandle
	Offset     uint32
	Count      uint32
	TotalCount uint32
}

// ReadRes is the body of READ's reply: the file's attributes and the data,
// empty at and beyond the end of the file.
type ReadRes struct {
	Attr Fattr
	Data []byte
}

// WriteArgs are WRITE's arguments. BeginOffset and TotalCount are ignored
// (RFC 1094).
type WriteArgs struct {
	File        FHandle
	BeginOffset uint32
	Offset      uint32
	TotalCount  uint32
	Data        []byte
}

// CreateArgs are CREATE's and MKDIR's arguments.
type CreateArgs struct {
	Where      DirOpArgs
	Attributes Sattr
}

// RenameArgs are RENAME's arguments.
type RenameArgs struct {
	From DirOpArgs
	To   DirOpArgs
}

// LinkArgs are LINK's arguments: a new name To for the existing file From.
type LinkArgs struct {
	From FHandle
	To   DirOpArgs
}

// SymlinkArgs are SYMLINK's arguments: a symbolic link named From holding
// the path To.
type SymlinkArgs struct {
	From       DirOpArgs
	To         string
	Attributes Sattr
}

// ReaddirArgs are READDIR's arguments. The cookie is RFC 1094's opaque[4],
// which encodes like a uint32; 0 starts at the beginning.
type ReaddirArgs struct {
	Dir    FHandle
	Cookie uint32
	Count  uint32
}

// Entry is one entry of a READDIR reply, a linked list as in RFC 1094.
type Entry struct {
	FileID uint32
	Name   string
	Cookie uint32
	Next   *Entry
}

// ReaddirRes is the body of READDIR's reply.
type ReaddirRes struct {
	Entries *Entry
	EOF     bool
}

// StatfsRes is the body of STATFS's reply.
type StatfsRes struct {
	Tsize  uint32
	Bsize  uint32
	Blocks uint32
	Bfree  uint32
	Bavail uint32
}

// The MOUNT protocol (RFC 1094 Appendix A).

// MountArgs are MNT's and UMNT's arguments: the directory to mount, on the
// server (dirpath).
type MountArgs struct {
	DirPath string
}

// MountRes is the body of MNT's reply (fhstatus); its status is an errno.
type MountRes struct {
	Dir FHandle
}

// MountList is DUMP's result: the mounts the server knows of, a linked
// list (mountlist).
type MountList struct {
	Hostname  string
	Directory string
	Next      *MountList
}

// Group is one host or netgroup an export is offered to (groups).
type Group struct {
	Name string
	Next *Group
}

// ExportList is EXPORT's result: the exported directories and who may
// mount them (exportlist); no groups means everyone.
type ExportList struct {
	Dir    string
	Groups *Group
	Next   *ExportList
}

// AppendArgs are APPEND's arguments: no offset, the server picks the end.
type AppendArgs struct {
	File FHandle
	Data []byte
}

// The lecture's strategy 2 (API Paths) puts a path where NFSv2 puts a
// handle, and strategy 1 (API StatefulFDs) names paths in namespace calls
// and server fds in data calls (READ, WRITE, APPEND, CLOSE): the same
// procedures with another first argument, under LectureProgram. PathArgs
// and FDArgs are the arguments of the procedures that take nothing else.

// PathArgs name a file by its path on the server (GETATTR, LOOKUP, REMOVE,
// RMDIR, READLINK, STATFS under the paths and stateful_fds strategies; OPEN).
type PathArgs struct {
	Path string
}

// OpenRes is the body of OPEN's reply: the server-side file descriptor.
type OpenRes struct {
	FD   uint32
	Attr Fattr
}

// FDArgs name a server fd (CLOSE).
type FDArgs struct {
	FD uint32
}

// marshal encodes v; every type of this file has an XDR form, so a failure
// is a bug.
func marshal(v any) []byte {
	b, err := xdr.Marshal(v)
	if err != nil {
		panic("nfs: marshal: " + err.Error())
	}
	return b
}

// encodeResult encodes a reply: the status, then body only when the status
// is OK (an XDR union with a void default arm). body may be nil.
func encodeResult(st Status, body any) []byte {
	if st != OK || body == nil {
		return binary.BigEndian.AppendUint32(make([]byte, 0, 4), uint32(st))
	}
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 4+bodySize(body)), uint32(st))
	if b, ok := appendBody(b, body); ok {
		return b
	}
	return append(b, marshal(body)...)
}

// errGarbage is the error of a reply that does not decode.
var errGarbage = rpc.ErrGarbageResult

// decodeResult decodes a reply encoded by encodeResult into body (a pointer,
// or nil for a status alone) and returns its status as an error (nil for
// OK).
func decodeResult(b []byte, body any) error {
	d := xdr.NewDecoder(b)
	st, err := d.Uint32()
	if err != nil {
		return errGarbage
	}
	if Status(st) != OK {
		if d.Remaining() != 0 {
			return errGarbage
		}
		return Status(st)
	}
	if body == nil {
		if d.Remaining() != 0 {
			return errGarbage
		}
		return nil
	}
	if handled, ok := readBody(b[4:], body); handled {
		if !ok {
			return errGarbage
		}
		return nil
	}
	if err := xdr.Unmarshal(b[4:], body); err != nil {
		return errGarbage
	}
	return nil
}
