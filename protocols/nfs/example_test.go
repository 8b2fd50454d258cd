package nfs_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/sim-lecture/sim/protocols/nfs"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
)

// fiveMS is a network that delivers every message after 5ms.
type fiveMS struct{}

func (fiveMS) Transmit(_ sim.Time, _, _ sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	return append(out, sim.Arrival{Delay: 5 * time.Millisecond, Msg: msg}), ""
}

// Two clients share a file on one server. B's write reaches the server when
// B closes the file; A, whose attributes are fresh, keeps returning its
// cached copy until they are 3 s old, then revalidates, sees the new mtime
// and reads again: the lecture's "could read data that is up to 3 seconds
// old".
func Example() {
	w := sim.New(sim.Config{Seed: 1, Network: fiveMS{}, DiskWriteLatency: 10 * time.Millisecond})
	files := []nfs.File{{Path: "notes", Blocks: []string{"v1"}}}
	// Each node is a UDP host; the server's and the clients' services are
	// bound to its ports, again at every restart.
	w.AddNode("server", func(env sim.Env) sim.Handler {
		h := udp.NewHost(env)
		if _, err := nfs.BindServer(h, nfs.ServerOptions{Files: files}, nil, nil); err != nil {
			panic(err)
		}
		return h
	})
	copts := nfs.ClientOptions{AttrTimeout: nfs.DefaultAttrTimeout}
	client := func(env sim.Env) sim.Handler {
		h := udp.NewHost(env)
		nfs.BindClient(h, copts, nil)
		return h
	}
	a := w.AddNode("A", client)
	b := w.AddNode("B", client)

	do := func(at time.Duration, node sim.NodeID, op nfs.Op) {
		w.At(sim.Time(at), func() {
			c, _ := nfs.ClientOn(w.Handler(node))
			c.Do(op, func(r nfs.Result) {
				line := fmt.Sprintf("%-5s %s %-5s %-3s %-3s %s", sim.Time(at), w.Name(node), op.Kind, r.Value, nfs.ErrorName(r.Err), r.Note)
				fmt.Println(strings.TrimRight(line, " "))
			})
		})
	}
	do(0, a, nfs.Op{Kind: nfs.OpOpen, Path: "/notes", FD: "f"})
	do(1*time.Second, a, nfs.Op{Kind: nfs.OpRead, FD: "f", Block: 0})
	do(2*time.Second, b, nfs.Op{Kind: nfs.OpOpen, Path: "/notes", FD: "g"})
	do(2500*time.Millisecond, b, nfs.Op{Kind: nfs.OpWrite, FD: "g", Block: 0, Data: "v2"})
	do(3*time.Second, b, nfs.Op{Kind: nfs.OpClose, FD: "g"})
	do(3500*time.Millisecond, a, nfs.Op{Kind: nfs.OpRead, FD: "f", Block: 0})
	do(4*time.Second, a, nfs.Op{Kind: nfs.OpRead, FD: "f", Block: 0})
	do(4500*time.Millisecond, a, nfs.Op{Kind: nfs.OpRead, FD: "f", Block: 0})
	if err := w.Run(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 0s    A open      ok
	// 1s    A read  v1  ok  not cached: READ
	// 2s    B open      ok
	// 2.5s  B write     ok  buffered locally
	// 3s    B close     ok  flush 1 dirty block in 20ms
	// 3.5s  A read  v1  ok  cached, attr fresh: use local
	// 4s    A read  v1  ok  cached, attr fresh: use local
	// 4.5s  A read  v2  ok  attr expired: GETATTR, changed: drop cache, READ
}
