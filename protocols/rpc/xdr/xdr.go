package xdr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
)

// unit is the XDR block size: every item is padded to a multiple of it.
const unit = 4

// MaxDepth bounds how deeply Marshal and Unmarshal nest: each pointer, slice
// element, array element and struct field counts one level. It keeps a
// cyclic slice or a long linked list from exhausting the stack; 10000 levels
// is room for a pointer-linked list of about 5000 entries, such as an NFS
// READDIR reply far beyond its 8 KB limit.
const MaxDepth = 10000

var (
	// ErrShort means the input ended in the middle of an item.
	ErrShort = errors.New("xdr: short input")
	// ErrInvalid means the input has bytes no encoder produces: non-zero
	// padding, a bool other than 0 or 1, or an integer too large for the
	// Go type it is decoded into.
	ErrInvalid = errors.New("xdr: invalid encoding")
	// ErrTrailing means Unmarshal decoded a whole value and bytes were left.
	ErrTrailing = errors.New("xdr: trailing bytes")
	// ErrUnsupported means a Go type has no XDR form, or Unmarshal was not
	// given a non-nil pointer.
	ErrUnsupported = errors.New("xdr: unsupported type")
	// ErrTooLong means a string or opaque is longer than the 2^32-1 bytes
	// an XDR length can describe.
	ErrTooLong = errors.New("xdr: too long")
	// ErrTooDeep means a value nests deeper than MaxDepth or its pointers
	// form a cycle, which an XDR optional cannot express.
	ErrTooDeep = errors.New("xdr: nesting too deep")
)

// pad returns the number of zero bytes that follow n bytes of data.
func pad(n int) int { return (unit - n%unit) % unit }

// An Encoder appends XDR items to a byte slice. The zero Encoder is ready to
// use and starts from an empty slice.
//
// Appending cannot fail except for a string or opaque longer than 2^32-1
// bytes. Such an error is sticky: it is kept, later calls do nothing, and
// Err reports it.
type Encoder struct {
	buf []byte
	err error
}

// NewEncoder returns an Encoder that appends to buf.
func NewEncoder(buf []byte) *Encoder { return &Encoder{buf: buf} }

// Bytes returns the bytes appended so far, after the original buf.
func (e *Encoder) Bytes() []byte { return e.buf }

// Err returns the first error met, or nil.
func (e *Encoder) Err() error { return e.err }

// Uint32 appends an unsigned int.
func (e *Encoder) Uint32(v uint32) {
	if e.err == nil {
		e.buf = binary.BigEndian.AppendUint32(e.buf, v)
	}
}

// Int32 appends an int in two's complement.
func (e *Encoder) Int32(v int32) { e.Uint32(uint32(v)) }

// Uint64 appends an unsigned hyper.
func (e *Encoder) Uint64(v uint64) {
	if e.err == nil {
		e.buf = binary.BigEndian.AppendUint64(e.buf, v)
	}
}

// Int64 appends a hyper in two's complement.
func (e *Encoder) Int64(v int64) { e.Uint64(uint64(v)) }

// Bool appends a bool as the int 1 or 0.
func (e *Encoder) Bool(v bool) {
	if v {
		e.Uint32(1)
	} else {
		e.Uint32(0)
	}
}

// Float32 appends a float as its IEEE 754 single-precision bits.
func (e *Encoder) Float32(v float32) { e.Uint32(math.Float32bits(v)) }

// Float64 appends a double as its IEEE 754 double-precision bits.
func (e *Encoder) Float64(v float64) { e.Uint64(math.Float64bits(v)) }

// FixedOpaque appends b as fixed-length opaque data: its bytes then zero
// padding to a multiple of four. The length is not sent; both sides must
// know it.
func (e *Encoder) FixedOpaque(b []byte) {
	if e.err == nil {
		e.buf = append(e.buf, b...)
		e.buf = append(e.buf, zeros[:pad(len(b))]...)
	}
}

// zeros is the padding appended: slicing it allocates nothing, where a
// new slice of a computed length did, per opaque or string.
var zeros [3]byte

// Opaque appends b as variable-length opaque data: its length, its bytes,
// then zero padding.
func (e *Encoder) Opaque(b []byte) {
	if e.length(len(b)) {
		e.FixedOpaque(b)
	}
}

// String appends s as an XDR string, which is encoded like Opaque.
func (e *Encoder) String(s string) {
	if e.length(len(s)) {
		e.buf = append(e.buf, s...)
		e.buf = append(e.buf, zeros[:pad(len(s))]...)
	}
}

