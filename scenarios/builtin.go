package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// builtin holds the scenarios of this folder, shipped with sim, so that
// `sim list` and `sim run NAME` work from any directory. Systems ship
// their own next to their protocol (System.Scenarios).
//
//go:embed *.yaml
var builtin embed.FS

// builtinDir is this folder, from the module's root.
const builtinDir = "scenarios"

// builtInSource is a folder of built-in scenarios: this package's, or one
// a system ships.
type builtInSource struct {
	dir string // from the module's root (BuiltInDir)
	fs  fs.FS
}

// builtInSources lists the folders of built-in scenarios: this package's,
// then each registered system's, in the registry's order.
func builtInSources() []builtInSource {
	out := []builtInSource{{builtinDir, builtin}}
	for _, s := range registry.systems {
		if s.Scenarios != nil {
			out = append(out, builtInSource{s.ScenariosDir, s.Scenarios})
		}
	}
	return out
}

// yamlNames lists the scenario names of a folder: its *.yaml files
// without the extension.
func yamlNames(fsys fs.FS) []string {
	entries, _ := fs.ReadDir(fsys, ".")
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok && !e.IsDir() {
			names = append(names, n)
		}
	}
	return names
}

// BuiltIn loads every built-in scenario, sorted by name.
func BuiltIn() ([]*Scenario, error) {
	var out []*Scenario
	for _, n := range BuiltInNames() {
		sc, err := loadBuiltIn(n)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// BuiltInNames returns the names of the built-in scenarios, sorted.
func BuiltInNames() []string {
	var names []string
	for _, src := range builtInSources() {
		names = append(names, yamlNames(src.fs)...)
	}
	sort.Strings(names)
	return names
}

// BuiltInFile returns a built-in scenario's file: how errors and results
// name it (builtInLabel) and its bytes; ok is false when there is no
// built-in scenario of that name.
func BuiltInFile(name string) (file string, data []byte, ok bool) {
	for _, src := range builtInSources() {
		if data, err := fs.ReadFile(src.fs, name+".yaml"); err == nil {
			return builtInLabel(name + ".yaml"), data, true
		}
	}
	return "", nil, false
}

// BuiltInDir returns the folder, from the module's root, that holds the
// built-in scenario name: "scenarios", or the ScenariosDir of the system
// that ships it; "" when there is no built-in scenario of that name.
func BuiltInDir(name string) string {
	for _, src := range builtInSources() {
		if _, err := fs.Stat(src.fs, name+".yaml"); err == nil {
			return src.dir
		}
	}
	return ""
}

func loadBuiltIn(name string) (*Scenario, error) {
	file, data, ok := BuiltInFile(name)
	if !ok {
		return nil, fmt.Errorf("no built-in scenario %q", name)
	}
	sc, err := Load(file, data)
	if err == nil && sc.Name != name {
		// `sim list` and `sim run NAME` go by the file's name.
		return nil, fmt.Errorf("%s: the scenario is named %q; a built-in scenario is named as its file", file, sc.Name)
	}
	return sc, err
}

// builtInLabel is how errors and results name a built-in scenario's file:
// "builtin:nfs_vs_afs.yaml", which no one mistakes for a path in their
// own directory (the file is inside the sim binary).
func builtInLabel(file string) string { return "builtin:" + file }

// Open loads a scenario named on the command line: a path to a YAML file if
// one exists there, otherwise a built-in scenario by name (with or without
// ".yaml", with or without the "scenarios/" folder).
func Open(arg string) (*Scenario, error) {
	file, data, err := ReadSource(arg)
	if err != nil {
		return nil, err
	}
	return Load(file, data)
}

// CheckImplemented reports an error if the scenario names a system this build
// of sim cannot run yet.
func CheckImplemented(sc *Scenario) error {
	for _, s := range sc.Systems {
		if LookupSystem(s) == nil {
			names := SystemNames()
			sort.Strings(names)
			return fmt.Errorf("%s: system %q is not implemented in this version of sim (implemented: %s)",
				sc.File, s, strings.Join(names, ", "))
		}
	}
	return nil
}
