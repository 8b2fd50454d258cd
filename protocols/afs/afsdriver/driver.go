// Package afsdriver is system afs of the scenarios: file-system rows
// against AFS (protocols/afs, the lecture's AFS slides), with the `afs:`
// block and the move_volume fault.
//
// Every node is a udp.Host whose afs.Port carries an afs.Node: the file
// servers ("server", the afs.volumes servers and move_volume targets) hold
// the volumes, the afs.vldb node runs the volume location database, and
// every other node is a client with a cache manager. A client's startup
// lookups of the volumes its rows use happen before the first row and
// belong to no step.
//
// The runner's crash and restart drop and rebuild an afs.Node; the driver
// adds the AFS faults: low_memory (the server drops its callback promises
// and tells the clients) and move_volume (an administrator moves a volume:
// the old server hands the files and their callback state to the new one,
// and the database is updated).
package afsdriver

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/sim-lecture/sim/protocols/afs"
	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/rpc/rpcdriver"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/fileops"
	"github.com/sim-lecture/sim/sim"
)

// driver runs file-system rows on the system's nodes (see the package
// doc).
type driver struct {
	log     *rpcdriver.CallLog
	servers map[string]bool
	// rows[i] is row i's run: the runner's rows and program slots are
	// dense indexes, so a slice holds them, not a map (a map assign per
	// step cost more than the step's own work at 10,000 clients).
	rows []rowRun
	// nodes[id] is the afs.Node that node id last started (started), so
	// that a step reaches its client without looking its port up; it is
	// current while the node is up, since a restart builds a new one.
	nodes []startedNode
	// ev is the evidence of the invariants (evidence.go).
	ev *fileops.Evidence
}

// startedNode is a node's afs.Node as it started, with what a step needs
// of it at hand: its cache manager and its incarnation (one object reached
// per step, not three).
type startedNode struct {
	node   *afs.Node
	client *afs.CacheManager
	inc    uint32
}

// rowRun is what the driver knows of one row's (or program slot's)
// current run.
type rowRun struct {
	d *driver
	r *scenarios.SystemRun
	i int
	// start is when the run started; pending says it has not returned,
	// and inc is its client's incarnation then.
	start   sim.Time
	pending bool
	inc     uint32
	// evRow is the evidence row of a program step's current run (-1
	// when the evidence has stopped).
	evRow int
	// doneFn is done as a func value, made at the row's first run and
	// kept: one closure per slot, not per step.
	doneFn func(afs.Result)
}

func (d *driver) Setup(r *scenarios.SystemRun) error {
	sc := r.Scenario
	o := optionsOf(sc)
	policy, err := afs.ParseCrashPolicy(o.ClientCrash)
	if err != nil {
		return fmt.Errorf("%s: %v", sc.File, err)
	}
	d.log = rpcdriver.NewCallLog(r)
	d.rows = make([]rowRun, len(sc.Workload))
	d.ev = newEvidence(r)
	r.UseNetwork()

	d.servers = map[string]bool{"server": true, o.VLDB: true}
	var vols []string
	volsOf := map[string][]string{}
	var locations []afs.Location
	for _, v := range o.Volumes {
		d.servers[v.Server] = true
		vols = append(vols, v.Path)
		volsOf[v.Server] = append(volsOf[v.Server], v.Path)
		locations = append(locations, afs.Location{Volume: v.Path, Server: v.Server})
	}
	for _, f := range sc.Faults {
		if m, ok := f.Data.(VolumeMove); ok {
			d.servers[m.Server] = true
		}
	}
	filesOf := map[string][]afs.FileRecord{}
	for _, f := range sc.Files {
		v, ok := volumeOf(o.Volumes, f.Path)
		if !ok {
			return fmt.Errorf("%s:%d:%d: file %s is in no AFS volume", sc.File, f.Pos.Line, f.Pos.Col, f.Path)
		}
		filesOf[v.Server] = append(filesOf[v.Server], afs.FileRecord{Volume: v.Path, Path: f.Path, Version: 1, Data: append([]string{}, f.Blocks...)})
	}
	prefetch := prefetchOf(sc, o.Volumes)
	for _, name := range d.bootOrder(sc) {
		name := name
		cfg := afs.Config{Observer: d.log}
		if d.servers[name] {
			cfg.Server = &afs.ServerConfig{Volumes: volsOf[name], Files: filesOf[name], CallbackLimit: o.CallbackLimit,
				CallbackLifetime: o.CallbackLifetime, Prototype: o.Mode == ModePrototype,
				OnStore:  func(path string, version uint64, data []string) { d.stored(r, path, version, data) },
				OnRemove: func(path string) { d.removed(r, path) }, NoCallbackState: r.Quiet()}
		} else {
			cfg.Client = &afs.ClientConfig{VLDB: o.VLDB, Volumes: vols, Prefetch: prefetch[name], OnCrash: policy, Prototype: o.Mode == ModePrototype,
				MaxMessage: udp.MaxPayload}
		}
		if name == o.VLDB {
			cfg.VLDB = &afs.VLDBConfig{Locations: locations}
		}
		r.World.AddNode(name, func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			h.Bind(afs.Port, func(penv sim.Env) sim.Handler {
				node := afs.NewNode(penv, cfg)
				d.started(r, name, node)
				return node
			})
			return h
		})
	}
	return nil
}

