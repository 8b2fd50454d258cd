package rpc

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sim-lecture/sim/sim/simtest"

	"github.com/sim-lecture/sim/sim"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// story is one of the lecture's RPC situations, played in the kernel. Its
// trace, rendered as text, is kept in testdata/NAME.golden: the message
// sequence a student would draw on the board. Refresh with -update and read
// the diff.
type story struct {
	name  string
	sem   Semantics
	copts Options
	sopts ServerOptions
	// calls are made by A to S.
	calls []storyCall
	// lose says which sends the network loses: "REPLY APPEND#1" loses
	// the first send labelled REPLY APPEND.
	lose []string
	// crashAt, when set, crashes S then and restarts it at once.
	crashAt time.Duration
}

type storyCall struct {
	at   time.Duration
	proc string
	arg  string
}

var stories = []story{
	{
		// Reference: lecture, "If RPC library retries, what happens when
		// append() is retried?" — it runs twice.
		name:  "lost_reply_at_least_once",
		sem:   AtLeastOnce,
		calls: []storyCall{{0, ProcAppend, "x"}},
		lose:  []string{"REPLY APPEND#1"},
	},
	{
		// Reference: protocol facts §4 — the retry gets the cached reply.
		name:  "lost_reply_at_most_once",
		sem:   AtMostOnce,
		calls: []storyCall{{0, ProcAppend, "x"}},
		lose:  []string{"REPLY APPEND#1"},
	},
	{
		// Reference: lecture, "If server crashes, forgets which RPC's have
		// been executed!"
		name:    "server_crash_at_most_once",
		sem:     AtMostOnce,
		calls:   []storyCall{{0, ProcAppend, "x"}},
		lose:    []string{"REPLY APPEND#1"},
		crashAt: 50 * time.Millisecond,
	},
	{
		// Reference: Birrell & Nelson §3.2 — two calls, two packets
		// each; the second call acknowledges the first result, and an
		// explicit ACK the last.
		name:  "implicit_ack",
		sem:   AtMostOnce,
		calls: []storyCall{{0, ProcIncrement, ""}, {50 * time.Millisecond, ProcIncrement, ""}},
	},
	{
		// Reference: lecture, "What if function takes a long time? Then
		// send a separate ACK"; Birrell & Nelson §3.3 probes.
		name:  "long_call",
		sem:   AtMostOnce,
		copts: Options{ProbeInterval: 200 * time.Millisecond},
		sopts: ServerOptions{AckAfter: 50 * time.Millisecond},
		calls: []storyCall{{0, ProcSleep, "500ms"}},
	},
}

func (st story) play(t *testing.T) string {
	t.Helper()
	text, _, _ := st.run(t)
	return text
}

