package nfsdriver

import (
	"fmt"

	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/fileops"
)

// nfsOps are the workload ops only NFS runs, besides the file systems'
// (fileops.Ops): the rest of RFC 1094's namespace, so that the lecture's
// "What about these? mkdir, creat" has company (rename, link, symlink and
// rmdir are not idempotent either), and the calls that read it.
var nfsOps = []*scenarios.Op{
	{Name: "rmdir", Order: 110, Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file", Required: true}},
		Describe: pathOp},
	{Name: "rename", Order: 120, Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file", Required: true},
		{Name: "to", Required: true, Path: true}}, Describe: twoPathOp},
	{Name: "link", Order: 130, Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file", Required: true},
		{Name: "to", Required: true, Path: true}}, Describe: twoPathOp},
	{Name: "symlink", Order: 140, Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file", Required: true},
		{Name: "to", Required: true, Path: true}}, Describe: twoPathOp},
	{Name: "readlink", Order: 150, Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file", Required: true}},
		Describe: pathOp},
	{Name: "readdir", Order: 160, Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file", Required: true}},
		Describe: pathOp},
	{Name: "truncate", Order: 170, Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file", Required: true},
		{Name: "size", Length: true}},
		Describe: func(s *scenarios.Step) string { return fmt.Sprintf("truncate(%q, %d)", s.File, s.Size) }},
	{Name: "statfs", Order: 180, Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file"}},
		Describe: func(s *scenarios.Step) string {
			if s.File == "" {
				return `statfs("/")`
			}
			return pathOp(s)
		}},
}

// pathOp writes `rmdir("dir")`.
func pathOp(s *scenarios.Step) string { return fmt.Sprintf("%s(%q)", s.Op, s.File) }

// twoPathOp writes `rename("draft", "final")`.
func twoPathOp(s *scenarios.Step) string { return fmt.Sprintf("%s(%q, %q)", s.Op, s.File, s.ToPath) }

// ops are every op NFS runs.
var ops = append(append([]*scenarios.Op{}, fileops.Ops...), nfsOps...)
