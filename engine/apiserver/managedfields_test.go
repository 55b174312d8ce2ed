package apiserver

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/patch"
)

// applyYAML is a deployment's applied configuration.
func applyYAML(t *testing.T, s string) []byte {
	t.Helper()
	data, err := yaml.YAMLToJSON([]byte(s))
	require.NoError(t, err)
	return data
}

const nginxApply = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
`

// fieldsOf returns the fieldsV1 of a manager's entry, as YAML-ish JSON.
func fieldsOf(t *testing.T, obj api.Object, manager, operation string) string {
	t.Helper()
	for _, e := range decodeManaged(obj.GetObjectMeta().ManagedFields) {
		if e.Manager == manager && e.Operation == operation {
			data, err := json.Marshal(e.set.fieldsV1())
			require.NoError(t, err)
			return string(data)
		}
	}
	return ""
}

func TestFieldSets(t *testing.T) {
	sh := shapeOf(reflect.TypeOf(&api.Deployment{}))
	for _, tc := range []struct {
		name   string
		config string
		want   string
	}{
		{"scalars and keyed lists", nginxApply,
			`{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}`},
		{"empty map and atomic list", `{"spec":{"template":{"spec":{"containers":[{"name":"a","args":["x","y"],"resources":{}}]}}}}`,
			`{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"a\"}":{".":{},"f:args":{},"f:name":{},"f:resources":{}}}}}}}`},
		{"set", `{"metadata":{"finalizers":["a","b"]}}`, `{"f:metadata":{"f:finalizers":{"v:\"a\"":{},"v:\"b\"":{}}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v any
			require.NoError(t, json.Unmarshal(applyYAML(t, tc.config), &v))
			got, err := json.Marshal(toFieldSet(v, sh).difference(strippedFields).fieldsV1())
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(got))
		})
	}
}

func TestCompare(t *testing.T) {
	sh := shapeOf(reflect.TypeOf(&api.Deployment{}))
	for _, tc := range []struct {
		name                     string
		old, cur                 string
		added, modified, removed []string
	}{
		{"changed scalar", `{"spec":{"replicas":1}}`, `{"spec":{"replicas":2}}`, nil, []string{".spec.replicas"}, nil},
		{"added map is itself added", `{"spec":{}}`, `{"spec":{"strategy":{"rollingUpdate":{"maxSurge":1}}}}`,
			[]string{".spec.strategy", ".spec.strategy.rollingUpdate", ".spec.strategy.rollingUpdate.maxSurge"}, nil, nil},
		{"null map is not added", `{"spec":{"selector":null}}`, `{"spec":{"selector":{"matchLabels":{"a":"b"}}}}`, nil, []string{".spec.selector"}, nil},
		{"list item by key", `{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"x"}]}}}}`, `{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"x"}]}}}}`,
			[]string{`.spec.template.spec.containers[name="b"]`, `.spec.template.spec.containers[name="b"].image`, `.spec.template.spec.containers[name="b"].name`}, nil,
			[]string{`.spec.template.spec.containers[name="a"]`, `.spec.template.spec.containers[name="a"].image`, `.spec.template.spec.containers[name="a"].name`}},
		{"empty on both sides is a leaf", `{"spec":{"template":{"spec":{"containers":[{"name":"a","resources":{}}]}}}}`, `{"spec":{"template":{"spec":{"containers":[{"name":"a","resources":{}}]}}}}`, nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var old, cur any
			require.NoError(t, json.Unmarshal([]byte(tc.old), &old))
			require.NoError(t, json.Unmarshal([]byte(tc.cur), &cur))
			c := compare(old, cur, sh)
			strs := func(s fieldSet) []string {
				var out []string
				for _, p := range s.paths() {
					out = append(out, pathString(p))
				}
				return out
			}
			assert.Equal(t, tc.added, strs(c.added), "added")
			assert.Equal(t, tc.modified, strs(c.modified), "modified")
			assert.Equal(t, tc.removed, strs(c.removed), "removed")
		})
	}
}

