package scenarios

import (
	"sort"
	"time"

	"go.yaml.in/yaml/v3"
)

// Decoder is what a system's hooks get while Load reads a scenario: the
// scenario as decoded so far, and the loader's strict readers of YAML
// values, which report every problem at its file:line:col. A Decoder is
// only valid during the hook's call.
type Decoder struct {
	l *loader
}

// Scenario is the scenario being loaded. Its option blocks hold their
// values (or defaults); what else is filled depends on the hook: the
// blocks are decoded before the nodes, files, workload and faults, and
// the checks run once all of them are.
func (d *Decoder) Scenario() *Scenario { return d.l.sc }

// Errorf reports a problem at n.
func (d *Decoder) Errorf(n *yaml.Node, format string, args ...any) { d.l.errf(n, format, args...) }

// ErrorAt reports a problem at p.
func (d *Decoder) ErrorAt(p Pos, format string, args ...any) { d.l.errAt(p, format, args...) }

// Fields checks that n is a mapping whose keys are all in allowed (an
// unknown key gets a did-you-mean), and returns it; nil when it is not a
// mapping. what names the mapping in messages.
func (d *Decoder) Fields(n *yaml.Node, what string, allowed []string) *Object {
	return d.l.fields(n, what, allowed)
}

// List checks that n is a list and returns its items; a null value is an
// empty list.
func (d *Decoder) List(n *yaml.Node, what string) ([]*yaml.Node, bool) { return d.l.list(n, what) }

// Resolve follows aliases to the value n names; nil once the document is
// too large (the loader has said so).
func (d *Decoder) Resolve(n *yaml.Node) *yaml.Node { return d.l.resolve(n) }

// Str reads any scalar as its text.
func (d *Decoder) Str(n *yaml.Node, what string) (string, bool) { return d.l.str(n, what) }

// PositiveDuration reads a duration above 0 (1.5s, 300ms, or a number of
// seconds), for an option whose value may also be a word (afs's
// callback_lifetime: openafs or a duration).
func (d *Decoder) PositiveDuration(n *yaml.Node, what string) (time.Duration, bool) {
	return d.l.positiveDuration(n, what)
}

// NodeName reads a node name ([A-Za-z0-9_-]+).
func (d *Decoder) NodeName(n *yaml.Node, what string) (string, bool) {
	return d.l.nodeName(n, what, false)
}

// UseNode records that a fault names node name at n: the node becomes one
// of the scenario's, and must be declared when the file has `nodes`.
func (d *Decoder) UseNode(name string, n *yaml.Node) {
	d.l.faultUses = append(d.l.faultUses, NameUse{Name: name, Pos: posOf(n)})
}

// Servers returns the names of the scenario's servers (System.Servers of
// its systems), sorted; none when its systems have none.
func (d *Decoder) Servers() []string {
	names := make([]string, 0, len(d.l.servers))
	for _, u := range d.l.servers {
		names = append(names, u.Name)
	}
	sort.Strings(names)
	return names
}

// IsServer reports whether name is one of the scenario's servers.
func (d *Decoder) IsServer(name string) bool {
	for _, u := range d.l.servers {
		if u.Name == name {
			return true
		}
	}
	return false
}

// FaultOK reports whether fault i of the scenario was decoded without a
// problem.
func (d *Decoder) FaultOK(i int) bool { return i < len(d.l.faultOK) && d.l.faultOK[i] }

// BlockCheck is what a Block's Check gets: the block's value and which of
// its keys the file sets.
type BlockCheck struct {
	d *Decoder
	o *Object
	// ok[k] is false when key k was set to a value that did not decode.
	ok map[string]bool
	// Value is the block's value (what New returned, decoded).
	Value any
}

// Has reports whether the file sets key k.
func (c *BlockCheck) Has(k string) bool { return c.o.Has(k) }

// OK reports whether key k holds a valid value: the file's, or the
// default when the file does not set it.
func (c *BlockCheck) OK(k string) bool { return !c.o.Has(k) || c.ok[k] }

// Errorf reports a problem at the value of key k (at the block when the
// file does not set k).
func (c *BlockCheck) Errorf(k string, format string, args ...any) {
	n := c.o.Get(k)
	if n == nil {
		n = c.o.Node()
	}
	c.d.Errorf(n, format, args...)
}

// RowCheck is what Op.Check and System.CheckRow get: one workload row
// whose keys are all valid, with its defaults filled in.
type RowCheck struct {
	d *Decoder
	o *Object
	// Step is the row.
	Step *Step
	// failed is set once a problem is reported.
	failed bool
}

// Decoder gives the scenario being loaded (its option blocks are
// decoded) and the loader's readers.
func (c *RowCheck) Decoder() *Decoder { return c.d }

// Has reports whether the row sets key k (rather than taking its
// default).
func (c *RowCheck) Has(k string) bool { return c.o.Has(k) }

// Errorf reports a problem at the value of key k, or at the row when it
// does not set k (a missing key, or a default at fault).
func (c *RowCheck) Errorf(k string, format string, args ...any) {
	c.failed = true
	n := c.o.Get(k)
	if n == nil {
		n = c.o.Node()
	}
	c.d.Errorf(n, format, args...)
}

// Failed reports whether a problem was reported.
func (c *RowCheck) Failed() bool { return c.failed }

// PosOf is the position of n in the file (1:1 when unknown).
func PosOf(n *yaml.Node) Pos { return posOf(n) }

// Describe says what a value is, for the "got ..." of messages: a
// quoted text, a number, "a list", "a mapping", "nothing".
func Describe(n *yaml.Node) string { return describe(n) }

// CleanPath returns a file path relative to the root, without "."
// components or repeated slashes ("/home//x" is "home/x"), or what is
// wrong with it (ErrRoot for the root itself).
func CleanPath(s string) (string, string) { return cleanPath(s) }

// ErrRoot is CleanPath's complaint about the root directory.
const ErrRoot = errRoot

// DidYouMean suggests the candidate nearest s: `; did you mean "x"?`, or
// ` (what: a, b, c)` when none is near and what is not empty.
func DidYouMean(s string, candidates []string, what string) string {
	return didYouMean(s, candidates, what)
}

// AndList writes "a, b and c".
func AndList(items []string) string { return andList(items) }

// FormatDuration formats a duration the way a scenario writes it: "0s",
// "300ms", "1.5s", "80s".
func FormatDuration(d time.Duration) string { return fmtDuration(d) }
