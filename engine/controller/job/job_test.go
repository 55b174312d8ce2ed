package job

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
)

func TestJobRunsToCompletion(t *testing.T) {
	f := newFixture(t)
	f.create(newJob("work", func(j *api.Job) {
		j.Spec.Completions, j.Spec.Parallelism = api.Ptr(int32(3)), api.Ptr(int32(2))
	}))
	pods := f.active("work")
	require.Len(t, pods, 2, "parallelism pods at once")
	p := pods[0]
	assert.Equal(t, "work-", p.GenerateName)
	assert.Equal(t, []string{TrackingFinalizer}, p.Finalizers)
	ref := p.OwnerReferences[0]
	assert.Equal(t, []any{"batch/v1", "Job", "work", true}, []any{ref.APIVersion, ref.Kind, ref.Name, *ref.Controller})
	j := f.job("work")
	assert.Equal(t, int32(2), j.Status.Active)
	assert.Equal(t, epoch, j.Status.StartTime.Time)
	assert.Equal(t, &api.UncountedTerminatedPods{}, j.Status.UncountedTerminatedPods)

	f.finish(pods[0], 0)
	f.settle()
	assert.Len(t, f.active("work"), 2, "a pod replaces the one that succeeded")
	assert.Empty(t, f.pods("work")[0].Finalizers, "a counted pod loses its finalizer")
	assert.Equal(t, int32(1), f.job("work").Status.Succeeded)

	for _, p := range f.active("work") {
		f.finish(p, 0)
	}
	f.settle()
	j = f.job("work")
	assert.Equal(t, []string{CondSuccessCriteriaMet, CondComplete}, conditionTypes(j))
	c := condition(j, CondComplete)
	assert.Equal(t, []string{ReasonCompletionsReached, "Reached expected number of succeeded pods"}, []string{c.Reason, c.Message})
	assert.Equal(t, int32(3), j.Status.Succeeded)
	assert.Equal(t, int32(0), j.Status.Active)
	assert.Equal(t, c.LastTransitionTime, *j.Status.CompletionTime)
	assert.Equal(t, api.Ptr(int32(0)), j.Status.Ready)
	assert.Equal(t, api.Ptr(int32(0)), j.Status.Terminating)
	events := f.events("work")
	assert.Len(t, events, 4)
	assert.Regexp(t, `^SuccessfulCreate: Created pod: work-\w{5}$`, events[0])
	assert.Equal(t, "Completed: Job completed", events[3])
}

func TestWorkQueueJobCompletesWithTheFirstSuccess(t *testing.T) {
	f := newFixture(t)
	f.create(newJob("queue", func(j *api.Job) { j.Spec.Parallelism = api.Ptr(int32(3)) }))
	pods := f.active("queue")
	require.Len(t, pods, 3)
	f.finish(pods[0], 0)
	f.settle()
	assert.Len(t, f.active("queue"), 2, "no new pod once one succeeded, the others run on")
	assert.False(t, IsFinished(f.job("queue")))
	f.finish(pods[1], 0)
	f.finish(pods[2], 0)
	f.settle()
	assert.Equal(t, []string{CondSuccessCriteriaMet, CondComplete}, conditionTypes(f.job("queue")))
}

