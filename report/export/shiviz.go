// Package export writes a run's trace in the formats other tools read:
// ShiViz's vector-clock logs and the Chrome trace-event JSON that Perfetto
// opens. Both are derived from the trace records alone.
package export

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/sim-lecture/sim/sim"
)

// ShiVizRegexp is the first line of a ShiViz log: the regular expression
// to paste into ShiViz's "log parsing regular expression" box. Each entry
// is one line: the host, its vector clock as a JSON object, and the event.
const ShiVizRegexp = `(?<host>\S+) (?<clock>\{[^}]*\}) (?<event>.*)`

// MaxShiVizBytes bounds a ShiViz log (see WriteShiViz). ShiViz, which
// runs in a browser, draws far fewer events than fit in it.
const MaxShiVizBytes = 16 << 20

// WriteShiViz writes the records of a run (names are the node names by
// ID) as a ShiViz log: ShiVizRegexp, then one entry per event of a node,
// in the order they happened, each with the node's vector clock after it.
//
// A node's own entry in its clock counts its events; a delivery first
// merges the clock the sender had when it sent the message (Lamport's
// happens-before, as vector clocks track it), so that ShiViz draws the
// message from its send to its delivery. The network's decisions (drop,
// duplicate, corrupt, reorder) and the scenario's network faults happen at
// no node and are not events; a copy that reaches a down node is an event
// of that node without a merge, since nobody received it.
//
// Each entry carries a clock of every node the event has heard of, so a
// log grows as events times nodes: it stops before the entry that would
// take it past MaxShiVizBytes, at the end of an entry (ShiViz shows the
// events up to there).
func WriteShiViz(out io.Writer, names []string, records []sim.Record) error {
	var b strings.Builder
	b.WriteString(ShiVizRegexp + "\n")
	clocks := make([]map[string]int, len(names))
	for i := range clocks {
		clocks[i] = map[string]int{}
	}
	sent := map[uint64]map[string]int{} // the sender's clock at each send; looked up only
	for _, r := range records {
		if r.Node < 0 || int(r.Node) >= len(names) {
			continue
		}
		text, ok := eventText(r, names)
		if !ok {
			continue
		}
		clock := clocks[r.Node]
		if r.Kind == sim.KindDeliver {
			for host, n := range sent[r.Msg] {
				clock[host] = max(clock[host], n)
			}
		}
		clock[names[r.Node]]++
		if r.Kind == sim.KindSend {
			snap := make(map[string]int, len(clock))
			for h, n := range clock {
				snap[h] = n
			}
			sent[r.Msg] = snap
		}
		// encoding/json writes a map's keys sorted: the same bytes on
		// every run.
		cj, err := json.Marshal(clock)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %s %s\n", names[r.Node], cj, text)
		if b.Len()+len(line) > MaxShiVizBytes {
			break
		}
		b.WriteString(line)
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// eventText describes a record as an event of its node, and reports
// whether it is one.
func eventText(r sim.Record, names []string) (string, bool) {
	peer := ""
	if r.Peer >= 0 && int(r.Peer) < len(names) {
		peer = names[r.Peer]
	}
	var what string
	switch r.Kind {
	case sim.KindSend:
		what = fmt.Sprintf("send %s to %s", r.Label, peer)
	case sim.KindDeliver:
		what = fmt.Sprintf("deliver %s from %s", r.Label, peer)
	case sim.KindDiscard:
		what = fmt.Sprintf("discard %s from %s (node down)", r.Label, peer)
	case sim.KindTimer, sim.KindDisk, sim.KindCrash, sim.KindRestart:
		what = strings.TrimSpace(r.Kind.String() + " " + r.Label)
	case sim.KindNote:
		what = strings.TrimSpace(r.Label + ": " + r.Info)
	default:
		return "", false
	}
	// One line per entry: a newline in free text would start another.
	what = strings.ReplaceAll(what, "\n", " ")
	return fmt.Sprintf("[%s] %s", r.At, what), true
}
