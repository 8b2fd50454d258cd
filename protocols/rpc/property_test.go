package rpc

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/sim-lecture/sim/sim"
)

// schedule is a generated run: a network, options and a workload. It prints
// as a scenario file, so that a shrunk failure can be read and rerun by
// hand. It is approximate: the test network becomes the scenario's network
// block, and disk.write_latency and rpc.service_time are keys the scenario
// format may not have.
type schedule struct {
	seed        uint64
	sem         Semantics
	cacheAll    bool
	lossPct     int
	dupPct      int
	base        time.Duration
	jitter      time.Duration
	disk        time.Duration
	timeout     time.Duration
	ackAfter    time.Duration
	workers     int
	serviceTime time.Duration
	nodes       int
	calls       []scheduledCall
}

type scheduledCall struct {
	at       time.Duration
	from, to int
	proc     string
	arg      string
}

func drawSchedule(t *rapid.T, sem Semantics) schedule {
	s := schedule{
		seed:        rapid.Uint64().Draw(t, "seed"),
		sem:         sem,
		lossPct:     rapid.IntRange(0, 40).Draw(t, "loss%"),
		dupPct:      rapid.IntRange(0, 40).Draw(t, "duplicate%"),
		base:        time.Duration(rapid.IntRange(1, 10).Draw(t, "delay ms")) * ms,
		jitter:      time.Duration(rapid.IntRange(0, 30).Draw(t, "jitter ms")) * ms,
		disk:        time.Duration(rapid.IntRange(0, 10).Draw(t, "disk ms")) * ms,
		timeout:     time.Duration(rapid.IntRange(20, 200).Draw(t, "timeout ms")) * ms,
		ackAfter:    time.Duration(rapid.IntRange(10, 200).Draw(t, "ack_after ms")) * ms,
		workers:     rapid.IntRange(1, 3).Draw(t, "workers"),
		serviceTime: time.Duration(rapid.IntRange(0, 20).Draw(t, "service ms")) * ms,
		nodes:       rapid.IntRange(2, 3).Draw(t, "nodes"),
	}
	if sem == AtMostOnce {
		s.cacheAll = rapid.Bool().Draw(t, "cache all")
	}
	n := rapid.IntRange(1, 12).Draw(t, "calls")
	// A short span packs calls together, so that late copies of one call
	// meet the next calls: where at-most-once bugs hide.
	span := rapid.SampledFrom([]int{50, 200, 1000}).Draw(t, "span ms")
	for i := 0; i < n; i++ {
		c := scheduledCall{
			at:   time.Duration(rapid.IntRange(0, span).Draw(t, "at ms")) * ms,
			from: rapid.IntRange(0, s.nodes-1).Draw(t, "from"),
			to:   rapid.IntRange(0, s.nodes-1).Draw(t, "to"),
			proc: rapid.SampledFrom([]string{ProcAppend, ProcIncrement, ProcSleep, ProcRead}).Draw(t, "proc"),
		}
		switch c.proc {
		case ProcAppend:
			c.arg = fmt.Sprintf("v%d", i) // unique, so duplicates show in the log
		case ProcSleep:
			c.arg = (time.Duration(rapid.IntRange(0, 600).Draw(t, "sleep ms")) * ms).String()
		}
		s.calls = append(s.calls, c)
	}
	// Workload rows are in time order, as in a scenario file.
	sort.SliceStable(s.calls, func(i, j int) bool { return s.calls[i].at < s.calls[j].at })
	return s
}

func nodeName(i int) string { return fmt.Sprintf("N%d", i) }

