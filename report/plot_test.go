package report_test

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"github.com/sim-lecture/sim/report"
)

// decodePNG checks that data is a PNG with more than one colour in it.
func decodePNG(t *testing.T, data []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() < 100 || b.Dy() < 100 {
		t.Fatalf("PNG is %dx%d; want a real figure", b.Dx(), b.Dy())
	}
	first := img.At(b.Min.X, b.Min.Y)
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			if img.At(x, y) != first {
				return
			}
		}
	}
	t.Fatal("the PNG is one flat colour: nothing was drawn")
}

func TestSweepPlotPNGAndSVG(t *testing.T) {
	r := lossySweep(t, 0)
	p, err := report.SweepPlot(r, report.PlotOptions{Metrics: []string{"socket:delivered", "duplicates"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Title.Text, "pipe_vs_socket") {
		t.Errorf("title %q does not name the scenario", p.Title.Text)
	}
	if p.X.Label.Text != "network.loss (probability)" || p.Y.Label.Text != "messages" {
		t.Errorf("axis labels %q, %q; want the key and the unit", p.X.Label.Text, p.Y.Label.Text)
	}
	data, err := report.RenderFigure("png", p)
	if err != nil {
		t.Fatal(err)
	}
	decodePNG(t, data)
	svg, err := report.RenderFigure("svg", p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(svg), []byte("<?xml")) || !bytes.Contains(svg, []byte("<svg")) {
		t.Errorf("the SVG does not look like SVG: %.80s", svg)
	}
	// Two panels side by side, one on a log axis.
	q, err := report.SweepPlot(r, report.PlotOptions{Metrics: []string{"events"}, LogY: true})
	if err != nil {
		t.Fatal(err)
	}
	two, err := report.RenderFigure("png", p, q)
	if err != nil {
		t.Fatal(err)
	}
	decodePNG(t, two)
	if _, err := report.SweepPlot(r, report.PlotOptions{Metrics: []string{"nope"}}); err == nil {
		t.Error("plotting a metric the sweep lacks succeeded")
	}
}

func TestSeriesPlot(t *testing.T) {
	p, err := report.SeriesPlot("RTT", "time (s)", "seconds", []report.Series{
		{Name: "sample", X: []float64{0, 1, 2}, Y: []float64{0.1, 0.3, 0.2}, Points: true},
		{Name: "RTO", X: []float64{0, 1, 2}, Y: []float64{1, 1.2, 0.9}, Steps: true},
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	data, err := report.RenderFigure("png", p)
	if err != nil {
		t.Fatal(err)
	}
	decodePNG(t, data)
	// An empty log plot cannot be drawn: an error, never a panic.
	empty, _ := report.SeriesPlot("none", "x", "y", nil, true)
	if _, err := report.RenderFigure("png", empty); err == nil {
		t.Log("an empty log plot rendered (gonum chose an axis); fine either way, as long as it did not panic")
	}
}

// TestSweepPlotTitleFits checks that the default title of a sweep of
// many metrics is broken into lines that each fit the figure: gonum/plot
// clips a title line wider than the figure at both edges.
func TestSweepPlotTitleFits(t *testing.T) {
	r := lossySweep(t, 0)
	p, err := report.SweepPlot(r, report.PlotOptions{Metrics: []string{"socket:delivered", "duplicates", "calls.total", "events", "completion"}})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(p.Title.Text, "\n")
	if len(lines) < 3 {
		t.Errorf("title %q is on %d lines; want the metrics' names wrapped onto two or more, then the seeds' line", p.Title.Text, len(lines))
	}
	for _, line := range lines {
		if w := p.Title.TextStyle.Width(line); w > report.PlotSize.W {
			t.Errorf("title line %q is %v wide; the figure is %v", line, w, report.PlotSize.W)
		}
	}
	for _, name := range []string{"pipe_vs_socket", "socket:delivered", "completion", "network.loss", "mean over 3 seeds"} {
		if !strings.Contains(p.Title.Text, name) {
			t.Errorf("title %q lost %q", p.Title.Text, name)
		}
	}
}

// TestWrapWords: lines break at spaces to fit, a word wider than the
// limit stands whole on its own line, and white space is folded.
func TestWrapWords(t *testing.T) {
	width := func(s string) float64 { return float64(len(s)) }
	cases := []struct {
		in   string
		max  float64
		want []string
	}{
		{"", 10, []string{""}},
		{"a b c", 10, []string{"a b c"}},
		{"alpha beta gamma", 10, []string{"alpha beta", "gamma"}},
		{"a enormousword b", 5, []string{"a", "enormousword", "b"}},
		{"  a   b  ", 10, []string{"a b"}},
	}
	for _, tc := range cases {
		if got := report.WrapWords(tc.in, width, tc.max); strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("WrapWords(%q, %v) = %q; want %q", tc.in, tc.max, got, tc.want)
		}
	}
}
