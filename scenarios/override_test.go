package scenarios_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/protocols/nfs/nfsdriver"
	"github.com/sim-lecture/sim/protocols/reliable/reliabledriver"
	"github.com/sim-lecture/sim/scenarios"
)

const overrideBase = `name: base
systems: [socket]
network:
  delay: 5ms
  loss: 0.1
workload:
  - {at: 0, op: send, from: A, to: B, count: 3}
  - {at: 1s, op: send, from: B, to: A}
expect:
  - {at: 0, from: A, delivered: 3}
`

func loadSet(t *testing.T, src string, sets ...string) (*scenarios.Scenario, error) {
	t.Helper()
	var ss []scenarios.Setting
	for _, s := range sets {
		st, err := scenarios.ParseSetting(s)
		if err != nil {
			return nil, err
		}
		ss = append(ss, st)
	}
	return scenarios.LoadWith("base.yaml", []byte(src), ss)
}

func TestLoadWithApplies(t *testing.T) {
	tests := []struct {
		name  string
		sets  []string
		check func(*scenarios.Scenario) (got, want any)
	}{
		{"replace a scalar", []string{"network.loss=0.3"},
			func(sc *scenarios.Scenario) (any, any) { return sc.Network.Default.Loss, 0.3 }},
		{"a percentage, typed by the loader", []string{"network.loss=25%"},
			func(sc *scenarios.Scenario) (any, any) { return sc.Network.Default.Loss, 0.25 }},
		{"create a missing block", []string{"reliable.window=1"},
			func(sc *scenarios.Scenario) (any, any) {
				return sc.Block("reliable").(*reliabledriver.Options).Window, 1
			}},
		{"a bare number of seconds", []string{"nfs.attr_timeout=7"},
			func(sc *scenarios.Scenario) (any, any) {
				return sc.Block("nfs").(*nfsdriver.Options).AttrTimeout, 7 * time.Second
			}},
		{"a YAML mapping as the value", []string{"network.delay={dist: uniform, min: 1ms, max: 3ms}"},
			func(sc *scenarios.Scenario) (any, any) { return sc.Network.Default.Delay.Max, 3 * time.Millisecond }},
		{"a list index", []string{"workload.0.count=9"},
			func(sc *scenarios.Scenario) (any, any) { return sc.Workload[0].Count, 9 }},
		{"later settings win", []string{"network.loss=0.2", "network.loss=0.4"},
			func(sc *scenarios.Scenario) (any, any) { return sc.Network.Default.Loss, 0.4 }},
		{"positions stay the file's", []string{"network.loss=0.5", "nfs.attr_timeout=1s"},
			func(sc *scenarios.Scenario) (any, any) {
				return []scenarios.Pos{sc.Workload[1].Pos, sc.Expect[0].Pos}, []scenarios.Pos{{8, 5}, {10, 5}}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := loadSet(t, overrideBase, tc.sets...)
			if err != nil {
				t.Fatal(err)
			}
			got, want := tc.check(sc)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadWithErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		sets []string
		want []string // substrings of the error
	}{
		{"unknown key", overrideBase, []string{"network.los=0.2"},
			[]string{"base.yaml: --set network.los=0.2: ", `unknown key "los"`, `did you mean "loss"?`}},
		{"unknown block", overrideBase, []string{"netwrk.loss=0.2"},
			[]string{"--set netwrk.loss=0.2", `did you mean "network"?`}},
		{"unknown key in a block the file lacks", overrideBase, []string{"nfs.atr_timeout=1s"},
			[]string{"--set nfs.atr_timeout=1s", `did you mean "attr_timeout"?`}},
		{"a value the loader rejects", overrideBase, []string{"network.loss=2"},
			[]string{"--set network.loss=2", "expected a probability between 0 and 1"}},
		{"a bad duration", overrideBase, []string{"nfs.attr_timeout=soon"},
			[]string{"--set nfs.attr_timeout=soon", "expected a duration"}},
		{"the seed", overrideBase, []string{"seed=4"},
			[]string{"--set seed=4", "--seed N with run", "--seeds N with sweep and explore"}},
		{"an index out of range", overrideBase, []string{"workload.5.count=1"},
			[]string{"workload has 2 entries", "out of range"}},
		{"a word where a list index goes", overrideBase, []string{"workload.first.count=1"},
			[]string{"workload is a list", `got "first"`}},
		{"an index into a list the file lacks", overrideBase, []string{"variants.0.name=fast"},
			[]string{"--set variants.0.name=fast: variants is not in the file, so variants.0 indexes nothing: set the whole list, such as --set 'variants=[...]'"}},
		{"into a single value", overrideBase, []string{"name.x=1"},
			[]string{"name is a single value"}},
		{"empty path part", overrideBase, []string{"network..loss=1"},
			[]string{"empty part"}},
		{"the file's own error keeps its position", "name: x\nsystems: [socket]\nnetwork: {los: 1}\nworkload: []\n", []string{"network.loss=0.1"},
			[]string{"base.yaml:3:"}},
		{"an error the override causes elsewhere points into the file",
			"name: x\nsystems: [reliable]\nreliable:\n  max_rto: 2s\nworkload:\n  - {at: 0, op: send, from: A, to: B}\n",
			[]string{"reliable.min_rto=5s"}, []string{"base.yaml:4:", "max_rto 2s is below min_rto 5s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadSet(t, tc.src, tc.sets...)
			if err == nil {
				t.Fatal("LoadWith succeeded; want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestParseSetting(t *testing.T) {
	for _, bad := range []string{"network.loss", "=1", "network.loss=", "  =x"} {
		if _, err := scenarios.ParseSetting(bad); err == nil {
			t.Errorf("ParseSetting(%q) succeeded; want an error", bad)
		}
	}
	got, err := scenarios.ParseSetting("network.delay={dist: exponential, mean: 10ms}")
	if err != nil || got.Key != "network.delay" || got.Value != "{dist: exponential, mean: 10ms}" {
		t.Errorf("ParseSetting = %+v, %v", got, err)
	}
}

func TestReadSourceBuiltIn(t *testing.T) {
	file, data, err := scenarios.ReadSource("pipe_vs_socket")
	if err != nil || file != "builtin:pipe_vs_socket.yaml" || len(data) == 0 {
		t.Fatalf("ReadSource(pipe_vs_socket) = %q, %d bytes, %v", file, len(data), err)
	}
	if _, _, err := scenarios.ReadSource("pipe_vs_sockt"); err == nil || !strings.Contains(err.Error(), "did you mean") {
		t.Errorf("ReadSource of a misspelled name: %v; want a did-you-mean", err)
	}
	sc, err := scenarios.OpenWith("pipe_vs_socket", []scenarios.Setting{{Key: "network.loss", Value: "0"}})
	if err != nil || sc.Network.Default.Loss != 0 {
		t.Errorf("OpenWith = %v; want loss 0", err)
	}
}

func TestParseAxis(t *testing.T) {
	tests := []struct {
		key, spec   string
		values      []string
		x           []float64
		unit        string
		categorical bool
	}{
		{"nfs.attr_timeout", "0..10s:2s", []string{"0s", "2s", "4s", "6s", "8s", "10s"}, []float64{0, 2, 4, 6, 8, 10}, "s", false},
		{"nfs.attr_timeout", "0..1", []string{"0s", "100ms", "200ms", "300ms", "400ms", "500ms", "600ms", "700ms", "800ms", "900ms", "1s"},
			[]float64{0, .1, .2, .3, .4, .5, .6, .7, .8, .9, 1}, "s", false},
		{"nfs.attr_timeout", "0..7", []string{"0s", "1s", "2s", "3s", "4s", "5s", "6s", "7s"}, []float64{0, 1, 2, 3, 4, 5, 6, 7}, "s", false},
		{"network.loss", "0..0.3:0.1", []string{"0", "0.1", "0.2", "0.3"}, []float64{0, .1, .2, .3}, "probability", false},
		{"network.loss", "0..25%:10%", []string{"0", "0.1", "0.2"}, []float64{0, .1, .2}, "probability", false},
		{"reliable.window", "1..4", []string{"1", "2", "3", "4"}, []float64{1, 2, 3, 4}, "", false},
		{"workload.0.size", "100B..300B:100B", []string{"100B", "200B", "300B"}, []float64{100, 200, 300}, "bytes", false},
		{"nfs.write_policy", "write_through,buffered,nvram", []string{"write_through", "buffered", "nvram"}, []float64{0, 1, 2}, "", true},
		{"rpc.timeout", "100ms,1s", []string{"100ms", "1s"}, []float64{0.1, 1}, "s", false},
		{"network.loss", "0.2", []string{"0.2"}, []float64{0.2}, "probability", false},
		{"clients", "1,2,4,32", []string{"1", "2", "4", "32"}, []float64{1, 2, 4, 32}, "", false},
		{"workload.1.at", "1,2.5s", []string{"1", "2.5s"}, []float64{1, 2.5}, "s", false},
		{"nfs.mount", "hard,soft", []string{"hard", "soft"}, []float64{0, 1}, "", true},
		// Without a step: what a person expects, a tenth of the range
		// rounded up to a round number (counts: 1).
		{"nfs.attr_timeout", "0..6", []string{"0s", "1s", "2s", "3s", "4s", "5s", "6s"}, []float64{0, 1, 2, 3, 4, 5, 6}, "s", false},
		{"nfs.attr_timeout", "0..10s", []string{"0s", "1s", "2s", "3s", "4s", "5s", "6s", "7s", "8s", "9s", "10s"},
			[]float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "s", false},
		{"nfs.attr_timeout", "0..2m", []string{"0s", "15s", "30s", "45s", "60s", "75s", "90s", "105s", "120s"},
			[]float64{0, 15, 30, 45, 60, 75, 90, 105, 120}, "s", false},
		{"rpc.timeout", "0..300ms", []string{"0s", "50ms", "100ms", "150ms", "200ms", "250ms", "300ms"},
			[]float64{0, .05, .1, .15, .2, .25, .3}, "s", false},
		{"network.loss", "0..30%", []string{"0", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3"}, []float64{0, .05, .1, .15, .2, .25, .3}, "probability", false},
		{"workload.0.size", "0..1000B", []string{"0B", "100B", "200B", "300B", "400B", "500B", "600B", "700B", "800B", "900B", "1000B"},
			[]float64{0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000}, "bytes", false},
		{"workload.0.count", "1..3", []string{"1", "2", "3"}, []float64{1, 2, 3}, "", false},
		// A program's keys: whole clients (not 1, 1.5, 2, ...: the
		// loader refused 1.5), durations, a step's chance.
		{"workload.0.program.clients", "1..5", []string{"1", "2", "3", "4", "5"}, []float64{1, 2, 3, 4, 5}, "", false},
		{"workload.0.program.clients", "10..30:10", []string{"10", "20", "30"}, []float64{10, 20, 30}, "", false},
		{"workload.0.program.every", "10..30", []string{"10s", "12s", "14s", "16s", "18s", "20s", "22s", "24s", "26s", "28s", "30s"},
			[]float64{10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30}, "s", false},
		{"workload.0.program.until", "1h..2h:30m", []string{"3600s", "5400s", "7200s"}, []float64{3600, 5400, 7200}, "s", false},
		{"workload.0.program.think", "0..1", []string{"0s", "100ms", "200ms", "300ms", "400ms", "500ms", "600ms", "700ms", "800ms", "900ms", "1s"},
			[]float64{0, .1, .2, .3, .4, .5, .6, .7, .8, .9, 1}, "s", false},
		{"workload.0.program.steps.1.chance", "10%..30%:10%", []string{"0.1", "0.2", "0.3"}, []float64{.1, .2, .3}, "probability", false},
	}
	for _, tc := range tests {
		t.Run(tc.key+"="+tc.spec, func(t *testing.T) {
			ax, err := scenarios.ParseAxis(tc.key, tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.values, ax.Values); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.x, ax.X); diff != "" {
				t.Errorf("x (-want +got):\n%s", diff)
			}
			if ax.Unit != tc.unit || ax.Categorical != tc.categorical {
				t.Errorf("unit %q, categorical %v; want %q, %v", ax.Unit, ax.Categorical, tc.unit, tc.categorical)
			}
		})
	}
	for _, bad := range []struct{ key, spec, want string }{
		{"network.loss", "0.5..0.1", "above TO"},
		{"network.loss", "0..1:0", "STEP must be above 0"},
		{"network.loss", "0..2", "TO: expected a probability"},
		{"nfs.attr_timeout", "x..1s", "FROM: expected a duration"},
		{"reliable.window", "1..2:0.5", "whole numbers"},
		{"nfs.write_policy", "a..b", "does not take a range"},
		{"nfs.attr_timeout", "0..100000s:1ms", "more than the 10000"},
		{"network.loss", "0.1,,0.2", "empty value"},
	} {
		if _, err := scenarios.ParseAxis(bad.key, bad.spec); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseAxis(%s, %s) = %v; want an error with %q", bad.key, bad.spec, err, bad.want)
		}
	}
}

// TestAxisValuesLoad: every value an axis produces loads back to the value
// it was plotted at, so the plot's x is what the scenario ran with.
func TestAxisValuesLoad(t *testing.T) {
	ax, err := scenarios.ParseAxis("network.loss", "0..1:0.05")
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range ax.Values {
		sc, err := loadSet(t, overrideBase, "network.loss="+v)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Network.Default.Loss != ax.X[i] {
			t.Errorf("loss %s loaded as %v; plotted at %v", v, sc.Network.Default.Loss, ax.X[i])
		}
	}
}