// TestPodFailureBackoff follows a Job whose pods all fail: each new pod
// waits 10 s, then 20 s, 40 s... after the last failure, and the Job fails
// once it has more failures than backoffLimit.
func TestPodFailureBackoff(t *testing.T) {
	f := newFixture(t)
	f.create(newJob("fail", func(j *api.Job) { j.Spec.BackoffLimit = api.Ptr(int32(3)) }))
	var created []time.Duration
	for range 4 {
		pods := f.active("fail")
		require.Len(t, pods, 1)
		created = append(created, pods[0].CreationTimestamp.Sub(epoch))
		f.L.AdvanceBy(2 * time.Second)
		f.finish(pods[0], 1)
		f.L.RunUntil(func() bool { return len(f.active("fail")) > 0 || IsFinished(f.job("fail")) }, f.L.Now().Add(time.Hour))
	}
	// The first pod fails at 3 s, the others 2 s after they are created;
	// the next pod comes 10, 20, then 40 s after each failure.
	assert.Equal(t, []time.Duration{0, 13 * time.Second, 35 * time.Second, 77 * time.Second}, created)
	j := f.job("fail")
	assert.Equal(t, []string{CondFailureTarget, CondFailed}, conditionTypes(j))
	c := condition(j, CondFailed)
	assert.Equal(t, []string{ReasonBackoffLimitExceeded, "Job has reached the specified backoff limit"}, []string{c.Reason, c.Message})
	assert.Equal(t, int32(4), j.Status.Failed)
	assert.Nil(t, j.Status.CompletionTime)
	events := f.events("fail")
	assert.Equal(t, "BackoffLimitExceeded: Job has reached the specified backoff limit", events[len(events)-1])
}

func TestBackoffRemaining(t *testing.T) {
	tests := []struct {
		failures int32
		elapsed  time.Duration
		want     time.Duration
	}{
		{0, 0, 0},
		{1, 0, 10 * time.Second},
		{1, 4 * time.Second, 6 * time.Second},
		{2, 0, 20 * time.Second},
		{4, 0, 80 * time.Second},
		{6, 0, 320 * time.Second},
		{7, 0, 10 * time.Minute},
		{30, time.Minute, 9 * time.Minute},
		{3, time.Hour, 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, remainingFor(tt.failures, epoch, epoch.Add(tt.elapsed)), "failures=%d elapsed=%v", tt.failures, tt.elapsed)
	}
}

// TestOnFailureRestartsCount: with restartPolicy OnFailure the kubelet
// restarts containers in place, and their restarts count against
// backoffLimit.
func TestOnFailureRestartsCount(t *testing.T) {
	f := newFixture(t)
	f.create(newJob("restarts", func(j *api.Job) {
		j.Spec.Template.Spec.RestartPolicy = api.RestartOnFailure
		j.Spec.BackoffLimit = api.Ptr(int32(2))
	}))
	p := f.active("restarts")[0]
	f.run(p)
	p = f.pods("restarts")[0]
	upd := api.Clone(p)
	upd.Status.ContainerStatuses[0].RestartCount = 2
	_, err := client.UpdateStatus(f.C, upd)
	require.NoError(t, err)
	f.settle()
	f.settle()
	j := f.job("restarts")
	assert.Equal(t, []string{CondFailureTarget, CondFailed}, conditionTypes(j))
	assert.Equal(t, int32(1), j.Status.Failed, "the pod still running is deleted and counted as failed")
	assert.Contains(t, f.events("restarts"), "SuccessfulDelete: Deleted pod: "+p.Name)
}

func TestActiveDeadline(t *testing.T) {
	f := newFixture(t)
	f.create(newJob("slow", func(j *api.Job) { j.Spec.ActiveDeadlineSeconds = api.Ptr(int64(30)) }))
	f.run(f.active("slow")[0])
	f.L.AdvanceTo(epoch.Add(29 * time.Second))
	assert.Nil(t, condition(f.job("slow"), CondFailureTarget))
	f.L.AdvanceTo(epoch.Add(30500 * time.Millisecond))
	j := f.job("slow")
	c := condition(j, CondFailureTarget)
	require.NotNil(t, c)
	assert.Equal(t, []string{ReasonDeadlineExceeded, "Job was active longer than specified deadline"}, []string{c.Reason, c.Message})
	assert.Equal(t, epoch.Add(30*time.Second), c.LastTransitionTime.Time, "at the deadline, not a batch later")
	assert.Nil(t, condition(j, CondFailed), "not failed while its pod terminates")
	f.settle()
	j = f.job("slow")
	assert.Equal(t, []string{CondFailureTarget, CondFailed}, conditionTypes(j))
	assert.Equal(t, epoch.Add(31*time.Second), condition(j, CondFailed).LastTransitionTime.Time)
	assert.Equal(t, int32(1), j.Status.Failed)
	assert.Empty(t, f.pods("slow"), "the running pod is deleted")
}

