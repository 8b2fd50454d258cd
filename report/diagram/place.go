package diagram

import "math"

// The geometry of placement: every label is a box (turned along its arrow
// for a message label), every arrow and lane a segment, and a label may
// be put where its box meets no other box and no segment.

// box is a rectangle turned by angle radians around its centre.
type box struct {
	cx, cy float64 // centre
	hw, hh float64 // half width and half height
	angle  float64
}

// rectBox is the upright box with top-left corner x, y.
func rectBox(x, y, w, h float64) box { return box{cx: x + w/2, cy: y + h/2, hw: w / 2, hh: h / 2} }

// axes returns the box's unit axes along its width and its height.
func (b box) axes() (ux, uy pt) {
	c, s := math.Cos(b.angle), math.Sin(b.angle)
	return pt{c, s}, pt{-s, c}
}

// corners returns the box's corners.
func (b box) corners() [4]pt {
	ux, uy := b.axes()
	var out [4]pt
	for i, sg := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
		out[i] = pt{b.cx + sg[0]*b.hw*ux.x + sg[1]*b.hh*uy.x, b.cy + sg[0]*b.hw*ux.y + sg[1]*b.hh*uy.y}
	}
	return out
}

// extent returns the box's upright bounds: min x, min y, max x, max y.
// A box turned by a has half extents hw|cos a| + hh|sin a| across and
// hw|sin a| + hh|cos a| down.
func (b box) extent() (x0, y0, x1, y1 float64) {
	if b.angle == 0 {
		return b.cx - b.hw, b.cy - b.hh, b.cx + b.hw, b.cy + b.hh
	}
	c, s := math.Abs(math.Cos(b.angle)), math.Abs(math.Sin(b.angle))
	ex, ey := b.hw*c+b.hh*s, b.hw*s+b.hh*c
	return b.cx - ex, b.cy - ey, b.cx + ex, b.cy + ey
}

// overlaps reports whether two boxes share any area (the separating axis
// test over both boxes' axes).
func (b box) overlaps(o box) bool {
	bx, by := b.axes()
	ox, oy := o.axes()
	bc, oc := b.corners(), o.corners()
	for _, ax := range []pt{bx, by, ox, oy} {
		bmin, bmax := project(bc, ax)
		omin, omax := project(oc, ax)
		if bmax <= omin || omax <= bmin {
			return false
		}
	}
	return true
}

func project(cs [4]pt, ax pt) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, c := range cs {
		v := c.x*ax.x + c.y*ax.y
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return
}

// crosses reports whether the segment from a to b passes through the
// box: the segment, in the box's own frame, clipped to the box
// (Liang-Barsky) keeps some length.
func (bx box) crosses(a, b pt) bool {
	ux, uy := bx.axes()
	local := func(p pt) pt {
		dx, dy := p.x-bx.cx, p.y-bx.cy
		return pt{dx*ux.x + dy*ux.y, dx*uy.x + dy*uy.y}
	}
	p, q := local(a), local(b)
	d := pt{q.x - p.x, q.y - p.y}
	t0, t1 := 0.0, 1.0
	for _, c := range [4][2]float64{{-d.x, p.x + bx.hw}, {d.x, bx.hw - p.x}, {-d.y, p.y + bx.hh}, {d.y, bx.hh - p.y}} {
		num, den := c[1], c[0]
		if den == 0 {
			if num < 0 {
				return false
			}
			continue
		}
		r := num / den
		if den < 0 {
			t0 = math.Max(t0, r)
		} else {
			t1 = math.Min(t1, r)
		}
		if t0 >= t1 {
			return false
		}
	}
	return t1-t0 > 1e-9
}

// obstacles holds what is drawn so far, bucketed by y so that a check
// looks only at what is near.
type obstacles struct {
	boxes   map[int][]int // bucket -> indexes in bs; looked up only
	segs    map[int][]int // bucket -> indexes in ss; looked up only
	bs      []box
	bext    []extent // each box's upright bounds, to pass most boxes by at once
	owners  []int    // who placed each box: a label ignores its own message's
	ss      []segment
	sext    []extent // each segment's upright bounds
	bucketH float64
}

// extent is an upright rectangle: min x, min y, max x, max y.
type extent struct{ x0, y0, x1, y1 float64 }

// apart reports whether two extents are clearly apart, so that what they
// bound cannot touch: by more than rounding, so that the exact tests would
// have said so too.
func (e extent) apart(o extent) bool {
	const eps = 1e-6
	return e.x1 < o.x0-eps || o.x1 < e.x0-eps || e.y1 < o.y0-eps || o.y1 < e.y0-eps
}

func boxExtent(b box) extent {
	x0, y0, x1, y1 := b.extent()
	return extent{x0, y0, x1, y1}
}

// segment is an arrow, a lane or a line across the diagram; owner names
// what drew it, so that a label does not avoid its own arrow.
type segment struct {
	a, b  pt
	owner int
}

func newObstacles() *obstacles {
	return &obstacles{boxes: map[int][]int{}, segs: map[int][]int{}, bucketH: 64}
}

func (o *obstacles) buckets(y0, y1 float64) (int, int) {
	return int(math.Floor(y0 / o.bucketH)), int(math.Floor(y1 / o.bucketH))
}

// addBox adds a box placed by owner (a message's index, or -1).
func (o *obstacles) addBox(b box, owner int) {
	x0, y0, x1, y1 := b.extent()
	lo, hi := o.buckets(y0, y1)
	for k := lo; k <= hi; k++ {
		o.boxes[k] = append(o.boxes[k], len(o.bs))
	}
	o.bs = append(o.bs, b)
	o.bext = append(o.bext, extent{x0, y0, x1, y1})
	o.owners = append(o.owners, owner)
}

func (o *obstacles) addSegment(s segment) {
	lo, hi := o.buckets(math.Min(s.a.y, s.b.y), math.Max(s.a.y, s.b.y))
	for k := lo; k <= hi; k++ {
		o.segs[k] = append(o.segs[k], len(o.ss))
	}
	o.ss = append(o.ss, s)
	o.sext = append(o.sext, extent{math.Min(s.a.x, s.b.x), math.Min(s.a.y, s.b.y), math.Max(s.a.x, s.b.x), math.Max(s.a.y, s.b.y)})
}

// hitsBox reports whether b overlaps a box already placed by someone
// other than owner.
func (o *obstacles) hitsBox(b box, owner int) bool {
	e := boxExtent(b)
	lo, hi := o.buckets(e.y0, e.y1)
	for k := lo; k <= hi; k++ {
		for _, i := range o.boxes[k] {
			if (owner < 0 || o.owners[i] != owner) && !e.apart(o.bext[i]) && b.overlaps(o.bs[i]) {
				return true
			}
		}
	}
	return false
}

// hitsSegment reports whether a segment not drawn by owner crosses b.
func (o *obstacles) hitsSegment(b box, owner int) bool {
	e := boxExtent(b)
	lo, hi := o.buckets(e.y0, e.y1)
	for k := lo; k <= hi; k++ {
		for _, i := range o.segs[k] {
			s := o.ss[i]
			if s.owner != owner && !e.apart(o.sext[i]) && b.crosses(s.a, s.b) {
				return true
			}
		}
	}
	return false
}
