package scenarios

import (
	"path"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sim-lecture/sim/netmodel"
)

// systemList decodes the systems list.
func (l *loader) systemList(n *yaml.Node) {
	if n == nil {
		return
	}
	items, ok := l.list(n, "systems")
	if !ok {
		return
	}
	known := SystemNames()
	if len(items) == 0 {
		l.errf(n, "systems: expected at least one system (%s)", strings.Join(known, ", "))
		return
	}
	l.systemsOK = true
	first := map[string]*yaml.Node{}
	for _, it := range items {
		s, ok := l.str(it, "systems")
		if !ok {
			l.systemsOK = false
			continue
		}
		sys := LookupSystem(s)
		if sys == nil {
			l.errf(it, "unknown system %q%s", s, didYouMean(s, known, "known systems"))
			l.systemsOK = false
			continue
		}
		if prev := first[s]; prev != nil {
			l.errf(it, "system %q is listed twice (first at line %d)", s, posOf(prev).Line)
			continue
		}
		first[s] = it
		l.systems = append(l.systems, sys)
		l.sc.Systems = append(l.sc.Systems, s)
	}
}

// hasSystem reports whether the scenario runs s.
func (l *loader) hasSystem(s *System) bool {
	for _, x := range l.systems {
		if x == s {
			return true
		}
	}
	return false
}

// block decodes a registered option block into the scenario's value of
// it, then runs the block's Check.
func (l *loader) block(b *Block, n *yaml.Node) {
	keys := make([]string, len(b.Options))
	for i, o := range b.Options {
		keys[i] = o.Name
	}
	o := l.fields(n, b.Name, keys)
	v := l.sc.Blocks[b.Name]
	d := &Decoder{l}
	ok := map[string]bool{}
	for _, opt := range b.Options {
		if vn := o.Get(opt.Name); vn != nil {
			ok[opt.Name] = opt.decode(d, vn, v)
		}
	}
	if b.Check != nil && o != nil {
		b.Check(&BlockCheck{d: d, o: o, ok: ok, Value: v})
	}
}

// patchKeys are the keys of a network patch, in the order of the format.
var patchKeys = []string{"delay", "bandwidth", "loss", "duplicate", "reorder", "reorder_delay", "corrupt", "queue", "queue_bytes"}

// networkKeys are the keys of the network block.
var networkKeys = append(append([]string{}, patchKeys...), "links")

// linkKeys are the keys of a per-link override.
var linkKeys = append(append([]string{"from", "to"}, patchKeys...), "shared")

