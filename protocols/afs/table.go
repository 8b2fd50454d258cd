package afs

// table is a small map kept as a slice of pairs, for the cache manager's
// per-client sets that hold a handful of entries (its open fds, its open
// files, the epochs of the servers it talks to). A Go map is several heap
// objects (a header and its groups); with thousands of clients each
// operation that looked a few of them up missed the cache once per object,
// where a table is one array reached from the cache manager. Lookups scan
// the array: its length is what the application holds open at once.
type table[K comparable, V any] struct {
	pairs []pair[K, V]
}

type pair[K comparable, V any] struct {
	key K
	val V
}

// get returns k's value, or V's zero value.
func (t *table[K, V]) get(k K) V {
	for i := range t.pairs {
		if t.pairs[i].key == k {
			return t.pairs[i].val
		}
	}
	var zero V
	return zero
}

// set makes v k's value.
func (t *table[K, V]) set(k K, v V) {
	for i := range t.pairs {
		if t.pairs[i].key == k {
			t.pairs[i].val = v
			return
		}
	}
	t.pairs = append(t.pairs, pair[K, V]{k, v})
}

// del removes k, if present.
func (t *table[K, V]) del(k K) {
	for i := range t.pairs {
		if t.pairs[i].key == k {
			last := len(t.pairs) - 1
			t.pairs[i] = t.pairs[last]
			t.pairs[last] = pair[K, V]{}
			t.pairs = t.pairs[:last]
			return
		}
	}
}

// keys lists the keys, in no particular order.
func (t *table[K, V]) keys() []K {
	keys := make([]K, len(t.pairs))
	for i := range t.pairs {
		keys[i] = t.pairs[i].key
	}
	return keys
}
