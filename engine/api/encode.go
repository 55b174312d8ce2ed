package api

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Marshal encodes v as JSON, byte for byte as json.Marshal does, in a
// fraction of its time for the API's types: the store's log and
// snapshots, and the page's batches, encode every object they hold.
//
// Where the time goes in json.Marshal, and what is done instead:
//   - every json.Marshaler's output is scanned again to compact and check
//     it. The managed fields (json.RawMessage, a fifth of a pod's bytes)
//     and every timestamp and quantity went through that scanner. Here the
//     API's own marshalers (Time, Quantity, …) append their JSON directly,
//     and a json.RawMessage, which holds what a decoder or json.Marshal
//     made, is copied as it is unless it has a byte that compacting or
//     HTML-escaping would change (then it takes json.Marshal's path). The
//     one difference: a json.RawMessage that is not JSON at all (which
//     only Go code that makes one from other bytes can hold) is copied,
//     where json.Marshal refuses it;
//   - Time.MarshalJSON called json.Marshal for its string.
//
// Anything the encoder does not know to treat exactly as json.Marshal
// does (a TextMarshaler, a `string` field option, fields whose names
// collide through embedding, a marshaler with a pointer receiver) is
// handed to json.Marshal, value by value. TestMarshalAsJSONMarshalDoes
// compares the two over every kind.
func Marshal(v any) ([]byte, error) {
	buf := scratch.Get().(*[]byte)
	b, err := AppendJSON((*buf)[:0], v)
	out := []byte(nil)
	if err == nil {
		out = slices.Clone(b)
	}
	if cap(b) <= maxScratch {
		*buf = b
		scratch.Put(buf)
	}
	return out, err
}

// scratch holds buffers for Marshal, which returns a copy of what it
// made in one: growing a slice from nothing for every object cost more
// than the copy.
var scratch = sync.Pool{New: func() any { return new([]byte) }}

const maxScratch = 1 << 20

// AppendJSON appends v's JSON (as Marshal) to b.
func AppendJSON(b []byte, v any) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	rv := reflect.ValueOf(v)
	return encoderOf(rv.Type())(b, rv)
}

type encodeFunc func(b []byte, v reflect.Value) ([]byte, error)

var encoders sync.Map // reflect.Type → encodeFunc

func encoderOf(t reflect.Type) encodeFunc {
	if f, ok := encoders.Load(t); ok {
		return f.(encodeFunc)
	}
	// A recursive type meets itself while its encoder is being made: it
	// gets one that waits for the real one.
	var (
		wg sync.WaitGroup
		f  encodeFunc
	)
	wg.Add(1)
	fi, loaded := encoders.LoadOrStore(t, encodeFunc(func(b []byte, v reflect.Value) ([]byte, error) {
		wg.Wait()
		return f(b, v)
	}))
	if loaded {
		return fi.(encodeFunc)
	}
	f = newEncoder(t)
	wg.Done()
	encoders.Store(t, f)
	return f
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	numberType        = reflect.TypeFor[json.Number]()
)

// jsonAppender is what the API's own marshalers implement besides
// MarshalJSON: their JSON appended to b, compact and as json.Marshal
// would leave it.
type jsonAppender interface {
	appendJSON(b []byte) []byte
}

var appenderType = reflect.TypeFor[jsonAppender]()

