package statefulset

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// TestRandomOperations drives a set with random scaling, template updates,
// pod readiness changes, failures and deletions, over many seeds, and
// checks after every step that no ordinal has two pods, that an
// OrderedReady set never makes a pod before its predecessors are ready,
// and that nothing is left without an owner; then that the set converges
// and leaves nothing behind when deleted.
func TestRandomOperations(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			newChaos(t, seed).run(60)
		})
	}
}

type chaos struct {
	*fixture
	rng     *rand.Rand
	ordered bool
	policy  api.StatefulSetPersistentVolumeClaimRetentionPolicy
	seen    map[string]bool // pod UIDs observed
}

func newChaos(t *testing.T, seed uint64) *chaos {
	rng := rand.New(rand.NewPCG(seed, 7))
	policies := []string{"Retain", "Delete"}
	c := &chaos{
		fixture: newFixture(t),
		rng:     rng,
		ordered: rng.IntN(2) == 0,
		policy:  api.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenScaled: policies[rng.IntN(2)], WhenDeleted: policies[rng.IntN(2)]},
		seen:    map[string]bool{},
	}
	c.create(statefulSet("web", int32(rng.IntN(4)+1), func(s *api.StatefulSet) {
		if !c.ordered {
			s.Spec.PodManagementPolicy = "Parallel"
		}
		if rng.IntN(2) == 0 {
			s.Spec.Ordinals = &api.StatefulSetOrdinals{Start: int32(rng.IntN(3))}
		}
		s.Spec.PersistentVolumeClaimRetentionPolicy = &c.policy
	}))
	c.check()
	return c
}

func (c *chaos) run(steps int) {
	ops := []func(){c.scale, c.updateTemplate, c.readyOne, c.readyOne, c.readyOne, c.unreadyOne, c.failOne, c.deleteOne, c.finishOne, c.finishOne, c.wait}
	for range steps {
		ops[c.rng.IntN(len(ops))]()
		c.check()
	}
	c.converge()
	c.deleteSet()
}

func (c *chaos) scale() {
	c.update("web", func(s *api.StatefulSet) { s.Spec.Replicas = api.Ptr(int32(c.rng.IntN(5))) })
}

func (c *chaos) updateTemplate() {
	tags := []string{"1.36", "1.37", "1.38"}
	c.update("web", func(s *api.StatefulSet) {
		s.Spec.Template.Spec.Containers[0].Image = "busybox:" + tags[c.rng.IntN(len(tags))]
		s.Spec.UpdateStrategy.RollingUpdate = &api.RollingUpdateStatefulSetStrategy{
			Partition:      api.Ptr(int32(c.rng.IntN(3))),
			MaxUnavailable: api.Ptr(api.FromInt(int32(c.rng.IntN(2) + 1))),
		}
	})
}

// pick returns a random pod satisfying ok, if any.
func (c *chaos) pick(ok func(*api.Pod) bool) *api.Pod {
	var from []*api.Pod
	for _, p := range c.pods() {
		if ok(p) {
			from = append(from, p)
		}
	}
	if len(from) == 0 {
		return nil
	}
	return from[c.rng.IntN(len(from))]
}

func live(p *api.Pod) bool { return p.DeletionTimestamp == nil && p.Status.Phase != api.PodFailed }

func (c *chaos) readyOne() {
	if p := c.pick(func(p *api.Pod) bool { return live(p) && !isRunningAndReady(p) }); p != nil {
		c.run1(p.Name, true)
	}
}

func (c *chaos) unreadyOne() {
	if p := c.pick(func(p *api.Pod) bool { return live(p) && isRunningAndReady(p) }); p != nil {
		c.run1(p.Name, false)
	}
}

func (c *chaos) run1(name string, ready bool) { c.fixture.run(name, ready) }

func (c *chaos) failOne() {
	if p := c.pick(live); p != nil {
		c.setStatus(p, api.PodFailed, false)
	}
}

func (c *chaos) deleteOne() {
	if p := c.pick(live); p != nil {
		require.NoError(c.t, client.Delete[*api.Pod](c.c, "default", p.Name, apiserver.DeleteOptions{}))
		c.settle()
	}
}

func (c *chaos) finishOne() {
	if p := c.pick(func(p *api.Pod) bool { return p.DeletionTimestamp != nil }); p != nil {
		err := client.Delete[*api.Pod](c.c, "default", p.Name, apiserver.DeleteOptions{GracePeriodSeconds: api.Ptr(int64(0))})
		if !apiserver.IsNotFound(err) {
			require.NoError(c.t, err)
		}
		c.settle()
	}
}

func (c *chaos) wait() { c.advance(time.Duration(c.rng.IntN(10)+1) * time.Second) }

