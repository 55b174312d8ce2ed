package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// handPkg is what the generator reads of engine/api's hand-written code: the
// mirrors' declarations, to refer to them and deep-copy them, and every
// top-level name, so that no generated type takes one.
type handPkg struct {
	specs map[string]*ast.TypeSpec
	taken map[string]string // top-level name → file declaring it
	types map[string]*goType
}

// isGenerated reports whether a file name is one the generator writes.
func isGenerated(name string) bool { return strings.HasPrefix(name, "zz_generated.") }

// parseHand parses the non-test, non-generated Go files of dir.
func parseHand(dir string) (*handPkg, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	h := &handPkg{specs: map[string]*ast.TypeSpec{}, taken: map[string]string{}, types: map[string]*goType{}}
	fset := token.NewFileSet()
	for _, p := range paths {
		base := filepath.Base(p)
		if isGenerated(base) || strings.HasSuffix(base, "_test.go") {
			continue
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, p, src, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		h.collect(f, base)
	}
	if len(h.taken) == 0 {
		return nil, fmt.Errorf("%s: no hand-written Go files; is -out the engine/api directory?", dir)
	}
	return h, nil
}

// collect records the top-level declarations of one file.
func (h *handPkg) collect(f *ast.File, file string) {
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				h.taken[d.Name.Name] = file
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				h.collectSpec(spec, file)
			}
		}
	}
}

func (h *handPkg) collectSpec(spec ast.Spec, file string) {
	switch s := spec.(type) {
	case *ast.TypeSpec:
		h.taken[s.Name.Name] = file
		h.specs[s.Name.Name] = s
	case *ast.ValueSpec:
		for _, n := range s.Names {
			h.taken[n.Name] = file
		}
	}
}

// builtins are the predeclared types a field may use.
var builtins = map[string]bool{
	"bool": true, "string": true, "byte": true, "rune": true,
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true,
	"float32": true, "float64": true,
}

// foreign are the types of other packages hand-written mirrors may use.
var foreign = map[string]*goType{
	"time.Time":       basic("time.Time"),
	"time.Duration":   basic("time.Duration"),
	"json.RawMessage": rawMessage,
}

// resolve returns the type a hand-written declaration defines.
func (h *handPkg) resolve(name string) (*goType, error) {
	if t, ok := h.types[name]; ok {
		return t, nil
	}
	spec, ok := h.specs[name]
	if !ok {
		return nil, fmt.Errorf("engine/api declares no type %s, which generated code needs", name)
	}
	if spec.Assign.IsValid() || spec.TypeParams != nil {
		return nil, fmt.Errorf("type %s: aliases and generic types are not supported", name)
	}
	switch e := spec.Type.(type) {
	case *ast.StructType:
		return h.resolveStruct(name, e)
	case *ast.MapType, *ast.ArrayType:
		return h.resolveNamed(name, e)
	}
	under, err := h.expr(spec.Type)
	if err != nil {
		return nil, fmt.Errorf("type %s: %w", name, err)
	}
	if under.kind != basicKind {
		return nil, fmt.Errorf("type %s: unsupported underlying type %s", name, under)
	}
	t := &goType{kind: basicKind, name: name, under: under.under}
	h.types[name] = t
	return t, nil
}

// resolveStruct models a hand-written struct. It is cached before its fields
// are read so that a field may refer back to it.
func (h *handPkg) resolveStruct(name string, st *ast.StructType) (*goType, error) {
	d := &structDecl{name: name}
	t := &goType{kind: structKind, name: name, decl: d}
	h.types[name] = t
	for _, af := range st.Fields.List {
		fs, err := h.fields(af)
		if err != nil {
			return nil, fmt.Errorf("type %s: %w", name, err)
		}
		d.fields = append(d.fields, fs...)
	}
	return t, nil
}

// fields models one line of a struct: one or more names, or an embedding.
func (h *handPkg) fields(af *ast.Field) ([]*field, error) {
	typ, err := h.expr(af.Type)
	if err != nil {
		return nil, err
	}
	json, has := "", false
	if af.Tag != nil {
		raw, err := strconv.Unquote(af.Tag.Value)
		if err != nil {
			return nil, err
		}
		json, has = reflect.StructTag(raw).Lookup("json")
	}
	if len(af.Names) == 0 {
		return []*field{{name: embeddedName(typ), embedded: true, typ: typ, json: json, hasJSON: has}}, nil
	}
	out := make([]*field, len(af.Names))
	for i, n := range af.Names {
		out[i] = &field{name: n.Name, typ: typ, json: json, hasJSON: has}
	}
	return out, nil
}

