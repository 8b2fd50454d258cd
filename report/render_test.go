package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func sample() *Result {
	return &Result{
		Scenario: "demo", Seed: 3,
		Systems: []System{{System: "nfs", Steps: []Step{{At: "0s", Op: "open", Result: "ok", Calls: []Call{}}},
			Faults: []Fault{}, End: "1s", Events: 4, TraceHash: "00000000000000ff"}},
		Table: &Table{Title: "T", Columns: []string{"Time", "Client A", "nfs"},
			Rows:  [][]string{{"0s", `fd = open("f")`, "LOOKUP"}, {"10s", "read(fd, block1)", "a|b"}},
			Notes: []string{"a note"}},
	}
}

func TestWriteFormats(t *testing.T) {
	tests := []struct {
		format string
		want   string
	}{
		{"text", "demo (seed 3)\n\nT\n\nTime  Client A          nfs\n----  ----------------  ------\n0s    fd = open(\"f\")    LOOKUP\n10s   read(fd, block1)  a|b\n\na note\n\nnfs: 4 events, ended at 1s, trace 00000000000000ff\nviolations: none\n"},
		{"markdown", "## demo (seed 3)\n\nT\n\n| Time | Client A | nfs |\n|---|---|---|\n| 0s | fd = open(\"f\") | LOOKUP |\n| 10s | read(fd, block1) | a\\|b |\n\na note\n\nviolations: none\n"},
		{"csv", "Time,Client A,nfs\n0s,\"fd = open(\"\"f\"\")\",LOOKUP\n10s,\"read(fd, block1)\",a|b\n"},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, sample(), tc.format); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("Write(%s) (-want +got):\n%s", tc.format, diff)
			}
		})
	}
}

func TestWriteJSONHasContractFields(t *testing.T) {
	r := sample()
	r.Violations = nil
	var b bytes.Buffer
	if err := Write(&b, r, "json"); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if v, ok := m["violations"].([]any); !ok || len(v) != 0 {
		t.Errorf("violations = %v; want an empty array, never null", m["violations"])
	}
	step := m["systems"].([]any)[0].(map[string]any)["steps"].([]any)[0].(map[string]any)
	if _, ok := step["calls"].([]any); !ok {
		t.Errorf("a step's calls = %v; want an array", step["calls"])
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	if err := Write(&bytes.Buffer{}, sample(), "xml"); err == nil {
		t.Error("Write(xml) succeeded; want an error")
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.txt")
	if err := WriteFileAtomic(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(p, []byte("two")); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "two" {
		t.Errorf("content = %q; want %q", got, "two")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries; want only the file (no temporaries)", len(entries))
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "f"), []byte("x")); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

// TestVariantLabels checks how a run of a scenario with variants is named:
// by system and variant in the footer and the violations, with the
// variants listed under the description.
func TestVariantLabels(t *testing.T) {
	r := sample()
	r.Table = nil
	r.Variants = []Variant{{Name: "fast", Description: "a short timeout"}, {Name: "slow"}}
	r.Systems[0].Variant = "fast"
	r.Violations = []Violation{{System: "nfs", Variant: "fast", Where: "f.yaml:3:5", Message: "wrong"}, {Message: "no system"}}
	for _, tc := range []struct {
		format, want string
	}{
		{"text", "demo (seed 3)\nVariants:\n  fast: a short timeout\n  slow\n\nnfs fast: 4 events, ended at 1s, trace 00000000000000ff\n" +
			"violations: 2\n  - f.yaml:3:5: nfs fast: wrong\n  - no system\n"},
		{"markdown", "## demo (seed 3)\n\nVariants:\n- fast: a short timeout\n- slow\n\nviolations: 2\n  - f.yaml:3:5: nfs fast: wrong\n  - no system\n"},
	} {
		var b bytes.Buffer
		if err := Write(&b, r, tc.format); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, b.String()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.format, diff)
		}
	}
	for _, tc := range []struct {
		sys  System
		want string
	}{{System{System: "rpc"}, "rpc"}, {System{System: "rpc", Variant: "at_most_once"}, "rpc at_most_once"}} {
		if got := tc.sys.Label(); got != tc.want {
			t.Errorf("Label() = %q; want %q", got, tc.want)
		}
	}
}
