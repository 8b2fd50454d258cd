package scenarios_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// The program workloads of every system, drawn: each case is one kind of
// system (messaging, rpc, the file systems, two-phase commit, or the
// generals, which refuse programs), one or two programs with their own
// prefixes mixed with ordinary rows, over a network that loses,
// duplicates and reorders, with faults at times inside the programs'
// span: crashes and restarts of the server and of a program's client,
// blocks, partitions. Everything but the generals' program is valid; the
// cases are small (a few clients for a few virtual seconds) so that
// thousands of checks take seconds.

// progSpan is what a drawn workload's programs cover: their first start
// and their last until, which the rows and the faults fall inside.
type progSpan struct{ start, until time.Duration }

// ms writes a duration in milliseconds, a form the loader reads.
func ms(d time.Duration) string { return fmt.Sprintf("%dms", d.Milliseconds()) }

// genProgramWorkload draws one scenario body (after the name and limits)
// of program workloads for one kind of system into b, its faults into g,
// and returns the nodes genScenario may crash at 1s (and restart at 2s):
// the drawn faults start after that.
func genProgramWorkload(t *rapid.T, b *strings.Builder, g *generated, generals bool) (nodes []string) {
	kinds := []string{"messaging", "rpc", "files", "two_phase_commit"}
	if generals {
		kinds = append(kinds, "two_generals")
	}
	kind := rapid.SampledFrom(kinds).Draw(t, "program system")
	fmt.Fprintf(b, "network: {loss: %s, duplicate: %s, reorder: %s}\n",
		rapid.SampledFrom([]string{"0", "0.05", "0.2"}).Draw(t, "loss"),
		rapid.SampledFrom([]string{"0", "0.05"}).Draw(t, "duplicate"),
		rapid.SampledFrom([]string{"0", "0.1"}).Draw(t, "reorder"))
	var stepGen func(*rapid.T) []string
	var rowGen func(*rapid.T, time.Duration) string
	servers := []string{"S"}
	switch kind {
	case "messaging":
		stepGen, rowGen = genMessagingSystem(t, b)
		servers = []string{"S", "B"}
	case "rpc":
		stepGen, rowGen = genRPCSystem(t, b)
	case "files":
		stepGen, rowGen = genFileSystems(t, b)
		servers = []string{"server"}
	case "two_phase_commit":
		stepGen, rowGen = gen2PCSystem(t, b)
		servers = []string{"P1", "P2", "P3"}
	default:
		b.WriteString("systems: [two_generals]\n")
		stepGen = func(*rapid.T) []string { return []string{"{op: agree, to: B, count: 2}"} }
		rowGen = func(_ *rapid.T, at time.Duration) string {
			return fmt.Sprintf("{at: %s, op: agree, from: A, to: B}", ms(at))
		}
		g.bad = append(g.bad, "a program of two_generals")
		g.wantErr = "system two_generals cannot run it in a program"
	}
	// The nodes faults may name, declared: a drawn program may not
	// send to B, nor a row name A.
	fmt.Fprintf(b, "nodes: [A, %s]\n", strings.Join(servers, ", "))
	span, clients := genProgramRows(t, b, stepGen, rowGen)
	g.faults = genProgramFaults(t, span, append(servers, clients...), kind == "two_phase_commit")
	return append(servers, "A")
}

