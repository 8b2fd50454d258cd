package twopc_test

import (
	"testing"

	"github.com/sim-lecture/sim/protocols/twopc"
	"github.com/sim-lecture/sim/sim/simtest"
)

// startCollecting begins T1 at a coordinator and makes its start-2PC
// record durable, so that it has sent PREPARE to every participant.
func startCollecting(t *testing.T, obs *heard) (*simtest.Env, *twopc.Coordinator) {
	t.Helper()
	env := simtest.New(c, names...)
	co := twopc.NewCoordinator(env, opts(false), obs)
	co.Begin(1, all)
	if got := sent(env); len(got) != 0 {
		t.Fatalf("sent %q before the start-2PC record was durable", got)
	}
	want(t, "log", durable(env, co), []string{"T1 start-2PC (P1, P2, P3)"})
	want(t, "phase 1", sent(env), []string{"PREPARE T1 -> P1", "PREPARE T1 -> P2", "PREPARE T1 -> P3"})
	return env, co
}

// BHG §7.4, phase 2: every YES, a forced commit record, then COMMIT to
// all; the ACKs end the transaction and stop the resending.
func TestCoordinatorCommitsWhenAllVoteYes(t *testing.T) {
	var obs heard
	env, co := startCollecting(t, &obs)
	co.Receive(p1, msg(twopc.Yes, 1))
	co.Receive(p2, msg(twopc.Yes, 1))
	co.Receive(p2, msg(twopc.Yes, 1)) // a duplicate counts once
	if len(env.Writes) != 0 {
		t.Fatalf("wrote %d records before the last vote", len(env.Writes))
	}
	co.Receive(p3, msg(twopc.Yes, 1))
	if got := sent(env); len(got) != 0 {
		t.Fatalf("sent %q before the commit record was durable", got)
	}
	want(t, "log", durable(env, co), []string{"T1 commit"})
	want(t, "observer", obs.take(), []string{"C decides commit on T1 (all voted yes)"})
	want(t, "phase 2", sent(env), []string{"COMMIT T1 -> P1", "COMMIT T1 -> P2", "COMMIT T1 -> P3"})
	for _, p := range all {
		co.Receive(p, msg(twopc.Ack, 1))
	}
	want(t, "log", durable(env, co), []string{"T1 end"})
	if live := env.LiveTimers(); len(live) != 0 {
		t.Errorf("timers still live after every ACK: %+v", live)
	}
}

// A NO, or a vote missing at the vote timeout, aborts; ABORT goes to
// those that did not vote NO, at once (the abort record need not be
// forced).
func TestCoordinatorAborts(t *testing.T) {
	tests := []struct {
		name  string
		votes map[int][]byte // participant index -> its vote
		why   string
		to    []string
	}{
		{"a no vote", map[int][]byte{0: msg(twopc.Yes, 1), 1: msg(twopc.No, 1)}, "P2 voted no",
			[]string{"ABORT T1 -> P1", "ABORT T1 -> P3"}},
		{"a missing vote", map[int][]byte{0: msg(twopc.Yes, 1), 2: msg(twopc.Yes, 1)}, "vote timeout: no vote from P2",
			[]string{"ABORT T1 -> P1", "ABORT T1 -> P2", "ABORT T1 -> P3"}},
		{"no vote at all", nil, "vote timeout: no vote from P1, P2, P3",
			[]string{"ABORT T1 -> P1", "ABORT T1 -> P2", "ABORT T1 -> P3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var obs heard
			env, co := startCollecting(t, &obs)
			for i, p := range all {
				if v, ok := tc.votes[i]; ok {
					co.Receive(p, v)
				}
			}
			if len(obs) == 0 {
				if _, ok := env.FireNext(co); !ok {
					t.Fatal("no vote timer")
				}
				if env.Clock != sim1s {
					t.Errorf("the vote timeout fired at %s; want 1s", env.Clock)
				}
			}
			want(t, "observer", obs.take(), []string{"C decides abort on T1 (" + tc.why + ")"})
			want(t, "phase 2", sent(env), tc.to)
			want(t, "log", durable(env, co), []string{"T1 abort"})
		})
	}
}

const sim1s = 1_000_000_000

