package scenarios

import (
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sim-lecture/sim/report"
)

// System is one system a scenario may name in `systems`: a protocol and
// the driver that runs workload rows on it. Its package registers it from
// init with Register; the loader, the runner, the table, the JSON result,
// sweeps and the docs know a system only through this record.
type System struct {
	// Name is how `systems` names the system: [a-z0-9_]+.
	Name string
	// Order places the system in lists, messages and the docs (the
	// lecture's order: pipe before socket before udp ...).
	Order int
	// Doc says in a sentence what runs (the docs' table of systems).
	Doc string
	// Family, when set, is what messages call the kind of system ("file
	// system"): a fault kind only file systems accept applies to "the
	// file systems (nfs, afs)".
	Family string
	// Ops are the workload ops the system runs, in the order messages
	// list them. Systems share an op by sharing its *Op.
	Ops []*Op
	// OpsDoc is the docs' "Workload ops" cell; empty means the ops'
	// names.
	OpsDoc string
	// Blocks are the option blocks the system reads (`nfs:`), its own and
	// any it shares with another system (rpc reads `reliable:`).
	Blocks []*Block
	// Faults are the fault kinds the system accepts besides the common
	// ones (crash, restart and the network's). A scenario may list a
	// kind only if one of its systems accepts it; a system that accepts a
	// kind its driver does not perform records "no effect".
	Faults []*FaultKind
	// Servers, when set, lists the nodes of the scenario that are the
	// system's servers, in order, each with where the file names it (a
	// zero Pos when it does not): they are nodes even when no row names
	// them, they may be used without being declared in `nodes`, and no
	// row may use one as a client.
	Servers func(d *Decoder) []NameUse
	// ServerRole is what messages call the nodes Servers lists ("file
	// server", "participant"); empty means "server".
	ServerRole string
	// CheckPath, when set, checks a path of `files` (initial) or of a
	// workload row against the system's namespace (an AFS volume, an NFS
	// mount), reporting problems at at.
	CheckPath func(d *Decoder, path string, at Pos, initial bool)
	// CheckRow, when set, checks a valid workload row of an op the system
	// runs against what only this system limits (a message that does not
	// fit its datagrams, under its option blocks), reporting each problem
	// at the key it concerns (RowCheck.Errorf). It runs for the file and
	// for each variant's scenario, so a limit that follows an option sees
	// the variant's value.
	CheckRow func(c *RowCheck)
	// Check, when set, checks the scenario as a whole once every part is
	// decoded and cross-checked (the initial tree each NFS server formats
	// its disk with), reporting problems through d at the positions of
	// the parts concerned.
	Check func(d *Decoder)
	// New returns a driver for one run of the system.
	New func() Driver
	// ReportsDone says the driver calls SystemRun.Done(i) when row i has
	// its result: a program's next step then starts its think time after
	// the previous step returned, and the step is counted into the
	// summary with its result and latency then. Every built-in system
	// sets it; without it, each step starts think after the previous one
	// started and is counted with the result its slot holds when the slot
	// is needed again.
	ReportsDone bool
	// NoPrograms, when set, says why a program's steps cannot run on the
	// system (its rows' outcome is known only at the end of the run): the
	// loader refuses a program step of the system's ops with it.
	NoPrograms string
	// ServiceTime, when set, is the server-utilisation model of the
	// system: how long its server is busy serving one call of a
	// procedure (as the results name it, "GETATTR"). The metric
	// utilization sums it over the calls of a run (fileops.Utilization).
	ServiceTime func(proc string) time.Duration
	// Metrics are the sweep metrics only this system's results feed.
	// Systems share a metric by sharing its *report.Metric.
	Metrics []*report.Metric
	// Invariants are properties every run of the system must have. Run
	// checks them after each run and reports each failure as a violation.
	Invariants []Invariant
	// Scenarios, when set, holds built-in scenarios the system ships next
	// to its protocol: each NAME.yaml at the root of the FS (an embed.FS
	// of the driver's folder) is the built-in scenario NAME, listed by
	// `sim list` with those of this package, and named
	// "builtin:NAME.yaml" in messages like them. ScenariosDir is that
	// folder from the module's root (BuiltInDir).
	Scenarios    fs.FS
	ScenariosDir string
	// ResultsDoc, when set, says in Markdown what the system's rows and
	// result report beyond the common fields (a row's value and note, its
	// result parts, its disk): docs/scenario-format.md shows it under
	// "Details of each system's results". One paragraph, no blank line.
	ResultsDoc string
	// Exercise, when set, writes new exercises of the system for `sim
	// quiz`.
	Exercise *Exercise
}

