package quiz

import (
	"fmt"
	"time"
)

// fileSystem writes an NFS or AFS exercise: clients open, read, write and
// close two small files at random times, a few seconds apart, so that the
// attribute cache (NFS) and the callbacks (AFS) decide what the server is
// asked. Lecture: the NFS and AFS timeline tables.
func (w *writer) fileSystem() {
	o := w.o
	what := "NFS, attribute cache 3s"
	if o.System == "afs" {
		what = "AFS, whole-file caching with callbacks"
	}
	w.line("description: \"Exercise (%s; fileA holds blocks a0 a1 a2, fileB b0 b1 b2): what is the server asked at each step, and what does each read return?\"", what)
	w.line("seed: %d", o.Seed)
	w.line("systems: [%s]", o.System)
	if o.System == "nfs" {
		w.line("nfs: {attr_timeout: 3s}")
	}
	w.line("files:")
	w.line("  fileA: [a0, a1, a2]")
	w.line("  fileB: [b0, b1, b2]")
	w.line("workload:")
	open := make([]bool, o.Clients)
	writes := make([]int, o.Clients)
	at := time.Duration(0)
	for row := 0; row < o.Steps; row++ {
		if row > 0 {
			at += []time.Duration{time.Second, 2 * time.Second, 2 * time.Second, 4 * time.Second, 10 * time.Second}[w.r.IntN(5)]
		}
		left, opened := o.Steps-row, count(open)
		// Who may act: a closed client may open a file only if the rows
		// left let every open file be closed after it.
		var who []int
		for c := range open {
			if (open[c] && left > 0) || (!open[c] && left >= opened+2) {
				who = append(who, c)
			}
		}
		c := who[w.r.IntN(len(who))]
		name := clientName(c)
		switch {
		case !open[c]:
			w.line("  - {at: %s, op: open, client: %s, file: %s, fd: f}", secs(at), name, w.pick("fileA", "fileB"))
			open[c] = true
		case left <= opened:
			w.line("  - {at: %s, op: close, client: %s, fd: f}", secs(at), name)
			open[c] = false
		default:
			// A close must leave the rows after it something to do.
			canClose := opened > 1 || left == 1 || left-1 >= 2
			switch k := w.r.IntN(10); {
			case k >= 8 && canClose:
				w.line("  - {at: %s, op: close, client: %s, fd: f}", secs(at), name)
				open[c] = false
			case k < 5 || k >= 8:
				w.line("  - {at: %s, op: read, client: %s, fd: f, block: %d}", secs(at), name, w.r.IntN(3))
			default:
				writes[c]++
				w.line("  - {at: %s, op: write, client: %s, fd: f, block: %d, data: %s%d}", secs(at), name, w.r.IntN(3), name, writes[c])
			}
		}
	}
}

