package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/sim-lecture/sim/report"
)

// slowInvariant is the test system's invariant: a ping takes a second.
var slowInvariant = Invariant{Name: "slow", Doc: "every ping takes a second",
	Check: func(sc *Scenario, sys *report.System) []string {
		if d := sc.Block("ping").(*pingOptions).Delay; d != time.Second {
			return []string{"a ping took " + d.String()}
		}
		return nil
	}}

// TestBrokenExpectation: an expectation `broken: NAME` turns the run's
// violations of that invariant into expected ones (Result.Broken), and is
// itself violated when the run keeps the invariant; a variant or a system
// narrows it as it narrows the other expectations.
func TestBrokenExpectation(t *testing.T) {
	const head = "name: p\nsystems: [ping]\nworkload:\n  - {at: 0, op: ping, from: A, to: B}\n"
	for _, tc := range []struct {
		name, src          string
		violations, broken []string
	}{
		{"broken as expected", head + "ping: {delay: 2s}\nexpect:\n  - {broken: slow}\n",
			nil, []string{"slow: a ping took 2s"}},
		{"a list", head + "ping: {delay: 2s}\nexpect:\n  - {system: ping, broken: [slow]}\n",
			nil, []string{"slow: a ping took 2s"}},
		{"not broken", head + "expect:\n  - {broken: slow}\n",
			[]string{"p.yaml:6:5: ping: broken: slow held, but the scenario expects this run to break it"}, nil},
		{"no expectation", head + "ping: {delay: 2s}\n", []string{"ping: slow: a ping took 2s"}, nil},
		{"one variant", head + "variants:\n  - {name: fast, ping: {delay: 2s}}\n  - {name: slow}\n" +
			"expect:\n  - {variant: fast, broken: slow}\n",
			nil, []string{"slow: a ping took 2s"}},
		{"the other variant", head + "variants:\n  - {name: fast, ping: {delay: 2s}}\n  - {name: slow}\n" +
			"expect:\n  - {variant: slow, broken: slow}\n",
			[]string{"ping fast: slow: a ping took 2s", "p.yaml:9:5: ping slow: broken: slow held, but the scenario expects this run to break it"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withRegistry(t, func() {
				Register(pingSystem(slowInvariant))
				sc, err := Load("p.yaml", []byte(tc.src))
				if err != nil {
					t.Fatal(err)
				}
				res, _, err := Run(sc, Options{})
				if err != nil {
					t.Fatal(err)
				}
				var got, broken []string
				for _, v := range res.Violations {
					got = append(got, violationText(v))
				}
				for _, v := range res.Broken {
					broken = append(broken, v.Message)
					if v.Invariant != "slow" {
						t.Errorf("broken %+v does not name its invariant", v)
					}
				}
				if strings.Join(got, "\n") != strings.Join(tc.violations, "\n") {
					t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.violations, "\n"))
				}
				if strings.Join(broken, "\n") != strings.Join(tc.broken, "\n") {
					t.Errorf("broken: %q; want %q", broken, tc.broken)
				}
				// Exploration skips what the scenario expects broken.
				if want := len(tc.broken) > 0; sc.ExpectsBroken("ping", "fast", "slow") != want && strings.Contains(tc.name, "variant") {
					t.Errorf("ExpectsBroken(ping, fast, slow) = %t; want %t", !want, want)
				}
			})
		})
	}
}

// violationText is a violation as the text output lists it.
func violationText(v report.Violation) string {
	s := ""
	if v.Where != "" {
		s += v.Where + ": "
	}
	s += v.System
	if v.Variant != "" {
		s += " " + v.Variant
	}
	return s + ": " + v.Message
}

// TestBrokenExpectationErrors: a broken expectation names invariants of
// the scenario's systems, and takes only system and variant besides.
func TestBrokenExpectationErrors(t *testing.T) {
	const head = "name: p\nsystems: [ping]\nworkload:\n  - {at: 0, op: ping, from: A, to: B}\n"
	for _, tc := range []struct{ src, want string }{
		{head + "expect:\n  - {broken: slwo}\n", `broken: unknown invariant "slwo" (invariants of ping: slow); did you mean "slow"?`},
		{head + "expect:\n  - {broken: [slow, slow]}\n", "broken: slow is listed twice"},
		{head + "expect:\n  - {broken: []}\n", "broken: expected at least one invariant"},
		{head + "expect:\n  - {step: 1, broken: slow}\n", `key "step" does not apply to a broken expectation`},
		{head + "expect:\n  - {system: pong, broken: slow}\n", "system: pong is not one of this scenario's systems"},
	} {
		withRegistry(t, func() {
			Register(pingSystem(slowInvariant))
			_, err := Load("p.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q: error %v; want %q", tc.src, err, tc.want)
			}
		})
	}
}

// TestRegisterInvariantTwice: invariant names are unique across systems,
// since expectations and explore lists name them alone.
func TestRegisterInvariantTwice(t *testing.T) {
	withRegistry(t, func() {
		Register(pingSystem(slowInvariant))
		s := pingSystem(slowInvariant)
		s.Name, s.Ops, s.Blocks, s.Faults = "pong", []*Op{pingOp}, nil, nil
		if err := register(&s); err == nil || !strings.Contains(err.Error(), `invariant "slow" is registered twice (system ping has it)`) {
			t.Errorf("register = %v; want the name taken", err)
		}
		if sys, inv := LookupInvariant("slow"); sys == nil || sys.Name != "ping" || inv.Doc != slowInvariant.Doc {
			t.Errorf("LookupInvariant(slow) = %v, %v", sys, inv)
		}
	})
}
