package patch

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

var deploymentType = reflect.TypeOf(api.Deployment{})

func TestStrategic(t *testing.T) {
	const deploy = `{"metadata":{"name":"web","labels":{"app":"web"},"finalizers":["a"]},"spec":{"replicas":1,"template":{"spec":{` +
		`"containers":[{"name":"web","image":"busybox:1.36","env":[{"name":"A","value":"1"}],"ports":[{"containerPort":80}]},{"name":"side","image":"busybox"}],` +
		`"tolerations":[{"key":"a","operator":"Exists"}]}}}}`
	tests := []struct {
		name, patch, want string
	}{
		{"scalar and map merge", `{"spec":{"replicas":3},"metadata":{"labels":{"tier":"x"}}}`,
			`{"metadata":{"finalizers":["a"],"labels":{"app":"web","tier":"x"},"name":"web"},"spec":{"replicas":3,"template":{"spec":{"containers":[{"env":[{"name":"A","value":"1"}],"image":"busybox:1.36","name":"web","ports":[{"containerPort":80}]},{"image":"busybox","name":"side"}],"tolerations":[{"key":"a","operator":"Exists"}]}}}}`},
		{"null deletes", `{"metadata":{"labels":{"app":null}}}`,
			`{"metadata":{"finalizers":["a"],"labels":{},"name":"web"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"env":[{"name":"A","value":"1"}],"image":"busybox:1.36","name":"web","ports":[{"containerPort":80}]},{"image":"busybox","name":"side"}],"tolerations":[{"key":"a","operator":"Exists"}]}}}}`},
		{"containers merge by name", `{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox:1.37"}]}}}}`,
			`{"metadata":{"finalizers":["a"],"labels":{"app":"web"},"name":"web"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"env":[{"name":"A","value":"1"}],"image":"busybox:1.36","name":"web","ports":[{"containerPort":80}]},{"image":"busybox:1.37","name":"side"}],"tolerations":[{"key":"a","operator":"Exists"}]}}}}`},
		{"a new container goes first", `{"spec":{"template":{"spec":{"containers":[{"name":"new","image":"redis"}]}}}}`,
			`{"metadata":{"finalizers":["a"],"labels":{"app":"web"},"name":"web"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"image":"redis","name":"new"},{"env":[{"name":"A","value":"1"}],"image":"busybox:1.36","name":"web","ports":[{"containerPort":80}]},{"image":"busybox","name":"side"}],"tolerations":[{"key":"a","operator":"Exists"}]}}}}`},
		{"env by name, ports by containerPort", `{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"2"}],"ports":[{"containerPort":80,"name":"http"}]}]}}}}`,
			`{"metadata":{"finalizers":["a"],"labels":{"app":"web"},"name":"web"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"env":[{"name":"B","value":"2"},{"name":"A","value":"1"}],"image":"busybox:1.36","name":"web","ports":[{"containerPort":80,"name":"http"}]},{"image":"busybox","name":"side"}],"tolerations":[{"key":"a","operator":"Exists"}]}}}}`},
		{"delete directive", `{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}`,
			`{"metadata":{"finalizers":["a"],"labels":{"app":"web"},"name":"web"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"env":[{"name":"A","value":"1"}],"image":"busybox:1.36","name":"web","ports":[{"containerPort":80}]}],"tolerations":[{"key":"a","operator":"Exists"}]}}}}`},
		{"tolerations replace", `{"spec":{"template":{"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}}}}`,
			`{"metadata":{"finalizers":["a"],"labels":{"app":"web"},"name":"web"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"env":[{"name":"A","value":"1"}],"image":"busybox:1.36","name":"web","ports":[{"containerPort":80}]},{"image":"busybox","name":"side"}],"tolerations":[{"key":"b","operator":"Exists"}]}}}}`},
		{"finalizers merge as a set", `{"metadata":{"finalizers":["b","a"]}}`,
			`{"metadata":{"finalizers":["b","a"],"labels":{"app":"web"},"name":"web"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"env":[{"name":"A","value":"1"}],"image":"busybox:1.36","name":"web","ports":[{"containerPort":80}]},{"image":"busybox","name":"side"}],"tolerations":[{"key":"a","operator":"Exists"}]}}}}`},
		{"delete from primitive list", `{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}`,
			`{"metadata":{"finalizers":[],"labels":{"app":"web"},"name":"web"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"env":[{"name":"A","value":"1"}],"image":"busybox:1.36","name":"web","ports":[{"containerPort":80}]},{"image":"busybox","name":"side"}],"tolerations":[{"key":"a","operator":"Exists"}]}}}}`},
		{"replace a list", `{"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"x"}]}}}}`,
			`{"metadata":{"finalizers":["a"],"labels":{"app":"web"},"name":"web"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"image":"x","name":"only"}],"tolerations":[{"key":"a","operator":"Exists"}]}}}}`},
		{"set element order puts a new container where it says", `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"side"},{"name":"new"}],"containers":[{"name":"new","image":"redis"}]}}}}`,
			`{"metadata":{"finalizers":["a"],"labels":{"app":"web"},"name":"web"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"env":[{"name":"A","value":"1"}],"image":"busybox:1.36","name":"web","ports":[{"containerPort":80}]},{"image":"busybox","name":"side"},{"image":"redis","name":"new"}],"tolerations":[{"key":"a","operator":"Exists"}]}}}}`},
		{"set element order reorders", `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"side"},{"name":"web"}]}}},"metadata":{"$setElementOrder/finalizers":["b","a"],"finalizers":["b"]}}`,
			`{"metadata":{"finalizers":["b","a"],"labels":{"app":"web"},"name":"web"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"image":"busybox","name":"side"},{"env":[{"name":"A","value":"1"}],"image":"busybox:1.36","name":"web","ports":[{"containerPort":80}]}],"tolerations":[{"key":"a","operator":"Exists"}]}}}}`},
		{"two elements of one key both merge into it, once", `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"side"},{"name":"side"}],"containers":[{"name":"side","tty":true},{"name":"side","image":"redis"}]}}}}`,
			`{"metadata":{"finalizers":["a"],"labels":{"app":"web"},"name":"web"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"env":[{"name":"A","value":"1"}],"image":"busybox:1.36","name":"web","ports":[{"containerPort":80}]},{"image":"redis","name":"side","tty":true}],"tolerations":[{"key":"a","operator":"Exists"}]}}}}`},
		{"replace a map", `{"metadata":{"labels":{"$patch":"replace","x":"y"}}}`,
			`{"metadata":{"finalizers":["a"],"labels":{"x":"y"},"name":"web"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"env":[{"name":"A","value":"1"}],"image":"busybox:1.36","name":"web","ports":[{"containerPort":80}]},{"image":"busybox","name":"side"}],"tolerations":[{"key":"a","operator":"Exists"}]}}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := ApplyStrategic([]byte(deploy), []byte(tt.patch), deploymentType)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(out))
		})
	}
}

func TestStrategicErrors(t *testing.T) {
	_, err := ApplyStrategic([]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"a"}]}}}}`), []byte(`{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}`), deploymentType)
	assert.EqualError(t, err, "map: map[image:x] does not contain declared merge key: name")
	_, err = ApplyStrategic([]byte(`{}`), []byte(`[1]`), deploymentType)
	assert.EqualError(t, err, "unable to unmarshal patch: json: cannot unmarshal array into Go value of type map[string]interface {}")
}

