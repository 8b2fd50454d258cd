package nfsdriver

import (
	"fmt"
	"math"
	"path"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sim-lecture/sim/protocols/nfs"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/fileops"
)

func init() {
	scenarios.Register(scenarios.System{Name: "nfs", Order: 70, Family: "file system", ServerRole: "file server",
		Doc:       "NFSv2: stateless server, file handles, client block and attribute caches.",
		Ops:       ops,
		OpsDoc:    "file-system ops, rmdir, rename, link, symlink, readlink, readdir, truncate, statfs",
		Blocks:    []*scenarios.Block{block},
		Faults:    fileops.Faults,
		Servers:   nfsServers,
		CheckPath: checkMount,
		Metrics:   nfsMetrics,
		// The server-utilisation model (Howard et al. 1988 §5).
		ServiceTime: nfs.ServiceTime,
		Exercise:    fileops.Exercise("nfs"),
		Invariants:  invariants,
		Check:       checkTrees,
		New:         func() scenarios.Driver { return &driver{} }, ReportsDone: true})
}

// Options configure system "nfs".
type Options struct {
	// AttrTimeout is the client attribute cache lifetime (default 3s; 0
	// disables attribute caching).
	AttrTimeout time.Duration
	// WritePolicy is the server's: write_through (default), buffered or
	// nvram.
	WritePolicy string
	// FlushInterval is how often a buffered server flushes (default 30s).
	FlushInterval time.Duration
	// API is the server's naming strategy: file_handles (default, the
	// lecture's strategy 4), stateful_fds (1), paths (2) or inodes (3).
	API string
	// CacheBlocks is the client's block cache capacity; 0 (default) means
	// unlimited.
	CacheBlocks int
	// Mount is hard (default: retry forever) or soft (fail after Retrans
	// retransmissions).
	Mount string
	// Retrans is how many retransmissions a soft mount makes before it
	// fails the call with ETIMEDOUT (default 3).
	Retrans int
	// Timeout is the client's first retransmission timeout (default 1.1s,
	// doubling on each retry).
	Timeout time.Duration
	// DRC turns on the server's duplicate-request cache (default false).
	DRC bool
	// DRCCache is what the cache keeps: non_idempotent (default) or all.
	DRCCache string
	// Append enables the non-idempotent APPEND procedure (default false).
	Append bool
	// Portmapper makes each client ask a server's portmapper for MOUNT's
	// and NFS's ports (GETPORT) before its first MNT to it (default true).
	Portmapper bool
	// Mounts is every client's mount table, in the order of the file; nil
	// (the default) is server:/ on /. See MountTable.
	Mounts []Mount
	// ServerUses are the servers the mounts name, where the file names
	// them: file servers, even those of a mount that is otherwise wrong.
	ServerUses []scenarios.NameUse
}

// Mount is one entry of the NFS clients' mount table: Export of Server
// mounted on On (the lecture's "/dev/sdb1 on /backups").
type Mount struct {
	// On is where the export appears in the client's namespace: "/" or an
	// absolute clean path such as "/backups".
	On string
	// Server names the node that exports the directory.
	Server string
	// Export is the directory on the server, an absolute clean path ("/"
	// by default).
	Export string
	// Pos is where the mount appears in the file.
	Pos scenarios.Pos
}

// MountTable returns the clients' mount table: Mounts, or the default
// server:/ on /.
func (o Options) MountTable() []Mount {
	if len(o.Mounts) == 0 {
		return []Mount{{On: "/", Server: "server", Export: "/"}}
	}
	return o.Mounts
}

// nfsMountOf returns the index of the mount of table that holds p, a path
// relative to the root ("backups/x"), the one with the longest matching On,
// and p's path below it ("x", "" for the mount point itself); -1 if none.
func nfsMountOf(table []Mount, p string) (int, string) {
	best, rel := -1, ""
	for i, m := range table {
		if r, ok := below(m.On, p); ok && (best < 0 || len(m.On) > len(table[best].On)) {
			best, rel = i, r
		}
	}
	return best, rel
}

// below reports whether p (relative to the root) is dir (absolute) or lies
// under it, and returns p's path below dir.
func below(dir, p string) (string, bool) {
	d := strings.TrimPrefix(dir, "/")
	switch {
	case d == "":
		return p, true
	case p == d:
		return "", true
	case strings.HasPrefix(p, d+"/"):
		return p[len(d)+1:], true
	}
	return "", false
}

// Bounds of the nfs options.
const (
	maxCacheBlocks = 1_000_000
	maxRetrans     = 1000
)

