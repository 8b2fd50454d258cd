// Package nfsdriver is system nfs of the scenarios: file-system rows
// against NFSv2 (protocols/nfs, the lecture's NFS slides), with the
// `nfs:` block and the results only NFS reports (lost writes, the write
// history, staleness).
//
// Every node is a udp.Host. Every server of the mount table (nfs.mounts,
// default server:/ on /) is bound as a file server (nfs.BindServer)
// formatted with the scenario's files that lie under its mounts, at their
// paths on the server; the node "server" is a server even when no mount
// names it. Every other node is bound as a client (nfs.BindClient) with
// the mount table. A client mounts when it boots, so its GETPORTs (to the
// server's portmapper, unless nfs.portmapper is false) and MNTs belong to
// no step. Paths in the results (disk, lost, history) are the clients'.
//
// Each row is handed to its client's nfs.Client, which runs one operation
// at a time like a single process: a row whose time comes while the
// client's previous row still waits for the server is queued behind it. A
// step's calls are the RPCs its operation sent (the client says which
// operation is running when a call starts), its latency runs from the row's
// time to the result, and a read's stale measure compares the value with
// the server's block at that moment.
//
// The runner crashes and restarts nodes; just before each crash the driver
// records what the crash is about to destroy: a server's acknowledged but
// unwritten blocks (buffered policy), a client's unflushed writes. flush
// faults make the server flush; low_memory is AFS's and has no effect.
package nfsdriver

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/sim-lecture/sim/protocols/nfs"
	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/fileops"
	"github.com/sim-lecture/sim/sim"
)

// driver runs file-system rows on the system's nodes (see the package
// doc).
type driver struct {
	r   *scenarios.SystemRun
	api nfs.API
	// server is the node "server"; mounts the clients' mount table.
	server sim.NodeID
	mounts []Mount
	// servers lists the file servers, mount servers first, in the order
	// of the table.
	servers []string
	rows    []nfsRow
	calls   map[uint64]callRef // by CallID.Key
	execs   map[uint64]int     // by CallID.Key
	// execRow is the row whose call a server is executing now (-1: none),
	// so that the server's path lookups are counted against it.
	execRow int
	lookups int
	// replays records the servers' NVRAM replays: server -> restart time
	// -> inodes.
	replays map[string]map[sim.Time]int
	lost    []LostWrite
	// extra are notes added to rows after they finished (data lost later).
	extra map[int][]string
	// onExecute, when a test sets it, is called as a server starts to run
	// a call, before the procedure changes anything.
	onExecute func(id rpc.CallID, proc string)
	// ev is the evidence of the invariants (evidence.go); pending maps
	// each server's unacknowledged changes (by nfs.Change.ID, in its
	// current life) to their indexes in ev.Changes.
	ev *fileops.Evidence
	// evRow[i-r.Rows()] is the evidence row of program step i's current
	// run, -1 when the evidence has stopped: a slice by slot, not a map,
	// since every step writes it.
	evRow      []int
	pending    map[string]map[uint64][]int
	bootedOnce map[string]bool
	// done is what every step's operation returns to (complete), made
	// once instead of a closure per step.
	done func(nfs.Result)
}

// callRef locates a call in the result: step index and position in that
// step's Calls.
type callRef struct {
	step, idx int
	run       uint32 // SystemRun.StepRun of the step when the call started
}

// nfsRow is what the driver knows of one workload row.
type nfsRow struct {
	started, done bool
	start         sim.Time
	life          uint32 // the client's incarnation when the row started
	res           nfs.Result
	// calls are the row's RPCs, in order; lookups the names the server
	// resolved for them.
	calls   []rpc.CallID
	lookups int
}

