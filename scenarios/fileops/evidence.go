package fileops

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

// Evidence is what a file system's run records for the invariants of the
// file systems (report.System.Evidence): how each file changed at its
// server, what each workload row did, and what the servers' disks held
// when they crashed and when the run ended. Both file systems record it
// the same way, so that each system's promises can be checked on the
// other's runs: the lecture's anomalies of NFS are the promises of AFS,
// and the other way round.
//
// Files are named by keys: what identifies a file at its server (for NFS
// the server and the inode, for AFS the path). Paths names each key as
// the clients see it.
type Evidence struct {
	// Initial holds each file's content when the run began, by key; a
	// key not in it did not exist.
	Initial map[string][]string
	// Paths is each key's path, as the clients see it.
	Paths map[string]string
	// Servers is each key's server, for keys that name one server's file
	// (NFS): the server whose disk snapshots hold it.
	Servers map[string]string
	// Changes lists every change of a file's content at its server, in
	// the order they happened.
	Changes []Change
	// Rows has one entry per workload row of the file, then one per
	// program step that ran (AddStep), whose row is in Steps.
	Rows  []Row
	Steps []scenarios.Step
	// Durable lists what the servers' disks held when each server crashed
	// and when the run ended.
	Durable []Snapshot
	// Horizon, when not 0, is when the evidence stopped: a run of
	// programs filled MaxRows or MaxChanges then. It is complete up to
	// Horizon and holds nothing after it (no row that returned later, no
	// change, no disk at a later crash or at the end), so the invariants
	// judge the run up to Horizon: its memory does not grow with the run.
	Horizon sim.Time
	// last[key] is the index of key's latest change that is not a
	// revert; byKey, built on first use, lists each key's changes.
	last  map[string]int
	byKey map[string][]int
}

// Bounds of the evidence of a run with programs: past them it stops
// (Horizon). A row costs about 400 bytes with its step, a change about
// 100 and its blocks.
const (
	MaxRows    = 50_000
	MaxChanges = 100_000
)

// Change is one change of a file at its server: from At on, a read at the
// server returns the new content.
type Change struct {
	At  sim.Time
	Key string
	// Blocks is the whole file after the change; Removed says the file
	// is gone instead.
	Blocks  []string
	Removed bool
	// Revert says the server forgot the file's changes in a crash: the
	// file is again what its disk held (a buffered write lost). It is not
	// a client's change.
	Revert bool
	// Version is the protocol's number of the new content (AFS), 0 when
	// the protocol numbers none.
	Version uint64
	// Acked says the server acknowledged the change to the client that
	// made it (its reply left the server), at AckedAt.
	Acked   bool
	AckedAt sim.Time
}

// Snapshot is what one server's disk held at an instant: the files a
// restarted server would serve, by key.
type Snapshot struct {
	At     sim.Time
	Server string
	// Crash says the snapshot was taken as the server crashed; otherwise
	// at the end of the run.
	Crash bool
	Files map[string][]string
}

// Row is what one workload row did.
type Row struct {
	// Started is when the client began the operation (a row issued while
	// the client's previous one runs waits for it); Done when it
	// finished, if Finished.
	Started, Done sim.Time
	Finished      bool
	// OK says the operation succeeded.
	OK bool
	// Key is the file the row acted on at its server ("" when unknown).
	Key string
	// Block is the block a read returned (HasBlock), and Value what.
	Block    int
	HasBlock bool
	Value    string
	HasValue bool
	// Dirty says a read returned the client's own unflushed write.
	Dirty bool
	// Cached says the row used a copy cached at the client without asking
	// the server: an AFS open under its callback, an NFS read under fresh
	// attributes.
	Cached bool
	// Shared says an open joined a copy the client already had open (AFS:
	// the fds of one client share one copy of a file).
	Shared bool
	// Saw is, for an open, the index in Changes of the file's content the
	// open got, Initial (-1) for the content the run began with, or
	// Unknown.
	Saw int
	// Callback is, for an AFS open from the cache, the callback it relied
	// on.
	Callback *Callback
	// Stored is, for a close that stored the client's changes, the index
	// in Changes of the content it stored, or Unknown.
	Stored int
}

// Values of Row.Saw besides an index of Changes.
const (
	Initial = -1
	Unknown = -2
)