func TestApply(t *testing.T) {
	// The configuration applied: nginxApply with 5 replicas, or without
	// its label.
	scaled := applyYAML(t, strings.Replace(nginxApply, "replicas: 2", "replicas: 5", 1))
	unlabelled := applyYAML(t, strings.Replace(nginxApply, "  labels: {app: web}\nspec:", "spec:", 1))
	for _, tc := range []struct {
		name string
		// before runs before the apply of scaled; it may fail the test.
		before  func(t *testing.T, s *Server)
		config  []byte
		opts    ApplyOptions
		wantErr string
		check   func(t *testing.T, obj api.Object)
	}{
		{name: "creates the object as the applier's",
			opts: ApplyOptions{FieldManager: "kubectl"},
			check: func(t *testing.T, obj api.Object) {
				assert.Equal(t, int32(5), *obj.(*api.Deployment).Spec.Replicas)
				assert.Contains(t, fieldsOf(t, obj, "kubectl", OperationApply), `"f:replicas":{}`)
			}},
		{name: "a field another manager set to another value conflicts",
			before: func(t *testing.T, s *Server) {
				defer s.SetFieldManager("kubectl-client-side-apply")()
				_, err := s.Create(deployments, "default", deployment("web", 3))
				require.NoError(t, err)
			},
			opts:    ApplyOptions{FieldManager: "kubectl"},
			wantErr: `Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas`},
		{name: "force takes the field over",
			before: func(t *testing.T, s *Server) {
				defer s.SetFieldManager("kubectl-client-side-apply")()
				_, err := s.Create(deployments, "default", deployment("web", 3))
				require.NoError(t, err)
			},
			opts: ApplyOptions{FieldManager: "kubectl", Force: true},
			check: func(t *testing.T, obj api.Object) {
				assert.Equal(t, int32(5), *obj.(*api.Deployment).Spec.Replicas)
				assert.Contains(t, fieldsOf(t, obj, "kubectl", OperationApply), `"f:replicas":{}`)
				assert.NotContains(t, fieldsOf(t, obj, "kubectl-client-side-apply", OperationUpdate), "f:replicas")
				assert.Contains(t, fieldsOf(t, obj, "kubectl-client-side-apply", OperationUpdate), "f:revisionHistoryLimit")
			}},
		{name: "the same value is shared, not a conflict",
			before: func(t *testing.T, s *Server) {
				defer s.SetFieldManager("kubectl-client-side-apply")()
				_, err := s.Create(deployments, "default", deployment("web", 5))
				require.NoError(t, err)
			},
			opts: ApplyOptions{FieldManager: "kubectl"},
			check: func(t *testing.T, obj api.Object) {
				assert.Contains(t, fieldsOf(t, obj, "kubectl", OperationApply), `"f:replicas":{}`)
				assert.Contains(t, fieldsOf(t, obj, "kubectl-client-side-apply", OperationUpdate), "f:replicas")
			}},
		{name: "a scale is a manager with its subresource",
			before: func(t *testing.T, s *Server) {
				_, err := s.Apply(deployments, "default", "web", applyYAML(t, nginxApply), ApplyOptions{FieldManager: "kubectl"})
				require.NoError(t, err)
				defer s.SetFieldManager("kubectl")()
				_, err = s.UpdateScale(deployments, "default", "web", &api.Scale{Spec: api.ScaleSpec{Replicas: 4}}, false)
				require.NoError(t, err)
			},
			opts:    ApplyOptions{FieldManager: "other"},
			wantErr: `Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas`},
		{name: "a field left out is removed",
			before: func(t *testing.T, s *Server) {
				_, err := s.Apply(deployments, "default", "web", applyYAML(t, nginxApply), ApplyOptions{FieldManager: "kubectl"})
				require.NoError(t, err)
			},
			config: unlabelled,
			opts:   ApplyOptions{FieldManager: "kubectl"},
			check: func(t *testing.T, obj api.Object) {
				d := obj.(*api.Deployment)
				assert.Empty(t, d.Labels, "the label kubectl applied before")
				assert.True(t, strings.HasPrefix(fieldsOf(t, obj, "kubectl", OperationApply), `{"f:spec"`))
			}},
		{name: "a field left out that another applier owns stays",
			before: func(t *testing.T, s *Server) {
				_, err := s.Apply(deployments, "default", "web", applyYAML(t, nginxApply), ApplyOptions{FieldManager: "kubectl"})
				require.NoError(t, err)
				_, err = s.Apply(deployments, "default", "web", applyYAML(t, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}}}`), ApplyOptions{FieldManager: "labeller"})
				require.NoError(t, err)
			},
			config: unlabelled,
			opts:   ApplyOptions{FieldManager: "kubectl"},
			check: func(t *testing.T, obj api.Object) {
				assert.Equal(t, map[string]string{"app": "web"}, obj.GetObjectMeta().Labels)
			}},
		{name: "kubectl takes over what its client-side apply last applied",
			before: func(t *testing.T, s *Server) {
				defer s.SetFieldManager("kubectl-client-side-apply")()
				d := deployment("web", 3)
				d.Annotations = map[string]string{lastAppliedAnnotation: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":3}}`}
				_, err := s.Create(deployments, "default", d)
				require.NoError(t, err)
			},
			opts: ApplyOptions{FieldManager: "kubectl"},
			check: func(t *testing.T, obj api.Object) {
				assert.Equal(t, int32(5), *obj.(*api.Deployment).Spec.Replicas)
				assert.Contains(t, obj.GetObjectMeta().Annotations[lastAppliedAnnotation], `"replicas":5`, "the annotation follows")
			}},
		{name: "but not what changed since",
			before: func(t *testing.T, s *Server) {
				defer s.SetFieldManager("kubectl-client-side-apply")()
				d := deployment("web", 3)
				d.Annotations = map[string]string{lastAppliedAnnotation: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2}}`}
				_, err := s.Create(deployments, "default", d)
				require.NoError(t, err)
			},
			opts:    ApplyOptions{FieldManager: "kubectl"},
			wantErr: `Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas`},
		{name: "fields moved from client-side apply prune leaves, not whole maps",
			before: func(t *testing.T, s *Server) {
				restore := s.SetFieldManager("kubectl-client-side-apply")
				obj, err := s.Create(deployments, "default", deployment("web", 2))
				restore()
				require.NoError(t, err)
				d := api.Clone(obj.(*api.Deployment))
				var changed bool
				d.ManagedFields, changed = UpgradeManagedFields(d.ManagedFields, []string{"kubectl-client-side-apply"}, "kubectl")
				require.True(t, changed)
				obj, err = s.Update(deployments, d)
				require.NoError(t, err)
				assert.Contains(t, fieldsOf(t, obj, "kubectl", OperationApply), `"f:labels":{".":{},"f:app":{}}`)
			},
			opts: ApplyOptions{FieldManager: "kubectl"},
			check: func(t *testing.T, obj api.Object) {
				d := obj.(*api.Deployment)
				assert.Equal(t, map[string]string{"app": "web"}, d.Labels)
				assert.Equal(t, "nginx:1.27", d.Spec.Template.Spec.Containers[0].Image)
				assert.NotContains(t, fieldsOf(t, obj, "kubectl", OperationApply), `"f:labels":{".":{}`)
			}},
		{name: "fields set before any manager are before-first-apply's",
			before: func(t *testing.T, s *Server) {
				_, err := s.Create(deployments, "default", deployment("web", 3))
				require.NoError(t, err)
			},
			opts:    ApplyOptions{FieldManager: "kubectl"},
			wantErr: `Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas`},
		{name: "the field manager is required",
			wantErr: `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer()
			if tc.before != nil {
				tc.before(t, s)
			}
			config := tc.config
			if config == nil {
				config = scaled
			}
			obj, err := s.Apply(deployments, "default", "web", config, tc.opts)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tc.wantErr, err.Error())
				return
			}
			require.NoError(t, err)
			tc.check(t, obj)
		})
	}
}

