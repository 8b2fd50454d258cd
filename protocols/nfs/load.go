package nfs

import "time"

// The server-utilisation model: how long a server's CPU is busy serving
// one call of each procedure, the same constants as AFS's
// (afs.ServiceTime), so that the two file systems differ by the calls they
// make, as in Howard et al.'s (1988, §5) comparison of Andrew with NFS: a
// call that reads or changes attributes or looks a name up costs 1 ms, one
// that moves a block of data 4 ms (the files of a program workload are a
// block or two, so a READ moves about what an AFS FETCH does), and one
// that changes the namespace or a file's attributes on the disk 3 ms. The
// paper gives the mix of calls but no CPU time per call: the numbers are
// the simulator's, chosen to keep the order the paper describes (status
// calls cheap, data transfers dearer).
const (
	// StatusServiceTime is the service time of GETATTR, LOOKUP, READLINK,
	// STATFS, NULL and the MOUNT protocol's procedures.
	StatusServiceTime = time.Millisecond
	// DataServiceTime is the service time of READ, WRITE, APPEND and
	// READDIR: one block moved.
	DataServiceTime = 4 * time.Millisecond
	// NamespaceServiceTime is the service time of SETATTR, CREATE, REMOVE,
	// RENAME, LINK, SYMLINK, MKDIR and RMDIR.
	NamespaceServiceTime = 3 * time.Millisecond
)

// ServiceTime returns the server time one call of proc takes in the
// utilisation model.
func ServiceTime(proc string) time.Duration {
	switch proc {
	case ProcRead, ProcWrite, ProcAppend, ProcReaddir:
		return DataServiceTime
	case ProcSetattr, ProcCreate, ProcRemove, ProcRename, ProcLink, ProcSymlink, ProcMkdir, ProcRmdir:
		return NamespaceServiceTime
	}
	return StatusServiceTime
}
