package job

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller/garbagecollector"
)

// TestJobInvariants drives random Jobs through random pod outcomes and
// deletions, seed after seed, and checks what must always hold: no more
// active pods than parallelism, no more successes than completions, no pod
// counted twice, no pod left running once the Job has finished, a terminal
// condition never taken back or changed, and in the end no
// finalizer left and nothing orphaned once the Job is deleted.
func TestJobInvariants(t *testing.T) {
	seeds := 200
	if testing.Short() {
		seeds = 20
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runRandomJob(t, seed) })
	}
}

func runRandomJob(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 42))
	f := newSeededFixture(t, seed)
	require.NoError(t, garbagecollector.New(client.New(f.S, "garbage-collector")).Start())
	// Every pod ever created, even those gone before a check.
	seen := map[string]bool{}
	watch := client.NewInformer[*api.Pod](f.C, "default", apiserver.ListOptions{})
	watch.AddHandler(client.Handler[*api.Pod]{Add: func(p *api.Pod) { seen[p.UID] = true }})
	require.NoError(t, watch.Start())
	f.create(randomJob(rng))
	var final *api.JobCondition
	for step := 0; step < 150; step++ {
		randomStep(f, rng)
		j := f.job("rand")
		final = checkJob(t, f, j, seen, final, step)
	}
	// Let it finish: every pod still running succeeds.
	for i := 0; i < 50 && !IsFinished(f.job("rand")); i++ {
		for _, p := range f.active("rand") {
			f.finish(p, 0)
		}
		f.L.AdvanceBy(time.Minute)
		checkJob(t, f, f.job("rand"), seen, final, -1)
	}
	require.True(t, IsFinished(f.job("rand")), "the Job finishes")
	for _, p := range f.pods("rand") {
		require.NotContains(t, p.Finalizers, TrackingFinalizer, "pod %s of a finished Job keeps its finalizer", p.Name)
	}
	require.NoError(t, client.Delete[*api.Job](f.C, "default", "rand", apiserver.DeleteOptions{PropagationPolicy: apiserver.PropagationBackground}))
	f.L.AdvanceBy(time.Minute)
	all, err := client.List[*api.Pod](f.C, "default", apiserver.ListOptions{})
	require.NoError(t, err)
	require.Empty(t, all, "the Job's pods go with it")
}

// randomJob returns a Job of random shape.
func randomJob(rng *rand.Rand) *api.Job {
	return newJob("rand", func(j *api.Job) {
		j.Spec.Parallelism = api.Ptr(int32(1 + rng.IntN(4)))
		if rng.IntN(4) > 0 {
			j.Spec.Completions = api.Ptr(int32(1 + rng.IntN(6)))
		}
		j.Spec.BackoffLimit = api.Ptr(int32(rng.IntN(8)))
		if j.Spec.Completions != nil && rng.IntN(2) == 0 {
			j.Spec.CompletionMode = api.Ptr("Indexed")
			if rng.IntN(2) == 0 {
				j.Spec.BackoffLimitPerIndex = api.Ptr(int32(rng.IntN(3)))
			}
		}
		if rng.IntN(3) == 0 {
			j.Spec.PodReplacementPolicy = api.Ptr("Failed")
		}
		if rng.IntN(4) == 0 {
			j.Spec.ActiveDeadlineSeconds = api.Ptr(int64(30 + rng.IntN(300)))
		}
	})
}

// randomStep lets time pass, or plays the kubelet or a user on one pod.
func randomStep(f *fixture, rng *rand.Rand) {
	pods := f.pods("rand")
	var live []*api.Pod
	for _, p := range pods {
		if p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed {
			live = append(live, p)
		}
	}
	if len(live) == 0 || rng.IntN(4) == 0 {
		f.L.AdvanceBy(time.Duration(rng.IntN(20000)) * time.Millisecond)
		return
	}
	p := live[rng.IntN(len(live))]
	switch rng.IntN(5) {
	case 0:
		f.run(p)
	case 1, 2:
		f.finish(p, 0)
	case 3:
		f.finish(p, int32(1+rng.IntN(3)))
	default:
		_ = client.Delete[*api.Pod](f.C, p.Namespace, p.Name, apiserver.DeleteOptions{})
		f.L.RunUntilIdle()
	}
	f.L.AdvanceBy(time.Duration(rng.IntN(1500)) * time.Millisecond)
}

// checkJob checks the invariants and returns the Job's terminal condition.
func checkJob(t *testing.T, f *fixture, j *api.Job, seen map[string]bool, final *api.JobCondition, step int) *api.JobCondition {
	t.Helper()
	at := fmt.Sprintf("step %d at %v", step, f.L.Now().Sub(epoch))
	require.LessOrEqual(t, len(f.active("rand")), int(*j.Spec.Parallelism), "active pods beyond parallelism, %s", at)
	if c := j.Spec.Completions; c != nil {
		require.LessOrEqual(t, j.Status.Succeeded, *c, "successes beyond completions, %s", at)
	}
	require.LessOrEqual(t, int(j.Status.Succeeded+j.Status.Failed), len(seen), "pods counted twice, %s", at)
	complete, failed := condition(j, CondComplete), condition(j, CondFailed)
	require.False(t, complete != nil && failed != nil, "both Complete and Failed, %s", at)
	cur := complete
	if cur == nil {
		cur = failed
	}
	if cur != nil {
		require.Empty(t, f.active("rand"), "a finished Job with pods still active, %s", at)
	}
	if final != nil {
		require.NotNil(t, cur, "terminal condition taken back, %s", at)
		require.Equal(t, *final, *cur, "terminal condition changed, %s", at)
	}
	return cur
}
