package nfs

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
)

// isReply reports whether a datagram from -> to carries an RPC reply.
func isReply(from, to sim.NodeID, msg []byte) bool {
	_, payload, err := udp.Unmarshal(udp.NodeAddr(from), udp.NodeAddr(to), msg)
	if err != nil {
		return false
	}
	m, err := rpc.Decode(payload)
	return err == nil && m.Kind == rpc.KindReply
}

// TestRetransmission checks the client's timeouts: the first after
// Timeout, then doubling; a soft mount gives up with ETIMEDOUT after Retrans
// retransmissions, a hard one goes on until the server answers.
//
// Reference: Linux nfs(5), "timeo" (1.1 s for UDP, doubling up to 60 s) and
// "retrans"; RFC 1094 §3.6 (soft and hard mounts).
func TestRetransmission(t *testing.T) {
	for _, tc := range []struct {
		name     string
		soft     bool
		restart  float64 // when the crashed server comes back (0: never)
		attempts []float64
		result   string
	}{
		{"soft", true, 0, []float64{1, 2.1, 4.3, 8.7}, "ETIMEDOUT"},
		{"hard", false, 20, []float64{1, 2.1, 4.3, 8.7, 17.5, 35.1}, "ok"},
		{"hard, the timeout capped at 60 s", false, 200, []float64{1, 2.1, 4.3, 8.7, 17.5, 35.1, 70.3, 130.3, 190.3, 250.3}, "ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := []File{{Path: "f", Blocks: []string{"b0"}}}
			c := newCluster(t, ServerOptions{Files: files}, ClientOptions{Soft: tc.soft, Retrans: 3}, "A")
			c.do(0, "A", Op{Kind: OpOpen, Path: "f", FD: "f"})
			c.w.At(secs(0.5), func() { c.w.Crash(c.server) })
			if tc.restart > 0 {
				c.w.At(secs(tc.restart), func() { c.w.Restart(c.server) })
			}
			c.do(1, "A", Op{Kind: OpRead, FD: "f", Block: 0})
			c.run()
			res := c.result(1, "A")
			if got := ErrorName(res.res.Err); got != tc.result {
				t.Errorf("read = %s; want %s", got, tc.result)
			}
			var read *callRec
			for _, cr := range c.rec.calls {
				if cr.proc == ProcRead {
					read = cr
				}
			}
			var got []float64
			for _, a := range read.attempts {
				got = append(got, a.Seconds())
			}
			if diff := cmp.Diff(tc.attempts, got); diff != "" {
				t.Errorf("READ sent at (-want +got):\n%s", diff)
			}
			if tc.soft && res.done != secs(1+1.1+2.2+4.4+8.8) {
				t.Errorf("soft read failed at %v; want after 1.1+2.2+4.4+8.8 s", res.done)
			}
		})
	}
}

