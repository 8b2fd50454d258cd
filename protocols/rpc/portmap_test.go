package rpc

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// Reference: RFC 1833 §3 — GETPORT answers the port of a registered
// program (0 for one that is not), DUMP lists the mappings, and this
// portmapper's mappings are fixed, so SET answers false.
func TestPortmapper(t *testing.T) {
	h := newHarness(t)
	h.standard = true
	_, client := h.addClient("A", Options{}, nil)
	nfs := Mapping{Prog: 100003, Vers: 2, Prot: IPProtoUDP, Port: 2049}
	s := h.add("S", func(env sim.Env) sim.Handler {
		srv := NewServer(env, ServerOptions{}, nil)
		RegisterPortmapper(srv, []Mapping{nfs})
		return srv
	})
	ports := map[uint32]uint32{}
	for _, prog := range []uint32{100003, 100005} {
		GetPort(client(), s.id, prog, 2, func(port uint32, err error) {
			if err != nil {
				t.Errorf("GETPORT(%d): %v", prog, err)
			}
			ports[prog] = port
		})
	}
	var dump struct{ List *PmapList }
	client().Call(s.id, PmapDump, nil, func(b []byte, err error) {
		if err == nil {
			err = xdr.Unmarshal(b, &dump)
		}
		if err != nil {
			t.Errorf("DUMP: %v", err)
		}
	})
	var set []byte
	client().Call(s.id, PmapSet, mustMarshal(nfs), func(b []byte, err error) { set = b })
	h.settle()
	if diff := cmp.Diff(map[uint32]uint32{100003: 2049, 100005: 0}, ports); diff != "" {
		t.Errorf("GETPORT (-want +got):\n%s", diff)
	}
	want := &PmapList{Map: Mapping{Prog: PortmapProgram, Vers: PortmapVersion, Prot: IPProtoUDP, Port: PortmapPort},
		Next: &PmapList{Map: nfs}}
	if diff := cmp.Diff(want, dump.List); diff != "" {
		t.Errorf("DUMP (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(mustMarshal(false), set); diff != "" {
		t.Errorf("SET answered %x; want false", set)
	}
}
