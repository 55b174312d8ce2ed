package kubectl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/kubeplay/kubeplay/engine/api"
)

// jsonTemplate is a parsed template that runs over JSON values as
// encoding/json decodes them, with whole numbers as int64, as kubectl's
// unstructured objects hold them.
type jsonTemplate struct {
	root         *jpList
	allowMissing bool // a missing field gives nothing rather than an error
	asJSON       bool // -o jsonpath-as-json: each action's results as a JSON array
	budget       templateBudget
}

func newJSONPath(template string, allowMissing bool) (*jsonTemplate, error) {
	root, err := parseJSONPath(template)
	if err != nil {
		return nil, err
	}
	return &jsonTemplate{root: root, allowMissing: allowMissing}, nil
}

// execute writes what the template makes of data.
func (j *jsonTemplate) execute(w io.Writer, data any) error {
	j.budget.reset()
	results, err := j.find(data)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	for _, r := range results {
		if err := j.print(&buf, r); err != nil {
			return err
		}
		if buf.Len() > templateOutput {
			return j.budget.output(buf.Len())
		}
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// find returns the results of each action of the template, in order.
func (j *jsonTemplate) find(data any) ([][]any, error) {
	var out [][]any
	_, _, err := j.block(j.root.nodes, 0, []any{data}, 0, &out)
	return out, err
}

// block runs nodes from i on, up to the {end} that closes a range body
// (depth > 0), and returns the index after that end and whether there
// was one.
func (j *jsonTemplate) block(nodes []jpNode, i int, cur []any, depth int, out *[][]any) (int, bool, error) {
	for i < len(nodes) {
		n := nodes[i]
		switch keyword(n) {
		case "end":
			if depth == 0 {
				return i, false, errors.New("not in range, nothing to end")
			}
			return i + 1, true, nil
		case "range":
			next, err := j.rangeBlock(nodes, i, cur, depth, out)
			if err != nil {
				return i, false, err
			}
			i = next
			continue
		}
		res, err := j.walk(cur, n)
		if err != nil {
			return i, false, err
		}
		*out = append(*out, res)
		i++
	}
	return i, false, nil
}

// rangeBlock runs the body of {range X} once for each result of X. With
// no results the body still runs once, on nothing, to find its end. A
// range that is never ended goes on after its first node, as upstream's
// does.
func (j *jsonTemplate) rangeBlock(nodes []jpNode, i int, cur []any, depth int, out *[][]any) (int, error) {
	items, err := j.walk(cur, nodes[i])
	if err != nil {
		return i, err
	}
	next, found := i+1, false
	if len(items) == 0 {
		var discard [][]any
		next, found, err = j.block(nodes, i+1, []any{nil}, depth+1, &discard)
	}
	for _, item := range items {
		if next, found, err = j.block(nodes, i+1, []any{item}, depth+1, out); err != nil {
			return i, err
		}
	}
	if err != nil {
		return i, err
	}
	if !found {
		return i + 1, nil
	}
	return next, nil
}

// keyword is "range" or "end" for the actions that start with them.
func keyword(n jpNode) string {
	l, ok := n.(*jpList)
	if !ok || len(l.nodes) == 0 {
		return ""
	}
	if id, ok := l.nodes[0].(*jpIdent); ok && (id.name == "range" || id.name == "end") {
		return id.name
	}
	return ""
}

// print writes one action's results separated by spaces: maps and lists
// as compact JSON, everything else as fmt prints it.
func (j *jsonTemplate) print(w *bytes.Buffer, results []any) error {
	if j.asJSON {
		b, err := json.MarshalIndent(append([]any{}, results...), "", "    ")
		if err != nil {
			return err
		}
		w.Write(b)
		w.WriteByte('\n')
		return nil
	}
	for i, r := range results {
		switch r.(type) {
		case map[string]any, []any:
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			w.Write(b)
		default:
			fmt.Fprint(w, r)
		}
		if i != len(results)-1 {
			w.WriteByte(' ')
		}
	}
	return nil
}

// walk spends a step for each value it starts from and each it finds,
// which bounds both the time and the memory of a run.
func (j *jsonTemplate) walk(cur []any, n jpNode) ([]any, error) {
	if err := j.budget.spend(1 + len(cur)); err != nil {
		return nil, err
	}
	res, err := j.walkNode(cur, n)
	if err == nil {
		err = j.budget.spend(len(res))
	}
	return res, err
}

func (j *jsonTemplate) walkNode(cur []any, n jpNode) ([]any, error) {
	switch n := n.(type) {
	case *jpList:
		return j.list(cur, n)
	case *jpText:
		return []any{n.text}, nil
	case *jpField:
		return j.field(cur, n.name)
	case *jpArray:
		return j.array(cur, n)
	case *jpFilter:
		return j.filter(cur, n)
	case *jpInt:
		return repeat(cur, n.v), nil
	case *jpFloat:
		return repeat(cur, n.v), nil
	case *jpBool:
		return repeat(cur, n.v), nil
	case *jpWildcard:
		return wildcard(cur), nil
	case *jpRecursive:
		return recursive(cur), nil
	case *jpUnion:
		return j.union(cur, n)
	case *jpIdent:
		if n.name == "range" {
			return cur, nil
		}
		if n.name == "end" {
			return nil, nil
		}
		return cur, fmt.Errorf("unrecognized identifier %v", n.name)
	}
	return cur, fmt.Errorf("unexpected Node %v", n)
}

// repeat is a literal's value once for each current value.
func repeat(cur []any, v any) []any {
	out := make([]any, len(cur))
	for i := range out {
		out[i] = v
	}
	return out
}

func (j *jsonTemplate) list(cur []any, l *jpList) ([]any, error) {
	var err error
	for _, n := range l.nodes {
		if cur, err = j.walk(cur, n); err != nil {
			return cur, err
		}
	}
	return cur, nil
}

func (j *jsonTemplate) field(cur []any, name string) ([]any, error) {
	var out []any
	if len(cur) == 0 {
		return out, nil
	}
	for _, v := range cur {
		if m, ok := v.(map[string]any); ok {
			if x, ok := m[name]; ok {
				out = append(out, x)
			}
		}
	}
	if len(out) == 0 && !j.allowMissing {
		return out, fmt.Errorf("%s is not found", name)
	}
	return out, nil
}

// array slices each current list: [i], [a:b], [a:b:step], [*].
func (j *jsonTemplate) array(cur []any, a *jpArray) ([]any, error) {
	var out []any
	for _, v := range cur {
		if v == nil {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return cur, fmt.Errorf("%s is not array or slice", jsonTypeName(v))
		}
		start, end, step, err := a.bounds(len(list))
		if err != nil {
			return cur, err
		}
		if start == end {
			return out, nil // upstream stops at the first empty slice
		}
		for i := start; i < end; i += step {
			out = append(out, list[i])
		}
	}
	return out, nil
}

// bounds resolves a slice against a list of n items.
func (a *jpArray) bounds(n int) (start, end, step int, err error) {
	p := a.params
	start, end, step = p[0].v, p[1].v, 1
	if !p[0].known {
		start = 0
	}
	if start < 0 {
		start += n
	}
	if !p[1].known {
		end = n
	}
	if end < 0 || (end == 0 && p[1].derived) {
		end += n
	}
	if end == start {
		return start, end, step, nil
	}
	switch {
	case start >= n || start < 0:
		return 0, 0, 0, fmt.Errorf("array index out of bounds: index %d, length %d", start, n)
	case end > n || end < 0:
		return 0, 0, 0, fmt.Errorf("array index out of bounds: index %d, length %d", end-1, n)
	case start > end:
		return 0, 0, 0, fmt.Errorf("starting index %d is greater than ending index %d", start, end)
	}
	if p[2].known {
		if p[2].v <= 0 {
			return 0, 0, 0, errors.New("step must be > 0")
		}
		step = p[2].v
	}
	return start, end, step, nil
}

func (j *jsonTemplate) union(cur []any, u *jpUnion) ([]any, error) {
	var out []any
	for _, l := range u.lists {
		res, err := j.list(cur, l)
		if err != nil {
			return cur, err
		}
		out = append(out, res...)
	}
	return out, nil
}

// children lists what a value holds: a map's values by key, a list's
// items, a string's bytes.
func children(v any) []any {
	var out []any
	switch v := v.(type) {
	case map[string]any:
		for _, k := range api.SortedKeys(v) {
			out = append(out, v[k])
		}
	case []any:
		out = append(out, v...)
	case string:
		for i := 0; i < len(v); i++ {
			out = append(out, int64(v[i])) // upstream's uint8, which compares and prints the same
		}
	}
	return out
}

func wildcard(cur []any) []any {
	var out []any
	for _, v := range cur {
		out = append(out, children(v)...)
	}
	return out
}

// recursive lists every value that holds others, at any depth, each
// before what it holds. Maps are walked in key order where upstream
// walks them in Go's random map order.
func recursive(cur []any) []any {
	var out []any
	for _, v := range cur {
		if _, ok := v.(string); ok && v != "" {
			out = append(out, v) // its bytes hold nothing further
			continue
		}
		if c := children(v); len(c) > 0 {
			out = append(out, v)
			out = append(out, recursive(c)...)
		}
	}
	return out
}

// filter keeps the items of each current list for which left op right
// holds, or, with "exists", for which left finds something.
func (j *jsonTemplate) filter(cur []any, f *jpFilter) ([]any, error) {
	var out []any
	for _, v := range cur {
		list, ok := v.([]any)
		if !ok {
			return cur, fmt.Errorf("%s is not array or slice and cannot be filtered", fmt.Sprint(v))
		}
		for _, item := range list {
			pass, err := j.test(item, f)
			if err != nil {
				return cur, err
			}
			if pass {
				out = append(out, item)
			}
		}
	}
	return out, nil
}

func (j *jsonTemplate) test(item any, f *jpFilter) (bool, error) {
	lefts, err := j.list([]any{item}, f.left)
	if f.op == "exists" {
		return len(lefts) > 0, nil
	}
	if err != nil {
		return false, err
	}
	left, ok, err := single(lefts)
	if !ok || err != nil {
		return false, err
	}
	rights, err := j.list([]any{item}, f.right)
	if err != nil {
		return false, err
	}
	right, ok, err := single(rights)
	if !ok || err != nil {
		return false, err
	}
	return compareOp(f.op, left, right)
}

// single is the one value a side of a comparison must find; with none
// the item is skipped.
func single(vs []any) (any, bool, error) {
	switch {
	case len(vs) == 0:
		return nil, false, nil
	case len(vs) > 1:
		return nil, false, errors.New("can only compare one element at a time")
	}
	return vs[0], true, nil
}

var (
	errBadComparisonType = errors.New("invalid type for comparison")
	errBadComparison     = errors.New("incompatible types for comparison")
)

// compareOp compares as text/template's eq, lt and friends do, which
// upstream's filters use: values of one basic kind, integers of any size.
func compareOp(op string, a, b any) (bool, error) {
	switch op {
	case "==":
		return jpEqual(a, b)
	case "!=":
		eq, err := jpEqual(a, b)
		return !eq, err
	case "<":
		return jpLess(a, b)
	case ">=":
		lt, err := jpLess(a, b)
		return !lt, err
	case "<=", ">":
		lt, err := jpLess(a, b)
		if err != nil || lt {
			return lt == (op == "<="), err
		}
		eq, err := jpEqual(a, b)
		return eq == (op == "<="), err
	}
	return false, fmt.Errorf("unrecognized filter operator %s", op)
}

type basicKind int

const (
	invalidKind basicKind = iota
	boolKind
	intKind
	floatKind
	stringKind
)

func kindOf(v any) (basicKind, error) {
	switch v.(type) {
	case bool:
		return boolKind, nil
	case int, int64:
		return intKind, nil
	case float64:
		return floatKind, nil
	case string:
		return stringKind, nil
	}
	return invalidKind, errBadComparisonType
}

func asInt(v any) int64 {
	if i, ok := v.(int); ok {
		return int64(i)
	}
	return v.(int64)
}

// sameKind returns the kind two values share, or an error.
func sameKind(a, b any) (basicKind, error) {
	ka, err := kindOf(a)
	if err != nil {
		return 0, err
	}
	kb, err := kindOf(b)
	if err != nil {
		return 0, err
	}
	if ka != kb {
		return 0, errBadComparison
	}
	return ka, nil
}

func jpEqual(a, b any) (bool, error) {
	k, err := sameKind(a, b)
	if err != nil {
		return false, err
	}
	if k == intKind {
		return asInt(a) == asInt(b), nil
	}
	return a == b, nil
}

func jpLess(a, b any) (bool, error) {
	k, err := sameKind(a, b)
	if err != nil {
		return false, err
	}
	switch k {
	case floatKind:
		return a.(float64) < b.(float64), nil
	case intKind:
		return asInt(a) < asInt(b), nil
	case stringKind:
		return a.(string) < b.(string), nil
	}
	return false, errBadComparisonType
}

// jsonTypeName names a JSON value's Go type as reflect prints it.
func jsonTypeName(v any) string {
	return fmt.Sprintf("%T", v)
}
