package sim_test

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// firstLost is a network that loses the first message and delivers every
// other one after 10ms. (Package netmodel is the real one: delays,
// bandwidth, loss, duplication, reordering, corruption, partitions.)
type firstLost struct{ sent int }

func (n *firstLost) Transmit(now sim.Time, from, to sim.NodeID, msg []byte, out []sim.Arrival) ([]sim.Arrival, string) {
	n.sent++
	if n.sent == 1 {
		return out, "loss"
	}
	return append(out, sim.Arrival{Delay: 10 * time.Millisecond, Msg: msg}), ""
}

// counter is a server that counts the requests it gets. The count is on
// its disk; each answer waits until the new count is durable, so that a
// crash never loses a count it has answered.
type counter struct {
	env   sim.Env
	count int // the last count written: volatile, rebuilt from the disk
}

// newCounter is the server's sim.Factory: it runs when the node is added
// and at every restart, and rebuilds the server from its disk alone.
func newCounter(env sim.Env) sim.Handler {
	c := &counter{env: env}
	if v, ok := env.Disk().Get("count"); ok {
		c.count, _ = strconv.Atoi(string(v))
	}
	env.Trace("counter", fmt.Sprintf("up with count %d", c.count))
	return c
}

// Receive counts a request and writes the count; the tag of the write
// says whom to answer once it is durable.
func (c *counter) Receive(from sim.NodeID, msg []byte) {
	c.count++
	c.env.WriteDisk("count", []byte(strconv.Itoa(c.count)), uint64(from))
}

// Timer is called when the write tagged tag is durable.
func (c *counter) Timer(tag uint64) {
	c.env.Send(sim.NodeID(tag), []byte(strconv.Itoa(c.count)), "COUNT "+strconv.Itoa(c.count))
}

// client asks the server to count, and asks again every 100ms until an
// answer comes, at most 5 times.
type client struct {
	env    sim.Env
	server sim.NodeID
	timer  sim.TimerID
	tries  int
}

// Ask is the application's call: it sends the first request.
func (c *client) Ask() {
	c.tries = 0
	c.send()
}

func (c *client) send() {
	c.tries++
	c.env.Send(c.server, []byte("INCREMENT"), "INCREMENT")
	c.timer = c.env.SetTimer(100*time.Millisecond, 0)
}

func (c *client) Receive(from sim.NodeID, msg []byte) {
	if c.env.CancelTimer(c.timer) {
		c.env.Trace("client", fmt.Sprintf("count %s after %d tries", msg, c.tries))
	}
}

func (c *client) Timer(uint64) {
	if c.tries < 5 {
		c.send()
	}
}

// A protocol written against sim.Env, run in a World: a client asks a
// server to count, over a network that loses the first request; the
// server crashes while its second count is on its way to the disk, so
// the write is torn and the restarted server counts from what survived.
// The trace records every event.
func Example() {
	w := sim.New(sim.Config{Seed: 1, Network: &firstLost{}, DiskWriteLatency: 10 * time.Millisecond, KeepTrace: true})
	server := w.AddNode("server", newCounter)
	cl := w.AddNode("client", func(env sim.Env) sim.Handler { return &client{env: env, server: server} })
	ask := func() { w.Handler(cl).(*client).Ask() } // the application's call, as an action
	w.At(0, ask)
	w.At(sim.Time(200*time.Millisecond), ask)
	w.At(sim.Time(215*time.Millisecond), func() { w.Crash(server) })
	w.At(sim.Time(250*time.Millisecond), func() { w.Restart(server) })
	if err := w.Run(); err != nil {
		fmt.Println(err)
	}
	for _, r := range w.Trace().Records() {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%-6s %-8s %-6s %s %s", r.At, r.Kind, w.Name(r.Node), r.Label, r.Info)))
	}
	// Output:
	// 0s     note     server counter up with count 0
	// 0s     send     client INCREMENT
	// 0s     drop     client INCREMENT loss
	// 100ms  timer    client
	// 100ms  send     client INCREMENT
	// 110ms  deliver  server INCREMENT
	// 120ms  disk     server count
	// 120ms  send     server COUNT 1
	// 130ms  deliver  client COUNT 1
	// 130ms  note     client client count 1 after 2 tries
	// 200ms  send     client INCREMENT
	// 210ms  deliver  server INCREMENT
	// 215ms  crash    server
	// 250ms  restart  server
	// 250ms  note     server counter up with count 1
	// 300ms  timer    client
	// 300ms  send     client INCREMENT
	// 310ms  deliver  server INCREMENT
	// 320ms  disk     server count
	// 320ms  send     server COUNT 2
	// 330ms  deliver  client COUNT 2
	// 330ms  note     client client count 2 after 2 tries
}
