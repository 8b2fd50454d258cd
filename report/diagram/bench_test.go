package diagram_test

import (
	"io"
	"testing"

	"github.com/sim-lecture/sim/report/diagram"
	"github.com/sim-lecture/sim/scenarios"
)

// benchDiagram lays out and draws the first run of a built-in scenario.
func benchDiagram(b *testing.B, name string, png bool) {
	sc, err := scenarios.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	res, worlds, err := scenarios.Run(sc, scenarios.Options{KeepTrace: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, err := diagram.New(res, 0, worlds[0], diagram.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if png {
			err = d.WritePNG(io.Discard)
		} else {
			err = d.WriteSVG(io.Discard)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// A dense run: 300 messages of a reliable transfer.
func BenchmarkDiagramSVGTimeouts(b *testing.B) { benchDiagram(b, "timeouts", false) }
func BenchmarkDiagramPNGTimeouts(b *testing.B) { benchDiagram(b, "timeouts", true) }

// A lecture-sized run: NFS and its state boxes.
func BenchmarkDiagramSVGWriteBuffer(b *testing.B) { benchDiagram(b, "nfs_write_buffer_loss", false) }
func BenchmarkDiagramPNGWriteBuffer(b *testing.B) { benchDiagram(b, "nfs_write_buffer_loss", true) }

// The baselines: running the same scenario, with its trace kept, as sim
// run --out does before it draws.
func benchRun(b *testing.B, name string) {
	sc, err := scenarios.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, _, err := scenarios.Run(sc, scenarios.Options{KeepTrace: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRunTimeouts(b *testing.B)    { benchRun(b, "timeouts") }
func BenchmarkRunWriteBuffer(b *testing.B) { benchRun(b, "nfs_write_buffer_loss") }