// length appends a length prefix, or records ErrTooLong and reports false.
func (e *Encoder) length(n int) bool {
	if e.err != nil {
		return false
	}
	if uint64(n) > math.MaxUint32 {
		e.err = fmt.Errorf("%w: %d bytes", ErrTooLong, n)
		return false
	}
	e.Uint32(uint32(n))
	return true
}

// A Decoder reads XDR items from a byte slice. Every method returns an error
// instead of reading past the end, and then leaves the Decoder where it was.
type Decoder struct {
	b   []byte
	off int
}

// NewDecoder returns a Decoder reading b from the start.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Remaining returns the number of bytes not yet decoded.
func (d *Decoder) Remaining() int { return len(d.b) - d.off }

// take returns the next n bytes and advances past them.
func (d *Decoder) take(n int) ([]byte, error) {
	if n < 0 || n > d.Remaining() {
		return nil, fmt.Errorf("%w: need %d bytes at offset %d, have %d", ErrShort, n, d.off, d.Remaining())
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p, nil
}

// Uint32 reads an unsigned int.
func (d *Decoder) Uint32() (uint32, error) {
	p, err := d.take(4)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(p), nil
}

// Int32 reads an int.
func (d *Decoder) Int32() (int32, error) {
	v, err := d.Uint32()
	return int32(v), err
}

// Uint64 reads an unsigned hyper.
func (d *Decoder) Uint64() (uint64, error) {
	p, err := d.take(8)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(p), nil
}

// Int64 reads a hyper.
func (d *Decoder) Int64() (int64, error) {
	v, err := d.Uint64()
	return int64(v), err
}

// Bool reads a bool; any value but 0 or 1 is ErrInvalid.
func (d *Decoder) Bool() (bool, error) {
	start := d.off
	v, err := d.Uint32()
	switch {
	case err != nil:
		return false, err
	case v > 1:
		d.off = start
		return false, fmt.Errorf("%w: bool %d at offset %d", ErrInvalid, v, start)
	}
	return v == 1, nil
}

// Float32 reads a float.
func (d *Decoder) Float32() (float32, error) {
	v, err := d.Uint32()
	return math.Float32frombits(v), err
}

// Float64 reads a double.
func (d *Decoder) Float64() (float64, error) {
	v, err := d.Uint64()
	return math.Float64frombits(v), err
}

// FixedOpaque reads n bytes of fixed-length opaque data and their padding,
// which must be zero. The result is a copy, not a view of the input.
func (d *Decoder) FixedOpaque(n int) ([]byte, error) {
	start := d.off
	p, err := d.fixed(n)
	if err != nil {
		d.off = start
		return nil, err
	}
	return append([]byte(nil), p...), nil
}

// FixedOpaqueTo reads fixed-length opaque data of len(dst) bytes into dst,
// which FixedOpaque would return as a new slice: for a caller that keeps
// it in an array of its own (a file handle).
func (d *Decoder) FixedOpaqueTo(dst []byte) error {
	start := d.off
	p, err := d.fixed(len(dst))
	if err != nil {
		d.off = start
		return err
	}
	copy(dst, p)
	return nil
}

// Opaque reads variable-length opaque data. A declared length larger than
// the remaining input is ErrShort, checked before anything is allocated. The
// result is a copy, and nil for length 0.
func (d *Decoder) Opaque() ([]byte, error) {
	p, err := d.variable()
	if err != nil || len(p) == 0 {
		return nil, err
	}
	return append([]byte(nil), p...), nil
}

// OpaqueView reads what Opaque reads, without the copy: the result
// aliases the decoder's input (nil for length 0), for a caller that
// keeps it no longer than the input and never writes to it, as a
// received message's parts are kept (RFC 4506 §4.10's opaque<>). Its
// capacity ends with it, so that an append copies.
func (d *Decoder) OpaqueView() ([]byte, error) {
	p, err := d.variable()
	if err != nil || len(p) == 0 {
		return nil, err
	}
	return p[:len(p):len(p)], nil
}

// String reads a string. XDR strings are meant to be ASCII, but any bytes
// are accepted, as a Go string may hold them.
func (d *Decoder) String() (string, error) {
	p, err := d.variable()
	return string(p), err
}

// fixed returns a view of n data bytes after checking their padding.
func (d *Decoder) fixed(n int) ([]byte, error) {
	p, err := d.take(n)
	if err != nil {
		return nil, err
	}
	zeros, err := d.take(pad(n))
	if err != nil {
		return nil, err
	}
	for _, z := range zeros {
		if z != 0 {
			return nil, fmt.Errorf("%w: non-zero padding at offset %d", ErrInvalid, d.off-len(zeros))
		}
	}
	return p, nil
}

// variable returns a view of a length-prefixed item's data.
func (d *Decoder) variable() ([]byte, error) {
	start := d.off
	n, err := d.Uint32()
	if err != nil {
		return nil, err
	}
	// Compare in uint64 so that a huge length cannot overflow int on a
	// 32-bit platform.
	if uint64(n) > uint64(d.Remaining()) {
		d.off = start
		return nil, fmt.Errorf("%w: length %d at offset %d, %d bytes left", ErrShort, n, start, d.Remaining())
	}
	p, err := d.fixed(int(n))
	if err != nil {
		d.off = start
	}
	return p, err
}

// Marshal returns the XDR encoding of v (see the package documentation for
// the mapping). A pointer at the top level is followed, so Marshal(x) and
// Marshal(&x) give the same bytes; pointers inside v are encoded as
// optionals. Unmarshal(b, &x) inverts Marshal(&x), and so Marshal(x) when x
// is not itself a pointer.
func Marshal(v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, fmt.Errorf("%w: nil %s at the top level", ErrUnsupported, rv.Type())
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return nil, fmt.Errorf("%w: nil", ErrUnsupported)
	}
	if err := checkedType(rv.Type()); err != nil {
		return nil, err
	}
	// Most messages are a few dozen bytes: one allocation instead of the
	// append's doubling from nothing.
	m := marshaler{e: Encoder{buf: make([]byte, 0, initialBuffer)}}
	if err := m.value(rv, 0); err != nil {
		return nil, err
	}
	if err := m.e.Err(); err != nil {
		return nil, err
	}
	return m.e.Bytes(), nil
}

