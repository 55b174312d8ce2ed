package statefulset

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

func TestOrderedReadyCreatesInOrder(t *testing.T) {
	f := newFixture(t)
	f.create(statefulSet("web", 3))
	assert.Equal(t, []string{"web-0:Pending"}, f.podStates())
	assert.Equal(t, []string{"data-web-0"}, f.claimNames())

	f.run("web-0", false)
	assert.Equal(t, []string{"web-0:Running"}, f.podStates(), "web-1 waits for web-0 to be ready")
	f.run("web-0", true)
	assert.Equal(t, []string{"web-0:Running/Ready", "web-1:Pending"}, f.podStates())
	f.runAll()
	assert.Equal(t, []string{"web-0:Running/Ready", "web-1:Running/Ready", "web-2:Running/Ready"}, f.podStates())
	assert.Equal(t, []string{"data-web-0", "data-web-1", "data-web-2"}, f.claimNames())

	st := f.set("web").Status
	assert.Equal(t, int32(3), st.Replicas)
	assert.Equal(t, int32(3), st.ReadyReplicas)
	assert.Equal(t, int32(3), st.AvailableReplicas)
	assert.Equal(t, int32(3), st.CurrentReplicas)
	assert.Equal(t, int32(3), st.UpdatedReplicas)
	assert.Equal(t, int64(1), st.ObservedGeneration)
	assert.Equal(t, st.CurrentRevision, st.UpdateRevision)
	assert.Equal(t, api.Ptr(int32(0)), st.CollisionCount)
	assert.Equal(t, []string{
		"SuccessfulCreate create Claim data-web-0 Pod web-0 in StatefulSet web success",
		"SuccessfulCreate create Pod web-0 in StatefulSet web successful",
		"SuccessfulCreate create Claim data-web-1 Pod web-1 in StatefulSet web success",
		"SuccessfulCreate create Pod web-1 in StatefulSet web successful",
		"SuccessfulCreate create Claim data-web-2 Pod web-2 in StatefulSet web success",
		"SuccessfulCreate create Pod web-2 in StatefulSet web successful",
	}, f.events())
}

func TestPodIdentity(t *testing.T) {
	f := newFixture(t)
	set := f.create(statefulSet("web", 2, func(s *api.StatefulSet) { s.Spec.Ordinals = &api.StatefulSetOrdinals{Start: 5} }))
	f.runAll()
	assert.Equal(t, []string{"web-5", "web-6"}, f.podNames())
	assert.Equal(t, []string{"data-web-5", "data-web-6"}, f.claimNames())
	p := f.pod("web-6")
	assert.Equal(t, "web-", p.GenerateName)
	assert.Equal(t, "web-6", p.Spec.Hostname)
	assert.Equal(t, "web", p.Spec.Subdomain)
	assert.Equal(t, "web-6", p.Labels[PodNameLabel])
	assert.Equal(t, "6", p.Labels[PodIndexLabel])
	assert.Equal(t, f.set("web").Status.UpdateRevision, p.Labels[RevisionLabel])
	assert.Equal(t, "data-web-6", p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName)
	assert.Equal(t, set.UID, p.OwnerReferences[0].UID)
	claim, err := client.Get[*api.PersistentVolumeClaim](f.c, "default", "data-web-6")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"app": "web"}, claim.Labels)
	assert.Empty(t, claim.OwnerReferences, "Retain keeps claims free of owners")
}

func TestScaleDownInReverseOrder(t *testing.T) {
	f := newFixture(t)
	f.create(statefulSet("web", 4))
	f.runAll()
	f.update("web", func(s *api.StatefulSet) { s.Spec.Replicas = api.Ptr(int32(1)) })
	var order [][]string
	for range 5 {
		var deleting []string
		for _, p := range f.pods() {
			if p.DeletionTimestamp != nil {
				deleting = append(deleting, p.Name)
			}
		}
		if len(deleting) == 0 {
			break
		}
		order = append(order, deleting)
		f.finishDeletions()
	}
	assert.Equal(t, [][]string{{"web-3"}, {"web-2"}, {"web-1"}}, order, "one at a time, highest first")
	assert.Equal(t, []string{"data-web-0", "data-web-1", "data-web-2", "data-web-3"}, f.claimNames(), "claims outlive pods")
}

