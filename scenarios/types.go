package scenarios

import (
	"slices"
	"time"

	"github.com/sim-lecture/sim/netmodel"
)

// Scenario is a parsed and validated scenario file (see
// docs/scenario-format.md). Load fills every option with its default when the
// file does not set it, so a Scenario is complete: a driver never needs to
// know a default itself.
type Scenario struct {
	// File is the name the scenario was loaded from, as given to Load.
	File string
	// Name matches [a-z0-9_-]+.
	Name string
	// Description is the optional one-line description.
	Description string
	// Seed is the scenario's seed; 1 unless the file says otherwise.
	Seed uint64
	// Systems lists the systems to compare, in the order of the file: known,
	// non-empty, no duplicates.
	Systems []string
	// Network is the link model of every networked system (default
	// netmodel.DefaultParams(), per-direction overrides from network.links).
	Network netmodel.Config
	// Nodes lists every node of the scenario: the declared ones in the order
	// of `nodes`, then the servers its systems name (System.Servers, in
	// the order of the registry: for the file systems "server", the NFS
	// mount servers, the AFS volume location server, the AFS volume
	// servers and move_volume targets); then the nodes named by workload
	// rows, each in order of first appearance. A fault may only name a
	// node that is one of these.
	Nodes []Node
	// Blocks holds the value of every registered option block by name
	// (see Block): the file's keys on the block's defaults.
	Blocks map[string]any
	// Disk is the disk model of every node.
	Disk DiskOptions
	// Limits bound each system's run.
	Limits Limits
	// Report holds options of the output.
	Report ReportOptions
	// Files is the server's initial tree, in the order of the file (a
	// family's files where the family appears, in order).
	Files []File
	// Families are the entries of files with a count, in the order of
	// the file: groups of files a program step picks from.
	Families []FileFamily
	// Workload is the timeline, one Step per row that is not a program,
	// in the order of the file (which Load requires to be in
	// non-decreasing time). Step.Index is the row's index here.
	Workload []Step
	// Programs are the workload's program rows, in the order of the
	// file: steps that many clients run periodically.
	Programs []Program
	// Faults are the injected faults in the order of the file (any order in
	// time; equal times run in file order).
	Faults []Fault
	// Expect are the assertions checked after the run.
	Expect []Expectation
	// Variants are the settings under which the systems run the
	// workload, in the order of the file; nil when the file has no
	// `variants`, and then each system runs once with the options above.
	// Runs lists the runs they make.
	Variants []Variant
	// Explore is the `explore:` block, how `sim explore` draws a world
	// for each seed; nil when the file has none (DefaultExplorePlan).
	Explore *ExplorePlan
}

// Variant is one entry of `variants`: a named change of the file's options
// (and extra faults) under which each system it applies to runs the same
// workload again. The YAML form is
//
//	variants:
//	  - name: fixed_50ms                 # [a-z0-9_-]+, unique
//	    description: needless resends    # optional
//	    systems: [reliable]              # optional: the file's systems it applies to
//	    reliable: {rto: fixed, fixed_timeout: 50ms}
//	    faults: [{at: 3s, crash: server}]
//
// A variant may override the blocks network, disk, limits and every
// registered option block key by key, and add faults to the file's.
type Variant struct {
	// Name matches [a-z0-9_-]+ and is unique among the variants.
	Name string
	// Description is the optional one-line description.
	Description string
	// Systems are the systems of the file the variant applies to, in the
	// order of the file's systems; nil means all of them. A system that
	// no variant applies to runs once, with the file's own settings.
	Systems []string
	// Pos is the position of the entry.
	Pos Pos
	// Scenario is the whole scenario as this variant runs it, built and
	// validated by Load: each option block is the file's with the
	// variant's keys replacing the file's values for those keys (a
	// network.links of the variant replaces the file's list whole), and
	// Faults are the file's followed by the variant's; its Systems are
	// the variant's. Its Expect and Variants are nil: expectations belong
	// to the file's Scenario.
	Scenario *Scenario
}

// AppliesTo reports whether system runs under the variant.
func (v *Variant) AppliesTo(system string) bool {
	return v.Systems == nil || slices.Contains(v.Systems, system)
}

