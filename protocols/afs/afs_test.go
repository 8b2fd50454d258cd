package afs

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/rpc/xdr"
)

func twoClients() clusterSpec {
	return clusterSpec{files: map[string][]string{"fileA": {"a0", "a1", "a2"}}, clients: []string{"A", "B"}}
}

// Lecture: "Upon open, AFS client fetches whole file ... reads/writes are
// local ... Upon close, client flushes file to server (if file was
// written)".
func TestWholeFileCaching(t *testing.T) {
	c := newCluster(t, twoClients())
	c.runUntil(1)
	tests := []struct {
		name  string
		op    func() (Result, []string)
		calls []string
		value string
	}{
		{"open fetches the whole file", func() (Result, []string) { return c.open("A", "f", "fileA") }, []string{ProcFetch}, ""},
		{"read is local", func() (Result, []string) {
			return c.do(func(d func(Result)) { c.client("A").Read("f", 2, d) })
		}, []string{}, "a2"},
		{"write is local", func() (Result, []string) {
			return c.do(func(d func(Result)) { c.client("A").Write("f", 1, "x", d) })
		}, []string{}, ""},
		{"read sees the own write", func() (Result, []string) {
			return c.do(func(d func(Result)) { c.client("A").Read("f", 1, d) })
		}, []string{}, "x"},
		{"close stores the whole file", func() (Result, []string) { return c.close("A", "f") }, []string{ProcStore}, ""},
		{"reopen under the callback is local", func() (Result, []string) { return c.open("A", "f", "fileA") }, []string{}, ""},
		{"close of an unwritten file sends nothing", func() (Result, []string) { return c.close("A", "f") }, []string{}, ""},
	}
	for _, tt := range tests {
		res, calls := tt.op()
		if res.Err != nil {
			t.Fatalf("%s: %v", tt.name, res.Err)
		}
		if diff := cmp.Diff(tt.calls, calls); diff != "" {
			t.Errorf("%s: calls (-want +got):\n%s", tt.name, diff)
		}
		if tt.value != "" && (res.Value == nil || *res.Value != tt.value) {
			t.Errorf("%s: value = %v; want %s", tt.name, res.Value, tt.value)
		}
	}
	if got, _ := c.serverData("fileA"); !eq(got, []string{"a0", "x", "a2"}) {
		t.Errorf("server has %v; want [a0 x a2]", got)
	}
}

// Lecture: "AFS solution: Tell clients when data is overwritten", and
// "Use same version of file entire time between open and close".
func TestStoreBreaksCallbacksAndSessionSemantics(t *testing.T) {
	c := newCluster(t, twoClients())
	c.runUntil(1)
	c.open("A", "f", "fileA")
	c.open("B", "g", "fileA")
	c.write("B", "g", 0, "b0")
	_, calls := c.close("B", "g")
	if diff := cmp.Diff([]string{ProcStore, ProcBreakCallback}, calls); diff != "" {
		t.Errorf("B's close (-want +got):\n%s", diff)
	}
	if got := c.read("A", "f", 0); got != "a0" {
		t.Errorf("A's open file reads %s after B's store; want a0 (the version A opened)", got)
	}
	if _, _, cb, _ := c.client("A").Cached("fileA"); cb {
		t.Error("A still has a callback after the break")
	}
	c.close("A", "f")
	r, calls := c.open("A", "f", "fileA")
	if diff := cmp.Diff([]string{ProcFetch}, calls); diff != "" {
		t.Errorf("A's reopen (-want +got):\n%s", diff)
	}
	if r.Source != SourceFetched || c.read("A", "f", 0) != "b0" {
		t.Errorf("A's reopen: source %d, block 0 = %s; want a fetch of b0", r.Source, c.read("A", "f", 0))
	}
	// The writer keeps its callback: the server kept its promise.
	if _, calls := c.open("B", "g", "fileA"); len(calls) != 0 {
		t.Errorf("B's reopen made calls %v; want none", calls)
	}
}

// Lecture: "Last writer (i.e., last file closer) wins; never get mixed
// data on server".
func TestLastCloserWins(t *testing.T) {
	c := newCluster(t, twoClients())
	c.runUntil(1)
	c.open("A", "f", "fileA")
	c.open("B", "f", "fileA")
	c.write("A", "f", 0, "A0")
	c.write("B", "f", 1, "B1")
	c.close("B", "f")
	c.close("A", "f")
	if got, _ := c.serverData("fileA"); !eq(got, []string{"A0", "a1", "a2"}) {
		t.Errorf("server has %v; want A's whole version [A0 a1 a2]", got)
	}
}

