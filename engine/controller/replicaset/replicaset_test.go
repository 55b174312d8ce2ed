package replicaset

import (
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/controller/controllertest"
)

var epoch = controllertest.Epoch

func rankedTestPod(name, node, phase string, ready bool, created time.Duration) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, UID: name, CreationTimestamp: api.NewTime(epoch.Add(created))}}
	p.Spec.NodeName = node
	p.Status.Phase = phase
	status := api.ConditionFalse
	if ready {
		status = api.ConditionTrue
	}
	p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: status, LastTransitionTime: api.NewTime(epoch.Add(created))}}
	return p
}

func names(pods []*api.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestScaleDownOrder(t *testing.T) {
	now := epoch.Add(time.Hour)
	pods := []*api.Pod{
		rankedTestPod("ready-old", "n1", "Running", true, 0),
		rankedTestPod("ready-new", "n2", "Running", true, 50*time.Minute),
		rankedTestPod("unscheduled", "", "Pending", false, 0),
		rankedTestPod("pending", "n1", "Pending", false, 0),
		rankedTestPod("not-ready", "n2", "Running", false, 0),
		rankedTestPod("unknown", "n1", "Unknown", false, 0),
	}
	assert.Equal(t, []string{"unscheduled", "pending", "unknown", "not-ready", "ready-new"}, names(podsToDelete(pods, nil, 5, now)))
}

func TestDeletionCostWins(t *testing.T) {
	now := epoch.Add(time.Hour)
	cheap := rankedTestPod("cheap", "n1", "Running", true, 0)
	cheap.Annotations = map[string]string{"controller.kubernetes.io/pod-deletion-cost": "-10"}
	dear := rankedTestPod("dear", "n2", "Running", true, time.Minute)
	dear.Annotations = map[string]string{"controller.kubernetes.io/pod-deletion-cost": "10"}
	bad := rankedTestPod("bad", "n3", "Running", true, 2*time.Minute)
	bad.Annotations = map[string]string{"controller.kubernetes.io/pod-deletion-cost": "lots"}
	assert.Equal(t, []string{"cheap", "bad"}, names(podsToDelete([]*api.Pod{dear, cheap, bad}, nil, 2, now)))
}

// Pods doubled up on a node with more of the Deployment's pods go first;
// then, among pods whose ready time is in the same power of two of age,
// the lower UID.
func TestRankByColocatedAndLogarithmicAge(t *testing.T) {
	now := epoch.Add(100 * time.Minute)
	a := rankedTestPod("a", "crowded", "Running", true, 0)
	b := rankedTestPod("b", "quiet", "Running", true, 0)
	sibling := rankedTestPod("sibling", "crowded", "Running", true, 0)
	assert.Equal(t, []string{"a"}, names(podsToDelete([]*api.Pod{b, a}, []*api.Pod{a, b, sibling}, 1, now)))

	older := rankedTestPod("z-older", "n1", "Running", true, 0)
	newer := rankedTestPod("a-newer", "n1", "Running", true, time.Minute)
	assert.Equal(t, []string{"a-newer"}, names(podsToDelete([]*api.Pod{older, newer}, nil, 1, now)), "99m and 100m of age rank alike: the lower UID goes")
	young := rankedTestPod("z-young", "n1", "Running", true, 90*time.Minute)
	assert.Equal(t, []string{"z-young"}, names(podsToDelete([]*api.Pod{older, young}, nil, 1, now)))
}

func TestRestartsBreakTies(t *testing.T) {
	now := epoch.Add(time.Hour)
	calm := rankedTestPod("calm", "n1", "Running", false, 0)
	flaky := rankedTestPod("flaky", "n1", "Running", false, 0)
	flaky.Status.ContainerStatuses = []api.ContainerStatus{{Name: "app", RestartCount: 3}}
	assert.Equal(t, []string{"flaky"}, names(podsToDelete([]*api.Pod{calm, flaky}, nil, 1, now)))
}

// fixture runs the ReplicaSet controller and the replication manager; the
// test plays the scheduler and kubelets.
type fixture struct{ *controllertest.Fixture }

func newFixture(t *testing.T) *fixture {
	return &fixture{controllertest.New(t, 1, func(cl *client.Client) ([]controller.Controller, []controllertest.Starter) {
		pods := client.NewInformer[*api.Pod](cl, "", apiserver.ListOptions{})
		return []controller.Controller{New(cl, pods), NewReplicationManager(cl, pods)}, []controllertest.Starter{pods}
	})}
}

func (f *fixture) pods() []*api.Pod {
	pods, err := client.List[*api.Pod](f.C, "default", apiserver.ListOptions{})
	require.NoError(f.T, err)
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	return pods
}

// run binds every pending pod and makes it Running and Ready.
func (f *fixture) run() {
	f.L.RunUntilIdle()
	for _, p := range f.pods() {
		if p.DeletionTimestamp != nil || p.Status.Phase == api.PodRunning {
			continue
		}
		require.NoError(f.T, f.C.Bind("default", &api.Binding{ObjectMeta: api.ObjectMeta{Name: p.Name}, Target: api.ObjectReference{Kind: "Node", Name: "node01"}}))
		p, err := client.Get[*api.Pod](f.C, "default", p.Name)
		require.NoError(f.T, err)
		p = api.Clone(p)
		p.Status.Phase = api.PodRunning
		p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: api.NewTime(f.L.Now())}}
		_, err = client.UpdateStatus(f.C, p)
		require.NoError(f.T, err)
	}
	f.L.RunUntilIdle()
}

