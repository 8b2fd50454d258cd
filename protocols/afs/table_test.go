package afs

import (
	"slices"
	"testing"
)

// TestTable checks the small map against a Go map over a sequence of
// sets and deletes, including deleting absent keys and setting one twice.
func TestTable(t *testing.T) {
	type opT struct {
		del bool
		k   string
		v   int
	}
	cases := []struct {
		name string
		ops  []opT
	}{
		{"empty", nil},
		{"set twice", []opT{{k: "a", v: 1}, {k: "a", v: 2}}},
		{"delete absent", []opT{{del: true, k: "x"}, {k: "a", v: 1}, {del: true, k: "b"}}},
		{"delete middle", []opT{{k: "a", v: 1}, {k: "b", v: 2}, {k: "c", v: 3}, {del: true, k: "b"}, {k: "d", v: 4}}},
		{"delete all, reuse", []opT{{k: "a", v: 1}, {del: true, k: "a"}, {k: "a", v: 5}}},
		// More than tableScan keys: the table indexes them.
		{"indexed", []opT{{k: "a", v: 1}, {k: "b", v: 2}, {k: "c", v: 3}, {k: "d", v: 4}, {k: "e", v: 5},
			{k: "f", v: 6}, {k: "g", v: 7}, {k: "h", v: 8}, {k: "i", v: 9}, {k: "j", v: 10},
			{del: true, k: "b"}, {k: "b", v: 12}, {del: true, k: "j"}, {k: "a", v: 11}, {del: true, k: "x"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var tb table[string, int]
			want := map[string]int{}
			for _, o := range tc.ops {
				if o.del {
					tb.del(o.k)
					delete(want, o.k)
				} else {
					tb.set(o.k, o.v)
					want[o.k] = o.v
				}
			}
			if tb.size() != len(want) {
				t.Errorf("size = %d, want %d", tb.size(), len(want))
			}
			for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "x"} {
				if got := tb.get(k); got != want[k] {
					t.Errorf("get(%q) = %d, want %d", k, got, want[k])
				}
			}
			keys := tb.keys()
			slices.Sort(keys)
			var wantKeys []string
			for k := range want {
				wantKeys = append(wantKeys, k)
			}
			slices.Sort(wantKeys)
			if !slices.Equal(keys, wantKeys) {
				t.Errorf("keys = %v, want %v", keys, wantKeys)
			}
		})
	}
}