// block is the `nfs:` block.
var block = &scenarios.Block{Name: "nfs", Order: 20,
	New: func() any {
		return &Options{AttrTimeout: 3 * time.Second, WritePolicy: "write_through", FlushInterval: 30 * time.Second,
			API: "file_handles", Mount: "hard", Retrans: 3, Timeout: 1100 * time.Millisecond, DRCCache: "non_idempotent",
			Portmapper: true}
	},
	Options: []scenarios.Option{
		scenarios.DurationOption("attr_timeout", "`3s`", "Client attribute-cache lifetime (the lecture's 3 seconds); `0` disables it.", false,
			func(o *Options) *time.Duration { return &o.AttrTimeout }),
		scenarios.EnumOption("write_policy", "`write_through`", "Server side: `write_through` (on disk before the reply), `buffered` (reply first, flush later; a crash loses the buffer) or `nvram` (the buffer survives a crash).",
			[]string{"write_through", "buffered", "nvram"}, func(o *Options) *string { return &o.WritePolicy }),
		scenarios.DurationOption("flush_interval", "`30s`", "How often a `buffered` server flushes.", true,
			func(o *Options) *time.Duration { return &o.FlushInterval }),
		scenarios.EnumOption("api", "`file_handles`", "The lecture's strategies: `stateful_fds` (1), `paths` (2), `inodes` (3), `file_handles` (4).",
			[]string{"file_handles", "stateful_fds", "paths", "inodes"}, func(o *Options) *string { return &o.API }),
		scenarios.IntOption("cache_blocks", "`0`", "Client block-cache capacity; `0` is unlimited.", 0, maxCacheBlocks,
			func(o *Options) *int { return &o.CacheBlocks }),
		scenarios.EnumOption("mount", "`hard`", "`hard` retries forever; `soft` fails with `ETIMEDOUT` after `retrans` retransmissions.",
			[]string{"hard", "soft"}, func(o *Options) *string { return &o.Mount }),
		scenarios.IntOption("retrans", "`3`", "Retransmissions of a soft mount.", 0, maxRetrans,
			func(o *Options) *int { return &o.Retrans }),
		scenarios.DurationOption("timeout", "`1.1s`", "First retransmission timeout, doubling.", true,
			func(o *Options) *time.Duration { return &o.Timeout }),
		scenarios.BoolOption("drc", "`false`", "The server's duplicate-request cache, keyed by xid, procedure, client and a checksum of the arguments; volatile.", func(o *Options) *bool { return &o.DRC }),
		scenarios.EnumOption("drc_cache", "`non_idempotent`", "What the cache keeps: the replies of the `non_idempotent` procedures (SETATTR, WRITE, CREATE, REMOVE, RENAME, LINK, SYMLINK, MKDIR, RMDIR, APPEND: a repeat of a completed READ runs again), as BSD's and Linux's servers do, or `all`.",
			[]string{"non_idempotent", "all"}, func(o *Options) *string { return &o.DRCCache }),
		scenarios.BoolOption("append", "`false`", "Enable the non-idempotent APPEND procedure the lecture warns about.",
			func(o *Options) *bool { return &o.Append }),
		scenarios.BoolOption("portmapper", "`true`", "Each client asks a server's portmapper (port 111, RFC 1833) on which ports NFS and MOUNT listen (two GETPORTs) before its first MNT to it, once per boot, as mount.nfs does; these calls and the boot's MNT belong to no step. `false` trusts the well-known ports and sends only MNT.",
			func(o *Options) *bool { return &o.Portmapper }),
		scenarios.CustomOption("mounts", "`[{on: /, server: server}]`", "Every client's mount table, a list of `{on, server, export}`: `export` (default `/`) of node `server` appears at `on` in the client's namespace (the lecture's \"/dev/sdb1 on /backups\"). `on` and `export` are absolute clean paths; each `on` once. Mount servers are file servers (created implicitly, never clients); `server` is one too, even when no mount names it.",
			decodeMounts),
	},
	Check: func(c *scenarios.BlockCheck) {
		// The conversions the driver makes, so that what the server
		// would refuse is refused when the scenario loads.
		o := c.Value.(*Options)
		if _, err := nfs.ParseAPI(o.API); err != nil && c.OK("api") {
			c.Errorf("api", "api: %v", err)
		}
		if _, err := nfs.ParseWritePolicy(o.WritePolicy); err != nil && c.OK("write_policy") {
			c.Errorf("write_policy", "write_policy: %v", err)
		}
	},
	Positions: func(v any) []*scenarios.Pos {
		o := v.(*Options)
		var ps []*scenarios.Pos
		for i := range o.Mounts {
			ps = append(ps, &o.Mounts[i].Pos)
		}
		for i := range o.ServerUses {
			ps = append(ps, &o.ServerUses[i].Pos)
		}
		return ps
	},
}

