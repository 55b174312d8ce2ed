package apiserver

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Field sets, as structured-merge-diff (the library behind kube-apiserver's
// server-side apply) computes them: the set of field paths an object sets,
// and which of them two versions of an object add, change and remove. A
// set has the shape of metadata.managedFields[].fieldsV1: a path element
// is "f:name" for a field or a map key, "k:{...}" for an item of a list
// keyed by its merge keys (containers by name, ports by containerPort and
// protocol), "v:value" for an item of a set; a path with children is a
// member of the set itself when it has ".", a path without children always
// is. Which lists are keyed, sets or atomic, and which structs and maps are
// atomic, comes from the +listType, +listMapKey, +structType and +mapType
// markers of k8s.io/api (ssaschema.go); lists without markers follow
// their patchStrategy, else are atomic, as in Kubernetes' OpenAPI.

// fieldSet is a set of field paths.
type fieldSet map[string]*fieldNode

type fieldNode struct {
	member   bool
	children fieldSet
}

// insert adds a path to the set.
func (s fieldSet) insert(path []string) { s.insertFrom(path, nil) }

// insertFrom is insert, its new nodes taken from a (if not nil).
func (s fieldSet) insertFrom(path []string, a *nodeArena) {
	cur := s
	for i, pe := range path {
		n := cur[pe]
		if n == nil {
			n = a.node()
			cur[pe] = n
		}
		if i == len(path)-1 {
			n.member = true
			return
		}
		if n.children == nil {
			n.children = fieldSet{}
		}
		cur = n.children
	}
}

// nodeArena hands out nodes from blocks: a comparison makes a few dozen
// of them per write, one allocation each otherwise.
type nodeArena struct{ block []fieldNode }

func (a *nodeArena) node() *fieldNode {
	if a == nil {
		return &fieldNode{}
	}
	if len(a.block) == cap(a.block) {
		a.block = make([]fieldNode, 0, 32)
	}
	a.block = a.block[:len(a.block)+1]
	return &a.block[len(a.block)-1]
}

// has reports whether a path is a member.
func (s fieldSet) has(path []string) bool {
	cur := s
	for i, pe := range path {
		n := cur[pe]
		if n == nil {
			return false
		}
		if i == len(path)-1 {
			return n.member
		}
		cur = n.children
	}
	return false
}

// empty reports whether the set has no member.
func (s fieldSet) empty() bool {
	for _, n := range s {
		if n.member || !n.children.empty() {
			return false
		}
	}
	return true
}

// The set operations share the nodes of their operands: a set is never
// changed once built.

// union returns s itself when o adds nothing to it.
func (s fieldSet) union(o fieldSet) fieldSet {
	if len(o) == 0 {
		return s
	}
	if len(s) == 0 {
		return o
	}
	var out fieldSet
	for k, on := range o {
		m := on
		if n := s[k]; n != nil {
			member, children := n.member || on.member, n.children.union(on.children)
			if member == n.member && sameSet(children, n.children) {
				continue
			}
			m = &fieldNode{member: member, children: children}
		}
		if out == nil {
			out = make(fieldSet, len(s)+len(o))
			for k2, n2 := range s {
				out[k2] = n2
			}
		}
		out[k] = m
	}
	if out == nil {
		return s
	}
	return out
}

// overlaps reports whether two sets have a member in common.
func overlaps(a, b fieldSet) bool {
	if len(b) < len(a) {
		a, b = b, a
	}
	for k, n := range a {
		if on := b[k]; on != nil && (n.member && on.member || overlaps(n.children, on.children)) {
			return true
		}
	}
	return false
}

// difference returns s itself when o takes nothing from it.
func (s fieldSet) difference(o fieldSet) fieldSet {
	if len(o) == 0 || len(s) == 0 {
		return s
	}
	var out fieldSet
	for k, n := range s {
		on := o[k]
		if on == nil {
			continue
		}
		member, children := n.member && !on.member, n.children.difference(on.children)
		if member == n.member && sameSet(children, n.children) {
			continue
		}
		m := &fieldNode{member: member, children: children}
		if out == nil {
			out = make(fieldSet, len(s))
			for k2, n2 := range s {
				out[k2] = n2
			}
		}
		if len(m.children) == 0 {
			m.children = nil
		}
		if m.member || m.children != nil {
			out[k] = m
		} else {
			delete(out, k)
		}
	}
	if out == nil {
		return s
	}
	return out
}

// sameSet reports whether two sets are the same map (or both empty).
func sameSet(a, b fieldSet) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

func (s fieldSet) intersection(o fieldSet) fieldSet {
	out := fieldSet{}
	for k, n := range s {
		on := o[k]
		if on == nil {
			continue
		}
		m := &fieldNode{member: n.member && on.member, children: n.children.intersection(on.children)}
		if len(m.children) == 0 {
			m.children = nil
		}
		if m.member || m.children != nil {
			out[k] = m
		}
	}
	return out
}

// paths returns the members, in order.
func (s fieldSet) paths() [][]string {
	var out [][]string
	var walk func(fieldSet, []string)
	walk = func(s fieldSet, prefix []string) {
		for _, k := range sortedPathElements(s) {
			n := s[k]
			p := append(append([]string(nil), prefix...), k)
			if n.member {
				out = append(out, p)
			}
			walk(n.children, p)
		}
	}
	walk(s, nil)
	return out
}

func sortedPathElements(s fieldSet) []string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fieldsV1 encodes the set as metadata.managedFields[].fieldsV1.
func (s fieldSet) fieldsV1() map[string]any {
	out := make(map[string]any, len(s))
	for k, n := range s {
		if n.children.empty() {
			out[k] = map[string]any{}
			continue
		}
		m := n.children.fieldsV1()
		if n.member {
			m["."] = map[string]any{}
		}
		out[k] = m
	}
	return out
}

// writeFieldsV1 writes the set as fieldsV1 JSON, keys sorted.
func (s fieldSet) writeFieldsV1(b *bytes.Buffer) {
	b.WriteByte('{')
	s.writeMembers(b)
	b.WriteByte('}')
}

// writeMembers writes the set's keys and values, without the braces: a
// member with children is written straight after its ".", with no buffer
// of its own.
func (s fieldSet) writeMembers(b *bytes.Buffer) {
	var small [16]string
	keys := small[:0]
	for k := range s {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(b, k)
		node := s[k]
		switch {
		case node.children.empty():
			b.WriteString(":{}")
		case node.member:
			b.WriteString(`:{".":{},`)
			node.children.writeMembers(b)
			b.WriteByte('}')
		default:
			b.WriteString(":{")
			node.children.writeMembers(b)
			b.WriteByte('}')
		}
	}
}

func writeJSONString(b *bytes.Buffer, s string) {
	plain, quote := true, false
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			plain = false
			break
		} else if c == '"' || c == '\\' {
			quote = true
		}
	}
	if plain && !quote {
		b.WriteByte('"')
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	if plain {
		b.WriteByte('"')
		for i := range len(s) {
			if c := s[i]; c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(s[i])
		}
		b.WriteByte('"')
		return
	}
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Truncate(b.Len() - 1)
}

