package scenarios

import (
	"embed"
	"fmt"
	"sort"
	"strings"
)

// builtin holds the scenarios shipped with sim, so that `sim list` and
// `sim run NAME` work from any directory.
//
//go:embed *.yaml
var builtin embed.FS

// BuiltIn loads every built-in scenario, sorted by name.
func BuiltIn() ([]*Scenario, error) {
	entries, err := builtin.ReadDir(".")
	if err != nil {
		return nil, err
	}
	var out []*Scenario
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		sc, err := loadBuiltIn(e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// BuiltInNames returns the names of the built-in scenarios, sorted.
func BuiltInNames() []string {
	entries, _ := builtin.ReadDir(".")
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func loadBuiltIn(file string) (*Scenario, error) {
	data, err := builtin.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return Load(builtInLabel(file), data)
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
