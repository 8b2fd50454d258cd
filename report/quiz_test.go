package report

import (
	"bytes"
	"strings"
	"testing"
)

func quizResult() *Result {
	return &Result{Scenario: "q", Seed: 1, Systems: []System{{System: "rpc", Faults: []Fault{{At: "1s", Kind: "crash", Node: "server"}}}},
		Table: &Table{Columns: []string{"Time", "Client A", "rpc: server action"}, Questions: 2,
			Rows:  [][]string{{"1s", "increment() on server", "INCREMENT (reply 1)"}, {"2s", "read() on server", "-"}},
			Notes: []string{"rpc: the server ran INCREMENT once"}}}
}

// TestQuizHidesAnswers: every cell after the question columns is hidden,
// even a "-"; the question columns, the faults and the header stay; the
// notes that explain the answers go; --answers shows it all.
func TestQuizHidesAnswers(t *testing.T) {
	r := quizResult()
	q := r.Table.Quiz()
	for i, row := range q.Rows {
		if row[0] != r.Table.Rows[i][0] || row[1] != r.Table.Rows[i][1] || row[2] != Hidden {
			t.Errorf("row %d = %q; want the question kept and the answer hidden", i, row)
		}
	}
	if r.Table.Rows[0][2] != "INCREMENT (reply 1)" {
		t.Error("Quiz changed the table it was given")
	}
	for _, format := range QuizFormats {
		var quiz, key bytes.Buffer
		if err := WriteQuiz(&quiz, r, format, false); err != nil {
			t.Fatal(err)
		}
		if err := WriteQuiz(&key, r, format, true); err != nil {
			t.Fatal(err)
		}
		for _, answer := range []string{"INCREMENT (reply 1)", "ran INCREMENT once"} {
			if strings.Contains(quiz.String(), answer) {
				t.Errorf("%s quiz shows the answer %q", format, answer)
			}
		}
		if !strings.Contains(key.String(), "INCREMENT (reply 1)") || !strings.Contains(quiz.String(), "increment() on server") {
			t.Errorf("%s: the answers lack the answer, or the quiz the question", format)
		}
		if format != "csv" && !strings.Contains(quiz.String(), "1s crash server") {
			t.Errorf("%s quiz does not list the faults, which are part of the question", format)
		}
	}
	if err := WriteQuiz(&bytes.Buffer{}, r, "json", false); err == nil {
		t.Error("a JSON quiz was written: the JSON result holds the answers")
	}
}
