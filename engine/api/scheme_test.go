package api

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResourcesAreConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Resources {
		key := r.APIVersion() + "/" + r.Resource
		assert.False(t, seen[key], "%s listed twice", key)
		seen[key] = true
		obj := r.New()
		assert.Same(t, r, ResourceFor(obj), key)
		got, err := LookupKind(r.APIVersion(), r.Kind)
		require.NoError(t, err, key)
		assert.Same(t, r, got, key)
		_, isRoot := obj.(interface{ DeepCopyObject() Object })
		assert.True(t, isRoot, "%s has no DeepCopyObject", key)
	}
}

func TestLookupResource(t *testing.T) {
	tests := []struct {
		name, apiVersion, resource, goType string
	}{
		{"hpa", "autoscaling/v2", "horizontalpodautoscalers", "*api.HorizontalPodAutoscaler"},
		{"horizontalpodautoscalers.v1.autoscaling", "autoscaling/v1", "horizontalpodautoscalers", "*api.AutoscalingV1HorizontalPodAutoscaler"},
		{"ev", "v1", "events", "*api.Event"},
		{"events", "v1", "events", "*api.Event"},
		{"events.events.k8s.io", "events.k8s.io/v1", "events", "*api.EventsV1Event"},
		{"po", "v1", "pods", "*api.Pod"},
		{"deploy", "apps/v1", "deployments", "*api.Deployment"},
		{"sts", "apps/v1", "statefulsets", "*api.StatefulSet"},
		{"cj", "batch/v1", "cronjobs", "*api.CronJob"},
		{"job", "batch/v1", "jobs", "*api.Job"},
		{"ing", "networking.k8s.io/v1", "ingresses", "*api.Ingress"},
		{"netpol", "networking.k8s.io/v1", "networkpolicies", "*api.NetworkPolicy"},
		{"networkpolicy.networking.k8s.io", "networking.k8s.io/v1", "networkpolicies", "*api.NetworkPolicy"},
		{"pvc", "v1", "persistentvolumeclaims", "*api.PersistentVolumeClaim"},
		{"pv", "v1", "persistentvolumes", "*api.PersistentVolume"},
		{"sc", "storage.k8s.io/v1", "storageclasses", "*api.StorageClass"},
		{"pc", "scheduling.k8s.io/v1", "priorityclasses", "*api.PriorityClass"},
		{"pdb", "policy/v1", "poddisruptionbudgets", "*api.PodDisruptionBudget"},
		{"rc", "v1", "replicationcontrollers", "*api.ReplicationController"},
		{"ep", "v1", "endpoints", "*api.Endpoints"},
		{"limits", "v1", "limitranges", "*api.LimitRange"},
		{"quota", "v1", "resourcequotas", "*api.ResourceQuota"},
		{"endpointslice", "discovery.k8s.io/v1", "endpointslices", "*api.EndpointSlice"},
		{"ControllerRevision", "apps/v1", "controllerrevisions", "*api.ControllerRevision"},
	}
	for _, tt := range tests {
		r, ok := LookupResource(tt.name)
		require.True(t, ok, tt.name)
		assert.Equal(t, tt.apiVersion, r.APIVersion(), tt.name)
		assert.Equal(t, tt.resource, r.Resource, tt.name)
		assert.Equal(t, tt.goType, reflect.TypeOf(r.New()).String(), tt.name)
	}
}

// TestLookupResourceAsTheScan: the index finds for every name, in any
// case, with and without its group, the resource the plain scan of
// Resources finds.
func TestLookupResourceAsTheScan(t *testing.T) {
	scan := func(name string) *ResourceInfo {
		name = strings.ToLower(name)
		base, group, _ := strings.Cut(name, ".")
		for _, r := range Resources {
			if group != "" && group != r.Group && group != r.Version+"."+r.Group {
				continue
			}
			if base == r.Resource || base == r.Singular || base == strings.ToLower(r.Kind) || slices.Contains(r.ShortNames, base) {
				return r
			}
		}
		return nil
	}
	var names []string
	for _, r := range Resources {
		for _, n := range append([]string{r.Resource, r.Singular, r.Kind, "nothing"}, r.ShortNames...) {
			names = append(names, n, strings.ToUpper(n), n+"."+r.Group, n+"."+r.Version+"."+r.Group, n+".other")
		}
	}
	for _, n := range names {
		r, ok := LookupResource(n)
		want := scan(n)
		assert.Equal(t, want != nil, ok, n)
		assert.Same(t, want, r, n)
	}
}

func TestSubresourceKindsAreNotResources(t *testing.T) {
	for _, kind := range []string{"Binding", "Eviction", "Scale"} {
		for _, r := range Resources {
			assert.NotEqual(t, kind, r.Kind)
		}
	}
	_, err := LookupKind("policy/v1", "Eviction")
	assert.Error(t, err)
}

func TestLookupKindExactVersion(t *testing.T) {
	v1, err := LookupKind("autoscaling/v1", "HorizontalPodAutoscaler")
	require.NoError(t, err)
	assert.Equal(t, "v1", v1.Version)
	v2, err := LookupKind("autoscaling/v2", "HorizontalPodAutoscaler")
	require.NoError(t, err)
	assert.Equal(t, "v2", v2.Version)
	_, err = LookupKind("autoscaling/v2beta2", "HorizontalPodAutoscaler")
	assert.EqualError(t, err, `no matches for kind "HorizontalPodAutoscaler" in version "autoscaling/v2beta2"`)
}