func replicaSet(name string, n int32) *api.ReplicaSet {
	labels := map[string]string{"app": name}
	return &api.ReplicaSet{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.ReplicaSetSpec{
			Replicas: api.Ptr(n),
			Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels}, Spec: api.PodSpec{Containers: []api.Container{{Name: "app", Image: "nginx"}}}},
		},
	}
}

func TestReplicaSetStatus(t *testing.T) {
	f := newFixture(t)
	rs := replicaSet("web", 3)
	rs.Spec.MinReadySeconds = 10
	_, err := client.Create(f.C, rs)
	require.NoError(t, err)
	f.run()
	got, err := client.Get[*api.ReplicaSet](f.C, "default", "web")
	require.NoError(t, err)
	assert.Equal(t, api.ReplicaSetStatus{Replicas: 3, FullyLabeledReplicas: 3, ReadyReplicas: 3, TerminatingReplicas: api.Ptr(int32(0)), ObservedGeneration: 1}, got.Status)

	f.L.AdvanceBy(11 * time.Second)
	got, err = client.Get[*api.ReplicaSet](f.C, "default", "web")
	require.NoError(t, err)
	assert.Equal(t, int32(3), got.Status.AvailableReplicas, "available a second after minReadySeconds")

	require.NoError(t, client.Delete[*api.Pod](f.C, "default", f.pods()[0].Name, apiserver.DeleteOptions{}))
	f.L.RunUntilIdle()
	got, err = client.Get[*api.ReplicaSet](f.C, "default", "web")
	require.NoError(t, err)
	assert.Equal(t, int32(1), *got.Status.TerminatingReplicas)
	assert.Equal(t, int32(3), got.Status.Replicas, "a replacement is made at once")
}

// A pod that cannot be created puts a ReplicaFailure condition on the set,
// which goes when creating works again.
func TestReplicaFailure(t *testing.T) {
	f := newFixture(t)
	rs := replicaSet("web", 4)
	rs.Spec.Template.Spec.ServiceAccountName = "robot"
	_, err := client.Create(f.C, rs)
	require.NoError(t, err)
	f.L.RunUntilIdle()
	got, err := client.Get[*api.ReplicaSet](f.C, "default", "web")
	require.NoError(t, err)
	require.Len(t, got.Status.Conditions, 1)
	c := got.Status.Conditions[0]
	assert.Equal(t, []string{"ReplicaFailure", "True", "FailedCreate"}, []string{c.Type, c.Status, c.Reason})
	assert.Contains(t, c.Message, `serviceaccount "robot" not found`)
	evs := controllertest.Events(t, f.C, "ReplicaSet", "web")
	require.NotEmpty(t, evs)
	assert.Contains(t, evs[0], "FailedCreate: Error creating: pods \"web-")

	_, err = client.Create(f.C, &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "robot", Namespace: "default"}})
	require.NoError(t, err)
	f.L.AdvanceBy(time.Second)
	f.run()
	got, err = client.Get[*api.ReplicaSet](f.C, "default", "web")
	require.NoError(t, err)
	assert.Empty(t, got.Status.Conditions)
	assert.Equal(t, int32(4), got.Status.ReadyReplicas)
}

