package scenarios

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The decoders of single values. Each takes the value's node and the key it
// belongs to (for the message), reports what was expected and what was
// found, and returns false on error.

// scalar resolves n and checks that it is a non-null scalar.
func (l *loader) scalar(n *yaml.Node, what, expected string) (*yaml.Node, bool) {
	n = l.resolve(n)
	if n == nil {
		return nil, false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		l.errf(n, "%s: expected %s, got %s", what, expected, describe(n))
		return nil, false
	}
	return n, true
}

// str decodes any scalar as its text: data: 42 is "42".
func (l *loader) str(n *yaml.Node, what string) (string, bool) {
	n, ok := l.scalar(n, what, "a text value")
	if !ok {
		return "", false
	}
	return n.Value, true
}

// nonEmpty decodes a non-empty text value.
func (l *loader) nonEmpty(n *yaml.Node, what string) (string, bool) {
	s, ok := l.str(n, what)
	if ok && strings.TrimSpace(s) == "" {
		l.errf(n, "%s: expected a non-empty value, got %s", what, describe(n))
		return "", false
	}
	return s, ok
}

// nodeNamePattern is the form of a node name.
var nodeNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// nodeName decodes a node name; with star, "*" (any node) is accepted too.
func (l *loader) nodeName(n *yaml.Node, what string, star bool) (string, bool) {
	s, ok := l.str(n, what)
	if !ok {
		return "", false
	}
	if star && s == "*" {
		return s, true
	}
	if !nodeNamePattern.MatchString(s) {
		extra := ""
		if star {
			extra = ", or * for any node"
		}
		l.errf(n, "%s: expected a node name (letters, digits, _ and -)%s, got %s", what, extra, describe(n))
		return "", false
	}
	if len(s) > MaxNodeName {
		l.errf(n, "%s: a node name has at most %d characters (RPC's AUTH_SYS credential carries it, RFC 5531), got %d", what, MaxNodeName, len(s))
		return "", false
	}
	return s, true
}

// MaxNodeName bounds a node's name: the systems over RPC send it as the
// machine name of their AUTH_SYS credentials, which RFC 5531 bounds to
// 255 bytes (a longer one made every call fail with EAUTH).
const MaxNodeName = 255

// fdPattern is the form of an fd name.
var fdPattern = nodeNamePattern

// unsigned decodes a non-negative integer of up to 64 bits.
func (l *loader) unsigned(n *yaml.Node, what string) (uint64, bool) {
	n, ok := l.scalar(n, what, "a non-negative integer")
	if !ok {
		return 0, false
	}
	var v uint64
	if n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		switch {
		case n.ShortTag() != "!!int":
			l.errf(n, "%s: expected a non-negative integer, got %s", what, describe(n))
		case strings.HasPrefix(n.Value, "-"):
			l.errf(n, "%s: expected a non-negative integer, got %s", what, n.Value)
		default:
			l.errf(n, "%s: expected an integer of at most 64 bits, got %s", what, n.Value)
		}
		return 0, false
	}
	return v, true
}

// maxStatedBound is the largest upper bound an integer's error states
// whatever the value: larger ones (2^31, 2^63) are limits of the
// representation, named only when a value passes them.
const maxStatedBound = 1 << 30

// integer decodes an integer in [lo, hi].
func (l *loader) integer(n *yaml.Node, what string, lo, hi int64) (int, bool) {
	expected := "an integer"
	switch {
	case lo == 0:
		expected = "a non-negative integer"
	case lo == 1:
		expected = "a positive integer"
	}
	if hi <= maxStatedBound {
		// A bound a user can reach is stated at once, also for a value
		// that is no integer at all (1e9, 2.5).
		expected = fmt.Sprintf("an integer from %d to %d", lo, hi)
	}
	n, ok := l.scalar(n, what, expected)
	if !ok {
		return 0, false
	}
	var v int64
	if n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		l.errf(n, "%s: expected %s, got %s", what, expected, describe(n))
		return 0, false
	}
	if v < lo || v > hi {
		l.errf(n, "%s: expected an integer from %d to %d, got %d", what, lo, hi, v)
		return 0, false
	}
	return int(v), true
}

// boolean decodes true or false.
func (l *loader) boolean(n *yaml.Node, what string) (bool, bool) {
	n, ok := l.scalar(n, what, "true or false")
	if !ok {
		return false, false
	}
	var v bool
	if n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
		l.errf(n, "%s: expected true or false, got %s", what, describe(n))
		return false, false
	}
	return v, true
}

