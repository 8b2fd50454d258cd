package scenarios

import (
	"fmt"
	"path"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sim-lecture/sim/netmodel"
)

// Systems lists the systems a scenario may name, in the lecture's order.
var Systems = []string{"pipe", "socket", "udp", "reliable", "rpc", "two_generals", "nfs", "afs"}

// fsOps are the workload ops of the file-system systems.
var fsOps = []string{"open", "read", "write", "close", "create", "remove", "mkdir", "stat", "append", "seek"}

// SystemOps lists the workload ops each system supports. A scenario may use
// an op only if every system it names supports it.
var SystemOps = map[string][]string{
	"pipe":         {"send"},
	"socket":       {"send"},
	"udp":          {"send"},
	"reliable":     {"send"},
	"rpc":          {"call"},
	"two_generals": {"agree"},
	"nfs":          fsOps,
	"afs":          fsOps,
}

// systems decodes the systems list.
func (l *loader) systems(n *yaml.Node) {
	if n == nil {
		return
	}
	items, ok := l.list(n, "systems")
	if !ok {
		return
	}
	if len(items) == 0 {
		l.errf(n, "systems: expected at least one system (%s)", strings.Join(Systems, ", "))
		return
	}
	l.hasSystem = map[string]bool{}
	l.systemsOK = true
	first := map[string]*yaml.Node{}
	for _, it := range items {
		s, ok := l.str(it, "systems")
		if !ok {
			l.systemsOK = false
			continue
		}
		if !contains(Systems, s) {
			l.errf(it, "unknown system %q%s", s, didYouMean(s, Systems, "known systems"))
			l.systemsOK = false
			continue
		}
		if prev := first[s]; prev != nil {
			l.errf(it, "system %q is listed twice (first at line %d)", s, posOf(prev).Line)
			continue
		}
		first[s] = it
		l.hasSystem[s] = true
		l.sc.Systems = append(l.sc.Systems, s)
	}
}

// fileSystem reports whether the scenario runs a file system.
func (l *loader) fileSystem() bool { return l.hasSystem["nfs"] || l.hasSystem["afs"] }

// patchKeys are the keys of a network patch, in the order of the format.
var patchKeys = []string{"delay", "bandwidth", "loss", "duplicate", "reorder", "reorder_delay", "corrupt"}

// networkKeys are the keys of the network block.
var networkKeys = append(append([]string{}, patchKeys...), "links")

// linkKeys are the keys of a per-link override.
var linkKeys = append([]string{"from", "to"}, patchKeys...)

// network decodes the network block.
func (l *loader) network(n *yaml.Node) netmodel.Config {
	cfg := DefaultNetwork()
	o := l.fields(n, "network", networkKeys)
	if o == nil {
		return cfg
	}
	cfg.Default = cfg.Default.Apply(l.patch(o))
	if ln := o.get("links"); ln != nil {
		items, _ := l.list(ln, "links")
		for _, it := range items {
			lo := l.fields(it, "network link", linkKeys)
			if lo == nil {
				continue
			}
			lp := netmodel.LinkPatch{Patch: l.patch(lo)}
			for _, k := range []string{"from", "to"} {
				v := lo.get(k)
				if v == nil {
					continue
				}
				name, ok := l.nodeName(v, k, true)
				if !ok {
					continue
				}
				if name != "*" {
					l.linkUses = append(l.linkUses, nameUse{name, v})
				}
				if k == "from" {
					lp.From = name
				} else {
					lp.To = name
				}
			}
			if empty(lo, patchKeys) {
				l.errf(lo.node, "network link: expected at least one of %s to change", strings.Join(patchKeys, ", "))
			}
			cfg.Links = append(cfg.Links, lp)
		}
	}
	return cfg
}

// empty reports whether o has none of keys.
func empty(o *object, keys []string) bool {
	for _, k := range keys {
		if o.has(k) {
			return false
		}
	}
	return true
}

// patch decodes the patch keys of o; keys it does not have stay nil.
func (l *loader) patch(o *object) netmodel.Patch {
	var p netmodel.Patch
	if n := o.get("delay"); n != nil {
		if d, ok := l.delay(n); ok {
			p.Delay = &d
		}
	}
	if n := o.get("bandwidth"); n != nil {
		if bw, ok := l.bandwidth(n, "bandwidth"); ok {
			p.Bandwidth = &bw
		}
	}
	for _, f := range []struct {
		key string
		dst **float64
	}{{"loss", &p.Loss}, {"duplicate", &p.Duplicate}, {"reorder", &p.Reorder}, {"corrupt", &p.Corrupt}} {
		if n := o.get(f.key); n != nil {
			if v, ok := l.probability(n, f.key); ok {
				*f.dst = &v
			}
		}
	}
	if n := o.get("reorder_delay"); n != nil {
		if d, ok := l.duration(n, "reorder_delay"); ok {
			p.ReorderDelay = &d
		}
	}
	return p
}

