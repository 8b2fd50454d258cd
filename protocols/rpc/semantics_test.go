package rpc

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// These tests drive a client and a server through the fake world of
// fake_test.go, losing exactly the messages the story needs lost.

const ms = time.Millisecond

// Reference: Birrell & Nelson §3.2 — "the caller retransmits the call
// packet until it is acknowledged"; the result is the acknowledgement.
func TestLostCallIsRetransmitted(t *testing.T) {
	for _, sem := range []Semantics{AtLeastOnce, AtMostOnce} {
		t.Run(sem.String(), func(t *testing.T) {
			h := newHarness(t)
			rec := newRecorder()
			_, client := h.addClient("A", Options{Semantics: sem}, rec)
			s, _ := h.addServer("S", ServerOptions{Semantics: sem}, rec)

			var r result
			client().Call(s.id, DemoAppend, mustArgs(t, ProcAppend, "x"), doneFor(t, ProcAppend, &r))
			h.expectWire("A>S APPEND")
			first := h.take()[0]
			if first.m.PleaseAck {
				t.Errorf("first transmission asks for an ACK")
			}
			h.logf("lose A>S APPEND")

			h.run(99 * ms)
			h.expectWire() // not yet: the timeout is 100ms
			h.run(1 * ms)
			h.expectWire("A>S APPEND")
			if !h.wire[0].m.PleaseAck {
				t.Errorf("retransmission does not ask for an ACK (Birrell & Nelson §3.3)")
			}
			h.deliverAll()
			// The append waits for its disk write, so the server
			// acknowledges the call as the retransmission asked.
			h.expectWire("S>A ACK")
			h.run(0)
			h.expectWire("S>A ACK", "S>A REPLY APPEND")
			h.deliverAll()

			if r.called != 1 || r.err != nil || r.value != "1" {
				t.Fatalf("done got %+v; want one call with value 1%s", r, h.story())
			}
			id := rec.started[0]
			if rec.attempts[id] != 2 || rec.executed[id] != 1 {
				t.Errorf("attempts %d, executions %d; want 2, 1%s", rec.attempts[id], rec.executed[id], h.story())
			}
		})
	}
}

// Reference: lecture, "If RPC library retries, what happens when append()
// is retried?" and protocol facts §4 (the duplicate-request cache).
func TestLostReply(t *testing.T) {
	tests := []struct {
		sem        Semantics
		executions int
		value      string // what the retried append returns
		log        []string
		cached     int
	}{
		// The retry runs append again: the log has x twice.
		{AtLeastOnce, 2, "2", []string{"x", "x"}, 0},
		// The retry is answered from the cache: x once.
		{AtMostOnce, 1, "1", []string{"x"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.sem.String(), func(t *testing.T) {
			h := newHarness(t)
			rec := newRecorder()
			_, client := h.addClient("A", Options{Semantics: tt.sem}, rec)
			s, server := h.addServer("S", ServerOptions{Semantics: tt.sem}, rec)
			var r result
			client().Call(s.id, DemoAppend, mustArgs(t, ProcAppend, "x"), doneFor(t, ProcAppend, &r))
			h.deliverAll()
			h.run(0) // the append's disk write
			h.expectWire("S>A REPLY APPEND")
			h.dropAll()

			h.run(100 * ms)
			h.expectWire("A>S APPEND")
			h.play(10 * ms)

			id := rec.started[0]
			if r.called != 1 || r.err != nil || r.value != tt.value {
				t.Errorf("done got %+v; want value %s%s", r, tt.value, h.story())
			}
			if rec.executed[id] != tt.executions || rec.cached != tt.cached {
				t.Errorf("executions %d, cached replies %d; want %d, %d%s", rec.executed[id], rec.cached, tt.executions, tt.cached, h.story())
			}
			st, err := ReadDemoDisk(s.disk)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.log, st.Log); diff != "" {
				t.Errorf("log on disk (-want +got):\n%s", diff)
			}
			_ = server
		})
	}
}

