package nfsdriver

import (
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/fileops"
	"github.com/sim-lecture/sim/sim"
)

// invariants are system nfs's promises, checked after every run.
var invariants = []scenarios.Invariant{PointInTimeDisk, BoundedStaleness, AcknowledgedWritesDurable}

// evidenceOf returns a run's file-system evidence, or nil.
func evidenceOf(sys *report.System) *fileops.Evidence {
	ev, _ := sys.Evidence.(*fileops.Evidence)
	return ev
}

// PointInTimeDisk is the invariant point_in_time_disk: whenever a server
// crashes, and at the end of the run, its disk holds each file as it was
// after some prefix of the writes the server acknowledged, in the order it
// acknowledged them. It is the lecture's "Server Write Buffer Lost" slide,
// whose buffered server acknowledges X, Y and Z, loses Y in a crash, and
// ends with X B Z:
//
//	Problem:
//	No write failed, but disk state
//	doesn't match any point in time
//
// Scenario nfs_write_buffer_loss breaks it under its buffered variant and
// says so (`broken: point_in_time_disk`); write-through and NVRAM keep it.
var PointInTimeDisk = scenarios.Invariant{
	Name:    "point_in_time_disk",
	Doc:     "Whenever a server crashes, and at the end, its disk holds each file as it was after some prefix of the writes the server acknowledged, in the order it acknowledged them.",
	Lecture: `"Server Write Buffer Lost": "No write failed, but disk state doesn't match any point in time"`,
	Check: func(sc *scenarios.Scenario, sys *report.System) []string {
		if ev := evidenceOf(sys); ev != nil {
			return fileops.PointInTime(ev)
		}
		return nil
	},
}

// AcknowledgedWritesDurable is the invariant acknowledged_writes_durable:
// with write-through or NVRAM, every write the server acknowledged is on
// its disk whenever it crashes (and at the end). These are the lecture's
// two answers to the lost write buffer, on the "Write Buffers" slides:
//
//  1. Don't use server write buffer
//     (persist data to disk before acknowledging write)
//     Problem: Slow!
//  2. use persistent write buffer (more expensive)
//
// and RFC 1094's rule that a reply means the data is on stable storage.
// A buffered server makes no such promise, so the invariant is not checked
// under write_policy buffered (point_in_time_disk is what it may break).
var AcknowledgedWritesDurable = scenarios.Invariant{
	Name:    "acknowledged_writes_durable",
	Doc:     "Under write_policy write_through or nvram, every write the server acknowledged is on its disk whenever it crashes, and at the end.",
	Lecture: `"Write Buffers": "Don't use server write buffer (persist data to disk before acknowledging write)", "use persistent write buffer"`,
	Check: func(sc *scenarios.Scenario, sys *report.System) []string {
		ev := evidenceOf(sys)
		if ev == nil || optionsOf(sc).WritePolicy == "buffered" {
			return nil
		}
		return fileops.AcknowledgedDurable(ev)
	},
}

// BoundedStaleness is the invariant bounded_staleness: no read returns
// data that the server had replaced more than attr_timeout before the read
// began. It is the lecture's "Reducing Stat Calls" slide:
//
//	Partial Solution: Make stat cache entries expire after a given
//	time (e.g., 3 seconds) (discard t2 at client 2)
//	What is the result? Could read data that is up to 3 seconds old
//
// ("NFS Summary": "client may not see updates until 3 seconds after file
// is closed"). The bound is exactly attr_timeout because the client dates
// attributes from when it sent the call that brought them, as Linux does,
// so that the reply's time in the network does not stretch their life. A
// read of the client's own unflushed write is not judged.
var BoundedStaleness = scenarios.Invariant{
	Name:    "bounded_staleness",
	Doc:     "No read returns data the server had replaced more than attr_timeout before the read began.",
	Lecture: `"Reducing Stat Calls": "Could read data that is up to 3 seconds old"`,
	Check: func(sc *scenarios.Scenario, sys *report.System) []string {
		if ev := evidenceOf(sys); ev != nil {
			return fileops.Staleness(ev, sc, sim.Time(optionsOf(sc).AttrTimeout))
		}
		return nil
	},
}
