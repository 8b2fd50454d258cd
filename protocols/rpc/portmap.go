package rpc

import (
	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// The portmapper (RFC 1833 §3, the Port Mapper Program Protocol, version
// 2): the one service at a fixed port, which tells a client on which port
// another program listens, so that only its own port need be well known.
//
//	program PMAP_PROG {
//	    version PMAP_VERS {
//	        void         PMAPPROC_NULL(void)        = 0;
//	        bool         PMAPPROC_SET(mapping)      = 1;
//	        bool         PMAPPROC_UNSET(mapping)    = 2;
//	        unsigned int PMAPPROC_GETPORT(mapping)  = 3;
//	        pmaplist     PMAPPROC_DUMP(void)        = 4;
//	        call_result  PMAPPROC_CALLIT(call_args) = 5;
//	    } = 2;
//	} = 100000;
//
// The simulator's services are registered when their node starts and
// never move, so SET and UNSET always answer false, and CALLIT (an
// indirect call) is not offered.
const (
	PortmapProgram = 100000
	PortmapVersion = 2
	// PortmapPort is the portmapper's well-known port, on UDP and TCP.
	PortmapPort = 111
	// IPProtoUDP and IPProtoTCP are a mapping's protocols.
	IPProtoUDP = 17
	IPProtoTCP = 6
)

// The portmapper's procedures.
var (
	PmapNull    = Proc{Prog: PortmapProgram, Vers: PortmapVersion, Num: 0, Name: "PMAP_NULL", Idempotent: true}
	PmapSet     = Proc{Prog: PortmapProgram, Vers: PortmapVersion, Num: 1, Name: "PMAP_SET"}
	PmapUnset   = Proc{Prog: PortmapProgram, Vers: PortmapVersion, Num: 2, Name: "PMAP_UNSET"}
	PmapGetport = Proc{Prog: PortmapProgram, Vers: PortmapVersion, Num: 3, Name: "GETPORT", Idempotent: true}
	PmapDump    = Proc{Prog: PortmapProgram, Vers: PortmapVersion, Num: 4, Name: "PMAP_DUMP", Idempotent: true}
)

// Mapping says that version Vers of program Prog listens on Port over
// protocol Prot (IPProtoUDP or IPProtoTCP).
type Mapping struct {
	Prog, Vers, Prot, Port uint32
}

// PmapList is DUMP's result: the mappings, as a linked list.
type PmapList struct {
	Map  Mapping
	Next *PmapList
}

// RegisterPortmapper offers the portmapper on s, knowing maps (and itself).
func RegisterPortmapper(s *Server, maps []Mapping) {
	maps = append([]Mapping{{Prog: PortmapProgram, Vers: PortmapVersion, Prot: IPProtoUDP, Port: PortmapPort}}, maps...)
	s.Register(PmapNull, func(c *Call) { c.Reply(nil, nil) })
	refuse := func(c *Call) {
		var m Mapping
		if err := xdr.Unmarshal(c.Args, &m); err != nil {
			c.Reply(nil, ErrGarbageArgs)
			return
		}
		c.Reply(mustMarshal(false), nil)
	}
	s.Register(PmapSet, refuse)
	s.Register(PmapUnset, refuse)
	s.Register(PmapGetport, func(c *Call) {
		var q Mapping
		if err := xdr.Unmarshal(c.Args, &q); err != nil {
			c.Reply(nil, ErrGarbageArgs)
			return
		}
		var port uint32 // 0: not registered (RFC 1833)
		for _, m := range maps {
			if m.Prog == q.Prog && m.Vers == q.Vers && m.Prot == q.Prot {
				port = m.Port
			}
		}
		c.Reply(mustMarshal(port), nil)
	})
	s.Register(PmapDump, func(c *Call) {
		if len(c.Args) != 0 {
			c.Reply(nil, ErrGarbageArgs)
			return
		}
		var list *PmapList
		for i := len(maps) - 1; i >= 0; i-- {
			list = &PmapList{Map: maps[i], Next: list}
		}
		// pmaplist is an optional-data list: a pointer inside a struct.
		c.Reply(mustMarshal(struct{ List *PmapList }{list}), nil)
	})
}

// GetPort asks server's portmapper on which port version vers of program
// prog listens over UDP; done gets 0 if it is not registered.
func GetPort(c *Client, server sim.NodeID, prog, vers uint32, done func(port uint32, err error)) CallID {
	args := mustMarshal(Mapping{Prog: prog, Vers: vers, Prot: IPProtoUDP})
	return c.Call(server, PmapGetport, args, func(b []byte, err error) {
		var port uint32
		if err == nil {
			err = unmarshalResult(b, &port)
		}
		done(port, err)
	})
}

// mustMarshal encodes a value whose type has an XDR form.
func mustMarshal(v any) []byte {
	b, err := xdr.Marshal(v)
	if err != nil {
		panic("rpc: " + err.Error())
	}
	return b
}
