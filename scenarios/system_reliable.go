package scenarios

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/protocols/reliable"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/sim"
)

func init() {
	systemDrivers["reliable"] = func() driver { return &reliableDriver{} }
}

// reliableDriver runs `send` rows over the TCP-like transport
// (protocols/reliable) on UDP: the lecture's "reliable messages" built of
// ACKs, timeouts and sequence numbers. Every node is a udp.Host with a
// reliable.Endpoint on reliablePort and the messaging application on top of
// the Endpoint.
//
// The driver watches the Endpoints through their Observer (RTT samples,
// retransmissions) rather than their Stats, which are volatile: a crash
// would lose them. The observer is the driver's notebook and survives.
type reliableDriver struct {
	s    sendStack
	opts reliable.Options
	// retrans[i] counts retransmissions of row i's messages.
	retrans map[int]int
	// seqRow maps a DATA segment, as one life of one node numbered it for
	// one peer, to the row whose message it carries.
	seqRow map[segKey]int
	// givenUp[i] counts messages of row i the transport gave up on, and
	// why (the first reason).
	givenUp    map[int]int
	givenUpWhy map[int]string
	// copies[i][k] counts the intact DATA copies of row i's message k that
	// reached the receiving Endpoint: every copy after the first was
	// suppressed by sequence number, so a retransmission that made one was
	// needless.
	copies map[int]map[int]int
}

// segKey names a DATA segment: sender, sender's incarnation, peer, Seq.
type segKey struct {
	node sim.NodeID
	inc  uint32
	peer sim.NodeID
	seq  uint32
}

// reliableOptions converts the scenario's reliable block.
func reliableOptions(sc *Scenario) (reliable.Options, error) {
	o := sc.Reliable
	mode, err := reliable.ParseRTOMode(o.RTO)
	if err != nil {
		return reliable.Options{}, fmt.Errorf("%s: reliable: %v", sc.File, err)
	}
	opts := reliable.Options{Window: o.Window, RTO: mode, FixedTimeout: o.FixedTimeout, MinRTO: o.MinRTO,
		MaxRTO: o.MaxRTO, InitialRTO: o.InitialRTO, G: o.Granularity, FastRetransmit: o.FastRetransmit}
	if err := opts.Validate(); err != nil {
		return reliable.Options{}, fmt.Errorf("%s: reliable: %v", sc.File, err)
	}
	return opts, nil
}

func (d *reliableDriver) setup(r *run) error {
	if err := checkSendRows(r.sc, reliable.MaxPayload, "the largest message of the reliable transport"); err != nil {
		return err
	}
	opts, err := reliableOptions(r.sc)
	if err != nil {
		return err
	}
	d.opts = opts
	d.retrans = map[int]int{}
	d.seqRow = map[segKey]int{}
	d.givenUp = map[int]int{}
	d.givenUpWhy = map[int]string{}
	d.copies = map[int]map[int]int{}
	r.useNetwork(false)
	d.s.init(r, udp.HeaderLen+reliable.HeaderLen)
	for _, n := range r.sc.Nodes {
		log := new([]arrival)
		id := r.w.AddNode(n.Name, func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			h.Bind(reliablePort, func(penv sim.Env) sim.Handler {
				tap := &segmentTap{Env: penv, d: d}
				obs := &rttObserver{d: d, r: r, node: env.Self(), inc: env.Incarnation()}
				ep := reliable.NewEndpoint(tap, d.opts, func(uenv sim.Env) sim.Handler {
					return &reliableApp{msgApp: msgApp{env: uenv, arrivals: log}, d: d}
				}, obs)
				return &endpointTap{ep: ep, d: d}
			})
			return &checksumTap{host: h, self: env.Self(), s: &d.s}
		})
		d.s.m.seen[id] = log
	}
	return nil
}

func (d *reliableDriver) step(r *run, i int) {
	d.s.sendRow(r, i, func(from sim.NodeID) sim.Env {
		ep := d.endpoint(r, from)
		if ep == nil {
			return nil
		}
		return ep.Env()
	})
}

// endpoint returns a node's Endpoint, or nil while the node is down.
func (d *reliableDriver) endpoint(r *run, id sim.NodeID) *reliable.Endpoint {
	t, ok := r.w.Handler(id).(*checksumTap)
	if !ok {
		return nil
	}
	if et, ok := t.host.Handler(reliablePort).(*endpointTap); ok {
		return et.ep
	}
	return nil
}

