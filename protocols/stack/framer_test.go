package stack_test

import (
	"testing"

	"github.com/sim-lecture/sim/protocols/stack"
	"github.com/sim-lecture/sim/sim"
	"github.com/sim-lecture/sim/sim/simtest"
)

// framer is a Framer that sends the message part of each frame.
type framer struct {
	*simtest.Env
	room int
}

func (f *framer) Headroom() int { return f.room }
func (f *framer) SendFramed(to sim.NodeID, frame []byte, label string) {
	f.Env.Send(to, frame[f.room:], "framed "+label)
}

// A Mux's Env frames as the env under it does: a layer hosted by a Mux
// over a UDP port env leaves room for the datagram's header; over an env
// that does not frame, it leaves none and sends the frame as it is.
func TestEnvFramesAsItsEnv(t *testing.T) {
	for _, tc := range []struct {
		name  string
		under sim.Env
		room  int
		label string
	}{
		{"framer", &framer{Env: simtest.New(0, "A", "B"), room: 8}, 8, "framed CALL"},
		{"plain", simtest.New(0, "A", "B"), 0, "CALL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := stack.NewMux(tc.under, "test", 40, 2).Env(1)
			if got := env.Headroom(); got != tc.room {
				t.Fatalf("Headroom() = %d; want %d", got, tc.room)
			}
			env.SendFramed(1, append(make([]byte, tc.room), "msg"...), "CALL")
			var sent []simtest.Sent
			if f, ok := tc.under.(*framer); ok {
				sent = f.TakeSent()
			} else {
				sent = tc.under.(*simtest.Env).TakeSent()
			}
			if len(sent) != 1 || string(sent[0].Msg) != "msg" || sent[0].Label != tc.label || sent[0].To != 1 {
				t.Errorf("sent %+v; want %q to 1 labelled %q", sent, "msg", tc.label)
			}
		})
	}
}

var _ stack.Framer = (*stack.Env)(nil)
