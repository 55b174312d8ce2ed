package apiserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

// decodeWithJSON is decodeEntry's reading through encoding/json.
func decodeWithJSON(t *testing.T, r []byte) *managedEntry {
	t.Helper()
	e := &managedEntry{}
	require.NoError(t, json.Unmarshal(r, e))
	m, _ := e.FieldsV1.(map[string]any)
	e.set, e.FieldsV1 = fieldSetOf(m), nil
	return e
}

func randomFieldSet(rng *rand.Rand, depth int) fieldSet {
	s := fieldSet{}
	for range 1 + rng.IntN(4) {
		var pe string
		switch rng.IntN(4) {
		case 0:
			pe = fmt.Sprintf("f:%c", 'a'+rng.IntN(26))
		case 1:
			pe = fmt.Sprintf(`k:{"name":"c%d","port":%d}`, rng.IntN(3), rng.IntN(3))
		case 2:
			pe = fmt.Sprintf(`v:"x%d"`, rng.IntN(5))
		default:
			pe = fmt.Sprintf("f:name-%d", rng.IntN(3))
		}
		n := &fieldNode{member: true}
		if depth > 0 && rng.IntN(2) == 0 {
			n.children = randomFieldSet(rng, depth-1)
			n.member = rng.IntN(2) == 0
		}
		s[pe] = n
	}
	return s
}

// TestParseOwnEntry checks the quick reading of the API server's own
// entries against encoding/json's, over random entries, and that any
// other text is left to encoding/json.
func TestParseOwnEntry(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 3))
		e := &managedEntry{Manager: "kube-controller-manager", Operation: OperationUpdate, APIVersion: "v1", set: randomFieldSet(rng, 3)}
		if rng.IntN(2) == 0 {
			e.Operation, e.APIVersion = OperationApply, "apps/v1"
		}
		if rng.IntN(3) > 0 {
			e.Time = api.NewTimePtr(time.Date(2026, 11, 30, 17, rng.IntN(60), rng.IntN(60), rng.IntN(1e9), time.FixedZone("x", 3600)))
		}
		if rng.IntN(2) == 0 {
			e.Subresource = "status"
		}
		raw := e.encode()
		got, ok := parseOwnEntry(raw)
		require.True(t, ok, "seed %d: %s", seed, raw)
		want := decodeWithJSON(t, raw)
		assert.Equal(t, want.set, got.set, "seed %d: %s", seed, raw)
		assert.Equal(t, want.Time, got.Time, "seed %d", seed)
		got.set, want.set, got.Time, want.Time = nil, nil, nil, nil
		assert.Equal(t, want, got, "seed %d", seed)
		assert.Equal(t, string(raw), string(decodeWithJSON(t, raw).encode()), "seed %d: its own text", seed)
	}
	for _, text := range []string{
		`{"operation":"Update","manager":"m","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:a":{}}}`,
		`{"manager":"m", "operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:a":{}}}`,
		`{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:b":{},"f:a":{}}}`,
		`{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:a":{},"f:a":{}}}`,
		`{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:a":{".":{}}}}`,
		`{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:\u0061":{}}}`,
		`{"manager":"m","operation":"Update","apiVersion":"v1","time":"2026-11-30T17:00:00+01:00","fieldsType":"FieldsV1","fieldsV1":{}}`,
		`{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{},"extra":1}`,
		`{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:a":{}}} `,
		`{"manager":"","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{}}`,
		`{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV2","fieldsV1":{}}`,
		`{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:a\nb":{}}}`,
		`{"manager":"mé","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{}}`,
	} {
		_, ok := parseOwnEntry([]byte(text))
		assert.False(t, ok, text)
		e, ok := decodeEntry(json.RawMessage(text), false)
		if ok {
			assert.Equal(t, string(e.encode()), string(e.raw), "read by encoding/json and written anew: %s", text)
		}
	}
}

