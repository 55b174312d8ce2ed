package statefulset

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

func TestParentAndOrdinal(t *testing.T) {
	tests := []struct {
		name   string
		parent string
		ord    int
	}{
		{"web-0", "web", 0},
		{"web-12", "web", 12},
		{"my-web-3", "my-web", 3},
		{"web", "", -1},
		{"web-", "", -1},
		{"web-x", "", -1},
		{"web-99999999999", "web", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent, ord := parentAndOrdinal(&api.Pod{ObjectMeta: api.ObjectMeta{Name: tt.name}})
			assert.Equal(t, tt.parent, parent)
			assert.Equal(t, tt.ord, ord)
		})
	}
}

func TestNames(t *testing.T) {
	set := statefulSet("web", 3)
	assert.Equal(t, "web-2", PodName(set, 2))
	assert.Equal(t, "data-web-2", ClaimName(set, &set.Spec.VolumeClaimTemplates[0], 2))
}

func TestOrdinalRange(t *testing.T) {
	tests := []struct {
		start, replicas int32
		in, out         []string
	}{
		{0, 3, []string{"web-0", "web-2"}, []string{"web-3", "web-10"}},
		{5, 2, []string{"web-5", "web-6"}, []string{"web-0", "web-4", "web-7"}},
		{0, 0, nil, []string{"web-0"}},
	}
	for _, tt := range tests {
		set := statefulSet("web", tt.replicas, func(s *api.StatefulSet) { s.Spec.Ordinals = &api.StatefulSetOrdinals{Start: tt.start} })
		for _, n := range tt.in {
			assert.True(t, inOrdinalRange(&api.Pod{ObjectMeta: api.ObjectMeta{Name: n}}, set), n)
		}
		for _, n := range tt.out {
			assert.False(t, inOrdinalRange(&api.Pod{ObjectMeta: api.ObjectMeta{Name: n}}, set), n)
		}
	}
}

func TestNewPod(t *testing.T) {
	set := statefulSet("web", 3, func(s *api.StatefulSet) {
		s.Namespace = "shop"
		s.UID = "uid-1"
		s.Spec.Selector.MatchLabels["tier"] = "db"
		s.Spec.Template.Labels["tier"] = "db"
		s.Spec.Template.Spec.Volumes = []api.Volume{{Name: "config"}}
	})
	p := newPod(set, 4)
	assert.Equal(t, "web-4", p.Name)
	assert.Equal(t, "web-", p.GenerateName)
	assert.Equal(t, "shop", p.Namespace)
	assert.Equal(t, "web-4", p.Spec.Hostname)
	assert.Equal(t, "web", p.Spec.Subdomain)
	assert.Equal(t, map[string]string{"app": "web", "tier": "db", PodNameLabel: "web-4", PodIndexLabel: "4"}, p.Labels)
	assert.Equal(t, []api.Volume{
		{Name: "data", VolumeSource: api.VolumeSource{PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: "data-web-4"}}},
		{Name: "config"},
	}, p.Spec.Volumes)
	assert.Equal(t, "uid-1", p.OwnerReferences[0].UID)
	assert.True(t, identityMatches(set, p))
	assert.True(t, storageMatches(set, p))
	assert.Empty(t, set.Spec.Template.Labels[PodNameLabel], "the template is not changed")

	claims := claimsFor(set, p)
	assert.Equal(t, "data-web-4", claims[0].Name)
	assert.Equal(t, map[string]string{"app": "web", "tier": "db"}, claims[0].Labels)
}

func TestIdentityAndStorageMismatch(t *testing.T) {
	set := statefulSet("web", 3)
	tests := []struct {
		name     string
		mutate   func(*api.Pod)
		identity bool
		storage  bool
	}{
		{"as made", func(*api.Pod) {}, true, true},
		{"label lost", func(p *api.Pod) { delete(p.Labels, PodNameLabel) }, false, true},
		{"other namespace", func(p *api.Pod) { p.Namespace = "other" }, false, true},
		{"claim renamed", func(p *api.Pod) { p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName = "x" }, true, false},
		{"volume gone", func(p *api.Pod) { p.Spec.Volumes = nil }, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPod(set, 1)
			tt.mutate(p)
			assert.Equal(t, tt.identity, identityMatches(set, p))
			assert.Equal(t, tt.storage, storageMatches(set, p))
			updateIdentity(set, p)
			updateStorage(set, p)
			assert.True(t, storageMatches(set, p))
		})
	}
}

func TestNewVersionedPodHonoursPartition(t *testing.T) {
	current := statefulSet("web", 5)
	current.Spec.UpdateStrategy = api.StatefulSetUpdateStrategy{Type: "RollingUpdate", RollingUpdate: &api.RollingUpdateStatefulSetStrategy{Partition: api.Ptr(int32(3))}}
	update := api.Clone(current)
	update.Spec.Template.Spec.Containers[0].Image = "busybox:1.37"
	for ord, want := range []string{"old", "old", "old", "new", "new"} {
		p := newVersionedPod(current, update, "old", "new", ord)
		assert.Equal(t, want, revisionOf(p), "ordinal %d", ord)
		if want == "new" {
			assert.Equal(t, "busybox:1.37", p.Spec.Containers[0].Image)
		}
	}
	current.Spec.UpdateStrategy = api.StatefulSetUpdateStrategy{Type: "OnDelete"}
	assert.Equal(t, "new", revisionOf(newVersionedPod(current, update, "old", "new", 0)), "OnDelete makes pods at the update revision")
}

func TestMaxUnavailable(t *testing.T) {
	tests := []struct {
		v        *api.IntOrString
		replicas int
		want     int
	}{
		{nil, 5, 1},
		{api.Ptr(api.FromInt(3)), 5, 3},
		{api.Ptr(api.FromString("50%")), 5, 2},
		{api.Ptr(api.FromString("10%")), 5, 1},
		{api.Ptr(api.FromString("100%")), 4, 4},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, maxUnavailableOf(tt.v, tt.replicas))
	}
}
