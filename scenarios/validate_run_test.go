package scenarios_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/sim/simtest"
)

func init() { simtest.ReproducibleProperties() }

// `sim validate` accepts a file exactly when `sim run` does not refuse it
// as bad input. Both load the file the same way (Load); run then runs it,
// and a run fails only for a bug (exit 3), never for the input. So the
// property is: whatever Load accepts, Run runs without an error; and
// whatever only a run could once tell (a check a driver made), Load
// refuses.

// edgeCases are valid files at the edges of what the loader checks for
// the systems (the largest datagram, the largest call, a tree that is
// just legal, a fault on a node that exists for another reason): each
// must load and run without an error.
var edgeCases = []struct{ name, in string }{
	{"the largest UDP datagram", strings.Replace(msgBase, "to: B}", "to: B, size: 65507B}", 1)},
	{"the largest reliable message", strings.Replace(strings.Replace(msgBase, "[udp]", "[reliable, pipe, socket]", 1), "to: B}", "to: B, size: 65487B}", 1)},
	{"a pipe carries more than a datagram", strings.Replace(strings.Replace(msgBase, "[udp]", "[pipe, socket]", 1), "to: B}", "to: B, size: 1MiB}", 1)},
	{"a large call over the reliable transport", "name: t\nsystems: [rpc]\nrpc: {transport: reliable}\nworkload:\n  - {at: 0, op: call, client: A, server: S, proc: append, args: " + strings.Repeat("x", 65400) + "}\n"},
	{"the longest sleep", "name: t\nsystems: [rpc]\nlimits: {max_time: 10s}\nworkload:\n  - {at: 5s, op: call, client: A, server: S, proc: sleep, args: 1000000h}\n"},
	{"a sleep in bare seconds", "name: t\nsystems: [rpc]\nworkload:\n  - {at: 0, op: call, client: A, server: S, proc: sleep, args: 0.25}\n"},
	{"agree between two generals", "name: t\nsystems: [two_generals]\nworkload:\n  - {at: 0, op: agree, from: A, to: B, count: 3}\n"},
	{"nfs files side by side in directories", strings.Replace(fsBase, "{fileA: {blocks: [a]}}", "{fileA: [a], d/x: [b], d/y: [c], d/e/z: [d]}", 1)},
	{"nfs one name on two servers", "name: t\nsystems: [nfs]\nnfs: {mounts: [{on: /, server: server}, {on: /b, server: backup}]}\nfiles: {x: [1], b/x: [2]}\nworkload:\n  - {at: 0, client: A, op: stat, file: b/x}\n"},
	{"a block of exactly 8 KiB", strings.Replace(fsBase, "blocks: [a]", "blocks: ["+strings.Repeat("a", 8192)+"]", 1)},
	{"afs: a file inside a file is two files", "name: t\nsystems: [afs]\nfiles: {a: [x], a/b: [y]}\nworkload:\n  - {at: 0, client: A, op: stat, file: a/b}\n"},
	{"afs: the largest file that fits", strings.Replace(afsBase, "[a]", "["+strings.Repeat(strings.Repeat("x", 8000)+", ", 8)+"]", 1)},
	{"a fault on a server no row names", fsBase + "faults:\n  - {at: 1, crash: server}\n  - {at: 2, restart: server}\n"},
	{"a fault on a declared node no row names", msgBase + "nodes: [A, B, C]\nfaults:\n  - {at: 1, crash: C}\n"},
	{"a fault on a mount server", "name: t\nsystems: [nfs]\nnfs: {mounts: [{on: /, server: s1}]}\nfiles: {x: [1]}\nworkload:\n  - {at: 0, client: A, op: stat, file: x}\nfaults:\n  - {at: 1, crash: s1}\n"},
	{"a fault on the target of a moved volume", afsBase + "faults:\n  - {at: 1, move_volume: /, to: s2}\n  - {at: 2, crash: s2}\n"},
	{"a partition of the nodes the rows name", msgBase + "faults:\n  - {at: 1, partition: [[A], [B]], heal_at: 2}\n  - {at: 3, link: {from: \"*\", to: B, loss: 0.5}}\n"},
}