// A stored object's entries are read without a copy of their text, and
// as a request's are.
func TestDecodeStoredKeepsTheText(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 5))
	e := &managedEntry{Manager: "stored-reader", Operation: OperationUpdate, APIVersion: "v1", Subresource: "status", set: randomFieldSet(rng, 4)}
	text := bytes.Clone(e.encode()) // not interned
	stored := decodeStored([]json.RawMessage{text})
	require.Len(t, stored, 1)
	assert.Same(t, unsafe.SliceData(text), unsafe.SliceData(stored[0].raw))
	asked := decodeManaged([]json.RawMessage{bytes.Clone(text)})
	require.Len(t, asked, 1)
	assert.Equal(t, string(text), string(asked[0].raw))
	assert.True(t, sameSet(stored[0].set, asked[0].set))
	assert.Equal(t, string(text), string(stored[0].encode()))
}

// Subtrees read lately are shared: reading with them gives the sets read
// without them, and two entries with the same subtree hold one node.
func TestParseSharesSubtrees(t *testing.T) {
	entries := make([]json.RawMessage, 0, 200)
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 5))
		e := &managedEntry{Manager: "kubelet", Operation: OperationUpdate, APIVersion: "v1", Subresource: "status", set: randomFieldSet(rng, 4)}
		entries = append(entries, e.encode())
	}
	cold := make([]fieldSet, len(entries))
	for i, raw := range entries {
		subtrees.Lock()
		subtrees.m = nil
		subtrees.Unlock()
		e, ok := parseOwnEntry(raw)
		require.True(t, ok, "%s", raw)
		cold[i] = e.set
	}
	for round := range 2 {
		for i, raw := range entries {
			e, ok := parseOwnEntry(raw)
			require.True(t, ok, "%s", raw)
			require.Equal(t, cold[i], e.set, "round %d: %s", round, raw)
			require.Equal(t, decodeWithJSON(t, raw).set, e.set, "round %d: %s", round, raw)
		}
	}

	status := `{"f:status":{"f:conditions":{".":{},"k:{\"type\":\"Ready\"}":{".":{},"f:status":{}}},"f:podIP":{},"f:podIPs":{".":{},"k:{\"ip\":\"%s\"}":{".":{},"f:ip":{}}}}}`
	var sets []fieldSet
	for _, ip := range []string{"10.244.1.2", "10.244.1.3"} {
		raw := `{"manager":"kubelet","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":` + fmt.Sprintf(status, ip) + `,"subresource":"status"}`
		e, ok := parseOwnEntry([]byte(raw))
		require.True(t, ok, raw)
		sets = append(sets, e.set)
	}
	a, b := sets[0]["f:status"].children, sets[1]["f:status"].children
	assert.Same(t, a["f:conditions"], b["f:conditions"], "the same conditions, one node")
	assert.NotSame(t, a["f:podIPs"], b["f:podIPs"])
	assert.True(t, b.has([]string{"f:podIPs", `k:{"ip":"10.244.1.3"}`, "f:ip"}))
	assert.False(t, b.has([]string{"f:podIPs", `k:{"ip":"10.244.1.2"}`, "f:ip"}))
}

// A long keyed list's items are found through a map, a short one's by a
// scan: the same items either way, a repeated key keeping its first.
func TestGoItems(t *testing.T) {
	sh := shapeOf(reflect.TypeOf(&api.Pod{})).field("spec").field("containers")
	for _, n := range []int{0, 3, scannedItems, scannedItems + 1, 40} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var cs []api.Container
			for i := range n {
				cs = append(cs, api.Container{Name: fmt.Sprintf("c%d", i%(n/2+1)), Image: fmt.Sprint(i)})
			}
			items := newGoItems(reflect.ValueOf(cs), sh, nil)
			seen := map[string]bool{}
			var want []string
			for _, c := range cs {
				if !seen[c.Name] {
					seen[c.Name] = true
					want = append(want, c.Image)
				}
			}
			var got []string
			for _, it := range items.items {
				v, ok := items.find(it.pe)
				require.True(t, ok)
				got = append(got, v.Interface().(api.Container).Image)
			}
			assert.Equal(t, want, got)
			_, ok := items.find(`k:{"name":"none"}`)
			assert.False(t, ok)
		})
	}
}
