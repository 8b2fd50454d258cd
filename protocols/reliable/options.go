package reliable

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// RTOMode says how the retransmission timeout is chosen.
type RTOMode uint8

const (
	// Adaptive is the lecture's "be adaptive": the RTO of RFC 6298,
	// computed from RTT samples by an Estimator and doubled at every
	// timeout.
	Adaptive RTOMode = iota
	// Fixed always waits Options.FixedTimeout, without backoff: the naive
	// timeout the lecture starts from.
	Fixed
)

func (m RTOMode) String() string {
	switch m {
	case Adaptive:
		return "adaptive"
	case Fixed:
		return "fixed"
	}
	return fmt.Sprintf("RTOMode(%d)", uint8(m))
}

// ParseRTOMode returns the mode named "adaptive" or "fixed", the words of
// the scenario format.
func ParseRTOMode(s string) (RTOMode, error) {
	switch s {
	case "adaptive":
		return Adaptive, nil
	case "fixed":
		return Fixed, nil
	}
	return 0, fmt.Errorf("%w: rto %q: want adaptive or fixed", ErrOptions, s)
}

// DefaultWindow is the window of Options whose Window is 0: 64 messages, so
// that a hole at the left edge does not stop new data, whose ACKs are what
// reveals a lost retransmission (RFC 8985) before the timer would. (TCP's
// window is the receiver's buffer, 64 KiB and more; eight messages, the
// old default, stalled the sender at every hole.)
const DefaultWindow = 64

// MaxWindow is the largest window Validate accepts. It keeps every
// unacknowledged sequence number within half the 32-bit space, where
// serial-number comparison is unambiguous.
const MaxWindow = 1 << 20