func TestScaleDownHaltsOnUnhealthyPod(t *testing.T) {
	f := newFixture(t)
	f.create(statefulSet("web", 4))
	f.runAll()
	f.run("web-1", false)
	f.update("web", func(s *api.StatefulSet) { s.Spec.Replicas = api.Ptr(int32(2)) })
	assert.Equal(t, []string{"web-0:Running/Ready", "web-1:Running", "web-2:Running/Ready", "web-3:Running/Ready"}, f.podStates())
	f.run("web-1", true)
	assert.Equal(t, "web-3:Running/Ready/Terminating", f.podStates()[3])

	// An unhealthy condemned pod is the first unhealthy one: it may go.
	f.finishDeletions()
	f.run("web-2", false)
	assert.Equal(t, "web-2:Running/Terminating", f.podStates()[2])
}

func TestParallelCreatesAndDeletesAtOnce(t *testing.T) {
	f := newFixture(t)
	f.create(statefulSet("web", 3, func(s *api.StatefulSet) { s.Spec.PodManagementPolicy = "Parallel" }))
	assert.Equal(t, []string{"web-0:Pending", "web-1:Pending", "web-2:Pending"}, f.podStates())
	f.update("web", func(s *api.StatefulSet) { s.Spec.Replicas = api.Ptr(int32(0)) })
	for _, p := range f.pods() {
		assert.NotNil(t, p.DeletionTimestamp, p.Name)
	}
}

func TestMinReadySeconds(t *testing.T) {
	f := newFixture(t)
	f.create(statefulSet("web", 2, func(s *api.StatefulSet) { s.Spec.MinReadySeconds = 10 }))
	f.run("web-0", true)
	f.advance(9 * time.Second)
	assert.Equal(t, []string{"web-0"}, f.podNames(), "web-0 is not available yet")
	assert.Equal(t, int32(0), f.set("web").Status.AvailableReplicas)
	f.advance(time.Second)
	assert.Equal(t, []string{"web-0", "web-1"}, f.podNames())
	assert.Equal(t, int32(1), f.set("web").Status.AvailableReplicas)
}

func TestFailedPodIsRecreated(t *testing.T) {
	f := newFixture(t)
	f.create(statefulSet("web", 2))
	f.runAll()
	failed := f.pod("web-1")
	f.setStatus(failed, api.PodFailed, false)
	assert.Equal(t, []string{"web-0:Running/Ready", "web-1:Pending"}, f.podStates())
	assert.NotEqual(t, failed.UID, f.pod("web-1").UID)
	// Since v1.30 no RecreatingFailedPod event: the deletion and the
	// creation (a repeat, counted on the first one) say it.
	assert.Contains(t, f.events(), "SuccessfulDelete delete Pod web-1 in StatefulSet web successful")
}

// rollout updates the template and plays the kubelet until the rollout
// stops, returning the pods deleted in each round.
func rollout(f *fixture, mutate func(*api.StatefulSet)) [][]string {
	f.update("web", func(s *api.StatefulSet) {
		s.Spec.Template.Spec.Containers[0].Image = "busybox:1.37"
		mutate(s)
	})
	var rounds [][]string
	for range 20 {
		var deleting []string
		for _, p := range f.pods() {
			if p.DeletionTimestamp != nil {
				deleting = append(deleting, p.Name)
			}
		}
		if len(deleting) == 0 {
			return rounds
		}
		rounds = append(rounds, deleting)
		f.finishDeletions()
		f.runAll()
	}
	return rounds
}

