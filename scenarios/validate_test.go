package scenarios_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sim-lecture/sim/scenarios"
)

// fsBase is a valid file-system scenario of five lines; cases append to it.
const fsBase = `name: t
systems: [nfs]
files: {fileA: {blocks: [a]}}
workload:
  - {at: 0, client: A, op: open, file: fileA, fd: f}
`

// msgBase is a valid messaging scenario of four lines; cases append to it.
const msgBase = `name: t
systems: [udp]
workload:
  - {at: 0, op: send, from: A, to: B}
`

// afsBase is a valid AFS scenario of five lines.
const afsBase = `name: t
systems: [afs]
files: {fileA: [a]}
workload:
  - {at: 0, client: A, op: open, file: fileA, fd: f}
`

// pairBase is a valid scenario of five lines that runs NFS and AFS.
const pairBase = `name: t
systems: [nfs, afs]
files: {fileA: [a]}
workload:
  - {at: 0, client: A, op: open, file: fileA, fd: f}
`

// progBase is a valid scenario of seven lines whose workload is one
// program of 20 clients, C1 to C20.
const progBase = `name: t
systems: [nfs]
files: {fileA: {blocks: [a]}}
workload:
  - program: {clients: 20, every: 10s, until: 1m,
      steps: [{op: open, file: fileA, fd: f}, {op: close, fd: f}]}
`

