package api

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Pod templates are hashed as kube-controller-manager's ComputeHash does,
// so that a Deployment's ReplicaSet and a DaemonSet's ControllerRevision get
// the names a real cluster gives them (web-5d78c9869d), and an Endpoints
// object's subsets and ports are ordered by the same print's MD5. Upstream hashes the
// template as k8s.io/utils/dump.ForHash prints it: go-spew's "%#v", which
// names every type as reflect spells it in k8s.io/api and follows pointers.
// AppendForHash prints our twin of that value the same way, walking the
// table tools/apigen writes (zz_generated.spew.go) beside it for the
// k8s.io names. The value printed is the one kube-controller-manager's
// informer holds, decoded from protobuf: empty lists and maps are nil, and
// a quantity is what ParseQuantity makes of its canonical string.
//
// Not reproduced: quantities that take ParseQuantity's slow path (more
// than 18 digits, or binary suffixes above Ti with large mantissas), and
// non-zero timestamps, whose upstream form depends on the controller
// manager's time zone; neither appears in real pod templates.

// spewKind says how a spewType prints.
type spewKind uint8

const (
	spewScalar spewKind = iota
	spewStruct
	spewPointer
	spewSlice
	spewMap
	spewTime
	spewQuantity
)

// spewType is one k8s.io type: its reflect name and, for the kinds that
// have them, its element type or fields (indices into spewTypes).
type spewType struct {
	name   string
	kind   spewKind
	elem   int
	fields []spewField
}

type spewField struct {
	name string
	typ  int
}

// AppendForHash appends *v as dump.ForHash prints the value of its k8s.io
// twin. v is a *PodTemplateSpec, *EndpointSubset, *EndpointPort or
// *DiscoveryV1EndpointPort: the types kube-controller-manager hashes.
func AppendForHash(b []byte, v any) []byte {
	root, ok := spewRoot(v)
	if !ok {
		panic(fmt.Sprintf("api: %T is not hashed as upstream hashes it", v))
	}
	p := spewPrinter{b: b}
	p.value(reflect.ValueOf(v).Elem(), root, true)
	return p.b
}

type spewPrinter struct{ b []byte }

func (p *spewPrinter) typeName(name string) {
	p.b = append(p.b, '(')
	p.b = append(p.b, name...)
	p.b = append(p.b, ')')
}

// value prints v, of type spewTypes[ti]; showType is false where spew
// leaves the type out (elements of slices and maps, a pointer's target).
func (p *spewPrinter) value(v reflect.Value, ti int, showType bool) {
	t := &spewTypes[ti]
	if t.kind == spewPointer {
		p.pointer(v, t, showType)
		return
	}
	if showType {
		p.typeName(t.name)
	}
	switch t.kind {
	case spewScalar:
		p.scalar(v)
	case spewStruct:
		p.structure(v, t)
	case spewSlice:
		p.slice(v, t)
	case spewMap:
		p.mapping(v, t)
	case spewTime:
		p.time(v)
	case spewQuantity:
		p.quantity(v.Interface().(Quantity))
	}
}

func (p *spewPrinter) pointer(v reflect.Value, t *spewType, showType bool) {
	if v.IsNil() {
		if showType {
			p.typeName(t.name)
		}
		p.b = append(p.b, "<nil>"...)
		return
	}
	if showType {
		p.typeName(t.name)
	} else {
		p.b = append(p.b, "<*>"...)
	}
	p.value(v.Elem(), t.elem, false)
}