// RunSpec is one run that `sim run` makes of a scenario: one system
// under one variant, or under the file's own settings.
type RunSpec struct {
	// System is the system that runs.
	System string
	// Variant names the variant, "" for a run with the file's settings.
	Variant string
	// Scenario is the scenario the run follows: the variant's, or the
	// file's own.
	Scenario *Scenario
}

// Runs lists the runs of the scenario in the order `sim run` makes them:
// for each system of Systems, one run per variant that applies to it, in
// the order of Variants, or, when none does (or the file has no
// variants), one run with the file's own settings. A variant's Scenario
// is nil only in a Scenario not built by Load (Run reports it).
func (sc *Scenario) Runs() []RunSpec {
	var out []RunSpec
	for _, system := range sc.Systems {
		n := len(out)
		for i := range sc.Variants {
			if v := &sc.Variants[i]; v.AppliesTo(system) {
				out = append(out, RunSpec{System: system, Variant: v.Name, Scenario: v.Scenario})
			}
		}
		if len(out) == n {
			out = append(out, RunSpec{System: system, Scenario: sc})
		}
	}
	return out
}

// Pos is a position in the scenario file: 1-based line and column.
type Pos struct {
	Line, Col int
}

// Node is one node of the scenario. In the file, `nodes` is a list of names
// or of {name: X} maps.
type Node struct {
	// Name matches [A-Za-z0-9_-]+.
	Name string
	// Pos is where the node was declared or first named; it is zero for
	// the file server "server" when the file never names it.
	Pos Pos
}

// DiskOptions are the disk model of every node.
type DiskOptions struct {
	// WriteLatency is the time a write takes to become durable (default
	// 10ms).
	WriteLatency time.Duration
	// ReadLatency is the time a read takes (default 0).
	ReadLatency time.Duration
}

// ReportOptions are options of the output, in the top-level `report`
// block.
type ReportOptions struct {
	// Phases, when above 0, cuts the run into phases of this length and
	// reports, per system and phase, the clients active and the calls made
	// to servers per second (`report: {phases: 30s}`): how the server's
	// load grows as clients join.
	Phases time.Duration
	// MaxTableSteps and MaxTableClients are the most workload rows and
	// clients a timeline table shows (`report: {max_table_steps: 1000,
	// max_table_clients: 26}`): a run with more, or with a program,
	// prints a summary per system instead (report.Summary).
	MaxTableSteps, MaxTableClients int
}

// DefaultReport returns the report options of a scenario that does not
// set them.
func DefaultReport() ReportOptions {
	return ReportOptions{MaxTableSteps: 1000, MaxTableClients: 26}
}

// Summarized reports whether sc's runs are summarized rather than shown
// as a table: it has a program, or more rows or clients than the table
// thresholds.
func Summarized(sc *Scenario) bool {
	return len(sc.Programs) > 0 || !tableFits(sc)
}

// tableFits reports whether sc has rows and they fit the table
// thresholds.
func tableFits(sc *Scenario) bool {
	if len(sc.Workload) > sc.Report.MaxTableSteps || (len(sc.Workload) == 0 && len(sc.Programs) > 0) {
		return false
	}
	clients := map[string]bool{}
	for i := range sc.Workload {
		if c := sc.Workload[i].Client; c != "" {
			clients[c] = true
		}
	}
	return len(clients) <= sc.Report.MaxTableClients
}

// Limits bound each system's run.
type Limits struct {
	// MaxEvents stops a run after this many events (default 10,000,000).
	MaxEvents uint64
	// MaxTime stops a run at this virtual time (default 1h).
	MaxTime time.Duration
	// MaxBytesHeld stops a run when the payload held at once (in flight,
	// queued behind a link, in pending disk writes, or waiting in a
	// transport's send queue) exceeds it (default 256 MiB).
	MaxBytesHeld int64
	// MaxBytesMoved stops a run when the bytes sent over the network in
	// total exceed it (default 1 GiB).
	MaxBytesMoved int64
	// MaxTotalEvents bounds the events of all the file's runs together
	// (every system, every variant; default 20,000,000): each run may use
	// at most what the runs before it left, so that a file of many runs
	// ends in about a minute, like a file of one. Only the file's value
	// counts; a variant may not set it.
	MaxTotalEvents uint64
}

// File is one file of the server's initial tree.
type File struct {
	// Path is relative to the root, cleaned: "/home/x" and "home/x" are the
	// same file, stored as "home/x".
	Path string
	// Blocks are the contents of the file's blocks, from block 0.
	Blocks []string
	// Pos is where the file appears in the file.
	Pos Pos
}