// Callback is a callback promise as the client held it.
type Callback struct {
	// Asked is when the client sent the call that obtained it; it lasts
	// until Expires.
	Asked, Expires sim.Time
}

// NewEvidence returns empty evidence for a scenario's rows.
func NewEvidence(sc *scenarios.Scenario) *Evidence {
	ev := &Evidence{Initial: map[string][]string{}, Paths: map[string]string{}, Servers: map[string]string{},
		Rows: make([]Row, len(sc.Workload)), last: map[string]int{}}
	for i := range ev.Rows {
		ev.Rows[i].Saw, ev.Rows[i].Stored = Unknown, Unknown
	}
	return ev
}

// Recording says whether the evidence still records what happens now:
// it has no Horizon, or now is not after it.
func (ev *Evidence) Recording(now sim.Time) bool { return ev.Horizon == 0 || now <= ev.Horizon }

// stop sets the Horizon at now, when it has none.
func (ev *Evidence) stop(now sim.Time) {
	if ev.Horizon == 0 {
		ev.Horizon = max(now, 1)
	}
}

// AddStep adds a row for a program step that starts now and returns its
// index in Rows, or -1 when the evidence has stopped (or stops now: it
// holds MaxRows rows).
func (ev *Evidence) AddStep(st *scenarios.Step, now sim.Time) int {
	if !ev.Recording(now) {
		return -1
	}
	if len(ev.Rows) >= MaxRows {
		ev.stop(now)
		return -1
	}
	ev.Rows = append(ev.Rows, Row{Started: now, Saw: Unknown, Stored: Unknown})
	ev.Steps = append(ev.Steps, *st)
	return len(ev.Rows) - 1
}

// AddChange records a change and returns its index in Changes, or -1
// when the evidence has stopped (or stops now: it holds MaxChanges).
func (ev *Evidence) AddChange(c Change) int {
	if !ev.Recording(c.At) {
		return -1
	}
	if len(ev.Changes) >= MaxChanges {
		ev.stop(c.At)
		return -1
	}
	ev.Changes = append(ev.Changes, c)
	if !c.Revert {
		if ev.last == nil {
			ev.last = map[string]int{}
		}
		ev.last[c.Key] = len(ev.Changes) - 1
	}
	if ev.byKey != nil {
		ev.byKey[c.Key] = append(ev.byKey[c.Key], len(ev.Changes)-1)
	}
	return len(ev.Changes) - 1
}

// Step is row i's step: the file's row i, or a program step's.
func (ev *Evidence) Step(sc *scenarios.Scenario, i int) *scenarios.Step {
	if i < len(sc.Workload) {
		return &sc.Workload[i]
	}
	return &ev.Steps[i-len(sc.Workload)]
}

// label names row i in messages: "row N" for the file's rows, "a
// program step" for a program's.
func (ev *Evidence) label(sc *scenarios.Scenario, i int) string {
	if i < len(sc.Workload) {
		return fmt.Sprintf("row %d", i+1)
	}
	return "a program step"
}

// ChangesOf lists the indexes of key's changes, in order (an index
// built on first use and kept by AddChange).
func (ev *Evidence) ChangesOf(key string) []int {
	if ev.byKey == nil {
		ev.byKey = map[string][]int{}
		for i := range ev.Changes {
			k := ev.Changes[i].Key
			ev.byKey[k] = append(ev.byKey[k], i)
		}
	}
	return ev.byKey[key]
}

// FillKeys gives every row that names an fd, and has no key yet, the key
// of the file its open row opened. sc is the scenario as the file has
// it: its rows come first.
func (ev *Evidence) FillKeys(sc *scenarios.Scenario) {
	open := map[[2]string]string{}
	for i := range ev.Rows {
		st, r := ev.Step(sc, i), &ev.Rows[i]
		if st.FD == "" {
			continue
		}
		k := [2]string{st.Client, st.FD}
		if st.Op == "open" || st.Op == "create" {
			open[k] = r.Key
			continue
		}
		if r.Key == "" {
			r.Key = open[k]
		}
	}
}