// genProgramRows writes the workload: one or two programs (prefixes C
// and R) with steps from stepGen, and ordinary rows from rowGen at times
// inside their span, sorted. It returns the span and some clients of the
// programs (those the faults may act on).
func genProgramRows(t *rapid.T, b *strings.Builder, stepGen func(*rapid.T) []string, rowGen func(*rapid.T, time.Duration) string) (progSpan, []string) {
	b.WriteString("workload:\n")
	span := progSpan{start: time.Hour}
	var clients []string
	for i, prefix := range []string{"C", "R"}[:rapid.IntRange(1, 2).Draw(t, "programs")] {
		n := rapid.IntRange(1, 4).Draw(t, "clients")
		start := time.Duration(rapid.IntRange(0, 4).Draw(t, "start")) * 500 * time.Millisecond
		until := start + time.Duration(rapid.IntRange(4, 16).Draw(t, "length"))*time.Second
		span.start, span.until = min(span.start, start), max(span.until, until)
		fmt.Fprintf(b, "  - program:\n      clients: %d\n", n)
		if i > 0 || rapid.Bool().Draw(t, "explicit prefix") {
			fmt.Fprintf(b, "      prefix: %s\n", prefix)
		}
		fmt.Fprintf(b, "      every: %s\n      start: %s\n      until: %s\n      think: %s\n      steps:\n",
			rapid.SampledFrom([]string{"500ms", "1s", "3s"}).Draw(t, "every"), ms(start), ms(until),
			rapid.SampledFrom([]string{"0s", "50ms", "{dist: exponential, mean: 200ms}", "{dist: uniform, min: 0s, max: 1s}"}).Draw(t, "think"))
		for _, st := range stepGen(t) {
			b.WriteString("        - " + st + "\n")
		}
		clients = append(clients, prefix+"1", fmt.Sprintf("%s%d", prefix, n))
	}
	// Ordinary rows, in non-decreasing time; their client A never
	// runs a program.
	var at time.Duration
	for range rapid.IntRange(0, 3).Draw(t, "ordinary rows") {
		at += time.Duration(rapid.IntRange(0, 3000).Draw(t, "row gap")) * time.Millisecond
		b.WriteString("  - " + rowGen(t, at) + "\n")
	}
	return span, clients
}

// chance draws a step's chance key: none (every iteration) or a
// fraction of the iterations.
func chance(t *rapid.T) string {
	return rapid.SampledFrom([]string{"", "", ", chance: 0.5", ", chance: 0.1"}).Draw(t, "chance")
}

// genMessagingSystem draws some of the messaging systems and their send
// steps: to a server S or a receiver B, a few small messages, some in
// only some iterations, some closing the sender's direction.
func genMessagingSystem(t *rapid.T, b *strings.Builder) (func(*rapid.T) []string, func(*rapid.T, time.Duration) string) {
	systems := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"pipe", "socket", "udp", "reliable"}), 1, 4, rapid.ID[string]).Draw(t, "systems")
	fmt.Fprintf(b, "systems: [%s]\n", strings.Join(systems, ", "))
	if strings.Contains(strings.Join(systems, " "), "reliable") {
		// A short fin_timeout fails the sends after a close that the
		// receiver, which never closes, leaves waiting.
		fmt.Fprintf(b, "reliable: {window: %d, rto: %s, max_retries: %d, consume: %s, time_wait: %s, fin_timeout: %s}\n", rapid.SampledFrom([]int{1, 4, 64}).Draw(t, "window"),
			rapid.SampledFrom([]string{"adaptive", "fixed"}).Draw(t, "rto"), rapid.SampledFrom([]int{0, 3}).Draw(t, "max retries"),
			rapid.SampledFrom([]string{"unlimited", "20/s"}).Draw(t, "consume"), rapid.SampledFrom([]string{"60s", "1s"}).Draw(t, "time wait"),
			rapid.SampledFrom([]string{"60s", "2s"}).Draw(t, "fin timeout"))
	}
	steps := func(t *rapid.T) []string {
		var out []string
		for range rapid.IntRange(1, 3).Draw(t, "steps") {
			out = append(out, fmt.Sprintf("{op: send, to: %s, count: %d, size: %dB, interval: %s%s%s}",
				rapid.SampledFrom([]string{"S", "B"}).Draw(t, "to"), rapid.IntRange(1, 3).Draw(t, "count"),
				rapid.SampledFrom([]int{1, 100, 1500}).Draw(t, "size"), rapid.SampledFrom([]string{"0s", "10ms"}).Draw(t, "interval"),
				rapid.SampledFrom([]string{"", "", "", ", close: true"}).Draw(t, "close"), chance(t)))
		}
		return out
	}
	row := func(t *rapid.T, at time.Duration) string {
		return fmt.Sprintf("{at: %s, op: send, from: A, to: %s, count: %d}", ms(at), rapid.SampledFrom([]string{"S", "B"}).Draw(t, "row to"), rapid.IntRange(1, 3).Draw(t, "row count"))
	}
	return steps, row
}