// Reference: lecture, "Problem: TCP is stateful. If server crashes, forgets
// which RPC's have been executed!" The duplicate-request cache is volatile;
// the log is durable, so the second execution shows.
func TestServerCrashLosesCache(t *testing.T) {
	h := newHarness(t)
	rec := newRecorder()
	_, client := h.addClient("A", Options{Semantics: AtMostOnce}, rec)
	s, _ := h.addServer("S", ServerOptions{Semantics: AtMostOnce}, rec)
	var r result
	client().Call(s.id, DemoAppend, mustArgs(t, ProcAppend, "x"), doneFor(t, ProcAppend, &r))
	h.deliverAll()
	h.run(0) // the append's disk write
	h.expectWire("S>A REPLY APPEND")
	h.dropAll()
	s.crash()
	s.restart()

	h.run(100 * ms)
	h.expectWire("A>S APPEND")
	h.play(10 * ms)

	id := rec.started[0]
	if rec.executed[id] != 2 || rec.cached != 0 {
		t.Errorf("executions %d, cached replies %d; want 2, 0 (the cache died with the server)%s", rec.executed[id], rec.cached, h.story())
	}
	if r.value != "2" {
		t.Errorf("append returned %q; want 2", r.value)
	}
	st, _ := ReadDemoDisk(s.disk)
	if diff := cmp.Diff([]string{"x", "x"}, st.Log); diff != "" {
		t.Errorf("log on disk (-want +got):\n%s", diff)
	}
}

// Reference: protocol facts §4 (BSD nfs_srvcache.c): "a repeat of a request
// in progress is dropped"; Birrell & Nelson §3.3: a retransmission requests
// an explicit ACK.
func TestRepeatInProgressIsDropped(t *testing.T) {
	tests := []struct {
		name      string
		pleaseAck bool
		want      []string // on the wire after the repeat arrives
	}{
		{"network duplicate", false, nil},
		{"retransmission asks for an ACK", true, []string{"S>A ACK"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			rec := newRecorder()
			a, client := h.addClient("A", Options{Semantics: AtMostOnce}, rec)
			s, server := h.addServer("S", ServerOptions{Semantics: AtMostOnce, AckAfter: time.Hour}, rec)
			client().Call(s.id, DemoSleep, mustArgs(t, ProcSleep, "1s"), nil)
			call := h.take()[0]
			h.deliver(call)
			h.expectWire()

			repeat := call
			var stamp uint32
			if tt.pleaseAck {
				stamp = stampPleaseAck
			}
			repeat.raw = encodeCall(call.m.Msg.XID, DemoSleep, AuthSysParms{Stamp: stamp, MachineName: "A"}.Marshal(), call.m.Msg.Body)
			h.deliver(repeat)
			h.expectWire(tt.want...)
			id := rec.started[0]
			if rec.executed[id] != 1 {
				t.Errorf("executions %d; want 1", rec.executed[id])
			}
			if diff := cmp.Diff([]string{"in progress"}, rec.dropped); diff != "" {
				t.Errorf("dropped (-want +got):\n%s", diff)
			}
			if server().Busy() != 1 {
				t.Errorf("busy workers %d; want 1", server().Busy())
			}
			_ = a
		})
	}
}

