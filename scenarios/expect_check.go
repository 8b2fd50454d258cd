package scenarios

import (
	"fmt"
	"strings"

	"github.com/sim-lecture/sim/report"
)

// checkExpectations checks every expectation against the result of each
// run it applies to (its system, or every system; its variant, or every
// variant) and returns one violation per failed assertion, in the order of
// the expect list (then of the runs). A violation's Where is the
// expectation's file:line:col and its Step the 1-based row number.
func checkExpectations(sc *Scenario, res *report.Result) []report.Violation {
	var out []report.Violation
	for i := range sc.Expect {
		e := &sc.Expect[i]
		where := fmt.Sprintf("%s:%d:%d", sc.File, e.Pos.Line, e.Pos.Col)
		for j := range res.Systems {
			sys := &res.Systems[j]
			if !e.appliesTo(sys.System, sys.Variant) {
				continue
			}
			if len(e.Broken) > 0 || len(e.MayBreak) > 0 {
				for _, inv := range e.Broken {
					if !brokenIn(res.Broken, sys, inv) {
						out = append(out, report.Violation{System: sys.System, Variant: sys.Variant, Where: where, Invariant: inv,
							Message: fmt.Sprintf("broken: %s held, but the scenario expects this run to break it", inv)})
					}
				}
				continue
			}
			for _, msg := range checkExpectation(sc, e, sys) {
				v := report.Violation{System: sys.System, Variant: sys.Variant, Where: where, Message: msg}
				if e.Step >= 0 {
					row := e.Step + 1
					v.Step = &row
				}
				out = append(out, v)
			}
		}
	}
	return out
}

// appliesTo reports whether e applies to the run of system under variant.
func (e *Expectation) appliesTo(system, variant string) bool {
	return (e.System == "" || e.System == system) && (e.Variant == "" || e.Variant == variant)
}

// ExpectsBroken reports whether an expectation `broken:` or `may_break:`
// of the scenario names invariant inv for the run of system under
// variant: the scenario's lesson is that this run breaks it (or may), so
// exploration does not report it.
func (sc *Scenario) ExpectsBroken(system, variant, inv string) bool {
	for i := range sc.Expect {
		e := &sc.Expect[i]
		if e.appliesTo(system, variant) && (contains(e.Broken, inv) || contains(e.MayBreak, inv)) {
			return true
		}
	}
	return false
}

// expectedBreaks splits the violations of invariants the scenario expects
// to be broken (ExpectsBroken) from the others.
func expectedBreaks(sc *Scenario, all []report.Violation) (violations, broken []report.Violation) {
	violations = []report.Violation{}
	for _, v := range all {
		if v.Invariant != "" && sc.ExpectsBroken(v.System, v.Variant, v.Invariant) {
			broken = append(broken, v)
			continue
		}
		violations = append(violations, v)
	}
	return violations, broken
}

// brokenIn reports whether list has a violation of inv in the run sys.
func brokenIn(list []report.Violation, sys *report.System, inv string) bool {
	for _, v := range list {
		if v.System == sys.System && v.Variant == sys.Variant && v.Invariant == inv {
			return true
		}
	}
	return false
}

// checkExpectation returns what is wrong with one system's result, one
// message per failed assertion, each saying what was found and what was
// expected.
func checkExpectation(sc *Scenario, e *Expectation, sys *report.System) []string {
	var msgs []string
	fail := func(format string, args ...any) { msgs = append(msgs, fmt.Sprintf(format, args...)) }
	if e.Blocks != nil {
		got, ok := sys.Disk[e.File]
		if !ok {
			fail("disk: %s is not on the server's disk; want [%s]", e.File, strings.Join(e.Blocks, ", "))
		} else if !equalStrings(got, e.Blocks) {
			fail("disk: %s = [%s]; want [%s]", e.File, strings.Join(got, ", "), strings.Join(e.Blocks, ", "))
		}
	}
	if e.Step < 0 {
		return msgs
	}
	label := fmt.Sprintf("row %d", e.Step+1)
	if e.Step < len(sc.Workload) {
		st := &sc.Workload[e.Step]
		label = fmt.Sprintf("row %d (%s at %s)", e.Step+1, rowLabel(st), fmtDuration(st.At))
	}
	if e.Step >= len(sys.Steps) {
		return append(msgs, label+": the system has no result for this row")
	}
	st := &sys.Steps[e.Step]
	if e.Calls != nil {
		got := make([]string, len(st.Calls))
		for i, c := range st.Calls {
			got[i] = c.Proc
		}
		if !equalStrings(got, *e.Calls) {
			fail("%s: calls = [%s]; want [%s]", label, strings.Join(got, ", "), strings.Join(*e.Calls, ", "))
		}
	}
	if e.Value != nil {
		switch {
		case st.Value == nil:
			fail("%s: no value; want %q", label, *e.Value)
		case *st.Value != *e.Value:
			fail("%s: value = %q; want %q", label, *st.Value, *e.Value)
		}
	}
	if e.Result != nil && st.Result != *e.Result {
		fail("%s: result = %s; want %s", label, st.Result, *e.Result)
	}
	if e.Executions != nil {
		switch {
		case st.Executions == nil:
			fail("%s: the system does not report executions; want %d", label, *e.Executions)
		case *st.Executions != *e.Executions:
			fail("%s: executions = %d; want %d", label, *st.Executions, *e.Executions)
		}
	}
	if !hasStreamAssertion(e) {
		return msgs
	}
	streams := sys.Streams()
	if e.Stream < 0 || e.Stream >= len(streams) {
		return append(msgs, label+": the system has no stream result for this row")
	}
	s := &streams[e.Stream]
	for _, c := range []struct {
		name string
		want *int
		got  int
	}{{"sent", e.Sent, s.Sent}, {"delivered", e.Delivered, s.Delivered}, {"duplicates", e.Duplicates, s.Duplicates},
		{"retransmissions", e.Retransmissions, s.Retransmissions}, {"lost", e.Lost, s.Lost}, {"corrupted", e.Corrupted, s.Corrupted}} {
		if c.want != nil && *c.want != c.got {
			fail("%s: %s = %d; want %d", label, c.name, c.got, *c.want)
		}
	}
	if e.InOrder != nil && *e.InOrder != s.InOrder {
		fail("%s: in_order = %t; want %t", label, s.InOrder, *e.InOrder)
	}
	return msgs
}

// hasStreamAssertion reports whether e asserts anything about a stream.
func hasStreamAssertion(e *Expectation) bool {
	for _, p := range []*int{e.Sent, e.Delivered, e.Duplicates, e.Retransmissions, e.Lost, e.Corrupted} {
		if p != nil {
			return true
		}
	}
	return e.InOrder != nil
}

// equalStrings reports whether a and b hold the same strings in order.
func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
