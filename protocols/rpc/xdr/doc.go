// Package xdr marshals values to bytes in the External Data Representation
// of RFC 4506: big-endian (network byte order) items, each a multiple of four
// bytes long. It is the "stub" half of the lecture's RPC: the caller's
// arguments are flattened into a message, sent, and rebuilt on the other
// side, so the simulated network carries real bytes whose sizes drive its
// delays.
//
// Two layers are offered. Encoder and Decoder read and write one item at a
// time, for hand-written stubs. Marshal and Unmarshal walk a Go value by
// reflection, the lecture's "smart RPC package" that follows pointers and
// copies what they point to. The mapping from Go to XDR is:
//
//	bool                      bool (4 bytes, 0 or 1)
//	int8, int16, int32        int (4 bytes; decoding checks the range)
//	uint8, uint16, uint32     unsigned int (4 bytes; decoding checks the range)
//	int, int64                hyper (8 bytes)
//	uint, uint64              unsigned hyper (8 bytes)
//	float32, float64          float, double (IEEE 754 bits; a float32
//	                          signalling NaN may come back quiet)
//	string                    string (length, bytes, zero padding)
//	[]byte                    variable-length opaque
//	[N]byte                   fixed-length opaque (N bytes, zero padding)
//	[N]T                      fixed-length array (N items, no count)
//	[]T                       variable-length array (count, then items)
//	struct                    its exported fields in declaration order
//	*T                        optional-data: bool "present", then *T if so
//
// A pointer is therefore copied by value: the receiver gets a fresh copy of
// what the sender's pointer referred to, never the pointer itself, and two
// pointers to one object arrive as two separate objects. Maps, channels,
// functions, interfaces, complex numbers and uintptr have no XDR form and are
// rejected with ErrUnsupported, as are slices of types that encode to zero
// bytes (their count could not be bounded by the input).
//
// Decoding never panics and never trusts a length: every declared length or
// count is checked against the bytes that remain before anything is
// allocated. Decoding is strict, so that each value has exactly one encoding:
// padding must be zero, a bool must be 0 or 1, a small integer must fit its
// Go type, and Unmarshal rejects trailing bytes.
package xdr