func TestUpdateRecordsManagers(t *testing.T) {
	s := newServer()
	restore := s.SetFieldManager("kubectl-client-side-apply")
	obj, err := s.Create(deployments, "default", deployment("web", 1))
	restore()
	require.NoError(t, err)
	// A create owns what it set and what defaulting filled in; a map
	// that was not there before is owned itself ("."), as are list items.
	f := fieldsOf(t, obj, "kubectl-client-side-apply", OperationUpdate)
	assert.Contains(t, f, `"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}}`)
	assert.Contains(t, f, `"f:replicas":{}`)
	assert.NotContains(t, f, `"f:status"`)
	assert.Contains(t, f, `"f:metadata":{"f:labels":{".":{},"f:app":{}}}`)

	// A status write is its own manager, with its subresource.
	d := api.Clone(obj.(*api.Deployment))
	d.Status.Replicas = 1
	restore = s.SetFieldManager("kube-controller-manager")
	obj, err = s.UpdateStatus(deployments, d)
	restore()
	require.NoError(t, err)
	var managers []string
	for _, e := range decodeManaged(obj.GetObjectMeta().ManagedFields) {
		managers = append(managers, e.Manager+" "+e.Operation+" "+e.Subresource)
	}
	assert.Equal(t, []string{"kube-controller-manager Update status", "kubectl-client-side-apply Update "}, managers)
	assert.JSONEq(t, `{"f:status":{"f:replicas":{}}}`, fieldsOf(t, obj, "kube-controller-manager", OperationUpdate))

	// A write without a field manager leaves them alone.
	d = api.Clone(obj.(*api.Deployment))
	d.Spec.Replicas = api.Ptr(int32(2))
	obj, err = s.Update(deployments, d)
	require.NoError(t, err)
	assert.Contains(t, fieldsOf(t, obj, "kubectl-client-side-apply", OperationUpdate), `"f:replicas"`)
}