// errorCases lists every validation error Load reports: the input, a
// substring of the message and where it must be reported.
var errorCases = []struct {
	name      string
	in        string
	want      string
	line, col int
}{
	// The document.
	{"empty file", ``, "the file is empty", 1, 1},
	{"only a comment", "# nothing\n", "the file is empty", 1, 1},
	{"null document", "~\n", "the file is empty", 1, 1},
	{"two documents", msgBase + "---\nname: u\n", "expected one YAML document, found a second one", 5, 1},
	{"YAML scanner error", "name: t\nx: 1\n  y: 2\n", "invalid YAML: mapping values are not allowed", 3, 1},
	{"YAML parser error", "name: t\nx: 1\nsystems: [nfs\nfoo: 1\n", "invalid YAML: did not find expected ',' or ']'", 3, 1},
	{"YAML tab", "name: t\n\tsystems: x\n", "invalid YAML: found a tab character", 2, 1},
	{"YAML unknown anchor", msgBase + "seed: *nope\n", "invalid YAML: unknown anchor 'nope' referenced", 5, 7},
	{"root not a mapping", "- a\n- b\n", "the scenario: expected a mapping of keys (name, description,", 1, 1},
	{"key not a name", "? [a]\n: b\n", "the scenario: expected a key name, got a list", 1, 3},
	{"merge key", msgBase + "network: {<<: {loss: 0.1}}\n", "merge keys (<<) are not supported in network", 5, 11},
	{"unknown key with suggestion", msgBase + "netwrok: {}\n", `unknown key "netwrok" in the scenario; did you mean "network"?`, 5, 1},
	{"unknown key without suggestion", msgBase + "zzzzzz: 1\n", `unknown key "zzzzzz" in the scenario (valid keys: name, description, seed, systems,`, 5, 1},
	{"unknown key in network", msgBase + "network: {los: 0.1}\n", `unknown key "los" in network; did you mean "loss"?`, 5, 11},
	{"key twice", msgBase + "seed: 1\nseed: 2\n", `key "seed" appears twice in the scenario (first at line 5)`, 6, 1},
	{"missing name", "systems: [udp]\nworkload: [{at: 0, op: send, from: A, to: B}]\n", `missing key "name" in the scenario`, 1, 1},
	{"missing systems", "name: t\nworkload: [{at: 0, op: send, from: A, to: B}]\n", `missing key "systems" in the scenario`, 1, 1},
	{"missing workload", "name: t\nsystems: [udp]\n", `missing key "workload" in the scenario`, 1, 1},

	// Top-level values.
	{"name form", strings.Replace(msgBase, "name: t", "name: NFS vs AFS", 1), `name: expected lower-case letters, digits, _ and - only, got "NFS vs AFS"`, 1, 7},
	{"description not text", msgBase + "description: {a: 1}\n", "description: expected a text value, got a mapping", 5, 14},
	{"seed negative", msgBase + "seed: -1\n", "seed: expected a non-negative integer, got -1", 5, 7},
	{"seed text", msgBase + "seed: abc\n", `seed: expected a non-negative integer, got "abc"`, 5, 7},
	{"seed too large", msgBase + "seed: 99999999999999999999999\n", "seed: expected a non-negative integer, got 99999999999999999999999", 5, 7},
	{"systems not a list", strings.Replace(msgBase, "[udp]", "udp", 1), `systems: expected a list, got "udp"`, 2, 10},
	{"systems empty", strings.Replace(msgBase, "[udp]", "[]", 1), "systems: expected at least one system", 2, 10},
	{"unknown system", strings.Replace(msgBase, "[udp]", "[udp, nsf]", 1), `unknown system "nsf"; did you mean "nfs"?`, 2, 16},
	{"system twice", strings.Replace(msgBase, "[udp]", "[udp, udp]", 1), `system "udp" is listed twice (first at line 2)`, 2, 16},

	// Network.
	{"probability", msgBase + "network: {loss: 1.5}\n", "loss: expected a probability between 0 and 1, got 1.5", 5, 17},
	{"probability text", msgBase + "network:\n  duplicate: lots\n", `duplicate: expected a probability between 0 and 1, got "lots"`, 6, 14},
	{"bandwidth syntax", msgBase + "network: {bandwidth: 10Mbs}\n", `bandwidth: expected a bandwidth such as 10Mbps, 500kbps or a number of bits per second, got "10Mbs"`, 5, 22},
	{"bandwidth negative", msgBase + "network: {bandwidth: -5Mbps}\n", "bandwidth: expected a bandwidth that is not negative (0 means unlimited), got -5Mbps", 5, 22},
	{"bandwidth too large", msgBase + "network: {bandwidth: 1e400}\n", "bandwidth: the bandwidth 1e400 is too large", 5, 22},
	{"reorder_delay negative", msgBase + "network: {reorder_delay: -1ms}\n", "reorder_delay: expected a duration that is not negative, got -1ms", 5, 26},
	{"delay list", msgBase + "network: {delay: [1]}\n", "delay: expected a duration such as 5ms or a distribution such as {dist: uniform", 5, 18},
	{"delay bad text", msgBase + "network: {delay: fast}\n", `delay: expected a duration such as 1.5s, 300ms or a number of seconds, got "fast"`, 5, 18},
	{"delay without dist", msgBase + "network: {delay: {min: 1ms, max: 2ms}}\n", `missing key "dist" in delay (constant, uniform, exponential or normal)`, 5, 18},
	{"delay unknown dist", msgBase + "network: {delay: {dist: gauss, mean: 1ms}}\n", `dist: expected constant, uniform, exponential or normal, got "gauss"`, 5, 25},
	{"delay dist suggestion", msgBase + "network: {delay: {dist: unifrom, min: 1ms, max: 2ms}}\n", `did you mean "uniform"?`, 5, 25},
	{"delay missing key", msgBase + "network: {delay: {dist: uniform, min: 1ms}}\n", `missing key "max" in delay`, 5, 18},
	{"delay extra key", msgBase + "network: {delay: {dist: exponential, mean: 1ms, min: 1ms}}\n", `delay: key "min" does not apply to dist exponential (it takes mean)`, 5, 49},
	{"delay normal missing stddev", msgBase + "network: {delay: {dist: normal, mean: 10ms}}\n", `missing key "stddev" in delay`, 5, 18},
	{"delay constant missing value", msgBase + "network: {delay: {dist: constant}}\n", `missing key "value" in delay`, 5, 18},
	{"delay max below min", msgBase + "network: {delay: {dist: uniform, min: 5ms, max: 1ms}}\n", "delay: max 1ms is below min 5ms", 5, 49},
	{"delay unknown key", msgBase + "network: {delay: {dist: normal, mean: 1ms, stdev: 1ms}}\n", `unknown key "stdev" in delay; did you mean "stddev"?`, 5, 44},
	{"links not a list", msgBase + "network: {links: {from: A}}\n", "links: expected a list, got a mapping", 5, 18},
	{"link changes nothing", msgBase + "network:\n  links:\n    - {from: A, to: B}\n", "network link: expected at least one of delay, bandwidth, loss", 7, 7},
	{"link unknown key", msgBase + "network:\n  links:\n    - {from: A, too: B, loss: 1}\n", `unknown key "too" in network link; did you mean "to"?`, 7, 17},
	{"link bad node name", msgBase + "network:\n  links:\n    - {from: A B, loss: 1}\n", `from: expected a node name (letters, digits, _ and -), or * for any node, got "A B"`, 7, 14},
	{"link names unknown node", msgBase + "network:\n  links:\n    - {from: A, to: C, loss: 1}\n", "network link names node C, which no workload row or fault names", 7, 21},
	{"link names undeclared node", msgBase + "nodes: [A, B]\nnetwork:\n  links:\n    - {from: A, to: Bb, loss: 1}\n", `node Bb is not declared in nodes; did you mean "B"?`, 8, 21},

	// Option blocks.
	{"option block not a mapping", msgBase + "nfs: fast\n", `nfs: expected a mapping of keys (attr_timeout, write_policy,`, 5, 6},
	{"option unknown key", msgBase + "nfs: {attr_timout: 3s}\n", `unknown key "attr_timout" in nfs; did you mean "attr_timeout"?`, 5, 7},
	{"option prefix suggestion", msgBase + "rpc: {ack: 1s}\n", `unknown key "ack" in rpc; did you mean "ack_after"?`, 5, 7},
	{"enum", msgBase + "nfs: {write_policy: bufered}\n", `write_policy: expected write_through, buffered or nvram, got "bufered"; did you mean "buffered"?`, 5, 21},
	{"enum api", msgBase + "nfs: {api: handles}\n", `api: expected file_handles, stateful_fds, paths or inodes, got "handles"`, 5, 12},
	{"bool", msgBase + "nfs: {drc: yes}\n", `drc: expected true or false, got "yes"`, 5, 12},
	{"duration negative", msgBase + "nfs: {attr_timeout: -1s}\n", "attr_timeout: expected a duration that is not negative, got -1s", 5, 21},
	{"duration too large", msgBase + "nfs: {attr_timeout: 1e12}\n", "attr_timeout: the duration 1e12 is too large", 5, 21},
	{"duration zero", msgBase + "nfs: {timeout: 0}\n", "timeout: expected a duration above 0, got 0", 5, 16},
	{"duration null", msgBase + "nfs: {timeout: }\n", "timeout: expected a duration such as 1.5s, 300ms or a number of seconds, got nothing", 5, 16},
	{"integer range", msgBase + "reliable: {window: 0}\n", "window: expected an integer from 1 to 65535, got 0", 5, 20},
	{"integer float", msgBase + "reliable: {window: 2.5}\n", "window: expected an integer from 1 to 65535, got 2.5", 5, 20},
	{"integer negative", msgBase + "nfs: {retrans: -1}\n", "retrans: expected an integer from 0 to 1000, got -1", 5, 16},
	{"reliable consume too slow for the transport", msgBase + "reliable: {consume: 1e-30/s}\n", "reliable: invalid options: consume rates 1e-30, 0 are too slow", 5, 21},
	{"limits max_bytes_moved in TiB", msgBase + "limits: {max_bytes_moved: 2TiB}\n", "max_bytes_moved: expected a size from 1 to 1099511627776 bytes, got 2TiB", 5, 27},
	{"max_rto below min_rto", msgBase + "reliable: {min_rto: 2s, max_rto: 1s}\n", "reliable: max_rto 1s is below min_rto 2s", 5, 34},
	{"rpc workers", msgBase + "rpc: {workers: 0}\n", "workers: expected an integer from 1 to 1000, got 0", 5, 16},
	{"limits max_events", msgBase + "limits: {max_events: 0}\n", "max_events: expected an integer from 1 to", 5, 22},
	{"limits max_time", msgBase + "limits: {max_time: 0}\n", "max_time: expected a duration above 0, got 0", 5, 20},
	{"reliable fast_retransmit", msgBase + "reliable: {fast_retransmit: maybe}\n", "fast_retransmit: expected true or false", 5, 29},
	{"report phases", msgBase + "report: {phases: 0}\n", "phases: expected a duration above 0, got 0", 5, 18},
	{"report unknown key", msgBase + "report: {phase: 30s}\n", `unknown key "phase" in report; did you mean "phases"?`, 5, 10},
	{"disk latency", msgBase + "disk: {write_latency: soon}\n", `write_latency: expected a duration such as 1.5s`, 5, 23},
	{"pipe bandwidth", msgBase + "pipe: {bandwidth: fast}\n", `bandwidth: expected a bandwidth such as 10Mbps`, 5, 19},
	{"afs volumes not a mapping", msgBase + "afs: {volumes: [server]}\n", "volumes: expected a mapping from volume path to server", 5, 16},
	{"afs volume twice", msgBase + "afs: {volumes: {/home: s1, home: s2}}\n", "volumes: volume /home appears twice (first at line 5)", 5, 28},
	{"afs volume path", msgBase + "afs: {volumes: {/a/../b: s1}}\n", "volume: expected a path such as / or /home, got \"/a/../b\" (a path cannot contain ..)", 5, 17},
	{"afs volume server", msgBase + "afs: {volumes: {/: s 1}}\n", `volume server: expected a node name (letters, digits, _ and -), got "s 1"`, 5, 20},
	{"afs vldb", msgBase + "afs: {vldb: [a]}\n", "vldb: expected a text value, got a list", 5, 13},
	{"afs client_crash", msgBase + "afs: {client_crash: evict}\n", `client_crash: expected evict_all or recheck, got "evict"; did you mean "evict_all"?`, 5, 21},
	{"afs mode", msgBase + "afs: {mode: proto}\n", `mode: expected callbacks or prototype, got "proto"; did you mean "prototype"?`, 5, 13},
	{"afs callback_lifetime word", msgBase + "afs: {callback_lifetime: openAFS}\n", "callback_lifetime: expected a duration such as 1.5s, 300ms or a number of seconds, got", 5, 26},
	{"afs callback_lifetime zero", msgBase + "afs: {callback_lifetime: 0}\n", "callback_lifetime: expected a duration above 0, got 0", 5, 26},
	{"afs callback_lifetime too long", msgBase + "afs: {callback_lifetime: 25h}\n", "callback_lifetime: at most 86400s, got 90000s (or openafs)", 5, 26},

	// Nodes and files.
	{"node twice", msgBase + "nodes: [A, B, A]\n", `nodes: node "A" is declared twice (first at line 5)`, 5, 15},
	{"node map unknown key", msgBase + "nodes: [{nam: A}, B]\n", `unknown key "nam" in node; did you mean "name"?`, 5, 10},
	{"node map without name", msgBase + "nodes: [{nam: A}, B]\n", `missing key "name" in node (the node's name)`, 5, 9},
	{"node bad name", msgBase + "nodes: [A, B, C.1]\n", `nodes: expected a node name (letters, digits, _ and -), got "C.1"`, 5, 15},
	{"node not declared", msgBase + "nodes: [A]\n", `node B is not declared in nodes`, 4, 36},
	{"node not declared suggestion", "name: t\nsystems: [udp]\nnodes: [alice, bob]\nworkload:\n  - {at: 0, op: send, from: alce, to: bob}\n", `node alce is not declared in nodes; did you mean "alice"?`, 5, 29},
	{"files not a mapping", msgBase + "files: [a]\n", "files: expected a mapping from path to contents", 5, 8},
	{"file empty path", msgBase + "files: {\"\": [a]}\n", `files: expected a file path such as fileA or home/notes, got "" (a path cannot be empty)`, 5, 9},
	{"file is root", msgBase + "files: {/: [a]}\n", "(the root is a directory, not a file)", 5, 9},
	{"file twice", msgBase + "files: {a: [x], /a: [y]}\n", "files: file a appears twice (first at line 5)", 5, 17},
	{"file blocks not a list", msgBase + "files: {a: {blocks: x}}\n", `blocks: expected a list, got "x"`, 5, 21},
	{"file unknown key", msgBase + "files: {a: {block: [x]}}\n", `unknown key "block" in file a; did you mean "blocks"?`, 5, 13},
	{"file block not text", msgBase + "files: {a: [x, [y]]}\n", "block: expected a text value, got a list", 5, 16},

	// Workload rows.
	{"workload not a list", "name: t\nsystems: [udp]\nworkload: {at: 0}\n", "workload: expected a list, got a mapping", 3, 11},
	{"workload empty", "name: t\nsystems: [udp]\nworkload: []\n", "workload: expected at least one row", 3, 11},
	{"row not a mapping", msgBase + "  - send\n", `workload row 2: expected a mapping of keys (at, op, client,`, 5, 5},
	{"row unknown key", fsBase + "  - {at: 1, client: A, op: read, fd: f, blok: 0}\n", `unknown key "blok" in workload row 2; did you mean "block"?`, 6, 41},
	{"row missing at", fsBase + "  - {client: A, op: close, fd: f}\n", `missing key "at" in workload row 2 (the row's time, such as 10s)`, 6, 5},
	{"row bad at", fsBase + "  - {at: abc, client: A, op: close, fd: f}\n", `at: expected a duration such as 1.5s, 300ms or a number of seconds, got "abc"`, 6, 10},
	{"row negative at", fsBase + "  - {at: -5, client: A, op: close, fd: f}\n", "at: expected a duration that is not negative, got -5", 6, 10},
	{"rows out of order", fsBase + "  - {at: 10, client: A, op: read, fd: f, block: 0}\n  - {at: 5, client: A, op: close, fd: f}\n", "at: 5s is before 10s, the time of an earlier row (line 6); workload rows must be in time order", 7, 10},
	{"row missing op", fsBase + "  - {at: 1, client: A, fd: f}\n", `missing key "op" in workload row 2 (one of open, read, write,`, 6, 5},
	{"unknown op", fsBase + "  - {at: 1, client: A, op: raed, fd: f, block: 0}\n", `unknown op "raed"; did you mean "read"?`, 6, 28},
	{"key does not apply", fsBase + "  - {at: 1, client: A, op: close, fd: f, block: 1}\n", `key "block" does not apply to op close (close takes client and fd)`, 6, 42},
	{"row missing key", fsBase + "  - {at: 1, client: A, op: read, fd: f}\n", `missing key "block" in workload row 2: op read needs client, fd and block (a block index, from 0)`, 6, 5},
	{"block negative", fsBase + "  - {at: 1, client: A, op: read, fd: f, block: -1}\n", "block: expected an integer from 0 to 1000000, got -1", 6, 48},
	{"program clients float", "name: t\nsystems: [nfs]\nfiles: {fileA: {blocks: [a]}}\nworkload:\n  - program: {clients: 1e9, every: 60s, until: 1h, steps: [{op: open, file: fileA, fd: f}, {op: close, fd: f}]}\n", "clients: expected an integer from 1 to 50000, got 1e9", 5, 24},
	{"block text", fsBase + "  - {at: 1, client: A, op: read, fd: f, block: one}\n", `block: expected an integer from 0 to 1000000, got "one"`, 6, 48},
	{"fd form", fsBase + "  - {at: 1, client: A, op: close, fd: f g}\n", `fd: expected a name (letters, digits, _ and -), got "f g"`, 6, 39},
	{"file path", fsBase + "  - {at: 1, client: A, op: stat, file: ../x}\n", `file: expected a file path such as fileA or home/notes, got "../x" (a path cannot contain ..)`, 6, 40},
	{"client name too long", fsBase + "  - {at: 1, client: " + strings.Repeat("N", 256) + ", op: stat, file: fileA}\n", "client: a node name has at most 255 characters (RPC's AUTH_SYS credential carries it, RFC 5531), got 256", 6, 21},
	{"client name", fsBase + "  - {at: 1, client: A/B, op: stat, file: fileA}\n", `client: expected a node name (letters, digits, _ and -), got "A/B"`, 6, 21},
	{"data null", fsBase + "  - {at: 1, client: A, op: write, fd: f, block: 0, data: }\n", "data: expected a text value, got nothing", 6, 58},
	{"count zero", msgBase + "  - {at: 1, op: send, from: A, to: B, count: 0}\n", "count: expected an integer from 1 to 1000000, got 0", 5, 46},
	{"size zero", msgBase + "  - {at: 1, op: send, from: A, to: B, size: 0}\n", "size: expected a size from 1 to 16777216 bytes, got 0", 5, 45},
	{"size negative", msgBase + "  - {at: 1, op: send, from: A, to: B, size: -5B}\n", "size: expected a size that is not negative, got -5B", 5, 45},
	{"size syntax", msgBase + "  - {at: 1, op: send, from: A, to: B, size: 10XB}\n", `size: expected a size such as 100B, 1KB, 1KiB or a number of bytes, got "10XB"`, 5, 45},
	{"interval", msgBase + "  - {at: 1, op: send, from: A, to: B, interval: often}\n", `interval: expected a duration such as 1.5s`, 5, 49},
	{"send to itself", msgBase + "  - {at: 1, op: send, from: A, to: A}\n", "to: a send row needs two different nodes, got A twice", 5, 36},
	{"call empty proc", "name: t\nsystems: [rpc]\nworkload:\n  - {at: 0, op: call, client: A, server: S, proc: \"\"}\n", `proc: expected a non-empty value, got ""`, 4, 51},
	{"call to itself", "name: t\nsystems: [rpc]\nworkload:\n  - {at: 0, op: call, client: A, server: A, proc: p}\n", "server: a call row needs two different nodes, got A as client and server", 4, 42},
	{"op not supported", msgBase + "  - {at: 1, client: A, op: stat, file: x}\n", "op stat is not supported by system udp (it supports send)", 5, 28},
	{"op not supported by two", strings.Replace(fsBase, "[nfs]", "[nfs, afs]", 1) + "  - {at: 1, op: send, from: A, to: B}\n",
		"op send is not supported by system nfs (it supports open, read, write, close, create, remove, mkdir, stat, append, seek, rmdir, rename, link, symlink, readlink, readdir, truncate, statfs) nor by system afs (it supports open, read, write, close, create, remove, mkdir, stat, append, seek)", 6, 17},
	{"op not supported mixed", strings.Replace(fsBase, "[nfs]", "[nfs, rpc]", 1) + "  - {at: 1, op: send, from: A, to: B}\n",
		"op send is not supported by system nfs (it supports open, read, write, close, create, remove, mkdir, stat, append, seek, rmdir, rename, link, symlink, readlink, readdir, truncate, statfs) nor by system rpc (it supports call)", 6, 17},
	{"client is the server", fsBase + "  - {at: 1, client: server, op: stat, file: fileA}\n", "client: server is a file server in this scenario; clients are the other nodes", 6, 21},
	{"open missing file", fsBase + "  - {at: 1, client: B, op: open, file: fileB, fd: g}\n", `file: fileB does not exist: it is not in files and no earlier row creates it; did you mean "fileA"?`, 6, 40},
	{"open after create is fine, before is not", fsBase + "  - {at: 1, client: A, op: open, file: new, fd: g}\n  - {at: 2, client: A, op: create, file: new}\n", "file: new does not exist", 6, 40},
	{"fd already open", fsBase + "  - {at: 1, client: A, op: open, file: fileA, fd: f}\n", "fd: f of client A is already open (line 5); close it first or choose another name", 6, 51},
	{"fd not open", fsBase + "  - {at: 1, client: A, op: read, fd: g, block: 0}\n", "fd: g is not open on client A; open it with an earlier open row", 6, 38},
	{"fd of another client", fsBase + "  - {at: 1, client: B, op: read, fd: f, block: 0}\n", "fd: f is not open on client B; open it with an earlier open row (fd names are local to their client; A has an fd f)", 6, 38},
	{"fd closed", fsBase + "  - {at: 1, client: A, op: close, fd: f}\n  - {at: 2, client: A, op: read, fd: f, block: 0}\n", "fd: f of client A was closed at line 6; open it again first", 7, 38},
	{"nfs mount unknown key", fsBase + "nfs: {mounts: [{on: /, sever: s1}]}\n", `unknown key "sever" in mount 1; did you mean "server"?`, 6, 24},
	{"nfs mounts not a list", fsBase + "nfs: {mounts: {on: /}}\n", "mounts: expected a list, got a mapping", 6, 15},
	{"nfs mounts empty", fsBase + "nfs: {mounts: []}\n", "mounts: expected at least one mount such as {on: /, server: server}", 6, 15},
	{"nfs mount missing server", fsBase + "nfs: {mounts: [{on: /}]}\n", `missing key "server" in mount 1 (the node that exports the directory)`, 6, 16},
	{"nfs mount relative on", fsBase + "nfs: {mounts: [{on: backups, server: s1}]}\n", `on: expected an absolute path such as / or /backups, got "backups" (it must start with /)`, 6, 21},
	{"nfs mount unclean on", fsBase + "nfs: {mounts: [{on: /, server: server}, {on: /backups/, server: s1}]}\n", "(write it as /backups)", 6, 46},
	{"nfs mount export dotdot", fsBase + "nfs: {mounts: [{on: /, server: server, export: /a/../b}]}\n", "export: expected an absolute path such as / or /backups, got \"/a/../b\" (a path cannot contain ..)", 6, 48},
	{"nfs mount twice", fsBase + "nfs: {mounts: [{on: /, server: server}, {on: /, server: s1}]}\n", "mounts: / is mounted twice (first at line 6)", 6, 46},
	{"nfs mount server name", fsBase + "nfs: {mounts: [{on: /, server: s 1}]}\n", `server: expected a node name (letters, digits, _ and -), got "s 1"`, 6, 32},
	{"nfs file outside mounts", strings.Replace(fsBase, "systems: [nfs]", "systems: [nfs]\nnfs: {mounts: [{on: /home, server: s1}]}", 1), "file fileA is in no NFS mount (nfs.mounts has /home); add a mount such as {on: /, server: server}", 4, 9},
	{"nfs row path outside mounts", "name: t\nsystems: [nfs]\nnfs: {mounts: [{on: /home, server: s1}]}\nfiles: {home/a: [a]}\nworkload:\n  - {at: 0, client: A, op: stat, file: tmp/x}\n", "file tmp/x is in no NFS mount (nfs.mounts has /home)", 6, 40},
	{"nfs file is a mount point", strings.Replace(fsBase, "systems: [nfs]", "systems: [nfs]\nnfs: {mounts: [{on: /, server: server}, {on: /fileA, server: s1}]}", 1), "file fileA is the mount point /fileA, a directory on s1; a file must lie below it", 4, 9},
	{"nfs mount server is a client", fsBase + "nfs: {mounts: [{on: /, server: A}]}\n", "client: A is a file server in this scenario; clients are the other nodes", 5, 21},
	{"afs file outside volumes", strings.Replace(afsBase, "systems: [afs]", "systems: [afs]\nafs: {volumes: {/home: server}}", 1), "file fileA is in no AFS volume (afs.volumes has /home); add a volume such as /", 4, 9},

	// What only a system can tell about its rows and files, checked
	// when the file loads so that validate refuses what run would.
	{"rpc unknown proc", "name: t\nsystems: [rpc]\nworkload:\n  - {at: 0, op: call, client: A, server: S, proc: incremnt}\n",
		`proc: "incremnt" is not a procedure of the demo service; did you mean "increment"?`, 4, 51},
	{"rpc sleep negative", "name: t\nsystems: [rpc]\nworkload:\n  - {at: 0, op: call, client: A, server: S, proc: sleep, args: -5s}\n",
		`args: rpc: sleep wants a duration from 0 to 1000000h, such as 2s or 0.5, not "-5s"`, 4, 64},
	{"rpc sleep without args", "name: t\nsystems: [rpc]\nworkload:\n  - {at: 0, op: call, client: A, server: S, proc: sleep}\n",
		`missing key "args": proc sleep needs args`, 4, 5},
	{"rpc increment with args", "name: t\nsystems: [rpc]\nworkload:\n  - {at: 0, op: call, client: A, server: S, proc: increment, args: lots}\n",
		"args: rpc: increment takes no args", 4, 68},
	{"rpc call too large", "name: t\nsystems: [rpc]\nworkload:\n  - {at: 0, op: call, client: A, server: S, proc: append, args: " + strings.Repeat("x", 65500) + "}\n",
		"args: the call is 65568 bytes, more than one UDP datagram (rpc.transport udp) carries (65507 bytes)", 4, 65},
	{"rpc call too large in a variant", "name: t\nsystems: [rpc]\nworkload:\n  - {at: 0, op: call, client: A, server: S, proc: append, args: " + strings.Repeat("x", 65430) + "}\nvariants:\n  - {name: udp}\n  - {name: rel, rpc: {transport: reliable}}\n",
		"args: the call is 65500 bytes, more than one message of the reliable transport (rpc.transport reliable) carries (65483 bytes)", 4, 65},
	{"udp datagram too large", strings.Replace(msgBase, "to: B}", "to: B, size: 65508B}", 1),
		"size: 65508 bytes do not fit one datagram: system udp carries at most 65507 bytes of payload", 4, 45},
	{"reliable message too large", strings.Replace(strings.Replace(msgBase, "[udp]", "[pipe, reliable]", 1), "to: B}", "to: B, size: 64KiB}", 1),
		"size: 65536 bytes do not fit one datagram: system reliable carries at most 65487 bytes in a message", 4, 45},
	{"agree with itself", "name: t\nsystems: [two_generals]\nworkload:\n  - {at: 0, op: agree, from: A, to: A}\n",
		"to: an agree row needs two different generals, got A twice", 4, 37},
	{"nfs block too large", strings.Replace(fsBase, "blocks: [a]", "blocks: ["+strings.Repeat("a", 8193)+"]", 1),
		`files: file "fileA": a block is 8193 bytes, more than NFS's 8192`, 3, 9},
	{"nfs file inside a file", strings.Replace(fsBase, "files: {fileA: {blocks: [a]}}", "files: {fileA: [a], fileA/b: [b]}", 1),
		`files: file "fileA/b": fileA is a file, not a directory`, 3, 21},
	{"nfs one file through two mounts", strings.Replace(strings.Replace(fsBase, "systems: [nfs]", "systems: [nfs]\nnfs: {mounts: [{on: /, server: server}, {on: /b, server: server}]}", 1), "{fileA: {blocks: [a]}}", "{fileA: [a], b/fileA: [c]}", 1),
		`files: file "fileA" appears twice`, 4, 21},
	{"afs file too large", strings.Replace(afsBase, "[a]", "["+strings.Repeat("a"+strings.Repeat("x", 8000)+", ", 9)+"b]", 1),
		"files: file fileA takes 72144 bytes to FETCH, more than one UDP datagram carries (65507)", 3, 9},
	{"afs path too long", strings.Replace(afsBase, "fileA", strings.Repeat("f", 256), 2),
		"a name of the path is 256 bytes, more than AFS's 255", 3, 9},

	// A node named only in faults.
	{"crash a node no row names", fsBase + "faults:\n  - {at: 1, crash: sever}\n",
		`node sever is named only in faults, not by a workload row, nodes or a system's servers; did you mean "server"?`, 7, 20},
	{"partition a node no row names", msgBase + "faults:\n  - {at: 1, partition: [[A], [B, C]]}\n",
		"node C is named only in faults", 6, 34},
	{"block a node no row names", msgBase + "faults:\n  - {at: 1, block: {from: A, to: b}}\n",
		`node b is named only in faults, not by a workload row, nodes or a system's servers; did you mean "B"?`, 6, 34},
	{"link a node no row names", msgBase + "faults:\n  - {at: 1, link: {from: \"*\", to: Z, loss: 1}}\n",
		"node Z is named only in faults", 6, 35},
	{"crash a node past a program's clients", progBase + "faults:\n  - {at: 1, crash: C21}\n",
		"node C21 is named only in faults, not by a workload row, nodes or a system's servers; the program at line 5 has the clients C1 to C20", 8, 20},
	{"crash a misspelt server beside a program", progBase + "faults:\n  - {at: 1, crash: sever}\n",
		`node sever is named only in faults, not by a workload row, nodes or a system's servers; did you mean "server"?`, 8, 20},
	{"a variant blocks a node past a program's clients", progBase + "variants:\n  - name: a\n    faults: [{at: 1s, block: {from: C0, to: server}}]\n",
		"node C0 is named only in faults, not by a workload row, nodes or a system's servers; the program at line 5 has the clients C1 to C20", 9, 37},
	{"a variant crashes a node no row names", msgBase + "variants:\n  - name: a\n    faults: [{at: 1s, crash: Bee}]\n",
		`node Bee is named only in faults, not by a workload row, nodes or a system's servers; did you mean "B"?`, 7, 30},

	// Faults.
	{"faults not a list", fsBase + "faults: {at: 1}\n", "faults: expected a list, got a mapping", 6, 9},
	{"fault unknown key", fsBase + "faults:\n  - {at: 1, crsh: server}\n", `unknown key "crsh" in fault 1; did you mean "crash"?`, 7, 13},
	{"fault missing at", fsBase + "faults:\n  - {crash: server}\n", `missing key "at" in fault 1 (the fault's time, such as 65s)`, 7, 5},
	{"fault without kind", fsBase + "faults:\n  - {at: 1}\n", "fault 1: expected one of " + registeredFaultKinds() + " to say what happens", 7, 5},
	{"fault with two kinds", fsBase + "faults:\n  - {at: 1, crash: A, restart: A}\n", "fault 1 has both crash and restart; write one fault per entry", 7, 23},
	{"heal_at without partition", fsBase + "faults:\n  - {at: 1, crash: A, heal_at: 2}\n", "heal_at applies only to a partition, not to crash", 7, 23},
	{"to without move_volume", fsBase + "faults:\n  - {at: 1, block: A, to: server}\n", "to applies only to move_volume, not to block (write block: {from: A, to: B})", 7, 23},
	{"crash bad name", fsBase + "faults:\n  - {at: 1, crash: [A]}\n", "crash: expected a text value, got a list", 7, 20},
	{"crash twice", fsBase + "faults:\n  - {at: 1, crash: A}\n  - {at: 2, crash: A}\n", "crash: node A is already crashed (line 7); restart it first", 8, 20},
	{"restart without crash", fsBase + "faults:\n  - {at: 1, restart: server}\n", "restart: node server is not crashed at 1s; a restart must follow a crash of that node", 7, 22},
	{"restart before its crash", fsBase + "faults:\n  - {at: 5, crash: server}\n  - {at: 2, restart: server}\n", "restart: node server is not crashed at 2s", 8, 22},
	{"heal false", fsBase + "faults:\n  - {at: 1, heal: false}\n", "heal: expected true or all (heal removes every partition and block), got false", 7, 19},
	{"partition one group", fsBase + "faults:\n  - {at: 1, partition: [[A, server]]}\n", "partition: expected at least two groups", 7, 24},
	{"partition not a list", fsBase + "faults:\n  - {at: 1, partition: A}\n", `partition: expected a list, got "A"`, 7, 24},
	{"partition group not a list", fsBase + "faults:\n  - {at: 1, partition: [A, [server]]}\n", `partition group: expected a list, got "A"`, 7, 25},
	{"partition empty group", fsBase + "faults:\n  - {at: 1, partition: [[], [server]]}\n", "partition: group 1 is empty", 7, 25},
	{"partition node twice", fsBase + "faults:\n  - {at: 1, partition: [[A], [server, A]]}\n", "partition: node A is in group 1 and group 2; the groups must be disjoint", 7, 39},
	{"heal_at not after at", fsBase + "faults:\n  - {at: 5, partition: [[A], [server]], heal_at: 5}\n", "heal_at: 5s is not after the partition's at 5s", 7, 50},
	{"network fault empty", fsBase + "faults:\n  - {at: 1, network: {}}\n", "network: expected at least one of delay, bandwidth", 7, 22},
	{"network fault bad value", fsBase + "faults:\n  - {at: 1, network: {loss: 2}}\n", "loss: expected a probability between 0 and 1, got 2", 7, 29},
	{"link fault changes nothing", fsBase + "faults:\n  - {at: 1, link: {from: A, to: server}}\n", "link: expected at least one of delay, bandwidth", 7, 19},
	{"link fault missing from", fsBase + "faults:\n  - {at: 1, link: {to: server, loss: 1}}\n", `missing key "from" in link (a node name)`, 7, 19},
	{"block missing to", fsBase + "faults:\n  - {at: 1, block: {from: A}}\n", `missing key "to" in block (a node name)`, 7, 20},
	{"block same node", fsBase + "faults:\n  - {at: 1, block: {from: A, to: A}}\n", "block: from and to are both A; expected two different nodes", 7, 34},
	{"block star", fsBase + "faults:\n  - {at: 1, block: {from: A, to: \"*\"}}\n", `to: expected a node name (letters, digits, _ and -), got "*"`, 7, 34},
	{"low_memory without file system", msgBase + "faults:\n  - {at: 1, low_memory: A}\n", "low_memory applies only to the file systems (nfs, afs), and systems lists neither", 6, 13},
	{"flush a client", fsBase + "faults:\n  - {at: 1, flush: A}\n", "flush: node A is not a file server (servers: server)", 7, 20},
	{"flush a typo", fsBase + "faults:\n  - {at: 1, flush: sever}\n", `did you mean "server"?`, 7, 20},
	{"move_volume without afs", fsBase + "faults:\n  - {at: 1, move_volume: /, to: s2}\n", "move_volume applies only to system afs, which systems does not list", 7, 13},
	{"move_volume unknown volume", strings.Replace(afsBase, "systems: [afs]", "systems: [afs]\nafs: {volumes: {/: server, /home: s1}}", 1) + "faults:\n  - {at: 1, move_volume: /hom, to: s2}\n", `move_volume: /hom is not a volume in afs.volumes; did you mean "/home"?`, 8, 26},
	{"move_volume missing to", afsBase + "faults:\n  - {at: 1, move_volume: /}\n", `missing key "to" in fault 1 (the server that receives the volume)`, 7, 5},
	{"fault node not declared", fsBase + "nodes: [A]\nfaults:\n  - {at: 1, crash: B}\n", "node B is not declared in nodes", 8, 20},

	// Expectations.
	{"expect not a list", fsBase + "expect: {at: 0}\n", "expect: expected a list, got a mapping", 6, 9},
	{"expect unknown key", fsBase + "expect:\n  - {step: 1, reslt: ok}\n", `unknown key "reslt" in expectation 1; did you mean "result"?`, 7, 15},
	{"expect unknown system", fsBase + "expect:\n  - {system: afs, step: 1, result: ok}\n", "system: afs is not one of this scenario's systems (nfs)", 7, 14},
	{"expect asserts nothing", fsBase + "expect:\n  - {step: 1}\n", "expectation 1 asserts nothing: expected at least one of calls, value, result, executions, sent,", 7, 5},
	{"expect no selector", fsBase + "expect:\n  - {result: ok}\n", "expectation 1: expected step (a row number, from 1) or at (a row's time)", 7, 5},
	{"expect step and at", fsBase + "expect:\n  - {step: 1, at: 0, result: ok}\n", "expectation 1: use either step or at to choose the row, not both", 7, 15},
	{"expect step out of range", fsBase + "expect:\n  - {step: 2, result: ok}\n", "step: expected an integer from 1 to 1, got 2", 7, 12},
	{"expect no row at time", fsBase + "  - {at: 10, client: A, op: close, fd: f}\nexpect:\n  - {at: 5, result: ok}\n", "at: no workload row is at 5s (the nearest are at 0s and 10s)", 8, 10},
	{"expect no row matches", fsBase + "expect:\n  - {at: 0, client: B, result: ok}\n", "no workload row at 0s has client B (row 1: client A's open)", 7, 10},
	{"expect step does not match", fsBase + "expect:\n  - {step: 1, op: read, result: ok}\n", "step: row 1 is client A's open, which does not have op read", 7, 12},
	{"expect ambiguous", fsBase + "  - {at: 0, client: B, op: open, file: fileA, fd: f}\nexpect:\n  - {at: 0, calls: []}\n",
		"2 workload rows are at 0s (row 1: client A's open, row 2: client B's open); add client, from, to or op to choose one", 8, 10},
	{"expect stream key on a file row", fsBase + "expect:\n  - {step: 1, delivered: 3}\n", "delivered applies only to a send row; row 1 is client A's open", 7, 15},
	{"expect executions on a send row", msgBase + "expect:\n  - {step: 1, executions: 1}\n", "executions applies only to a call row; row 1 is a send from A to B", 6, 15},
	{"expect count negative", msgBase + "expect:\n  - {step: 1, delivered: -1}\n", "delivered: expected an integer from 0 to", 6, 26},
	{"expect in_order not bool", msgBase + "expect:\n  - {step: 1, in_order: 1}\n", "in_order: expected true or false, got 1", 6, 25},
	{"expect calls not a list", fsBase + "expect:\n  - {step: 1, calls: LOOKUP}\n", `calls: expected a list, got "LOOKUP"`, 7, 22},
	{"expect disk extra key", fsBase + "expect:\n  - {file: fileA, disk: [a], step: 1}\n", `key "step" does not apply to a disk expectation (it takes system, variant, file and disk)`, 7, 30},
	{"expect disk without file", fsBase + "expect:\n  - {disk: [a]}\n", `missing key "file" in expectation 1 (the file whose blocks disk lists)`, 7, 5},
	{"expect disk without disk", fsBase + "expect:\n  - {file: fileA}\n", `missing key "disk" in expectation 1`, 7, 5},
	{"expect disk unknown file", fsBase + "expect:\n  - {file: filA, disk: [a]}\n", `file: filA is not in files and no row creates it; did you mean "fileA"?`, 7, 12},
	{"expect disk bad path", fsBase + "expect:\n  - {file: /, disk: [a]}\n", "file: expected a file path such as fileA, got \"/\" (the root is a directory, not a file)", 7, 12},
	{"expect disk not a list", fsBase + "expect:\n  - {file: fileA, disk: a}\n", `disk: expected a list, got "a"`, 7, 25},

	// Nodes: the table has a column per client, so a file of 1 MiB
	// naming 40,000 nodes took 3 GB.
	{"too many nodes", "name: t\nsystems: [udp]\nworkload:\n" + manyNodeRows(scenarios.MaxNodes/2+1), "node N500: a scenario names at most 1000 nodes besides its programs' clients, and this one names 1002", 504, 29},

	// Variants.
	{"variants not a list", msgBase + "variants: fast\n", `variants: expected a list, got "fast"`, 5, 11},
	{"variants empty", msgBase + "variants: []\n", "variants: expected at least one variant (such as {name: fast, rpc: {timeout: 10ms}})", 5, 11},
	{"variants too many", msgBase + "variants:\n" + strings.Repeat("  - {name: a}\n", scenarios.MaxVariants+1), "variants: at most 100 variants, got 101", 106, 5},
	{"variant not a mapping", msgBase + "variants: [fast]\n", `variant 1: expected a mapping of keys (name, description, systems, network,`, 5, 12},
	{"variant without name", msgBase + "variants:\n  - {description: x}\n", `missing key "name" in variant 1 (the variant's name, such as fixed_50ms)`, 6, 5},
	{"variant name form", msgBase + "variants:\n  - {name: Fast}\n", `name: expected lower-case letters, digits, _ and - only, got "Fast"`, 6, 12},
	{"variant twice", msgBase + "variants:\n  - {name: a}\n  - {name: a}\n", `variant "a" appears twice (first at line 6)`, 7, 12},
	{"variant description not text", msgBase + "variants:\n  - {name: a, description: [x]}\n", "description: expected a text value, got a list", 6, 28},
	{"variant unknown key", msgBase + "variants:\n  - {name: a, netwrk: {loss: 0.1}}\n", `unknown key "netwrk" in variant 1; did you mean "network"?`, 6, 15},
	{"variant cannot change the seed", msgBase + "variants:\n  - {name: a, seed: 2}\n", `unknown key "seed" in variant 1 (valid keys: name, description, systems, network, ` + registeredBlocks() + `, disk, limits, faults)`, 6, 15},
	{"variant unknown key in a block", msgBase + "variants:\n  - {name: a, network: {los: 0.1}}\n", `unknown key "los" in network; did you mean "loss"?`, 6, 25},
	{"variant sets the file's total", msgBase + "variants:\n  - {name: a, limits: {max_total_events: 10}}\n", "max_total_events bounds the events of all the file's runs together; set it in the file's limits, not in a variant's", 6, 42},
	{"limits max_total_events", msgBase + "limits: {max_total_events: 0}\n", "max_total_events: expected an integer from 1 to", 5, 28},
	{"variant bad value", msgBase + "reliable: {window: 4}\nvariants:\n  - {name: a, reliable: {window: 0}}\n", "window: expected an integer from 1 to 65535, got 0", 7, 34},
	{"variant bad value in a later variant", msgBase + "variants:\n  - {name: a, rpc: {timeout: 1s}}\n  - {name: b, rpc: {timeout: -1s}}\n", "timeout: expected a duration that is not negative, got -1s", 7, 30},
	{"variant block not a mapping", msgBase + "variants:\n  - {name: a, rpc: 5}\n", "rpc: expected a mapping of keys (semantics, transport,", 6, 20},
	{"variant and file keys checked together", msgBase + "reliable: {min_rto: 1s}\nvariants:\n  - {name: a}\n  - {name: b, reliable: {max_rto: 500ms}}\n", "reliable: max_rto 500ms is below min_rto 1s", 8, 35},
	{"variant link to an unknown node", msgBase + "variants:\n  - {name: a, network: {links: [{from: C, to: B, loss: 1}]}}\n", "network link names node C, which no workload row or fault names", 6, 40},
	{"variant fault without a kind", msgBase + "variants:\n  - name: a\n    faults: [{at: 1s}]\n", "fault 1 of variant a: expected one of crash, restart,", 7, 14},
	{"variant restart without crash", msgBase + "variants:\n  - name: a\n    faults: [{at: 1s, restart: B}]\n", "restart: node B is not crashed at 1s; a restart must follow a crash of that node", 7, 32},
	{"variant crash of a crashed node", msgBase + "faults:\n  - {at: 1s, crash: B}\nvariants:\n  - name: a\n    faults: [{at: 2s, crash: B}]\n", "crash: node B is already crashed (line 6)", 9, 30},
	{"variant fault for another system", msgBase + "variants:\n  - name: a\n    faults: [{at: 1s, flush: server}]\n", "flush applies only to the file systems (nfs, afs), and systems lists neither", 7, 23},
	{"variant fault names an undeclared node", msgBase + "nodes: [A, B]\nvariants:\n  - name: a\n    faults: [{at: 1s, crash: C}]\n", "node C is not declared in nodes", 8, 30},
	{"variant system not in the file", pairBase + "variants:\n  - {name: p, systems: [asf]}\n", `systems: asf is not one of the file's systems (nfs, afs); did you mean "afs"?`, 7, 25},
	{"variant system the file does not run", pairBase + "variants:\n  - {name: p, systems: [afs, udp]}\n", "systems: udp is not one of the file's systems (nfs, afs)", 7, 30},
	{"variant systems empty", pairBase + "variants:\n  - {name: p, systems: []}\n", "systems: expected at least one of the file's systems (nfs, afs); to apply the variant to all of them, leave the key out", 7, 24},
	{"variant systems twice", pairBase + "variants:\n  - {name: p, systems: [afs, afs]}\n", "systems: afs is listed twice (first at line 7)", 7, 30},
	{"variant systems not a list", pairBase + "variants:\n  - {name: p, systems: afs}\n", `systems: expected a list, got "afs"`, 7, 24},
	{"variant systems not text", pairBase + "variants:\n  - {name: p, systems: [{afs: 1}]}\n", "systems: expected a text value, got a mapping", 7, 25},
	{"variant key a system it applies to checks", pairBase + "variants:\n  - {name: p, nfs: {mounts: [{on: /x, server: server}]}}\n",
		"file fileA is in no NFS mount (nfs.mounts has /x)", 3, 9},
	{"plain run checks the file's faults", pairBase + "faults: [{at: 2s, restart: A}]\nvariants:\n  - {name: p, systems: [afs], faults: [{at: 1s, crash: A}]}\n",
		"restart: node A is not crashed at 2s", 6, 28},
	{"expect variant on a system it skips", pairBase + "variants:\n  - {name: p, systems: [afs]}\nexpect:\n  - {system: nfs, variant: p, step: 1, calls: []}\n",
		"variant: p applies only to afs, not to system nfs; leave out system, or name a system p applies to", 9, 28},
	{"expect broken of a system the variant skips", pairBase + "variants:\n  - {name: p, systems: [afs]}\nexpect:\n  - {variant: p, broken: point_in_time_disk}\n",
		"broken: point_in_time_disk is an invariant of system nfs, which variant p does not apply to", 9, 26},
	{"expect unknown variant", msgBase + "variants: [{name: fast}, {name: slow}]\nexpect:\n  - {variant: fsat, step: 1, sent: 1}\n", `variant: fsat is not one of this scenario's variants (fast, slow); did you mean "fast"?`, 7, 15},
	{"expect variant without variants", msgBase + "expect:\n  - {variant: a, step: 1, sent: 1}\n", "variant: the scenario has no variants; remove the key, or add a variants list", 6, 15},
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := scenarios.Load("case.yaml", []byte(tc.in))
			if err == nil {
				t.Fatalf("Load = %+v, nil; want an error containing %q", sc, tc.want)
			}
			var list scenarios.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Load error is %T; want ErrorList", err)
			}
			for _, e := range list {
				if strings.Contains(e.Msg, tc.want) {
					if e.Line != tc.line || e.Col != tc.col {
						t.Errorf("%q at %d:%d; want %d:%d", tc.want, e.Line, e.Col, tc.line, tc.col)
					}
					if e.File != "case.yaml" {
						t.Errorf("File = %q; want case.yaml", e.File)
					}
					return
				}
			}
			t.Errorf("no error contains %q; got:\n%v", tc.want, err)
		})
	}
}

