package afsdriver

import (
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sim-lecture/sim/protocols/afs"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/fileops"
)

func init() {
	scenarios.Register(scenarios.System{Name: "afs", Order: 80, Family: "file system", ServerRole: "file server",
		Doc:        "AFS: whole-file caching, callbacks, volumes.",
		Ops:        fileops.Ops,
		OpsDoc:     "file-system ops",
		Blocks:     []*scenarios.Block{block},
		Faults:     append(append([]*scenarios.FaultKind{}, fileops.Faults...), moveVolume),
		Servers:    afsServers,
		CheckPath:  checkVolume,
		Exercise:   fileops.Exercise("afs"),
		Invariants: invariants,
		// The server-utilisation model (Howard et al. 1988 §3.1).
		ServiceTime: afs.ServiceTime,
		Metrics:     []*report.Metric{fileops.Utilization},
		Check:       checkFiles,
		New:         func() scenarios.Driver { return &driver{} }, ReportsDone: true})
}

// Volume maps an AFS volume (a path prefix) to the server that holds it.
type Volume struct {
	// Path starts with "/" and has no trailing "/" except for the root.
	Path string
	// Server names the node that holds the volume.
	Server string
	// Pos is where the volume appears in the file, ServerPos where its
	// server does.
	Pos, ServerPos scenarios.Pos
}

// Options configure system "afs".
type Options struct {
	// Volumes in the order of the file (default one volume "/" on
	// "server"). A file belongs to the volume with the longest matching
	// path prefix.
	Volumes []Volume
	// VLDB names the volume location server (default "server"); VLDBPos
	// is where the file names it (zero when it does not).
	VLDB    string
	VLDBPos scenarios.Pos
	// CallbackLimit is how many callbacks a server keeps; 0 (default) means
	// unlimited.
	CallbackLimit int
	// ClientCrash says what a restarted client does with its cache:
	// recheck (default: revalidate every cached file on first use) or
	// evict_all.
	ClientCrash string
	// Mode is callbacks (default: the revised AFS of the lecture) or
	// prototype (the AFS prototype of Howard et al. 1988, which validates
	// every open with the server and has no callbacks).
	Mode string
	// CallbackLifetime is how long every callback promise lasts; 0
	// (written openafs, the default) means as OpenAFS decides, by the
	// number of clients holding one on the file (afs.OpenAFSLifetime).
	CallbackLifetime time.Duration
}

// The values of afs.mode.
const (
	ModeCallbacks = "callbacks"
	ModePrototype = "prototype"
)

// maxLifetime bounds a fixed callback_lifetime: a day, six times
// OpenAFS's longest promise.
const maxLifetime = 24 * time.Hour

// maxCallbacks bounds callback_limit.
const maxCallbacks = 1_000_000

// block is the `afs:` block.
var block = &scenarios.Block{Name: "afs", Order: 30,
	New: func() any {
		return &Options{Volumes: []Volume{{Path: "/", Server: "server"}}, VLDB: "server", ClientCrash: "recheck", Mode: ModeCallbacks}
	},
	Options: []scenarios.Option{
		scenarios.CustomOption("volumes", "`{/: server}`", "Volume path prefix -> the server that holds it.", decodeVolumes),
		scenarios.CustomOption("vldb", "`server`", "The volume location server.", func(d *scenarios.Decoder, n *yaml.Node, o *Options) bool {
			name, ok := d.NodeName(n, "vldb")
			if ok {
				o.VLDB, o.VLDBPos = name, scenarios.PosOf(n)
			}
			return ok
		}),
		scenarios.IntOption("callback_limit", "`0`", "Callback promises a server keeps; `0` is unlimited.", 0, maxCallbacks,
			func(o *Options) *int { return &o.CallbackLimit }),
		scenarios.EnumOption("client_crash", "`recheck`", "After a client crash: `recheck` (validate each cached file before use) or `evict_all`.",
			[]string{"evict_all", "recheck"}, func(o *Options) *string { return &o.ClientCrash }),
		scenarios.EnumOption("mode", "`callbacks`", "`callbacks`: the revised AFS, whose server promises callbacks; `prototype`: the AFS prototype (Howard et al. 1988), whose client validates its cached copy with the server (FETCHSTATUS) on every open, with no callbacks.",
			[]string{ModeCallbacks, ModePrototype}, func(o *Options) *string { return &o.Mode }),
		scenarios.CustomOption("callback_lifetime", "`openafs`", "How long a callback promise lasts: `openafs` (as the OpenAFS file server decides: 4h on a file fewer than 8 clients hold, down to 7min on one 64 or more hold; the server keeps it 3min longer) or a fixed duration such as `2m`.",
			decodeLifetime),
	},
	Check: func(c *scenarios.BlockCheck) {
		// The conversion the driver makes, made when the scenario loads.
		if _, err := afs.ParseCrashPolicy(c.Value.(*Options).ClientCrash); err != nil && c.OK("client_crash") {
			c.Errorf("client_crash", "client_crash: %v", err)
		}
	},
	Positions: func(v any) []*scenarios.Pos {
		o := v.(*Options)
		var ps []*scenarios.Pos
		for i := range o.Volumes {
			ps = append(ps, &o.Volumes[i].Pos, &o.Volumes[i].ServerPos)
		}
		if o.VLDBPos != (scenarios.Pos{}) {
			ps = append(ps, &o.VLDBPos)
		}
		return ps
	},
}