// deployment is the nginx deployment of nginxApply with n replicas.
func deployment(name string, n int32) *api.Deployment {
	labels := map[string]string{"app": name}
	return &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: name, Labels: labels},
		Spec: api.DeploymentSpec{
			Replicas: api.Ptr(n),
			Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec:       api.PodSpec{Containers: []api.Container{{Name: "nginx", Image: "nginx:1.27"}}},
			},
		},
	}
}

// TestManagedFieldsInvariants runs random updates and applies by several
// managers over one Deployment, seed by seed, and checks after each write
// that every path a manager owns is in the object, that no entry is
// empty, that the entries are in upstream's order, and that the same seed
// gives the same managed fields.
func TestManagedFieldsInvariants(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		first := runManagers(t, seed)
		assert.Equal(t, first, runManagers(t, seed), "seed %d", seed)
	}
}

func runManagers(t *testing.T, seed uint64) []json.RawMessage {
	rng := rand.New(rand.NewPCG(seed, 7))
	s := newServer()
	restore := s.SetFieldManager("creator")
	obj, err := s.Create(deployments, "default", deployment("web", 1))
	restore()
	require.NoError(t, err)
	images := []string{"nginx:1.27", "nginx:1.28"}
	for step := range 30 {
		switch rng.IntN(3) {
		case 0, 1:
			d := api.Clone(obj.(*api.Deployment))
			switch rng.IntN(4) {
			case 0:
				d.Spec.Replicas = api.Ptr(int32(rng.IntN(4)))
			case 1:
				d.Labels = map[string]string{"app": "web"}
				if rng.IntN(2) == 0 {
					d.Labels["tier"] = "front"
				}
			case 2:
				c := &d.Spec.Template.Spec.Containers[0]
				c.Image = images[rng.IntN(2)]
			case 3:
				cs := d.Spec.Template.Spec.Containers[:1]
				if len(d.Spec.Template.Spec.Containers) == 1 {
					cs = append(cs, api.Container{Name: "sidecar", Image: "busybox", Env: []api.EnvVar{{Name: "A", Value: "1"}}})
				}
				d.Spec.Template.Spec.Containers = cs
			}
			restore := s.SetFieldManager([]string{"a", "b"}[rng.IntN(2)])
			obj, err = s.Update(deployments, d)
			restore()
			require.NoError(t, err)
		case 2:
			cfg := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "web"}}
			spec := map[string]any{}
			if rng.IntN(2) == 0 {
				spec["replicas"] = rng.IntN(4)
			}
			if rng.IntN(2) == 0 {
				spec["template"] = map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "nginx", "image": images[rng.IntN(2)]}}}}
			}
			if rng.IntN(2) == 0 {
				cfg["metadata"].(map[string]any)["labels"] = map[string]any{"owner": "x"}
			}
			cfg["spec"] = spec
			data, _ := json.Marshal(cfg)
			out, err := s.Apply(deployments, "default", "web", data, ApplyOptions{FieldManager: []string{"x", "y"}[rng.IntN(2)], Force: rng.IntN(2) == 0})
			if err != nil {
				// A conflict, or a removed field the object needs.
				require.True(t, IsConflict(err) || ReasonOf(err) == "Invalid", "seed %d step %d: %v", seed, step, err)
				continue
			}
			obj = out
			// What was applied is what the object has.
			d := out.(*api.Deployment)
			if r, ok := spec["replicas"]; ok {
				assert.Equal(t, int32(r.(int)), *d.Spec.Replicas)
			}
			if tmpl, ok := spec["template"].(map[string]any); ok {
				c := tmpl["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
				assert.Equal(t, c["image"], d.Spec.Template.Spec.Containers[0].Image)
			}
		}
		checkManaged(t, obj, fmt.Sprintf("seed %d step %d", seed, step))
	}
	return obj.GetObjectMeta().ManagedFields
}

func checkManaged(t *testing.T, obj api.Object, at string) {
	t.Helper()
	doc := objectJSON(obj)
	sh := shapeOf(reflect.TypeOf(obj))
	entries := decodeManaged(obj.GetObjectMeta().ManagedFields)
	for i, e := range entries {
		require.False(t, e.set.empty(), "%s: %s owns nothing", at, e.Manager)
		for _, p := range e.set.paths() {
			assert.True(t, pathIn(doc, p, sh), "%s: %s owns %s, which the object does not have", at, e.Manager, pathString(p))
		}
		if i > 0 {
			p := entries[i-1]
			assert.True(t, p.Operation < e.Operation || (p.Operation == e.Operation && (p.Time.Unix() < e.Time.Unix() || p.Time.Unix() == e.Time.Unix() && p.Manager < e.Manager)),
				"%s: %s before %s", at, p.Manager, e.Manager)
		}
	}
}

