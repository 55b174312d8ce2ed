package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// sources reads the doc comments of the packages types come from, as
// gengo (which openapi-gen runs on) sees them: a declaration's comment is
// the comment group that ends on the line just above it.
type sources struct {
	pkgs map[string]*pkgSource
}

// pkgSource is what one package's files say about its types and
// constants.
type pkgSource struct {
	types  map[string]*typeSource
	consts []constSource
}

type typeSource struct {
	comment []string
	fields  map[string][]string // Go field name → comment lines
}

// constSource is a constant of a named type with a string value.
type constSource struct {
	name, typ, value string
	comment          []string
}

func newSources() *sources { return &sources{pkgs: map[string]*pkgSource{}} }

// pkg parses the package at pkgPath, once.
func (s *sources) pkg(pkgPath string) (*pkgSource, error) {
	if p, ok := s.pkgs[pkgPath]; ok {
		return p, nil
	}
	dir, err := packageDir(pkgPath)
	if err != nil {
		return nil, err
	}
	p, err := parsePackage(dir)
	if err != nil {
		return nil, err
	}
	s.pkgs[pkgPath] = p
	return p, nil
}

// typ returns what the source says of a named type.
func (s *sources) typ(pkgPath, name string) (*typeSource, error) {
	p, err := s.pkg(pkgPath)
	if err != nil {
		return nil, err
	}
	t, ok := p.types[name]
	if !ok {
		return nil, fmt.Errorf("%s.%s: no declaration found", pkgPath, name)
	}
	return t, nil
}

// packageDir asks the go command where the module cache keeps a package.
func packageDir(pkgPath string) (string, error) {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", pkgPath).Output()
	if err != nil {
		return "", fmt.Errorf("go list %s: %w", pkgPath, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func parsePackage(dir string) (*pkgSource, error) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	p := &pkgSource{types: map[string]*typeSource{}}
	values := map[string]string{} // every string constant, for constants defined by others
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			c := newCommentIndex(fset, f)
			for _, d := range f.Decls {
				if gd, ok := d.(*ast.GenDecl); ok {
					p.addDecl(c, gd, values)
				}
			}
		}
	}
	for i := range p.consts {
		if v, ok := values[p.consts[i].value]; ok && !strings.HasPrefix(p.consts[i].value, `"`) {
			p.consts[i].value = v
		}
		p.consts[i].value = unquote(p.consts[i].value)
	}
	return p, nil
}

func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

// commentIndex finds the comment group that ends on a given line.
type commentIndex struct {
	fset   *token.FileSet
	byLine map[int]*ast.CommentGroup
}

func newCommentIndex(fset *token.FileSet, f *ast.File) *commentIndex {
	c := &commentIndex{fset: fset, byLine: map[int]*ast.CommentGroup{}}
	for _, g := range f.Comments {
		c.byLine[fset.Position(g.End()).Line] = g
	}
	return c
}

// above is the comment lines just above pos, as gengo's splitLines of the
// group's text.
func (c *commentIndex) above(pos token.Pos) []string {
	g := c.byLine[c.fset.Position(pos).Line-1]
	if g == nil {
		return nil
	}
	text := strings.TrimRight(g.Text(), "\n")
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

func (p *pkgSource) addDecl(c *commentIndex, gd *ast.GenDecl, values map[string]string) {
	for _, spec := range gd.Specs {
		switch s := spec.(type) {
		case *ast.TypeSpec:
			p.addType(c, gd, s)
		case *ast.ValueSpec:
			if gd.Tok == token.CONST {
				p.addConsts(c, s, values)
			}
		}
	}
}

func (p *pkgSource) addType(c *commentIndex, gd *ast.GenDecl, s *ast.TypeSpec) {
	pos := s.Pos()
	if len(gd.Specs) == 1 {
		pos = gd.Pos()
	}
	t := &typeSource{comment: c.above(pos), fields: map[string][]string{}}
	if st, ok := s.Type.(*ast.StructType); ok {
		for _, f := range st.Fields.List {
			lines := c.above(f.Pos())
			for _, n := range f.Names {
				t.fields[n.Name] = lines
			}
			if len(f.Names) == 0 {
				t.fields[embeddedName(f.Type)] = lines
			}
		}
	}
	p.types[s.Name.Name] = t
}

// embeddedName is the field name of an embedded type: metav1.TypeMeta is
// TypeMeta.
func embeddedName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return embeddedName(x.X)
	case *ast.SelectorExpr:
		return x.Sel.Name
	case *ast.Ident:
		return x.Name
	}
	return ""
}

// addConsts records constants of a named type (Name Type = "value", or
// Name = Type("value")) and every string constant's value.
func (p *pkgSource) addConsts(c *commentIndex, s *ast.ValueSpec, values map[string]string) {
	for i, n := range s.Names {
		if i >= len(s.Values) {
			continue
		}
		typ, val := constType(s.Type, s.Values[i])
		if lit, ok := val.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			values[n.Name] = lit.Value
		}
		if typ == "" {
			continue
		}
		var v string
		switch x := val.(type) {
		case *ast.BasicLit:
			if x.Kind != token.STRING {
				continue
			}
			v = x.Value
		case *ast.Ident:
			v = x.Name // another constant's name, resolved when all are read
		default:
			continue
		}
		p.consts = append(p.consts, constSource{name: n.Name, typ: typ, value: v, comment: c.above(n.Pos())})
	}
}

// constType is the named type of a constant and the expression of its
// value.
func constType(typ ast.Expr, val ast.Expr) (string, ast.Expr) {
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name, val
	}
	if call, ok := val.(*ast.CallExpr); ok && typ == nil && len(call.Args) == 1 {
		if id, ok := call.Fun.(*ast.Ident); ok {
			return id.Name, call.Args[0]
		}
	}
	return "", val
}
