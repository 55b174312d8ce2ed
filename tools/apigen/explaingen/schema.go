package main

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// document is the generated file: the kinds, the types they reach, and
// the descriptions, each stored once. engine/kubectl/explain.go reads it.
type document struct {
	Kinds []kindEntry    `json:"kinds"`
	Types []schemaType   `json:"types"`
	Text  []string       `json:"text"`
	text  map[string]int // description → 1-based index in Text
	index map[reflect.Type]int
}

// kindEntry is a served kind and its type's 1-based index.
type kindEntry struct {
	Group   string `json:"g,omitempty"`
	Version string `json:"v"`
	Kind    string `json:"k"`
	Type    int    `json:"t"`
}

// schemaType is one type's schema: its Go name (what explain prints),
// OpenAPI type ("object", "string", or "" for Quantity and IntOrString,
// which are one of several), description and properties by name.
type schemaType struct {
	Name  string     `json:"n"`
	Type  string     `json:"t,omitempty"`
	Desc  int        `json:"d,omitempty"`
	Props []property `json:"p,omitempty"`
}

type property struct {
	Name     string `json:"n"`
	Desc     int    `json:"d,omitempty"`
	Required bool   `json:"q,omitempty"`
	shape
}

// shape is a property's schema: a reference to a type, a primitive type
// (with its enum values), or an array or map ("object") of a shape.
type shape struct {
	Ref   int      `json:"r,omitempty"`
	Type  string   `json:"t,omitempty"`
	Enum  []string `json:"e,omitempty"`
	Items *shape   `json:"i,omitempty"`
}

// specialTypes have OpenAPI schemas of their own rather than their Go
// fields: kube-openapi's OpenAPISchemaType (and, in v3, OneOf) methods.
var specialTypes = map[reflect.Type]string{
	reflect.TypeFor[metav1.Time]():          "string",
	reflect.TypeFor[metav1.MicroTime]():     "string",
	reflect.TypeFor[metav1.Duration]():      "string",
	reflect.TypeFor[resource.Quantity]():    "",
	reflect.TypeFor[intstr.IntOrString]():   "",
	reflect.TypeFor[runtime.RawExtension](): "object",
	reflect.TypeFor[metav1.FieldsV1]():      "object",
}

// build walks from the served kinds through every type they reach.
func build() (*document, error) {
	d := &document{text: map[string]int{}, index: map[reflect.Type]int{}}
	src := newSources()
	for _, k := range kinds {
		t, err := d.typeIndex(src, k.typ)
		if err != nil {
			return nil, err
		}
		d.Kinds = append(d.Kinds, kindEntry{Group: k.group, Version: k.version, Kind: k.typ.Name(), Type: t})
	}
	return d, nil
}

// typeIndex returns the 1-based index of a struct type's schema, adding
// it (and what it reaches) the first time.
func (d *document) typeIndex(src *sources, t reflect.Type) (int, error) {
	if i, ok := d.index[t]; ok {
		return i, nil
	}
	ts, err := src.typ(t.PkgPath(), t.Name())
	if err != nil {
		return 0, err
	}
	d.Types = append(d.Types, schemaType{Name: t.Name(), Type: "object", Desc: d.textIndex(description(ts.comment))})
	i := len(d.Types)
	d.index[t] = i
	if typ, ok := specialTypes[t]; ok {
		d.Types[i-1].Type = typ
		return i, nil
	}
	props, err := d.members(src, t, ts)
	if err != nil {
		return 0, err
	}
	sort.Slice(props, func(a, b int) bool { return props[a].Name < props[b].Name })
	d.Types[i-1].Props = props
	return i, nil
}