// prefetchOf lists, for each client, the volumes its rows will use: it
// locates them at startup.
func prefetchOf(sc *scenarios.Scenario, vols []Volume) map[string][]string {
	prefetch := map[string][]string{}
	for _, s := range sc.Workload {
		if s.File == "" || s.Client == "" {
			continue
		}
		if v, ok := volumeOf(vols, s.File); ok && !slices.Contains(prefetch[s.Client], v.Path) {
			prefetch[s.Client] = append(prefetch[s.Client], v.Path)
		}
	}
	return prefetch
}

// bootOrder lists the nodes in the order they are added: the servers
// first, since a client looks up the volume location server when it
// boots, so that node must exist by then, however `nodes` lists them.
func (d *driver) bootOrder(sc *scenarios.Scenario) []string {
	var order []string
	for _, n := range sc.Nodes {
		if d.servers[n.Name] {
			order = append(order, n.Name)
		}
	}
	for _, n := range sc.Nodes {
		if !d.servers[n.Name] {
			order = append(order, n.Name)
		}
	}
	return order
}

// started notes, in the step that was running, what a restarted node did
// with its state.
func (d *driver) started(r *scenarios.SystemRun, name string, n *afs.Node) {
	if id, ok := r.World.Lookup(name); ok {
		for len(d.nodes) <= int(id) {
			d.nodes = append(d.nodes, startedNode{})
		}
		d.nodes[id] = startedNode{node: n, client: n.Client, inc: r.World.Env(id).Incarnation()}
	}
	if r.Current() < 0 {
		return
	}
	var note string
	switch {
	case n.Client != nil && n.Client.StartNote() != "":
		note = fmt.Sprintf("at %s %s %s", r.World.Now(), name, n.Client.StartNote())
	case n.Server != nil && n.Server.Epoch() > 0:
		note = fmt.Sprintf("at %s %s restarted without its callbacks: told %s to recheck", r.World.Now(), name, report.Plural(n.Server.Recovering(), "client", "clients"))
	}
	d.note(r, note)
}

// note adds to the note of the step that ran last.
func (d *driver) note(r *scenarios.SystemRun, note string) {
	if r.Current() < 0 || note == "" {
		return
	}
	st := &r.Result.Steps[r.Current()]
	st.Note = report.JoinNote(st.Note, note)
}

// afsNode returns a node's current afs.Node, or nil while it is down.
func (d *driver) afsNode(r *scenarios.SystemRun, id sim.NodeID) *afs.Node {
	if int(id) >= len(d.nodes) || !r.World.Up(id) {
		return nil
	}
	return d.nodes[id].node
}

func (d *driver) Step(r *scenarios.SystemRun, i int) {
	s := &r.Scenario.Workload[i]
	st := &r.Result.Steps[i]
	if !slices.Contains(fileops.Ops, scenarios.LookupOp(s.Op)) || s.Client == "" {
		r.Unsupported(i)
		return
	}
	id := r.Node(s.Client)
	var n *startedNode
	if int(id) < len(d.nodes) && r.World.Up(id) {
		n = &d.nodes[id]
	}
	if n == nil || n.client == nil {
		st.Result = "EHOSTDOWN"
		st.Note = fmt.Sprintf("client %s is down", s.Client)
		return
	}
	row := &d.rows[i]
	row.d, row.r, row.i = d, r, i
	row.start, row.pending, row.inc = r.World.Now(), true, n.inc
	if i >= r.Rows() {
		row.evRow = d.ev.AddStep(s, row.start)
	}
	if row.doneFn == nil {
		row.doneFn = row.done
	}
	done := row.doneFn
	cm := n.client
	switch s.Op {
	case "open":
		cm.Open(s.FD, s.File, done)
	case "read":
		cm.Read(s.FD, s.Block, done)
	case "write":
		data := s.Data
		if !s.HasData {
			// The format's unique token: who wrote it, and when.
			data = s.Client + "@" + sim.FormatDuration(s.At)
		}
		cm.Write(s.FD, s.Block, data, done)
	case "append":
		data := s.Data
		if !s.HasData {
			data = s.Client + "@" + sim.FormatDuration(s.At)
		}
		cm.Append(s.FD, data, done)
	case "seek":
		cm.Seek(s.FD, s.Block, done)
	case "close":
		cm.Close(s.FD, done)
	case "create":
		cm.Create(s.File, s.FD, done)
	case "remove":
		cm.Remove(s.File, done)
	case "mkdir":
		cm.MakeDir(s.File, done)
	case "stat":
		cm.Stat(s.File, done)
	}
}

