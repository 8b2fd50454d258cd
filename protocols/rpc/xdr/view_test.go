package xdr_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
)

// OpaqueView reads what Opaque reads, and where it fails Opaque fails
// the same way, but its bytes are the input's own.
func TestOpaqueView(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"empty", []byte{0, 0, 0, 0}},
		{"one byte", []byte{0, 0, 0, 1, 9, 0, 0, 0}},
		{"five bytes", []byte{0, 0, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0, 0xAA}},
		{"short", []byte{0, 0, 0, 9, 1, 2}},
		{"bad padding", []byte{0, 0, 0, 1, 9, 0, 0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, wantErr := xdr.NewDecoder(tc.in).Opaque()
			d := xdr.NewDecoder(tc.in)
			got, err := d.OpaqueView()
			if !bytes.Equal(got, want) || fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Fatalf("OpaqueView() = % x, %v; Opaque() = % x, %v", got, err, want, wantErr)
			}
			if len(got) > 0 && (&got[0] != &tc.in[4] || cap(got) != len(got)) {
				t.Errorf("OpaqueView() is a copy, or has capacity %d past its %d bytes; want the input's bytes, capped", cap(got), len(got))
			}
		})
	}
}