// A decision not acknowledged is sent again every RetryInterval, to the
// participants that have not acknowledged it, Retries times at most.
func TestCoordinatorResendsTheDecision(t *testing.T) {
	var obs heard
	env, co := startCollecting(t, &obs)
	co.Receive(p1, msg(twopc.No, 1))
	sent(env)
	co.Receive(p2, msg(twopc.Ack, 1))
	for i := 0; i < 3; i++ {
		if _, ok := env.FireNext(co); !ok {
			t.Fatalf("resend %d: no timer", i+1)
		}
		want(t, "resend", sent(env), []string{"ABORT T1 -> P3"})
	}
	env.FireNext(co)
	if got := sent(env); len(got) != 0 || len(env.LiveTimers()) != 0 {
		t.Errorf("after 3 resends: sent %q, timers %+v; want silence", got, env.LiveTimers())
	}
	// A late vote changes nothing; a question gets the decision.
	co.Receive(p3, msg(twopc.Yes, 1))
	want(t, "late vote", sent(env), nil)
	co.Receive(p3, msg(twopc.DecisionReq, 1))
	want(t, "question", sent(env), []string{"ABORT T1 -> P3"})
}

// BHG §7.4, recovery: a restarted coordinator finishes every transaction
// its log names, and answers questions from the log.
func TestCoordinatorRecoversFromItsLog(t *testing.T) {
	tests := []struct {
		name string
		kept int // records that were durable at the crash: start-2PC, commit, end
		obs  []string
		sent []string
	}{
		{"start only: abort", 1,
			[]string{"C decides abort on T1 (restarted: no decision in the log)"},
			[]string{"ABORT T1 -> P1", "ABORT T1 -> P2", "ABORT T1 -> P3"}},
		{"commit without end: send it again", 2, nil,
			[]string{"COMMIT T1 -> P1", "COMMIT T1 -> P2", "COMMIT T1 -> P3"}},
		{"ended: nothing to do", 3, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A full run, whose writes are kept as a crash would leave
			// them: the first few durable, the rest lost.
			var obs heard
			env := simtest.New(c, names...)
			co := twopc.NewCoordinator(env, opts(false), &obs)
			co.Begin(1, all)
			var writes []simtest.Write
			land := func() {
				writes = append(writes, env.Writes...)
				durable(env, co)
			}
			land()
			for _, p := range all {
				co.Receive(p, msg(twopc.Yes, 1))
			}
			land()
			for _, p := range all {
				co.Receive(p, msg(twopc.Ack, 1))
			}
			land()
			if len(writes) != 3 {
				t.Fatalf("%d records written; want start-2PC, commit, end", len(writes))
			}
			kept := simtest.New(c, names...)
			for _, w := range writes[:tc.kept] {
				kept.Disk().Put(w.Key, w.Val)
			}
			obs.take()
			restarted := twopc.NewCoordinator(kept, opts(false), &obs)
			want(t, "observer", obs.take(), tc.obs)
			want(t, "sent", sent(kept), tc.sent)
			restarted.Receive(p2, msg(twopc.DecisionReq, 1))
			answer := "COMMIT T1 -> P2"
			if tc.kept == 1 {
				answer = "ABORT T1 -> P2"
			}
			want(t, "answer", sent(kept), []string{answer})
		})
	}
}

// A transaction the coordinator has no record of never committed: a
// question about it is answered ABORT (presumed abort), and garbage is
// noted and dropped.
func TestCoordinatorPresumesAbort(t *testing.T) {
	var obs heard
	env := simtest.New(c, names...)
	co := twopc.NewCoordinator(env, opts(false), &obs)
	co.Receive(p1, msg(twopc.DecisionReq, 9))
	co.Receive(p1, msg(twopc.Ack, 9))
	want(t, "sent", sent(env), []string{"ABORT T9 -> P1"})
	co.Receive(p1, []byte{0, 0, 0, 42})
	if len(env.Notes) != 1 {
		t.Errorf("notes = %q; want the unreadable message", env.Notes)
	}
	co.Begin(0, all)
	co.Begin(2, nil)
	if len(env.Writes) != 0 {
		t.Errorf("Begin of T0 or of no participants wrote %d records", len(env.Writes))
	}
	if len(obs) != 0 {
		t.Errorf("observer heard %q", obs)
	}
}
