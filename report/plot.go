package report

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// PlotOptions choose what a sweep plot shows.
type PlotOptions struct {
	// Title is the plot's title (default: the scenario and the metrics).
	Title string
	// Metrics are the names of the sweep's metrics to draw (default all).
	Metrics []string
	// Names, when not nil, renames the metrics in the legend.
	Names map[string]string
	// YLabel is the y axis label (default: the metric and its unit).
	YLabel string
	// LogX and LogY use logarithmic axes; values that are not above zero
	// are left out.
	LogX, LogY bool
}

// SweepPlot draws a sweep: the first axis along x, and for each metric and
// each combination of the other axes' values a line through the mean over
// the seeds, in a band from the minimum to the maximum.
func SweepPlot(r *SweepResult, opt PlotOptions) (*plot.Plot, error) {
	if len(r.Axes) == 0 {
		return nil, fmt.Errorf("plot: the sweep has no axis to plot against")
	}
	ms, err := plotMetrics(r, opt)
	if err != nil {
		return nil, err
	}
	p := plot.New()
	x := r.Axes[0]
	p.X.Label.Text = x.Label()
	if err := labelPlot(p, r, opt, ms); err != nil {
		return nil, err
	}
	// The grid goes under the data.
	p.Add(plotter.NewGrid())
	if x.Categorical {
		p.NominalX(x.Values...)
		p.X.Label.Text = x.Key
	}
	setLog(p, opt.LogX && !x.Categorical, opt.LogY)
	// One series per metric and per combination of the other axes.
	rest := Grid(r.Axes[1:])
	nseries := len(ms) * len(rest)
	series := 0
	for _, m := range ms {
		for _, combo := range rest {
			mean, lo, hi := seriesPoints(r, opt, m, combo)
			label := seriesLabel(r, opt, m, combo, len(ms) == 1 && len(rest) > 1)
			var err error
			if x.Categorical {
				err = addBars(p, series, nseries, label, mean, lo, hi, opt.LogY)
			} else {
				err = addSeries(p, series, label, mean, lo, hi)
			}
			if err != nil {
				return nil, err
			}
			series++
		}
	}
	p.Legend.Top = true
	p.Legend.Left = true
	headroom(p, series, opt.LogY)
	return p, nil
}

// plotMetrics returns the indexes of the metrics opt asks for, in its
// order: every metric of the sweep when it names none.
func plotMetrics(r *SweepResult, opt PlotOptions) ([]int, error) {
	var ms []int
	if len(opt.Metrics) == 0 {
		for i := range r.Metrics {
			ms = append(ms, i)
		}
	}
	for _, name := range opt.Metrics {
		i := indexOf(r.Metrics, name)
		if i < 0 {
			return nil, fmt.Errorf("plot: the sweep has no metric %q", name)
		}
		ms = append(ms, i)
	}
	return ms, nil
}

// labelPlot writes the y axis's label (opt's, or the one metric's name and
// unit, or the metrics' shared unit) and the title, which says how many
// seeds each point is the mean of.
func labelPlot(p *plot.Plot, r *SweepResult, opt PlotOptions, ms []int) error {
	units := map[string]bool{}
	var names []string
	for _, m := range ms {
		ref, err := ParseMetric(r.Metrics[m])
		if err != nil {
			return err
		}
		units[ref.Unit()] = true
		names = append(names, r.Metrics[m])
	}
	switch {
	case opt.YLabel != "":
		p.Y.Label.Text = opt.YLabel
	case len(ms) == 1:
		ref, _ := ParseMetric(r.Metrics[ms[0]])
		p.Y.Label.Text = metricName(opt, r.Metrics[ms[0]]) + " (" + ref.Unit() + ")"
	case len(units) == 1:
		ref, _ := ParseMetric(r.Metrics[ms[0]])
		p.Y.Label.Text = ref.Unit()
	default:
		p.Y.Label.Text = "value"
	}
	x := r.Axes[0]
	p.Title.Text = opt.Title
	if p.Title.Text == "" {
		p.Title.Text = fmt.Sprintf("%s: %s against %s", r.Scenario, strings.Join(names, ", "), x.Key)
	}
	if len(r.Seeds) > 1 {
		spread := "band"
		if x.Categorical {
			spread = "whiskers"
		}
		p.Title.Text += fmt.Sprintf("\nmean over %d seeds, %s from min to max", len(r.Seeds), spread)
	}
	// gonum/plot centres a title and clips what passes the figure's
	// edges, and a sweep of three metrics names them all in its default
	// title: each line is wrapped to the figure's width.
	width := func(s string) float64 { return float64(p.Title.TextStyle.Width(s)) }
	var lines []string
	for _, line := range strings.Split(p.Title.Text, "\n") {
		lines = append(lines, WrapWords(line, width, float64(PlotSize.W-vg.Centimeter))...)
	}
	p.Title.Text = strings.Join(lines, "\n")
	return nil
}

