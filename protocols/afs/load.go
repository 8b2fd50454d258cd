package afs

import "time"

// The server-utilisation model: how long a server's CPU is busy serving
// one call of each procedure. Howard et al. (1988, §3.1) found the
// prototype's servers limited by their CPU, and its calls dominated by the
// cache validations (TestAuth) and status requests (GetFileStat) that are
// each cheap but come with every open, while the few whole-file Fetch and
// Store calls cost more each (they move the file and touch the disk). The
// paper reports the mix of calls but not a CPU time per call, so the
// numbers below are the simulator's, chosen to keep that ordering: a status
// call costs 1 ms of server time, a whole-file transfer 4 ms, a change to
// the namespace 3 ms. They are the same for NFS's corresponding calls
// (nfs.ServiceTime), so that the two systems differ by how many calls they
// make, which is the paper's comparison, not by the constants.
const (
	// StatusServiceTime is the service time of a status call: FETCHSTATUS
	// (the prototype's TestAuth and GetFileStat), GETVOLUMELOCATION.
	StatusServiceTime = time.Millisecond
	// TransferServiceTime is the service time of a whole-file FETCH or
	// STORE.
	TransferServiceTime = 4 * time.Millisecond
	// NamespaceServiceTime is the service time of CREATE, REMOVE and
	// MAKEDIR.
	NamespaceServiceTime = 3 * time.Millisecond
)

// ServiceTime returns the server time one call of proc takes in the
// utilisation model. BREAKCALLBACK is the file server's call to a client,
// but its cost falls on the server that makes it (marshalling it,
// retransmitting it, taking its reply): it costs a status call.
func ServiceTime(proc string) time.Duration {
	switch proc {
	case ProcFetch, ProcStore:
		return TransferServiceTime
	case ProcCreate, ProcRemove, ProcMakeDir:
		return NamespaceServiceTime
	}
	return StatusServiceTime
}
