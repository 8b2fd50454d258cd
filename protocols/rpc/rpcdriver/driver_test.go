package rpcdriver

import (
	"sort"
	"strings"
	"testing"

	"github.com/sim-lecture/sim/protocols/reliable"
	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/scenariotest"
)

// appendScenario is one append at 1s whose call or reply is lost once
// (block names the blocked direction, "" for none), under semantics, with
// an optional crash and restart of the server between the loss and the
// retransmission, then a read.
func appendScenario(semantics, block string, crash bool) string {
	src := `name: t
systems: [rpc]
rpc: {semantics: ` + semantics + `, timeout: 100ms}
network: {delay: 10ms}
workload:
  - {at: 1s, op: call, client: A, server: server, proc: append, args: x}
  - {at: 3s, op: call, client: A, server: server, proc: read}
faults:
`
	switch block {
	case "call":
		src += "  - {at: 0.95s, block: {from: A, to: server}}\n  - {at: 1.05s, unblock: {from: A, to: server}}\n"
	case "reply":
		src += "  - {at: 0.95s, block: {from: server, to: A}}\n  - {at: 1.05s, unblock: {from: server, to: A}}\n"
	}
	if crash {
		src += "  - {at: 1.06s, crash: server}\n  - {at: 1.07s, restart: server}\n"
	}
	if block == "" && !crash {
		src = strings.TrimSuffix(src, "faults:\n")
	}
	return src
}

// Lecture: "If RPC library retries, what happens when append() is
// retried?", "Replica suppression is stateful", "If server crashes,
// forgets which RPC's have been executed!". Reference: Birrell & Nelson
// 1984 §3.1 (at most once), BSD nfs_srvcache.c (a repeat of a completed
// call gets the cached reply). The client sees the same thing in every
// case: two sends and one reply.
func TestRPCSemantics(t *testing.T) {
	tests := []struct {
		semantics, lost string
		crash           bool
		executions      int
		log             string
	}{
		{"at_least_once", "", false, 1, "log=[x]"},
		{"at_least_once", "call", false, 1, "log=[x]"},
		{"at_least_once", "reply", false, 2, "log=[x x]"},
		{"at_most_once", "call", false, 1, "log=[x]"},
		{"at_most_once", "reply", false, 1, "log=[x]"},
		{"at_most_once", "reply", true, 2, "log=[x x]"},
	}
	for _, tc := range tests {
		name := tc.semantics + "/lost " + tc.lost
		if tc.crash {
			name += "/crash"
		}
		t.Run(name, func(t *testing.T) {
			src := appendScenario(tc.semantics, tc.lost, tc.crash)
			if tc.executions > 1 {
				// Run twice: the scenario's lesson is at_most_once broken.
				src += "expect:\n  - {broken: at_most_once}\n"
			}
			sys := scenariotest.RunClean(t, src).Systems[0]
			app, read := sys.Steps[0], sys.Steps[1]
			if app.Result != "ok" || app.Executions == nil || *app.Executions != tc.executions {
				t.Errorf("append: result %s, executions %v; want ok, %d", app.Result, app.Executions, tc.executions)
			}
			wantAttempts := 2
			if tc.lost == "" {
				wantAttempts = 1
			}
			if len(app.Calls) != 1 || app.Calls[0].Proc != "APPEND" || app.Calls[0].Attempts != wantAttempts {
				t.Errorf("append calls %+v; want one APPEND sent %d times", app.Calls, wantAttempts)
			}
			if read.Value == nil || !strings.HasSuffix(*read.Value, tc.log) {
				t.Errorf("read = %v; want %s", read.Value, tc.log)
			}
			if got := sys.Disk["server/log"]; len(got) != tc.executions {
				t.Errorf("durable log %v; want %d entries", got, tc.executions)
			}
		})
	}
}

// A crash of the server loses its duplicate-request cache and every call in
// progress (design rule 4), but not the demo's log on disk: the restarted
// node is a fresh rpc.Node whose cache starts empty.
func TestRPCServerCrashLosesTheCache(t *testing.T) {
	src := appendScenario("at_most_once", "reply", true)
	// B's read at 1.055s lets the test look at the server just before the
	// crash, while it holds the reply of A's append in its cache.
	src = strings.Replace(src, "  - {at: 3s,", "  - {at: 1.055s, op: call, client: B, server: server, proc: read}\n  - {at: 3s,", 1)
	d := &spyDriver{driver: &driver{}}
	r := scenariotest.RunDriver(t, scenariotest.Load(t, src), "rpc", d)
	before, after := d.seen[1], d.seen[2]
	if before.node == nil || after.node == nil || before.node == after.node {
		t.Fatalf("server nodes %p and %p; want two lives", before.node, after.node)
	}
	if before.cached != 1 || after.cached != 0 || after.inc != 1 {
		t.Errorf("cache before the crash %d, after %d (incarnation %d); want 1, then 0 in incarnation 1", before.cached, after.cached, after.inc)
	}
	st, err := rpc.ReadDemoDisk(r.World.Disk(r.Node("server")))
	if err != nil || len(st.Log) != 2 {
		t.Errorf("durable state %v, %v; want the log of both executions", st, err)
	}
}

