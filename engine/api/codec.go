package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
)

// Clone returns a deep copy of v, which may be a pointer or an interface
// holding one.
func Clone[T any](v T) T {
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
	return json.Marshal(obj)
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
		return fmt.Sprintf("json: cannot unmarshal %s into Go struct field %s of type %s", te.Value, te.Field, te.Type)
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

// SplitYAML reads the documents of a YAML or JSON stream and converts each to
// JSON. Empty documents are skipped; a `kind: List` is expanded into its items.
func SplitYAML(data []byte) ([]Document, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.UseOrderedMap())
	var docs []Document
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, yamlError(err)
		}
		if v == nil {
			continue
		}
		j, err := json.Marshal(toJSONValue(v))
		if err != nil {
			return nil, err
		}
		items, err := expandList(j)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			docs = append(docs, Document{JSON: it})
		}
	}
	return docs, nil
}

func yamlError(err error) error {
	return fmt.Errorf("error converting YAML to JSON: %s", strings.TrimSpace(yaml.FormatError(err, false, false)))
}

// toJSONValue turns the decoder's values into ones encoding/json can write,
// keeping the key order of the source.
func toJSONValue(v any) any {
	switch v := v.(type) {
	case yaml.MapSlice:
		m := make(orderedObject, 0, len(v))
		for _, item := range v {
			m = append(m, keyValue{fmt.Sprint(item.Key), toJSONValue(item.Value)})
		}
		return m
	case map[string]any:
		m := make(orderedObject, 0, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			m = append(m, keyValue{k, toJSONValue(v[k])})
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = toJSONValue(v[i])
		}
		return out
	}
	return v
}

type keyValue struct {
	key   string
	value any
}

type orderedObject []keyValue

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv.key)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(kv.value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
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

// ToYAML renders a JSON-encodable value as YAML with keys sorted, as kubectl
// does (it converts through JSON, which sorts map keys).
func ToYAML(v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	return yaml.MarshalWithOptions(sortedYAML(generic), yaml.IndentSequence(false), yaml.UseLiteralStyleIfMultiline(true))
}

func sortedYAML(v any) any {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		ms := make(yaml.MapSlice, len(keys))
		for i, k := range keys {
			ms[i] = yaml.MapItem{Key: k, Value: sortedYAML(v[k])}
		}
		return ms
	case []any:
		for i := range v {
			v[i] = sortedYAML(v[i])
		}
		return v
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	}
	return v
}