// pathIn reports whether a managed path names something in doc.
func pathIn(v any, path []string, sh shape) bool {
	if len(path) == 0 {
		return true
	}
	pe := path[0]
	switch v := v.(type) {
	case map[string]any:
		c, ok := v[strings.TrimPrefix(pe, "f:")]
		return ok && strings.HasPrefix(pe, "f:") && pathIn(c, path[1:], sh.field(pe[2:]))
	case []any:
		for _, it := range v {
			if sh.itemElement(it) == pe {
				return pathIn(it, path[1:], sh.item())
			}
		}
	}
	return false
}

// TestNoChangeIsNoWrite: a patch that changes nothing writes nothing, even
// though the patch round trip reorders the managed fields' keys.
func TestNoChangeIsNoWrite(t *testing.T) {
	s := newServer()
	restore := s.SetFieldManager("creator")
	obj, err := s.Create(deployments, "default", deployment("web", 1))
	restore()
	require.NoError(t, err)
	defer s.SetFieldManager("kubectl-patch")()
	out, err := s.Patch(deployments, "default", "web", patch.Merge, []byte(`{"spec":{"replicas":1}}`), false)
	require.NoError(t, err)
	assert.Equal(t, obj.GetObjectMeta().ResourceVersion, out.GetObjectMeta().ResourceVersion)
}

// TestRequestManagedFields: a write may set managedFields; an empty list
// resets them, and the write's own fields are recorded on top.
func TestRequestManagedFields(t *testing.T) {
	s := newServer()
	restore := s.SetFieldManager("creator")
	obj, err := s.Create(deployments, "default", deployment("web", 1))
	restore()
	require.NoError(t, err)
	d := api.Clone(obj.(*api.Deployment))
	d.ManagedFields = []json.RawMessage{}
	d.Spec.Replicas = api.Ptr(int32(2))
	defer s.SetFieldManager("resetter")()
	obj, err = s.Update(deployments, d)
	require.NoError(t, err)
	entries := decodeManaged(obj.GetObjectMeta().ManagedFields)
	require.Len(t, entries, 1)
	assert.Equal(t, "resetter", entries[0].Manager)
	assert.JSONEq(t, `{"f:spec":{"f:replicas":{}}}`, fieldsOf(t, obj, "resetter", OperationUpdate))
}

// A create's manager owns what the request set and defaulting filled in,
// not what the mutating admission plugins added afterwards (the service
// account's token volume and mounts, DefaultTolerationSeconds'
// tolerations, the priority): kube-apiserver records managed fields
// before mutating admission.
func TestCreateManagesNothingAdmissionAdds(t *testing.T) {
	s := newServer()
	restore := s.SetFieldManager("kubectl-run")
	obj, err := s.Create(pods, "default", busybox("p"))
	restore()
	require.NoError(t, err)
	p := obj.(*api.Pod)
	require.NotEmpty(t, p.Spec.Volumes, "the token volume is mounted")
	require.NotEmpty(t, p.Spec.Tolerations, "the default tolerations are added")
	f := fieldsOf(t, obj, "kubectl-run", OperationUpdate)
	assert.Contains(t, f, `"f:dnsPolicy":{}`, "defaults are the request's")
	assert.Contains(t, f, `"f:terminationMessagePath":{}`)
	for _, added := range []string{"f:volumes", "f:volumeMounts", "f:tolerations", "f:priority", "f:serviceAccountName"} {
		assert.NotContains(t, f, `"`+added+`"`)
	}
}

func TestFieldManagerOf(t *testing.T) {
	long := strings.Repeat("a", 130)
	tests := []struct {
		userAgent, want string
	}{
		{"kubectl/v1.34.0 (linux/amd64) kubernetes/abc", "kubectl"},
		{"kubelet", "kubelet"},
		{"kube controller", "kube controller"},
		{"", ""},
		{"tab\there/x", "tabhere"},
		{"caf\u00e9/1", "caf\u00e9"},
		{"bell\x07", "bell"},
		{long[:128], long[:128]},
		{long, long[:128]},
	}
	for _, tt := range tests {
		t.Run(tt.userAgent, func(t *testing.T) {
			assert.Equal(t, tt.want, FieldManagerOf(tt.userAgent))
		})
	}
}