// Step is one workload row: an application call at a given time.
//
// File-system rows (systems nfs, afs):
//
//	{at: 0,  op: open,   client: A, file: fileA, fd: f}
//	{at: 10, op: read,   client: A, fd: f, block: 1}
//	{at: 50, op: write,  client: B, fd: g, block: 1, data: b1-new}   # data optional
//	{at: 55, op: append, client: B, fd: g, data: tail}               # data optional
//	{at: 56, op: seek,   client: B, fd: g, block: 0}
//	{at: 70, op: close,  client: B, fd: g}
//	{at: 71, op: create, client: A, file: dir/x, fd: h}              # fd optional
//	{at: 72, op: remove | mkdir | stat, client: A, file: dir/x}
//
// Messaging rows (systems pipe, socket, udp, reliable):
//
//	{at: 0, op: send, from: A, to: B, count: 1000, size: 100B, interval: 1ms}
//
// count (default 1), size (default 100B) and interval (default 0) are
// optional. RPC rows (system rpc):
//
//	{at: 2s, op: call, client: A, server: S, proc: append, args: x}  # args optional
//
// Rows must be in non-decreasing time. An fd is a name local to its client:
// it must be opened (by open, or create with fd) before that client uses it,
// and not be open already when it is opened. Load fills File of a row that
// uses an fd with the file that fd was opened on.
type Step struct {
	// Pos is the position of the row.
	Pos Pos
	// Index is the 0-based row index.
	Index int
	// At is the absolute virtual time of the call.
	At time.Duration
	// Op is the operation.
	Op string
	// Client performs a file-system op or a call.
	Client string
	// FD names a file descriptor of Client.
	FD string
	// File is the (cleaned) path the op names, or the fd's file.
	File string
	// Block is the block index of read, write and seek; HasBlock says
	// whether the row has one.
	Block    int
	HasBlock bool
	// Data is what write or append writes; HasData says whether the row
	// gives it (without it the system writes a unique token).
	Data    string
	HasData bool
	// From and To are the endpoints of a send row.
	From, To string
	// ToPath is the new path of rename, link and symlink: their key "to"
	// (OpKey.Path). The result's step shows it as "to".
	ToPath string
	// Count is how many messages a send row sends (default 1).
	Count int
	// Size is each message's size in bytes (default 100), or truncate's
	// new length (OpKey.Length).
	Size int
	// Interval is the time between two messages of a send row (default 0).
	Interval time.Duration
	// Close, on a send row, closes the sender's direction of its
	// connection after the row's last message (a transport with
	// connections sends a FIN; others have nothing to close).
	Close bool
	// Server, Proc and Args describe a call row.
	Server, Proc, Args string
}

// Fault is one entry of the faults list. The YAML forms are:
//
//	{at: 65s, crash: server}
//	{at: 66s, restart: server}                     # the node must be crashed
//	{at: 30s, partition: [[A], [server, B]], heal_at: 40s}   # heal_at optional
//	{at: 40s, heal: all}                           # or heal: true; removes every partition and block
//	{at: 45s, low_memory: server}
//	{at: 50s, flush: server}                       # a file-system server
//	{at: 10s, network: {loss: 0.5, delay: 20ms}}   # patch every link
//	{at: 10s, link: {from: A, to: server, loss: 1}}   # patch one direction ("*" = any node)
//	{at: 10s, block: {from: A, to: server}}        # drop A -> server only
//	{at: 20s, unblock: {from: A, to: server}}
//	{at: 30s, move_volume: /home, to: server2}     # afs only
//
// Faults may come in any order of time; faults at the same time happen in
// the order of the file.
type Fault struct {
	// Pos is the position of the entry.
	Pos Pos
	// At is when the fault happens.
	At time.Duration
	// Kind names the fault's kind (FaultKinds): crash, restart, partition,
	// heal, network, link, block, unblock, or a system's kind such as
	// low_memory, flush or move_volume.
	Kind string
	// Node is the node of crash, restart and the systems' kinds that name
	// one (low_memory, flush).
	Node string
	// Groups are the sides of a partition (at least two, disjoint).
	Groups [][]string
	// HealAt is when a partition heals, if HasHeal; it is after At.
	HealAt  time.Duration
	HasHeal bool
	// From and To are the direction of link, block and unblock ("*" only
	// for link).
	From, To string
	// Patch is the change of a network or link fault.
	Patch netmodel.Patch
	// Data is what a system's kind decodes besides Node (move_volume: the
	// volume and its new server).
	Data any
}

