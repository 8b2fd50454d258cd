package viewer_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sim-lecture/sim/report/viewer"
	"github.com/sim-lecture/sim/sim"
)

// TestPageIsSelfContained: viewer.html names nothing to fetch (no src,
// no link, no URL but the SVG namespace) and holds every run with all of
// its records, in the order of its trace file.
func TestPageIsSelfContained(t *testing.T) {
	dir := t.TempDir()
	writeOut(t, dir, "rpc_append_retry")
	b, err := os.ReadFile(filepath.Join(dir, "viewer.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, bad := range []string{" src=", "<link", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("the page has %q: it would fetch something", bad)
		}
	}
	for _, u := range regexp.MustCompile(`https?://[^"' )\\]+`).FindAllString(page, -1) {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("the page names %s", u)
		}
	}
	m := regexp.MustCompile(`(?s)<script type="application/json" id="data">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no data in the page")
	}
	var data struct {
		Runs []struct {
			Key     string
			Records [][]any
			Total   int
		}
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range data.Runs {
		keys = append(keys, r.Key)
		trace := readTrace(t, filepath.Join(dir, "trace-"+r.Key+".jsonl"))
		if len(r.Records) != len(trace) || r.Total != len(trace) {
			t.Errorf("run %s: %d records (total %d); its trace has %d", r.Key, len(r.Records), r.Total, len(trace))
		}
		for i, rec := range r.Records {
			if rec[0] != trace[i].At || rec[1] != trace[i].Kind || rec[5] != trace[i].Label {
				t.Errorf("run %s record %d = %v; the trace's line is %+v", r.Key, i+1, rec, trace[i])
				break
			}
		}
	}
	if got := strings.Join(keys, " "); got != "rpc-at_least_once rpc-at_most_once rpc-at_most_once_crash" {
		t.Errorf("runs %s; want one per variant, named by file label", got)
	}
}

// TestLongRunIsCut: a run past MaxRecords is cut there, and the page
// knows its full length.
func TestLongRunIsCut(t *testing.T) {
	recs := make([]sim.Record, viewer.MaxRecords+5)
	for i := range recs {
		recs[i] = sim.Record{At: sim.Time(i), Kind: sim.KindTimer, Node: 0, Peer: sim.NoNode}
	}
	var b strings.Builder
	if err := viewer.Write(&b, "long", []viewer.Run{{Key: "x", Nodes: []string{"A"}, Records: recs}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"total":200005`) || strings.Count(b.String(), `"timer"`) != viewer.MaxRecords {
		t.Error("a run past MaxRecords is not cut there with its total kept")
	}
}
