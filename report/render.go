package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Formats lists the output formats of `sim run --format`.
var Formats = []string{"text", "markdown", "csv", "json"}

// ValidFormat reports whether f is one of Formats.
func ValidFormat(f string) bool {
	for _, g := range Formats {
		if f == g {
			return true
		}
	}
	return false
}

// Write renders r in the given format (one of Formats) to w.
func Write(w io.Writer, r *Result, format string) error {
	var buf bytes.Buffer
	switch format {
	case "text", "":
		writeText(&buf, r)
	case "markdown":
		writeMarkdown(&buf, r)
	case "csv":
		write := writeCSV(&buf, r.Table)
		if r.Table == nil && r.Summarized {
			write = writeSummaryCSV(&buf, r)
		}
		if write != nil {
			return write
		}
	case "json":
		if err := writeJSON(&buf, r); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func writeJSON(buf *bytes.Buffer, r *Result) error {
	if r.Violations == nil {
		r.Violations = []Violation{}
	}
	if r.OmitSteps {
		// A copy without the steps: the caller's result keeps them.
		c := *r
		c.Systems = make([]System, len(r.Systems))
		for i, s := range r.Systems {
			s.Steps = nil
			c.Systems[i] = s
		}
		r = &c
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// width is the display width of s: its rune count (cells are plain text).
func width(s string) int { return utf8.RuneCountInString(s) }

// TableText renders the header and rows of t as aligned plain text, the
// table of `sim run`'s default output, one line per row.
func TableText(t *Table) string {
	var buf strings.Builder
	widths := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		widths[i] = width(c)
	}
	for _, row := range t.Rows {
		for i, c := range row {
			if i < len(widths) && width(c) > widths[i] {
				widths[i] = width(c)
			}
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		for i := range widths {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c)
			if i < len(widths)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-width(c)))
			}
		}
		buf.WriteString(strings.TrimRight(b.String(), " "))
		buf.WriteString("\n")
	}
	line(t.Columns)
	rule := make([]string, len(widths))
	for i, w := range widths {
		rule[i] = strings.Repeat("-", w)
	}
	line(rule)
	for _, row := range t.Rows {
		line(row)
	}
	return buf.String()
}

func writeText(buf *bytes.Buffer, r *Result) {
	fmt.Fprintf(buf, "%s (seed %d)\n", r.Scenario, r.Seed)
	if r.Description != "" {
		fmt.Fprintf(buf, "%s\n", r.Description)
	}
	writeVariants(buf, r, "  ")
	buf.WriteString("\n")
	if t := r.Table; t != nil {
		if t.Title != "" {
			fmt.Fprintf(buf, "%s\n\n", t.Title)
		}
		buf.WriteString(TableText(t))
		if len(t.Notes) > 0 {
			buf.WriteString("\n")
			for _, n := range t.Notes {
				fmt.Fprintf(buf, "%s\n", n)
			}
		}
		buf.WriteString("\n")
	}
	if r.Summarized {
		writeSummaries(buf, r)
	}
	for _, s := range r.Systems {
		fmt.Fprintf(buf, "%s: %d events, ended at %s, trace %s", s.Label(), s.Events, s.End, s.TraceHash)
		if s.Bound != "" {
			fmt.Fprintf(buf, "\n  STOPPED: %s", s.Bound)
		}
		buf.WriteString("\n")
	}
	writeViolations(buf, r, "")
}

// writeVariants lists the scenario's variants, one per line, each with the
// systems it applies to when not all ("prototype (afs only)") and its
// description.
func writeVariants(buf *bytes.Buffer, r *Result, bullet string) {
	if len(r.Variants) == 0 {
		return
	}
	buf.WriteString("Variants:\n")
	for _, v := range r.Variants {
		name := v.Name
		if len(v.Systems) > 0 {
			name += " (" + strings.Join(v.Systems, ", ") + " only)"
		}
		if v.Description == "" {
			fmt.Fprintf(buf, "%s%s\n", bullet, name)
		} else {
			fmt.Fprintf(buf, "%s%s: %s\n", bullet, name, v.Description)
		}
	}
}

func writeViolations(buf *bytes.Buffer, r *Result, bullet string) {
	if len(r.Broken) > 0 {
		fmt.Fprintf(buf, "%sbroken as the scenario expects: %d\n", bullet, len(r.Broken))
		for _, v := range r.Broken {
			fmt.Fprintf(buf, "  - %s\n", violationLine(v))
		}
	}
	if len(r.Violations) == 0 {
		fmt.Fprintf(buf, "%sviolations: none\n", bullet)
		return
	}
	fmt.Fprintf(buf, "%sviolations: %d\n", bullet, len(r.Violations))
	for _, v := range r.Violations {
		fmt.Fprintf(buf, "  - %s\n", violationLine(v))
	}
}

// violationLine is one violation on a line: where, which run, what.
func violationLine(v Violation) string {
	var b strings.Builder
	if v.Where != "" {
		b.WriteString(v.Where + ": ")
	}
	if v.System != "" || v.Variant != "" {
		b.WriteString(strings.TrimSpace(label(v.System, v.Variant)) + ": ")
	}
	b.WriteString(v.Message)
	return b.String()
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// markdownTable writes the header and rows of t as a Markdown table.
func markdownTable(buf *bytes.Buffer, t *Table) {
	row := func(cells []string) {
		buf.WriteString("|")
		for i := range t.Columns {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			fmt.Fprintf(buf, " %s |", mdEscape(c))
		}
		buf.WriteString("\n")
	}
	row(t.Columns)
	buf.WriteString("|")
	for range t.Columns {
		buf.WriteString("---|")
	}
	buf.WriteString("\n")
	for _, r := range t.Rows {
		row(r)
	}
}

func writeMarkdown(buf *bytes.Buffer, r *Result) {
	fmt.Fprintf(buf, "## %s (seed %d)\n\n", r.Scenario, r.Seed)
	if r.Description != "" {
		fmt.Fprintf(buf, "%s\n\n", r.Description)
	}
	if len(r.Variants) > 0 {
		writeVariants(buf, r, "- ")
		buf.WriteString("\n")
	}
	if t := r.Table; t != nil {
		if t.Title != "" {
			fmt.Fprintf(buf, "%s\n\n", t.Title)
		}
		markdownTable(buf, t)
		buf.WriteString("\n")
		for _, n := range t.Notes {
			fmt.Fprintf(buf, "%s\n\n", n)
		}
	}
	if r.Summarized {
		buf.WriteString("```text\n")
		writeSummaries(buf, r)
		buf.WriteString("```\n\n")
	}
	writeViolations(buf, r, "")
}

func writeCSV(buf *bytes.Buffer, t *Table) error {
	if t == nil {
		return nil
	}
	w := csv.NewWriter(buf)
	if err := w.Write(t.Columns); err != nil {
		return err
	}
	for _, row := range t.Rows {
		cells := make([]string, len(t.Columns))
		copy(cells, row)
		if err := w.Write(cells); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// WriteFileAtomic writes data to path whole or not at all: it writes a
// temporary file in the same directory and renames it over path.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	// CreateTemp makes the file private (0600); an output file is for
	// everyone who can read the directory, like any file the user writes.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