func (d *driver) Setup(r *scenarios.SystemRun) error {
	sc := r.Scenario
	o := optionsOf(sc)
	api, err := nfs.ParseAPI(o.API)
	if err != nil {
		return fmt.Errorf("%s: %v", sc.File, err)
	}
	policy, err := nfs.ParseWritePolicy(o.WritePolicy)
	if err != nil {
		return fmt.Errorf("%s: %v", sc.File, err)
	}
	d.mounts = o.MountTable()
	files, err := d.serverFiles(sc)
	if err != nil {
		return err
	}
	d.r, d.api = r, api
	d.done = func(res nfs.Result) { d.complete(res.Tag, res) }
	d.rows = make([]nfsRow, len(sc.Workload))
	d.calls, d.execs, d.execRow = map[uint64]callRef{}, map[uint64]int{}, -1
	d.replays, d.extra = map[string]map[sim.Time]int{}, map[int][]string{}
	d.ev, d.pending, d.bootedOnce = fileops.NewEvidence(sc), map[string]map[uint64][]int{}, map[string]bool{}
	d.ev.Rows, d.evRow = d.ev.Rows[:r.Rows()], make([]int, len(sc.Workload)-r.Rows())
	r.Result.Stats.Calls = map[string]int{}
	r.UseNetwork()

	sopts := nfs.ServerOptions{API: api, WritePolicy: policy, FlushInterval: o.FlushInterval, Append: o.Append,
		DRC: o.DRC, DRCAll: o.DRCCache == "all", ReadLatency: sc.Disk.ReadLatency}
	copts := nfs.ClientOptions{API: api, AttrTimeout: o.AttrTimeout, CacheBlocks: o.CacheBlocks,
		Soft: o.Mount == "soft", Retrans: o.Retrans, Timeout: o.Timeout, DRC: o.DRC, Append: o.Append,
		FixedPorts: !o.Portmapper}
	for _, m := range d.mounts {
		copts.Mounts = append(copts.Mounts, nfs.Mount{Server: m.Server, Export: m.Export, At: m.On})
	}
	// The servers first: clients look them up when they boot to mount them.
	for _, name := range d.servers {
		name, so := name, sopts
		so.Files = files[name]
		id := r.World.AddNode(name, func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			n, err := nfs.BindServer(h, so, d, d)
			if err != nil {
				// CheckFiles passed, so only a bug gets here.
				panic("nfsdriver: nfs server " + name + ": " + err.Error())
			}
			d.booted(name, n.Server())
			if k := n.Server().Replayed(); k > 0 {
				if d.replays[name] == nil {
					d.replays[name] = map[sim.Time]int{}
				}
				d.replays[name][env.Now()] = k
			}
			return h
		})
		if name == "server" {
			d.server = id
		}
	}
	for _, n := range sc.Nodes {
		if slices.Contains(d.servers, n.Name) {
			continue
		}
		r.World.AddNode(n.Name, func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			nfs.BindClient(h, copts, d)
			return h
		})
	}
	// Scheduled now, before the runner schedules the faults, so that at a
	// crash's instant this runs first and sees what the crash destroys.
	for i := range sc.Faults {
		if f := &sc.Faults[i]; f.Kind == "crash" {
			r.World.At(sim.Time(f.At), func() { d.beforeCrash(f.Node) })
		}
	}
	return nil
}

func (d *driver) Step(r *scenarios.SystemRun, i int) {
	s := &r.Scenario.Workload[i]
	st := &r.Result.Steps[i]
	kind, err := nfs.ParseOp(s.Op)
	if err != nil {
		r.Unsupported(i)
		return
	}
	id := r.Node(s.Client)
	cl, up := nfs.ClientOn(r.World.Handler(id))
	if !r.World.Up(id) || !up {
		st.Result, st.Note = "EHOSTDOWN", fmt.Sprintf("client %s is down", s.Client)
		return
	}
	op := nfs.Op{Kind: kind, FD: s.FD, Path: s.File, To: s.ToPath, Size: uint32(s.Size), Block: s.Block, Data: s.Data, Tag: i}
	if kind == nfs.OpSymlink {
		// symlink(file, to), as ln -s file to: the new link is to, and
		// it holds file.
		op.Path, op.To = s.ToPath, s.File
	}
	if (kind == nfs.OpWrite || kind == nfs.OpAppend) && !s.HasData {
		// The format's unique token: who wrote, and when.
		op.Data = s.Client + "@" + sim.FormatDuration(s.At)
	}
	// A whole new row: a program step's row is the same client's step
	// of the previous iteration until now.
	d.rows[i] = nfsRow{started: true, start: r.World.Now(), life: r.World.Env(id).Incarnation()}
	if i >= r.Rows() {
		d.evRow[i-r.Rows()] = d.ev.AddStep(s, r.World.Now())
	}
	cl.Do(op, d.done)
}