// LastChange is the index of the latest change of key made at or before t
// that is not a revert, or Unknown.
func (ev *Evidence) LastChange(key string, t sim.Time) int {
	if i, ok := ev.last[key]; ok && ev.Changes[i].At <= t && len(ev.Changes) > 0 && ev.Changes[len(ev.Changes)-1].At <= t {
		return i // every change is at or before t: the latest is key's
	}
	for i := len(ev.Changes) - 1; i >= 0; i-- {
		if c := &ev.Changes[i]; c.Key == key && !c.Revert && c.At <= t {
			return i
		}
	}
	return Unknown
}

// DataOf is what a write or append row writes: its data, or the format's
// unique token CLIENT@TIME.
func DataOf(st *scenarios.Step) string {
	if st.HasData {
		return st.Data
	}
	return st.Client + "@" + sim.FormatDuration(st.At)
}

// state is a file's content, or its absence.
type state struct {
	exists bool
	blocks []string
}

func (s state) equal(t state) bool {
	return s.exists == t.exists && (!s.exists || slices.Equal(s.blocks, t.blocks))
}

func (s state) String() string {
	if !s.exists {
		return "absent"
	}
	blocks := make([]string, len(s.blocks))
	for i, b := range s.blocks {
		blocks[i] = quoteValue(b)
	}
	return "[" + strings.Join(blocks, " ") + "]"
}

// block returns block b of the content ("" past the end, as a read there
// returns), and false when the file does not exist.
func (s state) block(b int) (string, bool) {
	switch {
	case !s.exists:
		return "", false
	case b < len(s.blocks):
		return s.blocks[b], true
	}
	return "", true
}

func (ev *Evidence) initial(key string) state {
	b, ok := ev.Initial[key]
	return state{ok, b}
}

func (c *Change) state() state { return state{!c.Removed, c.Blocks} }

// path names a key for messages.
func (ev *Evidence) path(key string) string {
	if p := ev.Paths[key]; p != "" {
		return p
	}
	return key
}

// delta is what one client's change did to a file, relative to the file
// just before it at its server: the blocks it set and the length it left
// (a write, an append, a truncation), or the file created whole or
// removed.
type delta struct {
	change  int
	removed bool
	created bool
	blocks  []string // created: the whole file
	length  int
	set     map[int]string
}

func diff(base state, c *Change) delta {
	d := delta{removed: c.Removed}
	switch {
	case c.Removed:
	case !base.exists:
		d.created, d.blocks = true, c.Blocks
	default:
		d.length, d.set = len(c.Blocks), map[int]string{}
		for i, b := range c.Blocks {
			if i >= len(base.blocks) || base.blocks[i] != b {
				d.set[i] = b
			}
		}
	}
	return d
}

func (d delta) apply(s state) state {
	switch {
	case d.removed:
		return state{}
	case d.created || !s.exists:
		// A change of a file the history does not have is taken whole.
		if !d.created {
			return state{true, nil}
		}
		return state{true, append([]string(nil), d.blocks...)}
	}
	out := append([]string(nil), s.blocks...)
	for len(out) < d.length {
		out = append(out, "")
	}
	out = out[:d.length]
	for i, b := range d.set {
		out[i] = b
	}
	return state{true, out}
}

// history is one file's changes as clients made them: each change's delta
// on the file as its server held it just before, so that a change made
// after a crash made the server forget others applies to what the client
// history says the file was, not to what the server remembered.
type history struct {
	key    string
	deltas []delta // in the order the server made them
	// reverts are the instants at which the server forgot changes.
	reverts []sim.Time
}

// histories returns the history of every key that changed, by key.
func (ev *Evidence) histories() map[string]*history {
	out := map[string]*history{}
	base := map[string]state{}
	for i := range ev.Changes {
		c := &ev.Changes[i]
		h := out[c.Key]
		if h == nil {
			h = &history{key: c.Key}
			out[c.Key] = h
			base[c.Key] = ev.initial(c.Key)
		}
		if c.Revert {
			h.reverts = append(h.reverts, c.At)
			base[c.Key] = c.state()
			continue
		}
		d := diff(base[c.Key], c)
		d.change = i
		h.deltas = append(h.deltas, d)
		base[c.Key] = c.state()
	}
	return out
}

