package rpc

import (
	"strings"
	"testing"

	"github.com/sim-lecture/sim/sim"
)

// Reference: RFC 5531 §11 — over a stream, each message is a record; a
// record may come in several fragments, and the receiver reassembles it
// whatever the transport's message boundaries.
func TestCallsOverRecordStreams(t *testing.T) {
	w := sim.New(sim.Config{Seed: 1, Network: perfectNet{}, KeepTrace: true})
	var streams []*RecordStream
	build := func(env sim.Env) sim.Handler {
		rs := NewRecordStream(env, func(renv sim.Env) sim.Handler {
			n := NewNode(renv)
			n.AddClient(Options{Reliable: true, Auth: AuthSys}, nil)
			RegisterDemo(n.AddServer(ServerOptions{Reliable: true}, nil))
			return n
		})
		rs.maxFrag = 12 // every message in several fragments
		streams = append(streams, rs)
		return rs
	}
	a, s := w.AddNode("A", build), w.AddNode("S", build)
	var got []string
	stub := DemoClient{C: streams[0].Upper().(*Node).Client}
	stub.Append(s, "x", func(n int, err error) {
		got = append(got, ErrorName(err))
		stub.Read(s, func(st DemoState, err error) { got = append(got, st.String(), ErrorName(err)) })
	})
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "ok counter=0 log=[x] ok" {
		t.Errorf("calls over records: %q", got)
	}
	// Every message on the wire is records: its first fragment header
	// says 12 bytes, not the last.
	for _, r := range w.Trace().Records() {
		if r.Kind == sim.KindSend && r.Size < 16 {
			t.Errorf("a %d-byte message: shorter than a fragment", r.Size)
		}
	}
	// A record longer than MaxRecord is refused and noted.
	streams[1].Receive(a, []byte{0x80, 0x20, 0, 0})
	found := false
	for _, r := range w.Trace().Records() {
		found = found || (r.Kind == sim.KindNote && strings.Contains(r.Info, "record of more than"))
	}
	if !found {
		t.Errorf("an over-long record left no note")
	}
}