// Lecture, "Client Crash": "Option 1: evict everything from cache; Option
// 2: recheck entries before using".
func TestClientCrashPolicies(t *testing.T) {
	tests := []struct {
		policy CrashPolicy
		calls  []string
	}{
		{Recheck, []string{ProcFetchStatus}},
		{EvictAll, []string{ProcFetch}},
	}
	for _, tt := range tests {
		spec := twoClients()
		spec.onCrash = tt.policy
		c := newCluster(t, spec)
		c.runUntil(1)
		c.open("A", "f", "fileA")
		c.close("A", "f")
		c.settle(time.Second) // the cache write is durable
		c.crash("A")
		c.restart("A")
		r, calls := c.open("A", "f", "fileA")
		if diff := cmp.Diff(tt.calls, calls); diff != "" {
			t.Errorf("policy %d: open after the crash (-want +got):\n%s", tt.policy, diff)
		}
		if r.Source == SourceLocal {
			t.Errorf("policy %d: the restarted client used its copy without asking", tt.policy)
		}
		if _, calls := c.open("A", "g", "fileA"); len(calls) != 0 {
			t.Errorf("policy %d: second open made calls %v; want none (callback again)", tt.policy, calls)
		}
	}
}

// A crash drops every bit of volatile state (design rule 4): the client's
// open files and callbacks, the server's promises and pending breaks.
func TestCrashDropsVolatileState(t *testing.T) {
	c := newCluster(t, twoClients())
	c.runUntil(1)
	c.open("A", "f", "fileA")
	c.open("B", "g", "fileA")
	c.write("B", "g", 0, "b0")
	c.settle(time.Second)
	c.crash("A")
	c.client("B").Close("g", nil) // the break to A is pending
	c.settle(5 * time.Second)
	if c.server("server").Promises() == 0 || c.server("server").PendingBreaks() == 0 {
		t.Fatalf("setup: promises %d, pending %d", c.server("server").Promises(), c.server("server").PendingBreaks())
	}
	c.crash("server")
	c.restart("server")
	c.restart("A")
	s := c.server("server")
	if s.Promises() != 0 || s.Epoch() != 1 {
		t.Errorf("restarted server: %d promises, epoch %d; want 0 and 1", s.Promises(), s.Epoch())
	}
	a := c.client("A")
	if fds := a.OpenFiles(); len(fds) != 0 {
		t.Errorf("restarted client has open files %v", fds)
	}
	if v, _, cb, ok := a.Cached("fileA"); !ok || cb || v != 1 {
		t.Errorf("restarted client's cache: version %d, callback %t, present %t; want version 1 from the disk, no callback", v, cb, ok)
	}
	r, _ := c.do(func(d func(Result)) { a.Read("f", 0, d) })
	if !errors.Is(r.Err, ErrBadF) {
		t.Errorf("read on a pre-crash fd = %v; want EBADF", r.Err)
	}
}

// Lecture, "Low Server Memory": "tell clients you are dropping their
// callback ... Mark entry for recheck".
func TestLowMemory(t *testing.T) {
	c := newCluster(t, twoClients())
	c.runUntil(1)
	c.open("A", "f", "fileA")
	c.close("A", "f")
	before := len(c.calls)
	if n := c.server("server").LowMemory(); n != 1 {
		t.Errorf("LowMemory dropped %d promises; want 1", n)
	}
	c.settle(time.Second)
	if diff := cmp.Diff([]string{ProcBreakCallback}, c.procs(before)); diff != "" {
		t.Errorf("low memory (-want +got):\n%s", diff)
	}
	if v, _, cb, ok := c.client("A").Cached("fileA"); !ok || cb || v != 1 {
		t.Errorf("A's copy: version %d, callback %t, present %t; want kept for recheck", v, cb, ok)
	}
	r, calls := c.open("A", "f", "fileA")
	if diff := cmp.Diff([]string{ProcFetchStatus}, calls); diff != "" || r.Source != SourceRechecked {
		t.Errorf("open after low memory: source %d, calls (-want +got):\n%s", r.Source, diff)
	}
}