// points returns the states a disk may hold at t for the history to be a
// point in time: the initial content, then each acknowledged change (by
// time of acknowledgment) applied in turn. pending lists the changes made
// but not yet acknowledged at t and not forgotten since (under
// write-through, a change whose disk writes are under way).
func (ev *Evidence) points(h *history, t sim.Time) (points []state, pending []delta) {
	var acked []delta
	var lastRevert sim.Time = -1
	for _, r := range h.reverts {
		if r <= t {
			lastRevert = r
		}
	}
	for _, d := range h.deltas {
		c := &ev.Changes[d.change]
		switch {
		case c.Acked && c.AckedAt <= t:
			acked = append(acked, d)
		case c.At <= t && c.At >= lastRevert:
			pending = append(pending, d)
		}
	}
	sort.SliceStable(acked, func(i, j int) bool {
		return ev.Changes[acked[i].change].AckedAt < ev.Changes[acked[j].change].AckedAt
	})
	s := ev.initial(h.key)
	points = append(points, s)
	for _, d := range acked {
		s = d.apply(s)
		points = append(points, s)
	}
	return points, pending
}

// withPending returns last and last with each prefix of pending applied.
func withPending(last state, pending []delta) []state {
	out := []state{last}
	for _, d := range pending {
		last = d.apply(last)
		out = append(out, last)
	}
	return out
}

func containsState(list []state, s state) bool {
	for _, x := range list {
		if x.equal(s) {
			return true
		}
	}
	return false
}

// snapshotState is key's content in a snapshot.
func snapshotState(s *Snapshot, key string) state {
	b, ok := s.Files[key]
	return state{ok, b}
}

// has reports whether the snapshot's server holds key (servers maps each
// key to its server).
func (s *Snapshot) has(key string, servers map[string]string) bool {
	return servers[key] == s.Server
}

// describeSnapshot says whose disk a snapshot is, and when it was taken:
// "server's disk holds X as it crashed at 25s".
func describeSnapshot(s *Snapshot, file string, content state) string {
	if s.Crash {
		return fmt.Sprintf("%s: %s's disk holds %s as it crashed at %s", file, s.Server, content, s.At)
	}
	return fmt.Sprintf("%s: %s's disk holds %s at the end of the run", file, s.Server, content)
}

// chain writes states as "[] → [A] → [A B]", at most eight of them.
func chain(states []state) string {
	var parts []string
	for i, s := range states {
		if len(states) > 8 && i == 3 {
			parts = append(parts, "...")
		}
		if len(states) > 8 && i >= 3 && i < len(states)-4 {
			continue
		}
		parts = append(parts, s.String())
	}
	return strings.Join(parts, " → ")
}

// PointInTime checks that every disk snapshot holds each file as it was
// after some prefix of the acknowledged changes, applied in the order the
// server acknowledged them: the lecture's "Server Write Buffer Lost",
// whose buffered server ends with a disk that "doesn't match any point in
// time". A key's snapshots are those of its server (Servers).
func PointInTime(ev *Evidence) []string {
	servers := ev.Servers
	var bad []string
	hs := ev.histories()
	for si := range ev.Durable {
		snap := &ev.Durable[si]
		for _, key := range sortedKeys(hs) {
			if !snap.has(key, servers) {
				continue
			}
			points, pending := ev.points(hs[key], snap.At)
			got := snapshotState(snap, key)
			if containsState(points, got) || containsState(withPending(points[len(points)-1], pending), got) {
				continue
			}
			bad = append(bad, fmt.Sprintf("%s, which is no point in time of the acknowledged writes (%s)",
				describeSnapshot(snap, ev.path(key), got), chain(points)))
		}
	}
	return bad
}

// AcknowledgedDurable checks that every disk snapshot holds each file with
// every change the server had acknowledged by then: under write-through
// and NVRAM an acknowledged write survives a crash (the lecture's two
// solutions to "Server Write Buffer Lost").
func AcknowledgedDurable(ev *Evidence) []string {
	servers := ev.Servers
	var bad []string
	hs := ev.histories()
	for si := range ev.Durable {
		snap := &ev.Durable[si]
		for _, key := range sortedKeys(hs) {
			if !snap.has(key, servers) {
				continue
			}
			points, pending := ev.points(hs[key], snap.At)
			want := points[len(points)-1]
			got := snapshotState(snap, key)
			if containsState(withPending(want, pending), got) {
				continue
			}
			bad = append(bad, fmt.Sprintf("%s; the acknowledged writes make it %s%s",
				describeSnapshot(snap, ev.path(key), got), want, ev.lastAck(hs[key], snap.At, want, got)))
		}
	}
	return bad
}

