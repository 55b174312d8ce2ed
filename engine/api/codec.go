package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// Clone returns a deep copy of v, which may be a pointer or an interface
// holding one. Generated types copy themselves with their DeepCopy methods;
// anything else goes through a JSON round trip, which is slower and loses
// what JSON does not carry.
func Clone[T any](v T) T {
	if out, ok := deepCopy(v); ok {
		return out
	}
	return cloneJSON(v)
}

// deepCopy copies v with generated code when its type has some: a pointer
// with DeepCopy (a *Pod, a *PodTemplateSpec), an Object interface holding
// one, or a struct value whose pointer has DeepCopy.
func deepCopy[T any](v T) (T, bool) {
	switch c := any(v).(type) {
	case interface{ DeepCopy() T }:
		return c.DeepCopy(), true
	case interface{ DeepCopyObject() Object }:
		// T is an interface type the copy also satisfies; a typed nil
		// pointer copies to a nil Object, so it is returned as is.
		out, ok := c.DeepCopyObject().(T)
		if !ok {
			return v, true
		}
		return out, true
	}
	if c, ok := any(&v).(interface{ DeepCopy() *T }); ok {
		return *c.DeepCopy(), true
	}
	return v, false
}

// cloneJSON copies v through JSON.
func cloneJSON[T any](v T) T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("api: clone %T: %v", v, err))
	}
	dyn := reflect.ValueOf(v)
	if dyn.Kind() != reflect.Pointer {
		var out T
		if err := json.Unmarshal(b, &out); err != nil {
			panic(fmt.Sprintf("api: clone %T: %v", v, err))
		}
		return out
	}
	if dyn.IsNil() {
		return v
	}
	out := reflect.New(dyn.Type().Elem())
	if err := json.Unmarshal(b, out.Interface()); err != nil {
		panic(fmt.Sprintf("api: clone %T: %v", v, err))
	}
	return out.Interface().(T)
}

// Encode returns obj as JSON with its kind and apiVersion set.
func Encode(obj Object) ([]byte, error) {
	SetTypeMeta(obj)
	return Marshal(obj)
}

// TypeOf reads apiVersion and kind from a JSON object.
func TypeOf(data []byte) (TypeMeta, error) {
	var tm TypeMeta
	if err := json.Unmarshal(data, &tm); err != nil {
		return tm, fmt.Errorf("couldn't get version/kind; json parse error: %w", err)
	}
	if tm.Kind == "" {
		return tm, errors.New("Object 'Kind' is missing in '" + truncate(string(data), 200) + "'")
	}
	return tm, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// DecodeInto decodes JSON into a new object of resource r, strictly: an
// unknown field or a duplicate field is an error, as with the API server's
// strict field validation.
func DecodeInto(r *ResourceInfo, data []byte) (Object, error) {
	obj := r.New()
	if err := json.Unmarshal(data, obj); err != nil {
		return nil, fmt.Errorf("%s in version %q cannot be handled as a %s: %s", r.Kind, r.Version, r.Kind, typeErrorText(err))
	}
	var raw any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if unknown := unknownFields(reflect.TypeOf(obj).Elem(), raw, ""); len(unknown) > 0 {
		msgs := make([]string, len(unknown))
		for i, f := range unknown {
			msgs[i] = fmt.Sprintf("unknown field %q", f)
		}
		return nil, fmt.Errorf("%s in version %q cannot be handled as a %s: strict decoding error: %s", r.Kind, r.Version, r.Kind, strings.Join(msgs, ", "))
	}
	return obj, nil
}

func typeErrorText(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		typ := strings.ReplaceAll(te.Type.String(), "api.", "v1.")
		if te.Struct == "" {
			return fmt.Sprintf("json: cannot unmarshal %s into Go value of type %s", te.Value, typ)
		}
		return fmt.Sprintf("json: cannot unmarshal %s into Go struct field %s.%s of type %s", te.Value, te.Struct, te.Field, typ)
	}
	return err.Error()
}