// Invariant is a named property of a system's runs (the AFS reader sees
// one version from open to close; the reliable transport delivers each
// message once), checked after every run: a promise of the lecture that the
// protocol, under the run's configuration, makes. `sim run` lists a broken
// one in violations, and `sim explore` searches fault schedules for one.
type Invariant struct {
	// Name names the invariant in violations, in expectations
	// (`broken: NAME`) and in `explore: {invariants: [...]}`:
	// [a-z][a-z0-9_]*, unique among every system's invariants.
	Name string
	// Doc says in a sentence what holds (the docs' table of invariants).
	Doc string
	// Lecture quotes the slide the promise comes from.
	Lecture string
	// Check returns what is wrong with one run's result, one message per
	// failure; none when the invariant holds. It reads what the driver
	// recorded for it in sys.Evidence, and returns nothing when the run's
	// configuration does not make the promise (acknowledged writes are
	// durable only under write-through or NVRAM).
	Check func(sc *Scenario, sys *report.System) []string
}

// Driver is one system's way of running a scenario in one world: it builds
// the nodes, performs workload rows and the system's faults, and completes
// the system's part of the result after the run.
//
// A driver runs program steps (Scenario.Programs) as it runs rows: the
// runner gives each step a row index from SystemRun.Rows() on, fills
// that row of r.Scenario.Workload and r.Result.Steps as the step starts,
// and reuses it for the same client's step at its next iteration. A
// driver whose record sets ReportsDone calls SystemRun.Done(i) once row
// i has its result.
type Driver interface {
	// Setup adds the system's nodes to r.World and installs its network.
	// Every check of the input is the loader's (Op.Check,
	// System.CheckRow, System.Check, Block.Check, ...), so that `sim
	// validate` accepts exactly what `sim run` runs: an error here, on a
	// scenario Load accepted, is a bug of sim, not bad input.
	Setup(r *SystemRun) error
	// Step performs workload row i, at the row's time.
	Step(r *SystemRun, i int)
	// Fault performs a fault of a kind the system accepts and reports
	// whether it did anything; false records "no effect". The common
	// kinds never reach it.
	Fault(r *SystemRun, f *Fault) bool
	// Finish completes r.Result after the run.
	Finish(r *SystemRun)
}

// NameUse is one place a scenario names a node: the name, and its position
// in the file (zero when the node is implied, like the file server
// "server").
type NameUse struct {
	Name string
	Pos  Pos
}

