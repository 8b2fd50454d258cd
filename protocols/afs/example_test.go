package afs_test

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/protocols/afs"
	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
)

// fixedDelay is a network that delivers everything after 5ms.
type fixedDelay struct{}

func (fixedDelay) Transmit(_ sim.Time, _, _ sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	return append(out, sim.Arrival{Delay: 5 * time.Millisecond, Msg: msg}), ""
}

// printCalls prints every RPC as it starts.
type printCalls struct {
	rpc.BaseObserver
	w *sim.World
}

func (p printCalls) CallStarted(at sim.Time, from, to sim.NodeID, proc string, _ rpc.CallID) {
	fmt.Printf("  %s %s -> %s\n", proc, p.w.Name(from), p.w.Name(to))
}

// The heart of the lecture's AFS column: A fetches the whole file at open
// and reads locally; B's close stores the file and breaks A's callback;
// A's open file keeps its version, and A's next open fetches the new one.
func Example() {
	w := sim.New(sim.Config{Seed: 1, Network: fixedDelay{}, DiskWriteLatency: 10 * time.Millisecond})
	obs := printCalls{w: w}
	add := func(name string, cfg afs.Config) {
		cfg.Observer = obs
		w.AddNode(name, func(env sim.Env) sim.Handler {
			h := udp.NewHost(env)
			h.Bind(afs.Port, func(penv sim.Env) sim.Handler { return afs.NewNode(penv, cfg) })
			return h
		})
	}
	add("server", afs.Config{
		Server: &afs.ServerConfig{Volumes: []string{"/"}, Files: []afs.FileRecord{{Volume: "/", Path: "fileA", Version: 1, Data: []string{"a0", "a1"}}}},
		VLDB:   &afs.VLDBConfig{Locations: []afs.Location{{Volume: "/", Server: "server"}}},
	})
	client := afs.ClientConfig{VLDB: "server", Volumes: []string{"/"}}
	add("A", afs.Config{Client: &client})
	add("B", afs.Config{Client: &client})
	cm := func(name string) *afs.CacheManager {
		id, _ := w.Lookup(name)
		return w.Handler(id).(*udp.Host).Handler(afs.Port).(*afs.Node).Client
	}
	step := func(what string, op func(done func(afs.Result))) {
		fmt.Println(what)
		op(func(r afs.Result) {
			if r.Value != nil {
				fmt.Printf("  = %s\n", *r.Value)
			}
		})
		w.RunUntil(w.Now().Add(time.Second))
	}
	step("A opens fileA", func(d func(afs.Result)) { cm("A").Open("f", "fileA", d) })
	step("A reads block 1", func(d func(afs.Result)) { cm("A").Read("f", 1, d) })
	step("B opens fileA", func(d func(afs.Result)) { cm("B").Open("g", "fileA", d) })
	step("B writes block 1", func(d func(afs.Result)) { cm("B").Write("g", 1, "b1", d) })
	step("B closes", func(d func(afs.Result)) { cm("B").Close("g", d) })
	step("A reads block 1 again", func(d func(afs.Result)) { cm("A").Read("f", 1, d) })
	step("A closes", func(d func(afs.Result)) { cm("A").Close("f", d) })
	step("A opens fileA again", func(d func(afs.Result)) { cm("A").Open("f", "fileA", d) })
	step("A reads block 1", func(d func(afs.Result)) { cm("A").Read("f", 1, d) })
	// Output:
	// A opens fileA
	//   GETVOLUMELOCATION A -> server
	//   FETCH A -> server
	// A reads block 1
	//   = a1
	// B opens fileA
	//   GETVOLUMELOCATION B -> server
	//   FETCH B -> server
	// B writes block 1
	// B closes
	//   STORE B -> server
	//   BREAKCALLBACK server -> A
	// A reads block 1 again
	//   = a1
	// A closes
	// A opens fileA again
	//   FETCH A -> server
	// A reads block 1
	//   = b1
}
