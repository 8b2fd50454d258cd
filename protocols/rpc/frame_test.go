package rpc

import (
	"bytes"
	"testing"

	"github.com/sim-lecture/sim/sim"
	"github.com/sim-lecture/sim/sim/simtest"
)

// framingEnv is a stack.Framer over a simtest.Env: it records each
// frame and sends its message part, as a UDP port env sends it with a
// header in front.
type framingEnv struct {
	*simtest.Env
	room   int
	frames [][]byte
}

func (e *framingEnv) Headroom() int { return e.room }

func (e *framingEnv) SendFramed(to sim.NodeID, frame []byte, label string) {
	e.frames = append(e.frames, frame)
	e.Env.Send(to, frame[e.room:], label)
}

// exchange runs one call from a client on env A to a server on env S
// and the call's repeat, and returns what each sent: the call, the
// reply, and the reply to the repeat (from the duplicate-request cache).
func exchange(t *testing.T, a, s sim.Env, sentA, sentS func() []simtest.Sent) [][]byte {
	p := Proc{Prog: 0x20000099, Vers: 1, Num: 1, Name: "echo"}
	srv := NewServer(s, ServerOptions{Semantics: AtMostOnce}, nil)
	srv.Register(p, func(c *Call) { c.Reply(append([]byte("re:"), c.Args...), nil) })
	NewClient(a, Options{}, nil).Call(1, p, []byte("abcd"), func([]byte, error) {})
	call := sentA()
	if len(call) != 1 {
		t.Fatalf("client sent %d messages; want 1", len(call))
	}
	srv.Receive(0, call[0].Msg)
	srv.Receive(0, call[0].Msg)
	replies := sentS()
	if len(replies) != 2 {
		t.Fatalf("server sent %d messages; want 2", len(replies))
	}
	return [][]byte{call[0].Msg, replies[0].Msg, replies[1].Msg}
}

// A client and a server whose env frames (a UDP port env) send the bytes
// they send through a plain env, from frames with the env's headroom in
// front; a repeat's cached reply is the same bytes again.
func TestFramedSendsSameBytes(t *testing.T) {
	plainA, plainS := simtest.New(0, "A", "S"), simtest.New(1, "A", "S")
	want := exchange(t, plainA, plainS, plainA.TakeSent, plainS.TakeSent)
	for _, room := range []int{0, 3, 8} {
		fa := &framingEnv{Env: simtest.New(0, "A", "S"), room: room}
		fs := &framingEnv{Env: simtest.New(1, "A", "S"), room: room}
		got := exchange(t, fa, fs, fa.TakeSent, fs.TakeSent)
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("room %d: message %d is % x; want % x", room, i, got[i], want[i])
			}
		}
		if len(fa.frames) != 1 || len(fs.frames) != 1 {
			t.Fatalf("room %d: %d and %d frames; want the call and the first reply", room, len(fa.frames), len(fs.frames))
		}
		for _, f := range [][]byte{fa.frames[0], fs.frames[0]} {
			if len(f) < room || !bytes.Equal(f[:room], make([]byte, room)) {
				t.Errorf("room %d: frame % x does not start with %d free bytes", room, f, room)
			}
		}
	}
}

// Results appended to Call.ResultBuffer within its capacity are sent in
// the reply's frame itself; results that outgrow it, errors and
// ErrorNames procedures are copied as before. Either way the reply's
// bytes are those of results built in a plain buffer.
func TestResultBufferInPlace(t *testing.T) {
	echo := Proc{Prog: 0x20000099, Vers: 1, Num: 1, Name: "echo"}
	named := Proc{Prog: 0x20000099, Vers: 1, Num: 2, Name: "named", ErrorNames: true}
	for _, tc := range []struct {
		name    string
		proc    Proc
		n       int
		err     error
		inPlace bool
	}{
		{"fits", echo, 16, nil, true},
		{"exactly", echo, 7, nil, true},
		{"outgrown", echo, 3, nil, false},
		{"no room asked", echo, 0, nil, false},
		{"an error", echo, 16, ErrGarbageArgs, false},
		{"error names", named, 16, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []byte
			for _, room := range []int{0, 8} {
				env := &framingEnv{Env: simtest.New(1, "A", "S"), room: room}
				srv := NewServer(env, ServerOptions{Semantics: AtMostOnce}, nil)
				var res []byte
				srv.Register(tc.proc, func(c *Call) {
					res = append(c.ResultBuffer(tc.n), "re:"...)
					res = append(res, c.Args...)
					c.Reply(res, tc.err)
				})
				srv.Receive(0, encodeCall(0x01000001, tc.proc, noAuth, []byte("abcd")))
				sent := env.TakeSent()
				if len(sent) != 1 || len(env.frames) != 1 {
					t.Fatalf("room %d: sent %d messages in %d frames; want 1", room, len(sent), len(env.frames))
				}
				if want == nil {
					want = sent[0].Msg
				} else if !bytes.Equal(sent[0].Msg, want) {
					t.Errorf("room %d: reply % x; want % x as with room 0", room, sent[0].Msg, want)
				}
				f := env.frames[0]
				in := len(f) >= len(res) && &f[len(f)-len(res)] == &res[0]
				if in != tc.inPlace {
					t.Errorf("room %d: results sent in place %v; want %v", room, in, tc.inPlace)
				}
			}
			m, err := ParseMsg(want)
			if err != nil || (tc.err == nil && !tc.proc.ErrorNames && string(m.Body) != "re:abcd") {
				t.Errorf("reply %+v, %v; want results re:abcd", m, err)
			}
		})
	}
}