func newEncoder(t reflect.Type) encodeFunc {
	switch {
	case t == rawMessageType:
		return encodeRaw
	case t.Implements(appenderType):
		return func(b []byte, v reflect.Value) ([]byte, error) {
			if v.Kind() == reflect.Pointer {
				if v.IsNil() {
					return append(b, "null"...), nil
				}
				v = v.Elem()
			}
			if v.CanAddr() { // a pointer in the interface: no copy of v
				return v.Addr().Interface().(jsonAppender).appendJSON(b), nil
			}
			return v.Interface().(jsonAppender).appendJSON(b), nil
		}
	case t.Implements(marshalerType), reflect.PointerTo(t).Implements(marshalerType),
		t.Implements(textMarshalerType), reflect.PointerTo(t).Implements(textMarshalerType),
		t == numberType:
		return encodeByJSON
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return strconv.AppendBool(b, v.Bool()), nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return strconv.AppendInt(b, v.Int(), 10), nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return strconv.AppendUint(b, v.Uint(), 10), nil
		}
	case reflect.Float32, reflect.Float64:
		bits := t.Bits()
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return appendFloat(b, v, bits)
		}
	case reflect.String:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return appendJSONString(b, v.String()), nil
		}
	case reflect.Interface:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			if v.IsNil() {
				return append(b, "null"...), nil
			}
			e := v.Elem()
			return encoderOf(e.Type())(b, e)
		}
	case reflect.Pointer:
		elem := encoderOf(t.Elem())
		return func(b []byte, v reflect.Value) ([]byte, error) {
			if v.IsNil() {
				return append(b, "null"...), nil
			}
			return elem(b, v.Elem())
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(marshalerType) && !reflect.PointerTo(t.Elem()).Implements(textMarshalerType) {
			return encodeBytes
		}
		elem := encoderOf(t.Elem())
		return func(b []byte, v reflect.Value) ([]byte, error) {
			if v.IsNil() {
				return append(b, "null"...), nil
			}
			return appendArray(b, v, elem)
		}
	case reflect.Array:
		elem := encoderOf(t.Elem())
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return appendArray(b, v, elem)
		}
	case reflect.Map:
		if t.Key().Kind() != reflect.String || t.Key().Implements(textMarshalerType) || reflect.PointerTo(t.Key()).Implements(textMarshalerType) {
			return encodeByJSON
		}
		switch t {
		case reflect.TypeFor[map[string]string]():
			return func(b []byte, v reflect.Value) ([]byte, error) {
				return appendSortedMap(b, v.Interface().(map[string]string), appendJSONString), nil
			}
		case reflect.TypeFor[ResourceList]():
			return func(b []byte, v reflect.Value) ([]byte, error) {
				return appendSortedMap(b, v.Interface().(ResourceList), func(b []byte, q Quantity) []byte { return q.appendJSON(b) }), nil
			}
		}
		elem := encoderOf(t.Elem())
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return appendMap(b, v, elem)
		}
	case reflect.Struct:
		return structEncoder(t)
	}
	return encodeByJSON // channels, funcs, complex numbers: json.Marshal's error
}

// encodeByJSON is json.Marshal's own encoding of v (through its address
// when it has one, as json.Marshal then takes pointer methods too).
func encodeByJSON(b []byte, v reflect.Value) ([]byte, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return append(b, "null"...), nil
	}
	x := v.Interface()
	if v.CanAddr() {
		x = v.Addr().Interface()
	}
	out, err := json.Marshal(x)
	if err != nil {
		return b, err
	}
	return append(b, out...), nil
}

// rawChange are the bytes json.Marshal's compacting of a json.RawMessage
// would remove or escape: white space, and what it escapes for HTML.
var rawChange = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '<': true, '>': true, '&': true, 0xE2: true}

func encodeRaw(b []byte, v reflect.Value) ([]byte, error) {
	raw := v.Bytes()
	if raw == nil {
		return append(b, "null"...), nil
	}
	for _, c := range raw {
		if rawChange[c] {
			return encodeByJSON(b, v)
		}
	}
	// json.Marshal also checks the message is JSON. That check is left
	// out (a seventh of the encoding at scale): a json.RawMessage in an
	// object comes from a decoder, which hands out only JSON, or from
	// json.Marshal.
	if len(raw) == 0 {
		return encodeByJSON(b, v)
	}
	return append(b, raw...), nil
}

func encodeBytes(b []byte, v reflect.Value) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	s := v.Bytes()
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, s)
	return append(b, '"'), nil
}

