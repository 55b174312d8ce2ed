package apiserver

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// compareObjects is compare over the Go values of two versions of an
// object, as they would marshal to JSON, without marshalling them: every
// write of every component records its managed fields, so this is on the
// hot path. Equal subtrees are skipped whole. keep says which top-level
// fields count.
//
// Its added and modified paths go to one set, which both name: the
// writes only ever use their union (changed), and building it as it goes
// spares building two sets and then a third.
func compareObjects(old, cur reflect.Value, keep func(field string) bool) comparison {
	changed := fieldSet{}
	return compareObjectsTo(comparison{added: changed, modified: changed, removed: fieldSet{}, nodes: &nodeArena{}}, old, cur, keep)
}

// compareObjectsTo is compareObjects into c, which may keep a log instead
// of sets.
func compareObjectsTo(c comparison, old, cur reflect.Value, keep func(field string) bool) comparison {
	// The type's fields and their shapes in one lookup (a lookup of each
	// field's shape by name cost a create about a microsecond).
	gt := goTypeOf(cur.Type())
	// One path buffer for the whole walk: a walk appends its element for
	// its children, and nothing keeps a path (insert copies its
	// elements into the set).
	path := make([]string, 1, 16)
	for i, f := range gt.fields {
		if !keep(f.name) {
			continue
		}
		var l, r reflect.Value
		var hasL, hasR bool
		if old.IsValid() {
			l, hasL = f.get(old)
		}
		r, hasR = f.get(cur)
		if !hasL && !hasR {
			continue
		}
		path[0] = f.pe
		c.walkGo(path[:1], l, r, hasL, hasR, gt.shapes[i], gt.child(i))
	}
	return c
}

// goField is a struct field as JSON sees it.
type goField struct {
	name      string
	pe        string // its path element, "f:" and the name
	index     []int
	omitEmpty bool
	omitZero  bool
}

// get returns the field's value in v (a struct or a pointer to one) and
// whether JSON would have it.
func (f goField) get(v reflect.Value) (reflect.Value, bool) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	for i, x := range f.index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	if f.omitEmpty && isEmptyJSON(v) {
		return reflect.Value{}, false
	}
	if f.omitZero {
		if v.IsZero() {
			return reflect.Value{}, false
		}
		if z, ok := v.Interface().(interface{ IsZero() bool }); ok && z.IsZero() {
			return reflect.Value{}, false
		}
	}
	return v, true
}

func isEmptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return v.IsZero()
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

var jsonFieldsCache sync.Map // reflect.Type -> []goField

// jsonFields lists a struct's JSON fields, inlined structs flattened.
func jsonFields(t reflect.Type) []goField {
	if fs, ok := jsonFieldsCache.Load(t); ok {
		return fs.([]goField)
	}
	var out []goField
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" || (!sf.IsExported() && !sf.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			if et := derefType(sf.Type); et.Kind() == reflect.Struct {
				for _, f := range jsonFields(et) {
					f.index = append([]int{i}, f.index...)
					out = append(out, f)
				}
			}
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out = append(out, goField{name: name, pe: "f:" + name, index: []int{i}, omitEmpty: strings.Contains(opts, "omitempty"), omitZero: strings.Contains(opts, "omitzero")})
	}
	jsonFieldsCache.Store(t, out)
	return out
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

// goKind is how a Go value shows in JSON: a map (struct or Go map), a
// list, or a leaf (a scalar, or a type that marshals itself).
func goKind(t reflect.Type) string {
	if k, ok := goKinds.Load(t); ok {
		return k.(string)
	}
	k := goKindOf(t)
	goKinds.Store(t, k)
	return k
}

var goKinds sync.Map // reflect.Type -> string

func goKindOf(t reflect.Type) string {
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		return "leaf"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "map"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "leaf"
		}
		return "list"
	}
	return "leaf"
}