// Reference: Birrell & Nelson §3.3 — a long call: the callee acknowledges
// explicitly, the caller stops retransmitting and probes; the call runs
// once, whatever the semantics.
func TestLongCallIsAckedAndProbed(t *testing.T) {
	for _, sem := range []Semantics{AtLeastOnce, AtMostOnce} {
		t.Run(sem.String(), func(t *testing.T) {
			h := newHarness(t)
			rec := newRecorder()
			_, client := h.addClient("A", Options{Semantics: sem, Timeout: 100 * ms, ProbeInterval: 300 * ms}, rec)
			s, _ := h.addServer("S", ServerOptions{Semantics: sem, AckAfter: 50 * ms}, rec)
			var r result
			client().Call(s.id, DemoSleep, mustArgs(t, ProcSleep, "1s"), doneFor(t, ProcSleep, &r))
			h.deliverAll()

			h.run(50 * ms)
			h.expectWire("S>A ACK")
			h.deliverAll()
			var kinds []string
			for h.now.Duration() < 1100*ms && r.called == 0 {
				h.run(10 * ms)
				for _, w := range h.wire {
					kinds = append(kinds, h.nodes[w.from].name+">"+h.nodes[w.to].name+" "+w.label)
				}
				h.deliverAll()
			}
			want := []string{
				"A>S PROBE", "S>A ACK", // 350ms
				"A>S PROBE", "S>A ACK", // 650ms
				"A>S PROBE", "S>A ACK", // 950ms
				"S>A REPLY SLEEP", // 1s
			}
			if diff := cmp.Diff(want, kinds); diff != "" {
				t.Errorf("messages after the ACK (-want +got):\n%s%s", diff, h.story())
			}
			id := rec.started[0]
			if r.called != 1 || r.err != nil || rec.attempts[id] != 1 || rec.executed[id] != 1 {
				t.Errorf("done %+v, attempts %d, executions %d; want ok, 1, 1%s", r, rec.attempts[id], rec.executed[id], h.story())
			}
		})
	}
}

// Reference: Birrell & Nelson §3.3 — "if the probes go unanswered, the
// caller is notified"; here the caller first retransmits, and a server that
// crashed and forgot the call runs it again.
func TestUnansweredProbesRetransmit(t *testing.T) {
	h := newHarness(t)
	rec := newRecorder()
	_, client := h.addClient("A", Options{Semantics: AtMostOnce, Timeout: 100 * ms, ProbeInterval: 100 * ms, MaxProbes: 2}, rec)
	s, _ := h.addServer("S", ServerOptions{Semantics: AtMostOnce, AckAfter: 50 * ms}, rec)
	var r result
	client().Call(s.id, DemoSleep, mustArgs(t, ProcSleep, "1s"), doneFor(t, ProcSleep, &r))
	h.deliverAll()
	h.run(50 * ms)
	h.expectWire("S>A ACK")
	h.deliverAll()
	s.crash()
	s.restart()

	h.run(100 * ms) // 150ms: first probe, lost on the restarted server
	h.expectWire("A>S PROBE")
	h.deliverAll()
	h.run(100 * ms) // 250ms: second probe
	h.expectWire("A>S PROBE")
	h.deliverAll()
	h.run(100 * ms) // 350ms: two unanswered: retransmit
	h.expectWire("A>S SLEEP")
	h.deliverAll()
	h.expectWire("S>A ACK") // the retransmission asked for one
	h.play(1100 * ms)
	id := rec.started[0]
	if r.called != 1 || r.err != nil || rec.executed[id] != 2 || rec.attempts[id] != 2 {
		t.Errorf("done %+v, executions %d, attempts %d; want ok, 2, 2%s", r, rec.executed[id], rec.attempts[id], h.story())
	}
}