// fieldSetOf decodes a fieldsV1.
func fieldSetOf(v map[string]any) fieldSet {
	out := fieldSet{}
	for k, c := range v {
		if k == "." {
			continue
		}
		m, _ := c.(map[string]any)
		_, dot := m["."]
		n := &fieldNode{member: len(m) == 0 || dot}
		if len(m) > 0 {
			n.children = fieldSetOf(m)
		}
		out[k] = n
	}
	return out
}

// pathString writes a path as structured-merge-diff prints one in a
// conflict: .spec.replicas, .spec.containers[name="nginx"].image.
func pathString(path []string) string {
	var b strings.Builder
	for _, pe := range path {
		switch {
		case strings.HasPrefix(pe, "f:"):
			b.WriteString("." + pe[2:])
		case strings.HasPrefix(pe, "k:"):
			var fields map[string]json.RawMessage
			_ = json.Unmarshal([]byte(pe[2:]), &fields)
			names := make([]string, 0, len(fields))
			for n := range fields {
				names = append(names, n)
			}
			sort.Strings(names)
			parts := make([]string, len(names))
			for i, n := range names {
				parts[i] = n + "=" + string(fields[n])
			}
			b.WriteString("[" + strings.Join(parts, ",") + "]")
		case strings.HasPrefix(pe, "v:"):
			b.WriteString("[=" + pe[2:] + "]")
		case strings.HasPrefix(pe, "i:"):
			b.WriteString("[" + pe[2:] + "]")
		}
	}
	return b.String()
}

