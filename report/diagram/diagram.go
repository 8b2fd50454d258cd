// Package diagram draws a run as a space-time diagram, the way the
// lecture draws its figures: one vertical lane per node, time running
// downwards, an arrow per message from its send to each copy's arrival,
// what the network did to it, each node's down time, and, where they
// happen, the application's calls and results and the changes of each
// node's state ("server mem", "server disk", the callbacks of AFS).
//
// A diagram is laid out once, from the trace and the result, and painted
// the same way as SVG (with a class, a tooltip and an id per element) and
// as PNG. The layout keeps every label whole and apart: a label is moved
// along its arrow, or beside its lane, until it touches no other label and
// no arrow crosses it. A message label with no such place is drawn as a
// numbered marker on its arrow and written under that number in a list
// right of the diagram (see moved.go); nothing is left out. The output
// depends only on its inputs.
package diagram

import (
	"bytes"
	"fmt"
	"image/png"
	"io"
	"math"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/sim"
)

// MaxLanes is how many nodes a diagram draws when Options.Nodes does not
// choose them: the servers, then the first clients.
const MaxLanes = 24

// DefaultMaxMessages is how many messages a diagram draws before it stops:
// past a few hundred arrows a diagram stops explaining anything.
const DefaultMaxMessages = 300

// Options choose what a diagram shows.
type Options struct {
	// MaxMessages is how many messages to draw (default
	// DefaultMaxMessages); the diagram stops at the send of the next, and
	// the caption says so.
	MaxMessages int
	// From and To are the time window: what happens before From or after
	// To is not drawn, except the arrivals of messages sent within it. To
	// 0 is the end of the run.
	From, To sim.Time
	// Nodes are the lanes, in order; nil draws every node, the clients
	// split around the others.
	Nodes []string
	// Hide leaves kinds of things out.
	Hide Hide
}

// Hide is a set of things a diagram can leave out.
type Hide uint8

// The things Hide can leave out, by the names ParseHide takes.
const (
	HideAcks   Hide = 1 << iota // "acks": messages labelled ACK (RPC's explicit ACKs, the transport's "ACK n")
	HideProbes                  // "probes": RPC's PROBE messages
	HideTimers                  // "timers": the circles of fired timers
	HideState                   // "state": the boxes of node state
	HideFaults                  // "faults": the lines of network faults
)

var hideNames = []string{"acks", "probes", "timers", "state", "faults"}

// ParseHide parses a comma-separated list of names ("acks,probes").
func ParseHide(list string) (Hide, error) {
	var h Hide
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		i := indexOf(hideNames, name)
		if i < 0 {
			return 0, fmt.Errorf("unknown thing to hide %q (want a list of %s)", name, strings.Join(hideNames, ", "))
		}
		h |= 1 << i
	}
	return h, nil
}

// hides reports whether a message with this label is left out.
func (h Hide) hides(label string) bool {
	word, _, _ := strings.Cut(label, " ")
	return (h&HideAcks != 0 && word == "ACK") || (h&HideProbes != 0 && word == "PROBE")
}

// Diagram is a laid-out space-time diagram.
type Diagram struct {
	l *layout
}

// New lays out system i of res, run in world w with its trace kept.
func New(res *report.Result, i int, w *sim.World, opt Options) (*Diagram, error) {
	names := make([]string, w.NumNodes())
	for id := range names {
		names[id] = w.Name(sim.NodeID(id))
	}
	return Build(res, i, names, w.Trace().Records(), opt)
}

// Build lays out system i of res from its trace records; names are the
// node names by ID.
func Build(res *report.Result, i int, names []string, records []sim.Record, opt Options) (*Diagram, error) {
	if i < 0 || i >= len(res.Systems) {
		return nil, fmt.Errorf("diagram: no system %d in the result", i)
	}
	if opt.MaxMessages <= 0 {
		opt.MaxMessages = DefaultMaxMessages
	}
	if opt.From < 0 || (opt.To > 0 && opt.To < opt.From) {
		return nil, fmt.Errorf("diagram: the window from %s to %s is empty", fmtTime(opt.From), fmtTime(opt.To))
	}
	m, err := buildModel(input{res: res, sys: &res.Systems[i], names: names, records: records}, opt)
	if err != nil {
		return nil, err
	}
	return &Diagram{l: newLayout(m, records)}, nil
}

// WriteSVG writes the diagram as SVG.
func (d *Diagram) WriteSVG(out io.Writer) error {
	var b strings.Builder
	c := &svgCanvas{b: &b}
	c.begin(d.l.width, d.l.height)
	d.l.paint(c)
	c.finish()
	_, err := io.WriteString(out, b.String())
	return err
}

// PNGScale is how many PNG pixels a diagram's pixel takes, for sharp
// slides, as long as the PNG stays under MaxPNGPixels pixels; a larger
// diagram is drawn with fewer (but at least one).
const (
	PNGScale     = 2
	MaxPNGPixels = 12_000_000
)

// WritePNG writes the diagram as PNG.
func (d *Diagram) WritePNG(out io.Writer) error {
	scale := math.Max(1, math.Min(PNGScale, math.Sqrt(MaxPNGPixels/(d.l.width*d.l.height))))
	// vg measures in points (1/72 in); one diagram pixel is one point.
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(d.l.width), vg.Length(d.l.height)), vgimg.UseDPI(int(72*scale)))
	d.l.paint(&vgCanvas{c: c, w: d.l.width, h: d.l.height})
	var b bytes.Buffer
	// BestSpeed: a third of the time of the default, for files a little
	// larger; a diagram is mostly white and compresses well either way.
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, c.Image()); err != nil {
		return err
	}
	_, err := out.Write(b.Bytes())
	return err
}

// Anchor is where a diagram draws a trace record.
type Anchor struct {
	// X and Y are in the SVG's coordinates; OK is false when the record
	// is not drawn (outside the window, on a hidden lane, or a kind of
	// record the diagram does not show).
	X, Y float64
	OK   bool
	// ID is the id of the SVG element that draws the record ("" when it
	// has none of its own).
	ID string
}

// Anchors returns, for every trace record, where the diagram draws it.
func (d *Diagram) Anchors() []Anchor { return d.l.anchors }

// Size returns the diagram's width and height in pixels.
func (d *Diagram) Size() (width, height float64) { return d.l.width, d.l.height }

// Overlaps lists the notes (calls, results, state boxes, crash and fault
// labels) that could not be placed clear of every other label and arrow
// (each drawn on a white plate instead). A diagram of a built-in scenario
// has none. Message labels never overlap: those with no room are listed
// by number instead.
func (d *Diagram) Overlaps() []string { return d.l.overlaps }

// Captions returns the lines under the diagram: what it shows and what
// it left out.
func (d *Diagram) Captions() []string { return d.l.captions }
