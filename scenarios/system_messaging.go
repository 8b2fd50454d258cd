package scenarios

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/sim"
)

func init() {
	Register(System{Name: "pipe", Order: 10,
		Doc:    "A reliable, in-order channel (like a UNIX pipe): no loss, no duplication, no reordering, no corruption. Network faults do not affect it.",
		Ops:    []*Op{SendOp},
		Blocks: []*Block{pipeBlock}, Metrics: StreamMetrics,
		New: func() Driver { return &messaging{pipe: true} }})
	Register(System{Name: "socket", Order: 20,
		Doc:     "Raw datagrams over the scenario's network with no checksum: whatever the network does reaches the application, altered bytes included.",
		Ops:     []*Op{SendOp},
		Metrics: StreamMetrics,
		New:     func() Driver { return &messaging{} }})
}

// PipeOptions configure system "pipe": a reliable, in-order channel.
type PipeOptions struct {
	// Delay is the constant one-way delay (default 1ms).
	Delay time.Duration
	// Bandwidth in bits per second; 0 (the default) means unlimited.
	Bandwidth float64
}

// pipeBlock is the `pipe:` block.
var pipeBlock = &Block{Name: "pipe", Order: 10,
	New: func() any { return &PipeOptions{Delay: time.Millisecond} },
	Options: []Option{
		DurationOption("delay", "`1ms`", "Constant one-way delay.", false, func(o *PipeOptions) *time.Duration { return &o.Delay }),
		BandwidthOption("bandwidth", "unlimited", "Serialisation delay, one queue per direction.", func(o *PipeOptions) *float64 { return &o.Bandwidth }),
	}}

// SendOp is the `send` row: `count` messages from `from` to `to`.
var SendOp = &Op{Name: "send", Order: 110,
	Keys:    []OpKey{{Name: "from", Required: true}, {Name: "to", Required: true}, {Name: "count"}, {Name: "size"}, {Name: "interval"}},
	Streams: true,
	Defaults: func(st *Step) {
		st.Count, st.Size = 1, 100
	},
	Check: func(st *Step) (string, string) {
		if st.From == st.To {
			return "to", fmt.Sprintf("to: a send row needs two different nodes, got %s twice", st.To)
		}
		return "", ""
	},
	Describe: func(s *Step) string { return fmt.Sprintf("send %d x %dB to %s", s.Count, s.Size, s.To) },
	Label:    func(st *Step) string { return fmt.Sprintf("a send from %s to %s", st.From, st.To) },
	Table:    sendTable,
}

// messaging runs `send` rows over the kernel's raw datagrams: system "pipe"
// (a reliable, in-order channel, like a UNIX pipe) or "socket" (a datagram
// socket over the scenario's network, with no checksum: whatever the network
// does reaches the application). It is the lecture's opening question: why
// are network sockets less reliable than pipes?
type messaging struct {
	pipe bool
	// seen[node] is everything the application on node was handed, across
	// all its lives: what an application has already acted on is not
	// undone by a later crash.
	seen map[sim.NodeID]*[]arrival
	// sends[i][k] is when message k of row i was sent.
	sends map[int][]sim.Time
	// unsent[i] counts messages of row i not sent because the sender's
	// node was down.
	unsent map[int]int
}

// arrival is one copy handed to the receiving application.
type arrival struct {
	at      sim.Time
	row     int
	seq     int
	altered bool
}

// msgApp is the receiving application on each node: it identifies each
// message and checks its bytes.
type msgApp struct {
	env      sim.Env
	arrivals *[]arrival
}

// A message is `size` bytes made of repeated 8-byte words (row, seq), so that
// the receiver can tell a message's identity by majority even when one bit
// was flipped, and can tell an altered copy from an intact one.
const msgWord = 8

func encodeMsg(row, seq, size int) []byte {
	if size < msgWord {
		size = msgWord
	}
	b := make([]byte, size)
	for off := 0; off+msgWord <= size; off += msgWord {
		binary.BigEndian.PutUint32(b[off:], uint32(row))
		binary.BigEndian.PutUint32(b[off+4:], uint32(seq))
	}
	// Trailing bytes that do not fill a word repeat the first word's bytes.
	for i := size - size%msgWord; i < size; i++ {
		b[i] = b[i%msgWord]
	}
	return b
}

// decodeMsg returns the identity most words agree on, and whether the copy
// differs in any byte from the message with that identity.
func decodeMsg(b []byte) (row, seq int, altered, ok bool) {
	if len(b) < msgWord {
		return 0, 0, true, false
	}
	type id struct{ row, seq uint32 }
	votes := map[id]int{}
	var best id
	for off := 0; off+msgWord <= len(b); off += msgWord {
		v := id{binary.BigEndian.Uint32(b[off:]), binary.BigEndian.Uint32(b[off+4:])}
		votes[v]++
		if votes[v] > votes[best] || (votes[v] == votes[best] && off == 0) {
			best = v
		}
	}
	want := encodeMsg(int(best.row), int(best.seq), len(b))
	return int(best.row), int(best.seq), string(want) != string(b), true
}

