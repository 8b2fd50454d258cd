package afs

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
)

// cluster is a small AFS installation in a world: file servers, a VLDB and
// clients, each a udp.Host with an afs.Node on Port, over netmodel's
// network. It mirrors what the scenario driver builds, without the
// scenario package, so that tests can reach inside.
type cluster struct {
	t   testing.TB
	w   *sim.World
	net *netmodel.Network
	// calls lists every RPC started, in order, as "FROM>TO:PROC".
	calls []string
	// stored[path][version] is every version a server made visible.
	stored map[string]map[uint64][]string
}

// clusterSpec describes a cluster.
type clusterSpec struct {
	// volumes maps volume -> server; default {"/": "server"}.
	volumes map[string]string
	// files are installed on their volume's server.
	files map[string][]string
	// clients are the client nodes.
	clients []string
	// extraServers are file servers holding nothing at the start
	// (targets of volume moves).
	extraServers []string
	limit        int
	lifetime     time.Duration
	onCrash      CrashPolicy
	seed         uint64
	network      netmodel.Params
	// keepTrace keeps the world's trace records.
	keepTrace bool
	// prototype makes the servers and clients the AFS prototype's.
	prototype bool
}

// callRecorder is the cluster's rpc.Observer.
type callRecorder struct {
	rpc.BaseObserver
	c *cluster
}

func (o callRecorder) CallStarted(_ sim.Time, from, to sim.NodeID, proc string, _ rpc.CallID) {
	o.c.calls = append(o.c.calls, o.c.w.Name(from)+">"+o.c.w.Name(to)+":"+proc)
}

func newCluster(t testing.TB, spec clusterSpec) *cluster {
	if spec.volumes == nil {
		spec.volumes = map[string]string{"/": "server"}
	}
	if spec.seed == 0 {
		spec.seed = 1
	}
	if spec.network.Delay.Kind == netmodel.Constant && spec.network.Delay.Value == 0 {
		spec.network = netmodel.DefaultParams()
	}
	c := &cluster{t: t, stored: map[string]map[uint64][]string{}}
	c.w = sim.New(sim.Config{Seed: spec.seed, DiskWriteLatency: 10 * time.Millisecond, MaxTime: sim.Time(time.Hour), KeepTrace: spec.keepTrace})
	c.net = netmodel.New(spec.seed, netmodel.Config{Default: spec.network}, c.w.Name)
	c.w.SetNetwork(c.net)
	obs := callRecorder{c: c}

	vols := sortedKeys(spec.volumes)
	servers := map[string]bool{"server": true}
	volsOf := map[string][]string{}
	var locs []Location
	for _, v := range vols {
		s := spec.volumes[v]
		servers[s] = true
		volsOf[s] = append(volsOf[s], v)
		locs = append(locs, Location{Volume: v, Server: s})
	}
	for _, s := range spec.extraServers {
		servers[s] = true
	}
	filesOf := map[string][]FileRecord{}
	for _, p := range sortedKeys(spec.files) {
		v, ok := VolumeOf(vols, p)
		if !ok {
			t.Fatalf("file %s in no volume", p)
		}
		filesOf[spec.volumes[v]] = append(filesOf[spec.volumes[v]], FileRecord{Volume: v, Path: p, Version: 1, Data: spec.files[p]})
		c.record(p, 1, spec.files[p])
	}
	add := func(name string, cfg Config) {
		cfg.Observer = obs
		c.w.AddNode(name, func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			h.Bind(Port, func(penv sim.Env) sim.Handler { return NewNode(penv, cfg) })
			return h
		})
	}
	for _, s := range sortedKeys(servers) {
		cfg := Config{Server: &ServerConfig{Volumes: volsOf[s], Files: filesOf[s], CallbackLimit: spec.limit,
			CallbackLifetime: spec.lifetime, Prototype: spec.prototype, OnStore: c.record}}
		if s == "server" {
			cfg.VLDB = &VLDBConfig{Locations: locs}
		}
		add(s, cfg)
	}
	for _, name := range spec.clients {
		add(name, Config{Client: &ClientConfig{VLDB: "server", Volumes: vols, Prefetch: vols, OnCrash: spec.onCrash, Prototype: spec.prototype}})
	}
	return c
}

