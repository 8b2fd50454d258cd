package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/udp"
)

// captured is one packet of a capture, decoded by this test: where it went,
// whether its UDP checksum holds, and what the datagram carries.
type captured struct {
	src, dst string
	intact   bool
	// raw: a raw payload in a UDP header with no checksum (the pipe and
	// socket systems), whose corruption nothing can detect.
	raw bool
	// what is the protocol tshark must find: "nfs", "mount", "portmap" or
	// "rpc" for an RPC message of another program, "echo" for the
	// messaging systems' payloads, "data" for any other datagram.
	what string
}

// readOut reads a capture back with gopacket's pcap reader and classifies
// every packet.
func readOut(t *testing.T, path string, addrs map[string]udp.Addr) []captured {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(bufio.NewReader(f))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []captured
	for {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		p := gopacket.NewPacket(data, layers.LayerTypeIPv4, gopacket.NoCopy)
		ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if !ok {
			t.Fatalf("%s: packet %d is not IPv4", path, len(out)+1)
		}
		var src, dst udp.Addr
		copy(src[:], ip.SrcIP.To4())
		copy(dst[:], ip.DstIP.To4())
		c := captured{src: ip.SrcIP.String(), dst: ip.DstIP.String(), what: "data"}
		hdr, payload, err := udp.Unmarshal(src, dst, ip.Payload)
		switch {
		case err == nil:
			c.intact = true
		case len(ip.Payload) >= udp.HeaderLen && ip.Payload[6] == 0 && ip.Payload[7] == 0:
			// A raw payload, with no checksum.
			c.intact, c.raw, payload = true, true, ip.Payload[udp.HeaderLen:]
			hdr.DstPort = uint16(ip.Payload[2])<<8 | uint16(ip.Payload[3])
		}
		switch {
		case hdr.DstPort == 7:
			c.what = "echo"
		case hdr.DstPort == 9 || hdr.DstPort == 1975:
		default:
			if m, err := rpc.ParseMsg(payload); err == nil && c.intact {
				c.what = programs[m.Call.Prog]
				if m.Type == rpc.MsgReply {
					c.what = "" // a reply is its call's: any RPC program will do
				}
				if c.what == "" {
					c.what = "rpc"
				}
			}
		}
		out = append(out, c)
	}
}

// programs are the RPC programs tshark has dissectors for.
var programs = map[uint32]string{100003: "nfs", 100005: "mount", 100000: "portmap"}

// onWire counts what a trace says the network carried: every send that
// reached the network (not a down sender's) and every extra copy.
func onWire(t *testing.T, path string) (packets, corrupted int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r struct{ Kind, Info string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		switch {
		case r.Kind == "send", r.Kind == "duplicate":
			packets++
		case r.Kind == "drop" && (r.Info == "sender down" || r.Info == "no such node"):
			packets--
		case r.Kind == "corrupt":
			corrupted++
		}
	}
	return packets, corrupted
}

// captureScenarios are built-in scenarios whose captures the tests read:
// NFS with the lecture's strategies, retries, a DRC and crashes, MOUNT, AFS,
// the rpc system, and the lossy, duplicating, corrupting datagram systems.
var captureScenarios = []string{"nfs_vs_afs", "nfs_idempotency", "nfs_mkdir_creat", "nfs_api_paths", "nfs_api_stateful_fds", "nfs_mounts",
	"nfs_server_crash", "rpc_append_retry", "rpc_long_call", "udp_unreliable", "pipe_vs_socket", "two_generals", "timeouts"}

// outDirs holds the --out directory of each scenario run so far, so that
// the two tests below run each scenario once; TestMain removes them.
var outDirs = map[string]string{}

// runOut runs a built-in scenario with --out, or returns the directory of
// its earlier run.
func runOut(t *testing.T, name string) string {
	t.Helper()
	if dir, ok := outDirs[name]; ok {
		return dir
	}
	dir, err := os.MkdirTemp("", "sim-capture-")
	if err != nil {
		t.Fatal(err)
	}
	outDirs[name] = dir
	if code, _, errOut := runSim(t, "run", name, "--out", dir); code != 0 {
		t.Fatalf("sim run %s --out: exit %d: %s", name, code, errOut)
	}
	return dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range outDirs {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// captureLabels lists the run labels of a --out directory: capture-X.pcap and
// trace-X.jsonl come in pairs.
func captureLabels(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "capture-*.pcap"))
	traces, _ := filepath.Glob(filepath.Join(dir, "trace-*.jsonl"))
	if len(files) == 0 || len(files) != len(traces) {
		t.Fatalf("%d captures for %d traces in %s", len(files), len(traces), dir)
	}
	var labels []string
	for _, f := range files {
		labels = append(labels, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "capture-"), ".pcap"))
	}
	return labels
}

