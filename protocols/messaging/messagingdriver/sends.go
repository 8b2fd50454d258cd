package messagingdriver

import (
	"fmt"
	"strings"

	"github.com/sim-lecture/sim/protocols/messaging"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

// Sends is the bookkeeping of a run's send rows that every messaging
// system shares: when each message was sent, what each node's application
// was handed, what could not be sent, and the copies a checksum rejected.
// It lives outside every node, so it survives crashes: it is the
// driver's notebook, not protocol state.
type Sends struct {
	// seen[node] is everything the application on node was handed,
	// across all its lives.
	seen map[sim.NodeID]*[]messaging.Arrival
	// sends[i][k] is when message k of row i was sent.
	sends map[int][]sim.Time
	// unsent[i] counts messages of row i the application could not send
	// because its node was down.
	unsent map[int]int
	// skip is how many header bytes precede the application's message in
	// a datagram (the UDP header; and the segment header over reliable).
	skip int
	// rejected[i] counts copies of row i's messages that a checksum
	// caught; rejectedSeq[i][k] those of its message k, when the copy
	// still said which message it was.
	rejected    map[int]int
	rejectedSeq map[int]map[int]int
	// sendRows maps (from, to) to the send rows between them, to
	// attribute a corrupted copy whose contents no longer say which row
	// it was.
	sendRows map[[2]string][]int
	// AfterSend, if set, runs after each message the application sent:
	// the reliable driver reports the transport's send queue to the
	// kernel's bound on held bytes there.
	AfterSend func(from, to sim.NodeID)
	// fates counts the messages whose fates the run's streams described
	// so far (at most report.MaxRunFates).
	fates int
	// lives[node] lists each life of the node: when it began and how many
	// arrivals its application had noted by then.
	lives map[sim.NodeID][]life
	// givenUp[i][k] is set when the transport told row i's sender that
	// it gave up on message k.
	givenUp map[int]map[int]bool
	world   *sim.World
	run     *scenarios.SystemRun
	// WaitDelivery makes a program's send step return when its last
	// message reached the receiving application (Delivered) or the
	// transport gave up on one of its messages (GiveUp): a reliable
	// transport's sender learns both. Without it a step returns when its
	// last message is sent, as a datagram's sender knows no more.
	WaitDelivery bool
	// spans[i] is the current iteration of program step i (i from
	// SystemRun.Rows() on), while it has not returned.
	spans map[int]*span
}

// span is one iteration of a program's send step: its messages are
// those of its row numbered from first on.
type span struct {
	first, unsent int
	// last is the number of its last message, -1 until it is sent.
	last int
}

// life is one life of a node, from a boot to the next.
type life struct {
	at    sim.Time
	first int // index of the first arrival noted in this life
}

// NewSends returns the bookkeeping of the send rows of r's scenario;
// skip is the size of the headers before a message in a datagram.
func NewSends(r *scenarios.SystemRun, skip int) *Sends {
	s := &Sends{seen: map[sim.NodeID]*[]messaging.Arrival{}, sends: map[int][]sim.Time{}, unsent: map[int]int{},
		skip: skip, rejected: map[int]int{}, rejectedSeq: map[int]map[int]int{}, sendRows: map[[2]string][]int{},
		lives: map[sim.NodeID][]life{}, givenUp: map[int]map[int]bool{}, world: r.World, run: r, spans: map[int]*span{}}
	for i, st := range r.Scenario.Workload {
		if st.Op == SendOp.Name {
			k := [2]string{st.From, st.To}
			s.sendRows[k] = append(s.sendRows[k], i)
		}
	}
	return s
}

// Arrivals returns the notes of the application of node id, to give to
// its messaging.Receiver in every life of the node.
func (s *Sends) Arrivals(id sim.NodeID) *[]messaging.Arrival {
	if s.seen[id] == nil {
		s.seen[id] = new([]messaging.Arrival)
	}
	return s.seen[id]
}

// Boot returns the notes of the application of the node env belongs to,
// to give to its messaging.Receiver, and records that a life of the node
// begins now: call it from the node's handler factory, which runs at
// every start.
func (s *Sends) Boot(env sim.Env) *[]messaging.Arrival {
	id := env.Self()
	log := s.Arrivals(id)
	s.lives[id] = append(s.lives[id], life{at: env.Now(), first: len(*log)})
	return log
}

// GiveUp records that the transport told the sender of the message
// (the application's bytes) that it gave up on it: the message may or may
// not have arrived. A program step waiting for it returns ETIMEDOUT.
func (s *Sends) GiveUp(msg []byte) {
	s.GiveUpWith(msg, "ETIMEDOUT", "the transport gave up on a message")
}

// GiveUpWith is GiveUp with the result and note a program step waiting
// for the message returns, for a transport that says why it gave up.
func (s *Sends) GiveUpWith(msg []byte, result, note string) {
	row, k, _, ok := messaging.Decode(msg)
	if !ok {
		return
	}
	if s.givenUp[row] == nil {
		s.givenUp[row] = map[int]bool{}
	}
	s.givenUp[row][k] = true
	if sp := s.spans[row]; sp != nil && s.WaitDelivery && k >= sp.first {
		s.stepDone(row, result, note)
	}
}

// Delivered notes that the receiving application was handed message k of
// row intact: with WaitDelivery, the last message of a program step's
// iteration returns the step (the transport delivers in order, so the
// others came before it).
func (s *Sends) Delivered(row, k int) {
	if sp := s.spans[row]; sp != nil && s.WaitDelivery && sp.last >= 0 && k == sp.last {
		s.stepDone(row, "", "")
	}
}

// stepDone returns program step i: its result is ok unless result says
// otherwise, or some of its messages could not be sent (EHOSTDOWN).
func (s *Sends) stepDone(i int, result, note string) {
	sp := s.spans[i]
	delete(s.spans, i)
	st := &s.run.Result.Steps[i]
	if sp.unsent > 0 && result == "" {
		result, note = "EHOSTDOWN", fmt.Sprintf("%d not sent: the sender was down", sp.unsent)
	}
	if result != "" {
		st.Result, st.Note = result, note
	}
	s.run.Done(i)
}

// MaxSize returns a System.CheckRow that refuses a send row whose
// messages are larger than max bytes, what the system can carry in one
// datagram (why says why): UDP does not fragment here, and the reliable
// transport does not split messages.
func MaxSize(max int, why string) func(c *scenarios.RowCheck) {
	return func(c *scenarios.RowCheck) {
		if st := c.Step; st.Op == SendOp.Name && st.Size > max {
			c.Errorf("size", "size: %d bytes do not fit one datagram: %s", st.Size, why)
		}
	}
}

// Send schedules the messages of send row i. env returns the sending
// application's env, or nil while its node is down: a message the
// application cannot send is not sent, and the row's note says so; a
// message due after a restart is sent by the restarted node.
func (s *Sends) Send(r *scenarios.SystemRun, i int, env func(from sim.NodeID) sim.Env) {
	st := &r.Scenario.Workload[i]
	if st.Op != SendOp.Name {
		r.Unsupported(i)
		return
	}
	from, to := r.Node(st.From), r.Node(st.To)
	var sp *span
	if i >= r.Rows() {
		// A program step: the slot's earlier iterations returned before
		// this one started, so their messages come before first.
		sp = &span{first: len(s.sends[i]), last: -1}
		s.spans[i] = sp
	}
	// One pending event for the whole row, however many messages: a row
	// of a million sends costs no more memory than one.
	r.World.Repeat(r.World.Now(), st.Interval, st.Count, func(k int) {
		s.sendOne(r, i, env(from), to)
		if sp != nil && k == st.Count-1 {
			s.sentAll(i, sp)
		}
	})
}

// sendOne sends the next message of row i through e, the sender's env,
// or counts it unsent when e is nil (the sender is down).
func (s *Sends) sendOne(r *scenarios.SystemRun, i int, e sim.Env, to sim.NodeID) {
	st := &r.Scenario.Workload[i]
	if e == nil {
		s.unsent[i]++
		if sp := s.spans[i]; sp != nil {
			sp.unsent++
		}
		return
	}
	// Messages are numbered in the order they are sent, so that the
	// receiver's view lines up with the sends.
	seq := len(s.sends[i])
	s.sends[i] = append(s.sends[i], r.World.Now())
	e.Send(to, messaging.Encode(i, seq, st.Size), fmt.Sprintf("MSG %d", seq))
	if s.AfterSend != nil {
		s.AfterSend(e.Self(), to)
	}
}

// sentAll is the end of the sends of program step i's iteration sp: the
// step returns now, or with WaitDelivery once its last message arrives.
func (s *Sends) sentAll(i int, sp *span) {
	if s.spans[i] != sp {
		return // it returned already: the transport gave up
	}
	if n := len(s.sends[i]); n > sp.first {
		sp.last = n - 1
	}
	if !s.WaitDelivery || sp.last < 0 {
		s.stepDone(i, "", "")
	}
}

// Reject notes a datagram from -> to that failed the checksum. Its row is
// the one most of its words name if that is a send row between the same
// nodes, else the only send row between them; otherwise (an ACK, or an
// ambiguous copy) it is counted nowhere.
func (s *Sends) Reject(r *scenarios.SystemRun, from, to sim.NodeID, datagram []byte) {
	rows := s.sendRows[[2]string{r.World.Name(from), r.World.Name(to)}]
	if len(rows) == 0 || len(datagram) <= s.skip {
		return
	}
	row, seq, _, ok := messaging.Decode(datagram[s.skip:])
	for _, i := range rows {
		if ok && i == row {
			s.rejected[i]++
			if s.rejectedSeq[i] == nil {
				s.rejectedSeq[i] = map[int]int{}
			}
			s.rejectedSeq[i][seq]++
			return
		}
	}
	if len(rows) == 1 {
		s.rejected[rows[0]]++
	}
}

// Finish fills the streams part of the result and the notes of the send
// rows; extra, if not nil, completes each stream with what only its
// system knows and returns more notes.
func (s *Sends) Finish(r *scenarios.SystemRun, extra func(i int, st *report.Stream) []string) {
	var streams []report.Stream
	for i := range r.Scenario.Workload {
		row := &r.Scenario.Workload[i]
		if row.Op != SendOp.Name {
			continue
		}
		st := s.stream(r, i)
		var more []string
		if extra != nil {
			more = extra(i, &st)
		}
		streams = append(streams, st)
		step := &r.Result.Steps[i]
		step.Note = streamNote(st)
		if n := s.unsent[i]; n > 0 {
			more = append(more, fmt.Sprintf("%d not sent: %s was down", n, row.From))
		}
		for _, m := range more {
			step.Note += "; " + m
		}
		if st.Completion != "" {
			step.Latency = st.Completion
		}
	}
	if len(streams) > 0 {
		r.Result.AddPart(report.StreamsPart, streams)
	}
	r.Result.Evidence = s.evidence(r)
}

// stream summarises what the application at the row's destination saw of
// the row's messages. The counts cover every message; the fates, the
// first report.MaxMessageFates (fewer once the run has described
// report.MaxRunFates).
func (s *Sends) stream(r *scenarios.SystemRun, i int) report.Stream {
	row := &r.Scenario.Workload[i]
	sent := s.sends[i]
	st := report.Stream{From: row.From, To: row.To, Sent: len(sent), InOrder: true, Rejected: s.rejected[i]}
	seen := *s.Arrivals(r.Node(row.To))
	shown := min(len(sent), report.MaxMessageFates, report.MaxRunFates-s.fates)
	s.fates += shown
	st.MessagesOmitted = len(sent) - shown
	fates := make([]report.MessageFate, shown)
	// Per message, compactly: a million-message row keeps a few bytes each.
	copies := make([]int32, len(sent))
	corrupted := make([]bool, len(sent))
	reordered := make([]bool, len(sent))
	for k := range fates {
		fates[k] = report.MessageFate{Seq: k, SentAt: report.TableTime(sent[k]), Arrivals: []string{}}
	}
	maxSeq := -1
	var last sim.Time
	for _, a := range seen {
		if a.Stream != i || a.Seq < 0 || a.Seq >= len(sent) {
			continue
		}
		if a.Seq < shown {
			fates[a.Seq].Arrivals = append(fates[a.Seq].Arrivals, report.TableTime(a.At))
		}
		if a.Altered {
			st.Corrupted++
			corrupted[a.Seq] = true
			continue
		}
		copies[a.Seq]++
		if copies[a.Seq] > 1 {
			st.Duplicates++
		} else {
			st.Delivered++
		}
		if a.Seq < maxSeq {
			st.InOrder = false
			reordered[a.Seq] = true
		}
		maxSeq = max(maxSeq, a.Seq)
		last = a.At
	}
	// Lost is what never reached the application at all: a message of
	// which only altered copies arrived was handed over (corrupted), as the
	// table's row for it says, and is not lost too.
	st.Lost = st.Sent - st.Delivered
	for k := range sent {
		if copies[k] == 0 && corrupted[k] {
			st.Lost--
		}
	}
	if st.Delivered > 0 {
		st.Completion = report.TableTime(last)
	}
	for k := range fates {
		fates[k].Fate = fate(int(copies[k]), corrupted[k], reordered[k], s.rejectedSeq[i][k] > 0)
	}
	st.Messages = fates
	return st
}

// fate is a message's fate in a word or a few joined by "+": delivered,
// lost, duplicated, reordered, corrupted, rejected (a copy the checksum
// dropped, which never reached the application).
func fate(copies int, corrupted, reordered, rejected bool) string {
	var words []string
	switch {
	case copies == 0 && !corrupted:
		words = append(words, "lost")
	case copies == 0:
		// Only altered copies arrived: the intact message is lost.
	default:
		if copies > 1 {
			words = append(words, "duplicated")
		}
		if reordered {
			words = append(words, "reordered")
		}
	}
	if corrupted {
		words = append(words, "corrupted")
	}
	if len(words) == 0 {
		words = append(words, "delivered")
	}
	f := strings.Join(words, "+")
	if rejected {
		// Say why rather than leave "lost" unexplained.
		if f == "lost" {
			return "rejected"
		}
		return f + "+rejected"
	}
	return f
}

// streamNote is a one-line summary of a stream for its step.
func streamNote(st report.Stream) string {
	parts := []string{fmt.Sprintf("%d sent", st.Sent), fmt.Sprintf("%d delivered", st.Delivered)}
	if st.Lost > 0 {
		parts = append(parts, fmt.Sprintf("%d lost", st.Lost))
	}
	if st.Duplicates > 0 {
		parts = append(parts, fmt.Sprintf("%d duplicates", st.Duplicates))
	}
	if st.Corrupted > 0 {
		parts = append(parts, fmt.Sprintf("%d corrupted", st.Corrupted))
	}
	if st.Rejected > 0 {
		parts = append(parts, fmt.Sprintf("%d rejected by checksum", st.Rejected))
	}
	if st.Retransmissions > 0 {
		parts = append(parts, fmt.Sprintf("%d retransmissions", st.Retransmissions))
	}
	if st.InOrder {
		parts = append(parts, "in order")
	} else {
		parts = append(parts, "out of order")
	}
	return strings.Join(parts, ", ")
}
