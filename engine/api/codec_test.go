package api

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitYAML(t *testing.T) {
	in := "# leading comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  enabled: yes\n--- # a separator with a comment\n\n---\n{ apiVersion: \"v1\", kind: List, items: [{kind: Pod, apiVersion: v1}, {kind: Service, apiVersion: v1}] }\n"
	docs, err := SplitYAML([]byte(in))
	require.NoError(t, err)
	require.Len(t, docs, 3)
	// YAML 1.1, as kubectl parses it: yes is a boolean.
	assert.JSONEq(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"enabled":true}}`, string(docs[0].JSON))
	assert.Equal(t, 3, docs[0].Line)
	assert.JSONEq(t, `{"kind":"Pod","apiVersion":"v1"}`, string(docs[1].JSON))
	assert.JSONEq(t, `{"kind":"Service","apiVersion":"v1"}`, string(docs[2].JSON))
	assert.Equal(t, 11, docs[1].Line)
}

func TestSplitYAMLErrorsAsKubectl(t *testing.T) {
	_, err := SplitYAML([]byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n spec: y\n"))
	require.Error(t, err)
	assert.Equal(t, "error converting YAML to JSON: yaml: line 4: did not find expected key", err.Error())
}

func TestDecodeIntoStrict(t *testing.T) {
	r, _ := LookupResource("deployments")
	_, err := DecodeInto(r, []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replcas":3,"template":{"spec":{"containers":[{"name":"a","imagee":"x"}]}}}}`))
	assert.EqualError(t, err, `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replcas", unknown field "spec.template.spec.containers[0].imagee"`)
	p, _ := LookupResource("pods")
	_, err = DecodeInto(p, []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":"nginx"}}`))
	assert.EqualError(t, err, `Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container`)
}

func TestToYAMLAsKubectl(t *testing.T) {
	out, err := ToYAML(map[string]any{"b": []any{map[string]any{"z": 1, "a": "x\ny\n"}}, "a": "2026-01-01T00:00:00Z", "c": "yes", "d": nil, "e": ""})
	require.NoError(t, err)
	assert.Equal(t, "a: \"2026-01-01T00:00:00Z\"\nb:\n- a: |\n    x\n    y\n  z: 1\nc: \"yes\"\nd: null\ne: \"\"\n", string(out))
}