// deref follows pointers; a nil pointer is JSON null (an invalid value).
func deref(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

// entries are the present members of a map-like value: its fields or
// keys, by name.
func goEntries(v reflect.Value) map[string]reflect.Value {
	if !v.IsValid() {
		return nil
	}
	switch v.Kind() {
	case reflect.Struct:
		out := map[string]reflect.Value{}
		for _, f := range jsonFields(v.Type()) {
			if x, ok := f.get(v); ok {
				out[f.name] = x
			}
		}
		return out
	case reflect.Map:
		out := make(map[string]reflect.Value, v.Len())
		it := v.MapRange()
		for it.Next() {
			out[it.Key().String()] = it.Value()
		}
		return out
	}
	return nil
}

// goItem is a keyed list's or set's item and its path element.
type goItem struct {
	pe string
	v  reflect.Value
}

// goItems are a keyed list's or set's items by path element, in order;
// a repeated element keeps its first item. Most lists are short, and
// their items are found by a scan; a long one's through a map.
type goItems struct {
	items []goItem
	index map[string]int // for a long list
}

const scannedItems = 16

func newGoItems(v reflect.Value, sh shape, buf []goItem) goItems {
	out := goItems{items: buf[:0]}
	if !v.IsValid() {
		return out
	}
	if v.Len() > scannedItems {
		out.index = make(map[string]int, v.Len())
	}
	for i := range v.Len() {
		it := v.Index(i)
		pe := goItemElement(it, sh)
		if _, ok := out.find(pe); !ok {
			if out.index != nil {
				out.index[pe] = len(out.items)
			}
			out.items = append(out.items, goItem{pe, it})
		}
	}
	return out
}

// find returns the item with path element pe.
func (g goItems) find(pe string) (reflect.Value, bool) {
	if g.index != nil {
		i, ok := g.index[pe]
		if !ok {
			return reflect.Value{}, false
		}
		return g.items[i].v, true
	}
	for _, it := range g.items {
		if it.pe == pe {
			return it.v, true
		}
	}
	return reflect.Value{}, false
}

// goItemElement is itemElement of a Go list item.
func goItemElement(it reflect.Value, sh shape) string {
	if sh.set {
		return "v:" + compactJSON(it.Interface())
	}
	e := deref(it)
	var found [4]reflect.Value // by the index of the key in sh.keyed
	var vals []reflect.Value
	if len(sh.keyed) <= len(found) {
		vals = found[:len(sh.keyed)]
	} else {
		vals = make([]reflect.Value, len(sh.keyed))
	}
	if e.IsValid() && e.Kind() == reflect.Struct {
		for _, f := range jsonFields(e.Type()) {
			for i, k := range sh.keyed {
				if f.name == k {
					if x, ok := f.get(e); ok {
						vals[i] = x
					}
				}
			}
		}
	}
	names := sh.keyed
	if !sort.StringsAreSorted(names) {
		names = append([]string(nil), sh.keyed...)
		sort.Strings(names)
	}
	var arr [128]byte
	b := append(arr[:0], "k:{"...)
	n := 0
	for _, k := range names {
		x := vals[slices.Index(sh.keyed, k)]
		d, hasDefault := keyDefaults[k]
		if !x.IsValid() && !hasDefault {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = appendJSONString(b, k)
		b = append(b, ':')
		if x.IsValid() {
			b = appendScalarJSON(b, x)
		} else {
			b = append(b, compactJSON(d)...)
		}
	}
	b = append(b, '}')
	return itemElements.intern(b)
}

// itemElements are keyed items' path elements made lately: most name a
// condition's type or a container's name, the same few texts in every
// pod's status write, which each comparison made again for both sides
// (about 200,000 texts in a 10,000-pod scale-up).
var itemElements = internedTexts{m: map[string]string{}}

// internedTexts hands out one string for equal texts, forgetting them
// all once it holds 4,096 (an item keyed by a pod's IP is seen a few
// times).
type internedTexts struct {
	mu sync.Mutex
	m  map[string]string
}

func (in *internedTexts) intern(b []byte) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	if len(in.m) >= 4096 {
		clear(in.m)
	}
	s := string(b)
	in.m[s] = s
	return s
}

// appendScalarJSON appends scalarJSON(v) to b; a plain string or an
// integer without an allocation of its own.
func appendScalarJSON(b []byte, v reflect.Value) []byte {
	v = deref(v)
	switch {
	case v.IsValid() && v.Kind() == reflect.String && !v.Type().Implements(marshalerType):
		return appendJSONString(b, v.String())
	case v.IsValid() && v.Kind() >= reflect.Int && v.Kind() <= reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10)
	}
	return append(b, scalarJSON(v)...)
}