// String prints the schedule as a scenario.
func (s schedule) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nname: rpc_property\nseed: %d\nsystems: [rpc]\n", s.seed)
	fmt.Fprintf(&b, "network: {delay: {dist: uniform, min: %s, max: %s}, loss: %.2f, duplicate: %.2f}\n",
		s.base, s.base+s.jitter, float64(s.lossPct)/100, float64(s.dupPct)/100)
	fmt.Fprintf(&b, "disk: {write_latency: %s}\n", s.disk)
	drc := ""
	if s.cacheAll {
		drc = ", drc_cache: all"
	}
	fmt.Fprintf(&b, "rpc: {semantics: %s%s, timeout: %s, ack_after: %s, workers: %d, service_time: %s}\n",
		s.sem, drc, s.timeout, s.ackAfter, s.workers, s.serviceTime)
	b.WriteString("workload:\n")
	for _, c := range s.calls {
		fmt.Fprintf(&b, "  - {at: %s, op: call, client: %s, server: %s, proc: %s", sim.FormatDuration(c.at), nodeName(c.from), nodeName(c.to), c.proc)
		if c.arg != "" {
			fmt.Fprintf(&b, ", args: %s", c.arg)
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// run plays the schedule in the kernel.
func (s schedule) run() (*cluster, error) {
	net := &testNet{loss: float64(s.lossPct) / 100, dup: float64(s.dupPct) / 100, base: s.base, jitter: s.jitter}
	names := make([]string, s.nodes)
	for i := range names {
		names[i] = nodeName(i)
	}
	c := newCluster(s.seed, net,
		names,
		Options{Semantics: s.sem, Timeout: s.timeout, AckAfter: s.ackAfter},
		ServerOptions{Semantics: s.sem, CacheAll: s.cacheAll, Workers: s.workers, ServiceTime: s.serviceTime, AckAfter: s.ackAfter},
		s.disk)
	net.r = c.w.Rand("net")
	for _, sc := range s.calls {
		c.call(sc.at, c.ids[sc.from], c.ids[sc.to], sc.proc, sc.arg)
	}
	return c, c.w.Run()
}

// Reference: Birrell & Nelson §3.1 — "if the call returns … the procedure
// in the server has been invoked precisely once". With no crash and a
// client that retries forever, every call returns, so every procedure runs
// exactly once, whatever the network loses, duplicates or reorders. The
// cache keeps only non-idempotent replies unless told to keep all
// (protocol facts §4): an idempotent call may then run again, harmlessly.
func TestPropertyAtMostOnce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := drawSchedule(t, AtMostOnce)
		c, err := s.run()
		if err != nil {
			t.Fatalf("%v%s", err, s)
		}
		for i, k := range c.calls {
			if k.done != 1 || k.err != nil {
				t.Fatalf("call %d (%s %s): done %d times, err %v; want once, ok%s", i, k.proc, k.arg, k.done, k.err, s)
			}
			p, _ := DemoProc(k.proc)
			if n := c.rec.executed[k.id]; n != 1 && (s.cacheAll || !p.Idempotent || n < 1) {
				t.Fatalf("call %d (%s %s) executed %d times; want exactly once%s", i, k.proc, k.arg, n, s)
			}
		}
		checkState(t, c, s, func(got, want int) bool { return got == want })
	})
}

// Reference: lecture, at-least-once: the client retries until it hears
// back, so every call runs at least once, and perhaps more often.
func TestPropertyAtLeastOnce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := drawSchedule(t, AtLeastOnce)
		c, err := s.run()
		if err != nil {
			t.Fatalf("%v%s", err, s)
		}
		for i, k := range c.calls {
			if k.done != 1 || k.err != nil {
				t.Fatalf("call %d (%s %s): done %d times, err %v; want once, ok%s", i, k.proc, k.arg, k.done, k.err, s)
			}
			if n := c.rec.executed[k.id]; n < 1 {
				t.Fatalf("call %d (%s %s) executed %d times; want at least once%s", i, k.proc, k.arg, n, s)
			}
		}
		checkState(t, c, s, func(got, want int) bool { return got >= want })
	})
}

// checkState compares each server's durable state with the calls made to
// it: ok(got, want) decides whether an append seen got times, or a counter
// of got, is right for want calls.
func checkState(t *rapid.T, c *cluster, s schedule, ok func(got, want int) bool) {
	for i, id := range c.ids {
		st := c.state(id)
		seen := map[string]int{}
		for _, v := range st.Log {
			seen[v]++
		}
		increments := 0
		for _, sc := range s.calls {
			if sc.to != i {
				continue
			}
			switch sc.proc {
			case ProcAppend:
				if !ok(seen[sc.arg], 1) {
					t.Fatalf("%s's log holds %s %d times: %v%s", nodeName(i), sc.arg, seen[sc.arg], st.Log, s)
				}
			case ProcIncrement:
				increments++
			}
		}
		if !ok(int(st.Counter), increments) {
			t.Fatalf("%s's counter is %d after %d increments%s", nodeName(i), st.Counter, increments, s)
		}
	}
}