// OpenAFS: the callback table has a strict size limit; when full, "space
// will be reclaimed by breaking callbacks of old hosts".
func TestCallbackLimit(t *testing.T) {
	spec := twoClients()
	spec.clients = []string{"A", "B", "C"}
	spec.limit = 2
	c := newCluster(t, spec)
	c.runUntil(1)
	c.open("A", "f", "fileA")
	c.open("B", "f", "fileA")
	_, calls := c.open("C", "f", "fileA")
	if diff := cmp.Diff([]string{ProcFetch, ProcBreakCallback}, calls); diff != "" {
		t.Errorf("third holder (-want +got):\n%s", diff)
	}
	c.settle(time.Second)
	if n := c.server("server").Promises(); n != 2 {
		t.Errorf("server keeps %d promises; want the limit, 2", n)
	}
	if _, _, cb, _ := c.client("A").Cached("fileA"); cb {
		t.Error("the oldest holder, A, still has its callback")
	}
}

// Lecture, "Server Crashes": "tell all clients to recheck all data before
// next read".
func TestServerCrashTellsClients(t *testing.T) {
	c := newCluster(t, twoClients())
	c.runUntil(1)
	c.open("A", "f", "fileA")
	c.close("A", "f")
	// The server knows A durably, by a key of its own: adding the n-th
	// host writes one name, not the list of n.
	if _, ok := c.w.Env(c.id("server")).Disk().Get(keyFSHost + "A"); !ok {
		t.Fatalf("the server's disk has no %s", keyFSHost+"A")
	}
	before := len(c.calls)
	c.crash("server")
	c.restart("server")
	c.settle(time.Second)
	if diff := cmp.Diff([]string{ProcBreakCallback}, c.procs(before)); diff != "" {
		t.Errorf("after the restart (-want +got):\n%s", diff)
	}
	r, calls := c.open("A", "f", "fileA")
	if diff := cmp.Diff([]string{ProcFetchStatus}, calls); diff != "" || r.Source != SourceRechecked {
		t.Errorf("open after the server's crash: source %d, calls (-want +got):\n%s", r.Source, diff)
	}
}

// A client that misses the restarted server's message still notices the
// new epoch in the next reply it gets, and stops trusting the old
// callbacks.
func TestEpochInvalidatesOldCallbacks(t *testing.T) {
	spec := twoClients()
	spec.files["fileB"] = []string{"b0"}
	c := newCluster(t, spec)
	c.runUntil(1)
	c.open("A", "f", "fileA")
	c.close("A", "f")
	a := c.client("A")
	if _, _, cb, _ := a.Cached("fileA"); !cb {
		t.Fatal("setup: no callback")
	}
	a.noteEpoch(c.id("server"), 1) // as if a reply from the new life arrived
	if _, _, cb, _ := a.Cached("fileA"); cb {
		t.Error("a callback of epoch 0 is still trusted after epoch 1 was seen")
	}
}

// A break that crosses a FETCH reply must not leave the client with a
// callback the server has already broken (the race the lecture calls
// "handling ... without inconsistencies or race conditions is very
// difficult").
func TestBreakCrossingReply(t *testing.T) {
	tests := []struct {
		name     string
		brk      breakNote
		st       FileStatus
		callback bool
		stale    bool
	}{
		{"break decided before the reply", breakNote{seq: 2, gen: 3, version: 1}, FileStatus{Version: 1, Lifetime: 1, Gen: 5}, true, false},
		{"break decided after the reply", breakNote{seq: 2, gen: 6, version: 1}, FileStatus{Version: 1, Lifetime: 1, Gen: 5}, false, false},
		{"newer version already stored", breakNote{seq: 2, gen: 6, version: 2}, FileStatus{Version: 1, Lifetime: 1, Gen: 5}, false, true},
		{"file removed", breakNote{seq: 2, gen: 6, version: 1, removed: true}, FileStatus{Version: 1, Lifetime: 1, Gen: 5}, false, true},
		{"break from an older epoch", breakNote{seq: 2, epoch: 0, gen: 9, version: 1}, FileStatus{Version: 1, Lifetime: 1, Epoch: 1, Gen: 1}, true, false},
		{"break that arrived before the call", breakNote{seq: 1, gen: 9, version: 2}, FileStatus{Version: 1, Lifetime: 1, Gen: 5}, true, false},
	}
	for _, tt := range tests {
		c := newCluster(t, twoClients())
		a := c.client("A")
		server := c.id("server")
		tt.brk.server = server
		a.breaks["fileA"] = []breakNote{tt.brk}
		ctx := callCtx{server: server, sentSeq: 1}
		if got := a.acceptCallback("fileA", ctx, tt.st); got != tt.callback {
			t.Errorf("%s: callback = %t; want %t", tt.name, got, tt.callback)
		}
		if got := a.staleReply("fileA", ctx, tt.st.Version); got != tt.stale {
			t.Errorf("%s: stale = %t; want %t", tt.name, got, tt.stale)
		}
	}
}

