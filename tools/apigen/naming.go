package main

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// class is a set of k8s.io types printed as one Go type: one type, or several
// of the same name and the same shape from different groups.
type class struct {
	name  string
	types []reflect.Type // the first is the representative, of highest priority
}

// naming is the outcome of settling names.
type naming struct {
	classes []*class
	byType  map[reflect.Type]*class
	report  []string // one line per prefixed or shared class, for people
}

// settleNames gives each found type its Go name in the flat api package. The
// highest-priority group keeps a contested name; a type of another group gets
// its group's prefix, unless it has the same shape as one already named, in
// which case they share it. A name taken by hand-written code is an error.
func settleNames(found []reflect.Type, mirrored map[reflect.Type]string, taken map[string]string) (*naming, error) {
	n := &naming{byType: map[reflect.Type]*class{}}
	cmpShape := &shapes{mirrored: mirrored}
	for _, bucket := range byGoName(found) {
		for i, c := range classify(bucket, cmpShape) {
			c.name = c.types[0].Name()
			if i > 0 {
				g, _ := groupOf(c.types[0].PkgPath())
				c.name = g.prefix + c.name
				n.report = append(n.report, fmt.Sprintf("renamed %s %s -> %s", gvOf(c.types[0]), c.types[0].Name(), c.name))
			}
			for _, t := range c.types[1:] {
				n.report = append(n.report, fmt.Sprintf("shared  %s %s = %s %s (same shape)", gvOf(t), t.Name(), gvOf(c.types[0]), c.name))
			}
			n.add(c)
		}
	}
	return n, n.checkUnique(taken)
}

func (n *naming) add(c *class) {
	n.classes = append(n.classes, c)
	for _, t := range c.types {
		n.byType[t] = c
	}
}

// checkUnique fails when two classes, or a class and hand-written code, end
// up with the same name.
func (n *naming) checkUnique(taken map[string]string) error {
	seen := map[string]bool{}
	var errs []string
	for _, c := range n.classes {
		if where, ok := taken[c.name]; ok {
			errs = append(errs, fmt.Sprintf("%s %s: %s already declares %s; delete the hand-written one or rename it", gvOf(c.types[0]), c.types[0].Name(), where, c.name))
		}
		if seen[c.name] {
			errs = append(errs, fmt.Sprintf("two generated types are named %s", c.name))
		}
		seen[c.name] = true
	}
	if len(errs) > 0 {
		return fmt.Errorf("name collisions:\n\t%s", strings.Join(errs, "\n\t"))
	}
	return nil
}

// byGoName groups types by Go name, each group sorted by group priority, the
// groups in the order their first type was found.
func byGoName(found []reflect.Type) [][]reflect.Type {
	index := map[string]int{}
	var out [][]reflect.Type
	for _, t := range found {
		i, ok := index[t.Name()]
		if !ok {
			i = len(out)
			index[t.Name()] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], t)
	}
	for _, b := range out {
		slices.SortStableFunc(b, func(x, y reflect.Type) int {
			_, px := groupOf(x.PkgPath())
			_, py := groupOf(y.PkgPath())
			return cmp.Compare(px, py)
		})
	}
	return out
}

// classify splits types of one name into classes of the same shape, in
// priority order.
func classify(bucket []reflect.Type, s *shapes) []*class {
	var out []*class
next:
	for _, t := range bucket {
		for _, c := range out {
			if s.same(c.types[0], t) {
				c.types = append(c.types, t)
				continue next
			}
		}
		out = append(out, &class{types: []reflect.Type{t}})
	}
	return out
}

// gvOf returns the group/version a type comes from, as doc comments say it.
func gvOf(t reflect.Type) string {
	g, _ := groupOf(t.PkgPath())
	return g.String()
}

// shapes compares struct types as the generated code would print them: the
// same field names, json tags and field types, where nested structs must have
// the same name and, recursively, the same shape.
type shapes struct {
	mirrored map[reflect.Type]string
	assumed  map[[2]reflect.Type]bool
}

// same reports whether a and b print as the same Go struct.
func (s *shapes) same(a, b reflect.Type) bool {
	// Assumptions only hold within one comparison: one that fails fails
	// as a whole, so none of its assumptions is reused.
	s.assumed = map[[2]reflect.Type]bool{}
	return s.sameStruct(a, b)
}

func (s *shapes) sameStruct(a, b reflect.Type) bool {
	if a == b {
		return true
	}
	if a.Name() != b.Name() || a.NumField() != b.NumField() {
		return false
	}
	key := [2]reflect.Type{a, b}
	if s.assumed[key] {
		return true
	}
	s.assumed[key] = true
	for i := range a.NumField() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || fa.Anonymous != fb.Anonymous || fa.Tag.Get("json") != fb.Tag.Get("json") {
			return false
		}
		_, ta := fa.Tag.Lookup("json")
		_, tb := fb.Tag.Lookup("json")
		if ta != tb || !s.sameType(fa.Type, fb.Type) {
			return false
		}
	}
	return true
}

func (s *shapes) sameType(a, b reflect.Type) bool {
	if a == b {
		return true
	}
	ma, oka := s.mirrored[a]
	mb, okb := s.mirrored[b]
	if oka || okb {
		return oka && okb && ma == mb
	}
	if a == rawExtension || b == rawExtension || a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Slice:
		return s.sameType(a.Elem(), b.Elem())
	case reflect.Map:
		return s.sameType(a.Key(), b.Key()) && s.sameType(a.Elem(), b.Elem())
	case reflect.Struct:
		return s.sameStruct(a, b)
	}
	// Named basic types print as their underlying type.
	return true
}
