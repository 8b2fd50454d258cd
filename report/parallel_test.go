package report

import (
	"fmt"
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

// TestParseSweepShard: a sweep counts its parts from 1, part I taking the
// grid points I-1 modulo N; 0 is part N, as the formula makes it.
func TestParseSweepShard(t *testing.T) {
	for _, tc := range []struct {
		in     string
		part   int
		points []int // the points of 0..9 it takes
		err    string
	}{
		{"1/3", 1, []int{0, 3, 6, 9}, ""},
		{"2/3", 2, []int{1, 4, 7}, ""},
		{"3/3", 3, []int{2, 5, 8}, ""},
		{"0/3", 3, []int{2, 5, 8}, ""}, // a job index counted from 0
		{"1/1", 1, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, ""},
		{"4/3", 0, nil, "the part I must be from 1 to 3 (N; 0 is taken as N), got 4"},
		{"-1/3", 0, nil, "the part I must be from 1 to 3"},
		{"1/0", 0, nil, "N must be from 1 to"},
		{"x", 0, nil, "expected I/N, such as 1/4 (part 1 of 4)"},
	} {
		s, err := ParseSweepShard(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSweepShard(%q) error %v; want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ParseSweepShard(%q): %v", tc.in, err)
		}
		var got []int
		for p := range 10 {
			if s.HasPoint(p) {
				got = append(got, p)
			}
		}
		if s.Part() != tc.part || !cmp.Equal(got, tc.points) {
			t.Errorf("ParseSweepShard(%q): part %d, points %v; want %d, %v", tc.in, s.Part(), got, tc.part, tc.points)
		}
		if want := fmt.Sprintf("%d/%s", tc.part, strings.Split(tc.in, "/")[1]); s.SweepString() != want {
			t.Errorf("ParseSweepShard(%q).SweepString() = %q; want %q", tc.in, s.SweepString(), want)
		}
	}
	// The parts of one N take every point exactly once.
	for n := 1; n <= 5; n++ {
		seen := make([]int, 23)
		for i := 1; i <= n; i++ {
			s, _ := ParseSweepShard(fmt.Sprintf("%d/%d", i, n))
			for p := range seen {
				if s.HasPoint(p) {
					seen[p]++
				}
			}
		}
		for p, c := range seen {
			if c != 1 {
				t.Errorf("N=%d: point %d taken by %d parts", n, p, c)
			}
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
