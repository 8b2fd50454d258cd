package nfs

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// The protocol's numbers (RFC 1094 §2, §2.3 and §4).
const (
	// Program and Version identify NFS to Sun RPC.
	Program = 100003
	Version = 2
	// MountProgram and MountVersion identify the MOUNT protocol.
	MountProgram = 100005
	MountVersion = 1
	// Port is the UDP port of the NFS service. MNT is served there too
	// (see doc.go).
	Port = 2049
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
	// b*BlockSize; its content is a token such as "a1", shorter than the
	// block, which stands for the block's bytes.
	BlockSize = MaxData
	// MaxBlocks bounds a file, in blocks (512 MiB): a limit of this
	// simulator, so that a WRITE far beyond the end cannot make a server
	// hold millions of empty blocks.
	MaxBlocks = 1 << 16
)

// The procedure names. RFC 1094 numbers them; the RPC layer of this
// simulator names them, in upper case as the results print them.
const (
	ProcNull    = "NULL"
	ProcGetattr = "GETATTR"
	ProcSetattr = "SETATTR"
	ProcLookup  = "LOOKUP"
	ProcRead    = "READ"
	ProcWrite   = "WRITE"
	ProcCreate  = "CREATE"
	ProcRemove  = "REMOVE"
	ProcRename  = "RENAME"
	ProcMkdir   = "MKDIR"
	ProcRmdir   = "RMDIR"
	ProcReaddir = "READDIR"
	ProcStatfs  = "STATFS"
	// ProcMnt is the MOUNT protocol's MNT: a directory path in, the
	// directory's file handle out.
	ProcMnt = "MNT"
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
// does not have, in the range RFC 5531 leaves to users: the requests of
// strategies 1 (version 1) and 2 (version 2), whose arguments are not
// NFSv2's, and APPEND under strategies 3 and 4 (versions 3 and 4).
// Procedures keep their NFSv2 numbers there; APPEND is 18, OPEN 19 and
// CLOSE 20.
const LectureProgram = 0x20001987

// procNums are the procedure numbers (RFC 1094 §2.2, MOUNT's §A.5, and the
// lecture's), and which procedures are idempotent (BSD's nfs_srvcache.c
// treats every procedure but SETATTR, WRITE, CREATE, MKDIR, SYMLINK,
// REMOVE, RMDIR, RENAME and LINK as idempotent).
var procNums = map[string]struct {
	num        uint32
	idempotent bool
}{
	ProcNull: {0, true}, ProcGetattr: {1, true}, ProcSetattr: {2, false}, ProcLookup: {4, true},
	ProcRead: {6, true}, ProcWrite: {8, false}, ProcCreate: {9, false}, ProcRemove: {10, false},
	ProcRename: {11, false}, ProcMkdir: {14, false}, ProcRmdir: {15, false}, ProcReaddir: {16, true},
	ProcStatfs: {17, true}, ProcAppend: {18, false}, ProcOpen: {19, false}, ProcClose: {20, false},
	ProcMnt: {1, true},
}

// procFor returns the RPC procedure of a procedure name under api.
func procFor(api API, name string) rpc.Proc {
	n, ok := procNums[name]
	if !ok {
		panic("nfs: no procedure " + name)
	}
	p := rpc.Proc{Prog: Program, Vers: Version, Num: n.num, Name: name, Idempotent: n.idempotent}
	switch {
	case name == ProcMnt:
		p.Prog, p.Vers = MountProgram, MountVersion
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
	ErrInval       Status = 22 // not in RFC 1094 (NFSv3 has it): a malformed request
	ErrFBig        Status = 27
	ErrNoSpc       Status = 28
	ErrROFS        Status = 30
	ErrNameTooLong Status = 63
	ErrNotEmpty    Status = 66
	ErrDQuot       Status = 69
	ErrStale       Status = 70
)

var statusNames = map[Status]string{
	OK: "ok", ErrPerm: "EPERM", ErrNoEnt: "ENOENT", ErrIO: "EIO", ErrNXIO: "ENXIO", ErrBadF: "EBADF",
	ErrAcces: "EACCES", ErrExist: "EEXIST", ErrNoDev: "ENODEV", ErrNotDir: "ENOTDIR", ErrIsDir: "EISDIR",
	ErrInval: "EINVAL", ErrFBig: "EFBIG", ErrNoSpc: "ENOSPC", ErrROFS: "EROFS", ErrNameTooLong: "ENAMETOOLONG",
	ErrNotEmpty: "ENOTEMPTY", ErrDQuot: "EDQUOT", ErrStale: "ESTALE",
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
	var st Status
	if errors.As(err, &st) {
		return st.String()
	}
	return rpc.ErrorName(err)
}

// Ftype is a file's type (RFC 1094 §2.3.2). NFNON marks a free inode here.
type Ftype uint32

// The file types this server keeps.
const (
	NFNON Ftype = 0
	NFREG Ftype = 1
	NFDIR Ftype = 2
)

// Timeval is a time on the wire: seconds and microseconds since the start of
// the run (virtual time; RFC 1094 counts from 1970).
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

// Arguments and results. Each result is an XDR union on its Status: the
// status, then the body only when it is OK (see encodeResult).

// DirOpArgs name an entry of a directory (LOOKUP, REMOVE, RMDIR).
type DirOpArgs struct {
	Dir  FHandle
	Name string
}

// DirOpRes is the body of LOOKUP's, CREATE's and MKDIR's reply.
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

// MountArgs are MNT's arguments: the directory to mount, on the server.
type MountArgs struct {
	DirPath string
}

// MountRes is the body of MNT's reply (fhstatus).
type MountRes struct {
	Dir FHandle
}

// AppendArgs are APPEND's arguments: no offset, the server picks the end.
type AppendArgs struct {
	File FHandle
	Data []byte
}

// The lecture's strategy 2 (API Paths) puts a path where the other
// strategies put a handle, and strategy 1 (API StatefulFDs) names paths in
// namespace calls and server fds in data calls. Each has its own argument
// types, sent under the same procedure names.

// PathArgs name a file by its path on the server (GETATTR, LOOKUP, REMOVE,
// RMDIR, STATFS under the paths and stateful_fds strategies; OPEN).
type PathArgs struct {
	Path string
}

// PathCreateArgs are CREATE's and MKDIR's arguments by path.
type PathCreateArgs struct {
	Path       string
	Attributes Sattr
}

// PathSattrArgs are SETATTR's arguments by path.
type PathSattrArgs struct {
	Path       string
	Attributes Sattr
}

// PathReadArgs are the lecture's pread(path, buf, size, offset).
type PathReadArgs struct {
	Path       string
	Offset     uint32
	Count      uint32
	TotalCount uint32
}

// PathWriteArgs are the lecture's pwrite(path, buf, size, offset).
type PathWriteArgs struct {
	Path        string
	BeginOffset uint32
	Offset      uint32
	TotalCount  uint32
	Data        []byte
}

// PathRenameArgs are RENAME's arguments by path.
type PathRenameArgs struct {
	From string
	To   string
}

// PathReaddirArgs are READDIR's arguments by path.
type PathReaddirArgs struct {
	Path   string
	Cookie uint32
	Count  uint32
}

// PathAppendArgs are APPEND's arguments by path.
type PathAppendArgs struct {
	Path string
	Data []byte
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

// FDReadArgs are strategy 1's read(fd, buf, size) at an offset.
type FDReadArgs struct {
	FD         uint32
	Offset     uint32
	Count      uint32
	TotalCount uint32
}

// FDWriteArgs are strategy 1's write(fd, buf, size) at an offset.
type FDWriteArgs struct {
	FD          uint32
	BeginOffset uint32
	Offset      uint32
	TotalCount  uint32
	Data        []byte
}

// FDAppendArgs are APPEND's arguments on a server fd.
type FDAppendArgs struct {
	FD   uint32
	Data []byte
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
	b := marshal(uint32(st))
	if st == OK && body != nil {
		b = append(b, marshal(body)...)
	}
	return b
}

// errGarbage is the error of a reply that does not decode.
var errGarbage = rpc.NewError("EGARBAGERESULT")

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
	if err := xdr.Unmarshal(b[4:], body); err != nil {
		return errGarbage
	}
	return nil
}
