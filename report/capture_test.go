package report

import (
	"bytes"
	"errors"
	"io"
	"math/bits"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
)

// scriptedNet is a network that does to the n-th datagram what fates[n]
// says: "" delivers it after 5ms, "drop" loses it, "dup" delivers two
// copies, "flip" delivers it with bit 70 flipped (in the payload).
type scriptedNet struct {
	fates []string
	n     int
}

func (s *scriptedNet) Transmit(_ sim.Time, _, _ sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	fate := ""
	if s.n < len(s.fates) {
		fate = s.fates[s.n]
	}
	s.n++
	switch fate {
	case "drop":
		return out, "loss"
	case "dup":
		out = append(out, sim.Arrival{Delay: 5 * time.Millisecond, Msg: msg})
		return append(out, sim.Arrival{Delay: 7 * time.Millisecond, Msg: msg, Fate: sim.Duplicated}), ""
	case "flip":
		c := bytes.Clone(msg)
		c[70/8] ^= 1 << (70 % 8)
		return append(out, sim.Arrival{Delay: 5 * time.Millisecond, Msg: c, Fate: sim.Corrupted}), ""
	}
	return append(out, sim.Arrival{Delay: 5 * time.Millisecond, Msg: msg}), ""
}

// packet is a captured packet, decoded.
type packet struct {
	at       time.Duration
	src, dst string
	datagram []byte
	length   int
}

// readCapture reads a capture back with gopacket's pcap reader and
// decoder, as any tool would.
func readCapture(t *testing.T, r io.Reader) []packet {
	t.Helper()
	// The classic libpcap header with nanosecond timestamps: its magic
	// number (pcapgo's Reader.Resolution reports it backwards), version
	// 2.4, snaplen 65535.
	head := make([]byte, 24)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	if got, want := head[:8], []byte{0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0}; !bytes.Equal(got, want) {
		t.Errorf("file header starts % x; want % x", got, want)
	}
	pr, err := pcapgo.NewReader(io.MultiReader(bytes.NewReader(head), r))
	if err != nil {
		t.Fatalf("pcapgo.NewReader: %v", err)
	}
	if pr.LinkType() != layers.LinkTypeRaw {
		t.Fatalf("link type %v; want raw IP", pr.LinkType())
	}
	var out []packet
	for {
		data, ci, err := pr.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("ReadPacketData: %v", err)
		}
		p := gopacket.NewPacket(data, layers.LayerTypeIPv4, gopacket.Default)
		if el := p.ErrorLayer(); el != nil {
			t.Fatalf("packet %d does not decode: %v", len(out)+1, el.Error())
		}
		ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if ip.Protocol != layers.IPProtocolUDP || ip.TTL != 64 || int(ip.Length) != ci.Length {
			t.Errorf("packet %d: IPv4 header %+v", len(out)+1, ip)
		}
		out = append(out, packet{at: ci.Timestamp.Sub(time.Unix(0, 0)), src: ip.SrcIP.String(), dst: ip.DstIP.String(),
			datagram: ip.Payload, length: ci.Length})
	}
}

