package main

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/sim-lecture/sim/scenarios"
)

// params are a workload builder's parameters, as text (a sweep axis gives
// its values as text).
type params map[string]string

// num returns parameter k as a number.
func (p params) num(k string) (float64, error) {
	v, ok := p[k]
	if !ok {
		return 0, fmt.Errorf("parameter %s is not set", k)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("parameter %s: expected a number, got %q", k, v)
	}
	return f, nil
}

// int returns parameter k as a whole number in [lo, hi].
func (p params) int(k string, lo, hi int) (int, error) {
	f, err := p.num(k)
	if err != nil {
		return 0, err
	}
	if f != float64(int(f)) || int(f) < lo || int(f) > hi {
		return 0, fmt.Errorf("parameter %s: expected a whole number from %d to %d, got %s", k, lo, hi, p[k])
	}
	return int(f), nil
}

// rows collects workload rows and writes them in time order (the format
// requires non-decreasing times; rows at the same time keep their order).
type rows struct {
	list []row
}

type row struct {
	at   float64 // seconds
	text string  // the row's mapping without `at`
}

func (r *rows) add(at float64, format string, args ...any) {
	r.list = append(r.list, row{at, fmt.Sprintf(format, args...)})
}

func (r *rows) yaml() string {
	sort.SliceStable(r.list, func(i, j int) bool { return r.list[i].at < r.list[j].at })
	var b strings.Builder
	b.WriteString("workload:\n")
	for _, x := range r.list {
		fmt.Fprintf(&b, "  - {at: %s, %s}\n", strconv.FormatFloat(x.at, 'f', -1, 64), x.text)
	}
	return b.String()
}

// clientName names reader i: R01, R02, ...
func clientName(i int) string { return fmt.Sprintf("R%02d", i+1) }

// fileReaders is the caching workload of figures a, b and c: `clients`
// readers open one shared file and read one of its blocks every second
// (each a few milliseconds after the last), while writer W rewrites a
// block and closes the file every `write_every` seconds. It is the
// lecture's nfs_vs_afs table stretched over `duration` seconds, with more
// readers.
func fileReaders(systems string) func(p params) (string, error) {
	return func(p params) (string, error) {
		n, err := p.int("clients", 1, 200)
		if err != nil {
			return "", err
		}
		dur, err := p.int("duration", 10, 3600)
		if err != nil {
			return "", err
		}
		every, err := p.int("write_every", 2, 3600)
		if err != nil {
			return "", err
		}
		var w rows
		for c := 0; c < n; c++ {
			w.add(0, "client: %s, op: open, file: fileA, fd: f", clientName(c))
		}
		for t := 1; t < dur; t++ {
			for c := 0; c < n; c++ {
				at := float64(t) + float64(c)*0.005
				w.add(at, "client: %s, op: read, fd: f, block: %d", clientName(c), (t+c)%4)
			}
			if t%every == every/2 {
				w.add(float64(t)+0.5, "client: W, op: open, file: fileA, fd: g")
				w.add(float64(t)+0.6, "client: W, op: write, fd: g, block: %d, data: w%d", (t/every)%4, t)
				w.add(float64(t)+0.7, "client: W, op: close, fd: g")
			}
		}
		for c := 0; c < n; c++ {
			w.add(float64(dur), "client: %s, op: close, fd: f", clientName(c))
		}
		return fmt.Sprintf(`name: fig_readers
description: %d readers re-read a shared file every second for %d s while W rewrites it every %d s
systems: [%s]
network: {delay: {dist: uniform, min: 1ms, max: 4ms}}
files:
  fileA: {blocks: [a0, a1, a2, a3]}
%s`, n, dur, every, systems, w.yaml()), nil
	}
}

// lectureTransport is the `reliable:` keys of the lecture's transport:
// losses repaired by the retransmission timer alone.
const lectureTransport = "timestamps: false, sack: false, fast_retransmit: false, rack: false, congestion_control: false"

// mechanisms are the levels of figure g, each adding one mechanism of a
// modern TCP to the one before, as scenario heavy_loss's variants do.
var mechanisms = map[string]string{
	"timer_only":      lectureTransport,
	"timestamps":      "sack: false, fast_retransmit: false, rack: false, congestion_control: false",
	"fast_retransmit": "sack: false, rack: false, congestion_control: false",
	"sack":            "rack: false, congestion_control: false",
	"default":         "",
}

// reliableBulk is the transfer of figure d: A hands `count` messages to
// the reliable transport at once, over a link of 15 to 45 ms each way, with
// the lecture's transport or the default one (`transport`).
func reliableBulk(p params) (string, error) {
	n, err := p.int("count", 1, 100000)
	if err != nil {
		return "", err
	}
	keys := ""
	switch p["transport"] {
	case "lecture":
		keys = ", " + lectureTransport
	case "default":
	default:
		return "", fmt.Errorf("parameter transport: expected lecture or default, got %q", p["transport"])
	}
	return fmt.Sprintf(`name: fig_reliable_bulk
description: A sends %d messages at once to B over the reliable transport
systems: [reliable]
network: {delay: {dist: uniform, min: 15ms, max: 45ms}}
reliable: {window: 8, fixed_timeout: 60ms, min_rto: 10ms%s}
workload:
  - {at: 0, op: send, from: A, to: B, count: %d, size: 100B}
`, n, keys, n), nil
}