// lastAck names the latest acknowledged change whose block the disk
// lacks: " (block 1 = Y, acknowledged at 22.01s, is lost)".
func (ev *Evidence) lastAck(h *history, t sim.Time, want, got state) string {
	if !want.exists || !got.exists {
		return ""
	}
	for i := len(h.deltas) - 1; i >= 0; i-- {
		d := h.deltas[i]
		c := &ev.Changes[d.change]
		if !c.Acked || c.AckedAt > t {
			continue
		}
		for b, v := range d.set {
			if g, _ := got.block(b); g != v {
				if w, _ := want.block(b); w == v {
					return fmt.Sprintf(" (block %d = %s, acknowledged at %s, is lost)", b, v, c.AckedAt)
				}
			}
		}
	}
	return ""
}

// Staleness checks that no read returned data older than bound: a read
// that began at t and returned a value the server had replaced at t' < t
// is t - t' old. The lecture's NFS client "could read data that is up to
// 3 seconds old" with attribute entries that expire after 3 seconds.
// Reads of the client's own unflushed writes, and values the server never
// held, are not judged.
func Staleness(ev *Evidence, sc *scenarios.Scenario, bound sim.Time) []string {
	var bad []string
	for i := range ev.Rows {
		r := &ev.Rows[i]
		if !r.Finished || !r.OK || !r.HasValue || !r.HasBlock || r.Key == "" || r.Dirty {
			continue
		}
		age, ok := ev.age(r)
		if !ok || age <= bound {
			continue
		}
		st := ev.Step(sc, i)
		bad = append(bad, fmt.Sprintf("%s (%s's read of %s block %d at %s) returned %s, which the server had replaced %s before: more than %s",
			ev.label(sc, i), st.Client, ev.path(r.Key), r.Block, r.Started, quoteValue(r.Value), age, bound))
	}
	return bad
}

// age is how long before r began the server had replaced the value r
// returned (0 when the value was current at some instant of the read),
// and false when the server never held that value.
func (ev *Evidence) age(r *Row) (sim.Time, bool) {
	cur := ev.initial(r.Key)
	from := sim.Time(-1) << 62 // the initial content holds from the beginning
	best, found := sim.Time(0), false
	consider := func(v string, ok bool, start, end sim.Time, last bool) bool {
		if !ok || v != r.Value || start > r.Done {
			return false
		}
		if last || end > r.Started {
			return true // current at some instant of the read
		}
		best, found = r.Started-end, true
		return false
	}
	for _, i := range ev.ChangesOf(r.Key) {
		c := &ev.Changes[i]
		v, ok := cur.block(r.Block)
		if consider(v, ok, from, c.At, false) {
			return 0, true
		}
		cur, from = c.state(), c.At
	}
	v, ok := cur.block(r.Block)
	if consider(v, ok, from, 0, true) {
		return 0, true
	}
	return best, found
}

func quoteValue(v string) string {
	if v == "" {
		return `""`
	}
	return v
}

// copyOf is one open copy of a file at a client: opened by one open,
// shared by the client's later opens that joined it, closed by its last
// close.
type copyOf struct {
	client, key, path string
	open              int // the row that opened it
	fds               int
	view              state
	known             bool
	written           bool
}