// enum decodes one of options.
func (l *loader) enum(n *yaml.Node, what string, options []string) (string, bool) {
	s, ok := l.str(n, what)
	if !ok {
		return "", false
	}
	if !contains(options, s) {
		l.errf(n, "%s: expected %s, got %s%s", what, orList(options), describe(n), didYouMean(s, options, ""))
		return "", false
	}
	return s, true
}

// numberOrText reports whether a scalar may hold a quantity: a number, or
// text such as "1.5s".
func numberOrText(n *yaml.Node) bool {
	switch n.ShortTag() {
	case "!!int", "!!float", "!!str":
		return true
	}
	return false
}

// durationExpected is the description of a duration in messages.
const durationExpected = "a duration such as 1.5s, 300ms or a number of seconds"

// duration decodes a non-negative duration: a Go duration or seconds.
func (l *loader) duration(n *yaml.Node, what string) (time.Duration, bool) {
	n, ok := l.scalar(n, what, durationExpected)
	if !ok {
		return 0, false
	}
	var d time.Duration
	err := errSyntax
	if numberOrText(n) {
		d, err = parseDuration(n.Value)
	}
	switch {
	case err == nil:
		return d, true
	case errors.Is(err, errNegative):
		l.errf(n, "%s: expected a duration that is not negative, got %s", what, n.Value)
	case errors.Is(err, errTooLarge):
		l.errf(n, "%s: the duration %s is too large", what, n.Value)
	default:
		l.errf(n, "%s: expected %s, got %s", what, durationExpected, describe(n))
	}
	return 0, false
}

// positiveDuration decodes a duration above 0.
func (l *loader) positiveDuration(n *yaml.Node, what string) (time.Duration, bool) {
	d, ok := l.duration(n, what)
	if ok && d <= 0 {
		l.errf(n, "%s: expected a duration above 0, got %s", what, n.Value)
		return 0, false
	}
	return d, ok
}

// probability decodes a number in [0, 1] (or a percentage).
func (l *loader) probability(n *yaml.Node, what string) (float64, bool) {
	const expected = "a probability between 0 and 1"
	n, ok := l.scalar(n, what, expected)
	if !ok {
		return 0, false
	}
	if numberOrText(n) {
		if p, err := parseProbability(n.Value); err == nil {
			return p, true
		}
	}
	l.errf(n, "%s: expected %s, got %s", what, expected, describe(n))
	return 0, false
}

// sizeExpected is the description of a size in messages.
const sizeExpected = "a size such as 100B, 1KB, 1KiB or a number of bytes"

// size decodes a size in bytes in [lo, hi].
func (l *loader) size(n *yaml.Node, what string, lo, hi int64) (int, bool) {
	n, ok := l.scalar(n, what, sizeExpected)
	if !ok {
		return 0, false
	}
	err := errSyntax
	var b int64
	if numberOrText(n) {
		b, err = parseSize(n.Value)
	}
	switch {
	case err == nil && b >= lo && b <= hi:
		return int(b), true
	case err == nil, errors.Is(err, errTooLarge):
		l.errf(n, "%s: expected a size from %d to %d bytes, got %s", what, lo, hi, n.Value)
	case errors.Is(err, errNegative):
		l.errf(n, "%s: expected a size that is not negative, got %s", what, n.Value)
	default:
		l.errf(n, "%s: expected %s, got %s", what, sizeExpected, describe(n))
	}
	return 0, false
}

// bandwidthExpected is the description of a bandwidth in messages.
const bandwidthExpected = "a bandwidth such as 10Mbps, 500kbps or a number of bits per second"

// bandwidth decodes a bandwidth in bits per second (0 = unlimited).
func (l *loader) bandwidth(n *yaml.Node, what string) (float64, bool) {
	n, ok := l.scalar(n, what, bandwidthExpected)
	if !ok {
		return 0, false
	}
	err := errSyntax
	var bw float64
	if numberOrText(n) {
		bw, err = parseBandwidth(n.Value)
	}
	switch {
	case err == nil:
		return bw, true
	case errors.Is(err, errNegative):
		l.errf(n, "%s: expected a bandwidth that is not negative (0 means unlimited), got %s", what, n.Value)
	case errors.Is(err, errTooLarge):
		l.errf(n, "%s: the bandwidth %s is too large", what, n.Value)
	default:
		l.errf(n, "%s: expected %s, got %s", what, bandwidthExpected, describe(n))
	}
	return 0, false
}
