package afs

import (
	"fmt"
	"strings"
	"time"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/rpc/xdr"
)

// Port is the UDP port every AFS node listens on. Real AFS speaks Rx on
// 7000 for the file server and 7001 for the client's callback service;
// this one speaks ONC RPC (package rpc), so it keeps off the ports where a
// packet dissector would read its messages as Rx, and one port carries
// both services, because every node hosts an RPC client and an RPC server
// (the server calls its clients back).
const Port = 7100

// Program and Version identify AFS to the RPC layer: a program number in
// the range RFC 5531 leaves to users.
const (
	Program = 0x20001986
	Version = 1
)

// procs are the RPC procedures of the AFS procedure names, numbered in the
// order of the AFS-3 interface; errors travel as names (rpc.Proc's
// ErrorNames).
var procs = map[string]rpc.Proc{}

func init() {
	for i, p := range []struct {
		name       string
		idempotent bool
	}{
		{ProcFetch, true}, {ProcFetchStatus, true}, {ProcStore, false}, {ProcCreate, false},
		{ProcRemove, false}, {ProcMakeDir, false}, {ProcBreakCallback, true}, {ProcGetVolumeLocation, true},
	} {
		procs[p.name] = rpc.Proc{Prog: Program, Vers: Version, Num: uint32(i + 1), Name: p.name, Idempotent: p.idempotent, ErrorNames: true}
	}
}

// procOf returns the RPC procedure of an AFS procedure name.
func procOf(name string) rpc.Proc {
	p, ok := procs[name]
	if !ok {
		panic("afs: no procedure " + name)
	}
	return p
}

// The procedures, named as the results list them. The file server's come
// from the lecture and the AFS-3 interface (RXAFS_FetchData, _StoreData,
// _FetchStatus, _CreateFile, _RemoveFile, _MakeDir); BREAKCALLBACK is the
// client's (RXAFSCB_CallBack); GETVOLUMELOCATION is the volume location
// database's (VL_GetEntryByName).
const (
	// ProcFetch returns a whole file and promises a callback on it.
	ProcFetch = "FETCH"
	// ProcFetchStatus returns a file's status (its data version) and
	// promises a callback: the recheck of a cached copy.
	ProcFetchStatus = "FETCHSTATUS"
	// ProcStore replaces a whole file atomically; the server then breaks
	// every other client's callback on it.
	ProcStore = "STORE"
	// ProcCreate creates an empty file.
	ProcCreate = "CREATE"
	// ProcRemove removes a file and breaks the callbacks on it.
	ProcRemove = "REMOVE"
	// ProcMakeDir creates a directory.
	ProcMakeDir = "MAKEDIR"
	// ProcBreakCallback is the server's call to a client: "the files
	// listed changed, or I no longer promise to tell you when they do".
	ProcBreakCallback = "BREAKCALLBACK"
	// ProcGetVolumeLocation asks the volume location database which server
	// holds a volume.
	ProcGetVolumeLocation = "GETVOLUMELOCATION"
)

// The errors AFS procedures return, by name (see rpc.Error). VMOVED and
// VNOVOL are the volume errors of OpenAFS (src/volser/volser.h: "volume
// moved", "no such volume"): a client that gets either asks the volume
// location database again.
var (
	// ErrNoEnt: no such file.
	ErrNoEnt = rpc.NewError("ENOENT")
	// ErrExist: the file already exists (create, mkdir).
	ErrExist = rpc.NewError("EEXIST")
	// ErrIsDir: the path is a directory (open, remove).
	ErrIsDir = rpc.NewError("EISDIR")
	// ErrMoved: this server held the volume, but it has been moved.
	ErrMoved = rpc.NewError("VMOVED")
	// ErrNoVol: this server does not hold the volume (the VLDB: no such
	// volume).
	ErrNoVol = rpc.NewError("VNOVOL")
	// ErrBadF: the client has no open file of that name.
	ErrBadF = rpc.NewError("EBADF")
	// ErrIO: a reply that does not unmarshal, or too many redirects.
	ErrIO = rpc.NewError("EIO")
	// ErrNameTooLong: a path longer than MaxPathLen, or with a name
	// longer than MaxNameLen.
	ErrNameTooLong = rpc.NewError("ENAMETOOLONG")
	// ErrFBig: a write that would make the file larger than one message
	// carries (ClientConfig.MaxMessage).
	ErrFBig = rpc.NewError("EFBIG")
)

// The bounds of a path: OpenAFS's AFSNAMEMAX and AFSPATHMAX (256 and
// 1024 bytes with the C string's NUL), the same as NFS's MAXNAMLEN and
// MAXPATHLEN (RFC 1094 §2.3.7, §2.3.8).
const (
	MaxNameLen = 255
	MaxPathLen = 1024
)

