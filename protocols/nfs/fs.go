package nfs

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// The server's local file system lives on its node's disk (sim.Disk), one
// key per inode, so that what a crash keeps is exactly what was written:
//
//	nfs/volume          the volume record: the volume id (fsid)
//	nfs/inode/NNNNNNNNNN one inode record (XDR inodeRec), number zero-padded
//	                    so that the disk's sorted keys are in inode order
//	nfs/nvram/NNNNNNNNNN the NVRAM copy of an inode changed since its last
//	                    flush (write policy nvram only)
//
// A record is written whole, so a block write, its new size and its new
// mtime become durable together. An inode that is freed keeps its record,
// with type NFNON and its generation number, so that the next file to reuse
// the number gets a new generation and old handles turn stale, even across
// a reboot.

// Disk keys.
const (
	volumeKey    = "nfs/volume"
	inodePrefix  = "nfs/inode/"
	nvramPrefix  = "nfs/nvram/"
	rootIno      = 1
	firstFileIno = 2
)

func inodeKey(ino uint32) string { return fmt.Sprintf("%s%010d", inodePrefix, ino) }
func nvramKey(ino uint32) string { return fmt.Sprintf("%s%010d", nvramPrefix, ino) }

// volumeRec is the volume record.
type volumeRec struct {
	Fsid uint32
}

// blockRec is one block of a file: its content token, and when the server
// last changed it (server-side metadata, never on the wire, that lets the
// scenario runner measure how stale a client's copy is).
type blockRec struct {
	Data     string
	Modified int64
}

// dirent is one directory entry.
type dirent struct {
	Name string
	Ino  uint32
}

// inodeRec is an inode as stored: its type, generation, attributes, and
// either blocks (a regular file), entries sorted by name (a directory) or
// a target path (a symbolic link).
type inodeRec struct {
	Type    Ftype
	Gen     uint32
	Mode    uint32
	Nlink   uint32
	UID     uint32
	GID     uint32
	Atime   int64
	Mtime   int64
	Ctime   int64
	Blocks  []blockRec
	Entries []dirent
	Target  string
}

// clone returns a deep copy, so that a record handed to the disk is not
// changed by later operations.
func (n *inodeRec) clone() *inodeRec {
	c := *n
	c.Blocks = append([]blockRec(nil), n.Blocks...)
	c.Entries = append([]dirent(nil), n.Entries...)
	return &c
}

func (n *inodeRec) encode() []byte { return marshal(n) }

func decodeInode(b []byte) (*inodeRec, error) {
	n := &inodeRec{}
	if err := xdr.Unmarshal(b, n); err != nil {
		return nil, err
	}
	return n, nil
}

// find returns the index of name in a directory's sorted entries.
func (n *inodeRec) find(name string) (int, bool) {
	i := sort.Search(len(n.Entries), func(i int) bool { return n.Entries[i].Name >= name })
	return i, i < len(n.Entries) && n.Entries[i].Name == name
}

// link adds an entry; the name must not exist.
func (n *inodeRec) link(name string, ino uint32) {
	i, _ := n.find(name)
	n.Entries = append(n.Entries, dirent{})
	copy(n.Entries[i+1:], n.Entries[i:])
	n.Entries[i] = dirent{Name: name, Ino: ino}
}

// unlink removes an entry; the name must exist.
func (n *inodeRec) unlink(name string) {
	if i, ok := n.find(name); ok {
		n.Entries = append(n.Entries[:i], n.Entries[i+1:]...)
	}
}

// fs is the file system in the server's memory: the disk's inodes with the
// changes not yet written (under the buffered and nvram policies). The slice
// is indexed by inode number, so nothing here iterates a map.
type fs struct {
	fsid   uint32
	inodes []*inodeRec // nil: never allocated
	// scanFrom is where alloc starts looking for a free inode: none below
	// it is free. Without it, formatting a tree of n files took n²/2
	// steps (60,000 files: a minute).
	scanFrom int
}

// fsidFor derives a volume id from the server's name, so that two servers
// of one scenario have different volumes.
func fsidFor(name string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return h.Sum32()
}

// File is one file of the tree a server is formatted with.
type File struct {
	// Path is relative to the root ("fileA", "home/notes"); missing
	// directories are created.
	Path string
	// Blocks are the file's block contents, from block 0.
	Blocks []string
}

// CheckFiles reports whether files can be a server's initial tree: paths
// that name files, no file twice, no file inside a file, blocks of at most
// MaxData bytes. A server formats its disk with them and would panic
// otherwise, so the scenario loader checks them first (see FileProblems).
func CheckFiles(files []File) error {
	_, err := build("check", files, nil)
	return err
}