// TestErrorFormat checks the file:line:col form of errors and lists.
func TestErrorFormat(t *testing.T) {
	e := &scenarios.Error{File: "a.yaml", Line: 3, Col: 7, Msg: "loss: expected a probability between 0 and 1, got 1.5"}
	if got, want := e.Error(), "a.yaml:3:7: loss: expected a probability between 0 and 1, got 1.5"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	list := scenarios.ErrorList{e, {File: "a.yaml", Line: 4, Col: 1, Msg: "x"}}
	if got, want := list.Error(), e.Error()+"\na.yaml:4:1: x"; got != want {
		t.Errorf("ErrorList.Error() = %q; want %q", got, want)
	}
	if got, want := (&scenarios.Error{File: "b.yaml", Msg: "cannot read"}).Error(), "b.yaml: cannot read"; got != want {
		t.Errorf("Error() without a line = %q; want %q", got, want)
	}
}

// TestErrorsSortedAndCapped checks that errors come in file order and stop
// at maxErrors with a last "too many errors".
func TestErrorsSortedAndCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: t\nsystems: [udp]\nworkload:\n")
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, "  - {at: %d, op: send, from: A, to: B, count: 0}\n", i)
	}
	b.WriteString("seed: x\n")
	_, err := scenarios.Load("many.yaml", []byte(b.String()))
	var list scenarios.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Load error = %v; want an ErrorList", err)
	}
	if len(list) != scenarios.MaxErrors+1 {
		t.Fatalf("got %d errors; want %d:\n%v", len(list), scenarios.MaxErrors+1, err)
	}
	for i := 1; i < scenarios.MaxErrors; i++ {
		if list[i].Line <= list[i-1].Line {
			t.Errorf("error %d at line %d after line %d: not in file order", i, list[i].Line, list[i-1].Line)
		}
	}
	if last := list[scenarios.MaxErrors]; !strings.Contains(last.Msg, "too many errors (11 more not shown)") {
		t.Errorf("last error = %q; want too many errors (11 more not shown)", last.Msg)
	}
}

