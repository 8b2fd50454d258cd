package scenarios

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/sim"
)

// withRegistry runs f with an empty registry, then puts the real one
// back: a test's systems never leak into another test. (The test systems
// register no metrics, which report keeps.)
func withRegistry(t *testing.T, f func()) {
	t.Helper()
	saved := registry
	registry.systems, registry.ops, registry.blocks, registry.faults = nil, nil, nil, nil
	defer func() { registry = saved }()
	f()
}

// pingOp is a test op: from pings to.
var pingOp = &Op{Name: "ping", Order: 1,
	Keys:     []OpKey{{Name: "from", Required: true}, {Name: "to", Required: true}},
	Describe: func(s *Step) string { return "ping " + s.To },
}

// pingOptions are the options of the test system.
type pingOptions struct {
	Delay time.Duration
	Loud  bool
}

// pingBlock is the `ping:` block of the test system.
var pingBlock = &Block{Name: "ping", Order: 1,
	New: func() any { return &pingOptions{Delay: time.Second} },
	Options: []Option{
		DurationOption("delay", "`1s`", "How long a ping takes.", true, func(o *pingOptions) *time.Duration { return &o.Delay }),
		BoolOption("loud", "`false`", "Whether it shouts.", func(o *pingOptions) *bool { return &o.Loud }),
	}}

// pingDriver answers every ping after the block's delay.
type pingDriver struct{ faults []string }

func (d *pingDriver) Setup(r *SystemRun) error {
	for _, n := range r.Scenario.Nodes {
		r.World.AddNode(n.Name, func(env sim.Env) sim.Handler { return nopHandler{} })
	}
	return nil
}

func (d *pingDriver) Step(r *SystemRun, i int) {
	v := r.Scenario.Block("ping").(*pingOptions).Delay.String()
	r.Result.Steps[i].Value = &v
}

func (d *pingDriver) Fault(r *SystemRun, f *Fault) bool {
	d.faults = append(d.faults, f.Kind)
	r.RecordFault(f, f.Node, "pinged")
	return true
}

func (d *pingDriver) Finish(r *SystemRun) {}

type nopHandler struct{}

func (nopHandler) Receive(sim.NodeID, []byte) {}
func (nopHandler) Timer(uint64)               {}

// shout is a test system's fault kind.
var shout = &FaultKind{Name: "shout", Order: 1, Decode: DecodeNodeFault, Example: "{at: 1s, shout: A}"}

// pingSystem is a whole system written in a test: registering it is all
// it takes for the loader, the runner and the table to know it.
func pingSystem(inv ...Invariant) System {
	return System{Name: "ping", Order: 1, Doc: "Pings.", Ops: []*Op{pingOp}, Blocks: []*Block{pingBlock},
		Faults: []*FaultKind{shout}, Invariants: inv, New: func() Driver { return &pingDriver{} }}
}

