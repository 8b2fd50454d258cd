package nfs

import (
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/rpc/xdr"
)

// Golden bytes of every NFSv2 and MOUNT procedure's arguments and results,
// written field by field from RFC 1094's XDR (§2.2, §2.3, Appendix A), not
// produced by the encoder under test.

// words concatenates hex words, ignoring spaces.
func words(parts ...string) string { return strings.ReplaceAll(strings.Join(parts, ""), " ", "") }

// fhHex is the handle of inode ino, generation 1, on volume 0x0000abcd.
func fhHex(ino byte) string {
	return words("0000abcd", fmt.Sprintf("000000%02x", ino), "00000001", strings.Repeat("0", 40))
}

func fhOf(ino uint32) FHandle { return makeHandle(0xabcd, ino, 1) }

// strHex is an XDR string: its length, its bytes, zero padding.
func strHex(s string) string {
	b := []byte(s)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return fmt.Sprintf("%08x", len(s)) + hex.EncodeToString(b)
}

// A file's attributes and their bytes: type, mode, nlink, uid, gid, size,
// blocksize, rdev, blocks, fsid, fileid, atime, mtime, ctime.
var (
	attr    = Fattr{Type: NFREG, Mode: 0o100644, Nlink: 1, Size: 8192, Blocksize: 8192, Blocks: 16, Fsid: 0xabcd, Fileid: 2, Mtime: Timeval{Seconds: 70, Useconds: 5}}
	attrHex = words("00000001", "000081a4", "00000001", "00000000", "00000000", "00002000", "00002000", "00000000",
		"00000010", "0000abcd", "00000002", "00000000 00000000", "00000046 00000005", "00000000 00000000")
	// sattr setting the mode only: every other field all ones.
	sattr    = Sattr{Mode: 0o755, UID: NoValue, GID: NoValue, Size: NoValue, Atime: noTime, Mtime: noTime}
	sattrHex = words("000001ed", "ffffffff", "ffffffff", "ffffffff", "ffffffff ffffffff", "ffffffff ffffffff")
)