// serverFiles lists the file servers (those of the mount table, then
// "server") in d.servers, and returns each one's initial files: the
// scenario's files under its mounts, at their paths on the server.
func (d *driver) serverFiles(sc *scenarios.Scenario) (map[string][]nfs.File, error) {
	servers, files, _ := serverTrees(sc, d.mounts)
	d.servers = servers
	for _, name := range d.servers {
		// checkTrees refused whatever fails here when the scenario
		// loaded.
		if err := nfs.CheckFiles(files[name]); err != nil {
			return nil, fmt.Errorf("%s: files on %s: %v", sc.File, name, err)
		}
	}
	return files, nil
}

// complete records a row's result.
func (d *driver) complete(i int, res nfs.Result) {
	r := d.r
	row := &d.rows[i]
	row.done, row.res = true, res
	d.rowDone(i, res)
	st := &r.Result.Steps[i]
	st.Result = nfs.ErrorName(res.Err)
	if !r.StepTextRead(i) {
		// A program's step that is only counted: its stale age is, its
		// note, latency and value are not.
		d.markStale(st, i, res)
		r.Done(i)
		return
	}
	if res.HasValue {
		v := res.Value
		st.Value = &v
	}
	st.Note = res.Note
	if wait := res.Started.Sub(row.start); wait > 0 {
		st.Note = nfsJoin(fmt.Sprintf("waited %s for the call before", report.TableTime(sim.Time(wait))), st.Note)
	}
	st.Latency = report.TableTime(sim.Time(r.World.Now().Sub(row.start)))
	for _, c := range st.Calls {
		if c.Attempts > 1 && r.Scenario.Workload[i].Op != "close" { // a close's note has its duration
			// Retransmitted: say what it cost, since the table shows
			// no latency.
			st.Note = nfsJoin(st.Note, "returned after "+st.Latency)
			break
		}
	}
	if r.Scenario.Workload[i].Op == "read" && res.Err == nil && res.Value != "" {
		// The table shows no values; a read's is what the row is about.
		st.Note = nfsJoin(st.Note, "read "+res.Value)
	}
	if note := d.markStale(st, i, res); note != "" {
		st.Note += "; " + note
	}
	r.Done(i)
}

// markStale sets a read's Stale (see stale) and returns the note saying
// why it is stale, or "".
func (d *driver) markStale(st *report.Step, i int, res nfs.Result) string {
	if d.r.Scenario.Workload[i].Op != "read" || res.Err != nil || !res.HasValue || !res.HasBlock || res.Dirty {
		return ""
	}
	stale, note := d.stale(res)
	if stale == "" {
		return ""
	}
	st.Stale = stale
	return note
}

// stale measures how old a read's value is: "0s" if it is the server's
// current contents of the block, else how long the server has held the
// newer contents. The server's memory is the reference while it is up;
// while it is down, what it will serve after its restart.
func (d *driver) stale(res nfs.Result) (string, string) {
	r := d.r
	var data string
	var modified sim.Time
	var ok bool
	if sn, up := nfs.ServerOn(r.World.Handler(res.Server)); up && r.World.Up(res.Server) {
		data, modified, ok = sn.Server().Block(res.Fileid, res.Block)
	} else {
		data, modified, ok = nfs.DurableBlock(r.World.Disk(res.Server), res.Fileid, res.Block)
	}
	if !ok {
		return "", ""
	}
	if data == res.Value {
		return "0s", ""
	}
	age := report.TableTime(sim.Time(r.World.Now().Sub(modified)))
	return age, fmt.Sprintf("stale by %s: the server has had %s since %s", age, data, report.TableTime(modified))
}

