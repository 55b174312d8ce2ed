// Package job is the Job controller of kube-controller-manager v1.37
// (pkg/controller/job): it runs a Job's pods to completion, tracking each
// finished pod with the batch.kubernetes.io/job-tracking finalizer until it
// is counted in the Job's status, and decides when the Job has succeeded or
// failed: completions, parallelism, the pod failure backoff, backoffLimit,
// activeDeadlineSeconds, Indexed completion with per-index backoff,
// podFailurePolicy, successPolicy and suspension, with upstream's conditions
// (the interim FailureTarget and SuccessCriteriaMet first, then Failed or
// Complete once no pod is left terminating), events and status fields.
package job

import (
	"reflect"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Names and timings, as upstream.
const (
	// TrackingFinalizer keeps a finished pod until the Job has counted it.
	TrackingFinalizer = "batch.kubernetes.io/job-tracking"
	// CompletionIndexAnnotation (and label) gives an Indexed Job's pod its index.
	CompletionIndexAnnotation = "batch.kubernetes.io/job-completion-index"
	// IndexFailureCountAnnotation counts the failures of an index so far.
	IndexFailureCountAnnotation = "batch.kubernetes.io/job-index-failure-count"
	// IndexIgnoredFailureCountAnnotation counts the failures an Ignore rule forgave.
	IndexIgnoredFailureCountAnnotation = "batch.kubernetes.io/job-index-ignored-failure-count"
	// ControllerName is the value of spec.managedBy this controller serves.
	ControllerName = "kubernetes.io/job-controller"

	// syncBatchPeriod gathers the pod events of one second into one sync.
	syncBatchPeriod = time.Second
	// A failed sync is retried after 1 s, doubling up to a minute
	// (DefaultJobApiBackOff, MaxJobApiBackOff), not the loop's 5 ms.
	defaultAPIBackOff = time.Second
	maxAPIBackOff     = time.Minute
	// defaultPodFailureBackOff doubles with each failure since the last
	// success, up to maxPodFailureBackOff (upstream's
	// MaxJobPodFailureBackOff; the documentation's "six minutes" is older).
	defaultPodFailureBackOff = 10 * time.Second
	maxPodFailureBackOff     = 10 * time.Minute
	// maxUncountedPods bounds status.uncountedTerminatedPods.
	maxUncountedPods = 500
	// maxPodCreateDeletePerSync bounds the pod creations or deletions of a sync.
	maxPodCreateDeletePerSync = 500
)

// Controller is the Job controller.
type Controller struct {
	c       *client.Client
	rec     *client.Recorder
	jobs    *client.Informer[*api.Job]
	pods    *client.Informer[*api.Pod]
	queue   *loop.Queue
	orphans *loop.Queue
	exp     *controller.Expectations
	// backoff holds each Job's failures since its last success.
	backoff map[string]backoffRecord
	// batched holds when a batched sync of a Job is due.
	batched map[string]time.Time
	// retries count the failed syncs of each key in a row.
	retries map[string]int
}

// New returns a Job controller sharing the given informers.
func New(c *client.Client, jobs *client.Informer[*api.Job], pods *client.Informer[*api.Pod]) *Controller {
	ctl := &Controller{
		c:       c,
		rec:     client.NewRecorder(c, "job-controller", ""),
		jobs:    jobs,
		pods:    pods,
		exp:     controller.NewExpectations(),
		backoff: map[string]backoffRecord{},
		batched: map[string]time.Time{},
		retries: map[string]int{},
	}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.retrying("job/", ctl.Reconcile))
	ctl.orphans = loop.NewQueue(c.Loop(), ctl.retrying("pod/", ctl.reconcileOrphan))
	return ctl
}

// Start registers the handlers; the caller starts the shared informers.
func (ctl *Controller) Start() error {
	ctl.jobs.AddHandler(client.Handler[*api.Job]{
		Add:    func(j *api.Job) { ctl.queue.Add(client.KeyOf(j)) },
		Update: ctl.jobUpdated,
		Delete: ctl.jobDeleted,
	})
	ctl.pods.AddHandler(client.Handler[*api.Pod]{
		Add:    ctl.podAdded,
		Update: ctl.podUpdated,
		Delete: func(p *api.Pod) { ctl.podDeleted(p, true) },
	})
	return nil
}