func TestRollingUpdateOrder(t *testing.T) {
	tests := []struct {
		name           string
		policy         string
		partition      int32
		maxUnavailable api.IntOrString
		want           [][]string
	}{
		{"one at a time", "OrderedReady", 0, api.FromInt(1), [][]string{{"web-4"}, {"web-3"}, {"web-2"}, {"web-1"}, {"web-0"}}},
		{"partition", "OrderedReady", 2, api.FromInt(1), [][]string{{"web-4"}, {"web-3"}, {"web-2"}}},
		{"partition beyond replicas", "OrderedReady", 7, api.FromInt(1), nil},
		{"two at a time", "OrderedReady", 0, api.FromInt(2), [][]string{{"web-3", "web-4"}, {"web-1", "web-2"}, {"web-0"}}},
		{"percent rounds down", "OrderedReady", 0, api.FromString("50%"), [][]string{{"web-3", "web-4"}, {"web-1", "web-2"}, {"web-0"}}},
		{"percent at least one", "OrderedReady", 0, api.FromString("10%"), [][]string{{"web-4"}, {"web-3"}, {"web-2"}, {"web-1"}, {"web-0"}}},
		{"partition and two", "OrderedReady", 3, api.FromInt(3), [][]string{{"web-3", "web-4"}}},
		{"parallel", "Parallel", 1, api.FromInt(2), [][]string{{"web-3", "web-4"}, {"web-1", "web-2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.create(statefulSet("web", 5, func(s *api.StatefulSet) { s.Spec.PodManagementPolicy = tt.policy }))
			f.runAll()
			old := f.set("web").Status.CurrentRevision
			rounds := rollout(f, func(s *api.StatefulSet) {
				s.Spec.UpdateStrategy.RollingUpdate = &api.RollingUpdateStatefulSetStrategy{Partition: api.Ptr(tt.partition), MaxUnavailable: api.Ptr(tt.maxUnavailable)}
			})
			assert.Equal(t, tt.want, rounds)
			st := f.set("web").Status
			assert.NotEqual(t, old, st.UpdateRevision)
			for _, p := range f.pods() {
				want := st.UpdateRevision
				if ordinalOf(p) < int(tt.partition) {
					want = old
				}
				assert.Equal(t, want, revisionOf(p), p.Name)
			}
			if tt.partition == 0 {
				assert.Equal(t, st.UpdateRevision, st.CurrentRevision, "a finished rollout makes the update revision current")
				assert.Equal(t, int32(5), st.CurrentReplicas)
			} else {
				assert.Equal(t, old, st.CurrentRevision)
				assert.Equal(t, int32(max(0, 5-tt.partition)), st.UpdatedReplicas)
			}
		})
	}
}

func TestRollingUpdateWaitsForUnavailablePods(t *testing.T) {
	f := newFixture(t)
	f.create(statefulSet("web", 3))
	f.runAll()
	f.update("web", func(s *api.StatefulSet) { s.Spec.Template.Spec.Containers[0].Image = "busybox:1.37" })
	f.finishDeletions() // web-2 goes; its successor is not ready
	f.run("web-2", false)
	assert.Equal(t, []string{"web-0:Running/Ready", "web-1:Running/Ready", "web-2:Running"}, f.podStates())
	f.run("web-2", true)
	assert.Equal(t, "web-1:Running/Ready/Terminating", f.podStates()[1])
}

func TestOnDeleteUpdatesOnlyDeletedPods(t *testing.T) {
	f := newFixture(t)
	f.create(statefulSet("web", 3, func(s *api.StatefulSet) {
		s.Spec.UpdateStrategy = api.StatefulSetUpdateStrategy{Type: "OnDelete"}
	}))
	f.runAll()
	old := f.set("web").Status.CurrentRevision
	assert.Empty(t, rollout(f, func(*api.StatefulSet) {}))
	require.NoError(t, client.Delete[*api.Pod](f.c, "default", "web-1", apiserver.DeleteOptions{}))
	f.finishDeletions()
	f.runAll()
	update := f.set("web").Status.UpdateRevision
	got := map[string]string{}
	for _, p := range f.pods() {
		got[p.Name] = revisionOf(p)
	}
	assert.Equal(t, map[string]string{"web-0": old, "web-1": update, "web-2": old}, got)
}

func TestRevisionHistoryAndRollback(t *testing.T) {
	f := newFixture(t)
	f.create(statefulSet("web", 1, func(s *api.StatefulSet) { s.Spec.RevisionHistoryLimit = api.Ptr(int32(1)) }))
	f.runAll()
	first := f.set("web").Status.CurrentRevision
	for _, tag := range []string{"1.37", "1.38", "1.39"} {
		f.update("web", func(s *api.StatefulSet) { s.Spec.Template.Spec.Containers[0].Image = "busybox:" + tag })
		f.finishDeletions()
		f.runAll()
	}
	revs, err := client.List[*api.ControllerRevision](f.c, "default", apiserver.ListOptions{})
	require.NoError(t, err)
	require.Len(t, revs, 2, "the live revision and one of history")
	var numbers []int64
	for _, r := range revs {
		numbers = append(numbers, r.Revision)
	}
	assert.ElementsMatch(t, []int64{3, 4}, numbers)

	// Going back to 1.38 renumbers its revision instead of making one.
	f.update("web", func(s *api.StatefulSet) { s.Spec.Template.Spec.Containers[0].Image = "busybox:1.38" })
	f.finishDeletions()
	f.runAll()
	revs, err = client.List[*api.ControllerRevision](f.c, "default", apiserver.ListOptions{})
	require.NoError(t, err)
	require.Len(t, revs, 2)
	st := f.set("web").Status
	for _, r := range revs {
		if r.Name == st.CurrentRevision {
			assert.Equal(t, int64(5), r.Revision)
		}
		assert.NotEqual(t, first, r.Name)
	}
}

func TestClaimRetentionPolicy(t *testing.T) {
	tests := []struct {
		whenScaled, whenDeleted string
		afterScale, afterDelete []string
	}{
		{"Retain", "Retain", []string{"data-web-0", "data-web-1", "data-web-2"}, []string{"data-web-0", "data-web-1", "data-web-2"}},
		{"Delete", "Retain", []string{"data-web-0"}, []string{"data-web-0"}},
		{"Retain", "Delete", []string{"data-web-0", "data-web-1", "data-web-2"}, nil},
		{"Delete", "Delete", []string{"data-web-0"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.whenScaled+"/"+tt.whenDeleted, func(t *testing.T) {
			f := newFixture(t)
			f.create(statefulSet("web", 3, func(s *api.StatefulSet) {
				s.Spec.PersistentVolumeClaimRetentionPolicy = &api.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenScaled: tt.whenScaled, WhenDeleted: tt.whenDeleted}
			}))
			f.runAll()
			f.update("web", func(s *api.StatefulSet) { s.Spec.Replicas = api.Ptr(int32(1)) })
			f.finishDeletions()
			f.finishDeletions()
			assert.Equal(t, []string{"web-0"}, f.podNames())
			assert.Equal(t, tt.afterScale, f.claimNames(), "after scaling down")

			require.NoError(t, client.Delete[*api.StatefulSet](f.c, "default", "web", apiserver.DeleteOptions{}))
			f.settle()
			f.finishDeletions()
			assert.Empty(t, f.podNames())
			assert.Equal(t, tt.afterDelete, f.claimNames(), "after deleting the set")
		})
	}
}

func TestScaledDownClaimIsRecreatedAfterItGoes(t *testing.T) {
	f := newFixture(t)
	f.create(statefulSet("web", 2, func(s *api.StatefulSet) {
		s.Spec.PersistentVolumeClaimRetentionPolicy = &api.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenScaled: "Delete", WhenDeleted: "Retain"}
	}))
	f.runAll()
	old, err := client.Get[*api.PersistentVolumeClaim](f.c, "default", "data-web-1")
	require.NoError(t, err)
	f.update("web", func(s *api.StatefulSet) { s.Spec.Replicas = api.Ptr(int32(1)) })
	f.update("web", func(s *api.StatefulSet) { s.Spec.Replicas = api.Ptr(int32(2)) })
	f.finishDeletions()
	f.runAll()
	assert.Equal(t, []string{"web-0", "web-1"}, f.podNames())
	claim, err := client.Get[*api.PersistentVolumeClaim](f.c, "default", "data-web-1")
	require.NoError(t, err)
	assert.NotEqual(t, old.UID, claim.UID, "the old pod's claim went with it; the new pod has a new one")
}

