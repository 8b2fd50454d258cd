package reliable

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sim-lecture/sim/sim"
)

// establish opens A's stream to B with one message, losslessly, at time 0,
// and returns the two sides.
func establish(t *testing.T, opts Options) (a, b *side) {
	t.Helper()
	a, b = newSide(nA, 0, opts), newSide(nB, 0, opts)
	a.send(nB, "m0")
	exchange(t, a, b)
	a.obs.lines, b.obs.lines = nil, nil
	return a, b
}

// deliver hands B the segments of segs whose DATA number (as labelled) is
// not in lost,
// returns B's ACKs, one per segment, and leaves them undelivered.
func deliver(t *testing.T, b *side, segs []packet, lost ...uint32) []packet {
	t.Helper()
	for _, s := range segs {
		var k uint32
		fmt.Sscanf(s.label, "DATA %d", &k)
		if !contains(lost, k) {
			b.recv(nA, s)
		}
	}
	return b.take(t)
}

func contains(xs []uint32, x uint32) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// Reference: RFC 2018 §4: the first block reports the segment that drew
// the ACK, the others the most recent blocks; three fit next to the
// timestamp option, four without it. RFC 2883 §4: a duplicate is reported
// first, followed by the block that holds it.
func TestSACKBlocks(t *testing.T) {
	tests := []struct {
		name    string
		ts      bool
		arrive  []uint32 // of DATA 2..12
		wantAck []string
	}{
		{"one hole", true, []uint32{3, 4, 5}, []string{"ACK 2 SACK 3", "ACK 2 SACK 3-4", "ACK 2 SACK 3-5"}},
		{"most recent first", true, []uint32{3, 5, 7, 9, 4},
			[]string{"ACK 2 SACK 3", "ACK 2 SACK 5 3", "ACK 2 SACK 7 5 3", "ACK 2 SACK 9 7 5", "ACK 2 SACK 3-5 9 7"}},
		{"four without timestamps", false, []uint32{3, 5, 7, 9, 11},
			[]string{"ACK 2 SACK 3", "ACK 2 SACK 5 3", "ACK 2 SACK 7 5 3", "ACK 2 SACK 9 7 5 3", "ACK 2 SACK 11 9 7 5"}},
		{"hole filled", true, []uint32{3, 4, 2}, []string{"ACK 2 SACK 3", "ACK 2 SACK 3-4", "ACK 5"}},
		{"duplicate below N", true, []uint32{2, 2}, []string{"ACK 3", "ACK 3 DSACK 2"}},
		{"duplicate buffered", true, []uint32{4, 5, 7, 4},
			[]string{"ACK 2 SACK 4", "ACK 2 SACK 4-5", "ACK 2 SACK 7 4-5", "ACK 2 DSACK 4 SACK 4-5 7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{SACK: true, Timestamps: tt.ts, Window: 16}
			a, b := establish(t, opts)
			a.send(nB, msgs("m", 11)...)
			segs := a.take(t)
			var got []string
			for _, k := range tt.arrive {
				b.recv(nA, segs[k-2])
				got = append(got, labels(b.take(t))...)
			}
			if diff := cmp.Diff(tt.wantAck, got); diff != "" {
				t.Errorf("ACKs (-want +got):\n%s", diff)
			}
		})
	}
}

// Reference: RFC 7323 §4 and RFC 6298 §5: with timestamps the answer to a
// retransmitted segment echoes the retransmission's time, so it yields a
// sample, and the first sample after a backoff collapses the RTO. Compare
// TestKarnAndCollapse and TestSYNTimeoutRTO, where the backed-off RTO
// stays.
func TestTimestampsCollapseBackoff(t *testing.T) {
	opts := Options{Timestamps: true, MinRTO: time.Second}
	a, b := establish(t, opts) // at 0 s: R = 0, RTO 1 s, the floor
	a.send(nB, "m1")
	a.take(t) // lost
	a.fire(t) // 1 s: retransmission, RTO 2 s
	a.fire(t) // 3 s: retransmission, RTO 4 s
	retx := a.take(t)
	setNow(3100*time.Millisecond, a, b)
	b.recv(nA, retx[1])
	a.recv(nB, b.take(t)...)
	// R = 100ms from the echo of the second retransmission: SRTT 12.5ms,
	// RTTVAR 25ms, RTO 112.5ms, raised to the floor: the 4 s of backoff
	// collapse to 1 s.
	want := []string{
		"1s retransmit 2", "1s rto 2s",
		"3s retransmit 2", "3s rto 4s",
		"3.1s rtt 100ms srtt 12.5ms rto 1s", "3.1s rto 1s",
	}
	if diff := cmp.Diff(want, a.obs.lines); diff != "" {
		t.Errorf("observer (-want +got):\n%s", diff)
	}
}