// Reference: RFC 1094 §2.2 — each procedure's number, arguments and
// results; §2.3.1 — a result is its stat, then the body on NFS_OK only.
func TestWireGoldenBytes(t *testing.T) {
	dir, file := fileRef{fh: fhOf(1)}, fileRef{fh: fhOf(2)}
	q := func() *request { return newRequest(FileHandles) }
	tests := []struct {
		proc   string
		num    uint32
		args   any    // RFC 1094's argument type, marshaled
		req    []byte // the client's encoding of the same, or nil
		argHex string
		res    []byte // a result, encoded by the server's encodeResult
		resHex string
	}{
		{ProcNull, 0, nil, nil, "", nil, ""},
		{ProcGetattr, 1, fhOf(2), q().file(file, false).bytes(), fhHex(2),
			encodeResult(OK, attr), words("00000000", attrHex)},
		{ProcSetattr, 2, SattrArgs{File: fhOf(2), Attributes: sattr}, q().file(file, false).sattr(sattr).bytes(), words(fhHex(2), sattrHex),
			encodeResult(ErrStale, nil), "00000046"},
		{ProcRoot, 3, nil, nil, "", nil, ""},
		{ProcLookup, 4, DirOpArgs{Dir: fhOf(1), Name: "fileA"}, q().dirop(dir, "fileA", "").bytes(), words(fhHex(1), strHex("fileA")),
			encodeResult(OK, DirOpRes{File: fhOf(2), Attr: attr}), words("00000000", fhHex(2), attrHex)},
		{ProcReadlink, 5, fhOf(3), q().file(fileRef{fh: fhOf(3)}, false).bytes(), fhHex(3),
			encodeResult(OK, "d/m"), words("00000000", strHex("d/m"))},
		{ProcRead, 6, ReadArgs{File: fhOf(2), Offset: 8192, Count: 8192}, q().file(file, true).u32(8192, 8192, 0).bytes(),
			words(fhHex(2), "00002000", "00002000", "00000000"),
			encodeResult(OK, ReadRes{Attr: attr, Data: []byte("a2")}), words("00000000", attrHex, strHex("a2"))},
		{ProcWritecache, 7, nil, nil, "", nil, ""},
		{ProcWrite, 8, WriteArgs{Offset: 8192, TotalCount: 2, File: fhOf(2), Data: []byte("b1")},
			q().file(file, true).u32(0, 8192, 2).opaque([]byte("b1")).bytes(),
			words(fhHex(2), "00000000", "00002000", "00000002", strHex("b1")),
			encodeResult(OK, attr), words("00000000", attrHex)},
		{ProcCreate, 9, CreateArgs{Where: DirOpArgs{Dir: fhOf(1), Name: "n"}, Attributes: sattr},
			q().dirop(dir, "n", "").sattr(sattr).bytes(), words(fhHex(1), strHex("n"), sattrHex),
			encodeResult(ErrExist, DirOpRes{}), "00000011"},
		{ProcRemove, 10, DirOpArgs{Dir: fhOf(1), Name: "n"}, q().dirop(dir, "n", "").bytes(), words(fhHex(1), strHex("n")),
			encodeResult(ErrNoEnt, nil), "00000002"},
		{ProcRename, 11, RenameArgs{From: DirOpArgs{Dir: fhOf(1), Name: "a"}, To: DirOpArgs{Dir: fhOf(4), Name: "b"}},
			q().dirop(dir, "a", "").dirop(fileRef{fh: fhOf(4)}, "b", "").bytes(),
			words(fhHex(1), strHex("a"), fhHex(4), strHex("b")), encodeResult(OK, nil), "00000000"},
		{ProcLink, 12, LinkArgs{From: fhOf(2), To: DirOpArgs{Dir: fhOf(1), Name: "a2"}},
			q().file(file, false).dirop(dir, "a2", "").bytes(), words(fhHex(2), fhHex(1), strHex("a2")),
			encodeResult(ErrPerm, nil), "00000001"},
		{ProcSymlink, 13, SymlinkArgs{From: DirOpArgs{Dir: fhOf(1), Name: "s"}, To: "d/m", Attributes: sattr},
			q().dirop(dir, "s", "").str("d/m").sattr(sattr).bytes(), words(fhHex(1), strHex("s"), strHex("d/m"), sattrHex),
			encodeResult(OK, nil), "00000000"},
		{ProcMkdir, 14, CreateArgs{Where: DirOpArgs{Dir: fhOf(1), Name: "d"}, Attributes: sattr},
			q().dirop(dir, "d", "").sattr(sattr).bytes(), words(fhHex(1), strHex("d"), sattrHex),
			encodeResult(OK, DirOpRes{File: fhOf(2), Attr: attr}), words("00000000", fhHex(2), attrHex)},
		{ProcRmdir, 15, DirOpArgs{Dir: fhOf(1), Name: "d"}, q().dirop(dir, "d", "").bytes(), words(fhHex(1), strHex("d")),
			encodeResult(ErrNotEmpty, nil), "00000042"},
		{ProcReaddir, 16, ReaddirArgs{Dir: fhOf(1), Cookie: 0, Count: 8192}, q().file(dir, false).u32(0, 8192).bytes(),
			words(fhHex(1), "00000000", "00002000"),
			encodeResult(OK, ReaddirRes{Entries: &Entry{FileID: 2, Name: "a", Cookie: 1, Next: &Entry{FileID: 3, Name: "bc", Cookie: 2}}, EOF: true}),
			// status, entries (value follows, fileid, name, cookie), none left, eof
			words("00000000", "00000001", "00000002", strHex("a"), "00000001", "00000001", "00000003", strHex("bc"), "00000002",
				"00000000", "00000001")},
		{ProcStatfs, 17, fhOf(1), q().file(dir, false).bytes(), fhHex(1),
			encodeResult(OK, StatfsRes{Tsize: 8192, Bsize: 8192, Blocks: 1 << 20, Bfree: 7, Bavail: 7}),
			words("00000000", "00002000", "00002000", "00100000", "00000007", "00000007")},
		// MOUNT (RFC 1094 Appendix A): dirpath in, fhstatus out.
		{ProcMnt, 1, MountArgs{DirPath: "/home"}, q().str("/home").bytes(), strHex("/home"),
			encodeResult(OK, MountRes{Dir: fhOf(1)}), words("00000000", fhHex(1))},
		{ProcUmnt, 3, MountArgs{DirPath: "/home"}, nil, strHex("/home"), nil, ""},
		{ProcDump, 2, nil, nil, "", marshalOptional(&MountList{Hostname: "A", Directory: "/"}),
			words("00000001", strHex("A"), strHex("/"), "00000000")},
		{ProcExport, 5, nil, nil, "", marshalOptional(&ExportList{Dir: "/", Groups: &Group{Name: "lab"}}),
			words("00000001", strHex("/"), "00000001", strHex("lab"), "00000000", "00000000")},
	}
	for _, tt := range tests {
		t.Run(tt.proc, func(t *testing.T) {
			p := procFor(FileHandles, tt.proc)
			prog := uint32(Program)
			if _, mount := mountNums[tt.proc]; mount {
				prog = MountProgram
			}
			if p.Prog != prog || p.Num != tt.num {
				t.Errorf("procFor(%s) = program %d procedure %d; want %d, %d", tt.proc, p.Prog, p.Num, prog, tt.num)
			}
			var args []byte
			if tt.args != nil {
				args = marshal(tt.args)
			}
			if got := hex.EncodeToString(args); got != tt.argHex {
				t.Errorf("arguments =\n\t%s; want\n\t%s", got, tt.argHex)
			}
			if tt.req != nil && hex.EncodeToString(tt.req) != tt.argHex {
				t.Errorf("the client's arguments =\n\t%x; want\n\t%s", tt.req, tt.argHex)
			}
			if got := hex.EncodeToString(tt.res); got != tt.resHex {
				t.Errorf("results =\n\t%s; want\n\t%s", got, tt.resHex)
			}
		})
	}
}

