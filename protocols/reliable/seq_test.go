package reliable

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Reference: RFC 9293 §3.4 and RFC 1982: sequence numbers compare modulo
// 2^32, so that a stream may cross 0.
func TestSeqArithmetic(t *testing.T) {
	const top = 0xFFFFFFFF
	tests := []struct {
		a, b            uint32
		lt, leq, gt, ge bool
	}{
		{1, 2, true, true, false, false},
		{2, 1, false, false, true, true},
		{7, 7, false, true, false, true},
		{top, 0, true, true, false, false}, // 2^32-1 comes just before 0
		{0, top, false, false, true, true},
		{top - 5, 3, true, true, false, false},
		{3, top - 5, false, false, true, true},
		// Exactly half the circle apart each comes "before" the other: the
		// one ambiguous distance, which the window limits keep away from.
		{0, 1 << 31, true, true, false, false},
		{1 << 31, 0, true, true, false, false},
	}
	for _, tt := range tests {
		got := [4]bool{seqLT(tt.a, tt.b), seqLEQ(tt.a, tt.b), seqGT(tt.a, tt.b), seqGEQ(tt.a, tt.b)}
		if want := [4]bool{tt.lt, tt.leq, tt.gt, tt.ge}; got != want {
			t.Errorf("(%d, %d): LT LEQ GT GEQ = %v; want %v", tt.a, tt.b, got, want)
		}
	}
	if !seqIn(1, top-2, 4) || seqIn(4, top-2, 4) || seqIn(top-3, top-2, 4) {
		t.Errorf("seqIn across 0 is wrong")
	}
	if seqMax(top, 2) != 2 || seqMax(2, top) != 2 {
		t.Errorf("seqMax(2^32-1, 2) = %d; want 2", seqMax(top, 2))
	}
}

// The receiver's SACK blocks across the top of the sequence space: a run
// from 2^32-2 to 1 is one block, and it ends where it should.
func TestSACKBlocksAcrossZero(t *testing.T) {
	var r receiver
	r.next = 0xFFFFFFFC
	for _, k := range []uint32{0xFFFFFFFE, 0xFFFFFFFF, 0, 1, 3} {
		r.insert(k)
	}
	want := []SACKBlock{{3, 4}, {0xFFFFFFFE, 2}}
	if diff := cmp.Diff(want, r.sackBlocks(nil, false)); diff != "" {
		t.Errorf("blocks (-want +got):\n%s", diff)
	}
	r.dropBlocksBefore(0)
	if diff := cmp.Diff([]SACKBlock{{3, 4}, {0, 2}}, r.sackBlocks(nil, false)); diff != "" {
		t.Errorf("after N passed 0 (-want +got):\n%s", diff)
	}
}
