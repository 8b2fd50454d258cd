package twopc

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sim-lecture/sim/protocols/rpc/xdr"
	"github.com/sim-lecture/sim/sim"
)

// RecordKind is what a log record says about a transaction.
type RecordKind uint32

// The records of the DT log (BHG §7.4): what each node must find on its
// disk after a crash to finish the protocol.
const (
	// LogStart is the coordinator's start-2PC record, with the
	// participants, forced before any PREPARE is sent: a restarted
	// coordinator that finds it without a decision aborts the
	// transaction and tells every participant.
	LogStart RecordKind = iota + 1
	// LogYes is a participant's prepared record, with the coordinator and
	// the participants, forced before it votes YES: a restarted
	// participant that finds it without a decision is in doubt and must
	// ask.
	LogYes
	// LogCommit is a decision to commit. The coordinator forces it before
	// it sends any COMMIT: it is the moment the transaction commits.
	LogCommit
	// LogAbort is a decision to abort.
	LogAbort
	// LogEnd is the coordinator's note that every participant has
	// acknowledged the decision.
	LogEnd
)

var recordNames = [...]string{LogStart: "start-2PC", LogYes: "yes", LogCommit: "commit", LogAbort: "abort", LogEnd: "end"}

func (k RecordKind) String() string {
	if int(k) < len(recordNames) && recordNames[k] != "" {
		return recordNames[k]
	}
	return fmt.Sprintf("RECORD(%d)", uint32(k))
}

// Record is one entry of a node's log, stored in XDR.
type Record struct {
	Kind RecordKind
	Tx   uint32
	// Coordinator and Participants are set on LogStart and LogYes.
	Coordinator  uint32
	Participants []uint32
}

// Format writes a record for people, naming nodes with name:
// "T1 yes (coordinator C; P1, P2)".
func (r Record) Format(name func(sim.NodeID) string) string {
	s := fmt.Sprintf("T%d %s", r.Tx, r.Kind)
	if r.Kind != LogStart && r.Kind != LogYes {
		return s
	}
	ps := make([]string, len(r.Participants))
	for i, p := range r.Participants {
		ps[i] = name(sim.NodeID(p))
	}
	if r.Kind == LogYes {
		return s + " (coordinator " + name(sim.NodeID(r.Coordinator)) + "; " + strings.Join(ps, ", ") + ")"
	}
	return s + " (" + strings.Join(ps, ", ") + ")"
}

// logPrefix starts the disk key of every record; the number after it
// orders the records.
const logPrefix = "2pc/log/"

// log is a node's append-only log on its disk. Records become durable in
// the order they were appended: a node's writes all take its disk's
// latency, and the kernel runs events of one instant in the order they
// were scheduled.
type log struct {
	env  sim.Env
	next int
}

// openLog returns the log on env's disk and the records that survived.
func openLog(env sim.Env) (*log, []Record) {
	recs, next := readLog(env.Disk())
	return &log{env: env, next: next}, recs
}

// ReadLog returns the records on a node's disk, oldest first: what a
// restarted node reads, and what the result shows.
func ReadLog(d *sim.Disk) []Record {
	recs, _ := readLog(d)
	return recs
}

// readLog returns the records and the number of the next one. A record
// that does not decode is skipped: the simulated disk never tears a
// record, so only a bug writes one.
func readLog(d *sim.Disk) ([]Record, int) {
	var recs []Record
	next := 0
	for _, k := range d.Keys() {
		num, ok := strings.CutPrefix(k, logPrefix)
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(num); err == nil && n >= next {
			next = n + 1
		}
		v, _ := d.Get(k)
		var r Record
		if xdr.Unmarshal(v, &r) == nil {
			recs = append(recs, r)
		}
	}
	return recs, next
}

// append starts writing r; Timer(tag) is called once it is durable. A
// crash before then loses it, and every record appended after it.
func (l *log) append(r Record, tag uint64) {
	b, err := xdr.Marshal(r)
	if err != nil {
		panic("twopc: log record: " + err.Error()) // integers and a list of them always encode
	}
	l.env.WriteDisk(fmt.Sprintf("%s%08d", logPrefix, l.next), b, tag)
	l.next++
}
