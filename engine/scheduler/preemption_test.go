package scheduler

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// A high-priority pod that fits nowhere evicts the lower-priority pod
// that makes room, is nominated to its node, and lands there once the
// victim is gone.
func TestPreemption(t *testing.T) {
	f := newFixture(t, node("node01", "2", "4Gi"))
	f.create(pod("low", requests("1500m", ""), priority(10), onNode("node01")))
	f.settle()
	f.create(pod("high", requests("1", ""), priority(1000)))
	f.settle()

	high := f.pod("high")
	assert.Empty(t, high.Spec.NodeName)
	assert.Equal(t, "node01", high.Status.NominatedNodeName)
	assert.Equal(t, []string{"0/1 nodes are available: 1 Insufficient cpu."}, f.events("high", "FailedScheduling"))

	low := f.pod("low")
	require.NotNil(t, low.DeletionTimestamp, "the victim is deleted gracefully")
	cond := low.Status.Conditions[len(low.Status.Conditions)-1]
	assert.Equal(t, "DisruptionTarget", cond.Type)
	assert.Equal(t, "PreemptionByScheduler", cond.Reason)
	assert.Equal(t, "default-scheduler: preempting to accommodate a higher priority pod", cond.Message)
	assert.Equal(t, []string{"Preempted by pod " + high.UID + " on node node01"}, f.events("low", "Preempted"))

	// Still terminating: no second preemption, and the pod waits. A new
	// node that is big enough but cordoned makes it try again.
	r, ok := f.sched.LastCycle("default", "high")
	require.True(t, ok)
	assert.Equal(t, "node01", r.NominatedNode)
	f.create(node("node02", "4", "8Gi", cordoned))
	f.settle()
	assert.Equal(t, "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable. "+
		"preemption: not eligible due to a terminating pod on the nominated node.", f.condition("high").Message)

	// The kubelet would finish the victim; without one, delete it now.
	require.NoError(t, client.Delete[*api.Pod](f.c, "default", "low", apiserver.DeleteOptions{GracePeriodSeconds: api.Ptr(int64(0))}))
	f.settle()
	assert.Equal(t, "node01", f.pod("high").Spec.NodeName)
	assert.Empty(t, f.pod("high").Status.NominatedNodeName, "the binding clears the nomination")
}

// Preemption never touches a pod of equal or higher priority.
func TestPreemptionSparesEqualPriority(t *testing.T) {
	f := newFixture(t, node("node01", "2", "4Gi"))
	f.create(pod("same", requests("1500m", ""), priority(1000), onNode("node01")))
	f.settle()
	f.create(pod("new", requests("1", ""), priority(1000)))
	f.settle()
	assert.Nil(t, f.pod("same").DeletionTimestamp)
	assert.Equal(t, []string{"0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."},
		f.events("new", "FailedScheduling"))
}

// Between two nodes, preemption prefers the one whose victims violate no
// PodDisruptionBudget.
func TestPreemptionPrefersNodesWithoutBudgetViolations(t *testing.T) {
	f := newFixture(t, node("node01", "2", "4Gi"), node("node02", "2", "4Gi"))
	f.create(&api.PodDisruptionBudget{
		ObjectMeta: api.ObjectMeta{Name: "guarded", Namespace: "default"},
		Spec:       api.PodDisruptionBudgetSpec{MinAvailable: api.Ptr(api.FromInt(1)), Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "guarded"}}},
	})
	f.create(pod("guarded", labels("app", "guarded"), requests("1500m", ""), priority(10), onNode("node01")))
	f.create(pod("free", labels("app", "free"), requests("1500m", ""), priority(10), onNode("node02")))
	f.settle()
	f.create(pod("high", requests("1", ""), priority(1000)))
	f.settle()
	assert.Equal(t, "node02", f.pod("high").Status.NominatedNodeName)
	assert.Nil(t, f.pod("guarded").DeletionTimestamp)
	assert.NotNil(t, f.pod("free").DeletionTimestamp)
}

func TestPickOneNodeForPreemption(t *testing.T) {
	now := epoch
	victim := func(prio int32, started time.Duration) *podInfo {
		p := prioritized("v", prio)
		p.Status.StartTime = api.NewTimePtr(now.Add(started))
		return newPodInfo(p)
	}
	tests := []struct {
		name  string
		cands []*candidate
		want  string
	}{
		{"fewest budget violations", []*candidate{
			{node: "a", victims: []*podInfo{victim(1, 0)}, pdbViolations: 1},
			{node: "b", victims: []*podInfo{victim(5, 0), victim(5, 0)}},
		}, "b"},
		{"lowest highest priority", []*candidate{
			{node: "a", victims: []*podInfo{victim(5, 0)}},
			{node: "b", victims: []*podInfo{victim(3, 0), victim(3, 0)}},
		}, "b"},
		{"lowest sum of priorities", []*candidate{
			{node: "a", victims: []*podInfo{victim(3, 0), victim(3, 0)}},
			{node: "b", victims: []*podInfo{victim(3, 0), victim(1, 0)}},
		}, "b"},
		{"fewest victims", []*candidate{
			{node: "a", victims: []*podInfo{victim(3, 0), victim(-5, 0)}},
			{node: "b", victims: []*podInfo{victim(3, 0)}},
		}, "b"},
		{"latest start", []*candidate{
			{node: "a", victims: []*podInfo{victim(3, time.Minute)}},
			{node: "b", victims: []*podInfo{victim(3, time.Hour)}},
		}, "b"},
		{"first of the rest", []*candidate{
			{node: "a", victims: []*podInfo{victim(3, 0)}},
			{node: "b", victims: []*podInfo{victim(3, 0)}},
		}, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, pickOneNodeForPreemption(tt.cands, now).node)
		})
	}
}

func TestNumCandidates(t *testing.T) {
	for nodes, want := range map[int]int{1: 1, 50: 50, 100: 100, 500: 100, 2000: 200} {
		assert.Equal(t, want, numCandidates(nodes), "%d nodes", nodes)
	}
}
