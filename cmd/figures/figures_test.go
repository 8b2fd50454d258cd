package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sim-lecture/sim/report"
	"github.com/sim-lecture/sim/scenarios"
)

// TestFiguresDeclared: every figure is complete, and every grid point of
// every sweep is a valid scenario, whether or not this build can run it.
func TestFiguresDeclared(t *testing.T) {
	seen := map[string]bool{}
	name := regexp.MustCompile(`^[a-z]-[a-z0-9-]+$`)
	for _, f := range figures {
		t.Run(f.Name, func(t *testing.T) {
			if !name.MatchString(f.Name) || seen[f.Name] {
				t.Errorf("name %q: want a unique letter-dash-words name", f.Name)
			}
			seen[f.Name] = true
			if f.Title == "" || f.Caption == "" {
				t.Error("no title or caption")
			}
			if (f.Scenario == "") == (f.Build == nil) {
				t.Error("want exactly one of Scenario and Build")
			}
			if (f.Run == nil) == (len(f.Panels) == 0) {
				t.Error("want exactly one of Run and Panels")
			}
			if f.Run != nil {
				return
			}
			if f.Seeds < 1 {
				t.Error("no seeds")
			}
			var axes []report.SweepAxis
			for _, spec := range f.Axes {
				k, v, _ := strings.Cut(spec, "=")
				ax, err := scenarios.ParseAxis(k, v)
				if err != nil {
					t.Fatal(err)
				}
				axes = append(axes, ax)
			}
			for _, pt := range report.Grid(axes) {
				p := params{}
				for k, v := range f.Params {
					p[k] = v
				}
				var sets []scenarios.Setting
				for a, v := range pt {
					if _, ok := f.Params[axes[a].Key]; ok {
						p[axes[a].Key] = axes[a].Values[v]
					} else {
						sets = append(sets, scenarios.Setting{Key: axes[a].Key, Value: axes[a].Values[v]})
					}
				}
				file, data, err := source(f, p)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := scenarios.LoadWith(file, data, sets); err != nil {
					t.Fatalf("grid point %v: %v", pt, err)
				}
			}
		})
	}
}

// TestGenerate makes the figures this build can make into a temporary
// directory, with one seed, and checks their files.
func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := Main([]string{"-out", dir, "-seeds", "1", "-only", "d,e"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	made := regexp.MustCompile(`(?m)^made\s+(\S+)$`).FindAllStringSubmatch(out.String(), -1)
	if len(made) == 0 {
		t.Skipf("this build can make none of d, e yet:\n%s", out.String())
	}
	index, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range made {
		b, err := os.ReadFile(filepath.Join(dir, m[1]+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil || img.Bounds().Dx() < 100 {
			t.Errorf("%s.png: %v", m[1], err)
		}
		if _, err := os.Stat(filepath.Join(dir, m[1]+".svg")); err != nil {
			t.Error(err)
		}
		if !bytes.Contains(index, []byte("("+m[1]+".png)")) {
			t.Errorf("README.md does not show %s", m[1])
		}
	}
}

func TestMainFlags(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main([]string{"-list"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "e-adaptive-rto") {
		t.Errorf("-list: exit %d, %q", code, out.String())
	}
	out.Reset()
	if code := Main([]string{"-only", "zz", "-out", t.TempDir()}, &out, &errb); code != 2 || !strings.Contains(errb.String(), `no figure "zz"`) {
		t.Errorf("-only zz: exit %d, %q", code, errb.String())
	}
}

func TestWorkloadParams(t *testing.T) {
	if _, err := fileReaders("nfs")(params{"clients": "0", "duration": "60", "write_every": "10"}); err == nil {
		t.Error("0 clients accepted")
	}
	if _, err := reliableBulk(params{"count": "x"}); err == nil {
		t.Error("a count of x accepted")
	}
	if _, err := fileWriters(params{}); err == nil {
		t.Error("a missing duration accepted")
	}
}
