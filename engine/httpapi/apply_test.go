package httpapi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServerSideApply drives server-side apply over HTTP as kubectl apply
// --server-side does: a PATCH of type application/apply-patch+yaml with a
// fieldManager, force to take over conflicting fields.
func TestServerSideApply(t *testing.T) {
	srv, _ := newTestServer(t)
	const path = "/api/v1/namespaces/default/configmaps/settings"
	cm := func(v string) string {
		return `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: ` + v + "\n"
	}
	r := call(t, srv, "PATCH", path+"?fieldManager=kubectl", "application/apply-patch+yaml", cm("fast"))
	require.Equal(t, 201, r.code, r.body)
	obj := decodeMap(t, r.body)
	mf := obj["metadata"].(map[string]any)["managedFields"].([]any)
	require.Len(t, mf, 1)
	assert.Equal(t, map[string]any{
		"manager": "kubectl", "operation": "Apply", "apiVersion": "v1", "time": "2026-01-01T00:00:00Z",
		"fieldsType": "FieldsV1", "fieldsV1": map[string]any{"f:data": map[string]any{"f:mode": map[string]any{}}},
	}, mf[0])

	// A merge patch by another client is an update of its own manager,
	// named after its user agent.
	r = call(t, srv, "PATCH", path, "application/merge-patch+json", `{"data":{"mode":"slow"}}`, "User-Agent", "editor/1.0 (linux/amd64)")
	require.Equal(t, 200, r.code, r.body)

	r = call(t, srv, "PATCH", path+"?fieldManager=kubectl", "application/apply-patch+yaml", cm("fast"))
	assert.Equal(t, 409, r.code, r.body)
	st := decodeMap(t, r.body)
	assert.Equal(t, "Conflict", st["reason"])
	assert.Equal(t, `Apply failed with 1 conflict: conflict with "editor" using v1: .data.mode`, st["message"])
	assert.Equal(t, []any{map[string]any{"reason": "FieldManagerConflict", "message": `conflict with "editor" using v1`, "field": ".data.mode"}},
		st["details"].(map[string]any)["causes"])

	r = call(t, srv, "PATCH", path+"?fieldManager=kubectl&force=true", "application/apply-patch+yaml", cm("fast"))
	require.Equal(t, 200, r.code, r.body)
	obj = decodeMap(t, r.body)
	assert.Equal(t, "fast", obj["data"].(map[string]any)["mode"])
	mf = obj["metadata"].(map[string]any)["managedFields"].([]any)
	require.Len(t, mf, 1, "the editor owns nothing any more")

	r = call(t, srv, "POST", "/api/v1/namespaces/default/configmaps?fieldManager=a%01b", "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`)
	assert.Equal(t, 422, r.code, r.body)
	assert.Equal(t, `CreateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\x01b": invalid character U+0001 (at position 1)`, decodeMap(t, r.body)["message"])

	r = call(t, srv, "PATCH", path+"?force=true", "application/merge-patch+json", `{}`)
	assert.Equal(t, 422, r.code, r.body)
	assert.Contains(t, r.body, "force: Forbidden: may not be specified for non-apply patch")
}
