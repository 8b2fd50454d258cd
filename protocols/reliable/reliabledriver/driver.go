// Package reliabledriver is system reliable of the scenarios: `send` rows
// over the TCP-like transport (protocols/reliable) on UDP, the lecture's
// "reliable messages" built of ACKs, timeouts and sequence numbers (slides
// "Reliable Messages: Layering strategy" to "TCP"). It holds the
// `reliable:` block, which RPC over the transport reads too, and the RTT
// samples the result reports.
package reliabledriver

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sim-lecture/sim/protocols/messaging"
	"github.com/sim-lecture/sim/protocols/messaging/messagingdriver"
	"github.com/sim-lecture/sim/protocols/reliable"
	"github.com/sim-lecture/sim/protocols/stack"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/protocols/udp/udpdriver"
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim"
)

func init() {
	scenarios.Register(scenarios.System{Name: "reliable", Order: 40,
		Doc:         "The TCP-like transport: sequence numbers, cumulative ACKs, retransmission with an adaptive (RFC 6298) or fixed timeout.",
		Ops:         []*scenarios.Op{messagingdriver.SendOp},
		Blocks:      []*scenarios.Block{Block},
		Metrics:     append(append([]*report.Metric{}, messagingdriver.StreamMetrics...), rttMetrics...),
		Exercise:    exercise,
		Invariants:  []scenarios.Invariant{ExactlyOnceInOrder},
		ReportsDone: true,
		CheckRow: messagingdriver.MaxSize(reliable.MaxPayload, fmt.Sprintf(
			"system reliable carries at most %d bytes in a message (one UDP datagram's payload less its %d-byte segment header; it does not split messages)",
			reliable.MaxPayload, reliable.HeaderLen)),
		New: func() scenarios.Driver { return &driver{} }})
}

// Port is the transport's UDP port, with the application on top of it.
const Port = 9

// Options configure system reliable, the TCP-like transport (the
// `reliable:` block). Every mechanism of a modern TCP is a key and on by
// default; with timestamps, sack, fast_retransmit, rack and
// congestion_control off it is the lecture's transport, which repairs
// losses by its timer alone.
type Options struct {
	// Window is the send window in messages (default 64; 1 is
	// stop-and-wait).
	Window int
	// RTO is adaptive (default, RFC 6298) or fixed.
	RTO string
	// FixedTimeout is the retransmission timeout with RTO fixed (default
	// 200ms).
	FixedTimeout time.Duration
	// MinRTO and MaxRTO bound the adaptive timeout (default 200ms, 60s).
	MinRTO, MaxRTO time.Duration
	// InitialRTO is the timeout before the first RTT sample (default 1s).
	InitialRTO time.Duration
	// Granularity is the clock granularity G of RFC 6298 (default 1ms).
	Granularity time.Duration
	// MaxRetries is how many retransmissions without progress fail the
	// connection (default 0: never).
	MaxRetries int
	// Timestamps, SACK, FastRetransmit and RACK are reliable.Options'
	// (default true).
	Timestamps, SACK, FastRetransmit, RACK bool
	// CongestionControl is the controller: veno (the default, also
	// written true), reno, or off (also written false).
	CongestionControl string
	// MSS is the congestion window's segment size in bytes (default
	// 1460), InitialCwnd the initial window in segments (default 10).
	MSS, InitialCwnd int
	// RecvBuffer is the receive buffer in bytes (default 128KiB; 0:
	// unlimited).
	RecvBuffer int
	// Consume is how fast the receiving application reads: messages per
	// second (ConsumeRate) or bytes per second (ConsumeByteRate); zero
	// both (the default) reads at once.
	ConsumeRate, ConsumeByteRate float64
	// TimeWait is how long TIME_WAIT lasts (default 60s).
	TimeWait time.Duration
	// FinTimeout is how long messages sent after close wait for the
	// peer to close its direction (default 60s).
	FinTimeout time.Duration
}

// Bounds of the reliable options.
const (
	// maxWindow bounds the send window: a 16-bit window, as TCP's.
	maxWindow = 65535
	// maxRetries bounds max_retries.
	maxRetries = 1000
	// maxBuffer bounds the receive buffer: 1 GiB.
	maxBuffer = 1 << 30
)