func appendFloat(b []byte, v reflect.Value, bits int) ([]byte, error) {
	f := v.Float()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return encodeByJSON(b, v) // json.Marshal's UnsupportedValueError
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

func appendArray(b []byte, v reflect.Value, elem encodeFunc) ([]byte, error) {
	b = append(b, '[')
	var err error
	for i := range v.Len() {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = elem(b, v.Index(i)); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

func appendMap(b []byte, v reflect.Value, elem encodeFunc) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	type entry struct {
		key string
		val reflect.Value
	}
	entries := make([]entry, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		entries = append(entries, entry{it.Key().String(), it.Value()})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	b = append(b, '{')
	var err error
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, e.key)
		b = append(b, ':')
		if b, err = elem(b, e.val); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendSortedMap is appendMap for the maps every object has (labels,
// annotations, requests), without reflection: value appends one value.
func appendSortedMap[V any](b []byte, m map[string]V, value func([]byte, V) []byte) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	for i, k := range SortedKeys(m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = value(b, m[k])
	}
	return append(b, '}')
}

// SortedKeys is m's keys in order, in one allocation (slices.Sorted of
// maps.Keys grows its slice as it goes: the encoder calls this for every
// map of every object).
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

type encodeField struct {
	name      string // `"name":`, escaped
	index     []int
	omitEmpty bool
	isZero    func(reflect.Value) bool // omitzero
	enc       encodeFunc
}

func structEncoder(t reflect.Type) encodeFunc {
	fields, ok := structFields(t)
	if !ok {
		return encodeByJSON
	}
	return func(b []byte, v reflect.Value) ([]byte, error) {
		b = append(b, '{')
		first := true
		var err error
	next:
		for i := range fields {
			f := &fields[i]
			fv := v
			for _, x := range f.index {
				if fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						continue next
					}
					fv = fv.Elem()
				}
				fv = fv.Field(x)
			}
			if f.omitEmpty && isEmptyValue(fv) || f.isZero != nil && f.isZero(fv) {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, f.name...)
			if b, err = f.enc(b, fv); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
}

// structFields lists t's fields as json.Marshal writes them, in order;
// ok is false for what this encoder leaves to json.Marshal: a `string`
// option, and names that embedding makes collide (json.Marshal's rules
// of dominance are not repeated here).
func structFields(t reflect.Type) ([]encodeField, bool) {
	var fields []encodeField
	seen := map[string]bool{}
	visiting := map[reflect.Type]bool{}
	var walk func(t reflect.Type, index []int) bool
	walk = func(t reflect.Type, index []int) bool {
		if visiting[t] {
			return false
		}
		visiting[t] = true
		defer delete(visiting, t)
		for i := range t.NumField() {
			sf := t.Field(i)
			if sf.Anonymous {
				et := sf.Type
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if !sf.IsExported() && et.Kind() != reflect.Struct {
					continue
				}
			} else if !sf.IsExported() {
				continue
			}
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if !validTag(name) {
				name = ""
			}
			idx := append(slices.Clone(index), i)
			ft := sf.Type
			if ft.Name() == "" && ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
				if !walk(ft, idx) {
					return false
				}
				continue
			}
			if hasOption(opts, "string") {
				return false
			}
			if name == "" {
				name = sf.Name
			}
			if seen[name] {
				return false
			}
			seen[name] = true
			f := encodeField{
				name:      string(appendJSONString(nil, name)) + ":",
				index:     idx,
				omitEmpty: hasOption(opts, "omitempty"),
				enc:       encoderOf(sf.Type),
			}
			if hasOption(opts, "omitzero") {
				f.isZero = zeroTest(sf.Type)
			}
			fields = append(fields, f)
		}
		return true
	}
	if !walk(t, nil) {
		return nil, false
	}
	return fields, true
}

type isZeroer interface{ IsZero() bool }

var isZeroerType = reflect.TypeFor[isZeroer]()

// zeroTest is json.Marshal's test for omitzero.
func zeroTest(t reflect.Type) func(reflect.Value) bool {
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || (v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil()) || v.Interface().(isZeroer).IsZero()
		}
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.IsNil() || v.Interface().(isZeroer).IsZero() }
	case t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.Interface().(isZeroer).IsZero() }
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(v reflect.Value) bool {
			if !v.CanAddr() {
				v2 := reflect.New(v.Type()).Elem()
				v2.Set(v)
				v = v2
			}
			return v.Addr().Interface().(isZeroer).IsZero()
		}
	}
	return reflect.Value.IsZero
}

func hasOption(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// validTag is encoding/json's isValidTag.
func validTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !isLetterOrDigit(c):
			return false
		}
	}
	return true
}

func isLetterOrDigit(c rune) bool {
	return unicode.IsLetter(c) || unicode.IsDigit(c)
}

// isEmptyValue is json.Marshal's test for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

const hexDigits = "0123456789abcdef"

// appendJSONString is json.Marshal's encoding of a string, HTML-escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// RawJSON is JSON this process made with Marshal (or json.Marshal), to
// be put in a larger value: Marshal appends it as it is, where it checks
// a json.RawMessage again.
type RawJSON []byte

// MarshalJSON implements json.Marshaler.
func (r RawJSON) MarshalJSON() ([]byte, error) { return r.appendJSON(nil), nil }

func (r RawJSON) appendJSON(b []byte) []byte {
	if r == nil {
		return append(b, "null"...)
	}
	return append(b, r...)
}

// UnmarshalJSON implements json.Unmarshaler: r keeps a copy of b.
func (r *RawJSON) UnmarshalJSON(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}