// FileProblem is what is wrong with one file of a server's initial tree.
type FileProblem struct {
	// Index is the file's index in the list given to FileProblems.
	Index int
	Err   error
}

// FileProblems lists every file of files that cannot be part of a
// server's initial tree, each with the reason CheckFiles would give for
// the first of them; the files before a bad one are the tree it is
// checked against, and a bad file is left out of it.
func FileProblems(files []File) []FileProblem {
	var out []FileProblem
	build("check", files, func(i int, err error) { out = append(out, FileProblem{i, err}) })
	return out
}

// format writes a fresh file system holding files to disk with Disk.Put: the
// state before the run. It is how a server starts on an empty disk.
func format(disk *sim.Disk, name string, files []File) error {
	f, err := build(name, files, nil)
	if err != nil {
		return err
	}
	disk.Put(volumeKey, marshal(volumeRec{Fsid: f.fsid}))
	for ino, n := range f.inodes {
		if n != nil {
			disk.Put(inodeKey(uint32(ino)), n.encode())
		}
	}
	return nil
}

// build makes the file system of a server named name holding files. With
// bad nil it stops at the first file that cannot be added; otherwise it
// tells bad about each such file and goes on without it.
func build(name string, files []File, bad func(i int, err error)) (*fs, error) {
	f := &fs{fsid: fsidFor(name)}
	f.inodes = make([]*inodeRec, rootIno+1)
	f.inodes[rootIno] = &inodeRec{Type: NFDIR, Gen: 1, Mode: 0o755, Nlink: 2}
	for i, file := range files {
		if err := f.addFile(file); err != nil {
			if bad == nil {
				return nil, err
			}
			bad(i, err)
		}
	}
	return f, nil
}

// addFile adds one file of the initial tree, and the directories on its
// path that do not exist yet. A file it refuses leaves no trace but
// those directories.
func (f *fs) addFile(file File) error {
	parts, st := splitPath(file.Path)
	switch {
	case st == ErrNameTooLong && len(file.Path) > MaxPathLen:
		return fmt.Errorf("file %s: the path is %d bytes, more than NFS's %d (RFC 1094 §2.3.8)", shortPath(file.Path), len(file.Path), MaxPathLen)
	case st == ErrNameTooLong:
		return fmt.Errorf("file %s: a name of the path is longer than NFS's %d bytes (RFC 1094 §2.3.7)", shortPath(file.Path), MaxNameLen)
	case st != OK:
		return fmt.Errorf("file %q: %w", file.Path, st)
	}
	if len(parts) == 0 {
		return fmt.Errorf("file %q: the root is a directory", file.Path)
	}
	for _, b := range file.Blocks {
		if len(b) > MaxData {
			return fmt.Errorf("file %q: a block is %d bytes, more than NFS's %d", file.Path, len(b), MaxData)
		}
	}
	dir := uint32(rootIno)
	for i, p := range parts {
		d := f.inodes[dir]
		if d.Type != NFDIR {
			return fmt.Errorf("file %q: %s is a file, not a directory", file.Path, strings.Join(parts[:i], "/"))
		}
		j, ok := d.find(p)
		last := i == len(parts)-1
		switch {
		case ok && last && f.inodes[d.Entries[j].Ino].Type == NFDIR:
			return fmt.Errorf("file %q is a directory: other files lie in it", file.Path)
		case ok && last:
			return fmt.Errorf("file %q appears twice", file.Path)
		case ok:
			dir = d.Entries[j].Ino
		default:
			ino := f.alloc()
			n := f.inodes[ino]
			if last {
				n.Type, n.Mode, n.Nlink = NFREG, 0o644, 1
				for _, b := range file.Blocks {
					n.Blocks = append(n.Blocks, blockRec{Data: b})
				}
			} else {
				n.Type, n.Mode, n.Nlink = NFDIR, 0o755, 2
				d.Nlink++
			}
			d.link(p, ino)
			dir = ino
		}
	}
	return nil
}

// shortPath quotes p for a message, cut in the middle when it is long.
func shortPath(p string) string {
	if len(p) <= 60 {
		return strconv.Quote(p)
	}
	return strconv.Quote(p[:28] + "..." + p[len(p)-28:])
}

// formatted reports whether disk holds a file system.
func formatted(disk *sim.Disk) bool {
	_, ok := disk.Get(volumeKey)
	return ok
}