// Block is the `reliable:` block, which configures the transport
// of system reliable and of RPC over it.
var Block = &scenarios.Block{Name: "reliable", Order: 40,
	New: func() any {
		d := reliable.DefaultOptions()
		return &Options{Window: d.Window, RTO: "adaptive", FixedTimeout: d.FixedTimeout, MinRTO: d.MinRTO, MaxRTO: d.MaxRTO,
			InitialRTO: d.InitialRTO, Granularity: d.G, Timestamps: true, SACK: true, FastRetransmit: true, RACK: true,
			CongestionControl: "veno", MSS: reliable.DefaultSMSS, InitialCwnd: 10, RecvBuffer: d.RecvBuffer, TimeWait: reliable.DefaultTimeWait,
			FinTimeout: reliable.DefaultFinTimeout}
	},
	Options: []scenarios.Option{
		scenarios.IntOption("window", "`64`", "Messages in flight at most (the send buffer); `1` is stop-and-wait.", 1, maxWindow,
			func(o *Options) *int { return &o.Window }),
		scenarios.EnumOption("rto", "`adaptive`", "`adaptive` (RFC 6298: SRTT, RTTVAR, doubling backoff that an RTT sample collapses) or `fixed` (the lecture's constant timeout, no backoff).",
			[]string{"adaptive", "fixed"}, func(o *Options) *string { return &o.RTO }),
		scenarios.DurationOption("fixed_timeout", "`200ms`", "The timeout with `rto: fixed`.", true,
			func(o *Options) *time.Duration { return &o.FixedTimeout }),
		scenarios.DurationOption("min_rto", "`200ms`", "Bounds of the adaptive timeout.", true,
			func(o *Options) *time.Duration { return &o.MinRTO }),
		scenarios.DurationOption("max_rto", "`60s`", "", true,
			func(o *Options) *time.Duration { return &o.MaxRTO }),
		scenarios.DurationOption("initial_rto", "`1s`", "The timeout before the first RTT sample, the SYN's (RFC 6298 (2.1)).", true,
			func(o *Options) *time.Duration { return &o.InitialRTO }),
		scenarios.DurationOption("granularity", "`1ms`", "The clock granularity G of RFC 6298.", false,
			func(o *Options) *time.Duration { return &o.Granularity }),
		scenarios.IntOption("max_retries", "`0`", "Retransmissions without progress (or zero-window probes unanswered) before the connection fails with a timeout; `0` retries forever.", 0, maxRetries,
			func(o *Options) *int { return &o.MaxRetries }),
		scenarios.BoolOption("timestamps", "`true`", "RFC 7323 timestamps: every ACK of new data is an RTT sample, retransmissions included, so the first ACK after a timeout collapses the backoff. `false`: Karn's rule, one segment timed at a time.",
			func(o *Options) *bool { return &o.Timestamps }),
		scenarios.BoolOption("sack", "`true`", "Selective acknowledgments (RFC 2018, D-SACK RFC 2883): the sender resends only what the receiver lacks, after a timeout too (RFC 6675).",
			func(o *Options) *bool { return &o.SACK }),
		scenarios.BoolOption("fast_retransmit", "`true`", "Repair a loss the ACKs show without waiting for the timer: fast retransmit and fast recovery (RFC 5681), with SACK by RFC 6675, without by NewReno (RFC 6582). `false`: the lecture's transport repairs losses by timeout only.",
			func(o *Options) *bool { return &o.FastRetransmit }),
		scenarios.BoolOption("rack", "`true`", "RACK-TLP (RFC 8985): losses found by time, lost retransmissions included, and a tail loss probe two round trips after the last ACK. Only with `sack` and `fast_retransmit`.",
			func(o *Options) *bool { return &o.RACK }),
		scenarios.EnumOption("congestion_control", "`veno`", "Slow start and congestion avoidance (RFC 5681) with a controller: `veno` (TCP Veno, Fu and Liew 2003: a loss the round trips show to be random, with no queue of the sender's building, cuts the window by a fifth; a congestive one halves it, one segment after a timeout, sent twice from the second timeout in a row as QUIC's probes are, RFC 9002) or `reno` (every loss halves the window, one segment after a timeout: RFC 5681). `off`: only `window` limits the sender, whatever the network does. `true` is `veno`, `false` is `off`.",
			[]string{"veno", "reno", "off", "true", "false"}, func(o *Options) *string { return &o.CongestionControl }),
		scenarios.SizeOption("mss", "`1460B`", "The segment size the congestion window counts in (RFC 5681's SMSS); messages are never split.", 1, reliable.MaxPayload,
			func(o *Options) *int { return &o.MSS }),
		scenarios.IntOption("initial_cwnd", "`10`", "The first congestion window, in segments of `mss` (RFC 6928).", 1, maxWindow,
			func(o *Options) *int { return &o.InitialCwnd }),
		scenarios.SizeOption("recv_buffer", "`128KiB`", "The receive buffer: its free part is the window every ACK advertises (flow control); `0` is unlimited.", 0, maxBuffer,
			func(o *Options) *int { return &o.RecvBuffer }),
		scenarios.CustomOption("consume", "unlimited", "How fast the receiving application reads: messages per second (`20` or `20/s`) or a data rate (`10KB/s`, `80kbps`); unread messages fill `recv_buffer` and shut the window, which the sender then probes.",
			decodeConsume),
		scenarios.DurationOption("time_wait", "`60s`", "How long the side that closed first waits after both FINs (TIME_WAIT, 2·MSL).", true,
			func(o *Options) *time.Duration { return &o.TimeWait }),
		scenarios.DurationOption("fin_timeout", "`60s`", "How long messages sent after `close` wait for the peer to close its direction (Linux's `tcp_fin_timeout`), counted from our FIN or from the first such message if later; then they fail with `EPIPE`, \"connection closing\" (RFC 9293 §3.10.2), as do later sends until the connection is over.", true,
			func(o *Options) *time.Duration { return &o.FinTimeout }),
	},
	Check: func(c *scenarios.BlockCheck) {
		o := c.Value.(*Options)
		if c.OK("min_rto") && c.OK("max_rto") && o.MaxRTO < o.MinRTO {
			at := "max_rto"
			if !c.Has(at) {
				at = "min_rto"
			}
			c.Errorf(at, "reliable: max_rto %s is below min_rto %s", scenarios.FormatDuration(o.MaxRTO), scenarios.FormatDuration(o.MinRTO))
			return
		}
		// The conversion the driver makes, so that whatever the
		// transport would refuse is refused here, at load time, at the
		// key it concerns. (A key that did not decode keeps its default,
		// which the transport accepts.)
		if _, err := reliable.ParseRTOMode(o.RTO); err != nil {
			c.Errorf("rto", "rto: %v", err)
		} else if _, err := convert(o); err != nil {
			c.Errorf(optionOf(err), "%v", err) // "reliable: invalid options: ..."
		}
	},
}

