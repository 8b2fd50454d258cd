package nfs

import (
	"encoding/binary"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/rpc/xdr"
)

// The bodies of the replies every open and read carries (LOOKUP's diropres,
// GETATTR's and WRITE's attrstat, READ's readres: RFC 1094 §2.2.2, §2.2.4,
// §2.2.7, §2.2.9) are encoded and decoded here field by field instead of by
// reflection: the same bytes as xdr.Marshal and the same values and errors
// as xdr.Unmarshal (wire_fast_test.go checks both), at a fraction of the
// cost and garbage per message (BENCHMARKS.md, NFS half of issue 12). Every
// other body goes through the xdr package.

// fattrSize is the encoded size of a fattr: eleven unsigned ints and three
// timevals of two.
const fattrSize = 17 * 4

// appendFattr appends the XDR encoding of a (RFC 1094 §2.3.5).
func appendFattr(b []byte, a *Fattr) []byte {
	for _, v := range [...]uint32{uint32(a.Type), a.Mode, a.Nlink, a.UID, a.GID, a.Size, a.Blocksize, a.Rdev,
		a.Blocks, a.Fsid, a.Fileid, a.Atime.Seconds, a.Atime.Useconds, a.Mtime.Seconds, a.Mtime.Useconds,
		a.Ctime.Seconds, a.Ctime.Useconds} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

// readFattr decodes a fattr from the start of b; ok is false if b is
// shorter than one.
func readFattr(b []byte, a *Fattr) bool {
	if len(b) < fattrSize {
		return false
	}
	var v [17]uint32
	for i := range v {
		v[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	*a = Fattr{Type: Ftype(v[0]), Mode: v[1], Nlink: v[2], UID: v[3], GID: v[4], Size: v[5], Blocksize: v[6],
		Rdev: v[7], Blocks: v[8], Fsid: v[9], Fileid: v[10], Atime: Timeval{v[11], v[12]},
		Mtime: Timeval{v[13], v[14]}, Ctime: Timeval{v[15], v[16]}}
	return true
}

// appendBody appends the encoding of a hot reply body and reports true, or
// reports false for a body the xdr package must encode.
func appendBody(b []byte, body any) ([]byte, bool) {
	switch v := body.(type) {
	case Fattr:
		return appendFattr(b, &v), true
	case DirOpRes:
		return appendFattr(append(b, v.File[:]...), &v.Attr), true
	case ReadRes:
		return appendReadRes(b, &v), true
	}
	return b, false
}

// appendReadRes appends the XDR encoding of r (RFC 1094 §2.2.7).
func appendReadRes(b []byte, r *ReadRes) []byte {
	b = appendFattr(b, &r.Attr)
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.Data)))
	b = append(b, r.Data...)
	return append(b, padding[:(4-len(r.Data)%4)%4]...)
}

// padding is the zeros that pad opaque data to a multiple of four bytes.
var padding [3]byte

// okResult starts the encoding of c's reply whose status is OK, with
// room for a body of n bytes, in the reply's own frame
// (rpc.Call.ResultBuffer).
func okResult(c *rpc.Call, n int) []byte {
	return binary.BigEndian.AppendUint32(c.ResultBuffer(4+n), uint32(OK))
}

// bodySize is a hint of a body's encoded size, for the reply's buffer.
func bodySize(body any) int {
	switch v := body.(type) {
	case DirOpRes:
		return FHSize + fattrSize
	case ReadRes:
		return fattrSize + 4 + len(v.Data) + 3
	}
	return fattrSize
}

// readBody decodes a hot reply body from b into body, all of b; handled
// is false for a body the xdr package must decode. ok is false where
// xdr.Unmarshal fails: b too short, padding not zero or bytes left over.
// On failure *body is unchanged, as with xdr.Unmarshal.
func readBody(b []byte, body any) (handled, ok bool) {
	switch v := body.(type) {
	case *Fattr:
		var a Fattr
		if len(b) != fattrSize || !readFattr(b, &a) {
			return true, false
		}
		*v = a
		return true, true
	case *DirOpRes:
		var r DirOpRes
		if len(b) != FHSize+fattrSize || !readFattr(b[FHSize:], &r.Attr) {
			return true, false
		}
		copy(r.File[:], b)
		*v = r
		return true, true
	case *ReadRes:
		var r ReadRes
		if !readFattr(b, &r.Attr) {
			return true, false
		}
		d := xdr.NewDecoder(b[fattrSize:])
		data, err := d.Opaque()
		if err != nil || d.Remaining() != 0 {
			return true, false
		}
		r.Data = data
		*v = r
		return true, true
	}
	return false, false
}
