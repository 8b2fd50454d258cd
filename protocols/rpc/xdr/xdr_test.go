package xdr_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
)

// hexBytes parses "00 00 00 01"-style hex, ignoring spaces.
func hexBytes(t testing.TB, s string) []byte {
	t.Helper()
	var b []byte
	for _, f := range strings.Fields(s) {
		var x byte
		if _, err := fmt.Sscanf(f, "%02x", &x); err != nil {
			t.Fatalf("bad hex %q: %v", f, err)
		}
		b = append(b, x)
	}
	return b
}

type status uint32

type pair struct {
	A uint32
	b int // unexported: not sent
	C string
}

type optional struct {
	P *uint32
	Q *pair
}

// Reference: RFC 4506 §§4.1-4.19 (block size 4, big-endian, zero padding).
func TestMarshalKnownEncodings(t *testing.T) {
	five := uint32(5)
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"uint32 1", uint32(1), "00 00 00 01"},
		{"named uint32", status(70), "00 00 00 46"},
		{"int32 -1", int32(-1), "ff ff ff ff"},
		{"int8 -2 as int", int8(-2), "ff ff ff fe"},
		{"uint8 as unsigned int", uint8(255), "00 00 00 ff"},
		{"int16 as int", int16(-32768), "ff ff 80 00"},
		{"uint64 hyper", uint64(1), "00 00 00 00 00 00 00 01"},
		{"int is hyper", int(-1), "ff ff ff ff ff ff ff ff"},
		{"uint is hyper", uint(1) << 40, "00 00 01 00 00 00 00 00"},
		{"true", true, "00 00 00 01"},
		{"false", false, "00 00 00 00"},
		{"float32", float32(1), "3f 80 00 00"},
		{"float64", float64(-2), "c0 00 00 00 00 00 00 00"},
		{"string abc", "abc", "00 00 00 03 61 62 63 00"},
		{"string abcd no pad", "abcd", "00 00 00 04 61 62 63 64"},
		{"empty string", "", "00 00 00 00"},
		{"opaque", []byte{1, 2, 3, 4, 5}, "00 00 00 05 01 02 03 04 05 00 00 00"},
		{"nil opaque", []byte(nil), "00 00 00 00"},
		{"fixed opaque", [3]byte{1, 2, 3}, "01 02 03 00"},
		{"fixed array", [2]uint16{1, 2}, "00 00 00 01 00 00 00 02"},
		{"variable array", []uint32{7, 8}, "00 00 00 02 00 00 00 07 00 00 00 08"},
		{"struct skips unexported", pair{A: 1, b: 2, C: "x"}, "00 00 00 01 00 00 00 01 78 00 00 00"},
		{"empty struct", struct{}{}, ""},
		{"nil optionals", optional{}, "00 00 00 00 00 00 00 00"},
		{"present optionals", optional{P: &five, Q: &pair{A: 9}},
			"00 00 00 01 00 00 00 05 00 00 00 01 00 00 00 09 00 00 00 00"},
		{"top-level pointer followed", &five, "00 00 00 05"},
		{"strings array", []string{"a", "bc"}, "00 00 00 02 00 00 00 01 61 00 00 00 00 00 00 02 62 63 00 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := xdr.Marshal(tt.v)
			if err != nil {
				t.Fatalf("Marshal(%#v): %v", tt.v, err)
			}
			if want := hexBytes(t, tt.want); !bytes.Equal(got, want) {
				t.Errorf("Marshal(%#v) = % x; want % x", tt.v, got, want)
			}
		})
	}
}

func TestEncoderDecoder(t *testing.T) {
	e := xdr.NewEncoder([]byte{0xaa}) // appends after existing bytes
	e.Uint32(1)
	e.Int32(-1)
	e.Uint64(2)
	e.Int64(-2)
	e.Bool(true)
	e.Float32(1.5)
	e.Float64(-0.25)
	e.String("hello")
	e.Opaque([]byte{9})
	e.FixedOpaque([]byte{7, 7})
	if err := e.Err(); err != nil {
		t.Fatalf("Err() = %v", err)
	}
	b := e.Bytes()
	if b[0] != 0xaa || (len(b)-1)%4 != 0 {
		t.Fatalf("Bytes() = % x; want 0xaa then a multiple of 4 bytes", b)
	}

	d := xdr.NewDecoder(b[1:])
	var got []any
	add := func(v any, err error) {
		if err != nil {
			t.Fatalf("decoding item %d: %v", len(got), err)
		}
		got = append(got, v)
	}
	add(d.Uint32())
	add(d.Int32())
	add(d.Uint64())
	add(d.Int64())
	add(d.Bool())
	add(d.Float32())
	add(d.Float64())
	add(d.String())
	add(d.Opaque())
	add(d.FixedOpaque(2))
	want := []any{uint32(1), int32(-1), uint64(2), int64(-2), true, float32(1.5), -0.25, "hello", []byte{9}, []byte{7, 7}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded items (-want +got):\n%s", diff)
	}
	if n := d.Remaining(); n != 0 {
		t.Errorf("Remaining() = %d; want 0", n)
	}
}

