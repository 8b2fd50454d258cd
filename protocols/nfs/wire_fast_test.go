package nfs

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
)

// The hand-written codec of the hot reply bodies (wire_fast.go) gives
// xdr.Marshal's bytes, and on any input (a valid encoding, cut short,
// lengthened, or with a byte changed) decodes what xdr.Unmarshal decodes
// and fails where it fails.
func TestFastBodiesMatchXDR(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  reflect.Type
	}{
		{"fattr", reflect.TypeOf(Fattr{})},
		{"diropres", reflect.TypeOf(DirOpRes{})},
		{"readres", reflect.TypeOf(ReadRes{})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				v := reflect.New(tc.typ)
				drawValue(t, v.Elem(), "body")
				body := v.Elem().Interface()
				want, err := xdr.Marshal(body)
				if err != nil {
					t.Fatal(err)
				}
				got, ok := appendBody(nil, body)
				if !ok || !bytes.Equal(got, want) {
					t.Fatalf("encoded %x (handled %v); xdr.Marshal gives %x", got, ok, want)
				}
				in := damage(t, want)
				viaXDR, viaFast := reflect.New(tc.typ), reflect.New(tc.typ)
				errXDR := xdr.Unmarshal(in, viaXDR.Interface())
				handled, okFast := readBody(in, viaFast.Interface())
				if !handled || okFast != (errXDR == nil) {
					t.Fatalf("input %x: handled %v, ok %v; xdr.Unmarshal: %v", in, handled, okFast, errXDR)
				}
				if diff := cmp.Diff(viaXDR.Interface(), viaFast.Interface()); diff != "" {
					t.Fatalf("input %x (-xdr +fast):\n%s", in, diff)
				}
			})
		})
	}
}

// damage returns b as it is, cut short, with bytes added, or with one byte
// changed.
func damage(t *rapid.T, b []byte) []byte {
	out := append([]byte(nil), b...)
	switch rapid.IntRange(0, 3).Draw(t, "damage") {
	case 1:
		return out[:rapid.IntRange(0, len(out)).Draw(t, "cut")]
	case 2:
		return append(out, rapid.SliceOfN(rapid.Byte(), 1, 8).Draw(t, "extra")...)
	case 3:
		i := rapid.IntRange(0, len(out)-1).Draw(t, "at")
		out[i] = rapid.Byte().Draw(t, "byte")
	}
	return out
}

// A body the codec does not know is left to the xdr package.
func TestFastBodiesLeaveTheRest(t *testing.T) {
	for _, body := range []any{StatfsRes{}, OpenRes{}, "target", &Fattr{}} {
		if _, ok := appendBody(nil, body); ok {
			t.Errorf("appendBody handled %T", body)
		}
	}
	for _, body := range []any{&StatfsRes{}, &OpenRes{}, new(string), Fattr{}} {
		if handled, _ := readBody(make([]byte, fattrSize), body); handled {
			t.Errorf("readBody handled %T", body)
		}
	}
}