// retrying turns a failed sync into a later one, with the Job
// controller's own rate limiter.
func (ctl *Controller) retrying(prefix string, r loop.Reconciler) loop.Reconciler {
	return func(key string) (loop.Result, error) {
		res, err := r(key)
		return ctl.retry(prefix+key, res, err)
	}
}

func (ctl *Controller) retry(key string, res loop.Result, err error) (loop.Result, error) {
	if err == nil {
		delete(ctl.retries, key)
		return res, nil
	}
	ctl.retries[key]++
	d := defaultAPIBackOff
	for i := 1; i < ctl.retries[key] && d < maxAPIBackOff; i++ {
		d *= 2
	}
	d = min(d, maxAPIBackOff)
	if res.RequeueAfter == 0 || d < res.RequeueAfter {
		res.RequeueAfter = d
	}
	return res, nil
}

// enqueueBatched syncs the Job a second from now, or with the sync already
// due sooner, as upstream's enqueueSyncJobBatched.
func (ctl *Controller) enqueueBatched(key string) {
	now := ctl.c.Now()
	if at, ok := ctl.batched[key]; ok && !at.Before(now) {
		return
	}
	ctl.batched[key] = now.Add(syncBatchPeriod)
	ctl.queue.AddAfter(key, syncBatchPeriod)
}

// jobUpdated syncs at once after a spec change, batched after a status one.
func (ctl *Controller) jobUpdated(old, cur *api.Job) {
	key := client.KeyOf(cur)
	if cur.Generation == old.Generation {
		ctl.enqueueBatched(key)
	} else {
		ctl.queue.Add(key)
	}
	if IsFinished(cur) {
		ctl.cleanupPodFinalizers(cur)
	}
}

func (ctl *Controller) jobDeleted(j *api.Job) {
	ctl.queue.Add(client.KeyOf(j))
	ctl.cleanupPodFinalizers(j)
}

// cleanupPodFinalizers frees the pods of a Job that is gone or finished.
func (ctl *Controller) cleanupPodFinalizers(j *api.Job) {
	sel, err := api.SelectorFromLabelSelector(j.Spec.Selector)
	if err != nil {
		return
	}
	for _, p := range ctl.pods.Select(j.Namespace, sel) {
		if ref := controller.ControllerRef(p); ref != nil && ref.UID == j.UID && hasTrackingFinalizer(p) {
			ctl.orphans.Add(client.KeyOf(p))
		}
	}
}

// resolve returns the Job a controller reference names, if it exists.
func (ctl *Controller) resolve(ns string, ref *api.OwnerReference) *api.Job {
	if ref == nil || ref.Kind != "Job" {
		return nil
	}
	j, ok := ctl.jobs.Get(ns, ref.Name)
	if !ok || j.UID != ref.UID {
		return nil
	}
	return j
}

// matchingJobs returns the Jobs whose selector matches an orphan pod.
func (ctl *Controller) matchingJobs(p *api.Pod) []*api.Job {
	var out []*api.Job
	for _, j := range ctl.jobs.List() {
		if j.Namespace != p.Namespace {
			continue
		}
		if sel, err := api.SelectorFromLabelSelector(j.Spec.Selector); err == nil && sel.Matches(p.Labels) {
			out = append(out, j)
		}
	}
	return out
}

func (ctl *Controller) podAdded(p *api.Pod) {
	if p.DeletionTimestamp != nil {
		ctl.podDeleted(p, false)
		return
	}
	if ref := controller.ControllerRef(p); ref != nil {
		if j := ctl.resolve(p.Namespace, ref); j != nil {
			key := client.KeyOf(j)
			ctl.exp.Created(key)
			ctl.enqueueBatched(key)
		}
		return
	}
	if hasTrackingFinalizer(p) {
		ctl.orphans.Add(client.KeyOf(p))
	}
	for _, j := range ctl.matchingJobs(p) {
		ctl.enqueueBatched(client.KeyOf(j))
	}
}