// load reads the file system from disk: the inode records, then, with nvram,
// the NVRAM copies over them (the changes acknowledged but not yet flushed).
// It returns the inode numbers that came from NVRAM, in order.
func load(disk *sim.Disk, nvram bool) (*fs, []uint32, error) {
	b, ok := disk.Get(volumeKey)
	if !ok {
		return nil, nil, fmt.Errorf("nfs: the disk holds no file system")
	}
	var v volumeRec
	if err := xdr.Unmarshal(b, &v); err != nil {
		return nil, nil, fmt.Errorf("nfs: volume record: %w", err)
	}
	f := &fs{fsid: v.Fsid}
	read := func(prefix string) ([]uint32, error) {
		var inos []uint32
		for _, k := range disk.Keys() {
			num, ok := strings.CutPrefix(k, prefix)
			if !ok {
				continue
			}
			ino, err := strconv.ParseUint(num, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("nfs: bad key %q", k)
			}
			val, _ := disk.Get(k)
			n, err := decodeInode(val)
			if err != nil {
				return nil, fmt.Errorf("nfs: %s: %w", k, err)
			}
			f.set(uint32(ino), n)
			inos = append(inos, uint32(ino))
		}
		return inos, nil
	}
	if _, err := read(inodePrefix); err != nil {
		return nil, nil, err
	}
	var replayed []uint32
	if nvram {
		var err error
		if replayed, err = read(nvramPrefix); err != nil {
			return nil, nil, err
		}
	}
	if f.get(rootIno) == nil || f.get(rootIno).Type != NFDIR {
		return nil, nil, fmt.Errorf("nfs: the disk has no root directory")
	}
	return f, replayed, nil
}

func (f *fs) set(ino uint32, n *inodeRec) {
	for int(ino) >= len(f.inodes) {
		f.inodes = append(f.inodes, nil)
	}
	f.inodes[ino] = n
	if n != nil && n.Type == NFNON && int(ino) < f.scanFrom {
		f.scanFrom = int(ino)
	}
}

// get returns inode ino, or nil if it was never allocated.
func (f *fs) get(ino uint32) *inodeRec {
	if int(ino) >= len(f.inodes) {
		return nil
	}
	return f.inodes[ino]
}

// alloc allocates an inode: the lowest free number, whose generation goes
// up by one, else a new number. Reusing the lowest number is what makes the
// lecture's strategy 3 fail: a deleted file's inode soon names another file.
func (f *fs) alloc() uint32 {
	for ino := max(firstFileIno, f.scanFrom); ino < len(f.inodes); ino++ {
		if n := f.inodes[ino]; n != nil && n.Type == NFNON {
			f.inodes[ino] = &inodeRec{Gen: n.Gen + 1}
			f.scanFrom = ino + 1
			return uint32(ino)
		}
	}
	ino := uint32(len(f.inodes))
	if ino < firstFileIno {
		ino = firstFileIno
	}
	f.set(ino, &inodeRec{Gen: 1})
	f.scanFrom = int(ino) + 1
	return ino
}

// free marks inode ino free, keeping its generation.
func (f *fs) free(ino uint32) {
	f.inodes[ino] = &inodeRec{Gen: f.inodes[ino].Gen}
	f.scanFrom = min(f.scanFrom, int(ino))
}

// splitPath splits a path ("/home/x", "home/x") into its names. Empty names
// and "." are skipped; ".." and over-long names are errors.
func splitPath(p string) ([]string, Status) {
	if len(p) > MaxPathLen {
		return nil, ErrNameTooLong
	}
	// One allocation, the result's, sized by counting the names first:
	// every operation of every client splits its path.
	n := 0
	for s := range strings.SplitSeq(p, "/") {
		switch {
		case s == "" || s == ".":
		case s == "..":
			return nil, ErrInval
		case len(s) > MaxNameLen:
			return nil, ErrNameTooLong
		default:
			n++
		}
	}
	if n == 0 {
		return nil, OK
	}
	out := make([]string, 0, n)
	for s := range strings.SplitSeq(p, "/") {
		if s != "" && s != "." {
			out = append(out, s)
		}
	}
	return out, OK
}

