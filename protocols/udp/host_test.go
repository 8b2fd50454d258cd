package udp

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sim-lecture/sim/sim"
	"github.com/sim-lecture/sim/sim/simtest"
	"pgregory.net/rapid"
)

// recorder is an application bound to a port: it keeps everything it is
// handed.
type recorder struct {
	env    sim.Env
	got    []arrived
	timers []uint64
}

type arrived struct {
	From sim.NodeID
	Msg  string
}

func (r *recorder) Receive(from sim.NodeID, msg []byte) {
	r.got = append(r.got, arrived{from, string(msg)})
}
func (r *recorder) Timer(tag uint64) { r.timers = append(r.timers, tag) }

// bindRecorder binds a recorder to port on h.
func bindRecorder(h *Host, port uint16) *recorder {
	r := &recorder{}
	h.Bind(port, func(env sim.Env) sim.Handler { r.env = env; return r })
	return r
}

const (
	nodeA sim.NodeID = 0
	nodeB sim.NodeID = 1
)

// pair returns the envs and hosts of two nodes A and B.
func pair() (envA *simtest.Env, a *Host, envB *simtest.Env, b *Host) {
	envA = simtest.New(nodeA, "A", "B")
	envB = simtest.New(nodeB, "A", "B")
	return envA, NewHost(envA), envB, NewHost(envB)
}

// Lecture: "messages sent from/to ports to target a process on machine".
func TestSendAndRouteByPort(t *testing.T) {
	envA, a, _, b := pair()
	sender := bindRecorder(a, 7)
	r7 := bindRecorder(b, 7)
	r9 := bindRecorder(b, 9)

	sender.env.Send(nodeB, []byte("hello"), "HELLO")
	sent := envA.TakeSent()
	if len(sent) != 1 {
		t.Fatalf("sends = %d; want 1", len(sent))
	}
	if sent[0].To != nodeB || sent[0].Label != "HELLO" {
		t.Errorf("send to %d label %q; want to %d label HELLO", sent[0].To, sent[0].Label, nodeB)
	}
	hdr, payload, err := Unmarshal(testSrc, testDst, sent[0].Msg)
	if err != nil {
		t.Fatalf("Unmarshal(testSrc, testDst, sent) error %v", err)
	}
	if hdr.SrcPort != 7 || hdr.DstPort != 7 || string(payload) != "hello" {
		t.Errorf("datagram = %+v %q; want ports 7->7 payload hello", hdr, payload)
	}

	b.Receive(nodeA, sent[0].Msg)
	if diff := cmp.Diff([]arrived{{nodeA, "hello"}}, r7.got); diff != "" {
		t.Errorf("port 7 got (-want +got):\n%s", diff)
	}
	if len(r9.got) != 0 {
		t.Errorf("port 9 got %v; want nothing", r9.got)
	}
	if got := b.Stats(); got != (Stats{Delivered: 1}) {
		t.Errorf("B stats = %+v; want Delivered 1", got)
	}
	if got := a.Stats(); got != (Stats{Sent: 1}) {
		t.Errorf("A stats = %+v; want Sent 1", got)
	}
	if b.Handler(7) != sim.Handler(r7) || b.Handler(8) != nil {
		t.Errorf("Handler(7), Handler(8) = %v, %v; want the recorder and nil", b.Handler(7), b.Handler(8))
	}
}

// Lecture: "only protection: checksums to ensure data not corrupted".
// RFC 1071: a one-bit error anywhere changes the one's complement sum.
func TestRejectOneBitFlip(t *testing.T) {
	msg, err := Marshal(testSrc, testDst, Header{SrcPort: 7, DstPort: 7}, []byte("payload!"))
	if err != nil {
		t.Fatal(err)
	}
	for bit := 0; bit < 8*len(msg); bit++ {
		flipped := bytes.Clone(msg)
		flipped[bit/8] ^= 1 << (bit % 8)
		envB := simtest.New(nodeB, "A", "B")
		b := NewHost(envB)
		r := bindRecorder(b, 7)
		b.Receive(nodeA, flipped)
		if len(r.got) != 0 {
			t.Errorf("bit %d flipped: application got %v; want nothing", bit, r.got)
		}
		if got := b.Stats(); got != (Stats{Rejected: 1}) {
			t.Errorf("bit %d flipped: stats %+v; want Rejected 1", bit, got)
		}
		if want := []string{"udp: checksum error from A"}; !cmp.Equal(want, envB.Notes) {
			t.Errorf("bit %d flipped: notes %q; want %q", bit, envB.Notes, want)
		}
	}
}