func (p *spewPrinter) scalar(v reflect.Value) {
	switch v.Kind() {
	case reflect.Bool:
		p.b = strconv.AppendBool(p.b, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.b = strconv.AppendInt(p.b, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		p.b = strconv.AppendUint(p.b, v.Uint(), 10)
	case reflect.Float32:
		p.b = strconv.AppendFloat(p.b, v.Float(), 'g', -1, 32)
	case reflect.Float64:
		p.b = strconv.AppendFloat(p.b, v.Float(), 'g', -1, 64)
	case reflect.String:
		p.b = append(p.b, v.String()...)
	}
}

func (p *spewPrinter) structure(v reflect.Value, t *spewType) {
	p.b = append(p.b, '{')
	for i, f := range t.fields {
		if i > 0 {
			p.b = append(p.b, ' ')
		}
		p.b = append(p.b, f.name...)
		p.b = append(p.b, ':')
		fv, ok := fieldByName(v, f.name)
		if !ok || !compatible(fv, f.typ) {
			p.b = append(p.b, "<unhashable>"...)
			continue
		}
		p.value(fv, f.typ, true)
	}
	p.b = append(p.b, '}')
}

// compatible reports whether v can print as spewTypes[ti]: only the
// managed fields, kept as raw JSON, differ in shape from k8s.io's.
func compatible(v reflect.Value, ti int) bool {
	if spewTypes[ti].kind != spewSlice || v.Kind() != reflect.Slice || v.Len() == 0 {
		return true
	}
	want := spewTypes[spewTypes[ti].elem].kind
	return want != spewStruct || v.Type().Elem().Kind() == reflect.Struct
}

func (p *spewPrinter) slice(v reflect.Value, t *spewType) {
	if v.Len() == 0 {
		p.b = append(p.b, "<nil>"...)
		return
	}
	p.b = append(p.b, '[')
	for i := range v.Len() {
		if i > 0 {
			p.b = append(p.b, ' ')
		}
		p.value(v.Index(i), t.elem, false)
	}
	p.b = append(p.b, ']')
}

func (p *spewPrinter) mapping(v reflect.Value, t *spewType) {
	if v.Len() == 0 {
		p.b = append(p.b, "<nil>"...)
		return
	}
	keys := v.MapKeys()
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	p.b = append(p.b, "map["...)
	for i, k := range keys {
		if i > 0 {
			p.b = append(p.b, ' ')
		}
		p.b = append(p.b, k.String()...)
		p.b = append(p.b, ':')
		p.value(v.MapIndex(k), t.elem, false)
	}
	p.b = append(p.b, ']')
}

// time prints a metav1.Time's time.Time, whose location is nil when zero.
func (p *spewPrinter) time(v reflect.Value) {
	tm := v.Interface().(Time)
	var wall uint64
	var ext int64
	if !tm.IsZero() {
		const unixToInternal = (1969*365 + 1969/4 - 1969/100 + 1969/400) * 86400
		wall, ext = uint64(tm.Nanosecond()), tm.Unix()+unixToInternal
	}
	p.b = append(p.b, "{Time:(time.Time){wall:(uint64)"...)
	p.b = strconv.AppendUint(p.b, wall, 10)
	p.b = append(p.b, " ext:(int64)"...)
	p.b = strconv.AppendInt(p.b, ext, 10)
	p.b = append(p.b, " loc:(*time.Location)<nil>}}"...)
}

// quantity prints a resource.Quantity as ParseQuantity leaves it when it
// parses the canonical string (its fast path).
func (p *spewPrinter) quantity(q Quantity) {
	s := q.String()
	value, scale, cached, format := parsedForm(s)
	p.b = append(p.b, "{i:(resource.int64Amount){value:(int64)"...)
	p.b = strconv.AppendInt(p.b, value, 10)
	p.b = append(p.b, " scale:(resource.Scale)"...)
	p.b = strconv.AppendInt(p.b, int64(scale), 10)
	p.b = append(p.b, "} d:(resource.infDecAmount){Dec:(*inf.Dec)<nil>} s:(string)"...)
	if cached {
		p.b = append(p.b, s...)
	}
	p.b = append(p.b, " Format:(resource.Format)"...)
	p.b = append(p.b, format...)
	p.b = append(p.b, '}')
}

// parsedForm is resource.ParseQuantity's fast path over a canonical
// string: the int64 amount and scale, whether the string is kept as the
// cached form, and the format.
func parsedForm(s string) (value int64, scale int32, cached bool, format Format) {
	if s == "0" {
		return 0, 0, true, DecimalSI
	}
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimLeft(s, "+-")
	n := 0
	for n < len(digits) && digits[n] >= '0' && digits[n] <= '9' {
		n++
	}
	num, suffix := digits[:n], digits[n:]
	v, _ := strconv.ParseInt(num, 10, 64)
	mult := int64(1)
	if exp, ok := binarySuffixes[suffix]; ok {
		format, mult = BinarySI, int64(1)<<exp
		cached = exp%10 == 0 && v&0x07 != 0
	} else {
		format, scale = DecimalSI, decimalSuffixes[suffix]
		if strings.HasPrefix(suffix, "e") || strings.HasPrefix(suffix, "E") {
			e, _ := strconv.ParseInt(suffix[1:], 10, 32)
			format, scale = DecimalExponent, int32(e)
		}
		cached = scale%3 == 0 && !strings.HasSuffix(num, "000") && num != "" && num[0] != '0'
	}
	value = v * mult
	if neg {
		value = -value
	}
	return value, scale, cached, format
}

// fieldIndex caches where a k8s.io field name is in our struct types.
var fieldIndex sync.Map // fieldKey -> int

type fieldKey struct {
	t    reflect.Type
	name string
}

func fieldByName(v reflect.Value, name string) (reflect.Value, bool) {
	k := fieldKey{v.Type(), name}
	if i, ok := fieldIndex.Load(k); ok {
		return v.Field(i.(int)), true
	}
	f, ok := v.Type().FieldByName(name)
	if !ok || len(f.Index) != 1 {
		return reflect.Value{}, false
	}
	fieldIndex.Store(k, f.Index[0])
	return v.Field(f.Index[0]), true
}