// TestValidateAgreesWithRun checks the property on every built-in
// scenario, every bad input of the loader's tests (which include the
// checks only a driver once made) and the edge cases above.
func TestValidateAgreesWithRun(t *testing.T) {
	for _, name := range scenarios.BuiltInNames() {
		sc, err := scenarios.Open(name)
		if err != nil {
			t.Errorf("built-in %s does not load: %v", name, err)
			continue
		}
		if _, _, err := scenarios.Run(sc, scenarios.Options{}); err != nil {
			t.Errorf("built-in %s loads, but Run fails: %v", name, err)
		}
	}
	for _, tc := range errorCases {
		if _, err := scenarios.Load("case.yaml", []byte(tc.in)); err == nil {
			t.Errorf("%s: Load accepts it; want it refused", tc.name)
		}
	}
	for _, tc := range edgeCases {
		sc, err := scenarios.Load("edge.yaml", []byte(tc.in))
		if err != nil {
			t.Errorf("%s: Load: %v", tc.name, err)
			continue
		}
		bound(sc)
		if _, _, err := scenarios.Run(sc, scenarios.Options{}); err != nil {
			t.Errorf("%s: loads, but Run fails: %v", tc.name, err)
		}
	}
}

// TestPropertyValidateEqualsRun generates scenarios of every system whose
// parts are, each on purpose, valid or not in the ways only a system can
// tell (a datagram too large, a procedure the demo does not have, args it
// does not take, an agreement with oneself, an NFS tree with a file in a
// file, an AFS file too large to fetch, a node named only in faults), and
// knows which. Load must accept exactly the valid ones, and Run must run
// every one Load accepts without an error.
func TestPropertyValidateEqualsRun(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := genScenario(t)
		sc, err := scenarios.Load("gen.yaml", []byte(g.text))
		switch {
		case err == nil && len(g.bad) > 0:
			t.Fatalf("Load accepts a scenario with %s:\n%s", strings.Join(g.bad, "; "), g.text)
		case err != nil && len(g.bad) == 0:
			t.Fatalf("Load refuses a valid scenario: %v\n%s", err, g.text)
		case err != nil && g.wantErr != "" && !strings.Contains(err.Error(), g.wantErr):
			t.Fatalf("Load refuses a scenario with %s, but says %q; want it to say %q", strings.Join(g.bad, "; "), err, g.wantErr)
		case err != nil:
			var list scenarios.ErrorList
			if !errors.As(err, &list) || strings.Contains(err.Error(), "internal error") {
				t.Fatalf("Load error %v; want an ErrorList of positioned problems", err)
			}
			return
		}
		bound(sc)
		if _, _, err := scenarios.Run(sc, scenarios.Options{}); err != nil {
			t.Fatalf("Load accepts it, but Run fails: %v\n%s", err, g.text)
		}
	})
}

// generated is a scenario's text and what is wrong with it on purpose.
type generated struct {
	text string
	bad  []string
	// wantErr, when not empty, is part of the error Load must give.
	wantErr string
	// faults are fault lines the family drew, put before genScenario's.
	faults []string
}

// genScenario draws one scenario of one kind of system.
func genScenario(t *rapid.T) generated {
	var g generated
	var b strings.Builder
	b.WriteString("name: gen\nlimits: {max_time: 2m, max_events: 50000}\n")
	var nodes []string
	switch rapid.IntRange(0, 4).Draw(t, "family") {
	case 0:
		nodes = genMessaging(t, &b, &g)
	case 1:
		nodes = genRPC(t, &b, &g)
	case 2:
		nodes = genGenerals(t, &b, &g)
	case 3:
		nodes = genFiles(t, &b, &g)
	default:
		nodes = genProgramWorkload(t, &b, &g, true)
	}
	// Faults on nodes the scenario has, and maybe on one it does not.
	faults := g.faults
	if rapid.Bool().Draw(t, "crash") {
		n := rapid.SampledFrom(nodes).Draw(t, "crashed")
		faults = append(faults, fmt.Sprintf("  - {at: 1s, crash: %s}\n  - {at: 2s, restart: %s}\n", n, n))
	}
	if rapid.Bool().Draw(t, "stray") {
		n := rapid.SampledFrom([]string{"Aa", "D", "serevr", "Z9"}).Draw(t, "stray node")
		switch rapid.IntRange(0, 2).Draw(t, "stray kind") {
		case 0:
			faults = append(faults, fmt.Sprintf("  - {at: 3s, crash: %s}\n", n))
		case 1:
			faults = append(faults, fmt.Sprintf("  - {at: 3s, partition: [[A], [%s]]}\n", n))
		default:
			faults = append(faults, fmt.Sprintf("  - {at: 3s, block: {from: %s, to: A}}\n", n))
		}
		g.bad = append(g.bad, "a node named only in faults")
	}
	if len(faults) > 0 {
		b.WriteString("faults:\n" + strings.Join(faults, ""))
	}
	g.text = b.String()
	return g
}