// shape is what the schema says of a value: its Go type (nil when the
// schema does not know it) and how it merges.
type shape struct {
	t      reflect.Type
	atomic bool
	keyed  []string // an associative list's keys
	set    bool     // a list of scalars that is a set
}

func derefType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// shapeOf is the shape of a value of Go type t.
func shapeOf(t reflect.Type) shape {
	t = derefType(t)
	sh := shape{t: t}
	if t == nil {
		return sh
	}
	switch t.Kind() {
	case reflect.Struct:
		sh.atomic = ssaAtomicTypes[t.Name()]
	case reflect.Slice:
		sh.atomic = true
	}
	return sh
}

// field is the shape of the field (or map entry) named key of a value of
// shape sh.
func (sh shape) field(key string) shape {
	if sh.t == nil {
		return shape{}
	}
	if sh.t.Kind() == reflect.Map {
		// Every entry of a map has the shape of its values: no lookup
		// by key (labels, annotations).
		return shapeOf(sh.t.Elem())
	}
	ck := shapeKey{sh.t, key}
	if out, ok := shapeCache.Load(ck); ok {
		return out.(shape)
	}
	out := sh.fieldUncached(key)
	shapeCache.Store(ck, out)
	return out
}

type shapeKey struct {
	t   reflect.Type
	key string
}

var shapeCache sync.Map // shapeKey -> shape

func (sh shape) fieldUncached(key string) shape {
	if sh.t.Kind() == reflect.Map {
		return shapeOf(sh.t.Elem())
	}
	if sh.t.Kind() != reflect.Struct {
		return shape{}
	}
	ft, owner := jsonField(sh.t, key)
	if ft == nil {
		return shape{}
	}
	out := shapeOf(ft)
	name := owner.Name() + "." + key
	if ssaAtomicFields[name] {
		out.atomic = true
	}
	if out.t != nil && out.t.Kind() == reflect.Slice && out.t.Elem().Kind() != reflect.Uint8 {
		if keys, ok := ssaLists[name]; ok {
			out.atomic, out.keyed, out.set = false, keys, keys == nil
		}
	}
	return out
}

// item is the shape of an item of a list of shape sh.
func (sh shape) item() shape {
	if sh.t == nil || sh.t.Kind() != reflect.Slice {
		return shape{}
	}
	return shapeOf(sh.t.Elem())
}

// jsonField returns the Go type of the field with JSON name key in t,
// looking into inlined structs, and the struct that declares it.
func jsonField(t reflect.Type, key string) (reflect.Type, reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && (name == "" || strings.Contains(opts, "inline")) {
			if et := derefType(f.Type); et.Kind() == reflect.Struct {
				if ft, owner := jsonField(et, key); ft != nil {
					return ft, owner
				}
			}
			continue
		}
		if name == key {
			return f.Type, t
		}
	}
	return nil, nil
}

// keyDefaults are the defaults of list keys that an applied configuration
// may leave out: the OpenAPI schema gives protocol the default TCP, so that
// a port without one is the same item as the defaulted live port.
var keyDefaults = map[string]any{"protocol": "TCP"}

