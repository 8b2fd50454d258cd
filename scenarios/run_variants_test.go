package scenarios_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// variantsScenario runs two systems under two variants; the second variant
// also crashes the receiver for a while.
const variantsScenario = `name: v
systems: [udp, reliable]
network: {delay: 10ms, loss: 0.2}
reliable: {window: 2}
workload:
  - {at: 0, op: send, from: A, to: B, count: 10, interval: 10ms}
variants:
  - name: clean
    description: no loss
    network: {loss: 0}
  - name: crash
    faults:
      - {at: 30ms, crash: B}
      - {at: 60ms, restart: B}
expect:
  - {at: 0, sent: 10}
  - {variant: clean, at: 0, delivered: 10}
  - {variant: crash, system: udp, at: 0, delivered: 10}
`

// TestRunVariants checks the order of the runs (systems outer, variants
// inner), that each run is exactly the run of the file with its variant
// written in, and how expectations, the table and the text name the runs.
func TestRunVariants(t *testing.T) {
	sc, err := scenarios.Load("v.yaml", []byte(variantsScenario))
	if err != nil {
		t.Fatal(err)
	}
	res, worlds, err := scenarios.Run(sc, scenarios.Options{KeepTrace: true})
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for _, s := range res.Systems {
		runs = append(runs, s.System+"/"+s.Variant)
	}
	if want := []string{"udp/clean", "udp/crash", "reliable/clean", "reliable/crash"}; !cmp.Equal(want, runs) || len(worlds) != len(want) {
		t.Fatalf("runs %v (%d worlds); want %v", runs, len(worlds), want)
	}
	if want := []report.Variant{{Name: "clean", Description: "no loss"}, {Name: "crash"}}; !cmp.Equal(want, res.Variants) {
		t.Errorf("result variants %+v; want %+v", res.Variants, want)
	}

	// The same file with each variant written into it by hand.
	single := map[string]string{
		"clean": strings.Replace(variantsScenario[:strings.Index(variantsScenario, "variants:")], "loss: 0.2", "loss: 0", 1),
		"crash": variantsScenario[:strings.Index(variantsScenario, "variants:")] +
			"faults:\n  - {at: 30ms, crash: B}\n  - {at: 60ms, restart: B}\n",
	}
	for name, text := range single {
		one, err := scenarios.Load("one.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := scenarios.Run(one, scenarios.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want.Systems {
			for _, g := range res.Systems {
				if g.System == w.System && g.Variant == name && (g.TraceHash != w.TraceHash || g.Streams()[0].Delivered != w.Streams()[0].Delivered) {
					t.Errorf("%s under variant %s: trace %s, %d delivered; the file with the variant written in gives %s, %d",
						w.System, name, g.TraceHash, g.Streams()[0].Delivered, w.TraceHash, w.Streams()[0].Delivered)
				}
			}
		}
	}

	// The unrestricted expectation holds on all four runs; the udp run of
	// crash loses messages sent while B was down.
	var got []string
	for _, v := range res.Violations {
		got = append(got, v.System+"/"+v.Variant)
	}
	if want := []string{"udp/crash"}; !cmp.Equal(want, got) {
		t.Errorf("violations on %v; want %v: %+v", got, want, res.Violations)
	}

	// The table has one column per run, named by system and variant.
	if want := []string{"Msg", "Sent", "udp clean", "udp crash", "reliable clean", "reliable crash"}; !cmp.Equal(want, res.Table.Columns) {
		t.Errorf("table columns %q; want %q", res.Table.Columns, want)
	}
	var text bytes.Buffer
	if err := report.Write(&text, res, "text"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Variants:\n  clean: no loss\n  crash\n", "\nreliable crash: ", "\nudp clean: ",
		"v.yaml:18:5: udp crash: row 1"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}
}

// TestRunWithoutVariants checks that a scenario without variants runs as
// before: one run per system, with no variant anywhere in the result.
func TestRunWithoutVariants(t *testing.T) {
	text := variantsScenario[:strings.Index(variantsScenario, "variants:")]
	sc, err := scenarios.Load("one.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Systems) != 2 || res.Variants != nil || res.Systems[0].Variant != "" || res.Systems[1].Variant != "" {
		t.Errorf("runs %+v, variants %+v; want one run per system and no variants", res.Systems, res.Variants)
	}
	if want := []string{"Msg", "Sent", "udp", "reliable"}; !cmp.Equal(want, res.Table.Columns) {
		t.Errorf("table columns %q; want %q", res.Table.Columns, want)
	}
}