// walkCopies follows each client's open copies through the rows in order
// (a client runs its rows one at a time), calling visit for each row that
// acts on an open copy with the copy's view before the row; a write or an
// append changes the view.
func walkCopies(ev *Evidence, sc *scenarios.Scenario, visit func(i int, cp *copyOf)) {
	fds := map[[2]string]*copyOf{}     // (client, fd) -> copy
	current := map[[2]string]*copyOf{} // (client, path) -> the copy later opens may share
	for i := range ev.Rows {
		st := ev.Step(sc, i)
		r := &ev.Rows[i]
		fdKey := [2]string{st.Client, st.FD}
		switch st.Op {
		case "open", "create":
			if st.FD == "" || !r.OK {
				continue
			}
			cp := current[[2]string{st.Client, st.File}]
			if !r.Shared || cp == nil || cp.fds == 0 {
				cp = &copyOf{client: st.Client, key: r.Key, path: st.File, open: i}
				cp.view, cp.known = ev.seen(r)
				current[[2]string{st.Client, st.File}] = cp
			}
			cp.fds++
			fds[fdKey] = cp
			visit(i, cp)
			continue
		}
		cp := fds[fdKey]
		if cp == nil || st.FD == "" {
			continue
		}
		visit(i, cp)
		if !r.OK {
			continue
		}
		switch st.Op {
		case "write":
			if cp.known {
				cp.view = blockWrite(cp.view, st.Block, DataOf(st))
			}
			cp.written = true
		case "append":
			if cp.known {
				cp.view = state{true, append(append([]string(nil), cp.view.blocks...), DataOf(st))}
			}
			cp.written = true
		case "close":
			delete(fds, fdKey)
			cp.fds--
		}
	}
}

func blockWrite(s state, b int, data string) state {
	out := append([]string(nil), s.blocks...)
	for len(out) <= b {
		out = append(out, "")
	}
	out[b] = data
	return state{true, out}
}

// seen is the content an open got, and whether it is known.
func (ev *Evidence) seen(r *Row) (state, bool) {
	switch {
	case r.Saw == Initial:
		s := ev.initial(r.Key)
		return s, s.exists
	case r.Saw >= 0 && r.Saw < len(ev.Changes):
		s := ev.Changes[r.Saw].state()
		return s, s.exists
	}
	return state{}, false
}

// SessionSemantics checks that between open and close a client sees one
// version of a file: every read through an open copy returns the block
// of the content the open got, or what the client itself wrote there
// since (the lecture's AFS: "Use same version of file entire time between
// open and close").
func SessionSemantics(ev *Evidence, sc *scenarios.Scenario) []string {
	var bad []string
	walkCopies(ev, sc, func(i int, cp *copyOf) {
		st, r := ev.Step(sc, i), &ev.Rows[i]
		if st.Op != "read" || !cp.known || !r.OK || !r.HasValue {
			return
		}
		want, _ := cp.view.block(st.Block)
		if r.Value == want {
			return
		}
		bad = append(bad, fmt.Sprintf("%s (%s's read of %s block %d at %s) returned %s; the copy opened %s holds %s",
			ev.label(sc, i), st.Client, cp.path, st.Block, sim.FormatDuration(st.At), quoteValue(r.Value), ev.openedBy(sc, cp.open), quoteValue(want)))
	})
	return bad
}

// WholeFileVersions checks that a server's file is always one closed
// version, never a mix: every content a server gave a file is the whole
// content some client's copy had when its last close stored it (or the
// file's initial content, or the empty file a create made), and each
// file's disk holds its latest content at the end (the lecture's AFS:
// "update file on server atomically", "Never get mixed data on server").
func WholeFileVersions(ev *Evidence, sc *scenarios.Scenario) []string {
	stored := map[string][]state{}
	unknown := map[string]bool{}
	walkCopies(ev, sc, func(i int, cp *copyOf) {
		if ev.Step(sc, i).Op != "close" || cp.fds != 1 || !cp.written {
			return
		}
		if !cp.known {
			unknown[cp.key] = true
			return
		}
		stored[cp.key] = append(stored[cp.key], cp.view)
	})
	var bad []string
	last := map[string]state{}
	for i := range ev.Changes {
		c := &ev.Changes[i]
		last[c.Key] = c.state()
		if c.Revert || c.Removed || unknown[c.Key] {
			continue
		}
		s := c.state()
		if ev.initial(c.Key).equal(s) || len(c.Blocks) == 0 || containsState(stored[c.Key], s) {
			continue
		}
		what := ""
		if c.Version > 0 {
			what = fmt.Sprintf(" (version %d)", c.Version)
		}
		bad = append(bad, fmt.Sprintf("%s: the server held %s%s at %s, which no client's copy held whole when it was closed",
			ev.path(c.Key), s, what, c.At))
	}
	if ev.Horizon > 0 {
		// The evidence holds no disk at the end to compare with.
		return bad
	}
	final := map[string]state{}
	for si := range ev.Durable {
		snap := &ev.Durable[si]
		if snap.Crash {
			continue
		}
		for k, b := range snap.Files {
			final[k] = state{true, b}
		}
	}
	for _, key := range sortedKeys(last) {
		if want := last[key]; !want.equal(final[key]) {
			bad = append(bad, fmt.Sprintf("%s: the disk holds %s at the end, not the latest version %s", ev.path(key), final[key], want))
		}
	}
	return bad
}