func (d *reliableDriver) fault(r *run, f *Fault) bool { return false }

func (d *reliableDriver) finish(r *run) {
	d.s.finish(r, func(i int, st *report.Stream) []string {
		st.Retransmissions = d.retrans[i]
		var notes []string
		extra := 0
		for _, n := range d.copies[i] {
			extra += max(n-1, 0)
		}
		if extra > 0 {
			notes = append(notes, fmt.Sprintf("%s suppressed by the receiver as duplicates (K < N or already buffered)",
				plural(extra, "DATA copy", "DATA copies")))
		}
		if n := d.givenUp[i]; n > 0 {
			notes = append(notes, fmt.Sprintf("%d given up by the transport (%s)", n, d.givenUpWhy[i]))
		}
		return notes
	})
}

// endpointTap is the handler bound to reliablePort: the Endpoint, with the
// driver counting the intact DATA copies that reach it.
type endpointTap struct {
	ep *reliable.Endpoint
	d  *reliableDriver
}

// Receive implements sim.Handler.
func (t *endpointTap) Receive(from sim.NodeID, msg []byte) {
	if seg, err := reliable.ParseSegment(msg); err == nil && seg.Type == reliable.Data {
		if row, k, altered, ok := decodeMsg(seg.Payload); ok && !altered {
			if t.d.copies[row] == nil {
				t.d.copies[row] = map[int]int{}
			}
			t.d.copies[row][k]++
		}
	}
	t.ep.Receive(from, msg)
}

// Timer implements sim.Handler.
func (t *endpointTap) Timer(tag uint64) { t.ep.Timer(tag) }

// segmentTap is the env below an Endpoint: the udp port env, watched. It
// reads each DATA segment the Endpoint sends to learn which row's message
// travels under which sequence number, so that a retransmission the
// Observer reports can be put on its row.
type segmentTap struct {
	sim.Env
	d *reliableDriver
}

// Send implements sim.Env.
func (t *segmentTap) Send(to sim.NodeID, msg []byte, label string) {
	if seg, err := reliable.ParseSegment(msg); err == nil && seg.Type == reliable.Data {
		if row, _, altered, ok := decodeMsg(seg.Payload); ok && !altered {
			t.d.seqRow[segKey{t.Self(), t.Incarnation(), to, seg.Seq}] = row
		}
	}
	t.Env.Send(to, msg, label)
}

// rttObserver is the reliable.Observer of one life of one node's Endpoint.
type rttObserver struct {
	d    *reliableDriver
	r    *run
	node sim.NodeID
	inc  uint32
}

// RTTSample implements reliable.Observer: it records the sample for the
// result's rtt series.
func (o *rttObserver) RTTSample(at sim.Time, peer sim.NodeID, sample, srtt, rto time.Duration) {
	o.r.sys.RTT = append(o.r.sys.RTT, report.RTTSample{At: sim.FormatDuration(at.Duration()),
		From: o.r.w.Name(o.node), To: o.r.w.Name(peer), Sample: sim.FormatDuration(sample),
		SRTT: sim.FormatDuration(srtt), RTO: sim.FormatDuration(rto)})
}

// Retransmit implements reliable.Observer.
func (o *rttObserver) Retransmit(at sim.Time, peer sim.NodeID, seq uint32) {
	if row, ok := o.d.seqRow[segKey{o.node, o.inc, peer, seq}]; ok {
		o.d.retrans[row]++
	}
}

// RTO implements reliable.Observer.
func (o *rttObserver) RTO(sim.Time, sim.NodeID, time.Duration) {}

// reliableApp is the messaging application over the transport; it also
// hears when the transport gives up on messages.
type reliableApp struct {
	msgApp
	d *reliableDriver
}

// Failed implements reliable.FailureHandler: the messages were neither
// acknowledged nor will be retransmitted. They may or may not have arrived
// (the lecture's "No ACK: message may or may not have been received").
func (a *reliableApp) Failed(peer sim.NodeID, unacked [][]byte, err error) {
	for _, m := range unacked {
		row, _, _, ok := decodeMsg(m)
		if !ok {
			continue
		}
		a.d.givenUp[row]++
		if a.d.givenUpWhy[row] == "" {
			a.d.givenUpWhy[row] = err.Error()
		}
	}
}
