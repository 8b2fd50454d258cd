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
	var roles map[string]string
	l.servers, roles = l.systemServers()
	serverSet := map[string]bool{}
	for _, s := range l.servers {
		serverSet[s.Name] = true
	}
	l.checkOps()
	l.checkSystemRows()
	l.checkFileRows(roles)
	l.checkPrograms(roles)
	l.checkFaults()
	l.buildNodes(l.servers, serverSet)
	l.checkSystems()
}

// checkSystemRows runs each system's CheckRow on the valid rows of the
// ops it runs.
func (l *loader) checkSystemRows() {
	d := &Decoder{l}
	for i := range l.sc.Workload {
		if !l.rowOK[i] {
			continue
		}
		st := &l.sc.Workload[i]
		for _, sys := range l.systems {
			if sys.CheckRow == nil || !sys.supports(st.Op) {
				continue
			}
			c := &RowCheck{d: d, o: l.rows[i], Step: st}
			sys.CheckRow(c)
			if c.failed {
				l.rowOK[i] = false
			}
		}
	}
}

// checkSystems runs each system's Check on the whole scenario.
func (l *loader) checkSystems() {
	if !l.systemsOK {
		return
	}
	d := &Decoder{l}
	for _, sys := range l.systems {
		if sys.Check != nil {
			sys.Check(d)
		}
	}
}

// systemServers lists the servers the scenario's systems name
// (System.Servers), in the order of the registry, each once, and what
// the first system that names each calls it (System.ServerRole).
func (l *loader) systemServers() ([]NameUse, map[string]string) {
	var out []NameUse
	roles := map[string]string{}
	d := &Decoder{l}
	for _, sys := range Systems() {
		if sys.Servers == nil || !l.hasSystem(sys) {
			continue
		}
		role := sys.ServerRole
		if role == "" {
			role = "server"
		}
		for _, u := range sys.Servers(d) {
			if roles[u.Name] == "" {
				roles[u.Name] = role
				out = append(out, u)
			}
		}
	}
	return out, roles
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
		if l.unsupported(st.Op, l.rows[i].Get("op")) {
			l.rowOK[i] = false
		}
	}
}

