package scenarios

import (
	"errors"
	"fmt"
	"time"

	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/sim"
)

func init() {
	Register(System{Name: "udp", Order: 30,
		Doc:     "UDP datagrams with the Internet checksum: corrupted datagrams are dropped; loss, duplication and reordering reach the application.",
		Ops:     []*Op{SendOp},
		Metrics: StreamMetrics,
		New:     func() Driver { return &udpDriver{} }})
}

// The UDP ports of the systems. Each system binds one service per node;
// the numbers only have to differ from nothing, but real ones read better
// in a trace.
const (
	appPort      = 7   // udp: the messaging application (echo's port)
	reliablePort = 9   // reliable: the transport, with the application on top
	rpcPort      = 111 // rpc: the RPC runtime (Sun RPC's portmapper port)
)

// udpDriver runs `send` rows over raw UDP (protocols/udp): the lecture's
// "raw messages". Every node is a udp.Host with the messaging application
// bound to appPort, so the network's loss, duplication and reordering reach
// the application, but a corrupted datagram fails the checksum and is
// dropped: the one protection UDP gives.
type udpDriver struct {
	s sendStack
}

func (d *udpDriver) Setup(r *SystemRun) error {
	if err := checkSendRows(r.Scenario, udp.MaxPayload, "the largest UDP payload"); err != nil {
		return err
	}
	r.UseNetwork()
	d.s.init(r, udp.HeaderLen)
	for _, n := range r.Scenario.Nodes {
		log := new([]arrival)
		id := r.World.AddNode(n.Name, func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			h.Bind(appPort, func(penv sim.Env) sim.Handler { return &msgApp{env: penv, arrivals: log} })
			return &checksumTap{host: h, self: env.Self(), s: &d.s}
		})
		d.s.m.seen[id] = log
	}
	return nil
}

func (d *udpDriver) Step(r *SystemRun, i int) {
	d.s.sendRow(r, i, func(from sim.NodeID) sim.Env {
		t, ok := r.World.Handler(from).(*checksumTap)
		if !ok {
			return nil
		}
		return t.host.Handler(appPort).(*msgApp).env
	})
}

func (d *udpDriver) Fault(r *SystemRun, f *Fault) bool { return false }

func (d *udpDriver) Finish(r *SystemRun) { d.s.finish(r, nil) }

// sendStack is what the udp and reliable drivers share: the pipe/socket
// driver's bookkeeping of sends and arrivals (messaging), plus the copies
// the UDP checksum rejected, per row.
type sendStack struct {
	r *SystemRun
	m messaging
	// skip is how many header bytes precede the application's message in
	// a datagram: the UDP header, and the segment header over reliable.
	skip int
	// rejected[i] counts copies of row i's messages that a checksum caught;
	// rejectedSeq[i][k] those of its message k, when the copy still said
	// which message it was.
	rejected    map[int]int
	rejectedSeq map[int]map[int]int
	// unsent[i] counts messages of row i the application could not send
	// because its node was down.
	unsent map[int]int
	// sendRows maps (from, to) to the send rows between them, to attribute
	// a corrupted copy whose contents no longer say which row it was.
	sendRows map[[2]string][]int
}

func (s *sendStack) init(r *SystemRun, skip int) {
	s.r = r
	s.m.seen = map[sim.NodeID]*[]arrival{}
	s.m.sends = map[int][]sim.Time{}
	s.skip = skip
	s.rejected = map[int]int{}
	s.rejectedSeq = map[int]map[int]int{}
	s.unsent = map[int]int{}
	s.sendRows = map[[2]string][]int{}
	for i, st := range r.Scenario.Workload {
		if st.Op == "send" {
			k := [2]string{st.From, st.To}
			s.sendRows[k] = append(s.sendRows[k], i)
		}
	}
}

// checkSendRows rejects a send row whose messages cannot fit one datagram
// of the system: UDP has no fragmentation here, and the reliable transport
// does not split messages.
func checkSendRows(sc *Scenario, max int, what string) error {
	for _, st := range sc.Workload {
		if st.Op == "send" && st.Size > max {
			return fmt.Errorf("%s:%d:%d: size: %d bytes does not fit one datagram (%s is %d bytes)",
				sc.File, st.Pos.Line, st.Pos.Col, st.Size, what, max)
		}
	}
	return nil
}

// sendRow schedules the messages of send row i. env returns the sending
// application's env, or nil while its node is down: a message the
// application cannot send is not sent, and the row's note says so.
func (s *sendStack) sendRow(r *SystemRun, i int, env func(from sim.NodeID) sim.Env) {
	st := &r.Scenario.Workload[i]
	if st.Op != "send" {
		r.Unsupported(i)
		return
	}
	from, to := r.Node(st.From), r.Node(st.To)
	for k := 0; k < st.Count; k++ {
		r.World.After(time.Duration(k)*st.Interval, func() {
			e := env(from)
			if e == nil {
				s.unsent[i]++
				return
			}
			// Messages are numbered in the order they are sent, so that
			// the receiver's view lines up with the sends.
			seq := len(s.m.sends[i])
			s.m.sends[i] = append(s.m.sends[i], r.World.Now())
			e.Send(to, encodeMsg(i, seq, st.Size), fmt.Sprintf("MSG %d", seq))
		})
	}
}

// reject notes a datagram from -> to that failed the checksum. Its row is
// the one most of its words name if that is a send row between the same
// nodes, else the only send row between them; otherwise (an ACK, or an
// ambiguous copy) it is counted nowhere.
func (s *sendStack) reject(from, to sim.NodeID, datagram []byte) {
	r := s.r
	rows := s.sendRows[[2]string{r.World.Name(from), r.World.Name(to)}]
	if len(rows) == 0 || len(datagram) <= s.skip {
		return
	}
	row, seq, _, ok := decodeMsg(datagram[s.skip:])
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

// finish fills the streams and the notes of the send rows; extra, if not
// nil, completes each stream with what only its system knows.
func (s *sendStack) finish(r *SystemRun, extra func(i int, st *report.Stream) []string) {
	var streams []report.Stream
	for i := range r.Scenario.Workload {
		row := &r.Scenario.Workload[i]
		if row.Op != "send" {
			continue
		}
		st := s.m.stream(r, i)
		st.Rejected = s.rejected[i]
		for k := range st.Messages {
			if s.rejectedSeq[i][k] == 0 {
				continue
			}
			// A copy the checksum dropped never reached the application;
			// say so rather than leave "lost" unexplained.
			if f := &st.Messages[k].Fate; *f == "lost" {
				*f = "rejected"
			} else {
				*f += "+rejected"
			}
		}
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
	addStreams(r, streams)
}

// checksumTap is a node's handler in the udp and reliable systems: the
// udp.Host, watched by the driver. It hands every datagram to the Host
// unchanged and, when the Host's checksum is going to reject one, tells
// the driver which stream it belonged to. Host.Stats are volatile (a crash
// loses them) and count per node, so the driver keeps its own count.
type checksumTap struct {
	host *udp.Host
	self sim.NodeID
	s    *sendStack
}

// Receive implements sim.Handler.
func (t *checksumTap) Receive(from sim.NodeID, msg []byte) {
	if _, _, err := udp.Unmarshal(msg); errors.Is(err, udp.ErrChecksum) {
		t.s.reject(from, t.self, msg)
	}
	t.host.Receive(from, msg)
}

// Timer implements sim.Handler.
func (t *checksumTap) Timer(tag uint64) { t.host.Timer(tag) }
