// Package netmodel models the links between simulated nodes: delay
// distributions, bandwidth, loss, duplication, reordering, corruption,
// per-direction overrides and partitions. It implements sim.Network.
package netmodel

import "time"

// DelayKind names a delay distribution.
type DelayKind string

// The delay distributions of the scenario format.
const (
	Constant    DelayKind = "constant"
	Uniform     DelayKind = "uniform"
	Exponential DelayKind = "exponential"
	Normal      DelayKind = "normal" // truncated at 0
)

// Delay is a one-way propagation delay distribution.
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
	Delay Delay
	// Bandwidth in bits per second; 0 means unlimited (no serialisation
	// delay).
	Bandwidth float64
	// Loss, Duplicate, Reorder and Corrupt are per-datagram probabilities.
	Loss, Duplicate, Reorder, Corrupt float64
	// ReorderDelay is the maximum extra delay of a reordered datagram.
	ReorderDelay time.Duration
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
	return p
}

// LinkPatch is a patch for the direction From -> To of one link. An empty
// From or To matches every node ("*" is accepted as well).
type LinkPatch struct {
	From, To string
	Patch    Patch
}

// Config is the whole network of a scenario: the default link and the
// per-direction overrides, applied in order.
type Config struct {
	Default Params
	Links   []LinkPatch
}