// nfsOptions returns the scenario's nfs block.
func optionsOf(sc *scenarios.Scenario) *Options { return sc.Block("nfs").(*Options) }

// nfsServers lists the file servers of an nfs scenario: "server", then
// the servers of the mount table.
func nfsServers(d *scenarios.Decoder) []scenarios.NameUse {
	out := []scenarios.NameUse{{Name: "server"}}
	out = append(out, optionsOf(d.Scenario()).ServerUses...)
	return out
}

// mounts decodes nfs.mounts: the clients' mount table, a list of
// {on, server, export}.
func decodeMounts(d *scenarios.Decoder, n *yaml.Node, opt *Options) bool {
	items, ok := d.List(n, "mounts")
	if !ok {
		return false
	}
	if len(items) == 0 {
		d.Errorf(n, "mounts: expected at least one mount such as {on: /, server: server}; for the default, leave the key out")
		return false
	}
	var table []Mount
	seen := map[string]*yaml.Node{}
	for i, it := range items {
		o := d.Fields(it, fmt.Sprintf("mount %d", i+1), []string{"on", "server", "export"})
		if o == nil {
			continue
		}
		m := Mount{Export: "/", Pos: scenarios.PosOf(o.Node())}
		good := true
		if v := o.Require("on", "where the client sees the export, such as / or /backups"); v != nil {
			if p, ok := absPath(d, v, "on"); ok {
				if prev := seen[p]; prev != nil {
					d.Errorf(v, "mounts: %s is mounted twice (first at line %d)", p, scenarios.PosOf(prev).Line)
					good = false
				} else {
					seen[p] = v
					m.On = p
				}
			} else {
				good = false
			}
		} else {
			good = false
		}
		if v := o.Require("server", "the node that exports the directory"); v != nil {
			if name, ok := d.NodeName(v, "server"); ok {
				m.Server = name
				opt.ServerUses = append(opt.ServerUses, scenarios.NameUse{Name: name, Pos: scenarios.PosOf(v)})
			} else {
				good = false
			}
		} else {
			good = false
		}
		if v := o.Get("export"); v != nil {
			if p, ok := absPath(d, v, "export"); ok {
				m.Export = p
			} else {
				good = false
			}
		}
		if good {
			table = append(table, m)
		}
	}
	opt.Mounts = table
	if len(table) == 0 {
		// Every entry was wrong: keep the default rather than a table
		// that holds no path, so that the files are not all reported too.
		opt.Mounts = nil
	}
	return len(table) == len(items)
}

// absPath decodes an absolute, clean directory path: "/", "/backups".
func absPath(d *scenarios.Decoder, n *yaml.Node, what string) (string, bool) {
	s, ok := d.Str(n, what)
	if !ok {
		return "", false
	}
	bad := ""
	switch {
	case !strings.HasPrefix(s, "/"):
		bad = "it must start with /"
	case strings.Contains("/"+s+"/", "/../"):
		bad = "a path cannot contain .."
	case path.Clean(s) != s:
		bad = "write it as " + path.Clean(s)
	}
	if bad != "" {
		d.Errorf(n, "%s: expected an absolute path such as / or /backups, got %s (%s)", what, scenarios.Describe(n), bad)
		return "", false
	}
	return s, true
}

// checkMount reports a path outside every NFS mount, at p; with file,
// also an initial file that would be a mount point (System.CheckPath).
func checkMount(d *scenarios.Decoder, path string, p scenarios.Pos, file bool) {
	table := optionsOf(d.Scenario()).MountTable()
	i, rel := nfsMountOf(table, path)
	if i < 0 {
		var ons []string
		for _, m := range table {
			ons = append(ons, m.On)
		}
		shown := path
		if shown == "" {
			shown = "/" // the root, of a readdir or statfs
		}
		d.ErrorAt(p, "file %s is in no NFS mount (nfs.mounts has %s); add a mount such as {on: /, server: server}", shown, scenarios.AndList(ons))
		return
	}
	if file && rel == "" {
		d.ErrorAt(p, "file %s is the mount point %s, a directory on %s; a file must lie below it", path, table[i].On, table[i].Server)
	}
}

