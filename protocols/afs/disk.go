package afs

import (
	"strings"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// Disk layout. Everything an AFS node keeps across a crash is under these
// keys; everything else it knows is volatile and rebuilt from them.
//
//	file server   afs/fs/formatted            set once the initial tree is installed
//	              afs/fs/volume/VOL           the server holds volume VOL
//	              afs/fs/moved/VOL            VOL moved away, to the server named
//	              afs/fs/file/PATH            a FileRecord
//	              afs/fs/host/NAME            NAME was once promised a callback
//	VLDB          afs/vldb/formatted
//	              afs/vldb/entry/VOL          the server holding VOL
//	cache manager afs/cm/file/PATH            a cached whole file (CacheRecord)
//	              afs/cm/volume/VOL           where VOL was last found
//
// The callback promises are not on the disk: they are server memory, which
// is the lecture's point ("lose callbacks when server crashes"). The hosts
// once promised one are, so that a restarted server knows whom to tell
// (the lecture's "tell all clients to recheck all data"): one key per
// host, so that adding the n-th host writes one name, not n.
const (
	keyFSFormatted   = "afs/fs/formatted"
	keyFSVolume      = "afs/fs/volume/"
	keyFSMoved       = "afs/fs/moved/"
	keyFSFile        = "afs/fs/file/"
	keyFSHost        = "afs/fs/host/"
	keyVLDBFormatted = "afs/vldb/formatted"
	keyVLDBEntry     = "afs/vldb/entry/"
	keyCMFile        = "afs/cm/file/"
	keyCMVolume      = "afs/cm/volume/"
)

// FileRecord is a file as the server stores it.
type FileRecord struct {
	Volume  string
	Path    string
	Version uint64
	Dir     bool
	Data    []string
}

// CacheRecord is a whole file in a client's disk cache.
type CacheRecord struct {
	Volume  string
	Version uint64
	Data    []string
}

// decode unmarshals a record this package wrote; a bad one is a bug.
func decode(b []byte, v any) {
	if err := xdr.Unmarshal(b, v); err != nil {
		panic("afs: corrupt record on disk: " + err.Error())
	}
}

// ServerFiles returns the files on a file server's disk, path -> blocks,
// directories left out: the durable state the results report.
func ServerFiles(d *sim.Disk) map[string][]string {
	out := map[string][]string{}
	for _, k := range d.Keys() {
		if !strings.HasPrefix(k, keyFSFile) {
			continue
		}
		b, _ := d.Get(k)
		var rec FileRecord
		decode(b, &rec)
		if rec.Dir {
			continue
		}
		out[rec.Path] = append([]string{}, rec.Data...)
	}
	return out
}

// ServerVolumes returns the volumes a file server's disk holds, sorted.
func ServerVolumes(d *sim.Disk) []string {
	var out []string
	for _, k := range d.Keys() {
		if v, ok := strings.CutPrefix(k, keyFSVolume); ok {
			out = append(out, v)
		}
	}
	return out
}

// VolumeOf returns the volume holding path p (relative to the root, such
// as "home/notes") among vols: the one with the longest matching prefix.
// Volumes are written as in afs.volumes: "/", "/home".
func VolumeOf(vols []string, p string) (string, bool) {
	best, found := "", false
	for _, v := range vols {
		prefix := strings.TrimPrefix(v, "/")
		if prefix == "" || p == prefix || strings.HasPrefix(p, prefix+"/") {
			if !found || len(v) > len(best) {
				best, found = v, true
			}
		}
	}
	return best, found
}
