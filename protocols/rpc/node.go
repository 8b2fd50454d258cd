package rpc

import (
	"fmt"

	"github.com/sim-lecture/sim/protocols/stack"
	"github.com/sim-lecture/sim/sim"
)

// TagBits is how many low bits of the timer and disk-write tags a Client or
// Server uses (from its stack.Callbacks' counter).
const TagBits = 40

// NodeTagBits is how many low bits of its env's tags a Node uses: its tag
// Mux puts the owner, the client or the server, in the two bits above
// TagBits. A layer that hosts a Node gives it that many.
const NodeTagBits = TagBits + 2

// Owners of a Node's tags.
const (
	ownerClient = 1
	ownerServer = 2
)

// Node is the handler of a node that hosts an RPC client, an RPC server or
// both, on one env (the node's, a UDP port's or a reliable connection's).
// It routes each arriving message by its kind, calls and the caller's ACKs
// and probes to the Server, replies and the callee's ACKs to the Client,
// and each timer to whichever of them set it.
//
// A Client or Server alone on an env can also be the handler itself; Node
// is only needed to put both on one.
type Node struct {
	env  sim.Env
	tags *stack.Mux
	xids *XIDs
	// Client is the node's client, or nil.
	Client *Client
	// Server is the node's server, or nil.
	Server *Server
}

// NewNode returns a Node with neither a client nor a server. Its client and
// server share the node's xids (see XIDs).
func NewNode(env sim.Env) *Node {
	return &Node{env: env, tags: stack.NewMux(env, "rpc node", TagBits, NodeTagBits-TagBits), xids: NewXIDs(env.Incarnation())}
}

// AddClient builds the node's client. Adding a second one is a programming
// error and panics.
func (n *Node) AddClient(opts Options, obs Observer) *Client {
	if n.Client != nil {
		panic("rpc: Node already has a client")
	}
	opts.XIDs = n.xids
	n.Client = NewClient(n.tags.Env(ownerClient), opts, obs)
	n.tags.Handle(ownerClient, n.Client)
	return n.Client
}

// AddServer builds the node's server. Adding a second one is a programming
// error and panics.
func (n *Node) AddServer(opts ServerOptions, obs Observer) *Server {
	if n.Server != nil {
		panic("rpc: Node already has a server")
	}
	opts.XIDs = n.xids
	n.Server = NewServer(n.tags.Env(ownerServer), opts, obs)
	n.tags.Handle(ownerServer, n.Server)
	return n.Server
}

// Receive routes a message to the client or the server: calls, probes and
// the caller's ACKs to the server, replies and the callee's ACKs to the
// client.
func (n *Node) Receive(from sim.NodeID, msg []byte) {
	switch kindOf(msg) {
	case KindCall, KindAckReply, KindProbe:
		if n.Server != nil {
			n.Server.Receive(from, msg)
			return
		}
	case KindReply, KindAckCall:
		if n.Client != nil {
			n.Client.Receive(from, msg)
			return
		}
	}
	n.env.Trace("rpc", fmt.Sprintf("dropped %d-byte message from %s: nobody here to take it", len(msg), n.env.NodeName(from)))
}

// Timer routes a timer to the client or the server.
func (n *Node) Timer(tag uint64) { n.tags.Route(tag) }
