// Package patch applies the three kinds of patch the API server accepts:
// JSON patches (RFC 6902), JSON merge patches (RFC 7386) and Kubernetes'
// strategic merge patches, whose lists merge by key as the generated types'
// patchStrategy and patchMergeKey tags say (strategic.go holds that table).
//
// Documents are JSON as encoding/json decodes it into any: maps, slices,
// strings, float64 numbers, bools and nil. Numbers keep their text through
// json.Number so that large integers survive a round trip.
package patch

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// Type is a patch's media type, as the API server names them.
type Type string

// The patch types kubectl sends (--type json|merge|strategic).
const (
	JSON      Type = "application/json-patch+json"
	Merge     Type = "application/merge-patch+json"
	Strategic Type = "application/strategic-merge-patch+json"
)

// Apply applies a patch of type t to doc. schema is the Go type the
// document decodes into; only a strategic merge patch needs it.
func Apply(t Type, doc, patch []byte, schema reflect.Type) ([]byte, error) {
	switch t {
	case JSON:
		return ApplyJSON(doc, patch)
	case Merge:
		return ApplyMerge(doc, patch)
	}
	return ApplyStrategic(doc, patch, schema)
}

// decode reads JSON with numbers kept as json.Number.
func decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// ApplyMerge applies an RFC 7386 merge patch: maps merge, null deletes a
// key, anything else (lists included) replaces.
func ApplyMerge(doc, patch []byte) ([]byte, error) {
	d, p, err := decodeBoth(doc, patch)
	if err != nil {
		return nil, err
	}
	return json.Marshal(mergeValue(d, p))
}

// decodeBoth decodes a document and a patch.
func decodeBoth(doc, patch []byte) (any, any, error) {
	d, err := decode(doc)
	if err != nil {
		return nil, nil, err
	}
	p, err := decode(patch)
	return d, p, err
}

func mergeValue(doc, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	dm, ok := doc.(map[string]any)
	if !ok {
		dm = map[string]any{}
	}
	out := make(map[string]any, len(dm))
	for k, v := range dm {
		out[k] = v
	}
	for k, v := range pm {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = mergeValue(out[k], v)
	}
	return out
}