// beforeCrash records what node's crash, about to happen, destroys.
func (d *driver) beforeCrash(node string) {
	r := d.r
	id := r.Node(node)
	if !r.World.Up(id) {
		return
	}
	now := r.World.Now().String()
	if sn, ok := nfs.ServerOn(r.World.Handler(id)); ok {
		d.serverCrash(node, sn.Server())
		for _, u := range sn.Server().Unstable() {
			file := d.clientPath(node, u.Path)
			d.lost = append(d.lost, LostWrite{Node: node, At: now, File: file, Block: u.Block, Data: u.Data,
				Acknowledged: report.TableTime(u.Modified), OnDisk: u.Durable})
			d.noteLoss(file, u.Block, u.Data, fmt.Sprintf("LOST in the %s crash at %s: acknowledged, never on disk", node, now))
		}
	}
	if cl, ok := nfs.ClientOn(r.World.Handler(id)); ok {
		for _, b := range cl.Dirty() {
			if d.serverHas(b) {
				// The WRITE got there and only its reply was on the way:
				// the data is the server's now (and a server crash
				// accounts for it if it is not yet on disk).
				continue
			}
			row := d.writer(b.Path, b.Block, b.Data)
			at := ""
			if row >= 0 {
				at = sim.FormatDuration(r.Scenario.Workload[row].At)
			}
			d.lost = append(d.lost, LostWrite{Node: node, At: now, File: b.Path, Block: b.Block, Data: b.Data,
				Acknowledged: at})
			d.noteLoss(b.Path, b.Block, b.Data, fmt.Sprintf("LOST in %s's crash at %s: the server never got it", node, now))
		}
	}
}

// serverHas reports whether a client's dirty block already is the server's
// content of the block: in its memory while it is up, on its disk while it
// is down.
func (d *driver) serverHas(b nfs.DirtyBlock) bool {
	r := d.r
	if !b.HasFile {
		return false
	}
	var data string
	var ok bool
	if sn, up := nfs.ServerOn(r.World.Handler(b.Server)); up && r.World.Up(b.Server) {
		data, _, ok = sn.Server().Block(b.Fileid, b.Block)
	} else {
		data, _, ok = nfs.DurableBlock(r.World.Disk(b.Server), b.Fileid, b.Block)
	}
	return ok && data == b.Data
}

// noteLoss adds a note to the row that wrote the lost data.
func (d *driver) noteLoss(file string, block int, data, note string) {
	if row := d.writer(file, block, data); row >= 0 {
		d.extra[row] = append(d.extra[row], note)
	}
}

// writer returns the latest finished write or append row that wrote data
// to block of file, or -1.
func (d *driver) writer(file string, block int, data string) int {
	for i := d.r.Rows() - 1; i >= 0; i-- {
		row := &d.rows[i]
		s := &d.r.Scenario.Workload[i]
		if row.done && row.res.Err == nil && (s.Op == "write" || s.Op == "append") && s.File == file &&
			row.res.HasBlock && row.res.Block == block && d.dataOf(i) == data {
			return i
		}
	}
	return -1
}

// dataOf is what write or append row i wrote.
func (d *driver) dataOf(i int) string {
	s := &d.r.Scenario.Workload[i]
	if s.HasData {
		return s.Data
	}
	return s.Client + "@" + sim.FormatDuration(s.At)
}

func (d *driver) Fault(r *scenarios.SystemRun, f *scenarios.Fault) bool {
	if f.Kind != "flush" {
		return false
	}
	id := r.Node(f.Node)
	sn, ok := nfs.ServerOn(r.World.Handler(id))
	detail := "server is down"
	if ok && r.World.Up(id) {
		if n := sn.Server().Flush(); n == 0 {
			detail = "nothing to flush"
		} else {
			detail = fmt.Sprintf("writing %s to disk", nfsPlural(n, "inode"))
		}
	}
	r.RecordFault(f, f.Node, detail)
	return true
}