// Op is one workload op (`op: open`): its keys, how a row of it reads in
// the table and in messages, and what the loader checks about its rows.
type Op struct {
	// Name is the value of `op:`.
	Name string
	// Order places the op in lists and messages.
	Order int
	// Keys are the row keys the op takes besides at and op, required
	// first, each one of the keys of the format (see RowKeys).
	Keys []OpKey
	// FD and File say what a row of the op does with an fd and a file:
	// the loader follows them to check that an fd is open before it is
	// used and that a file exists before it is opened.
	FD   FDUse
	File FileUse
	// Streams marks an op whose rows are streams of messages: a system's
	// result has one report.Stream per such row, and the stream
	// expectations (sent, delivered, ...) apply to them.
	Streams bool
	// Executions marks an op whose rows report how many times the server
	// ran them: the executions expectation applies to them.
	Executions bool
	// Defaults, when set, gives a row its defaults before its keys are
	// read (a send sends one message of 100 bytes).
	Defaults func(st *Step)
	// Check, when set, checks a row whose keys are all valid (a call's
	// procedure and its arguments), reporting each problem at the key it
	// concerns (RowCheck.Errorf). What depends on the system that runs
	// the row belongs to System.CheckRow.
	Check func(c *RowCheck)
	// Describe writes a row the way the lecture's table does:
	// `f = open("fileA")`.
	Describe func(st *Step) string
	// Label, when set, names a row in messages ("a send from A to B");
	// otherwise it is "client A's read".
	Label func(st *Step) string
	// Table, when set, is the table of a scenario whose rows all have
	// this op, instead of one row per workload row.
	Table func(sc *Scenario, res *report.Result) *report.Table
	// Doc is the op's "Notes" in the docs' table of workload ops
	// (docs/scenario-format.md, generated from the registry); it may be
	// empty.
	Doc string
}

// OpKey is one key of an op's rows.
type OpKey struct {
	// Name is one of RowKeys.
	Name string
	// Required keys must be present.
	Required bool
	// Path makes key "to" a file path, checked like "file", instead of a
	// node: the new name that rename, link and symlink make. The loader
	// then knows the path exists after the row.
	Path bool
	// Root lets key "file" name the root directory, `/` (a Step's File
	// is then ""): the op takes a directory or a whole file system, as
	// RFC 1094's READDIR (§2.2.17, a directory's fhandle) and STATFS
	// (§2.2.18, any fhandle of the file system) do. Other ops refuse
	// the root: it is not a file.
	Root bool
	// Length makes key "size" a file's length in bytes, from 0 to
	// MaxFileSize, instead of a message's size (truncate).
	Length bool
	// Default is an optional key's default as the docs show it ("1",
	// "100B"); empty when the docs show none.
	Default string
}

// MaxFileSize bounds a file length a row gives (OpKey.Length): 1 GiB.
const MaxFileSize = 1 << 30

// keyFlags returns the OpKey of k in op, zero when op does not take k.
func (op *Op) keyFlags(k string) OpKey {
	for _, x := range op.Keys {
		if x.Name == k {
			return x
		}
	}
	return OpKey{}
}

// FDUse is what a row does with its fd.
type FDUse int

const (
	// NoFD: the row has no fd.
	NoFD FDUse = iota
	// OpensFD: the row opens its fd (when it has one) on its file.
	OpensFD
	// UsesFD: the fd must be open; the row acts on its file.
	UsesFD
	// ClosesFD: the fd must be open and is closed by the row.
	ClosesFD
)

// FileUse is what a row does with its file.
type FileUse int

const (
	// NoFile: the row names no file, or names one with no condition.
	NoFile FileUse = iota
	// NeedsFile: the file must exist (in files, or created by an earlier
	// row).
	NeedsFile
	// CreatesFile: the row creates the file.
	CreatesFile
	// CreatesDir: the row creates a directory of that path.
	CreatesDir
)

// Block is one top-level option block (`nfs:`, `reliable:`): its keys, with
// their defaults and documentation, and how they are decoded and checked.
// Every scenario has every registered block, with the defaults where the
// file sets nothing (Scenario.Block).
type Block struct {
	// Name is the top-level key.
	Name string
	// Order places the block among the top-level keys and in messages.
	Order int
	// New returns the block's value with every default: a pointer to the
	// system's options struct.
	New func() any
	// Options are the block's keys, in the order of the docs.
	Options []Option
	// Check, when set, checks the keys together once each is decoded
	// (max_rto not below min_rto), and fills defaults that follow other
	// keys (rpc's ack_after follows its timeout).
	Check func(c *BlockCheck)
	// Positions, when set, returns every position the value holds, so
	// that --set can map them back to the file.
	Positions func(v any) []*Pos
}