func TestReplicationController(t *testing.T) {
	f := newFixture(t)
	rc := &api.ReplicationController{
		ObjectMeta: api.ObjectMeta{Name: "nginx", Namespace: "default"},
		Spec: api.ReplicationControllerSpec{
			Replicas: api.Ptr(int32(3)),
			Selector: map[string]string{"app": "nginx"},
			Template: &api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "nginx"}}, Spec: api.PodSpec{Containers: []api.Container{{Name: "nginx", Image: "nginx"}}}},
		},
	}
	_, err := client.Create(f.C, rc)
	require.NoError(t, err)
	f.run()
	pods := f.pods()
	require.Len(t, pods, 3)
	ref := controller.ControllerRef(pods[0])
	assert.Equal(t, []string{"v1", "ReplicationController", "nginx"}, []string{ref.APIVersion, ref.Kind, ref.Name})
	got, err := client.Get[*api.ReplicationController](f.C, "default", "nginx")
	require.NoError(t, err)
	assert.Equal(t, api.ReplicationControllerStatus{Replicas: 3, FullyLabeledReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3, ObservedGeneration: 1}, got.Status)
	evs, err := client.List[*api.Event](f.C, "default", apiserver.ListOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, evs)
	assert.Equal(t, "replication-controller", evs[0].Source.Component)

	// An orphan that matches is adopted, and the extra pod deleted.
	orphan := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "stray", Namespace: "default", Labels: map[string]string{"app": "nginx"}}, Spec: pods[0].Spec}
	orphan.Spec.NodeName = ""
	_, err = client.Create(f.C, orphan)
	require.NoError(t, err)
	f.run()
	assert.Len(t, f.pods(), 3)
}

// A sync that creates or deletes many pods does controller.CreateChunk of them per
// event of the loop, and all of them in the end; the set's status then
// counts them as usual.
func TestManyCreatesAndDeletesSpreadOverEvents(t *testing.T) {
	f := newFixture(t)
	_, err := client.Create(f.C, replicaSet("many", 200))
	require.NoError(t, err)
	// live counts the pods not being deleted (a deleted pod waits for its
	// kubelet, which the fixture does not have).
	live := func() int {
		n := 0
		for _, p := range f.pods() {
			if p.DeletionTimestamp == nil {
				n++
			}
		}
		return n
	}
	// most runs the loop to idle, event by event, and returns the largest
	// change in the number of live pods one event made.
	most := func() int {
		n := 0
		for {
			before := live()
			if !f.L.Step() {
				return n
			}
			n = max(n, abs(live()-before))
		}
	}
	assert.Equal(t, controller.CreateChunk, most(), "at most a chunk of creates per event")
	f.run()
	assert.Len(t, f.pods(), 200)
	got, err := client.Get[*api.ReplicaSet](f.C, "default", "many")
	require.NoError(t, err)
	assert.Equal(t, int32(200), got.Status.ReadyReplicas)

	got = api.Clone(got)
	got.Spec.Replicas = api.Ptr(int32(10))
	_, err = client.Update(f.C, got)
	require.NoError(t, err)
	assert.Equal(t, controller.CreateChunk, most(), "at most a chunk of deletes per event")
	assert.Equal(t, 10, live())
	got, err = client.Get[*api.ReplicaSet](f.C, "default", "many")
	require.NoError(t, err)
	assert.Equal(t, int32(10), got.Status.Replicas)
}

func abs(n int) int { return max(n, -n) }