// spyDriver is the rpc driver with a look at the server before each row.
type spyDriver struct {
	*driver
	seen []serverView
}

type serverView struct {
	node   *rpc.Node
	cached int
	inc    uint32
}

func (s *spyDriver) Step(r *scenarios.SystemRun, i int) {
	v := serverView{node: s.rpcNode(r, r.Node("server"))}
	if v.node != nil {
		v.cached, v.inc = v.node.Server.Cached(), v.node.Server.Env().Incarnation()
	}
	s.seen = append(s.seen, v)
	s.driver.Step(r, i)
}

// Outcomes other than a reply: a client that gives up (ETIMEDOUT after
// max_attempts), a client that crashes with its call outstanding, a client
// that is down when its row comes.
func TestRPCCallOutcomes(t *testing.T) {
	tests := []struct {
		name, rpc, faults, result, note string
	}{
		{"gives up", "{max_attempts: 3}", "  - {at: 0s, partition: [[A], [server]]}\n", "ETIMEDOUT", "server executed it never"},
		{"client crashes", "{}", "  - {at: 0s, partition: [[A], [server]]}\n  - {at: 1.5s, crash: A}\n", "ECANCELED", "client A crashed before the reply"},
		{"client down", "{}", "  - {at: 0.5s, crash: A}\n", "EHOSTDOWN", "client A is down"},
		{"server down", "{max_attempts: 2}", "  - {at: 0.5s, crash: server}\n", "ETIMEDOUT", "server executed it never"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sys := scenariotest.RunClean(t, `name: t
systems: [rpc]
rpc: `+tc.rpc+`
workload:
  - {at: 1s, op: call, client: A, server: server, proc: increment}
faults:
`+tc.faults).Systems[0]
			st := sys.Steps[0]
			if st.Result != tc.result || !strings.Contains(st.Note, tc.note) {
				t.Errorf("result %s, note %q; want %s and %q", st.Result, st.Note, tc.result, tc.note)
			}
		})
	}
}

// Lecture, "RPC over TCP?": over the reliable transport the RPC layer sends
// each call once; the transport retransmits and suppresses duplicates, so
// even at least once over a lossy, duplicating network every call runs
// exactly once.
func TestRPCOverReliableTransport(t *testing.T) {
	sys := scenariotest.RunClean(t, `name: t
seed: 3
systems: [rpc]
rpc: {transport: reliable, semantics: at_least_once}
network: {loss: 0.3, duplicate: 0.3, delay: {dist: uniform, min: 1ms, max: 20ms}}
workload:
  - {at: 0s, op: call, client: A, server: server, proc: append, args: a}
  - {at: 0s, op: call, client: B, server: server, proc: append, args: b}
  - {at: 1s, op: call, client: A, server: server, proc: append, args: c}
  - {at: 2m, op: call, client: B, server: server, proc: read}
`).Systems[0]
	for i, st := range sys.Steps[:3] {
		if st.Result != "ok" || *st.Executions != 1 || st.Calls[0].Attempts != 1 {
			t.Errorf("row %d: result %s, executions %d, calls %+v; want ok, once, one send", i+1, st.Result, *st.Executions, st.Calls)
		}
	}
	// A's calls share one connection, so a comes before c; b may be anywhere.
	want := map[string]bool{"counter=0 log=[a b c]": true, "counter=0 log=[b a c]": true, "counter=0 log=[a c b]": true}
	if v := sys.Steps[3].Value; v == nil || !want[*v] {
		t.Errorf("read = %s; want each append once", scenariotest.Text(v))
	}
}