// Reference: issue 14 — every datagram the network carried, a loss once, a
// duplicate twice, a corrupted one with its flipped bit; read back with a
// pcap reader and checked against the run's own trace.
func TestCaptureReadBack(t *testing.T) {
	for _, name := range captureScenarios {
		t.Run(name, func(t *testing.T) {
			dir := runOut(t, name)
			for _, label := range captureLabels(t, dir) {
				pkts := readOut(t, filepath.Join(dir, "capture-"+label+".pcap"), nil)
				want, corrupted := onWire(t, filepath.Join(dir, "trace-"+label+".jsonl"))
				bad := 0
				for _, p := range pkts {
					if !p.intact {
						bad++
					}
					if p.raw {
						corrupted = 0 // without a checksum, corruption does not show
					}
					if !strings.HasPrefix(p.src, "10.") || !strings.HasPrefix(p.dst, "10.") || p.src == p.dst {
						t.Errorf("%s: packet %s -> %s", label, p.src, p.dst)
					}
				}
				if len(pkts) != want || bad != corrupted {
					t.Errorf("%s: %d packets, %d with a bad checksum; the trace says %d on the wire, %d corrupted",
						label, len(pkts), bad, want, corrupted)
				}
			}
		})
	}
}

// Reference: issue 14 — tshark dissects every packet as what it is, finds
// no malformed packet, and every checksum valid but those of the packets
// the network corrupted.
func TestTsharkDissectsCaptures(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not installed (apt-get install tshark): the captures are not dissected")
	}
	for _, name := range captureScenarios {
		t.Run(name, func(t *testing.T) {
			dir := runOut(t, name)
			for _, label := range captureLabels(t, dir) {
				path := filepath.Join(dir, "capture-"+label+".pcap")
				ours := readOut(t, path, nil)
				theirs := dissect(t, tshark, path)
				if len(theirs) != len(ours) {
					t.Fatalf("%s: tshark read %d packets; the capture has %d", label, len(theirs), len(ours))
				}
				for i, d := range theirs {
					o := ours[i]
					where := fmt.Sprintf("%s packet %d (%s)", label, i+1, d.protocols)
					if strings.Contains(d.protocols, "malformed") {
						t.Errorf("%s: malformed", where)
					}
					want := map[bool]string{true: "1", false: "0"}[o.intact]
					if o.raw {
						want = "3" // no checksum present
					}
					if d.checksum != want {
						t.Errorf("%s: UDP checksum status %s; want %s (intact: %v)", where, d.checksum, want, o.intact)
					}
					if !o.intact {
						continue
					}
					if !strings.HasPrefix(d.protocols, "raw:ip:udp") {
						t.Errorf("%s: not IPv4/UDP", where)
					}
					if o.what != "" && o.what != "data" && !strings.Contains(":"+d.protocols+":", ":"+o.what+":") {
						t.Errorf("%s: want %s", where, o.what)
					}
					if o.what == "" && !strings.Contains(d.protocols, ":rpc") {
						t.Errorf("%s: an RPC reply not dissected as RPC", where)
					}
					if d.error && o.intact {
						t.Errorf("%s: tshark reports an error: %s", where, d.expert)
					}
				}
			}
		})
	}
}

// dissection is what tshark says of one packet.
type dissection struct {
	protocols string
	checksum  string // udp.checksum.status: 1 good, 0 bad, 3 not present
	error     bool   // an expert message of severity error
	expert    string
}

// dissect runs tshark on a capture. The ports of the programs Wireshark
// has no dissector for (the rpc system's 111 is RPC's own; AFS's 7100 is
// not) are decoded as RPC, with unknown programs allowed, as the docs tell
// users to.
func dissect(t *testing.T, tshark, path string) []dissection {
	t.Helper()
	cmd := exec.Command(tshark, "-n", "-r", path, "-o", "udp.check_checksum:TRUE",
		"-o", "rpc.dissect_unknown_programs:TRUE", "-d", "udp.port==7100,rpc",
		"-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=|",
		"-e", "frame.protocols", "-e", "udp.checksum.status", "-e", "_ws.expert.severity", "-e", "_ws.expert.message")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v", path, err)
	}
	var res []dissection
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		f := strings.Split(line, "\t")
		for len(f) < 4 {
			f = append(f, "")
		}
		d := dissection{protocols: f[0], checksum: f[1], expert: f[3]}
		for _, sev := range strings.Split(f[2], "|") {
			if sev == "8388608" { // PI_ERROR
				d.error = true
			}
		}
		res = append(res, d)
	}
	return res
}

// The same scenario and seed give byte-identical captures.
func TestCaptureDeterministic(t *testing.T) {
	var first map[string][]byte
	for range 2 {
		dir := t.TempDir()
		if code, _, errOut := runSim(t, "run", "udp_unreliable", "--out", dir); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "capture-*.pcap"))
		got := map[string][]byte{}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got[filepath.Base(f)] = b
		}
		if first == nil {
			first = got
			continue
		}
		if len(got) != len(first) {
			t.Fatalf("%d captures, then %d", len(first), len(got))
		}
		for name, b := range got {
			if string(b) != string(first[name]) {
				t.Errorf("%s differs between two runs of the same seed", name)
			}
		}
	}
}
