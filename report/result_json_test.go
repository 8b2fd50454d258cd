package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/report"
)

// TestSystemJSONParts: a system's parts come after disk, in the order the
// system added them, and the rest keeps its place; text is not escaped
// for HTML (notes say "A->B").
func TestSystemJSONParts(t *testing.T) {
	sys := report.System{System: "x", Steps: []report.Step{}, Faults: []report.Fault{},
		Disk: map[string][]string{"f": {"a<b"}}, End: "1s", Events: 3, TraceHash: "ff"}
	sys.AddPart("zeta", []int{1})
	sys.AddPart("alpha", map[string]string{"k": "A->B"})
	got, err := json.Marshal(sys)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"system":"x","steps":[],"faults":[],"disk":{"f":["a\u003cb"]},"zeta":[1],"alpha":{"k":"A-\u003eB"},` +
		`"stats":{},"end":"1s","events":3,"trace_hash":"ff"}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("json.Marshal (-want +got):\n%s", diff)
	}
	var b bytes.Buffer
	if err := report.Write(&b, &report.Result{Systems: []report.System{sys}, Violations: []report.Violation{}}, "json"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"k": "A->B"`) || !strings.Contains(b.String(), `"a<b"`) {
		t.Errorf("report.Write escapes text for HTML:\n%s", b.String())
	}
	if sys.Part("alpha") == nil || sys.Part("beta") != nil {
		t.Errorf("Part: %v, %v; want the alpha part and nil", sys.Part("alpha"), sys.Part("beta"))
	}
}