// delayKeys are the keys of a delay distribution.
var delayKeys = []string{"dist", "value", "min", "max", "mean", "stddev"}

// delayDists lists each distribution's keys besides dist.
var delayDists = map[string][]string{
	"constant":    {"value"},
	"uniform":     {"min", "max"},
	"exponential": {"mean"},
	"normal":      {"mean", "stddev"},
}

// delayDistNames are the distributions in the order of the format.
var delayDistNames = []string{"constant", "uniform", "exponential", "normal"}

// delay decodes a delay: a duration (constant) or {dist: ..., ...}.
func (l *loader) delay(n *yaml.Node) (netmodel.Delay, bool) {
	r := l.resolve(n)
	if r == nil {
		return netmodel.Delay{}, false
	}
	if r.Kind == yaml.ScalarNode {
		v, ok := l.duration(r, "delay")
		return netmodel.Delay{Kind: netmodel.Constant, Value: v}, ok
	}
	if r.Kind != yaml.MappingNode {
		l.errf(r, "delay: expected a duration such as 5ms or a distribution such as {dist: uniform, min: 1ms, max: 20ms}, got %s", describe(r))
		return netmodel.Delay{}, false
	}
	o := l.fields(r, "delay", delayKeys)
	if o == nil {
		return netmodel.Delay{}, false
	}
	dn := o.require("dist", "constant, uniform, exponential or normal")
	if dn == nil {
		return netmodel.Delay{}, false
	}
	dist, ok := l.enum(dn, "dist", delayDistNames)
	if !ok {
		return netmodel.Delay{}, false
	}
	want := delayDists[dist]
	for _, k := range o.order {
		if k != "dist" && !contains(want, k) {
			l.errf(o.keys[k], "delay: key %q does not apply to dist %s (it takes %s)", k, dist, andList(want))
			ok = false
		}
	}
	d := netmodel.Delay{Kind: netmodel.DelayKind(dist)}
	for _, k := range want {
		v := o.require(k, "")
		if v == nil {
			ok = false
			continue
		}
		dur, vok := l.duration(v, k)
		ok = ok && vok
		switch k {
		case "value":
			d.Value = dur
		case "min":
			d.Min = dur
		case "max":
			d.Max = dur
		case "mean":
			d.Mean = dur
		case "stddev":
			d.Stddev = dur
		}
	}
	if ok && dist == "uniform" && d.Max < d.Min {
		l.errf(o.get("max"), "delay: max %s is below min %s", fmtDuration(d.Max), fmtDuration(d.Min))
		ok = false
	}
	return d, ok
}

// pipe decodes the pipe block.
func (l *loader) pipe(n *yaml.Node) {
	o := l.fields(n, "pipe", []string{"delay", "bandwidth"})
	p := &l.sc.Pipe
	if v := o.get("delay"); v != nil {
		if d, ok := l.duration(v, "delay"); ok {
			p.Delay = d
		}
	}
	if v := o.get("bandwidth"); v != nil {
		if bw, ok := l.bandwidth(v, "bandwidth"); ok {
			p.Bandwidth = bw
		}
	}
}

// Limits on option values: a scenario is a lecture example, not a
// benchmark, and every number has a bound.
const (
	maxSmallInt  = 1_000_000
	maxWindow    = 65535
	maxWorkers   = 1000
	maxRetrans   = 1000
	maxBlock     = 1_000_000
	maxCount     = 1_000_000
	maxSendSize  = 16 << 20
	maxMaxEvents = 1 << 40
)

// nfs decodes the nfs block.
func (l *loader) nfs(n *yaml.Node) {
	o := l.fields(n, "nfs", []string{"attr_timeout", "write_policy", "flush_interval", "api", "cache_blocks",
		"mount", "retrans", "timeout", "drc", "append", "mounts"})
	opt := &l.sc.NFS
	if v := o.get("mounts"); v != nil {
		l.mounts(v)
	}
	l.setDuration(o, "attr_timeout", &opt.AttrTimeout, false)
	l.setEnum(o, "write_policy", &opt.WritePolicy, []string{"write_through", "buffered", "nvram"})
	l.setDuration(o, "flush_interval", &opt.FlushInterval, true)
	l.setEnum(o, "api", &opt.API, []string{"file_handles", "stateful_fds", "paths", "inodes"})
	l.setInt(o, "cache_blocks", &opt.CacheBlocks, 0, maxSmallInt)
	l.setEnum(o, "mount", &opt.Mount, []string{"hard", "soft"})
	l.setInt(o, "retrans", &opt.Retrans, 0, maxRetrans)
	l.setDuration(o, "timeout", &opt.Timeout, true)
	l.setBool(o, "drc", &opt.DRC)
	l.setBool(o, "append", &opt.Append)
}

