package nfs

import (
	"fmt"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/sim"
)

// Binding to a server. Only the portmapper has a well-known port (RFC 1833
// §3, first RFC 1057 Appendix A); a client learns where MOUNT and NFS
// listen from it, as mount.nfs does. So before its first MNT to a server,
// a client asks that server's portmapper with GETPORT on which UDP port
// NFS (program 100003 version 2, or the lecture's program under strategies
// 1 and 2) listens, then MOUNT (100005 version 1), one after the other as
// mount.nfs does, and then sends MNT. It keeps the answers until it
// crashes: once per server per boot. A lost question or answer is
// retransmitted by the RPC layer like any call (a soft mount gives up
// after Retrans retransmissions).
//
// In the simulator a port sends to the same port on its peer (package
// udp), so the answers can only confirm the well-known ports: a program
// the portmapper does not know (port 0) or knows at another port fails
// the mount with EPROGUNAVAIL. ClientOptions.FixedPorts skips the
// questions and trusts the well-known ports.

// binding is what the client learned from one server's portmapper.
type binding struct {
	// bound: both programs are at their well-known ports.
	bound bool
	// asking: the GETPORTs are on their way; waiters run when they are
	// answered.
	asking  bool
	waiters []func(error)
}

// bind asks server's portmapper where MOUNT and NFS listen, unless it has
// been asked in this life of the client, and then runs k with nil or the
// reason the server cannot be used.
func (c *Client) bind(server sim.NodeID, k func(error)) {
	if c.opts.FixedPorts {
		k(nil)
		return
	}
	b := c.bindings[server]
	if b == nil {
		b = &binding{}
		if c.bindings == nil {
			c.bindings = map[sim.NodeID]*binding{}
		}
		c.bindings[server] = b
	}
	if b.bound {
		k(nil)
		return
	}
	b.waiters = append(b.waiters, k)
	if b.asking {
		return
	}
	b.asking = true
	// The second question is sent from the first one's reply: it belongs
	// to whoever the first belongs to (see Running).
	own := c.own
	nfs := procFor(c.opts.API, ProcGetattr)
	c.getPort(server, own, rpc.Mapping{Prog: nfs.Prog, Vers: nfs.Vers, Port: Port}, func(err error) {
		if err != nil {
			c.bound(b, err)
			return
		}
		c.getPort(server, own, rpc.Mapping{Prog: MountProgram, Vers: MountVersion, Port: MountPort}, func(err error) {
			c.bound(b, err)
		})
	})
}

// getPort asks server's portmapper for want's program and version, and
// runs k with nil if the answer is want's port. own says whose call it is
// (see sendOwn).
func (c *Client) getPort(server sim.NodeID, own bool, want rpc.Mapping, k func(error)) {
	c.sendOwn(own, func() { c.askPort(server, want, k) })
}

func (c *Client) askPort(server sim.NodeID, want rpc.Mapping, k func(error)) {
	rpc.GetPort(c.pmap, server, want.Prog, want.Vers, func(port uint32, err error) {
		if err == nil && port != want.Port {
			err = rpc.ErrProgUnavail
			c.env.Trace("nfs", fmt.Sprintf("portmapper of %s: program %d version %d at port %d, not %d",
				c.env.NodeName(server), want.Prog, want.Vers, port, want.Port))
		}
		k(err)
	})
}

// bound ends the questions to a server's portmapper and runs the waiters.
func (c *Client) bound(b *binding, err error) {
	b.asking, b.bound = false, err == nil
	ws := b.waiters
	b.waiters = nil
	for _, w := range ws {
		w(err)
	}
}
