package scenarios

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/report"
)

// mustLoad loads a scenario written in a test.
func mustLoad(t testing.TB, src string) *Scenario {
	t.Helper()
	sc, err := Load("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, src)
	}
	return sc
}

// runText loads and runs a scenario written in a test.
func runText(t testing.TB, src string) *report.Result {
	t.Helper()
	res, _, err := Run(mustLoad(t, src), Options{})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, src)
	}
	return res
}

// runSrc loads and runs a scenario written in a test and fails on any
// violation of its expectations.
func runSrc(t testing.TB, src string) *report.Result {
	t.Helper()
	res := runText(t, src)
	if len(res.Violations) > 0 {
		t.Fatalf("violations: %+v\n%s", res.Violations, src)
	}
	return res
}

// runDriver runs one system of sc with the driver d, so that a test can
// look inside the driver and the world afterwards.
func runDriver(t testing.TB, sc *Scenario, system string, d Driver) *SystemRun {
	t.Helper()
	r, err := RunDriver(sc, system, d, Options{})
	if err != nil {
		t.Fatalf("RunDriver: %v", err)
	}
	return r
}

// systemOf returns the result of one system.
func systemOf(t testing.TB, res *report.Result, name string) *report.System {
	t.Helper()
	for i := range res.Systems {
		if res.Systems[i].System == name {
			return &res.Systems[i]
		}
	}
	t.Fatalf("no system %s in the result", name)
	return nil
}

// Lecture: "Raw Messages: UDP ... only protection: checksums to ensure data
// not corrupted." Reference: RFC 1071 §1 (a single flipped bit always
// changes the one's complement sum). Every datagram is corrupted: a bare
// socket hands the damaged bytes to the application, UDP rejects them all.
func TestUDPChecksumRejectsEveryCorruptedDatagram(t *testing.T) {
	res := runSrc(t, `name: t
systems: [socket, udp]
network: {corrupt: 1}
workload:
  - {at: 0, op: send, from: A, to: B, count: 10, size: 64B, interval: 1ms}
`)
	tests := []struct {
		system                        string
		delivered, corrupted, rejects int
		fate                          string
	}{
		{"socket", 0, 10, 0, "corrupted"},
		{"udp", 0, 0, 10, "rejected"},
	}
	for _, tc := range tests {
		st := systemOf(t, res, tc.system).Streams()[0]
		if st.Delivered != tc.delivered || st.Corrupted != tc.corrupted || st.Rejected != tc.rejects {
			t.Errorf("%s: delivered %d, corrupted %d, rejected %d; want %d, %d, %d", tc.system,
				st.Delivered, st.Corrupted, st.Rejected, tc.delivered, tc.corrupted, tc.rejects)
		}
		for _, m := range st.Messages {
			if m.Fate != tc.fate {
				t.Errorf("%s: message %d fate %q; want %q", tc.system, m.Seq, m.Fate, tc.fate)
			}
		}
	}
}

// Lecture: UDP's "messages may be lost, reordered, duplicated": the checksum
// is all it adds, so loss, duplication and reordering reach the
// application exactly as they would through a bare socket (with no
// bandwidth limit both systems draw the same fate for each datagram).
func TestUDPPassesLossDuplicationAndReorderingThrough(t *testing.T) {
	res := runSrc(t, `name: t
seed: 4
systems: [socket, udp]
network: {delay: {dist: uniform, min: 1ms, max: 30ms}, loss: 0.2, duplicate: 0.3}
workload:
  - {at: 0, op: send, from: A, to: B, count: 40, size: 32B, interval: 2ms}
`)
	sock, u := systemOf(t, res, "socket").Streams()[0], systemOf(t, res, "udp").Streams()[0]
	if diff := cmp.Diff(sock, u); diff != "" {
		t.Errorf("udp differs from socket without corruption (-socket +udp):\n%s", diff)
	}
	if u.Lost == 0 || u.Duplicates == 0 || u.InOrder {
		t.Errorf("udp stream %+v; want losses, duplicates and reordering to reach the application", u)
	}
}

