package reliable

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sim-lecture/sim/sim"
)

var cmpErrors = cmp.Comparer(func(a, b error) bool { return errors.Is(a, b) || errors.Is(b, a) })

// Lecture, "Technique #1: ACK": "Sender knows message was received"; and
// the window, of which stop-and-wait is the case Window = 1. The
// three-way handshake comes first (RFC 9293 §3.5): SYN, SYN-ACK, then the
// ACK and the data at once.
func TestWindow(t *testing.T) {
	tests := []struct {
		name   string
		window int
		rounds [][]string
	}{
		{"stop-and-wait", 1, [][]string{
			{"SYN"}, {"ACK 1", "DATA 1"}, {"DATA 2"}, {"DATA 3"}, {"DATA 4"}, {"DATA 5"}, {"DATA 6"}, {"DATA 7"},
		}},
		{"window 3", 3, [][]string{
			{"SYN"}, {"ACK 1", "DATA 1", "DATA 2", "DATA 3"}, {"DATA 4", "DATA 5", "DATA 6"}, {"DATA 7"},
		}},
		{"window 8", 8, [][]string{
			{"SYN"}, {"ACK 1", "DATA 1", "DATA 2", "DATA 3", "DATA 4", "DATA 5", "DATA 6", "DATA 7"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := newSide(nA, 0, Options{Window: tt.window}), newSide(nB, 0, Options{Window: tt.window})
			a.send(nB, msgs("m", 7)...)
			if diff := cmp.Diff(tt.rounds, exchange(t, a, b)); diff != "" {
				t.Errorf("segments A sent per round (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(msgs("m", 7), b.app.got); diff != "" {
				t.Errorf("delivered (-want +got):\n%s", diff)
			}
			st := a.ep.Stats(nB)
			if st.Acked != 7 || st.Segments != 7 || st.Unacked != 0 || st.Queued != 0 {
				t.Errorf("A stats = %+v; want 7 acked of 7 segments, none left", st)
			}
			// Reference: RFC 6298 (5.2): all acknowledged, timer stopped.
			if live := a.env.LiveTimers(); len(live) != 0 {
				t.Errorf("live timers after all acked: %+v", live)
			}
		})
	}
}

// Reference: RFC 9293 §3.5: the SYN carries an initial sequence number
// from the node's random stream (§3.4.1) and offers timestamps and SACK;
// the SYN-ACK acknowledges it and accepts what both ends offer; labels
// count from the ISNs, so that the first message is DATA 1 whatever they
// are.
func TestHandshake(t *testing.T) {
	a, b := newSide(nA, 0, DefaultOptions()), newSide(nB, 0, DefaultOptions())
	a.send(nB, "m1")
	syn := a.take(t)
	if len(syn) != 1 || syn[0].Type != SYN || !syn[0].TS || !syn[0].SACKOK || syn[0].DstInc != UnknownIncarnation {
		t.Fatalf("A sent %+v; want a SYN offering TS and SACK to an unknown incarnation", syn)
	}
	if syn[0].Window != DefaultRecvBuffer {
		t.Errorf("SYN window %d; want the whole buffer, %d", syn[0].Window, DefaultRecvBuffer)
	}
	b.recv(nA, syn...)
	synack := b.take(t)
	if len(synack) != 1 || synack[0].Type != SYNACK || synack[0].Ack != syn[0].Seq+1 || !synack[0].TS || !synack[0].SACKOK {
		t.Fatalf("B answered %+v; want a SYN-ACK of ISN+1 accepting TS and SACK", synack)
	}
	a.recv(nB, synack...)
	third := a.take(t)
	if diff := cmp.Diff([]string{"ACK 1", "DATA 1"}, labels(third)); diff != "" {
		t.Fatalf("A's third leg (-want +got):\n%s", diff)
	}
	if third[1].Seq != syn[0].Seq+1 {
		t.Errorf("DATA 1 has Seq %d; want ISN+1 = %d", third[1].Seq, syn[0].Seq+1)
	}
	if st, c := a.ep.conns[nB].state, b.ep.conns[nA].state; st != Established || c != SynReceived {
		t.Errorf("states %v, %v; want ESTABLISHED, SYN_RCVD", st, c)
	}
	b.recv(nA, third...)
	if st := b.ep.conns[nA].state; st != Established {
		t.Errorf("B after the third leg: %v; want ESTABLISHED", st)
	}
	if diff := cmp.Diff([]string{"m1"}, b.app.got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	// Options.ISN fixes the number, for tests and diagrams.
	fixed := newSide(nA, 0, Options{ISN: 0xFFFFFFF0})
	fixed.send(nB, "m1")
	if got := fixed.take(t)[0].Seq; got != 0xFFFFFFF0 {
		t.Errorf("ISN %#x; want 0xFFFFFFF0", got)
	}
}

// Reference: RFC 9293 §3.5: each leg of the handshake may be lost. A lost
// SYN or SYN-ACK is resent by the SYN's timer (RFC 6298 (2.1): 1 s). When
// the third leg is lost, the DATA behind it reaches a receiver still in
// SYN_RCVD; DATA carries no acknowledgment, so the receiver holds it and
// resends its SYN-ACK at once, and the peer's new ACK completes the
// handshake (see TestOldDuplicateSYN for why the DATA alone cannot).
func TestHandshakeLoss(t *testing.T) {
	for _, lost := range []string{"SYN", "SYN-ACK", "ACK"} {
		t.Run(lost, func(t *testing.T) {
			a, b := newSide(nA, 0, Options{}), newSide(nB, 0, Options{})
			a.send(nB, "m1")
			syn := a.take(t)
			switch lost {
			case "SYN":
				a.fire(t) // 1 s: the SYN again
				syn = a.take(t)
			case "SYN-ACK":
				b.recv(nA, syn...)
				b.take(t)
				a.fire(t) // 1 s: the SYN again, answered again
				syn = a.take(t)
			}
			b.recv(nA, syn...)
			a.recv(nB, b.take(t)...)
			third := a.take(t)
			if lost == "ACK" {
				third = third[1:]
			}
			b.recv(nA, third...)
			if lost == "ACK" {
				again := b.take(t)
				if diff := cmp.Diff([]string{"SYN-ACK"}, labels(again)); diff != "" || len(b.app.got) > 0 {
					t.Fatalf("B in SYN_RCVD got the DATA: sent (-want +got):\n%s, delivered %q; want it held", diff, b.app.got)
				}
				a.recv(nB, again...)
				b.recv(nA, a.take(t)...)
			}
			a.recv(nB, b.take(t)...)
			if diff := cmp.Diff([]string{"m1"}, b.app.got); diff != "" {
				t.Errorf("delivered (-want +got):\n%s", diff)
			}
			if sa, sb := a.ep.conns[nB].state, b.ep.conns[nA].state; sa != Established || sb != Established {
				t.Errorf("states %v, %v; want both ESTABLISHED", sa, sb)
			}
		})
	}
}

// Reference: RFC 9293 §3.5, Figure 8: both ends open at once; each SYN
// crosses the other, each end answers with a SYN-ACK of its own ISN, and
// both reach ESTABLISHED with one connection.
func TestSimultaneousOpen(t *testing.T) {
	a, b := newSide(nA, 0, Options{ISN: 100}), newSide(nB, 0, Options{ISN: 500})
	a.send(nB, "from A")
	b.send(nA, "from B")
	synA, synB := a.take(t), b.take(t)
	a.recv(nB, synB...)
	b.recv(nA, synA...)
	if diff := cmp.Diff([]string{"SYN-ACK"}, labels(a.take(t))); diff != "" {
		t.Errorf("A's answer (-want +got):\n%s", diff)
	}
	b.take(t)
	a.fire(t) // both SYN-ACKs were lost: A's timer resends its own
	exchange(t, a, b)
	if sa, sb := a.ep.conns[nB].state, b.ep.conns[nA].state; sa != Established || sb != Established {
		t.Errorf("states %v, %v; want both ESTABLISHED", sa, sb)
	}
	if diff := cmp.Diff([]string{"from B"}, a.app.got); diff != "" {
		t.Errorf("A got (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"from A"}, b.app.got); diff != "" {
		t.Errorf("B got (-want +got):\n%s", diff)
	}
}

// Lecture: "receiver knows it has seen all messages before N": one ACK N
// covers every message before N, so lost ACKs cost nothing if a later one
// arrives.
func TestCumulativeAck(t *testing.T) {
	a, b := establish(t, Options{})
	a.send(nB, "m1", "m2", "m3", "m4")
	b.recv(nA, a.take(t)...)
	acks := b.take(t)
	// m0 was DATA 1; m1..m4 are DATA 2..5.
	if diff := cmp.Diff([]string{"ACK 3", "ACK 4", "ACK 5", "ACK 6"}, labels(acks)); diff != "" {
		t.Fatalf("B's ACKs (-want +got):\n%s", diff)
	}
	a.recv(nB, acks[3]) // ACKs 3-5 are lost
	if st := a.ep.Stats(nB); st.Acked != 5 || st.Unacked != 0 {
		t.Errorf("A after ACK 6: %+v; want all 5 acked", st)
	}
	if live := a.env.LiveTimers(); len(live) != 0 {
		t.Errorf("live timers after ACK 6: %+v; want none (RFC 6298 (5.2))", live)
	}
}

// Lecture: "receiver remembers messages received after N", and TCP
// "buffers messages so arrive in order". Lecture: "Suppress message if:
// K < N; Msg K is already buffered".
func TestReceiverBufferAndSuppression(t *testing.T) {
	tests := []struct {
		name      string
		order     []int // which of DATA 1, 2, 3 arrive at B, in order
		acks      []string
		delivered []string
		dups      uint64
		ooo       uint64
	}{
		{"in order", []int{1, 2, 3}, []string{"ACK 2", "ACK 3", "ACK 4"}, []string{"m0", "m1", "m2", "m3"}, 0, 0},
		{"reversed", []int{3, 2, 1}, []string{"ACK 1", "ACK 1", "ACK 4"}, []string{"m0", "m1", "m2", "m3"}, 0, 2},
		// Lecture: "Suppress message if K < N".
		{"K < N", []int{1, 1, 2, 1}, []string{"ACK 2", "ACK 2", "ACK 3", "ACK 3"}, []string{"m0", "m1", "m2"}, 2, 0},
		// Lecture: "Suppress message if Msg K is already buffered".
		{"already buffered", []int{3, 3, 1}, []string{"ACK 1", "ACK 1", "ACK 2"}, []string{"m0", "m1"}, 1, 1},
		{"hole stays", []int{2, 3}, []string{"ACK 1", "ACK 1"}, []string{"m0"}, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := newSide(nA, 0, Options{}), newSide(nB, 0, Options{})
			a.send(nB, "m0")
			exchange(t, a, b)
			// m0 was DATA 1: the receiver's N is 2; m1..m3 are DATA 2..4.
			a.send(nB, "m1", "m2", "m3")
			data := a.take(t)
			for _, k := range tt.order {
				b.recv(nA, data[k-1])
			}
			got := labels(b.take(t))
			want := make([]string, len(tt.acks))
			for i, l := range tt.acks {
				var n int
				fmt.Sscanf(l, "ACK %d", &n)
				want[i] = fmt.Sprintf("ACK %d", n+1)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ACKs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.delivered, b.app.got); diff != "" {
				t.Errorf("delivered (-want +got):\n%s", diff)
			}
			st := b.ep.Stats(nA)
			if st.Duplicates != tt.dups || st.OutOfOrder != tt.ooo {
				t.Errorf("B duplicates %d, out of order %d; want %d, %d", st.Duplicates, st.OutOfOrder, tt.dups, tt.ooo)
			}
		})
	}
}

// Reference: RFC 6298 (5.1)-(5.6) and protocol-facts.md §1 vector C: the
// backoff doubles to the cap, Karn's rule keeps the backed-off RTO when the
// ACK of a retransmission arrives, and the next sample collapses it. The
// SYN is the first segment timed.
func TestRetransmissionTimerVectorC(t *testing.T) {
	opts := Options{G: 100 * time.Millisecond, MaxRTO: 60 * time.Second}
	a, b := newSide(nA, 0, opts), newSide(nB, 0, opts)

	a.send(nB, "m1") // (5.1): the SYN starts the timer with the initial 1 s
	first := a.take(t)
	a.fire(t) // 1 s: (5.4) resend the SYN, (5.5) RTO 2 s, (5.6)
	a.fire(t) // 3 s: RTO 4 s
	if diff := cmp.Diff([]string{"SYN", "SYN"}, labels(a.take(t))); diff != "" {
		t.Errorf("retransmissions (-want +got):\n%s", diff)
	}
	setNow(3500*time.Millisecond, a, b)
	b.recv(nA, first...)
	a.recv(nB, b.take(t)...) // SYN-ACK: no sample (Karn), RTO stays 4 s
	if got := a.ep.Stats(nB).RTO; got != 4*time.Second {
		t.Errorf("RTO after the answer to a retransmitted SYN = %v; want 4s (Karn)", got)
	}
	// DATA 1 went out with the third leg and is timed from 3.5 s.
	setNow(6*time.Second, a, b)
	b.recv(nA, a.take(t)...)
	a.recv(nB, b.take(t)...) // R = 2.5 s: the first sample
	a.send(nB, "m2")
	setNow(8*time.Second, a, b)
	b.recv(nA, a.take(t)...)
	a.recv(nB, b.take(t)...) // R = 2 s
	a.send(nB, "m3")
	for range 4 {
		a.fire(t)
	}

	want := []string{
		"0s rto 1s",
		"1s rto 2s",
		"3s rto 4s",
		"6s rtt 2.5s srtt 2.5s rto 7.5s", "6s rto 7.5s",
		"8s rtt 2s srtt 2.4375s rto 6.6875s", "8s rto 6.6875s",
		"14.6875s retransmit 3", "14.6875s rto 13.375s",
		"28.0625s retransmit 3", "28.0625s rto 26.75s",
		"54.8125s retransmit 3", "54.8125s rto 53.5s",
		"108.3125s retransmit 3", "108.3125s rto 1m0s",
	}
	if diff := cmp.Diff(want, a.obs.lines); diff != "" {
		t.Errorf("observer (-want +got):\n%s", diff)
	}
	var armed []time.Duration
	for _, tm := range a.env.Timers {
		armed = append(armed, tm.Duration)
	}
	wantArmed := []time.Duration{
		time.Second, 2 * time.Second, 4 * time.Second, // the SYN and its backoffs
		4 * time.Second,            // DATA 1 (5.1), backed-off RTO
		7500 * time.Millisecond,    // DATA 2
		6687500 * time.Microsecond, // DATA 3
		13375 * time.Millisecond, 26750 * time.Millisecond, 53500 * time.Millisecond, 60 * time.Second,
	}
	if diff := cmp.Diff(wantArmed, armed); diff != "" {
		t.Errorf("timer durations (-want +got):\n%s", diff)
	}
	if st := a.ep.Stats(nB); st.Retransmissions != 6 || st.Segments != 7 {
		t.Errorf("stats = %+v; want 6 retransmissions (2 of the SYN), 7 DATA segments", st)
	}
}

// Reference: RFC 6298 §3 (Karn): no sample from a retransmitted segment;
// "the backed-off RTO persists until a new sample ... collapses it".
func TestKarnAndCollapse(t *testing.T) {
	a, b := newSide(nA, 0, Options{}), newSide(nB, 0, Options{})
	a.send(nB, "m0")
	setNow(100*time.Millisecond, a, b)
	exchange(t, a, b) // samples: 100ms (the SYN), 0 (DATA 1, answered at once)
	before := a.ep.Stats(nB).RTO
	a.send(nB, "m1")
	a.fire(t) // retransmission, RTO doubled
	setNow(a.env.Clock.Duration()+50*time.Millisecond, a, b)
	b.recv(nA, a.take(t)[0])
	a.recv(nB, b.take(t)...)
	if got := a.ep.Stats(nB).RTO; got != 2*before {
		t.Errorf("RTO = %v; want the backed-off %v: the ACK of a retransmission is no sample", got, 2*before)
	}
	a.send(nB, "m2")
	setNow(a.env.Clock.Duration()+100*time.Millisecond, a, b)
	b.recv(nA, a.take(t)...)
	a.recv(nB, b.take(t)...)
	// A clean sample of 100ms collapses the backoff: the RTO is the
	// estimator's on the samples 100ms, 0, 100ms.
	want, _ := New(Config{})
	for _, r := range []time.Duration{100 * time.Millisecond, 0, 100 * time.Millisecond} {
		want.Sample(r)
	}
	if got := a.ep.Stats(nB); got.RTO != want.RTO() || got.SRTT != want.SRTT().Duration() {
		t.Errorf("after a clean sample RTO, SRTT = %v, %v; want %v, %v", got.RTO, got.SRTT, want.RTO(), want.SRTT().Duration())
	}
}

// Reference: RFC 6298 (5.5): "RTO <- 2·RTO", capped by (2.5), clamped from
// below by (2.4); and the lecture's fixed timeout, which never grows.
func TestBackoff(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []time.Duration // the timer's duration at each arming
	}{
		{"double to cap", Options{MaxRTO: 5 * time.Second},
			[]time.Duration{1e9, 2e9, 4e9, 5e9, 5e9, 5e9}},
		{"floor and cap", Options{MinRTO: 3 * time.Second, MaxRTO: 10 * time.Second},
			[]time.Duration{3e9, 6e9, 10e9, 10e9, 10e9, 10e9}},
		{"fixed", Options{RTO: Fixed, FixedTimeout: 200 * time.Millisecond, MaxRTO: time.Second},
			[]time.Duration{2e8, 2e8, 2e8, 2e8, 2e8, 2e8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newSide(nA, 0, tt.opts)
			a.send(nB, "m1") // the SYN, whose answer never comes
			for range len(tt.want) - 1 {
				a.fire(t)
			}
			var got []time.Duration
			for _, tm := range a.env.Timers {
				got = append(got, tm.Duration)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("timer durations (-want +got):\n%s", diff)
			}
		})
	}
}

// Reference: RFC 6298 (5.7): a connection whose SYN timed out without an
// RTT sample starts with an RTO of at least 3 s. A SYN sent twice gives
// no sample (Karn, §3), with timestamps too: their echo names the copy of
// the SYN, not whether the SYN-ACK is one the peer resent on its timer
// (TestHandshakeSampleKarn).
func TestSYNTimeoutRTO(t *testing.T) {
	for _, ts := range []bool{false, true} {
		t.Run(fmt.Sprintf("timestamps=%v", ts), func(t *testing.T) {
			opts := Options{Timestamps: ts}
			a, b := newSide(nA, 0, opts), newSide(nB, 0, opts)
			a.send(nB, "m1")
			a.take(t) // lost
			a.fire(t) // 1 s: the SYN again; RTO 2 s
			setNow(1100*time.Millisecond, a, b)
			b.recv(nA, a.take(t)...)
			a.recv(nB, b.take(t)...)
			if got, want := a.ep.Stats(nB).RTO, 3*time.Second; got != want {
				t.Errorf("RTO once established = %v; want %v", got, want)
			}
			if got := a.ep.Stats(nB).SRTT; got != 0 {
				t.Errorf("SRTT once established = %v; want no sample", got)
			}
		})
	}
}

// Reference: RFC 6298 §3 (Karn) and (2.2), for the handshake. A's first
// SYN is lost and its timer resends it (1 s); B answers that copy, but the
// SYN-ACK is lost too, and B's own timer resends it 1 s later, echoing the
// time of A's latest SYN. A round trip measured from it would be 1.01 s, a
// wait of B's timer, and as the first sample it would set SRTT and RTTVAR
// outright, for an RTO of 3 s that the weighting of RFC 7323 Appendix G
// takes hundreds of samples to bring down. A takes none from the
// handshake; the first ACK of data gives the first sample. A SYN sent
// once and answered at once does give one.
func TestHandshakeSampleKarn(t *testing.T) {
	tests := []struct {
		name      string
		lost      bool
		wantFirst string // A's first RTT sample
	}{
		{"SYN-ACK from the peer's timer", true, "2.02s rtt 10ms srtt 10ms rto 200ms"},
		{"SYN sent once, answered at once", false, "10ms rtt 10ms srtt 10ms rto 200ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Timestamps: true, MinRTO: 200 * time.Millisecond}
			a, b := newSide(nA, 0, opts), newSide(nB, 0, opts)
			a.send(nB, "m1")
			syn := a.take(t)
			if tt.lost {
				a.fire(t) // 1 s: the SYN again
				syn = a.take(t)
				setNow(time.Second, a, b)
			}
			setNow(b.env.Clock.Duration()+5*time.Millisecond, a, b)
			b.recv(nA, syn...)
			synAck := b.take(t)
			if tt.lost {
				b.fire(t) // 2.005 s: B's timer resends the SYN-ACK
				synAck = b.take(t)
			}
			setNow(b.env.Clock.Duration()+5*time.Millisecond, a, b)
			a.recv(nB, synAck...)
			data := a.take(t) // the third leg and m1
			setNow(a.env.Clock.Duration()+5*time.Millisecond, a, b)
			b.recv(nA, data...)
			setNow(a.env.Clock.Duration()+5*time.Millisecond, a, b)
			a.recv(nB, b.take(t)...)
			var first string
			for _, l := range a.obs.lines {
				if strings.Contains(l, " rtt ") {
					first = l
					break
				}
			}
			if first != tt.wantFirst {
				t.Errorf("A's first RTT sample %q; want %q (all: %q)", first, tt.wantFirst, a.obs.lines)
			}
		})
	}
}

// A fixed timeout still reports RTT samples, against the fixed RTO, so that
// a plot can compare them.
func TestFixedTimeoutObserved(t *testing.T) {
	opts := Options{RTO: Fixed, FixedTimeout: 200 * time.Millisecond}
	a, b := newSide(nA, 0, opts), newSide(nB, 0, opts)
	a.send(nB, "m1")
	setNow(50*time.Millisecond, a, b)
	exchange(t, a, b)
	a.send(nB, "m2")
	a.fire(t)
	want := []string{"0s rto 200ms", "50ms rtt 50ms srtt 50ms rto 200ms", "50ms rtt 0s srtt 43.75ms rto 200ms", "250ms retransmit 2"}
	if diff := cmp.Diff(want, a.obs.lines); diff != "" {
		t.Errorf("observer (-want +got):\n%s", diff)
	}
}

// Lecture, "Lost ACK: Issue 2": without an ACK the sender cannot tell a
// crashed receiver from a lost message. It retransmits with backoff until
// MaxRetries, then the connection fails and the application is told.
func TestPeerDownFailsAfterMaxRetries(t *testing.T) {
	a := newSide(nA, 0, Options{MaxRetries: 3})
	a.send(nB, "m1", "m2")
	for range 4 {
		a.fire(t)
	}
	if diff := cmp.Diff([]string{"SYN", "SYN", "SYN", "SYN"}, labels(a.take(t))); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
	if a.env.Clock != sim.Time(15*time.Second) {
		t.Errorf("failed at %v; want 15s (1+2+4+8)", a.env.Clock)
	}
	want := []failure{{Peer: nB, Msgs: []string{"m1", "m2"}, Err: ErrTimeout}}
	if diff := cmp.Diff(want, a.app.fails, cmpErrors); diff != "" {
		t.Errorf("Failed calls (-want +got):\n%s", diff)
	}
	st := a.ep.Stats(nB)
	if st.Retransmissions != 3 || st.Failures != 1 || st.GivenUp != 2 || st.Unacked+st.Queued != 0 {
		t.Errorf("stats = %+v", st)
	}
	if live := a.env.LiveTimers(); len(live) != 0 {
		t.Errorf("live timers after failure: %+v", live)
	}
	// The next message opens a new connection: a SYN to an incarnation
	// still unknown.
	a.send(nB, "m3")
	segs := a.take(t)
	if len(segs) != 1 || segs[0].Type != SYN || segs[0].DstInc != UnknownIncarnation {
		t.Errorf("after failure sent %+v; want a new SYN", segs)
	}
}

// RFC 9293 §3.10.7.4: a SYN from the same life of the peer with another ISN
// is a new connection; the old one's late segments are outside it and
// never delivered.
func TestNewConnectionAfterFailure(t *testing.T) {
	a, b := newSide(nA, 0, Options{MaxRetries: 1}), newSide(nB, 0, Options{})
	a.send(nB, "m1")
	exchange(t, a, b)
	a.send(nB, "m2", "m3")
	old := a.take(t)
	b.recv(nA, old[1]) // DATA 3 buffered, DATA 2 lost
	b.take(t)          // its ACK lost
	a.fire(t)          // retransmit DATA 2, lost too
	a.fire(t)          // fail
	a.take(t)
	if len(a.app.fails) != 1 {
		t.Fatalf("Failed calls = %v; want one", a.app.fails)
	}
	a.send(nB, "m4")
	exchange(t, a, b)
	b.recv(nA, old[0]) // a late copy of the old DATA 2
	b.take(t)
	if diff := cmp.Diff([]string{"m1", "m4"}, b.app.got); diff != "" {
		t.Errorf("B delivered (-want +got):\n%s", diff)
	}
}

// Rules 1, 2 and 4 of the package documentation: segments of another
// incarnation are rejected; a segment nobody has a connection for is
// answered with RST.
func TestIncarnationRules(t *testing.T) {
	tests := []struct {
		name     string
		bInc     uint32
		setup    []Segment // from A, before the segment under test
		seg      Segment
		reply    []string
		rejected uint64
	}{
		{
			name:     "DATA for an earlier life: RST",
			bInc:     1,
			seg:      Segment{Type: Data, SrcInc: 0, DstInc: 0, Seq: 5, Payload: []byte("x")},
			reply:    []string{"RST"},
			rejected: 1,
		},
		{
			name:     "ACK for an earlier life: dropped",
			bInc:     2,
			seg:      Segment{Type: Ack, SrcInc: 0, DstInc: 1, Ack: 3},
			rejected: 1,
		},
		{
			name:     "DATA from an earlier life of the peer: dropped silently",
			setup:    []Segment{{Type: SYN, SrcInc: 1, DstInc: UnknownIncarnation, Seq: 1}},
			seg:      Segment{Type: Data, SrcInc: 0, DstInc: 0, Seq: 9, Payload: []byte("ghost")},
			rejected: 1,
		},
		{
			name:  "DATA without a connection: RST",
			seg:   Segment{Type: Data, SrcInc: 4, DstInc: 0, Seq: 7, Payload: []byte("x")},
			reply: []string{"RST"},
		},
		{
			name:  "FIN without a connection: RST",
			seg:   Segment{Type: FIN, SrcInc: 4, DstInc: 0, Seq: 7},
			reply: []string{"RST"},
		},
		{
			name:  "SYN without a connection: SYN-ACK",
			seg:   Segment{Type: SYN, SrcInc: 4, DstInc: UnknownIncarnation, Seq: 7},
			reply: []string{"SYN-ACK"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newSide(nB, tt.bInc, Options{})
			b.recv(nA, pkt(tt.setup...)...)
			b.take(t)
			delivered := len(b.app.got)
			b.recv(nA, pkt(tt.seg)...)
			if diff := cmp.Diff(tt.reply, labels(b.take(t))); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
			if got := b.ep.Stats(nA).RejectedOld; got != tt.rejected {
				t.Errorf("RejectedOld = %d; want %d", got, tt.rejected)
			}
			if tt.rejected > 0 && len(b.app.got) != delivered {
				t.Errorf("a rejected segment was delivered: %v", b.app.got)
			}
			if tt.rejected > 0 && !strings.Contains(strings.Join(b.env.Notes, "\n"), "reliable: reject") {
				t.Errorf("rejection not traced: %q", b.env.Notes)
			}
		})
	}
}

// A RST that answers an outstanding segment, the SYN included, fails the
// connection ("connection refused"); any other is ignored.
func TestRSTFailsConnection(t *testing.T) {
	a := newSide(nA, 0, Options{ISN: 100})
	a.send(nB, "m1")
	a.take(t)
	a.recv(nB, pkt(Segment{Type: RST, SrcInc: 0, DstInc: 0, Seq: 9})...) // not outstanding
	if len(a.app.fails) != 0 {
		t.Fatalf("stale RST failed the connection: %v", a.app.fails)
	}
	a.recv(nB, pkt(Segment{Type: RST, SrcInc: 0, DstInc: 0, Seq: 100})...) // answers the SYN
	want := []failure{{Peer: nB, Msgs: []string{"m1"}, Err: ErrReset}}
	if diff := cmp.Diff(want, a.app.fails, cmpErrors); diff != "" {
		t.Errorf("Failed calls (-want +got):\n%s", diff)
	}
	if st := a.ep.conns[nB].state; st != Closed {
		t.Errorf("state %v; want CLOSED", st)
	}
}

// A crash loses the receiver's state and a restart starts a new
// incarnation: the sender's stale segments are answered with RST, its
// connection fails with ErrPeerRestarted, and a new connection reaches
// the new life. The restarted node's own SYN tells its peer about the
// restart.
func TestPeerRestart(t *testing.T) {
	a, b := newSide(nA, 0, Options{}), newSide(nB, 0, Options{})
	a.send(nB, "m1", "m2")
	b.send(nA, "r1")
	exchange(t, a, b)

	b = newSide(nB, 1, Options{}) // B crashed and restarted
	a.send(nB, "m3")
	b.recv(nA, a.take(t)...)
	rst := b.take(t)
	if diff := cmp.Diff([]string{"RST"}, labels(rst)); diff != "" {
		t.Fatalf("B's answer to stale DATA (-want +got):\n%s", diff)
	}
	a.recv(nB, rst...)
	want := []failure{{Peer: nB, Msgs: []string{"m3"}, Err: ErrPeerRestarted}}
	if diff := cmp.Diff(want, a.app.fails, cmpErrors); diff != "" {
		t.Errorf("Failed calls (-want +got):\n%s", diff)
	}

	a.send(nB, "m3 again")
	out := a.take(t)
	if len(out) != 1 || out[0].Type != SYN || out[0].DstInc != 1 {
		t.Errorf("A's new connection starts with %+v; want a SYN to incarnation 1", out)
	}
	b.recv(nA, out...)
	b.send(nA, "r1 of life 1")
	exchange(t, a, b)
	if diff := cmp.Diff([]string{"m3 again"}, b.app.got); diff != "" {
		t.Errorf("B's new life got (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"r1", "r1 of life 1"}, a.app.got); diff != "" {
		t.Errorf("A got (-want +got):\n%s", diff)
	}
}

// The upper layer's timers and disk writes pass through with their tags;
// the Endpoint's own are marked with bit 47 and never reach it.
func TestUpperTags(t *testing.T) {
	a := newSide(nA, 0, Options{})
	a.app.env.SetTimer(time.Second, 5)
	a.app.env.WriteDisk("k", []byte("v"), 6)
	a.send(nB, "m1") // arms the SYN's retransmission timer at 1 s
	if got := a.env.Timers[0].Tag; got != 5 {
		t.Errorf("upper timer tag on the wire = %#x; want 5", got)
	}
	if got := a.env.Timers[1].Tag; got>>UpperTagBits != 1 {
		t.Errorf("own timer tag %#x lacks bit 47", got)
	}
	if got := a.env.Writes[0].Tag; got != 6 {
		t.Errorf("upper disk tag = %#x; want 6", got)
	}
	a.fire(t)
	a.fire(t)
	a.ep.Timer(6)
	if diff := cmp.Diff([]uint64{5, 6}, a.app.timers); diff != "" {
		t.Errorf("upper timers (-want +got):\n%s", diff)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("a 48-bit upper tag did not panic")
		}
	}()
	a.app.env.SetTimer(time.Second, 1<<UpperTagBits)
}

// A message that cannot fit one datagram is refused through Failed, not
// silently retransmitted forever; bytes that are not a segment are counted.
func TestTooLongAndMalformed(t *testing.T) {
	a := newSide(nA, 0, Options{})
	a.send(nB, strings.Repeat("x", MaxPayload+1))
	if len(a.env.Sent) != 0 {
		t.Errorf("an oversized message was sent")
	}
	if len(a.app.fails) != 1 || !errors.Is(a.app.fails[0].Err, ErrTooLong) {
		t.Errorf("Failed calls = %v; want one ErrTooLong", a.app.fails)
	}
	a.ep.Receive(nB, []byte{1, 2, 3})
	if st := a.ep.Stats(nB); st.Malformed != 1 {
		t.Errorf("Malformed = %d; want 1", st.Malformed)
	}
}

// Stats are kept per peer and summed by Total; Peers lists connections in
// order, whatever the map's order. A node may talk to itself: its SYN
// meets itself, as in a simultaneous open.
func TestStatsTotalAndPeers(t *testing.T) {
	a := newSide(nA, 0, Options{})
	b := newSide(nB, 0, Options{})
	a.send(nB, "m1", "m2")
	a.send(nA, "self")
	for range 10 {
		for _, m := range a.env.TakeSent() {
			if m.To == nA {
				a.ep.Receive(nA, m.Msg)
			} else {
				b.ep.Receive(nA, m.Msg)
			}
		}
		a.recv(nB, b.take(t)...)
	}
	if diff := cmp.Diff([]string{"self"}, a.app.got); diff != "" {
		t.Errorf("A got (-want +got):\n%s", diff)
	}
	if got := a.ep.Peers(); !cmp.Equal(got, []sim.NodeID{nA, nB}) {
		t.Errorf("Peers() = %v; want [0 1]", got)
	}
	tot := a.ep.Total()
	if tot.Sent != 3 || tot.Acked != 3 || tot.Delivered != 1 || tot.RTO != 0 {
		t.Errorf("Total() = %+v", tot)
	}
}

// Reference: RFC 5681 §3.2: "The fast retransmit algorithm uses the arrival
// of 3 duplicate ACKs ... as an indication that a segment has been lost",
// and retransmits it without waiting for the timer. Off, the transport
// waits for its timer (the lecture's transport).
func TestFastRetransmit(t *testing.T) {
	for _, fast := range []bool{false, true} {
		t.Run(fmt.Sprintf("fast=%v", fast), func(t *testing.T) {
			opts := Options{Window: 8, FastRetransmit: fast}
			a, b := establish(t, opts)
			a.send(nB, "m2", "m3", "m4", "m5", "m6")
			segs := a.take(t) // DATA 2..6
			rto := a.ep.Stats(nB).RTO
			b.recv(nA, segs[1:]...)  // DATA 2 is lost
			a.recv(nB, b.take(t)...) // four duplicate ACK 2s
			got := labels(a.take(t))
			want := []string(nil)
			if fast {
				want = []string{"DATA 2"}
			}
			if !cmp.Equal(got, want) {
				t.Fatalf("after the duplicate ACKs A sent %v; want %v", got, want)
			}
			if st := a.ep.Stats(nB); fast && (st.Retransmissions != 1 || st.RTO != rto) {
				t.Errorf("stats %+v; want 1 retransmission and no backoff (RTO %v)", st, rto)
			}
		})
	}
}

// Reference: RFC 9293 §3.5, Figure 10, "recovery from old duplicate SYN".
// A late copy of the SYN that opened a connection already over reaches B,
// which opens a new one; a late copy of that connection's DATA follows.
// B must not deliver it: it holds it and asks with its SYN-ACK, A, which
// has no such connection, answers with RST, and B's half-open connection
// ends quietly, the application told nothing.
func TestOldDuplicateSYN(t *testing.T) {
	old := newSide(nA, 0, DefaultOptions())
	old.send(nB, "m1")
	syn := old.take(t)
	data := pkt(Segment{Type: Data, SrcInc: 0, DstInc: 0, Seq: syn[0].Seq + 1, Payload: []byte("m1")})
	b := newSide(nB, 0, DefaultOptions())
	b.recv(nA, syn...)
	b.take(t) // the SYN-ACK
	b.recv(nA, data...)
	if len(b.app.got) > 0 {
		t.Fatalf("B delivered %q from a connection it never completed", b.app.got)
	}
	synAck := b.take(t)
	if diff := cmp.Diff([]string{"SYN-ACK"}, labels(synAck)); diff != "" {
		t.Fatalf("B's answer to the DATA (-want +got):\n%s", diff)
	}
	a := newSide(nA, 0, DefaultOptions()) // A, long done with that connection
	a.recv(nB, synAck...)
	rst := a.take(t)
	if diff := cmp.Diff([]string{"RST"}, labels(rst)); diff != "" {
		t.Fatalf("A's answer to the SYN-ACK (-want +got):\n%s", diff)
	}
	b.recv(nA, rst...)
	if st := b.ep.conns[nA].state; st != Closed || len(b.app.got) > 0 || len(b.app.fails) > 0 {
		t.Errorf("B: %v, delivered %q, failures %v; want CLOSED, nothing delivered, nothing failed", st, b.app.got, b.app.fails)
	}
	b.recv(nA, data...) // another late copy: no connection now
	if got := labels(b.take(t)); len(b.app.got) > 0 || !cmp.Equal(got, []string{"RST"}) {
		t.Errorf("the DATA again: B delivered %q and sent %v; want nothing delivered, a RST", b.app.got, got)
	}
}

// TestQueuedBytesFollowsTheQueue: the QueuedBytes gauge is the payload
// waiting for the window (nothing but the SYN goes before the handshake),
// and falls as the window opens.
func TestQueuedBytesFollowsTheQueue(t *testing.T) {
	a, b := newSide(nA, 0, DefaultOptions()), newSide(nB, 0, DefaultOptions())
	a.send(nB, "aaaa", "bbbbbb", "cc")
	if got := a.ep.Stats(nB); got.Queued != 3 || got.QueuedBytes != 12 {
		t.Fatalf("queued %d messages, %d bytes; want 3, 12", got.Queued, got.QueuedBytes)
	}
	exchange(t, a, b)
	if got := a.ep.Stats(nB); got.Queued != 0 || got.QueuedBytes != 0 {
		t.Fatalf("after the handshake: queued %d messages, %d bytes; want 0, 0", got.Queued, got.QueuedBytes)
	}
	if len(b.app.got) != 3 {
		t.Fatalf("B got %q; want the three messages", b.app.got)
	}
}

// Reference: RFC 9293 §3.5, a lost third leg. B, in SYN_RCVD, holds the
// DATA that reaches it and resends its SYN-ACK once per burst of A's: a
// window sent at one instant (one TSval) draws one SYN-ACK, and A's next
// burst, its timer's retransmission, draws another even within B's RTO;
// without timestamps, B cannot tell bursts apart and waits its RTO. Once
// the handshake completes, the ACK of the held DATA echoes no timestamp:
// the DATA waited, and the echo would hand A that wait as a round trip.
func TestSynReceivedAnswersEachBurst(t *testing.T) {
	for _, ts := range []bool{true, false} {
		t.Run(fmt.Sprintf("timestamps=%v", ts), func(t *testing.T) {
			opts := Options{Timestamps: ts}
			a, b := newSide(nA, 0, opts), newSide(nB, 0, opts)
			a.send(nB, "m1", "m2")
			b.recv(nA, a.take(t)...)
			a.recv(nB, b.take(t)...)
			burst := a.take(t)[1:] // the third leg is lost; DATA 1 and 2
			b.recv(nA, burst...)
			if got := labels(b.take(t)); !slices.Equal(got, []string{"SYN-ACK"}) {
				t.Fatalf("B answered the first burst with %q; want one SYN-ACK", got)
			}
			setNow(400*time.Millisecond, a, b)
			a.fire(t) // A's retransmission, within B's RTO of 1 s
			b.recv(nA, a.take(t)...)
			again := b.take(t)
			want := []string{"SYN-ACK"}
			if !ts {
				want = nil
			}
			if got := labels(again); !slices.Equal(got, want) {
				t.Fatalf("B answered A's retransmission with %q; want %q", got, want)
			}
			if !ts {
				return
			}
			a.recv(nB, again...)
			b.recv(nA, a.take(t)...) // the third leg again: B delivers m1, m2
			acks := b.take(t)
			if len(acks) != 1 || acks[0].Type != Ack || acks[0].TS || len(b.app.got) != 2 {
				t.Fatalf("B sent %q (TS %v), delivered %q; want one ACK without an echo, two messages", labels(acks), len(acks) > 0 && acks[0].TS, b.app.got)
			}
		})
	}
}