// unsupported reports, at the node at, the systems of the scenario that
// does not support op, and says whether there is one.
func (l *loader) unsupported(op string, at *yaml.Node) bool {
	if !l.systemsOK {
		return false
	}
	// Group the systems that lack the op by what they support.
	var groups []string
	bySet := map[string][]string{}
	for _, sys := range l.systems {
		if sys.supports(op) {
			continue
		}
		set := strings.Join(sys.opNames(), ", ")
		if bySet[set] == nil {
			groups = append(groups, set)
		}
		bySet[set] = append(bySet[set], sys.Name)
	}
	if len(groups) == 0 {
		return false
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
	l.errf(at, "op %s is not supported by %s", op, strings.Join(parts, " nor by "))
	return true
}

// fdState is what the loader knows of one fd of one client.
type fdState struct {
	file   string
	opened Pos
	// closed is the line of the close, 0 while open.
	closed int
}

// checkFileRows follows the rows in time order: a client is not a server,
// every path lies in the namespace of each system (System.CheckPath), an
// fd is open before it is used and not opened twice, and an opened file
// exists (initially or by an earlier create): each as the row's op says
// (Op.FD, Op.File). It fills File of the rows that use an fd.
func (l *loader) checkFileRows(servers map[string]string) {
	fds := map[string]map[string]*fdState{}
	exists := map[string]bool{}
	var known []string
	for _, f := range l.sc.Files {
		exists[f.Path] = true
		known = append(known, f.Path)
		l.checkPath(f.Path, f.Pos, true)
	}
	for i := range l.sc.Workload {
		st := &l.sc.Workload[i]
		o := l.rows[i]
		if !l.rowOK[i] {
			continue
		}
		if role := servers[st.Client]; role != "" {
			l.errf(o.Get("client"), "client: %s is a %s in this scenario; clients are the other nodes", st.Client, role)
			continue
		}
		op := LookupOp(st.Op)
		if st.File != "" || op.keyFlags("file").Root {
			l.checkPath(st.File, filePos(o), false)
		}
		if fds[st.Client] == nil {
			fds[st.Client] = map[string]*fdState{}
		}
		if op.keyFlags("to").Path {
			// rename, link, symlink: a new name, which later rows may
			// open.
			l.checkPath(st.ToPath, posOf(o.Get("to")), false)
			if !exists[st.ToPath] {
				exists[st.ToPath] = true
				known = append(known, st.ToPath)
			}
		}
		switch op.FD {
		case OpensFD:
			l.openFile(o, st, op, fds[st.Client], exists, &known)
		case UsesFD, ClosesFD:
			s := fds[st.Client][st.FD]
			switch {
			case s == nil:
				l.errf(o.Get("fd"), "fd: %s is not open on client %s; open it with an earlier open row%s",
					st.FD, st.Client, l.fdHint(fds, st))
				continue
			case s.closed != 0:
				l.errf(o.Get("fd"), "fd: %s of client %s was closed at line %d; open it again first", st.FD, st.Client, s.closed)
				continue
			}
			st.File = s.file
			if op.FD == ClosesFD {
				s.closed = st.Pos.Line
			}
		}
		// A row with a path and no fd (remove, mkdir, stat) needs nothing:
		// a later open of a removed file is allowed, its ENOENT is what
		// some scenarios show.
	}
}

// checkPath checks path against the namespace of each system of the
// scenario.
func (l *loader) checkPath(path string, at Pos, initial bool) {
	d := &Decoder{l}
	for _, sys := range l.systems {
		if sys.CheckPath != nil {
			sys.CheckPath(d, path, at, initial)
		}
	}
}

// filePos is where a row's file is: its key file, or its op when it
// has none (statfs's file defaults to the root).
func filePos(o *Object) Pos {
	if v := o.Get("file"); v != nil {
		return posOf(v)
	}
	return posOf(o.Get("op"))
}

// openFile follows a row that opens (or creates) a file: the file must
// exist unless the row creates it, and the row's fd, if any, must not be
// open already.
func (l *loader) openFile(o *Object, st *Step, op *Op, mine map[string]*fdState, exists map[string]bool, known *[]string) {
	if op.File == NeedsFile && !exists[st.File] {
		l.errf(o.Get("file"), "file: %s does not exist: it is not in files and no earlier row creates it%s",
			st.File, didYouMean(st.File, *known, "files"))
	}
	if op.File == CreatesFile && !exists[st.File] {
		exists[st.File] = true
		*known = append(*known, st.File)
	}
	if st.FD == "" {
		return
	}
	if s := mine[st.FD]; s != nil && s.closed == 0 {
		l.errf(o.Get("fd"), "fd: %s of client %s is already open (line %d); close it first or choose another name",
			st.FD, st.Client, s.opened.Line)
		return
	}
	mine[st.FD] = &fdState{file: st.File, opened: st.Pos}
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

// checkFaults follows the faults in time order: each kind a system owns
// needs a system of the scenario that accepts it, and each kind checks
// its faults (FaultKind.Check: a node is not crashed twice, a restart
// follows a crash, ...).
func (l *loader) checkFaults() {
	order := make([]int, 0, len(l.sc.Faults))
	for i := range l.sc.Faults {
		if l.faultOK[i] {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return l.sc.Faults[order[a]].At < l.sc.Faults[order[b]].At })
	l.crashed = map[string]int{}
	d := &Decoder{l}
	for _, i := range order {
		f := &l.sc.Faults[i]
		o := l.faults[i]
		kind := LookupFaultKind(f.Kind)
		if l.systemsOK && !l.accepted(kind) {
			l.errf(o.keys[f.Kind], "%s", notAccepted(kind))
			continue
		}
		if kind.Check != nil {
			kind.Check(d, o, f)
		}
	}
}

// accepted reports whether a system of the scenario accepts kind.
func (l *loader) accepted(kind *FaultKind) bool {
	for _, sys := range l.systems {
		if sys.accepts(kind) {
			return true
		}
	}
	return false
}

// notAccepted says which systems a kind applies to, for a scenario that
// runs none of them: "move_volume applies only to system afs, which
// systems does not list".
func notAccepted(kind *FaultKind) string {
	var names []string
	family := ""
	for _, sys := range Systems() {
		if !sys.accepts(kind) {
			continue
		}
		names = append(names, sys.Name)
		if len(names) == 1 {
			family = sys.Family
		} else if sys.Family != family {
			family = ""
		}
	}
	switch {
	case len(names) == 1:
		return fmt.Sprintf("%s applies only to system %s, which systems does not list", kind.Name, names[0])
	case len(names) == 2 && family != "":
		return fmt.Sprintf("%s applies only to the %ss (%s), and systems lists neither", kind.Name, family, strings.Join(names, ", "))
	case family != "":
		return fmt.Sprintf("%s applies only to the %ss (%s), and systems lists none of them", kind.Name, family, strings.Join(names, ", "))
	}
	return fmt.Sprintf("%s applies only to systems %s, and systems lists none of them", kind.Name, andList(names))
}

// buildNodes completes Nodes (declared, servers, workload) and checks
// every name used: when nodes is declared, each must be declared (file
// servers are always present); a fault and a link must name a node the
// scenario has for another reason.
func (l *loader) buildNodes(servers []NameUse, serverSet map[string]bool) {
	have := map[string]bool{}
	for _, n := range l.sc.Nodes {
		have[n.Name] = true
	}
	add := func(u NameUse) {
		if !have[u.Name] {
			have[u.Name] = true
			l.sc.Nodes = append(l.sc.Nodes, Node(u))
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
	// A program's clients are declared by the program, and bounded by it
	// (maxProgramClients), not by maxNodes: rows, faults and links may
	// name them when `nodes` does not.
	programClient := map[string]bool{}
	clients := l.programClients()
	for _, u := range clients {
		programClient[u.Name] = true
	}
	reported := map[string]bool{}
	check := func(u NameUse) bool {
		if !l.declared || l.declaredSet[u.Name] || serverSet[u.Name] || programClient[u.Name] {
			return true
		}
		if !reported[u.Name] {
			reported[u.Name] = true
			l.errAt(u.Pos, "node %s is not declared in nodes%s", u.Name, didYouMean(u.Name, candidates, "declared nodes"))
		}
		return false
	}
	for _, u := range l.rowUses {
		if check(u) {
			add(u)
		}
	}
	for _, u := range clients {
		add(u)
	}
	// A fault acts on a node that exists for another reason: a node
	// named only in faults (`crash: serevr`) is almost always a typo.
	known := l.knownNodes(programClient)
	// Without valid systems, rows and programs, the nodes they would
	// name are unknown: say nothing rather than call every fault's node
	// a typo. (A program with an error is missing from sc.Programs.)
	knowsNodes := l.systemsOK && (len(l.sc.Workload) > 0 || len(l.sc.Programs) > 0) && len(l.sc.Programs) == l.programRows
	for _, u := range l.faultUses {
		if !check(u) || have[u.Name] || !knowsNodes {
			continue
		}
		if !reported[u.Name] {
			reported[u.Name] = true
			hint := l.programHint(u.Name)
			if hint == "" {
				hint = didYouMean(u.Name, known, "nodes")
			}
			l.errAt(u.Pos, "node %s is named only in faults, not by a workload row, nodes or a system's servers%s", u.Name, hint)
		}
	}
	all := known
	for _, u := range l.linkUses {
		if !check(u) {
			continue
		}
		if !have[u.Name] && !reported[u.Name] {
			reported[u.Name] = true
			l.errAt(u.Pos, "network link names node %s, which no workload row or fault names%s", u.Name, didYouMean(u.Name, all, "nodes"))
		}
	}
	l.checkNodeCount(programClient)
}

// knownNodes lists the scenario's nodes that are not a program's
// client, the names an unknown node is compared with: the programs'
// clients are left out of the suggestions (there may be 100,000 of
// them); a name like theirs gets the program's range (programHint).
func (l *loader) knownNodes(programClient map[string]bool) []string {
	var known []string
	for _, n := range l.sc.Nodes {
		if !programClient[n.Name] {
			known = append(known, n.Name)
		}
	}
	return known
}

// checkNodeCount refuses more than maxNodes nodes named by rows, faults,
// links and `nodes`, pointing at the first one past the bound.
func (l *loader) checkNodeCount(programClient map[string]bool) {
	named := 0
	var first *Node
	for i := range l.sc.Nodes {
		if programClient[l.sc.Nodes[i].Name] {
			continue
		}
		if named++; named == maxNodes+1 {
			first = &l.sc.Nodes[i]
		}
	}
	if first != nil {
		l.errAt(first.Pos, "node %s: a scenario names at most %d nodes besides its programs' clients, and this one names %d (a program row runs many clients: see program: in the format's reference)", first.Name, maxNodes, named)
	}
}

// maxNodes bounds the nodes a scenario names one by one (programs' clients
// are bounded by maxProgramClients). The table has a column per client and
// a row per workload row, so that its size grows as their product: 20,000
// nodes in a file of 1 MiB took 3 GB.
const maxNodes = 1000