// TestRunVariantWithoutScenario checks that a Scenario built by hand whose
// variant lacks its scenario is an error, not a panic.
func TestRunVariantWithoutScenario(t *testing.T) {
	sc, err := scenarios.Load("v.yaml", []byte(variantsScenario))
	if err != nil {
		t.Fatal(err)
	}
	sc.Variants[1].Scenario = nil
	if _, _, err := scenarios.Run(sc, scenarios.Options{}); err == nil || !strings.Contains(err.Error(), `variant "crash" has no scenario`) {
		t.Errorf("Run error = %v; want the variant without a scenario named", err)
	}
}

// systemVariantsScenario runs NFS once, with the file's settings, and AFS
// under two variants that apply to AFS only.
const systemVariantsScenario = `name: sv
systems: [nfs, afs]
files: {fileA: [a]}
workload:
  - {at: 0, client: A, op: open, file: fileA, fd: f}
  - {at: 1s, client: A, op: close, fd: f}
  - {at: 2s, client: A, op: open, file: fileA, fd: f}
variants:
  - name: prototype
    description: every open validated
    systems: [afs]
    afs: {mode: prototype}
  - name: callbacks
    systems: [afs]
expect:
  - {step: 3, calls: []}
  - {variant: prototype, step: 3, calls: [FETCHSTATUS]}
  - {system: nfs, step: 3, calls: [LOOKUP]}
`

// TestRunVariantSystems checks that a system no variant applies to runs
// once, with the file's settings and no variant name, and the system the
// variants apply to once per variant: the runs, their labels in the
// table and the text, the JSON, and the expectations each run is held to.
func TestRunVariantSystems(t *testing.T) {
	sc, err := scenarios.Load("sv.yaml", []byte(systemVariantsScenario))
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for _, s := range res.Systems {
		runs = append(runs, s.System+"/"+s.Variant)
	}
	if want := []string{"nfs/", "afs/prototype", "afs/callbacks"}; !cmp.Equal(want, runs) {
		t.Fatalf("runs %v; want %v", runs, want)
	}
	if want := []report.Variant{{Name: "prototype", Description: "every open validated", Systems: []string{"afs"}},
		{Name: "callbacks", Systems: []string{"afs"}}}; !cmp.Equal(want, res.Variants) {
		t.Errorf("result variants %+v; want %+v", res.Variants, want)
	}

	// The plain run is the run of the file without variants; callbacks,
	// which changes nothing, is that file's AFS run.
	plain, err := scenarios.Load("one.yaml", []byte(systemVariantsScenario[:strings.Index(systemVariantsScenario, "variants:")]))
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := scenarios.Run(plain, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if g, w := res.Systems[0].TraceHash, want.Systems[0].TraceHash; g != w {
		t.Errorf("nfs trace %s; the file without variants gives %s", g, w)
	}
	if g, w := res.Systems[2].TraceHash, want.Systems[1].TraceHash; g != w {
		t.Errorf("afs callbacks trace %s; the file without variants gives %s", g, w)
	}

	// The second open asks nothing only under callbacks: the unrestricted
	// expectation fails on the plain NFS run (LOOKUP) and the prototype's
	// (FETCHSTATUS); the other two hold.
	var got []string
	for _, v := range res.Violations {
		got = append(got, v.System+"/"+v.Variant+" "+v.Where)
	}
	if want := []string{"nfs/ sv.yaml:16:5", "afs/prototype sv.yaml:16:5"}; !cmp.Equal(want, got) {
		t.Errorf("violations %v; want %v: %+v", got, want, res.Violations)
	}

	if want := []string{"Time", "Client A", "nfs: server action", "afs prototype: server action", "afs callbacks: server action"}; !cmp.Equal(want, res.Table.Columns) {
		t.Errorf("table columns %q; want %q", res.Table.Columns, want)
	}
	var text bytes.Buffer
	if err := report.Write(&text, res, "text"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Variants:\n  prototype (afs only): every open validated\n  callbacks (afs only)\n",
		"\nnfs: ", "\nafs prototype: ", "\nafs callbacks: "} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}
	var js bytes.Buffer
	if err := report.Write(&js, res, "json"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Variants []map[string]any `json:"variants"`
		Systems  []map[string]any `json:"systems"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if _, has := doc.Systems[0]["variant"]; has || doc.Systems[1]["variant"] != "prototype" {
		t.Errorf("JSON runs' variants %v, %v; want none, then prototype", doc.Systems[0]["variant"], doc.Systems[1]["variant"])
	}
	if got := doc.Variants[0]["systems"]; !cmp.Equal(got, []any{"afs"}) {
		t.Errorf("JSON variant prototype's systems %v; want [afs]", got)
	}
}