// Options configure an Endpoint. The zero Options are valid and give the
// lecture's plain transport: a window of DefaultWindow, the adaptive RTO
// with an initial 1 s and neither floor nor cap, losses repaired by the
// retransmission timer alone, no congestion control, and retransmission
// forever. DefaultOptions gives the scenario format's defaults, which are
// what a modern TCP does: every mechanism below switched on.
type Options struct {
	// Window is how many messages may be unacknowledged at once (the send
	// buffer); 1 is stop-and-wait, 0 means DefaultWindow. The congestion
	// window never grows beyond it.
	Window int
	// RTO chooses the adaptive (RFC 6298) or the fixed timeout.
	RTO RTOMode
	// FixedTimeout is the timeout in Fixed mode; it must be positive then.
	FixedTimeout time.Duration
	// MinRTO is the floor of the adaptive RTO; 0 means none. RFC 6298
	// (2.4) says 1 s; the scenario default is 200 ms.
	MinRTO time.Duration
	// MaxRTO is the cap of the adaptive RTO, backoff included; 0 means
	// none. RFC 6298 (2.5) asks for at least 60 s.
	MaxRTO time.Duration
	// InitialRTO is the RTO before the first RTT sample; 0 means 1 s
	// (RFC 6298 (2.1)). It is clamped to [MinRTO, MaxRTO] like every RTO.
	InitialRTO time.Duration
	// G is the clock granularity of RFC 6298: the RTO is at least
	// SRTT + G.
	G time.Duration
	// MaxRetries is how many times the earliest unacknowledged segment is
	// retransmitted without any progress before the connection fails
	// (ErrTimeout); 0 means retry forever, which is how the transport
	// rides out any finite partition.
	MaxRetries int

	// Timestamps puts the sender's clock in every DATA segment and has the
	// receiver echo it in its ACKs (RFC 7323 §3-4), so that every ACK of
	// new data yields an RTT sample, retransmitted segments included: the
	// echo says which copy the ACK answers. The first ACK after a timeout
	// then collapses the backoff (RFC 6298 §5), where Karn's rule (§3)
	// would leave the backed-off RTO in place until a segment that was
	// never retransmitted is acknowledged. Off: one segment at a time is
	// timed, under Karn's rule.
	Timestamps bool
	// SACK has the receiver report the blocks it holds after a hole
	// (RFC 2018) and duplicates it received (D-SACK, RFC 2883), and the
	// sender keep a scoreboard of them: it retransmits only what is
	// missing, after a timeout as in fast recovery (RFC 6675 §5.1).
	SACK bool
	// FastRetransmit repairs losses without waiting for the timer: on the
	// third duplicate ACK (RFC 5681 §3.2) the sender retransmits and
	// enters fast recovery, which is RFC 6675's (the pipe, NextSeg) with
	// SACK and NewReno's (RFC 6582: a partial ACK retransmits the next
	// hole) without. Off: the lecture's transport, which repairs losses by
	// timeout only.
	FastRetransmit bool
	// RACK detects losses by time, as RACK-TLP does (RFC 8985): a segment
	// is lost when one sent after it was delivered a reordering window
	// ago, which also finds lost retransmissions; and a tail loss probe
	// two smoothed round trips after the last send draws the ACK that
	// starts recovery, where the RTO would wait far longer. It works on
	// the SACK scoreboard and starts fast recovery, so it is on only on
	// connections with SACK, and with FastRetransmit.
	RACK bool
	// CongestionControl limits the bytes in flight to a congestion
	// window that grows by slow start and congestion avoidance and
	// shrinks on loss (RFC 5681 §3.1), as Congestion says. Off: only
	// Window limits the sender, whatever the network does: the overload
	// the lecture warns about ("resending makes overload worse").
	CongestionControl bool
	// Congestion is the controller with CongestionControl on: Reno (the
	// zero value; RFC 5681: the window halved at every loss, one SMSS
	// after a timeout) or Veno (a loss the round trips show to be random
	// cuts it by a fifth only). DefaultOptions chooses Veno.
	Congestion Algorithm
	// SMSS is the sender maximum segment size of RFC 5681 in bytes, the
	// unit in which the congestion window grows and shrinks; 0 means
	// DefaultSMSS. The window counts the payload bytes of the messages in
	// flight, as TCP's counts data bytes, so that many small messages fit
	// where one large one does; a message is never split, and one message
	// may always be in flight whatever its size.
	SMSS int
	// InitialCwnd is the congestion window of a new connection in
	// segments of SMSS bytes; 0 means 10 (RFC 6928).
	InitialCwnd int

	// RecvBuffer is the receive buffer in bytes. The receiver advertises
	// what is free of it as its window (RFC 9293 §3.8.6), and the sender
	// sends no message the window does not take; when it is shut, the
	// sender probes it (the persist timer). 0 means unlimited: no flow
	// control.
	RecvBuffer int
	// ConsumeRate is how many messages per second the receiving
	// application reads, and ConsumeByteRate how many bytes per second;
	// with both, the slower applies. Until read, messages fill the
	// receive buffer and close the window. 0 and 0 mean it reads
	// everything at once.
	ConsumeRate, ConsumeByteRate float64
	// TimeWait is how long the side that closed first waits after both
	// FINs, 2·MSL in RFC 9293 §3.6.1; 0 means DefaultTimeWait.
	TimeWait time.Duration
	// FinTimeout bounds how long a message sent after Close waits for
	// the peer to close its direction, so that the next connection can
	// open; 0 means DefaultFinTimeout. The wait counts from our FIN, or
	// from when the first such message was queued if that is later.
	// Then, if the peer has still not closed, those messages fail with
	// ErrClosing, as do later sends until the connection is over: RFC
	// 9293 §3.10.2 refuses a SEND after CLOSE ("connection closing"),
	// and Linux bounds a FIN_WAIT_2 nobody waits on by
	// net.ipv4.tcp_fin_timeout.
	FinTimeout time.Duration
	// ISN, if not 0, is the initial sequence number of every connection:
	// for tests and diagrams (a stream that starts near 2^32 crosses 0).
	// 0 draws each from the node's random stream, as RFC 9293 §3.4.1 asks.
	ISN uint32
}

// DefaultTimeWait is the TIME_WAIT of Options whose TimeWait is 0: Linux's
// 60 s (RFC 9293 suggests 2·MSL with an MSL of 2 minutes).
const DefaultTimeWait = 60 * time.Second

// DefaultFinTimeout is the FinTimeout of Options whose FinTimeout is 0:
// Linux's net.ipv4.tcp_fin_timeout, 60 s.
const DefaultFinTimeout = 60 * time.Second

// DefaultRecvBuffer is the receive buffer of DefaultOptions: 128 KiB,
// Linux's default.
const DefaultRecvBuffer = 128 << 10

// DefaultSMSS is the SMSS of Options whose SMSS is 0: a TCP segment on
// Ethernet (1500 bytes less 40 of IP and TCP headers).
const DefaultSMSS = 1460