// Reference: RFC 1094 §2.2 and RFC 1833 — the numbers of every procedure,
// and which program carries the lecture's.
func TestProcedureNumbers(t *testing.T) {
	want := map[string]string{
		ProcNull: "100003/2/0", ProcGetattr: "100003/2/1", ProcSetattr: "100003/2/2", ProcRoot: "100003/2/3",
		ProcLookup: "100003/2/4", ProcReadlink: "100003/2/5", ProcRead: "100003/2/6", ProcWritecache: "100003/2/7",
		ProcWrite: "100003/2/8", ProcCreate: "100003/2/9", ProcRemove: "100003/2/10", ProcRename: "100003/2/11",
		ProcLink: "100003/2/12", ProcSymlink: "100003/2/13", ProcMkdir: "100003/2/14", ProcRmdir: "100003/2/15",
		ProcReaddir: "100003/2/16", ProcStatfs: "100003/2/17",
		ProcMountNull: "100005/1/0", ProcMnt: "100005/1/1", ProcDump: "100005/1/2", ProcUmnt: "100005/1/3",
		ProcUmntall: "100005/1/4", ProcExport: "100005/1/5",
		ProcAppend: "536877447/4/18",
	}
	for name, w := range want {
		p := procFor(FileHandles, name)
		if got := fmt.Sprintf("%d/%d/%d", p.Prog, p.Vers, p.Num); got != w {
			t.Errorf("%s is %s; want %s", name, got, w)
		}
	}
	for api, vers := range map[API]uint32{StatefulFDs: 1, Paths: 2, Inodes: 3} {
		if p := procFor(api, ProcAppend); p.Prog != LectureProgram || p.Vers != vers {
			t.Errorf("APPEND under %s is %d/%d; want %d/%d", api, p.Prog, p.Vers, LectureProgram, vers)
		}
	}
	if p := procFor(Paths, ProcRead); p.Prog != LectureProgram || p.Num != 6 {
		t.Errorf("READ by path is %d/%d; want the lecture's program, procedure 6", p.Prog, p.Num)
	}
	if p := procFor(Inodes, ProcRead); p.Prog != Program {
		t.Errorf("READ under strategy 3 is program %d; want NFS's (its arguments are RFC 1094's)", p.Prog)
	}
}