// CheckPath reports what is wrong with a path ("home/notes") for AFS: a
// name or the whole path too long. The client refuses such a path with
// ENAMETOOLONG before any call.
func CheckPath(path string) error {
	if len(path) > MaxPathLen {
		return fmt.Errorf("the path is %d bytes, more than AFS's %d", len(path), MaxPathLen)
	}
	// Name by name without splitting: every operation checks its path.
	for rest := path; ; {
		name, tail, more := strings.Cut(rest, "/")
		if len(name) > MaxNameLen {
			return fmt.Errorf("a name of the path is %d bytes, more than AFS's %d", len(name), MaxNameLen)
		}
		if !more {
			return nil
		}
		rest = tail
	}
}

// FetchSize is the size in bytes of the FETCH reply that carries the whole
// file data, and StoreSize that of the STORE call from the client named
// machine. AFS moves whole files, and here the RPC layer does not
// fragment a message (real AFS streams it over Rx), so a file must fit one
// message of the transport below (over UDP, udp.MaxPayload): the scenario
// loader bounds the initial files, and ClientConfig.MaxMessage what a
// client writes.
func FetchSize(data []string) int {
	return rpc.ReplySize(procOf(ProcFetch), marshal(&FetchRes{})) + blocksSize(data)
}

// StoreSize: see FetchSize.
func StoreSize(machine, volume, path string, data []string) int {
	return rpc.CallSize(procOf(ProcStore), machine, marshal(&StoreArgs{Volume: volume, Path: path})) + blocksSize(data)
}

// blocksSize is what the blocks add to a message without them: each is an
// XDR string, 4 bytes of length and the bytes padded to a multiple of 4
// (RFC 4506 §4.11). The rest of an XDR encoding is a multiple of 4 bytes
// long, so the blocks add exactly that, with no new padding.
func blocksSize(data []string) int {
	n := 0
	for _, b := range data {
		n += 4 + (len(b)+3)&^3
	}
	return n
}

// FileArgs name a file: the volume the client believes holds it, and its
// path from the root. (AFS-3 names files by fid, volume.vnode.uniquifier,
// and the client walks directories itself; the lecture does not go into
// fids, so here the server resolves the path. The volume is still in the
// request, so that a server that no longer holds it can say so.)
type FileArgs struct {
	Volume string
	Path   string
}

// FileStatus is the status part of a reply (AFSFetchStatus and
// AFSCallBack): the file's data version, which changes with every store,
// the callback the server promises, and the server's epoch.
type FileStatus struct {
	// Version is the file's data version: 1 when created, +1 per store.
	Version uint64
	// Blocks is the file's length in blocks.
	Blocks uint32
	// Lifetime is how long the callback promise lasts (nanoseconds); 0
	// means no promise.
	Lifetime int64
	// Epoch is the server's incarnation: it changes when the server
	// restarts, and with it every promise the server made before.
	Epoch uint32
	// Gen orders the server's promises and breaks within one epoch: a
	// break with a higher Gen was decided after this reply.
	Gen uint64
}

// lifetime returns the promise's lifetime as a duration.
func (s FileStatus) lifetime() time.Duration { return time.Duration(s.Lifetime) }

// FetchRes is the result of FETCH: the whole file and its status.
type FetchRes struct {
	Status FileStatus
	Data   []string
}

// StoreArgs carry a whole file to the server.
type StoreArgs struct {
	Volume string
	Path   string
	Data   []string
}

// BrokenFile is one file of a BREAKCALLBACK.
type BrokenFile struct {
	Path string
	// Version is the file's data version when the server broke the
	// callback: higher than the client's copy after a store (the copy is
	// stale), equal when the server merely dropped its promise (low
	// memory; the copy is probably good and is rechecked).
	Version uint64
	// Removed says the file was removed.
	Removed bool
	// Gen is when the server decided the break (see FileStatus.Gen).
	Gen uint64
}

// BreakCallbackArgs are the arguments of BREAKCALLBACK.
type BreakCallbackArgs struct {
	// Epoch is the breaking server's epoch.
	Epoch uint32
	// Files lists the files whose callbacks are broken.
	Files []BrokenFile
	// Volumes lists whole volumes whose callbacks are all broken: what a
	// restarted server sends, having lost its promises.
	Volumes []string
}

// VolumeArgs name a volume (GETVOLUMELOCATION).
type VolumeArgs struct {
	Volume string
}

// VolumeLocation is the result of GETVOLUMELOCATION.
type VolumeLocation struct {
	Server string
}

// marshal encodes a wire value; only a bug in this package can make it
// fail.
func marshal(v any) []byte {
	b, err := xdr.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("afs: marshal %T: %v", v, err))
	}
	return b
}