// Reference: protocol facts §4 (soft mounts fail after N retries) and
// §6: a timed-out RPC cannot know whether the call executed.
func TestMaxAttemptsTimesOut(t *testing.T) {
	tests := []struct {
		name     string
		deliver  bool // the calls arrive, only the replies are lost
		executed int
	}{
		{"calls lost", false, 0},
		{"replies lost", true, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			rec := newRecorder()
			_, client := h.addClient("A", Options{MaxAttempts: 3}, rec)
			s, _ := h.addServer("S", ServerOptions{}, rec)
			var r result
			client().Call(s.id, DemoIncrement, nil, doneFor(t, ProcIncrement, &r))
			for i := 0; i < 10; i++ {
				if tt.deliver {
					h.deliverAll()
					h.run(0)
				}
				h.dropAll()
				h.run(100 * ms)
			}
			id := rec.started[0]
			if r.called != 1 || !errors.Is(r.err, ErrTimedOut) || ErrorName(r.err) != "ETIMEDOUT" {
				t.Fatalf("done got %+v; want one ETIMEDOUT%s", r, h.story())
			}
			if rec.attempts[id] != 3 || rec.executed[id] != tt.executed {
				t.Errorf("attempts %d, executions %d; want 3, %d", rec.attempts[id], rec.executed[id], tt.executed)
			}
			if client().Outstanding() != 0 {
				t.Errorf("%d calls still outstanding", client().Outstanding())
			}
		})
	}
}

// Reference: lecture, "RPC tools: runtime library: thread pool". With one
// worker the second call queues behind the first.
func TestWorkerPoolQueueing(t *testing.T) {
	tests := []struct {
		workers int
		replies []time.Duration // when each REPLY leaves the server
		queued  int             // calls waiting right after both arrive
	}{
		{1, []time.Duration{50 * ms, 100 * ms}, 1},
		{2, []time.Duration{50 * ms, 50 * ms}, 0},
	}
	for _, tt := range tests {
		t.Run(strings.Repeat("w", tt.workers), func(t *testing.T) {
			h := newHarness(t)
			rec := newRecorder()
			_, ca := h.addClient("A", Options{}, rec)
			_, cb := h.addClient("B", Options{}, rec)
			s, server := h.addServer("S", ServerOptions{Workers: tt.workers, ServiceTime: 50 * ms, AckAfter: time.Hour}, rec)
			ca().Call(s.id, DemoIncrement, nil, nil)
			cb().Call(s.id, DemoIncrement, nil, nil)
			h.deliverAll()
			if server().Queued() != tt.queued {
				t.Errorf("queued %d; want %d", server().Queued(), tt.queued)
			}
			var got []time.Duration
			for h.now.Duration() < 200*ms {
				h.run(10 * ms)
				for _, w := range h.take() {
					if w.m.Kind == KindReply {
						got = append(got, h.now.Duration())
					}
				}
			}
			if diff := cmp.Diff(tt.replies, got); diff != "" {
				t.Errorf("reply times (-want +got):\n%s%s", diff, h.story())
			}
		})
	}
}

// Reference: Birrell & Nelson §3.2 — "the next call acknowledges the
// previous result", so the server may drop the cached reply; with no next
// call the caller acknowledges explicitly.
func TestImplicitAckFreesCache(t *testing.T) {
	h := newHarness(t)
	rec := newRecorder()
	_, client := h.addClient("A", Options{Semantics: AtMostOnce, AckAfter: 100 * ms}, rec)
	s, server := h.addServer("S", ServerOptions{Semantics: AtMostOnce}, rec)

	client().Call(s.id, DemoAppend, mustArgs(t, ProcAppend, "x"), nil)
	first := h.take()[0]
	h.deliver(first)
	h.run(0)
	h.settle()
	if server().Cached() != 1 {
		t.Fatalf("cached %d after the first call; want 1", server().Cached())
	}

	h.run(50 * ms) // within AckAfter: the next call acknowledges
	client().Call(s.id, DemoAppend, mustArgs(t, ProcAppend, "y"), nil)
	h.expectWire("A>S APPEND")
	if got := h.wire[0].m.AckBelow; got != 2 {
		t.Errorf("second call's AckBelow = %d; want 2", got)
	}
	h.deliverAll()
	h.run(0)
	h.settle()
	if server().Cached() != 1 {
		t.Errorf("cached %d after the second call; want 1 (only its own reply)", server().Cached())
	}

	// A late copy of the first call must not run again, although its
	// reply is gone from the cache.
	h.deliver(first)
	h.expectWire()
	if rec.executed[rec.started[0]] != 1 {
		t.Errorf("late copy of the first call ran again%s", h.story())
	}

	// No third call: after AckAfter an explicit ACK frees the second.
	h.run(100 * ms)
	h.expectWire("A>S ACK")
	got := h.wire[0].m
	got.ID.Client = rec.started[1].Client
	if got.Kind != KindAckReply || got.ID != rec.started[1] || got.AckBelow != 3 {
		t.Errorf("ACK = %+v; want an ACK of %v with AckBelow 3", got, rec.started[1])
	}
	h.deliverAll()
	if server().Cached() != 0 {
		t.Errorf("cached %d after the explicit ACK; want 0", server().Cached())
	}
	if diff := cmp.Diff([]string{"acknowledged"}, rec.dropped); diff != "" {
		t.Errorf("dropped (-want +got):\n%s", diff)
	}
}