func count(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// rpc writes an RPC exercise: calls to the demo service a second apart,
// some of whose call or reply messages are lost, and a server that may
// crash in the middle of a call, under at-least-once or at-most-once.
// Lecture: "Message lost or ACK lost?", "what happens when append() is
// retried?", "if server crashes, forgets which RPC's have been executed".
func (w *writer) rpc() {
	o := w.o
	semantics := w.pick("at_least_once", "at_most_once")
	w.line("description: \"Exercise (RPC, %s, 100ms timeout): how often does the server run each call, and what does it return? Some messages are lost, and the server may crash.\"", semantics)
	w.line("seed: %d", o.Seed)
	w.line("systems: [rpc]")
	w.line("rpc: {semantics: %s, timeout: 100ms}", semantics)
	w.line("network: {delay: 10ms}")
	w.line("workload:")
	var faults []string
	fault := func(at time.Duration, what string) {
		faults = append(faults, fmt.Sprintf("  - {at: %s, %s}", secs(at), what))
	}
	appends := 0
	for row := 0; row < o.Steps; row++ {
		at := time.Duration(row+1) * time.Second
		c := clientName(w.r.IntN(o.Clients))
		switch k := w.r.IntN(20); {
		case k < 12:
			w.line("  - {at: %s, op: call, client: %s, server: server, proc: increment}", secs(at), c)
		case k < 17:
			appends++
			w.line("  - {at: %s, op: call, client: %s, server: server, proc: append, args: %c}", secs(at), c, 'a'+rune(appends-1)%26)
		default:
			w.line("  - {at: %s, op: call, client: %s, server: server, proc: read}", secs(at), c)
		}
		// The call reaches the server 10ms after it is sent, and its
		// reply leaves once the state is on disk, 10ms later.
		before, after := at-50*time.Millisecond, at+50*time.Millisecond
		switch k := w.r.IntN(20); {
		case k < 7: // nothing lost
		case k < 10: // the call is lost
			fault(before, fmt.Sprintf("block: {from: %s, to: server}", c))
			fault(after, fmt.Sprintf("unblock: {from: %s, to: server}", c))
		case k < 15: // the reply is lost
			fault(before, fmt.Sprintf("block: {from: server, to: %s}", c))
			fault(after, fmt.Sprintf("unblock: {from: server, to: %s}", c))
		case k < 17: // the server crashes while the call's write is on its way to disk
			fault(at+15*time.Millisecond, "crash: server")
			fault(at+60*time.Millisecond, "restart: server")
		default: // the reply is lost, and the server crashes after sending it
			fault(before, fmt.Sprintf("block: {from: server, to: %s}", c))
			fault(at+30*time.Millisecond, "crash: server")
			fault(after, fmt.Sprintf("unblock: {from: server, to: %s}", c))
			fault(at+60*time.Millisecond, "restart: server")
		}
	}
	if len(faults) > 0 {
		w.line("faults:")
		for _, f := range faults {
			w.line("%s", f)
		}
	}
}

// reliable writes a transport exercise: bursts of messages to R, each
// under a window and a timeout the seed picks, with ACKs or data lost for
// a while, or a stretch of a lossy network. Lecture: "Lost ACK: how long
// to wait?", sequence numbers and the window.
func (w *writer) reliable() {
	o := w.o
	window := []int{1, 2, 4}[w.r.IntN(3)]
	rto := w.pick("fixed", "adaptive")
	w.line("description: \"Exercise (reliable transport, window %d, %s timeout): what reaches R, how many retransmissions, and when is each burst complete?\"", window, rto)
	w.line("seed: %d", o.Seed)
	w.line("systems: [reliable]")
	if rto == "fixed" {
		w.line("reliable: {window: %d, rto: fixed, fixed_timeout: 200ms}", window)
	} else {
		w.line("reliable: {window: %d, rto: adaptive}", window)
	}
	w.line("network: {delay: 20ms}")
	w.line("workload:")
	var faults []string
	fault := func(at time.Duration, what string) {
		faults = append(faults, fmt.Sprintf("  - {at: %s, %s}", secs(at), what))
	}
	for row := 0; row < o.Steps; row++ {
		at := time.Duration(row) * 5 * time.Second
		c := clientName(w.r.IntN(o.Clients))
		w.line("  - {at: %s, op: send, from: %s, to: R, count: %d, interval: 10ms}", secs(at), c, 3+w.r.IntN(6))
		switch k := w.r.IntN(10); {
		case k < 3: // nothing lost
		case k < 5: // data lost for a while
			fault(at+5*time.Millisecond, fmt.Sprintf("block: {from: %s, to: R}", c))
			fault(at+35*time.Millisecond, fmt.Sprintf("unblock: {from: %s, to: R}", c))
		case k < 8: // ACKs lost for a while
			fault(at+15*time.Millisecond, fmt.Sprintf("block: {from: R, to: %s}", c))
			fault(at+65*time.Millisecond, fmt.Sprintf("unblock: {from: R, to: %s}", c))
		default: // a lossy second
			fault(at, "network: {loss: 0.3}")
			fault(at+time.Second, "network: {loss: 0}")
		}
	}
	if len(faults) > 0 {
		w.line("faults:")
		for _, f := range faults {
			w.line("%s", f)
		}
	}
}