// Option is one key of an option block. Make one with DurationOption,
// EnumOption, IntOption, BoolOption, SizeOption, BandwidthOption or
// CustomOption.
type Option struct {
	// Name is the key.
	Name string
	// Default is the default as the docs show it ("`3s`", "unlimited").
	Default string
	// Doc says in a sentence what the key does (the docs' "Meaning"); an
	// empty Doc shares the docs' row of the key before it (`min_rto`,
	// `max_rto`).
	Doc string
	// decode reads the key's value into the block's value v.
	decode func(d *Decoder, n *yaml.Node, v any) bool
	// kind types the key's values for sweeps.
	kind valueKind
}

// DurationOption is a duration key of the block whose value is a *T;
// positive requires a duration above 0.
func DurationOption[T any](name, def, doc string, positive bool, field func(*T) *time.Duration) Option {
	return Option{Name: name, Default: def, Doc: doc, kind: kindDuration,
		decode: func(d *Decoder, n *yaml.Node, v any) bool {
			var x time.Duration
			var ok bool
			if positive {
				x, ok = d.l.positiveDuration(n, name)
			} else {
				x, ok = d.l.duration(n, name)
			}
			if ok {
				*field(v.(*T)) = x
			}
			return ok
		}}
}

// EnumOption is a key whose value is one of values.
func EnumOption[T any](name, def, doc string, values []string, field func(*T) *string) Option {
	return Option{Name: name, Default: def, Doc: doc, kind: kindOther,
		decode: func(d *Decoder, n *yaml.Node, v any) bool {
			s, ok := d.l.enum(n, name, values)
			if ok {
				*field(v.(*T)) = s
			}
			return ok
		}}
}

// IntOption is an integer key from lo to hi.
func IntOption[T any](name, def, doc string, lo, hi int64, field func(*T) *int) Option {
	return Option{Name: name, Default: def, Doc: doc, kind: kindInt,
		decode: func(d *Decoder, n *yaml.Node, v any) bool {
			x, ok := d.l.integer(n, name, lo, hi)
			if ok {
				*field(v.(*T)) = x
			}
			return ok
		}}
}

// BoolOption is a true/false key.
func BoolOption[T any](name, def, doc string, field func(*T) *bool) Option {
	return Option{Name: name, Default: def, Doc: doc, kind: kindOther,
		decode: func(d *Decoder, n *yaml.Node, v any) bool {
			b, ok := d.l.boolean(n, name)
			if ok {
				*field(v.(*T)) = b
			}
			return ok
		}}
}

// SizeOption is a size key, in bytes from lo to hi ("100B", "64KiB", or a
// bare number of bytes).
func SizeOption[T any](name, def, doc string, lo, hi int64, field func(*T) *int) Option {
	return Option{Name: name, Default: def, Doc: doc, kind: kindSize,
		decode: func(d *Decoder, n *yaml.Node, v any) bool {
			x, ok := d.l.size(n, name, lo, hi)
			if ok {
				*field(v.(*T)) = x
			}
			return ok
		}}
}

// BandwidthOption is a bandwidth key, in bits per second (0 is unlimited).
func BandwidthOption[T any](name, def, doc string, field func(*T) *float64) Option {
	return Option{Name: name, Default: def, Doc: doc, kind: kindBandwidth,
		decode: func(d *Decoder, n *yaml.Node, v any) bool {
			bw, ok := d.l.bandwidth(n, name)
			if ok {
				*field(v.(*T)) = bw
			}
			return ok
		}}
}

// CustomOption is a key the system decodes itself (a list of mounts, a
// mapping of volumes), reporting problems through d.
func CustomOption[T any](name, def, doc string, decode func(d *Decoder, n *yaml.Node, opts *T) bool) Option {
	return Option{Name: name, Default: def, Doc: doc, kind: kindOther,
		decode: func(d *Decoder, n *yaml.Node, v any) bool { return decode(d, n, v.(*T)) }}
}

