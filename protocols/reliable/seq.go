// Sequence-number arithmetic modulo 2^32.

package reliable

// Sequence numbers live in a circle of 2^32 values, as TCP's do (RFC 9293
// §3.4): a stream may start anywhere and cross 0 without confusion, as long
// as every number compared at once lies within half the circle of the
// others. The comparisons are RFC 1982's serial-number arithmetic. The
// window limits (MaxWindow, the receive window) keep every live number far
// inside that half.

// seqLT reports whether a comes before b.
func seqLT(a, b uint32) bool { return int32(a-b) < 0 }

// seqLEQ reports whether a comes before b or is b.
func seqLEQ(a, b uint32) bool { return int32(a-b) <= 0 }

// seqGT reports whether a comes after b.
func seqGT(a, b uint32) bool { return int32(a-b) > 0 }

// seqGEQ reports whether a comes after b or is b.
func seqGEQ(a, b uint32) bool { return int32(a-b) >= 0 }

// seqMax returns the later of a and b.
func seqMax(a, b uint32) uint32 {
	if seqLT(a, b) {
		return b
	}
	return a
}

// seqIn reports whether s lies in [lo, hi).
func seqIn(s, lo, hi uint32) bool { return seqLEQ(lo, s) && seqLT(s, hi) }