// optionOf names the key of the reliable block an error of
// reliable.Options.Validate is about ("" for the block as a whole).
func optionOf(err error) string {
	for _, k := range []struct{ in, key string }{
		{"window", "window"}, {"fixed timeout", "fixed_timeout"}, {"max retries", "max_retries"},
		{"smss", "mss"}, {"initial cwnd", "initial_cwnd"}, {"receive buffer", "recv_buffer"},
		{"consume", "consume"}, {"time wait", "time_wait"}, {"fin timeout", "fin_timeout"},
	} {
		if strings.Contains(err.Error(), ": "+k.in) {
			return k.key
		}
	}
	return ""
}

// consumeExpected describes a consume rate in messages.
const consumeExpected = "a rate such as 20/s (messages per second), 10KB/s or 80kbps, or unlimited"

// decodeConsume reads `consume`: a number of messages per second (bare, or
// with /s), a data rate with a unit, or unlimited.
func decodeConsume(d *scenarios.Decoder, n *yaml.Node, o *Options) bool {
	n = d.Resolve(n)
	if n == nil {
		return false
	}
	s, ok := d.Str(n, "consume")
	if !ok {
		return false
	}
	t := strings.TrimSpace(s)
	o.ConsumeRate, o.ConsumeByteRate = 0, 0
	if t == "unlimited" || t == "0" {
		return true
	}
	perMsg := strings.TrimSuffix(strings.TrimSuffix(t, "/s"), " ")
	if x, err := strconv.ParseFloat(perMsg, 64); err == nil {
		if !(x > 0 && x <= maxConsume) {
			d.Errorf(n, "consume: expected a rate above 0 and at most %g messages per second, got %s", float64(maxConsume), s)
			return false
		}
		o.ConsumeRate = x
		return true
	}
	bw, err := scenarios.ParseBandwidth(t)
	if err != nil || !(bw > 0) || math.IsInf(bw, 1) {
		d.Errorf(n, "consume: expected %s, got %s", consumeExpected, s)
		return false
	}
	o.ConsumeByteRate = bw / 8
	if o.ConsumeByteRate < minConsumeBytes {
		d.Errorf(n, "consume: a data rate of at least %d bytes per second, got %s", minConsumeBytes, s)
		return false
	}
	return true
}