// WrapWords breaks s at spaces into lines no wider than max, as width
// measures them; a word wider than max is a line of its own, never cut.
// The diagrams' notes and the plots' titles wrap with it.
func WrapWords(s string, width func(string) float64, max float64) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if line != "" && width(try) > max {
			lines = append(lines, line)
			line = word
			continue
		}
		line = try
	}
	return append(lines, line)
}

// seriesPoints returns metric m's mean, min and max over the seeds at
// each value of the first axis, the other axes at combo; a point that a
// log scale cannot show, or with no value, is left out.
func seriesPoints(r *SweepResult, opt PlotOptions, m int, combo []int) (mean, lo, hi plotter.XYs) {
	x := r.Axes[0]
	for pi, pt := range r.Points {
		if !sameTail(pt, combo) {
			continue
		}
		a := r.Stats[pi][m]
		xv := x.X[pt[0]]
		if math.IsNaN(a.Mean) || !plottable(xv, opt.LogX && !x.Categorical) || !plottable(a.Mean, opt.LogY) {
			continue
		}
		mean = append(mean, plotter.XY{X: xv, Y: a.Mean})
		lo = append(lo, plotter.XY{X: xv, Y: floorLog(a.Min, a.Mean, opt.LogY)})
		hi = append(hi, plotter.XY{X: xv, Y: a.Max})
	}
	return mean, lo, hi
}

// seriesLabel is the legend of metric m's series at combo: the metric's
// name (left out when onlyAxes, one metric over several combinations),
// then each other axis's key=value.
func seriesLabel(r *SweepResult, opt PlotOptions, m int, combo []int, onlyAxes bool) string {
	label := metricName(opt, r.Metrics[m])
	if onlyAxes {
		label = ""
	}
	for a, v := range combo {
		if label != "" {
			label += ", "
		}
		label += r.Axes[a+1].Key + "=" + r.Axes[a+1].Values[v]
	}
	return label
}

// headroom raises the top of the y axis so that a legend of n entries in
// the top corner does not hide the data.
func headroom(p *plot.Plot, n int, log bool) {
	if n == 0 {
		return
	}
	frac := 0.07*float64(n) + 0.05
	lo, hi := p.Y.Min, p.Y.Max
	if log {
		if lo > 0 && hi >= lo {
			// The bottom on a power of ten, where gonum's log ticks put a
			// label.
			p.Y.Min = math.Pow(10, math.Floor(math.Log10(lo))) * (1 - 1e-9)
			p.Y.Max = math.Exp(math.Log(hi) + max(math.Log(hi)-math.Log(p.Y.Min), math.Ln10)*frac/(1-frac))
		}
		return
	}
	if hi <= lo {
		hi = lo + 1
	}
	p.Y.Max = hi + (hi-lo)*frac/(1-frac)
}

// metricName is a metric's legend name.
func metricName(opt PlotOptions, m string) string {
	if n, ok := opt.Names[m]; ok {
		return n
	}
	return m
}

