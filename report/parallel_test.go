package report

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Shard
		err  string
	}{
		{"0/1", Shard{0, 1}, ""},
		{"2/4", Shard{2, 4}, ""},
		{" 3/4 ", Shard{3, 4}, ""},
		{"4/4", Shard{0, 4}, ""}, // parts numbered from 1
		{"5/4", Shard{}, "the part I must be from 0 to 3"},
		{"-1/4", Shard{}, "the part I must be from 0 to 3"},
		{"1/0", Shard{}, "N must be from 1 to"},
		{"1", Shard{}, "expected I/N"},
		{"a/b", Shard{}, "expected I/N"},
	} {
		got, err := ParseShard(tc.in)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseShard(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseShard(%q) error %v; want %q", tc.in, err, tc.err)
		}
	}
}

// TestForEachOrdered: whatever the number of workers, emit sees every
// result once, in order; a false from emit stops the loop early.
func TestForEachOrdered(t *testing.T) {
	square := func(i int) int {
		x := 0
		for k := 0; k < (i%7)*1000; k++ { // uneven work, so workers finish out of order
			x += k % 3
		}
		return i*i + x*0
	}
	var want []int
	for i := 0; i < 200; i++ {
		want = append(want, i*i)
	}
	for _, workers := range []int{0, 1, 2, 3, 8, 500} {
		var got, order []int
		ForEachOrdered(200, workers, square, func(i, v int) bool {
			got, order = append(got, v), append(order, i)
			return true
		})
		if !cmp.Equal(got, want) {
			t.Fatalf("%d workers: %v", workers, got)
		}
		for i, o := range order {
			if o != i {
				t.Fatalf("%d workers: emitted %d at position %d", workers, o, i)
			}
		}
		var stopped []int
		ForEachOrdered(200, workers, square, func(i, v int) bool {
			stopped = append(stopped, i)
			return i < 9
		})
		if len(stopped) != 10 || stopped[9] != 9 {
			t.Fatalf("%d workers: stopping at 9 emitted %v", workers, stopped)
		}
	}
	ForEachOrdered(0, 4, square, func(i, v int) bool { t.Fatal("emit with no items"); return true })
}