func TestIndexedJob(t *testing.T) {
	f := newFixture(t)
	f.create(newJob("idx", func(j *api.Job) {
		j.Spec.CompletionMode = api.Ptr("Indexed")
		j.Spec.Completions, j.Spec.Parallelism = api.Ptr(int32(5)), api.Ptr(int32(3))
	}))
	pods := f.active("idx")
	require.Len(t, pods, 3)
	for i, p := range pods {
		ix := string(rune('0' + i))
		assert.Regexp(t, `^idx-`+ix+`-\w{5}$`, p.Name)
		assert.Equal(t, "idx-"+ix+"-", p.GenerateName)
		assert.Equal(t, ix, p.Annotations[CompletionIndexAnnotation])
		assert.Equal(t, ix, p.Labels[CompletionIndexAnnotation])
		assert.Equal(t, "idx-"+ix, p.Spec.Hostname)
		env := p.Spec.Containers[0].Env
		require.Len(t, env, 1)
		assert.Equal(t, "JOB_COMPLETION_INDEX", env[0].Name)
		assert.Equal(t, "metadata.labels['batch.kubernetes.io/job-completion-index']", env[0].ValueFrom.FieldRef.FieldPath)
	}
	f.finish(pods[0], 0)
	f.finish(pods[2], 0)
	f.settle()
	j := f.job("idx")
	assert.Equal(t, "0,2", j.Status.CompletedIndexes)
	assert.Equal(t, int32(2), j.Status.Succeeded)
	var running []string
	for _, p := range f.active("idx") {
		running = append(running, p.Annotations[CompletionIndexAnnotation])
	}
	assert.ElementsMatch(t, []string{"1", "3", "4"}, running)
	for _, p := range f.active("idx") {
		f.finish(p, 0)
	}
	f.settle()
	j = f.job("idx")
	assert.Equal(t, "0-4", j.Status.CompletedIndexes)
	assert.True(t, IsFinished(j))
}

// TestBackoffLimitPerIndex: an index that fails more than
// backoffLimitPerIndex times fails alone; the Job fails once every index
// has succeeded or failed, or at once beyond maxFailedIndexes.
func TestBackoffLimitPerIndex(t *testing.T) {
	tests := []struct {
		name       string
		maxFailed  *int32
		wantReason string
		wantFailed int32
	}{
		{"FailedIndexes", nil, ReasonFailedIndexes, 2},
		// Index 1's pod, deleted when the Job fails, counts as failed too.
		{"MaxFailedIndexesExceeded", api.Ptr(int32(0)), ReasonMaxFailedIndexesExceeded, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.create(newJob("perindex", func(j *api.Job) {
				j.Spec.CompletionMode = api.Ptr("Indexed")
				j.Spec.Completions, j.Spec.Parallelism = api.Ptr(int32(2)), api.Ptr(int32(2))
				j.Spec.BackoffLimitPerIndex, j.Spec.MaxFailedIndexes = api.Ptr(int32(1)), tt.maxFailed
			}))
			byIndex := func(ix string) *api.Pod {
				for _, p := range f.active("perindex") {
					if p.Annotations[CompletionIndexAnnotation] == ix {
						return p
					}
				}
				return nil
			}
			assert.Equal(t, "0", byIndex("0").Annotations[IndexFailureCountAnnotation])
			f.finish(byIndex("0"), 1)
			f.L.AdvanceBy(11 * time.Second)
			retry := byIndex("0")
			require.NotNil(t, retry, "index 0 gets a second try after 10 s")
			assert.Equal(t, "1", retry.Annotations[IndexFailureCountAnnotation])
			f.finish(retry, 1)
			f.settle()
			f.settle()
			j := f.job("perindex")
			assert.Equal(t, api.Ptr("0"), j.Status.FailedIndexes)
			if tt.maxFailed == nil {
				assert.False(t, IsFinished(j), "index 1 still runs")
				f.finish(byIndex("1"), 0)
				f.settle()
				j = f.job("perindex")
				assert.Equal(t, "1", j.Status.CompletedIndexes)
			}
			assert.Equal(t, []string{CondFailureTarget, CondFailed}, conditionTypes(j))
			assert.Equal(t, tt.wantReason, condition(j, CondFailed).Reason)
			assert.Equal(t, tt.wantFailed, j.Status.Failed)
		})
	}
}