// Callbacks expire (OpenAFS: each callback carries an expiration time); an
// open after that rechecks.
func TestCallbackExpires(t *testing.T) {
	spec := twoClients()
	spec.lifetime = 30 * time.Second
	c := newCluster(t, spec)
	c.runUntil(1)
	c.open("A", "f", "fileA")
	c.close("A", "f")
	c.settle(31 * time.Second)
	if _, calls := c.open("A", "f", "fileA"); !cmp.Equal(calls, []string{ProcFetchStatus}) {
		t.Errorf("open after expiry made calls %v; want [FETCHSTATUS]", calls)
	}
}

// An undeliverable break must not block the server; the store's reply
// waits until the partitioned holder is told, and the client does not get
// its reply before the break.
func TestPartitionedHolder(t *testing.T) {
	spec := twoClients()
	spec.clients = []string{"A", "B", "C"}
	c := newCluster(t, spec)
	c.runUntil(1)
	c.open("A", "f", "fileA")
	c.close("A", "f")
	c.open("B", "g", "fileA")
	c.write("B", "g", 0, "b0")
	c.net.Partition([][]string{{"A"}, {"server", "B"}})
	var closed *Result
	c.client("B").Close("g", func(r Result) { closed = &r })
	c.settle(8 * time.Second)
	if closed != nil {
		t.Fatalf("B's close returned at %s while A, cut off, still holds its callback", c.w.Now())
	}
	// The server is not blocked: C can fetch, and gets B's version.
	if r, calls := c.open("C", "h", "fileA"); !cmp.Equal(calls, []string{ProcFetch}) || r.Version != 2 {
		t.Errorf("C's open while B's close waits: version %d, calls %v; want version 2 from a FETCH", r.Version, calls)
	}
	c.net.Heal()
	c.settle(15 * time.Second)
	if closed == nil || closed.Err != nil {
		t.Fatalf("B's close after the heal: %+v", closed)
	}
	if _, _, cb, _ := c.client("A").Cached("fileA"); cb {
		t.Error("A kept its callback after the delayed break")
	}
}

// A break that cannot be delivered ends when the holder's promise expires.
func TestDelayedBreakExpires(t *testing.T) {
	spec := twoClients()
	spec.lifetime = 20 * time.Second
	c := newCluster(t, spec)
	c.runUntil(1)
	c.open("A", "f", "fileA")
	c.close("A", "f")
	c.open("B", "g", "fileA")
	c.write("B", "g", 0, "b0")
	c.crash("A")
	start := c.w.Now()
	r, _ := c.close("B", "g")
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if waited := c.w.Now().Sub(start); waited < 15*time.Second || waited > 35*time.Second {
		t.Errorf("B's close took %s; want about the rest of A's 20s callback", waited)
	}
}

// "Volumes may be moved by an administrator": clients asking the old
// server are redirected through the volume location database.
func TestVolumeMove(t *testing.T) {
	spec := clusterSpec{
		volumes:      map[string]string{"/": "server", "/home": "s2"},
		files:        map[string][]string{"home/x": {"x0"}},
		clients:      []string{"A", "B"},
		extraServers: []string{"s3"},
	}
	c := newCluster(t, spec)
	c.runUntil(1)
	c.open("A", "f", "home/x")
	c.close("A", "f")
	dump, err := c.server("s2").ReleaseVolume("/home", "s3")
	if err != nil {
		t.Fatal(err)
	}
	c.server("s3").AttachVolume(dump)
	c.node("server").VLDB.SetLocation("/home", "s3")
	if _, calls := c.open("A", "f", "home/x"); len(calls) != 0 {
		t.Errorf("A's open under a moved promise made calls %v", calls)
	}
	_, calls := c.open("B", "g", "home/x")
	if diff := cmp.Diff([]string{ProcFetch, ProcGetVolumeLocation, ProcFetch}, calls); diff != "" {
		t.Errorf("B's open after the move (-want +got):\n%s", diff)
	}
	c.write("B", "g", 0, "B0")
	if _, calls := c.close("B", "g"); !cmp.Equal(calls, []string{ProcStore, ProcBreakCallback}) {
		t.Errorf("B's close: %v; want the new server to break A's moved callback", calls)
	}
	if got, _ := c.serverData("home/x"); !eq(got, []string{"B0"}) {
		t.Errorf("home/x = %v", got)
	}
	if _, ok := ServerFiles(c.w.Disk(c.id("s2")))["home/x"]; ok {
		t.Error("the old server still stores the moved file")
	}
}

