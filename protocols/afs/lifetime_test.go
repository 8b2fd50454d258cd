package afs

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sim-lecture/sim/sim"
)

// OpenAFS viced/callback.c: the promise's lifetime by the number of
// clients already holding one on the file, 7 minutes from 64 on.
func TestOpenAFSLifetime(t *testing.T) {
	tests := []struct {
		holders int
		want    time.Duration
	}{
		{0, 4 * time.Hour}, {7, 4 * time.Hour},
		{8, time.Hour}, {15, time.Hour},
		{16, 30 * time.Minute}, {23, 30 * time.Minute},
		{24, 15 * time.Minute}, {39, 15 * time.Minute},
		{40, 10 * time.Minute}, {63, 10 * time.Minute},
		{64, 7 * time.Minute}, {10000, 7 * time.Minute},
	}
	for _, tt := range tests {
		if got := OpenAFSLifetime(tt.holders); got != tt.want {
			t.Errorf("OpenAFSLifetime(%d) = %s; want %s", tt.holders, got, tt.want)
		}
	}
}

// A fixed lifetime is the same on both sides; OpenAFS's server rounds the
// end up to its 128 s queues and keeps the promise ServerBias longer than
// the client is told.
func TestPromiseEnd(t *testing.T) {
	s := func(x float64) sim.Time { return sim.Time(x * float64(time.Second)) }
	tests := []struct {
		name       string
		now        sim.Time
		fixed      time.Duration
		holders    int
		server     sim.Time
		clientLife time.Duration
	}{
		{"fixed 2m", s(5), 2 * time.Minute, 100, s(125), 2 * time.Minute},
		// 10 + 4h + 3min = 14590 s, rounded up to 114 x 128 = 14592 s.
		{"openafs, few holders", s(10), 0, 0, s(14592), 14402 * time.Second},
		// 0 + 7min + 3min = 600 s, rounded up to 5 x 128 = 640 s.
		{"openafs, many holders", 0, 0, 64, s(640), 460 * time.Second},
		{"openafs, on a queue boundary", s(128), 0, 64, s(768), 460 * time.Second},
	}
	for _, tt := range tests {
		server, life := promiseEnd(tt.now, tt.fixed, tt.holders)
		if server != tt.server || life != tt.clientLife {
			t.Errorf("%s: promiseEnd = %s, %s; want %s, %s", tt.name, server, life, tt.server, tt.clientLife)
		}
	}
}

// The more clients hold a promise on a file, the shorter the next one:
// the ninth client to fetch a file gets an hour, the first four.
func TestLifetimeShrinksWithHolders(t *testing.T) {
	spec := twoClients()
	spec.clients = nil
	for i := 1; i <= 9; i++ {
		spec.clients = append(spec.clients, fmt.Sprintf("C%d", i))
	}
	c := newCluster(t, spec)
	c.runUntil(1)
	for _, name := range spec.clients {
		c.open(name, "f", "fileA")
	}
	for _, tt := range []struct {
		client string
		want   time.Duration
	}{{"C1", 4 * time.Hour}, {"C8", 4 * time.Hour}, {"C9", time.Hour}} {
		cb := c.client(tt.client).files.get("fileA").cbInfo
		// The promise's end is rounded up to 128 s.
		if got := cb.Expires.Sub(cb.Asked); got < tt.want || got > tt.want+callbackQuantum {
			t.Errorf("%s's callback lasts %s; want %s (up to 128 s more)", tt.client, got, tt.want)
		}
	}
}

// Howard et al. 1988 §3.2: with callbacks a client re-reading an unchanged
// file does not ask the server. Re-opened every minute for 50 minutes,
// the file costs one FETCH under OpenAFS's lifetimes (a 4 hour promise);
// a fixed 2 minute promise is rechecked every other open; the prototype
// checks every open.
func TestRereadEveryMinute(t *testing.T) {
	tests := []struct {
		name      string
		lifetime  time.Duration
		prototype bool
		checks    int
	}{
		{"openafs lifetimes", 0, false, 0},
		{"fixed 2m", 2 * time.Minute, false, 24},
		{"prototype", 0, true, 49},
	}
	for _, tt := range tests {
		spec := twoClients()
		spec.lifetime, spec.prototype = tt.lifetime, tt.prototype
		c := newCluster(t, spec)
		c.runUntil(1)
		n := map[string]int{}
		for i := 0; i < 50; i++ {
			c.runUntil(float64(1 + 60*i))
			_, calls := c.open("A", "f", "fileA")
			c.close("A", "f")
			for _, p := range calls {
				n[p]++
			}
		}
		want := map[string]int{ProcFetch: 1}
		if tt.checks > 0 {
			want[ProcFetchStatus] = tt.checks
		}
		if diff := cmp.Diff(want, n); diff != "" {
			t.Errorf("%s: calls over 50 opens (-want +got):\n%s", tt.name, diff)
		}
	}
}