// unknownFields lists the paths in raw that have no field in type t.
func unknownFields(t reflect.Type, raw any, path string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch v := raw.(type) {
	case map[string]any:
		return unknownInMap(t, v, path)
	case []any:
		if t.Kind() != reflect.Slice {
			return nil
		}
		var out []string
		for i, item := range v {
			out = append(out, unknownFields(t.Elem(), item, fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	}
	return nil
}

func unknownInMap(t reflect.Type, m map[string]any, path string) []string {
	if t.Kind() == reflect.Map {
		var out []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, unknownFields(t.Elem(), m[k], joinPath(path, k))...)
		}
		return out
	}
	if t.Kind() != reflect.Struct || hasCustomJSON(t) {
		return nil
	}
	fields := jsonFields(t)
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		ft, ok := fields[k]
		if !ok {
			out = append(out, joinPath(path, k))
			continue
		}
		out = append(out, unknownFields(ft, m[k], joinPath(path, k))...)
	}
	return out
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var (
	unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
	rawMessageType  = reflect.TypeOf(json.RawMessage{})
)

func hasCustomJSON(t reflect.Type) bool {
	return t == rawMessageType || reflect.PointerTo(t).Implements(unmarshalerType)
}

// jsonFields maps the JSON names of t's fields, inlined ones included, to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && (name == "" || strings.Contains(opts, "inline")) {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// Document is one object of a manifest, as JSON, with where it came from.
type Document struct {
	JSON []byte
	Line int // first line of the document in its file, from 1
}

// SplitYAML reads the documents of a YAML or JSON stream and converts each
// to JSON, as kubectl does: documents are separated by "---" lines, each is
// converted by sigs.k8s.io/yaml (the YAML 1.1 parser kubectl uses, so
// quirks and error messages match), empty documents are skipped and a
// `kind: List` is expanded into its items.
func SplitYAML(data []byte) ([]Document, error) {
	var docs []Document
	for _, chunk := range splitDocuments(data) {
		if isBlank(chunk.text) {
			continue
		}
		j, err := yaml.YAMLToJSON(chunk.text)
		if err != nil {
			return nil, fmt.Errorf("error converting YAML to JSON: %w", err)
		}
		if string(j) == "null" {
			continue
		}
		items, err := expandList(j)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			docs = append(docs, Document{JSON: it, Line: chunk.line})
		}
	}
	return docs, nil
}

type chunk struct {
	text []byte
	line int
}

// splitDocuments splits at lines that start with "---" followed by nothing
// but space or a comment, as apimachinery's YAMLReader does.
func splitDocuments(data []byte) []chunk {
	var out []chunk
	cur := chunk{line: 1}
	lineNo := 0
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		lineNo++
		if rest, ok := bytes.CutPrefix(line, []byte("---")); ok {
			if t := strings.TrimSpace(string(rest)); t == "" || strings.HasPrefix(t, "#") {
				out = append(out, cur)
				cur = chunk{line: lineNo + 1}
				continue
			}
		}
		cur.text = append(cur.text, line...)
	}
	return append(out, cur)
}

// isBlank reports whether a document holds only space and comments.
func isBlank(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}

func expandList(j []byte) ([][]byte, error) {
	var head struct {
		Kind  string            `json:"kind"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(j, &head); err != nil || !strings.HasSuffix(head.Kind, "List") || head.Kind == "" {
		return [][]byte{j}, nil
	}
	out := make([][]byte, len(head.Items))
	for i, it := range head.Items {
		out[i] = it
	}
	return out, nil
}

// ToYAML renders a JSON-encodable value as YAML exactly as kubectl does:
// through JSON (so keys are sorted) and sigs.k8s.io/yaml.
func ToYAML(v any) ([]byte, error) {
	return yaml.Marshal(v)
}