// Reference: RFC 7323 §4.3 (2): a segment after a hole does not update
// TS.Recent, so the ACKs it draws echo the last in-order segment's time,
// and the ACK that fills the hole echoes the retransmission's.
func TestTimestampEcho(t *testing.T) {
	opts := Options{Timestamps: true, SACK: true}
	a, b := establish(t, opts)
	setNow(10*time.Millisecond, a, b)
	a.send(nB, "m1", "m2")
	segs := a.take(t)
	setNow(20*time.Millisecond, a, b)
	b.recv(nA, segs[1]) // DATA 3 after a hole
	acks := b.take(t)
	setNow(30*time.Millisecond, a, b)
	b.recv(nA, segs[0])
	acks = append(acks, b.take(t)...)
	if len(acks) != 2 {
		t.Fatalf("ACKs %v; want two", labels(acks))
	}
	if first := tsClock(0); acks[0].TSecr != first {
		t.Errorf("the ACK of DATA 3 after a hole echoes %d; want %d, the time of DATA 1", acks[0].TSecr, first)
	}
	if want := tsClock(sim.Time(10 * time.Millisecond)); acks[1].TSecr != want {
		t.Errorf("the ACK that fills the hole echoes %d; want %d, the time of DATA 2", acks[1].TSecr, want)
	}
}