// A crash loses the node's UDP layer with everything in it (design rule 4):
// the restarted node has a fresh Host whose counters start from zero, and
// datagrams that reach the node while it is down are discarded. What the
// application was handed before the crash stays counted: the driver's
// notebook is outside the node. A message the sender's application tries
// to send while its own node is down is not sent.
func TestUDPCrashLosesTheHost(t *testing.T) {
	sc := mustLoad(t, `name: t
systems: [udp]
network: {delay: 5ms}
workload:
  - {at: 0, op: send, from: A, to: B, count: 10, interval: 10ms}
  - {at: 0, op: send, from: B, to: A, count: 10, interval: 10ms}
faults:
  - {at: 32ms, crash: B}
  - {at: 62ms, restart: B}
`)
	d := &udpDriver{}
	r := runDriver(t, sc, "udp", d)
	b := r.Node("B")
	tap := r.World.Handler(b).(*checksumTap)
	// After the restart B received the datagrams sent from 60ms on (70,
	// 80, 90ms: the one sent at 60ms arrives at 65ms, after the restart).
	if got, want := tap.host.Stats(), (udp.Stats{Sent: 3, Delivered: 4}); got != want {
		t.Errorf("B's Host after the restart: %+v; want %+v (a fresh Host)", got, want)
	}
	d.Finish(r)
	toB, fromB := r.Result.Streams()[0], r.Result.Streams()[1]
	if toB.Delivered != 3+4 || toB.Lost != 3 {
		t.Errorf("A->B: delivered %d, lost %d; want 7 and 3 (sent at 30, 40, 50ms: B was down when they arrived)", toB.Delivered, toB.Lost)
	}
	if fromB.Sent != 7 || !strings.Contains(r.Result.Steps[1].Note, "3 not sent: B was down") {
		t.Errorf("B->A: sent %d, note %q; want 7 sent and 3 not sent", fromB.Sent, r.Result.Steps[1].Note)
	}
}

// A message that cannot fit one datagram is bad input: a clear error with
// the row's position, not a panic or a silent loss.
func TestSendTooLargeIsAnError(t *testing.T) {
	for _, system := range []string{"udp", "reliable"} {
		sc := mustLoad(t, `name: t
systems: [`+system+`]
workload:
  - {at: 0, op: send, from: A, to: B, size: 70000B}
`)
		_, _, err := Run(sc, Options{})
		if err == nil || !strings.Contains(err.Error(), "test.yaml:4:5: size: 70000 bytes does not fit one datagram") {
			t.Errorf("%s: Run error %v; want the row's position and the limit", system, err)
		}
	}
}

// A sender that crashes and restarts mid-row: pipe and socket, like udp and
// reliable, do not send while it is down and send again from its restarted
// node (they once sent from the dead life, losing every later message). The
// runs then sent different numbers of messages, which the message table
// cannot line up (it once panicked): a variant's crash gets the stream table.
func TestSendsAcrossTheSendersRestart(t *testing.T) {
	res := runText(t, `name: t
systems: [pipe, socket, udp, reliable]
workload:
  - {at: 0, op: send, from: B, to: A, count: 20, interval: 1ms}
faults:
  - {at: 0, crash: B}
  - {at: 10ms, restart: B}
`)
	for _, sys := range res.Systems {
		st := sys.Streams()[0]
		if st.Sent != 10 || st.Delivered != 10 || !strings.Contains(sys.Steps[0].Note, "10 not sent: B was down") {
			t.Errorf("%s: sent %d, delivered %d, note %q; want 10, 10 and 10 not sent", sys.System, st.Sent, st.Delivered, sys.Steps[0].Note)
		}
	}
	for _, systems := range []string{"[pipe, udp]", "[udp]"} {
		res := runText(t, `name: t
systems: `+systems+`
workload:
  - {at: 0, op: send, from: B, to: A, count: 20, interval: 1ms}
variants:
  - name: plain
  - name: crash
    faults:
      - {at: 0, crash: B}
      - {at: 10ms, restart: B}
`)
		if got := res.Table.Columns[0]; got != "System" {
			t.Errorf("%s: table columns %q; want the stream table", systems, res.Table.Columns)
		}
	}
}
