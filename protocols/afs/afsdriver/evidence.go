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
// the end. A file is keyed by its path: AFS names versions per path.

// newEvidence starts the evidence of a run: the scenario's files are
// version 1.
func newEvidence(sc *scenarios.Scenario) *fileops.Evidence {
	ev := fileops.NewEvidence(sc)
	for _, f := range sc.Files {
		ev.Initial[f.Path] = append([]string{}, f.Blocks...)
		ev.Paths[f.Path] = f.Path
	}
	return ev
}

// stored records a version a server made visible.
func (d *driver) stored(r *scenarios.SystemRun, path string, version uint64, data []string) {
	if r.Rows() < len(r.Scenario.Workload) {
		return // a run with programs keeps no evidence (finishEvidence)
	}
	now := r.World.Now()
	d.ev.Paths[path] = path
	d.ev.Changes = append(d.ev.Changes, fileops.Change{At: now, Key: path, Blocks: data, Version: version, Acked: true, AckedAt: now})
}

// removed records a file a server removed.
func (d *driver) removed(r *scenarios.SystemRun, path string) {
	if r.Rows() < len(r.Scenario.Workload) {
		return
	}
	now := r.World.Now()
	d.ev.Changes = append(d.ev.Changes, fileops.Change{At: now, Key: path, Removed: true, Acked: true, AckedAt: now})
}

// rowDone records what row i, issued at start, did.
func (d *driver) rowDone(r *scenarios.SystemRun, i int, start sim.Time, res afs.Result) {
	if i >= r.Rows() {
		return // a program's step: the invariants check the file's rows
	}
	s := &r.Scenario.Workload[i]
	row := &d.ev.Rows[i]
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
	for i := len(d.ev.Changes) - 1; i >= 0; i-- {
		c := &d.ev.Changes[i]
		if c.Key == path && c.Version == version && !c.Removed {
			if c.At < since {
				return fileops.Unknown
			}
			return i
		}
	}
	return fileops.Unknown
}

// finishEvidence records the servers' disks at the end of the run. A
// run with programs has none: its invariants match each stored version
// to the close that stored it, and a program's steps keep no rows.
func (d *driver) finishEvidence(r *scenarios.SystemRun) {
	if r.Rows() < len(r.Scenario.Workload) {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(d.servers)) {
		id, ok := r.World.Lookup(name)
		if !ok {
			continue
		}
		d.ev.Durable = append(d.ev.Durable, fileops.Snapshot{At: r.World.Now(), Server: name, Files: afs.ServerFiles(r.World.Disk(id))})
	}
	d.ev.Rows = d.ev.Rows[:r.Rows()]
	r.Result.Evidence = d.ev
}
