package apiserver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/patch"
)

func webDeployment() *api.Deployment {
	labels := map[string]string{"app": "web"}
	return &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: "web"},
		Spec: api.DeploymentSpec{
			Replicas: api.Ptr(int32(2)),
			Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels}, Spec: api.PodSpec{Containers: []api.Container{{Name: "web", Image: "busybox"}}}},
		},
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	s := newServer()
	rev := s.Store().Revision()
	out, err := s.CreateDryRun(pods, "default", busybox("dry"))
	require.NoError(t, err)
	p := out.(*api.Pod)
	assert.Equal(t, "dry", p.Name)
	assert.NotEmpty(t, p.UID)
	assert.Equal(t, "ClusterFirst", p.Spec.DNSPolicy, "defaults apply")
	assert.Empty(t, p.ResourceVersion)
	assert.Equal(t, rev, s.Store().Revision())
	_, err = s.Get(pods, "default", "dry")
	assert.True(t, IsNotFound(err))

	_, err = s.CreateDryRun(pods, "nope", busybox("dry"))
	assert.EqualError(t, err, `namespaces "nope" not found`)

	_, err = s.Create(pods, "default", busybox("real"))
	require.NoError(t, err)
	_, err = s.CreateDryRun(pods, "default", busybox("real"))
	assert.EqualError(t, err, `pods "real" already exists`)
	rev = s.Store().Revision()
	_, err = s.Delete(pods, "default", "real", DeleteOptions{DryRun: true})
	require.NoError(t, err)
	_, err = s.Get(pods, "default", "real")
	require.NoError(t, err)
	assert.Equal(t, rev, s.Store().Revision())
}

func TestDryRunServiceKeepsNoAddress(t *testing.T) {
	s := newServer()
	svc := &api.Service{ObjectMeta: api.ObjectMeta{Name: "a"}, Spec: api.ServiceSpec{Ports: []api.ServicePort{{Port: 80}}}}
	dry, err := s.CreateDryRun(services, "default", api.Clone(svc))
	require.NoError(t, err)
	svc.Spec.ClusterIP = dry.(*api.Service).Spec.ClusterIP
	_, err = s.Create(services, "default", svc)
	require.NoError(t, err, "the dry run's address was given back")
}

func TestPatch(t *testing.T) {
	s := newServer()
	_, err := s.Create(deployments, "default", webDeployment())
	require.NoError(t, err)
	out, err := s.Patch(deployments, "default", "web", patch.Strategic, []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"busybox:1.37"}]}}}}`), false)
	require.NoError(t, err)
	d := out.(*api.Deployment)
	assert.Equal(t, "busybox:1.37", d.Spec.Template.Spec.Containers[0].Image)
	assert.Equal(t, int64(2), d.Generation)

	_, err = s.Patch(deployments, "default", "web", patch.Merge, []byte(`{"spec":{"replcas":3}}`), false)
	assert.EqualError(t, err, `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replcas"`)
	_, err = s.Patch(deployments, "default", "web", patch.JSON, []byte(`[{"op":"remove","path":"/spec/nothing"}]`), false)
	assert.EqualError(t, err, "the server rejected our request due to an error in our request")
	assert.Equal(t, "Invalid", ReasonOf(err))
	_, err = s.Patch(deployments, "default", "web", patch.JSON, []byte(`{}`), false)
	assert.EqualError(t, err, "json: cannot unmarshal object into Go value of type jsonpatch.Patch")

	out, err = s.Patch(deployments, "default", "web", patch.JSON, []byte(`[{"op":"replace","path":"/spec/replicas","value":5}]`), true)
	require.NoError(t, err)
	assert.Equal(t, int32(5), *out.(*api.Deployment).Spec.Replicas)
	cur, _ := s.Get(deployments, "default", "web")
	assert.Equal(t, int32(2), *cur.(*api.Deployment).Spec.Replicas, "a dry run stores nothing")
}

func TestScale(t *testing.T) {
	s := newServer()
	_, err := s.Create(deployments, "default", webDeployment())
	require.NoError(t, err)
	sc, err := s.GetScale(deployments, "default", "web")
	require.NoError(t, err)
	assert.Equal(t, int32(2), sc.Spec.Replicas)
	assert.Equal(t, "app=web", sc.Status.Selector)
	assert.Equal(t, "autoscaling/v1", sc.APIVersion)

	sc.Spec.Replicas = 4
	out, err := s.UpdateScale(deployments, "default", "web", sc, false)
	require.NoError(t, err)
	assert.Equal(t, int32(4), out.Spec.Replicas)
	assert.NotEqual(t, sc.ResourceVersion, out.ResourceVersion)

	_, err = s.UpdateScale(deployments, "default", "web", sc, false)
	assert.EqualError(t, err, `Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again`)
	_, err = s.UpdateScale(deployments, "default", "web", &api.Scale{Spec: api.ScaleSpec{Replicas: -1}}, false)
	assert.EqualError(t, err, `Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`)
	_, err = s.GetScale(pods, "default", "x")
	assert.EqualError(t, err, "the server could not find the requested resource")
	_, err = s.GetScale(deployments, "default", "nope")
	assert.EqualError(t, err, `deployments.apps "nope" not found`)
}

func TestPatchScale(t *testing.T) {
	tests := []struct {
		name     string
		pt       patch.Type
		body     string
		dryRun   bool
		replicas int32 // stored afterwards
		err      string
	}{
		{name: "merge patch", pt: patch.Merge, body: `{"spec":{"replicas":5}}`, replicas: 5},
		{name: "json patch", pt: patch.JSON, body: `[{"op":"replace","path":"/spec/replicas","value":0}]`, replicas: 0},
		{name: "dry run", pt: patch.Merge, body: `{"spec":{"replicas":7}}`, dryRun: true, replicas: 2},
		{name: "negative", pt: patch.Merge, body: `{"spec":{"replicas":-1}}`, replicas: 2,
			err: `Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`},
		{name: "stale resourceVersion", pt: patch.Merge, body: `{"metadata":{"resourceVersion":"1"},"spec":{"replicas":3}}`, replicas: 2,
			err: `Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer()
			_, err := s.Create(deployments, "default", webDeployment())
			require.NoError(t, err)
			out, err := s.PatchScale(deployments, "default", "web", tt.pt, []byte(tt.body), tt.dryRun)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
			} else {
				require.NoError(t, err)
				assert.Equal(t, "Scale", out.Kind)
			}
			cur, err := s.Get(deployments, "default", "web")
			require.NoError(t, err)
			assert.Equal(t, tt.replicas, *cur.(*api.Deployment).Spec.Replicas)
		})
	}
	_, err := newServer().PatchScale(pods, "default", "x", patch.Merge, []byte(`{}`), false)
	assert.EqualError(t, err, "the server could not find the requested resource")
}
