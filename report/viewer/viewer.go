// Package viewer writes viewer.html: one self-contained page (its script
// and styles inline, nothing fetched) that steps through the trace of
// every run of a scenario, the way DSLabs and Stateright let a student
// step through an execution. At each step it shows the record (its time,
// node and label), the diagram with that record highlighted, each node's
// state as its state records built it (sim.States' rules, in JavaScript),
// and the messages in flight.
//
// The page's URL fragment selects a step: viewer.html#system=KEY&step=N
// opens run KEY (the run's file label, as in trace-KEY.jsonl) at the N-th
// record of trace-KEY.jsonl, counting from 1.
package viewer

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/sim-lecture/sim/report/diagram"
	"github.com/sim-lecture/sim/sim"
)

// MaxRecords is how many records of one run the page holds; a longer run
// is cut there, and the page says so (its trace file has them all).
const MaxRecords = 200_000

//go:embed viewer.js
var script string

//go:embed viewer.css
var style string

// Run is one run of a scenario.
type Run struct {
	// Key names the run in the URL fragment and in its trace file's name
	// (trace-KEY.jsonl): the system, and its variant after a dash.
	Key string
	// Title is shown above the run.
	Title string
	// Nodes are the node names by ID.
	Nodes []string
	// Records is the run's whole trace.
	Records []sim.Record
	// Diagram is the run's space-time diagram; nil draws none.
	Diagram *diagram.Diagram
}

// pageRun is a run as the page's script reads it.
type pageRun struct {
	Key   string   `json:"key"`
	Title string   `json:"title"`
	Nodes []string `json:"nodes"`
	// Records are [at, kind, node, peer, msg, label, info]: at as the
	// trace file writes it, node and peer as indexes in Nodes (-1: none).
	Records [][]any `json:"records"`
	Total   int     `json:"total"`
	SVG     string  `json:"svg"`
	// Anchors are, per record, [x, y, id] where the diagram draws it, or
	// null.
	Anchors []any `json:"anchors"`
}

// Write writes the page for the runs of one scenario.
func Write(out io.Writer, title string, runs []Run) error {
	data := struct {
		Title string    `json:"title"`
		Runs  []pageRun `json:"runs"`
	}{Title: title}
	for _, r := range runs {
		pr, err := makeRun(r)
		if err != nil {
			return err
		}
		data.Runs = append(data.Runs, pr)
	}
	// encoding/json escapes <, > and & in strings, so the data cannot end
	// the script element that holds it.
	js, err := json.Marshal(data)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s - step through</title>
<style>
%s</style>
</head>
<body>
<noscript>This page steps through a simulator trace with JavaScript; the trace files next to it hold the same records.</noscript>
<script type="application/json" id="data">%s</script>
<script>
%s</script>
</body>
</html>
`, html.EscapeString(title), style, js, script)
	_, err = io.WriteString(out, b.String())
	return err
}

// makeRun packs a run for the page.
func makeRun(r Run) (pageRun, error) {
	pr := pageRun{Key: r.Key, Title: r.Title, Nodes: r.Nodes, Total: len(r.Records), Records: [][]any{}, Anchors: []any{}}
	recs := r.Records
	if len(recs) > MaxRecords {
		recs = recs[:MaxRecords]
	}
	idx := func(id sim.NodeID) int {
		if id < 0 || int(id) >= len(r.Nodes) {
			return -1
		}
		return int(id)
	}
	for _, rec := range recs {
		pr.Records = append(pr.Records, []any{rec.At.String(), rec.Kind.String(), idx(rec.Node), idx(rec.Peer), rec.Msg, rec.Label, rec.Info})
	}
	if r.Diagram == nil {
		return pr, nil
	}
	var svg strings.Builder
	if err := r.Diagram.WriteSVG(&svg); err != nil {
		return pr, err
	}
	pr.SVG = svg.String()
	anchors := r.Diagram.Anchors()
	for i := range recs {
		if i < len(anchors) && anchors[i].OK {
			a := anchors[i]
			pr.Anchors = append(pr.Anchors, []any{round1(a.X), round1(a.Y), a.ID})
		} else {
			pr.Anchors = append(pr.Anchors, nil)
		}
	}
	return pr, nil
}

// round1 rounds a coordinate to one decimal, as the SVG writes them.
func round1(v float64) float64 {
	if v < 0 {
		return -round1(-v)
	}
	return float64(int64(v*10+0.5)) / 10
}
