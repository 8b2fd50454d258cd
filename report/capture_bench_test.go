package report

import (
	"bufio"
	"io"
	"testing"
	"time"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
)

// benchTransmit sends NFS-sized UDP datagrams (a 136-byte READ call)
// between 16 nodes through net.
func benchTransmit(b *testing.B, net sim.Network) {
	msg, err := udp.Marshal(udp.NodeAddr(0), udp.NodeAddr(1), udp.Header{SrcPort: 2049, DstPort: 2049}, make([]byte, 128))
	if err != nil {
		b.Fatal(err)
	}
	out := make([]sim.Arrival, 0, 2)
	b.ReportAllocs()
	var now sim.Time
	i := 0
	for b.Loop() {
		now += sim.Time(time.Microsecond)
		out, _ = net.Transmit(now, sim.NodeID(i%16), sim.NodeID(i/16%16), msg, out[:0])
		i++
	}
}

func benchNet() *netmodel.Network {
	p := netmodel.Params{Delay: netmodel.Delay{Kind: netmodel.Constant, Value: 5 * time.Millisecond}, Loss: 0.01, Duplicate: 0.01, Corrupt: 0.01}
	return netmodel.New(1, netmodel.Config{Default: p}, nil)
}

// BenchmarkTransmitBare is the baseline: the network alone.
func BenchmarkTransmitBare(b *testing.B) { benchTransmit(b, benchNet()) }

// BenchmarkTransmitCaptured is the same network with a capture of every
// datagram, written (buffered) to nowhere: what --out adds per datagram.
func BenchmarkTransmitCaptured(b *testing.B) {
	c, err := NewCapture(benchNet(), bufio.NewWriter(io.Discard), CaptureOptions{MaxBytes: 1 << 62})
	if err != nil {
		b.Fatal(err)
	}
	benchTransmit(b, c)
}
