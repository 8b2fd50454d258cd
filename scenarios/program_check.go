package scenarios

import (
	"fmt"
	"strconv"
	"strings"
)

// checkPrograms checks each program against the scenario, as
// checkOps, checkSystemRows and checkFileRows check rows: every system
// runs each step's op and accepts the step, no client is a server or
// another program's client, and one iteration's steps use their fds and
// files correctly (an fd opened before it is used and closed by the last
// step, since the next iteration opens it again).
func (l *loader) checkPrograms(servers map[string]string) {
	names := map[string]int{}
	for i := range l.sc.Programs {
		p := &l.sc.Programs[i]
		o, steps := l.programObjs[i], l.stepObjs[i]
		l.checkProgramClients(p, o, servers, names)
		l.checkProgramEvents(p, o)
		for k := range p.Steps {
			st, so := &p.Steps[k].Step, steps[k]
			if l.unsupported(st.Op, so.Get("op")) {
				continue
			}
			l.checkStepSystems(p, st, so)
		}
		l.checkStepFiles(p, steps)
		l.checkRowFDs(p, steps)
	}
}

// checkRowFDs refuses a program's fd that one of its clients also uses
// in its own ordinary rows. A client has one table of fds: the program's
// iterations, at times drawn as the run goes, would open and close the
// rows' fd under them (a read of the rows' f failing with EBADF for one
// seed and not another).
func (l *loader) checkRowFDs(p *Program, steps []*Object) {
	reported := map[string]bool{}
	for i := range l.sc.Workload {
		row := &l.sc.Workload[i]
		if row.FD == "" || reported[row.FD] || !p.HasClient(row.Client) {
			continue
		}
		for k := range p.Steps {
			if p.Steps[k].Step.FD == row.FD {
				l.errf(steps[k].Get("fd"), "fd: %s is also an fd of %s's own rows (line %d), and %s runs this program: a client has one table of fds, so the program would open and close the rows' %s; choose another name",
					row.FD, row.Client, row.Pos.Line, row.Client, row.FD)
				reported[row.FD] = true
				break
			}
		}
	}
}

// HasClient says whether name is one of the program's clients: its
// prefix and a number from 1 to Clients, written as ClientName writes it.
func (p *Program) HasClient(name string) bool {
	rest, ok := strings.CutPrefix(name, p.Prefix)
	if !ok || rest == "" || rest[0] == '0' || strings.Trim(rest, "0123456789") != "" || len(rest) > 9 {
		return false
	}
	k, err := strconv.Atoi(rest)
	return err == nil && k >= 1 && k <= p.Clients
}

// checkProgramEvents refuses a program that cannot finish within
// limits.max_events: each iteration that is due is an event of its own,
// and each client runs at least Iterations()-1 of them (its phase may
// leave the last out), so a period too short for the clients and the
// time (every: 1ns) would only run into the bound. The check is certain,
// never a guess: a program it passes may still need more events than
// that, and stop at the bound at run time.
func (l *loader) checkProgramEvents(p *Program, o *Object) {
	least := uint64(max(p.Iterations()-1, 0))
	if least <= l.sc.Limits.MaxEvents/uint64(p.Clients) {
		return
	}
	l.errf(o.Get("every"), "every: %s from %s to %s makes %d clients x at least %d iterations, more than limits.max_events %d allows (each iteration is an event): the run could only stop at the bound; make every longer, until earlier or the clients fewer, or raise limits.max_events",
		fmtDuration(p.Every), fmtDuration(p.Start), fmtDuration(p.Until), p.Clients, least, l.sc.Limits.MaxEvents)
}

// checkProgramClients reports a client of p that is a server, or a
// client of an earlier program (names holds their program's line).
func (l *loader) checkProgramClients(p *Program, o *Object, servers map[string]string, names map[string]int) {
	at := o.Get("prefix")
	if at == nil {
		at = o.Get("clients")
	}
	for k := 0; k < p.Clients; k++ {
		name := p.ClientName(k)
		if role := servers[name]; role != "" {
			l.errf(at, "clients: the program's client %s is a %s in this scenario; choose another prefix", name, role)
			return
		}
		if line, dup := names[name]; dup {
			l.errf(at, "clients: the program's client %s is also a client of the program at line %d; choose another prefix", name, line)
			return
		}
		names[name] = p.Pos.Line
	}
}

