package scenarios

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// validate runs the checks that relate parts of the scenario to each
// other, once every part has been decoded, and completes Nodes.
func (l *loader) validate() {
	servers := l.fileServers()
	serverSet := map[string]bool{}
	for _, s := range servers {
		serverSet[s.name] = true
	}
	l.checkOps()
	l.checkFileRows(serverSet)
	l.checkFaults(serverSet)
	l.buildNodes(servers, serverSet)
}

// fileServers lists the servers of a file-system scenario in order:
// "server", then (with nfs) the servers of nfs.mounts, then (with afs) the
// VLDB, the volume servers and the targets of
// move_volume, each once. Names the file gives carry their node.
func (l *loader) fileServers() []nameUse {
	if !l.fileSystem() {
		return nil
	}
	out := []nameUse{{name: "server"}}
	seen := map[string]bool{"server": true}
	add := func(u nameUse) {
		if !seen[u.name] {
			seen[u.name] = true
			out = append(out, u)
		}
	}
	if l.hasSystem["nfs"] {
		for _, u := range l.mountServers {
			add(u)
		}
	}
	if l.hasSystem["afs"] {
		if l.vldbUse != nil {
			add(*l.vldbUse)
		} else {
			add(nameUse{name: l.sc.AFS.VLDB})
		}
		if l.volumeServers != nil {
			for _, u := range l.volumeServers {
				add(u)
			}
		} else {
			for _, v := range l.sc.AFS.Volumes {
				add(nameUse{name: v.Server})
			}
		}
		for i, f := range l.sc.Faults {
			if l.faultOK[i] && f.Kind == "move_volume" {
				add(nameUse{f.Server, l.faults[i].get("to")})
			}
		}
	}
	return out
}

// checkOps reports every row whose op a system of the scenario does not
// support.
func (l *loader) checkOps() {
	if !l.systemsOK {
		return
	}
	for i, st := range l.sc.Workload {
		if st.Op == "" || l.rows[i] == nil {
			continue
		}
		// Group the systems that lack the op by what they support.
		var groups []string
		bySet := map[string][]string{}
		for _, sys := range l.sc.Systems {
			if contains(SystemOps[sys], st.Op) {
				continue
			}
			set := strings.Join(SystemOps[sys], ", ")
			if bySet[set] == nil {
				groups = append(groups, set)
			}
			bySet[set] = append(bySet[set], sys)
		}
		if len(groups) == 0 {
			continue
		}
		var parts []string
		for _, set := range groups {
			systems := bySet[set]
			if len(systems) == 1 {
				parts = append(parts, fmt.Sprintf("system %s (it supports %s)", systems[0], set))
			} else {
				parts = append(parts, fmt.Sprintf("systems %s (they support %s)", andList(systems), set))
			}
		}
		l.errf(l.rows[i].get("op"), "op %s is not supported by %s", st.Op, strings.Join(parts, " nor by "))
		l.rowOK[i] = false
	}
}

// fdState is what the loader knows of one fd of one client.
type fdState struct {
	file   string
	opened Pos
	// closed is the line of the close, 0 while open.
	closed int
}

