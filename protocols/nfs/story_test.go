package nfs

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sim-lecture/sim/sim/simtest"

	"github.com/sim-lecture/sim/sim"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// story is one of the lecture's NFS situations, played in the kernel. Its
// trace (every message, disk write, crash and restart) and the results the
// applications got are kept in testdata/NAME.golden: the sequence a student
// would draw on the board. Refresh with -update and read the diff.
type story struct {
	name    string
	sopts   ServerOptions
	copts   ClientOptions
	clients []string
	ops     []storyOp
	// faults runs at the given times: "crash", "restart" or "flush" the
	// server.
	faults []storyFault
}

type storyOp struct {
	at     float64
	client string
	op     Op
}

type storyFault struct {
	at   float64
	kind string
}

var stories = []story{
	{
		// Lecture: "Server Write Buffer Lost": the client writes A B C, X,
		// Y, Z; the server acknowledges from memory, flushes twice, and
		// crashes holding Y. The disk ends X B Z.
		name:    "write_buffer_lost",
		sopts:   ServerOptions{WritePolicy: Buffered, FlushInterval: secs(60).Duration(), Files: []File{{Path: "f"}}},
		copts:   ClientOptions{AttrTimeout: DefaultAttrTimeout},
		clients: []string{"C"},
		ops: []storyOp{
			{0, "C", Op{Kind: OpOpen, Path: "f", FD: "f"}},
			{1, "C", Op{Kind: OpWrite, FD: "f", Block: 0, Data: "A"}},
			{1, "C", Op{Kind: OpWrite, FD: "f", Block: 1, Data: "B"}},
			{1, "C", Op{Kind: OpWrite, FD: "f", Block: 2, Data: "C"}},
			{1, "C", Op{Kind: OpClose, FD: "f"}},
			{3, "C", Op{Kind: OpOpen, Path: "f", FD: "f"}},
			{3, "C", Op{Kind: OpWrite, FD: "f", Block: 0, Data: "X"}},
			{3, "C", Op{Kind: OpClose, FD: "f"}},
			{5, "C", Op{Kind: OpOpen, Path: "f", FD: "f"}},
			{5, "C", Op{Kind: OpWrite, FD: "f", Block: 1, Data: "Y"}},
			{5, "C", Op{Kind: OpClose, FD: "f"}},
			{8, "C", Op{Kind: OpOpen, Path: "f", FD: "f"}},
			{8, "C", Op{Kind: OpWrite, FD: "f", Block: 2, Data: "Z"}},
			{8, "C", Op{Kind: OpClose, FD: "f"}},
		},
		// The flush daemon is housekeeping: it does not run after the last
		// operation, so Z is flushed by hand.
		faults: []storyFault{{2, "flush"}, {4, "flush"}, {6, "crash"}, {7, "restart"}, {9, "flush"}},
	},
	{
		// Lecture: strategy 4, "File Handle = <volume ID, inode #,
		// generation #>": B deletes the file A has open and creates
		// another, which reuses the inode; A's handle is stale.
		name:    "stale_handle",
		sopts:   ServerOptions{Files: []File{{Path: "old", Blocks: []string{"o0"}}}},
		copts:   ClientOptions{AttrTimeout: DefaultAttrTimeout},
		clients: []string{"A", "B"},
		ops: []storyOp{
			{0, "A", Op{Kind: OpOpen, Path: "old", FD: "f"}},
			{1, "A", Op{Kind: OpRead, FD: "f", Block: 0}},
			{2, "B", Op{Kind: OpRemove, Path: "old"}},
			{3, "B", Op{Kind: OpCreate, Path: "new", FD: "g"}},
			{6, "A", Op{Kind: OpRead, FD: "f", Block: 0}},
		},
	},
	{
		// Lecture: "Imagine server crashes and reboots during reads...
		// nice if acts like a slow read". The READ is sent after 1.1 s,
		// 2.2 s and 4.4 s more, and the last copy finds the server back.
		name:    "server_crash_slow_read",
		sopts:   ServerOptions{Files: []File{{Path: "f", Blocks: []string{"b0", "b1"}}}},
		copts:   ClientOptions{AttrTimeout: DefaultAttrTimeout},
		clients: []string{"A"},
		ops: []storyOp{
			{0, "A", Op{Kind: OpOpen, Path: "f", FD: "f"}},
			{1, "A", Op{Kind: OpRead, FD: "f", Block: 0}},
			{2, "A", Op{Kind: OpRead, FD: "f", Block: 1}},
		},
		faults: []storyFault{{1.5, "crash"}, {6, "restart"}},
	},
}

// schedule arranges the story's operations and faults in c's world and
// returns where the operations' results will be written, one line each.
func (st story) schedule(c *cluster) *[]string {
	var results []string
	for _, o := range st.ops {
		o := o
		c.w.At(secs(o.at), func() {
			c.client(o.client).Do(o.op, func(r Result) {
				line := fmt.Sprintf("%-6s %s %s", c.w.Now(), o.client, o.op.Kind)
				if r.HasBlock {
					line += fmt.Sprintf(" block %d", r.Block)
				}
				line += " = " + ErrorName(r.Err)
				if r.HasValue {
					line += " " + r.Value
				}
				if r.Note != "" {
					line += " (" + r.Note + ")"
				}
				results = append(results, line)
			})
		})
	}
	for _, f := range st.faults {
		f := f
		c.w.At(secs(f.at), func() {
			switch f.kind {
			case "crash":
				c.w.Crash(c.server)
			case "restart":
				c.w.Restart(c.server)
			case "flush":
				c.srv().Flush()
			}
		})
	}
	return &results
}

func (st story) play(t *testing.T) string {
	c := newCluster(t, st.sopts, st.copts, st.clients...)
	results := st.schedule(c)
	c.run()
	var b strings.Builder
	for _, r := range c.w.Trace().Records() {
		if r.Kind == sim.KindTimer {
			continue // tags are opaque numbers; the sends show their effect
		}
		line := fmt.Sprintf("%-7s %-8s %s", r.At, r.Kind, c.w.Name(r.Node))
		if r.Peer != sim.NoNode {
			line += " " + c.w.Name(r.Peer)
		}
		if r.Label != "" {
			line += " " + r.Label
		}
		if r.Info != "" {
			line += ": " + r.Info
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	b.WriteString("--\n")
	for _, r := range *results {
		b.WriteString(r + "\n")
	}
	disk, err := ReadDisk(c.w.Disk(c.server))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"f", "old", "new"} {
		if blocks, ok := disk[p]; ok {
			fmt.Fprintf(&b, "disk %s: [%s]\n", p, strings.Join(blocks, " "))
		}
	}
	return b.String()
}

func TestStories(t *testing.T) {
	for _, st := range stories {
		t.Run(st.name, func(t *testing.T) {
			got := st.play(t)
			simtest.Golden(t, filepath.Join("testdata", st.name+".golden"), got, *update)
		})
	}
}