// genRPCSystem draws rpc's options and call steps to server S, every
// procedure of the demo with args it takes.
func genRPCSystem(t *rapid.T, b *strings.Builder) (func(*rapid.T) []string, func(*rapid.T, time.Duration) string) {
	fmt.Fprintf(b, "systems: [rpc]\nrpc: {transport: %s, semantics: %s, max_attempts: %d, workers: %d}\n",
		rapid.SampledFrom([]string{"udp", "reliable"}).Draw(t, "transport"),
		rapid.SampledFrom([]string{"at_least_once", "at_most_once"}).Draw(t, "semantics"),
		rapid.SampledFrom([]int{0, 3}).Draw(t, "max attempts"), rapid.IntRange(1, 2).Draw(t, "workers"))
	call := func(t *rapid.T) string {
		return rapid.SampledFrom([]string{"proc: increment", "proc: read", "proc: append, args: x", "proc: sleep, args: 300ms"}).Draw(t, "proc")
	}
	steps := func(t *rapid.T) []string {
		var out []string
		for range rapid.IntRange(1, 3).Draw(t, "steps") {
			out = append(out, "{op: call, server: S, "+call(t)+chance(t)+"}")
		}
		return out
	}
	row := func(t *rapid.T, at time.Duration) string {
		return fmt.Sprintf("{at: %s, op: call, client: A, server: S, %s}", ms(at), call(t))
	}
	return steps, row
}

// gen2PCSystem draws two-phase commit's options and commit steps: each
// iteration a transaction of its client, the coordinator.
func gen2PCSystem(t *rapid.T, b *strings.Builder) (func(*rapid.T) []string, func(*rapid.T, time.Duration) string) {
	fmt.Fprintf(b, "systems: [two_phase_commit]\ntwo_phase_commit: {vote_timeout: %s, retries: %d, cooperative: %v}\n",
		rapid.SampledFrom([]string{"200ms", "1s"}).Draw(t, "vote timeout"), rapid.IntRange(1, 3).Draw(t, "retries"), rapid.Bool().Draw(t, "cooperative"))
	steps := func(t *rapid.T) []string {
		out := []string{"{op: commit}"}
		if rapid.Bool().Draw(t, "second commit") {
			out = append(out, "{op: commit"+chance(t)+"}")
		}
		return out
	}
	row := func(_ *rapid.T, at time.Duration) string {
		return fmt.Sprintf("{at: %s, op: commit, client: A}", ms(at))
	}
	return steps, row
}

// genFileSystems draws nfs, afs or both, their options and steps of
// every op both take (and with nfs alone, of nfs's own ops too): blocks
// of steps that are each valid in an iteration, an fd opened and closed
// within its block.
func genFileSystems(t *rapid.T, b *strings.Builder) (func(*rapid.T) []string, func(*rapid.T, time.Duration) string) {
	systems := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"nfs", "afs"}), 1, 2, rapid.ID[string]).Draw(t, "systems")
	nfsOnly := len(systems) == 1 && systems[0] == "nfs"
	fmt.Fprintf(b, "systems: [%s]\n", strings.Join(systems, ", "))
	if rapid.Bool().Draw(t, "options") {
		fmt.Fprintf(b, "nfs: {write_policy: %s, attr_timeout: %s, drc: %v, mount: %s}\nafs: {mode: %s, callback_lifetime: %s, client_crash: %s}\n",
			rapid.SampledFrom([]string{"write_through", "buffered", "nvram"}).Draw(t, "write policy"),
			rapid.SampledFrom([]string{"0s", "3s"}).Draw(t, "attr timeout"), rapid.Bool().Draw(t, "drc"),
			rapid.SampledFrom([]string{"hard", "soft"}).Draw(t, "mount"),
			rapid.SampledFrom([]string{"callbacks", "prototype"}).Draw(t, "afs mode"),
			rapid.SampledFrom([]string{"openafs", "10s"}).Draw(t, "callback lifetime"),
			rapid.SampledFrom([]string{"recheck", "evict_all"}).Draw(t, "client crash"))
	}
	// choose: own is per client always, and says so if told per: iteration.
	choose := rapid.SampledFrom([]string{"uniform", "zipf, s: 1.5", "own"}).Draw(t, "choose")
	per := "client"
	if choose != "own" {
		per = rapid.SampledFrom([]string{"iteration", "client"}).Draw(t, "per")
	}
	fmt.Fprintf(b, "files:\n  shared: [a, b]\n  d/x: [c]\n  lib/f: {count: %d, choose: %s, per: %s, blocks: [a, b]}\n",
		rapid.IntRange(1, 4).Draw(t, "files"), choose, per)
	steps := func(t *rapid.T) []string {
		var out []string
		for k := range rapid.IntRange(1, 3).Draw(t, "blocks") {
			out = append(out, genFileBlock(t, k, nfsOnly)...)
		}
		return out
	}
	row := func(t *rapid.T, at time.Duration) string {
		return fmt.Sprintf("{at: %s, client: A, %s}", ms(at), rapid.SampledFrom([]string{"op: stat, file: shared", "op: mkdir, file: e", "op: remove, file: d/x"}).Draw(t, "row op"))
	}
	return steps, row
}

