package rpc

import (
	"fmt"
	"time"

	"github.com/sim-lecture/sim/sim"
)

// TagBits is how many low bits of the timer and disk-write tags a Client or
// Server uses. A Node puts its owner in the two bits above, so an RPC node
// needs tags below 1<<(TagBits+2) from its env, well inside what a UDP port
// offers (udp.TagBits = 48).
const TagBits = 40

const tagMask = 1<<TagBits - 1

// callbacks hands out timer tags from a counter and runs the function
// registered with each tag when its timer fires or its disk write is
// durable. An endpoint therefore never decodes a tag, and a stale tag (a
// timer cancelled too late, or one from before a restart, which the kernel
// never delivers anyway) finds nothing and does nothing.
type callbacks struct {
	env  sim.Env
	next uint64
	fns  map[uint64]func() // looked up only, never iterated
}

// timer is a pending callback timer; the zero timer is none.
type timer struct {
	id  sim.TimerID
	tag uint64
}

func newCallbacks(env sim.Env) callbacks {
	return callbacks{env: env, fns: make(map[uint64]func())}
}

func (c *callbacks) newTag(fn func()) uint64 {
	c.next++
	if c.next > tagMask {
		panic("rpc: timer tags exhausted")
	}
	c.fns[c.next] = fn
	return c.next
}

// after runs fn after d.
func (c *callbacks) after(d time.Duration, fn func()) timer {
	tag := c.newTag(fn)
	return timer{id: c.env.SetTimer(d, tag), tag: tag}
}

// writeDisk stores val under key through the env and runs fn once it is
// durable. A crash first loses both the write and fn.
func (c *callbacks) writeDisk(key string, val []byte, fn func()) {
	c.env.WriteDisk(key, val, c.newTag(fn))
}

// cancel stops t if it is pending.
func (c *callbacks) cancel(t *timer) {
	if t.tag == 0 {
		return
	}
	c.env.CancelTimer(t.id)
	delete(c.fns, t.tag)
	*t = timer{}
}

// fire runs the callback of tag, once.
func (c *callbacks) fire(tag uint64) {
	fn, ok := c.fns[tag]
	if !ok {
		return
	}
	delete(c.fns, tag)
	fn()
}

// Owners of a Node's tags (the two bits above TagBits).
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
	xids *XIDs
	// Client is the node's client, or nil.
	Client *Client
	// Server is the node's server, or nil.
	Server *Server
}

// NewNode returns a Node with neither a client nor a server. Its client and
// server share the node's xids (see XIDs).
func NewNode(env sim.Env) *Node { return &Node{env: env, xids: NewXIDs(env.Incarnation())} }

// AddClient builds the node's client. Adding a second one is a programming
// error and panics.
func (n *Node) AddClient(opts Options, obs Observer) *Client {
	if n.Client != nil {
		panic("rpc: Node already has a client")
	}
	opts.XIDs = n.xids
	n.Client = NewClient(&ownerEnv{Env: n.env, owner: ownerClient}, opts, obs)
	return n.Client
}

// AddServer builds the node's server. Adding a second one is a programming
// error and panics.
func (n *Node) AddServer(opts ServerOptions, obs Observer) *Server {
	if n.Server != nil {
		panic("rpc: Node already has a server")
	}
	opts.XIDs = n.xids
	n.Server = NewServer(&ownerEnv{Env: n.env, owner: ownerServer}, opts, obs)
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
func (n *Node) Timer(tag uint64) {
	switch tag >> TagBits {
	case ownerClient:
		if n.Client != nil {
			n.Client.Timer(tag & tagMask)
		}
	case ownerServer:
		if n.Server != nil {
			n.Server.Timer(tag & tagMask)
		}
	}
}

// ownerEnv is the env a Node gives its client or server: the node's env
// with the owner's bits added to every tag.
type ownerEnv struct {
	sim.Env
	owner uint64
}

func (e *ownerEnv) SetTimer(d time.Duration, tag uint64) sim.TimerID {
	return e.Env.SetTimer(d, e.owner<<TagBits|tag)
}

func (e *ownerEnv) WriteDisk(key string, val []byte, tag uint64) {
	e.Env.WriteDisk(key, val, e.owner<<TagBits|tag)
}