func TestMerge(t *testing.T) {
	out, err := ApplyMerge([]byte(`{"a":{"b":1,"c":[1,2]},"d":1}`), []byte(`{"a":{"b":null,"c":[3]},"e":"x"}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":{"c":[3]},"d":1,"e":"x"}`, string(out))
}

func TestJSONPatch(t *testing.T) {
	const doc = `{"spec":{"containers":[{"name":"a","image":"x"}],"n":1}}`
	tests := []struct {
		name, patch, want, err string
	}{
		{name: "replace", patch: `[{"op":"replace","path":"/spec/containers/0/image","value":"y"}]`, want: `{"spec":{"containers":[{"name":"a","image":"y"}],"n":1}}`},
		{name: "add to end", patch: `[{"op":"add","path":"/spec/containers/-","value":{"name":"b"}}]`, want: `{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b"}],"n":1}}`},
		{name: "add at index", patch: `[{"op":"add","path":"/spec/containers/0","value":{"name":"b"}}]`, want: `{"spec":{"containers":[{"name":"b"},{"name":"a","image":"x"}],"n":1}}`},
		{name: "remove", patch: `[{"op":"remove","path":"/spec/n"}]`, want: `{"spec":{"containers":[{"name":"a","image":"x"}]}}`},
		{name: "move", patch: `[{"op":"move","from":"/spec/n","path":"/spec/m"}]`, want: `{"spec":{"containers":[{"name":"a","image":"x"}],"m":1}}`},
		{name: "copy", patch: `[{"op":"copy","from":"/spec/n","path":"/m"}]`, want: `{"spec":{"containers":[{"name":"a","image":"x"}],"n":1},"m":1}`},
		{name: "test passes", patch: `[{"op":"test","path":"/spec/n","value":1}]`, want: doc},
		{name: "test fails", patch: `[{"op":"test","path":"/spec/n","value":2}]`, err: "testing value /spec/n failed: test failed"},
		{name: "remove missing", patch: `[{"op":"remove","path":"/spec/x/y"}]`, err: `remove operation does not apply: doc is missing path: "/spec/x/y": missing value`},
		{name: "replace missing", patch: `[{"op":"replace","path":"/spec/x","value":1}]`, err: `replace operation does not apply: doc is missing key: /spec/x: missing value`},
		{name: "not a list", patch: `{"op":"add"}`, err: `json: cannot unmarshal object into Go value of type jsonpatch.Patch`},
		{name: "unknown op", patch: `[{"op":"frob","path":"/a"}]`, err: `Unexpected kind: frob`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := ApplyJSON([]byte(doc), []byte(tt.patch))
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(out))
		})
	}
}