// mounts decodes nfs.mounts: the clients' mount table, a list of
// {on, server, export}.
func (l *loader) mounts(n *yaml.Node) {
	items, ok := l.list(n, "mounts")
	if !ok {
		return
	}
	if len(items) == 0 {
		l.errf(n, "mounts: expected at least one mount such as {on: /, server: server}; for the default, leave the key out")
		return
	}
	var table []NFSMount
	seen := map[string]*yaml.Node{}
	for i, it := range items {
		o := l.fields(it, fmt.Sprintf("mount %d", i+1), []string{"on", "server", "export"})
		if o == nil {
			continue
		}
		m := NFSMount{Export: "/", Pos: posOf(o.node)}
		good := true
		if v := o.require("on", "where the client sees the export, such as / or /backups"); v != nil {
			if p, ok := l.absPath(v, "on"); ok {
				if prev := seen[p]; prev != nil {
					l.errf(v, "mounts: %s is mounted twice (first at line %d)", p, posOf(prev).Line)
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
		if v := o.require("server", "the node that exports the directory"); v != nil {
			if name, ok := l.nodeName(v, "server", false); ok {
				m.Server = name
				l.mountServers = append(l.mountServers, nameUse{name, v})
			} else {
				good = false
			}
		} else {
			good = false
		}
		if v := o.get("export"); v != nil {
			if p, ok := l.absPath(v, "export"); ok {
				m.Export = p
			} else {
				good = false
			}
		}
		if good {
			table = append(table, m)
		}
	}
	l.sc.NFS.Mounts = table
	if len(table) == 0 {
		// Every entry was wrong: keep the default rather than a table
		// that holds no path, so that the files are not all reported too.
		l.sc.NFS.Mounts = nil
	}
}

// absPath decodes an absolute, clean directory path: "/", "/backups".
func (l *loader) absPath(n *yaml.Node, what string) (string, bool) {
	s, ok := l.str(n, what)
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
		l.errf(n, "%s: expected an absolute path such as / or /backups, got %s (%s)", what, describe(n), bad)
		return "", false
	}
	return s, true
}

// afs decodes the afs block.
func (l *loader) afs(n *yaml.Node) {
	o := l.fields(n, "afs", []string{"volumes", "vldb", "callback_limit", "client_crash"})
	opt := &l.sc.AFS
	if v := o.get("volumes"); v != nil {
		l.volumes(v)
	}
	if v := o.get("vldb"); v != nil {
		if name, ok := l.nodeName(v, "vldb", false); ok {
			opt.VLDB = name
			l.vldbUse = &nameUse{name, v}
		}
	}
	l.setInt(o, "callback_limit", &opt.CallbackLimit, 0, maxSmallInt)
	l.setEnum(o, "client_crash", &opt.ClientCrash, []string{"evict_all", "recheck"})
}

// volumes decodes afs.volumes: a mapping from volume path to server.
func (l *loader) volumes(n *yaml.Node) {
	r := l.resolve(n)
	if r == nil {
		return
	}
	if r.Kind != yaml.MappingNode || len(r.Content) == 0 {
		l.errf(r, "volumes: expected a mapping from volume path to server such as {/: server, /home: server2}, got %s", describe(r))
		return
	}
	var vols []Volume
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(r.Content); i += 2 {
		k, v := l.resolve(r.Content[i]), r.Content[i+1]
		if k == nil {
			return
		}
		p, ok := l.volumePath(k)
		if !ok {
			continue
		}
		if prev := seen[p]; prev != nil {
			l.errf(k, "volumes: volume %s appears twice (first at line %d)", p, posOf(prev).Line)
			continue
		}
		seen[p] = k
		server, ok := l.nodeName(v, "volume server", false)
		if !ok {
			continue
		}
		l.volumeServers = append(l.volumeServers, nameUse{server, v})
		vols = append(vols, Volume{Path: p, Server: server, Pos: posOf(k)})
	}
	l.sc.AFS.Volumes = vols
}

// volumePath decodes a volume path: "/", "/home"; a missing leading slash
// is added.
func (l *loader) volumePath(n *yaml.Node) (string, bool) {
	s, ok := l.str(n, "volume")
	if !ok {
		return "", false
	}
	p, err := cleanPath(s)
	if err != "" && !(err == errRoot) {
		l.errf(n, "volume: expected a path such as / or /home, got %s (%s)", describe(n), err)
		return "", false
	}
	return "/" + p, true
}

// errRoot is cleanPath's complaint about the root directory.
const errRoot = "the root is a directory, not a file"

// cleanPath returns a path relative to the root, without "." components or
// repeated slashes, or what is wrong with it.
func cleanPath(s string) (string, string) {
	if strings.TrimSpace(s) == "" {
		return "", "a path cannot be empty"
	}
	for _, part := range strings.Split(s, "/") {
		if part == ".." {
			return "", "a path cannot contain .."
		}
	}
	p := strings.TrimPrefix(path.Clean("/"+s), "/")
	if p == "" {
		return "", errRoot
	}
	return p, ""
}

// reliable decodes the reliable block.
func (l *loader) reliable(n *yaml.Node) {
	o := l.fields(n, "reliable", []string{"window", "rto", "fixed_timeout", "min_rto", "max_rto", "initial_rto", "granularity", "fast_retransmit"})
	opt := &l.sc.Reliable
	l.setInt(o, "window", &opt.Window, 1, maxWindow)
	l.setEnum(o, "rto", &opt.RTO, []string{"adaptive", "fixed"})
	l.setDuration(o, "fixed_timeout", &opt.FixedTimeout, true)
	minOK := l.setDuration(o, "min_rto", &opt.MinRTO, true)
	maxOK := l.setDuration(o, "max_rto", &opt.MaxRTO, true)
	l.setDuration(o, "initial_rto", &opt.InitialRTO, true)
	l.setDuration(o, "granularity", &opt.Granularity, false)
	if v := o.get("fast_retransmit"); v != nil {
		if b, ok := l.boolean(v, "fast_retransmit"); ok {
			opt.FastRetransmit = b
		}
	}
	if minOK && maxOK && opt.MaxRTO < opt.MinRTO {
		at := o.get("max_rto")
		if at == nil {
			at = o.get("min_rto")
		}
		l.errf(at, "reliable: max_rto %s is below min_rto %s", fmtDuration(opt.MaxRTO), fmtDuration(opt.MinRTO))
	}
}

// rpc decodes the rpc block.
func (l *loader) rpc(n *yaml.Node) {
	o := l.fields(n, "rpc", []string{"semantics", "transport", "timeout", "max_attempts", "workers", "ack_after"})
	opt := &l.sc.RPC
	l.setEnum(o, "semantics", &opt.Semantics, []string{"at_least_once", "at_most_once"})
	l.setEnum(o, "transport", &opt.Transport, []string{"udp", "reliable"})
	l.setDuration(o, "timeout", &opt.Timeout, true)
	l.setInt(o, "max_attempts", &opt.MaxAttempts, 0, maxSmallInt)
	l.setInt(o, "workers", &opt.Workers, 1, maxWorkers)
	if o.has("ack_after") {
		l.setDuration(o, "ack_after", &opt.AckAfter, true)
	} else {
		opt.AckAfter = opt.Timeout
	}
}

// disk decodes the disk block.
func (l *loader) disk(n *yaml.Node) {
	o := l.fields(n, "disk", []string{"write_latency", "read_latency"})
	l.setDuration(o, "write_latency", &l.sc.Disk.WriteLatency, false)
	l.setDuration(o, "read_latency", &l.sc.Disk.ReadLatency, false)
}

// limits decodes the limits block.
func (l *loader) limits(n *yaml.Node) {
	o := l.fields(n, "limits", []string{"max_events", "max_time"})
	if v := o.get("max_events"); v != nil {
		if x, ok := l.integer(v, "max_events", 1, maxMaxEvents); ok {
			l.sc.Limits.MaxEvents = uint64(x)
		}
	}
	l.setDuration(o, "max_time", &l.sc.Limits.MaxTime, true)
}

// setDuration decodes key k of o into dst, if present; positive requires a
// duration above 0. It reports whether dst holds a valid value.
func (l *loader) setDuration(o *object, k string, dst *time.Duration, positive bool) bool {
	v := o.get(k)
	if v == nil {
		return true
	}
	var d time.Duration
	var ok bool
	if positive {
		d, ok = l.positiveDuration(v, k)
	} else {
		d, ok = l.duration(v, k)
	}
	if ok {
		*dst = d
	}
	return ok
}

// setEnum decodes key k of o into dst, if present.
func (l *loader) setEnum(o *object, k string, dst *string, options []string) {
	if v := o.get(k); v != nil {
		if s, ok := l.enum(v, k, options); ok {
			*dst = s
		}
	}
}

// setInt decodes key k of o into dst, if present.
func (l *loader) setInt(o *object, k string, dst *int, lo, hi int64) {
	if v := o.get(k); v != nil {
		if x, ok := l.integer(v, k, lo, hi); ok {
			*dst = x
		}
	}
}

// setBool decodes key k of o into dst, if present.
func (l *loader) setBool(o *object, k string, dst *bool) {
	if v := o.get(k); v != nil {
		if b, ok := l.boolean(v, k); ok {
			*dst = b
		}
	}
}
