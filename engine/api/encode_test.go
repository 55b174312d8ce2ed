package api

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertMarshalsAsJSON checks Marshal gives json.Marshal's bytes, or its error.
func assertMarshalsAsJSON(t *testing.T, v any) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, err := Marshal(v)
	if wantErr != nil {
		assert.Error(t, err, "json.Marshal: %v", wantErr)
		return
	}
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}

var trickyStrings = []string{
	"", "x", "plain text", `"quoted" \ back\slash`, "<script>&amp;</script>", "tab\tnew\nline\rcr\bbs\fff",
	"\x00\x01\x1f\x7f", "ünïcødé ✓ 日本", "\u2028\u2029", "bad \xff\xfe utf8 \xe2\x80", "emoji 🙂", "µs",
}

func TestMarshalStringsAsJSONMarshalDoes(t *testing.T) {
	for _, s := range trickyStrings {
		t.Run(fmt.Sprintf("%q", s), func(t *testing.T) {
			assertMarshalsAsJSON(t, s)
			assertMarshalsAsJSON(t, map[string]string{s: s})
		})
	}
}

type pointerMarshaler struct{ N int }

func (p *pointerMarshaler) MarshalJSON() ([]byte, error) { return []byte(`{"n" : 1}`), nil }

type textKey string

func (k textKey) MarshalText() ([]byte, error) { return []byte("t-" + string(k)), nil }

type inner struct {
	A string `json:"a,omitempty"`
	B int
}

type collide struct {
	inner
	Other inner `json:"other"`
	A     string
}

type odd struct {
	*inner        `json:",inline"`
	Tagged        inner             `json:"tagged"`
	Skip          string            `json:"-"`
	Dash          string            `json:"-,"`
	Quoted        int               `json:"quoted,string"`
	Zero          Time              `json:"zero,omitzero"`
	ZeroPtr       *Time             `json:"zeroPtr,omitzero"`
	Empty         []string          `json:"empty,omitempty"`
	NegZero       float64           `json:"negZero,omitempty"`
	Floats        []float64         `json:"floats"`
	Float32       float32           `json:"float32"`
	Any           any               `json:"any"`
	Anys          []any             `json:"anys"`
	Bytes         []byte            `json:"bytes"`
	IntKeys       map[int]string    `json:"intKeys"`
	TextKeys      map[textKey]int   `json:"textKeys"`
	Ptr           *pointerMarshaler `json:"ptr"`
	Val           pointerMarshaler  `json:"val"`
	Array         [2]uint8          `json:"array"`
	Raw           json.RawMessage   `json:"raw,omitempty"`
	Raws          []json.RawMessage `json:"raws"`
	Number        json.Number       `json:"number"`
	unexported    int
	Collide       collide `json:"collide"`
	Dur           Duration
	IOS           *IntOrString `json:"ios,omitempty"`
	invalid_Tag_1 string
}

func TestMarshalOddTypesAsJSONMarshalDoes(t *testing.T) {
	ios := FromInt(3)
	v := odd{
		inner: &inner{A: "in", B: 2}, Tagged: inner{B: 1}, Skip: "no", Dash: "yes", Quoted: 5,
		NegZero: math.Copysign(0, -1), Floats: []float64{0, 1e-7, 1e21, 123.456, -1e-9}, Float32: 1.1,
		Any: map[string]any{"z": 1, "a": []any{true, nil, "s"}}, Anys: []any{1.5, &inner{}},
		Bytes: []byte("hello\x00"), IntKeys: map[int]string{10: "a", 9: "b"}, TextKeys: map[textKey]int{"b": 1, "a": 2},
		Ptr: &pointerMarshaler{}, Array: [2]uint8{1, 2},
		Raw: json.RawMessage(`{"a": [1, 2]}`), Raws: []json.RawMessage{[]byte(`{"f:x":{}}`), []byte(`"<b>"`), nil, []byte(`"\u2028"`), []byte("\"\xe2\x80\xa8\"")},
		Number: "12.5", unexported: 1, Collide: collide{A: "top"}, Dur: Duration{90 * time.Minute}, IOS: &ios,
	}
	assertMarshalsAsJSON(t, v)
	assertMarshalsAsJSON(t, &v)
	assertMarshalsAsJSON(t, []odd{v, {}})
	v.inner = nil
	assertMarshalsAsJSON(t, v)
	// What json.Marshal refuses, Marshal refuses.
	for _, bad := range []any{math.Inf(1), map[string]any{"c": make(chan int)}, odd{Number: "x"}} {
		assertMarshalsAsJSON(t, bad)
	}
	// The one difference: a json.RawMessage is taken to be JSON.
	got, err := Marshal([]json.RawMessage{json.RawMessage(`{bad`)})
	require.NoError(t, err)
	assert.Equal(t, `[{bad]`, string(got))
}