// itemElement is the path element of a list item: "k:" and its keys for
// a keyed list, "v:" and the value for a set.
func (sh shape) itemElement(item any) string {
	if sh.set {
		return "v:" + compactJSON(item)
	}
	m, _ := item.(map[string]any)
	keys := make(map[string]any, len(sh.keyed))
	for _, k := range sh.keyed {
		if v, ok := m[k]; ok {
			keys[k] = v
		} else if d, ok := keyDefaults[k]; ok {
			keys[k] = d
		}
	}
	return "k:" + compactJSON(keys)
}

func compactJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

// toFieldSet is the set of paths a value sets (structured-merge-diff's
// ToFieldSet): every scalar, every atomic value, every list item, every
// map entry, and every empty or null map.
func toFieldSet(v any, sh shape) fieldSet {
	s := fieldSet{}
	addFields(s, nil, v, sh)
	return s
}

func addFields(s fieldSet, path []string, v any, sh shape) {
	switch v := v.(type) {
	case map[string]any:
		if sh.atomic {
			s.insert(path)
			return
		}
		for k, c := range v {
			cs := sh.field(k)
			p := append(path[:len(path):len(path)], "f:"+k)
			addFields(s, p, c, cs)
			if m, ok := c.(map[string]any); c == nil || (ok && len(m) == 0) || (sh.t != nil && sh.t.Kind() == reflect.Map) {
				s.insert(p)
			}
		}
	case []any:
		if sh.atomic || (sh.keyed == nil && !sh.set) {
			s.insert(path)
			return
		}
		for _, c := range v {
			p := append(path[:len(path):len(path)], sh.itemElement(c))
			addFields(s, p, c, sh.item())
			s.insert(p)
		}
	default:
		if len(path) > 0 {
			s.insert(path)
		}
	}
}

// comparison is what changed between two versions of an object.
type comparison struct {
	added, modified, removed fieldSet
	// nodes, when set, gives the sets' new nodes.
	nodes *nodeArena
	// log, when set, takes what the comparison finds instead of the sets
	// (note).
	log *[]byte
	// zeroLeft says the old side is the zero object (a create): a value
	// equals it when it is zero (the API's types have no floats, whose
	// -0 would tell reflect.Value.IsZero from reflect.DeepEqual).
	zeroLeft bool
}

// changed is the paths the comparison found added or modified.
func (c comparison) changed() fieldSet {
	if sameSet(c.added, c.modified) {
		return c.added
	}
	return c.modified.union(c.added)
}

// compare compares two values as structured-merge-diff does: a leaf (a
// scalar, an atomic value, or a map or list empty on both sides) is added,
// removed or modified; a map or list present on one side only is itself
// added or removed, as well as its contents.
func compare(old, cur any, sh shape) comparison {
	c := comparison{added: fieldSet{}, modified: fieldSet{}, removed: fieldSet{}}
	c.walk(nil, old, cur, true, true, sh)
	return c
}

