package scenarios

import (
	"fmt"
)

// FSOps are the workload ops of the file systems, in the order of the
// format: the application's calls on files, each row by one client.
var FSOps = []*Op{
	{Name: "open", Order: 10, Keys: keys("client", "file", "fd"), FD: OpensFD, File: NeedsFile,
		Describe: func(s *Step) string { return fmt.Sprintf("%s = open(%q)", s.FD, s.File) }},
	{Name: "read", Order: 20, Keys: keys("client", "fd", "block"), FD: UsesFD, Describe: describeBlockOp},
	{Name: "write", Order: 30, Keys: keys("client", "fd", "block", "[data"), FD: UsesFD, Describe: describeBlockOp},
	{Name: "close", Order: 40, Keys: keys("client", "fd"), FD: ClosesFD, Describe: describeFDOp},
	{Name: "create", Order: 50, Keys: keys("client", "file", "[fd"), FD: OpensFD, File: CreatesFile, Describe: describePathOp},
	{Name: "remove", Order: 60, Keys: keys("client", "file"), Describe: describePathOp},
	{Name: "mkdir", Order: 70, Keys: keys("client", "file"), File: CreatesDir, Describe: describePathOp},
	{Name: "stat", Order: 80, Keys: keys("client", "file"), Describe: describePathOp},
	{Name: "append", Order: 90, Keys: keys("client", "fd", "[data"), FD: UsesFD, Describe: describeFDOp},
	{Name: "seek", Order: 100, Keys: keys("client", "fd", "block"), FD: UsesFD, Describe: describeFDOp},
}

// keys lists an op's keys: required ones, then optional ones written
// "[name".
func keys(names ...string) []OpKey {
	out := make([]OpKey, len(names))
	for i, n := range names {
		if n[0] == '[' {
			out[i] = OpKey{Name: n[1:]}
		} else {
			out[i] = OpKey{Name: n, Required: true}
		}
	}
	return out
}

// describeBlockOp writes `read(f, block1)`.
func describeBlockOp(s *Step) string { return fmt.Sprintf("%s(%s, block%d)", s.Op, s.FD, s.Block) }

// describeFDOp writes `close(f)`.
func describeFDOp(s *Step) string { return fmt.Sprintf("%s(%s)", s.Op, s.FD) }

// describePathOp writes `stat("dir/x")`.
func describePathOp(s *Step) string { return fmt.Sprintf("%s(%q)", s.Op, s.File) }

// FSFaults are the fault kinds of every file system: a server that runs
// short of memory (AFS drops its callback promises), and a forced flush of
// a server's write buffer (NFS). Each file system accepts both and
// performs the one that means something to it.
var FSFaults = []*FaultKind{
	{Name: "low_memory", Order: 50, Decode: DecodeNodeFault},
	{Name: "flush", Order: 60, Decode: DecodeNodeFault,
		Check: func(d *Decoder, o *Object, f *Fault) {
			if servers := d.Servers(); len(servers) > 0 && !d.IsServer(f.Node) {
				d.Errorf(o.Get("flush"), "flush: node %s is not a file server (servers: %s)%s", f.Node, andList(servers),
					didYouMean(f.Node, servers, ""))
			}
		}},
}
