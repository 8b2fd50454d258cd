// Package fileops is the part of the scenario format that every file
// system shares: the workload ops of an application's calls on files (open,
// read, write, close, create, remove, mkdir, stat, append, seek), each by
// one client, with the fd and file rules the loader checks, and the fault
// kinds of file servers (low_memory, flush). A file system's driver lists
// them in its scenarios.System and performs them.
package fileops

import (
	"fmt"

	"github.com/sim-lecture/sim/scenarios"
)

// Ops are the workload ops of the file systems, in the order of the
// format: the application's calls on files, each row by one client.
var Ops = []*scenarios.Op{
	{Name: "open", Order: 10, Keys: keys("client", "file", "fd"), FD: scenarios.OpensFD, File: scenarios.NeedsFile,
		Doc:      "`fd` is a name local to the client.",
		Describe: func(s *scenarios.Step) string { return fmt.Sprintf("%s = open(%q)", s.FD, s.File) }},
	{Name: "read", Order: 20, Keys: keys("client", "fd", "block"), FD: scenarios.UsesFD, Describe: describeBlockOp},
	{Name: "write", Order: 30, Keys: keys("client", "fd", "block", "[data"), FD: scenarios.UsesFD, Describe: describeBlockOp,
		Doc: "Without `data` the system writes a unique token `CLIENT@TIME`."},
	{Name: "close", Order: 40, Keys: keys("client", "fd"), FD: scenarios.ClosesFD, Describe: describeFDOp},
	{Name: "create", Order: 50, Keys: keys("client", "file", "[fd"), FD: scenarios.OpensFD, File: scenarios.CreatesFile, Describe: describePathOp},
	{Name: "remove", Order: 60, Keys: keys("client", "file"), Describe: describePathOp},
	{Name: "mkdir", Order: 70, Keys: keys("client", "file"), File: scenarios.CreatesDir, Describe: describePathOp},
	{Name: "stat", Order: 80, Keys: keys("client", "file"), Describe: describePathOp},
	{Name: "append", Order: 90, Keys: keys("client", "fd", "[data"), FD: scenarios.UsesFD, Describe: describeFDOp},
	{Name: "seek", Order: 100, Keys: keys("client", "fd", "block"), FD: scenarios.UsesFD, Describe: describeFDOp},
}

// keys lists an op's keys: required ones, then optional ones written
// "[name".
func keys(names ...string) []scenarios.OpKey {
	out := make([]scenarios.OpKey, len(names))
	for i, n := range names {
		if n[0] == '[' {
			out[i] = scenarios.OpKey{Name: n[1:]}
		} else {
			out[i] = scenarios.OpKey{Name: n, Required: true}
		}
	}
	return out
}

// describeBlockOp writes `read(f, block1)`.
func describeBlockOp(s *scenarios.Step) string {
	return fmt.Sprintf("%s(%s, block%d)", s.Op, s.FD, s.Block)
}

// describeFDOp writes `close(f)`.
func describeFDOp(s *scenarios.Step) string { return fmt.Sprintf("%s(%s)", s.Op, s.FD) }

// describePathOp writes `stat("dir/x")`.
func describePathOp(s *scenarios.Step) string { return fmt.Sprintf("%s(%q)", s.Op, s.File) }

// Faults are the fault kinds of every file system: a server that runs
// short of memory (AFS drops its callback promises), and a forced flush of
// a server's write buffer (NFS). Each file system accepts both and
// performs the one that means something to it.
var Faults = []*scenarios.FaultKind{
	{Name: "low_memory", Order: 50, Decode: scenarios.DecodeNodeFault,
		Example: "{at: 45s, low_memory: server}", Doc: "AFS: the server drops callbacks"},
	{Name: "flush", Order: 60, Decode: scenarios.DecodeNodeFault,
		Example: "{at: 50s, flush: server}", Doc: "NFS: force the server's write buffer out",
		Check: func(d *scenarios.Decoder, o *scenarios.Object, f *scenarios.Fault) {
			if servers := d.Servers(); len(servers) > 0 && !d.IsServer(f.Node) {
				d.Errorf(o.Get("flush"), "flush: node %s is not a file server (servers: %s)%s", f.Node, scenarios.AndList(servers),
					scenarios.DidYouMean(f.Node, servers, ""))
			}
		}},
}