func TestPodFailurePolicy(t *testing.T) {
	f := newFixture(t)
	f.create(newJob("pfp", func(j *api.Job) {
		j.Spec.Parallelism = api.Ptr(int32(2))
		j.Spec.Completions = api.Ptr(int32(2))
		j.Spec.PodFailurePolicy = &api.PodFailurePolicy{Rules: []api.PodFailurePolicyRule{
			{Action: "FailJob", OnExitCodes: &api.PodFailurePolicyOnExitCodesRequirement{Operator: "In", Values: []int32{42}}},
			{Action: "Ignore", OnExitCodes: &api.PodFailurePolicyOnExitCodesRequirement{Operator: "In", Values: []int32{7}}},
		}}
	}))
	pods := f.active("pfp")
	f.finish(pods[0], 7)
	f.settle()
	j := f.job("pfp")
	assert.Equal(t, int32(0), j.Status.Failed, "an ignored failure is not counted")
	assert.Len(t, f.active("pfp"), 1, "but the backoff applies")
	f.L.AdvanceBy(10 * time.Second)
	assert.Len(t, f.active("pfp"), 2)
	f.run(pods[1])
	f.finish(f.pods("pfp")[1], 42)
	f.settle()
	f.settle()
	j = f.job("pfp")
	c := condition(j, CondFailureTarget)
	require.NotNil(t, c)
	assert.Equal(t, ReasonPodFailurePolicy, c.Reason)
	assert.Equal(t, "Container main for pod default/"+pods[1].Name+" failed with exit code 42 matching FailJob rule at index 0", c.Message)
	assert.Equal(t, []string{CondFailureTarget, CondFailed}, conditionTypes(j))
	assert.Equal(t, int32(2), j.Status.Failed, "the failed pod and the one deleted")
}

func TestMatchPodFailurePolicy(t *testing.T) {
	pod := func(code int32, cond string) *api.Pod {
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "ns"}}
		p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "main", State: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: code}}}}
		if cond != "" {
			p.Status.Conditions = []api.PodCondition{{Type: cond, Status: api.ConditionTrue}}
		}
		return p
	}
	exit := func(op string, v ...int32) *api.PodFailurePolicyOnExitCodesRequirement {
		return &api.PodFailurePolicyOnExitCodesRequirement{Operator: op, Values: v}
	}
	disruption := []api.PodFailurePolicyOnPodConditionsPattern{{Type: "DisruptionTarget", Status: api.ConditionTrue}}
	tests := []struct {
		name       string
		rules      []api.PodFailurePolicyRule
		pod        *api.Pod
		msg        string
		count      bool
		wantAction string
	}{
		{"no rule matches", []api.PodFailurePolicyRule{{Action: "FailJob", OnExitCodes: exit("In", 2)}}, pod(1, ""), "", true, ""},
		{"FailJob on an exit code", []api.PodFailurePolicyRule{{Action: "FailJob", OnExitCodes: exit("In", 1, 2)}}, pod(2, ""),
			"Container main for pod ns/p failed with exit code 2 matching FailJob rule at index 0", true, "FailJob"},
		{"NotIn", []api.PodFailurePolicyRule{{Action: "Count", OnExitCodes: exit("NotIn", 1)}}, pod(3, ""), "", true, "Count"},
		{"exit code 0 never matches", []api.PodFailurePolicyRule{{Action: "FailJob", OnExitCodes: exit("NotIn", 1)}}, pod(0, "DisruptionTarget"), "", true, ""},
		{"Ignore a disruption", []api.PodFailurePolicyRule{{Action: "Ignore", OnPodConditions: disruption}}, pod(137, "DisruptionTarget"), "", false, "Ignore"},
		{"first match wins", []api.PodFailurePolicyRule{{Action: "FailIndex", OnExitCodes: exit("In", 5)}, {Action: "FailJob", OnPodConditions: disruption}}, pod(137, "DisruptionTarget"),
			"Pod ns/p has condition DisruptionTarget matching FailJob rule at index 1", true, "FailJob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, count, action := matchPodFailurePolicy(&api.PodFailurePolicy{Rules: tt.rules}, tt.pod)
			assert.Equal(t, []any{tt.msg, tt.count, tt.wantAction}, []any{msg, count, action})
		})
	}
}