// genMessaging draws send rows for some of the messaging systems, with
// sizes around each one's datagram limit.
func genMessaging(t *rapid.T, b *strings.Builder, g *generated) (nodes []string) {
	systems := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"pipe", "socket", "udp", "reliable"}), 1, 4, rapid.ID[string]).Draw(t, "systems")
	limit := 16 << 20
	for _, s := range systems {
		switch s {
		case "udp":
			limit = min(limit, 65507)
		case "reliable":
			limit = min(limit, 65487)
		}
	}
	fmt.Fprintf(b, "systems: [%s]\n", strings.Join(systems, ", "))
	if slices.Contains(systems, "reliable") {
		// A rate the key's syntax allows but the transport refuses
		// (a message would take longer than a duration holds).
		rate := rapid.SampledFrom([]string{"unlimited", "20/s", "10KB/s", "1e-30/s"}).Draw(t, "consume")
		if rate == "1e-30/s" {
			g.bad = append(g.bad, "a consume rate the transport refuses")
		}
		fmt.Fprintf(b, "reliable: {consume: %s}\n", rate)
	}
	b.WriteString("workload:\n")
	for i := range rapid.IntRange(1, 3).Draw(t, "rows") {
		from, to := "A", rapid.SampledFrom([]string{"B", "C", "A"}).Draw(t, "to")
		size := rapid.SampledFrom([]int{1, 100, 65487, 65488, 65507, 65508, 70000}).Draw(t, "size")
		if to == from {
			g.bad = append(g.bad, "a send to itself")
		}
		if size > limit {
			g.bad = append(g.bad, fmt.Sprintf("a %d-byte message over %v", size, systems))
		}
		fmt.Fprintf(b, "  - {at: %d, op: send, from: %s, to: %s, size: %dB, count: %d}\n", i, from, to, size, rapid.IntRange(1, 3).Draw(t, "count"))
		nodes = append(nodes, from, to)
	}
	return nodes
}

// genRPC draws call rows: procedures of the demo or not, args each takes
// or not, calls around the transport's limit.
func genRPC(t *rapid.T, b *strings.Builder, g *generated) (nodes []string) {
	transport := rapid.SampledFrom([]string{"udp", "reliable"}).Draw(t, "transport")
	fmt.Fprintf(b, "systems: [rpc]\nrpc: {transport: %s, max_attempts: 3}\nworkload:\n", transport)
	// The sizes of append's args whose CALL is just under and just over
	// each transport's limit: a UDP datagram's 65507 bytes, the reliable
	// transport's 65487 less the 4-byte record mark (RFC 5531 §11). What
	// a call adds to its args is the RPC layer's to say (its headers and
	// the client's AUTH_SYS name), for args whose length is a multiple of
	// 4: the empty string's length word is the 4.
	empty, _ := rpc.DemoArgs(rpc.ProcAppend, "")
	overhead := rpc.CallSize(rpc.DemoAppend, "A", empty) - 4
	for i := range rapid.IntRange(1, 3).Draw(t, "rows") {
		server := rapid.SampledFrom([]string{"S", "S", "A"}).Draw(t, "server")
		if server == "A" {
			g.bad = append(g.bad, "a call to itself")
		}
		nodes = append(nodes, "A", server)
		row := fmt.Sprintf("  - {at: %d, op: call, client: A, server: %s", i, server)
		switch proc := rapid.SampledFrom([]string{"increment", "read", "append", "sleep", "incremnt", "frobnicate"}).Draw(t, "proc"); proc {
		case "increment", "read":
			if rapid.Bool().Draw(t, "with args") {
				row += ", proc: " + proc + ", args: lots"
				g.bad = append(g.bad, proc+" with args")
			} else {
				row += ", proc: " + proc
			}
		case "append":
			n := rapid.SampledFrom([]int{0, 1, 65483 - overhead - 4, 65483 - overhead + 4, 65507 - overhead - 3, 65507 - overhead + 1}).Draw(t, "append size")
			limit := 65507
			if transport == "reliable" {
				limit = 65483
			}
			if 4+n+(4-n%4)%4+overhead > limit {
				g.bad = append(g.bad, fmt.Sprintf("a call of %d bytes over %s", n+overhead, transport))
			}
			row += ", proc: append, args: " + strings.Repeat("x", n)
			if n == 0 {
				row += "\"\""
			}
		case "sleep":
			arg := rapid.SampledFrom([]string{"10ms", "0.5", "1000000h", "-5s", "1e300", "soon", ""}).Draw(t, "sleep args")
			switch arg {
			case "-5s", "1e300", "soon", "":
				g.bad = append(g.bad, "sleep "+arg)
			}
			if arg == "" {
				row += ", proc: sleep"
			} else {
				row += ", proc: sleep, args: " + arg
			}
		default:
			row += ", proc: " + proc
			g.bad = append(g.bad, "procedure "+proc)
		}
		b.WriteString(row + "}\n")
	}
	return nodes
}

