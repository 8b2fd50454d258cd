package nfs

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
)

// rawClient is a node that speaks the protocol by hand: an RPC client on
// port 2049 and nothing else, so that a test can send any request.
type rawClient struct {
	c  *cluster
	id sim.NodeID
	rc *rpc.Client // on Port
	mc *rpc.Client // on MountPort
}

func (c *cluster) raw(name string, opts rpc.Options) *rawClient {
	r := &rawClient{c: c}
	opts.Auth = rpc.AuthSys // an NFS server requires it
	r.id = c.w.AddNode(name, func(env sim.Env) sim.Handler {
		h := udp.NewHost(env)
		opts.XIDs = rpc.NewXIDs(env.Incarnation())
		h.Bind(Port, func(penv sim.Env) sim.Handler {
			r.rc = rpc.NewClient(penv, opts, c.rec)
			return r.rc
		})
		h.Bind(MountPort, func(penv sim.Env) sim.Handler {
			r.mc = rpc.NewClient(penv, opts, c.rec)
			return r.mc
		})
		return h
	})
	return r
}

// call sends proc with args, runs the world until the reply arrives, and
// decodes it into res.
func (r *rawClient) call(proc string, args any, res any) error {
	r.c.t.Helper()
	var got error
	done := false
	rc := r.rc
	if _, ok := mountNums[proc]; ok {
		rc = r.mc
	}
	rc.Call(r.c.server, procFor(r.c.api, proc), marshal(args), func(b []byte, err error) {
		if err == nil {
			err = decodeResult(b, res)
		}
		got, done = err, true
	})
	for !done && r.c.w.Step() {
	}
	if !done {
		r.c.t.Fatalf("%s: no reply", proc)
	}
	return got
}

// void calls a procedure with no arguments and no results and returns how
// many bytes of results came back.
func (r *rawClient) void(proc string) (any, error) {
	var got []byte
	var err error = Status(999)
	r.rc.Call(r.c.server, procFor(r.c.api, proc), nil, func(b []byte, e error) { got, err = b, e })
	r.c.run()
	return len(got), err
}

// mount calls a MOUNT procedure whose results are not a status union
// (UMNT, DUMP, EXPORT), decoding them into res (nil: none expected).
func (r *rawClient) mount(proc string, args, res any) error {
	var b []byte
	if args != nil {
		b = marshal(args)
	}
	var err error = Status(999)
	r.mc.Call(r.c.server, procFor(r.c.api, proc), b, func(out []byte, e error) {
		if err = e; e == nil && res != nil {
			err = xdr.Unmarshal(out, res)
		} else if e == nil && len(out) != 0 {
			err = errGarbage
		}
	})
	r.c.run()
	return err
}

// root returns the root's handle by MNT.
func (r *rawClient) root() FHandle {
	r.c.t.Helper()
	var m MountRes
	if err := r.call(ProcMnt, MountArgs{DirPath: "/"}, &m); err != nil {
		r.c.t.Fatalf("MNT /: %v", err)
	}
	return m.Dir
}

func (r *rawClient) lookup(dir FHandle, name string) (DirOpRes, error) {
	var res DirOpRes
	err := r.call(ProcLookup, DirOpArgs{Dir: dir, Name: name}, &res)
	return res, err
}

func statusOf(err error) Status {
	var st Status
	if errors.As(err, &st) {
		return st
	}
	if err == nil {
		return OK
	}
	return Status(999)
}

