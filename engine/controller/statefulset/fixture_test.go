package statefulset

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/controller/garbagecollector"
	"github.com/kubeplay/kubeplay/engine/loop"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fixture is an API server with the StatefulSet controller and the garbage
// collector, and no kubelet: the test plays the kubelet, binding pods,
// making them Running and Ready and finishing their deletion.
type fixture struct {
	t   testing.TB
	l   *loop.Loop
	c   *client.Client
	ctl *Controller
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	l := loop.New(epoch)
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 2)))
	cl := client.New(s, "kube-controller-manager")
	pods := client.NewInformer[*api.Pod](cl, "", apiserver.ListOptions{})
	ctl := New(cl, pods)
	require.NoError(t, ctl.Start())
	require.NoError(t, garbagecollector.New(cl).Start())
	require.NoError(t, pods.Start())
	f := &fixture{t: t, l: l, c: client.New(s, "test"), ctl: ctl}
	_, err := client.Create(f.c, &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "default", Namespace: "default"}, AutomountServiceAccountToken: api.Ptr(false)})
	require.NoError(t, err)
	f.settle()
	return f
}

// settle runs what is due now.
func (f *fixture) settle() { f.l.RunUntilIdle() }

// advance lets d of virtual time pass.
func (f *fixture) advance(d time.Duration) { f.l.AdvanceBy(d) }

// statefulSet returns a set of n replicas with one claim template.
func statefulSet(name string, n int32, mutate ...func(*api.StatefulSet)) *api.StatefulSet {
	labels := map[string]string{"app": name}
	set := &api.StatefulSet{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.StatefulSetSpec{
			Replicas:    api.Ptr(n),
			ServiceName: name,
			Selector:    &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec:       api.PodSpec{Containers: []api.Container{{Name: "app", Image: "busybox:1.36"}}},
			},
			VolumeClaimTemplates: []api.PersistentVolumeClaim{{
				ObjectMeta: api.ObjectMeta{Name: "data"},
				Spec: api.PersistentVolumeClaimSpec{
					AccessModes: []string{"ReadWriteOnce"},
					Resources:   api.VolumeResourceRequirements{Requests: api.ResourceList{"storage": api.MustParse("1Gi")}},
				},
			}},
		},
	}
	for _, m := range mutate {
		m(set)
	}
	return set
}

func (f *fixture) create(set *api.StatefulSet) *api.StatefulSet {
	f.t.Helper()
	out, err := client.Create(f.c, set)
	require.NoError(f.t, err)
	f.settle()
	return out
}

func (f *fixture) set(name string) *api.StatefulSet {
	f.t.Helper()
	set, err := client.Get[*api.StatefulSet](f.c, "default", name)
	require.NoError(f.t, err)
	return set
}

// update changes a set's spec.
func (f *fixture) update(name string, mutate func(*api.StatefulSet)) {
	f.t.Helper()
	set := api.Clone(f.set(name))
	mutate(set)
	_, err := client.Update(f.c, set)
	require.NoError(f.t, err)
	f.settle()
}

func (f *fixture) pods() []*api.Pod {
	f.t.Helper()
	pods, err := client.List[*api.Pod](f.c, "default", apiserver.ListOptions{})
	require.NoError(f.t, err)
	sortByOrdinal(pods, false)
	return pods
}

func (f *fixture) pod(name string) *api.Pod {
	f.t.Helper()
	p, err := client.Get[*api.Pod](f.c, "default", name)
	require.NoError(f.t, err)
	return p
}

// podStates describes the pods as "web-0:Running/Ready", sorted by ordinal.
func (f *fixture) podStates() []string {
	var out []string
	for _, p := range f.pods() {
		s := p.Name + ":" + p.Status.Phase
		if isRunningAndReady(p) {
			s += "/Ready"
		}
		if p.DeletionTimestamp != nil {
			s += "/Terminating"
		}
		out = append(out, s)
	}
	return out
}

func (f *fixture) podNames() []string {
	var out []string
	for _, p := range f.pods() {
		out = append(out, p.Name)
	}
	return out
}

func (f *fixture) claimNames() []string {
	claims, err := client.List[*api.PersistentVolumeClaim](f.c, "default", apiserver.ListOptions{})
	require.NoError(f.t, err)
	var out []string
	for _, c := range claims {
		out = append(out, c.Name)
	}
	sort.Strings(out)
	return out
}

// The kubelet's part.

// run binds a pod and makes it Running and Ready (or not ready).
func (f *fixture) run(name string, ready bool) {
	f.t.Helper()
	p := f.pod(name)
	if p.Spec.NodeName == "" {
		require.NoError(f.t, f.c.Bind("default", &api.Binding{ObjectMeta: api.ObjectMeta{Name: name}, Target: api.ObjectReference{Kind: "Node", Name: "node01"}}))
		p = f.pod(name)
	}
	f.setStatus(p, api.PodRunning, ready)
}

func (f *fixture) setStatus(p *api.Pod, phase string, ready bool) {
	f.t.Helper()
	p = api.Clone(p)
	p.Status.Phase = phase
	status := api.ConditionFalse
	if ready {
		status = api.ConditionTrue
	}
	c := api.PodCondition{Type: api.PodReady, Status: status, LastTransitionTime: api.NewTime(f.l.Now())}
	if old := controller.PodCondition(p, api.PodReady); old != nil && old.Status == status {
		c.LastTransitionTime = old.LastTransitionTime
	}
	p.Status.Conditions = []api.PodCondition{c}
	_, err := client.UpdateStatus(f.c, p)
	require.NoError(f.t, err)
	f.settle()
}

// runAll makes every pending, live pod Running and Ready, repeatedly, so
// that an OrderedReady set comes up completely.
func (f *fixture) runAll() {
	f.t.Helper()
	for range 100 {
		next := ""
		for _, p := range f.pods() {
			if p.DeletionTimestamp == nil && !isRunningAndReady(p) && p.Status.Phase != api.PodFailed {
				next = p.Name
				break
			}
		}
		if next == "" {
			return
		}
		f.run(next, true)
	}
	f.t.Fatal("pods kept coming")
}

// finishDeletions completes the graceful deletion of terminating pods, as
// their kubelet does once the containers have stopped.
func (f *fixture) finishDeletions() {
	f.t.Helper()
	for _, p := range f.pods() {
		if p.DeletionTimestamp != nil {
			err := client.Delete[*api.Pod](f.c, "default", p.Name, apiserver.DeleteOptions{GracePeriodSeconds: api.Ptr(int64(0))})
			if !apiserver.IsNotFound(err) {
				require.NoError(f.t, err)
			}
		}
	}
	f.settle()
}

// events returns the set's events' reasons and messages, oldest first.
func (f *fixture) events() []string {
	evs, err := client.List[*api.Event](f.c, "default", apiserver.ListOptions{})
	require.NoError(f.t, err)
	// Events of one instant are named <object>.<time>, <object>.<time>0, ...
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if !a.FirstTimestamp.Equal(b.FirstTimestamp.Time) {
			return a.FirstTimestamp.Before(b.FirstTimestamp.Time)
		}
		return len(a.Name) < len(b.Name) || len(a.Name) == len(b.Name) && a.Name < b.Name
	})
	var out []string
	for _, e := range evs {
		if e.InvolvedObject.Kind == "StatefulSet" {
			out = append(out, fmt.Sprintf("%s %s", e.Reason, e.Message))
		}
	}
	return out
}