// The prototype (Howard et al. 1988 §2.2): no callbacks, so a store breaks
// none and the other client learns of it by validating its next open.
func TestPrototypeValidatesEveryOpen(t *testing.T) {
	spec := twoClients()
	spec.prototype = true
	c := newCluster(t, spec)
	c.runUntil(1)
	steps := []struct {
		name  string
		op    func() (Result, []string)
		calls []string
	}{
		{"A fetches", func() (Result, []string) { return c.open("A", "f", "fileA") }, []string{ProcFetch}},
		{"A closes", func() (Result, []string) { return c.close("A", "f") }, []string{}},
		{"A validates its copy", func() (Result, []string) { return c.open("A", "f", "fileA") }, []string{ProcFetchStatus}},
		{"A closes again", func() (Result, []string) { return c.close("A", "f") }, []string{}},
		{"B fetches", func() (Result, []string) { return c.open("B", "g", "fileA") }, []string{ProcFetch}},
		{"B writes", func() (Result, []string) {
			return c.do(func(d func(Result)) { c.client("B").Write("g", 0, "b0", d) })
		}, []string{}},
		{"B stores, breaking no callback", func() (Result, []string) { return c.close("B", "g") }, []string{ProcStore}},
		{"A finds its copy changed", func() (Result, []string) { return c.open("A", "f", "fileA") }, []string{ProcFetchStatus, ProcFetch}},
		{"B validates its own store", func() (Result, []string) {
			return c.do(func(d func(Result)) { c.client("B").Stat("fileA", d) })
		}, []string{ProcFetchStatus}},
	}
	for _, st := range steps {
		res, calls := st.op()
		if res.Err != nil {
			t.Fatalf("%s: %v", st.name, res.Err)
		}
		if diff := cmp.Diff(st.calls, calls); diff != "" {
			t.Errorf("%s: calls (-want +got):\n%s", st.name, diff)
		}
	}
	if got := c.read("A", "f", 0); got != "b0" {
		t.Errorf("A read %q; want b0", got)
	}
	if n := c.server("server").Promises(); n != 0 {
		t.Errorf("the prototype server holds %d promises; want 0", n)
	}
}

// The server's state record of a file's holders names up to eight
// clients, and counts more: listing thousands on every promise would cost
// time quadratic in the clients.
func TestPromiseTraceCountsManyHolders(t *testing.T) {
	spec := twoClients()
	spec.keepTrace = true
	spec.clients = nil
	for i := 1; i <= 10; i++ {
		spec.clients = append(spec.clients, fmt.Sprintf("C%d", i))
	}
	c := newCluster(t, spec)
	c.runUntil(1)
	record := func() string {
		states := sim.NewStates()
		for _, r := range c.w.Trace().Records() {
			states.Apply(r)
		}
		v, _, _ := states.Get(c.id("server"), "callbacks fileA")
		return v
	}
	want := []string{"C1", "C1, C2", "C1, C2, C3", "C1, C2, C3, C4", "C1, C2, C3, C4, C5", "C1, C2, C3, C4, C5, C6",
		"C1, C2, C3, C4, C5, C6, C7", "C1, C2, C3, C4, C5, C6, C7, C8", "9 clients", "10 clients"}
	for i, name := range spec.clients {
		c.open(name, "f", "fileA")
		if got := record(); got != want[i] {
			t.Errorf("after %s's open: callbacks fileA = %q; want %q", name, got, want[i])
		}
	}
}

// OpenAFS counts a file's callback entries, expired ones too, until its
// cleanup every 5 minutes forgets them: eight expired promises shorten
// the next one to an hour until the cleanup, and not after.
func TestExpiredPromisesCountUntilCleanup(t *testing.T) {
	spec := twoClients()
	spec.clients = nil
	for i := 1; i <= 11; i++ {
		spec.clients = append(spec.clients, fmt.Sprintf("C%d", i))
	}
	c := newCluster(t, spec)
	c.runUntil(1)
	c.open("C1", "f", "fileA") // the first grant cleans up, then not for 5 min
	srv := c.server("server")
	for i := 2; i <= 9; i++ {
		srv.promises["fileA"][c.id(fmt.Sprintf("C%d", i))] = &promise{expires: c.w.Now() - 1}
	}
	life := func(client string) time.Duration {
		cb := c.client(client).files.get("fileA").cbInfo
		return cb.Expires.Sub(cb.Asked)
	}
	c.runUntil(100)
	c.open("C10", "f", "fileA")
	if got := life("C10"); got < time.Hour || got > time.Hour+callbackQuantum {
		t.Errorf("before the cleanup, with 9 entries: C10's callback lasts %s; want 1h", got)
	}
	c.runUntil(400)
	c.open("C11", "f", "fileA")
	if got := life("C11"); got < 4*time.Hour || got > 4*time.Hour+callbackQuantum {
		t.Errorf("after the cleanup, with 2 entries: C11's callback lasts %s; want 4h", got)
	}
	if n := len(srv.promises["fileA"]); n != 3 {
		t.Errorf("the server keeps %d entries on fileA; want 3 (C1, C10, C11)", n)
	}
}
