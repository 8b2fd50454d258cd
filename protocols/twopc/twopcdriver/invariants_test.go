package twopcdriver

import (
	"strings"
	"testing"
	"time"

	"github.com/sim-lecture/sim/protocols/twopc"
	"github.com/sim-lecture/sim/sim"
)

// lyingDisk is a node whose disk acknowledges every write after 10ms
// and keeps none of them: a write cache that lies. The protocol believes
// its records durable; a crash shows they never were.
type lyingDisk struct{ sim.Env }

func (l lyingDisk) WriteDisk(key string, val []byte, tag uint64) {
	l.SetTimer(10*time.Millisecond, tag)
}

// lyingVoter is a participant that sends YES whatever it decided.
type lyingVoter struct{ sim.Env }

func (l lyingVoter) Send(to sim.NodeID, msg []byte, label string) {
	if m, err := twopc.ParseMessage(msg); err == nil && m.Kind == twopc.No {
		m.Kind = twopc.Yes
		msg, label = m.Marshal(), m.Label()
	}
	l.Env.Send(to, msg, label)
}

// broken wraps the env of one node with f.
func broken(node string, f func(sim.Env) sim.Env) *driver {
	return &driver{wrap: func(n string, env sim.Env) sim.Env {
		if n == node {
			return f(env)
		}
		return env
	}}
}

// Each invariant holds on the honest protocol and fails on a variant
// broken the way the invariant is meant to catch: it is shown failing
// before it is trusted.
func TestInvariantsCatchBrokenVariants(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		broken    *driver
		want      []string
	}{
		{
			// 2pc_recovery's T2: COMMIT reaches P1 only, then C crashes.
			// Without a log that keeps its commit record, the restarted
			// C presumes abort, and tells P2 and P3 so.
			name: "a coordinator without a durable log breaks atomicity",
			src: "workload:\n  - {at: 1s, op: commit, client: C}\nfaults:\n" +
				"  - {at: 1.045s, block: {from: C, to: P2}}\n  - {at: 1.045s, block: {from: C, to: P3}}\n" +
				"  - {at: 1.055s, crash: C}\n  - {at: 1.06s, unblock: {from: C, to: P2}}\n  - {at: 1.06s, unblock: {from: C, to: P3}}\n" +
				"  - {at: 5s, restart: C}\n",
			broken: broken("C", func(env sim.Env) sim.Env { return lyingDisk{env} }),
			want: []string{
				"atomicity: T1: C decided commit at 1.05s, P2 abort at 5.06s",
			},
		},
		{
			// P1 commits, but its disk keeps nothing; after its restart
			// it knows nothing of T1, and when P2 asks (cooperative
			// termination) it aborts T1, as a participant that never
			// voted may.
			name: "a participant that forgets its decision reverses it",
			src: "two_phase_commit: {cooperative: true}\nworkload:\n  - {at: 1s, op: commit, client: C}\nfaults:\n" +
				"  - {at: 1.045s, block: {from: C, to: P2}}\n  - {at: 1.045s, block: {from: C, to: P3}}\n" +
				"  - {at: 1.055s, crash: C}\n  - {at: 1.5s, crash: P1}\n  - {at: 1.6s, restart: P1}\n",
			broken: broken("P1", func(env sim.Env) sim.Env { return lyingDisk{env} }),
			want: []string{
				"atomicity: T1: C decided commit at 1.05s, P1 abort at 2.04s",
				"no_reversal: T1: P1 decided commit at 1.07s, then abort at 2.04s",
			},
		},
		{
			name:   "a participant that says YES while it votes NO makes a commit without every YES",
			src:    "workload:\n  - {at: 1s, op: commit, client: C}\nfaults:\n  - {at: 0s, vote_no: P3}\n",
			broken: broken("P3", func(env sim.Env) sim.Env { return lyingVoter{env} }),
			want: []string{
				"atomicity: T1: P3 decided abort at 1.02s, C commit at 1.05s",
				"commit_needs_all_yes: T1: C decided commit at 1.05s, but P3 voted no at 1.02s",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := run(t, tc.src, &driver{}); len(got) > 0 {
				t.Errorf("the honest protocol breaks invariants: %q", got)
			}
			_, got := run(t, tc.src, tc.broken)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("broken variant:\n got  %q\n want %q", got, tc.want)
			}
		})
	}
}
