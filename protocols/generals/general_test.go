package generals_test

import (
	"fmt"
	"testing"

	"github.com/sim-lecture/sim/protocols/generals"
	"github.com/sim-lecture/sim/sim"
	"github.com/sim-lecture/sim/sim/simtest"
)

// notes is an Observer that writes down what it hears.
type notes []string

func (n *notes) Sent(at sim.Time, agreement, k int, from, to sim.NodeID) {
	*n = append(*n, fmt.Sprintf("sent %d/%d %d->%d", agreement, k, from, to))
}
func (n *notes) Arrived(at sim.Time, agreement, k int) {
	*n = append(*n, fmt.Sprintf("arrived %d/%d", agreement, k))
}

// relay carries messengers between two generals by hand, dropping the
// k-th messenger when k is in lose.
func relay(t *testing.T, n int, lose map[int]bool) (a, b *generals.General) {
	t.Helper()
	var obs notes
	ea, eb := simtest.New(0, "A", "B"), simtest.New(1, "A", "B")
	a, b = generals.New(ea, &obs), generals.New(eb, &obs)
	a.Propose(1, 7, n)
	for k := 1; ; k++ {
		from, to := ea, b
		if k%2 == 0 {
			from, to = eb, a
		}
		sent := from.TakeSent()
		if len(sent) == 0 {
			return a, b
		}
		if len(sent) != 1 || sent[0].Label != generals.Label(k) {
			t.Fatalf("messenger %d: sent %+v; want one %s", k, sent, generals.Label(k))
		}
		if !lose[k] {
			to.Receive(from.Self(), sent[0].Msg)
		}
	}
}

// Lecture, "Aside: Two Generals' Problem": the outcome of N messengers
// follows the first one lost. None: both attack; the last: its sender
// attacks alone; an earlier one: the chain stops and both hold back.
func TestDecisionFollowsTheFirstLostMessenger(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		lose   []int
		aA, bA bool // A attacks, B attacks
	}{
		{"plan only, arrives", 1, nil, true, true},
		{"plan only, lost", 1, []int{1}, true, false},
		{"AckAck, all arrive", 3, nil, true, true},
		{"AckAck lost", 3, []int{3}, true, false},
		{"ACK lost: the chain stops", 3, []int{2}, false, false},
		{"plan lost", 3, []int{1}, false, false},
		{"four, the last lost", 4, []int{4}, false, true},
		{"four, the second lost", 4, []int{2}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lose := map[int]bool{}
			for _, k := range tc.lose {
				lose[k] = true
			}
			a, b := relay(t, tc.n, lose)
			if got, want := [2]bool{a.Attacks(7, tc.n, true), b.Attacks(7, tc.n, false)}, [2]bool{tc.aA, tc.bA}; got != want {
				t.Errorf("A attacks, B attacks = %v; want %v", got, want)
			}
		})
	}
}

// A duplicate messenger is not answered twice, and an unreadable one is
// noted and dropped.
func TestDuplicatesAndGarbage(t *testing.T) {
	var obs notes
	ea, eb := simtest.New(0, "A", "B"), simtest.New(1, "A", "B")
	a, b := generals.New(ea, &obs), generals.New(eb, &obs)
	a.Propose(1, 0, 3)
	plan := ea.TakeSent()[0].Msg
	b.Receive(0, plan)
	b.Receive(0, plan)
	if sent := eb.TakeSent(); len(sent) != 1 || sent[0].Label != "ACK" {
		t.Errorf("B sent %+v after a duplicate plan; want one ACK", sent)
	}
	b.Receive(0, []byte{1, 2, 3})
	if len(eb.Notes) != 1 || eb.Notes[0] != "generals: unreadable messenger from A" {
		t.Errorf("notes = %q; want the unreadable messenger", eb.Notes)
	}
	want := notes{"sent 0/1 0->1", "arrived 0/1", "sent 0/2 1->0"}
	if fmt.Sprint(obs) != fmt.Sprint(want) {
		t.Errorf("observer heard %q; want %q", obs, want)
	}
}

// Labels name the messengers as the lecture does.
func TestLabel(t *testing.T) {
	for k, want := range map[int]string{1: "PLAN", 2: "ACK", 3: "ACKACK", 4: "ACKACKACK", 5: "ACK^4"} {
		if got := generals.Label(k); got != want {
			t.Errorf("Label(%d) = %q; want %q", k, got, want)
		}
	}
}