// genFileBlock draws one block of file steps, its names numbered k so
// that two blocks of one iteration do not open an fd twice.
func genFileBlock(t *rapid.T, k int, nfsOnly bool) []string {
	kinds := []string{"fd", "fd", "stat", "create", "mkdir"}
	if nfsOnly {
		kinds = append(kinds, "rename", "link", "symlink", "readdir", "truncate", "statfs")
	}
	fd := fmt.Sprintf("f%d", k)
	switch rapid.SampledFrom(kinds).Draw(t, "block") {
	case "fd":
		file := rapid.SampledFrom([]string{"shared", "lib/f", "d/x"}).Draw(t, "file")
		out := []string{fmt.Sprintf("{op: open, file: %s, fd: %s}", file, fd)}
		for range rapid.IntRange(0, 3).Draw(t, "uses") {
			use := rapid.SampledFrom([]string{"read, fd: %s, block: 0", "read, fd: %s, block: 1", "write, fd: %s, block: 1", "write, fd: %s, block: 0, data: z",
				"append, fd: %s", "seek, fd: %s, block: 1"}).Draw(t, "use")
			out = append(out, "{op: "+fmt.Sprintf(use, fd)+chance(t)+"}")
		}
		return append(out, fmt.Sprintf("{op: close, fd: %s}", fd))
	case "stat":
		return []string{"{op: stat, file: " + rapid.SampledFrom([]string{"shared", "lib/f", "d/x"}).Draw(t, "stat file") + chance(t) + "}"}
	case "create":
		name := fmt.Sprintf("tmp%d", k)
		if rapid.Bool().Draw(t, "create with fd") {
			return []string{fmt.Sprintf("{op: create, file: %s, fd: %s}", name, fd), fmt.Sprintf("{op: write, fd: %s, block: 0}", fd),
				fmt.Sprintf("{op: close, fd: %s}", fd), fmt.Sprintf("{op: remove, file: %s%s}", name, chance(t))}
		}
		return []string{fmt.Sprintf("{op: create, file: %s%s}", name, chance(t)), fmt.Sprintf("{op: remove, file: %s}", name)}
	case "mkdir":
		dir := fmt.Sprintf("dir%d", k)
		if nfsOnly {
			return []string{"{op: mkdir, file: " + dir + "}", "{op: rmdir, file: " + dir + chance(t) + "}"}
		}
		return []string{"{op: mkdir, file: " + dir + chance(t) + "}"}
	case "rename":
		return []string{fmt.Sprintf("{op: create, file: mv%d}", k), fmt.Sprintf("{op: rename, file: mv%d, to: moved%d}", k, k), fmt.Sprintf("{op: remove, file: moved%d%s}", k, chance(t))}
	case "link":
		return []string{fmt.Sprintf("{op: link, file: shared, to: ln%d}", k), fmt.Sprintf("{op: remove, file: ln%d%s}", k, chance(t))}
	case "symlink":
		return []string{fmt.Sprintf("{op: symlink, file: shared, to: sl%d}", k), fmt.Sprintf("{op: readlink, file: sl%d}", k), fmt.Sprintf("{op: remove, file: sl%d}", k)}
	case "readdir":
		return []string{"{op: readdir, file: " + rapid.SampledFrom([]string{"/", "d"}).Draw(t, "dir") + chance(t) + "}"}
	case "truncate":
		return []string{"{op: truncate, file: d/x, size: " + rapid.SampledFrom([]string{"0", "8KiB", "100B"}).Draw(t, "size") + chance(t) + "}"}
	default:
		return []string{"{op: statfs" + rapid.SampledFrom([]string{"", ", file: shared"}).Draw(t, "statfs file") + "}"}
	}
}

