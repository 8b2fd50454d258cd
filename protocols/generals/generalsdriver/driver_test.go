package generalsdriver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/scenariotest"
)

// generalsRows is a scenario with one agreement per N in 1..maxN over a
// link that loses each messenger with probability loss.
func generalsRows(seed uint64, maxN int, loss string) string {
	src := fmt.Sprintf("name: t\nseed: %d\nsystems: [two_generals]\nnetwork: {delay: 10ms, loss: %s}\nworkload:\n", seed, loss)
	for n := 1; n <= maxN; n++ {
		src += fmt.Sprintf("  - {at: %ds, op: agree, from: A, to: B, count: %d}\n", n, n)
	}
	return src
}

// Reference: protocol-facts §6, Two Generals: "in a minimal protocol the
// last message may be lost, so no decision can depend on it". Whatever the
// network does, the outcome of N messengers is decided by which one was
// lost first: none (both attack), the last (its sender attacks alone, the
// other holds back), an earlier one (the chain stops and both hold back).
func TestGeneralsOutcomeFollowsTheFirstLostMessenger(t *testing.T) {
	const maxN = 6
	for seed := uint64(1); seed <= 40; seed++ {
		sc := scenariotest.Load(t, generalsRows(seed, maxN, "0.3"))
		d := &driver{}
		r := scenariotest.RunDriver(t, sc, "two_generals", d)
		d.Finish(r)
		for i, st := range r.Result.Steps {
			n := i + 1
			arrived := 0
			for _, f := range d.flights[i] {
				if !f.arrived {
					break
				}
				arrived++
			}
			var want string
			switch {
			case arrived == n:
				want = "both attack"
			case arrived == n-1 && n%2 == 1:
				want = "A attacks alone" // the last messenger went A -> B
			case arrived == n-1:
				want = "B attacks alone"
			default:
				want = "both hold back"
			}
			if st.Value == nil || *st.Value != want {
				t.Errorf("seed %d, N=%d: %d of %d messengers arrived, value %s; want %q (%s)", seed, n, arrived, n,
					scenariotest.Text(st.Value), want, st.Note)
			}
			if len(d.flights[i]) != min(arrived+1, n) {
				t.Errorf("seed %d, N=%d: %d messengers sent after %d arrived; want the chain to stop at the first loss", seed, n,
					len(d.flights[i]), arrived)
			}
		}
	}
}

// Lecture: "Suppose generals agree after N messages. Did the arrival of the
// N'th message change decision? If yes: then what if the N'th message had
// been lost?" For every N some seed loses exactly the last messenger, and
// then the generals disagree: adding AckAcks only moves the problem.
func TestGeneralsLastMessengerLostForEveryN(t *testing.T) {
	const maxN = 8
	found := map[int]uint64{}
	for seed := uint64(1); seed <= 200 && len(found) < maxN; seed++ {
		res := scenariotest.RunClean(t, generalsRows(seed, maxN, "0.25"))
		for i, st := range res.Systems[0].Steps {
			if _, ok := found[i+1]; !ok && strings.HasSuffix(scenariotest.Text(st.Value), "attacks alone") {
				found[i+1] = seed
			}
		}
	}
	for n := 1; n <= maxN; n++ {
		if _, ok := found[n]; !ok {
			t.Errorf("N=%d: no seed in 1..200 lost the last messenger", n)
		}
	}
	t.Logf("a seed that loses the last messenger, by N: %v", found)
}

// An agreement needs two generals: refused when the scenario loads, at
// the row's to, so that `sim validate` refuses it as `sim run` would.
func TestGeneralsSameNodeIsAnError(t *testing.T) {
	_, err := scenarios.Load("test.yaml", []byte("name: t\nsystems: [two_generals]\nworkload:\n  - {at: 0, op: agree, from: A, to: A}\n"))
	if err == nil || err.Error() != "test.yaml:4:37: to: an agree row needs two different generals, got A twice" {
		t.Errorf("Load error %v; want the position of the row's to", err)
	}
}

// A general's memory is volatile: a general that crashes and restarts
// before dawn has forgotten the messengers that reached it and holds back,
// and while its node is down it cannot decide at all.
func TestGeneralsCrash(t *testing.T) {
	scenariotest.RunClean(t, `name: t
systems: [two_generals]
network: {delay: 10ms}
workload:
  - {at: 0s, op: agree, from: A, to: B, count: 2}
  - {at: 1s, op: agree, from: A, to: C, count: 2}
faults:
  - {at: 0.5s, crash: B}
  - {at: 0.6s, restart: B}
  - {at: 1.5s, crash: C}
expect:
  - {step: 1, value: A attacks alone}
  - {step: 2, value: a general is down}
`)
}

// An agreement of many messengers is described by its first and last
// messengers, not all of them: the note of a million would be 25 MB.
func TestGeneralsNoteIsBounded(t *testing.T) {
	res := scenariotest.RunClean(t, "name: t\nsystems: [two_generals]\nnetwork: {delay: 1ms}\nworkload:\n  - {at: 0, op: agree, from: A, to: B, count: 100}\n")
	note := res.Systems[0].Steps[0].Note
	for _, want := range []string{"PLAN A->B 1ms, ", "ACK^29 B->A 30ms, ... 60 more ..., ACK^90 A->B 91ms", "ACK^99 B->A 100ms; at dawn both attack"} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q; want it to contain %q", note, want)
		}
	}
}
