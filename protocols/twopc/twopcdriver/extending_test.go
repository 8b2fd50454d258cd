package twopcdriver

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// excerpt finds the code docs/extending.md quotes: a comment naming a Go
// file (from the module's root) and a declaration in it, then a fenced
// block that must hold that declaration as the file has it today.
var excerpt = regexp.MustCompile("(?s)(<!-- code: ([^ ]+) ([A-Za-z_.]+) -->\n```go\n)(.*?)(```)")

// TestExtendingGuideQuotesTheCode checks that every excerpt of
// docs/extending.md, the guide to adding a protocol that walks through
// this system, is the code as it is: the guide cannot drift from the
// example it teaches. -update rewrites the excerpts.
func TestExtendingGuideQuotesTheCode(t *testing.T) {
	const guide = "../../../docs/extending.md"
	data, err := os.ReadFile(guide)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	out := excerpt.ReplaceAllStringFunc(string(data), func(m string) string {
		g := excerpt.FindStringSubmatch(m)
		n++
		code, err := declaration(filepath.Join("../../..", g[2]), g[3])
		if err != nil {
			t.Errorf("%s: %v", guide, err)
			return m
		}
		if g[4] != code && !*update {
			t.Errorf("%s: the excerpt of %s %s is out of date (-guide +code):\n%s", guide, g[2], g[3], cmp.Diff(g[4], code))
		}
		return g[1] + code + g[5]
	})
	if n < 10 {
		t.Errorf("%s quotes %d declarations; want the worked example's (at least 10)", guide, n)
	}
	if *update && out != string(data) {
		if err := os.WriteFile(guide, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// declaration returns the source of the top-level declaration name in a
// Go file, with its doc comment: a func, a method (Type.Method), or the
// var, const or type declaration that names it.
func declaration(file, name string) (string, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments)
	if err != nil {
		return "", err
	}
	recv, fn, isMethod := strings.Cut(name, ".")
	for _, d := range f.Decls {
		var doc *ast.CommentGroup
		found := false
		switch d := d.(type) {
		case *ast.FuncDecl:
			doc = d.Doc
			if isMethod {
				found = d.Recv != nil && d.Name.Name == fn && receiver(d) == recv
			} else {
				found = d.Recv == nil && d.Name.Name == name
			}
		case *ast.GenDecl:
			doc = d.Doc
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.ValueSpec:
					for _, id := range s.Names {
						found = found || id.Name == name
					}
				case *ast.TypeSpec:
					found = found || s.Name.Name == name
				}
			}
		}
		if !found {
			continue
		}
		start := d.Pos()
		if doc != nil {
			start = doc.Pos()
		}
		return string(src[fset.Position(start).Offset:fset.Position(d.End()).Offset]) + "\n", nil
	}
	return "", fmt.Errorf("%s has no declaration %s", file, name)
}

// receiver names a method's receiver type.
func receiver(d *ast.FuncDecl) string {
	t := d.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