func (d *driver) Finish(r *scenarios.SystemRun) {
	for i := range d.rows {
		row := &d.rows[i]
		s := &r.Scenario.Workload[i]
		st := &r.Result.Steps[i]
		if row.started && !row.done {
			id := r.Node(s.Client)
			if !r.World.Up(id) || r.World.Env(id).Incarnation() != row.life {
				st.Result, st.Note = "EINTR", fmt.Sprintf("client %s crashed before the call returned", s.Client)
			} else {
				st.Result, st.Note = "EINPROGRESS", "still waiting for the server when the run ended"
			}
		}
		if len(row.calls) > 0 {
			n := 0
			for _, id := range row.calls {
				n += d.execs[id.Key()]
			}
			st.Executions = &n
		}
		if d.api == nfs.Paths && row.lookups > 0 {
			st.Note = nfsJoin(st.Note, fmt.Sprintf("server looked up %s", nfsPlural(row.lookups, "name")))
		}
		for _, e := range d.extra[i] {
			st.Note = nfsJoin(st.Note, e)
		}
	}
	disk := map[string][]string{}
	for _, name := range d.servers {
		// The disk at the end, for the result and for the evidence.
		for _, st := range d.snapshot(name, false) {
			disk[d.clientPath(name, st.Path)] = st.Blocks
		}
	}
	r.Result.Disk = disk
	file := *r.Scenario
	file.Workload = file.Workload[:r.Rows()]
	d.ev.FillKeys(&file)
	r.Result.Evidence = d.ev
	history := d.history(disk)
	if len(d.lost) > 0 {
		r.Result.AddPart(LostPart, d.lost)
	}
	if len(history) > 0 {
		r.Result.AddPart(HistoryPart, history)
	}
	r.Result.Stats.Counters = map[string]int{"path_lookups": d.lookups}
	for k := range r.Result.Faults {
		f := &r.Result.Faults[k]
		switch f.Kind {
		case "crash":
			n := 0
			for _, l := range d.lost {
				if l.Node == f.Node && l.At == f.At {
					n++
				}
			}
			if n > 0 {
				f.Detail = nfsJoin(f.Detail, fmt.Sprintf("lost %s of acknowledged data", nfsPlural(n, "block")))
			}
		case "restart":
			replays := d.replays[f.Node]
			for _, at := range nfsSortedTimes(replays) {
				if at.String() == f.At {
					f.Detail = nfsJoin(f.Detail, fmt.Sprintf("replayed %s from NVRAM", nfsPlural(replays[at], "inode")))
				}
			}
		}
	}
}

// history checks, for every file the rows wrote, whether its final durable
// blocks are the file as it stood at some point of the write history: the
// initial contents, then each successful write or append row applied in
// row order. The lecture's buffered server ends up with a disk that matches
// no such point. A file a row created or removed is left out: its history
// is not a sequence of block writes.
func (d *driver) history(disk map[string][]string) map[string]string {
	r := d.r
	initial := map[string][]string{}
	for _, f := range r.Scenario.Files {
		initial[f.Path] = f.Blocks
	}
	written, skip := map[string]bool{}, map[string]bool{}
	last := map[string]int{}
	// The file's rows: a program's steps keep no history.
	for i := range r.Rows() {
		s := &r.Scenario.Workload[i]
		switch s.Op {
		case "write", "append":
			written[s.File] = true
		case "create", "remove", "mkdir":
			skip[s.File] = true
		}
		if s.File != "" {
			last[s.File] = i
		}
	}
	out := map[string]string{}
	for _, path := range slices.Sorted(maps.Keys(written)) {
		if skip[path] {
			continue
		}
		state := append([]string{}, initial[path]...)
		match := ""
		final, onDisk := disk[path]
		if onDisk && slices.Equal(final, state) {
			match = "the initial contents"
		}
		for i := range r.Rows() {
			s, row := &r.Scenario.Workload[i], &d.rows[i]
			if s.File != path || (s.Op != "write" && s.Op != "append") || !row.done || row.res.Err != nil || !row.res.HasBlock {
				continue
			}
			b := row.res.Block
			for len(state) <= b {
				state = append(state, "")
			}
			state[b] = d.dataOf(i)
			if onDisk && slices.Equal(final, state) {
				match = fmt.Sprintf("the file after row %d (%s writes %s to block %d)", i+1, s.Client, state[b], b)
			}
		}
		var verdict string
		switch {
		case !onDisk:
			verdict = "not on the disk"
		case match == "":
			verdict = fmt.Sprintf("[%s] matches no point in time of the write history", strings.Join(final, " "))
		default:
			verdict = fmt.Sprintf("[%s] is %s", strings.Join(final, " "), match)
		}
		out[path] = verdict
		if onDisk && match == "" {
			// The lecture's "no write failed, but disk state doesn't
			// match any point in time": worth a note in the table.
			st := &r.Result.Steps[last[path]]
			st.Note = nfsJoin(st.Note, "final disk "+verdict)
		}
	}
	return out
}

