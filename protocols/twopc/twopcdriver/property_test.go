package twopcdriver

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/sim-lecture/sim/scenarios"
)

// The atomic commitment conditions AC1-AC3 (the system's Invariants)
// hold whatever the network and the crashes do: rapid generates
// schedules of loss, duplication, reordering and corruption, crashes and
// restarts of coordinators and participants at any instant, NO votes,
// and the protocol's options, and every run must end with no violation.
// A schedule is a scenario file: when the property fails, rapid shrinks
// it and the test prints it as YAML that `sim run` reruns.

// schedule is a generated scenario. Times are in milliseconds.
type schedule struct {
	seed                       uint64
	delay, lossPct, dupPct     int
	reorderPct, corruptPct     int
	participants               int
	voteTimeout, retryInterval int
	retries                    int
	cooperative                bool
	rows                       []row
	faults                     []fault
}

type row struct {
	at          int
	coordinator string
}

type fault struct {
	at   int
	kind string // crash, restart or vote_no
	node string
}

func ms(t int) string { return fmt.Sprintf("%dms", t) }

// yaml writes the schedule as a scenario file.
func (s *schedule) yaml() string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: generated\nseed: %d\nsystems: [two_phase_commit]\n", s.seed)
	fmt.Fprintf(&b, "network: {delay: %s, loss: %d%%, duplicate: %d%%, reorder: %d%%, corrupt: %d%%}\n",
		ms(s.delay), s.lossPct, s.dupPct, s.reorderPct, s.corruptPct)
	var ps []string
	for i := 1; i <= s.participants; i++ {
		ps = append(ps, fmt.Sprintf("P%d", i))
	}
	fmt.Fprintf(&b, "two_phase_commit: {participants: [%s], vote_timeout: %s, retry_interval: %s, retries: %d, cooperative: %v}\n",
		strings.Join(ps, ", "), ms(s.voteTimeout), ms(s.retryInterval), s.retries, s.cooperative)
	b.WriteString("workload:\n")
	for _, r := range s.rows {
		fmt.Fprintf(&b, "  - {at: %s, op: commit, client: %s}\n", ms(r.at), r.coordinator)
	}
	if len(s.faults) > 0 {
		b.WriteString("faults:\n")
		for _, f := range s.faults {
			fmt.Fprintf(&b, "  - {at: %s, %s: %s}\n", ms(f.at), f.kind, f.node)
		}
	}
	return b.String()
}

func drawSchedule(t *rapid.T) *schedule {
	s := &schedule{}
	s.seed = rapid.Uint64Range(1, 1<<20).Draw(t, "seed")
	s.delay = rapid.IntRange(1, 20).Draw(t, "delay_ms")
	s.lossPct = rapid.IntRange(0, 30).Draw(t, "loss_pct")
	s.dupPct = rapid.IntRange(0, 20).Draw(t, "duplicate_pct")
	s.reorderPct = rapid.IntRange(0, 20).Draw(t, "reorder_pct")
	s.corruptPct = rapid.IntRange(0, 10).Draw(t, "corrupt_pct")
	s.participants = rapid.IntRange(1, 4).Draw(t, "participants")
	s.voteTimeout = rapid.IntRange(50, 2000).Draw(t, "vote_timeout_ms")
	s.retryInterval = rapid.IntRange(50, 2000).Draw(t, "retry_interval_ms")
	s.retries = rapid.IntRange(0, 5).Draw(t, "retries")
	s.cooperative = rapid.Bool().Draw(t, "cooperative")
	at := 0
	for i := rapid.IntRange(1, 4).Draw(t, "rows"); i > 0; i-- {
		at += rapid.IntRange(0, 1500).Draw(t, "gap_ms")
		s.rows = append(s.rows, row{at: at, coordinator: rapid.SampledFrom([]string{"C", "D"}).Draw(t, "coordinator")})
	}
	// The coordinators the rows use, then the participants: a fault may
	// only name a node the scenario has for another reason.
	var nodes []string
	for _, c := range []string{"C", "D"} {
		if slices.ContainsFunc(s.rows, func(r row) bool { return r.coordinator == c }) {
			nodes = append(nodes, c)
		}
	}
	for i := 1; i <= s.participants; i++ {
		nodes = append(nodes, fmt.Sprintf("P%d", i))
	}
	// Crashes and restarts per node, in time order: a node is crashed
	// only while up and restarted only while down.
	for _, n := range nodes {
		t0, down := 0, false
		for k := rapid.IntRange(0, 3).Draw(t, "events_"+n); k > 0; k-- {
			t0 += rapid.IntRange(1, 3000).Draw(t, "after_ms")
			kind := "crash"
			if down {
				kind = "restart"
			}
			s.faults = append(s.faults, fault{at: t0, kind: kind, node: n})
			down = !down
		}
	}
	for k := rapid.IntRange(0, 2).Draw(t, "vote_no"); k > 0; k-- {
		p := fmt.Sprintf("P%d", rapid.IntRange(1, s.participants).Draw(t, "vote_no_participant"))
		s.faults = append(s.faults, fault{at: rapid.IntRange(0, at+500).Draw(t, "vote_no_ms"), kind: "vote_no", node: p})
	}
	sort.SliceStable(s.faults, func(i, j int) bool { return s.faults[i].at < s.faults[j].at })
	return s
}

func TestAtomicCommitmentHoldsOnEverySchedule(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := drawSchedule(t)
		src := s.yaml()
		sc, err := scenarios.Load("generated.yaml", []byte(src))
		if err != nil {
			t.Fatalf("the generator wrote a bad scenario: %v\n%s", err, src)
		}
		res, _, err := scenarios.Run(sc, scenarios.Options{})
		if err != nil {
			t.Fatalf("Run: %v\n%s", err, src)
		}
		if len(res.Violations) > 0 {
			var msgs []string
			for _, v := range res.Violations {
				msgs = append(msgs, v.Message)
			}
			t.Fatalf("%s\nthe schedule, as a scenario (sim run it):\n%s", strings.Join(msgs, "\n"), src)
		}
	})
}
