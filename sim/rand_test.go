package sim

import "testing"

// TestSplitMixNth checks that Nth and NthFloat64 give the outputs that
// drawing in sequence gives, and leave the stream where it was.
func TestSplitMixNth(t *testing.T) {
	tests := []struct {
		name string
		s    SplitMix
		skip uint64
	}{
		{"a named stream", NewSplitMix(1, "link/", "a->b"), 0},
		{"far into a stream", NewSplitMix(7, "x"), 1 << 40},
		{"state zero", NewSplitMixState(0), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := tt.s
			at.Skip(tt.skip)
			seq := at
			for i := uint64(1); i <= 20; i++ {
				f := seq
				want := seq.Uint64()
				if got := at.Nth(i); got != want {
					t.Fatalf("Nth(%d) = %#x; want %#x", i, got, want)
				}
				if got, want := at.NthFloat64(i), f.Float64(); got != want {
					t.Fatalf("NthFloat64(%d) = %v; want %v", i, got, want)
				}
			}
			if first := at; first.Uint64() != at.Nth(1) {
				t.Fatal("Nth advanced the stream")
			}
		})
	}
}
