package nfs

import (
	"testing"

	"github.com/sim-lecture/sim/sim"
)

// TestPortmapper checks that a client asks a server's portmapper where NFS
// and MOUNT listen (GETPORT) before its first MNT to it, once per server
// per boot, that the RPC layer retransmits a GETPORT whose reply is lost,
// and that a program the portmapper does not know fails the mount.
//
// Reference: RFC 1833 §3 (PMAPPROC_GETPORT; port 0: not registered), RFC
// 1094 Appendix A (MOUNT, program 100005).
func TestPortmapper(t *testing.T) {
	files := []File{{Path: "f", Blocks: []string{"b0"}}, {Path: "d/g", Blocks: []string{"g0"}}}
	twoMounts := []Mount{{Server: "server", Export: "/", At: "/"}, {Server: "server", Export: "/d", At: "/d"}}
	tests := []struct {
		name  string
		sopts ServerOptions
		copts ClientOptions
		// dropReplies loses this many of the portmapper's first replies.
		dropReplies int
		// restartAt crashes the client at 1s and restarts it then (0:
		// never); the open happens at 3s.
		restartAt float64
		want      string // the client's calls, in order
		wantErr   string
		wantAt    float64 // when the open returns
	}{
		{name: "asks both ports, then mounts", want: "GETPORT,GETPORT,MNT,LOOKUP", wantErr: "ok", wantAt: 0.040},
		{name: "fixed ports send MNT at once", copts: ClientOptions{FixedPorts: true},
			want: "MNT,LOOKUP", wantErr: "ok", wantAt: 0.020},
		{name: "two mounts of one server ask once", copts: ClientOptions{Mounts: twoMounts},
			want: "GETPORT,GETPORT,MNT,MNT,LOOKUP", wantErr: "ok", wantAt: 0.040},
		{name: "a lost reply is retransmitted", dropReplies: 1,
			want: "GETPORT,GETPORT,MNT,LOOKUP", wantErr: "ok", wantAt: 1.140},
		{name: "a restarted client asks again", restartAt: 2,
			want: "GETPORT,GETPORT,MNT,GETPORT,GETPORT,MNT,LOOKUP", wantErr: "ok", wantAt: 3.010},
		// A client of strategy 2 asks for the lecture's program, which a
		// server of strategy 4 does not register: GETPORT answers port 0.
		{name: "an unknown program fails the mount", copts: ClientOptions{API: Paths},
			want: "GETPORT", wantErr: "EPROGUNAVAIL", wantAt: 0.010},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.sopts.Files = files
			c := newCluster(t, tc.sopts, tc.copts, "A")
			dropped := 0
			c.net.drop = func(now sim.Time, from, to sim.NodeID, msg []byte) bool {
				// A datagram from port 111 of the server.
				fromPmap := from == c.server && msg[0] == 0 && msg[1] == PortmapPort
				if fromPmap && dropped < tc.dropReplies {
					dropped++
					return true
				}
				return false
			}
			at := 0.0
			if tc.restartAt > 0 {
				a := c.clients["A"]
				c.w.At(secs(1), func() { c.w.Crash(a) })
				c.w.At(secs(tc.restartAt), func() { c.w.Restart(a) })
				at = 3
			}
			c.do(at, "A", Op{Kind: OpOpen, Path: "f", FD: "f"})
			c.run()
			var got []string
			for _, r := range c.rec.calls {
				got = append(got, r.proc)
			}
			if joined(got) != tc.want {
				t.Errorf("calls = %s; want %s", joined(got), tc.want)
			}
			r := c.result(at, "A")
			if ErrorName(r.res.Err) != tc.wantErr || r.done != secs(tc.wantAt) {
				t.Errorf("open = %s at %v; want %s at %vs", ErrorName(r.res.Err), r.done, tc.wantErr, tc.wantAt)
			}
		})
	}
}