// TestMountTable mounts two servers, one on / and one on /backups, and
// checks that paths resolve through the mount table, longest match first.
//
// Lecture: "/dev/sda1 on /, /dev/sdb1 on /backups, AFS on /home/tyler".
func TestMountTable(t *testing.T) {
	w := sim.New(sim.Config{Seed: 1, Network: &testNet{delay: 5 * ms}, DiskWriteLatency: 10 * ms})
	server := func(name string, opts ServerOptions) sim.NodeID {
		return w.AddNode(name, serverNode(t, opts, nil))
	}
	server("server", ServerOptions{Files: []File{{Path: "backups/shadow", Blocks: []string{"hidden"}}}})
	vault := server("vault", ServerOptions{Exports: []string{"/export"},
		Files: []File{{Path: "export/tape", Blocks: []string{"t0"}}, {Path: "secret", Blocks: []string{"s0"}}}})
	mounts := []Mount{{Server: "server", Export: "/", At: "/"}, {Server: "vault", Export: "/export", At: "/backups"}}
	a := w.AddNode("A", clientNode(ClientOptions{Mounts: mounts, AttrTimeout: DefaultAttrTimeout}, nil))
	b := w.AddNode("B", clientNode(ClientOptions{Mounts: []Mount{{Server: "vault", Export: "/"}}}, nil))
	results := map[sim.NodeID][]string{}
	do := func(node sim.NodeID, ops ...Op) {
		cl := clientOf(w, node)
		for _, op := range ops {
			cl.Do(op, func(r Result) {
				s := ErrorName(r.Err)
				if r.HasValue {
					s += " " + r.Value + " from " + w.Name(r.Server)
				}
				results[node] = append(results[node], s)
			})
		}
	}
	do(a, Op{Kind: OpOpen, Path: "/backups/tape", FD: "t"}, Op{Kind: OpRead, FD: "t"},
		Op{Kind: OpOpen, Path: "/backups/shadow", FD: "s"}, Op{Kind: OpOpen, Path: "/secret", FD: "x"})
	do(b, Op{Kind: OpOpen, Path: "/secret", FD: "x"})
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	want := map[sim.NodeID][]string{
		a: {
			"ok",
			"ok t0 from vault",
			"ENOENT", // the mount on /backups hides the server's own /backups
			"ENOENT", // /secret is the server's, which has none
		},
		b: {"EACCES"}, // vault exports /export only
	}
	if diff := cmp.Diff(want, results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if w.Name(vault) != "vault" {
		t.Errorf("node %d is %s", vault, w.Name(vault))
	}
}

// TestCacheFull checks that a client with a small cache writes a dirty
// block back when it needs the room, and drops clean blocks first.
//
// Lecture: "NFS solution is to flush blocks on close(), other times too,
// e.g., when low on memory".
func TestCacheFull(t *testing.T) {
	files := []File{{Path: "f", Blocks: []string{"b0", "b1", "b2"}}}
	c := newCluster(t, ServerOptions{Files: files}, ClientOptions{CacheBlocks: 2, AttrTimeout: DefaultAttrTimeout}, "A")
	c.do(0, "A", Op{Kind: OpOpen, Path: "f", FD: "f"})
	c.do(1, "A", Op{Kind: OpRead, FD: "f", Block: 0})             // cache: 0
	c.do(2, "A", Op{Kind: OpWrite, FD: "f", Block: 1, Data: "x"}) // cache: 0, 1*
	c.do(3, "A", Op{Kind: OpWrite, FD: "f", Block: 2, Data: "y"}) // drops clean 0: 1*, 2*
	c.do(4, "A", Op{Kind: OpRead, FD: "f", Block: 0})             // writes back 1: 2*, 0
	c.do(5, "A", Op{Kind: OpClose, FD: "f"})                      // writes 2
	c.run()
	for _, tc := range []struct {
		at    float64
		calls string
		note  string
	}{
		{3, "", "buffered locally"},
		{4, "READ,WRITE", "not cached: READ; cache full: write back block 1 of f"},
		{5, "WRITE", "flush 1 dirty block in 20ms"},
	} {
		if got := joined(c.rec.procsBetween(secs(tc.at), secs(tc.at+1))); got != tc.calls {
			t.Errorf("%vs: calls %s; want %s", tc.at, got, tc.calls)
		}
		if got := c.result(tc.at, "A").res.Note; got != tc.note {
			t.Errorf("%vs: note %q; want %q", tc.at, got, tc.note)
		}
	}
	disk, _ := ReadDisk(c.w.Disk(c.server))
	if got := joined(disk["f"]); got != "b0,x,y" {
		t.Errorf("disk = %s; want b0,x,y", got)
	}
}

// TestClientCrash checks design rule 4 for the client: a crash loses its
// fds, caches and unflushed writes; the restarted client mounts again.
func TestClientCrash(t *testing.T) {
	files := []File{{Path: "f", Blocks: []string{"b0"}}}
	c := newCluster(t, ServerOptions{Files: files}, ClientOptions{AttrTimeout: DefaultAttrTimeout}, "A")
	id := c.clients["A"]
	c.do(0, "A", Op{Kind: OpOpen, Path: "f", FD: "f"})
	c.do(1, "A", Op{Kind: OpRead, FD: "f", Block: 0})
	c.do(2, "A", Op{Kind: OpWrite, FD: "f", Block: 0, Data: "lost"})
	var dirty []DirtyBlock
	c.w.At(secs(3), func() {
		dirty = c.client("A").Dirty()
		c.w.Crash(id)
		c.w.Restart(id)
	})
	c.do(4, "A", Op{Kind: OpRead, FD: "f", Block: 0})
	c.do(5, "A", Op{Kind: OpOpen, Path: "f", FD: "f"})
	c.do(6, "A", Op{Kind: OpRead, FD: "f", Block: 0})
	c.run()
	if diff := cmp.Diff([]DirtyBlock{{Path: "f", Block: 0, Data: "lost", Server: 0, Fileid: 2, HasFile: true}}, dirty); diff != "" {
		t.Errorf("Dirty() before the crash (-want +got):\n%s", diff)
	}
	if got := ErrorName(c.result(4, "A").res.Err); got != "EBADF" {
		t.Errorf("read on an fd from before the crash: %s; want EBADF", got)
	}
	if r := c.result(6, "A").res; r.Value != "b0" || r.Cached {
		t.Errorf("read after reopening = %q (cached %v); want b0 from the server", r.Value, r.Cached)
	}
	mnts := 0
	for _, cr := range c.rec.calls {
		if cr.proc == ProcMnt && cr.from == id {
			mnts++
		}
	}
	if mnts != 2 {
		t.Errorf("A sent %d MNTs; want 2 (boot and restart)", mnts)
	}
	if got := c.client("A").Dirty(); len(got) != 0 {
		t.Errorf("Dirty() after the restart = %v; want none", got)
	}
}

// TestAppend checks both ways to append: the APPEND procedure, which a
// retransmission runs twice, and a WRITE at the end of the file found from
// the attributes, which a retransmission leaves unchanged.
//
// Lecture: "If RPC library retries, what happens when append() is
// retried?"
func TestAppend(t *testing.T) {
	for _, tc := range []struct {
		name   string
		proc   bool
		drc    bool
		calls  string
		want   string
		append float64 // when the append's calls go out
	}{
		{"APPEND", true, false, "APPEND", "b0,t,t", 10},
		{"APPEND with DRC", true, true, "APPEND", "b0,t", 10},
		{"WRITE at the end", false, false, "GETATTR", "b0,t", 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := []File{{Path: "f", Blocks: []string{"b0"}}}
			c := newCluster(t, ServerOptions{Files: files, Append: tc.proc, DRC: tc.drc},
				ClientOptions{Append: tc.proc, DRC: tc.drc, AttrTimeout: DefaultAttrTimeout}, "A")
			// Lose the first reply from the server to A after 10s.
			lost := false
			c.net.drop = func(now sim.Time, from, to sim.NodeID, msg []byte) bool {
				if isReply(from, to, msg) && now > secs(10) && !lost {
					lost = true
					return true
				}
				return false
			}
			c.do(0, "A", Op{Kind: OpOpen, Path: "f", FD: "f"})
			c.do(tc.append, "A", Op{Kind: OpAppend, FD: "f", Data: "t"})
			c.do(20, "A", Op{Kind: OpClose, FD: "f"})
			c.run()
			if got := joined(c.rec.procsBetween(secs(tc.append), secs(tc.append+1))); got != tc.calls {
				t.Errorf("append calls %s; want %s", got, tc.calls)
			}
			disk, _ := ReadDisk(c.w.Disk(c.server))
			if got := joined(disk["f"]); got != tc.want {
				t.Errorf("disk = %s; want %s", got, tc.want)
			}
		})
	}
}

