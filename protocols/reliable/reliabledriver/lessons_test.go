package reliabledriver_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sim-lecture/sim/protocols/reliable/reliabledriver"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// variantRun is what one variant of a built-in scenario produced.
type variantRun struct {
	sys        *report.System
	streams    []report.Stream
	delivered  int
	retrans    int
	completion time.Duration // the last stream's last delivery
}

// runVariants runs built-in scenario name and returns each variant's
// outcome, failing the test on an error or a violation.
func runVariants(t *testing.T, name string) map[string]variantRun {
	t.Helper()
	sc, err := scenarios.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := scenarios.Run(sc, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Violations) > 0 {
		t.Fatalf("%s: violations %+v", name, res.Violations)
	}
	out := map[string]variantRun{}
	for i := range res.Systems {
		sys := &res.Systems[i]
		v := variantRun{sys: sys, streams: sys.Streams()}
		for _, st := range v.streams {
			v.delivered += st.Delivered
			v.retrans += st.Retransmissions
			if c, err := time.ParseDuration(st.Completion); err == nil {
				v.completion = max(v.completion, c)
			}
		}
		out[sys.Variant] = v
	}
	return out
}

// Each mechanism of heavy_loss adds to the one before: no variant is
// slower than the one it extends, and the first, the lecture's
// transport, is far slower than the last, the default.
func TestHeavyLossLesson(t *testing.T) {
	got := runVariants(t, "heavy_loss")
	order := []string{"timer_only", "timestamps", "fast_retransmit", "sack", "default"}
	for i := 1; i < len(order); i++ {
		a, b := got[order[i-1]], got[order[i]]
		if b.completion > a.completion {
			t.Errorf("%s completes at %v, after %s (%v): the mechanism it adds did not help", order[i], b.completion, order[i-1], a.completion)
		}
	}
	if lec, def := got["timer_only"], got["default"]; lec.completion < 100*def.completion {
		t.Errorf("the lecture's transport takes %v, the default %v; want two orders of magnitude", lec.completion, def.completion)
	}
}

// Timestamps (RFC 7323) give the samples Karn's rule withholds: the same
// losses and retransmissions, far sooner done, and many more RTT samples.
func TestTimestampsVsKarnLesson(t *testing.T) {
	got := runVariants(t, "timestamps_vs_karn")
	karn, ts := got["karn"], got["timestamps"]
	if karn.completion < 10*ts.completion {
		t.Errorf("Karn %v, timestamps %v; want the backed-off RTO to make Karn ten times slower", karn.completion, ts.completion)
	}
	nk, nt := len(reliabledriver.RTTOf(karn.sys)), len(reliabledriver.RTTOf(ts.sys))
	if nt < 5*nk {
		t.Errorf("%d RTT samples with timestamps, %d under Karn; want many more", nt, nk)
	}
}

// SACK resends the holes and nothing else; cumulative ACKs resend what
// the receiver already holds.
func TestSACKVsCumulativeLesson(t *testing.T) {
	got := runVariants(t, "sack_vs_cumulative")
	cum, sack := got["cumulative"], got["sack"]
	if cum.retrans < 3*sack.retrans || cum.completion < 2*sack.completion {
		t.Errorf("cumulative: %d retransmissions, %v; SACK: %d, %v; want SACK far ahead on both", cum.retrans, cum.completion, sack.retrans, sack.completion)
	}
}

// Without congestion control or backoff the overloaded bottleneck carries
// the messages at less than half its rate; with both, at about its rate.
func TestCongestionCollapseLesson(t *testing.T) {
	got := runVariants(t, "congestion_collapse")
	const capacity = 1e6 / 8 / (1000 + 8 + 20 + 8) // messages per second the link carries
	goodput := func(v variantRun) float64 { return float64(v.delivered) / v.completion.Seconds() }
	none, reno, def := got["no_control"], got["reno"], got["default"]
	if g := goodput(none); g > capacity/2 {
		t.Errorf("no control: %.0f messages/s; want the collapse, under half of the link's %.0f", g, capacity)
	}
	for name, v := range map[string]variantRun{"reno": reno, "default (veno)": def} {
		if g := goodput(v); g < 0.9*capacity {
			t.Errorf("%s: %.0f messages/s; want about the link's %.0f", name, g, capacity)
		}
	}
	// Veno resends a little more than Reno (its losses count as random
	// until the queue's delay shows in a round), far less than no control.
	if none.retrans < 20*reno.retrans || none.retrans < 10*def.retrans {
		t.Errorf("no control resent %d segments, reno %d, the default %d; want the copies that fill the link", none.retrans, reno.retrans, def.retrans)
	}
	if len(reliabledriver.CwndOf(def.sys)) == 0 {
		t.Errorf("the default run reports no congestion window in the JSON")
	}
}

// A slow reader shuts the window; the sender waits, probing, and neither
// loses nor resends anything: the reader sets the pace.
func TestZeroWindowLesson(t *testing.T) {
	got := runVariants(t, "zero_window")
	slow, fast := got["slow_reader"], got["fast_reader"]
	if slow.retrans != 0 || slow.delivered != 20 {
		t.Errorf("slow reader: %d delivered, %d retransmissions; want all 20, none resent", slow.delivered, slow.retrans)
	}
	if note := slow.sys.Steps[0].Note; !strings.Contains(note, "advertised a zero window") || !strings.Contains(note, "zero-window probe") {
		t.Errorf("slow reader's note %q; want the zero windows and the probes", note)
	}
	// 20 messages read at 5 a second: the last read ends after 4 s.
	if slow.completion < 3900*time.Millisecond || fast.completion > 500*time.Millisecond {
		t.Errorf("slow reader done at %v, fast at %v; want the reader's pace, about 4s, and a fraction of a second", slow.completion, fast.completion)
	}
}

// A lost SYN or SYN-ACK costs the initial 1 s timeout, doubled: the data
// flows from 3 s in both variants; and the closes end in TIME_WAIT.
func TestHandshakeLossLesson(t *testing.T) {
	got := runVariants(t, "handshake_loss")
	for _, name := range []string{"syn_lost", "syn_ack_lost"} {
		v := got[name]
		first, err := time.ParseDuration(v.streams[0].Messages[0].Arrivals[0])
		if err != nil || first < 3*time.Second || first > 3100*time.Millisecond {
			t.Errorf("%s: the first message arrived at %v; want just after 3 s (SYN at 0, 1 s and 3 s)", name, first)
		}
		if !strings.Contains(v.sys.Steps[0].Note, "closed: B read the end of the stream") {
			t.Errorf("%s: note %q; want B to read the end of A's stream", name, v.sys.Steps[0].Note)
		}
		if end, _ := time.ParseDuration(v.sys.End); end < 9*time.Second {
			t.Errorf("%s: the run ended at %v; want A's TIME_WAIT of 5 s after B's close at 4 s", name, end)
		}
	}
}

// The receiver's crash shows at the sender as a RST after the restart, or
// as a timeout after max_retries; either way it gives up on what was in
// flight, and says why.
func TestCrashMidStreamLesson(t *testing.T) {
	got := runVariants(t, "crash_mid_stream")
	for name, want := range map[string]string{"restart": "peer restarted", "down": "no acknowledgment after max retries"} {
		if note := got[name].sys.Steps[0].Note; !strings.Contains(note, "given up by the transport (reliable: "+want+")") {
			t.Errorf("%s: note %q; want messages given up because %s", name, note, want)
		}
	}
	if r, d := got["restart"].delivered, got["down"].delivered; r <= d {
		t.Errorf("delivered %d with the restart, %d without; want the new connection to the new life to carry the rest", r, d)
	}
}
