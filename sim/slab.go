package sim

// slab holds values that events refer to by a 4-byte index (in-flight
// messages, timers, disk writes, actions), so that events stay small values
// in the heap. Freed slots are reused, so a long run allocates only up to
// its peak number of pending values.
type slab[T any] struct {
	items []T
	free  []int32
}

// alloc returns a slot for a new value. A reused slot keeps its old
// contents (timers rely on this to keep counting generations).
func (s *slab[T]) alloc() int32 {
	if k := len(s.free); k > 0 {
		ref := s.free[k-1]
		s.free = s.free[:k-1]
		return ref
	}
	var zero T
	s.items = append(s.items, zero)
	return int32(len(s.items) - 1)
}

// put stores v in a new slot and returns its index.
func (s *slab[T]) put(v T) int32 {
	ref := s.alloc()
	s.items[ref] = v
	return ref
}

// take returns the value at ref and frees its slot, clearing it so that
// nothing it points to is kept alive.
func (s *slab[T]) take(ref int32) T {
	v := s.items[ref]
	var zero T
	s.items[ref] = zero
	s.free = append(s.free, ref)
	return v
}

// release frees the slot at ref and leaves its contents in place.
func (s *slab[T]) release(ref int32) { s.free = append(s.free, ref) }
