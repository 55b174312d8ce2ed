package api

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeManifests decodes every document of a testdata manifest strictly, as
// the API server does, so that a field the generated types lack fails here.
func decodeManifests(t *testing.T, file string) []Object {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "manifests", file))
	require.NoError(t, err)
	docs, err := SplitYAML(data)
	require.NoError(t, err)
	require.NotEmpty(t, docs)
	out := make([]Object, len(docs))
	for i, d := range docs {
		out[i] = decodeStrict(t, d.JSON)
	}
	return out
}

func decodeStrict(t *testing.T, data []byte) Object {
	t.Helper()
	tm, err := TypeOf(data)
	require.NoError(t, err)
	r, err := LookupKind(tm.APIVersion, tm.Kind)
	require.NoError(t, err)
	obj, err := DecodeInto(r, data)
	require.NoError(t, err, string(data))
	return obj
}

func TestManifestsRoundTrip(t *testing.T) {
	tests := []struct {
		file  string
		kinds []string // Go types, in document order
	}{
		{"deployment.yaml", []string{"*api.Deployment"}},
		{"pod.yaml", []string{"*api.Pod"}},
		{"service.yaml", []string{"*api.Service"}},
		{"statefulset.yaml", []string{"*api.StatefulSet"}},
		{"cronjob.yaml", []string{"*api.CronJob"}},
		{"hpa-v2.yaml", []string{"*api.HorizontalPodAutoscaler"}},
		{"hpa-v1.yaml", []string{"*api.AutoscalingV1HorizontalPodAutoscaler"}},
		{"ingress.yaml", []string{"*api.Ingress"}},
		{"networkpolicy.yaml", []string{"*api.NetworkPolicy", "*api.NetworkPolicy"}},
		{"endpointslice.yaml", []string{"*api.EndpointSlice"}},
		{"event.yaml", []string{"*api.EventsV1Event"}},
		{"core-event.yaml", []string{"*api.Event"}},
		{"pdb.yaml", []string{"*api.PodDisruptionBudget"}},
		{"misc.yaml", []string{
			"*api.StorageClass", "*api.PriorityClass", "*api.Lease", "*api.LimitRange",
			"*api.ResourceQuota", "*api.Secret", "*api.ConfigMap", "*api.PersistentVolume",
			"*api.PersistentVolumeClaim", "*api.ControllerRevision", "*api.ReplicationController",
			"*api.IngressClass", "*api.Node",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			objs := decodeManifests(t, tt.file)
			require.Len(t, objs, len(tt.kinds))
			for i, obj := range objs {
				assert.Equal(t, tt.kinds[i], reflect.TypeOf(obj).String())
				first, err := json.Marshal(obj)
				require.NoError(t, err)
				again := decodeStrict(t, first)
				assert.Equal(t, obj, again)
				second, err := json.Marshal(again)
				require.NoError(t, err)
				assert.JSONEq(t, string(first), string(second))
			}
		})
	}
}

// TestManifestValues spot-checks fields whose Go types are special: mirrors
// with their own JSON forms, named maps, raw JSON, int-or-string.
func TestManifestValues(t *testing.T) {
	pod := decodeManifests(t, "pod.yaml")[0].(*Pod)
	c := pod.Spec.Containers[0]
	assert.Equal(t, "250m", c.Resources.Requests["cpu"].String())
	assert.Equal(t, "1m", c.Env[1].ValueFrom.ResourceFieldRef.Divisor.String())
	assert.Equal(t, RestartAlways, *pod.Spec.InitContainers[0].RestartPolicy)
	assert.Equal(t, int64(5), c.Lifecycle.PreStop.Sleep.Seconds)
	assert.Equal(t, NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)), pod.CreationTimestamp)

	d := decodeManifests(t, "deployment.yaml")[0].(*Deployment)
	assert.Equal(t, FromString("25%"), *d.Spec.Strategy.RollingUpdate.MaxSurge)
	assert.Equal(t, FromString("http"), d.Spec.Template.Spec.Containers[0].ReadinessProbe.HTTPGet.Port)

	ev := decodeManifests(t, "event.yaml")[0].(*EventsV1Event)
	assert.Equal(t, 123456000, ev.EventTime.Nanosecond())
	assert.Equal(t, int32(2), ev.Series.Count)

	misc := decodeManifests(t, "misc.yaml")
	cr := misc[9].(*ControllerRevision)
	assert.JSONEq(t, `{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.25"}]}}}}`, string(cr.Data))
	cm := misc[6].(*ConfigMap)
	assert.Equal(t, []byte{0, 1, 2}, cm.BinaryData["blob"])
}

