package kubectl

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRelaxedJSONPath(t *testing.T) {
	for in, want := range map[string]string{
		"metadata.name":    "{.metadata.name}",
		".metadata.name":   "{.metadata.name}",
		"{metadata.name}":  "{.metadata.name}",
		"{.metadata.name}": "{.metadata.name}",
		".items[*].name":   "{.items[*].name}",
		"":                 "",
	} {
		got, err := relaxedJSONPath(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := relaxedJSONPath("{.a}{.b}")
	assert.EqualError(t, err, "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'")
}

// sortCase sorts objects with one field each by that field.
func sortNames(t *testing.T, field string, values ...any) []string {
	t.Helper()
	items := make([]any, len(values))
	for i, v := range values {
		m := map[string]any{"name": string(rune('a' + i))}
		if v != nil {
			m["v"] = v
		}
		items[i] = m
	}
	order, err := sortBy(items, field)
	require.NoError(t, err)
	var out []string
	for _, i := range order {
		out = append(out, items[i].(map[string]any)["name"].(string))
	}
	return out
}

func TestSortBy(t *testing.T) {
	// Natural order of names: pod-2 before pod-10.
	assert.Equal(t, []string{"b", "a", "c"}, sortNames(t, ".v", "pod-10", "pod-2", "pod-20"))
	// Quantities as quantities.
	assert.Equal(t, []string{"b", "c", "a"}, sortNames(t, "v", "1Gi", "100Mi", "500Mi"))
	// Whole numbers.
	assert.Equal(t, []string{"c", "a", "b"}, sortNames(t, "{.v}", int64(5), int64(10), int64(1)))
	// An object without the field sorts first.
	assert.Equal(t, []string{"b", "a", "c"}, sortNames(t, ".v", "x", nil, "y"))

	_, err := sortBy([]any{map[string]any{"a": "x"}, map[string]any{"a": "y"}}, ".b")
	assert.EqualError(t, err, `couldn't find any field with path "{.b}" in the list of objects`)
	_, err = sortBy([]any{map[string]any{"a": true}, map[string]any{"a": false}}, ".a")
	assert.EqualError(t, err, "Field {.a} in *v1.Table is an unsortable type: interface, err: unsortable type: bool")
}

func TestNaturalLess(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		less bool
	}{
		{"a", "b", true}, {"a2", "a10", true}, {"a10", "a2", false}, {"a01", "a1", false}, {"a1", "a01", true},
		{"1a", "a", true}, {"a", "1a", false}, {"abc", "ab", false}, {"ab", "abc", true}, {"x", "x", false},
	} {
		assert.Equal(t, tt.less, naturalLess(tt.a, tt.b), "%s < %s", tt.a, tt.b)
	}
}

func TestCustomColumnsTemplate(t *testing.T) {
	cols, err := columnsFromTemplate("NAME   NODE\n.metadata.name   {.spec.nodeName}\n")
	require.NoError(t, err)
	var buf bytes.Buffer
	obj := unstructuredList([]any{
		map[string]any{"metadata": map[string]any{"name": "web-0"}, "spec": map[string]any{"nodeName": "node01"}},
		map[string]any{"metadata": map[string]any{"name": "pending"}, "spec": map[string]any{}},
	})
	require.NoError(t, printCustomColumns(&buf, cols, obj, false))
	assert.Equal(t, "NAME      NODE\nweb-0     node01\npending   <none>\n", buf.String())

	_, err = columnsFromTemplate("")
	assert.EqualError(t, err, "invalid template, missing header line. Expected format is one line of space separated headers, one line of space separated column specs.")
	_, err = columnsFromTemplate("NAME\n")
	assert.EqualError(t, err, "invalid template, missing spec line. Expected format is one line of space separated headers, one line of space separated column specs.")
	_, err = columnsFromTemplate("NAME NODE\n.metadata.name\n")
	assert.EqualError(t, err, "number of headers (2) and field specifications (1) don't match")
}

func TestPrintNames(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, printNames(&buf, unstructuredList([]any{
		map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "web"}},
		map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "hello"}},
	})))
	assert.Equal(t, "deployment.apps/web\npod/hello\n", buf.String())
}
