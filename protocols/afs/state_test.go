package afs

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// TestStateRecords plays the lecture's callback story (A caches fileA, B
// stores a new version and breaks A's callback, the server runs low on
// memory, A crashes and restarts) and after every step checks the state
// records against the nodes themselves: each client's "cache fileA" is
// its cached copy, its "callback fileA" says whether it holds a callback,
// and the server's "callbacks fileA" lists the clients it promised.
//
// Lecture: "setup callback for A" ... "no callback!! need to fetch A
// again"; "Low Server Memory"; "Client crash ... may have missed
// notification that cached copy changed".
func TestStateRecords(t *testing.T) {
	spec := twoClients()
	spec.keepTrace = true
	c := newCluster(t, spec)
	check := func(step string, want map[string]string) {
		t.Helper()
		c.settle(0)
		states := sim.NewStates()
		for _, r := range c.w.Trace().Records() {
			states.Apply(r)
		}
		got := map[string]string{}
		for _, node := range []string{"A", "B", "server"} {
			for _, k := range states.Keys(c.id(node)) {
				v, _, _ := states.Get(c.id(node), k)
				got[node+" "+k] = v
			}
		}
		// The records must agree with the nodes ...
		for _, client := range []string{"A", "B"} {
			if c.node(client) == nil {
				continue
			}
			_, data, cb, ok := c.client(client).Cached("fileA")
			if rec, has := got[client+" cache fileA"]; has != ok || (ok && rec != sim.Cells(data)) {
				t.Errorf("%s: %s's cache fileA = %q (%v); the client holds %q (%v)", step, client, rec, has, data, ok)
			}
			if rec := got[client+" callback fileA"]; ok && (rec == "promised") != cb {
				t.Errorf("%s: %s's callback fileA = %q; the client's callback is %v", step, client, rec, cb)
			}
		}
		if c.node("server") != nil {
			var holders []string
			for h := range c.server("server").promises["fileA"] {
				holders = append(holders, c.w.Name(h))
			}
			sort.Strings(holders)
			if rec := got["server callbacks fileA"]; rec != strings.Join(holders, ", ") {
				t.Errorf("%s: server's callbacks fileA = %q; the server promised %q", step, rec, holders)
			}
		}
		// ... and tell the lecture's story.
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %q; want %q", step, k, got[k], v)
			}
		}
	}
	c.runUntil(1)
	c.open("A", "f", "fileA")
	check("A opened fileA", map[string]string{"A cache fileA": "[a0] [a1] [a2]", "A callback fileA": "promised", "server callbacks fileA": "A"})
	c.open("B", "g", "fileA")
	c.write("B", "g", 0, "b0")
	c.close("B", "g")
	c.settle(time.Second)
	check("B stored fileA", map[string]string{"A cache fileA": "", "A callback fileA": "callback broken",
		"B cache fileA": "[b0] [a1] [a2]", "server callbacks fileA": "B"})
	c.close("A", "f")
	c.open("A", "f", "fileA")
	c.close("A", "f")
	check("A fetched again", map[string]string{"A cache fileA": "[b0] [a1] [a2]", "server callbacks fileA": "A, B"})
	c.server("server").LowMemory()
	c.settle(time.Second)
	check("low memory", map[string]string{"A callback fileA": "server dropped the callback", "server callbacks fileA": ""})
	c.crash("A")
	check("A crashed", map[string]string{"A cache fileA": "[b0] [a1] [a2]", "A callback fileA": ""})
	c.restart("A")
	c.open("A", "f", "fileA")
	check("A rechecked", map[string]string{"A callback fileA": "promised", "server callbacks fileA": "A"})
}
