package scenarios_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/sim-lecture/sim/protocols/all"
	"github.com/sim-lecture/sim/scenarios"
)

// TestReadSourceRefuses: what is not a scenario file is refused with a
// message that says what it is, before anything large is read.
func TestReadSourceRefuses(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, scenarios.MaxInputBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		arg, want string
		io        bool
	}{
		{dir, dir + ": is a directory, not a scenario file", false},
		{big, big + ": the scenario is 1048577 bytes; a scenario may have at most 1048576 bytes (1 MiB)", false},
		{"/dev/zero", "/dev/zero: the scenario has more than 1048576 bytes", false},
		{"/dev/urandom", "/dev/urandom: the scenario has more than 1048576 bytes", false},
		{filepath.Join(dir, "nfs_vs_af.yaml"), "no such file, and no built-in scenario of that name; did you mean \"nfs_vs_afs\"?", false},
	}
	for _, tc := range tests {
		if _, err := os.Stat(tc.arg); err != nil && strings.HasPrefix(tc.arg, "/dev/") {
			continue
		}
		_, _, err := scenarios.ReadSource(tc.arg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("scenarios.ReadSource(%s) = %v; want %q", tc.arg, err, tc.want)
		}
		if errors.Is(err, scenarios.ErrIO) != tc.io {
			t.Errorf("scenarios.ReadSource(%s): errors.Is(err, scenarios.ErrIO) = %v; want %v", tc.arg, !tc.io, tc.io)
		}
		if _, err := scenarios.LoadFile(tc.arg); err == nil {
			t.Errorf("scenarios.LoadFile(%s) = nil error", tc.arg)
		}
	}
}

// TestLoadRefusesHugeData: Load itself refuses data past the cap, whoever
// read it.
func TestLoadRefusesHugeData(t *testing.T) {
	_, err := scenarios.Load("x.yaml", make([]byte, scenarios.MaxInputBytes+1))
	if err == nil || !strings.Contains(err.Error(), "x.yaml: the scenario is 1048577 bytes") {
		t.Fatalf("Load = %v", err)
	}
}

// TestBuiltInErrorsNameTheBinary: a built-in scenario is named
// builtin:NAME.yaml, never a path that may not exist where the user is.
func TestBuiltInErrorsNameTheBinary(t *testing.T) {
	_, err := scenarios.OpenWith("nfs_vs_afs", []scenarios.Setting{{Key: "nfs.attr_timeout", Value: "-1s"}})
	if err == nil || !strings.HasPrefix(err.Error(), "builtin:nfs_vs_afs.yaml") {
		t.Fatalf("error %v; want it to start with builtin:nfs_vs_afs.yaml", err)
	}
}