func TestSuccessPolicy(t *testing.T) {
	f := newFixture(t)
	f.create(newJob("leader", func(j *api.Job) {
		j.Spec.CompletionMode = api.Ptr("Indexed")
		j.Spec.Completions, j.Spec.Parallelism = api.Ptr(int32(3)), api.Ptr(int32(3))
		j.Spec.SuccessPolicy = &api.SuccessPolicy{Rules: []api.SuccessPolicyRule{{SucceededIndexes: api.Ptr("0")}}}
	}))
	pods := f.active("leader")
	for _, p := range pods[1:] {
		f.run(p)
	}
	f.finish(pods[0], 0)
	f.settle()
	j := f.job("leader")
	assert.Equal(t, []string{CondSuccessCriteriaMet}, conditionTypes(j), "not complete while the other pods terminate")
	f.settle()
	j = f.job("leader")
	assert.Equal(t, []string{CondSuccessCriteriaMet, CondComplete}, conditionTypes(j))
	c := condition(j, CondComplete)
	assert.Equal(t, []string{ReasonSuccessPolicy, "Matched rules at index 0"}, []string{c.Reason, c.Message})
	assert.Equal(t, "0", j.Status.CompletedIndexes)
	assert.Equal(t, int32(0), j.Status.Failed, "the pods deleted on success are not failures")
	assert.Len(t, f.pods("leader"), 1)
}

func TestMatchSuccessPolicy(t *testing.T) {
	tests := []struct {
		name      string
		rule      api.SuccessPolicyRule
		succeeded string
		want      bool
	}{
		{"all indexes", api.SuccessPolicyRule{SucceededIndexes: api.Ptr("0-2")}, "0,1", false},
		{"all indexes met", api.SuccessPolicyRule{SucceededIndexes: api.Ptr("0-2")}, "0-3", true},
		{"count of indexes", api.SuccessPolicyRule{SucceededIndexes: api.Ptr("1,3,5"), SucceededCount: api.Ptr(int32(2))}, "0,3,5", true},
		{"count alone", api.SuccessPolicyRule{SucceededCount: api.Ptr(int32(3))}, "4-5", false},
		{"count alone met", api.SuccessPolicyRule{SucceededCount: api.Ptr(int32(3))}, "2,4-5", true},
	}
	for _, tt := range tests {
		_, got := matchSuccessPolicy(&api.SuccessPolicy{Rules: []api.SuccessPolicyRule{tt.rule}}, 6, parseIndexes(tt.succeeded, 6))
		assert.Equal(t, tt.want, got, tt.name)
	}
}