// TestAPIStrategies runs the lecture's delete-and-reuse sequence under each
// naming strategy, and a server crash under strategy 1.
//
// Lecture: strategies 1 to 4.
func TestAPIStrategies(t *testing.T) {
	for _, tc := range []struct {
		api          API
		result       string
		value        string
		afterReboot  string
		rebootCalls  string
		openProcName string
	}{
		{FileHandles, "ESTALE", "", "ok", "READ", ProcLookup},
		{Inodes, "ok", "secret", "ok", "READ", ProcLookup},
		{Paths, "ENOENT", "", "ok", "READ", ProcLookup},
		{StatefulFDs, "ESTALE", "", "EBADF", "READ", ProcOpen},
	} {
		t.Run(tc.api.String(), func(t *testing.T) {
			files := []File{{Path: "old", Blocks: []string{"o0"}}, {Path: "keep", Blocks: []string{"k0", "k1"}}}
			c := newCluster(t, ServerOptions{API: tc.api, Files: files}, ClientOptions{API: tc.api, AttrTimeout: DefaultAttrTimeout}, "A", "B")
			c.do(0, "A", Op{Kind: OpOpen, Path: "old", FD: "f"})
			c.do(1, "A", Op{Kind: OpRead, FD: "f", Block: 0})
			c.do(2, "A", Op{Kind: OpOpen, Path: "keep", FD: "k"})
			c.do(3, "A", Op{Kind: OpRead, FD: "k", Block: 0})
			c.do(10, "B", Op{Kind: OpRemove, Path: "old"})
			c.do(11, "B", Op{Kind: OpCreate, Path: "new", FD: "g"})
			c.do(12, "B", Op{Kind: OpWrite, FD: "g", Block: 0, Data: "secret"})
			c.do(13, "B", Op{Kind: OpClose, FD: "g"})
			c.do(20, "A", Op{Kind: OpRead, FD: "f", Block: 0})
			c.w.At(secs(30), func() { c.w.Crash(c.server) })
			c.w.At(secs(31), func() { c.w.Restart(c.server) })
			c.do(40, "A", Op{Kind: OpRead, FD: "k", Block: 1})
			c.run()
			if got := joined(c.rec.procsBetween(0, secs(1))); got != tc.openProcName {
				t.Errorf("open sent %s; want %s", got, tc.openProcName)
			}
			r := c.result(20, "A").res
			if got := ErrorName(r.Err); got != tc.result || r.Value != tc.value {
				t.Errorf("read of the deleted file = %q, %s; want %q, %s", r.Value, got, tc.value, tc.result)
			}
			r = c.result(40, "A").res
			if got := ErrorName(r.Err); got != tc.afterReboot {
				t.Errorf("read after the server's reboot = %s; want %s", got, tc.afterReboot)
			}
			if got := joined(c.rec.procsBetween(secs(40), secs(41))); got != tc.rebootCalls {
				t.Errorf("read after the reboot sent %s; want %s", got, tc.rebootCalls)
			}
		})
	}
}

