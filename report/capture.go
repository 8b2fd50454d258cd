package report

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
)

// A packet capture of a run: what a network tap between the nodes would
// record, in the classic libpcap format that tcpdump, Wireshark and tshark
// read (with nanosecond timestamps, magic 0xa1b23c4d).
//
// Every datagram a node hands to the network is recorded once at the
// instant it enters the network, as an IPv4 packet (link type "raw IP")
// from the sender's address to the receiver's (udp.NodeAddr: 10.0.0.1 for
// the first node), carrying the UDP datagram exactly as the sender built
// it, checksum included. What the network does shows as it happened on the
// wire:
//
//   - a datagram the network loses is recorded once, and no answer
//     follows it;
//   - a duplicated datagram is recorded twice;
//   - a corrupted datagram is recorded with its flipped bit, so its UDP
//     checksum is bad, as the receiver finds it;
//   - a datagram sent by a node that is down never reaches the wire and is
//     not recorded.
//
// Timestamps are virtual time: the run starts at the Unix epoch. Systems
// whose messages are not UDP datagrams (the pipe and socket systems, whose
// nodes hand raw payloads to the network) are wrapped in a UDP header with
// no checksum (RFC 768: a checksum of 0 means none), on CaptureOptions.Port.

// CaptureOptions configure a Capture.
type CaptureOptions struct {
	// Raw says the nodes send raw payloads, not UDP datagrams: each is
	// recorded in a UDP header of its own, from and to Port, with no
	// checksum.
	Raw bool
	// Port is the UDP port of raw payloads.
	Port uint16
	// MaxBytes bounds the packet bytes recorded in full (0:
	// DefaultCaptureBytes). Once they are used up, every further packet
	// is recorded cut to its first TruncatedBytes bytes, with its real
	// length, as tcpdump's -s does: every packet stays visible.
	MaxBytes int64
}

// DefaultCaptureBytes is the default CaptureOptions.MaxBytes: 256 MiB.
const DefaultCaptureBytes = 256 << 20

// TruncatedBytes is how much of a packet is recorded once
// CaptureOptions.MaxBytes is used up: the IPv4 and UDP headers and the
// start of the payload (an RPC header).
const TruncatedBytes = 128

// maxIPv4 is the largest IPv4 packet: its Total Length field has 16 bits.
const maxIPv4 = 0xffff

// Capture is a sim.Network that records every datagram the network it wraps
// carries. It is not safe for concurrent use; a world calls it from its one
// goroutine.
type Capture struct {
	net     sim.Network
	w       *pcapgo.Writer
	opts    CaptureOptions
	ipID    uint16
	full    int64 // packet bytes recorded in full so far
	packets int
	err     error
	// buf, ip and addrs are reused from packet to packet.
	buf      gopacket.SerializeBuffer
	ip       layers.IPv4
	src, dst udp.Addr
}

// NewCapture returns a Capture of the datagrams net carries, written to out
// as they are sent. It writes the file header at once.
func NewCapture(net sim.Network, out io.Writer, opts CaptureOptions) (*Capture, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultCaptureBytes
	}
	c := &Capture{net: net, w: pcapgo.NewWriterNanos(out), opts: opts, buf: gopacket.NewSerializeBuffer()}
	if err := c.w.WriteFileHeader(maxIPv4, layers.LinkTypeRaw); err != nil {
		return nil, err
	}
	return c, nil
}

// Transmit implements sim.Network: it asks the wrapped network what
// becomes of msg and records each copy that leaves, or msg itself if none
// arrives.
func (c *Capture) Transmit(now sim.Time, from, to sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	n := len(out)
	copies, reason := c.net.Transmit(now, from, to, msg, out)
	if len(copies) == n {
		c.record(now, from, to, msg)
	}
	for _, a := range copies[n:] {
		c.record(now, from, to, a.Msg)
	}
	return copies, reason
}

// Packets returns how many packets the capture holds.
func (c *Capture) Packets() int { return c.packets }

// Err returns the first error writing the capture met, if any; after one,
// nothing more is written.
func (c *Capture) Err() error { return c.err }

// record writes one packet: the datagram in an IPv4 header.
func (c *Capture) record(now sim.Time, from, to sim.NodeID, datagram []byte) {
	if c.err != nil {
		return
	}
	if c.opts.Raw {
		datagram = rawDatagram(c.opts.Port, datagram)
	}
	c.src, c.dst = udp.NodeAddr(from), udp.NodeAddr(to)
	c.ipID++
	c.ip = layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, Id: c.ipID,
		Flags: layers.IPv4DontFragment, SrcIP: net.IP(c.src[:]), DstIP: net.IP(c.dst[:])}
	length := 20 + len(datagram)
	// A datagram too long for IPv4 (more than 65507 bytes of payload; the
	// scenario loader refuses such messages, but a layer driven by hand
	// may send one) is recorded cut to the largest packet, with its
	// length.
	body := datagram
	if length > maxIPv4 {
		body = datagram[:maxIPv4-20]
	}
	if err := gopacket.SerializeLayers(c.buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		&c.ip, gopacket.Payload(body)); err != nil {
		c.err = fmt.Errorf("capture: %w", err)
		return
	}
	pkt := c.buf.Bytes()
	if c.full+int64(len(pkt)) > c.opts.MaxBytes {
		pkt = pkt[:min(len(pkt), TruncatedBytes)]
	} else {
		c.full += int64(len(pkt))
	}
	info := gopacket.CaptureInfo{Timestamp: time.Unix(0, int64(now)).UTC(), CaptureLength: len(pkt), Length: length}
	if err := c.w.WritePacket(info, pkt); err != nil {
		c.err = fmt.Errorf("capture: %w", err)
		return
	}
	c.packets++
}

// rawDatagram wraps a raw payload in a UDP header from port to port with
// no checksum.
func rawDatagram(port uint16, payload []byte) []byte {
	b := make([]byte, udp.HeaderLen+len(payload))
	binary.BigEndian.PutUint16(b[0:], port)
	binary.BigEndian.PutUint16(b[2:], port)
	binary.BigEndian.PutUint16(b[4:], uint16(min(len(b), 0xffff)))
	copy(b[udp.HeaderLen:], payload)
	return b
}

// RawPort is the UDP port a capture gives raw payloads: 7, the port of the
// udp system's application (echo's).
const RawPort = 7