// TestProcedures runs each RFC 1094 procedure against a small tree and
// checks its status and result.
//
// Reference: RFC 1094 §2.2 (the procedures), §2.3.1 (stat).
func TestProcedures(t *testing.T) {
	files := []File{{Path: "a", Blocks: []string{"a0", "a1"}}, {Path: "d/x", Blocks: []string{"x0"}}}
	c := newCluster(t, ServerOptions{Files: files, Exports: []string{"/d"}}, ClientOptions{})
	r := c.raw("raw", rpc.Options{})
	c.run()
	root := makeHandle(fsidFor("server"), rootIno, 1)

	type step struct {
		name string
		run  func() (any, error)
		want Status
		res  any // when not nil, compared with what run returned
	}
	var a, d, x, n DirOpRes
	steps := []step{
		{"NULL", func() (any, error) {
			var got error = Status(999)
			r.rc.Call(c.server, procFor(c.api, ProcNull), nil, func(b []byte, err error) {
				if got = err; err == nil && len(b) != 0 {
					got = errGarbage
				}
			})
			c.run()
			return nil, got
		}, OK, nil},
		{"MNT of an exported directory", func() (any, error) {
			var m MountRes
			err := r.call(ProcMnt, MountArgs{DirPath: "/d"}, &m)
			_, ino, _ := m.Dir.fields()
			return ino, err
		}, OK, nil},
		{"MNT of the root, not exported", func() (any, error) { return nil, r.call(ProcMnt, MountArgs{DirPath: "/"}, &MountRes{}) }, ErrAcces, nil},
		{"LOOKUP a", func() (any, error) {
			var err error
			a, err = r.lookup(root, "a")
			return a.Attr.NBlocks(), err
		}, OK, 2},
		{"LOOKUP missing", func() (any, error) { _, err := r.lookup(root, "nope"); return nil, err }, ErrNoEnt, nil},
		{"LOOKUP in a file", func() (any, error) { _, err := r.lookup(a.File, "x"); return nil, err }, ErrNotDir, nil},
		{"GETATTR root", func() (any, error) {
			var attr Fattr
			err := r.call(ProcGetattr, root, &attr)
			return attr.Type, err
		}, OK, NFDIR},
		{"READ block 1", func() (any, error) {
			var res ReadRes
			err := r.call(ProcRead, ReadArgs{File: a.File, Offset: BlockSize, Count: BlockSize}, &res)
			return string(res.Data), err
		}, OK, "a1"},
		{"READ past the end", func() (any, error) {
			var res ReadRes
			err := r.call(ProcRead, ReadArgs{File: a.File, Offset: 5 * BlockSize, Count: BlockSize}, &res)
			return len(res.Data), err
		}, OK, 0},
		{"WRITE block 3 grows the file", func() (any, error) {
			var attr Fattr
			err := r.call(ProcWrite, WriteArgs{File: a.File, Offset: 3 * BlockSize, Data: []byte("a3")}, &attr)
			return attr.NBlocks(), err
		}, OK, 4},
		{"WRITE unaligned", func() (any, error) {
			return nil, r.call(ProcWrite, WriteArgs{File: a.File, Offset: 10, Data: []byte("z")}, &Fattr{})
		}, ErrInval, nil},
		{"WRITE a directory", func() (any, error) {
			return nil, r.call(ProcWrite, WriteArgs{File: root, Data: []byte("z")}, &Fattr{})
		}, ErrIsDir, nil},
		{"SETATTR truncates", func() (any, error) {
			sa := KeepAll
			sa.Size = BlockSize
			var attr Fattr
			err := r.call(ProcSetattr, SattrArgs{File: a.File, Attributes: sa}, &attr)
			return attr.NBlocks(), err
		}, OK, 1},
		{"CREATE n", func() (any, error) {
			err := r.call(ProcCreate, CreateArgs{Where: DirOpArgs{Dir: root, Name: "n"}, Attributes: KeepAll}, &n)
			return n.Attr.Type, err
		}, OK, NFREG},
		{"CREATE n again is exclusive", func() (any, error) {
			return nil, r.call(ProcCreate, CreateArgs{Where: DirOpArgs{Dir: root, Name: "n"}, Attributes: KeepAll}, &DirOpRes{})
		}, ErrExist, nil},
		{"CREATE a bad name", func() (any, error) {
			return nil, r.call(ProcCreate, CreateArgs{Where: DirOpArgs{Dir: root, Name: ".."}, Attributes: KeepAll}, &DirOpRes{})
		}, ErrInval, nil},
		{"MKDIR d2", func() (any, error) {
			var res DirOpRes
			err := r.call(ProcMkdir, CreateArgs{Where: DirOpArgs{Dir: root, Name: "d2"}, Attributes: KeepAll}, &res)
			return res.Attr.Type, err
		}, OK, NFDIR},
		{"MKDIR d2 again", func() (any, error) {
			return nil, r.call(ProcMkdir, CreateArgs{Where: DirOpArgs{Dir: root, Name: "d2"}, Attributes: KeepAll}, &DirOpRes{})
		}, ErrExist, nil},
		{"RMDIR d, not empty", func() (any, error) {
			return nil, r.call(ProcRmdir, DirOpArgs{Dir: root, Name: "d"}, nil)
		}, ErrNotEmpty, nil},
		{"REMOVE a directory", func() (any, error) { return nil, r.call(ProcRemove, DirOpArgs{Dir: root, Name: "d2"}, nil) }, ErrIsDir, nil},
		{"RMDIR d2", func() (any, error) { return nil, r.call(ProcRmdir, DirOpArgs{Dir: root, Name: "d2"}, nil) }, OK, nil},
		{"LOOKUP d", func() (any, error) {
			var err error
			d, err = r.lookup(root, "d")
			return nil, err
		}, OK, nil},
		{"RENAME n to d/m", func() (any, error) {
			return nil, r.call(ProcRename, RenameArgs{From: DirOpArgs{Dir: root, Name: "n"}, To: DirOpArgs{Dir: d.File, Name: "m"}}, nil)
		}, OK, nil},
		{"RENAME d into itself", func() (any, error) {
			return nil, r.call(ProcRename, RenameArgs{From: DirOpArgs{Dir: root, Name: "d"}, To: DirOpArgs{Dir: d.File, Name: "e"}}, nil)
		}, ErrInval, nil},
		{"READDIR d", func() (any, error) {
			var res ReaddirRes
			err := r.call(ProcReaddir, ReaddirArgs{Dir: d.File, Count: 1024}, &res)
			var names []string
			for e := res.Entries; e != nil; e = e.Next {
				names = append(names, e.Name)
			}
			return names, err
		}, OK, []string{"m", "x"}},
		{"READDIR d, one entry at a time", func() (any, error) {
			var res ReaddirRes
			err := r.call(ProcReaddir, ReaddirArgs{Dir: d.File, Cookie: 1, Count: 1}, &res)
			return []any{res.Entries.Name, res.Entries.Next == nil, res.EOF}, err
		}, OK, []any{"x", true, true}},
		{"STATFS", func() (any, error) {
			var res StatfsRes
			err := r.call(ProcStatfs, root, &res)
			return res.Bsize, err
		}, OK, uint32(BlockSize)},
		{"LOOKUP d/x", func() (any, error) {
			var err error
			x, err = r.lookup(d.File, "x")
			return nil, err
		}, OK, nil},
		{"REMOVE d/x", func() (any, error) { return nil, r.call(ProcRemove, DirOpArgs{Dir: d.File, Name: "x"}, nil) }, OK, nil},
		{"REMOVE d/x again", func() (any, error) { return nil, r.call(ProcRemove, DirOpArgs{Dir: d.File, Name: "x"}, nil) }, ErrNoEnt, nil},
		{"GETATTR of the removed file", func() (any, error) { return nil, r.call(ProcGetattr, x.File, &Fattr{}) }, ErrStale, nil},
		{"APPEND is not there without the option", func() (any, error) {
			err := r.call(ProcAppend, AppendArgs{File: a.File, Data: []byte("t")}, &Fattr{})
			if errors.Is(err, rpc.ErrProgUnavail) {
				return "EPROGUNAVAIL", nil // the lecture's program is not offered at all
			}
			return nil, err
		}, OK, "EPROGUNAVAIL"},
		{"a garbage handle", func() (any, error) {
			var h FHandle
			h[0] = 0xff
			return nil, r.call(ProcGetattr, h, &Fattr{})
		}, ErrStale, nil},
		{"ROOT, obsolete, answers nothing", func() (any, error) { return r.void(ProcRoot) }, OK, 0},
		{"WRITECACHE, unused, answers nothing", func() (any, error) { return r.void(ProcWritecache) }, OK, 0},
		{"SYMLINK s -> d/m", func() (any, error) {
			return nil, r.call(ProcSymlink, SymlinkArgs{From: DirOpArgs{Dir: root, Name: "s"}, To: "d/m", Attributes: KeepAll}, nil)
		}, OK, nil},
		{"SYMLINK s again", func() (any, error) {
			return nil, r.call(ProcSymlink, SymlinkArgs{From: DirOpArgs{Dir: root, Name: "s"}, To: "x", Attributes: KeepAll}, nil)
		}, ErrExist, nil},
		{"LOOKUP s", func() (any, error) {
			var err error
			n, err = r.lookup(root, "s")
			return []any{n.Attr.Type, n.Attr.Mode & 0o170000, n.Attr.Size}, err
		}, OK, []any{NFLNK, uint32(0o120000), uint32(3)}},
		{"READLINK s", func() (any, error) {
			var target string
			err := r.call(ProcReadlink, n.File, &target)
			return target, err
		}, OK, "d/m"},
		{"READLINK a regular file", func() (any, error) { return nil, r.call(ProcReadlink, a.File, new(string)) }, ErrInval, nil},
		{"READ a symbolic link", func() (any, error) {
			return nil, r.call(ProcRead, ReadArgs{File: n.File, Count: BlockSize}, &ReadRes{})
		}, ErrInval, nil},
		{"LINK a as d/a2", func() (any, error) {
			return nil, r.call(ProcLink, LinkArgs{From: a.File, To: DirOpArgs{Dir: d.File, Name: "a2"}}, nil)
		}, OK, nil},
		{"LINK a as d/a2 again", func() (any, error) {
			return nil, r.call(ProcLink, LinkArgs{From: a.File, To: DirOpArgs{Dir: d.File, Name: "a2"}}, nil)
		}, ErrExist, nil},
		{"LINK a directory", func() (any, error) {
			return nil, r.call(ProcLink, LinkArgs{From: d.File, To: DirOpArgs{Dir: root, Name: "d3"}}, nil)
		}, ErrPerm, nil},
		{"GETATTR a: two names", func() (any, error) {
			var attr Fattr
			err := r.call(ProcGetattr, a.File, &attr)
			return attr.Nlink, err
		}, OK, uint32(2)},
		{"REMOVE a keeps d/a2", func() (any, error) {
			if err := r.call(ProcRemove, DirOpArgs{Dir: root, Name: "a"}, nil); err != nil {
				return nil, err
			}
			var res ReadRes
			err := r.call(ProcRead, ReadArgs{File: a.File, Count: BlockSize}, &res)
			return []any{res.Attr.Nlink, string(res.Data)}, err
		}, OK, []any{uint32(1), "a0"}},
		{"UMNT /d, then DUMP", func() (any, error) {
			if err := r.mount(ProcUmnt, MountArgs{DirPath: "/d"}, nil); err != nil {
				return nil, err
			}
			var list struct{ P *MountList }
			err := r.mount(ProcDump, nil, &list)
			return list.P, err
		}, OK, (*MountList)(nil)},
		{"MNT /d, then DUMP", func() (any, error) {
			if err := r.call(ProcMnt, MountArgs{DirPath: "/d"}, &MountRes{}); err != nil {
				return nil, err
			}
			var list struct{ P *MountList }
			err := r.mount(ProcDump, nil, &list)
			return list.P, err
		}, OK, &MountList{Hostname: "raw", Directory: "/d"}},
		{"EXPORT", func() (any, error) {
			var list struct{ P *ExportList }
			err := r.mount(ProcExport, nil, &list)
			return list.P, err
		}, OK, &ExportList{Dir: "/d"}},
	}
	for _, s := range steps {
		got, err := s.run()
		if st := statusOf(err); st != s.want {
			t.Errorf("%s: status %v (%v); want %v", s.name, st, err, s.want)
			continue
		}
		if s.res != nil {
			if diff := cmp.Diff(s.res, got); diff != "" {
				t.Errorf("%s: result (-want +got):\n%s", s.name, diff)
			}
		}
	}
	disk, err := ReadDisk(c.w.Disk(c.server))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"d/a2": {"a0"}, "d/m": {}} // a now lives only as its link d/a2
	if diff := cmp.Diff(want, disk); diff != "" {
		t.Errorf("disk (-want +got):\n%s", diff)
	}
}

