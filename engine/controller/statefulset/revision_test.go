package statefulset

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

func TestRevisionPatch(t *testing.T) {
	set := statefulSet("web", 3, func(s *api.StatefulSet) {
		s.Annotations = map[string]string{"team": "a"}
		s.Spec.Template.Spec.Containers[0].Command = []string{"sh", "-c", "sleep <1>"}
	})
	rev, err := newRevision(set, 7, api.Ptr(int32(0)))
	require.NoError(t, err)
	// The patch is kube-controller-manager's: only the template, keys in
	// order, "$patch": "replace" first, and HTML-escaped as encoding/json
	// writes it.
	assert.Equal(t, `{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"command":["sh","-c","sleep \u003c1\u003e"],"image":"busybox:1.36","name":"app","resources":{}}]}}}}`, string(rev.Data))
	assert.Equal(t, int64(7), rev.Revision)
	assert.Equal(t, "web-"+rev.Labels[RevisionHashLabel], rev.Name)
	assert.Equal(t, "web", rev.Labels["app"])
	assert.Equal(t, "a", rev.Annotations["team"])
	assert.Equal(t, "StatefulSet", rev.OwnerReferences[0].Kind)

	other, err := newRevision(set, 7, api.Ptr(int32(1)))
	require.NoError(t, err)
	assert.NotEqual(t, rev.Name, other.Name, "the collision count changes the name")
	assert.True(t, equalRevision(rev, other))

	set2 := api.Clone(set)
	set2.Spec.Template.Spec.Containers[0].Image = "busybox:1.37"
	restored, err := applyRevision(set2, rev)
	require.NoError(t, err)
	assert.Equal(t, set.Spec.Template, restored.Spec.Template)
	assert.Equal(t, "busybox:1.37", set2.Spec.Template.Spec.Containers[0].Image, "the set is not changed")
}

func TestRevisionHashIsUpstreams(t *testing.T) {
	// history.HashControllerRevision: FNV-32 (not 32a) of the data and the
	// collision count, through rand.SafeEncodeString: FNV-1 of `{"a":1}0`
	// is 811709919.
	assert.Equal(t, "d55c4ff5f", hashRevision([]byte(`{"a":1}`), api.Ptr(int32(0))))
	assert.Equal(t, "web-"+strings.Repeat("x", 3), revisionName("web", "xxx"))
	assert.Len(t, revisionName(strings.Repeat("n", 300), "h"), 225)
}

// storedSet returns set as the API server stores it, defaults and all,
// from a cluster of its own.
func storedSet(t *testing.T, set *api.StatefulSet) *api.StatefulSet {
	f := newFixture(t)
	f.create(api.Clone(set))
	return f.set(set.Name)
}

func TestRevisionCollision(t *testing.T) {
	set := statefulSet("web", 1)
	rev, err := newRevision(storedSet(t, set), 1, api.Ptr(int32(0)))
	require.NoError(t, err)
	// Someone else's revision has the name this one would get.
	f := newFixture(t)
	squatter := api.Clone(rev)
	squatter.OwnerReferences = nil
	squatter.Labels = map[string]string{"app": "squatter"}
	squatter.Data = json.RawMessage(`{"other":true}`)
	_, err = client.Create(f.c, squatter)
	require.NoError(t, err)

	f.create(set)
	st := f.set("web").Status
	assert.Equal(t, int32(1), api.Deref(st.CollisionCount, -1))
	assert.NotEqual(t, rev.Name, st.UpdateRevision)
	revs, err := client.List[*api.ControllerRevision](f.c, "default", apiserver.ListOptions{})
	require.NoError(t, err)
	assert.Len(t, revs, 2)
}

func TestAdoptsOrphanRevisions(t *testing.T) {
	set := statefulSet("web", 1)
	rev, err := newRevision(storedSet(t, set), 1, api.Ptr(int32(0)))
	require.NoError(t, err)
	rev.OwnerReferences = nil
	f := newFixture(t)
	_, err = client.Create(f.c, rev)
	require.NoError(t, err)
	created := f.create(set)
	got, err := client.Get[*api.ControllerRevision](f.c, "default", rev.Name)
	require.NoError(t, err)
	require.Len(t, got.OwnerReferences, 1)
	assert.Equal(t, created.UID, got.OwnerReferences[0].UID)
	assert.Equal(t, rev.Name, f.set("web").Status.CurrentRevision, "the adopted revision is the set's")
}