func (c *cluster) record(path string, version uint64, data []string) {
	m := c.stored[path]
	if m == nil {
		m = map[uint64][]string{}
		c.stored[path] = m
	}
	m[version] = append([]string(nil), data...)
}

func (c *cluster) id(name string) sim.NodeID {
	id, ok := c.w.Lookup(name)
	if !ok {
		c.t.Fatalf("no node %s", name)
	}
	return id
}

// node returns a node's current afs.Node, or nil while it is down.
func (c *cluster) node(name string) *Node {
	h, _ := c.w.Handler(c.id(name)).(*udp.Host)
	if h == nil {
		return nil
	}
	n, _ := h.Handler(Port).(*Node)
	return n
}

func (c *cluster) client(name string) *CacheManager {
	n := c.node(name)
	if n == nil {
		c.t.Fatalf("client %s is down", name)
	}
	return n.Client
}

func (c *cluster) server(name string) *FileServer {
	n := c.node(name)
	if n == nil {
		c.t.Fatalf("server %s is down", name)
	}
	return n.Server
}

// runUntil runs the world to time t (seconds).
func (c *cluster) runUntil(t float64) {
	if err := c.w.RunUntil(sim.Time(t * float64(time.Second))); err != nil {
		c.t.Fatal(err)
	}
}

// do runs one operation now and lets the world run until it completes or
// for at most 5 virtual minutes, and returns its result and the procs it
// caused.
func (c *cluster) do(op func(done func(Result))) (Result, []string) {
	c.t.Helper()
	before := len(c.calls)
	var res *Result
	op(func(r Result) { res = &r })
	deadline := c.w.Now().Add(5 * time.Minute)
	for res == nil && c.w.Now() < deadline && c.w.Step() {
	}
	if res == nil {
		c.t.Fatalf("operation did not complete by %s", c.w.Now())
	}
	// Let the calls the operation set off (breaks) go out.
	return *res, c.procs(before)
}

// procs returns the procs of the calls since index i.
func (c *cluster) procs(i int) []string {
	out := []string{}
	for _, s := range c.calls[i:] {
		out = append(out, s[strings.LastIndex(s, ":")+1:])
	}
	return out
}

// settle runs the world for d more.
func (c *cluster) settle(d time.Duration) {
	if err := c.w.RunUntil(c.w.Now().Add(d)); err != nil {
		c.t.Fatal(err)
	}
}

// open, read, write and close are synchronous helpers.
func (c *cluster) open(client, fd, path string) (Result, []string) {
	return c.do(func(done func(Result)) { c.client(client).Open(fd, path, done) })
}

func (c *cluster) read(client, fd string, block int) string {
	c.t.Helper()
	r, _ := c.do(func(done func(Result)) { c.client(client).Read(fd, block, done) })
	if r.Err != nil || r.Value == nil {
		c.t.Fatalf("%s read(%s, %d) = %v", client, fd, block, r.Err)
	}
	return *r.Value
}

func (c *cluster) write(client, fd string, block int, data string) {
	c.t.Helper()
	r, _ := c.do(func(done func(Result)) { c.client(client).Write(fd, block, data, done) })
	if r.Err != nil {
		c.t.Fatalf("%s write(%s, %d) = %v", client, fd, block, r.Err)
	}
}

func (c *cluster) close(client, fd string) (Result, []string) {
	return c.do(func(done func(Result)) { c.client(client).Close(fd, done) })
}

// crash and restart a node now.
func (c *cluster) crash(name string)   { c.w.Crash(c.id(name)) }
func (c *cluster) restart(name string) { c.w.Restart(c.id(name)) }

// serverData returns a file's durable blocks on the servers.
func (c *cluster) serverData(path string) ([]string, bool) {
	names := make([]string, 0)
	for i := 0; i < c.w.NumNodes(); i++ {
		names = append(names, c.w.Name(sim.NodeID(i)))
	}
	sort.Strings(names)
	for _, n := range names {
		if d, ok := ServerFiles(c.w.Disk(c.id(n)))[path]; ok {
			return d, true
		}
	}
	return nil, false
}

func eq(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }
