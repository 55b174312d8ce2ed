package patch

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// operation is one step of a JSON patch.
type operation struct {
	Op    string           `json:"op"`
	Path  *string          `json:"path"`
	From  *string          `json:"from"`
	Value *json.RawMessage `json:"value"`
}

// DecodeJSON reads a JSON patch, failing as evanphx/json-patch (which the
// API server uses) does on a patch that is not a list of operations.
func DecodeJSON(patch []byte) ([]operation, error) {
	var ops []operation
	if err := json.Unmarshal(patch, &ops); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			return nil, fmt.Errorf("json: cannot unmarshal %s into Go value of type jsonpatch.Patch", te.Value)
		}
		return nil, err
	}
	return ops, nil
}

// errMissing and errTestFailed are evanphx/json-patch's causes.
var (
	errMissing    = errors.New("missing value")
	errTestFailed = errors.New("test failed")
)

// ApplyJSON applies an RFC 6902 JSON patch, with evanphx/json-patch's
// error messages.
func ApplyJSON(doc, patch []byte) ([]byte, error) {
	ops, err := DecodeJSON(patch)
	if err != nil {
		return nil, err
	}
	d, err := decode(doc)
	if err != nil {
		return nil, err
	}
	for _, op := range ops {
		if d, err = applyOp(d, op); err != nil {
			return nil, err
		}
	}
	return json.Marshal(d)
}

func applyOp(doc any, op operation) (any, error) {
	if op.Path == nil {
		return nil, fmt.Errorf("error reading path: operation missing path field")
	}
	path := *op.Path
	switch op.Op {
	case "add":
		v, err := opValue(op)
		if err != nil {
			return nil, err
		}
		return add(doc, path, v, "add")
	case "remove":
		out, _, err := remove(doc, path)
		return out, err
	case "replace":
		v, err := opValue(op)
		if err != nil {
			return nil, err
		}
		if _, ok := lookup(doc, path); !ok {
			return nil, fmt.Errorf("replace operation does not apply: doc is missing key: %s: %w", path, errMissing)
		}
		out, _, _ := remove(doc, path)
		return add(out, path, v, "replace")
	case "move", "copy":
		return moveOrCopy(doc, op)
	case "test":
		return doc, test(doc, op)
	}
	return nil, fmt.Errorf("Unexpected kind: %s", op.Op)
}

func opValue(op operation) (any, error) {
	if op.Value == nil {
		return nil, fmt.Errorf("%s operation missing value", op.Op)
	}
	return decode(*op.Value)
}

func moveOrCopy(doc any, op operation) (any, error) {
	if op.From == nil {
		return nil, fmt.Errorf("error reading from path: operation missing from field")
	}
	v, ok := lookup(doc, *op.From)
	if !ok {
		return nil, fmt.Errorf("%s operation does not apply: doc is missing from path: %s: %w", op.Op, *op.From, errMissing)
	}
	if op.Op == "move" {
		var err error
		if doc, _, err = remove(doc, *op.From); err != nil {
			return nil, err
		}
	} else {
		v = deepCopyJSON(v)
	}
	return add(doc, *op.Path, v, op.Op)
}

func test(doc any, op operation) error {
	want, err := opValue(op)
	if err != nil {
		return err
	}
	got, ok := lookup(doc, *op.Path)
	if !ok || !reflect.DeepEqual(normalize(got), normalize(want)) {
		return fmt.Errorf("testing value %s failed: %w", *op.Path, errTestFailed)
	}
	return nil
}

// normalize turns numbers into float64 so that 1 and 1.0 compare equal.
func normalize(v any) any {
	switch t := v.(type) {
	case json.Number:
		f, _ := t.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = normalize(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = normalize(x)
		}
		return out
	}
	return v
}

func deepCopyJSON(v any) any {
	b, _ := json.Marshal(v)
	out, _ := decode(b)
	return out
}

// pointer splits a JSON pointer into its unescaped tokens.
func pointer(path string) []string {
	if path == "" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	}
	return parts
}

func lookup(doc any, path string) (any, bool) {
	cur := doc
	for _, tok := range pointer(path) {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// parentOf returns the container of path's last token, and that token.
func parentOf(doc any, path string) (any, string, bool) {
	toks := pointer(path)
	if len(toks) == 0 {
		return nil, "", false
	}
	parentPath := ""
	for _, t := range toks[:len(toks)-1] {
		parentPath += "/" + strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
	}
	p, ok := lookup(doc, parentPath)
	return p, toks[len(toks)-1], ok
}

// setAt replaces the container at the parent of path with c, rebuilding
// the slices on the way (a slice grown by add is a new slice).
func setAt(doc any, path string, c any) any {
	toks := pointer(path)
	return setIn(doc, toks[:len(toks)-1], c)
}

func setIn(cur any, toks []string, v any) any {
	if len(toks) == 0 {
		return v
	}
	switch c := cur.(type) {
	case map[string]any:
		c[toks[0]] = setIn(c[toks[0]], toks[1:], v)
		return c
	case []any:
		i, _ := strconv.Atoi(toks[0])
		c[i] = setIn(c[i], toks[1:], v)
		return c
	}
	return cur
}

func add(doc any, path string, v any, verb string) (any, error) {
	if path == "" {
		return v, nil
	}
	parent, key, ok := parentOf(doc, path)
	missing := fmt.Errorf("%s operation does not apply: doc is missing path: %q: %w", verb, path, errMissing)
	if !ok {
		return nil, missing
	}
	switch c := parent.(type) {
	case map[string]any:
		c[key] = v
		return doc, nil
	case []any:
		i := len(c)
		if key != "-" {
			n, err := strconv.Atoi(key)
			if err != nil {
				return nil, fmt.Errorf("error in %s for path: %q: %w", verb, path, err)
			}
			if n < 0 || n > len(c) {
				return nil, fmt.Errorf("error in %s for path: %q: Unable to access invalid index: %d: invalid index referenced", verb, path, n)
			}
			i = n
		}
		grown := append(append(append([]any(nil), c[:i]...), v), c[i:]...)
		return setAt(doc, path, grown), nil
	}
	return nil, missing
}

func remove(doc any, path string) (any, any, error) {
	parent, key, ok := parentOf(doc, path)
	missing := fmt.Errorf("remove operation does not apply: doc is missing path: %q: %w", path, errMissing)
	if !ok {
		return nil, nil, missing
	}
	switch c := parent.(type) {
	case map[string]any:
		v, ok := c[key]
		if !ok {
			return nil, nil, fmt.Errorf("error in remove for path: %q: Unable to remove nonexistent key: %s: %w", path, key, errMissing)
		}
		delete(c, key)
		return doc, v, nil
	case []any:
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= len(c) {
			return nil, nil, fmt.Errorf("error in remove for path: %q: Unable to access invalid index: %s: invalid index referenced", path, key)
		}
		v := c[i]
		shrunk := append(append([]any(nil), c[:i]...), c[i+1:]...)
		return setAt(doc, path, shrunk), v, nil
	}
	return nil, nil, missing
}