// serverTrees maps the scenario's initial files onto the mount table:
// for each server, in the order of the table, the files it formats its
// disk with, and for each the index of its entry in sc.Files. A file in
// no mount is left out (checkMount reports it).
func serverTrees(sc *scenarios.Scenario, table []Mount) (servers []string, files map[string][]nfs.File, index map[string][]int) {
	files, index = map[string][]nfs.File{}, map[string][]int{}
	add := func(name string) {
		if !slices.Contains(servers, name) {
			servers = append(servers, name)
		}
	}
	for _, m := range table {
		add(m.Server)
	}
	add("server")
	for i, f := range sc.Files {
		j, rel := nfsMountOf(table, f.Path)
		if j < 0 {
			continue
		}
		m := table[j]
		files[m.Server] = append(files[m.Server], nfs.File{Path: nfsJoinPath(m.Export, rel), Blocks: f.Blocks})
		index[m.Server] = append(index[m.Server], i)
	}
	return servers, files, index
}

// checkTrees reports, at its entry in files, each initial file a server
// cannot format its disk with (nfs.FileProblems: a file inside a file, a
// file twice on one server through two mounts, a name longer than NFS
// allows, a block over 8 KiB) (System.Check).
func checkTrees(d *scenarios.Decoder) {
	sc := d.Scenario()
	servers, files, index := serverTrees(sc, optionsOf(sc).MountTable())
	for _, name := range servers {
		for _, p := range nfs.FileProblems(files[name]) {
			f := sc.Files[index[name][p.Index]]
			if len(servers) > 1 {
				d.ErrorAt(f.Pos, "files: on server %s: %v", name, p.Err)
			} else {
				d.ErrorAt(f.Pos, "files: %v", p.Err)
			}
		}
	}
}

// LostWrite is one block of written data that a crash destroyed.
type LostWrite struct {
	// Node is the node whose crash lost the data, At the crash's time.
	Node string `json:"node"`
	At   string `json:"at"`
	// File and Block name the block, Data its lost contents.
	File  string `json:"file"`
	Block int    `json:"block"`
	Data  string `json:"data"`
	// Acknowledged is when the server acknowledged the data (a server
	// crash), or when the application wrote it (a client crash).
	Acknowledged string `json:"acknowledged"`
	// OnDisk is what the server's disk holds instead ("" when the block
	// is not on the disk at all).
	OnDisk string `json:"on_disk"`
}

// The parts of an nfs result.
const (
	// LostPart lists the acknowledged writes that crashes destroyed.
	LostPart = "lost"
	// HistoryPart says, for each written file, whether its final durable
	// blocks are the file at some point of the write history.
	HistoryPart = "history"
)

// LostOf returns the lost writes of a system's result.
func LostOf(sys *report.System) []LostWrite {
	l, _ := sys.Part(LostPart).([]LostWrite)
	return l
}

// nfsMetrics are the sweep metrics of nfs's results.
var nfsMetrics = []*report.Metric{fileops.Utilization,
	{Name: "staleness.max", Order: 220, Unit: "s",
		Doc:  "the stalest read: how long the server had held newer data than a read returned (nfs)",
		Eval: staleness(true)},
	{Name: "staleness.mean", Order: 230, Unit: "s",
		Doc:  "mean staleness over every read that reports one, fresh reads counting 0 (nfs)",
		Eval: staleness(false)},
	{Name: "stale_reads", Order: 240, Unit: "reads",
		Doc: "reads that returned older data than the server held (nfs)",
		Eval: func(_ *report.Result, ss []*report.System, _ string) float64 {
			return report.SumSystems(ss, func(s *report.System) float64 {
				n, any := 0, false
				for _, st := range s.Steps {
					if st.Stale != "" {
						any = true
						if report.Seconds(st.Stale) > 0 {
							n++
						}
					}
				}
				if !any {
					return math.NaN()
				}
				return float64(n)
			})
		}},
	{Name: "lost_writes", Order: 250, Unit: "blocks",
		Doc: "blocks of acknowledged written data that crashes destroyed (file systems)",
		Eval: func(_ *report.Result, ss []*report.System, _ string) float64 {
			return report.SumSystems(ss, func(s *report.System) float64 { return float64(len(LostOf(s))) })
		}},
}

// staleness is the worst (or the mean) staleness of the reads that report
// one; NaN when none does.
func staleness(worst bool) func(*report.Result, []*report.System, string) float64 {
	return func(_ *report.Result, ss []*report.System, _ string) float64 {
		return report.MeanOrMax(report.StepSeconds(ss, func(st *report.Step) string { return st.Stale }), worst)
	}
}
