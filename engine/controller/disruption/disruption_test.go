package disruption

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

type fixture struct {
	t *testing.T
	l *loop.Loop
	c *client.Client
}

// newFixture runs an API server and the disruption controller, and no
// other: the test plays the workload controllers and the kubelet.
func newFixture(t *testing.T) *fixture {
	l := loop.New(epoch)
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 1)))
	f := &fixture{t: t, l: l, c: client.New(s, "test")}
	_, err := client.Create(f.c, &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "default", Namespace: "default"}})
	require.NoError(t, err)
	cm := client.New(s, "kube-controller-manager")
	pods := client.NewInformer[*api.Pod](cm, "", apiserver.ListOptions{})
	rss := client.NewInformer[*api.ReplicaSet](cm, "", apiserver.ListOptions{})
	require.NoError(t, New(cm, pods, rss).Start())
	require.NoError(t, pods.Start())
	require.NoError(t, rss.Start())
	return f
}

var webLabels = map[string]string{"app": "web"}

func (f *fixture) create(obj api.Object) api.Object {
	f.t.Helper()
	out, err := f.c.Create(api.ResourceFor(obj), "default", obj)
	require.NoError(f.t, err)
	return out
}

// deployment creates Deployment web with a ReplicaSet and n ready pods.
func (f *fixture) deployment(replicas int32) []*api.Pod {
	tmpl := api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: webLabels}, Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}}
	d := f.create(&api.Deployment{ObjectMeta: api.ObjectMeta{Name: "web"}, Spec: api.DeploymentSpec{
		Replicas: api.Ptr(replicas), Selector: &api.LabelSelector{MatchLabels: webLabels}, Template: tmpl}})
	rs := f.create(&api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: "web-1", OwnerReferences: []api.OwnerReference{controller.NewControllerRef(d)}},
		Spec: api.ReplicaSetSpec{Replicas: api.Ptr(replicas), Selector: &api.LabelSelector{MatchLabels: webLabels}, Template: tmpl}})
	var out []*api.Pod
	for i := range replicas {
		out = append(out, f.runningPod(controller.PodFromTemplate(&tmpl, rs, ""), string(rune('a'+i))))
	}
	return out
}

// runningPod creates p as web-NAME, bound, running and ready.
func (f *fixture) runningPod(p *api.Pod, name string) *api.Pod {
	f.t.Helper()
	p.Name = "web-" + name
	p.GenerateName = ""
	f.create(p)
	require.NoError(f.t, f.c.Bind("default", &api.Binding{ObjectMeta: api.ObjectMeta{Name: p.Name}, Target: api.ObjectReference{Kind: "Node", Name: "node01"}}))
	cur, err := client.Get[*api.Pod](f.c, "default", p.Name)
	require.NoError(f.t, err)
	upd := api.Clone(cur)
	upd.Status.Phase = api.PodRunning
	upd.Status.Conditions = append(upd.Status.Conditions, api.PodCondition{Type: api.PodReady, Status: api.ConditionTrue})
	out, err := client.UpdateStatus(f.c, upd)
	require.NoError(f.t, err)
	return out
}

func (f *fixture) budget(spec api.PodDisruptionBudgetSpec) {
	spec.Selector = &api.LabelSelector{MatchLabels: webLabels}
	f.create(&api.PodDisruptionBudget{ObjectMeta: api.ObjectMeta{Name: "web"}, Spec: spec})
	f.l.RunUntilIdle()
}

func (f *fixture) status() api.PodDisruptionBudgetStatus {
	f.t.Helper()
	pdb, err := client.Get[*api.PodDisruptionBudget](f.c, "default", "web")
	require.NoError(f.t, err)
	return pdb.Status
}

type numbers struct{ expected, desired, current, allowed int32 }

func numbersOf(st api.PodDisruptionBudgetStatus) numbers {
	return numbers{st.ExpectedPods, st.DesiredHealthy, st.CurrentHealthy, st.DisruptionsAllowed}
}

func TestBudgetFollowsEvictions(t *testing.T) {
	f := newFixture(t)
	f.deployment(3)
	f.budget(api.PodDisruptionBudgetSpec{MaxUnavailable: api.Ptr(api.FromInt(1))})
	st := f.status()
	assert.Equal(t, numbers{3, 2, 3, 1}, numbersOf(st))
	assert.Equal(t, int64(1), st.ObservedGeneration)
	assert.Equal(t, []api.Condition{{Type: "DisruptionAllowed", Status: "True", ObservedGeneration: 1, LastTransitionTime: api.NewTime(epoch), Reason: "SufficientPods"}}, st.Conditions)

	require.NoError(t, f.c.Evict("default", "web-a", nil))
	assert.Contains(t, f.status().DisruptedPods, "web-a", "the eviction handler names the pod")
	f.l.RunUntilIdle()
	st = f.status()
	assert.Empty(t, st.DisruptedPods, "the pod is seen being deleted")
	assert.Equal(t, numbers{3, 2, 2, 0}, numbersOf(st))
	assert.Equal(t, "InsufficientPods", st.Conditions[0].Reason)

	err := f.c.Evict("default", "web-b", nil)
	assert.EqualError(t, err, "Cannot evict pod as it would violate the pod's disruption budget.")
}