// TestRegisteredSystemRuns registers a system no other file knows and
// runs a scenario on it: its op, its option block, its fault kind, its
// table cell and its invariant all come from the record.
func TestRegisteredSystemRuns(t *testing.T) {
	withRegistry(t, func() {
		Register(pingSystem(Invariant{Name: "slow", Doc: "every ping takes a second",
			Check: func(sc *Scenario, sys *report.System) []string {
				if d := sc.Block("ping").(*pingOptions).Delay; d != time.Second {
					return []string{fmt.Sprintf("a ping took %s", d)}
				}
				return nil
			}}))
		src := "name: p\nsystems: [ping]\nping: {delay: 2s}\nworkload:\n  - {at: 0, op: ping, from: A, to: B}\n" +
			"faults:\n  - {at: 1s, shout: A}\n"
		sc, err := Load("p.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		res, _, err := Run(sc, Options{})
		if err != nil {
			t.Fatal(err)
		}
		sys := res.Systems[0]
		if sys.Steps[0].Value == nil || *sys.Steps[0].Value != "2s" {
			t.Errorf("step value = %v; want the block's delay 2s", sys.Steps[0].Value)
		}
		if got, want := res.Table.Rows[0][1], "ping B"; got != want {
			t.Errorf("table cell = %q; want %q", got, want)
		}
		if len(sys.Faults) != 1 || sys.Faults[0].Detail != "pinged" {
			t.Errorf("faults = %+v; want the driver's shout", sys.Faults)
		}
		want := []report.Violation{{System: "ping", Invariant: "slow", Message: "slow: a ping took 2s"}}
		if diff := cmp.Diff(want, res.Violations); diff != "" {
			t.Errorf("violations (-want +got):\n%s", diff)
		}
	})
}

// TestRegisteredSystemErrors: the loader's messages about a registered
// system's parts name them as it names the built-in ones.
func TestRegisteredSystemErrors(t *testing.T) {
	withRegistry(t, func() {
		Register(pingSystem())
		const row = "workload:\n  - {at: 0, op: ping, from: A, to: B}\n"
		for _, tc := range []struct{ src, want string }{
			{"systems: [pong]\n" + row, `unknown system "pong"; did you mean "ping"?`},
			{"systems: [ping]\nping: {dealy: 1s}\n" + row, `unknown key "dealy" in ping; did you mean "delay"?`},
			{"systems: [ping]\nping: {delay: 0}\n" + row, "delay: expected a duration above 0, got 0"},
			{"systems: [ping]\nworkload: [{at: 0, op: pong, from: A, to: B}]\n", `unknown op "pong"; did you mean "ping"?`},
			{"systems: [ping]\nworkload: [{at: 0, op: ping, from: A}]\n", `missing key "to" in workload row 1: op ping needs from and to (the receiving node)`},
			{"systems: [ping]\n" + row + "faults: [{at: 0, sout: A}]\n", `unknown key "sout" in fault 1; did you mean "shout"?`},
		} {
			_, err := Load("p.yaml", []byte("name: p\n"+tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q: error %v; want %q", tc.src, err, tc.want)
			}
		}
	})
}

// TestServerRole: a row may not use a system's server as its client, and
// the message calls the server what the system calls it.
func TestServerRole(t *testing.T) {
	for _, role := range []string{"", "hub"} {
		withRegistry(t, func() {
			s := pingSystem()
			s.Ops = []*Op{{Name: "ask", Keys: []OpKey{{Name: "client", Required: true}}, Describe: pingOp.Describe}}
			s.Servers = func(*Decoder) []NameUse { return []NameUse{{Name: "H"}} }
			s.ServerRole = role
			Register(s)
			_, err := Load("p.yaml", []byte("name: p\nsystems: [ping]\nworkload:\n  - {at: 0, op: ask, client: H}\n"))
			want := "client: H is a server in this scenario"
			if role != "" {
				want = "client: H is a hub in this scenario"
			}
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("role %q: error %v; want %q", role, err, want)
			}
		})
	}
}

// TestRegisteredSystemChecks: a system's checks of rows and of the whole
// scenario run when the file loads, each problem at the key it names (or
// at the row when the row lacks the key), every problem of the file at
// once, so that validate refuses what the system could not run.
func TestRegisteredSystemChecks(t *testing.T) {
	withRegistry(t, func() {
		op := *pingOp
		op.Check = func(c *RowCheck) {
			if c.Step.From == c.Step.To {
				c.Errorf("to", "to: a ping needs two nodes")
			}
		}
		s := pingSystem()
		s.Ops = []*Op{&op}
		s.CheckRow = func(c *RowCheck) {
			if d := c.Decoder().Scenario().Block("ping").(*pingOptions).Delay; d > time.Minute && c.Step.To == "moon" {
				c.Errorf("to", "to: the moon is out of reach with a delay of %s", d)
			}
			if c.Step.From == "ghost" {
				c.Errorf("count", "no count for ghosts") // a key the row lacks: the row
			}
		}
		s.Check = func(d *Decoder) {
			if n := len(d.Scenario().Workload); n > 3 {
				d.ErrorAt(d.Scenario().Workload[3].Pos, "at most 3 pings, got %d", n)
			}
		}
		Register(s)
		src := "name: p\nsystems: [ping]\nping: {delay: 2m}\nworkload:\n" +
			"  - {at: 0, op: ping, from: A, to: A}\n" +
			"  - {at: 1, op: ping, from: A, to: moon}\n" +
			"  - {at: 2, op: ping, from: ghost, to: B}\n" +
			"  - {at: 3, op: ping, from: A, to: B}\n"
		_, err := Load("p.yaml", []byte(src))
		want := `p.yaml:5:36: to: a ping needs two nodes
p.yaml:6:36: to: the moon is out of reach with a delay of 2m0s
p.yaml:7:5: no count for ghosts
p.yaml:8:5: at most 3 pings, got 4`
		if err == nil || err.Error() != want {
			t.Errorf("Load error:\n%v\nwant:\n%s", err, want)
		}
		// The row check follows the variant's options.
		src = "name: p\nsystems: [ping]\nworkload:\n  - {at: 1, op: ping, from: A, to: moon}\n" +
			"variants:\n  - {name: near}\n  - {name: far, ping: {delay: 2m}}\n"
		if _, err := Load("p.yaml", []byte(src)); err == nil || !strings.Contains(err.Error(), "p.yaml:4:36: to: the moon is out of reach") {
			t.Errorf("Load error %v; want the far variant's row refused", err)
		}
	})
}

// TestRegisterRejects: a malformed record is a bug of its package, caught
// when it registers.
func TestRegisterRejects(t *testing.T) {
	other := *pingOp
	for _, tc := range []struct {
		name string
		s    func() System
		want string
	}{
		{"bad name", func() System { s := pingSystem(); s.Name = "Ping"; return s }, "is not [a-z]"},
		{"no op", func() System { s := pingSystem(); s.Ops = nil; return s }, "runs no op"},
		{"no driver", func() System { s := pingSystem(); s.New = nil; return s }, "has no driver"},
		{"unknown row key", func() System {
			s := pingSystem()
			s.Ops = []*Op{{Name: "pong", Keys: []OpKey{{Name: "target"}}, Describe: pingOp.Describe}}
			return s
		}, `key "target" is not a row key`},
		{"a required key after an optional one", func() System {
			s := pingSystem()
			s.Ops = []*Op{{Name: "pong", Keys: []OpKey{{Name: "from"}, {Name: "to", Required: true}}, Describe: pingOp.Describe}}
			return s
		}, "comes after an optional one"},
		{"an op's name taken", func() System { s := pingSystem(); s.Name = "ping2"; s.Ops = []*Op{&other}; return s }, `op "ping" is registered twice`},
		{"a block's name is a key of the format", func() System {
			s := pingSystem()
			s.Blocks = []*Block{{Name: "limits", New: pingBlock.New}}
			return s
		}, "is a key of the format"},
		{"scenarios without their folder", func() System {
			s := pingSystem()
			s.Scenarios = fstest.MapFS{"ping_demo.yaml": {Data: []byte(pingDemo)}}
			return s
		}, "no ScenariosDir"},
		{"a fault kind without an example", func() System {
			s := pingSystem()
			s.Faults = []*FaultKind{{Name: "poke", Decode: DecodeNodeFault}}
			return s
		}, "an Example are required"},
		{"a scenario named like a built-in one", func() System {
			s := pingSystem()
			s.Scenarios, s.ScenariosDir = fstest.MapFS{"lost_ack.yaml": {Data: []byte(pingDemo)}}, "ping"
			return s
		}, "ships scenario lost_ack, a name another built-in scenario has"},
		{"a system's kind that acts like a common one", func() System {
			s := pingSystem()
			s.Faults = []*FaultKind{{Name: "poke", Decode: DecodeNodeFault, Example: "{at: 0, poke: A}", Apply: func(*SystemRun, *Fault) {}}}
			return s
		}, "has an Apply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withRegistry(t, func() {
				Register(pingSystem())
				s := tc.s()
				if s.Name == "ping" {
					s.Name = "pong" // the name is not what is wrong
				}
				err := register(&s)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("register = %v; want an error containing %q", err, tc.want)
				}
			})
		})
	}
}

