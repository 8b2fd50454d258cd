package afs

import (
	"time"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/stack"
	"github.com/sim-lecture/sim/sim"
)

// DefaultTimeout is the RPC retransmission interval of every AFS node when
// Config.Timeout is 0.
const DefaultTimeout = time.Second

// serverWorkers is the size of a file server's thread pool. AFS's revised
// server runs one lightweight process per call (Howard et al. 1988); what
// matters here is that a STORE waiting for its callback breaks to be
// acknowledged holds one thread, not the whole server.
const serverWorkers = 64

// breakAttempts is how many times a server sends one BREAKCALLBACK before
// it gives up, marks the client down and keeps the break as a delayed one.
const breakAttempts = 3

// Config says which roles a node plays; any combination is allowed. A
// scenario's file servers get Server (and the volume location server VLDB),
// its other nodes Client.
type Config struct {
	// Server, when set, makes the node a file server.
	Server *ServerConfig
	// VLDB, when set, makes the node the volume location database.
	VLDB *VLDBConfig
	// Client, when set, makes the node a client with a cache manager.
	Client *ClientConfig
	// Observer is told about every RPC the node makes or serves (the
	// scenario runner's call log); nil means nobody.
	Observer rpc.Observer
	// Timeout is the RPC retransmission interval (default DefaultTimeout).
	Timeout time.Duration
}

// Node is one AFS machine: an rpc.Node (a client and a server, since file
// servers call their clients back) and the AFS roles built on it. It is the
// handler of the node's AFS port. Everything in it is volatile: a crash
// drops the Node, and the restarted node's new one rebuilds itself from the
// disk.
type Node struct {
	env  sim.Env
	tags *stack.Mux
	rpc  *rpc.Node
	tm   *timers
	// Server is the node's file server, or nil.
	Server *FileServer
	// VLDB is the node's volume location database, or nil.
	VLDB *VLDB
	// Client is the node's cache manager, or nil.
	Client *CacheManager
}

// NewNode builds one life of an AFS node on env (a UDP port's env, usually
// Port's). A restarted node is built again by the same call: each role
// finds its durable state on env.Disk().
func NewNode(env sim.Env, cfg Config) *Node {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	n := &Node{env: env, tags: stack.NewMux(env, "afs node", rpc.NodeTagBits, 1)}
	n.rpc = rpc.NewNode(n.tags.Env(ownerRPC))
	n.tags.Handle(ownerRPC, n.rpc)
	n.tm = stack.NewCallbacks(n.tags.Env(ownerAFS))
	n.tags.Handle(ownerAFS, n.tm)
	// The lecture's RPC: at most once, with Birrell & Nelson's ACKs and
	// probes, and a cache that keeps every reply.
	copts := rpc.Options{Semantics: rpc.AtMostOnce, BirrellNelson: true, Auth: rpc.AuthSys, Timeout: timeout, ProbeInterval: timeout}
	if cfg.Server != nil {
		// A server's only calls are callback breaks, which must not
		// hang on a client that is down.
		copts.MaxAttempts = breakAttempts
	} else if cfg.Client != nil && cfg.Client.withDefaults().ServerAttempts > 0 {
		// A client gives up on a silent server after a few
		// retransmissions and looks the volume up again (CacheManager's
		// call): a volume may have moved off a server that then died.
		copts.MaxAttempts = cfg.Client.withDefaults().ServerAttempts
	}
	c := n.rpc.AddClient(copts, cfg.Observer)
	s := n.rpc.AddServer(rpc.ServerOptions{Semantics: rpc.AtMostOnce, CacheAll: true, BirrellNelson: true, Workers: serverWorkers}, cfg.Observer)
	if cfg.VLDB != nil {
		n.VLDB = newVLDB(env, s, *cfg.VLDB)
	}
	if cfg.Server != nil {
		n.Server = newFileServer(env, s, c, n.tm, *cfg.Server)
	}
	if cfg.Client != nil {
		n.Client = newCacheManager(env, s, c, n.tm, *cfg.Client)
	}
	return n
}

// RPC returns the node's RPC runtime.
func (n *Node) RPC() *rpc.Node { return n.rpc }

// Receive hands a message to the RPC runtime.
func (n *Node) Receive(from sim.NodeID, msg []byte) { n.rpc.Receive(from, msg) }

// Timer routes a timer or disk-write completion to the AFS roles or to the
// RPC runtime, by the owner bit above the RPC node's tags.
func (n *Node) Timer(tag uint64) { n.tags.Route(tag) }

// The owners of a Node's tags: the rpc.Node, whose tags pass through
// unchanged, and the AFS roles' own timers and disk writes, in one bit
// above the rpc.Node's.
const (
	ownerRPC = 0
	ownerAFS = 1
)

// timers are the AFS roles' own timers and disk writes, each running a
// function: one stack.Callbacks per Node, shared by its roles.
type timers = stack.Callbacks

// timer is a pending timer of timers; the zero timer is none.
type timer = stack.Timer
