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
	{Name: "rmdir", Order: 101, Doc: "NFS only, as every op below. RMDIR of an empty directory.", Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file", Required: true}},
		Describe: pathOp},
	{Name: "rename", Order: 102, Doc: "`to` is the new path (RENAME); both on one mount.", Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file", Required: true},
		{Name: "to", Required: true, Path: true}}, Describe: twoPathOp},
	{Name: "link", Order: 103, Doc: "`to` becomes a second name of `file` (LINK), as `ln file to`.", Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file", Required: true},
		{Name: "to", Required: true, Path: true}}, Describe: twoPathOp},
	{Name: "symlink", Order: 104, Doc: "`to` becomes a symbolic link holding `file` (SYMLINK), as `ln -s file to`.", Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file", Required: true},
		{Name: "to", Required: true, Path: true}}, Describe: twoPathOp},
	{Name: "readlink", Order: 105, Doc: "The step's `value` is the path the link holds (READLINK).", Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file", Required: true}},
		Describe: pathOp},
	{Name: "readdir", Order: 106, Doc: "The step's `value` is the directory's names, in order (READDIR); `file: /` reads the root.", Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file", Required: true, Root: true}},
		Describe: rootPathOp},
	{Name: "truncate", Order: 107, Doc: "SETATTR with the new size in bytes (`8KiB` keeps one block).", Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file", Required: true},
		{Name: "size", Length: true, Default: "0"}},
		Describe: func(s *scenarios.Step) string { return fmt.Sprintf("truncate(%q, %d)", s.File, s.Size) }},
	{Name: "statfs", Order: 108, Doc: "STATFS of the file system holding `file`, a file or a directory (`/` too).", Keys: []scenarios.OpKey{{Name: "client", Required: true}, {Name: "file", Default: "`/`", Root: true}},
		Describe: rootPathOp},
}

// rootPathOp writes `readdir("/")` for the root (a Step's File ""), as
// pathOp writes any other path.
func rootPathOp(s *scenarios.Step) string {
	if s.File == "" {
		return fmt.Sprintf("%s(%q)", s.Op, "/")
	}
	return pathOp(s)
}

// pathOp writes `rmdir("dir")`.
func pathOp(s *scenarios.Step) string { return fmt.Sprintf("%s(%q)", s.Op, s.File) }

// twoPathOp writes `rename("draft", "final")`.
func twoPathOp(s *scenarios.Step) string { return fmt.Sprintf("%s(%q, %q)", s.Op, s.File, s.ToPath) }

// ops are every op NFS runs.
var ops = append(append([]*scenarios.Op{}, fileops.Ops...), nfsOps...)