// CallStarted implements rpc.Observer: the call belongs to the row the
// calling client is running, if any (a client's MNT at boot belongs to
// none).
func (d *driver) CallStarted(at sim.Time, from, to sim.NodeID, proc string, id rpc.CallID) {
	r := d.r
	r.Result.Stats.Calls[proc]++
	cl, ok := nfs.ClientOn(r.World.Handler(from))
	if !ok {
		return
	}
	op, running := cl.Running()
	if !running {
		return
	}
	st := &r.Result.Steps[op.Tag]
	st.Calls = append(st.Calls, report.Call{From: r.World.Name(from), To: r.World.Name(to), Proc: proc})
	d.calls[id.Key()] = callRef{op.Tag, len(st.Calls) - 1, r.StepRun(op.Tag)}
	if op.Tag < r.Rows() {
		// A program step reports no executions: its calls are
		// forgotten when they end (CallDone), so that the driver's
		// memory does not grow with the run.
		d.rows[op.Tag].calls = append(d.rows[op.Tag].calls, id)
	}
}

// Attempt implements rpc.Observer: attempts counts the call's sends.
func (d *driver) Attempt(at sim.Time, id rpc.CallID, n int) {
	if ref, ok := d.calls[id.Key()]; ok && ref.run == d.r.StepRun(ref.step) {
		// A call that outlived its program step's slot (the client's
		// next iteration reused it) no longer has a place to count in.
		d.r.Result.Steps[ref.step].Calls[ref.idx].Attempts = n
	}
}

// Executed implements rpc.Observer.
func (d *driver) Executed(at sim.Time, server sim.NodeID, proc string, id rpc.CallID) {
	key := id.Key()
	ref, known := d.calls[key]
	if known && ref.step < d.r.Rows() {
		d.execs[key]++
	}
	if d.onExecute != nil {
		d.onExecute(id, proc)
	}
	d.execRow = -1
	if known {
		d.execRow = ref.step
	}
}

// CallDone implements rpc.Observer: a program step's call is forgotten.
func (d *driver) CallDone(_ sim.Time, id rpc.CallID, _ error) {
	if ref, ok := d.calls[id.Key()]; ok && ref.step >= d.r.Rows() {
		delete(d.calls, id.Key())
	}
}

// Dropped implements rpc.Observer.
func (d *driver) Dropped(sim.Time, sim.NodeID, rpc.CallID, string) {}

// CachedReply implements rpc.Observer.
func (d *driver) CachedReply(sim.Time, sim.NodeID, rpc.CallID) {}

// Lookup implements nfs.ServerObserver: a server resolved one name.
func (d *driver) Lookup(at sim.Time, server sim.NodeID, dir uint32, name string) {
	d.lookups++
	if d.execRow >= 0 {
		d.rows[d.execRow].lookups++
	}
}

// clientPath returns the path in the clients' namespace of file p (relative
// to the root) of server: below the first mount of server's export that
// holds p and that no longer mount hides; "server:/p" when no client can
// see the file.
func (d *driver) clientPath(server, p string) string {
	for i, m := range d.mounts {
		if m.Server != server {
			continue
		}
		rel, ok := below(m.Export, p)
		if !ok {
			continue
		}
		cp := nfsJoinPath(m.On, rel)
		if j, _ := nfsMountOf(d.mounts, cp); j == i {
			return cp
		}
	}
	return server + ":/" + p
}

// nfsJoinPath joins rel (relative) below dir (absolute), relative to the
// root: ("/backups", "x") is "backups/x".
func nfsJoinPath(dir, rel string) string {
	d := strings.TrimPrefix(dir, "/")
	switch {
	case d == "":
		return rel
	case rel == "":
		return d
	}
	return d + "/" + rel
}

func nfsJoin(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + "; " + b
}

func nfsPlural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// nfsSortedTimes returns a map's times in order.
func nfsSortedTimes(m map[sim.Time]int) []sim.Time {
	ts := make([]sim.Time, 0, len(m))
	for t := range m {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	return ts
}