// drawValue fills v (a pointer) with random values: short strings and
// byte slices, lists of at most three, every field drawn.
func drawValue(t *rapid.T, v reflect.Value, label string) {
	switch v.Kind() {
	case reflect.Pointer:
		if rapid.IntRange(0, 3).Draw(t, label+"?") > 0 || v.Type().Elem().Kind() != reflect.Struct {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		drawValue(t, v.Elem(), label+".")
	case reflect.Struct:
		for i := range v.NumField() {
			drawValue(t, v.Field(i), label+v.Type().Field(i).Name)
		}
	case reflect.Array:
		for i := range v.Len() {
			v.Index(i).SetUint(uint64(rapid.Byte().Draw(t, label)))
		}
	case reflect.Slice:
		if b := rapid.SliceOfN(rapid.Byte(), 0, 12).Draw(t, label); len(b) > 0 {
			v.SetBytes(b)
		}
	case reflect.String:
		v.SetString(rapid.StringN(0, 12, -1).Draw(t, label))
	case reflect.Uint32:
		v.SetUint(uint64(rapid.Uint32().Draw(t, label)))
	case reflect.Bool:
		v.SetBool(rapid.Bool().Draw(t, label))
	default:
		panic("drawValue: " + v.Kind().String())
	}
}

// Every procedure's arguments and results survive a round trip through
// XDR, and under every strategy the client's encoding of a request is what
// the server's door reads back.
func TestWireRoundTripProperty(t *testing.T) {
	argTypes := map[string]any{
		ProcGetattr: FHandle{}, ProcSetattr: SattrArgs{}, ProcLookup: DirOpArgs{}, ProcReadlink: FHandle{},
		ProcRead: ReadArgs{}, ProcWrite: WriteArgs{}, ProcCreate: CreateArgs{}, ProcRemove: DirOpArgs{},
		ProcRename: RenameArgs{}, ProcLink: LinkArgs{}, ProcSymlink: SymlinkArgs{}, ProcMkdir: CreateArgs{},
		ProcRmdir: DirOpArgs{}, ProcReaddir: ReaddirArgs{}, ProcStatfs: FHandle{}, ProcAppend: AppendArgs{},
		ProcMnt: MountArgs{}, ProcUmnt: MountArgs{}, ProcOpen: PathArgs{}, ProcClose: FDArgs{},
	}
	resTypes := map[string]any{
		ProcGetattr: Fattr{}, ProcSetattr: Fattr{}, ProcLookup: DirOpRes{}, ProcReadlink: "",
		ProcRead: ReadRes{}, ProcWrite: Fattr{}, ProcCreate: DirOpRes{}, ProcMkdir: DirOpRes{},
		ProcReaddir: ReaddirRes{}, ProcStatfs: StatfsRes{}, ProcMnt: MountRes{}, ProcOpen: OpenRes{},
		ProcAppend: Fattr{}, ProcRemove: nil, ProcRename: nil, ProcLink: nil, ProcSymlink: nil, ProcRmdir: nil,
	}
	names := make([]string, 0, len(argTypes))
	for n := range argTypes {
		names = append(names, n)
	}
	rapid.Check(t, func(t *rapid.T) {
		name := rapid.SampledFrom(sortedStrings(names)).Draw(t, "procedure")
		args := reflect.New(reflect.TypeOf(argTypes[name]))
		drawValue(t, args.Elem(), "args")
		b, err := xdr.Marshal(args.Interface())
		if err != nil {
			t.Fatal(err)
		}
		back := reflect.New(args.Elem().Type())
		if err := xdr.Unmarshal(b, back.Interface()); err != nil {
			t.Fatalf("%s arguments %x: %v", name, b, err)
		}
		if diff := cmp.Diff(args.Interface(), back.Interface()); diff != "" {
			t.Fatalf("%s arguments (-want +got):\n%s", name, diff)
		}
		if rt, ok := resTypes[name]; ok {
			st := Status(rapid.SampledFrom([]uint32{0, 2, 17, 70}).Draw(t, "status"))
			var body, got any
			if rt != nil {
				v := reflect.New(reflect.TypeOf(rt))
				drawValue(t, v.Elem(), "result")
				body, got = v.Elem().Interface(), reflect.New(v.Elem().Type()).Interface()
			}
			err := decodeResult(encodeResult(st, body), got)
			if want := map[bool]error{true: nil, false: st}[st == OK]; err != want {
				t.Fatalf("%s result %v: decoded status %v", name, st, err)
			}
			if st == OK && body != nil {
				if diff := cmp.Diff(body, reflect.ValueOf(got).Elem().Interface()); diff != "" {
					t.Fatalf("%s result (-want +got):\n%s", name, diff)
				}
			}
		}
		checkDoor(t, name)
	})
}

// checkDoor encodes a request as the client does under a random strategy
// and reads it back as the server's door does.
func checkDoor(t *rapid.T, name string) {
	api := API(rapid.IntRange(0, 3).Draw(t, "api"))
	ref := fileRef{spath: "/" + rapid.StringMatching(`[a-z]{1,8}`).Draw(t, "path"), sfd: rapid.Uint32().Draw(t, "fd")}
	copy(ref.fh[:], rapid.SliceOfN(rapid.Byte(), FHSize, FHSize).Draw(t, "fh"))
	entry := rapid.StringMatching(`[a-z]{1,8}`).Draw(t, "name")
	data := rapid.Bool().Draw(t, "data")
	off := rapid.Uint32().Draw(t, "offset")
	req := newRequest(api).file(ref, data).u32(off).dirop(ref, entry, ref.spath+"/"+entry).bytes()
	a := &args{api: api, d: xdr.NewDecoder(req)}
	r, gotOff, d := a.file(data), a.u32(), a.dirop()
	if a.err != nil || a.d.Remaining() != 0 {
		t.Fatalf("%s under %s: the door fails on %x: %v", name, api, req, a.err)
	}
	want := ref.spath
	switch {
	case r.kind == byHandle && (r.fh != ref.fh || d.dir.fh != ref.fh || d.name != entry):
		t.Fatalf("%s under %s: read %v, %v; want handle %v and name %s", name, api, r, d, ref.fh, entry)
	case r.kind == byFD && r.fd != ref.sfd:
		t.Fatalf("%s under %s: fd %d; want %d", name, api, r.fd, ref.sfd)
	case r.kind == byPath && r.path != want:
		t.Fatalf("%s under %s: path %q; want %q", name, api, r.path, want)
	case d.dir.kind == byPath && d.dir.path != want+"/"+entry:
		t.Fatalf("%s under %s: entry %q; want %q", name, api, d.dir.path, want+"/"+entry)
	case gotOff != off:
		t.Fatalf("%s under %s: offset %d; want %d", name, api, gotOff, off)
	}
	wantKind := map[API]refKind{FileHandles: byHandle, Inodes: byHandle, Paths: byPath, StatefulFDs: byPath}[api]
	if api == StatefulFDs && data {
		wantKind = byFD
	}
	if r.kind != wantKind {
		t.Fatalf("%s under %s (data %v): a %v reference; want %v", name, api, data, r.kind, wantKind)
	}
	_ = rpc.ErrGarbageArgs
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