// done is a row's operation returning res.
func (row *rowRun) done(res afs.Result) {
	d, r, i, start := row.d, row.r, row.i, row.start
	row.pending = false
	d.rowDone(r, i, start, res)
	st := &r.Result.Steps[i]
	st.Result = rpc.ErrorName(res.Err)
	st.Value = res.Value
	st.Note = report.JoinNote(res.Note, st.Note)
	took := r.World.Now().Sub(start)
	st.Latency = sim.FormatDuration(took)
	if took >= time.Second {
		st.Note = report.JoinNote(st.Note, "returned after "+report.TableTime(r.World.Now()-start))
	}
	r.Done(i)
}

func (d *driver) Fault(r *scenarios.SystemRun, f *scenarios.Fault) bool {
	switch f.Kind {
	case "low_memory":
		n := d.afsNode(r, r.Node(f.Node))
		switch {
		case n == nil:
			r.RecordFault(f, f.Node, "no effect: the node is down")
		case n.Server == nil:
			r.RecordFault(f, f.Node, "no effect: not a file server")
		default:
			k := n.Server.LowMemory()
			r.RecordFault(f, f.Node, "dropped "+report.Plural(k, "callback promise", "callback promises"))
			d.note(r, fmt.Sprintf("low memory at %s: %s dropped %s", r.World.Now(), f.Node, report.Plural(k, "callback promise", "callback promises")))
		}
		return true
	case "move_volume":
		m := f.Data.(VolumeMove)
		detail := d.moveVolume(r, m)
		r.RecordFault(f, "", detail)
		d.note(r, fmt.Sprintf("at %s %s %s", r.World.Now(), m.Volume, detail))
		return true
	}
	return false
}

// moveVolume is the administrator's volume move: the old server hands over
// the volume's files and callback state, the new one takes them, and the
// database records the new place. It says what happened.
func (d *driver) moveVolume(r *scenarios.SystemRun, m VolumeMove) string {
	vl := d.afsNode(r, r.Node(optionsOf(r.Scenario).VLDB))
	if vl == nil || vl.VLDB == nil {
		return "not moved: the volume location server " + optionsOf(r.Scenario).VLDB + " is down"
	}
	from := ""
	for _, l := range vl.VLDB.Locations() {
		if l.Volume == m.Volume {
			from = l.Server
		}
	}
	switch {
	case from == "":
		return "not moved: the database does not know it"
	case from == m.Server:
		return "not moved: already on " + m.Server
	}
	src, dst := d.afsNode(r, r.Node(from)), d.afsNode(r, r.Node(m.Server))
	switch {
	case src == nil || src.Server == nil:
		return "not moved: " + from + " is down"
	case dst == nil || dst.Server == nil:
		return "not moved: " + m.Server + " is down"
	}
	dump, err := src.Server.ReleaseVolume(m.Volume, m.Server)
	if err != nil {
		return "not moved: " + err.Error()
	}
	dst.Server.AttachVolume(dump)
	vl.VLDB.SetLocation(m.Volume, m.Server)
	return fmt.Sprintf("moved from %s to %s with %s and %s", from, m.Server, report.Plural(len(dump.Files), "file", "files"), report.Plural(len(dump.Promises), "callback promise", "callback promises"))
}

func (d *driver) Finish(r *scenarios.SystemRun) {
	for i := range d.rows {
		if !d.rows[i].pending {
			continue
		}
		s := &r.Scenario.Workload[i]
		st := &r.Result.Steps[i]
		id := r.Node(s.Client)
		if !r.World.Up(id) || r.World.Env(id).Incarnation() != d.rows[i].inc {
			st.Result = "ECANCELED"
			st.Note = report.JoinNote(st.Note, fmt.Sprintf("client %s crashed before the operation completed", s.Client))
		} else {
			st.Result = "EINPROGRESS"
			st.Note = report.JoinNote(st.Note, "not complete at the end of the run")
		}
	}
	for i := range r.Result.Steps {
		st := &r.Result.Steps[i]
		var to []string
		for _, c := range st.Calls {
			if c.Proc == afs.ProcBreakCallback && !slices.Contains(to, c.To) {
				to = append(to, c.To)
			}
		}
		if len(to) > 0 {
			st.Note = report.JoinNote(st.Note, "callback breaks to "+strings.Join(to, ", "))
		}
	}
	r.Result.Disk = d.disk(r)
	d.finishEvidence(r)
}

// disk merges the durable files of every file server, by path.
func (d *driver) disk(r *scenarios.SystemRun) map[string][]string {
	out := map[string][]string{}
	for _, name := range slices.Sorted(maps.Keys(d.servers)) {
		id, ok := r.World.Lookup(name)
		if !ok {
			continue
		}
		for path, blocks := range afs.ServerFiles(r.World.Disk(id)) {
			out[path] = blocks
		}
	}
	return out
}