func TestMalformedAndNoPort(t *testing.T) {
	good, err := Marshal(testSrc, testDst, Header{SrcPort: 5, DstPort: 5}, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	// A datagram whose checksum is right but whose Length field is not.
	badLength := []byte{0, 7, 0, 7, 0, 99, 0, 0, 'x'}
	c := ^uint16(Sum(badLength, pseudoSum(testSrc, testDst, len(badLength))))
	badLength[6], badLength[7] = byte(c>>8), byte(c)
	tests := []struct {
		name  string
		msg   []byte
		stats Stats
		note  string
	}{
		{"short", []byte{1, 2, 3}, Stats{Malformed: 1}, "udp: malformed datagram from A"},
		{"length", badLength, Stats{Malformed: 1}, "udp: malformed datagram from A"},
		// Lecture: UDP gives no feedback; a datagram for a port nobody
		// listens on is dropped.
		{"no port", good, Stats{NoPort: 1}, "udp: no port 5 from A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			envB := simtest.New(nodeB, "A", "B")
			b := NewHost(envB)
			r := bindRecorder(b, 7)
			b.Receive(nodeA, tt.msg)
			if len(r.got) != 0 {
				t.Errorf("application got %v; want nothing", r.got)
			}
			if got := b.Stats(); got != tt.stats {
				t.Errorf("stats = %+v; want %+v", got, tt.stats)
			}
			if len(envB.Notes) != 1 || !strings.HasPrefix(envB.Notes[0], tt.note) {
				t.Errorf("notes = %q; want one starting %q", envB.Notes, tt.note)
			}
		})
	}
}

func TestTooLongIsNotSent(t *testing.T) {
	envA, a, _, _ := pair()
	r := bindRecorder(a, 7)
	r.env.Send(nodeB, make([]byte, MaxPayload+1), "BIG")
	if len(envA.Sent) != 0 {
		t.Errorf("sent %d datagrams; want 0", len(envA.Sent))
	}
	if got := a.Stats(); got != (Stats{TooLong: 1}) {
		t.Errorf("stats = %+v; want TooLong 1", got)
	}
	if len(envA.Notes) != 1 {
		t.Errorf("notes = %q; want one", envA.Notes)
	}
}

// The port env namespaces timer and disk-write tags so that two services on
// one node never receive each other's timers.
func TestTimerAndDiskTagsNamespaced(t *testing.T) {
	envA, a, _, _ := pair()
	r7 := bindRecorder(a, 7)
	r9 := bindRecorder(a, 9)

	r7.env.SetTimer(time.Second, 5)
	r9.env.SetTimer(2*time.Second, 5)
	id := r9.env.SetTimer(3*time.Second, 1<<TagBits-1)
	if got, want := envA.Timers[0].Tag, uint64(7)<<48|5; got != want {
		t.Errorf("node tag of port 7 timer = %#x; want %#x", got, want)
	}
	if got, want := envA.Timers[2].Tag, uint64(9)<<48|(1<<48-1); got != want {
		t.Errorf("node tag of largest port 9 tag = %#x; want %#x", got, want)
	}
	if !r9.env.CancelTimer(id) {
		t.Errorf("CancelTimer(live timer) = false; want true")
	}
	for {
		if _, ok := envA.FireNext(a); !ok {
			break
		}
	}
	if !cmp.Equal(r7.timers, []uint64{5}) || !cmp.Equal(r9.timers, []uint64{5}) {
		t.Errorf("timers seen: port 7 %v, port 9 %v; want [5] each", r7.timers, r9.timers)
	}

	r9.env.WriteDisk("k", []byte("v"), 3)
	if got, want := envA.Writes[0], (simtest.Write{Key: "k", Val: []byte("v"), Tag: 9<<48 | 3}); !cmp.Equal(got, want) {
		t.Errorf("disk write = %+v; want %+v", got, want)
	}
	a.Timer(9<<48 | 3) // the kernel's completion of that write
	if !cmp.Equal(r9.timers, []uint64{5, 3}) {
		t.Errorf("port 9 timers = %v; want [5 3]", r9.timers)
	}

	a.Timer(11<<48 | 1) // nobody on port 11: noted, not delivered
	if len(envA.Notes) != 1 {
		t.Errorf("notes = %q; want one for the unbound port", envA.Notes)
	}

	defer func() {
		if recover() == nil {
			t.Errorf("SetTimer with a 49-bit tag did not panic")
		}
	}()
	r7.env.SetTimer(time.Second, 1<<TagBits)
}

func TestPortEnvDelegates(t *testing.T) {
	envA, a, _, _ := pair()
	envA.Clock = 42
	envA.Incarn = 3
	r := bindRecorder(a, 7)
	e := r.env
	id, ok := e.Lookup("B")
	got := fmt.Sprintln(e.Now(), e.Self(), e.Name(), id, ok, e.NodeName(1), e.Incarnation(), e.Rand() == envA.Rand(), e.Disk() == envA.Disk())
	if want := "42ns 0 A 1 true B 3 true true\n"; got != want {
		t.Errorf("port env = %q; want %q", got, want)
	}
	e.Trace("app", "hi")
	if !cmp.Equal(envA.Notes, []string{"app: hi"}) {
		t.Errorf("notes = %q", envA.Notes)
	}
}

