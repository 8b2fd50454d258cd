package netmodel

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// DelayKind names a delay distribution.
type DelayKind string

// The delay distributions of the scenario format.
const (
	Constant    DelayKind = "constant"
	Uniform     DelayKind = "uniform"
	Exponential DelayKind = "exponential"
	Normal      DelayKind = "normal" // truncated at 0
)

// Delay is a one-way propagation delay distribution. The zero Delay is a
// constant delay of 0 (an empty Kind means Constant).
//
// A Normal delay is truncated at 0 by conditioning, not by clamping: its
// samples follow the normal distribution restricted to [0, ∞), as if every
// negative sample were redrawn, so there is no pile of zero delays. (The
// sampler inverts the distribution function instead of redrawing, so that a
// sample always uses exactly one random number.) When Mean is a few Stddev
// above 0 the truncation hardly matters; otherwise the sample mean is above
// Mean.
type Delay struct {
	Kind DelayKind
	// Value is the delay of a Constant distribution.
	Value time.Duration
	// Min and Max bound a Uniform distribution.
	Min, Max time.Duration
	// Mean is the mean of an Exponential or Normal distribution.
	Mean time.Duration
	// Stddev is the standard deviation of a Normal distribution.
	Stddev time.Duration
}

// Params are the properties of one direction of a link.
type Params struct {
	// Delay is the propagation delay of each copy.
	Delay Delay
	// Bandwidth in bits per second; 0 means unlimited (no serialisation
	// delay).
	Bandwidth float64
	// Loss, Duplicate, Reorder and Corrupt are per-datagram probabilities.
	Loss, Duplicate, Reorder, Corrupt float64
	// ReorderDelay is the maximum extra delay of a reordered datagram.
	ReorderDelay time.Duration
	// Queue and QueueBytes bound the transmit queue behind the
	// bandwidth limit, in datagrams and in bytes: a datagram that would
	// make the queue hold more is dropped at the tail (ReasonQueue), as a
	// router's or an interface's FIFO buffer drops when it is full. 0
	// means unlimited. Both count what the link holds and has not sent in
	// full, the datagram being serialised included. They matter only with
	// a Bandwidth: without one nothing ever waits.
	Queue, QueueBytes int
}

// DefaultParams is what a scenario gets when it does not say otherwise: a
// 5 ms constant delay, unlimited bandwidth and no faults. The reorder delay
// default of 50 ms only matters once reorder is above 0.
func DefaultParams() Params {
	return Params{
		Delay:        Delay{Kind: Constant, Value: 5 * time.Millisecond},
		ReorderDelay: 50 * time.Millisecond,
	}
}

// Patch changes some properties of Params and leaves the rest: a nil field
// means "unchanged". Per-link overrides and mid-run network changes are
// patches.
type Patch struct {
	Delay        *Delay
	Bandwidth    *float64
	Loss         *float64
	Duplicate    *float64
	Reorder      *float64
	ReorderDelay *time.Duration
	Corrupt      *float64
	Queue        *int
	QueueBytes   *int
}

// Apply returns p with patch applied.
func (p Params) Apply(patch Patch) Params {
	if patch.Delay != nil {
		p.Delay = *patch.Delay
	}
	if patch.Bandwidth != nil {
		p.Bandwidth = *patch.Bandwidth
	}
	if patch.Loss != nil {
		p.Loss = *patch.Loss
	}
	if patch.Duplicate != nil {
		p.Duplicate = *patch.Duplicate
	}
	if patch.Reorder != nil {
		p.Reorder = *patch.Reorder
	}
	if patch.ReorderDelay != nil {
		p.ReorderDelay = *patch.ReorderDelay
	}
	if patch.Corrupt != nil {
		p.Corrupt = *patch.Corrupt
	}
	if patch.Queue != nil {
		p.Queue = *patch.Queue
	}
	if patch.QueueBytes != nil {
		p.QueueBytes = *patch.QueueBytes
	}
	return p
}

// LinkPatch is a patch for the direction From -> To of one link. An empty
// From or To matches every node ("*" is accepted as well).
type LinkPatch struct {
	From, To string
	Patch    Patch
	// Shared makes every direction the override matches (of Config.Links;
	// mid-run patches cannot share) one transmit queue: the datagrams of
	// all of them wait for each other behind one bandwidth limit and one
	// queue limit, as on the link into a node that many senders share. A
	// bottleneck: "from: '*', to: R, shared" is R's access link. Each
	// datagram still draws its fate from its own direction's stream.
	Shared bool
}

// Config is the whole network of a scenario: the default link and the
// per-direction overrides, applied in order.
type Config struct {
	Default Params
	Links   []LinkPatch
}

// Matches reports whether the patch applies to the direction from -> to.
func (lp LinkPatch) Matches(from, to string) bool {
	return matchName(lp.From, from) && matchName(lp.To, to)
}

// matchName reports whether pattern ("", "*" or a node name) matches name.
func matchName(pattern, name string) bool {
	return pattern == "" || pattern == "*" || pattern == name
}

