package quiz_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/sim-lecture/sim/scenarios"
	"github.com/sim-lecture/sim/scenarios/quiz"

	_ "github.com/sim-lecture/sim/protocols/all"
)

// TestExercisesRun: every exercise, for each system and many seeds and
// sizes, is a scenario the loader takes and the runner runs without a
// violation, asked as a table of one row per step; the same options always give the same file, and other seeds
// other exercises.
func TestExercisesRun(t *testing.T) {
	for _, system := range quiz.Systems() {
		seen := map[string]bool{}
		for seed := uint64(0); seed < 40; seed++ {
			for _, size := range [][2]int{{0, 0}, {1, 2}, {3, 12}, {quiz.MaxClients, quiz.MaxSteps}} {
				o := quiz.Options{System: system, Seed: seed, Clients: size[0], Steps: size[1]}
				name, text, err := quiz.Exercise(o)
				if err != nil {
					t.Fatalf("%s: %v", o.Command(), err)
				}
				_, again, _ := quiz.Exercise(o)
				if !bytes.Equal(text, again) {
					t.Fatalf("%s: two different exercises", o.Command())
				}
				if size == [2]int{} {
					seen[string(text)] = true
				}
				sc, err := scenarios.Load(name+".yaml", text)
				if err != nil {
					t.Fatalf("%s does not load: %v\n%s", o.Command(), err, text)
				}
				res, _, err := scenarios.Run(sc, scenarios.Options{})
				if err != nil {
					t.Fatalf("%s does not run: %v", o.Command(), err)
				}
				if len(res.Violations) > 0 {
					t.Fatalf("%s: violations %+v\n%s", o.Command(), res.Violations, text)
				}
				if res.Table == nil || res.Table.Questions == 0 {
					t.Fatalf("%s: no table with questions", o.Command())
				}
				steps := o.Steps
				if steps == 0 {
					steps = scenarios.LookupSystem(system).Exercise.Steps
				}
				if len(res.Table.Rows) != steps {
					t.Fatalf("%s: a table of %d rows; want one per step", o.Command(), len(res.Table.Rows))
				}
			}
		}
		if len(seen) < 30 {
			t.Errorf("%s: 40 seeds gave only %d different exercises", system, len(seen))
		}
	}
}

// TestExerciseBounds: a system without exercises, too many clients or
// steps, and too few steps for the clients are refused with a message
// naming the flag.
func TestExerciseBounds(t *testing.T) {
	for _, tc := range []struct {
		o    quiz.Options
		want string
	}{
		{quiz.Options{System: "udp"}, `no exercises for system "udp"`},
		{quiz.Options{System: "nfs", Clients: quiz.MaxClients + 1}, "--clients: want 1 to"},
		{quiz.Options{System: "rpc", Steps: quiz.MaxSteps + 1}, "--steps: want 1 to"},
		{quiz.Options{System: "afs", Clients: 4, Steps: 6}, "--steps: 4 clients need at least 8 steps"},
		{quiz.Options{System: "two_generals"}, `no exercises for system "two_generals"`},
		{quiz.Options{System: "nfs", Clients: -1}, "--clients"},
	} {
		_, _, err := quiz.Exercise(tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Exercise(%+v) = %v; want an error saying %q", tc.o, err, tc.want)
		}
	}
}

// TestExercisesUseEveryClient: an exercise of C clients gives every one
// of them a workload row, for each system, many seeds, with the default
// number of steps (which grows to what C clients need) and with the
// fewest steps C clients need.
func TestExercisesUseEveryClient(t *testing.T) {
	actor := regexp.MustCompile(`op: \w+, (?:client|from): ([A-Z])\b`)
	for _, system := range quiz.Systems() {
		ex := scenarios.LookupSystem(system).Exercise
		for seed := uint64(0); seed < 40; seed++ {
			for _, clients := range []int{2, 3, 4, quiz.MaxClients} {
				for _, steps := range []int{0, ex.MinSteps(clients)} {
					o := quiz.Options{System: system, Seed: seed, Clients: clients, Steps: steps}
					_, text, err := quiz.Exercise(o)
					if err != nil {
						t.Fatalf("%s: %v", o.Command(), err)
					}
					seen := map[string]bool{}
					for _, m := range actor.FindAllStringSubmatch(string(text), -1) {
						seen[m[1]] = true
					}
					if len(seen) != clients {
						t.Fatalf("%s: %d of %d clients take part\n%s", o.Command(), len(seen), clients, text)
					}
				}
			}
		}
	}
}