// Bounds of consume: fast enough that reading one message never takes
// longer than a day, and no faster than a simulation can tell apart.
const (
	maxConsume      = 1e9
	minConsumeBytes = 1
)

// CwndSample is the congestion window and slow-start threshold of one
// sender for one peer when either changed (RFC 5681): the series a plot of
// slow start, congestion avoidance and recovery draws.
type CwndSample struct {
	// At is when it changed.
	At string `json:"at"`
	// From is the sender, To its peer.
	From string `json:"from"`
	To   string `json:"to"`
	// Cwnd is the congestion window in bytes.
	Cwnd int `json:"cwnd"`
	// Ssthresh is the slow-start threshold in bytes; 0 until the first
	// loss sets it.
	Ssthresh int `json:"ssthresh"`
}

// CwndPart is the key of the part of the result that lists the congestion
// windows of system reliable, in the order they changed.
const CwndPart = "cwnd"

// CwndOf returns the congestion-window series of a system's result.
func CwndOf(sys *report.System) []CwndSample {
	samples, _ := sys.Part(CwndPart).([]CwndSample)
	return samples
}

// RTTSample is one round-trip-time measurement of the reliable transport,
// taken under Karn's rule, with the smoothed RTT and the retransmission
// timeout just after the estimator took it (RFC 6298 §2): the series the
// adaptive-RTO scenario plots. Times and durations are Go duration strings,
// like every time of the result.
type RTTSample struct {
	// At is when the ACK that gave the sample arrived.
	At string `json:"at"`
	// From is the sender whose segment was timed, To its peer.
	From string `json:"from"`
	To   string `json:"to"`
	// Sample is the measured round-trip time.
	Sample string `json:"sample"`
	// SRTT is the smoothed round-trip time after the sample.
	SRTT string `json:"srtt"`
	// RTO is the retransmission timeout after the sample (clamped to the
	// scenario's min_rto and max_rto; the fixed timeout when rto is fixed).
	RTO string `json:"rto"`
}

// RTTPart is the key of the part of the result that lists the RTT samples
// of system reliable, in the order they were taken.
const RTTPart = "rtt"

// RTTOf returns the RTT samples of a system's result; none for a system
// that takes none.
func RTTOf(sys *report.System) []RTTSample {
	samples, _ := sys.Part(RTTPart).([]RTTSample)
	return samples
}

// rttMetrics are the sweep metrics of the RTT samples.
var rttMetrics = []*report.Metric{
	{Name: "rtt.mean", Order: 200, Unit: "s",
		Doc: "mean RTT sample of the reliable transport",
		Eval: func(_ *report.Result, ss []*report.System, _ string) float64 {
			sum, n := 0.0, 0
			for _, s := range ss {
				for _, x := range RTTOf(s) {
					sum += report.Seconds(x.Sample)
					n++
				}
			}
			if n == 0 {
				return math.NaN()
			}
			return sum / float64(n)
		}},
	{Name: "rto.final", Order: 210, Unit: "s",
		Doc: "the reliable transport's RTO after its last RTT sample (largest over the systems)",
		Eval: func(_ *report.Result, ss []*report.System, _ string) float64 {
			return report.MaxSystems(ss, func(s *report.System) float64 {
				rtt := RTTOf(s)
				if len(rtt) == 0 {
					return math.NaN()
				}
				return report.Seconds(rtt[len(rtt)-1].RTO)
			})
		}},
}

