package apiserver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

var (
	serviceAccounts = resourceOf("serviceaccounts")
	priorityClasses = resourceOf("priorityclasses")
)

func TestServiceAccountAdmission(t *testing.T) {
	s := newServer()
	_, err := s.Create(serviceAccounts, "default", &api.ServiceAccount{
		ObjectMeta:                   api.ObjectMeta{Name: "quiet"},
		AutomountServiceAccountToken: api.Ptr(false),
	})
	require.NoError(t, err)

	tests := []struct {
		name    string
		edit    func(*api.Pod)
		mounted bool
		err     string
	}{
		{name: "default account, token mounted", mounted: true},
		{name: "account that opts out", edit: func(p *api.Pod) { p.Spec.ServiceAccountName = "quiet" }},
		{name: "pod opts back in", mounted: true, edit: func(p *api.Pod) {
			p.Spec.ServiceAccountName = "quiet"
			p.Spec.AutomountServiceAccountToken = api.Ptr(true)
		}},
		{name: "pod opts out", edit: func(p *api.Pod) { p.Spec.AutomountServiceAccountToken = api.Ptr(false) }},
		{name: "missing account", edit: func(p *api.Pod) { p.Spec.ServiceAccountName = "ghost" },
			err: `pods "p" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found`},
		{name: "mirror pod is left alone", edit: func(p *api.Pod) {
			p.Annotations = map[string]string{MirrorPodAnnotation: "x"}
			p.Spec.ServiceAccountName = "ghost"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := busybox("p")
			p.Spec.InitContainers = []api.Container{{Name: "init", Image: "busybox"}}
			if tt.edit != nil {
				tt.edit(p)
			}
			obj, err := s.Create(pods, "default", p)
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			defer s.Delete(pods, "default", "p", DeleteOptions{GracePeriodSeconds: api.Ptr(int64(0))})
			got := obj.(*api.Pod)
			if !tt.mounted {
				assert.Empty(t, got.Spec.Volumes)
				assert.Empty(t, got.Spec.Containers[0].VolumeMounts)
				return
			}
			require.Len(t, got.Spec.Volumes, 1)
			v := got.Spec.Volumes[0]
			assert.Regexp(t, `^kube-api-access-[a-z0-9]{5}$`, v.Name)
			require.NotNil(t, v.Projected)
			require.Len(t, v.Projected.Sources, 3)
			assert.Equal(t, int64(3607), *v.Projected.Sources[0].ServiceAccountToken.ExpirationSeconds)
			assert.Equal(t, "kube-root-ca.crt", v.Projected.Sources[1].ConfigMap.Name)
			assert.Equal(t, "metadata.namespace", v.Projected.Sources[2].DownwardAPI.Items[0].FieldRef.FieldPath)
			want := []api.VolumeMount{{Name: v.Name, ReadOnly: true, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"}}
			assert.Equal(t, want, got.Spec.Containers[0].VolumeMounts)
			assert.Equal(t, want, got.Spec.InitContainers[0].VolumeMounts)
			assert.Equal(t, got.Spec.ServiceAccountName, got.Spec.DeprecatedServiceAccount)
			assert.Same(t, kubeAPIAccess, v.Projected, "every pod shares the volume's source")
			assert.NotSame(t, kubeAPIAccess, api.Clone(got).Spec.Volumes[0].Projected, "a clone has its own to change")
		})
	}
}

func TestPriorityAdmission(t *testing.T) {
	s := newServer()
	_, err := s.Create(priorityClasses, "", &api.PriorityClass{
		ObjectMeta: api.ObjectMeta{Name: "high"}, Value: 1000, PreemptionPolicy: api.Ptr("Never"),
	})
	require.NoError(t, err)

	tests := []struct {
		name     string
		class    string
		priority *int32
		want     int32
		policy   string
		err      string
	}{
		{name: "no class", want: 0, policy: "PreemptLowerPriority"},
		{name: "system class", class: "system-node-critical", want: 2000001000, policy: "PreemptLowerPriority"},
		{name: "user class", class: "high", want: 1000, policy: "Never"},
		{name: "matching priority given", class: "high", priority: api.Ptr(int32(1000)), want: 1000, policy: "Never"},
		{name: "missing class", class: "nope", err: `pods "p" is forbidden: no PriorityClass with name nope was found`},
		{name: "conflicting priority", class: "high", priority: api.Ptr(int32(7)),
			err: `pods "p" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := busybox("p")
			p.Spec.PriorityClassName, p.Spec.Priority = tt.class, tt.priority
			obj, err := s.Create(pods, "default", p)
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			defer s.Delete(pods, "default", "p", DeleteOptions{GracePeriodSeconds: api.Ptr(int64(0))})
			got := obj.(*api.Pod)
			assert.Equal(t, tt.want, *got.Spec.Priority)
			assert.Equal(t, tt.policy, *got.Spec.PreemptionPolicy)
		})
	}
}

func TestGlobalDefaultPriorityClass(t *testing.T) {
	s := newServer()
	_, err := s.Create(priorityClasses, "", &api.PriorityClass{ObjectMeta: api.ObjectMeta{Name: "normal"}, Value: 10, GlobalDefault: true})
	require.NoError(t, err)
	_, err = s.Create(priorityClasses, "", &api.PriorityClass{ObjectMeta: api.ObjectMeta{Name: "other"}, Value: 20, GlobalDefault: true})
	require.EqualError(t, err, `priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass normal is already marked as default. Only one default can exist`)

	obj, err := s.Create(pods, "default", busybox("p"))
	require.NoError(t, err)
	assert.Equal(t, "normal", obj.(*api.Pod).Spec.PriorityClassName)
	assert.Equal(t, int32(10), *obj.(*api.Pod).Spec.Priority)
}