func TestSuspendAndResume(t *testing.T) {
	f := newFixture(t)
	f.create(newJob("later", func(j *api.Job) {
		j.Spec.Suspend = api.Ptr(true)
		j.Spec.Parallelism, j.Spec.Completions = api.Ptr(int32(2)), api.Ptr(int32(4))
	}))
	j := f.job("later")
	assert.Empty(t, f.pods("later"))
	assert.Nil(t, j.Status.StartTime, "a suspended Job has not started")
	c := condition(j, CondSuspended)
	require.NotNil(t, c)
	assert.Equal(t, []string{api.ConditionTrue, "JobSuspended", "Job suspended"}, []string{c.Status, c.Reason, c.Message})

	f.L.AdvanceBy(time.Minute)
	resumed := f.L.Now()
	f.setSuspend("later", false)
	j = f.job("later")
	assert.Len(t, f.active("later"), 2)
	c = condition(j, CondSuspended)
	assert.Equal(t, []string{api.ConditionFalse, "JobResumed", "Job resumed"}, []string{c.Status, c.Reason, c.Message})
	assert.Equal(t, api.NewTime(resumed), *j.Status.StartTime, "resuming restarts the clock")

	f.setSuspend("later", true)
	assert.Empty(t, f.pods("later"), "suspending deletes the running pods")
	j = f.job("later")
	assert.Equal(t, int32(0), j.Status.Failed, "and does not count them as failed")
	var reasons []string
	for _, e := range f.events("later") {
		reasons = append(reasons, e[:strings.Index(e, ":")])
	}
	// The second Suspended is counted on the first event, as client-go does.
	assert.Equal(t, []string{"Suspended", "SuccessfulCreate", "SuccessfulCreate", "Resumed", "SuccessfulDelete", "SuccessfulDelete"}, reasons)
}

func (f *fixture) setSuspend(name string, suspend bool) {
	f.T.Helper()
	j := api.Clone(f.job(name))
	j.Spec.Suspend = api.Ptr(suspend)
	_, err := client.Update(f.C, j)
	require.NoError(f.T, err)
	f.settle()
}

// TestOrphansLoseTheirFinalizer: pods whose Job is gone must not be kept
// forever by the tracking finalizer.
func TestOrphansLoseTheirFinalizer(t *testing.T) {
	f := newFixture(t)
	f.create(newJob("gone", nil))
	p := f.active("gone")[0]
	require.NoError(t, client.Delete[*api.Job](f.C, "default", "gone", apiserver.DeleteOptions{PropagationPolicy: apiserver.PropagationOrphan}))
	f.settle()
	p, err := client.Get[*api.Pod](f.C, "default", p.Name)
	require.NoError(t, err)
	assert.Empty(t, p.Finalizers)
}

func TestAdoptionAndRelease(t *testing.T) {
	f := newFixture(t)
	j := f.create(newJob("adopt", func(j *api.Job) { j.Spec.Completions = api.Ptr(int32(2)) }))
	// A pod made by hand with the Job's labels, that already succeeded.
	stray := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "stray", Namespace: "default", Labels: j.Spec.Template.Labels}}
	stray.Spec.Containers = []api.Container{{Name: "main", Image: "busybox"}}
	stray, err := client.Create(f.C, stray)
	require.NoError(t, err)
	f.finish(stray, 0)
	f.settle()
	p, err := client.Get[*api.Pod](f.C, "default", "stray")
	require.NoError(t, err)
	require.Len(t, p.OwnerReferences, 1)
	assert.Equal(t, j.UID, p.OwnerReferences[0].UID, "the Job adopts it")
	assert.Empty(t, p.Finalizers, "and counts it")
	assert.Equal(t, int32(1), f.job("adopt").Status.Succeeded)

	upd := api.Clone(p)
	upd.Labels = map[string]string{"app": "other"}
	_, err = client.Update(f.C, upd)
	require.NoError(t, err)
	f.settle()
	p, err = client.Get[*api.Pod](f.C, "default", "stray")
	require.NoError(t, err)
	assert.Empty(t, p.OwnerReferences, "a pod that stops matching is released")
}

