package netmodel_test

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/sim"
)

// A lossy, duplicating link from a client to a server, a partition, and the
// reliable pipe the lecture compares the network with.
func Example() {
	names := []string{"client", "server"}
	cfg := netmodel.Config{
		Default: netmodel.DefaultParams(), // 5ms, no faults
		Links: []netmodel.LinkPatch{{
			From: "client", To: "server",
			Patch: netmodel.Patch{
				Delay:     &netmodel.Delay{Kind: netmodel.Uniform, Min: time.Millisecond, Max: 9 * time.Millisecond},
				Loss:      ptr(0.3),
				Duplicate: ptr(0.3),
			},
		}},
	}
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	net := netmodel.New(2, cfg, func(id sim.NodeID) string { return names[id] })

	show := func(now sim.Time, from, to sim.NodeID) {
		copies, reason := net.Transmit(now, from, to, []byte("hello"), nil)
		fmt.Printf("%v %s->%s:", now, names[from], names[to])
		if reason != "" {
			fmt.Printf(" dropped (%s)", reason)
		}
		for _, c := range copies {
			fmt.Printf(" %v after %v", c.Fate, c.Delay)
		}
		fmt.Println()
	}
	for i := range 8 {
		show(sim.Time(i)*sim.Time(time.Second), 0, 1)
	}
	net.Partition([][]string{{"client"}, {"server"}})
	show(sim.Time(8*time.Second), 1, 0)
	fmt.Printf("%+v\n", net.Stats())

	pipe := netmodel.NewPipe(time.Millisecond, 0)
	copies, _ := pipe.Transmit(0, 0, 1, []byte("hello"), nil)
	fmt.Println("pipe:", copies[0].Fate, "after", copies[0].Delay)
	// Output:
	// 0s client->server: delivered after 3.078088ms
	// 1s client->server: dropped (loss)
	// 2s client->server: dropped (loss)
	// 3s client->server: dropped (loss)
	// 4s client->server: delivered after 7.024821ms duplicated after 5.032523ms
	// 5s client->server: delivered after 5.445736ms duplicated after 4.088422ms
	// 6s client->server: delivered after 4.014823ms duplicated after 7.295596ms
	// 7s client->server: dropped (loss)
	// 8s server->client: dropped (partition)
	// {Sent:9 Lost:4 Partitioned:1 Duplicated:3 Corrupted:0 Reordered:0 Overflowed:0}
	// pipe: delivered after 1ms
}

func ptr[T any](v T) *T { return &v }
