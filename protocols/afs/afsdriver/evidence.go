package afsdriver

import (
	"maps"
	"slices"

	"github.com/sim-lecture/sim/protocols/afs"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/fileops"
	"github.com/sim-lecture/sim/sim"
)

// The driver records the evidence of the file systems' invariants
// (fileops.Evidence): every version a file server makes visible (its
// OnStore), every removal, what each row did (an open's version and
// where it came from, a cached open's callback), and the servers' disks at
// the end. A file is keyed by its path: AFS names versions per path. A
// program step's run gets a row of its own as it starts (AddStep), until
// the evidence reaches its bounds (fileops.MaxRows, MaxChanges).

// newEvidence starts the evidence of a run: the scenario's files are
// version 1, and the file's rows have a row each.
func newEvidence(r *scenarios.SystemRun) *fileops.Evidence {
	sc := r.Scenario
	ev := fileops.NewEvidence(sc)
	ev.Rows = ev.Rows[:r.Rows()]
	for _, f := range sc.Files {
		ev.Initial[f.Path] = append([]string{}, f.Blocks...)
		ev.Paths[f.Path] = f.Path
	}
	return ev
}

// stored records a version a server made visible.
func (d *driver) stored(r *scenarios.SystemRun, path string, version uint64, data []string) {
	now := r.World.Now()
	d.ev.Paths[path] = path
	d.ev.AddChange(fileops.Change{At: now, Key: path, Blocks: data, Version: version, Acked: true, AckedAt: now})
}

// removed records a file a server removed.
func (d *driver) removed(r *scenarios.SystemRun, path string) {
	now := r.World.Now()
	d.ev.AddChange(fileops.Change{At: now, Key: path, Removed: true, Acked: true, AckedAt: now})
}

// rowDone records what row i, issued at start, did.
func (d *driver) rowDone(r *scenarios.SystemRun, i int, start sim.Time, res afs.Result) {
	s := &r.Scenario.Workload[i]
	k := i
	if i >= r.Rows() {
		k = d.rows[i].evRow
	}
	if k < 0 || !d.ev.Recording(r.World.Now()) {
		return // the evidence stopped before the row returned
	}
	row := &d.ev.Rows[k]
	row.Started, row.Done, row.Finished, row.OK = start, r.World.Now(), true, res.Err == nil
	row.Key = s.File
	if res.Value != nil {
		row.Value, row.HasValue = *res.Value, true
		row.Block, row.HasBlock = s.Block, true
	}
	if res.Err != nil {
		return
	}
	switch s.Op {
	case "open", "create":
		row.Saw = d.versionChange(s.File, res.Version, -1)
		if row.Saw == fileops.Unknown && res.Version == 1 {
			if _, ok := d.ev.Initial[s.File]; ok {
				row.Saw = fileops.Initial
			}
		}
		row.Shared = res.Source == afs.SourceShared
		row.Cached = res.Source == afs.SourceLocal || row.Shared
		if row.Cached {
			row.Callback = &fileops.Callback{Asked: res.Callback.Asked, Expires: res.Callback.Expires}
		}
	case "close":
		row.Stored = d.versionChange(s.File, res.Version, start)
	}
}

// versionChange is the index of the latest change that made version of
// path visible at or after since, or fileops.Unknown.
func (d *driver) versionChange(path string, version uint64, since sim.Time) int {
	changes := d.ev.ChangesOf(path)
	for j := len(changes) - 1; j >= 0; j-- {
		i := changes[j]
		c := &d.ev.Changes[i]
		if c.Version == version && !c.Removed {
			if c.At < since {
				return fileops.Unknown
			}
			return i
		}
	}
	return fileops.Unknown
}

// finishEvidence records the servers' disks at the end of the run,
// unless the evidence stopped before it.
func (d *driver) finishEvidence(r *scenarios.SystemRun) {
	r.Result.Evidence = d.ev
	if !d.ev.Recording(r.World.Now()) {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(d.servers)) {
		id, ok := r.World.Lookup(name)
		if !ok {
			continue
		}
		d.ev.Durable = append(d.ev.Durable, fileops.Snapshot{At: r.World.Now(), Server: name, Files: afs.ServerFiles(r.World.Disk(id))})
	}
}
