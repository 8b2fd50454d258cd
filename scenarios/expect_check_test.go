package scenarios_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

func TestCheckExpectations(t *testing.T) {
	sc, err := scenarios.Load("e.yaml", []byte(`name: e
systems: [nfs, afs]
files: {fileA: [a1, a2]}
workload:
  - {at: 0, client: A, op: open, file: fileA, fd: f}
  - {at: 10, client: A, op: read, fd: f, block: 1}
expect:
  - {system: nfs, step: 2, calls: [GETATTR, READ], value: a2}
  - {at: 0, result: ok}
  - {file: fileA, disk: [a1, a2]}
`))
	if err != nil {
		t.Fatal(err)
	}
	one := 1
	a2, old := "a2", "old"
	res := &report.Result{Systems: []report.System{
		{System: "nfs",
			Steps: []report.Step{
				{Result: "ok", Calls: []report.Call{{Proc: "LOOKUP"}}},
				{Result: "ok", Value: &old, Calls: []report.Call{{Proc: "READ", Attempts: 2}}},
			},
			Disk: map[string][]string{"fileA": {"a1", "a2"}}},
		{System: "afs",
			Steps: []report.Step{{Result: "ETIMEDOUT"}, {Result: "ok", Value: &a2}},
			Disk:  map[string][]string{}},
	}}
	got := scenarios.CheckExpectations(sc, res)
	two := 2
	want := []report.Violation{
		{System: "nfs", Where: "e.yaml:8:5", Step: &two, Message: "row 2 (client A's read at 10s): calls = [READ]; want [GETATTR, READ]"},
		{System: "nfs", Where: "e.yaml:8:5", Step: &two, Message: `row 2 (client A's read at 10s): value = "old"; want "a2"`},
		{System: "afs", Where: "e.yaml:9:5", Step: &one, Message: "row 1 (client A's open at 0s): result = ETIMEDOUT; want ok"},
		{System: "afs", Where: "e.yaml:10:5", Message: "disk: fileA is not on the server's disk; want [a1, a2]"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("checkExpectations mismatch (-want +got):\n%s", diff)
	}
}

func TestCheckStreamExpectations(t *testing.T) {
	sc, err := scenarios.Load("s.yaml", []byte(msgBase+`  - {at: 1, op: send, from: B, to: A, count: 5}
expect:
  - {at: 1, delivered: 5, in_order: true, retransmissions: 0}
  - {step: 1, sent: 1}
`))
	if err != nil {
		t.Fatal(err)
	}
	res := &report.Result{Systems: []report.System{{System: "udp",
		Steps: make([]report.Step, 2),
		Parts: []report.Part{{Key: report.StreamsPart,
			Value: []report.Stream{{Sent: 1}, {Sent: 5, Delivered: 4, InOrder: false, Retransmissions: 0}}}},
	}}}
	var got []string
	for _, v := range scenarios.CheckExpectations(sc, res) {
		got = append(got, v.Message)
	}
	want := []string{
		"row 2 (a send from B to A at 1s): delivered = 4; want 5",
		"row 2 (a send from B to A at 1s): in_order = false; want true",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stream violations mismatch (-want +got):\n%s", diff)
	}
}