// driver runs `send` rows over the TCP-like transport
// (protocols/reliable) on UDP: the lecture's "reliable messages" built of
// ACKs, timeouts and sequence numbers. Every node is a udp.Host with a
// reliable.Endpoint on Port and the messaging application on top of
// the Endpoint.
//
// The driver watches the Endpoints through their Observer (RTT samples,
// retransmissions) rather than their Stats, which are volatile: a crash
// would lose them. The observer is the driver's notebook and survives.
type driver struct {
	sends *messagingdriver.Sends
	opts  reliable.Options
	// rtt lists the RTT samples of every Endpoint, in the order taken,
	// and cwnd their congestion windows, in the order they changed.
	rtt  []RTTSample
	cwnd []CwndSample
	// causes counts the DATA retransmissions by cause.
	causes [3]int
	// eofs lists, in time order, when an application read the end of its
	// peer's stream.
	eofs []eofAt
	// shut counts, per receiver and sender (by name), the ACKs that
	// advertised a window of 0, and probes, per sender and receiver, the
	// zero-window probes: what flow control did.
	shut, probes map[[2]string]int
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
	// queued[{from, to}] is the payload the sender's transport last had
	// waiting for its window (streams with none are left out), and
	// queuedSum their total: what the
	// application piled up, counted towards limits.max_bytes_held.
	queued    map[[2]sim.NodeID]int
	queuedSum int64
}

// eofAt is one application reading the end of its peer's stream.
type eofAt struct {
	node, peer sim.NodeID
	at         sim.Time
}

// segKey names a DATA segment: sender, sender's incarnation, peer, Seq.
type segKey struct {
	node sim.NodeID
	inc  uint32
	peer sim.NodeID
	seq  uint32
}

// TransportOptions converts the scenario's `reliable:` block to the
// transport's options, for system reliable and the systems over it (rpc
// with transport reliable).
//
// The block's Check makes the same conversion when the scenario loads, so
// an error here means a Scenario that Load did not build.
func TransportOptions(sc *scenarios.Scenario) (reliable.Options, error) {
	opts, err := convert(sc.Block(Block.Name).(*Options))
	if err != nil {
		return reliable.Options{}, fmt.Errorf("%s: reliable: %v", sc.File, err)
	}
	return opts, nil
}

// convert turns the block's values into the transport's options, and
// checks them as the transport does (reliable.Options.Validate).
func convert(o *Options) (reliable.Options, error) {
	mode, err := reliable.ParseRTOMode(o.RTO)
	if err != nil {
		return reliable.Options{}, err
	}
	cc, alg, err := congestion(o.CongestionControl)
	if err != nil {
		return reliable.Options{}, err
	}
	opts := reliable.Options{Window: o.Window, RTO: mode, FixedTimeout: o.FixedTimeout, MinRTO: o.MinRTO,
		MaxRTO: o.MaxRTO, InitialRTO: o.InitialRTO, G: o.Granularity, MaxRetries: o.MaxRetries,
		Timestamps: o.Timestamps, SACK: o.SACK, FastRetransmit: o.FastRetransmit, RACK: o.RACK,
		CongestionControl: cc, Congestion: alg, SMSS: o.MSS, InitialCwnd: o.InitialCwnd,
		RecvBuffer: o.RecvBuffer, ConsumeRate: o.ConsumeRate, ConsumeByteRate: o.ConsumeByteRate, TimeWait: o.TimeWait,
		FinTimeout: o.FinTimeout}
	if err := opts.Validate(); err != nil {
		return reliable.Options{}, err
	}
	return opts, nil
}