// Decoder methods fail without moving, so a caller can report the offset.
func TestDecoderErrorsDoNotAdvance(t *testing.T) {
	tests := []struct {
		name string
		in   string
		read func(d *xdr.Decoder) error
		want error
	}{
		{"short uint32", "00 00 01", func(d *xdr.Decoder) error { _, err := d.Uint32(); return err }, xdr.ErrShort},
		{"short uint64", "00 00 00 00 01", func(d *xdr.Decoder) error { _, err := d.Uint64(); return err }, xdr.ErrShort},
		{"bool 2", "00 00 00 02", func(d *xdr.Decoder) error { _, err := d.Bool(); return err }, xdr.ErrInvalid},
		{"huge opaque length", "ff ff ff ff 00", func(d *xdr.Decoder) error { _, err := d.Opaque(); return err }, xdr.ErrShort},
		{"huge string length", "7f ff ff ff", func(d *xdr.Decoder) error { _, err := d.String(); return err }, xdr.ErrShort},
		{"missing padding", "00 00 00 01 61", func(d *xdr.Decoder) error { _, err := d.String(); return err }, xdr.ErrShort},
		{"non-zero padding", "00 00 00 01 61 00 01 00", func(d *xdr.Decoder) error { _, err := d.String(); return err }, xdr.ErrInvalid},
		{"fixed non-zero padding", "01 02 03 04 05 00 00 09", func(d *xdr.Decoder) error { _, err := d.FixedOpaque(5); return err }, xdr.ErrInvalid},
		{"fixed negative", "00 00 00 00", func(d *xdr.Decoder) error { _, err := d.FixedOpaque(-1); return err }, xdr.ErrShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := hexBytes(t, tt.in)
			d := xdr.NewDecoder(in)
			if err := tt.read(d); !errors.Is(err, tt.want) {
				t.Errorf("error = %v; want %v", err, tt.want)
			}
			if d.Remaining() != len(in) {
				t.Errorf("Remaining() after error = %d; want %d", d.Remaining(), len(in))
			}
		})
	}
}

type listNode struct {
	V    uint32
	Next *listNode
}

func TestUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		into any
		want error
	}{
		{"empty", "", new(uint32), xdr.ErrShort},
		{"trailing", "00 00 00 01 00 00 00 00", new(uint32), xdr.ErrTrailing},
		{"trailing partial", "00 00 00 01 00", new(uint32), xdr.ErrTrailing},
		{"uint8 overflow", "00 00 01 00", new(uint8), xdr.ErrInvalid},
		{"int8 overflow", "00 00 00 80", new(int8), xdr.ErrInvalid},
		{"int16 underflow", "ff ff 7f ff", new(int16), xdr.ErrInvalid},
		{"bool 7", "00 00 00 07", new(bool), xdr.ErrInvalid},
		{"optional flag 2", "00 00 00 02", new(*uint32), xdr.ErrInvalid},
		{"huge slice count", "ff ff ff ff 00 00 00 01", new([]uint32), xdr.ErrShort},
		{"slice count above bytes/4", "00 00 00 02 00 00 00 01 00 00", new([]uint32), xdr.ErrShort},
		{"huge string", "ff ff ff fc", new(string), xdr.ErrShort},
		{"list cut short", "00 00 00 01 00 00 00 01 00 00 00 02", new(listNode), xdr.ErrShort},
		{"fixed opaque padding", "01 02 03 ff", new([3]byte), xdr.ErrInvalid},
		{"not a pointer", "00 00 00 01", uint32(0), xdr.ErrUnsupported},
		{"nil pointer", "00 00 00 01", (*uint32)(nil), xdr.ErrUnsupported},
		{"nil", "00 00 00 01", nil, xdr.ErrUnsupported},
		{"map", "00 00 00 00", new(map[string]int), xdr.ErrUnsupported},
		{"nested chan in empty slice", "00 00 00 00", new([]struct{ C chan int }), xdr.ErrUnsupported},
		{"zero-size elements", "00 00 00 00", new([]struct{}), xdr.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := xdr.Unmarshal(hexBytes(t, tt.in), tt.into)
			if !errors.Is(err, tt.want) {
				t.Errorf("Unmarshal(%s, %T) error = %v; want %v", tt.in, tt.into, err, tt.want)
			}
		})
	}
}