func TestAdoptsAndReleasesPods(t *testing.T) {
	f := newFixture(t)
	orphan := &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: "web-1", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "app", Image: "busybox"}}},
	}
	_, err := client.Create(f.c, orphan)
	require.NoError(t, err)
	set := f.create(statefulSet("web", 2))
	p := f.pod("web-1")
	require.Len(t, p.OwnerReferences, 1)
	assert.Equal(t, set.UID, p.OwnerReferences[0].UID)

	p = api.Clone(p)
	p.Labels = map[string]string{"app": "other"}
	_, err = client.Update(f.c, p)
	require.NoError(t, err)
	f.settle()
	assert.Empty(t, f.pod("web-1").OwnerReferences)
}

func TestDeletingSetOnlyUpdatesStatus(t *testing.T) {
	f := newFixture(t)
	f.create(statefulSet("web", 2))
	f.runAll()
	require.NoError(t, client.Delete[*api.StatefulSet](f.c, "default", "web", apiserver.DeleteOptions{PropagationPolicy: apiserver.PropagationForeground}))
	f.settle()
	for _, p := range f.pods() {
		assert.NotNil(t, p.DeletionTimestamp, fmt.Sprint(p.Name, " is deleted by the garbage collector"))
	}
	f.finishDeletions()
	f.settle()
	_, err := client.Get[*api.StatefulSet](f.c, "default", "web")
	assert.True(t, apiserver.IsNotFound(err))
}
