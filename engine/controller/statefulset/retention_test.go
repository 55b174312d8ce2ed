package statefulset

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// owners names a claim's owner references by kind.
func owners(c *api.PersistentVolumeClaim) []string {
	var out []string
	for _, r := range c.OwnerReferences {
		out = append(out, r.Kind+"/"+r.Name)
	}
	return out
}

func TestRetentionOwners(t *testing.T) {
	tests := []struct {
		whenScaled, whenDeleted string
		inRange, scaledDown     []string
	}{
		{"Retain", "Retain", nil, nil},
		{"Retain", "Delete", []string{"StatefulSet/web"}, []string{"StatefulSet/web"}},
		{"Delete", "Retain", nil, []string{"Pod/web-3"}},
		{"Delete", "Delete", []string{"StatefulSet/web"}, []string{"Pod/web-3"}},
	}
	for _, tt := range tests {
		t.Run(tt.whenScaled+"/"+tt.whenDeleted, func(t *testing.T) {
			set := statefulSet("web", 3, func(s *api.StatefulSet) {
				s.UID = "set"
				s.Spec.PersistentVolumeClaimRetentionPolicy = &api.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenScaled: tt.whenScaled, WhenDeleted: tt.whenDeleted}
			})
			for _, c := range []struct {
				ord  int
				want []string
			}{{1, tt.inRange}, {3, tt.scaledDown}} {
				p := newPod(set, c.ord)
				p.UID = "pod"
				claim := claimsFor(set, p)[0]
				claim.OwnerReferences = []api.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "other", UID: "cm"}}
				assert.Equal(t, c.want == nil, claimOwnerUpToDate(claim, set, p))
				updateClaimOwners(claim, set, p)
				assert.Equal(t, append([]string{"ConfigMap/other"}, c.want...), owners(claim), "ordinal %d", c.ord)
				assert.True(t, claimOwnerUpToDate(claim, set, p))
			}
		})
	}
}

func TestRetentionLeavesStaleAndForeignClaimsAlone(t *testing.T) {
	set := statefulSet("web", 3, func(s *api.StatefulSet) {
		s.UID = "set"
		s.Spec.PersistentVolumeClaimRetentionPolicy = &api.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenScaled: "Delete", WhenDeleted: "Delete"}
	})
	p := newPod(set, 1)
	p.UID = "new-pod"
	claim := claimsFor(set, p)[0]

	stale := api.Clone(claim)
	stale.OwnerReferences = []api.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: "web-1", UID: "old-pod", Controller: api.Ptr(true)}}
	assert.True(t, hasStaleOwnerRef(stale, p))
	assert.True(t, claimOwnerUpToDate(stale, set, p), "a stale claim is not touched")

	foreign := api.Clone(claim)
	foreign.OwnerReferences = []api.OwnerReference{controller.NewControllerRef(&api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "x", UID: "cm"}})}
	assert.True(t, hasUnexpectedController(foreign, set, p))
	assert.True(t, claimOwnerUpToDate(foreign, set, p), "another controller's claim is not ours to own")

	mixed := api.Clone(foreign)
	mixed.OwnerReferences = append(mixed.OwnerReferences, controller.NewControllerRef(set))
	assert.False(t, claimOwnerUpToDate(mixed, set, p))
	updateClaimOwners(mixed, set, p)
	assert.Equal(t, []string{"ConfigMap/x"}, owners(mixed), "our reference goes, theirs stays")

	plain := api.Clone(claim)
	plain.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "web", UID: "set"}}
	assert.False(t, claimOwnerUpToDate(plain, set, p), "an owner that is not a controller is fixed")
}