// Reference: issue 14 — every datagram the network carried, with the
// sender's checksum, at its virtual time; a loss once, a duplicate twice, a
// corruption with its flipped bit.
func TestCaptureRecordsTheWire(t *testing.T) {
	var buf bytes.Buffer
	net := &scriptedNet{fates: []string{"", "drop", "dup", "flip"}}
	c, err := NewCapture(net, &buf, CaptureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w := sim.New(sim.Config{Seed: 1, Network: c})
	a, b := sim.NodeID(0), sim.NodeID(1)
	var sent [][]byte
	port := udpPort(t, w, "A", "B")
	for i, payload := range []string{"first", "lost", "doubled", "flipped"} {
		w.At(sim.Time(i)*sim.Time(time.Second)+sim.Time(3*time.Millisecond), func() {
			msg, err := udp.Marshal(udp.NodeAddr(a), udp.NodeAddr(b), udp.Header{SrcPort: 2049, DstPort: 2049}, []byte(payload))
			if err != nil {
				t.Fatal(err)
			}
			sent = append(sent, msg)
			port.Send(b, msg, payload)
		})
	}
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	got := readCapture(t, &buf)
	if c.Packets() != 5 || len(got) != 5 {
		t.Fatalf("%d packets (Packets() = %d); want 5: first, lost, doubled twice, flipped", len(got), c.Packets())
	}
	wantAt := []time.Duration{3 * time.Millisecond, time.Second + 3*time.Millisecond, 2*time.Second + 3*time.Millisecond,
		2*time.Second + 3*time.Millisecond, 3*time.Second + 3*time.Millisecond}
	wantBytes := [][]byte{sent[0], sent[1], sent[2], sent[2], nil}
	for i, p := range got {
		if p.at != wantAt[i] || p.src != "10.0.0.1" || p.dst != "10.0.0.2" || p.length != 20+len(p.datagram) {
			t.Errorf("packet %d: at %v %s -> %s, length %d; want at %v 10.0.0.1 -> 10.0.0.2, length %d",
				i+1, p.at, p.src, p.dst, p.length, wantAt[i], 20+len(p.datagram))
		}
		_, _, err := udp.Unmarshal(udp.NodeAddr(a), udp.NodeAddr(b), p.datagram)
		if i < 4 {
			if err != nil || !bytes.Equal(p.datagram, wantBytes[i]) {
				t.Errorf("packet %d: %x (%v); want the sender's datagram %x with its checksum", i+1, p.datagram, err, wantBytes[i])
			}
			continue
		}
		if !errors.Is(err, udp.ErrChecksum) || flippedBits(p.datagram, sent[3]) != 1 {
			t.Errorf("corrupted packet: %v, %d bits differ; want ErrChecksum and one flipped bit",
				err, flippedBits(p.datagram, sent[3]))
		}
	}
}

// udpPort returns an env that sends from node from to node to, in a
// world with the two: the kernel's own env of from.
func udpPort(t *testing.T, w *sim.World, from, to string) sim.Env {
	t.Helper()
	w.AddNode(from, func(env sim.Env) sim.Handler { return sink{} })
	w.AddNode(to, func(env sim.Env) sim.Handler { return sink{} })
	id, _ := w.Lookup(from)
	return w.Env(id)
}

type sink struct{}

func (sink) Receive(sim.NodeID, []byte) {}
func (sink) Timer(uint64)               {}

func flippedBits(a, b []byte) int {
	if len(a) != len(b) {
		return -1
	}
	n := 0
	for i := range a {
		n += bits.OnesCount8(a[i] ^ b[i])
	}
	return n
}

// Raw payloads (the pipe and socket systems) get a UDP header with no
// checksum; packets past MaxBytes are cut, with their real length.
func TestCaptureRawAndTruncated(t *testing.T) {
	var buf bytes.Buffer
	c, err := NewCapture(&scriptedNet{}, &buf, CaptureOptions{Raw: true, Port: RawPort, MaxBytes: 300})
	if err != nil {
		t.Fatal(err)
	}
	w := sim.New(sim.Config{Seed: 1, Network: c})
	env := udpPort(t, w, "A", "B")
	big := bytes.Repeat([]byte{0xab}, 200)
	for i := 0; i < 3; i++ {
		env.Send(1, big, "raw")
	}
	got := readCapture(t, &buf)
	if len(got) != 3 {
		t.Fatalf("%d packets; want 3", len(got))
	}
	full := 20 + 8 + len(big)
	for i, p := range got {
		if p.length != full {
			t.Errorf("packet %d: length %d; want %d", i+1, p.length, full)
		}
	}
	d := got[0].datagram
	want := append([]byte{0, 7, 0, 7, 0, 208, 0, 0}, big...)
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("raw datagram (-want +got):\n%s", diff)
	}
	// 228 bytes fit the 300-byte budget once; the next two are cut.
	for i, p := range got[1:] {
		if len(p.datagram) != TruncatedBytes-20 {
			t.Errorf("packet %d: %d datagram bytes captured; want %d", i+2, len(p.datagram), TruncatedBytes-20)
		}
	}
}