// A call row the demo service cannot run is refused when the scenario
// loads, at the key at fault, as `sim validate` shows it: an unknown
// procedure (with did-you-mean), args the procedure does not take, and a
// call too large for what carries it.
func TestRPCBadInput(t *testing.T) {
	long := strings.Repeat("x", udp.MaxPayload)
	tests := []struct{ rpc, row, want string }{
		{"{}", "{at: 0, op: call, client: A, server: S, proc: incremnt}",
			`test.yaml:5:51: proc: "incremnt" is not a procedure of the demo service; did you mean "increment"?`},
		{"{}", "{at: 0, op: call, client: A, server: S, proc: frobnicate}",
			`test.yaml:5:51: proc: "frobnicate" is not a procedure of the demo service (procedures: increment, append, read, sleep)`},
		{"{}", "{at: 0, op: call, client: A, server: S, proc: sleep, args: forever}",
			`test.yaml:5:64: args: rpc: sleep wants a duration from 0 to 1000000h, such as 2s or 0.5, not "forever"`},
		{"{}", "{at: 0, op: call, client: A, server: S, proc: sleep, args: -5s}",
			`test.yaml:5:64: args: rpc: sleep wants a duration from 0 to 1000000h, such as 2s or 0.5, not "-5s"`},
		{"{}", "{at: 0, op: call, client: A, server: S, proc: sleep, args: 1e300}",
			`test.yaml:5:64: args: rpc: sleep wants a duration from 0 to 1000000h, such as 2s or 0.5, not "1e300"`},
		{"{}", "{at: 0, op: call, client: A, server: S, proc: sleep}",
			`test.yaml:5:5: missing key "args": proc sleep needs args (rpc: sleep wants a duration from 0 to 1000000h, such as 2s or 0.5, not "")`},
		{"{}", "{at: 0, op: call, client: A, server: S, proc: increment, args: lots}",
			`test.yaml:5:68: args: rpc: increment takes no args`},
		{"{}", "{at: 0, op: call, client: A, server: A, proc: incremnt}",
			`test.yaml:5:42: server: a call row needs two different nodes, got A as client and server
test.yaml:5:51: proc: "incremnt" is not a procedure of the demo service; did you mean "increment"?`},
		{"{}", "{at: 0, op: call, client: A, server: S, proc: append, args: " + long + "}",
			`test.yaml:5:65: args: the call is 65576 bytes, more than one UDP datagram (rpc.transport udp) carries (65507 bytes): RPC does not fragment a call`},
		{"{transport: reliable}", "{at: 0, op: call, client: A, server: S, proc: append, args: " + long[:65450] + "}",
			`test.yaml:5:65: args: the call is 65520 bytes, more than one message of the reliable transport (rpc.transport reliable) carries (65483 bytes): RPC does not fragment a call`},
	}
	for _, tc := range tests {
		src := "name: t\nsystems: [rpc]\nrpc: " + tc.rpc + "\nworkload:\n  - " + tc.row + "\n"
		_, err := scenarios.Load("test.yaml", []byte(src))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%.80s: Load error\n%v\nwant\n%s", tc.row, err, tc.want)
		}
	}
}

// The largest call that fits loads and runs; one byte more of args is
// refused: the limit is the transport's, not a round number near it.
func TestRPCLargestCall(t *testing.T) {
	for _, tc := range []struct {
		transport string
		limit     int
	}{{"udp", udp.MaxPayload}, {"reliable", reliable.MaxPayload - 4}} { // the record mark
		// The largest n whose call fits (CallSize grows with n).
		n := sort.Search(tc.limit, func(n int) bool {
			return rpc.CallSize(rpc.DemoAppend, "A", mustArgs(t, strings.Repeat("x", n+1))) > tc.limit
		})
		src := func(n int) string {
			return "name: t\nsystems: [rpc]\nrpc: {transport: " + tc.transport + "}\nworkload:\n" +
				"  - {at: 0, op: call, client: A, server: S, proc: append, args: " + strings.Repeat("x", n) + "}\n" +
				"expect:\n  - {step: 1, result: ok, value: \"1\"}\n"
		}
		scenariotest.RunClean(t, src(n))
		if _, err := scenarios.Load("test.yaml", []byte(src(n+1))); err == nil || !strings.Contains(err.Error(), "args: the call is") {
			t.Errorf("%s: args of %d bytes: Load error %v; want the call refused", tc.transport, n+1, err)
		}
	}
}