// DefaultOptions returns the defaults of the scenario format's `reliable`
// block, which are what a modern TCP does: window 64, adaptive RTO in
// [200ms, 60s] starting at 1 s, G = 1 ms, a 200 ms fixed timeout for RTO =
// Fixed, retransmission forever, and timestamps, SACK, fast retransmit,
// RACK-TLP and congestion control (Veno) on.
func DefaultOptions() Options {
	return Options{
		Window:            DefaultWindow,
		RTO:               Adaptive,
		FixedTimeout:      200 * time.Millisecond,
		MinRTO:            200 * time.Millisecond,
		MaxRTO:            60 * time.Second,
		InitialRTO:        time.Second,
		G:                 time.Millisecond,
		Timestamps:        true,
		SACK:              true,
		FastRetransmit:    true,
		RACK:              true,
		CongestionControl: true,
		Congestion:        Veno,
		RecvBuffer:        DefaultRecvBuffer,
	}
}

// ErrOptions means Options are invalid.
var ErrOptions = errors.New("reliable: invalid options")

// Validate reports whether o can configure an Endpoint, with an error
// wrapping ErrOptions that names the field if not.
func (o Options) Validate() error {
	switch {
	case o.Window < 0 || o.Window > MaxWindow:
		return fmt.Errorf("%w: window %d outside [0, %d]", ErrOptions, o.Window, MaxWindow)
	case o.RTO != Adaptive && o.RTO != Fixed:
		return fmt.Errorf("%w: %v", ErrOptions, o.RTO)
	case o.Congestion != Reno && o.Congestion != Veno:
		return fmt.Errorf("%w: %v", ErrOptions, o.Congestion)
	case o.RTO == Fixed && o.FixedTimeout <= 0:
		return fmt.Errorf("%w: fixed timeout %v must be positive", ErrOptions, o.FixedTimeout)
	case o.FixedTimeout < 0:
		return fmt.Errorf("%w: fixed timeout %v is negative", ErrOptions, o.FixedTimeout)
	case o.MaxRetries < 0:
		return fmt.Errorf("%w: max retries %d is negative", ErrOptions, o.MaxRetries)
	case o.SMSS < 0 || o.SMSS > MaxPayload:
		return fmt.Errorf("%w: smss %d outside [0, %d]", ErrOptions, o.SMSS, MaxPayload)
	case o.InitialCwnd < 0 || o.InitialCwnd > MaxWindow:
		return fmt.Errorf("%w: initial cwnd %d outside [0, %d]", ErrOptions, o.InitialCwnd, MaxWindow)
	case o.RecvBuffer < 0 || o.RecvBuffer > math.MaxInt32:
		return fmt.Errorf("%w: receive buffer %d outside [0, %d]", ErrOptions, o.RecvBuffer, math.MaxInt32)
	case !(o.ConsumeRate >= 0 && o.ConsumeRate < math.Inf(1)) || !(o.ConsumeByteRate >= 0 && o.ConsumeByteRate < math.Inf(1)):
		return fmt.Errorf("%w: consume rates %v, %v must be finite and not negative", ErrOptions, o.ConsumeRate, o.ConsumeByteRate)
	case o.ConsumeRate > 0 && 1/o.ConsumeRate > float64(math.MaxInt64)/1e9 || o.ConsumeByteRate > 0 && float64(MaxPayload)/o.ConsumeByteRate > float64(math.MaxInt64)/1e9:
		return fmt.Errorf("%w: consume rates %v, %v are too slow", ErrOptions, o.ConsumeRate, o.ConsumeByteRate)
	case o.TimeWait < 0:
		return fmt.Errorf("%w: time wait %v is negative", ErrOptions, o.TimeWait)
	case o.FinTimeout < 0:
		return fmt.Errorf("%w: fin timeout %v is negative", ErrOptions, o.FinTimeout)
	}
	if _, err := New(o.estimatorConfig()); err != nil {
		return fmt.Errorf("%w: min %v, max %v, initial %v, G %v: %v", ErrOptions, o.MinRTO, o.MaxRTO, o.InitialRTO, o.G, err)
	}
	return nil
}

// window returns the effective window.
func (o *Options) window() int {
	if o.Window == 0 {
		return DefaultWindow
	}
	return o.Window
}

// smss returns the effective SMSS.
func (o *Options) smss() int {
	if o.SMSS == 0 {
		return DefaultSMSS
	}
	return o.SMSS
}

// initialCwnd returns the congestion window a connection starts with, in
// bytes.
func (o *Options) initialCwnd() int {
	if o.InitialCwnd == 0 {
		return 10 * o.smss()
	}
	return o.InitialCwnd * o.smss()
}

func (o *Options) estimatorConfig() Config {
	return Config{Initial: o.InitialRTO, Min: o.MinRTO, Max: o.MaxRTO, G: o.G}
}
