package sim

import (
	"sort"
	"strconv"
	"strings"
)

// State records let a protocol show the state the lecture draws beside its
// timelines: the server's memory and disk blocks of the write-buffer
// slides ("server mem", "server disk"), the calls an RPC server has run,
// the cache and callbacks of an AFS client. A state record is a protocol
// record (KindNote) whose Label is StateLabel or DurableLabel and whose
// Info is "KEY = VALUE": from then on, until the next record of the same
// key, the node's KEY holds VALUE. An empty VALUE means KEY is gone.
//
// Volatile state (StateLabel) lives in memory and a crash forgets it;
// durable state (DurableLabel) is on the node's disk or NVRAM and survives
// (design rule 4). Diagrams draw each change where it happens, and the
// step-through viewer shows every node's state at every step, both by
// replaying these records; nothing else about them is special.
const (
	// StateLabel labels a record of volatile state.
	StateLabel = "state"
	// DurableLabel labels a record of durable state.
	DurableLabel = "durable"
)

// stateSep separates a state record's key from its value.
const stateSep = " = "

// TraceState records through env that the node's volatile state key now
// holds value ("" when it is gone).
func TraceState(env Env, key, value string) { env.Trace(StateLabel, key+stateSep+value) }

// TraceDurable records through env that the node's durable state key now
// holds value ("" when it is gone).
func TraceDurable(env Env, key, value string) { env.Trace(DurableLabel, key+stateSep+value) }

// ParseState returns the key and value of a state record and whether the
// state is durable; ok is false when r is not a state record.
func ParseState(r Record) (key, value string, durable, ok bool) {
	if r.Kind != KindNote || (r.Label != StateLabel && r.Label != DurableLabel) {
		return "", "", false, false
	}
	key, value, ok = strings.Cut(r.Info, stateSep)
	return key, value, r.Label == DurableLabel, ok
}

// MaxCells is how many cells Cells writes before it sums up the rest.
const MaxCells = 8

// Cells formats blocks (or any list) as a state value drawn as a row of
// boxes, the way the lecture draws a file's blocks: "[X] [B] [C]". Past
// MaxCells the rest is summed up ("[… +3]"), so that a record stays small
// however large the file; an empty block is "[-]", and no blocks at all
// "(empty)", since "" would mean the state is gone.
func Cells(items []string) string {
	if len(items) == 0 {
		return "(empty)"
	}
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString(" ")
		}
		if i == MaxCells {
			b.WriteString("[… +" + strconv.Itoa(len(items)-MaxCells) + "]")
			break
		}
		if it == "" {
			it = "-"
		}
		b.WriteString("[" + it + "]")
	}
	return b.String()
}

// SplitCells returns the cells of a value Cells wrote, and false for any
// other value.
func SplitCells(value string) ([]string, bool) {
	if !strings.HasPrefix(value, "[") || !strings.HasSuffix(value, "]") {
		return nil, false
	}
	return strings.Split(value[1:len(value)-1], "] ["), true
}

// States rebuilds the nodes' state from the trace, record by record: what
// each node's state records say it holds at that point of the run, with
// the volatile part forgotten at each crash.
type States struct {
	nodes map[NodeID]map[string]stateEntry // looked up; Keys sorts
}

type stateEntry struct {
	value   string
	durable bool
}

// NewStates returns the state before any record: empty.
func NewStates() *States { return &States{nodes: map[NodeID]map[string]stateEntry{}} }

// Apply takes one record in and reports whether it changed a node's state
// (a state record, or a crash that forgot something).
func (s *States) Apply(r Record) bool {
	if r.Kind == KindCrash {
		changed := false
		for k, e := range s.nodes[r.Node] {
			if !e.durable {
				delete(s.nodes[r.Node], k)
				changed = true
			}
		}
		return changed
	}
	key, value, durable, ok := ParseState(r)
	if !ok {
		return false
	}
	m := s.nodes[r.Node]
	if m == nil {
		m = map[string]stateEntry{}
		s.nodes[r.Node] = m
	}
	if value == "" {
		delete(m, key)
		return true
	}
	m[key] = stateEntry{value: value, durable: durable}
	return true
}

// Get returns what node's state key holds, and whether it holds anything.
func (s *States) Get(node NodeID, key string) (value string, durable, ok bool) {
	e, ok := s.nodes[node][key]
	return e.value, e.durable, ok
}

// Keys returns the keys node holds, sorted.
func (s *States) Keys(node NodeID) []string {
	keys := make([]string, 0, len(s.nodes[node]))
	for k := range s.nodes[node] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