// check verifies the invariants on the current state.
func (c *chaos) check() {
	c.t.Helper()
	set := c.set("web")
	pods := c.pods()
	byOrdinal := map[int]*api.Pod{}
	for _, p := range pods {
		ord := ordinalOf(p)
		require.NotContains(c.t, byOrdinal, ord, "two pods with ordinal %d", ord)
		byOrdinal[ord] = p
		require.Equal(c.t, PodName(set, ord), p.Name)
		ref := controller.ControllerRef(p)
		require.NotNil(c.t, ref, "%s is orphaned", p.Name)
		require.Equal(c.t, set.UID, ref.UID)
	}
	for _, p := range pods {
		if c.seen[p.UID] {
			continue
		}
		c.seen[p.UID] = true
		if !c.ordered || !inOrdinalRange(p, set) {
			continue
		}
		for ord := startOrdinal(set); ord < ordinalOf(p); ord++ {
			prev, ok := byOrdinal[ord]
			require.True(c.t, ok, "%s made before %s", p.Name, PodName(set, ord))
			require.True(c.t, isRunningAndReady(prev), "%s made before %s was ready", p.Name, prev.Name)
		}
	}
	c.checkOwners()
}

// checkOwners verifies that every claim and revision's owners exist.
func (c *chaos) checkOwners() {
	c.t.Helper()
	uids := map[string]bool{}
	if set, err := client.Get[*api.StatefulSet](c.c, "default", "web"); err == nil {
		uids[set.UID] = true
	}
	for _, p := range c.pods() {
		uids[p.UID] = true
	}
	claims, err := client.List[*api.PersistentVolumeClaim](c.c, "default", apiserver.ListOptions{})
	require.NoError(c.t, err)
	for _, cl := range claims {
		for _, r := range cl.OwnerReferences {
			require.True(c.t, uids[r.UID], "claim %s has a dangling owner %s/%s", cl.Name, r.Kind, r.Name)
		}
	}
	revs, err := client.List[*api.ControllerRevision](c.c, "default", apiserver.ListOptions{})
	require.NoError(c.t, err)
	for _, r := range revs {
		ref := controller.ControllerRef(r)
		require.NotNil(c.t, ref, "revision %s is orphaned", r.Name)
		require.True(c.t, uids[ref.UID])
	}
}

// converge lifts the partition and plays a healthy kubelet until the set
// is settled, then checks that it has what its spec asks for.
func (c *chaos) converge() {
	c.update("web", func(s *api.StatefulSet) {
		if ru := s.Spec.UpdateStrategy.RollingUpdate; ru != nil {
			ru.Partition = api.Ptr(int32(0))
		}
	})
	for range 50 {
		c.deleteFailed()
		c.finishDeletions()
		c.runAll()
		c.advance(time.Second)
		c.check()
	}
	set := c.set("web")
	n := replicasOf(set)
	var want []string
	for i := range n {
		want = append(want, PodName(set, startOrdinal(set)+i))
	}
	assert.Equal(c.t, want, c.podNames())
	for _, p := range c.pods() {
		assert.True(c.t, isRunningAndReady(p), p.Name)
		assert.Equal(c.t, set.Status.UpdateRevision, revisionOf(p), p.Name)
	}
	assert.Equal(c.t, int32(n), set.Status.ReadyReplicas)
	assert.Equal(c.t, int32(n), set.Status.UpdatedReplicas)
	assert.Equal(c.t, set.Status.UpdateRevision, set.Status.CurrentRevision)
}

// deleteFailed deletes the failed pods, as a user (or the pod garbage
// collector) would: a failed pod past the replica count blocks an
// OrderedReady scale-down until it goes, as upstream.
func (c *chaos) deleteFailed() {
	for _, p := range c.pods() {
		if p.Status.Phase == api.PodFailed && p.DeletionTimestamp == nil {
			require.NoError(c.t, client.Delete[*api.Pod](c.c, "default", p.Name, apiserver.DeleteOptions{}))
		}
	}
	c.settle()
}

// deleteSet deletes the set and checks what is left: no pods, no
// revisions, and the claims of its pods only if the policy keeps them. (A
// claim of a pod that went before the controller could give it its
// scale-down owner stays, as upstream.)
func (c *chaos) deleteSet() {
	var claims []string
	for _, p := range c.pods() {
		claims = append(claims, "data-"+p.Name)
	}
	require.NoError(c.t, client.Delete[*api.StatefulSet](c.c, "default", "web", apiserver.DeleteOptions{}))
	c.settle()
	c.finishDeletions()
	c.checkOwners()
	assert.Empty(c.t, c.pods())
	revs, err := client.List[*api.ControllerRevision](c.c, "default", apiserver.ListOptions{})
	require.NoError(c.t, err)
	assert.Empty(c.t, revs)
	for _, name := range claims {
		if c.policy.WhenDeleted == "Delete" {
			assert.NotContains(c.t, c.claimNames(), name)
		} else {
			assert.Contains(c.t, c.claimNames(), name)
		}
	}
}