// CallbackConsistency checks that a client uses a cached copy only under
// a valid callback, or after checking it again: an open from the cache
// relies on a callback that has not expired and that the client obtained
// since its own last crash; and no client uses a cached copy of a file
// without asking the server once another client's close has stored newer
// content (the lecture's AFS: "Tell clients when data is overwritten";
// "Client Crash: may have missed notification that cached copy changed").
func CallbackConsistency(ev *Evidence, sc *scenarios.Scenario) []string {
	var bad []string
	crashes := map[string][]sim.Time{}
	for _, f := range sc.Faults {
		if f.Kind == "crash" {
			crashes[f.Node] = append(crashes[f.Node], sim.Time(f.At))
		}
	}
	type stored struct {
		row    int
		key    string
		at     sim.Time // when the close returned
		made   sim.Time // when the content it stored became the server's
		client string
	}
	var closes []stored
	for i := range ev.Rows {
		st, r := ev.Step(sc, i), &ev.Rows[i]
		if st.Op == "close" && r.Finished && r.OK && r.Stored >= 0 && r.Stored < len(ev.Changes) {
			c := &ev.Changes[r.Stored]
			closes = append(closes, stored{i, c.Key, r.Done, c.At, st.Client})
		}
	}
	for i := range ev.Rows {
		st, r := ev.Step(sc, i), &ev.Rows[i]
		if !r.Cached || !r.Finished || !r.OK || r.Key == "" {
			continue
		}
		// The row's label, made only for a violation: most rows have none,
		// and a run of thousands of clients has up to MaxRows rows.
		label := func() string {
			return fmt.Sprintf("%s (%s's %s of %s at %s)", ev.label(sc, i), st.Client, st.Op, ev.path(r.Key), r.Started)
		}
		if cb := r.Callback; cb != nil {
			if r.Started >= cb.Expires {
				bad = append(bad, fmt.Sprintf("%s used its cached copy under a callback that expired at %s", label(), cb.Expires))
			}
			for _, t := range crashes[st.Client] {
				if t >= cb.Asked && t <= r.Started {
					bad = append(bad, fmt.Sprintf("%s used its cached copy under a callback obtained at %s, before its crash at %s", label(), cb.Asked, t))
				}
			}
		}
		replaced, ok := ev.replacedAt(r)
		if !ok {
			continue
		}
		for _, cl := range closes {
			if cl.key == r.Key && cl.client != st.Client && replaced <= cl.made && cl.at < r.Started {
				bad = append(bad, fmt.Sprintf("%s used a cached copy replaced at %s, after %s's close %s had returned at %s",
					label(), replaced, cl.client, ev.at(sc, cl.row), cl.at))
				break
			}
		}
	}
	return bad
}

// replacedAt is when the server replaced the content a cached row used:
// for an open, the version it got; for a read, the value it returned.
func (ev *Evidence) replacedAt(r *Row) (sim.Time, bool) {
	if r.HasValue && r.HasBlock {
		age, ok := ev.age(r)
		if !ok || age == 0 {
			return 0, false
		}
		return r.Started - age, true
	}
	if r.Saw == Unknown {
		return 0, false
	}
	for _, i := range ev.ChangesOf(r.Key) {
		if c := &ev.Changes[i]; i > r.Saw && !c.Revert {
			return c.At, true
		}
	}
	return 0, false
}

// openedBy says which row opened a copy: "at row N", or "by a program
// step".
func (ev *Evidence) openedBy(sc *scenarios.Scenario, i int) string {
	if i < len(sc.Workload) {
		return fmt.Sprintf("at row %d", i+1)
	}
	return "by a program step"
}

// at says where a row is, after a noun: "at row N", or "in a program".
func (ev *Evidence) at(sc *scenarios.Scenario, i int) string {
	if i < len(sc.Workload) {
		return fmt.Sprintf("at row %d", i+1)
	}
	return "in a program"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