func TestBindTwicePanics(t *testing.T) {
	_, a, _, _ := pair()
	bindRecorder(a, 7)
	defer func() {
		if recover() == nil {
			t.Errorf("second Bind(7) did not panic")
		}
	}()
	bindRecorder(a, 7)
}

// TestManyPorts checks routing on hosts with fewer ports than it keeps
// inline, exactly as many, and more (kept in a map): every bound port is
// found, by Handler and by a datagram, an unbound one is not, and a
// second Bind of any of them panics.
func TestManyPorts(t *testing.T) {
	for _, n := range []int{1, inlinePorts, inlinePorts + 1, 3 * inlinePorts} {
		t.Run(fmt.Sprint(n, " ports"), func(t *testing.T) {
			_, a, _, b := pair()
			var recs []*recorder
			for p := range n {
				bindRecorder(a, uint16(100+p))
				recs = append(recs, bindRecorder(b, uint16(100+p)))
			}
			for p, r := range recs {
				port := uint16(100 + p)
				if b.Handler(port) != sim.Handler(r) {
					t.Errorf("Handler(%d) = %v; want its recorder", port, b.Handler(port))
				}
				a.send(port, nodeB, []byte(fmt.Sprint("to ", port)), "X")
			}
			if b.Handler(99) != nil || b.Handler(uint16(100+n)) != nil {
				t.Errorf("Handler of an unbound port is not nil")
			}
			for _, s := range a.env.(*simtest.Env).TakeSent() {
				b.Receive(nodeA, s.Msg)
			}
			for p, r := range recs {
				want := []arrived{{nodeA, fmt.Sprint("to ", 100+p)}}
				if diff := cmp.Diff(want, r.got); diff != "" {
					t.Errorf("port %d got (-want +got):\n%s", 100+p, diff)
				}
			}
			for p := range n {
				func() {
					defer func() {
						if recover() == nil {
							t.Errorf("second Bind(%d) did not panic", 100+p)
						}
					}()
					bindRecorder(b, uint16(100+p))
				}()
			}
		})
	}
}

// Lecture: UDP messages "may be lost", "may be reordered", "may be
// duplicated"; the "only protection: checksums". Whatever the network does
// (drop, duplicate, reorder, flip one bit of a copy), nothing reaches an
// application that was not sent, byte for byte, to its port.
func TestPropertyNothingFabricated(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		envA, a, _, b := pair()
		ports := []uint16{7, 9, 11} // B binds 7 and 9 only
		senders := map[uint16]*recorder{}
		for _, p := range ports {
			senders[p] = bindRecorder(a, p)
		}
		receivers := map[uint16]*recorder{7: bindRecorder(b, 7), 9: bindRecorder(b, 9)}

		type datagram struct {
			port    uint16
			payload []byte
		}
		n := rapid.IntRange(0, 20).Draw(t, "datagrams")
		sentBy := map[uint16]map[string]bool{}
		for i := 0; i < n; i++ {
			d := datagram{
				port:    rapid.SampledFrom(ports).Draw(t, "port"),
				payload: rapid.SliceOfN(rapid.Byte(), 0, 40).Draw(t, "payload"),
			}
			senders[d.port].env.Send(nodeB, d.payload, "D")
			if sentBy[d.port] == nil {
				sentBy[d.port] = map[string]bool{}
			}
			sentBy[d.port][string(d.payload)] = true
		}

		// The network: each datagram is lost, delivered once or twice, and
		// each copy may get one bit flipped; then the copies are shuffled.
		var copies [][]byte
		for _, s := range envA.TakeSent() {
			k := rapid.IntRange(0, 2).Draw(t, "copies")
			for c := 0; c < k; c++ {
				m := bytes.Clone(s.Msg)
				if rapid.Bool().Draw(t, "flip") {
					bit := rapid.IntRange(0, 8*len(m)-1).Draw(t, "bit")
					m[bit/8] ^= 1 << (bit % 8)
				}
				copies = append(copies, m)
			}
		}
		copies = rapid.Permutation(copies).Draw(t, "order")
		for _, m := range copies {
			b.Receive(nodeA, m)
		}

		for port, r := range receivers {
			for _, got := range r.got {
				if got.From != nodeA || !sentBy[port][got.Msg] {
					t.Fatalf("port %d got %q from %d, never sent to that port", port, got.Msg, got.From)
				}
			}
		}
		st := b.Stats()
		if total := st.Delivered + st.Rejected + st.Malformed + st.NoPort; total != uint64(len(copies)) {
			t.Fatalf("stats %+v account for %d copies; want %d", st, total, len(copies))
		}
		if got := uint64(len(receivers[7].got) + len(receivers[9].got)); got != st.Delivered {
			t.Fatalf("applications got %d; Stats.Delivered = %d", got, st.Delivered)
		}
	})
}