// run plays the story and returns its text, its world and S's node.
func (st story) run(t *testing.T) (string, *sim.World, sim.NodeID) {
	t.Helper()
	copts, sopts := lecture(st.copts), lectureServer(st.sopts)
	copts.Semantics, sopts.Semantics = st.sem, st.sem
	seen := map[string]int{}
	lose := map[string]bool{}
	for _, l := range st.lose {
		lose[l] = true
	}
	w := sim.New(sim.Config{Seed: 1, KeepTrace: true, DiskWriteLatency: 10 * time.Millisecond, MaxTime: sim.Time(time.Minute)})
	net := &testNet{r: w.Rand("net"), base: 5 * time.Millisecond}
	w.SetNetwork(net)
	a := w.AddNode("A", func(env sim.Env) sim.Handler { return NewClient(env, copts, nil) })
	s := w.AddNode("S", func(env sim.Env) sim.Handler {
		srv := NewServer(env, sopts, nil)
		RegisterDemo(srv)
		return srv
	})
	net.drop = func(_ sim.Time, _, _ sim.NodeID, msg []byte) bool {
		m, err := Decode(msg)
		if err != nil {
			return false
		}
		label := Label(m.Kind, "")
		if m.Kind == KindCall {
			label = Label(m.Kind, demoName(m.Msg.Call.Proc))
		}
		if m.Kind == KindReply {
			// A reply does not carry its procedure: name it after the
			// story's calls.
			label = Label(m.Kind, st.calls[m.ID.Seq-1].proc)
		}
		seen[label]++
		return lose[fmt.Sprintf("%s#%d", label, seen[label])]
	}
	var results []string
	for _, c := range st.calls {
		c := c
		w.At(sim.Time(c.at), func() {
			args, err := DemoArgs(c.proc, c.arg)
			if err != nil {
				t.Fatal(err)
			}
			p, _ := DemoProc(c.proc)
			w.Handler(a).(*Client).Call(s, p, args, func(b []byte, err error) {
				v, _ := DemoValue(c.proc, b)
				results = append(results, fmt.Sprintf("%-6s %s(%s) = %q, %s", w.Now(), c.proc, c.arg, v, ErrorName(err)))
			})
		})
	}
	if st.crashAt > 0 {
		w.At(sim.Time(st.crashAt), func() { w.Crash(s); w.Restart(s) })
	}
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range w.Trace().Records() {
		switch r.Kind {
		case sim.KindTimer, sim.KindDisk:
			continue // tags are opaque numbers; the sends show their effect
		}
		line := fmt.Sprintf("%-6s %-8s %s", r.At, r.Kind, w.Name(r.Node))
		if r.Peer != sim.NoNode {
			line += " " + w.Name(r.Peer)
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
	for _, r := range results {
		b.WriteString(r + "\n")
	}
	state, _ := ReadDemoDisk(w.Disk(s))
	fmt.Fprintf(&b, "S's disk: %s\n", state)
	return b.String(), w, s
}

// TestDemoStateRecords replays S's state records in every story: each
// "executed PROC" counts the runs the trace's own notes show since S last
// started (a crash forgets the count), and "counter" and "log" end as the
// disk does.
//
// Lecture: lost ACK, "what happens when append() is retried?" - the
// executed count is where a diagram shows it ran twice.
func TestDemoStateRecords(t *testing.T) {
	for _, st := range stories {
		t.Run(st.name, func(t *testing.T) {
			_, w, s := st.run(t)
			states := sim.NewStates()
			runs := map[string]int{}
			for _, r := range w.Trace().Records() {
				states.Apply(r)
				switch {
				case r.Kind == sim.KindCrash && r.Node == s:
					runs = map[string]int{}
				case r.Kind == sim.KindNote && r.Node == s && strings.HasSuffix(r.Info, " executed"):
					proc, _, _ := strings.Cut(r.Info, " ")
					runs[proc]++
				}
			}
			for _, proc := range []string{"INCREMENT", "APPEND", "READ", "SLEEP"} {
				got, _, _ := states.Get(s, "executed "+proc)
				want := ""
				if runs[proc] > 0 {
					want = fmt.Sprint(runs[proc])
				}
				if got != want {
					t.Errorf("executed %s = %q; the trace shows %d runs since S started", proc, got, runs[proc])
				}
			}
			disk, err := ReadDemoDisk(w.Disk(s))
			if err != nil {
				t.Fatal(err)
			}
			if got, _, _ := states.Get(s, "counter"); disk.Counter > 0 && got != fmt.Sprint(disk.Counter) {
				t.Errorf("counter = %q; the disk holds %d", got, disk.Counter)
			}
			if got, _, _ := states.Get(s, "log"); len(disk.Log) > 0 && got != sim.Cells(disk.Log) {
				t.Errorf("log = %q; the disk holds %q", got, disk.Log)
			}
		})
	}
}

func TestStories(t *testing.T) {
	for _, st := range stories {
		t.Run(st.name, func(t *testing.T) {
			got := st.play(t)
			simtest.Golden(t, filepath.Join("testdata", st.name+".golden"), got, *update)
		})
	}
}