// network decodes the network block.
func (l *loader) network(n *yaml.Node) netmodel.Config {
	cfg := DefaultNetwork()
	o := l.fields(n, "network", networkKeys)
	if o == nil {
		return cfg
	}
	cfg.Default = cfg.Default.Apply(l.patch(o))
	if ln := o.Get("links"); ln != nil {
		items, _ := l.list(ln, "links")
		for _, it := range items {
			lo := l.fields(it, "network link", linkKeys)
			if lo == nil {
				continue
			}
			lp := netmodel.LinkPatch{Patch: l.patch(lo)}
			if v := lo.Get("shared"); v != nil {
				lp.Shared, _ = l.boolean(v, "shared")
			}
			for _, k := range []string{"from", "to"} {
				v := lo.Get(k)
				if v == nil {
					continue
				}
				name, ok := l.nodeName(v, k, true)
				if !ok {
					continue
				}
				if name != "*" {
					l.linkUses = append(l.linkUses, NameUse{name, posOf(v)})
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
func empty(o *Object, keys []string) bool {
	for _, k := range keys {
		if o.Has(k) {
			return false
		}
	}
	return true
}

// patch decodes the patch keys of o; keys it does not have stay nil.
func (l *loader) patch(o *Object) netmodel.Patch {
	var p netmodel.Patch
	if n := o.Get("delay"); n != nil {
		if d, ok := l.delay(n); ok {
			p.Delay = &d
		}
	}
	if n := o.Get("bandwidth"); n != nil {
		if bw, ok := l.bandwidth(n, "bandwidth"); ok {
			p.Bandwidth = &bw
		}
	}
	for _, f := range []struct {
		key string
		dst **float64
	}{{"loss", &p.Loss}, {"duplicate", &p.Duplicate}, {"reorder", &p.Reorder}, {"corrupt", &p.Corrupt}} {
		if n := o.Get(f.key); n != nil {
			if v, ok := l.probability(n, f.key); ok {
				*f.dst = &v
			}
		}
	}
	if n := o.Get("reorder_delay"); n != nil {
		if d, ok := l.duration(n, "reorder_delay"); ok {
			p.ReorderDelay = &d
		}
	}
	if n := o.Get("queue"); n != nil {
		if q, ok := l.integer(n, "queue", 0, netmodel.MaxQueue); ok {
			p.Queue = &q
		}
	}
	if n := o.Get("queue_bytes"); n != nil {
		if q, ok := l.size(n, "queue_bytes", 0, netmodel.MaxQueue); ok {
			p.QueueBytes = &q
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
	dn := o.Require("dist", "constant, uniform, exponential or normal")
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
		v := o.Require(k, "")
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
		l.errf(o.Get("max"), "delay: max %s is below min %s", fmtDuration(d.Max), fmtDuration(d.Min))
		ok = false
	}
	return d, ok
}

// Limits on option values: a scenario is a lecture example, not a
// benchmark, and every number has a bound.
const (
	maxBlock     = 1_000_000
	maxCount     = 1_000_000
	maxSendSize  = 16 << 20
	maxMaxEvents = 1 << 40
	// maxBytesHeld is the ceiling of limits.max_bytes_held: payload held
	// at once is memory, and no scenario may exhaust the machine's.
	maxBytesHeld  = 1 << 30
	maxBytesMoved = 1 << 40
)

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

// disk decodes the disk block.
func (l *loader) disk(n *yaml.Node) {
	o := l.fields(n, "disk", []string{"write_latency", "read_latency"})
	l.setDuration(o, "write_latency", &l.sc.Disk.WriteLatency, false)
	l.setDuration(o, "read_latency", &l.sc.Disk.ReadLatency, false)
}

// limits decodes the limits block.
func (l *loader) limits(n *yaml.Node) {
	o := l.fields(n, "limits", []string{"max_events", "max_time", "max_bytes_held", "max_bytes_moved", "max_total_events"})
	if v := o.Get("max_events"); v != nil {
		if x, ok := l.integer(v, "max_events", 1, maxMaxEvents); ok {
			l.sc.Limits.MaxEvents = uint64(x)
		}
	}
	if v := o.Get("max_total_events"); v != nil {
		x, ok := l.integer(v, "max_total_events", 1, maxMaxEvents)
		switch {
		case ok && l.inVariant && l.variantSets(v):
			// The bound is the file's: it counts every variant's runs.
			l.errf(v, "max_total_events bounds the events of all the file's runs together; set it in the file's limits, not in a variant's")
		case ok:
			l.sc.Limits.MaxTotalEvents = uint64(x)
		}
	}
	l.setDuration(o, "max_time", &l.sc.Limits.MaxTime, true)
	l.maxTimeSet = l.maxTimeSet || o.Has("max_time")
	if v := o.Get("max_bytes_held"); v != nil {
		if x, ok := l.size(v, "max_bytes_held", 1, maxBytesHeld); ok {
			l.sc.Limits.MaxBytesHeld = int64(x)
		}
	}
	if v := o.Get("max_bytes_moved"); v != nil {
		if x, ok := l.size(v, "max_bytes_moved", 1, maxBytesMoved); ok {
			l.sc.Limits.MaxBytesMoved = int64(x)
		}
	}
}

// setDuration decodes key k of o into dst, if present; positive requires a
// duration above 0. It reports whether dst holds a valid value.
func (l *loader) setDuration(o *Object, k string, dst *time.Duration, positive bool) bool {
	v := o.Get(k)
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
