package scenarios_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sim-lecture/sim/netmodel"
	"github.com/sim-lecture/sim/protocols/afs/afsdriver"
	"github.com/sim-lecture/sim/protocols/messaging/messagingdriver"
	"github.com/sim-lecture/sim/protocols/nfs/nfsdriver"
	"github.com/sim-lecture/sim/protocols/reliable/reliabledriver"
	"github.com/sim-lecture/sim/protocols/rpc/rpcdriver"
	"github.com/sim-lecture/sim/scenarios"
)

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// blocks returns every registered block's defaults, with the values of
// over instead for the blocks it names.
func blocks(over map[string]any) map[string]any {
	out := map[string]any{}
	for _, b := range scenarios.Blocks() {
		out[b.Name] = b.New()
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// cmpScenario compares scenarios, nil and empty slices alike.
var cmpScenario = cmpopts.EquateEmpty()

// TestLoadNFSvsAFS loads the lecture's closing table and compares every
// field with what the file says (and the defaults where it says nothing).
func TestLoadNFSvsAFS(t *testing.T) {
	got, err := scenarios.LoadFile("testdata/load/nfs_vs_afs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := time.Second
	row := func(i, line int, at time.Duration, client, op, fd string, block int) scenarios.Step {
		st := scenarios.Step{Pos: scenarios.Pos{line, 5}, Index: i, At: at, Op: op, Client: client, FD: fd, File: "fileA"}
		if op == "read" || op == "write" {
			st.Block, st.HasBlock = block, true
		}
		return st
	}
	write := row(6, 23, 50*s, "B", "write", "f", 1)
	write.Data, write.HasData = "b1-new", true
	want := &scenarios.Scenario{
		File:        "testdata/load/nfs_vs_afs.yaml",
		Name:        "nfs_vs_afs",
		Description: "When does the server get contacted, under NFS and under AFS?",
		Seed:        1,
		Systems:     []string{"nfs", "afs"},
		Network:     netmodel.Config{Default: netmodel.DefaultParams()},
		Nodes: []scenarios.Node{
			{Name: "server"},
			{Name: "A", Pos: scenarios.Pos{17, 23}},
			{Name: "B", Pos: scenarios.Pos{22, 23}},
		},
		Blocks: blocks(map[string]any{"afs": &afsdriver.Options{
			Volumes:     []afsdriver.Volume{{Path: "/", Server: "server", Pos: scenarios.Pos{13, 13}, ServerPos: scenarios.Pos{13, 16}}},
			VLDB:        "server",
			ClientCrash: "recheck",
			Mode:        "callbacks",
		}}),
		Disk:   scenarios.DefaultDisk(),
		Limits: scenarios.DefaultLimits(),
		Report: scenarios.DefaultReport(),
		Files:  []scenarios.File{{Path: "fileA", Blocks: []string{"a1", "a2", "a3"}, Pos: scenarios.Pos{15, 3}}},
		Workload: []scenarios.Step{
			row(0, 17, 0, "A", "open", "f", 0),
			row(1, 18, 10*s, "A", "read", "f", 1),
			row(2, 19, 20*s, "A", "read", "f", 2),
			row(3, 20, 30*s, "A", "read", "f", 1),
			row(4, 21, 31*s, "A", "read", "f", 2),
			row(5, 22, 40*s, "B", "open", "f", 0),
			write,
			row(7, 24, 60*s, "A", "read", "f", 1),
			row(8, 25, 70*s, "B", "close", "f", 0),
			row(9, 26, 80*s, "A", "read", "f", 1),
			row(10, 27, 81*s, "A", "read", "f", 2),
			row(11, 28, 90*s, "A", "close", "f", 0),
			row(12, 29, 100*s, "A", "open", "f", 0),
			row(13, 30, 110*s, "A", "read", "f", 1),
			row(14, 31, 120*s, "A", "close", "f", 0),
		},
		Expect: []scenarios.Expectation{
			{Pos: scenarios.Pos{34, 5}, System: "nfs", Step: 9, Stream: -1, Calls: &[]string{"GETATTR", "READ"}},
			{Pos: scenarios.Pos{35, 5}, System: "afs", Step: 12, Stream: -1, Calls: &[]string{"FETCH"}},
			{Pos: scenarios.Pos{36, 5}, Step: 13, Stream: -1, Value: ptr("b1-new")},
			{Pos: scenarios.Pos{37, 5}, System: "nfs", Step: -1, Stream: -1, File: "fileA", Blocks: []string{"a1", "b1-new", "a3"}},
		},
	}
	// The network block sets the default delay again.
	want.Network.Default.Delay = netmodel.Delay{Kind: netmodel.Constant, Value: 5 * time.Millisecond}
	if diff := cmp.Diff(want, got, cmpScenario); diff != "" {
		t.Errorf("Load(nfs_vs_afs.yaml) mismatch (-want +got):\n%s", diff)
	}
}

// TestLoadEverything loads a file that sets every key to something other
// than its default.
func TestLoadEverything(t *testing.T) {
	got, err := scenarios.LoadFile("testdata/load/everything.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, ms := time.Second, time.Millisecond
	want := &scenarios.Scenario{
		File:        "testdata/load/everything.yaml",
		Name:        "every-key_1",
		Description: "Every option, fault kind and expectation form",
		Seed:        42,
		Systems:     []string{"nfs", "afs"},
		Network: netmodel.Config{
			Default: netmodel.Params{
				Delay:        netmodel.Delay{Kind: netmodel.Uniform, Min: 1 * ms, Max: 20 * ms},
				Bandwidth:    10e6,
				Loss:         0.1,
				Duplicate:    0.05,
				Reorder:      0.2,
				ReorderDelay: 40 * ms,
				Corrupt:      0.01,
			},
			Links: []netmodel.LinkPatch{
				{From: "A", To: "server", Patch: netmodel.Patch{Loss: ptr(0.3)}},
				{From: "*", To: "B", Patch: netmodel.Patch{Delay: &netmodel.Delay{Kind: netmodel.Normal, Mean: 10 * ms, Stddev: 2 * ms}}},
			},
		},
		Nodes: []scenarios.Node{
			{Name: "A", Pos: scenarios.Pos{18, 9}},
			{Name: "B", Pos: scenarios.Pos{18, 19}},
			{Name: "server", Pos: scenarios.Pos{18, 23}},
			{Name: "server2", Pos: scenarios.Pos{32, 31}},
			{Name: "server3", Pos: scenarios.Pos{67, 38}},
		},
		Blocks: blocks(map[string]any{"pipe": &messagingdriver.PipeOptions{Delay: 2 * ms, Bandwidth: 1e9},
			"nfs": &nfsdriver.Options{
				AttrTimeout:   0,
				WritePolicy:   "buffered",
				FlushInterval: 10 * s,
				API:           "stateful_fds",
				CacheBlocks:   2,
				Mount:         "soft",
				Retrans:       5,
				Timeout:       500 * ms,
				DRC:           true,
				DRCCache:      "non_idempotent",
				Append:        true,
				Portmapper:    true,
			},
			"afs": &afsdriver.Options{
				Volumes: []afsdriver.Volume{
					{Path: "/", Server: "server", Pos: scenarios.Pos{32, 13}, ServerPos: scenarios.Pos{32, 16}},
					{Path: "/home", Server: "server2", Pos: scenarios.Pos{32, 24}, ServerPos: scenarios.Pos{32, 31}},
				},
				VLDB:          "server",
				VLDBPos:       scenarios.Pos{33, 9},
				CallbackLimit: 100,
				ClientCrash:   "evict_all",
				Mode:          "callbacks",
			},
			"reliable": &reliabledriver.Options{Window: 1, RTO: "fixed", FixedTimeout: 300 * ms, MinRTO: s, MaxRTO: 2 * time.Minute,
				InitialRTO: 3 * s, Granularity: 10 * ms, MaxRetries: 5, Timestamps: false, SACK: false, FastRetransmit: true, RACK: false,
				CongestionControl: "false", MSS: 1000, InitialCwnd: 4, RecvBuffer: 64 << 10, ConsumeRate: 20, TimeWait: 2 * s,
				FinTimeout: 90 * s},
			// ack_after follows the timeout when the file does not set it.
			"rpc": &rpcdriver.Options{Semantics: "at_most_once", Transport: "reliable", Timeout: 1500 * ms, Backoff: false, MaxTimeout: 10 * s,
				MaxAttempts: 4, Workers: 2, AckAfter: 1500 * ms, Auth: "sys", DRCCache: "non_idempotent"},
		}),
		Disk:   scenarios.DiskOptions{WriteLatency: 5 * ms, ReadLatency: ms},
		Limits: scenarios.Limits{MaxEvents: 5000, MaxTime: 10 * time.Minute, MaxBytesHeld: 1 << 20, MaxBytesMoved: 5_000_000, MaxTotalEvents: 20_000},
		Report: scenarios.DefaultReport(),
		Files: []scenarios.File{
			{Path: "fileA", Blocks: []string{"a1", "a2", "a3"}, Pos: scenarios.Pos{41, 3}},
			{Path: "home/notes", Blocks: []string{"n1"}, Pos: scenarios.Pos{42, 3}},
			{Path: "empty", Blocks: []string{}, Pos: scenarios.Pos{43, 3}},
		},
		Workload: []scenarios.Step{
			{Pos: scenarios.Pos{45, 5}, Index: 0, At: 0, Op: "open", Client: "A", File: "fileA", FD: "f"},
			{Pos: scenarios.Pos{46, 5}, Index: 1, At: s, Op: "write", Client: "A", FD: "f", File: "fileA", HasBlock: true},
			{Pos: scenarios.Pos{47, 5}, Index: 2, At: s, Op: "create", Client: "B", File: "home/new", FD: "g"},
			{Pos: scenarios.Pos{48, 5}, Index: 3, At: 1500 * ms, Op: "append", Client: "B", FD: "g", File: "home/new", Data: "7", HasData: true},
			{Pos: scenarios.Pos{49, 5}, Index: 4, At: 2 * s, Op: "seek", Client: "B", FD: "g", File: "home/new", HasBlock: true},
			{Pos: scenarios.Pos{50, 5}, Index: 5, At: 2 * s, Op: "read", Client: "B", FD: "g", File: "home/new", HasBlock: true},
			{Pos: scenarios.Pos{51, 5}, Index: 6, At: 3 * s, Op: "close", Client: "B", FD: "g", File: "home/new"},
			{Pos: scenarios.Pos{52, 5}, Index: 7, At: 3 * s, Op: "mkdir", Client: "A", File: "home/dir"},
			{Pos: scenarios.Pos{53, 5}, Index: 8, At: 4 * s, Op: "stat", Client: "A", File: "home/notes"},
			{Pos: scenarios.Pos{54, 5}, Index: 9, At: 5 * s, Op: "remove", Client: "A", File: "empty"},
			{Pos: scenarios.Pos{55, 5}, Index: 10, At: 6 * s, Op: "close", Client: "A", FD: "f", File: "fileA"},
		},
		Faults: []scenarios.Fault{
			{Pos: scenarios.Pos{57, 5}, At: 20 * s, Kind: "heal"},
			{Pos: scenarios.Pos{58, 5}, At: 10 * s, Kind: "crash", Node: "server"},
			{Pos: scenarios.Pos{59, 5}, At: 11 * s, Kind: "restart", Node: "server"},
			{Pos: scenarios.Pos{60, 5}, At: 12 * s, Kind: "partition", Groups: [][]string{{"A"}, {"server", "B"}}, HealAt: 14 * s, HasHeal: true},
			{Pos: scenarios.Pos{61, 5}, At: 13 * s, Kind: "low_memory", Node: "server"},
			{Pos: scenarios.Pos{62, 5}, At: 15 * s, Kind: "flush", Node: "server"},
			{Pos: scenarios.Pos{63, 5}, At: 16 * s, Kind: "network", Patch: netmodel.Patch{Loss: ptr(0.5)}},
			{Pos: scenarios.Pos{64, 5}, At: 17 * s, Kind: "link", From: "A", To: "*", Patch: netmodel.Patch{Delay: &netmodel.Delay{Kind: netmodel.Constant, Value: 50 * ms}}},
			{Pos: scenarios.Pos{65, 5}, At: 18 * s, Kind: "block", From: "A", To: "B"},
			{Pos: scenarios.Pos{66, 5}, At: 19 * s, Kind: "unblock", From: "A", To: "B"},
			{Pos: scenarios.Pos{67, 5}, At: 21 * s, Kind: "move_volume", Data: afsdriver.VolumeMove{Volume: "/home", Server: "server3", ServerPos: scenarios.Pos{67, 38}}},
		},
		Expect: []scenarios.Expectation{
			{Pos: scenarios.Pos{69, 5}, System: "nfs", Step: 0, Stream: -1, Calls: &[]string{"LOOKUP"}},
			{Pos: scenarios.Pos{70, 5}, Step: 2, Stream: -1, Result: ptr("ok"), Calls: &[]string{}},
			{Pos: scenarios.Pos{71, 5}, Step: 5, Stream: -1, Value: ptr("7")},
			{Pos: scenarios.Pos{72, 5}, System: "afs", Step: -1, Stream: -1, File: "home/new", Blocks: []string{}},
			{Pos: scenarios.Pos{73, 5}, Step: -1, Stream: -1, File: "fileA", Blocks: []string{"x", "a2", "a3"}},
		},
	}
	if diff := cmp.Diff(want, got, cmpScenario); diff != "" {
		t.Errorf("Load(everything.yaml) mismatch (-want +got):\n%s", diff)
	}
	// calls: [] asserts "no calls": it must not read as "not asserted".
	if got.Expect[1].Calls == nil {
		t.Errorf("calls: [] loaded as nil; want an empty list")
	}
}

// TestLoadMessaging loads the messaging and RPC examples and checks what
// the golden tests above do not cover: send and call rows, streams.
func TestLoadMessaging(t *testing.T) {
	sc, err := scenarios.LoadFile("testdata/load/messaging.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []scenarios.Step{
		{Pos: scenarios.Pos{9, 5}, Index: 0, At: 0, Op: "send", From: "A", To: "B", Count: 1000, Size: 100, Interval: time.Millisecond},
		{Pos: scenarios.Pos{10, 5}, Index: 1, At: 0, Op: "send", From: "B", To: "A", Count: 1, Size: 1024},
	}
	if diff := cmp.Diff(want, sc.Workload, cmpScenario); diff != "" {
		t.Errorf("messaging workload mismatch (-want +got):\n%s", diff)
	}
	wantExpect := []scenarios.Expectation{
		{Pos: scenarios.Pos{12, 5}, System: "reliable", Step: 0, Stream: 0, Delivered: ptr(1000), Duplicates: ptr(0), InOrder: ptr(true)},
		{Pos: scenarios.Pos{13, 5}, Step: 1, Stream: 1, Sent: ptr(1), Lost: ptr(0), Corrupted: ptr(0), Retransmissions: ptr(0)},
	}
	if diff := cmp.Diff(wantExpect, sc.Expect, cmpScenario); diff != "" {
		t.Errorf("messaging expectations mismatch (-want +got):\n%s", diff)
	}

	rpc, err := scenarios.LoadFile("testdata/load/rpc.yaml")
	if err != nil {
		t.Fatal(err)
	}
	wantRow := scenarios.Step{Pos: scenarios.Pos{7, 5}, Index: 0, At: 2 * time.Second, Op: "call", Client: "A", Server: "S", Proc: "append", Args: "x"}
	if diff := cmp.Diff(wantRow, rpc.Workload[0]); diff != "" {
		t.Errorf("rpc row mismatch (-want +got):\n%s", diff)
	}
	if e := rpc.Expect[0]; e.Step != 0 || e.Executions == nil || *e.Executions != 1 || e.Result == nil || *e.Result != "ok" {
		t.Errorf("rpc expectation = %+v; want step 0, executions 1, result ok", e)
	}
	if got, want := rpc.Block("rpc").(*rpcdriver.Options).AckAfter, 50*time.Millisecond; got != want {
		t.Errorf("rpc ack_after = %v; want %v", got, want)
	}
}

// TestLoadDefaults checks that a minimal file gets every default, and that
// the defaults are those of the format (docs/scenario-format.md).
func TestLoadDefaults(t *testing.T) {
	sc, err := scenarios.Load("min.yaml", []byte(msgBase))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Seed != 1 {
		t.Errorf("Seed = %d; want 1", sc.Seed)
	}
	if diff := cmp.Diff(scenarios.DefaultNetwork(), sc.Network, cmpScenario); diff != "" {
		t.Errorf("network defaults (-want +got):\n%s", diff)
	}
	for _, c := range []struct {
		name      string
		want, got any
	}{
		{"pipe", &messagingdriver.PipeOptions{Delay: time.Millisecond}, sc.Block("pipe")},
		{"nfs", &nfsdriver.Options{AttrTimeout: 3 * time.Second, WritePolicy: "write_through", FlushInterval: 30 * time.Second,
			API: "file_handles", Mount: "hard", Retrans: 3, Timeout: 1100 * time.Millisecond, DRCCache: "non_idempotent",
			Portmapper: true}, sc.Block("nfs")},
		{"afs", &afsdriver.Options{Volumes: []afsdriver.Volume{{Path: "/", Server: "server"}}, VLDB: "server", ClientCrash: "recheck", Mode: "callbacks"}, sc.Block("afs")},
		{"reliable", &reliabledriver.Options{Window: 64, RTO: "adaptive", FixedTimeout: 200 * time.Millisecond, MinRTO: 200 * time.Millisecond,
			MaxRTO: 60 * time.Second, InitialRTO: time.Second, Granularity: time.Millisecond, Timestamps: true, SACK: true,
			FastRetransmit: true, RACK: true, CongestionControl: "veno", MSS: 1460, InitialCwnd: 10, RecvBuffer: 128 << 10,
			TimeWait: 60 * time.Second, FinTimeout: 60 * time.Second}, sc.Block("reliable")},
		{"rpc", &rpcdriver.Options{Semantics: "at_least_once", Transport: "udp", Timeout: 100 * time.Millisecond, Backoff: true,
			MaxTimeout: 60 * time.Second, Workers: 1, AckAfter: 100 * time.Millisecond, Auth: "sys", DRCCache: "non_idempotent"}, sc.Block("rpc")},
		{"disk", scenarios.DiskOptions{WriteLatency: 10 * time.Millisecond}, sc.Disk},
		{"limits", scenarios.Limits{MaxEvents: 10_000_000, MaxTime: time.Hour, MaxBytesHeld: 256 << 20, MaxBytesMoved: 1 << 30, MaxTotalEvents: 20_000_000}, sc.Limits},
	} {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s defaults (-want +got):\n%s", c.name, diff)
		}
	}
	if diff := cmp.Diff([]scenarios.Node{{Name: "A", Pos: scenarios.Pos{4, 29}}, {Name: "B", Pos: scenarios.Pos{4, 36}}}, sc.Nodes); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
}

// TestLoadAliases checks that YAML anchors and aliases work, and that
// errors inside an aliased value point at the anchor.
func TestLoadAliases(t *testing.T) {
	in := msgBase + "  - &row {at: 1, op: send, from: B, to: A}\n  - *row\n"
	sc, err := scenarios.Load("alias.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Workload) != 3 || sc.Workload[2].From != "B" || sc.Workload[2].Index != 2 {
		t.Errorf("aliased row = %+v; want a third row from B", sc.Workload)
	}
}

// TestLoadBuiltIn loads every YAML file of the package and of testdata/load
// that is meant to be valid.
func TestLoadValidFiles(t *testing.T) {
	files, _ := filepath.Glob("*.yaml")
	more, _ := filepath.Glob("testdata/load/*.yaml")
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := scenarios.Load(f, data); err != nil {
			t.Errorf("Load(%s): %v", f, err)
		}
	}
}