// decodeLifetime decodes afs.callback_lifetime: openafs or a duration.
func decodeLifetime(d *scenarios.Decoder, n *yaml.Node, o *Options) bool {
	r := d.Resolve(n)
	if r == nil {
		return false
	}
	if r.Kind == yaml.ScalarNode && r.Value == "openafs" {
		o.CallbackLifetime = 0
		return true
	}
	life, ok := d.PositiveDuration(r, "callback_lifetime")
	switch {
	case !ok:
		return false
	case life > maxLifetime:
		d.Errorf(r, "callback_lifetime: at most %s, got %s (or openafs)", scenarios.FormatDuration(maxLifetime), scenarios.FormatDuration(life))
		return false
	}
	o.CallbackLifetime = life
	return true
}

// afsOptions returns the scenario's afs block.
func optionsOf(sc *scenarios.Scenario) *Options { return sc.Block("afs").(*Options) }

// afsServers lists the file servers of an afs scenario: "server", the
// volume location server, the volume servers and the targets of
// move_volume.
func afsServers(d *scenarios.Decoder) []scenarios.NameUse {
	sc := d.Scenario()
	o := optionsOf(sc)
	out := []scenarios.NameUse{{Name: "server"}, {Name: o.VLDB, Pos: o.VLDBPos}}
	for _, v := range o.Volumes {
		out = append(out, scenarios.NameUse{Name: v.Server, Pos: v.ServerPos})
	}
	for i, f := range sc.Faults {
		if m, ok := f.Data.(VolumeMove); ok && d.FaultOK(i) {
			out = append(out, scenarios.NameUse{Name: m.Server, Pos: m.ServerPos})
		}
	}
	return out
}

// VolumeMove is what a move_volume fault moves: Volume (as in
// afs.volumes) to Server, named at ServerPos.
type VolumeMove struct {
	Volume, Server string
	ServerPos      scenarios.Pos
}

// moveVolume is the move_volume fault: an administrator moves a volume to
// another server (`{at: 30s, move_volume: /home, to: server2}`).
var moveVolume = &scenarios.FaultKind{Name: "move_volume", Order: 110,
	Example: "{at: 30s, move_volume: /home, to: server2}", Doc: "AFS: an administrator moves a volume",
	Keys: []scenarios.FaultKey{{Name: "to", Of: "move_volume"}},
	Decode: func(d *scenarios.Decoder, o *scenarios.Object, f *scenarios.Fault) bool {
		ok := true
		var m VolumeMove
		if r := d.Resolve(o.Get("move_volume")); r != nil {
			if p, vok := volumePath(d, r); vok {
				m.Volume = p
			} else {
				ok = false
			}
		}
		if tn := o.Require("to", "the server that receives the volume"); tn != nil {
			name, nok := d.NodeName(tn, "to")
			if nok {
				m.Server, m.ServerPos = name, scenarios.PosOf(tn)
				d.UseNode(name, tn)
			}
			ok = ok && nok
		} else {
			ok = false
		}
		f.Data = m
		return ok
	},
	Check: func(d *scenarios.Decoder, o *scenarios.Object, f *scenarios.Fault) {
		m := f.Data.(VolumeMove)
		var vols []string
		found := false
		for _, v := range optionsOf(d.Scenario()).Volumes {
			vols = append(vols, v.Path)
			found = found || v.Path == m.Volume
		}
		if !found {
			d.Errorf(o.Get("move_volume"), "move_volume: %s is not a volume in afs.volumes%s", m.Volume, scenarios.DidYouMean(m.Volume, vols, "volumes"))
		}
	},
}

