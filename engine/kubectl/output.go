package kubectl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// outputFormats are the -o values kubectl get takes, as its error lists them.
var outputFormats = []string{"custom-columns", "custom-columns-file", "go-template", "go-template-file", "json", "jsonpath", "jsonpath-as-json", "jsonpath-file", "name", "template", "templatefile", "wide", "yaml"}

// printer prints an object, or a List of them, in one of kubectl's
// generic output formats: as the JSON value ("unstructured" object) the
// API server returns, decoded with whole numbers as int64.
type printer func(w io.Writer, obj any) error

// outputSpec is what -o (and --template) ask for: a table ("" or wide), or
// a generic printer.
type outputSpec struct {
	format string // the format's name: "", "wide", "yaml", "jsonpath", ...
	print  printer
}

// table reports whether the output is one of kubectl's human-readable
// tables, which kubectl prints per resource type with "No resources found".
func (o outputSpec) table() bool { return o.format == "" || o.format == "wide" }

// printerFlags are the get command's flags that choose a printer.
type printerFlags struct {
	output, template *string
	allowMissing     *bool
	noHeaders        *bool
	showManaged      *bool
}

func addPrinterFlags(fs *flagSet) printerFlags {
	return printerFlags{
		output:       fs.String("output", "o", ""),
		template:     fs.String("template", "", ""),
		allowMissing: fs.Bool("allow-missing-template-keys", "", true),
		noHeaders:    fs.Bool("no-headers", "", false),
		showManaged:  fs.Bool("show-managed-fields", "", false),
	}
}

// parseOutput turns -o and --template into a printer, with kubectl's
// errors for a format it does not know or a template it cannot parse.
func (k *Kubectl) parseOutput(f printerFlags) (outputSpec, error) {
	format, value, hasValue := strings.Cut(*f.output, "=")
	if *f.template != "" && *f.output == "" {
		format = "go-template"
	}
	if *f.template != "" && !hasValue {
		value = *f.template
	}
	spec := outputSpec{format: format}
	var err error
	switch format {
	case "", "wide":
		if hasValue {
			return spec, noPrinter(*f.output)
		}
		return spec, nil
	case "yaml", "json":
		if hasValue {
			return spec, noPrinter(*f.output)
		}
		spec.print = func(w io.Writer, obj any) error { return writeRendered(w, k.shown(obj), format) }
	case "name":
		if hasValue {
			return spec, noPrinter(*f.output)
		}
		spec.print = printNames
	case "jsonpath", "jsonpath-file", "jsonpath-as-json":
		spec.print, err = k.jsonPathPrinter(format, value, *f.allowMissing)
	case "custom-columns", "custom-columns-file":
		if value == "" {
			return spec, noPrinter(*f.output)
		}
		spec.print, err = k.customColumnsPrinter(format, value, *f.noHeaders)
	case "go-template", "go-template-file", "template", "templatefile":
		spec.print, err = k.goTemplatePrinter(format, value, *f.allowMissing)
	default:
		return spec, noPrinter(*f.output)
	}
	return spec, err
}

func noPrinter(format string) error {
	formats := append([]string(nil), outputFormats...)
	sort.Strings(formats)
	return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: %s", format, strings.Join(formats, ","))
}

// readTemplate reads a *-file template, with kubectl's error.
func (k *Kubectl) readTemplate(name string) (string, error) {
	b, err := k.host.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("error reading --template %s, %v\n", name, err)
	}
	return string(b), nil
}

func (k *Kubectl) jsonPathPrinter(format, tmpl string, allowMissing bool) (printer, error) {
	if tmpl == "" {
		return nil, errors.New("template format specified but no template given")
	}
	if format == "jsonpath-file" {
		var err error
		if tmpl, err = k.readTemplate(tmpl); err != nil {
			return nil, err
		}
	}
	j, err := newJSONPath(tmpl, allowMissing)
	if err != nil {
		return nil, fmt.Errorf("error parsing jsonpath %s, %v\n", tmpl, err)
	}
	j.asJSON = format == "jsonpath-as-json"
	return func(w io.Writer, obj any) error {
		if err := j.execute(w, obj); err != nil {
			if j.budget.err != nil {
				return fmt.Errorf("error executing jsonpath %q: %v", tmpl, err)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "Error executing template: %v. Printing more information for debugging the template:\n", err)
			fmt.Fprintf(&b, "\ttemplate was:\n\t\t%v\n", tmpl)
			fmt.Fprintf(&b, "\tobject given to jsonpath engine was:\n\t\t%#v\n\n", obj)
			return fmt.Errorf("error executing jsonpath %q: %v\n", tmpl, b.String())
		}
		return nil
	}, nil
}

