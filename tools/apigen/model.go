package main

// typeKind is what a goType is, as far as printing and deep copying care.
type typeKind int

const (
	// basicKind is any type copied by assignment that holds no reference:
	// bool, numbers, string, time.Time, named versions of those.
	basicKind typeKind = iota
	// structKind is a named struct of engine/api, generated or hand-written.
	structKind
	pointerKind
	sliceKind
	mapKind
	// namedSliceKind and namedMapKind are named slice and map types of
	// engine/api or the standard library (ResourceList, json.RawMessage).
	namedSliceKind
	namedMapKind
)

// goType is a type expression of the output package.
type goType struct {
	kind  typeKind
	name  string      // basic, struct and named kinds: how Go spells it
	under string      // basic kind: the spelling of the underlying type
	elem  *goType     // pointer, slice and map kinds
	key   *goType     // map kinds
	decl  *structDecl // struct kind
}

// String returns the Go spelling of t.
func (t *goType) String() string {
	switch t.kind {
	case pointerKind:
		return "*" + t.elem.String()
	case sliceKind:
		return "[]" + t.elem.String()
	case mapKind:
		return "map[" + t.key.String() + "]" + t.elem.String()
	}
	return t.name
}

// shape is like String, but spells named scalars as their underlying type:
// it is what two declarations must share to encode alike.
func (t *goType) shape() string {
	switch t.kind {
	case basicKind:
		return t.under
	case pointerKind:
		return "*" + t.elem.shape()
	case sliceKind:
		return "[]" + t.elem.shape()
	case mapKind:
		return "map[" + t.key.shape() + "]" + t.elem.shape()
	}
	return t.name
}

// plain reports whether t can be deep-copied by assignment: it holds no
// pointer, slice or map, however deep.
func (t *goType) plain() bool {
	switch t.kind {
	case basicKind:
		return true
	case structKind:
		return t.decl.plain()
	}
	return false
}

// structDecl is a named struct type of the output package.
type structDecl struct {
	name   string
	doc    string // the doc comment's text, without "// "
	fields []*field
	root   bool // a kind: it gets DeepCopyObject
	// isPlain caches plain(); nil until computed.
	isPlain *bool
}

// plain reports whether every field of d is plain. Go forbids a struct from
// containing itself other than through a pointer, slice or map, which are
// not plain, so the recursion ends.
func (d *structDecl) plain() bool {
	if d.isPlain != nil {
		return *d.isPlain
	}
	p := true
	for _, f := range d.fields {
		if !f.typ.plain() {
			p = false
			break
		}
	}
	d.isPlain = &p
	return p
}

// field is one field of a structDecl.
type field struct {
	name     string // the Go field name; for an embedded field, its type's name
	embedded bool
	typ      *goType
	json     string // the json tag's value
	hasJSON  bool   // whether there is a json tag at all
}

// tag returns the struct tag to print: the json key alone, as k8s.io/api
// spells it. Other keys (protobuf, patchStrategy) mean nothing here.
func (f *field) tag() string {
	if !f.hasJSON {
		return ""
	}
	return "`json:\"" + f.json + "\"`"
}