// Reference: Birrell & Nelson §3.2 — the conversation id separates a
// caller's incarnations; a call from a crashed incarnation is an orphan.
func TestOldIncarnationIsDropped(t *testing.T) {
	h := newHarness(t)
	rec := newRecorder()
	a, client := h.addClient("A", Options{Semantics: AtMostOnce}, rec)
	s, _ := h.addServer("S", ServerOptions{Semantics: AtMostOnce}, rec)
	client().Call(s.id, DemoAppend, mustArgs(t, ProcAppend, "old"), nil)
	old := h.take() // delayed in the network
	a.crash()
	a.restart()
	var r result
	client().Call(s.id, DemoAppend, mustArgs(t, ProcAppend, "new"), doneFor(t, ProcAppend, &r))
	if got := h.wire[0].m.ID; got.Incarnation != 1 || got.Seq != 1 {
		t.Errorf("restarted client's first id = %v; want incarnation 1, seq 1", got)
	}
	h.deliverAll()
	h.run(0)
	h.settle()
	for _, w := range old {
		h.deliver(w)
	}
	h.expectWire()
	if diff := cmp.Diff([]string{"old incarnation"}, rec.dropped); diff != "" {
		t.Errorf("dropped (-want +got):\n%s", diff)
	}
	st, _ := ReadDemoDisk(s.disk)
	if diff := cmp.Diff([]string{"new"}, st.Log); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

// Reference: protocol facts §4 — DRCs are "frequently not large enough";
// a repeat whose reply was evicted runs again.
func TestBoundedCacheEvicts(t *testing.T) {
	h := newHarness(t)
	rec := newRecorder()
	_, ca := h.addClient("A", Options{Semantics: AtMostOnce}, rec)
	_, cb := h.addClient("B", Options{Semantics: AtMostOnce}, rec)
	s, server := h.addServer("S", ServerOptions{Semantics: AtMostOnce, DRCSize: 1}, rec)
	ca().Call(s.id, DemoAppend, mustArgs(t, ProcAppend, "a"), nil)
	h.deliverAll()
	h.run(0)
	h.dropAll() // A's reply lost
	cb().Call(s.id, DemoAppend, mustArgs(t, ProcAppend, "b"), nil)
	h.deliverAll()
	h.run(0)
	h.dropAll() // B's reply lost; its entry evicts A's
	if server().Cached() != 1 {
		t.Errorf("cached %d; want 1", server().Cached())
	}
	h.run(100 * ms) // both retransmit
	h.settle()
	h.run(0)
	h.settle()
	if got := []int{rec.executed[rec.started[0]], rec.executed[rec.started[1]]}; !cmp.Equal(got, []int{2, 1}) {
		t.Errorf("executions of A's and B's call: %v; want [2 1]%s", got, h.story())
	}
	st, _ := ReadDemoDisk(s.disk)
	if diff := cmp.Diff([]string{"a", "b", "a"}, st.Log); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

// Over the reliable transport the RPC layer does not retransmit: the
// transport does. Only ReliableTimeout resends a call.
func TestReliableTransportDoesNotRetransmit(t *testing.T) {
	tests := []struct {
		name     string
		timeout  time.Duration
		attempts int
	}{
		{"wait forever", 0, 1},
		{"resend after 1s", time.Second, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			rec := newRecorder()
			_, client := h.addClient("A", Options{Reliable: true, ReliableTimeout: tt.timeout}, rec)
			s, _ := h.addServer("S", ServerOptions{Reliable: true}, rec)
			client().Call(s.id, DemoSleep, mustArgs(t, ProcSleep, "10s"), nil)
			h.dropAll() // as if the connection died with a crash
			h.run(1500 * ms)
			h.dropAll()
			if got := rec.attempts[rec.started[0]]; got != tt.attempts {
				t.Errorf("attempts %d; want %d%s", got, tt.attempts, h.story())
			}
		})
	}
}

// Reference: RFC 5531 §9 — a call the server cannot dispatch is answered
// with an accept_stat (or denied), and nothing runs.
func TestUndispatchableCalls(t *testing.T) {
	tests := []struct {
		name  string
		proc  Proc
		sopts ServerOptions
		copts Options
		want  error
		label string
	}{
		{"unknown procedure", Proc{Prog: DemoProgram, Vers: 1, Num: 99, Name: "format_disk"}, ServerOptions{}, Options{}, ErrProcUnavail, "REPLY PROC_UNAVAIL"},
		{"unknown program", Proc{Prog: 100003, Vers: 2, Num: 1, Name: "GETATTR"}, ServerOptions{}, Options{}, ErrProgUnavail, "REPLY PROG_UNAVAIL"},
		{"unknown version", Proc{Prog: DemoProgram, Vers: 7, Num: 1, Name: "increment"}, ServerOptions{}, Options{}, ErrProgMismatch, "REPLY PROG_MISMATCH"},
		{"AUTH_NONE where AUTH_SYS is required", DemoIncrement, ServerOptions{RequireAuthSys: true}, Options{Auth: AuthNone}, ErrAuth, "REPLY DENIED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.standard = true
			rec := newRecorder()
			_, client := h.addClient("A", tt.copts, rec)
			s, _ := h.addServer("S", tt.sopts, rec)
			var got error
			client().Call(s.id, tt.proc, nil, func(_ []byte, err error) { got = err })
			h.deliverAll()
			h.expectWire("S>A " + tt.label)
			reply := h.wire[0].m.Msg.Reply
			h.settle()
			if !errors.Is(got, tt.want) || rec.totalExecutions() != 0 {
				t.Errorf("done %v, executions %d; want %v, 0", got, rec.totalExecutions(), tt.want)
			}
			if tt.want == ErrProgMismatch && (reply.Low != 1 || reply.High != 1) {
				t.Errorf("PROG_MISMATCH says versions %d..%d; want 1..1", reply.Low, reply.High)
			}
		})
	}
}

