package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the outputs docs/exploring.md shows, and its diagram")

// exploringDoc is the walk-through whose outputs TestExploringDoc keeps
// true.
const exploringDoc = "../../docs/exploring.md"

// docBlock finds the outputs the walk-through shows: a comment naming a
// command (`sim ARGS`, optionally `| tail N`) or a file (`file PATH`), then
// a fenced block that must hold its output or its content.
var docBlock = regexp.MustCompile("(?s)(<!-- (sim [^>]*?|file [^>]*?) -->\n```[a-z]*\n)(.*?)(```)")

// TestExploringDoc runs every command docs/exploring.md shows, in order
// and in one scratch directory (so that a later command finds the files
// an earlier one wrote), and checks that the doc shows what they print
// today, and the files they wrote; and that the diagram it shows is the
// one `sim run --out` draws. -update rewrites them.
func TestExploringDoc(t *testing.T) {
	if testing.Short() {
		t.Skip("runs sim explore")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exploringDoc)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(work); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var failed []string
	out := docBlock.ReplaceAllStringFunc(string(data), func(m string) string {
		g := docBlock.FindStringSubmatch(m)
		want := ""
		if file, ok := strings.CutPrefix(g[2], "file "); ok {
			b, err := os.ReadFile(inRepo(root, file))
			if err != nil {
				failed = append(failed, err.Error())
				return m
			}
			want = string(b)
		} else {
			cmd, tail, _ := strings.Cut(strings.TrimPrefix(g[2], "sim "), " | tail ")
			var args []string
			for _, a := range strings.Fields(cmd) {
				args = append(args, inRepo(root, a))
			}
			var stdout, stderr bytes.Buffer
			Main(args, &stdout, &stderr)
			want = stdout.String()
			if n, err := strconv.Atoi(tail); err == nil {
				lines := strings.SplitAfter(strings.TrimSuffix(want, "\n"), "\n")
				want = strings.Join(lines[max(0, len(lines)-n):], "") + "\n"
			}
		}
		if g[3] != want && !*update {
			failed = append(failed, g[2]+" (-doc +now):\n"+cmp.Diff(g[3], want))
		}
		return g[1] + want + g[4]
	})
	for _, f := range failed {
		t.Errorf("%s: %s", exploringDoc, f)
	}
	// The diagram the doc shows is the counterexample's, drawn by sim run --out.
	const diagram = "docs/figures/explore-write-buffer.svg"
	drawn, err := os.ReadFile(filepath.Join(work, "out", "diagram-nfs.svg"))
	if err != nil {
		t.Fatalf("the walk-through's sim run --out drew no diagram: %v", err)
	}
	shown, _ := os.ReadFile(filepath.Join(root, diagram))
	if !bytes.Equal(drawn, shown) {
		if *update {
			if err := os.WriteFile(filepath.Join(root, diagram), drawn, 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			t.Errorf("%s is not the diagram sim run --out draws of the counterexample (go test ./cmd/sim -update)", diagram)
		}
	}
	if *update && out != string(data) {
		if err := os.WriteFile(filepath.Join(wd, exploringDoc), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// inRepo makes a path the doc names from the repository's root (docs/...,
// scenarios/...) absolute; other arguments stay as they are.
func inRepo(root, arg string) string {
	if strings.HasPrefix(arg, "docs/") || strings.HasPrefix(arg, "scenarios/") {
		return filepath.Join(root, arg)
	}
	return arg
}