func TestDurationJSON(t *testing.T) {
	tests := []struct {
		json string
		d    time.Duration
	}{
		{`"1h30m0s"`, 90 * time.Minute},
		{`"0s"`, 0},
		{`"1.5s"`, 1500 * time.Millisecond},
	}
	for _, tt := range tests {
		var d Duration
		require.NoError(t, json.Unmarshal([]byte(tt.json), &d), tt.json)
		assert.Equal(t, tt.d, d.Duration)
		out, err := json.Marshal(d)
		require.NoError(t, err)
		assert.Equal(t, tt.json, string(out))
	}
	var d Duration
	assert.Error(t, json.Unmarshal([]byte(`"soon"`), &d))
	assert.Error(t, json.Unmarshal([]byte(`90`), &d))
}

// fullPod returns a pod with every field set, however deep: each pointer
// points somewhere, each slice and map has two elements.
func fullPod() *Pod {
	p := &Pod{}
	fill(reflect.ValueOf(p).Elem(), 0)
	return p
}

var (
	timeType        = reflect.TypeFor[Time]()
	microTimeType   = reflect.TypeFor[MicroTime]()
	quantityType    = reflect.TypeFor[Quantity]()
	intOrStringType = reflect.TypeFor[IntOrString]()
	durationType    = reflect.TypeFor[Duration]()
)

// fill sets every exported field reachable from v to a non-zero value.
// Types with their own JSON forms get valid values of those forms.
func fill(v reflect.Value, depth int) {
	if depth > 20 {
		return
	}
	switch v.Type() {
	case timeType:
		v.Set(reflect.ValueOf(NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))))
		return
	case microTimeType:
		v.Set(reflect.ValueOf(MicroTime{time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)}))
		return
	case quantityType:
		v.Set(reflect.ValueOf(MustParse("1500m")))
		return
	case intOrStringType:
		v.Set(reflect.ValueOf(FromString("25%")))
		return
	case durationType:
		v.Set(reflect.ValueOf(Duration{90 * time.Second}))
		return
	case rawMessageType:
		v.Set(reflect.ValueOf(json.RawMessage(`{"a":1}`)))
		return
	}
	fillKind(v, depth)
}

func fillKind(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for _, k := range []string{"k0", "k1"} {
			e := reflect.New(v.Type().Elem()).Elem()
			fill(e, depth+1)
			v.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
		}
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	}
}

// assertNoAlias fails if a and b, equal values, share any memory a write
// through one could reach: a pointer, a slice's array or a map.
func assertNoAlias(t *testing.T, a, b reflect.Value, path string) {
	t.Helper()
	if a.Type() == reflect.TypeFor[time.Time]() {
		return // its *Location is shared by design and never written
	}
	switch a.Kind() {
	case reflect.Pointer:
		// Go may give every zero-size allocation the same address.
		if !a.IsNil() && a.Type().Elem().Size() > 0 {
			assert.NotEqual(t, a.Pointer(), b.Pointer(), "%s shares a pointer", path)
			assertNoAlias(t, a.Elem(), b.Elem(), path)
		}
	case reflect.Slice:
		if a.Len() > 0 && a.Type().Elem().Size() > 0 {
			assert.NotEqual(t, a.Pointer(), b.Pointer(), "%s shares a slice", path)
		}
		for i := range a.Len() {
			assertNoAlias(t, a.Index(i), b.Index(i), path+"[]")
		}
	case reflect.Map:
		if !a.IsNil() {
			assert.NotEqual(t, a.Pointer(), b.Pointer(), "%s shares a map", path)
		}
		for _, k := range a.MapKeys() {
			assertNoAlias(t, a.MapIndex(k), b.MapIndex(k), path+"[k]")
		}
	case reflect.Struct:
		for i := range a.NumField() {
			assertNoAlias(t, a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name)
		}
	}
}

func TestDeepCopyEveryKind(t *testing.T) {
	objs := []Object{&Binding{}, &Eviction{}, &Scale{}}
	for _, r := range Resources {
		objs = append(objs, r.New())
	}
	for _, obj := range objs {
		t.Run(reflect.TypeOf(obj).Elem().Name(), func(t *testing.T) {
			fill(reflect.ValueOf(obj).Elem(), 0)
			cp := obj.(interface{ DeepCopyObject() Object }).DeepCopyObject()
			require.Equal(t, obj, cp)
			assertNoAlias(t, reflect.ValueOf(obj), reflect.ValueOf(cp), "")
		})
	}
}