func TestMarshalUnsupported(t *testing.T) {
	one := 1
	tests := []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"nil pointer", (*int)(nil)},
		{"map", map[int]int{}},
		{"chan", make(chan int)},
		{"func", func() {}},
		{"complex", complex(1, 2)},
		{"uintptr", uintptr(1)},
		{"interface field", struct{ I any }{I: 1}},
		{"pointer to interface", struct{ P *any }{}},
		{"empty slice of maps", []map[int]int(nil)},
		{"zero-size elements", []struct{}{{}}},
		{"zero-size arrays", [][0]int{}},
		{"pointer to pointer to map", &struct{ P **map[int]int }{}},
		{"ok control", &one},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := xdr.Marshal(tt.v)
			if tt.name == "ok control" {
				if err != nil {
					t.Errorf("Marshal(%T) error = %v; want nil", tt.v, err)
				}
				return
			}
			if !errors.Is(err, xdr.ErrUnsupported) {
				t.Errorf("Marshal(%T) error = %v; want ErrUnsupported", tt.v, err)
			}
		})
	}
}

// Leaf holds one field of every supported scalar kind. float32 is left out
// because a signalling NaN may come back quiet.
type Leaf struct {
	B   bool
	I8  int8
	I16 int16
	I32 int32
	I   int
	I64 int64
	U8  uint8
	U16 uint16
	U32 uint32
	U   uint
	U64 uint64
	F64 float64
	S   string
	Op  []byte
	Fix [5]byte
	Arr [2]int16
}

// Tree nests structs through pointers, slices, slices of pointers and
// arrays.
type Tree struct {
	Name  string
	Leaf  *Leaf
	Kids  []Tree
	Next  *Tree
	Nums  []uint32
	Ptrs  []*int64
	Pairs [2]*Leaf
}

func leafGen() *rapid.Generator[Leaf] {
	return rapid.Custom(func(t *rapid.T) Leaf {
		return Leaf{
			B:   rapid.Bool().Draw(t, "B"),
			I8:  rapid.Int8().Draw(t, "I8"),
			I16: rapid.Int16().Draw(t, "I16"),
			I32: rapid.Int32().Draw(t, "I32"),
			I:   rapid.Int().Draw(t, "I"),
			I64: rapid.Int64().Draw(t, "I64"),
			U8:  rapid.Uint8().Draw(t, "U8"),
			U16: rapid.Uint16().Draw(t, "U16"),
			U32: rapid.Uint32().Draw(t, "U32"),
			U:   rapid.Uint().Draw(t, "U"),
			U64: rapid.Uint64().Draw(t, "U64"),
			F64: rapid.Float64().Draw(t, "F64"),
			S:   rapid.String().Draw(t, "S"),
			Op:  rapid.SliceOfN(rapid.Byte(), 0, 9).Draw(t, "Op"),
			Fix: [5]byte(rapid.SliceOfN(rapid.Byte(), 5, 5).Draw(t, "Fix")),
			Arr: [2]int16{rapid.Int16().Draw(t, "Arr0"), rapid.Int16().Draw(t, "Arr1")},
		}
	})
}

func ptrGen[T any](g *rapid.Generator[T]) *rapid.Generator[*T] {
	return rapid.Custom(func(t *rapid.T) *T {
		if rapid.Bool().Draw(t, "present") {
			v := g.Draw(t, "value")
			return &v
		}
		return nil
	})
}

func treeGen(depth int) *rapid.Generator[Tree] {
	return rapid.Custom(func(t *rapid.T) Tree {
		tr := Tree{
			Name:  rapid.StringN(0, 6, -1).Draw(t, "Name"),
			Leaf:  ptrGen(leafGen()).Draw(t, "Leaf"),
			Nums:  rapid.SliceOfN(rapid.Uint32(), 0, 4).Draw(t, "Nums"),
			Ptrs:  rapid.SliceOfN(ptrGen(rapid.Int64()), 0, 3).Draw(t, "Ptrs"),
			Pairs: [2]*Leaf{ptrGen(leafGen()).Draw(t, "Pair0"), ptrGen(leafGen()).Draw(t, "Pair1")},
		}
		if depth > 0 {
			tr.Kids = rapid.SliceOfN(treeGen(depth-1), 0, 2).Draw(t, "Kids")
			tr.Next = ptrGen(treeGen(depth-1)).Draw(t, "Next")
		}
		return tr
	})
}