// Unmarshal decodes b into the value v points to. v must be a non-nil
// pointer. All of b must be consumed, or the error is ErrTrailing.
//
// Every pointer in the result is a new allocation and every slice and
// string a copy: nothing aliases b or the old value of *v. Empty slices
// decode as nil, since XDR does not tell nil from empty. On success *v is
// replaced as a whole (its unexported fields become zero); on error it is
// left unchanged.
func Unmarshal(b []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("%w: Unmarshal needs a non-nil pointer, got %T", ErrUnsupported, v)
	}
	t := rv.Type().Elem()
	if err := checkedType(t); err != nil {
		return err
	}
	d := NewDecoder(b)
	tmp := reflect.New(t).Elem()
	if err := decodeValue(d, tmp, 0); err != nil {
		return err
	}
	if n := d.Remaining(); n > 0 {
		return fmt.Errorf("%w: %d bytes after offset %d", ErrTrailing, n, d.off)
	}
	rv.Elem().Set(tmp)
	return nil
}

// initialBuffer is the capacity Marshal starts its encoding with.
const initialBuffer = 64

// exported memoizes exportedFields by struct type (reflect.Type ->
// []int).
var exported sync.Map

// exportedFields returns the indexes of a struct type's exported fields,
// the ones XDR encodes, in order. reflect's Field builds a whole
// StructField on every call; marshaling asked it for every field of
// every message.
func exportedFields(t reflect.Type) []int {
	if v, ok := exported.Load(t); ok {
		idx, _ := v.([]int)
		return idx
	}
	idx := []int{}
	for i := range t.NumField() {
		if t.Field(i).IsExported() {
			idx = append(idx, i)
		}
	}
	exported.Store(t, idx)
	return idx
}

// checked memoizes checkType by type (reflect.Type -> error, nil
// included): a type's verdict never changes, and checking it again on
// every call was a third of the time of a simulated NFS run.
var checked sync.Map

// checkedType is checkType, once per type.
func checkedType(t reflect.Type) error {
	if v, ok := checked.Load(t); ok {
		err, _ := v.(error)
		return err
	}
	err := checkType(t, map[reflect.Type]bool{})
	checked.Store(t, err)
	return err
}

