package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/sim-lecture/sim/sim"
)

// traceLine is one trace record as a JSON object.
type traceLine struct {
	At    string `json:"at"`
	Ns    int64  `json:"ns"`
	Kind  string `json:"kind"`
	Node  string `json:"node,omitempty"`
	Peer  string `json:"peer,omitempty"`
	Msg   uint64 `json:"msg,omitempty"`
	Size  int    `json:"size,omitempty"`
	Label string `json:"label,omitempty"`
	Info  string `json:"info,omitempty"`
}

// WriteTrace writes every kept trace record of w as JSON Lines, one record
// per line, in the order they happened.
func WriteTrace(out io.Writer, w *sim.World) error {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	name := func(id sim.NodeID) string {
		if id == sim.NoNode {
			return ""
		}
		return w.Name(id)
	}
	for _, r := range w.Trace().Records() {
		line := traceLine{At: r.At.String(), Ns: int64(r.At), Kind: r.Kind.String(), Node: name(r.Node), Peer: name(r.Peer),
			Msg: r.Msg, Size: r.Size, Label: r.Label, Info: r.Info}
		if err := enc.Encode(line); err != nil {
			return err
		}
		if b.Len() >= 1<<20 {
			// Written as it goes: a trace of a million records is
			// never held twice in memory.
			if _, err := io.WriteString(out, b.String()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	if n := w.Trace().Unkept(); n > 0 {
		last := traceLine{At: w.Now().String(), Ns: int64(w.Now()), Kind: "truncated", Info: fmt.Sprintf("%d later records were not kept (a trace keeps the first %d)", n, sim.MaxKeptRecords)}
		if err := enc.Encode(last); err != nil {
			return err
		}
	}
	_, err := io.WriteString(out, b.String())
	return err
}