// XDR cannot tell a nil slice from an empty one. NaNs compare equal here;
// their bits are checked by re-encoding.
var cmpOpts = []cmp.Option{cmpopts.EquateEmpty(), cmpopts.EquateNaNs()}

func TestRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		want := treeGen(3).Draw(t, "tree")
		b, err := xdr.Marshal(want)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		if len(b)%4 != 0 {
			t.Fatalf("len(Marshal) = %d; want a multiple of 4", len(b))
		}
		var got Tree
		if err := xdr.Unmarshal(b, &got); err != nil {
			t.Fatalf("Unmarshal: %v", err)
		}
		if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
		// The encoding is canonical: the copy encodes to the same bytes,
		// NaN payloads included.
		again, err := xdr.Marshal(&got)
		if err != nil {
			t.Fatalf("Marshal(copy): %v", err)
		}
		if !bytes.Equal(b, again) {
			t.Fatalf("Marshal(Unmarshal(b)) = % x; want % x", again, b)
		}
	})
}

// The lecture's smart RPC package follows pointers and copies the data: the
// receiver's copy shares nothing with the sender's value.
func TestPointersCopiedByValue(t *testing.T) {
	x := int64(42)
	orig := &Tree{Name: "root", Leaf: &Leaf{S: "leaf", Op: []byte{1, 2}}, Ptrs: []*int64{&x, &x}}
	b, err := xdr.Marshal(orig)
	if err != nil {
		t.Fatal(err)
	}
	// Mutating the sender's data after marshaling must not reach the copy.
	x = 7
	orig.Leaf.S = "changed"
	orig.Leaf.Op[0] = 99

	var got Tree
	if err := xdr.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Leaf.S != "leaf" || got.Leaf.Op[0] != 1 || *got.Ptrs[0] != 42 {
		t.Errorf("decoded copy = %+v, %+v, %d; want the values at Marshal time", got, *got.Leaf, *got.Ptrs[0])
	}
	if got.Leaf == orig.Leaf || got.Ptrs[0] == &x {
		t.Errorf("decoded pointers alias the original")
	}
	// Two pointers to one object arrive as two objects.
	if got.Ptrs[0] == got.Ptrs[1] {
		t.Errorf("shared pointer decoded as one allocation; want two copies")
	}
	*got.Ptrs[0] = 1
	if *got.Ptrs[1] != 42 {
		t.Errorf("copies of a shared pointer are linked")
	}
	// The decoded opaque does not alias the input bytes either.
	for i := range b {
		b[i] = 0
	}
	if got.Leaf.Op[1] != 2 || got.Name != "root" {
		t.Errorf("decoded value changed when the input buffer was overwritten")
	}
}

func TestUnmarshalLeavesTargetOnError(t *testing.T) {
	want := pair{A: 1, b: 2, C: "keep"}
	got := want
	// A whole uint32 and then a string with a lying length.
	err := xdr.Unmarshal(hexBytes(t, "00 00 00 05 00 00 00 09 61"), &got)
	if !errors.Is(err, xdr.ErrShort) {
		t.Fatalf("error = %v; want ErrShort", err)
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(pair{})); diff != "" {
		t.Errorf("target changed on error (-want +got):\n%s", diff)
	}
}

