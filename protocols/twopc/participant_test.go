package twopc_test

import (
	"testing"

	"github.com/sim-lecture/sim/protocols/twopc"
	"github.com/sim-lecture/sim/sim"
	"github.com/sim-lecture/sim/sim/simtest"
)

// prepare is the PREPARE of T1 among P1, P2 and P3.
var prepare = msg(twopc.Prepare, 1, 1, 2, 3)

// inDoubt returns participant P2 after it voted YES on T1.
func inDoubt(t *testing.T, cooperative bool, obs *heard) (*simtest.Env, *twopc.Participant) {
	t.Helper()
	env := simtest.New(p2, names...)
	p := twopc.NewParticipant(env, opts(cooperative), obs, nil)
	p.Receive(c, prepare)
	if got := sent(env); len(got) != 0 {
		t.Fatalf("voted %q before the yes record was durable", got)
	}
	want(t, "log", durable(env, p), []string{"T1 yes (coordinator C; P1, P2, P3)"})
	want(t, "vote", sent(env), []string{"YES T1 -> C"})
	want(t, "observer", obs.take(), []string{"P2 votes yes on T1"})
	if !p.InDoubt(1) {
		t.Fatal("not in doubt after voting YES")
	}
	return env, p
}

// BHG §7.4: a participant that cannot commit votes NO and aborts at
// once; a repeated PREPARE gets the same vote.
func TestParticipantVotesNo(t *testing.T) {
	var obs heard
	env := simtest.New(p2, names...)
	p := twopc.NewParticipant(env, opts(false), &obs, func(tx uint32) bool { return tx != 1 })
	p.Receive(c, prepare)
	want(t, "vote", sent(env), []string{"NO T1 -> C"})
	want(t, "observer", obs.take(), []string{"P2 votes no on T1", "P2 decides abort on T1 (voted no)"})
	p.Receive(c, prepare)
	want(t, "repeated vote", sent(env), []string{"NO T1 -> C"})
	if p.InDoubt(1) {
		t.Error("in doubt after voting NO")
	}
}

// The decision, from the coordinator or another participant, is written
// before it counts; only the coordinator gets an ACK, and a repeated
// decision is acknowledged again.
func TestParticipantLearnsTheDecision(t *testing.T) {
	tests := []struct {
		name string
		from sim.NodeID
		kind twopc.Kind
		obs  string
		sent []string
	}{
		{"COMMIT from the coordinator", c, twopc.Commit, "P2 decides commit on T1 (from C)", []string{"ACK T1 -> C"}},
		{"ABORT from the coordinator", c, twopc.Abort, "P2 decides abort on T1 (from C)", []string{"ACK T1 -> C"}},
		{"COMMIT from another participant", p1, twopc.Commit, "P2 decides commit on T1 (from P1)", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var obs heard
			env, p := inDoubt(t, true, &obs)
			p.Receive(tc.from, msg(tc.kind, 1))
			if len(obs) != 0 || len(env.Sent) != 0 {
				t.Fatalf("decided or sent before the record was durable: %q, %+v", obs, env.Sent)
			}
			durable(env, p)
			want(t, "observer", obs.take(), []string{tc.obs})
			want(t, "sent", sent(env), tc.sent)
			if live := env.LiveTimers(); len(live) != 0 {
				t.Errorf("still asking after the decision: %+v", live)
			}
			p.Receive(c, msg(tc.kind, 1))
			want(t, "repeated decision", sent(env), []string{"ACK T1 -> C"})
			other := twopc.Commit + twopc.Abort - tc.kind
			p.Receive(c, msg(other, 1))
			if got := sent(env); len(got) != 0 || len(env.Writes) != 0 {
				t.Errorf("a contrary decision was taken: sent %q, %d writes", got, len(env.Writes))
			}
		})
	}
}

