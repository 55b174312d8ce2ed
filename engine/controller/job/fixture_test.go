package job

import (
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/controller/controllertest"
)

var epoch = controllertest.Epoch

// fixture is an API server and the Job controller, without scheduler or
// kubelets: the test plays the kubelet, finishing pods as it likes.
type fixture struct{ *controllertest.Fixture }

func newFixture(t *testing.T) *fixture {
	return newSeededFixture(t, 1)
}

func newSeededFixture(t *testing.T, seed uint64) *fixture {
	t.Helper()
	return &fixture{controllertest.New(t, seed, func(cl *client.Client) ([]controller.Controller, []controllertest.Starter) {
		jobs := client.NewInformer[*api.Job](cl, "", apiserver.ListOptions{})
		pods := client.NewInformer[*api.Pod](cl, "", apiserver.ListOptions{})
		return []controller.Controller{New(cl, jobs, pods)}, []controllertest.Starter{jobs, pods}
	})}
}

// newJob returns a Job of busybox pods that never restart.
func newJob(name string, edit func(*api.Job)) *api.Job {
	j := &api.Job{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"}}
	j.Spec.Template.Spec.Containers = []api.Container{{Name: "main", Image: "busybox"}}
	j.Spec.Template.Spec.RestartPolicy = api.RestartNever
	if edit != nil {
		edit(j)
	}
	return j
}

func (f *fixture) create(j *api.Job) *api.Job {
	f.T.Helper()
	out, err := client.Create(f.C, j)
	require.NoError(f.T, err)
	f.settle()
	return out
}

// settle runs what is due now and what the one-second batching defers.
func (f *fixture) settle() {
	f.L.AdvanceBy(1100 * time.Millisecond)
}

func (f *fixture) job(name string) *api.Job {
	f.T.Helper()
	j, err := client.Get[*api.Job](f.C, "default", name)
	require.NoError(f.T, err)
	return j
}

// pods returns the Job's pods, oldest first.
func (f *fixture) pods(name string) []*api.Pod {
	f.T.Helper()
	all, err := client.List[*api.Pod](f.C, "default", apiserver.ListOptions{})
	require.NoError(f.T, err)
	var out []*api.Pod
	for _, p := range all {
		if p.Labels[apiserver.JobNameLabel] == name {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreationTimestamp.Before(out[j].CreationTimestamp.Time) })
	return out
}

// active returns the Job's pods that are neither finished nor deleted.
func (f *fixture) active(name string) []*api.Pod {
	var out []*api.Pod
	for _, p := range f.pods(name) {
		if p.DeletionTimestamp == nil && p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed {
			out = append(out, p)
		}
	}
	return out
}

// run marks a pod running and ready.
func (f *fixture) run(p *api.Pod) {
	f.T.Helper()
	upd := api.Clone(p)
	now := api.NewTime(f.L.Now())
	upd.Status.Phase = api.PodRunning
	upd.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: now}}
	upd.Status.ContainerStatuses = []api.ContainerStatus{{Name: "main", Ready: true, State: api.ContainerState{Running: &api.ContainerStateRunning{StartedAt: now}}}}
	_, err := client.UpdateStatus(f.C, upd)
	require.NoError(f.T, err)
	f.L.RunUntilIdle()
}

// finish ends a pod's container with an exit code, as the kubelet reports it.
func (f *fixture) finish(p *api.Pod, code int32) {
	f.T.Helper()
	upd := api.Clone(p)
	now := api.NewTime(f.L.Now())
	upd.Status.Phase = api.PodSucceeded
	reason := "Completed"
	if code != 0 {
		upd.Status.Phase, reason = api.PodFailed, "Error"
	}
	upd.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: api.ConditionFalse, Reason: "PodCompleted", LastTransitionTime: now}}
	upd.Status.ContainerStatuses = []api.ContainerStatus{{Name: "main", State: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: code, Reason: reason, FinishedAt: now}}}}
	_, err := client.UpdateStatus(f.C, upd)
	require.NoError(f.T, err)
	f.L.RunUntilIdle()
}

// condition returns the Job's condition of type t.
func condition(j *api.Job, t string) *api.JobCondition {
	return findCondition(j.Status.Conditions, t)
}

// conditionTypes lists the Job's true conditions in order.
func conditionTypes(j *api.Job) []string {
	var out []string
	for _, c := range j.Status.Conditions {
		if c.Status == api.ConditionTrue {
			out = append(out, c.Type)
		}
	}
	return out
}

// events returns "Reason: message" of the events about a Job, in order.
func (f *fixture) events(name string) []string {
	return controllertest.Events(f.T, f.C, "Job", name)
}
