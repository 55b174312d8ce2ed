// Package ttlafterfinished is the TTL-after-finished controller of
// kube-controller-manager v1.37: it deletes a finished Job (and, in the
// foreground, its pods) ttlSecondsAfterFinished after its Complete or
// Failed condition, checking the TTL again on a live read first, so that a
// TTL edited in the meantime wins.
package ttlafterfinished

import (
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller/job"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Controller is the TTL-after-finished controller.
type Controller struct {
	c     *client.Client
	jobs  *client.Informer[*api.Job]
	queue *loop.Queue
}

// New returns the controller sharing the given Job informer.
func New(c *client.Client, jobs *client.Informer[*api.Job]) *Controller {
	ctl := &Controller{c: c, jobs: jobs}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	return ctl
}

// Start registers the handlers; the caller starts the shared informer.
func (ctl *Controller) Start() error {
	enqueue := func(j *api.Job) {
		if j.DeletionTimestamp == nil && needsCleanup(j) {
			ctl.queue.Add(client.KeyOf(j))
		}
	}
	ctl.jobs.AddHandler(client.Handler[*api.Job]{Add: enqueue, Update: func(_, j *api.Job) { enqueue(j) }})
	return nil
}

// Reconcile deletes a Job whose TTL has run out, or asks to look again when
// it will.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	cached, ok := ctl.jobs.Get(ns, name)
	if !ok {
		return loop.Result{}, nil
	}
	if left, expired := ctl.timeLeft(cached); !expired {
		return loop.Result{RequeueAfter: left}, nil
	}
	// The cache may be stale: the TTL may have been changed since.
	fresh, err := client.Get[*api.Job](ctl.c, ns, name)
	if apiserver.IsNotFound(err) {
		return loop.Result{}, nil
	}
	if err != nil {
		return loop.Result{}, err
	}
	if left, expired := ctl.timeLeft(fresh); !expired {
		return loop.Result{RequeueAfter: left}, nil
	}
	err = client.Delete[*api.Job](ctl.c, ns, name, apiserver.DeleteOptions{
		PropagationPolicy: apiserver.PropagationForeground, PreconditionUID: fresh.UID,
	})
	if apiserver.IsNotFound(err) {
		return loop.Result{}, nil
	}
	return loop.Result{}, err
}

// timeLeft returns how long until the Job's TTL runs out and whether it
// has; a Job being deleted or not to be cleaned up never expires.
func (ctl *Controller) timeLeft(j *api.Job) (time.Duration, bool) {
	if j.DeletionTimestamp != nil || !needsCleanup(j) {
		return 0, false
	}
	finished := finishTime(j)
	if finished.IsZero() {
		return 0, false
	}
	left := finished.Add(time.Duration(*j.Spec.TTLSecondsAfterFinished) * time.Second).Sub(ctl.c.Now())
	return left, left <= 0
}

// needsCleanup reports a finished Job with a TTL.
func needsCleanup(j *api.Job) bool {
	return j.Spec.TTLSecondsAfterFinished != nil && job.IsFinished(j)
}

// finishTime is when the Job's Complete or Failed condition turned true.
func finishTime(j *api.Job) time.Time {
	for _, c := range j.Status.Conditions {
		if (c.Type == job.CondComplete || c.Type == job.CondFailed) && c.Status == api.ConditionTrue {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}
