package diagram

import (
	"strconv"
	"strings"
)

// svgCanvas writes SVG elements into a builder. Every number is written
// with one decimal, so the bytes are the same on every machine.
type svgCanvas struct {
	b *strings.Builder
}

// svgFonts is the font-family of the text: Liberation Sans, which the
// layout measures with, then the fonts it is metric-compatible with.
const svgFonts = "Liberation Sans, Arial, Helvetica, sans-serif"

func (c *svgCanvas) begin(width, height float64) {
	c.b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="` + num(width) + `" height="` + num(height) +
		`" viewBox="0 0 ` + num(width) + " " + num(height) + `" font-family="` + svgFonts + `" font-size="11">` + "\n")
	c.b.WriteString(`<style>
text.halo { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
</style>
`)
}

func (c *svgCanvas) finish() { c.b.WriteString("</svg>\n") }

func (c *svgCanvas) group(class, id, title string) {
	c.b.WriteString("<g")
	c.attr("class", class)
	c.attr("id", id)
	c.b.WriteString(">")
	if title != "" {
		c.b.WriteString("<title>" + esc(title) + "</title>")
	}
	c.b.WriteString("\n")
}

func (c *svgCanvas) end() { c.b.WriteString("</g>\n") }

// attr writes ` name="value"` unless value is empty.
func (c *svgCanvas) attr(name, value string) {
	if value != "" {
		c.b.WriteString(" " + name + `="` + esc(value) + `"`)
	}
}

func (c *svgCanvas) strokeAttrs(s stroke) {
	if s.color.none() || s.width <= 0 {
		return
	}
	c.attr("stroke", s.color.hex)
	if s.width != 1 {
		c.attr("stroke-width", num(s.width))
	}
	if s.color.opacity > 0 {
		c.attr("stroke-opacity", num(s.color.opacity))
	}
	if len(s.dash) > 0 {
		parts := make([]string, len(s.dash))
		for i, d := range s.dash {
			parts[i] = num(d)
		}
		c.attr("stroke-dasharray", strings.Join(parts, ","))
	}
}

func (c *svgCanvas) fillAttrs(fill paint) {
	if fill.none() {
		c.attr("fill", "none")
		return
	}
	c.attr("fill", fill.hex)
	if fill.opacity > 0 {
		c.attr("fill-opacity", num(fill.opacity))
	}
}

func (c *svgCanvas) line(x0, y0, x1, y1 float64, s stroke) {
	c.b.WriteString(`<line x1="` + num(x0) + `" y1="` + num(y0) + `" x2="` + num(x1) + `" y2="` + num(y1) + `"`)
	c.strokeAttrs(s)
	c.b.WriteString("/>\n")
}

func (c *svgCanvas) path(pts []pt, s stroke, fill paint) {
	var d strings.Builder
	for i, p := range pts {
		if i == 0 {
			d.WriteString("M")
		} else {
			d.WriteString(" L")
		}
		d.WriteString(num(p.x) + "," + num(p.y))
	}
	if !fill.none() {
		d.WriteString(" z")
	}
	c.b.WriteString(`<path d="` + d.String() + `"`)
	c.fillAttrs(fill)
	c.strokeAttrs(s)
	c.b.WriteString("/>\n")
}

func (c *svgCanvas) rect(x, y, w, h, radius float64, s stroke, fill paint) {
	c.b.WriteString(`<rect x="` + num(x) + `" y="` + num(y) + `" width="` + num(w) + `" height="` + num(h) + `"`)
	if radius > 0 {
		c.attr("rx", num(radius))
	}
	c.fillAttrs(fill)
	c.strokeAttrs(s)
	c.b.WriteString("/>\n")
}

func (c *svgCanvas) circle(cx, cy, r float64, s stroke, fill paint) {
	c.b.WriteString(`<circle cx="` + num(cx) + `" cy="` + num(cy) + `" r="` + num(r) + `"`)
	c.fillAttrs(fill)
	c.strokeAttrs(s)
	c.b.WriteString("/>\n")
}

func (c *svgCanvas) text(x, y float64, s string, st textStyle) {
	c.b.WriteString(`<text x="` + num(x) + `" y="` + num(y) + `"`)
	if st.halo {
		c.attr("class", "halo")
	}
	switch st.anchor {
	case anchorMiddle:
		c.attr("text-anchor", "middle")
	case anchorEnd:
		c.attr("text-anchor", "end")
	}
	if st.face.size != 11 {
		c.attr("font-size", num(st.face.size))
	}
	if st.face.bold {
		c.attr("font-weight", "bold")
	}
	if st.face.italic {
		c.attr("font-style", "italic")
	}
	if st.color.hex != "#000000" {
		c.attr("fill", st.color.hex)
	}
	if st.angle != 0 {
		c.attr("transform", "rotate("+num(st.angle)+" "+num(x)+" "+num(y)+")")
	}
	c.b.WriteString(">" + esc(s) + "</text>\n")
}

// num formats a coordinate with one decimal.
func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// esc escapes text for SVG.
func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
