package afs

import "sort"

// table is a small map kept as a slice of pairs, for the cache manager's
// per-client sets, which mostly hold a handful of entries (its open fds,
// its open files, the epochs of the servers it talks to, its cached
// files). A Go map is several heap objects (a header and its groups); with
// thousands of clients each operation that looked a few of them up missed
// the cache once per object, where a small table is one array reached from
// the cache manager. Lookups scan the array up to tableScan entries; a
// larger table also keeps a map from key to index, so that a client
// caching thousands of files does not scan them at every operation.
type table[K comparable, V any] struct {
	pairs []pair[K, V]
	index map[K]int
}

// tableScan is the most entries a table scans; beyond, it is indexed.
const tableScan = 8

type pair[K comparable, V any] struct {
	key K
	val V
}

// find returns k's position in pairs, or -1.
func (t *table[K, V]) find(k K) int {
	if t.index != nil {
		if i, ok := t.index[k]; ok {
			return i
		}
		return -1
	}
	for i := range t.pairs {
		if t.pairs[i].key == k {
			return i
		}
	}
	return -1
}

// get returns k's value, or V's zero value.
func (t *table[K, V]) get(k K) V {
	if i := t.find(k); i >= 0 {
		return t.pairs[i].val
	}
	var zero V
	return zero
}

// set makes v k's value.
func (t *table[K, V]) set(k K, v V) {
	if i := t.find(k); i >= 0 {
		t.pairs[i].val = v
		return
	}
	t.pairs = append(t.pairs, pair[K, V]{k, v})
	switch {
	case t.index != nil:
		t.index[k] = len(t.pairs) - 1
	case len(t.pairs) > tableScan:
		t.index = make(map[K]int, len(t.pairs))
		for i := range t.pairs {
			t.index[t.pairs[i].key] = i
		}
	}
}

// del removes k, if present: the last pair takes its place.
func (t *table[K, V]) del(k K) {
	i := t.find(k)
	if i < 0 {
		return
	}
	last := len(t.pairs) - 1
	t.pairs[i] = t.pairs[last]
	t.pairs[last] = pair[K, V]{}
	t.pairs = t.pairs[:last]
	if t.index != nil {
		delete(t.index, k)
		if i < last {
			t.index[t.pairs[i].key] = i
		}
	}
}

// size is the number of keys.
func (t *table[K, V]) size() int { return len(t.pairs) }

// keys lists the keys, in no particular order.
func (t *table[K, V]) keys() []K {
	keys := make([]K, len(t.pairs))
	for i := range t.pairs {
		keys[i] = t.pairs[i].key
	}
	return keys
}

// sortedTableKeys lists a table's string keys in order.
func sortedTableKeys[V any](t *table[string, V]) []string {
	keys := t.keys()
	sort.Strings(keys)
	return keys
}