// TestGenerations checks the two naming strategies that differ by the
// generation number: a handle to a deleted file whose inode is reused is
// stale under file_handles and names the new file under inodes.
//
// Lecture: "If file is deleted, the inode could be reused"; "File Handle =
// <volume ID, inode #, generation #>".
func TestGenerations(t *testing.T) {
	for _, tc := range []struct {
		api   API
		want  Status
		value string
	}{
		{FileHandles, ErrStale, ""},
		{Inodes, OK, "new"},
	} {
		t.Run(tc.api.String(), func(t *testing.T) {
			files := []File{{Path: "old", Blocks: []string{"o0"}}}
			c := newCluster(t, ServerOptions{API: tc.api, Files: files}, ClientOptions{})
			r := c.raw("raw", rpc.Options{})
			c.run()
			root := r.root()
			old, err := r.lookup(root, "old")
			if err != nil {
				t.Fatal(err)
			}
			if err := r.call(ProcRemove, DirOpArgs{Dir: root, Name: "old"}, nil); err != nil {
				t.Fatal(err)
			}
			var nu DirOpRes
			if err := r.call(ProcCreate, CreateArgs{Where: DirOpArgs{Dir: root, Name: "new"}, Attributes: KeepAll}, &nu); err != nil {
				t.Fatal(err)
			}
			if nu.Attr.Fileid != old.Attr.Fileid {
				t.Fatalf("new file got inode %d; want the freed %d reused", nu.Attr.Fileid, old.Attr.Fileid)
			}
			if err := r.call(ProcWrite, WriteArgs{File: nu.File, Data: []byte("new")}, &Fattr{}); err != nil {
				t.Fatal(err)
			}
			var res ReadRes
			err = r.call(ProcRead, ReadArgs{File: old.File, Count: BlockSize}, &res)
			if st := statusOf(err); st != tc.want || string(res.Data) != tc.value {
				t.Errorf("READ(old handle) = %q, %v; want %q, %v", res.Data, st, tc.value, tc.want)
			}
		})
	}
}