// congestion reads `congestion_control`: off (or false), or a
// controller's name (true is the default, veno).
func congestion(s string) (bool, reliable.Algorithm, error) {
	switch s {
	case "off", "false":
		return false, reliable.Reno, nil
	case "true":
		return true, reliable.DefaultOptions().Congestion, nil
	}
	alg, err := reliable.ParseAlgorithm(s)
	return err == nil, alg, err
}

// Setup implements scenarios.Driver.
func (d *driver) Setup(r *scenarios.SystemRun) error {
	opts, err := TransportOptions(r.Scenario)
	if err != nil {
		return err
	}
	d.opts = opts
	d.retrans = map[int]int{}
	d.seqRow = map[segKey]int{}
	d.givenUp = map[int]int{}
	d.givenUpWhy = map[int]string{}
	d.copies = map[int]map[int]int{}
	d.queued = map[[2]sim.NodeID]int{}
	d.shut, d.probes = map[[2]string]int{}, map[[2]string]int{}
	r.UseNetwork()
	d.sends = messagingdriver.NewSends(r, udp.HeaderLen+reliable.HeaderLen)
	d.sends.AfterSend = func(from, to sim.NodeID) { d.noteQueue(r, from, to) }
	d.sends.WaitDelivery = true
	for _, n := range r.Scenario.Nodes {
		r.World.AddNode(n.Name, func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			log := d.sends.Boot(env)
			h.Bind(Port, func(penv sim.Env) sim.Handler {
				tap := &segmentTap{Env: penv, d: d}
				obs := &rttObserver{d: d, r: r, node: env.Self(), inc: env.Incarnation()}
				ep := reliable.NewEndpoint(tap, d.opts, func(uenv sim.Env) sim.Handler {
					return &app{Receiver: messaging.NewReceiver(uenv, log), d: d}
				}, obs)
				return &endpointTap{ep: ep, d: d}
			})
			return &udpdriver.ChecksumTap{Host: h, Self: env.Self(), Reject: func(from sim.NodeID, datagram []byte) {
				d.sends.Reject(r, from, env.Self(), datagram)
			}}
		})
	}
	return nil
}

// Step implements scenarios.Driver. A send row with close closes the
// sender's direction after its last message: a FIN follows them.
func (d *driver) Step(r *scenarios.SystemRun, i int) {
	d.sends.Send(r, i, func(from sim.NodeID) sim.Env {
		ep := d.endpoint(r, from)
		if ep == nil {
			return nil
		}
		return ep.Env()
	})
	st := &r.Scenario.Workload[i]
	if !st.Close || st.Op != messagingdriver.SendOp.Name {
		return
	}
	from, to := r.Node(st.From), r.Node(st.To)
	r.World.After(time.Duration(st.Count-1)*st.Interval, func() {
		if ep := d.endpoint(r, from); ep != nil {
			ep.Close(to)
		}
	})
}

// noteQueue tells the kernel how much payload the sender's transport holds
// for to, waiting for the window: an application that sends faster than
// the window drains (a million 65 kB messages at once) would otherwise
// fill memory without bound. The other streams that still held a queue
// are read again too: a queue drains without a send, and a figure left
// from its last send would count bytes long delivered against
// limits.max_bytes_held. Only streams with a queue are kept, so a send
// costs the number of backed-up streams, not of all streams.
func (d *driver) noteQueue(r *scenarios.SystemRun, from, to sim.NodeID) {
	d.queued[[2]sim.NodeID{from, to}] = 0
	d.queuedSum = 0
	for k := range d.queued { // a sum: the order does not matter
		q := 0
		if ep := d.endpoint(r, k[0]); ep != nil {
			q = ep.Stats(k[1]).QueuedBytes
		}
		if q == 0 {
			delete(d.queued, k)
			continue
		}
		d.queued[k] = q
		d.queuedSum += int64(q)
	}
	r.World.HoldBytes(d.queuedSum)
}

// endpoint returns a node's Endpoint, or nil while the node is down.
func (d *driver) endpoint(r *scenarios.SystemRun, id sim.NodeID) *reliable.Endpoint {
	t, ok := r.World.Handler(id).(*udpdriver.ChecksumTap)
	if !ok {
		return nil
	}
	if et, ok := t.Host.Handler(Port).(*endpointTap); ok {
		return et.ep
	}
	return nil
}