// Reference: RFC 6675 §5: DupThresh segments SACKed above a hole mark it
// lost; fast recovery starts with ssthresh = cwnd = FlightSize/2 and
// resends the hole at once; it ends when RecoveryPoint is acknowledged.
func TestSACKFastRecovery(t *testing.T) {
	opts := Options{SACK: true, FastRetransmit: true, CongestionControl: true, SMSS: 10, Window: 16}
	a, b := establish(t, opts)
	a.send(nB, "aaaaaaaaa2", "aaaaaaaaa3", "aaaaaaaaa4", "aaaaaaaaa5", "aaaaaaaaa6", "aaaaaaaaa7", "aaaaaaaaa8", "aaaaaaaaa9")
	segs := a.take(t)
	acks := deliver(t, b, segs, 3)
	if got := labels(acks); got[len(got)-1] != "ACK 3 SACK 4-9" {
		t.Fatalf("B's ACKs %v", got)
	}
	// The first two SACKs are not enough; the third marks DATA 3 lost.
	a.recv(nB, acks[1], acks[2])
	if got := labels(a.take(t)); len(got) != 0 {
		t.Errorf("after two SACKed segments A sent %v; want nothing yet", got)
	}
	a.recv(nB, acks[3])
	retx := a.take(t)
	if diff := cmp.Diff([]string{"DATA 3"}, labels(retx)); diff != "" {
		t.Errorf("fast retransmit (-want +got):\n%s", diff)
	}
	// FlightSize was 7 segments of 10 bytes when the third SACK came.
	if st := a.ep.Stats(nB); st.Cwnd != 35 || st.Ssthresh != 35 || st.Recoveries != 1 || st.FastRetransmits != 1 {
		t.Errorf("after fast retransmit %+v; want cwnd = ssthresh = 35 bytes", st)
	}
	a.recv(nB, acks[4:]...)
	b.recv(nA, retx...)
	a.recv(nB, b.take(t)...)
	if st := a.ep.Stats(nB); st.Unacked != 0 || a.ep.conns[nB].snd.recovery != notRecovering {
		t.Errorf("after the ACK of RecoveryPoint: %+v, recovery %d; want all acked, recovery over", st, a.ep.conns[nB].snd.recovery)
	}
	if diff := cmp.Diff([]string{"aaaaaaaaa2", "aaaaaaaaa3", "aaaaaaaaa4"}, b.app.got[1:4]); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

// Reference: RFC 6582 §3.2: without SACK, the third duplicate ACK resends
// the first hole and inflates cwnd to ssthresh + 3 SMSS; a partial ACK
// resends the next hole and deflates; the full ACK ends recovery with cwnd
// = min(ssthresh, FlightSize + SMSS).
func TestNewReno(t *testing.T) {
	opts := Options{FastRetransmit: true, CongestionControl: true, SMSS: 10, Window: 16}
	a, b := establish(t, opts)
	var m []string
	for i := 2; i <= 9; i++ {
		m = append(m, fmt.Sprintf("aaaaaaaaa%d", i))
	}
	a.send(nB, m...)
	segs := a.take(t)
	acks := deliver(t, b, segs, 3, 6)
	if diff := cmp.Diff([]string{"ACK 3", "ACK 3", "ACK 3", "ACK 3", "ACK 3", "ACK 3"}, labels(acks)); diff != "" {
		t.Fatalf("B's ACKs (-want +got):\n%s", diff)
	}
	a.recv(nB, acks[:4]...) // ACK 3 and three duplicates
	if diff := cmp.Diff([]string{"DATA 3"}, labels(a.take(t))); diff != "" {
		t.Errorf("fast retransmit (-want +got):\n%s", diff)
	}
	// FlightSize 70 bytes: ssthresh 35, cwnd 35 + 3·10.
	if st := a.ep.Stats(nB); st.Cwnd != 65 || st.Ssthresh != 35 {
		t.Errorf("entering recovery: cwnd %d ssthresh %d; want 65, 35", st.Cwnd, st.Ssthresh)
	}
	a.recv(nB, acks[4:]...) // two more duplicates: cwnd 85
	b.recv(nA, segs[1])     // the retransmission of DATA 3 arrives
	partial := b.take(t)
	if diff := cmp.Diff([]string{"ACK 6"}, labels(partial)); diff != "" {
		t.Fatalf("B's ACK (-want +got):\n%s", diff)
	}
	a.recv(nB, partial...)
	if diff := cmp.Diff([]string{"DATA 6"}, labels(a.take(t))); diff != "" {
		t.Errorf("partial ACK (-want +got):\n%s", diff)
	}
	// Deflated by the 30 bytes acknowledged, plus one SMSS: 85 - 30 + 10.
	if st := a.ep.Stats(nB); st.Cwnd != 65 {
		t.Errorf("after the partial ACK cwnd %d; want 65", st.Cwnd)
	}
	b.recv(nA, segs[4])
	a.recv(nB, b.take(t)...) // ACK 10: the full ACK
	// min(ssthresh, max(FlightSize, SMSS) + SMSS) with nothing in flight.
	if st := a.ep.Stats(nB); st.Cwnd != 20 || st.Unacked != 0 {
		t.Errorf("after the full ACK: %+v; want cwnd 20, nothing unacknowledged", st)
	}
}

// Reference: RFC 8985 §6.2: a segment is lost when one sent after it was
// delivered a reordering window ago, which finds a lost retransmission
// too, without waiting for the RTO.
func TestRACKLostRetransmission(t *testing.T) {
	opts := DefaultOptions()
	a, b := newSide(nA, 0, opts), newSide(nB, 0, opts)
	a.send(nB, "m0")
	setNow(10*time.Millisecond, a, b)
	exchange(t, a, b) // RTT 10ms
	a.send(nB, msgs("m", 8)...)
	segs := a.take(t)
	setNow(20*time.Millisecond, a, b)
	a.recv(nB, deliver(t, b, segs, 2)...)
	// DATA 2, lost, and DATA 9 on speculation: the rescue retransmission
	// of RFC 6675's NextSeg rule 4, since there is no new data to send.
	if diff := cmp.Diff([]string{"DATA 2", "DATA 9"}, labels(a.take(t))); diff != "" {
		t.Fatalf("first retransmissions (-want +got):\n%s", diff)
	}
	// The retransmission is lost too. A sends two new messages after it,
	// and their SACKs show them delivered while DATA 2 is not.
	setNow(22*time.Millisecond, a, b)
	a.send(nB, "n1", "n2")
	fresh := a.take(t)
	setNow(32*time.Millisecond, a, b)
	a.recv(nB, deliver(t, b, fresh)...)
	if diff := cmp.Diff([]string{"DATA 2"}, labels(a.take(t))); diff != "" {
		t.Errorf("the lost retransmission (-want +got):\n%s", diff)
	}
	if st := a.ep.Stats(nB); st.Timeouts != 0 || st.Retransmissions != 3 {
		t.Errorf("stats %+v; want three retransmissions (DATA 2 twice, the rescue) and no timeout", st)
	}
}

// Reference: RFC 8985 §7: with the last segments lost there is no ACK to
// start recovery; two SRTTs after the last send a probe resends the last
// segment, whose SACK reveals the rest.
func TestTailLossProbe(t *testing.T) {
	opts := DefaultOptions()
	a, b := newSide(nA, 0, opts), newSide(nB, 0, opts)
	a.send(nB, "m0")
	setNow(10*time.Millisecond, a, b)
	exchange(t, a, b) // SRTT 10ms: PTO 20ms
	a.send(nB, "m1", "m2", "m3", "m4")
	segs := a.take(t)
	setNow(20*time.Millisecond, a, b)
	a.recv(nB, deliver(t, b, segs, 4, 5)...)
	pto := 2 * a.ep.Stats(nB).SRTT
	a.fire(t) // the probe timer, not the 200ms RTO
	if want := sim.Time(20*time.Millisecond + pto); a.env.Clock != want {
		t.Errorf("probe at %v; want %v, 2·SRTT after the last ACK", a.env.Clock, want)
	}
	probe := a.take(t)
	if diff := cmp.Diff([]string{"DATA 5"}, labels(probe)); diff != "" {
		t.Fatalf("probe (-want +got):\n%s", diff)
	}
	setNow(50*time.Millisecond, a, b)
	b.recv(nA, probe...)
	sack := b.take(t)
	if diff := cmp.Diff([]string{"ACK 4 SACK 5"}, labels(sack)); diff != "" {
		t.Fatalf("the probe's ACK (-want +got):\n%s", diff)
	}
	a.recv(nB, sack...)
	if diff := cmp.Diff([]string{"DATA 4"}, labels(a.take(t))); diff != "" {
		t.Errorf("after the probe's SACK (-want +got):\n%s", diff)
	}
	if st := a.ep.Stats(nB); st.LossProbes != 1 || st.Timeouts != 0 {
		t.Errorf("stats %+v; want one probe, no timeout", st)
	}
}

// Reference: RFC 5681 §3.1: slow start adds one SMSS per ACK, doubling the
// window every round trip; a timeout sets ssthresh to half the flight and
// cwnd to one segment.
func TestSlowStartAndTimeout(t *testing.T) {
	opts := Options{CongestionControl: true, SMSS: 10, InitialCwnd: 1, Window: 64}
	a, b := establish(t, opts)
	var m []string
	for range 20 {
		m = append(m, "aaaaaaaaaa")
	}
	a.send(nB, m...)
	rounds := exchange(t, a, b)
	var sizes []int
	for _, r := range rounds {
		sizes = append(sizes, len(r))
	}
	// One segment, then twice as many every round trip. The first
	// message, 2 bytes, did not fill the window and did not grow it.
	if diff := cmp.Diff([]int{1, 2, 4, 8, 5}, sizes); diff != "" {
		t.Errorf("segments per round (-want +got):\n%s", diff)
	}
	a.send(nB, m[:10]...)
	if got := len(a.take(t)); got != 10 {
		t.Fatalf("sent %d; want 10", got)
	}
	a.fire(t)
	a.take(t)
	if st := a.ep.Stats(nB); st.Cwnd != 10 || st.Ssthresh != 50 {
		t.Errorf("after a timeout cwnd %d ssthresh %d; want 10 (one SMSS), 50 (half of 100 bytes)", st.Cwnd, st.Ssthresh)
	}
}

// Reference: RFC 9002 §6.2.4, as Endpoint.secondCopy applies it: with
// Veno, the second timeout in a row of a lone segment sends it twice, and
// so does every later one, while the RTO doubles (RFC 6298 (5.5)), even
// when the last round Veno measured read as congestive (as a jittery path
// reads with a large window); the first sends it once. Reno sends one copy
// each time (RFC 5681 §3.1, the loss window).
func TestSecondCopyOnRepeatedTimeout(t *testing.T) {
	tests := []struct {
		name string
		alg  Algorithm
		want [][]string
	}{
		{"veno", Veno, [][]string{{"DATA 2"}, {"DATA 2", "DATA 2"}, {"DATA 2", "DATA 2"}}},
		{"reno", Reno, [][]string{{"DATA 2"}, {"DATA 2"}, {"DATA 2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Timestamps: true, SACK: true, FastRetransmit: true, CongestionControl: true, Congestion: tt.alg}
			a, _ := establish(t, opts)
			v := &a.ep.conns[nB].snd.veno
			v.measured, v.congestive = true, true
			a.send(nB, "m1")
			a.take(t) // lost
			var got [][]string
			for range tt.want {
				a.fire(t)
				got = append(got, labels(a.take(t)))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("segments sent at each expiry (-want +got):\n%s", diff)
			}
		})
	}
}
