package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// readmeBlock returns the fenced block of README.md under the comment
// <!-- name -->.
func readmeBlock(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- " + regexp.QuoteMeta(name) + " -->\n```[a-z]*\n(.*?)```").FindSubmatch(data)
	if m == nil {
		t.Fatalf("README.md has no block <!-- %s -->", name)
	}
	return string(m[1])
}

// TestReadmeShardedSweep runs the README's sharded sweep on one machine,
// as it shows it, and checks what its last line checks: the merged
// sweep.csv is the unsharded one, byte for byte (and so are the summary
// and the plots).
func TestReadmeShardedSweep(t *testing.T) {
	dir := t.TempDir()
	var compare []string
	for _, line := range strings.Split(strings.TrimSpace(readmeBlock(t, "sharded sweep")), "\n") {
		if rest, ok := strings.CutPrefix(line, "cmp "); ok {
			compare = strings.Fields(strings.Split(rest, "&&")[0])
			continue
		}
		args, ok := strings.CutPrefix(line, "sim ")
		if !ok {
			t.Fatalf("README: a line neither sim nor cmp: %q", line)
		}
		fields := strings.Fields(strings.ReplaceAll(args, "out/", dir+"/out/"))
		if code := Main(fields, io.Discard, io.Discard); code != 0 {
			t.Fatalf("README: %s: exit %d", line, code)
		}
	}
	if len(compare) != 2 {
		t.Fatalf("README: no cmp line comparing two files")
	}
	for _, name := range []string{"sweep.csv", "sweep-summary.csv", "sweep.png", "sweep.svg"} {
		a, errA := os.ReadFile(filepath.Join(dir, filepath.Dir(compare[0]), name))
		b, errB := os.ReadFile(filepath.Join(dir, filepath.Dir(compare[1]), name))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("README: %s of %s and %s differ (%v, %v)", name, filepath.Dir(compare[0]), filepath.Dir(compare[1]), errA, errB)
		}
	}
}

// TestReadmeShardedJobs: the README's Kubernetes Job and GitHub Actions
// workflow are YAML, and each sim command they run is a command line sim
// accepts (checked, not run: flags, scenario, keys, metrics, --max-runs),
// with --shard filled in as the engine fills it.
func TestReadmeShardedJobs(t *testing.T) {
	for _, tc := range []struct{ block, shard, index string }{
		{"sharded sweep: kubernetes", "$((JOB_COMPLETION_INDEX+1))", "1"},
		{"sharded sweep: github actions", "${{ matrix.shard }}", "4"},
	} {
		text := readmeBlock(t, tc.block)
		dec := yaml.NewDecoder(strings.NewReader(text))
		var commands []string
		for {
			var doc any
			if err := dec.Decode(&doc); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: not YAML: %v", tc.block, err)
			}
			commands = append(commands, simCommands(doc)...)
		}
		if len(commands) != 2 {
			t.Fatalf("%s: %d sim commands (%q); want a sweep and a merge", tc.block, len(commands), commands)
		}
		if !strings.Contains(commands[0], "--shard "+tc.shard+"/") || !strings.Contains(commands[1], "merge ") {
			t.Errorf("%s: the sweep is not sharded by %s, or there is no merge: %q", tc.block, tc.shard, commands)
		}
		line := strings.ReplaceAll(commands[0], tc.shard, tc.index)
		fields := strings.Fields(line[strings.Index(line, " sweep ")+len(" sweep "):])
		for i := range fields {
			if i > 0 && fields[i-1] == "--out" {
				fields[i] = filepath.Join(t.TempDir(), "out")
			}
		}
		var stderr bytes.Buffer
		req, code, ok := parseSweep(fields, io.Discard, &stderr)
		if ok {
			code, ok = req.load()
		}
		if ok {
			code, ok = req.checkGrid()
		}
		if !ok {
			t.Errorf("%s: sim refuses %q: exit %d: %s", tc.block, line, code, stderr.String())
		}
	}
}

// simCommands finds the shell commands in a YAML document that run sim.
func simCommands(doc any) []string {
	var out []string
	switch v := doc.(type) {
	case map[string]any:
		for _, k := range []string{"spec", "template", "containers", "args", "command", "jobs", "sweep", "merge", "steps", "run"} {
			if x, ok := v[k]; ok {
				out = append(out, simCommands(x)...)
			}
		}
	case []any:
		for _, x := range v {
			out = append(out, simCommands(x)...)
		}
	case string:
		if strings.Contains(v, "./cmd/sim ") {
			out = append(out, v)
		}
	}
	return out
}
