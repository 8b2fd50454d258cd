package scenarios

import (
	"sort"
	"testing"

	"github.com/sim-lecture/sim/sim"
)

// TestFamilyPopularity checks the choice of a family's file: uniform
// gives each file about the same share, Zipf's law gives file k a share
// about proportional to 1/k^s (so the first is the most popular).
func TestFamilyPopularity(t *testing.T) {
	cases := []struct {
		name   string
		family FileFamily
		// want is each file's expected share.
		want []float64
	}{
		{"uniform", FileFamily{Count: 4, Choose: "uniform"}, []float64{0.25, 0.25, 0.25, 0.25}},
		{"zipf s=1", FileFamily{Count: 3, Choose: "zipf", S: 1}, []float64{6.0 / 11, 3.0 / 11, 2.0 / 11}},
		{"zipf s=2", FileFamily{Count: 2, Choose: "zipf", S: 2}, []float64{0.8, 0.2}},
	}
	const draws = 100_000
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cdf := familyCDF(&tc.family)
			r := sim.NewRand(1, "test")
			counts := make([]int, tc.family.Count)
			for range draws {
				counts[sort.SearchFloat64s(cdf, r.Float64())]++
			}
			for k, want := range tc.want {
				if got := float64(counts[k]) / draws; got < want-0.01 || got > want+0.01 {
					t.Errorf("file %d: share %.3f; want %.3f", k+1, got, want)
				}
			}
		})
	}
}