// FaultKind is one kind of fault (`crash:`, `move_volume:`): the key that
// names it, what else its entry may hold, how it is decoded and checked,
// and what it does. The common kinds are this package's; a system
// registers the kinds only it understands through System.Faults.
type FaultKind struct {
	// Name is the key that names the kind in a fault entry.
	Name string
	// Order places the kind in lists and messages.
	Order int
	// Keys are the keys the entry may have besides at and the kind's
	// own (a partition's heal_at, a move_volume's to).
	Keys []FaultKey
	// Form, when set, is the form of the kind's value ("{from: A, to:
	// B}"): a key of the entry that belongs inside the value gets a hint.
	Form string
	// Decode reads the entry o (its kind's value is o.Get(Name)) into f
	// and reports whether it is valid.
	Decode func(d *Decoder, o *Object, f *Fault) bool
	// Check, when set, checks a valid fault against the scenario, faults
	// in time order (a volume that exists; a node that is a file server).
	Check func(d *Decoder, o *Object, f *Fault)
	// Undo, when set, names the kind that undoes a fault of this kind
	// when it has the same value (a crash's restart, a block's unblock):
	// the shrinker of `sim explore` drops the two together, and an
	// explore.faults entry of the kind draws how long it lasts.
	Undo string
	// Apply performs a common kind in a run; nil for a system's kind,
	// which the driver of each system that accepts it performs.
	Apply func(r *SystemRun, f *Fault)
	// Example is an entry of the kind as the docs' list of faults shows
	// it, "{at: 65s, crash: server}", and Doc what it does, the comment
	// beside it (docs/scenario-format.md, generated from the registry).
	Example, Doc string
}

// FaultKey is a key a kind's entries may have besides the kind's own.
type FaultKey struct {
	// Name is the key.
	Name string
	// Of is how a message names the kind it belongs to ("a partition").
	Of string
}

// The registry. It is filled by init functions and only read afterwards,
// so that parallel runs (sweeps) may read it freely.
var registry struct {
	systems []*System
	ops     []*Op
	blocks  []*Block
	faults  []*FaultKind
}

// recordName is the form of the names of systems, ops, blocks, keys and
// fault kinds.
var recordName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Register adds a system, with its ops, option blocks, fault kinds and
// metrics, to the registry. It is meant for init functions and panics on
// a malformed record or a name already taken by another record: both are
// bugs of the system's package, which its tests catch.
func Register(s System) {
	if err := register(&s); err != nil {
		panic("scenarios: Register(" + s.Name + "): " + err.Error())
	}
}

// register checks s and adds it and its parts; records it shares with
// systems registered before (the same pointer) are added once.
func register(s *System) error {
	switch {
	case !recordName.MatchString(s.Name):
		return fmt.Errorf("system name %q is not [a-z][a-z0-9_]*", s.Name)
	case LookupSystem(s.Name) != nil:
		return fmt.Errorf("system %q is registered twice", s.Name)
	case len(s.Ops) == 0:
		return fmt.Errorf("system %q runs no op", s.Name)
	case s.New == nil:
		return fmt.Errorf("system %q has no driver", s.Name)
	}
	if err := checkScenarios(s); err != nil {
		return err
	}
	for _, op := range s.Ops {
		if err := checkOp(op); err != nil {
			return err
		}
	}
	for _, b := range s.Blocks {
		if err := checkBlock(b); err != nil {
			return err
		}
	}
	for _, k := range s.Faults {
		if err := checkFaultKind(k); err != nil {
			return err
		}
	}
	for i, inv := range s.Invariants {
		if !recordName.MatchString(inv.Name) || inv.Check == nil {
			return fmt.Errorf("invariant %q: a name [a-z][a-z0-9_]* and a Check are required", inv.Name)
		}
		if other, _ := LookupInvariant(inv.Name); other != nil {
			return fmt.Errorf("invariant %q is registered twice (system %s has it)", inv.Name, other.Name)
		}
		for _, prev := range s.Invariants[:i] {
			if prev.Name == inv.Name {
				return fmt.Errorf("invariant %q is registered twice", inv.Name)
			}
		}
	}
	for _, m := range s.Metrics {
		if err := report.RegisterMetric(m); err != nil {
			return err
		}
	}
	for _, op := range s.Ops {
		addOnce(&registry.ops, op, func(o *Op) int { return o.Order }, func(o *Op) string { return o.Name })
	}
	for _, b := range s.Blocks {
		addOnce(&registry.blocks, b, func(b *Block) int { return b.Order }, func(b *Block) string { return b.Name })
	}
	for _, k := range s.Faults {
		addOnce(&registry.faults, k, func(k *FaultKind) int { return k.Order }, func(k *FaultKind) string { return k.Name })
	}
	addOnce(&registry.systems, s, func(s *System) int { return s.Order }, func(s *System) string { return s.Name })
	return nil
}