// Fault implements scenarios.Driver: reliable accepts no fault of its
// own.
func (d *driver) Fault(r *scenarios.SystemRun, f *scenarios.Fault) bool { return false }

// Finish implements scenarios.Driver.
func (d *driver) Finish(r *scenarios.SystemRun) {
	d.sends.Finish(r, func(i int, st *report.Stream) []string {
		st.Retransmissions = d.retrans[i]
		var notes []string
		extra := 0
		for _, n := range d.copies[i] {
			extra += max(n-1, 0)
		}
		if extra > 0 {
			notes = append(notes, fmt.Sprintf("%s suppressed by the receiver as duplicates (K < N or already buffered)",
				report.Plural(extra, "DATA copy", "DATA copies")))
		}
		if n := d.givenUp[i]; n > 0 {
			notes = append(notes, fmt.Sprintf("%d given up by the transport (%s)", n, d.givenUpWhy[i]))
		}
		row := &r.Scenario.Workload[i]
		if n := d.shut[[2]string{row.To, row.From}]; n > 0 {
			notes = append(notes, fmt.Sprintf("%s advertised a zero window in %s; %s",
				row.To, report.Plural(n, "ACK", "ACKs"), report.Plural(d.probes[[2]string{row.From, row.To}], "zero-window probe", "zero-window probes")))
		}
		if row.Close {
			notes = append(notes, d.closeNote(r, row))
		}
		return notes
	})
	if len(d.rtt) > 0 {
		r.Result.AddPart(RTTPart, d.rtt)
	}
	if len(d.cwnd) > 0 {
		r.Result.AddPart(CwndPart, d.cwnd)
	}
	if d.causes != [3]int{} {
		r.Result.AddPart(CausesPart, RetransmitCauses{Timeout: d.causes[reliable.CauseTimeout],
			Recovery: d.causes[reliable.CauseRecovery], Probe: d.causes[reliable.CauseProbe]})
	}
}

// closeNote says when the receiver of a closing row read the end of the
// stream (its FIN arrived after every message).
func (d *driver) closeNote(r *scenarios.SystemRun, row *scenarios.Step) string {
	to, from := r.Node(row.To), r.Node(row.From)
	for _, e := range d.eofs {
		if e.node == to && e.peer == from && e.at.Duration() >= row.At {
			return fmt.Sprintf("closed: %s read the end of the stream at %s", row.To, report.TableTime(e.at))
		}
	}
	return fmt.Sprintf("closed: %s never read the end of the stream", row.To)
}

// RetransmitCauses counts the DATA retransmissions of a run by what caused
// them.
type RetransmitCauses struct {
	// Timeout counts those the retransmission timer sent, and the holes
	// resent as the window opened after it (RFC 6298, RFC 6675 §5.1).
	Timeout int `json:"timeout"`
	// Recovery counts those fast retransmit and fast recovery sent (RFC
	// 5681, RFC 6675, RFC 6582, RFC 8985).
	Recovery int `json:"recovery"`
	// Probe counts tail loss probes that resent a segment (RFC 8985 §7).
	Probe int `json:"probe"`
}

// CausesPart is the key of the part of the result that counts the
// retransmissions of system reliable by cause.
const CausesPart = "retransmit_causes"

// endpointTap is the handler bound to Port: the Endpoint, with the
// driver counting the intact DATA copies that reach it.
type endpointTap struct {
	ep *reliable.Endpoint
	d  *driver
}