func mustArgs(t *testing.T, text string) []byte {
	t.Helper()
	b, err := rpc.DemoArgs(rpc.ProcAppend, text)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every layer of the rpc system is where the layering pattern puts it: a
// udp.Host per node, the RPC runtime on its port.
func TestRPCNodeLayers(t *testing.T) {
	sc := scenariotest.Load(t, "name: t\nsystems: [rpc]\nworkload:\n  - {at: 0, op: call, client: A, server: S, proc: read}\n")
	d := &driver{}
	r := scenariotest.RunDriver(t, sc, "rpc", d)
	h, ok := r.World.Handler(r.Node("S")).(*udp.Host)
	if !ok {
		t.Fatalf("S's handler is %T; want *udp.Host", r.World.Handler(r.Node("S")))
	}
	if _, ok := h.Handler(Port).(*rpc.Node); !ok {
		t.Errorf("port %d holds %T; want *rpc.Node", Port, h.Handler(Port))
	}
}

// Reference: protocol facts §4 (BSD's nfs_srvcache.c) — the cache keeps the
// replies of non-idempotent procedures only: a read whose reply was lost
// runs again, unless rpc.drc_cache is all.
func TestRPCCacheKeeps(t *testing.T) {
	for _, tc := range []struct {
		opts       string
		executions int
	}{
		{"", 2},
		{", drc_cache: all", 1},
	} {
		res := scenariotest.RunClean(t, `name: t
systems: [rpc]
rpc: {semantics: at_most_once, timeout: 100ms`+tc.opts+`}
network: {delay: 10ms}
workload:
  - {at: 1s, op: call, client: A, server: server, proc: read}
  - {at: 2s, op: call, client: A, server: server, proc: increment}
faults:
  - {at: 0.95s, block: {from: server, to: A}}
  - {at: 1.05s, unblock: {from: server, to: A}}
`)
		read := res.Systems[0].Steps[0]
		if read.Result != "ok" || *read.Executions != tc.executions {
			t.Errorf("rpc: {semantics: at_most_once%s}: read %s, run %d times; want ok, %d times", tc.opts, read.Result, *read.Executions, tc.executions)
		}
	}
}

// With rpc.auth none the calls carry AUTH_NONE credentials, so no
// piggybacked acknowledgement (see rpc.AckProgram): at most once still
// holds, the results being acknowledged explicitly.
func TestRPCAuthNone(t *testing.T) {
	src := strings.Replace(appendScenario("at_most_once", "reply", false), "timeout: 100ms}", "timeout: 100ms, auth: none}", 1)
	sys := scenariotest.RunClean(t, src).Systems[0]
	app, read := sys.Steps[0], sys.Steps[1]
	if app.Result != "ok" || *app.Executions != 1 || read.Value == nil || !strings.HasSuffix(*read.Value, "log=[x]") {
		t.Errorf("append %s run %d times, read %s; want ok once, log=[x]", app.Result, *app.Executions, scenariotest.Text(read.Value))
	}
}

// A reply larger than what carries it (the log of three 30 kB appends,
// read over UDP) is SYSTEM_ERR at once. It used to vanish below: the
// client retransmitted until max_time, and the server ran the read each
// time.
func TestRPCReplyTooLarge(t *testing.T) {
	big := strings.Repeat("a", 30000)
	for _, transport := range []string{"udp", "reliable"} {
		res := scenariotest.RunClean(t, "name: t\nsystems: [rpc]\nrpc: {transport: "+transport+"}\nworkload:\n"+
			"  - {at: 0, op: call, client: A, server: S, proc: append, args: "+big+"}\n"+
			"  - {at: 1, op: call, client: A, server: S, proc: append, args: "+big+"}\n"+
			"  - {at: 2, op: call, client: A, server: S, proc: append, args: "+big+"}\n"+
			"  - {at: 3, op: call, client: A, server: S, proc: read}\n"+
			"expect:\n  - {step: 3, result: ok}\n  - {step: 4, result: ESYSTEMERR, executions: 1}\n")
		if end := res.Systems[0].End; !strings.HasPrefix(end, "3.0") {
			t.Errorf("%s: the run ended at %s; want right after the read's SYSTEM_ERR", transport, end)
		}
	}
}

// The observer keeps per-call counts only for the file's own rows, whose
// notes show them: a program's calls, lost, retransmitted, answered from
// the cache and acknowledged over a long run, leave nothing behind, so
// that the driver's memory does not grow with the run.
func TestRPCObserverForgetsProgramCalls(t *testing.T) {
	for _, sem := range []string{"at_most_once", "at_least_once"} {
		t.Run(sem, func(t *testing.T) {
			src := `name: t
systems: [rpc]
rpc: {semantics: ` + sem + `, timeout: 100ms}
network: {delay: 10ms, loss: 0.2}
workload:
  - {at: 0.5s, op: call, client: A, server: server, proc: read}
  - program:
      clients: 20
      every: 2s
      until: 60s
      think: 10ms
      steps:
        - {op: call, server: server, proc: increment}
`
			d := &driver{}
			r := scenariotest.RunDriver(t, scenariotest.Load(t, src), "rpc", d)
			if r.Result.Summary == nil || r.Result.Summary.Steps < 500 {
				t.Fatalf("summary %+v; want the program's 600 steps", r.Result.Summary)
			}
			o := d.obs
			sizes := map[string]int{"calls": len(o.calls), "executions": len(o.executions), "cached": len(o.cached),
				"dropped": len(o.dropped), "callAcks": len(o.callAcks), "probes": len(o.probes),
				"firstAck": len(o.firstAck), "live": len(o.live)}
			for name, n := range sizes {
				// The row's call, and the program's calls still
				// outstanding at the end (at most one per client).
				if n > 1+20 {
					t.Errorf("%s holds %d calls after the run; want at most 21", name, n)
				}
			}
		})
	}
}