// checkScenarios checks that the built-in scenarios a system ships have
// a folder to be named by and names no other built-in scenario has.
func checkScenarios(s *System) error {
	if s.Scenarios == nil {
		return nil
	}
	if s.ScenariosDir == "" {
		return fmt.Errorf("system %q ships scenarios but no ScenariosDir", s.Name)
	}
	names := yamlNames(s.Scenarios)
	if len(names) == 0 {
		return fmt.Errorf("system %q ships no scenario in %s", s.Name, s.ScenariosDir)
	}
	taken := BuiltInNames()
	for _, n := range names {
		if contains(taken, n) {
			return fmt.Errorf("system %q ships scenario %s, a name another built-in scenario has", s.Name, n)
		}
	}
	return nil
}

// checkOp checks an op's record, and that no other op has its name.
func checkOp(op *Op) error {
	if !recordName.MatchString(op.Name) || op.Describe == nil {
		return fmt.Errorf("op %q: a name [a-z][a-z0-9_]* and a Describe are required", op.Name)
	}
	if prev := LookupOp(op.Name); prev != nil && prev != op {
		return fmt.Errorf("op %q is registered twice", op.Name)
	}
	for i, k := range op.Keys {
		if rowKey(k.Name) == nil {
			return fmt.Errorf("op %q: key %q is not a row key of the format (%v)", op.Name, k.Name, RowKeys())
		}
		if i > 0 && k.Required && !op.Keys[i-1].Required {
			return fmt.Errorf("op %q: required key %q comes after an optional one", op.Name, k.Name)
		}
	}
	return nil
}

// checkBlock checks a block's record, and that no other block or
// top-level key has its name.
func checkBlock(b *Block) error {
	if !recordName.MatchString(b.Name) || b.New == nil {
		return fmt.Errorf("block %q: a name [a-z][a-z0-9_]* and New are required", b.Name)
	}
	if prev := LookupBlock(b.Name); (prev != nil && prev != b) || contains(baseTopKeys, b.Name) || contains(tailTopKeys, b.Name) {
		return fmt.Errorf("block %q is registered twice or is a key of the format", b.Name)
	}
	seen := map[string]bool{}
	for i, o := range b.Options {
		if !recordName.MatchString(o.Name) || o.decode == nil || seen[o.Name] || (i == 0 && o.Doc == "") {
			return fmt.Errorf("block %q: option %q is malformed or repeated", b.Name, o.Name)
		}
		seen[o.Name] = true
	}
	return nil
}