// checkFileRows follows the file-system rows in time order: a client is not
// a file server, an fd is open before it is used and not opened twice, an
// opened file exists (initially or by an earlier create), and with afs every
// file lies in a volume. It fills File of the rows that use an fd.
func (l *loader) checkFileRows(servers map[string]bool) {
	fds := map[string]map[string]*fdState{}
	exists := map[string]bool{}
	var known []string
	for _, f := range l.sc.Files {
		exists[f.Path] = true
		known = append(known, f.Path)
		if l.hasSystem["afs"] {
			l.checkVolume(f.Path, f.Pos, nil)
		}
		if l.hasSystem["nfs"] {
			l.checkMount(f.Path, f.Pos, nil, true)
		}
	}
	for i := range l.sc.Workload {
		st := &l.sc.Workload[i]
		o := l.rows[i]
		if !l.rowOK[i] || !contains(fsOps, st.Op) {
			continue
		}
		if servers[st.Client] {
			l.errf(o.get("client"), "client: %s is a file server in this scenario; clients are the other nodes", st.Client)
			continue
		}
		if st.File != "" && l.hasSystem["afs"] {
			l.checkVolume(st.File, Pos{}, o.get("file"))
		}
		if st.File != "" && l.hasSystem["nfs"] {
			l.checkMount(st.File, Pos{}, o.get("file"), false)
		}
		if fds[st.Client] == nil {
			fds[st.Client] = map[string]*fdState{}
		}
		mine := fds[st.Client]
		switch st.Op {
		case "open", "create":
			if st.Op == "open" && !exists[st.File] {
				l.errf(o.get("file"), "file: %s does not exist: it is not in files and no earlier row creates it%s",
					st.File, didYouMean(st.File, known, "files"))
			}
			if st.Op == "create" && !exists[st.File] {
				exists[st.File] = true
				known = append(known, st.File)
			}
			if st.FD == "" {
				break
			}
			if s := mine[st.FD]; s != nil && s.closed == 0 {
				l.errf(o.get("fd"), "fd: %s of client %s is already open (line %d); close it first or choose another name",
					st.FD, st.Client, s.opened.Line)
				break
			}
			mine[st.FD] = &fdState{file: st.File, opened: st.Pos}
		case "remove", "mkdir", "stat":
			// A path, no fd. A later open of a removed file is allowed:
			// its ENOENT is what some scenarios show.
		default:
			s := mine[st.FD]
			switch {
			case s == nil:
				l.errf(o.get("fd"), "fd: %s is not open on client %s; open it with an earlier open row%s",
					st.FD, st.Client, l.fdHint(fds, st))
				continue
			case s.closed != 0:
				l.errf(o.get("fd"), "fd: %s of client %s was closed at line %d; open it again first", st.FD, st.Client, s.closed)
				continue
			}
			st.File = s.file
			if st.Op == "close" {
				s.closed = st.Pos.Line
			}
		}
	}
}

