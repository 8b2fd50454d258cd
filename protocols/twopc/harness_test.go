package twopc_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sim-lecture/sim/protocols/twopc"
	"github.com/sim-lecture/sim/sim"
	"github.com/sim-lecture/sim/sim/simtest"
)

// names are the nodes of the unit tests: the coordinator, then the
// participants.
var names = []string{"C", "P1", "P2", "P3"}

const (
	c  sim.NodeID = 0
	p1 sim.NodeID = 1
	p2 sim.NodeID = 2
	p3 sim.NodeID = 3
)

var all = []sim.NodeID{p1, p2, p3}

// heard is an Observer that writes down what it hears, one line each.
type heard []string

func (h *heard) Voted(at sim.Time, tx uint32, p sim.NodeID, yes bool) {
	v := "no"
	if yes {
		v = "yes"
	}
	*h = append(*h, fmt.Sprintf("%s votes %s on T%d", names[p], v, tx))
}

func (h *heard) Decided(at sim.Time, tx uint32, n sim.NodeID, o twopc.Outcome, why string) {
	*h = append(*h, fmt.Sprintf("%s decides %s on T%d (%s)", names[n], o, tx, why))
}

// take returns what was heard since the last call.
func (h *heard) take() []string {
	out := *h
	*h = nil
	return out
}

// durable makes every disk write env recorded durable, in order, and
// calls h.Timer with each one's tag, as the kernel does when a write
// lands. It returns the records written.
func durable(env *simtest.Env, h sim.Handler) []string {
	var recs []string
	for len(env.Writes) > 0 {
		w := env.Writes[0]
		env.Writes = env.Writes[1:]
		env.Disk().Put(w.Key, w.Val)
		recs = append(recs, lastRecord(env))
		h.Timer(w.Tag)
	}
	return recs
}

// lastRecord formats the newest record of env's log.
func lastRecord(env *simtest.Env) string {
	recs := twopc.ReadLog(env.Disk())
	return recs[len(recs)-1].Format(env.NodeName)
}

// sent formats the messages env sent since the last call: "PREPARE T1 ->
// P1".
func sent(env *simtest.Env) []string {
	var out []string
	for _, s := range env.TakeSent() {
		out = append(out, s.Label+" -> "+names[s.To])
	}
	return out
}

// msg encodes a message.
func msg(k twopc.Kind, tx uint32, participants ...uint32) []byte {
	return twopc.Message{Kind: k, Tx: tx, Participants: participants}.Marshal()
}

// opts are the options of the unit tests.
func opts(cooperative bool) twopc.Options {
	o := twopc.DefaultOptions()
	o.Retries = 3
	o.Cooperative = cooperative
	return o
}

// want compares two lists of lines.
func want(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}