func TestUnconfirmedEvictionExpires(t *testing.T) {
	f := newFixture(t)
	f.deployment(2)
	f.budget(api.PodDisruptionBudgetSpec{MinAvailable: api.Ptr(api.FromInt(1))})
	assert.Equal(t, numbers{2, 1, 2, 1}, numbersOf(f.status()))

	// An eviction approved but never carried out.
	pdb, err := client.Get[*api.PodDisruptionBudget](f.c, "default", "web")
	require.NoError(t, err)
	upd := api.Clone(pdb)
	upd.Status.DisruptionsAllowed = 0
	upd.Status.DisruptedPods = map[string]api.Time{"web-a": api.NewTime(epoch)}
	_, err = client.UpdateStatus(f.c, upd)
	require.NoError(t, err)
	f.l.RunUntilIdle()
	assert.Equal(t, numbers{2, 1, 1, 0}, numbersOf(f.status()))

	f.l.AdvanceBy(DeletionTimeout - time.Second)
	assert.Equal(t, numbers{2, 1, 1, 0}, numbersOf(f.status()))
	f.l.AdvanceBy(time.Second)
	st := f.status()
	assert.Empty(t, st.DisruptedPods)
	assert.Equal(t, numbers{2, 1, 2, 1}, numbersOf(st))
	assert.Contains(t, f.events(), "NotDeleted: Pod was expected by PDB default/default to be deleted but it wasn't")
}

func (f *fixture) events() []string {
	evs, err := client.List[*api.Event](f.c, "default", apiserver.ListOptions{})
	require.NoError(f.t, err)
	var out []string
	for _, e := range evs {
		out = append(out, e.Reason+": "+e.Message)
	}
	return out
}

func TestSyncFailureAllowsNothing(t *testing.T) {
	f := newFixture(t)
	job := &api.Pod{ObjectMeta: api.ObjectMeta{Labels: webLabels, OwnerReferences: []api.OwnerReference{
		{APIVersion: "batch/v1", Kind: "Job", Name: "pi", UID: "uid-pi", Controller: api.Ptr(true)}}},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}}
	f.runningPod(job, "job")
	f.budget(api.PodDisruptionBudgetSpec{MaxUnavailable: api.Ptr(api.FromString("50%"))})
	st := f.status()
	assert.Equal(t, int32(0), st.DisruptionsAllowed)
	require.Len(t, st.Conditions, 1)
	c := st.Conditions[0]
	assert.Equal(t, []string{"False", "SyncFailed", "jobs.batch does not implement the scale subresource"}, []string{c.Status, c.Reason, c.Message})
	assert.Contains(t, f.events(), "CalculateExpectedPodCountFailed: Failed to calculate the number of expected pods: jobs.batch does not implement the scale subresource")
}

func TestBudgetWithoutPods(t *testing.T) {
	f := newFixture(t)
	f.budget(api.PodDisruptionBudgetSpec{MinAvailable: api.Ptr(api.FromInt(1))})
	assert.Equal(t, numbers{0, 1, 0, 0}, numbersOf(f.status()))
	assert.Contains(t, f.events(), "NoPods: No matching pods found")
}

func TestStaleDisruptionTargetIsCleared(t *testing.T) {
	f := newFixture(t)
	p := f.deployment(1)[0]
	upd := api.Clone(p)
	upd.Status.Conditions = append(upd.Status.Conditions, api.PodCondition{Type: "DisruptionTarget", Status: "True", Reason: "EvictionByEvictionAPI", LastTransitionTime: api.NewTime(epoch)})
	_, err := client.UpdateStatus(f.c, upd)
	require.NoError(t, err)
	f.l.AdvanceBy(stalePodDisruptionTimeout - time.Second)
	cond := func() *api.PodCondition {
		cur, err := client.Get[*api.Pod](f.c, "default", p.Name)
		require.NoError(t, err)
		return controller.PodCondition(cur, "DisruptionTarget")
	}
	assert.Equal(t, "True", cond().Status)
	f.l.AdvanceBy(time.Second)
	assert.Equal(t, api.PodCondition{Type: "DisruptionTarget", Status: "False", LastTransitionTime: api.NewTime(epoch.Add(stalePodDisruptionTimeout))}, *cond())
}
