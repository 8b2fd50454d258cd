package outdir

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func write(t *testing.T, target string, files ...string) {
	t.Helper()
	d, err := Create(target)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	for _, f := range files {
		if err := d.WriteFile(f, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestSetsReplaceEachOther: a second set replaces the first whole, and
// nothing is left next to the target.
func TestSetsReplaceEachOther(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	write(t, out, "a.txt", "b.txt")
	write(t, out, "b.txt", "c.txt")
	if got, want := names(t, out), []string{MarkerName, "b.txt", "c.txt"}; !slices.Equal(got, want) {
		t.Errorf("files %v; want %v (no a.txt from the first set)", got, want)
	}
	if got := names(t, parent); !slices.Equal(got, []string{"out"}) {
		t.Errorf("parent holds %v; want only out", got)
	}
}

// TestAbortLeavesThePreviousSet: a set abandoned half-way (an error, a
// signal) changes nothing.
func TestAbortLeavesThePreviousSet(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	write(t, out, "a.txt")
	d, err := Create(out)
	if err != nil {
		t.Fatal(err)
	}
	d.WriteFile("b.txt", []byte("half"))
	d.Write("c.txt", func(w io.Writer) error { return errors.New("disk full") })
	d.Abort()
	if got := names(t, out); !slices.Equal(got, []string{MarkerName, "a.txt"}) {
		t.Errorf("files %v; want the first set", got)
	}
	if got := names(t, parent); !slices.Equal(got, []string{"out"}) {
		t.Errorf("parent holds %v; want only out", got)
	}
}

// TestKilledRunIsCleanedUp: the staging directory of a process that died
// is removed by the next set.
func TestKilledRunIsCleanedUp(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	// Process IDs above the kernel's pid_max never exist.
	stale := filepath.Join(parent, ".out.sim-new-99999999")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(stale, "table.md"), []byte("partial"), 0o644)
	write(t, out, "a.txt")
	if got := names(t, parent); !slices.Equal(got, []string{"out"}) {
		t.Errorf("parent holds %v; want only out", got)
	}
}

// TestRefusesForeignDirectories: a directory of other files, a file, or
// the current directory is never replaced.
func TestRefusesForeignDirectories(t *testing.T) {
	parent := t.TempDir()
	foreign := filepath.Join(parent, "home")
	os.MkdirAll(foreign, 0o755)
	os.WriteFile(filepath.Join(foreign, "thesis.tex"), []byte("x"), 0o644)
	if _, err := Create(foreign); !errors.Is(err, ErrForeign) {
		t.Errorf("Create(dir of other files) = %v; want ErrForeign", err)
	}
	file := filepath.Join(parent, "f")
	os.WriteFile(file, []byte("x"), 0o644)
	if _, err := Create(file); err == nil {
		t.Errorf("Create(a file) succeeded")
	}
	wd, _ := os.Getwd()
	if _, err := Create(wd); err == nil {
		t.Errorf("Create(the current directory) succeeded")
	}
	empty := filepath.Join(parent, "empty")
	os.MkdirAll(empty, 0o755)
	write(t, empty, "a.txt")
	if _, err := os.Stat(filepath.Join(foreign, "thesis.tex")); err != nil {
		t.Errorf("the foreign file is gone: %v", err)
	}
}

// TestBadNames: a set's files are plain names inside it.
func TestBadNames(t *testing.T) {
	d, err := Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	for _, n := range []string{"", "../x", "a/b", MarkerName} {
		if err := d.WriteFile(n, nil); err == nil {
			t.Errorf("WriteFile(%q) succeeded", n)
		}
	}
}

// TestCreateStreams: a file streamed while a run goes on (a packet
// capture) is part of the set when it commits, and gone when it aborts.
func TestCreateStreams(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	for _, commit := range []bool{false, true} {
		d, err := Create(out)
		if err != nil {
			t.Fatal(err)
		}
		f, err := d.Create("capture-x.pcap")
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("packets"))
		f.Close()
		if _, err := d.Create("../escape"); err == nil {
			t.Errorf("Create(../escape) succeeded")
		}
		if commit {
			if err := d.Commit(); err != nil {
				t.Fatal(err)
			}
		} else {
			d.Abort()
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("an aborted first set left %s: %v", out, err)
			}
		}
	}
	if got := names(t, out); !slices.Equal(got, []string{MarkerName, "capture-x.pcap"}) {
		t.Errorf("files %v; want the capture", got)
	}
}