// Receive implements sim.Handler.
func (t *endpointTap) Receive(from sim.NodeID, msg []byte) {
	if seg, err := reliable.ParseSegment(msg); err == nil && seg.Type == reliable.Data {
		if row, k, altered, ok := messaging.Decode(seg.Payload); ok && !altered {
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
	d *driver
}

// TagBits passes on the tag budget of the env watched (see stack.Bits).
func (t *segmentTap) TagBits() int { return stack.Bits(t.Env) }

// Send implements sim.Env. It also counts the zero windows and the
// probes that answer them.
func (t *segmentTap) Send(to sim.NodeID, msg []byte, label string) {
	if seg, err := reliable.ParseSegment(msg); err == nil {
		switch {
		case seg.Type == reliable.Data:
			if row, _, altered, ok := messaging.Decode(seg.Payload); ok && !altered {
				t.d.seqRow[segKey{t.Self(), t.Incarnation(), to, seg.Seq}] = row
			}
		case seg.Type == reliable.Ack && seg.Window == 0:
			t.d.shut[[2]string{t.Name(), t.NodeName(to)}]++
		case seg.Type == reliable.Probe:
			t.d.probes[[2]string{t.Name(), t.NodeName(to)}]++
		}
	}
	t.Env.Send(to, msg, label)
}

// rttObserver is the reliable.Observer of one life of one node's Endpoint.
type rttObserver struct {
	d    *driver
	r    *scenarios.SystemRun
	node sim.NodeID
	inc  uint32
}

// RTTSample implements reliable.Observer: it records the sample for the
// result's rtt series.
func (o *rttObserver) RTTSample(at sim.Time, peer sim.NodeID, sample, srtt, rto time.Duration) {
	o.d.rtt = append(o.d.rtt, RTTSample{At: sim.FormatDuration(at.Duration()),
		From: o.r.World.Name(o.node), To: o.r.World.Name(peer), Sample: sim.FormatDuration(sample),
		SRTT: sim.FormatDuration(srtt), RTO: sim.FormatDuration(rto)})
}

// Retransmit implements reliable.Observer.
func (o *rttObserver) Retransmit(at sim.Time, peer sim.NodeID, seq uint32, cause reliable.Cause) {
	if row, ok := o.d.seqRow[segKey{o.node, o.inc, peer, seq}]; ok {
		o.d.retrans[row]++
	}
	if int(cause) < len(o.d.causes) {
		o.d.causes[cause]++
	}
}

// RTO implements reliable.Observer.
func (o *rttObserver) RTO(sim.Time, sim.NodeID, time.Duration) {}

// Congestion implements reliable.Observer: it records the window for the
// result's cwnd series.
func (o *rttObserver) Congestion(at sim.Time, peer sim.NodeID, cwnd, ssthresh int) {
	o.d.cwnd = append(o.d.cwnd, CwndSample{At: sim.FormatDuration(at.Duration()), From: o.r.World.Name(o.node),
		To: o.r.World.Name(peer), Cwnd: cwnd, Ssthresh: ssthresh})
}

// app is the messaging application over the transport; it also hears
// when the transport gives up on messages.
type app struct {
	*messaging.Receiver
	d *driver
}

// Receive implements sim.Handler: the application notes the message,
// and the driver learns that it was delivered.
func (a *app) Receive(from sim.NodeID, msg []byte) {
	a.Receiver.Receive(from, msg)
	if row, k, altered, ok := messaging.Decode(msg); ok && !altered {
		a.d.sends.Delivered(row, k)
	}
}

// PeerClosed implements reliable.PeerCloser: the application read the end
// of peer's stream.
func (a *app) PeerClosed(peer sim.NodeID) {
	a.d.eofs = append(a.d.eofs, eofAt{node: a.Env().Self(), peer: peer, at: a.Env().Now()})
}

// Failed implements reliable.FailureHandler: the messages were neither
// acknowledged nor will be retransmitted. They may or may not have arrived
// (the lecture's "No ACK: message may or may not have been received").
func (a *app) Failed(peer sim.NodeID, unacked [][]byte, err error) {
	for _, m := range unacked {
		row, _, _, ok := messaging.Decode(m)
		if !ok {
			continue
		}
		if errors.Is(err, reliable.ErrClosing) {
			// RFC 9293 §3.10.2's "connection closing"; a socket
			// whose direction is shut answers send with EPIPE.
			a.d.sends.GiveUpWith(m, "EPIPE", fmt.Sprintf("connection closing: %s has not closed its direction (reliable.fin_timeout)",
				a.Env().NodeName(peer)))
		} else {
			a.d.sends.GiveUp(m)
		}
		a.d.givenUp[row]++
		if a.d.givenUpWhy[row] == "" {
			a.d.givenUpWhy[row] = err.Error()
		}
	}
}