// Expectation is one assertion checked after the run. It has one of two
// forms.
//
// A step expectation selects one workload row, either by its 1-based row
// number (`step: 5`) or by its time (`at: 80s`), narrowed when several rows
// share that time by any of client, from, to and op. It asserts any subset
// of: calls (the procs the step started, in order; [] means none), value
// (what a read returned), result (ok or an error name), executions (a call
// row: how many times the server ran the procedure), and, on a send row,
// the stream's sent, delivered, duplicates, retransmissions, lost,
// corrupted and in_order:
//
//	expect:
//	  - {system: nfs, at: 80s, client: A, calls: [GETATTR, READ]}
//	  - {step: 5, value: a2}
//	  - {system: socket, at: 0, from: A, delivered: 10, in_order: true}
//	  - {at: 2s, client: A, executions: 1}
//
// A disk expectation asserts a file's durable blocks at the end of the run:
//
//	expect:
//	  - {system: nfs, file: fileA, disk: [x, b, z]}
//
// A broken expectation says that the run breaks invariants of its system
// (System.Invariants): the scenario's lesson is a broken promise. Each
// named invariant must be violated in every run the expectation applies
// to; its violations are then listed as expected (report.Result.Broken)
// instead of failing the run, and `sim explore` does not report them:
//
//	expect:
//	  - {variant: buffered, broken: point_in_time_disk}     # or a list
//
// {may_break: NAME} says the runs may break the invariant, or keep it: a
// generated exercise whose lost replies and crashes may or may not make
// a retried increment run twice.
//
// system is optional: without it the expectation holds for every system of
// the scenario. variant is optional too: without it the expectation holds
// for every variant. An expectation that selects no row, or several, is an
// error at its position.
type Expectation struct {
	// Pos is the position of the entry.
	Pos Pos
	// System is the system it applies to; "" means every system.
	System string
	// Variant is the variant it applies to; "" means every variant (and
	// the only run of a scenario without variants).
	Variant string
	// Step is the 0-based index of the selected workload row, or -1 for a
	// disk expectation.
	Step int
	// Calls, when not nil, are the expected procs in order (possibly none).
	Calls *[]string
	// Value, when not nil, is the value a read must return.
	Value *string
	// Result, when not nil, is the expected result ("ok", "ESTALE", ...).
	Result *string
	// File is the (cleaned) path of a disk expectation.
	File string
	// Blocks, when not nil, are the file's expected durable blocks (an
	// empty non-nil slice expects an empty file).
	Blocks []string
	// Stream is the 0-based index of the selected row among the send rows
	// when the row is a send row, -1 otherwise.
	Stream int
	// Stream assertions (send rows only); nil means "not asserted".
	Sent, Delivered, Duplicates, Retransmissions, Lost, Corrupted *int
	// InOrder, when not nil, says whether the receiver must have seen the
	// stream in order.
	InOrder *bool
	// Executions, when not nil, is how many times the server must have run
	// the procedure of a call row.
	Executions *int
	// Broken, when not empty, are the invariants every run the
	// expectation applies to must break (a broken expectation; Step is
	// -1).
	Broken []string
	// MayBreak are invariants the runs may break or keep: their
	// violations are expected, and their holding is not a failure.
	MayBreak []string
}

// Block returns the value of the option block name (a pointer to the
// system's options struct, see Block.New), or nil when no system
// registered that block.
func (sc *Scenario) Block(name string) any { return sc.Blocks[name] }

// DefaultNetwork is the network of a scenario without a network block.
func DefaultNetwork() netmodel.Config {
	return netmodel.Config{Default: netmodel.DefaultParams()}
}

// DefaultDisk returns the disk model of a scenario that does not set it.
func DefaultDisk() DiskOptions {
	return DiskOptions{WriteLatency: 10 * time.Millisecond}
}

// DefaultLimits returns the run bounds of a scenario that does not set them.
func DefaultLimits() Limits {
	return Limits{MaxEvents: 10_000_000, MaxTime: time.Hour, MaxBytesHeld: 256 << 20, MaxBytesMoved: 1 << 30,
		MaxTotalEvents: 20_000_000}
}