// checkType reports whether t and everything it contains has an XDR form.
// Checking the type up front makes the error independent of the value:
// a nil slice of maps is rejected as surely as a full one.
func checkType(t reflect.Type, seen map[reflect.Type]bool) error {
	if seen[t] {
		return nil // recursive types are fine; their values are finite
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return nil
	case reflect.Array, reflect.Pointer:
		return checkType(t.Elem(), seen)
	case reflect.Slice:
		if zeroSize(t.Elem()) {
			return fmt.Errorf("%w: %s has elements that encode to zero bytes", ErrUnsupported, t)
		}
		return checkType(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if err := checkType(f.Type, seen); err != nil {
				return fmt.Errorf("field %s.%s: %w", t, f.Name, err)
			}
		}
		return nil
	}
	return fmt.Errorf("%w: %s (kind %s)", ErrUnsupported, t, t.Kind())
}

// zeroSize reports whether values of t encode to no bytes at all: empty
// structs and arrays. A slice of them could declare any count in four
// bytes, so the count could not be bounded by the input's size.
func zeroSize(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Array:
		return t.Len() == 0 || zeroSize(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && !zeroSize(f.Type) {
				return false
			}
		}
		return true
	}
	return false
}

// pathKey identifies a pointer being followed. The type is part of the key
// because a struct and its first field share an address.
type pathKey struct {
	addr uintptr
	t    reflect.Type
}

// marshaler walks a value, remembering the pointers on the current path so
// that a cycle is an error instead of an endless recursion.
type marshaler struct {
	e    Encoder
	path map[pathKey]bool
}

func (m *marshaler) value(v reflect.Value, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("%w: more than %d levels", ErrTooDeep, MaxDepth)
	}
	if m.scalar(v) {
		return nil
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		return m.sequence(v, depth)
	case reflect.Struct:
		for _, i := range exportedFields(v.Type()) {
			if err := m.value(v.Field(i), depth+1); err != nil {
				return err
			}
		}
		return nil
	case reflect.Pointer:
		return m.optional(v, depth)
	}
	// checkType has already rejected every other kind.
	return fmt.Errorf("%w: %s", ErrUnsupported, v.Type())
}

// scalar encodes v if it is a boolean, a number or a string (RFC 4506
// §4.1-4.11), and reports whether it was.
func (m *marshaler) scalar(v reflect.Value) bool {
	e := &m.e
	switch v.Kind() {
	case reflect.Bool:
		e.Bool(v.Bool())
	case reflect.Int8, reflect.Int16, reflect.Int32:
		e.Int32(int32(v.Int()))
	case reflect.Int, reflect.Int64:
		e.Int64(v.Int())
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		e.Uint32(uint32(v.Uint()))
	case reflect.Uint, reflect.Uint64:
		e.Uint64(v.Uint())
	case reflect.Float32:
		e.Float32(float32(v.Float()))
	case reflect.Float64:
		e.Float64(v.Float())
	case reflect.String:
		e.String(v.String())
	default:
		return false
	}
	return true
}