func (a *msgApp) Receive(from sim.NodeID, msg []byte) {
	row, seq, altered, ok := decodeMsg(msg)
	if !ok {
		row, seq, altered = -1, -1, true
	}
	*a.arrivals = append(*a.arrivals, arrival{at: a.env.Now(), row: row, seq: seq, altered: altered})
}

func (a *msgApp) Timer(uint64) {}

func (m *messaging) Setup(r *SystemRun) error {
	if m.pipe {
		o := r.Scenario.Block("pipe").(*PipeOptions)
		r.UseOwnNetwork(netmodel.NewPipe(o.Delay, o.Bandwidth), "a pipe has no faults")
	} else {
		r.UseNetwork()
	}
	m.seen = map[sim.NodeID]*[]arrival{}
	m.sends = map[int][]sim.Time{}
	m.unsent = map[int]int{}
	for _, n := range r.Scenario.Nodes {
		log := new([]arrival)
		id := r.World.AddNode(n.Name, func(env sim.Env) sim.Handler {
			return &msgApp{env: env, arrivals: log}
		})
		m.seen[id] = log
	}
	return nil
}

func (m *messaging) Step(r *SystemRun, i int) {
	s := &r.Scenario.Workload[i]
	if s.Op != "send" {
		r.Unsupported(i)
		return
	}
	from, to := r.Node(s.From), r.Node(s.To)
	for k := 0; k < s.Count; k++ {
		r.World.After(time.Duration(k)*s.Interval, func() {
			// The sender's current life sends, if it is up: a message due
			// while its node is down is not sent (as over udp), and one due
			// after a restart is sent by the restarted node.
			if !r.World.Up(from) {
				m.unsent[i]++
				return
			}
			seq := len(m.sends[i])
			m.sends[i] = append(m.sends[i], r.World.Now())
			r.World.Env(from).Send(to, encodeMsg(i, seq, s.Size), fmt.Sprintf("MSG %d", seq))
		})
	}
}

func (m *messaging) Fault(r *SystemRun, f *Fault) bool { return false }

func (m *messaging) Finish(r *SystemRun) {
	var streams []report.Stream
	for i := range r.Scenario.Workload {
		s := &r.Scenario.Workload[i]
		if s.Op != "send" {
			continue
		}
		st := m.stream(r, i)
		streams = append(streams, st)
		step := &r.Result.Steps[i]
		step.Note = streamNote(st)
		if n := m.unsent[i]; n > 0 {
			step.Note += fmt.Sprintf("; %d not sent: %s was down", n, s.From)
		}
		if st.Completion != "" {
			step.Latency = st.Completion
		}
	}
	addStreams(r, streams)
}

// stream summarises what the application at the row's destination saw of
// the row's messages.
func (m *messaging) stream(r *SystemRun, i int) report.Stream {
	s := &r.Scenario.Workload[i]
	sent := m.sends[i]
	st := report.Stream{From: s.From, To: s.To, Sent: len(sent), InOrder: true}
	seen := *m.seen[r.Node(s.To)]
	fates := make([]report.MessageFate, len(sent))
	copies := make([]int, len(sent))
	corrupted := make([]bool, len(sent))
	reordered := make([]bool, len(sent))
	for k := range fates {
		fates[k] = report.MessageFate{Seq: k, SentAt: report.TableTime(sent[k]), Arrivals: []string{}}
	}
	maxSeq := -1
	var last sim.Time
	for _, a := range seen {
		if a.row != i || a.seq < 0 || a.seq >= len(sent) {
			continue
		}
		fates[a.seq].Arrivals = append(fates[a.seq].Arrivals, report.TableTime(a.at))
		if a.altered {
			st.Corrupted++
			corrupted[a.seq] = true
			continue
		}
		copies[a.seq]++
		if copies[a.seq] > 1 {
			st.Duplicates++
		} else {
			st.Delivered++
		}
		if a.seq < maxSeq {
			st.InOrder = false
			reordered[a.seq] = true
		}
		if a.seq > maxSeq {
			maxSeq = a.seq
		}
		last = a.at
	}
	st.Lost = st.Sent - st.Delivered
	if st.Delivered > 0 {
		st.Completion = report.TableTime(last)
	}
	for k := range fates {
		var words []string
		switch {
		case copies[k] == 0 && !corrupted[k]:
			words = append(words, "lost")
		case copies[k] == 0:
			// Only altered copies arrived: the intact message is lost.
		default:
			if copies[k] > 1 {
				words = append(words, "duplicated")
			}
			if reordered[k] {
				words = append(words, "reordered")
			}
		}
		if corrupted[k] {
			words = append(words, "corrupted")
		}
		if len(words) == 0 {
			words = append(words, "delivered")
		}
		fates[k].Fate = strings.Join(words, "+")
	}
	st.Messages = fates
	return st
}

// addStreams adds the streams part to the result, when there are streams.
func addStreams(r *SystemRun, streams []report.Stream) {
	if len(streams) > 0 {
		r.Result.AddPart(report.StreamsPart, streams)
	}
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
