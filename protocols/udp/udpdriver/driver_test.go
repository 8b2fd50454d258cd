package udpdriver

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/scenarios/scenariotest"
)

// Lecture: "Raw Messages: UDP ... only protection: checksums to ensure data
// not corrupted." Reference: RFC 1071 §1 (a single flipped bit always
// changes the one's complement sum). Every datagram is corrupted: a bare
// socket hands the damaged bytes to the application, UDP rejects them all.
func TestUDPChecksumRejectsEveryCorruptedDatagram(t *testing.T) {
	res := scenariotest.RunClean(t, `name: t
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
		st := scenariotest.SystemOf(t, res, tc.system).Streams()[0]
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
	res := scenariotest.RunClean(t, `name: t
seed: 4
systems: [socket, udp]
network: {delay: {dist: uniform, min: 1ms, max: 30ms}, loss: 0.2, duplicate: 0.3}
workload:
  - {at: 0, op: send, from: A, to: B, count: 40, size: 32B, interval: 2ms}
`)
	sock, u := scenariotest.SystemOf(t, res, "socket").Streams()[0], scenariotest.SystemOf(t, res, "udp").Streams()[0]
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
	sc := scenariotest.Load(t, `name: t
systems: [udp]
network: {delay: 5ms}
workload:
  - {at: 0, op: send, from: A, to: B, count: 10, interval: 10ms}
  - {at: 0, op: send, from: B, to: A, count: 10, interval: 10ms}
faults:
  - {at: 32ms, crash: B}
  - {at: 62ms, restart: B}
`)
	d := &driver{}
	r := scenariotest.RunDriver(t, sc, "udp", d)
	b := r.Node("B")
	tap := r.World.Handler(b).(*ChecksumTap)
	// After the restart B received the datagrams sent from 60ms on (70,
	// 80, 90ms: the one sent at 60ms arrives at 65ms, after the restart).
	if got, want := tap.Host.Stats(), (udp.Stats{Sent: 3, Delivered: 4}); got != want {
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
