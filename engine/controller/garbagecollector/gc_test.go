package garbagecollector

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

const hold = "example.com/hold"

type fixture struct {
	t *testing.T
	l *loop.Loop
	c *client.Client
}

func newFixture(t *testing.T) *fixture {
	l := loop.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 1)))
	require.NoError(t, New(client.New(s, "kube-controller-manager")).Start())
	return &fixture{t: t, l: l, c: client.New(s, "test")}
}

// cm creates a ConfigMap owned by owners (blocking their foreground
// deletion when block is set), with finalizers.
func (f *fixture) cm(name string, block bool, finalizers []string, owners ...*api.ConfigMap) *api.ConfigMap {
	f.t.Helper()
	obj := &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Finalizers: finalizers}}
	for _, o := range owners {
		obj.OwnerReferences = append(obj.OwnerReferences, api.OwnerReference{
			APIVersion: "v1", Kind: "ConfigMap", Name: o.Name, UID: o.UID, BlockOwnerDeletion: api.Ptr(block),
		})
	}
	out, err := client.Create(f.c, obj)
	require.NoError(f.t, err)
	f.l.RunUntilIdle()
	return out
}

func (f *fixture) get(name string) (*api.ConfigMap, bool) {
	cm, err := client.Get[*api.ConfigMap](f.c, "default", name)
	if apiserver.IsNotFound(err) {
		return nil, false
	}
	require.NoError(f.t, err)
	return cm, true
}

func (f *fixture) delete(name, policy string) {
	f.t.Helper()
	require.NoError(f.t, client.Delete[*api.ConfigMap](f.c, "default", name, apiserver.DeleteOptions{PropagationPolicy: policy}))
	f.l.RunUntilIdle()
}

func (f *fixture) release(name string) {
	f.t.Helper()
	cm, ok := f.get(name)
	require.True(f.t, ok)
	cm = api.Clone(cm)
	cm.Finalizers = nil
	_, err := client.Update(f.c, cm)
	require.NoError(f.t, err)
	f.l.RunUntilIdle()
}

func TestBackgroundDeletion(t *testing.T) {
	for _, policy := range []string{"", apiserver.PropagationBackground} {
		f := newFixture(t)
		owner := f.cm("owner", false, nil)
		f.cm("child", false, nil, owner)
		f.cm("grandchild", false, nil, must(f.get("child")))
		f.delete("owner", policy)
		for _, n := range []string{"owner", "child", "grandchild"} {
			_, ok := f.get(n)
			assert.False(t, ok, "%s is gone (policy %q)", n, policy)
		}
	}
}

func TestForegroundDeletionWaitsForBlockingDependents(t *testing.T) {
	f := newFixture(t)
	owner := f.cm("owner", false, nil)
	f.cm("blocking", true, []string{hold}, owner)
	f.cm("other", false, nil, owner)
	f.delete("owner", apiserver.PropagationForeground)

	o, ok := f.get("owner")
	require.True(t, ok, "the owner stays while a blocking dependent exists")
	assert.NotNil(t, o.DeletionTimestamp)
	assert.Equal(t, []string{apiserver.FinalizerForeground}, o.Finalizers)
	b, ok := f.get("blocking")
	require.True(t, ok)
	assert.NotNil(t, b.DeletionTimestamp, "the dependent is being deleted")
	_, ok = f.get("other")
	assert.False(t, ok)

	f.release("blocking")
	_, ok = f.get("owner")
	assert.False(t, ok, "the owner goes after its blocking dependents")
}

func TestOrphanDeletion(t *testing.T) {
	f := newFixture(t)
	owner := f.cm("owner", false, nil)
	f.cm("child", true, nil, owner)
	f.delete("owner", apiserver.PropagationOrphan)
	_, ok := f.get("owner")
	assert.False(t, ok)
	child, ok := f.get("child")
	require.True(t, ok, "the dependent is orphaned, not deleted")
	assert.Empty(t, child.OwnerReferences)
}

func TestDependentsOfMissingOwners(t *testing.T) {
	f := newFixture(t)
	ghost := &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "ghost", UID: "00000000-0000-0000-0000-000000000000"}}
	f.cm("dangling", false, nil, ghost)
	_, ok := f.get("dangling")
	assert.False(t, ok, "an object whose only owner does not exist is collected")

	live := f.cm("live", false, nil)
	f.cm("shared", false, nil, live, ghost)
	shared, ok := f.get("shared")
	require.True(t, ok, "an object with a live owner stays")
	require.Len(t, shared.OwnerReferences, 1, "the reference to the missing owner is dropped")
	assert.Equal(t, "live", shared.OwnerReferences[0].Name)

	// An object of the owner's name but another UID is not the owner.
	impostor := &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "live", UID: "11111111-1111-1111-1111-111111111111"}}
	f.cm("wrong-uid", false, nil, impostor)
	_, ok = f.get("wrong-uid")
	assert.False(t, ok)
}

func must[T any](v T, ok bool) T {
	if !ok {
		panic("missing")
	}
	return v
}

// TestWritesThatKeepOwnersAskNothing: as upstream's graph builder, the
// collector looks at a dependent when its owners change, not at every
// write (a pod's status); a new owner it has not seen is looked up.
func TestWritesThatKeepOwnersAskNothing(t *testing.T) {
	l := loop.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 1)))
	var reads []string
	gc := client.New(s, "kube-controller-manager").WithObserver(func(r client.Request) {
		if r.Verb == "get" {
			reads = append(reads, r.Name)
		}
	})
	require.NoError(t, New(gc).Start())
	f := &fixture{t: t, l: l, c: client.New(s, "test")}
	owner := f.cm("owner", false, nil)
	reads = nil
	dep := f.cm("dep", false, nil, owner)
	l.RunUntilIdle()
	assert.Empty(t, reads, "a new dependent of a known owner (upstream's graph has the owner's node)")
	for i := range 3 {
		dep = api.Clone(dep)
		dep.Data = map[string]string{"n": string(rune('0' + i))}
		var err error
		dep, err = client.Update(f.c, dep)
		require.NoError(t, err)
		l.RunUntilIdle()
	}
	assert.Empty(t, reads, "writes that keep the owners")

	ghost := api.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "ghost", UID: "00000000-0000-0000-0000-000000000000"}
	dep = api.Clone(dep)
	dep.OwnerReferences = append(dep.OwnerReferences, ghost)
	_, err := client.Update(f.c, dep)
	require.NoError(t, err)
	l.RunUntilIdle()
	assert.NotEmpty(t, reads, "a change of owners is looked at")
	got, ok := f.get("dep")
	require.True(t, ok)
	assert.Equal(t, []string{"owner"}, []string{got.OwnerReferences[0].Name})
	assert.Len(t, got.OwnerReferences, 1, "the missing owner's reference is dropped")
}