// TestWritePolicies writes a block under each policy, crashes the server
// before a flush and restarts it: write-through pays the disk latency in
// the reply and keeps the data; buffered replies at once and loses it;
// nvram replies at once and keeps it.
//
// Reference: RFC 1094 §2.2 ("any data associated with the request is now
// on stable storage"). Lecture: "server acknowledges write before write is
// pushed to disk; what happens if server crashes?"
func TestWritePolicies(t *testing.T) {
	for _, tc := range []struct {
		policy   WritePolicy
		latency  sim.Time // what the client waits for the WRITE
		unstable int
		after    string // block 0 after the crash
	}{
		{WriteThrough, secs(0.020), 0, "new"},
		{Buffered, secs(0.010), 1, "old"},
		{NVRAM, secs(0.010), 0, "new"},
	} {
		t.Run(tc.policy.String(), func(t *testing.T) {
			files := []File{{Path: "f", Blocks: []string{"old"}}}
			c := newCluster(t, ServerOptions{WritePolicy: tc.policy, Files: files}, ClientOptions{})
			r := c.raw("raw", rpc.Options{})
			c.run()
			root := r.root()
			f, err := r.lookup(root, "f")
			if err != nil {
				t.Fatal(err)
			}
			start := c.w.Now()
			var acked sim.Time
			r.rc.Call(c.server, procFor(c.api, ProcWrite), marshal(WriteArgs{File: f.File, Data: []byte("new")}), func([]byte, error) { acked = c.w.Now() })
			if err := c.w.RunUntil(start + secs(1)); err != nil {
				t.Fatal(err)
			}
			if got := acked - start; got != tc.latency {
				t.Errorf("WRITE latency %v; want %v", got, tc.latency)
			}
			if got := len(c.srv().Unstable()); got != tc.unstable {
				t.Errorf("Unstable() has %d blocks; want %d", got, tc.unstable)
			}
			c.w.Crash(c.server)
			c.w.Restart(c.server)
			c.run()
			if got, _, _ := c.srv().Block(f.Attr.Fileid, 0); got != tc.after {
				t.Errorf("after the crash block 0 = %q; want %q", got, tc.after)
			}
			disk, _ := ReadDisk(c.w.Disk(c.server))
			if got := disk["f"][0]; got != tc.after {
				t.Errorf("disk after the crash = %q; want %q", got, tc.after)
			}
			if tc.policy == NVRAM && c.srv().Replayed() != 1 {
				t.Errorf("Replayed() = %d; want 1", c.srv().Replayed())
			}
		})
	}
}