// checkStepSystems runs each system's CheckRow on a step, as its first
// client would run it.
func (l *loader) checkStepSystems(p *Program, st *Step, so *Object) {
	d := &Decoder{l}
	row := *st
	row.SetActor(p.ClientName(0))
	for _, sys := range l.systems {
		if sys.NoPrograms != "" && sys.supports(st.Op) {
			l.errf(so.Get("op"), "op %s: system %s cannot run it in a program: %s", st.Op, sys.Name, sys.NoPrograms)
			continue
		}
		if sys.CheckRow != nil && sys.supports(st.Op) {
			sys.CheckRow(&RowCheck{d: d, o: so, Step: &row})
		}
	}
}

// checkStepFiles follows one iteration of p: files exist (in files, a
// family, or created by an earlier step), fds are opened before they
// are used and closed by the end, and a step that opens or closes an fd
// always runs. It fills File and Family of the steps that use an fd.
func (l *loader) checkStepFiles(p *Program, steps []*Object) {
	open := map[string]*ProgramStep{}
	var order []string
	exists := map[string]bool{}
	for k := range p.Steps {
		ps, o := &p.Steps[k], steps[k]
		st := &ps.Step
		op := LookupOp(st.Op)
		if op == nil {
			continue
		}
		switch {
		case st.File != "" && op.FD != UsesFD && op.FD != ClosesFD:
			l.stepFile(ps, op, o, exists)
		case st.File == "" && op.keyFlags("file").Root:
			l.checkPath("", filePos(o), false) // the root: is it mounted?
		}
		if ps.Chance < 1 && st.FD != "" && (op.FD == OpensFD || op.FD == ClosesFD) {
			l.errf(o.Get("chance"), "chance: a step that opens or closes an fd runs in every iteration (the steps after it use the fd)")
		}
		switch op.FD {
		case OpensFD:
			if st.FD == "" {
				continue
			}
			if prev := open[st.FD]; prev != nil {
				l.errf(o.Get("fd"), "fd: %s is already open (line %d); close it first or choose another name", st.FD, prev.Step.Pos.Line)
				continue
			}
			open[st.FD] = ps
			order = append(order, st.FD)
		case UsesFD, ClosesFD:
			prev := open[st.FD]
			if prev == nil {
				l.errf(o.Get("fd"), "fd: %s is not open; open it with an earlier step of the program", st.FD)
				continue
			}
			st.File, ps.Family = prev.Step.File, prev.Family
			if op.FD == ClosesFD {
				delete(open, st.FD)
			}
		}
	}
	var left []string
	for _, fd := range order {
		if ps := open[fd]; ps != nil {
			left = append(left, fmt.Sprintf("%s (line %d)", fd, ps.Step.Pos.Line))
		}
	}
	if len(left) > 0 {
		l.errf(steps[len(steps)-1].node, "the program's steps leave fd %s open: close it by the last step, since the next iteration opens it again",
			strings.Join(left, ", "))
	}
}

// stepFile checks the file a step names: a family (the step then picks
// one of its files), or a file that exists or that the step creates.
func (l *loader) stepFile(ps *ProgramStep, op *Op, o *Object, exists map[string]bool) {
	st := &ps.Step
	if i, ok := l.families[st.File]; ok {
		ps.Family = i
		l.checkPath(l.sc.Families[i].Member(0), posOf(o.Get("file")), false)
		return
	}
	l.checkPath(st.File, posOf(o.Get("file")), false)
	_, initial := l.files[st.File]
	switch {
	case op.File == CreatesFile || op.File == CreatesDir:
		exists[st.File] = true
	case op.File == NeedsFile && !initial && !exists[st.File]:
		var known []string
		for _, f := range l.sc.Files {
			known = append(known, f.Path)
		}
		for _, f := range l.sc.Families {
			known = append(known, f.Path)
		}
		l.errf(o.Get("file"), "file: %s does not exist: it is not in files, not a family of files, and no earlier step creates it%s",
			st.File, didYouMean(st.File, known, "files"))
	}
}

// programClients lists every program's clients, in order.
func (l *loader) programClients() []NameUse {
	var out []NameUse
	for i := range l.sc.Programs {
		p := &l.sc.Programs[i]
		for k := 0; k < p.Clients; k++ {
			out = append(out, NameUse{Name: p.ClientName(k), Pos: p.Pos})
		}
	}
	return out
}

// programHint is the end of a message about an unknown node whose name
// is a program's prefix and a number (C21 where the program has clients
// C1 to C20): the program's clients, or "" when no program's are alike.
func (l *loader) programHint(name string) string {
	for i := range l.sc.Programs {
		p := &l.sc.Programs[i]
		rest, ok := strings.CutPrefix(name, p.Prefix)
		if !ok || rest == "" || strings.Trim(rest, "0123456789") != "" {
			continue
		}
		return fmt.Sprintf("; the program at line %d has the clients %s to %s", p.Pos.Line, p.ClientName(0), p.ClientName(p.Clients-1))
	}
	return ""
}
