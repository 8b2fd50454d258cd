package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuizCommand: sim quiz writes the same exercise for the same seed,
// hides the answers until --answers, and --save writes a scenario whose
// `sim run --quiz --answers` table is the same exercise's answers.
func TestQuizCommand(t *testing.T) {
	for _, system := range []string{"nfs", "afs", "rpc", "reliable"} {
		code, quiz, errOut := runSim(t, "quiz", system, "--seed", "5")
		if code != 0 {
			t.Fatalf("sim quiz %s: exit %d: %s", system, code, errOut)
		}
		if _, again, _ := runSim(t, "quiz", system, "--seed", "5"); again != quiz {
			t.Errorf("sim quiz %s --seed 5 twice: two exercises", system)
		}
		if _, other, _ := runSim(t, "quiz", system, "--seed", "6"); other == quiz {
			t.Errorf("sim quiz %s: seeds 5 and 6 gave the same exercise", system)
		}
		if !strings.Contains(quiz, " ?\n") {
			t.Errorf("sim quiz %s: nothing hidden:\n%s", system, quiz)
		}
		save := filepath.Join(t.TempDir(), "ex.yaml")
		_, key, _ := runSim(t, "quiz", system, "--seed", "5", "--answers", "--save", save)
		if strings.Contains(key, " ?\n") {
			t.Errorf("sim quiz %s --answers: answers still hidden:\n%s", system, key)
		}
		if _, err := os.Stat(save); err != nil {
			t.Fatalf("--save wrote nothing: %v", err)
		}
		code, run, errOut := runSim(t, "run", save, "--quiz", "--answers")
		if code != 0 {
			t.Fatalf("sim run %s --quiz --answers: exit %d: %s", save, code, errOut)
		}
		// The same table: sim quiz adds the line that says how to get the
		// exercise again.
		if body, _, _ := strings.Cut(key, "\nThis exercise again:"); strings.TrimSpace(body) != strings.TrimSpace(run) {
			t.Errorf("the saved exercise's answers differ from sim quiz's:\n%s\n---\n%s", body, run)
		}
	}
}

func TestQuizErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"quiz"}, "want one system"},
		{[]string{"quiz", "udp"}, `no exercises for system "udp"`},
		{[]string{"quiz", "nfs", "--clients", "99"}, "--clients: want 1 to"},
		{[]string{"quiz", "nfs", "--steps", "9", "--clients", "5"}, "--steps: 5 clients need at least 10"},
		{[]string{"quiz", "rpc", "--seed", "x"}, "--seed: expected a non-negative integer"},
		{[]string{"quiz", "rpc", "--format", "json"}, "a quiz is a table"},
		{[]string{"run", "lost_ack", "--answers"}, "add --quiz"},
		{[]string{"run", "lost_ack", "--quiz", "--format", "json"}, "a quiz is a table"},
	} {
		code, _, errOut := runSim(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("sim %s: exit %d, %q; want 2 and %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
}