// TestAliasBomb checks that nested aliases cannot make Load work for ever.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: t\nsystems: [nfs]\nfiles: {fileA: [a]}\nworkload:\n  - {at: 0, client: A, op: stat, file: fileA}\n")
	b.WriteString("x: &g [")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "n%d, ", i)
	}
	b.WriteString("z]\nfaults:\n  - {at: 1, partition: [")
	for i := 0; i < 1000; i++ {
		b.WriteString("*g, ")
	}
	b.WriteString("*g]}\n")
	_, err := scenarios.Load("bomb.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "the document is too large") {
		t.Fatalf("Load error = %v; want the document is too large", err)
	}
}

// TestLoadFileMissing checks the error of a file that cannot be read.
func TestLoadFileMissing(t *testing.T) {
	_, err := scenarios.LoadFile("testdata/load/no-such-file.yaml")
	var e *scenarios.Error
	if !errors.As(err, &e) || e.Line != 0 || !strings.Contains(e.Error(), "testdata/load/no-such-file.yaml: cannot read the scenario: no such file or directory") {
		t.Fatalf("LoadFile error = %#v; want a read *Error naming the file", err)
	}
}

// registeredFaultKinds lists every fault kind as the loader's messages
// do ("crash, restart or move_volume"): the systems registered decide
// which, so that adding one changes no test here.
func registeredFaultKinds() string {
	var names []string
	for _, k := range scenarios.FaultKinds() {
		names = append(names, k.Name)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// registeredBlocks lists the registered option blocks: "pipe, nfs, ...".
func registeredBlocks() string {
	var names []string
	for _, b := range scenarios.Blocks() {
		names = append(names, b.Name)
	}
	return strings.Join(names, ", ")
}

// TestFaultNodesWithoutSystems: with systems wrong, the servers they
// would name are unknown, so a fault on one is not reported as a typo:
// the file gets one error, the real one.
func TestFaultNodesWithoutSystems(t *testing.T) {
	_, err := scenarios.Load("case.yaml", []byte(strings.Replace(fsBase, "[nfs]", "[nsf]", 1)+"faults:\n  - {at: 1, crash: server}\n"))
	var list scenarios.ErrorList
	if !errors.As(err, &list) || len(list) != 1 || !strings.Contains(list[0].Msg, `unknown system "nsf"`) {
		t.Errorf("Load error:\n%v\nwant only the unknown system", err)
	}
}

// manyNodeRows is n workload rows, each from a node of its own to another.
func manyNodeRows(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "  - {at: 0, op: send, from: N%d, to: M%d}\n", i, i)
	}
	return b.String()
}

// The bound on nodes named one by one leaves programs' clients out: a
// program row of 2,000 clients is the scale, not a typo.
func TestProgramClientsBeyondNodeBound(t *testing.T) {
	src := "name: t\nsystems: [nfs]\nfiles: {shared: [a1]}\nworkload:\n  - program:\n      clients: 2000\n      every: 60s\n      until: 2m\n      steps:\n        - {op: open, file: shared, fd: f}\n        - {op: close, fd: f}\n"
	sc, err := scenarios.Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatalf("a program of 2000 clients was refused: %v", err)
	}
	if len(sc.Nodes) <= scenarios.MaxNodes {
		t.Errorf("%d nodes; want the program's 2000 clients and the server", len(sc.Nodes))
	}
}