// checkFaultKind checks a kind's record, and that no other kind has its
// name.
func checkFaultKind(k *FaultKind) error {
	if !recordName.MatchString(k.Name) || k.Decode == nil || k.Example == "" {
		return fmt.Errorf("fault kind %q: a name [a-z][a-z0-9_]*, a Decode and an Example are required", k.Name)
	}
	if k.Apply != nil {
		return fmt.Errorf("fault kind %q has an Apply: a system's kinds are performed by its driver", k.Name)
	}
	if prev := LookupFaultKind(k.Name); prev != nil && prev != k {
		return fmt.Errorf("fault kind %q is registered twice", k.Name)
	}
	return nil
}

// addOnce inserts x into the list sorted by order then name, unless it is
// there already.
func addOnce[T any](list *[]*T, x *T, order func(*T) int, name func(*T) string) {
	for _, y := range *list {
		if y == x {
			return
		}
	}
	*list = append(*list, x)
	sort.SliceStable(*list, func(i, j int) bool {
		a, b := (*list)[i], (*list)[j]
		if order(a) != order(b) {
			return order(a) < order(b)
		}
		return name(a) < name(b)
	})
}

// Systems returns the registered systems in order.
func Systems() []*System { return registry.systems }

// SystemNames returns the names of the registered systems, in order.
func SystemNames() []string {
	names := make([]string, len(registry.systems))
	for i, s := range registry.systems {
		names[i] = s.Name
	}
	return names
}

// LookupSystem returns the registered system of that name, or nil.
func LookupSystem(name string) *System {
	for _, s := range registry.systems {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// LookupInvariant returns the registered invariant of that name and the
// system that has it, or nils.
func LookupInvariant(name string) (*System, *Invariant) {
	for _, s := range registry.systems {
		for i := range s.Invariants {
			if s.Invariants[i].Name == name {
				return s, &s.Invariants[i]
			}
		}
	}
	return nil, nil
}

// InvariantNames lists the invariants of the named systems (every
// registered system when systems is nil), in the order of the systems and
// then of each system's record.
func InvariantNames(systems []string) []string {
	var names []string
	for _, s := range registry.systems {
		if systems != nil && !contains(systems, s.Name) {
			continue
		}
		for _, inv := range s.Invariants {
			names = append(names, inv.Name)
		}
	}
	return names
}

// Ops returns the registered workload ops in order.
func Ops() []*Op { return registry.ops }

// LookupOp returns the registered op of that name, or nil.
func LookupOp(name string) *Op {
	for _, op := range registry.ops {
		if op.Name == name {
			return op
		}
	}
	return nil
}

// Blocks returns the registered option blocks in order.
func Blocks() []*Block { return registry.blocks }

// LookupBlock returns the registered block of that name, or nil.
func LookupBlock(name string) *Block {
	for _, b := range registry.blocks {
		if b.Name == name {
			return b
		}
	}
	return nil
}

// FaultKinds returns every fault kind, common and registered, in order.
func FaultKinds() []*FaultKind {
	out := append([]*FaultKind{}, commonFaults...)
	for _, k := range registry.faults {
		addOnce(&out, k, func(k *FaultKind) int { return k.Order }, func(k *FaultKind) string { return k.Name })
	}
	return out
}

// LookupFaultKind returns the fault kind of that name, or nil.
func LookupFaultKind(name string) *FaultKind {
	for _, k := range commonFaults {
		if k.Name == name {
			return k
		}
	}
	for _, k := range registry.faults {
		if k.Name == name {
			return k
		}
	}
	return nil
}

// accepts reports whether s accepts fault kind k (every system accepts the
// common kinds).
func (s *System) accepts(k *FaultKind) bool {
	if k.Apply != nil {
		return true
	}
	for _, x := range s.Faults {
		if x == k {
			return true
		}
	}
	return false
}

// supports reports whether s runs op.
func (s *System) supports(op string) bool {
	for _, x := range s.Ops {
		if x.Name == op {
			return true
		}
	}
	return false
}

// opNames lists the names of s's ops.
func (s *System) opNames() []string {
	names := make([]string, len(s.Ops))
	for i, op := range s.Ops {
		names[i] = op.Name
	}
	return names
}