// Create, remove, mkdir and stat.
func TestNamespaceOps(t *testing.T) {
	c := newCluster(t, twoClients())
	c.runUntil(1)
	tests := []struct {
		name  string
		op    func(d func(Result))
		err   error
		calls []string
	}{
		{"create", func(d func(Result)) { c.client("A").Create("new", "n", d) }, nil, []string{ProcCreate}},
		{"create again", func(d func(Result)) { c.client("B").Create("new", "", d) }, ErrExist, []string{ProcCreate}},
		{"write the new file", func(d func(Result)) { c.client("A").Write("n", 0, "n0", d) }, nil, []string{}},
		{"close it", func(d func(Result)) { c.client("A").Close("n", d) }, nil, []string{ProcStore}},
		{"stat from the cache", func(d func(Result)) { c.client("A").Stat("new", d) }, nil, []string{}},
		{"stat on another client", func(d func(Result)) { c.client("B").Stat("new", d) }, nil, []string{ProcFetchStatus}},
		{"mkdir", func(d func(Result)) { c.client("B").MakeDir("dir", d) }, nil, []string{ProcMakeDir}},
		{"open a directory", func(d func(Result)) { c.client("B").Open("d", "dir", d) }, ErrIsDir, []string{ProcFetch}},
		{"remove", func(d func(Result)) { c.client("B").Remove("new", d) }, nil, []string{ProcRemove, ProcBreakCallback}},
		{"open the removed file", func(d func(Result)) { c.client("A").Open("n", "new", d) }, ErrNoEnt, []string{ProcFetch}},
		{"remove again", func(d func(Result)) { c.client("B").Remove("new", d) }, ErrNoEnt, []string{ProcRemove}},
	}
	for _, tt := range tests {
		r, calls := c.do(tt.op)
		if !errors.Is(r.Err, tt.err) && !(r.Err == nil && tt.err == nil) {
			t.Errorf("%s: err = %v; want %v", tt.name, r.Err, tt.err)
		}
		if diff := cmp.Diff(tt.calls, calls); diff != "" {
			t.Errorf("%s: calls (-want +got):\n%s", tt.name, diff)
		}
	}
	if _, ok := c.serverData("new"); ok {
		t.Error("the removed file is still on the server's disk")
	}
}

// Operations on an fd that is not open fail with EBADF; reads past the end
// return nothing.
func TestBadFDAndEOF(t *testing.T) {
	c := newCluster(t, twoClients())
	c.runUntil(1)
	for _, op := range []func(d func(Result)){
		func(d func(Result)) { c.client("A").Read("x", 0, d) },
		func(d func(Result)) { c.client("A").Write("x", 0, "v", d) },
		func(d func(Result)) { c.client("A").Append("x", "v", d) },
		func(d func(Result)) { c.client("A").Seek("x", 0, d) },
		func(d func(Result)) { c.client("A").Close("x", d) },
	} {
		if r, _ := c.do(op); !errors.Is(r.Err, ErrBadF) {
			t.Errorf("err = %v; want EBADF", r.Err)
		}
	}
	c.open("A", "f", "fileA")
	if got := c.read("A", "f", 7); got != "" {
		t.Errorf("read past the end = %q; want empty", got)
	}
}