// appendJSONString appends s quoted as writeJSONString writes it.
func appendJSONString(b []byte, s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			var buf bytes.Buffer
			writeJSONString(&buf, s)
			return append(b, buf.Bytes()...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func (c comparison) walkGo(path []string, l, r reflect.Value, hasL, hasR bool, sh shape, gt *goType) {
	if hasL && hasR && (c.zeroLeft && r.IsZero() || !c.zeroLeft && equalValues(l, r)) {
		return
	}
	dl, dr := deref(l), deref(r)
	kind := gt.kind
	switch {
	case kind == "map" && !sh.atomic && gt.isStruct:
		empty := true
		shapes := gt.shapes
		for i, f := range gt.fields {
			var lv, rv reflect.Value
			var inL, inR bool
			if dl.IsValid() {
				lv, inL = f.get(dl)
			}
			if dr.IsValid() {
				rv, inR = f.get(dr)
			}
			if !inL && !inR {
				continue
			}
			empty = false
			c.walkGo(append(path, f.pe), lv, rv, inL, inR, shapes[i], gt.child(i))
		}
		if !empty {
			c.container(path, hasL, hasR)
			return
		}
	case kind == "map" && !sh.atomic:
		le, re := goEntries(dl), goEntries(dr)
		if len(le) == 0 && len(re) == 0 {
			break
		}
		if c.log != nil {
			// A log is a cache key: the same members in the same order.
			for _, k := range slices.Sorted(maps.Keys(le)) {
				rv, inR := re[k]
				c.walkGo(append(path, "f:"+k), le[k], rv, true, inR, sh.field(k), gt.child(0))
			}
			for _, k := range slices.Sorted(maps.Keys(re)) {
				if _, inL := le[k]; !inL {
					c.walkGo(append(path, "f:"+k), reflect.Value{}, re[k], false, true, sh.field(k), gt.child(0))
				}
			}
			c.container(path, hasL, hasR)
			return
		}
		for k, lv := range le {
			rv, inR := re[k]
			c.walkGo(append(path, "f:"+k), lv, rv, true, inR, sh.field(k), gt.child(0))
		}
		for k, rv := range re {
			if _, inL := le[k]; !inL {
				c.walkGo(append(path, "f:"+k), reflect.Value{}, rv, false, true, sh.field(k), gt.child(0))
			}
		}
		c.container(path, hasL, hasR)
		return
	case kind == "list" && !sh.atomic && (sh.keyed != nil || sh.set) && ((dl.IsValid() && dl.Len() > 0) || (dr.IsValid() && dr.Len() > 0)):
		var lbuf, rbuf [8]goItem
		li := newGoItems(dl, sh, lbuf[:])
		ri := newGoItems(dr, sh, rbuf[:])
		for _, it := range li.items {
			rv, inR := ri.find(it.pe)
			c.walkGo(append(path, it.pe), it.v, rv, true, inR, sh.item(), gt.child(0))
		}
		for _, it := range ri.items {
			if _, inL := li.find(it.pe); !inL {
				c.walkGo(append(path, it.pe), reflect.Value{}, it.v, false, true, sh.item(), gt.child(0))
			}
		}
		c.container(path, hasL, hasR)
		return
	}
	switch {
	case !hasL:
		c.note(added, path)
	case !hasR:
		c.note(removed, path)
	default:
		c.note(modified, path)
	}
}

// container records a map or list present on one side only.
func (c comparison) container(path []string, hasL, hasR bool) {
	if !hasL {
		c.note(added, path)
	} else if !hasR {
		c.note(removed, path)
	}
}

// What a comparison notes of a path.
const (
	added byte = iota
	modified
	removed
)

// note inserts a path into the set of its kind, or appends it to the log
// when the comparison keeps one: the kind, then each element's length
// and bytes, then the end of the path.
func (c comparison) note(kind byte, path []string) {
	if c.log == nil {
		switch kind {
		case added:
			c.added.insertFrom(path, c.nodes)
		case modified:
			c.modified.insertFrom(path, c.nodes)
		default:
			c.removed.insertFrom(path, c.nodes)
		}
		return
	}
	b := append(*c.log, kind)
	for _, pe := range path {
		b = binary.AppendUvarint(b, uint64(len(pe)+1))
		b = append(b, pe...)
	}
	*c.log = append(b, 0)
}

// equalValues is reflect.DeepEqual, quick for scalars and for a zero value
// against one that is not.
func equalValues(l, r reflect.Value) bool {
	switch l.Kind() {
	case reflect.String:
		return l.String() == r.String()
	case reflect.Bool:
		return l.Bool() == r.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return l.Int() == r.Int()
	case reflect.Pointer, reflect.Slice, reflect.Map:
		if l.IsNil() != r.IsNil() {
			return false
		}
		if l.Kind() != reflect.Pointer && l.Len() != r.Len() {
			return false
		}
	}
	if l.CanAddr() && r.CanAddr() {
		// Pointers to the two values compare the same way without
		// copying each into an interface.
		return reflect.DeepEqual(l.Addr().Interface(), r.Addr().Interface())
	}
	return reflect.DeepEqual(l.Interface(), r.Interface())
}

// goType is what the comparison needs of a Go type, found with one
// lookup: its kind (goKind) without pointers, and for a struct its JSON
// fields and their shapes.
type goType struct {
	kind     string
	isStruct bool
	fields   []goField
	shapes   []shape

	// t is the type without pointers; children are the goTypes of its
	// fields (a struct's) or of its elements (a list's or map's, at 0),
	// found on first use: a walk passes each value its type, where
	// looking each one up in goTypes cost a create about a tenth of its
	// comparison in the browser.
	t        reflect.Type
	children []atomic.Pointer[goType]
}

// child is the goType of field i of a struct, or of the elements of a
// list or map (i 0).
func (gt *goType) child(i int) *goType {
	if c := gt.children[i].Load(); c != nil {
		return c
	}
	var t reflect.Type
	if gt.isStruct {
		t = gt.t.FieldByIndex(gt.fields[i].index).Type
	} else {
		t = gt.t.Elem()
	}
	c := goTypeOf(t)
	gt.children[i].Store(c)
	return c
}

var goTypes sync.Map // reflect.Type -> *goType

func goTypeOf(t reflect.Type) *goType {
	if v, ok := goTypes.Load(t); ok {
		return v.(*goType)
	}
	d := derefType(t)
	gt := &goType{kind: goKind(d), isStruct: d.Kind() == reflect.Struct, t: d}
	switch {
	case gt.isStruct:
		gt.fields, gt.shapes = jsonFields(d), fieldShapes(d)
		gt.children = make([]atomic.Pointer[goType], len(gt.fields))
	case d.Kind() == reflect.Slice || d.Kind() == reflect.Array || d.Kind() == reflect.Map:
		gt.children = make([]atomic.Pointer[goType], 1)
	}
	goTypes.Store(t, gt)
	return gt
}

var fieldShapesCache sync.Map // reflect.Type -> []shape

// fieldShapes are the shapes of a struct's JSON fields, in jsonFields'
// order.
func fieldShapes(t reflect.Type) []shape {
	if v, ok := fieldShapesCache.Load(t); ok {
		return v.([]shape)
	}
	sh := shape{t: t}
	fs := jsonFields(t)
	out := make([]shape, len(fs))
	for i, f := range fs {
		out[i] = sh.field(f.name)
	}
	fieldShapesCache.Store(t, out)
	return out
}

// scalarJSON is a key's value as JSON.
func scalarJSON(v reflect.Value) string {
	v = deref(v)
	switch {
	case !v.IsValid():
		return "null"
	case v.Kind() == reflect.String && !v.Type().Implements(marshalerType):
		var b bytes.Buffer
		writeJSONString(&b, v.String())
		return b.String()
	case v.Kind() >= reflect.Int && v.Kind() <= reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	}
	return compactJSON(v.Interface())
}

var zeroObjects sync.Map // reflect.Type -> reflect.Value

// zeroObject is a pointer to the zero value of struct type t, shared: a
// create compares the new object with it, and the comparison only reads.
func zeroObject(t reflect.Type) reflect.Value {
	if v, ok := zeroObjects.Load(t); ok {
		return v.(reflect.Value)
	}
	v := reflect.New(t)
	zeroObjects.Store(t, v)
	return v
}