func TestWantActive(t *testing.T) {
	tests := []struct {
		completions, parallelism *int32
		succeeded, active, want  int32
	}{
		{api.Ptr(int32(5)), api.Ptr(int32(2)), 0, 0, 2},
		{api.Ptr(int32(5)), api.Ptr(int32(2)), 4, 1, 1},
		{api.Ptr(int32(5)), api.Ptr(int32(2)), 6, 0, 0},
		{nil, api.Ptr(int32(3)), 0, 1, 3},
		{nil, api.Ptr(int32(3)), 1, 2, 2},
	}
	for _, tt := range tests {
		j := newJob("x", func(j *api.Job) { j.Spec.Completions, j.Spec.Parallelism = tt.completions, tt.parallelism })
		assert.Equal(t, tt.want, wantActive(j, tt.succeeded, tt.active))
	}
}

// A Job of wide parallelism creates controller.CreateChunk pods per event
// of the loop, in slow-start batches, and in the end as many as it may;
// an Indexed Job's pods still take the lowest indexes, each once, and the
// Job's status counts them all active.
func TestWideJobSpreadsItsCreatesOverEvents(t *testing.T) {
	for _, mode := range []string{"NonIndexed", "Indexed"} {
		t.Run(mode, func(t *testing.T) {
			f := newFixture(t)
			_, err := client.Create(f.C, newJob("wide", func(j *api.Job) {
				j.Spec.CompletionMode = api.Ptr(mode)
				j.Spec.Completions, j.Spec.Parallelism = api.Ptr(int32(1000)), api.Ptr(int32(300))
			}))
			require.NoError(t, err)
			most := 0
			for {
				before := len(f.pods("wide"))
				if !f.L.Step() {
					break
				}
				most = max(most, len(f.pods("wide"))-before)
			}
			f.settle()
			assert.Equal(t, controller.CreateChunk, most, "at most a chunk of creates per event")
			pods := f.active("wide")
			require.Len(t, pods, 300)
			if mode == "Indexed" {
				var got []string
				for _, p := range pods {
					got = append(got, p.Annotations[CompletionIndexAnnotation])
				}
				want := make([]string, 300)
				for i := range want {
					want[i] = strconv.Itoa(i)
				}
				assert.ElementsMatch(t, want, got)
			}
			assert.Equal(t, int32(300), f.job("wide").Status.Active)
		})
	}
}

// When creating fails in a later event of a wide sync (here the pods'
// service account is deleted after the first chunk), the slow start stops,
// the pods not made are not expected, and the Job is synced again with
// the controller's backoff, which creates the rest once creating works.
func TestWideJobRetriesAFailureInALaterChunk(t *testing.T) {
	f := newFixture(t)
	_, err := client.Create(f.C, &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "robot", Namespace: "default"}})
	require.NoError(t, err)
	_, err = client.Create(f.C, newJob("wide", func(j *api.Job) {
		j.Spec.Template.Spec.ServiceAccountName = "robot"
		j.Spec.Completions, j.Spec.Parallelism = api.Ptr(int32(1000)), api.Ptr(int32(300))
	}))
	require.NoError(t, err)
	for len(f.pods("wide")) == 0 {
		require.True(t, f.L.Step())
	}
	require.Len(t, f.pods("wide"), controller.CreateChunk)
	require.NoError(t, client.Delete[*api.ServiceAccount](f.C, "default", "robot", apiserver.DeleteOptions{}))
	f.L.RunUntilIdle()
	assert.Len(t, f.pods("wide"), controller.CreateChunk, "the batch that failed ends the slow start")

	_, err = client.Create(f.C, &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "robot", Namespace: "default"}})
	require.NoError(t, err)
	f.L.AdvanceBy(time.Minute)
	f.settle()
	// Within a minute, not the five of the expectations' timeout: the
	// pods that failed or were skipped are not waited for.
	assert.Len(t, f.active("wide"), 300, "the retry creates the rest")
	assert.Equal(t, int32(300), f.job("wide").Status.Active)
}