// printNames prints kind.group/name for an object or each item of a List.
func printNames(w io.Writer, obj any) error {
	for _, item := range listItems(obj) {
		m, _ := item.(map[string]any)
		kind, _ := m["kind"].(string)
		apiVersion, _ := m["apiVersion"].(string)
		name, _ := jsonPath(m, "metadata", "name").(string)
		group, _, hasGroup := strings.Cut(apiVersion, "/")
		kind = strings.ToLower(kind)
		if hasGroup {
			kind += "." + group
		}
		fmt.Fprintf(w, "%s/%s\n", kind, name)
	}
	return nil
}

// listItems is a List's items, or the object alone.
func listItems(obj any) []any {
	if m, ok := obj.(map[string]any); ok && m["kind"] == "List" {
		items, _ := m["items"].([]any)
		return items
	}
	return []any{obj}
}

func writeRendered(w io.Writer, obj any, format string) error {
	b, err := render(obj, format)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// unstructured is obj as the JSON value the API server sends, with its
// apiVersion and kind.
func unstructured(r *api.ResourceInfo, obj api.Object) (map[string]any, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	v, err := decodeJSONValue(b)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s is not an object", r.Kind)
	}
	m["apiVersion"], m["kind"] = r.APIVersion(), r.Kind
	return m, nil
}

// unstructuredList is a List of objects, as kubectl get makes one of
// everything it fetched.
func unstructuredList(items []any) map[string]any {
	if items == nil {
		items = []any{}
	}
	return map[string]any{"apiVersion": "v1", "kind": "List", "items": items, "metadata": map[string]any{"resourceVersion": ""}}
}

// decodeJSONValue decodes JSON as apimachinery's unstructured decoder:
// whole numbers as int64, others as float64.
func decodeJSONValue(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return convertNumbers(v), nil
}

func convertNumbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = convertNumbers(x)
		}
	case []any:
		for i, x := range v {
			v[i] = convertNumbers(x)
		}
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	}
	return v
}

// withManagedFields marks a value to render with its managedFields, which
// kubectl's YAML and JSON printers leave out unless --show-managed-fields.
type withManagedFields struct{ v any }

// shown is v as the YAML and JSON printers are to print it.
func (k *Kubectl) shown(v any) any {
	if k.showManagedFields {
		return withManagedFields{v}
	}
	return v
}

// omitManagedFields is v without metadata.managedFields, for an object or
// a list of them (kubectl's OmitManagedFieldsPrinter).
func omitManagedFields(v any) any {
	switch v := v.(type) {
	case api.Object:
		if len(v.GetObjectMeta().ManagedFields) == 0 {
			return v
		}
		c := api.Clone(v)
		c.GetObjectMeta().ManagedFields = nil
		return c
	case map[string]any:
		meta, _ := v["metadata"].(map[string]any)
		_, hasMF := meta["managedFields"]
		items, hasItems := v["items"].([]any)
		if !hasMF && !hasItems {
			return v
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = x
		}
		if hasMF {
			m := make(map[string]any, len(meta))
			for k, x := range meta {
				if k != "managedFields" {
					m[k] = x
				}
			}
			out["metadata"] = m
		}
		if hasItems {
			l := make([]any, len(items))
			for i, it := range items {
				l[i] = omitManagedFields(it)
			}
			out["items"] = l
		}
		return out
	}
	return omitItemsManagedFields(v)
}

// omitItemsManagedFields is a typed list (a struct with Items) without
// its items' managedFields: a copy whose items are shallow copies.
func omitItemsManagedFields(v any) any {
	rv := reflect.ValueOf(v)
	ptr := rv.Kind() == reflect.Pointer
	if ptr {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return v
	}
	items := rv.FieldByName("Items")
	if !items.IsValid() || items.Kind() != reflect.Slice {
		return v
	}
	out := reflect.New(rv.Type()).Elem()
	out.Set(rv)
	l := reflect.MakeSlice(items.Type(), items.Len(), items.Len())
	for i := range items.Len() {
		it := items.Index(i)
		elem := it
		if it.Kind() == reflect.Pointer {
			if it.IsNil() {
				continue
			}
			elem = it.Elem()
		}
		cp := reflect.New(elem.Type())
		cp.Elem().Set(elem)
		if o, ok := cp.Interface().(api.Object); ok {
			o.GetObjectMeta().ManagedFields = nil
		}
		if it.Kind() == reflect.Pointer {
			l.Index(i).Set(cp)
		} else {
			l.Index(i).Set(cp.Elem())
		}
	}
	out.FieldByName("Items").Set(l)
	if ptr {
		return out.Addr().Interface()
	}
	return out.Interface()
}