// String formats d the way a report shows it: "5ms",
// "uniform(1ms, 20ms)", "exponential(mean 10ms)",
// "normal(mean 10ms, stddev 2ms)".
func (d Delay) String() string {
	f := sim.FormatDuration
	switch d.Kind {
	case "", Constant:
		return f(d.Value)
	case Uniform:
		return "uniform(" + f(d.Min) + ", " + f(d.Max) + ")"
	case Exponential:
		return "exponential(mean " + f(d.Mean) + ")"
	case Normal:
		return "normal(mean " + f(d.Mean) + ", stddev " + f(d.Stddev) + ")"
	}
	return string(d.Kind) + "?"
}

// Validate reports the first thing wrong with d: an unknown distribution, a
// negative duration, or a uniform range whose max is below its min. The
// messages use the scenario format's words (min, max, mean, stddev).
func (d Delay) Validate() error {
	switch d.Kind {
	case "", Constant:
		return nonNegative("constant delay", d.Value)
	case Uniform:
		if err := nonNegative("uniform delay min", d.Min); err != nil {
			return err
		}
		if d.Max < d.Min {
			return fmt.Errorf("uniform delay max %v is below min %v", d.Max, d.Min)
		}
		return nil
	case Exponential:
		return nonNegative("exponential delay mean", d.Mean)
	case Normal:
		if err := nonNegative("normal delay mean", d.Mean); err != nil {
			return err
		}
		return nonNegative("normal delay stddev", d.Stddev)
	}
	return fmt.Errorf("unknown delay distribution %q (want constant, uniform, exponential or normal)", d.Kind)
}

// Validate reports the first thing wrong with p: an invalid delay, a
// probability outside [0, 1], a negative bandwidth or reorder delay. Run it
// before New: the network does not check its parameters, it only makes sure
// that no delay is ever negative.
func (p Params) Validate() error {
	if err := p.Delay.Validate(); err != nil {
		return err
	}
	if err := validBandwidth(p.Bandwidth); err != nil {
		return err
	}
	for _, pr := range [...]struct {
		name string
		v    float64
	}{{"loss", p.Loss}, {"duplicate", p.Duplicate}, {"reorder", p.Reorder}, {"corrupt", p.Corrupt}} {
		if err := probability(pr.name, pr.v); err != nil {
			return err
		}
	}
	if err := nonNegative("reorder_delay", p.ReorderDelay); err != nil {
		return err
	}
	if err := queueLimit("queue", p.Queue); err != nil {
		return err
	}
	return queueLimit("queue_bytes", p.QueueBytes)
}

// MaxQueue is the largest queue limit, in datagrams or bytes, that
// Validate accepts: a bound on the memory one link direction may hold.
const MaxQueue = 1 << 30

// queueLimit rejects a negative or huge queue limit.
func queueLimit(name string, v int) error {
	if v < 0 || v > MaxQueue {
		return fmt.Errorf("%s %d outside [0, %d] (0 means unlimited)", name, v, MaxQueue)
	}
	return nil
}

// Validate reports the first thing wrong with the fields patch sets, with
// the same checks as Params.Validate. Applying a valid patch to valid Params
// gives valid Params.
func (patch Patch) Validate() error {
	if patch.Delay != nil {
		if err := patch.Delay.Validate(); err != nil {
			return err
		}
	}
	if patch.Bandwidth != nil {
		if err := validBandwidth(*patch.Bandwidth); err != nil {
			return err
		}
	}
	for _, pr := range [...]struct {
		name string
		v    *float64
	}{{"loss", patch.Loss}, {"duplicate", patch.Duplicate}, {"reorder", patch.Reorder}, {"corrupt", patch.Corrupt}} {
		if pr.v != nil {
			if err := probability(pr.name, *pr.v); err != nil {
				return err
			}
		}
	}
	if patch.ReorderDelay != nil {
		if err := nonNegative("reorder_delay", *patch.ReorderDelay); err != nil {
			return err
		}
	}
	if patch.Queue != nil {
		if err := queueLimit("queue", *patch.Queue); err != nil {
			return err
		}
	}
	if patch.QueueBytes != nil {
		return queueLimit("queue_bytes", *patch.QueueBytes)
	}
	return nil
}

// Validate checks the default parameters and every per-link override. An
// error about an override names it by position and direction
// ("links[2] (A -> server): loss 1.5 is not a probability in [0, 1]").
func (c Config) Validate() error {
	if err := c.Default.Validate(); err != nil {
		return err
	}
	for i, lp := range c.Links {
		if err := lp.Patch.Validate(); err != nil {
			return fmt.Errorf("links[%d] (%s -> %s): %w", i, orStar(lp.From), orStar(lp.To), err)
		}
	}
	return nil
}

// orStar shows an empty name pattern as the "*" it means.
func orStar(name string) string {
	if name == "" {
		return "*"
	}
	return name
}

// probability rejects values outside [0, 1], NaN included.
func probability(name string, v float64) error {
	if !(v >= 0 && v <= 1) {
		return fmt.Errorf("%s %v is not a probability in [0, 1]", name, v)
	}
	return nil
}

// nonNegative rejects negative durations.
func nonNegative(name string, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("%s %v is negative", name, d)
	}
	return nil
}

// validBandwidth rejects negative and NaN bandwidths; 0 and +Inf both mean
// unlimited.
func validBandwidth(bw float64) error {
	if !(bw >= 0) {
		return fmt.Errorf("bandwidth %v bit/s is not >= 0 (0 means unlimited)", bw)
	}
	return nil
}
