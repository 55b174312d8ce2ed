package kubectl

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/kubeplay/kubeplay/engine/kubectl/internal/template"
)

// goTemplatePrinter is -o go-template=...: Go's text/template over the
// object as encoding/json decodes it (numbers as float64), with kubectl's
// two extra functions, exists and base64decode.
func (k *Kubectl) goTemplatePrinter(format, text string, allowMissing bool) (printer, error) {
	if text == "" {
		return nil, errors.New("template format specified but no template given")
	}
	if format == "go-template-file" || format == "templatefile" {
		var err error
		if text, err = k.readTemplate(text); err != nil {
			return nil, err
		}
	}
	b := &templateBudget{}
	funcs := template.FuncMap{"exists": templateExists, "base64decode": base64Decode, budgetStep: b.stepFunc()}
	t, err := template.New("output").Funcs(funcs).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("error parsing template %s, %v\n", text, err)
	}
	meterTemplate(t)
	if allowMissing {
		t.Option("missingkey=default")
	} else {
		t.Option("missingkey=error")
	}
	return func(w io.Writer, obj any) error { return executeGoTemplate(w, t, b, text, obj) }, nil
}

func executeGoTemplate(w io.Writer, t *template.Template, b *templateBudget, text string, obj any) error {
	data, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	out := map[string]any{}
	if err := json.Unmarshal(data, &out); err != nil {
		return err
	}
	b.reset()
	if err := safeExecute(budgetWriter{w, b}, t, out); err != nil {
		if b.err != nil {
			return fmt.Errorf("error executing template %q: %v", text, b.err)
		}
		fmt.Fprintf(w, "Error executing template: %v. Printing more information for debugging the template:\n", err)
		fmt.Fprintf(w, "\ttemplate was:\n\t\t%v\n", text)
		fmt.Fprintf(w, "\traw data was:\n\t\t%v\n", string(data))
		fmt.Fprintf(w, "\tobject given to template engine was:\n\t\t%+v\n\n", out)
		return fmt.Errorf("error executing template %q: %v", text, err)
	}
	return nil
}

func safeExecute(w io.Writer, t *template.Template, data any) (err error) {
	defer func() {
		if x := recover(); x != nil {
			err = fmt.Errorf("caught panic: %+v", x)
		}
	}()
	return t.Execute(w, data)
}

// templateExists reports whether item holds a non-nil value at the
// indices given, as kubectl's exists function.
func templateExists(item any, indices ...any) bool {
	v := reflect.ValueOf(item)
	for _, i := range indices {
		var isNil bool
		if v, isNil = indirectValue(v); isNil {
			return false
		}
		var ok bool
		if v, ok = index(v, reflect.ValueOf(i)); !ok {
			return false
		}
	}
	_, isNil := indirectValue(v)
	return !isNil
}

func index(v, i reflect.Value) (reflect.Value, bool) {
	switch v.Kind() {
	case reflect.Array, reflect.Slice, reflect.String:
		var x int64
		switch i.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			x = i.Int()
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			x = int64(i.Uint())
		default:
			return v, false
		}
		if x < 0 || x >= int64(v.Len()) {
			return v, false
		}
		return v.Index(int(x)), true
	case reflect.Map:
		if !i.IsValid() {
			i = reflect.Zero(v.Type().Key())
		}
		if !i.Type().AssignableTo(v.Type().Key()) {
			return v, false
		}
		if x := v.MapIndex(i); x.IsValid() {
			return x, true
		}
		return reflect.Zero(v.Type().Elem()), true
	}
	return v, false
}

// indirectValue follows pointers and interfaces to a value, reporting a nil.
func indirectValue(v reflect.Value) (reflect.Value, bool) {
	for ; v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface; v = v.Elem() {
		if v.IsNil() {
			return v, true
		}
		if v.Kind() == reflect.Interface && v.NumMethod() > 0 {
			break
		}
	}
	return v, false
}

func base64Decode(v string) (string, error) {
	data, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return "", fmt.Errorf("base64 decode failed: %v", err)
	}
	return string(data), nil
}
