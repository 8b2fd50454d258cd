package sim

import "sort"

// Disk is a node's durable storage: what survives a crash. It is a map from
// keys to byte strings. Protocols write through Env.WriteDisk, which takes
// the configured write latency and is lost if the node crashes first; Put
// is instant, which models battery-backed NVRAM and the initial contents a
// scenario installs before the run.
type Disk struct {
	data map[string][]byte
}

func newDisk() *Disk { return &Disk{data: make(map[string][]byte)} }

// Get returns the value stored under key and whether it exists. The slice
// must not be modified.
func (d *Disk) Get(key string) ([]byte, bool) {
	v, ok := d.data[key]
	return v, ok
}

// Put stores a copy of val under key immediately.
func (d *Disk) Put(key string, val []byte) {
	d.data[key] = append([]byte(nil), val...)
}

// Delete removes key immediately.
func (d *Disk) Delete(key string) { delete(d.data, key) }

// Keys returns every key in sorted order, so that callers never depend on
// map iteration order.
func (d *Disk) Keys() []string {
	keys := make([]string, 0, len(d.data))
	for k := range d.data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Len returns the number of keys.
func (d *Disk) Len() int { return len(d.data) }