// pingDemo is a scenario the test system ships.
const pingDemo = "name: ping_demo\nsystems: [ping]\nworkload:\n  - {at: 0, op: ping, from: A, to: B}\n"

// TestSystemShipsScenarios: the scenarios a system ships next to its
// protocol are built-in scenarios like those of this folder, named by
// their folder in messages.
func TestSystemShipsScenarios(t *testing.T) {
	withRegistry(t, func() {
		s := pingSystem()
		s.Scenarios = fstest.MapFS{"ping_demo.yaml": {Data: []byte(pingDemo)}, "notes.txt": {Data: []byte("x")}}
		s.ScenariosDir = "protocols/ping/pingdriver/scenarios"
		Register(s)
		names := BuiltInNames()
		if !contains(names, "ping_demo") || !contains(names, "lost_ack") || contains(names, "notes") {
			t.Errorf("BuiltInNames() = %v; want this folder's and ping_demo", names)
		}
		sc, err := Open("ping_demo")
		if err != nil || sc.File != "builtin:ping_demo.yaml" {
			t.Fatalf("Open(ping_demo) = %v, %v; want it as a built-in scenario", sc, err)
		}
		if dir := BuiltInDir("ping_demo"); dir != "protocols/ping/pingdriver/scenarios" {
			t.Errorf("BuiltInDir(ping_demo) = %q; want the system's folder", dir)
		}
		if dir := BuiltInDir("lost_ack"); dir != "scenarios" {
			t.Errorf("BuiltInDir(lost_ack) = %q; want scenarios", dir)
		}
		file, data, err := ReadSource("ping_demo.yaml")
		if err != nil || file != sc.File || string(data) != pingDemo {
			t.Errorf("ReadSource = %q, %q, %v", file, data, err)
		}
		if !sort.StringsAreSorted(names) {
			t.Errorf("BuiltInNames() = %v; want them sorted", names)
		}
	})
}