// reliableMechanisms is the transfer of figure g: A hands `count` messages
// to the reliable transport at once over a link of 10 ms each way, with the
// mechanisms of level `mechanisms` (see mechanisms).
func reliableMechanisms(p params) (string, error) {
	n, err := p.int("count", 1, 100000)
	if err != nil {
		return "", err
	}
	keys, ok := mechanisms[p["mechanisms"]]
	if !ok {
		return "", fmt.Errorf("parameter mechanisms: expected timer_only, timestamps, fast_retransmit, sack or default, got %q", p["mechanisms"])
	}
	if keys != "" {
		keys = ", " + keys
	}
	return fmt.Sprintf(`name: fig_reliable_mechanisms
description: A sends %d messages at once to B; the transport's mechanisms up to %s
systems: [reliable]
network: {delay: 10ms}
reliable: {window: 8%s}
workload:
  - {at: 0, op: send, from: A, to: B, count: %d, size: 100B}
`, n, p["mechanisms"], keys, n), nil
}

// bottleneck is the overload of figure h: `senders` nodes each offer 50
// messages of 1000 B a second to R through R's access link, 1 Mbit/s
// (about 120 such messages a second) with a 50-datagram drop-tail queue,
// under `control`: none (no congestion control, a fixed 100 ms timeout),
// backoff (the adaptive RTO, no congestion control) or default.
func bottleneck(p params) (string, error) {
	n, err := p.int("senders", 1, 64)
	if err != nil {
		return "", err
	}
	var keys string
	switch p["control"] {
	case "none":
		keys = "{congestion_control: false, rto: fixed, fixed_timeout: 100ms}"
	case "backoff":
		keys = "{congestion_control: false}"
	case "default":
		keys = "{}"
	default:
		return "", fmt.Errorf("parameter control: expected none, backoff or default, got %q", p["control"])
	}
	var w rows
	for i := range n {
		w.add(0, "op: send, from: S%02d, to: R, count: 100, size: 1000B, interval: 20ms", i+1)
	}
	return fmt.Sprintf(`name: fig_bottleneck
description: %d senders offer 50 messages a second each through one 1 Mbit/s link
systems: [reliable]
network:
  delay: 10ms
  links:
    - {from: "*", to: R, bandwidth: 1Mbps, queue: 50, shared: true}
reliable: %s
%s`, n, keys, w.yaml()), nil
}

// fileWriters is the workload of figure f: client A writes a block and
// closes the file every second; the server crashes at 25.5 s and restarts
// 2 s later, when the client's writes resume.
func fileWriters(p params) (string, error) {
	dur, err := p.int("duration", 10, 3600)
	if err != nil {
		return "", err
	}
	var w rows
	for t := 0; t < dur; t++ {
		at := float64(t)
		w.add(at, "client: A, op: open, file: fileA, fd: f")
		w.add(at+0.1, "client: A, op: write, fd: f, block: %d, data: v%d", t%4, t)
		w.add(at+0.2, "client: A, op: close, fd: f")
	}
	crash := float64(dur)/2 + 0.5
	return fmt.Sprintf(`name: fig_writers
description: A writes and closes a file every second; the server crashes at %gs
systems: [nfs]
network: {delay: 2ms}
files:
  fileA: {blocks: [a0, a1, a2, a3]}
%sfaults:
  - {at: %g, crash: server}
  - {at: %g, restart: server}
`, crash, w.yaml(), crash, crash+2), nil
}

// afsPaper is the built-in scenario afs_paper with its program's clients
// and their home files both set to parameter clients, so that every
// client keeps its own home file however many there are (the two keys of
// the file that say 5).
func afsPaper(p params) (string, error) {
	n, err := p.int("clients", 1, 100_000)
	if err != nil {
		return "", err
	}
	_, data, err := scenarios.ReadSource("afs_paper")
	if err != nil {
		return "", err
	}
	text := string(data)
	for _, re := range []*regexp.Regexp{afsPaperClients, afsPaperHomes} {
		if len(re.FindAllStringIndex(text, -1)) != 1 {
			return "", fmt.Errorf("afs_paper: expected one line matching %s", re)
		}
		text = re.ReplaceAllString(text, "${1}"+strconv.Itoa(n)+"${2}")
	}
	return text, nil
}

// The keys afsPaper sets in afs_paper.yaml.
var (
	afsPaperClients = regexp.MustCompile(`(?m)^(\s+clients: )\d+()$`)
	afsPaperHomes   = regexp.MustCompile(`(home/f: \{count: )\d+(, choose: own)`)
)