// TestMarshalAsJSONMarshalDoes fills every kind with random values, seed
// after seed, and compares Marshal's bytes with json.Marshal's.
func TestMarshalAsJSONMarshalDoes(t *testing.T) {
	objs := []func() Object{func() Object { return &Binding{} }, func() Object { return &Eviction{} }, func() Object { return &Scale{} }}
	for _, r := range Resources {
		objs = append(objs, r.New)
	}
	for seed := range uint64(20) {
		rnd := rand.New(rand.NewPCG(seed, 7))
		for _, newObj := range objs {
			obj := newObj()
			fillRandom(rnd, reflect.ValueOf(obj).Elem(), 0)
			name := reflect.TypeOf(obj).Elem().Name()
			t.Run(fmt.Sprintf("%s/seed=%d", name, seed), func(t *testing.T) {
				assertMarshalsAsJSON(t, obj)
			})
		}
	}
}

var rawMessages = []json.RawMessage{
	nil, json.RawMessage(`{}`), json.RawMessage(`{"manager":"kubectl","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}}`),
	json.RawMessage(`{ "spaced" : [1, 2] }`), json.RawMessage(`"a<b"`), json.RawMessage(`"\u003c"`), json.RawMessage(`[1,"\u2028"]`),
	json.RawMessage("\"\xe2\x80\xa9\""), json.RawMessage(`12`),
}

// fillRandom sets what is reachable from v to random values: nil or
// empty or full, tricky strings, extreme numbers, valid forms for the
// types with their own JSON.
func fillRandom(rnd *rand.Rand, v reflect.Value, depth int) {
	if depth > 12 {
		return
	}
	switch v.Type() {
	case timeType:
		if rnd.IntN(3) > 0 {
			v.Set(reflect.ValueOf(NewTime(time.Unix(rnd.Int64N(4e9), 0))))
		}
		return
	case microTimeType:
		if rnd.IntN(3) > 0 {
			v.Set(reflect.ValueOf(NewMicroTime(time.Unix(rnd.Int64N(4e9), rnd.Int64N(1e9)))))
		}
		return
	case quantityType:
		v.Set(reflect.ValueOf(MustParse([]string{"0", "1500m", "1Gi", "2.5", "100M", "1e3", "-3"}[rnd.IntN(7)])))
		return
	case intOrStringType:
		if rnd.IntN(2) == 0 {
			v.Set(reflect.ValueOf(FromString(trickyStrings[rnd.IntN(len(trickyStrings))])))
		} else {
			v.Set(reflect.ValueOf(FromInt(int32(rnd.IntN(200) - 100))))
		}
		return
	case durationType:
		v.Set(reflect.ValueOf(Duration{time.Duration(rnd.Int64N(1e12))}))
		return
	case rawMessageType:
		v.Set(reflect.ValueOf(rawMessages[rnd.IntN(len(rawMessages))]))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && rnd.IntN(4) > 0 {
				fillRandom(rnd, v.Field(i), depth+1)
			}
		}
	case reflect.Pointer:
		if rnd.IntN(3) > 0 {
			v.Set(reflect.New(v.Type().Elem()))
			fillRandom(rnd, v.Elem(), depth+1)
		}
	case reflect.Slice:
		switch rnd.IntN(4) {
		case 0: // nil
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			n := 1 + rnd.IntN(3)
			v.Set(reflect.MakeSlice(v.Type(), n, n))
			for i := range n {
				fillRandom(rnd, v.Index(i), depth+1)
			}
		}
	case reflect.Map:
		switch rnd.IntN(4) {
		case 0:
		case 1:
			v.Set(reflect.MakeMap(v.Type()))
		default:
			v.Set(reflect.MakeMap(v.Type()))
			for range 1 + rnd.IntN(4) {
				e := reflect.New(v.Type().Elem()).Elem()
				fillRandom(rnd, e, depth+1)
				k := trickyStrings[rnd.IntN(len(trickyStrings))]
				v.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
			}
		}
	case reflect.String:
		v.SetString(trickyStrings[rnd.IntN(len(trickyStrings))])
	case reflect.Bool:
		v.SetBool(rnd.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt([]int64{0, 1, -1, math.MaxInt32, math.MinInt32, 42}[rnd.IntN(6)])
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(rnd.IntN(256)))
	case reflect.Float32, reflect.Float64:
		v.SetFloat([]float64{0, 1.5, 1e-7, 1e22, -2.25, 0.1}[rnd.IntN(6)])
	}
}

// BenchmarkMarshalPod compares Marshal with json.Marshal on a pod as the
// kubelet leaves it (managed fields, status, timestamps).
func BenchmarkMarshalPod(b *testing.B) {
	pod := fullPod()
	pod.ManagedFields = []json.RawMessage{rawMessages[2], rawMessages[2]}
	for _, tc := range []struct {
		name string
		f    func(any) ([]byte, error)
	}{{"api.Marshal", Marshal}, {"json.Marshal", json.Marshal}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tc.f(pod); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
