package main

import (
	"fmt"
	"reflect"
	"strings"
)

// builder turns k8s.io types into declarations of the output package.
type builder struct {
	naming   *naming
	mirrored map[reflect.Type]string
	hand     *handPkg
	decls    map[*class]*structDecl
}

// rawMessage is how runtime.RawExtension prints.
var rawMessage = &goType{kind: namedSliceKind, name: "json.RawMessage", elem: basic("byte")}

func basic(name string) *goType { return &goType{kind: basicKind, name: name, under: name} }

// buildDecls declares one struct per class. Declarations are made first and
// filled in after, so that types may refer to each other in cycles.
func buildDecls(n *naming, mirrored map[reflect.Type]string, hand *handPkg) ([]*structDecl, error) {
	b := &builder{naming: n, mirrored: mirrored, hand: hand, decls: map[*class]*structDecl{}}
	out := make([]*structDecl, 0, len(n.classes))
	for _, c := range n.classes {
		d := &structDecl{name: c.name, doc: docOf(c)}
		b.decls[c] = d
		out = append(out, d)
	}
	for _, r := range roots {
		b.decls[n.byType[r]].root = true
	}
	for _, c := range n.classes {
		if err := b.fill(b.decls[c], c.types[0]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// docOf returns the doc comment of a class: where its type comes from.
func docOf(c *class) string {
	srcs := make([]string, len(c.types))
	for i, t := range c.types {
		srcs[i] = gvOf(t) + " " + t.Name()
	}
	return c.name + " is " + strings.Join(srcs, " and ") + "."
}

func (b *builder) fill(d *structDecl, t reflect.Type) error {
	for i := range t.NumField() {
		f, err := b.field(t.Field(i))
		if err != nil {
			return fmt.Errorf("%s.%s: %w", t.Name(), t.Field(i).Name, err)
		}
		d.fields = append(d.fields, f)
	}
	return nil
}

func (b *builder) field(sf reflect.StructField) (*field, error) {
	typ, err := b.typeOf(sf.Type)
	if err != nil {
		return nil, err
	}
	json, has := sf.Tag.Lookup("json")
	f := &field{name: sf.Name, embedded: sf.Anonymous, typ: typ, json: json, hasJSON: has}
	if f.embedded && embeddedName(typ) != sf.Name {
		// A renamed embedded type would rename the field and stop
		// encoding/json from inlining it.
		return nil, fmt.Errorf("embedded type is renamed to %s", typ)
	}
	return f, nil
}

// embeddedName is the field name Go gives an embedded field of type t.
func embeddedName(t *goType) string {
	if t.kind == pointerKind {
		t = t.elem
	}
	name := t.String()
	if i := strings.LastIndex(name, "."); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// typeOf maps a k8s.io type to the output package: mirrored types to their
// hand-written twins, generated structs to their settled names, and named
// scalars, slices and maps to their underlying types.
func (b *builder) typeOf(t reflect.Type) (*goType, error) {
	if name, ok := b.mirrored[t]; ok {
		return b.hand.resolve(name)
	}
	if t == rawExtension {
		return rawMessage, nil
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice:
		elem, err := b.typeOf(t.Elem())
		if err != nil {
			return nil, err
		}
		kind := pointerKind
		if t.Kind() == reflect.Slice {
			kind = sliceKind
		}
		return &goType{kind: kind, elem: elem}, nil
	case reflect.Map:
		return b.mapOf(t)
	case reflect.Struct:
		c, ok := b.naming.byType[t]
		if !ok {
			return nil, fmt.Errorf("%s.%s is neither generated nor mirrored", t.PkgPath(), t.Name())
		}
		d := b.decls[c]
		return &goType{kind: structKind, name: d.name, decl: d}, nil
	case reflect.Uint8:
		return basic("byte"), nil
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return basic(t.Kind().String()), nil
	}
	return nil, fmt.Errorf("%s: %s types are not supported", t, t.Kind())
}

func (b *builder) mapOf(t reflect.Type) (*goType, error) {
	key, err := b.typeOf(t.Key())
	if err != nil {
		return nil, err
	}
	elem, err := b.typeOf(t.Elem())
	if err != nil {
		return nil, err
	}
	if key.kind != basicKind {
		return nil, fmt.Errorf("%s: map keys must be scalars", t)
	}
	return &goType{kind: mapKind, key: key, elem: elem}, nil
}
