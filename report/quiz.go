package report

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Hidden is what a quiz writes in place of an answer.
const Hidden = "?"

// QuizFormats are the formats a quiz is written in: the table's, since the
// JSON result holds every answer.
var QuizFormats = []string{"text", "markdown", "csv"}

// Quiz returns a copy of t with its answers hidden, the way OSTEP's
// simulators ask their questions: every cell after the question columns
// (the servers' actions and the values read, or what the receiving
// application saw) is Hidden, even an empty one or a "-", which would
// give away that nothing happened. The notes under the table, which
// explain the answers, are left out.
func (t *Table) Quiz() *Table {
	q := &Table{Title: t.Title, Columns: t.Columns, Questions: t.Questions}
	for _, row := range t.Rows {
		r := append([]string(nil), row...)
		for i := t.Questions; i < len(r); i++ {
			r[i] = Hidden
		}
		q.Rows = append(q.Rows, r)
	}
	return q
}

// quizIntro and answersIntro head the quiz and its answers.
const (
	quizIntro    = "Quiz: each ? hides what the run did (what each server was asked to do and what each read returned, or what each receiving application got). Work them out, then run again with --answers."
	answersIntro = "Answers: the same table, filled in by the run."
)

// WriteQuiz writes r's table as a quiz in format (one of QuizFormats): with
// answers false its answers are Hidden, with answers true they are shown,
// with the notes that explain them.
func WriteQuiz(w io.Writer, r *Result, format string, answers bool) error {
	t := r.Table
	if t == nil {
		return fmt.Errorf("%s has no table to ask about", r.Scenario)
	}
	intro := answersIntro
	if !answers {
		t, intro = t.Quiz(), quizIntro
	}
	var buf bytes.Buffer
	switch format {
	case "text", "":
		fmt.Fprintf(&buf, "%s (seed %d)\n", r.Scenario, r.Seed)
		if r.Description != "" {
			fmt.Fprintf(&buf, "%s\n", r.Description)
		}
		writeVariants(&buf, r, "  ")
		var faults bytes.Buffer
		if writeQuizFaults(&faults, r, "  ") {
			buf.WriteString("\n")
			buf.Write(faults.Bytes())
		}
		fmt.Fprintf(&buf, "\n%s\n\n", intro)
		if t.Title != "" {
			fmt.Fprintf(&buf, "%s\n\n", t.Title)
		}
		buf.WriteString(TableText(t))
		if len(t.Notes) > 0 {
			buf.WriteString("\n")
			for _, n := range t.Notes {
				fmt.Fprintf(&buf, "%s\n", n)
			}
		}
	case "markdown":
		fmt.Fprintf(&buf, "## %s (seed %d)\n\n", r.Scenario, r.Seed)
		if r.Description != "" {
			fmt.Fprintf(&buf, "%s\n\n", r.Description)
		}
		if len(r.Variants) > 0 {
			writeVariants(&buf, r, "- ")
			buf.WriteString("\n")
		}
		if writeQuizFaults(&buf, r, "- ") {
			buf.WriteString("\n")
		}
		fmt.Fprintf(&buf, "%s\n\n", intro)
		if t.Title != "" {
			fmt.Fprintf(&buf, "%s\n\n", t.Title)
		}
		markdownTable(&buf, t)
		for _, n := range t.Notes {
			fmt.Fprintf(&buf, "\n%s\n", n)
		}
	case "csv":
		if err := writeCSV(&buf, t); err != nil {
			return err
		}
	default:
		return fmt.Errorf("a quiz is a table: --format must be one of text, markdown or csv, not %q (the JSON result holds the answers)", format)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// writeQuizFaults lists the faults the run injected, part of the question
// (a student must know which messages are lost to say what happens), and
// reports whether there were any. Faults that differ between runs (a
// variant's own) are listed under each run's label.
func writeQuizFaults(buf *bytes.Buffer, r *Result, bullet string) bool {
	same := true
	for _, s := range r.Systems[1:] {
		same = same && slices.Equal(faultText(s.Faults), faultText(r.Systems[0].Faults))
	}
	any := false
	for i, s := range r.Systems {
		if len(s.Faults) == 0 || (same && i > 0) {
			continue
		}
		head := "Faults:"
		if !same {
			head = "Faults (" + s.Label() + "):"
		}
		fmt.Fprintf(buf, "%s\n", head)
		for _, f := range faultText(s.Faults) {
			fmt.Fprintf(buf, "%s%s\n", bullet, f)
		}
		any = true
	}
	return any
}

// faultText writes each fault in a line: "1.95s block server->A".
func faultText(fs []Fault) []string {
	var out []string
	for _, f := range fs {
		out = append(out, strings.Join(strings.Fields(f.At+" "+f.Kind+" "+f.Node+" "+f.Detail), " "))
	}
	return out
}
