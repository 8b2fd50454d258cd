package nfs

import (
	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/stack"
	"github.com/sim-lecture/sim/protocols/udp"
	"github.com/sim-lecture/sim/sim"
)

// The layering: a node's handler is a udp.Host; on its port 2049 runs the
// RPC layer; on the RPC layer runs NFS. These types put the three together
// for a server node and for a client node.

// The owners of the tags of a server's port 2049, in a field of the port's
// top ownerBits bits (a stack.Mux): the RPC server's and the NFS service's
// own flush timer and writes.
const (
	ownerBits = 4
	ownerRPC  = 1
	ownerNFS  = 2
)

// ServerNode is what makes a node a file server: the services BindServer
// binds to the node's udp.Host at their well-known ports. Port 2049
// carries the RPC server on which the NFS procedures run; MountPort
// (20048) MOUNT's; port 111 the portmapper, which knows both.
type ServerNode struct {
	tags *stack.Mux // of port 2049
	rpc  *rpc.Server
	srv  *Server
}

// BindServer makes the node of h, a fresh udp.Host, a file server: what a
// sim.Factory does at start and at every restart, before it returns h.
// rpcObs (may be nil) is told what the RPC servers do, obs (may be nil)
// what the NFS service does. It fails only if the disk cannot be formatted
// with opts.Files (see CheckFiles) or holds something that is not a file
// system.
func BindServer(h *udp.Host, opts ServerOptions, rpcObs rpc.Observer, obs ServerObserver) (*ServerNode, error) {
	n := &ServerNode{}
	// One xid sequence for the node's servers (they send no calls of their
	// own, but share it as every node does).
	var xids *rpc.XIDs
	var err error
	h.Bind(Port, func(penv sim.Env) sim.Handler {
		xids = rpc.NewXIDs(penv.Incarnation())
		sem := rpc.AtLeastOnce
		if opts.DRC {
			sem = rpc.AtMostOnce
		}
		workers := opts.Workers
		if workers <= 0 {
			workers = DefaultWorkers
		}
		n.tags = stack.NewMux(penv, "nfs port", stack.Bits(penv)-ownerBits, ownerBits)
		n.rpc = rpc.NewServer(n.tags.Env(ownerRPC), rpc.ServerOptions{Semantics: sem, Workers: workers,
			DRCSize: opts.DRCSize, CacheAll: opts.DRCAll, RequireAuthSys: true, XIDs: xids}, rpcObs)
		n.tags.Handle(ownerRPC, n.rpc)
		n.srv, err = NewServer(n.tags.Env(ownerNFS), n.rpc, opts, obs)
		if err == nil {
			n.tags.Handle(ownerNFS, n.srv)
		}
		return serverPort{n}
	})
	if err != nil {
		return nil, err
	}
	h.Bind(MountPort, func(penv sim.Env) sim.Handler {
		ms := rpc.NewServer(penv, rpc.ServerOptions{XIDs: xids}, rpcObs)
		n.srv.RegisterMount(ms)
		return ms
	})
	h.Bind(PortmapPort, func(penv sim.Env) sim.Handler {
		pm := rpc.NewServer(penv, rpc.ServerOptions{XIDs: xids}, rpcObs)
		rpc.RegisterPortmapper(pm, Mappings(opts.API))
		return pm
	})
	return n, nil
}

// ServerOn returns the file server of a node whose handler is node: a
// udp.Host that BindServer made a server. ok is false for any other
// handler, and for nil, a node that is down.
func ServerOn(node sim.Handler) (n *ServerNode, ok bool) {
	if h, isHost := node.(*udp.Host); isHost {
		if p, isServer := h.Handler(Port).(serverPort); isServer {
			return p.n, true
		}
	}
	return nil, false
}

// Mappings are what a server's portmapper answers: NFS (or, under
// strategies 1 and 2, the lecture's program) on Port, MOUNT on MountPort,
// and the lecture's program for APPEND on Port.
func Mappings(api API) []rpc.Mapping {
	udp := uint32(rpc.IPProtoUDP)
	nfs := procFor(api, ProcGetattr)
	maps := []rpc.Mapping{
		{Prog: nfs.Prog, Vers: nfs.Vers, Prot: udp, Port: Port},
		{Prog: MountProgram, Vers: MountVersion, Prot: udp, Port: MountPort},
	}
	if app := procFor(api, ProcAppend); app.Prog != nfs.Prog {
		maps = append(maps, rpc.Mapping{Prog: app.Prog, Vers: app.Vers, Prot: udp, Port: Port})
	}
	return maps
}

// Server returns the node's NFS service.
func (n *ServerNode) Server() *Server { return n.srv }

// RPC returns the node's RPC server.
func (n *ServerNode) RPC() *rpc.Server { return n.rpc }

// serverPort is the handler of port 2049 on a server: messages to the RPC
// server, timers to whichever layer set them.
type serverPort struct{ n *ServerNode }

func (p serverPort) Receive(from sim.NodeID, msg []byte) { p.n.rpc.Receive(from, msg) }

func (p serverPort) Timer(tag uint64) { p.n.tags.Route(tag) }

// BindClient makes the node of h, a fresh udp.Host, an NFS client: what a
// sim.Factory does at start and at every restart, before it returns h.
// Ports 2049, MountPort and PortmapPort carry the client's RPC clients,
// for NFS, MOUNT and the portmapper; each talks to the same port on the
// server. The client starts mounting its mount table at once. obs (may be
// nil) is told what the RPC clients do.
func BindClient(h *udp.Host, opts ClientOptions, obs rpc.Observer) *Client {
	var envs ClientEnvs
	mount, pmap := &portHandler{}, &portHandler{}
	h.Bind(MountPort, func(e sim.Env) sim.Handler { envs.Mount = e; return mount })
	h.Bind(PortmapPort, func(e sim.Env) sim.Handler { envs.Portmap = e; return pmap })
	var c *Client
	h.Bind(Port, func(penv sim.Env) sim.Handler {
		envs.NFS = penv
		var hs ClientHandlers
		c, hs = NewClient(envs, opts, obs)
		mount.Handler, pmap.Handler = hs.Mount, hs.Portmap
		// The handler lives in the Client: finding the client of a node
		// (ClientOn, at every step) reads the Client, not a box beside it.
		c.port = clientPort{hs.NFS, c}
		return &c.port
	})
	c.Start()
	return c
}

// ClientOn returns the NFS client of a node whose handler is node: a
// udp.Host that BindClient made a client. ok is false for any other
// handler, and for nil, a node that is down.
func ClientOn(node sim.Handler) (c *Client, ok bool) {
	if h, isHost := node.(*udp.Host); isHost {
		if p, isClient := h.Handler(Port).(*clientPort); isClient {
			return p.c, true
		}
	}
	return nil, false
}

// portHandler is the handler of a port whose handler is built later.
type portHandler struct{ sim.Handler }

// clientPort is the handler of port 2049 on a client: its RPC client, and
// the NFS client it serves, for ClientOn.
type clientPort struct {
	*rpc.Client
	c *Client
}