// resolveNamed models a named slice or map type such as ResourceList.
func (h *handPkg) resolveNamed(name string, e ast.Expr) (*goType, error) {
	under, err := h.expr(e)
	if err != nil {
		return nil, fmt.Errorf("type %s: %w", name, err)
	}
	t := &goType{kind: namedSliceKind, name: name, elem: under.elem, key: under.key}
	if under.kind == mapKind {
		t.kind = namedMapKind
	}
	h.types[name] = t
	return t, nil
}

// expr models a type expression of a hand-written field.
func (h *handPkg) expr(e ast.Expr) (*goType, error) {
	switch e := e.(type) {
	case *ast.Ident:
		if builtins[e.Name] {
			return basic(e.Name), nil
		}
		return h.resolve(e.Name)
	case *ast.SelectorExpr:
		name := fmt.Sprintf("%s.%s", e.X, e.Sel.Name)
		if t, ok := foreign[name]; ok {
			return t, nil
		}
		return nil, fmt.Errorf("type %s is not supported in hand-written mirrors", name)
	case *ast.StarExpr:
		elem, err := h.expr(e.X)
		if err != nil {
			return nil, err
		}
		return &goType{kind: pointerKind, elem: elem}, nil
	case *ast.ArrayType:
		if e.Len != nil {
			return nil, fmt.Errorf("arrays are not supported")
		}
		elem, err := h.expr(e.Elt)
		if err != nil {
			return nil, err
		}
		return &goType{kind: sliceKind, elem: elem}, nil
	case *ast.MapType:
		key, err := h.expr(e.Key)
		if err != nil {
			return nil, err
		}
		elem, err := h.expr(e.Value)
		if err != nil {
			return nil, err
		}
		return &goType{kind: mapKind, key: key, elem: elem}, nil
	}
	return nil, fmt.Errorf("unsupported type expression %T", e)
}

// mirrorDecls returns the hand-written types that get deep-copy functions:
// the mirrors' structs and named maps, and the structs they use, by name.
func (h *handPkg) mirrorDecls() []*goType {
	var out []*goType
	for _, m := range mirrors {
		if t, ok := h.types[m.name]; ok {
			out = append(out, t)
		}
	}
	for name, t := range h.types {
		if t.kind == structKind && !isMirror(name) {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func isMirror(name string) bool {
	for _, m := range mirrors {
		if m.name == name {
			return true
		}
	}
	return false
}

// checkMirrors compares each checked hand-written mirror with its original,
// field by field: names, order, json tags and types must agree, so that the
// hand-written types decode and print exactly as Kubernetes' do.
func checkMirrors(b *builder) error {
	var errs []string
	for _, m := range mirrors {
		if _, err := b.hand.resolve(m.name); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if m.check {
			errs = append(errs, b.compareMirror(m)...)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("hand-written types differ from k8s.io:\n\t%s", strings.Join(errs, "\n\t"))
	}
	return nil
}

func (b *builder) compareMirror(m mirror) []string {
	d := b.hand.types[m.name].decl
	if d == nil {
		return []string{fmt.Sprintf("%s: k8s.io declares a struct", m.name)}
	}
	var errs []string
	n := max(len(d.fields), m.typ.NumField())
	for i := range n {
		if i >= m.typ.NumField() {
			errs = append(errs, fmt.Sprintf("%s.%s: k8s.io has no such field", m.name, d.fields[i].name))
			continue
		}
		sf := m.typ.Field(i)
		if i >= len(d.fields) {
			errs = append(errs, fmt.Sprintf("%s: field %s (json %q) is missing", m.name, sf.Name, sf.Tag.Get("json")))
			continue
		}
		errs = append(errs, b.compareField(m.name, d.fields[i], sf)...)
	}
	return errs
}

func (b *builder) compareField(owner string, f *field, sf reflect.StructField) []string {
	where := owner + "." + f.name
	if f.name != sf.Name || f.embedded != sf.Anonymous {
		return []string{fmt.Sprintf("%s: k8s.io has field %s here", where, sf.Name)}
	}
	var errs []string
	json, has := sf.Tag.Lookup("json")
	if f.json != json || f.hasJSON != has {
		errs = append(errs, fmt.Sprintf("%s: json tag is %q, k8s.io has %q", where, f.json, json))
	}
	if _, ok := mirrorExceptions[owner+"."+sf.Name]; ok {
		return errs
	}
	want, err := b.typeOf(sf.Type)
	if err != nil {
		return append(errs, fmt.Sprintf("%s: %v", where, err))
	}
	if f.typ.shape() != want.shape() {
		errs = append(errs, fmt.Sprintf("%s: type is %s, k8s.io has %s", where, f.typ, want))
	}
	return errs
}
