package afsdriver

import (
	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/fileops"
)

// invariants are system afs's promises, checked after every run.
var invariants = []scenarios.Invariant{SessionSemantics, WholeFileVersions, CallbackConsistency}

// check runs a check of fileops on a run's evidence.
func check(f func(ev *fileops.Evidence, sc *scenarios.Scenario) []string) func(sc *scenarios.Scenario, sys *report.System) []string {
	return func(sc *scenarios.Scenario, sys *report.System) []string {
		if ev, ok := sys.Evidence.(*fileops.Evidence); ok {
			return f(ev, sc)
		}
		return nil
	}
}

// SessionSemantics is the invariant session_semantics: between open and
// close a client sees one version of a file, the one it opened, with its
// own writes. The lecture's "Whole-File Caching" slide:
//
//	reads/writes are local
//	Use same version of file entire time between open and close
//
// and "AFS Summary": "see version of file that existed when file was
// opened". The NFS column of nfs_vs_afs breaks it: A reads B's block at
// 80s in the file it opened at 0.
var SessionSemantics = scenarios.Invariant{
	Name:    "session_semantics",
	Doc:     "Between open and close a client sees one version of a file: each read returns the block of the version its open got, or the client's own write.",
	Lecture: `"Whole-File Caching": "Use same version of file entire time between open and close"`,
	Check:   check(fileops.SessionSemantics),
}

// WholeFileVersions is the invariant whole_file_versions: the server's
// file is always one closed version, never a mix. The lecture's "Update
// Visibility" slides: NFS's block flushes are "not atomic (one block at a
// time)", so "two clients flush at once: mixed data"; AFS buffers
// "whole files on local disk; update file on server atomically":
//
//	Concurrent writes?
//	Last writer (i.e., last file closer) wins
//	Never get mixed data on server
var WholeFileVersions = scenarios.Invariant{
	Name:    "whole_file_versions",
	Doc:     "Every content a server gives a file is the whole copy some client closed (or the initial file), and the disk ends with the latest.",
	Lecture: `"Update Visibility": "update file on server atomically", "Never get mixed data on server"`,
	Check:   check(fileops.WholeFileVersions),
}

// CallbackConsistency is the invariant callback_consistency: a client that
// uses a cached copy holds a valid callback or has rechecked it after a
// crash. The lecture's "Stale Cache" slide, "AFS solution: Tell clients
// when data is overwritten ... Clients can use data without checking all
// the time", and its "Callbacks: Dealing with STATE" slides:
//
//	Client Crash
//	Concern? may have missed notification that cached copy changed
//	Option 2: ??? recheck entries before using
//	Server Crashes
//	Option: tell all clients to recheck all data before next read
//
// The check: an open from the cache relies on a callback that has not
// expired and that the client obtained after its own last crash; and no
// client opens a cached copy once another client's close that stored
// newer content has returned.
var CallbackConsistency = scenarios.Invariant{
	Name:    "callback_consistency",
	Doc:     "A client opens its cached copy only under a callback that has not expired and that it obtained after its last crash, and never once another client's close of newer content has returned.",
	Lecture: `"Stale Cache": "Tell clients when data is overwritten"; "Client Crash": "may have missed notification that cached copy changed"`,
	Check:   check(fileops.CallbackConsistency),
}