func TestCyclesAndDepth(t *testing.T) {
	cyc := &listNode{V: 1}
	cyc.Next = &listNode{V: 2, Next: cyc}
	if _, err := xdr.Marshal(cyc); !errors.Is(err, xdr.ErrTooDeep) {
		t.Errorf("Marshal(cyclic list) error = %v; want ErrTooDeep", err)
	}

	build := func(n int) *listNode {
		var head *listNode
		for i := range n {
			head = &listNode{V: uint32(i), Next: head}
		}
		return head
	}
	// Each list node takes two levels: the pointer and the struct.
	ok := build(xdr.MaxDepth / 2)
	b, err := xdr.Marshal(ok)
	if err != nil {
		t.Fatalf("Marshal(list of %d): %v", xdr.MaxDepth/2, err)
	}
	var got listNode
	if err := xdr.Unmarshal(b, &got); err != nil {
		t.Fatalf("Unmarshal(list of %d): %v", xdr.MaxDepth/2, err)
	}
	if _, err := xdr.Marshal(build(xdr.MaxDepth)); !errors.Is(err, xdr.ErrTooDeep) {
		t.Errorf("Marshal(list of MaxDepth) error = %v; want ErrTooDeep", err)
	}
	// A hostile input of nothing but "present" flags is cut off too.
	deep := bytes.Repeat(hexBytes(t, "00 00 00 00 00 00 00 01"), xdr.MaxDepth)
	if err := xdr.Unmarshal(deep, &got); !errors.Is(err, xdr.ErrTooDeep) {
		t.Errorf("Unmarshal(deep input) error = %v; want ErrTooDeep", err)
	}

	// A struct and its first field share an address without a cycle.
	type inner struct{ N uint32 }
	type outer struct {
		In inner
		P  *inner
	}
	o := &outer{In: inner{N: 3}}
	o.P = &o.In
	if _, err := xdr.Marshal(o); err != nil {
		t.Errorf("Marshal(pointer to own first field): %v", err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	x := int64(-3)
	seeds := []any{
		Tree{},
		Tree{Name: "a", Leaf: &Leaf{S: "xyz", Op: []byte{1}}, Nums: []uint32{1, 2}, Ptrs: []*int64{nil, &x}},
		Tree{Kids: []Tree{{Name: "k"}}, Next: &Tree{Name: "n"}},
	}
	for _, s := range seeds {
		b, err := xdr.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		// Each target must either reject b or decode it to a value that
		// encodes back to exactly b: strict decoding means one encoding
		// per value.
		targets := []func() any{
			func() any { return new(Tree) },
			func() any { return new(listNode) },
			func() any { return new([]string) },
			func() any { return new([][3]byte) },
			func() any {
				return new(struct {
					A int8
					B *uint16
					C []bool
				})
			},
		}
		for _, newTarget := range targets {
			v := newTarget()
			if err := xdr.Unmarshal(b, v); err != nil {
				continue
			}
			again, err := xdr.Marshal(v)
			if err != nil {
				t.Fatalf("Marshal(%T) after a successful Unmarshal: %v", v, err)
			}
			if !bytes.Equal(again, b) {
				t.Fatalf("%T: Marshal(Unmarshal(b)) = % x; want % x", v, again, b)
			}
		}
	})
}

// ReadArgs is shaped like the arguments of NFS READ (RFC 1094 §2.2.7).
type ReadArgs struct {
	File   [32]byte
	Offset uint32
	Count  uint32
}

func ExampleMarshal() {
	args := ReadArgs{Offset: 8192, Count: 4096}
	copy(args.File[:], "fh")
	b, err := xdr.Marshal(&args)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(b), "bytes")
	fmt.Printf("% x\n", b[32:])

	var got ReadArgs
	if err := xdr.Unmarshal(b, &got); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got == args)
	// Output:
	// 40 bytes
	// 00 00 20 00 00 00 10 00
	// true
}

func ExampleMarshal_pointer() {
	type Entry struct {
		Name string
		Next *Entry
	}
	list := &Entry{Name: "a", Next: &Entry{Name: "b"}}
	b, _ := xdr.Marshal(list)
	fmt.Printf("% x\n", b)

	var got Entry
	_ = xdr.Unmarshal(b, &got)
	fmt.Println(got.Name, got.Next.Name, got.Next.Next == nil, got.Next != list.Next)
	// Output:
	// 00 00 00 01 61 00 00 00 00 00 00 01 00 00 00 01 62 00 00 00 00 00 00 00
	// a b true true
}

func TestFloat32(t *testing.T) {
	for _, f := range []float32{0, -1.5, float32(math.Inf(1)), math.MaxFloat32, math.SmallestNonzeroFloat32} {
		b, err := xdr.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		var got float32
		if err := xdr.Unmarshal(b, &got); err != nil || got != f {
			t.Errorf("round trip of %v = %v, %v", f, got, err)
		}
	}
}

// FixedOpaqueTo reads what FixedOpaque reads, into the caller's array, and
// fails where it fails (short input, padding that is not zero), leaving
// the decoder where it was.
func TestFixedOpaqueTo(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		n    int
	}{
		{"aligned", []byte{1, 2, 3, 4, 5, 6, 7, 8}, 8},
		{"padded", []byte{1, 2, 3, 0}, 3},
		{"short", []byte{1, 2}, 4},
		{"short padding", []byte{1, 2, 3}, 3},
		{"bad padding", []byte{1, 2, 3, 9}, 3},
		{"empty", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := xdr.NewDecoder(tc.in), xdr.NewDecoder(tc.in)
			want, wantErr := a.FixedOpaque(tc.n)
			got := make([]byte, tc.n)
			err := b.FixedOpaqueTo(got)
			if (err == nil) != (wantErr == nil) || a.Remaining() != b.Remaining() {
				t.Fatalf("error %v, %d left; FixedOpaque: %v, %d left", err, b.Remaining(), wantErr, a.Remaining())
			}
			if err == nil && !bytes.Equal(got, want) {
				t.Errorf("read %x; FixedOpaque read %x", got, want)
			}
		})
	}
}
