package reliable

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sim-lecture/sim/sim"
)

// closeApp is the upper layer of conn tests: the recording app, which also
// notes the end of the peer's stream.
func (a *app) PeerClosed(peer sim.NodeID) { a.got = append(a.got, "EOF") }

// Reference: RFC 9293 §3.6: a FIN closes one direction (half-close): the
// peer reads everything sent before it, then the end of the stream, and
// may go on sending. The side that closed first waits in TIME_WAIT after
// both FINs; the other is closed when its FIN is acknowledged.
func TestHalfCloseAndTimeWait(t *testing.T) {
	a, b := newSide(nA, 0, Options{}), newSide(nB, 0, Options{})
	a.send(nB, "m1", "m2")
	a.ep.Close(nB)
	exchange(t, a, b)
	if diff := cmp.Diff([]string{"m1", "m2", "EOF"}, b.app.got); diff != "" {
		t.Errorf("B got (-want +got):\n%s", diff)
	}
	if sa, sb := a.ep.State(nB), b.ep.State(nA); sa != FinWait2 || sb != CloseWait {
		t.Errorf("states %v, %v; want FIN_WAIT_2, CLOSE_WAIT", sa, sb)
	}
	b.send(nA, "r1") // the other direction is still open
	rounds := exchange(t, a, b)
	if diff := cmp.Diff([][]string{{"ACK 2"}}, rounds); diff != "" {
		t.Errorf("A's answer to B's DATA (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"r1"}, a.app.got); diff != "" {
		t.Errorf("A got (-want +got):\n%s", diff)
	}
	b.ep.Close(nA)
	b.recv(nA, exchangeFrom(t, b, a)...)
	if sa, sb := a.ep.State(nB), b.ep.State(nA); sa != TimeWait || sb != Closed {
		t.Errorf("states %v, %v; want TIME_WAIT, CLOSED", sa, sb)
	}
	if diff := cmp.Diff([]string{"r1", "EOF"}, a.app.got); diff != "" {
		t.Errorf("A got (-want +got):\n%s", diff)
	}
	a.fire(t)
	if a.env.Clock != sim.Time(DefaultTimeWait) || a.ep.State(nB) != Closed {
		t.Errorf("at %v A is %v; want CLOSED after %v of TIME_WAIT", a.env.Clock, a.ep.State(nB), DefaultTimeWait)
	}
}

// exchangeFrom sends what from has to send to to, returns to's answers.
func exchangeFrom(t *testing.T, from, to *side) []packet {
	t.Helper()
	to.recv(from.env.Self(), from.take(t)...)
	return to.take(t)
}

// Reference: RFC 9293 §3.6.1: TIME_WAIT exists for the peer's copy of its
// FIN, sent again because the last ACK was lost: it is answered again, and
// TIME_WAIT restarts.
func TestTimeWaitAnswersFINCopy(t *testing.T) {
	a, b := newSide(nA, 0, Options{}), newSide(nB, 0, Options{})
	a.send(nB, "m1")
	a.ep.Close(nB)
	exchange(t, a, b)
	b.ep.Close(nA)
	fin := b.take(t)
	a.recv(nB, fin...)
	a.take(t) // the last ACK, lost
	setNow(10*time.Second, a, b)
	a.recv(nB, fin...) // B's FIN again
	if diff := cmp.Diff([]string{"ACK 2"}, labels(a.take(t))); diff != "" {
		t.Errorf("A's answer in TIME_WAIT (-want +got):\n%s", diff)
	}
	a.fire(t)
	if want := sim.Time(10*time.Second + DefaultTimeWait); a.env.Clock != want {
		t.Errorf("TIME_WAIT ended at %v; want %v, restarted by the copy", a.env.Clock, want)
	}
}

// A message sent after Close goes on a new connection, with a new SYN,
// once the first is over; one sent in TIME_WAIT opens it at once.
func TestSendAfterClose(t *testing.T) {
	a, b := newSide(nA, 0, Options{}), newSide(nB, 0, Options{})
	a.send(nB, "m1")
	a.ep.Close(nB)
	a.send(nB, "m2") // after Close: waits for the next connection
	exchange(t, a, b)
	iss := a.ep.conns[nB].snd.iss
	b.ep.Close(nA)
	b.recv(nA, exchangeFrom(t, b, a)...) // B's FIN; A's ACK, and its new SYN
	if st := a.ep.State(nB); st != SynSent || a.ep.conns[nB].snd.iss == iss {
		t.Errorf("A is %v after both closed; want SYN_SENT with a new ISN: m2 opens a new connection at once", st)
	}
	exchange(t, a, b)
	if diff := cmp.Diff([]string{"m1", "EOF", "m2"}, b.app.got); diff != "" {
		t.Errorf("B got (-want +got):\n%s", diff)
	}
}

// Reference: RFC 9293 §3.8.6: the receiver advertises what is free of its
// buffer; a slow application (ConsumeRate) fills it and shuts the window;
// the sender then sends nothing but zero-window probes (the persist timer,
// §3.8.6.1) until the window opens, and a window update opens it without
// waiting for the probe.
func TestZeroWindowAndPersist(t *testing.T) {
	rcv := Options{RecvBuffer: 300, ConsumeRate: 10}
	a, b := newSide(nA, 0, Options{}), newSide(nB, 0, rcv)
	var m []string
	for i := range 8 {
		m = append(m, fmt.Sprintf("%03d", i)+strings.Repeat(".", 97))
	}
	a.send(nB, m...)
	rounds := exchange(t, a, b)
	if diff := cmp.Diff([][]string{{"SYN"}, {"ACK 1", "DATA 1", "DATA 2", "DATA 3"}}, rounds); diff != "" {
		t.Errorf("A sends what the 300-byte window takes (-want +got):\n%s", diff)
	}
	if st := a.ep.Stats(nB); st.Queued != 5 {
		t.Errorf("A queued %d; want 5 waiting for the window", st.Queued)
	}
	// Timers: A's persist timer, B's reading. Run them in time order.
	var probes, updates int
	var log []string
	for step := 0; step < 200 && len(b.app.got) < 8; step++ {
		next := func(s *side) sim.Time {
			at := sim.Time(1 << 62)
			for _, tm := range s.env.LiveTimers() {
				at = min(at, tm.At)
			}
			return at
		}
		ta, tb := next(a), next(b)
		switch {
		case ta <= tb && ta < sim.Time(1<<62):
			setNow(ta.Duration(), a, b)
			a.fire(t)
		case tb < sim.Time(1<<62):
			setNow(tb.Duration(), a, b)
			b.fire(t)
		default:
			t.Fatalf("no timer left with %d of 8 delivered", len(b.app.got))
		}
		for range 10 {
			fa, fb := a.take(t), b.take(t)
			if len(fa)+len(fb) == 0 {
				break
			}
			for _, p := range fa {
				if p.Type == Probe {
					probes++
				}
				log = append(log, fmt.Sprintf("%v A %s", a.env.Clock, p.label))
			}
			for _, p := range fb {
				log = append(log, fmt.Sprintf("%v B %s", b.env.Clock, p.label))
			}
			b.recv(nA, fa...)
			a.recv(nB, fb...)
		}
	}
	if len(b.app.got) != 8 {
		t.Fatalf("B got %d messages; want 8\n%s", len(b.app.got), strings.Join(log, "\n"))
	}
	for i, g := range b.app.got {
		if !strings.HasPrefix(g, fmt.Sprintf("%03d", i)) {
			t.Errorf("message %d is %.3s...; want in order", i, g)
		}
	}
	updates = int(b.ep.Stats(nA).WindowUpdates)
	if probes == 0 || updates == 0 || a.ep.Stats(nB).ZeroWindowProbes != uint64(probes) {
		t.Errorf("%d probes, %d window updates; want both\n%s", probes, updates, strings.Join(log, "\n"))
	}
	if st := b.ep.Stats(nA); st.Overflows != 0 {
		t.Errorf("B dropped %d segments for a full buffer; the sender should never overrun the window", st.Overflows)
	}
	// The persist timer backs off (RFC 1122 §4.2.2.17): before the first
	// read opens the window, at 200ms, probes double their interval.
	early := 0
	for _, l := range log {
		var at time.Duration
		var who, what string
		fmt.Sscanf(l, "%v %s %s", &at, &who, &what)
		if what == "PROBE" && at < 200*time.Millisecond {
			early++
		}
	}
	if early > 9 {
		t.Errorf("%d probes before the first read; want the interval to double (at most 9)", early)
	}
	if !strings.Contains(strings.Join(log, "\n"), "win 0") {
		t.Errorf("no ACK advertised a zero window:\n%s", strings.Join(log, "\n"))
	}
}

// A stream that starts near the top of the sequence space crosses 0: the
// serial-number comparisons of RFC 1982 keep every message in order
// through losses, SACK blocks and recovery on either side of the wrap.
func TestSequenceWrap(t *testing.T) {
	opts := DefaultOptions()
	opts.ISN = 0xFFFFFFF0
	a, b := newSide(nA, 0, opts), newSide(nB, 0, opts)
	a.send(nB, "m0")
	setNow(10*time.Millisecond, a, b)
	exchange(t, a, b)
	a.send(nB, msgs("m", 40)...)
	segs := a.take(t)
	if segs[14].Seq != 0 || segs[13].Seq != 0xFFFFFFFF {
		t.Fatalf("DATA 15, 16 have Seq %#x, %#x; want 2^32-1 and 0", segs[13].Seq, segs[14].Seq)
	}
	// Lose messages on both sides of 0.
	setNow(20*time.Millisecond, a, b)
	acks := deliver(t, b, segs, 12, 15, 16, 17, 30)
	a.recv(nB, acks...)
	for round := 0; round < 20 && len(b.app.got) < 41; round++ {
		if len(a.env.Sent) == 0 {
			a.fire(t) // RACK's reordering timer, or a probe
		}
		setNow(a.env.Clock.Duration()+10*time.Millisecond, a, b)
		b.recv(nA, a.take(t)...)
		a.recv(nB, b.take(t)...)
	}
	want := append([]string{"m0"}, msgs("m", 40)...)
	if diff := cmp.Diff(want, b.app.got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	if st := a.ep.Stats(nB); st.Timeouts != 0 {
		t.Errorf("%d timeouts; want the holes repaired by SACK recovery alone", st.Timeouts)
	}
}

// Reference: RFC 9293 §3.10.2 ("error: connection closing" for a SEND in
// FIN-WAIT-1 or FIN-WAIT-2) and Linux's tcp_fin_timeout: a message sent
// after Close waits Options.FinTimeout, from the later of our FIN and its
// sending, for the peer to close; a peer that does not makes it fail with
// ErrClosing, and later sends fail at once until the connection is over.
// A peer that closes in time lets it open the next connection.
func TestSendAfterCloseFinTimeout(t *testing.T) {
	const finTimeout = 10 * time.Second
	const queuedAt = 5 * time.Second
	for _, tc := range []struct {
		name string
		// peerClosesAt is when B closes its direction; 0: never.
		peerClosesAt time.Duration
		wantFails    []failure
		wantGot      []string // at B
	}{
		{name: "peer never closes", wantGot: []string{"m1", "EOF"},
			wantFails: []failure{{Peer: nB, Msgs: []string{"m2"}, Err: ErrClosing}, {Peer: nB, Msgs: []string{"m3"}, Err: ErrClosing}}},
		{name: "peer closes just before the timeout", peerClosesAt: queuedAt + finTimeout - time.Microsecond,
			wantGot: []string{"m1", "EOF", "m2", "m3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := newSide(nA, 0, Options{FinTimeout: finTimeout}), newSide(nB, 0, Options{})
			a.send(nB, "m1")
			a.ep.Close(nB)
			exchange(t, a, b) // m1 and the FIN, at 0
			setNow(queuedAt, a, b)
			a.send(nB, "m2")
			timers := a.env.LiveTimers()
			if len(timers) != 1 || timers[0].At != sim.Time(queuedAt+finTimeout) {
				t.Fatalf("A's timers %+v; want one, the FIN-wait timer at %v (from m2, later than the FIN)", timers, queuedAt+finTimeout)
			}
			if tc.peerClosesAt > 0 {
				setNow(tc.peerClosesAt, a, b)
				b.ep.Close(nA)
				exchange(t, a, b)
				a.send(nB, "m3") // on the new connection
			} else {
				a.fire(t)
				a.send(nB, "m3") // fails at once: the connection is still half-open
				if st := a.ep.State(nB); st != FinWait2 {
					t.Errorf("A is %v; want FIN_WAIT_2: B may still send", st)
				}
			}
			exchange(t, a, b)
			if diff := cmp.Diff(tc.wantFails, a.app.fails, cmpErrors); diff != "" {
				t.Errorf("A's failures (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantGot, b.app.got); diff != "" {
				t.Errorf("B got (-want +got):\n%s", diff)
			}
		})
	}
}

// Once a half-open connection refused messages (ErrClosing), the peer's
// FIN ends it, and the next message opens a new connection as before.
func TestSendAfterFinTimeoutThenPeerCloses(t *testing.T) {
	a, b := newSide(nA, 0, Options{FinTimeout: time.Second}), newSide(nB, 0, Options{})
	a.send(nB, "m1")
	a.ep.Close(nB)
	exchange(t, a, b)
	a.send(nB, "m2")
	setNow(time.Second, a, b)
	a.fire(t) // the FIN-wait timer: m2 fails
	b.ep.Close(nA)
	exchange(t, a, b)
	if st := a.ep.State(nB); st != TimeWait {
		t.Fatalf("A is %v; want TIME_WAIT", st)
	}
	a.send(nB, "m3")
	exchange(t, a, b)
	if diff := cmp.Diff([]string{"m1", "EOF", "m3"}, b.app.got); diff != "" {
		t.Errorf("B got (-want +got):\n%s", diff)
	}
	if len(a.app.fails) != 1 || !errors.Is(a.app.fails[0].Err, ErrClosing) {
		t.Errorf("A's failures %+v; want m2's alone, with ErrClosing", a.app.fails)
	}
}