// TestFlush checks when a buffered server writes: at multiples of the flush
// interval since it started, and on Flush; LastFlush follows completed
// flushes only.
func TestFlush(t *testing.T) {
	files := []File{{Path: "f", Blocks: []string{"b0"}}}
	c := newCluster(t, ServerOptions{WritePolicy: Buffered, FlushInterval: secs(10).Duration(), Files: files}, ClientOptions{})
	r := c.raw("raw", rpc.Options{})
	var f DirOpRes
	c.w.At(secs(1), func() {
		var m MountRes
		r.mc.Call(c.server, procFor(c.api, ProcMnt), marshal(MountArgs{DirPath: "/"}), func(b []byte, err error) {
			decodeResult(b, &m)
			r.rc.Call(c.server, procFor(c.api, ProcLookup), marshal(DirOpArgs{Dir: m.Dir, Name: "f"}), func(b []byte, err error) {
				decodeResult(b, &f)
			})
		})
	})
	write := func(at float64, data string) {
		c.w.At(secs(at), func() {
			r.rc.Call(c.server, procFor(c.api, ProcWrite), marshal(WriteArgs{File: f.File, Data: []byte(data)}), nil)
		})
	}
	durable := func() string {
		d, _ := ReadDisk(c.w.Disk(c.server))
		return d["f"][0]
	}
	until := func(at float64) {
		if err := c.w.RunUntil(secs(at)); err != nil {
			t.Fatal(err)
		}
	}
	write(2, "w1")
	until(9.9)
	if got := durable(); got != "b0" {
		t.Errorf("at 9.9s disk = %q; want b0 (nothing flushed yet)", got)
	}
	until(10.005) // the flush at 10s is on its way to the disk
	if got, last := durable(), c.srv().LastFlush(); got != "b0" || last != 0 {
		t.Errorf("at 10.005s disk = %q, LastFlush() = %v; want b0, 0s", got, last)
	}
	until(11)
	if got := durable(); got != "w1" {
		t.Errorf("after the 10s flush disk = %q; want w1", got)
	}
	if got := c.srv().LastFlush(); got != secs(10) {
		t.Errorf("LastFlush() = %v; want 10s", got)
	}
	write(12, "w2")
	until(13)
	if n := c.srv().Flush(); n != 1 {
		t.Errorf("Flush() = %d; want 1 inode", n)
	}
	until(14)
	if got := durable(); got != "w2" {
		t.Errorf("after Flush disk = %q; want w2", got)
	}
	if n := c.srv().Flush(); n != 0 {
		t.Errorf("Flush() with nothing dirty = %d; want 0", n)
	}
}

