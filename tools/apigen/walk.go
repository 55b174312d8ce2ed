package main

import (
	"fmt"
	"reflect"
)

// walker collects the named struct types reachable from the roots, in the
// order it first meets them.
type walker struct {
	mirrored map[reflect.Type]string
	seen     map[reflect.Type]bool
	found    []reflect.Type
}

// reachable returns every struct type to generate, reached from roots
// without walking into the hand-written mirrors.
func reachable(mirrored map[reflect.Type]string) ([]reflect.Type, error) {
	w := &walker{mirrored: mirrored, seen: map[reflect.Type]bool{}}
	for _, r := range roots {
		if err := w.visit(r); err != nil {
			return nil, err
		}
	}
	return w.found, nil
}

func (w *walker) visit(t reflect.Type) error {
	if _, ok := w.mirrored[t]; ok || t == rawExtension {
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice:
		return w.visit(t.Elem())
	case reflect.Map:
		if err := w.visit(t.Key()); err != nil {
			return err
		}
		return w.visit(t.Elem())
	case reflect.Struct:
		return w.visitStruct(t)
	case reflect.Array, reflect.Interface, reflect.Chan, reflect.Func,
		reflect.UnsafePointer, reflect.Complex64, reflect.Complex128, reflect.Uintptr:
		return fmt.Errorf("%s: %s types are not supported", t, t.Kind())
	}
	return nil
}

func (w *walker) visitStruct(t reflect.Type) error {
	if w.seen[t] {
		return nil
	}
	if t.Name() == "" {
		return fmt.Errorf("anonymous struct %s is not supported", t)
	}
	if g, _ := groupOf(t.PkgPath()); g == nil {
		return fmt.Errorf("%s.%s: its package is neither generated nor mirrored by hand; add it to groups or mirrors", t.PkgPath(), t.Name())
	}
	w.seen[t] = true
	w.found = append(w.found, t)
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			return fmt.Errorf("%s.%s: unexported fields are not supported", t.Name(), f.Name)
		}
		if err := w.visit(f.Type); err != nil {
			return fmt.Errorf("%s.%s: %w", t.Name(), f.Name, err)
		}
	}
	return nil
}
