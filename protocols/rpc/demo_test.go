package rpc

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDemoArgs(t *testing.T) {
	tests := []struct {
		proc, text string
		want       []byte // nil with wantErr
		wantErr    bool
	}{
		{ProcIncrement, "", nil, false},
		{ProcRead, "", nil, false},
		{ProcIncrement, "5", nil, true},
		{ProcAppend, "x", []byte{0, 0, 0, 1, 'x', 0, 0, 0}, false},
		{ProcAppend, "", []byte{0, 0, 0, 0}, false},
		{ProcSleep, "1.5s", mustXDR(t, SleepArgs{Duration: "1.5s"}), false},
		{ProcSleep, "2", mustXDR(t, SleepArgs{Duration: "2s"}), false}, // bare number: seconds
		{ProcSleep, "soon", nil, true},
		{ProcSleep, "-1s", nil, true},
		{"format_disk", "", nil, true},
	}
	for _, tt := range tests {
		got, err := DemoArgs(tt.proc, tt.text)
		if (err != nil) != tt.wantErr || !cmp.Equal(tt.want, got) {
			t.Errorf("DemoArgs(%q, %q) = %x, %v; want %x, error %v", tt.proc, tt.text, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestDemoValue(t *testing.T) {
	tests := []struct {
		proc   string
		result []byte
		want   string
	}{
		{ProcIncrement, mustXDR(t, IncrementRes{Value: 7}), "7"},
		{ProcAppend, mustXDR(t, AppendRes{Len: 3}), "3"},
		{ProcRead, mustXDR(t, DemoState{Counter: 2, Log: []string{"a", "b"}}), "counter=2 log=[a b]"},
		{ProcSleep, nil, ""},
	}
	for _, tt := range tests {
		if got, err := DemoValue(tt.proc, tt.result); err != nil || got != tt.want {
			t.Errorf("DemoValue(%s) = %q, %v; want %q", tt.proc, got, err, tt.want)
		}
	}
	for _, proc := range []string{ProcIncrement, ProcAppend, ProcRead, ProcSleep, "nope"} {
		if _, err := DemoValue(proc, []byte{1}); err == nil {
			t.Errorf("DemoValue(%s, garbage) succeeded", proc)
		}
	}
}

// The typed stubs: a remote procedure with a local signature.
func TestDemoClientStubs(t *testing.T) {
	h := newHarness(t)
	_, client := h.addClient("A", Options{}, nil)
	s, server := h.addServer("S", ServerOptions{}, nil)
	stub := DemoClient{C: client()}
	var log []string
	stub.Increment(s.id, func(v uint64, err error) { log = append(log, "increment", fmtResult(v, err)) })
	h.play(10 * ms)
	stub.Append(s.id, "hello", func(n int, err error) { log = append(log, "append", fmtResult(n, err)) })
	h.play(10 * ms)
	start := h.now
	var slept time.Duration
	stub.Sleep(s.id, 300*ms, func(err error) {
		slept = h.now.Sub(start)
		log = append(log, "sleep", fmtResult(0, err))
	})
	h.play(400 * ms)
	stub.Read(s.id, func(st DemoState, err error) { log = append(log, "read", fmtResult(st, err)) })
	h.play(10 * ms)
	want := []string{"increment", "1 <nil>", "append", "1 <nil>", "sleep", "0 <nil>", "read", "counter=1 log=[hello] <nil>"}
	if diff := cmp.Diff(want, log); diff != "" {
		t.Errorf("stub results (-want +got):\n%s%s", diff, h.story())
	}
	if slept < 300*ms {
		t.Errorf("sleep(300ms) returned after %s", slept)
	}
	st, err := ReadDemoDisk(s.disk)
	if diff := cmp.Diff(DemoState{Counter: 1, Log: []string{"hello"}}, st); diff != "" || err != nil {
		t.Errorf("state on disk (-want +got):\n%s%v", diff, err)
	}
	if n := server().Env().Disk().Len(); n != 1 {
		t.Errorf("server disk holds %d keys; want 1 (%s)", n, DemoDiskKey)
	}
}

func fmtResult(v any, err error) string {
	return fmt.Sprint(v, " ", err)
}

// A server restarted from its disk has the demo state back, and the cache
// of the crashed one is gone.
func TestDemoStateSurvivesRestart(t *testing.T) {
	h := newHarness(t)
	_, client := h.addClient("A", Options{Semantics: AtMostOnce}, nil)
	s, server := h.addServer("S", ServerOptions{Semantics: AtMostOnce}, nil)
	stub := DemoClient{C: client()}
	stub.Append(s.id, "a", func(int, error) {})
	stub.Increment(s.id, func(uint64, error) {})
	h.play(10 * ms)
	if server().Cached() == 0 {
		t.Fatalf("nothing cached before the crash")
	}
	s.crash()
	s.restart()
	if server().Cached() != 0 {
		t.Errorf("restarted server has %d cached replies; want 0", server().Cached())
	}
	var got DemoState
	stub.Read(s.id, func(st DemoState, err error) { got = st })
	h.play(10 * ms)
	if diff := cmp.Diff(DemoState{Counter: 1, Log: []string{"a"}}, got); diff != "" {
		t.Errorf("state after restart (-want +got):\n%s", diff)
	}
}

func TestParseSemantics(t *testing.T) {
	for _, s := range []Semantics{AtLeastOnce, AtMostOnce} {
		if got, err := ParseSemantics(s.String()); err != nil || got != s {
			t.Errorf("ParseSemantics(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseSemantics("exactly_once"); err == nil {
		t.Errorf("ParseSemantics(exactly_once) succeeded: no RPC system can promise it")
	}
}

func TestBadResultFromServer(t *testing.T) {
	h := newHarness(t)
	_, client := h.addClient("A", Options{}, nil)
	s, server := h.addServer("S", ServerOptions{}, nil)
	server().Register(DemoIncrement, func(c *Call) { c.Reply([]byte{1, 2, 3}, nil) })
	var got error
	DemoClient{C: client()}.Increment(s.id, func(_ uint64, err error) { got = err })
	h.play(10 * ms)
	if ErrorName(got) != "EGARBAGERESULT" {
		t.Errorf("stub got %v; want EGARBAGERESULT", got)
	}
	if !errors.Is(got, NewError("EGARBAGERESULT")) {
		t.Errorf("errors.Is by name failed")
	}
}