// pathOf returns the path of inode ino in the tree ("home/x"), searching
// from the root in name order; "" and false if no directory names it.
func (f *fs) pathOf(ino uint32) (string, bool) {
	if ino == rootIno {
		return "", true
	}
	var walk func(dir uint32, prefix string, depth int) (string, bool)
	walk = func(dir uint32, prefix string, depth int) (string, bool) {
		d := f.get(dir)
		if d == nil || d.Type != NFDIR || depth > MaxPathLen {
			return "", false
		}
		for _, e := range d.Entries {
			p := prefix + e.Name
			if e.Ino == ino {
				return p, true
			}
			if n := f.get(e.Ino); n != nil && n.Type == NFDIR {
				if s, ok := walk(e.Ino, p+"/", depth+1); ok {
					return s, true
				}
			}
		}
		return "", false
	}
	return walk(rootIno, "", 0)
}

// files returns every regular file of the tree with its blocks, by path.
func (f *fs) files() map[string][]string {
	out := map[string][]string{}
	f.walkFiles(func(_ uint32, path string, n *inodeRec) {
		blocks := make([]string, len(n.Blocks))
		for i, b := range n.Blocks {
			blocks[i] = b.Data
		}
		out[path] = blocks
	})
	return out
}

// walkFiles calls fn for every regular file of the tree, in name order.
func (f *fs) walkFiles(fn func(ino uint32, path string, n *inodeRec)) {
	var walk func(dir uint32, prefix string, depth int)
	walk = func(dir uint32, prefix string, depth int) {
		d := f.get(dir)
		if d == nil || depth > MaxPathLen {
			return
		}
		for _, e := range d.Entries {
			n := f.get(e.Ino)
			switch {
			case n == nil:
			case n.Type == NFDIR:
				walk(e.Ino, prefix+e.Name+"/", depth+1)
			case n.Type == NFREG:
				fn(e.Ino, prefix+e.Name, n)
			}
		}
	}
	walk(rootIno, "", 0)
}

// FileState is a regular file of a server's file system: its inode
// number, its path from the export's root ("home/x"), and its blocks. A
// removed file (its inode freed) has Removed set and no path or blocks.
type FileState struct {
	Fileid  uint32
	Path    string
	Blocks  []string
	Removed bool
}

// state returns inode ino as a FileState, and false for a directory or a
// free inode that was never a file here.
func (f *fs) state(ino uint32) (FileState, bool) {
	n := f.get(ino)
	switch {
	case n == nil:
		return FileState{}, false
	case n.Type == NFNON:
		return FileState{Fileid: ino, Removed: true}, true
	case n.Type != NFREG:
		return FileState{}, false
	}
	st := FileState{Fileid: ino, Blocks: make([]string, len(n.Blocks))}
	for i, b := range n.Blocks {
		st.Blocks[i] = b.Data
	}
	st.Path, _ = f.pathOf(ino)
	return st, true
}

// states lists the regular files a path reaches, in inode order.
func (f *fs) states() []FileState {
	var out []FileState
	f.walkFiles(func(ino uint32, path string, n *inodeRec) {
		st := FileState{Fileid: ino, Path: path, Blocks: make([]string, len(n.Blocks))}
		for i, b := range n.Blocks {
			st.Blocks[i] = b.Data
		}
		out = append(out, st)
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Fileid < out[j].Fileid })
	return out
}

// ReadFiles returns the regular files durable on a server's disk, by
// inode: what the server would serve after a restart (the disk, with any
// NVRAM contents replayed), as ReadDisk does by path.
func ReadFiles(disk *sim.Disk) ([]FileState, error) {
	f, _, err := load(disk, true)
	if err != nil {
		return nil, err
	}
	return f.states(), nil
}

// ReadDisk returns the regular files durable on a server's disk, path ->
// blocks: what the server would serve after a restart (the disk, with any
// NVRAM contents replayed). It is how the scenario results report `disk`.
func ReadDisk(disk *sim.Disk) (map[string][]string, error) {
	f, _, err := load(disk, true)
	if err != nil {
		return nil, err
	}
	return f.files(), nil
}

// DurableBlock returns block b of inode fileid as a restarted server would
// serve it: its content, when it was last changed, and whether the file
// and block exist.
func DurableBlock(disk *sim.Disk, fileid uint32, b int) (data string, modified sim.Time, ok bool) {
	f, _, err := load(disk, true)
	if err != nil {
		return "", 0, false
	}
	return f.block(fileid, b)
}

// block returns block b of inode ino.
func (f *fs) block(ino uint32, b int) (string, sim.Time, bool) {
	n := f.get(ino)
	if n == nil || n.Type != NFREG || b < 0 || b >= len(n.Blocks) {
		return "", 0, false
	}
	return n.Blocks[b].Data, sim.Time(n.Blocks[b].Modified), true
}