// An in-doubt participant asks for the decision every RetryInterval,
// Retries times: the coordinator only, or, cooperatively, every other
// participant too.
func TestParticipantAsksWhileInDoubt(t *testing.T) {
	for _, cooperative := range []bool{false, true} {
		var obs heard
		env, p := inDoubt(t, cooperative, &obs)
		wantAsk := []string{"DECISION-REQ T1 -> C"}
		if cooperative {
			wantAsk = append(wantAsk, "DECISION-REQ T1 -> P1", "DECISION-REQ T1 -> P3")
		}
		for i := 1; i <= 3; i++ {
			if _, ok := env.FireNext(p); !ok {
				t.Fatalf("cooperative %v: question %d: no timer", cooperative, i)
			}
			if want := sim1s * int64(i); int64(env.Clock) != want {
				t.Errorf("question %d at %s; want %ds", i, env.Clock, i)
			}
			want(t, "question", sent(env), wantAsk)
		}
		if _, ok := env.FireNext(p); ok {
			t.Errorf("cooperative %v: a fourth question with Retries 3", cooperative)
		}
	}
}

// Cooperative termination, the answering side: a participant that knows
// the decision tells it; one in doubt too cannot help; one that has not
// voted aborts and answers ABORT (BHG §7.4).
func TestParticipantAnswersAnotherParticipant(t *testing.T) {
	var obs heard
	env, p := inDoubt(t, true, &obs)
	p.Receive(p1, msg(twopc.DecisionReq, 1))
	if got := sent(env); len(got) != 0 {
		t.Errorf("in doubt, it answered %q", got)
	}
	p.Receive(p1, msg(twopc.DecisionReq, 2))
	want(t, "not voted", sent(env), []string{"ABORT T2 -> P1"})
	want(t, "observer", obs.take(), []string{"P2 decides abort on T2 (asked by P1 before it voted)"})
	durable(env, p)
	p.Receive(c, msg(twopc.Prepare, 2, 1, 2, 3))
	want(t, "late PREPARE", sent(env), []string{"NO T2 -> C"})
	p.Receive(c, msg(twopc.Commit, 1))
	durable(env, p)
	sent(env)
	p.Receive(p3, msg(twopc.DecisionReq, 1))
	want(t, "decided", sent(env), []string{"COMMIT T1 -> P3"})
}

// An ABORT that overtakes the yes record's write stops the vote.
func TestParticipantAbortWhilePreparing(t *testing.T) {
	var obs heard
	env := simtest.New(p2, names...)
	p := twopc.NewParticipant(env, opts(false), &obs, nil)
	p.Receive(c, prepare)
	p.Receive(c, msg(twopc.Commit, 1))
	p.Receive(c, msg(twopc.Abort, 1))
	want(t, "log", durable(env, p), []string{"T1 yes (coordinator C; P1, P2, P3)", "T1 abort"})
	want(t, "sent", sent(env), []string{"ACK T1 -> C"})
	want(t, "observer", obs.take(), []string{"P2 decides abort on T1 (from C)"})
	if len(env.Notes) != 1 {
		t.Errorf("notes = %q; want the COMMIT before the vote", env.Notes)
	}
}

// A restarted participant reads its log: a yes record without a decision
// leaves it in doubt, asking at once; a decision is final.
func TestParticipantRecoversFromItsLog(t *testing.T) {
	var obs heard
	env, p := inDoubt(t, false, &obs)
	restarted := simtest.New(p2, names...)
	for _, k := range env.Disk().Keys() {
		v, _ := env.Disk().Get(k)
		restarted.Disk().Put(k, v)
	}
	q := twopc.NewParticipant(restarted, opts(false), &obs, nil)
	want(t, "restart", sent(restarted), []string{"DECISION-REQ T1 -> C"})
	if !q.InDoubt(1) {
		t.Error("not in doubt after a restart with a yes record")
	}
	q.Receive(c, prepare)
	want(t, "repeated PREPARE", sent(restarted), []string{"YES T1 -> C"})
	q.Receive(c, msg(twopc.Commit, 1))
	durable(restarted, q)
	sent(restarted)
	again := twopc.NewParticipant(restarted, opts(false), &obs, nil)
	if again.InDoubt(1) || len(restarted.Sent) != 0 {
		t.Errorf("after the commit record: in doubt %v, sent %+v", again.InDoubt(1), restarted.Sent)
	}
	again.Receive(c, msg(twopc.Abort, 1))
	if len(restarted.Writes) != 0 {
		t.Error("an ABORT after the commit record was taken")
	}
	_ = p
}
