package nfsdriver

import (
	"sort"
	"strconv"

	"github.com/sim-lecture/sim/protocols/nfs"
	"github.com/sim-lecture/sim/scenarios/fileops"
	"github.com/sim-lecture/sim/sim"
)

// The driver records the evidence of the file systems' invariants
// (fileops.Evidence) as the run goes: every change a server commits and
// when it is acknowledged (nfs.ServerObserver), what a crash makes a
// buffered server forget, the disks at each server crash and at the end,
// and what each row did. A file is keyed by its server and inode. A
// program step's run gets a row of its own as it starts (AddStep), until
// the evidence reaches its bounds (fileops.MaxRows, MaxChanges): past its
// Horizon it records no change and no disk.

// fileKey names inode fileid of server: "server/7".
func fileKey(server string, fileid uint32) string {
	return server + "/" + strconv.FormatUint(uint64(fileid), 10)
}

// noteFile records a file's key, server and path.
func (d *driver) noteFile(server string, st nfs.FileState) string {
	key := fileKey(server, st.Fileid)
	d.ev.Servers[key] = server
	if st.Path != "" {
		d.ev.Paths[key] = d.clientPath(server, st.Path)
	}
	return key
}

// booted records a server's files when it first starts: the content the
// run begins with.
func (d *driver) booted(name string, s *nfs.Server) {
	if d.bootedOnce[name] {
		return
	}
	d.bootedOnce[name] = true
	for _, st := range s.FileStates() {
		d.ev.Initial[d.noteFile(name, st)] = st.Blocks
	}
}

// Changed implements nfs.ServerObserver.
func (d *driver) Changed(at sim.Time, server sim.NodeID, c nfs.Change) {
	name := d.r.World.Name(server)
	if d.pending[name] == nil {
		d.pending[name] = map[uint64][]int{}
	}
	for _, st := range c.Files {
		key := d.noteFile(name, st)
		if k := d.ev.AddChange(fileops.Change{At: at, Key: key, Blocks: st.Blocks, Removed: st.Removed}); k >= 0 {
			d.pending[name][c.ID] = append(d.pending[name][c.ID], k)
		}
	}
}

// Acknowledged implements nfs.ServerObserver.
func (d *driver) Acknowledged(at sim.Time, server sim.NodeID, id uint64) {
	name := d.r.World.Name(server)
	for _, i := range d.pending[name][id] {
		d.ev.Changes[i].Acked, d.ev.Changes[i].AckedAt = true, at
	}
	delete(d.pending[name], id)
}

// serverCrash records, as server crashes, what its disk holds and what
// its memory held that the disk lacks: the changes the crash makes it
// forget (under buffered, acknowledged writes).
func (d *driver) serverCrash(name string, s *nfs.Server) {
	if !d.ev.Recording(d.r.World.Now()) {
		d.pending[name] = nil
		return
	}
	d.snapshot(name, true)
	snap := &d.ev.Durable[len(d.ev.Durable)-1]
	memory := map[string]nfs.FileState{}
	for _, st := range s.FileStates() {
		memory[d.noteFile(name, st)] = st
	}
	now := d.r.World.Now()
	for _, key := range sortedKeys(memory, snap.Files) {
		m, inMemory := memory[key]
		disk, onDisk := snap.Files[key]
		switch {
		case inMemory && onDisk && equalBlocks(m.Blocks, disk):
		case onDisk:
			d.ev.AddChange(fileops.Change{At: now, Key: key, Blocks: disk, Revert: true})
		default:
			d.ev.AddChange(fileops.Change{At: now, Key: key, Removed: true, Revert: true})
		}
	}
	d.pending[name] = nil
}

// snapshot records what server name's disk holds now, while the
// evidence records, and returns its files.
func (d *driver) snapshot(name string, crash bool) []nfs.FileState {
	states, err := nfs.ReadFiles(d.r.World.Disk(d.r.Node(name)))
	if err != nil {
		panic("nfsdriver: the disk of nfs server " + name + " does not load: " + err.Error())
	}
	snap := fileops.Snapshot{At: d.r.World.Now(), Server: name, Crash: crash, Files: map[string][]string{}}
	for _, st := range states {
		snap.Files[d.noteFile(name, st)] = st.Blocks
	}
	if d.ev.Recording(snap.At) {
		d.ev.Durable = append(d.ev.Durable, snap)
	}
	return states
}

// rowDone records what row i did.
func (d *driver) rowDone(i int, res nfs.Result) {
	k := i
	if i >= d.r.Rows() {
		k = d.evRow[i-d.r.Rows()]
	}
	if k < 0 || !d.ev.Recording(d.r.World.Now()) {
		return // the evidence stopped before the row returned
	}
	r := &d.ev.Rows[k]
	r.Started, r.Done, r.Finished, r.OK = res.Started, d.r.World.Now(), true, res.Err == nil
	switch {
	case res.Fileid != 0:
		r.Key = fileKey(d.r.World.Name(res.Server), res.Fileid)
	case len(res.Writes) > 0:
		r.Key = fileKey(d.r.World.Name(res.Writes[0].Server), res.Writes[0].Fileid)
	}
	r.Block, r.HasBlock = res.Block, res.HasBlock
	r.Value, r.HasValue = res.Value, res.HasValue
	r.Dirty = res.Dirty
	r.Cached = res.Cached && !res.Revalidated && !res.Dirty
	switch s := &d.r.Scenario.Workload[i]; {
	case r.Key == "":
	case s.Op == "open" || s.Op == "create":
		r.Saw = d.ev.LastChange(r.Key, r.Done)
		if _, ok := d.ev.Initial[r.Key]; ok && r.Saw == fileops.Unknown {
			r.Saw = fileops.Initial
		}
	case s.Op == "close" && len(res.Writes) > 0:
		r.Stored = d.ev.LastChange(r.Key, r.Done)
	}
}

func equalBlocks(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sortedKeys returns the keys of both maps, sorted, each once.
func sortedKeys(a map[string]nfs.FileState, b map[string][]string) []string {
	seen := map[string]bool{}
	var keys []string
	for k := range a {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for k := range b {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
