package afs

import (
	"sort"
	"strings"

	"github.com/sim-lecture/sim/protocols/rpc"
	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// Location says which server holds a volume.
type Location struct {
	Volume string
	Server string
}

// VLDBConfig configures a volume location database.
type VLDBConfig struct {
	// Locations are installed at the database's first start.
	Locations []Location
}

// VLDB is the volume location database: "client library gives seamless
// view of directory tree by automatically finding volumes". It maps each
// volume to the server that holds it and answers GETVOLUMELOCATION. Its
// entries are durable; an administrator's volume move updates them
// (SetLocation). (Real AFS replicates the database over several servers
// with Ubik; one copy is enough for the lecture.)
type VLDB struct {
	env     sim.Env
	entries map[string]string // looked up only; Locations sorts
}

func newVLDB(env sim.Env, s *rpc.Server, cfg VLDBConfig) *VLDB {
	d := env.Disk()
	if _, ok := d.Get(keyVLDBFormatted); !ok {
		for _, l := range cfg.Locations {
			d.Put(keyVLDBEntry+l.Volume, []byte(l.Server))
		}
		d.Put(keyVLDBFormatted, nil)
	}
	v := &VLDB{env: env, entries: map[string]string{}}
	for _, k := range d.Keys() {
		if vol, ok := strings.CutPrefix(k, keyVLDBEntry); ok {
			b, _ := d.Get(k)
			v.entries[vol] = string(b)
		}
	}
	s.Register(procOf(ProcGetVolumeLocation), v.getVolumeLocation)
	return v
}

func (v *VLDB) getVolumeLocation(c *rpc.Call) {
	var a VolumeArgs
	if err := xdr.Unmarshal(c.Args, &a); err != nil {
		c.Reply(nil, rpc.ErrGarbageArgs)
		return
	}
	server, ok := v.entries[a.Volume]
	if !ok {
		c.Reply(nil, ErrNoVol)
		return
	}
	c.Reply(marshal(VolumeLocation{Server: server}), nil)
}

// SetLocation records that server now holds vol: the last step of an
// administrator's volume move. It is durable at once (the administrator's
// tool waits for the database to commit).
func (v *VLDB) SetLocation(vol, server string) {
	v.entries[vol] = server
	v.env.Disk().Put(keyVLDBEntry+vol, []byte(server))
}

// Locations returns every entry, sorted by volume.
func (v *VLDB) Locations() []Location {
	out := make([]Location, 0, len(v.entries))
	for vol, s := range v.entries {
		out = append(out, Location{Volume: vol, Server: s})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Volume < out[j].Volume })
	return out
}