// TestAttrTimeoutZero checks that attribute caching off means a GETATTR
// before every use of a cached block.
func TestAttrTimeoutZero(t *testing.T) {
	files := []File{{Path: "f", Blocks: []string{"b0"}}}
	c := newCluster(t, ServerOptions{Files: files}, ClientOptions{AttrTimeout: 0}, "A")
	c.do(0, "A", Op{Kind: OpOpen, Path: "f", FD: "f"})
	c.do(1, "A", Op{Kind: OpRead, FD: "f"})
	c.do(1.5, "A", Op{Kind: OpRead, FD: "f"})
	c.run()
	if got := joined(c.rec.procsBetween(secs(1.5), secs(2))); got != ProcGetattr {
		t.Errorf("second read sent %q; want GETATTR", got)
	}
	if r := c.result(1.5, "A").res; !r.Revalidated || r.Value != "b0" {
		t.Errorf("second read = %+v; want b0, revalidated", r)
	}
}

// TestOpsQueue checks that a client runs one operation at a time: one issued
// while the previous waits for the server starts when it returns.
func TestOpsQueue(t *testing.T) {
	files := []File{{Path: "f", Blocks: []string{"b0", "b1"}}}
	c := newCluster(t, ServerOptions{Files: files}, ClientOptions{}, "A")
	c.do(0, "A", Op{Kind: OpOpen, Path: "f", FD: "f"})
	c.do(0, "A", Op{Kind: OpRead, FD: "f", Block: 0})
	c.do(0, "A", Op{Kind: OpRead, FD: "f", Block: 1})
	c.run()
	r := c.results
	if len(r) != 3 || r[2].res.Value != "b1" || r[2].res.Started != r[1].done || r[1].res.Started != r[0].done {
		t.Fatalf("results %+v: want three operations, each started when the one before returned", r)
	}
	if r[2].done != secs(0.060) {
		t.Errorf("last read returned at %v; want 60ms (GETPORT, GETPORT, MNT, LOOKUP, READ, READ)", r[2].done)
	}
}