// addSeries adds a mean line with its points and a min-max band.
func addSeries(p *plot.Plot, i int, label string, mean, lo, hi plotter.XYs) error {
	if len(mean) == 0 {
		return nil
	}
	c := plotutil.Color(i)
	if len(mean) > 1 {
		band := append(plotter.XYs{}, lo...)
		for k := len(hi) - 1; k >= 0; k-- {
			band = append(band, hi[k])
		}
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return err
		}
		r, g, b, _ := c.RGBA()
		poly.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x40}
		poly.LineStyle.Width = 0
		p.Add(poly)
	}
	line, points, err := plotter.NewLinePoints(mean)
	if err != nil {
		return err
	}
	line.Color = c
	line.Width = vg.Points(1.5)
	line.Dashes = plotutil.Dashes(i)
	points.Color = c
	points.Shape = plotutil.Shape(i)
	p.Add(line, points)
	if len(mean) == 1 {
		// One point: show its spread as an error bar.
		bars, err := plotter.NewYErrorBars(errs{mean, lo, hi})
		if err == nil {
			bars.Color = c
			p.Add(bars)
		}
	}
	if label != "" {
		p.Legend.Add(label, line, points)
	}
	return nil
}

// addBars draws series i of n as bars from zero to the mean, side by side
// within each category, with the min-max spread as error bars: the values
// of a categorical axis are not connected by lines.
// On a log axis, where a bar has no bottom, the means are points.
func addBars(p *plot.Plot, i, n int, label string, mean, lo, hi plotter.XYs, log bool) error {
	if len(mean) == 0 {
		return nil
	}
	c := plotutil.Color(i)
	w := 0.8 / float64(n)
	var centres plotter.XYs
	var thumb plot.Thumbnailer
	for _, m := range mean {
		x0 := m.X - 0.4 + float64(i)*w
		centres = append(centres, plotter.XY{X: x0 + w/2, Y: m.Y})
		if log {
			continue
		}
		poly, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: 0}, {X: x0 + w, Y: 0}, {X: x0 + w, Y: m.Y}, {X: x0, Y: m.Y}})
		if err != nil {
			return err
		}
		poly.Color = c
		poly.LineStyle.Width = 0
		p.Add(poly)
		thumb = poly
	}
	if log {
		pts, err := plotter.NewScatter(centres)
		if err != nil {
			return err
		}
		pts.Color, pts.Shape = c, plotutil.Shape(i)
		p.Add(pts)
		thumb = pts
	}
	bars, err := plotter.NewYErrorBars(errs{centres, lo, hi})
	if err != nil {
		return err
	}
	p.Add(bars)
	if label != "" {
		p.Legend.Add(label, thumb)
	}
	return nil
}

// errs gives plotter.YErrorBars a point's distance to its min and max.
type errs struct{ mean, lo, hi plotter.XYs }

func (e errs) Len() int                    { return len(e.mean) }
func (e errs) XY(i int) (float64, float64) { return e.mean[i].X, e.mean[i].Y }
func (e errs) YError(i int) (float64, float64) {
	return e.mean[i].Y - e.lo[i].Y, e.hi[i].Y - e.mean[i].Y
}

// Series is one line of a SeriesPlot.
type Series struct {
	Name string
	X, Y []float64
	// Points draws the values as unconnected points (samples) rather than
	// a line; Steps draws a step line (a value that holds until the next).
	Points, Steps bool
}

// SeriesPlot draws lines and point clouds against a shared x axis, such as
// RTT samples, SRTT and RTO over time.
func SeriesPlot(title, xLabel, yLabel string, series []Series, logY bool) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	setLog(p, false, logY)
	p.Add(plotter.NewGrid())
	for i, s := range series {
		var xy plotter.XYs
		for k := range s.X {
			if k < len(s.Y) && !math.IsNaN(s.Y[k]) && plottable(s.Y[k], logY) {
				if s.Steps && len(xy) > 0 {
					xy = append(xy, plotter.XY{X: s.X[k], Y: xy[len(xy)-1].Y})
				}
				xy = append(xy, plotter.XY{X: s.X[k], Y: s.Y[k]})
			}
		}
		if len(xy) == 0 {
			continue
		}
		c := plotutil.Color(i)
		if s.Points {
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return nil, err
			}
			sc.Color = c
			sc.Shape = draw.CircleGlyph{}
			sc.Radius = vg.Points(2)
			p.Add(sc)
			p.Legend.Add(s.Name, sc)
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.Color = c
		l.Width = vg.Points(1.5)
		l.Dashes = plotutil.Dashes(i)
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	headroom(p, len(series), logY)
	return p, nil
}

