package nfs

import (
	"testing"
)

// TestLectureTable replays the lecture's last NFS slide ("Nfs Protocol":
// Time / Client A / Client B / Server Action?) and checks the server
// action, the client's reasoning and the value of every row.
//
// Lecture: "attr expired. get attr. CHANGED FILE - kickout" (row 80), "not
// in cache → read" (row 81), "Could read data that is up to 3 seconds old".
func TestLectureTable(t *testing.T) {
	files := []File{{Path: "fileA", Blocks: []string{"a0", "a1", "a2"}}}
	c := newCluster(t, ServerOptions{Files: files}, ClientOptions{AttrTimeout: DefaultAttrTimeout}, "A", "B")
	rows := []struct {
		at     float64
		client string
		op     Op
		calls  []string
		note   string
		value  string
	}{
		{0, "A", Op{Kind: OpOpen, Path: "fileA", FD: "f"}, []string{ProcLookup}, "", ""},
		{10, "A", Op{Kind: OpRead, FD: "f", Block: 1}, []string{ProcRead}, "not cached: READ", "a1"},
		{20, "A", Op{Kind: OpRead, FD: "f", Block: 2}, []string{ProcRead}, "not cached: READ", "a2"},
		{30, "A", Op{Kind: OpRead, FD: "f", Block: 1}, []string{ProcGetattr}, "attr expired: GETATTR, unchanged: use local", "a1"},
		{31, "A", Op{Kind: OpRead, FD: "f", Block: 2}, []string{}, "cached, attr fresh: use local", "a2"},
		{40, "B", Op{Kind: OpOpen, Path: "fileA", FD: "f"}, []string{ProcLookup}, "", ""},
		{50, "B", Op{Kind: OpWrite, FD: "f", Block: 1, Data: "b1"}, []string{}, "buffered locally", ""},
		{60, "A", Op{Kind: OpRead, FD: "f", Block: 1}, []string{ProcGetattr}, "attr expired: GETATTR, unchanged: use local", "a1"},
		{70, "B", Op{Kind: OpClose, FD: "f"}, []string{ProcWrite}, "flush 1 dirty block in 20ms", ""},
		{80, "A", Op{Kind: OpRead, FD: "f", Block: 1}, []string{ProcGetattr, ProcRead}, "attr expired: GETATTR, changed: drop cache, READ", "b1"},
		{81, "A", Op{Kind: OpRead, FD: "f", Block: 2}, []string{ProcRead}, "not cached: READ", "a2"},
		{90, "A", Op{Kind: OpClose, FD: "f"}, []string{}, "no dirty blocks", ""},
		{100, "A", Op{Kind: OpOpen, Path: "fileA", FD: "f"}, []string{ProcLookup}, "", ""},
		{110, "A", Op{Kind: OpRead, FD: "f", Block: 1}, []string{ProcGetattr}, "attr expired: GETATTR, unchanged: use local", "b1"},
		{120, "A", Op{Kind: OpClose, FD: "f"}, []string{}, "no dirty blocks", ""},
	}
	for _, r := range rows {
		c.do(r.at, r.client, r.op)
	}
	c.run()
	for i, r := range rows {
		end := secs(1e9)
		if i+1 < len(rows) {
			end = secs(rows[i+1].at)
		}
		got := c.rec.procsBetween(secs(r.at), end)
		res := c.result(r.at, r.client).res
		if joined(got) != joined(r.calls) {
			t.Errorf("%vs %s %s: calls = [%s]; want [%s]", r.at, r.client, r.op.Kind, joined(got), joined(r.calls))
		}
		if res.Err != nil {
			t.Errorf("%vs %s %s: error %v", r.at, r.client, r.op.Kind, res.Err)
		}
		if res.Note != r.note {
			t.Errorf("%vs %s %s: note = %q; want %q", r.at, r.client, r.op.Kind, res.Note, r.note)
		}
		if res.Value != r.value {
			t.Errorf("%vs %s %s: value = %q; want %q", r.at, r.client, r.op.Kind, res.Value, r.value)
		}
	}
	disk, err := ReadDisk(c.w.Disk(c.server))
	if err != nil {
		t.Fatal(err)
	}
	if got := joined(disk["fileA"]); got != "a0,b1,a2" {
		t.Errorf("disk fileA = [%s]; want [a0,b1,a2]", got)
	}
}
