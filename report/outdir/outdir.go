// Package outdir writes a command's output directory (sim run --out, sim
// sweep --out) as one set: the directory holds one run's complete output
// or the previous run's, never a mix of two runs and never a half-written
// file.
//
// Every file of a set is written into a fresh sibling directory
// (.NAME.sim-new-PID); Commit then swaps it in place of the target, and
// removes the previous set. A run killed while writing leaves the target
// as it was; its staging directory is removed by the next set written
// next to it (the PID in its name is no longer alive). The target must be
// new, empty, or a directory this package wrote (it holds the marker file
// MarkerName): a directory of other files is refused, never replaced.
//
// Any writer of --out files (tables, traces, diagrams, captures, viewers)
// writes through a Dir, so that the set stays whole.
package outdir

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// MarkerName is the file that marks a directory as written by this
// package, and so safe to replace with the next set.
const MarkerName = ".sim-output"

// ErrForeign is returned by Create for a target that holds files this
// package did not write; ErrRefused for any other target that cannot be a
// set (a file, the current directory, an empty name). Both are the
// caller's to fix, as opposed to an I/O failure.
var (
	ErrRefused = errors.New("cannot be an output directory")
	ErrForeign = errors.New("holds files sim did not write")
)

// Dir is an output set being written.
type Dir struct {
	target string // the directory the set will be, cleaned
	stage  string // the sibling directory files go into
	done   bool
}

// Create starts a set that will become the directory target. It refuses a
// target that is a file, or a directory not written by this package that
// is not empty, and removes the staging directories that killed runs left
// next to it.
func Create(target string) (*Dir, error) {
	if strings.TrimSpace(target) == "" {
		return nil, fmt.Errorf("the name is empty: %w", ErrRefused)
	}
	abs, err := filepath.Abs(target)
	if err != nil {
		return nil, err
	}
	if wd, err := os.Getwd(); err == nil && (abs == wd || strings.HasPrefix(wd, abs+string(filepath.Separator))) {
		return nil, fmt.Errorf("%s: is the current directory or holds it, which %w; give a directory of its own, such as out/", target, ErrRefused)
	}
	if err := checkTarget(target); err != nil {
		return nil, err
	}
	parent, base := filepath.Split(abs)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	removeStale(parent, base)
	stage := filepath.Join(parent, "."+base+".sim-new-"+strconv.Itoa(os.Getpid()))
	os.RemoveAll(stage)
	if err := os.Mkdir(stage, 0o755); err != nil {
		return nil, err
	}
	return &Dir{target: abs, stage: stage}, nil
}

// checkTarget refuses what must not be replaced.
func checkTarget(target string) error {
	st, err := os.Stat(target)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s: is a file, which %w", target, ErrRefused)
	}
	if _, err := os.Stat(filepath.Join(target, MarkerName)); err == nil {
		return nil
	}
	entries, err := os.ReadDir(target)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s: %w (such as %s); give a new or empty directory, or one sim wrote before", target, ErrForeign, entries[0].Name())
	}
	return nil
}

// removeStale removes the staging and old directories of earlier sets of
// base whose process is gone.
func removeStale(parent, base string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), "."+base+".sim-")
		if !ok || !e.IsDir() {
			continue
		}
		_, pid, ok := strings.Cut(rest, "-")
		n, err := strconv.Atoi(pid)
		if !ok || err != nil || (n != os.Getpid() && alive(n)) {
			continue
		}
		os.RemoveAll(filepath.Join(parent, e.Name()))
	}
}

// alive reports whether a process with this id exists.
func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Target returns the directory the set becomes.
func (d *Dir) Target() string { return d.target }

// Write writes the file name of the set with fn, streaming into the
// staging directory.
func (d *Dir) Write(name string, fn func(w io.Writer) error) error {
	if d.done {
		return errors.New("outdir: write after Commit or Abort")
	}
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return fmt.Errorf("outdir: %q is not a plain file name", name)
	}
	f, err := os.Create(filepath.Join(d.stage, name))
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Create creates the file name of the set for a writer that streams into
// it while a run goes on (a packet capture); the caller closes it before
// Commit. A set aborted meanwhile removes it with the rest.
func (d *Dir) Create(name string) (*os.File, error) {
	if d.done {
		return nil, errors.New("outdir: Create after Commit or Abort")
	}
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("outdir: %q is not a plain file name", name)
	}
	return os.Create(filepath.Join(d.stage, name))
}

// WriteFile writes the file name of the set.
func (d *Dir) WriteFile(name string, data []byte) error {
	return d.Write(name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Commit makes the set the target directory, replacing the previous one.
func (d *Dir) Commit() error {
	if d.done {
		return errors.New("outdir: Commit after Commit or Abort")
	}
	d.done = true
	if err := os.WriteFile(filepath.Join(d.stage, MarkerName), []byte("written by sim; replaced whole by the next run\n"), 0o644); err != nil {
		os.RemoveAll(d.stage)
		return err
	}
	// The target is checked again: another program may have put files
	// there while this set was written.
	if err := checkTarget(d.target); err != nil {
		os.RemoveAll(d.stage)
		return err
	}
	parent, base := filepath.Split(d.target)
	old := filepath.Join(parent, "."+base+".sim-old-"+strconv.Itoa(os.Getpid()))
	hadOld := false
	if _, err := os.Stat(d.target); err == nil {
		os.RemoveAll(old)
		if err := os.Rename(d.target, old); err != nil {
			os.RemoveAll(d.stage)
			return err
		}
		hadOld = true
	}
	if err := os.Rename(d.stage, d.target); err != nil {
		if hadOld {
			os.Rename(old, d.target)
		}
		os.RemoveAll(d.stage)
		return err
	}
	if hadOld {
		return os.RemoveAll(old)
	}
	return nil
}

// Abort removes the staging directory and leaves the target as it was. It
// may be called after Commit (it then does nothing), so that a deferred
// Abort cleans up every failure path.
func (d *Dir) Abort() {
	if d.done {
		return
	}
	d.done = true
	os.RemoveAll(d.stage)
}