// sequence encodes a slice (variable-length: its length first) or an array
// (fixed-length), of bytes as opaque data (RFC 4506 §4.9-4.10), of
// anything else element by element (§4.12-4.13).
func (m *marshaler) sequence(v reflect.Value, depth int) error {
	e := &m.e
	bytes := v.Type().Elem().Kind() == reflect.Uint8
	switch {
	case bytes && v.Kind() == reflect.Slice:
		e.Opaque(v.Bytes())
		return nil
	case bytes:
		b := make([]byte, v.Len())
		for i := range b {
			b[i] = byte(v.Index(i).Uint())
		}
		e.FixedOpaque(b)
		return nil
	case v.Kind() == reflect.Slice && !e.length(v.Len()):
		return nil
	}
	for i := range v.Len() {
		if err := m.value(v.Index(i), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// optional encodes a pointer as XDR's optional-data (RFC 4506 §4.19): a
// boolean, then what it points to if it is not nil. A pointer back to a
// value being encoded is a cycle and an error.
func (m *marshaler) optional(v reflect.Value, depth int) error {
	e := &m.e
	if v.IsNil() {
		e.Bool(false)
		return nil
	}
	key := pathKey{v.Pointer(), v.Type()}
	if m.path[key] {
		return fmt.Errorf("%w: pointer cycle through %s", ErrTooDeep, v.Type())
	}
	if m.path == nil {
		m.path = map[pathKey]bool{} // only values with pointers need it
	}
	m.path[key] = true
	e.Bool(true)
	err := m.value(v.Elem(), depth+1)
	delete(m.path, key)
	return err
}

// decodeValue decodes into v, which is settable and holds its zero value:
// a scalar in one read, a container item by item.
func decodeValue(d *Decoder, v reflect.Value, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("%w: more than %d levels", ErrTooDeep, MaxDepth)
	}
	switch v.Kind() {
	case reflect.Slice:
		return decodeSlice(d, v, depth)
	case reflect.Array:
		return decodeArray(d, v, depth)
	case reflect.Struct:
		for _, i := range exportedFields(v.Type()) {
			if err := decodeValue(d, v.Field(i), depth+1); err != nil {
				return err
			}
		}
		return nil
	case reflect.Pointer:
		present, err := d.Bool()
		if err != nil || !present {
			return err
		}
		p := reflect.New(v.Type().Elem())
		if err := decodeValue(d, p.Elem(), depth+1); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	return decodeScalar(d, v)
}

// decodeScalar decodes a bool, number or string into v.
func decodeScalar(d *Decoder, v reflect.Value) error {
	switch v.Kind() {
	case reflect.Bool:
		x, err := d.Bool()
		if err != nil {
			return err
		}
		v.SetBool(x)
	case reflect.Int8, reflect.Int16, reflect.Int32:
		x, err := d.Int32()
		if err != nil {
			return err
		}
		return setInt(d, v, int64(x))
	case reflect.Int, reflect.Int64:
		x, err := d.Int64()
		if err != nil {
			return err
		}
		return setInt(d, v, x)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		x, err := d.Uint32()
		if err != nil {
			return err
		}
		return setUint(d, v, uint64(x))
	case reflect.Uint, reflect.Uint64:
		x, err := d.Uint64()
		if err != nil {
			return err
		}
		return setUint(d, v, x)
	case reflect.Float32:
		x, err := d.Float32()
		if err != nil {
			return err
		}
		v.SetFloat(float64(x))
	case reflect.Float64:
		x, err := d.Float64()
		if err != nil {
			return err
		}
		v.SetFloat(x)
	case reflect.String:
		x, err := d.String()
		if err != nil {
			return err
		}
		v.SetString(x)
	default:
		return fmt.Errorf("%w: %s", ErrUnsupported, v.Type())
	}
	return nil
}

// decodeSlice decodes a variable-length opaque ([]byte) or array ([]T).
func decodeSlice(d *Decoder, v reflect.Value, depth int) error {
	if v.Type().Elem().Kind() == reflect.Uint8 {
		x, err := d.Opaque()
		if err != nil {
			return err
		}
		if x != nil {
			v.SetBytes(x)
		}
		return nil
	}
	start := d.off
	n, err := d.Uint32()
	if err != nil {
		return err
	}
	// Every element that is not zero-size (checkType rejects those)
	// takes at least one four-byte unit, so a count beyond that is a
	// lie to catch before allocating.
	if uint64(n) > uint64(d.Remaining()/unit) {
		return fmt.Errorf("%w: count %d at offset %d, %d bytes left", ErrShort, n, start, d.Remaining())
	}
	if n == 0 {
		return nil
	}
	s := reflect.MakeSlice(v.Type(), int(n), int(n))
	for i := range int(n) {
		if err := decodeValue(d, s.Index(i), depth+1); err != nil {
			return err
		}
	}
	v.Set(s)
	return nil
}

// decodeArray decodes a fixed-length opaque ([N]byte) or array ([N]T).
func decodeArray(d *Decoder, v reflect.Value, depth int) error {
	if v.Type().Elem().Kind() == reflect.Uint8 {
		x, err := d.FixedOpaque(v.Len())
		if err != nil {
			return err
		}
		for i, c := range x {
			v.Index(i).SetUint(uint64(c))
		}
		return nil
	}
	for i := range v.Len() {
		if err := decodeValue(d, v.Index(i), depth+1); err != nil {
			return err
		}
	}
	return nil
}

func setInt(d *Decoder, v reflect.Value, x int64) error {
	if v.OverflowInt(x) {
		return fmt.Errorf("%w: %d overflows %s before offset %d", ErrInvalid, x, v.Type(), d.off)
	}
	v.SetInt(x)
	return nil
}

func setUint(d *Decoder, v reflect.Value, x uint64) error {
	if v.OverflowUint(x) {
		return fmt.Errorf("%w: %d overflows %s before offset %d", ErrInvalid, x, v.Type(), d.off)
	}
	v.SetUint(x)
	return nil
}