// TestServerCrashDropsVolatileState checks design rule 4 for the server: a
// crash loses the unflushed changes, the duplicate-request cache and the
// strategy 1 fds; a restarted server holds exactly its disk.
func TestServerCrashDropsVolatileState(t *testing.T) {
	files := []File{{Path: "f", Blocks: []string{"b0"}}}
	c := newCluster(t, ServerOptions{API: StatefulFDs, WritePolicy: Buffered, FlushInterval: secs(600).Duration(), DRC: true,
		Files: files}, ClientOptions{})
	r := c.raw("raw", rpc.Options{Semantics: rpc.AtMostOnce})
	c.run()
	var o OpenRes
	if err := r.call(ProcOpen, PathArgs{Path: "/f"}, &o); err != nil {
		t.Fatal(err)
	}
	if err := r.call(ProcWrite, struct {
		FD, BeginOffset, Offset, TotalCount uint32
		Data                                []byte
	}{FD: o.FD, Data: []byte("w")}, &Fattr{}); err != nil {
		t.Fatal(err)
	}
	sn := serverOf(c.w, c.server)
	if sn.Server().OpenFDs() != 1 || len(sn.Server().Unstable()) != 1 {
		t.Fatalf("before the crash: %d fds, %d unstable blocks; want 1 and 1", sn.Server().OpenFDs(), len(sn.Server().Unstable()))
	}
	c.w.Crash(c.server)
	c.w.Restart(c.server)
	sn = serverOf(c.w, c.server)
	if got := sn.Server().OpenFDs(); got != 0 {
		t.Errorf("after the restart the server holds %d fds; want 0", got)
	}
	if got := sn.RPC().Cached(); got != 0 {
		t.Errorf("after the restart the DRC holds %d replies; want 0", got)
	}
	disk, _ := ReadDisk(c.w.Disk(c.server))
	if diff := cmp.Diff(disk, sn.Server().Files()); diff != "" {
		t.Errorf("memory after the restart differs from the disk (-disk +memory):\n%s", diff)
	}
	var res ReadRes
	if err := r.call(ProcRead, struct{ FD, Offset, Count, TotalCount uint32 }{FD: o.FD, Count: BlockSize}, &res); statusOf(err) != ErrBadF {
		t.Errorf("READ(fd) after the restart: %v; want EBADF", err)
	}
}

