package scheduler

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
	"github.com/kubeplay/kubeplay/engine/loop"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type fixture struct {
	l *loop.Loop
	c *client.Client
}

func newFixture(t *testing.T, nodes ...*api.Node) *fixture {
	t.Helper()
	l := loop.New(epoch)
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 1)))
	c := client.New(s, "test")
	defaultServiceAccount(t, c)
	for _, n := range nodes {
		_, err := client.Create(c, n)
		require.NoError(t, err)
	}
	sched := New(client.New(s, Name), "controlplane", rand.New(rand.NewPCG(2, 2)))
	require.NoError(t, sched.Start())
	return &fixture{l: l, c: c}
}

// defaultServiceAccount makes what the service account controller would:
// pods need their account to pass admission.
func defaultServiceAccount(t *testing.T, c *client.Client) {
	_, err := client.Create(c, &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "default", Namespace: "default"}})
	require.NoError(t, err)
}

func node(name, cpu, mem string, taints ...api.Taint) *api.Node {
	alloc := api.ResourceList{"cpu": api.MustParse(cpu), "memory": api.MustParse(mem), "pods": api.MustParse("110")}
	return &api.Node{
		ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Spec:       api.NodeSpec{Taints: taints},
		Status:     api.NodeStatus{Allocatable: alloc, Capacity: alloc},
	}
}

func pod(name, cpu string) *api.Pod {
	c := api.Container{Name: "c", Image: "busybox"}
	if cpu != "" {
		c.Resources.Requests = api.ResourceList{"cpu": api.MustParse(cpu)}
	}
	return &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"}, Spec: api.PodSpec{Containers: []api.Container{c}}}
}

func (f *fixture) create(t *testing.T, p *api.Pod) {
	t.Helper()
	_, err := client.Create(f.c, p)
	require.NoError(t, err)
}

func (f *fixture) pod(t *testing.T, name string) *api.Pod {
	t.Helper()
	p, err := client.Get[*api.Pod](f.c, "default", name)
	require.NoError(t, err)
	return p
}

var controlPlaneTaint = api.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: api.TaintNoSchedule}

func TestExplainsUnschedulablePod(t *testing.T) {
	f := newFixture(t, node("controlplane", "2", "4Gi", controlPlaneTaint), node("node01", "2", "4Gi"), node("node02", "2", "4Gi"))
	f.create(t, pod("big", "3"))
	f.l.RunUntilIdle()
	p := f.pod(t, "big")
	assert.Empty(t, p.Spec.NodeName)
	want := "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. " +
		"preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
	require.Len(t, p.Status.Conditions, 1)
	assert.Equal(t, api.PodCondition{Type: "PodScheduled", Status: "False", Reason: "Unschedulable", Message: want, LastTransitionTime: api.NewTime(epoch)}, p.Status.Conditions[0])
	events, err := client.List[*api.Event](f.c, "default", apiserver.ListOptions{FieldSelector: "involvedObject.name=big"})
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, "FailedScheduling", events[0].Reason)
	assert.Equal(t, want, events[0].Message)
	assert.Equal(t, "Warning", events[0].Type)
}

func TestSchedulesWhenRoomAppears(t *testing.T) {
	f := newFixture(t, node("node01", "1", "4Gi"))
	f.create(t, pod("big", "2"))
	f.l.AdvanceBy(time.Minute)
	assert.Empty(t, f.pod(t, "big").Spec.NodeName)
	_, err := client.Create(f.c, node("node02", "4", "4Gi"))
	require.NoError(t, err)
	f.l.AdvanceBy(15 * time.Second)
	p := f.pod(t, "big")
	assert.Equal(t, "node02", p.Spec.NodeName)
	events, err := client.List[*api.Event](f.c, "default", apiserver.ListOptions{FieldSelector: "reason=Scheduled"})
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, "Successfully assigned default/big to node02", events[0].Message)
}

func TestNeverOvercommits(t *testing.T) {
	for seed := range uint64(20) {
		l := loop.New(epoch)
		s := apiserver.New(l, rand.New(rand.NewPCG(seed, 1)))
		c := client.New(s, "test")
		defaultServiceAccount(t, c)
		r := rand.New(rand.NewPCG(seed, 2))
		for i := range 3 {
			_, err := client.Create(c, node([]string{"a", "b", "c"}[i], "2", "4Gi"))
			require.NoError(t, err)
		}
		require.NoError(t, New(client.New(s, Name), "controlplane", rand.New(rand.NewPCG(seed, 3))).Start())
		for i := range 30 {
			_, err := client.Create(c, pod(fmt.Sprintf("p%d", i), []string{"100m", "250m", "500m", "1"}[r.IntN(4)]))
			require.NoError(t, err)
		}
		l.AdvanceBy(time.Minute)
		used := map[string]int64{}
		pods, err := client.List[*api.Pod](c, "default", apiserver.ListOptions{})
		require.NoError(t, err)
		for _, p := range pods {
			if p.Spec.NodeName != "" {
				used[p.Spec.NodeName] += p.Spec.Containers[0].Resources.Requests["cpu"].MilliValue()
			}
		}
		for n, m := range used {
			assert.LessOrEqual(t, m, int64(2000), "seed %d node %s", seed, n)
		}
	}
}

func TestFilters(t *testing.T) {
	tainted := &NodeInfo{Node: node("n", "2", "4Gi", api.Taint{Key: "dedicated", Value: "gpu", Effect: api.TaintNoSchedule})}
	plain := &NodeInfo{Node: node("n", "2", "4Gi")}
	cordoned := &NodeInfo{Node: node("n", "2", "4Gi")}
	cordoned.Node.Spec.Unschedulable = true
	full := &NodeInfo{Node: node("n", "2", "4Gi"), Requested: Resource{MilliCPU: 1900, Pods: 1}}
	tolerating := pod("p", "")
	tolerating.Spec.Tolerations = []api.Toleration{{Key: "dedicated", Operator: "Equal", Value: "gpu", Effect: api.TaintNoSchedule}}
	selecting := pod("p", "")
	selecting.Spec.NodeSelector = map[string]string{"disk": "ssd"}
	tests := []struct {
		name   string
		pod    *api.Pod
		node   *NodeInfo
		reason string
	}{
		{"fits", pod("p", "1"), plain, ""},
		{"untolerated taint", pod("p", ""), tainted, "node(s) had untolerated taint {dedicated: gpu}"},
		{"tolerated taint", tolerating, tainted, ""},
		{"cordoned", pod("p", ""), cordoned, "node(s) were unschedulable"},
		{"node selector", selecting, plain, "node(s) didn't match Pod's node affinity/selector"},
		{"cpu", pod("p", "200m"), full, "Insufficient cpu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := runFilters(tt.pod, tt.node)
			if tt.reason == "" {
				assert.Nil(t, st)
				return
			}
			require.NotNil(t, st)
			assert.Equal(t, []string{tt.reason}, st.Reasons)
		})
	}
}

func TestPodRequestsCountInitContainersAsUpstream(t *testing.T) {
	p := pod("p", "100m")
	p.Spec.InitContainers = []api.Container{
		{Name: "init", Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse("500m")}}},
		{Name: "sidecar", RestartPolicy: api.Ptr("Always"), Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse("200m")}}},
	}
	// max(100m + 200m sidecar, 500m init) = 500m
	assert.Equal(t, int64(500), podRequests(p, false).MilliCPU)
	p.Spec.InitContainers[0].Resources.Requests["cpu"] = api.MustParse("50m")
	assert.Equal(t, int64(300), podRequests(p, false).MilliCPU)
}
