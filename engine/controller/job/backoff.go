package job

import (
	"sort"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// The pod failure backoff (upstream's backoff_utils.go): a Job waits
// 10 s after its first failure before it creates a pod, and twice as long
// after each further failure since its last success.

// backoffRecord counts a Job's failures since its last success.
type backoffRecord struct {
	failuresAfterLastSuccess int32
	lastFailureTime          time.Time
}

// newBackoffRecord updates the Job's record with the pods that finished
// since the last sync. It is kept once the status that counts them is written.
func (ctl *Controller) newBackoffRecord(key string, succeeded, failed []*api.Pod) backoffRecord {
	b := ctl.backoff[key]
	sortByFinishedTime(succeeded)
	sortByFinishedTime(failed)
	switch {
	case len(failed) == 0 && len(succeeded) == 0:
		return b
	case len(succeeded) == 0:
		b.failuresAfterLastSuccess += int32(len(failed))
		b.lastFailureTime = finishedTime(failed[len(failed)-1])
		return b
	}
	b = backoffRecord{}
	lastSuccess := finishedTime(succeeded[len(succeeded)-1])
	for i := len(failed) - 1; i >= 0; i-- {
		t := finishedTime(failed[i])
		if !t.After(lastSuccess) {
			break
		}
		if b.lastFailureTime.IsZero() {
			b.lastFailureTime = t
		}
		b.failuresAfterLastSuccess++
	}
	return b
}

// remaining is how long pod creation must still wait.
func (b backoffRecord) remaining(now time.Time) time.Duration {
	return remainingFor(b.failuresAfterLastSuccess, b.lastFailureTime, now)
}

// indexBackoffRemaining is the wait of an index whose last failed pod is p.
func indexBackoffRemaining(p *api.Pod, now time.Time) time.Duration {
	if p == nil {
		return 0
	}
	return remainingFor(absoluteFailureCount(p)+1, finishedTime(p), now)
}

func remainingFor(failures int32, last time.Time, now time.Time) time.Duration {
	if failures == 0 {
		return 0
	}
	d := defaultPodFailureBackOff
	for i := int32(1); i < failures; i++ {
		d *= 2
		if d >= maxPodFailureBackOff {
			d = maxPodFailureBackOff
			break
		}
	}
	elapsed := now.Sub(last)
	if d < elapsed {
		return 0
	}
	return d - elapsed
}

func sortByFinishedTime(pods []*api.Pod) {
	sort.SliceStable(pods, func(i, j int) bool { return finishedTime(pods[i]).Before(finishedTime(pods[j])) })
}

// finishedTime is when a pod finished: its last container's end, else when
// it stopped being ready, else when its deletion began, else its creation.
func finishedTime(p *api.Pod) time.Time {
	if t, ok := containersFinished(p); ok {
		return t
	}
	if c := controller.PodCondition(p, api.PodReady); c != nil && c.Status == api.ConditionFalse && !c.LastTransitionTime.IsZero() {
		return c.LastTransitionTime.Time
	}
	if p.DeletionTimestamp != nil {
		return p.DeletionTimestamp.Add(-time.Duration(api.Deref(p.DeletionGracePeriodSeconds, 0)) * time.Second)
	}
	return p.CreationTimestamp.Time
}

func containersFinished(p *api.Pod) (time.Time, bool) {
	var last time.Time
	for _, cs := range p.Status.ContainerStatuses {
		t := cs.State.Terminated
		if t == nil || t.FinishedAt.IsZero() {
			return time.Time{}, false
		}
		if t.FinishedAt.After(last) {
			last = t.FinishedAt.Time
		}
	}
	return last, !last.IsZero()
}
