package sim

import (
	"math"
	"math/bits"
)

// Rand is a deterministic pseudo-random stream (xoshiro256**). The simulator
// implements its own generator instead of using math/rand so that a seed gives
// the same numbers with every Go release: the output of a run is part of the
// user-facing contract.
//
// Streams are derived by name (NewRand): every component gets its own, so
// adding a node or a link never shifts the numbers another one sees.
type Rand struct {
	s [4]uint64
}

// splitmix64 advances *x and returns the next output of SplitMix64, the
// recommended way to seed xoshiro from a single word.
func splitmix64(x *uint64) uint64 {
	*x += 0x9e3779b97f4a7c15
	z := *x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// hashName is FNV-1a over name, used to separate streams by component name.
func hashName(name string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return h
}

// NewRand returns the stream for component name under the run's seed. The
// same (seed, name) always yields the same stream; different names yield
// independent-looking streams.
func NewRand(seed uint64, name string) *Rand {
	x := seed ^ bits.RotateLeft64(hashName(name), 17)
	// Mix the seed and the name hash through SplitMix64 twice so that seeds
	// that differ in one bit give unrelated states.
	x = splitmix64(&x) ^ hashName(name)
	r := &Rand{}
	for i := range r.s {
		r.s[i] = splitmix64(&x)
	}
	return r
}

// Uint64 returns the next 64 random bits.
func (r *Rand) Uint64() uint64 {
	s := &r.s
	result := bits.RotateLeft64(s[1]*5, 7) * 9
	t := s[1] << 17
	s[2] ^= s[0]
	s[3] ^= s[1]
	s[1] ^= s[2]
	s[0] ^= s[3]
	s[2] ^= t
	s[3] = bits.RotateLeft64(s[3], 45)
	return result
}

// Float64 returns a uniform number in [0, 1) with 53 random bits.
func (r *Rand) Float64() float64 {
	return float64(r.Uint64()>>11) / (1 << 53)
}

// Bernoulli reports true with probability p. It consumes one number even
// when p is 0 or 1, so that changing a probability does not shift the rest
// of the stream.
func (r *Rand) Bernoulli(p float64) bool {
	return r.Float64() < p
}

// IntN returns a uniform integer in [0, n). It panics if n <= 0, which is a
// programming error, never a user error.
func (r *Rand) IntN(n int) int {
	if n <= 0 {
		panic("sim: Rand.IntN with n <= 0")
	}
	// Lemire's multiply-shift with rejection: unbiased and usually one draw.
	un := uint64(n)
	hi, lo := bits.Mul64(r.Uint64(), un)
	if lo < un {
		thresh := -un % un
		for lo < thresh {
			hi, lo = bits.Mul64(r.Uint64(), un)
		}
	}
	return int(hi)
}

// Int63n returns a uniform integer in [0, n) for int64 ranges such as
// nanosecond delays.
func (r *Rand) Int63n(n int64) int64 {
	if n <= 0 {
		panic("sim: Rand.Int63n with n <= 0")
	}
	un := uint64(n)
	hi, lo := bits.Mul64(r.Uint64(), un)
	if lo < un {
		thresh := -un % un
		for lo < thresh {
			hi, lo = bits.Mul64(r.Uint64(), un)
		}
	}
	return int64(hi)
}

// ExpFloat64 returns an exponentially distributed number with mean 1, by
// inversion so that it uses exactly one draw.
func (r *Rand) ExpFloat64() float64 {
	// 1-U is in (0, 1], so the logarithm is finite.
	return -math.Log(1 - r.Float64())
}

// NormFloat64 returns a standard normal number (Box-Muller, two draws).
func (r *Rand) NormFloat64() float64 {
	u1 := 1 - r.Float64() // (0, 1]
	u2 := r.Float64()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// SplitMix is an 8-byte random stream (SplitMix64), for components that need
// their own stream by the million, such as the links of a thousand-node
// network, where a 32-byte Rand per link would cost cache misses on every
// message. Its quality is ample for drawing fates and delays.
type SplitMix struct {
	state uint64
}

// NewSplitMix returns the stream named by the concatenation of parts under
// seed. Passing the name in parts avoids building the string.
func NewSplitMix(seed uint64, parts ...string) SplitMix {
	h := uint64(fnvOffset)
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			h ^= uint64(p[i])
			h *= fnvPrime
		}
	}
	x := seed ^ bits.RotateLeft64(h, 17)
	return SplitMix{state: splitmix64(&x) ^ h}
}

// Uint64 returns the next 64 random bits.
func (s *SplitMix) Uint64() uint64 { return splitmix64(&s.state) }

// Float64 returns a uniform number in [0, 1) with 53 random bits.
func (s *SplitMix) Float64() float64 {
	return float64(splitmix64(&s.state)>>11) / (1 << 53)
}

// NewSplitMixState returns the SplitMix stream whose state is state: the
// stream's next output is the SplitMix64 output after state.
func NewSplitMixState(state uint64) SplitMix { return SplitMix{state: state} }

// Nth returns the stream's n-th next output (1 is what Uint64 would
// return next) without advancing it: SplitMix64's state is a counter, so
// any output can be computed directly. A component that draws a fixed
// number of values per use can compute only those it needs and still
// leave the stream where drawing all of them would.
func (s *SplitMix) Nth(n uint64) uint64 { return Mix64(s.state + n*0x9e3779b97f4a7c15) }

// NthFloat64 is Nth as Float64 would give it: a uniform number in [0, 1).
func (s *SplitMix) NthFloat64(n uint64) float64 { return float64(s.Nth(n)>>11) / (1 << 53) }

// Skip advances the stream by n outputs in constant time (SplitMix64's state
// is a counter), so that a component can keep just a count per instance and
// rebuild the stream position on demand.
func (s *SplitMix) Skip(n uint64) { s.state += n * 0x9e3779b97f4a7c15 }

// Mix64 is SplitMix64's finaliser: a bijective scrambling of x, for deriving
// keys from several numbers.
func Mix64(x uint64) uint64 {
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// HashString is the FNV-1a hash of s, the hash stream names use.
func HashString(s string) uint64 { return hashName(s) }
