package export

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"

	"github.com/sim-lecture/sim/sim"
)

// traceEvent is one event of the Chrome trace-event format, which
// Perfetto (ui.perfetto.dev) and chrome://tracing open.
type traceEvent struct {
	Name string  `json:"name"`
	Cat  string  `json:"cat,omitempty"`
	Ph   string  `json:"ph"`
	Ts   float64 `json:"ts"`
	Dur  float64 `json:"dur,omitempty"`
	Pid  int     `json:"pid"`
	Tid  int     `json:"tid"`
	ID   uint64  `json:"id,omitempty"`
	// S is an instant event's scope ("t": its thread); Bp binds a flow's
	// end to the slice around it ("e").
	S    string         `json:"s,omitempty"`
	Bp   string         `json:"bp,omitempty"`
	Args map[string]any `json:"args,omitempty"`
}

// traceFile is the JSON object form of the format.
type traceFile struct {
	TraceEvents []traceEvent
}

// messageDur is how long, in virtual microseconds, the slice of a send or
// a delivery lasts: flows join slices, and a slice of no length may join
// nothing.
const messageDur = 1

// WritePerfetto writes the records of a run as a Chrome trace-event JSON
// file: one process (the run, named title), one track per node named by a
// thread_name metadata event, timestamps in virtual microseconds. Each
// send and each delivery is a short slice on its node's track, joined by a
// flow from send to delivery (ph "s" then "f", with the message's id); a
// node's down time is a slice from its crash to its restart; every other
// record is an instant event. Perfetto draws the flows as arrows.
func WritePerfetto(out io.Writer, title string, names []string, records []sim.Record) error {
	const pid = 1
	var f traceFile
	add := func(e traceEvent) { f.TraceEvents = append(f.TraceEvents, e) }
	add(traceEvent{Name: "process_name", Ph: "M", Pid: pid, Args: map[string]any{"name": title}})
	for id, n := range names {
		add(traceEvent{Name: "thread_name", Ph: "M", Pid: pid, Tid: id + 1, Args: map[string]any{"name": n}})
		add(traceEvent{Name: "thread_sort_index", Ph: "M", Pid: pid, Tid: id + 1, Args: map[string]any{"sort_index": id}})
	}
	down := map[sim.NodeID]sim.Time{} // crash time of each down node; looked up only
	us := func(t sim.Time) float64 { return float64(t) / 1e3 }
	for _, r := range records {
		if r.Node < 0 || int(r.Node) >= len(names) {
			if r.Kind == sim.KindFault {
				// A network fault concerns every node: a global instant.
				add(traceEvent{Name: strings.Join(strings.Fields(r.Label+" "+r.Info), " "), Cat: "fault", Ph: "i", S: "g", Ts: us(r.At), Pid: pid})
			}
			continue
		}
		tid := int(r.Node) + 1
		args := map[string]any{"kind": r.Kind.String()}
		if r.Info != "" {
			args["info"] = r.Info
		}
		if r.Peer >= 0 && int(r.Peer) < len(names) {
			args["peer"] = names[r.Peer]
		}
		switch r.Kind {
		case sim.KindSend:
			args["size"] = r.Size
			add(traceEvent{Name: r.Label, Cat: "send", Ph: "X", Ts: us(r.At), Dur: messageDur, Pid: pid, Tid: tid, Args: args})
			add(traceEvent{Name: r.Label, Cat: "msg", Ph: "s", Ts: us(r.At), Pid: pid, Tid: tid, ID: r.Msg})
		case sim.KindDeliver:
			add(traceEvent{Name: r.Label, Cat: "deliver", Ph: "X", Ts: us(r.At), Dur: messageDur, Pid: pid, Tid: tid, Args: args})
			add(traceEvent{Name: r.Label, Cat: "msg", Ph: "f", Bp: "e", Ts: us(r.At), Pid: pid, Tid: tid, ID: r.Msg})
		case sim.KindCrash:
			down[r.Node] = r.At
			add(instant(r, pid, tid, args))
		case sim.KindRestart:
			if at, ok := down[r.Node]; ok {
				add(traceEvent{Name: "down", Cat: "crash", Ph: "X", Ts: us(at), Dur: us(r.At - at), Pid: pid, Tid: tid})
				delete(down, r.Node)
			}
			add(instant(r, pid, tid, args))
		default:
			add(instant(r, pid, tid, args))
		}
	}
	// A node still down at the end is down until the last record.
	var end sim.Time
	if len(records) > 0 {
		end = records[len(records)-1].At
	}
	for id := range names {
		if at, ok := down[sim.NodeID(id)]; ok {
			add(traceEvent{Name: "down", Cat: "crash", Ph: "X", Ts: us(at), Dur: us(end - at), Pid: pid, Tid: id + 1})
		}
	}
	// One event per line: a file of a long run stays readable and diffable.
	var b bytes.Buffer
	b.WriteString(`{"displayTimeUnit": "ms", "traceEvents": [` + "\n")
	var line bytes.Buffer
	enc := json.NewEncoder(&line)
	enc.SetEscapeHTML(false)
	for i, e := range f.TraceEvents {
		line.Reset()
		if err := enc.Encode(e); err != nil {
			return err
		}
		b.Write(bytes.TrimSuffix(line.Bytes(), []byte("\n")))
		if i < len(f.TraceEvents)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]}\n")
	_, err := out.Write(b.Bytes())
	return err
}

// instant is a record as an instant event on its node's track.
func instant(r sim.Record, pid, tid int, args map[string]any) traceEvent {
	name := r.Kind.String()
	if r.Label != "" {
		name += " " + r.Label
	}
	return traceEvent{Name: name, Cat: r.Kind.String(), Ph: "i", S: "t", Ts: float64(r.At) / 1e3, Pid: pid, Tid: tid, Args: args}
}
