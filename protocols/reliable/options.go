package reliable

import (
	"errors"
	"fmt"
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

// DefaultWindow is the window of Options whose Window is 0.
const DefaultWindow = 8

// MaxWindow is the largest window Validate accepts. It keeps every
// unacknowledged sequence number within half the 32-bit space, where
// serial-number comparison is unambiguous.
const MaxWindow = 1 << 20

// Options configure an Endpoint. The zero Options are valid: a window of
// DefaultWindow, the adaptive RTO with an initial 1 s and neither floor nor
// cap, and retransmission forever. DefaultOptions gives the scenario
// format's defaults.
type Options struct {
	// Window is how many messages may be unacknowledged at once; 1 is
	// stop-and-wait, 0 means DefaultWindow.
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
	// FastRetransmit retransmits the earliest unacknowledged segment on
	// the third duplicate ACK instead of waiting for the timer (RFC 5681
	// §3.2). Off by default: the lecture's transport repairs losses by
	// timeout only.
	FastRetransmit bool
}

// DefaultOptions returns the defaults of the scenario format's `reliable`
// block: window 8, adaptive RTO in [200ms, 60s] starting at 1 s, G = 1 ms,
// a 200 ms fixed timeout for RTO = Fixed, and retransmission forever.
func DefaultOptions() Options {
	return Options{
		Window:       DefaultWindow,
		RTO:          Adaptive,
		FixedTimeout: 200 * time.Millisecond,
		MinRTO:       200 * time.Millisecond,
		MaxRTO:       60 * time.Second,
		InitialRTO:   time.Second,
		G:            time.Millisecond,
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
	case o.RTO == Fixed && o.FixedTimeout <= 0:
		return fmt.Errorf("%w: fixed timeout %v must be positive", ErrOptions, o.FixedTimeout)
	case o.FixedTimeout < 0:
		return fmt.Errorf("%w: fixed timeout %v is negative", ErrOptions, o.FixedTimeout)
	case o.MaxRetries < 0:
		return fmt.Errorf("%w: max retries %d is negative", ErrOptions, o.MaxRetries)
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

func (o *Options) estimatorConfig() Config {
	return Config{Initial: o.InitialRTO, Min: o.MinRTO, Max: o.MaxRTO, G: o.G}
}