// fdHint says which other client has an fd of that name open, if one does.
func (l *loader) fdHint(fds map[string]map[string]*fdState, st *Step) string {
	var others []string
	for client, m := range fds {
		if s := m[st.FD]; s != nil && client != st.Client && s.closed == 0 {
			others = append(others, client)
		}
	}
	if len(others) == 0 {
		return ""
	}
	sort.Strings(others)
	return fmt.Sprintf(" (fd names are local to their client; %s has an fd %s)", andList(others), st.FD)
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

// checkVolume reports a file outside every AFS volume, at n or else at p.
func (l *loader) checkVolume(path string, p Pos, n *yaml.Node) {
	if _, ok := volumeOf(l.sc.AFS.Volumes, path); ok {
		return
	}
	var vols []string
	for _, v := range l.sc.AFS.Volumes {
		vols = append(vols, v.Path)
	}
	if n != nil {
		p = posOf(n)
	}
	l.errAt(p, "file %s is in no AFS volume (afs.volumes has %s); add a volume such as /", path, andList(vols))
}

// checkMount reports a path outside every NFS mount, at n or else at p;
// with file, also an initial file that would be a mount point.
func (l *loader) checkMount(path string, p Pos, n *yaml.Node, file bool) {
	if n != nil {
		p = posOf(n)
	}
	table := l.sc.NFS.MountTable()
	i, rel := nfsMountOf(table, path)
	if i < 0 {
		var ons []string
		for _, m := range table {
			ons = append(ons, m.On)
		}
		l.errAt(p, "file %s is in no NFS mount (nfs.mounts has %s); add a mount such as {on: /, server: server}", path, andList(ons))
		return
	}
	if file && rel == "" {
		l.errAt(p, "file %s is the mount point %s, a directory on %s; a file must lie below it", path, table[i].On, table[i].Server)
	}
}

// checkFaults follows the faults in time order: a node is not crashed twice,
// a restart follows a crash, flush names a file server, and the faults that
// only a file system understands have one to act on.
func (l *loader) checkFaults(servers map[string]bool) {
	order := make([]int, 0, len(l.sc.Faults))
	for i := range l.sc.Faults {
		if l.faultOK[i] {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return l.sc.Faults[order[a]].At < l.sc.Faults[order[b]].At })
	crashed := map[string]int{}
	var serverNames []string
	for s := range servers {
		serverNames = append(serverNames, s)
	}
	sort.Strings(serverNames)
	for _, i := range order {
		f := &l.sc.Faults[i]
		o := l.faults[i]
		kindNode := o.keys[f.Kind]
		switch f.Kind {
		case "crash":
			if line, down := crashed[f.Node]; down {
				l.errf(o.get("crash"), "crash: node %s is already crashed (line %d); restart it first", f.Node, line)
				continue
			}
			crashed[f.Node] = f.Pos.Line
		case "restart":
			if _, down := crashed[f.Node]; !down {
				l.errf(o.get("restart"), "restart: node %s is not crashed at %s; a restart must follow a crash of that node",
					f.Node, fmtDuration(f.At))
				continue
			}
			delete(crashed, f.Node)
		case "low_memory", "flush":
			if l.systemsOK && !l.fileSystem() {
				l.errf(kindNode, "%s applies only to the file systems (nfs, afs), and systems lists neither", f.Kind)
				continue
			}
			if f.Kind == "flush" && l.fileSystem() && !servers[f.Node] {
				l.errf(o.get("flush"), "flush: node %s is not a file server (servers: %s)%s", f.Node, andList(serverNames),
					didYouMean(f.Node, serverNames, ""))
			}
		case "move_volume":
			if l.systemsOK && !l.hasSystem["afs"] {
				l.errf(kindNode, "move_volume applies only to system afs, which systems does not list")
				continue
			}
			var vols []string
			found := false
			for _, v := range l.sc.AFS.Volumes {
				vols = append(vols, v.Path)
				found = found || v.Path == f.Volume
			}
			if !found {
				l.errf(o.get("move_volume"), "move_volume: %s is not a volume in afs.volumes%s", f.Volume, didYouMean(f.Volume, vols, "volumes"))
			}
		}
	}
}

// buildNodes completes Nodes (declared, servers, workload, faults) and
// checks every name used: when nodes is declared, each must be declared
// (file servers are always present); a link must name a node the scenario
// has.
func (l *loader) buildNodes(servers []nameUse, serverSet map[string]bool) {
	have := map[string]bool{}
	for _, n := range l.sc.Nodes {
		have[n.Name] = true
	}
	add := func(u nameUse) {
		if !have[u.name] {
			have[u.name] = true
			var p Pos
			if u.node != nil {
				p = posOf(u.node)
			}
			l.sc.Nodes = append(l.sc.Nodes, Node{Name: u.name, Pos: p})
		}
	}
	for _, s := range servers {
		add(s)
	}
	var candidates []string
	if l.declared {
		for _, n := range l.sc.Nodes {
			candidates = append(candidates, n.Name)
		}
	}
	reported := map[string]bool{}
	check := func(u nameUse) bool {
		if !l.declared || l.declaredSet[u.name] || serverSet[u.name] {
			return true
		}
		if !reported[u.name] {
			reported[u.name] = true
			l.errf(u.node, "node %s is not declared in nodes%s", u.name, didYouMean(u.name, candidates, "declared nodes"))
		}
		return false
	}
	for _, u := range l.rowUses {
		if check(u) {
			add(u)
		}
	}
	for _, u := range l.faultUses {
		if check(u) {
			add(u)
		}
	}
	var all []string
	for _, n := range l.sc.Nodes {
		all = append(all, n.Name)
	}
	for _, u := range l.linkUses {
		if !check(u) {
			continue
		}
		if !have[u.name] && !reported[u.name] {
			reported[u.name] = true
			l.errf(u.node, "network link names node %s, which no workload row or fault names%s", u.name, didYouMean(u.name, all, "nodes"))
		}
	}
}