// The wire types round-trip through XDR.
func TestWireRoundTrip(t *testing.T) {
	values := []any{
		&FileArgs{Volume: "/", Path: "a/b"},
		&FetchRes{Status: FileStatus{Version: 3, Blocks: 2, Lifetime: int64(time.Minute), Epoch: 1, Gen: 9}, Data: []string{"x", ""}},
		&StoreArgs{Volume: "/home", Path: "home/x", Data: []string{"a"}},
		&BreakCallbackArgs{Epoch: 2, Files: []BrokenFile{{Path: "f", Version: 4, Removed: true, Gen: 7}}, Volumes: []string{"/"}},
		&VolumeArgs{Volume: "/"},
		&VolumeLocation{Server: "s"},
		&FileRecord{Volume: "/", Path: "f", Version: 1, Data: []string{"a"}},
		&CacheRecord{Volume: "/", Version: 2},
	}
	for _, v := range values {
		b := marshal(v)
		got := newLike(v)
		if err := xdr.Unmarshal(b, got); err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		if diff := cmp.Diff(v, got); diff != "" {
			t.Errorf("%T round trip (-want +got):\n%s", v, diff)
		}
	}
}

func newLike(v any) any {
	switch v.(type) {
	case *FileArgs:
		return &FileArgs{}
	case *FetchRes:
		return &FetchRes{}
	case *StoreArgs:
		return &StoreArgs{}
	case *BreakCallbackArgs:
		return &BreakCallbackArgs{}
	case *VolumeArgs:
		return &VolumeArgs{}
	case *VolumeLocation:
		return &VolumeLocation{}
	case *FileRecord:
		return &FileRecord{}
	case *CacheRecord:
		return &CacheRecord{}
	}
	panic("unknown")
}

// Garbage arguments are refused, never a panic.
func TestGarbageArgs(t *testing.T) {
	c := newCluster(t, twoClients())
	c.runUntil(1)
	a := c.node("A").RPC().Client
	for _, proc := range []string{ProcFetch, ProcFetchStatus, ProcStore, ProcCreate, ProcRemove, ProcMakeDir, ProcGetVolumeLocation} {
		var got error
		fired := false
		a.Call(c.id("server"), procOf(proc), []byte{1, 2, 3}, func(_ []byte, err error) { got, fired = err, true })
		c.settle(time.Second)
		if !fired || got == nil || got.Error() != "rpc: EGARBAGEARGS" {
			t.Errorf("%s with garbage: %v", proc, got)
		}
	}
}

func TestParseCrashPolicy(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want CrashPolicy
		err  bool
	}{{"recheck", Recheck, false}, {"evict_all", EvictAll, false}, {"evict", 0, true}} {
		got, err := ParseCrashPolicy(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseCrashPolicy(%q) = %d, %v", tt.in, got, err)
		}
	}
}

// Lossy, duplicating networks change how many messages a run takes, not
// what the clients see: the RPC layer below retransmits and drops
// duplicates.
func TestLossyNetwork(t *testing.T) {
	spec := twoClients()
	spec.network = netmodel.DefaultParams()
	spec.network.Loss = 0.2
	spec.network.Duplicate = 0.2
	c := newCluster(t, spec)
	c.runUntil(2)
	c.open("A", "f", "fileA")
	c.open("B", "g", "fileA")
	c.write("B", "g", 0, "b0")
	c.close("B", "g")
	c.close("A", "f")
	c.open("A", "f", "fileA")
	if got := c.read("A", "f", 0); got != "b0" {
		t.Errorf("A reads %s; want b0", got)
	}
}

// StoreSize and FetchSize count what the STORE call and the FETCH reply
// of a file really take on the wire, whatever the lengths of its blocks
// (XDR pads each to 4 bytes).
func TestFetchAndStoreSize(t *testing.T) {
	for _, data := range [][]string{nil, {}, {""}, {"a"}, {"ab", "abc", "abcd", "abcde"}, {strings.Repeat("x", 8191), "y"}} {
		store := rpc.CallSize(procOf(ProcStore), "client-A", marshal(&StoreArgs{Volume: "/home", Path: "home/notes", Data: data}))
		if got := StoreSize("client-A", "/home", "home/notes", data); got != store {
			t.Errorf("StoreSize(%d blocks) = %d; want %d", len(data), got, store)
		}
		fetch := rpc.ReplySize(procOf(ProcFetch), marshal(&FetchRes{Status: FileStatus{Version: 7, Blocks: 3}, Data: data}))
		if got := FetchSize(data); got != fetch {
			t.Errorf("FetchSize(%d blocks) = %d; want %d", len(data), got, fetch)
		}
	}
}