func (c comparison) walk(path []string, l, r any, hasL, hasR bool, sh shape) {
	lm, lIsMap := l.(map[string]any)
	rm, rIsMap := r.(map[string]any)
	ll, lIsList := l.([]any)
	rl, rIsList := r.([]any)
	isMap := (lIsMap || l == nil) && (rIsMap || r == nil) && (lIsMap || rIsMap)
	isList := (lIsList || l == nil) && (rIsList || r == nil) && (lIsList || rIsList)
	switch {
	case isMap && !sh.atomic && (len(lm) > 0 || len(rm) > 0):
		keys := map[string]bool{}
		for k := range lm {
			keys[k] = true
		}
		for k := range rm {
			keys[k] = true
		}
		for k := range keys {
			lv, inL := lm[k]
			rv, inR := rm[k]
			c.walk(append(path[:len(path):len(path)], "f:"+k), lv, rv, inL, inR, sh.field(k))
		}
	case isList && !sh.atomic && (sh.keyed != nil || sh.set) && (len(ll) > 0 || len(rl) > 0):
		li, ri := indexItems(ll, sh), indexItems(rl, sh)
		for pe, lv := range li {
			rv, inR := ri[pe]
			c.walk(append(path[:len(path):len(path)], pe), lv, rv, true, inR, sh.item())
		}
		for pe, rv := range ri {
			if _, inL := li[pe]; !inL {
				c.walk(append(path[:len(path):len(path)], pe), nil, rv, false, true, sh.item())
			}
		}
	default:
		switch {
		case len(path) == 0:
		case !hasL:
			c.added.insert(path)
		case !hasR:
			c.removed.insert(path)
		case !reflect.DeepEqual(l, r):
			c.modified.insert(path)
		}
		return
	}
	if len(path) == 0 {
		return
	}
	if !hasL {
		c.added.insert(path)
	} else if !hasR {
		c.removed.insert(path)
	}
}

// indexItems maps a keyed list's or set's items by path element; a
// repeated key keeps its first item.
func indexItems(l []any, sh shape) map[string]any {
	out := make(map[string]any, len(l))
	for _, it := range l {
		pe := sh.itemElement(it)
		if _, ok := out[pe]; !ok {
			out[pe] = it
		}
	}
	return out
}

// mergeApplied merges an applied configuration into the live object:
// maps merge field by field, keyed lists and sets item by item (the live
// items first, in their order, then the new ones), anything else is
// replaced by the configuration's value.
func mergeApplied(live, config any, sh shape) any {
	switch cv := config.(type) {
	case map[string]any:
		lv, ok := live.(map[string]any)
		if !ok || sh.atomic {
			return config
		}
		out := make(map[string]any, len(lv)+len(cv))
		for k, v := range lv {
			out[k] = v
		}
		for k, v := range cv {
			if old, ok := lv[k]; ok {
				out[k] = mergeApplied(old, v, sh.field(k))
			} else {
				out[k] = v
			}
		}
		return out
	case []any:
		lv, ok := live.([]any)
		if !ok || sh.atomic || (sh.keyed == nil && !sh.set) {
			return config
		}
		ci := indexItems(cv, sh)
		out := make([]any, 0, len(lv)+len(cv))
		seen := map[string]bool{}
		for _, it := range lv {
			pe := sh.itemElement(it)
			if seen[pe] {
				continue
			}
			seen[pe] = true
			if c, ok := ci[pe]; ok {
				out = append(out, mergeApplied(it, c, sh.item()))
			} else {
				out = append(out, it)
			}
		}
		for _, it := range cv {
			pe := sh.itemElement(it)
			if !seen[pe] {
				seen[pe] = true
				out = append(out, it)
			}
		}
		return out
	}
	return config
}

// removePath returns v without the value at path, copying what it
// changes, so that v itself (which may share parts with the live object)
// stays as it is.
func removePath(v any, path []string, sh shape) any {
	if len(path) == 0 {
		return v
	}
	pe, rest := path[0], path[1:]
	switch v := v.(type) {
	case map[string]any:
		if !strings.HasPrefix(pe, "f:") {
			return v
		}
		k := pe[2:]
		c, ok := v[k]
		if !ok {
			return v
		}
		out := make(map[string]any, len(v))
		for key, x := range v {
			out[key] = x
		}
		if len(rest) == 0 {
			delete(out, k)
		} else {
			out[k] = removePath(c, rest, sh.field(k))
		}
		return out
	case []any:
		for i, it := range v {
			if sh.itemElement(it) != pe {
				continue
			}
			out := make([]any, 0, len(v))
			out = append(out, v[:i]...)
			if len(rest) > 0 {
				out = append(out, removePath(it, rest, sh.item()))
			}
			return append(out, v[i+1:]...)
		}
	}
	return v
}