// genProgramFaults draws faults at times inside the span, after
// genScenario's crash at 1s and restart at 2s: crashes and restarts of
// the nodes (servers and program clients), blocks and unblocks,
// partitions, a change of the network and, for two-phase commit, a
// participant that votes no. A node is crashed again only after its
// restart.
func genProgramFaults(t *rapid.T, span progSpan, nodes []string, twoPC bool) []string {
	from := max(span.start, 2500*time.Millisecond)
	if span.until <= from+time.Second {
		return nil
	}
	at := func(label string, lo time.Duration) time.Duration {
		return lo + time.Duration(rapid.IntRange(0, int((span.until-lo).Milliseconds())).Draw(t, label))*time.Millisecond
	}
	up := map[string]time.Duration{} // when each node is up again
	var out []string
	for range rapid.IntRange(0, 4).Draw(t, "faults") {
		kinds := []string{"crash", "crash", "block", "partition", "network"}
		if twoPC {
			kinds = append(kinds, "vote_no")
		}
		x := rapid.SampledFrom(nodes).Draw(t, "fault node")
		y := rapid.SampledFrom(nodes).Draw(t, "other node")
		t1 := at("fault at", from)
		t2 := at("fault end", t1)
		switch rapid.SampledFrom(kinds).Draw(t, "fault") {
		case "crash":
			if t1 < up[x] {
				continue
			}
			out = append(out, fmt.Sprintf("  - {at: %s, crash: %s}\n", ms(t1), x))
			up[x] = time.Hour
			if rapid.Bool().Draw(t, "restart") || t2 == t1 {
				out = append(out, fmt.Sprintf("  - {at: %s, restart: %s}\n", ms(t2+time.Millisecond), x))
				up[x] = t2 + 2*time.Millisecond
			}
		case "block":
			if x == y {
				continue
			}
			out = append(out, fmt.Sprintf("  - {at: %s, block: {from: %s, to: %s}}\n  - {at: %s, unblock: {from: %s, to: %s}}\n", ms(t1), x, y, ms(t2), x, y))
		case "partition":
			if x == y {
				continue
			}
			out = append(out, fmt.Sprintf("  - {at: %s, partition: [[%s], [%s]], heal_at: %s}\n", ms(t1), x, y, ms(t2+time.Millisecond)))
		case "network":
			out = append(out, fmt.Sprintf("  - {at: %s, network: {loss: %s}}\n", ms(t1), rapid.SampledFrom([]string{"0", "0.5"}).Draw(t, "new loss")))
		default:
			out = append(out, fmt.Sprintf("  - {at: %s, vote_no: %s}\n", ms(t1), rapid.SampledFrom([]string{"P1", "P2", "P3"}).Draw(t, "voter")))
		}
	}
	return out
}

// TestPropertyProgramDeterministic runs each drawn program workload
// twice, from two loads of its text, with a drawn seed: the JSON results
// (the program steps kept, as --steps keeps them, with their times,
// results and calls) and every run's trace hash must be identical.
func TestPropertyProgramDeterministic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var b strings.Builder
		var g generated
		b.WriteString("name: gen\nlimits: {max_time: 2m, max_events: 50000}\n")
		genProgramWorkload(t, &b, &g, false)
		if len(g.faults) > 0 {
			b.WriteString("faults:\n" + strings.Join(g.faults, ""))
		}
		seed := rapid.Uint64().Draw(t, "seed")
		var out [2]bytes.Buffer
		var hashes [2][]string
		for i := range out {
			sc, err := scenarios.Load("gen.yaml", []byte(b.String()))
			if err != nil {
				t.Fatalf("Load refuses a valid scenario: %v\n%s", err, b.String())
			}
			bound(sc)
			res, _, err := scenarios.Run(sc, scenarios.Options{Seed: &seed, KeepSteps: 100_000})
			if err != nil {
				t.Fatalf("Run: %v\n%s", err, b.String())
			}
			if err := report.Write(&out[i], res, "json"); err != nil {
				t.Fatalf("the JSON result: %v", err)
			}
			for _, s := range res.Systems {
				hashes[i] = append(hashes[i], s.Label()+" "+s.TraceHash)
			}
		}
		if !bytes.Equal(out[0].Bytes(), out[1].Bytes()) {
			t.Fatalf("two runs of one scenario with seed %d give different JSON\n%s", seed, b.String())
		}
		if strings.Join(hashes[0], ",") != strings.Join(hashes[1], ",") {
			t.Fatalf("two runs of one scenario with seed %d give different traces: %v and %v\n%s", seed, hashes[0], hashes[1], b.String())
		}
	})
}