// Reference: RFC 5531 §9 — a call of RPC version 3 is denied with
// RPC_MISMATCH 2..2, and other flavors than this server's with
// AUTH_BADCRED or AUTH_BADVERF.
func TestDeniedCalls(t *testing.T) {
	good := func(m *Msg) {}
	tests := []struct {
		name   string
		change func(*Msg)
		want   ReplyHeader
	}{
		{"RPC version 3", func(m *Msg) { m.Call.RPCVers = 3 }, ReplyHeader{Stat: MsgDenied, Reject: RPCMismatch, Low: 2, High: 2}},
		{"AUTH_DH credential", func(m *Msg) { m.Call.Cred.Flavor = 3 }, ReplyHeader{Stat: MsgDenied, Reject: AuthError, Auth: AuthBadCred}},
		{"AUTH_SYS verifier", func(m *Msg) { m.Call.Verf = m.Call.Cred }, ReplyHeader{Stat: MsgDenied, Reject: AuthError, Auth: AuthBadVerf}},
		{"truncated AUTH_SYS", func(m *Msg) { m.Call.Cred.Body = m.Call.Cred.Body[:8] }, ReplyHeader{Stat: MsgDenied, Reject: AuthError, Auth: AuthBadCred}},
		{"accepted", good, ReplyHeader{Stat: MsgAccepted, Accept: Success}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.standard = true
			rec := newRecorder()
			a := h.add("A", func(env sim.Env) sim.Handler { return NewClient(env, Options{}, nil) })
			s, _ := h.addServer("S", ServerOptions{}, rec)
			m := Msg{XID: 5, Type: MsgCall, Call: CallHeader{RPCVers: 2, Prog: DemoProgram, Vers: 1, Proc: DemoRead.Num,
				Cred: AuthSysParms{MachineName: "A"}.Marshal()}}
			tt.change(&m)
			s.handler.Receive(a.id, m.Marshal())
			if len(h.wire) != 1 {
				t.Fatalf("on the wire: %q; want one reply", h.wireLabels())
			}
			got := h.wire[0].m.Msg.Reply
			got.Verf = OpaqueAuth{}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBadArguments(t *testing.T) {
	tests := []struct {
		proc string
		args []byte
		want error
	}{
		{ProcAppend, []byte{1, 2, 3}, ErrGarbageArgs},
		{ProcIncrement, []byte{0, 0, 0, 0}, ErrGarbageArgs},
		{ProcSleep, mustXDR(t, SleepArgs{Duration: "soon"}), ErrInval},
		{ProcSleep, mustXDR(t, SleepArgs{Duration: "-1s"}), ErrInval},
	}
	for _, tt := range tests {
		h := newHarness(t)
		_, client := h.addClient("A", Options{}, nil)
		s, _ := h.addServer("S", ServerOptions{}, nil)
		var got error
		p, _ := DemoProc(tt.proc)
		client().Call(s.id, p, tt.args, func(_ []byte, err error) { got = err })
		h.settle()
		if !errors.Is(got, tt.want) {
			t.Errorf("%s(%x) = %v; want %v", tt.proc, tt.args, got, tt.want)
		}
	}
}

func mustXDR(t *testing.T, v any) []byte {
	t.Helper()
	b, err := xdr.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// With AUTH_NONE a call has no stamp to carry its acknowledgement of
// earlier results (see AckProgram): the next call leaves the first reply
// cached, and only the explicit ACK frees it.
func TestAuthNoneAcknowledgesExplicitly(t *testing.T) {
	h := newHarness(t)
	rec := newRecorder()
	a := h.add("A", func(env sim.Env) sim.Handler {
		return NewClient(env, Options{Semantics: AtMostOnce, BirrellNelson: true, Auth: AuthNone, AckAfter: 100 * ms}, rec)
	})
	s, server := h.addServer("S", ServerOptions{Semantics: AtMostOnce}, rec)
	client := func() *Client { return a.handler.(*Client) }
	client().Call(s.id, DemoAppend, mustArgs(t, ProcAppend, "x"), nil)
	h.deliverAll()
	h.run(0)
	h.settle()
	h.run(50 * ms)
	client().Call(s.id, DemoAppend, mustArgs(t, ProcAppend, "y"), nil)
	if m := h.wire[0].m; m.HasAck {
		t.Errorf("an AUTH_NONE call carries an acknowledgement: %+v", m)
	}
	h.deliverAll()
	h.run(0)
	h.settle()
	if server().Cached() != 2 {
		t.Errorf("cached %d after the second call; want 2 (nothing acknowledged the first)", server().Cached())
	}
	h.run(100 * ms)
	h.expectWire("A>S ACK")
	h.deliverAll()
	if server().Cached() != 0 {
		t.Errorf("cached %d after the explicit ACK; want 0", server().Cached())
	}
}