func TestDeepCopyIndependence(t *testing.T) {
	orig := fullPod()
	before, err := json.Marshal(orig)
	require.NoError(t, err)
	cp := orig.DeepCopy()
	require.Equal(t, orig, cp)

	mutations := []struct {
		name   string
		mutate func(p *Pod)
	}{
		{"label", func(p *Pod) { p.Labels["k0"] = "changed" }},
		{"owner controller", func(p *Pod) { *p.OwnerReferences[0].Controller = false }},
		{"deletion time", func(p *Pod) { p.DeletionTimestamp.Time = time.Time{} }},
		{"managed fields", func(p *Pod) { p.ManagedFields[0][1] = 'X' }},
		{"finalizers", func(p *Pod) { p.Finalizers[1] = "changed" }},
		{"container env", func(p *Pod) { p.Spec.Containers[0].Env[1].ValueFrom.ConfigMapKeyRef.Key = "changed" }},
		{"resource limit", func(p *Pod) { p.Spec.Containers[1].Resources.Limits["k0"] = MustParse("9") }},
		{"security context", func(p *Pod) { *p.Spec.Containers[0].SecurityContext.RunAsUser = 99 }},
		{"probe port", func(p *Pod) { p.Spec.Containers[0].LivenessProbe.HTTPGet.Port = FromInt(1) }},
		{"projected item", func(p *Pod) { p.Spec.Volumes[1].Projected.Sources[0].ConfigMap.Items[0].Path = "changed" }},
		{"affinity", func(p *Pod) {
			p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0].Values[0] = "changed"
		}},
		{"label selector", func(p *Pod) { p.Spec.TopologySpreadConstraints[0].LabelSelector.MatchLabels["k1"] = "changed" }},
		{"overhead", func(p *Pod) { delete(p.Spec.Overhead, "k0") }},
		{"node selector", func(p *Pod) { p.Spec.NodeSelector["new"] = "y" }},
		{"status", func(p *Pod) { p.Status.ContainerStatuses[0].State.Terminated.ExitCode = 1 }},
		{"start time", func(p *Pod) { *p.Status.StartTime = NewTime(time.Unix(0, 0)) }},
		{"ephemeral", func(p *Pod) { p.Spec.EphemeralContainers[0].Command[0] = "changed" }},
	}
	for _, m := range mutations {
		m.mutate(cp)
	}
	after, err := json.Marshal(orig)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after))
	assert.NotEqual(t, orig, cp)
}

func TestDeepCopyNil(t *testing.T) {
	var p *Pod
	assert.Nil(t, p.DeepCopy())
	assert.Nil(t, p.DeepCopyObject())
	var rl ResourceList
	assert.Nil(t, rl.DeepCopy())
	var meta *ObjectMeta
	assert.Nil(t, meta.DeepCopy())
}

func TestClone(t *testing.T) {
	pod := fullPod()
	var obj Object = pod
	tests := []struct {
		name string
		in   any
		copy func() any
	}{
		{"interface holding a pod", obj, func() any { return Clone(obj) }},
		{"pointer to a root kind", pod, func() any { return Clone(pod) }},
		{"pointer to a generated type", &pod.Spec.Containers[0], func() any { return Clone(&pod.Spec.Containers[0]) }},
		{"pointer to a hand-written mirror", &pod.ObjectMeta, func() any { return Clone(&pod.ObjectMeta) }},
		{"struct value", pod.Spec, func() any { return Clone(pod.Spec) }},
		{"named map", pod.Spec.Overhead, func() any { return Clone(pod.Spec.Overhead) }},
		{"plain map, through JSON", pod.Labels, func() any { return Clone(pod.Labels) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tt.copy()
			assert.Equal(t, tt.in, out)
			assert.IsType(t, tt.in, out)
			assertNoAlias(t, reflect.ValueOf(tt.in), reflect.ValueOf(out), "")
		})
	}
}

func TestCloneInterfaceIsIndependent(t *testing.T) {
	var obj Object = fullPod()
	cp := Clone(obj)
	require.IsType(t, &Pod{}, cp)
	assert.NotSame(t, obj, cp)
	cp.GetObjectMeta().Labels["k0"] = "changed"
	cp.(*Pod).Spec.Containers[0].Image = "changed"
	assert.Equal(t, "x", obj.GetObjectMeta().Labels["k0"])
	assert.Equal(t, "x", obj.(*Pod).Spec.Containers[0].Image)
}

func TestCloneNil(t *testing.T) {
	var obj Object
	assert.Nil(t, Clone(obj))
	var p *Pod
	assert.Nil(t, Clone(p))
	var tmpl *PodTemplateSpec
	assert.Nil(t, Clone(tmpl))
}
