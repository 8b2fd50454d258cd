package rpc

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sendTimes runs the harness in steps of 1ms for d and returns when the
// client put a call on the wire, losing every message.
func sendTimes(h *harness, d time.Duration) []time.Duration {
	var at []time.Duration
	for range int(d / ms) {
		for range h.take() {
			at = append(at, time.Duration(h.now))
		}
		h.run(ms)
	}
	return at
}

// Lecture, "Lost Ack: Issue 1": "For each missing ack, wait longer between
// retries." With Backoff the interval doubles from Timeout at every
// retransmission, up to MaxTimeout; without it, it stays at Timeout.
func TestRetransmissionBackoff(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []time.Duration // when the call went out
	}{
		{"constant", Options{Timeout: 100 * ms},
			[]time.Duration{0, 100 * ms, 200 * ms, 300 * ms, 400 * ms, 500 * ms, 600 * ms, 700 * ms, 800 * ms, 900 * ms, 1000 * ms, 1100 * ms, 1200 * ms, 1300 * ms, 1400 * ms}},
		{"doubling", Options{Timeout: 100 * ms, Backoff: true},
			[]time.Duration{0, 100 * ms, 300 * ms, 700 * ms}},
		{"capped", Options{Timeout: 100 * ms, Backoff: true, MaxTimeout: 300 * ms},
			[]time.Duration{0, 100 * ms, 300 * ms, 600 * ms, 900 * ms, 1200 * ms}},
		{"cap below the timeout: the timeout", Options{Timeout: 100 * ms, Backoff: true, MaxTimeout: 50 * ms},
			[]time.Duration{0, 100 * ms, 200 * ms, 300 * ms, 400 * ms, 500 * ms, 600 * ms, 700 * ms, 800 * ms, 900 * ms, 1000 * ms, 1100 * ms, 1200 * ms, 1300 * ms, 1400 * ms}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			rec := newRecorder()
			_, client := h.addClient("A", tt.opts, rec)
			s, _ := h.addServer("S", ServerOptions{}, rec)
			var r result
			client().Call(s.id, DemoIncrement, mustArgs(t, ProcIncrement, ""), doneFor(t, ProcIncrement, &r))
			if diff := cmp.Diff(tt.want, sendTimes(h, 1500*ms)); diff != "" {
				t.Errorf("transmissions (-want +got):\n%s", diff)
			}
		})
	}
}

// A reply ends a call's backoff: the next call starts from Timeout again.
func TestBackoffIsPerCall(t *testing.T) {
	h := newHarness(t)
	rec := newRecorder()
	_, client := h.addClient("A", Options{Timeout: 100 * ms, Backoff: true}, rec)
	s, _ := h.addServer("S", ServerOptions{}, rec)
	var r1, r2 result
	client().Call(s.id, DemoIncrement, mustArgs(t, ProcIncrement, ""), doneFor(t, ProcIncrement, &r1))
	if diff := cmp.Diff([]time.Duration{0, 100 * ms, 300 * ms}, sendTimes(h, 400*ms)); diff != "" {
		t.Fatalf("first call (-want +got):\n%s", diff)
	}
	h.run(300 * ms) // 700ms: the fourth transmission, delivered
	h.settle()
	h.run(50 * ms) // the server's disk write, then its reply
	h.settle()
	if r1.called != 1 || r1.err != nil {
		t.Fatalf("first call: %+v%s", r1, h.story())
	}
	start := time.Duration(h.now)
	client().Call(s.id, DemoIncrement, mustArgs(t, ProcIncrement, ""), doneFor(t, ProcIncrement, &r2))
	got := sendTimes(h, 200*ms)
	want := []time.Duration{start, start + 100*ms}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("second call (-want +got):\n%s", diff)
	}
}