// genGenerals draws agree rows, some between a general and itself.
func genGenerals(t *rapid.T, b *strings.Builder, g *generated) (nodes []string) {
	b.WriteString("systems: [two_generals]\nworkload:\n")
	for i := range rapid.IntRange(1, 3).Draw(t, "rows") {
		to := rapid.SampledFrom([]string{"B", "C", "A"}).Draw(t, "to")
		if to == "A" {
			g.bad = append(g.bad, "an agreement with oneself")
		}
		fmt.Fprintf(b, "  - {at: %d, op: agree, from: A, to: %s, count: %d}\n", i, to, rapid.IntRange(1, 4).Draw(t, "messengers"))
		nodes = append(nodes, "A", to)
	}
	return nodes
}

// genFiles draws an initial tree for nfs, afs or both: a file inside
// another (which NFS cannot format and AFS can hold), blocks around NFS's
// 8 KiB, files around what one AFS FETCH carries, names around 255 bytes.
func genFiles(t *rapid.T, b *strings.Builder, g *generated) (nodes []string) {
	systems := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"nfs", "afs"}), 1, 2, rapid.ID[string]).Draw(t, "systems")
	has := func(s string) bool { return strings.Contains(strings.Join(systems, " "), s) }
	fmt.Fprintf(b, "systems: [%s]\nfiles:\n  f: [x]\n", strings.Join(systems, ", "))
	paths := map[string]bool{}
	for _, p := range rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"a", "a/b", "c", "d/e", strings.Repeat("n", 255), strings.Repeat("n", 256)}), 0, 4, rapid.ID[string]).Draw(t, "paths") {
		paths[p] = true
		block := rapid.SampledFrom([]int{1, 8192, 8193}).Draw(t, "block size")
		blocks := rapid.IntRange(1, 9).Draw(t, "blocks")
		if block == 8193 && has("nfs") {
			g.bad = append(g.bad, "an NFS block over 8 KiB")
		}
		if len(p) > 255 {
			g.bad = append(g.bad, "a name over 255 bytes")
		}
		// The blocks' XDR strings (4 bytes of length, the bytes padded
		// to 4) in the FETCH reply; the rest of the message is a few
		// hundred bytes, and the choices above keep every file far
		// from the limit one way or the other.
		if has("afs") && len(p) <= 255 && blocks*(4+(block+3)&^3) > 60000 {
			g.bad = append(g.bad, "an AFS file too large to fetch")
		}
		fmt.Fprintf(b, "  %s: [%s]\n", p, strings.TrimSuffix(strings.Repeat(strings.Repeat("y", block)+", ", blocks), ", "))
	}
	if paths["a"] && paths["a/b"] && has("nfs") {
		g.bad = append(g.bad, "an NFS file inside a file")
	}
	b.WriteString("workload:\n  - {at: 0, client: A, op: open, file: f, fd: h}\n  - {at: 1, client: B, op: stat, file: f}\n  - {at: 2, client: A, op: close, fd: h}\n")
	return []string{"A", "B", "server"}
}