// TestNamespaceOps runs the operations the lecture asks about ("What about
// mkdir and creat?") and the rest of the namespace through the client,
// under every naming strategy: each makes the RPCs RFC 1094 has for it,
// after walking the path with LOOKUPs when files are named by handle.
//
// Reference: RFC 1094 §2.2.11 (RENAME), §2.2.12 (LINK), §2.2.13 (SYMLINK),
// §2.2.5 (READLINK), §2.2.17 (READDIR), §2.2.3 (SETATTR's size), §2.2.18
// (STATFS).
func TestNamespaceOps(t *testing.T) {
	type row struct {
		op    Op
		calls string // with handles; by path, every call but the LOOKUPs
		value string
		err   string
	}
	rows := []row{
		{Op{Kind: OpMkdir, Path: "e"}, "MKDIR", "", "ok"},
		{Op{Kind: OpRename, Path: "a", To: "e/b"}, "LOOKUP,RENAME", "", "ok"},
		{Op{Kind: OpRename, Path: "a", To: "e/b"}, "LOOKUP,RENAME", "", "ENOENT"},
		{Op{Kind: OpReaddir, Path: "e"}, "LOOKUP,READDIR", "b", "ok"},
		{Op{Kind: OpLink, Path: "e/b", To: "c"}, "LOOKUP,LOOKUP,LINK", "", "ok"},
		{Op{Kind: OpSymlink, Path: "e/b", To: "s"}, "SYMLINK", "", "ok"},
		{Op{Kind: OpReadlink, Path: "s"}, "LOOKUP,READLINK", "e/b", "ok"},
		{Op{Kind: OpTruncate, Path: "c", Size: 0}, "LOOKUP,SETATTR", "", "ok"},
		{Op{Kind: OpStatfs}, "STATFS", "", "ok"},
		{Op{Kind: OpRmdir, Path: "e"}, "RMDIR", "", "ENOTEMPTY"},
		{Op{Kind: OpRemove, Path: "e/b"}, "LOOKUP,REMOVE", "", "ok"},
		{Op{Kind: OpRmdir, Path: "e"}, "RMDIR", "", "ok"},
		{Op{Kind: OpReaddir, Path: "/"}, "READDIR", "c d s", "ok"},
	}
	for _, api := range []API{FileHandles, Inodes, Paths, StatefulFDs} {
		t.Run(api.String(), func(t *testing.T) {
			files := []File{{Path: "a", Blocks: []string{"a0", "a1"}}, {Path: "d/x", Blocks: []string{"x0"}}}
			c := newCluster(t, ServerOptions{API: api, Files: files}, ClientOptions{API: api}, "A")
			for i, r := range rows {
				// Symlink's arguments are the other way round from
				// link's: the link named To holds Path.
				if r.op.Kind == OpSymlink {
					r.op.Path, r.op.To = r.op.To, r.op.Path
				}
				c.do(float64(i+1), "A", r.op)
			}
			c.run()
			for i, r := range rows {
				res := c.result(float64(i+1), "A")
				want := r.calls
				if api == Paths || api == StatefulFDs {
					want = strings.TrimPrefix(strings.ReplaceAll(want, "LOOKUP,", ""), "LOOKUP")
				}
				got := joined(c.rec.procsBetween(secs(float64(i+1)), secs(float64(i+2))))
				if got != want || ErrorName(res.res.Err) != r.err || res.res.Value != r.value {
					t.Errorf("%s %s %s: calls %s, %s, value %q; want %s, %s, %q (%s)", r.op.Kind, r.op.Path, r.op.To,
						got, ErrorName(res.res.Err), res.res.Value, want, r.err, r.value, res.res.Note)
				}
			}
			disk, err := ReadDisk(c.w.Disk(c.server))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(map[string][]string{"c": {}, "d/x": {"x0"}}, disk); diff != "" {
				t.Errorf("disk (-want +got):\n%s", diff)
			}
		})
	}
}
