package messagingdriver

import (
	"fmt"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

// Evidence is what a messaging system's run records for the invariants of
// streams (report.System.Evidence): for each send row, what the sending
// application handed over and what the receiving one was handed, life by
// life.
type Evidence struct {
	Streams []StreamLog
}

// StreamLog is what became of one send row's messages.
type StreamLog struct {
	// Row is the row's index in the workload; From and To its nodes.
	Row      int
	From, To string
	// Sent holds when each message was sent, in the order of their
	// numbers (a message due while its sender was down is not sent).
	Sent []sim.Time
	// Deliveries are the copies handed to the receiving application, in
	// the order it got them.
	Deliveries []Delivery
	// GivenUp marks the messages the transport gave up on and said so to
	// the sender (each may or may not have arrived).
	GivenUp map[int]bool
	// EndCrashed says an end of the stream crashed after its first
	// message was sent (it restarted, or was down when the run ended):
	// the promise then holds per life of the receiver only.
	EndCrashed bool
}

// Delivery is one copy of a message handed to the receiving application.
type Delivery struct {
	At sim.Time
	// Seq is the message's number in its row; Altered says its bytes were
	// not the ones sent (a corruption no checksum caught).
	Seq     int
	Altered bool
	// Life numbers the receiver's life it reached (0 for the first).
	Life int
}

// evidence builds the run's Evidence from the notes of every life.
func (s *Sends) evidence(r *scenarios.SystemRun) *Evidence {
	ev := &Evidence{}
	for i := range r.Scenario.Workload {
		row := &r.Scenario.Workload[i]
		if row.Op != SendOp.Name {
			continue
		}
		from, to := r.Node(row.From), r.Node(row.To)
		st := StreamLog{Row: i, From: row.From, To: row.To, Sent: s.sends[i], GivenUp: s.givenUp[i]}
		if len(st.Sent) > 0 {
			first := st.Sent[0]
			st.EndCrashed = s.crashedSince(from, first) || s.crashedSince(to, first)
		}
		lives := s.lives[to]
		for j, a := range *s.Arrivals(to) {
			if a.Stream != i || a.Seq < 0 || a.Seq >= len(st.Sent) {
				continue
			}
			l := 0
			for l+1 < len(lives) && lives[l+1].first <= j {
				l++
			}
			st.Deliveries = append(st.Deliveries, Delivery{At: a.At, Seq: a.Seq, Altered: a.Altered, Life: l})
		}
		ev.Streams = append(ev.Streams, st)
	}
	return ev
}

// crashedSince reports whether node id began a new life after t, or is
// down at the end of the run.
func (s *Sends) crashedSince(id sim.NodeID, t sim.Time) bool {
	if !s.world.Up(id) {
		return true
	}
	for _, l := range s.lives[id] {
		if l.at > t {
			return true
		}
	}
	return false
}

// ExactlyOnceInOrder checks the promise of a reliable stream on a run's
// evidence: every message sent is handed to the receiving application
// intact, once, and in the order sent, unless the transport gave up on it
// and said so to the sender. It is the check of system reliable's
// invariant exactly_once_in_order; it is here, with the evidence, because
// every messaging system records the same evidence, so that the lecture's
// "Raw Messages: UDP" disadvantages show as this promise broken.
//
// What the transport promises with crashes is weaker, and so is the
// check: if an end of a stream crashed after its first message, messages
// may be lost and a message may reach two lives of the receiver (a
// restarted receiver has forgotten what it was handed), but within one
// life of the receiver each message still arrives at most once and in
// order. A run stopped at a bound (stopped) is not required to have
// delivered everything.
func ExactlyOnceInOrder(ev *Evidence, stopped bool) []string {
	if ev == nil {
		return nil
	}
	var bad []string
	fail := func(st *StreamLog, format string, args ...any) {
		head := fmt.Sprintf("row %d (%s to %s): ", st.Row+1, st.From, st.To)
		bad = append(bad, head+fmt.Sprintf(format, args...))
	}
	for i := range ev.Streams {
		st := &ev.Streams[i]
		copies := map[[2]int]int{} // (life, seq) -> copies
		last := map[int]int{}      // life -> highest seq delivered so far
		delivered := map[int]bool{}
		for _, d := range st.Deliveries {
			if d.Altered {
				fail(st, "message %d was handed to %s altered at %s", d.Seq, st.To, d.At)
				continue
			}
			delivered[d.Seq] = true
			key := [2]int{d.Life, d.Seq}
			copies[key]++
			if copies[key] == 2 {
				fail(st, "message %d was handed to %s twice (again at %s)", d.Seq, st.To, d.At)
			}
			if prev, ok := last[d.Life]; ok && d.Seq < prev {
				fail(st, "message %d was handed to %s at %s, after message %d", d.Seq, st.To, d.At, prev)
			}
			if prev, ok := last[d.Life]; !ok || d.Seq > prev {
				last[d.Life] = d.Seq
			}
		}
		if st.EndCrashed || stopped {
			continue
		}
		var missing []int
		for k := range st.Sent {
			if !delivered[k] && !st.GivenUp[k] {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			fail(st, "%s never reached %s, and the sender was not told (%s)", report.Plural(len(missing), "message", "messages"),
				st.To, seqList(missing))
		}
	}
	return bad
}

// seqList names message numbers: "messages 3, 4 and 9", at most ten.
func seqList(seqs []int) string {
	var parts []string
	for i, k := range seqs {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("%d more", len(seqs)-10))
			break
		}
		parts = append(parts, fmt.Sprint(k))
	}
	return "messages " + scenarios.AndList(parts)
}