// members lists a struct's properties, inlining embedded ",inline" ones,
// as kube-openapi's generateMembers.
func (d *document) members(src *sources, t reflect.Type, ts *typeSource) ([]property, error) {
	var out []property
	for i := range t.NumField() {
		f := t.Field(i)
		comment := ts.fields[f.Name]
		tag, hasTag := f.Tag.Lookup("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case hasTagValue(comment, "k8s:openapi-gen", "false"):
			continue
		case f.Anonymous && hasTag && (tag == "" || strings.HasPrefix(tag, ",")):
			et := f.Type
			ets, err := src.typ(et.PkgPath(), et.Name())
			if err != nil {
				return nil, err
			}
			inner, err := d.members(src, et, ets)
			if err != nil {
				return nil, err
			}
			out = append(out, inner...)
			continue
		case name == "-":
			continue
		case name == "":
			name = f.Name
		}
		p, err := d.property(src, f, name, comment)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t.Name(), f.Name, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func (d *document) property(src *sources, f reflect.StructField, name string, comment []string) (property, error) {
	p := property{Name: name, Required: !optional(f, comment)}
	lines := comment
	enum, err := enumOf(src, f.Type)
	if err != nil {
		return p, err
	}
	if enum != nil {
		lines = append(append([]string(nil), comment...), enum.descriptionLines()...)
	}
	p.Desc = d.textIndex(description(lines))
	if opts := strings.Split(f.Tag.Get("json"), ","); len(opts) > 1 && opts[1] == "string" {
		p.Type = "string"
		return p, nil
	}
	s, err := d.shapeOf(src, f.Type)
	if err != nil {
		return p, err
	}
	if enum != nil && s.Ref == 0 && s.Items == nil {
		s.Enum = enum.values()
	}
	p.shape = s
	return p, nil
}

// shapeOf is the schema of a Go type as a property, through pointers.
func (d *document) shapeOf(src *sources, t reflect.Type) (shape, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
		return shape{Type: "string"}, nil
	}
	switch t.Kind() {
	case reflect.String:
		return shape{Type: "string"}, nil
	case reflect.Bool:
		return shape{Type: "boolean"}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return shape{Type: "integer"}, nil
	case reflect.Float32, reflect.Float64:
		return shape{Type: "number"}, nil
	case reflect.Interface:
		return shape{Type: "object"}, nil
	case reflect.Struct:
		i, err := d.typeIndex(src, t)
		return shape{Ref: i}, err
	case reflect.Slice, reflect.Array, reflect.Map:
		items, err := d.shapeOf(src, t.Elem())
		if err != nil {
			return shape{}, err
		}
		typ := "array"
		if t.Kind() == reflect.Map {
			typ = "object"
		}
		return shape{Type: typ, Items: &items}, nil
	}
	return shape{}, fmt.Errorf("no OpenAPI type for %v", t)
}

// textIndex stores a description once and returns its 1-based index, 0
// for none.
func (d *document) textIndex(s string) int {
	if s == "" {
		return 0
	}
	if i, ok := d.text[s]; ok {
		return i
	}
	d.Text = append(d.Text, s)
	d.text[s] = len(d.Text)
	return len(d.Text)
}

// optional is kube-openapi's isOptional: +optional, +required, or else
// whether the JSON tag says omitempty.
func optional(f reflect.StructField, comment []string) bool {
	tags := commentTags(comment)
	if _, ok := tags["required"]; ok {
		return false
	}
	if _, ok := tags["optional"]; ok {
		return true
	}
	tag := f.Tag.Get("json")
	return strings.HasSuffix(tag, ",omitempty") || strings.Contains(tag, ",omitempty,")
}

// commentTags is gengo's ExtractCommentTags("+", lines): the "+name" and
// "+name=value" lines.
func commentTags(lines []string) map[string][]string {
	out := map[string][]string{}
	for _, l := range lines {
		l = strings.Trim(l, " ")
		if !strings.HasPrefix(l, "+") {
			continue
		}
		name, value, _ := strings.Cut(l[1:], "=")
		out[name] = append(out[name], value)
	}
	return out
}

func hasTagValue(lines []string, name, value string) bool {
	for _, v := range commentTags(lines)[name] {
		if v == value {
			return true
		}
	}
	return false
}

// description is kube-openapi's generateDescription: tag and TODO lines
// dropped, lines joined with spaces, blank lines kept as paragraphs,
// indented lines on lines of their own, nothing after a "---" line.
func description(lines []string) string {
	var b []byte
	delPrev := func() {
		if len(b) > 0 {
			b = b[:len(b)-1]
		}
	}
	for _, line := range lines {
		if line == "---" {
			break
		}
		line = strings.TrimRight(line, " ")
		leading := strings.TrimLeft(line, " ")
		switch {
		case line == "":
			delPrev()
			b = append(b, "\n\n"...)
		case strings.HasPrefix(leading, "TODO"), strings.HasPrefix(leading, "+"):
		case strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t"):
			delPrev()
			b = append(b, "\n"+line+"\n"...)
		default:
			b = append(b, line+" "...)
		}
	}
	return strings.TrimSpace(string(b))
}

// enumType is a string type tagged +enum and its constants.
type enumType struct {
	consts []constSource
}

// enumOf returns the enum a field's type (through a pointer) is, or nil.
func enumOf(src *sources, t reflect.Type) (*enumType, error) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.String || t.PkgPath() == "" {
		return nil, nil
	}
	p, err := src.pkg(t.PkgPath())
	if err != nil {
		return nil, err
	}
	ts, ok := p.types[t.Name()]
	if !ok {
		return nil, nil
	}
	if _, ok := commentTags(ts.comment)["enum"]; !ok {
		return nil, nil
	}
	e := &enumType{}
	for _, c := range p.consts {
		if c.typ == t.Name() {
			e.add(c)
		}
	}
	return e, nil
}

// add keeps one constant per value: the one with the longer comment, as
// kube-openapi's addIfNotPresent.
func (e *enumType) add(c constSource) {
	for i, have := range e.consts {
		if have.value != c.value {
			continue
		}
		hc, cc := strings.Join(have.comment, " "), strings.Join(c.comment, " ")
		if len(hc) < len(cc) || len(hc) == len(cc) && hc > cc {
			e.consts[i] = c
		}
		return
	}
	e.consts = append(e.consts, c)
}

var whitespace = regexp.MustCompile(`\s+`)

// descriptionLines are the lines kube-openapi appends to an enum field's
// comment: a blank line, the header and a sorted line per value.
func (e *enumType) descriptionLines() []string {
	if len(e.consts) == 0 {
		return nil
	}
	var lines []string
	for _, c := range e.consts {
		comment := strings.TrimSpace(strings.Join(c.comment, " "))
		comment = strings.TrimSpace(strings.TrimPrefix(comment, c.name))
		comment = whitespace.ReplaceAllString(comment, " ")
		lines = append(lines, fmt.Sprintf(" - `%q` %s", c.value, comment))
	}
	sort.Strings(lines)
	return append([]string{"", "Possible enum values:"}, lines...)
}

// values are the enum's values in the order of their quoted forms.
func (e *enumType) values() []string {
	quoted := make([]string, 0, len(e.consts))
	for _, c := range e.consts {
		quoted = append(quoted, fmt.Sprintf("%q", c.value))
	}
	sort.Strings(quoted)
	out := make([]string, len(quoted))
	for i, q := range quoted {
		out[i] = unquote(q)
	}
	return out
}