// TestPathLookups counts the names the server resolves: one per LOOKUP
// with handles, the whole path on every request with paths.
//
// Lecture: strategy 2's "Cons? Too many path lookups."
func TestPathLookups(t *testing.T) {
	files := []File{{Path: "home/tyler/notes", Blocks: []string{"n0", "n1"}}}
	for _, tc := range []struct {
		api  API
		want uint64
	}{
		{FileHandles, 3}, // three LOOKUPs at open, none for the reads
		{Paths, 9},       // open, then two READs, 3 names each
	} {
		t.Run(tc.api.String(), func(t *testing.T) {
			c := newCluster(t, ServerOptions{API: tc.api, Files: files}, ClientOptions{API: tc.api, AttrTimeout: DefaultAttrTimeout}, "A")
			c.do(0, "A", Op{Kind: OpOpen, Path: "/home/tyler/notes", FD: "f"})
			c.do(1, "A", Op{Kind: OpRead, FD: "f", Block: 0})
			c.do(2, "A", Op{Kind: OpRead, FD: "f", Block: 1})
			c.run()
			if got := c.srv().Lookups(); got != tc.want {
				t.Errorf("Lookups() = %d; want %d", got, tc.want)
			}
			if v := c.result(2, "A").res.Value; v != "n1" {
				t.Errorf("read = %q; want n1", v)
			}
		})
	}
}
