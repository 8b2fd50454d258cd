package diagram

import (
	"image/color"
	"math"
	"strconv"
	"sync"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/vg"
)

// A diagram is laid out once and painted through the canvas interface,
// in y-down pixel coordinates. Two canvases take the same calls: svgCanvas
// writes SVG itself, because the SVG needs what no vg canvas writes (a
// class, an id and a tooltip per element, used by the tests, by a reader
// hovering over an arrow and by the step-through viewer); vgCanvas paints
// on any gonum vg.Canvas, and WritePNG gives it vgimg's. Text is measured
// with the Liberation fonts vg paints with, metric-compatible with the
// Arial or Helvetica a browser draws the SVG with, so both come out alike.
type canvas interface {
	// group starts a group of elements; class, id and title may be "".
	group(class, id, title string)
	// end ends the last group started.
	end()
	line(x0, y0, x1, y1 float64, s stroke)
	// path draws the polygon through pts, closed when fill is set.
	path(pts []pt, s stroke, fill paint)
	rect(x, y, w, h, radius float64, s stroke, fill paint)
	circle(cx, cy, r float64, s stroke, fill paint)
	// text draws one line whose baseline starts (anchor start), is
	// centred (middle) or ends (end) at x, y, turned by angle degrees
	// clockwise around that point; halo draws a white outline under it.
	text(x, y float64, s string, st textStyle)
}

// pt is a point in diagram coordinates.
type pt struct{ x, y float64 }

// paint is a colour "#rrggbb" with an opacity; the zero paint is none.
type paint struct {
	hex     string
	opacity float64 // 0 means 1
}

func rgb(hex string) paint { return paint{hex: hex} }

func (p paint) none() bool { return p.hex == "" }

// rgba converts the paint for vg.
func (p paint) rgba() color.Color {
	v, err := strconv.ParseUint(p.hex[1:], 16, 32)
	if err != nil {
		panic("diagram: bad colour " + p.hex)
	}
	a := p.opacity
	if a == 0 {
		a = 1
	}
	c := color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: uint8(math.Round(a * 255))}
	return c
}

// stroke is how a line is drawn; the zero stroke draws nothing.
type stroke struct {
	color paint
	width float64
	dash  []float64
}

// anchor is where a text's x lies along it.
type anchor uint8

const (
	anchorStart anchor = iota
	anchorMiddle
	anchorEnd
)

// textStyle is how a text is drawn.
type textStyle struct {
	face   fontFace
	color  paint
	anchor anchor
	angle  float64 // degrees, clockwise
	halo   bool
}

// fontFace is one of the faces a diagram uses.
type fontFace struct {
	size         float64
	bold, italic bool
}

var (
	fontsOnce sync.Once
	fonts     *font.Cache
)

// face returns the vg font of f (Liberation Sans).
func (f fontFace) face() font.Face {
	fontsOnce.Do(func() { fonts = font.NewCache(liberation.Collection()) })
	fn := font.Font{Typeface: "Liberation", Variant: "Sans"}
	if f.bold {
		fn.Weight = xfont.WeightBold
	}
	if f.italic {
		fn.Style = xfont.StyleItalic
	}
	return fonts.Lookup(fn, font.Length(f.size))
}

// width measures s in f, in pixels.
func (f fontFace) width(s string) float64 {
	face := f.face()
	return face.Width(s).Points()
}

// vgCanvas paints on a vg.Canvas of height h: vg's y axis points up. The
// canvas starts white.
type vgCanvas struct {
	c    vg.Canvas
	w, h float64
}

func (v *vgCanvas) p(x, y float64) vg.Point { return vg.Point{X: vg.Length(x), Y: vg.Length(v.h - y)} }

func (v *vgCanvas) group(class, id, title string) {}
func (v *vgCanvas) end()                          {}

func (v *vgCanvas) setStroke(s stroke) bool {
	if s.color.none() || s.width <= 0 {
		return false
	}
	v.c.SetColor(s.color.rgba())
	v.c.SetLineWidth(vg.Length(s.width))
	dash := make([]vg.Length, len(s.dash))
	for i, d := range s.dash {
		dash[i] = vg.Length(d)
	}
	v.c.SetLineDash(dash, 0)
	return true
}

func (v *vgCanvas) line(x0, y0, x1, y1 float64, s stroke) {
	if v.setStroke(s) {
		v.c.Stroke(vg.Path{{Type: vg.MoveComp, Pos: v.p(x0, y0)}, {Type: vg.LineComp, Pos: v.p(x1, y1)}})
	}
}

func (v *vgCanvas) path(pts []pt, s stroke, fill paint) {
	var p vg.Path
	for i, q := range pts {
		if i == 0 {
			p.Move(v.p(q.x, q.y))
		} else {
			p.Line(v.p(q.x, q.y))
		}
	}
	if !fill.none() {
		p.Close()
		v.c.SetColor(fill.rgba())
		v.c.Fill(p)
	}
	if v.setStroke(s) {
		v.c.Stroke(p)
	}
}

func (v *vgCanvas) rect(x, y, w, h, radius float64, s stroke, fill paint) {
	if x <= 0 && y <= 0 && w >= v.w && h >= v.h && fill == colWhite && s.color.none() {
		return // the background: the canvas is white already
	}
	// Corners are drawn square: at these sizes a 2-4 px radius is not
	// worth arcs.
	v.path([]pt{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}, {x, y}}, s, fill)
}

func (v *vgCanvas) circle(cx, cy, r float64, s stroke, fill paint) {
	var p vg.Path
	c := v.p(cx, cy)
	p.Move(vg.Point{X: c.X + vg.Length(r), Y: c.Y})
	p.Arc(c, vg.Length(r), 0, 2*math.Pi)
	p.Close()
	if !fill.none() {
		v.c.SetColor(fill.rgba())
		v.c.Fill(p)
	}
	if v.setStroke(s) {
		v.c.Stroke(p)
	}
}

func (v *vgCanvas) text(x, y float64, s string, st textStyle) {
	f := st.face.face()
	dx := 0.0
	switch st.anchor {
	case anchorMiddle:
		dx = -f.Width(s).Points() / 2
	case anchorEnd:
		dx = -f.Width(s).Points()
	}
	// No halo: the layout keeps labels clear of lines, and drawing the
	// text eight more times would triple the time a PNG takes.
	v.c.Push()
	v.c.Translate(v.p(x, y))
	v.c.Rotate(-st.angle * math.Pi / 180)
	v.c.SetColor(st.color.rgba())
	v.c.FillString(f, vg.Point{X: vg.Length(dx)}, s)
	v.c.Pop()
}