// TestRegistryOrder: lists follow Order, whatever the order of the init
// functions that registered them.
func TestRegistryOrder(t *testing.T) {
	withRegistry(t, func() {
		mk := func(name string, order int) System {
			op := &Op{Name: name + "_op", Order: -order, Keys: []OpKey{{Name: "from"}}, Describe: pingOp.Describe}
			return System{Name: name, Order: order, Ops: []*Op{op}, New: func() Driver { return &pingDriver{} }}
		}
		Register(mk("c", 3))
		Register(mk("a", 1))
		Register(mk("b", 2))
		if got, want := SystemNames(), []string{"a", "b", "c"}; !cmp.Equal(got, want) {
			t.Errorf("SystemNames() = %v; want %v", got, want)
		}
		if got, want := opNames(), []string{"c_op", "b_op", "a_op"}; !cmp.Equal(got, want) {
			t.Errorf("ops = %v; want %v", got, want)
		}
	})
}

// TestDocsDefaultsDecode: every default the docs show for a key, read as
// the key's value, gives the block's default (the docs cannot drift from
// New). Defaults that are not values are listed with why.
func TestDocsDefaultsDecode(t *testing.T) {
	notValues := map[string]string{
		"rpc.ack_after": "follows timeout",
		"nfs.mounts":    "nil stands for the table shown",
	}
	for _, b := range Blocks() {
		for _, o := range b.Options {
			key := b.Name + "." + o.Name
			if _, ok := notValues[key]; ok {
				continue
			}
			text := strings.Trim(o.Default, "`")
			src := fmt.Sprintf("name: d\nsystems: [%s]\n%s: {%s: %s}\nworkload:\n  - {at: 0, op: %s}\n",
				SystemNames()[0], b.Name, o.Name, text, Ops()[0].Name)
			l := &loader{file: "d.yaml"}
			root, _ := l.parseYAML([]byte(src))
			top := l.fields(root, "the scenario", topKeys())
			l.sc = &Scenario{Blocks: map[string]any{b.Name: b.New()}}
			l.block(b, top.Get(b.Name))
			if len(l.errs) > 0 {
				t.Errorf("%s: the docs' default %s does not decode: %v", key, o.Default, l.errorList())
				continue
			}
			ignorePos := cmp.Comparer(func(a, b Pos) bool { return true })
			if diff := cmp.Diff(b.New(), l.sc.Blocks[b.Name], ignorePos); diff != "" {
				t.Errorf("%s: the docs' default %s is not the block's (-New +docs):\n%s", key, o.Default, diff)
			}
		}
	}
}