func (ctl *Controller) podUpdated(old, cur *api.Pod) {
	if cur.ResourceVersion == old.ResourceVersion {
		return
	}
	if cur.DeletionTimestamp != nil {
		ctl.podDeleted(cur, false)
		return
	}
	curRef, oldRef := controller.ControllerRef(cur), controller.ControllerRef(old)
	refChanged := !reflect.DeepEqual(curRef, oldRef)
	if refChanged && oldRef != nil {
		if j := ctl.resolve(old.Namespace, oldRef); j != nil {
			ctl.enqueueBatched(client.KeyOf(j))
		}
	}
	if curRef != nil {
		if j := ctl.resolve(cur.Namespace, curRef); j != nil {
			ctl.enqueueBatched(client.KeyOf(j))
		}
		return
	}
	if hasTrackingFinalizer(cur) {
		ctl.orphans.Add(client.KeyOf(cur))
	}
	if refChanged || !controller.LabelsEqual(cur.Labels, old.Labels) {
		for _, j := range ctl.matchingJobs(cur) {
			ctl.enqueueBatched(client.KeyOf(j))
		}
	}
}

// podDeleted handles a pod gone (final) or given a deletion timestamp.
func (ctl *Controller) podDeleted(p *api.Pod, final bool) {
	ref := controller.ControllerRef(p)
	if ref == nil {
		if hasTrackingFinalizer(p) {
			ctl.orphans.Add(client.KeyOf(p))
		}
		return
	}
	j := ctl.resolve(p.Namespace, ref)
	if j == nil || IsFinished(j) {
		if hasTrackingFinalizer(p) {
			ctl.orphans.Add(client.KeyOf(p))
		}
		return
	}
	key := client.KeyOf(j)
	ctl.exp.Deleted(key)
	ctl.enqueueBatched(key)
}

// reconcileOrphan removes the tracking finalizer from a pod no unfinished
// Job of this controller owns.
func (ctl *Controller) reconcileOrphan(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	p, ok := ctl.pods.Get(ns, name)
	if !ok {
		return loop.Result{}, nil
	}
	if ref := controller.ControllerRef(p); ref != nil {
		if ref.Kind != "Job" || ref.APIVersion != "batch/v1" {
			return loop.Result{}, nil
		}
		j := ctl.resolve(ns, ref)
		if j != nil && managedElsewhere(j) {
			return loop.Result{}, nil
		}
		if j != nil && !IsFinished(j) {
			return loop.Result{}, nil
		}
	}
	_, err := ctl.removeFinalizer(p)
	return loop.Result{}, err
}

// removeFinalizer drops the tracking finalizer from a pod; a pod already
// gone counts as done.
func (ctl *Controller) removeFinalizer(p *api.Pod) (bool, error) {
	if !hasTrackingFinalizer(p) {
		return true, nil
	}
	fresh, err := client.Get[*api.Pod](ctl.c, p.Namespace, p.Name)
	if apiserver.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if fresh.UID != p.UID || !hasTrackingFinalizer(fresh) {
		return true, nil
	}
	upd := api.Clone(fresh)
	upd.Finalizers = without(upd.Finalizers, TrackingFinalizer)
	_, err = client.Update(ctl.c, upd)
	if apiserver.IsNotFound(err) {
		return true, nil
	}
	return err == nil, err
}

func without(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func hasTrackingFinalizer(p *api.Pod) bool {
	for _, f := range p.Finalizers {
		if f == TrackingFinalizer {
			return true
		}
	}
	return false
}

// managedElsewhere reports whether spec.managedBy hands the Job to another controller.
func managedElsewhere(j *api.Job) bool {
	return j.Spec.ManagedBy != nil && *j.Spec.ManagedBy != ControllerName
}

// IsFinished reports whether a Job has its Complete or Failed condition.
func IsFinished(j *api.Job) bool {
	_, ok := FinishedCondition(j)
	return ok
}

// FinishedCondition returns the type of a finished Job's final condition.
func FinishedCondition(j *api.Job) (string, bool) {
	for _, c := range j.Status.Conditions {
		if (c.Type == CondComplete || c.Type == CondFailed) && c.Status == api.ConditionTrue {
			return c.Type, true
		}
	}
	return "", false
}