// setLog switches axes to a logarithmic scale.
func setLog(p *plot.Plot, x, y bool) {
	if x {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if y {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
}

// plottable reports whether v can be drawn on its axis.
func plottable(v float64, log bool) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && (!log || v > 0)
}

// floorLog keeps a band's lower edge drawable on a log axis.
func floorLog(lo, mean float64, log bool) float64 {
	if log && !(lo > 0) {
		return mean
	}
	return lo
}

func sameTail(pt, combo []int) bool {
	for i, v := range combo {
		if pt[i+1] != v {
			return false
		}
	}
	return true
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// PlotSize is the size of one panel of a saved figure.
var PlotSize = struct{ W, H vg.Length }{16 * vg.Centimeter, 11 * vg.Centimeter}

// RenderFigure draws plots side by side, each PlotSize, in a format named
// by its extension ("png" or "svg"), and returns the bytes.
func RenderFigure(format string, plots ...*plot.Plot) (data []byte, err error) {
	if len(plots) == 0 {
		return nil, fmt.Errorf("plot: nothing to draw")
	}
	defer func() {
		// gonum/plot panics on impossible axes (an empty log range); a
		// figure that cannot be drawn is an error, not a crash.
		if p := recover(); p != nil {
			data, err = nil, fmt.Errorf("plot: cannot draw the figure: %v", p)
		}
	}()
	w, h := PlotSize.W*vg.Length(len(plots)), PlotSize.H
	var c vg.CanvasWriterTo
	var img *vgimg.Canvas
	if format == "png" {
		// The PNG is encoded here, at BestSpeed: it is the last thing a
		// sweep does, on one core, and the default compression took
		// most of that time (BENCHMARKS.md, sweeps on two cores).
		img = vgimg.New(w, h)
		c = vgimg.PngCanvas{Canvas: img}
	} else if c, err = draw.NewFormattedCanvas(w, h, format); err != nil {
		return nil, err
	}
	dc := draw.New(c)
	if len(plots) == 1 {
		drawPlot(plots[0], dc)
	} else {
		tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Centimeter, PadTop: vg.Millimeter * 2,
			PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		for i, p := range plots {
			drawPlot(p, tiles.At(dc, i, 0))
		}
	}
	var buf bytes.Buffer
	if img != nil {
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		err = enc.Encode(&buf, img.Image())
	} else {
		_, err = c.WriteTo(&buf)
	}
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// drawPlot draws p on c. gonum/plot places the glyph box of a centred y
// axis label at the arithmetic middle of the axis range, which on a log
// axis is near the top, and then shrinks the plot to make room for it; so
// a log axis's label is drawn here instead, in a strip left of the plot.
func drawPlot(p *plot.Plot, c draw.Canvas) {
	if _, log := p.Y.Scale.(plot.LogScale); !log || p.Y.Label.Text == "" {
		p.Draw(c)
		return
	}
	label := p.Y.Label.Text
	p.Y.Label.Text = ""
	defer func() { p.Y.Label.Text = label }()
	sty := p.Y.Label.TextStyle
	sty.Rotation = math.Pi / 2
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	strip := p.Y.Label.TextStyle.Height(label) + p.Y.Label.Padding
	p.Draw(draw.Crop(c, strip, 0, 0, 0))
	c.FillText(sty, vg.Point{X: c.Min.X + strip/2, Y: (c.Min.Y + c.Max.Y) / 2}, label)
}

// SaveFigure writes plots side by side to path, as PNG or SVG by its
// extension, whole or not at all.
func SaveFigure(path string, plots ...*plot.Plot) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	data, err := RenderFigure(format, plots...)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return WriteFileAtomic(path, data)
}