// volumes decodes afs.volumes: a mapping from volume path to server.
func decodeVolumes(d *scenarios.Decoder, n *yaml.Node, opt *Options) bool {
	r := d.Resolve(n)
	if r == nil {
		return false
	}
	if r.Kind != yaml.MappingNode || len(r.Content) == 0 {
		d.Errorf(r, "volumes: expected a mapping from volume path to server such as {/: server, /home: server2}, got %s", scenarios.Describe(r))
		return false
	}
	var vols []Volume
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(r.Content); i += 2 {
		k, v := d.Resolve(r.Content[i]), r.Content[i+1]
		if k == nil {
			return false
		}
		p, ok := volumePath(d, k)
		if !ok {
			continue
		}
		if prev := seen[p]; prev != nil {
			d.Errorf(k, "volumes: volume %s appears twice (first at line %d)", p, scenarios.PosOf(prev).Line)
			continue
		}
		seen[p] = k
		server, ok := d.NodeName(v, "volume server")
		if !ok {
			continue
		}
		vols = append(vols, Volume{Path: p, Server: server, Pos: scenarios.PosOf(k), ServerPos: scenarios.PosOf(v)})
	}
	opt.Volumes = vols
	return len(vols) == len(r.Content)/2
}

// volumePath decodes a volume path: "/", "/home"; a missing leading slash
// is added.
func volumePath(d *scenarios.Decoder, n *yaml.Node) (string, bool) {
	s, ok := d.Str(n, "volume")
	if !ok {
		return "", false
	}
	p, err := scenarios.CleanPath(s)
	if err != "" && !(err == scenarios.ErrRoot) {
		d.Errorf(n, "volume: expected a path such as / or /home, got %s (%s)", scenarios.Describe(n), err)
		return "", false
	}
	return "/" + p, true
}

// volumeOf returns the AFS volume holding path p (relative to the root):
// the one with the longest matching prefix.
func volumeOf(vols []Volume, p string) (Volume, bool) {
	best, found := Volume{}, false
	for _, v := range vols {
		prefix := strings.TrimPrefix(v.Path, "/")
		if prefix == "" || p == prefix || strings.HasPrefix(p, prefix+"/") {
			if !found || len(v.Path) > len(best.Path) {
				best, found = v, true
			}
		}
	}
	return best, found
}

// checkVolume reports a file outside every AFS volume, at p
// (System.CheckPath).
func checkVolume(d *scenarios.Decoder, path string, p scenarios.Pos, _ bool) {
	vols := optionsOf(d.Scenario()).Volumes
	if _, ok := volumeOf(vols, path); ok {
		return
	}
	var paths []string
	for _, v := range vols {
		paths = append(paths, v.Path)
	}
	d.ErrorAt(p, "file %s is in no AFS volume (afs.volumes has %s); add a volume such as /", path, scenarios.AndList(paths))
}

// checkFiles reports, at its entry in files, each initial file a server
// could not hold or send (System.Check): a path too long for AFS, or a
// file too large for one FETCH over UDP (afs.FetchSize), since AFS
// moves whole files and the RPC layer does not fragment.
func checkFiles(d *scenarios.Decoder) {
	sc := d.Scenario()
	vols := optionsOf(sc).Volumes
	for _, f := range sc.Files {
		if err := afs.CheckPath(f.Path); err != nil {
			d.ErrorAt(f.Pos, "files: file %s: %v", shortPath(f.Path), err)
			continue
		}
		if _, ok := volumeOf(vols, f.Path); !ok {
			continue // checkVolume reported it
		}
		if n := afs.FetchSize(f.Blocks); n > udp.MaxPayload {
			d.ErrorAt(f.Pos, "files: file %s takes %d bytes to FETCH, more than one UDP datagram carries (%d): AFS sends a whole file in one message here",
				shortPath(f.Path), n, udp.MaxPayload)
		}
	}
}

// shortPath is a path for a message, cut in the middle when it is long.
func shortPath(p string) string {
	if len(p) <= 60 {
		return p
	}
	return p[:28] + "..." + p[len(p)-28:]
}
