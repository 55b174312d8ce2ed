package job

import (
	"errors"
	"sort"
	"strconv"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// manageJob creates or deletes pods so that as many run as the Job wants,
// respecting the pod failure backoff, and returns how many are active.
// It never both creates and deletes in one sync.
func (ctl *Controller) manageJob(s *syncCtx) (int32, error) {
	job := s.job
	active := int32(len(s.active))
	if suspended(job) {
		return ctl.removePods(s, activePodsForRemoval(job, s.active, int(active)), active)
	}
	want := wantActive(job, s.succeeded, active)
	rm := activePodsForRemoval(job, s.active, int(max(active-want, 0)))
	if len(rm) > maxPodCreateDeletePerSync {
		rm = rm[:maxPodCreateDeletePerSync]
	}
	if len(rm) > 0 {
		return ctl.removePods(s, rm, active)
	}
	var terminating int32
	if onlyReplaceFailedPods(job) {
		terminating = s.terminating
	}
	diff := want - terminating - active
	if diff <= 0 {
		return active, nil
	}
	if !hasBackoffLimitPerIndex(job) {
		if wait := s.backoff.remaining(s.now); wait > 0 {
			// Upstream reports no active pods while it waits out the backoff.
			s.requeueAfter(max(wait, syncBatchPeriod))
			return 0, nil
		}
	}
	diff = min(diff, maxPodCreateDeletePerSync)
	indexes := []int(nil)
	if isIndexed(job) {
		indexes = firstPendingIndexes(s, int(diff), int(*job.Spec.Completions))
		if hasBackoffLimitPerIndex(job) {
			var wait time.Duration
			if indexes, wait = indexesReadyToCreate(s, indexes); wait > 0 {
				s.requeueAfter(max(wait, syncBatchPeriod))
				return 0, nil
			}
		}
		diff = int32(len(indexes))
	}
	created, err := ctl.createPods(s, int(diff), indexes)
	return active + int32(created), err
}

// wantActive is how many pods should run: parallelism, but no more than
// the completions left; a Job without completions keeps what runs once a
// pod has succeeded.
func wantActive(job *api.Job, succeeded, active int32) int32 {
	parallelism := api.Deref(job.Spec.Parallelism, 1)
	if job.Spec.Completions == nil {
		if succeeded > 0 {
			return active
		}
		return parallelism
	}
	return max(min(*job.Spec.Completions-succeeded, parallelism), 0)
}

// removePods deletes pods the Job no longer wants.
func (ctl *Controller) removePods(s *syncCtx, rm []*api.Pod, active int32) (int32, error) {
	ctl.exp.Expect(s.key, 0, len(rm), s.now)
	ready, removed, err := ctl.deleteJobPods(s, rm)
	s.terminating += removed
	s.ready -= ready
	return active - removed, err
}

// deleteJobPods removes the tracking finalizer, so that a pod the Job
// chose to delete is not counted, then deletes the pod.
func (ctl *Controller) deleteJobPods(s *syncCtx, pods []*api.Pod) (ready, deleted int32, err error) {
	return ctl.deletePods(s.job, pods, func(p *api.Pod) error {
		_, err := ctl.removeFinalizer(p)
		if err != nil {
			ctl.exp.Deleted(s.key)
		}
		return err
	}, func() { ctl.exp.Deleted(s.key) })
}

// deleteActivePods deletes the pods of a finishing Job, keeping their
// finalizers: they are counted before they go.
func (ctl *Controller) deleteActivePods(job *api.Job, pods []*api.Pod) (ready, deleted int32, err error) {
	return ctl.deletePods(job, pods, func(*api.Pod) error { return nil }, func() {})
}

// deletePods deletes pods, each after prepare; failed is told of each
// deletion that will not be observed. It returns how many of the deleted
// pods were ready, and how many were deleted (or already gone).
func (ctl *Controller) deletePods(job *api.Job, pods []*api.Pod, prepare func(*api.Pod) error, failed func()) (ready, deleted int32, err error) {
	var errs []error
	for _, p := range pods {
		if e := prepare(p); e != nil {
			errs = append(errs, e)
			continue
		}
		if e := ctl.deletePod(job, p); e != nil {
			failed()
			if !apiserver.IsNotFound(e) {
				errs = append(errs, e)
				continue
			}
		}
		deleted++
		if controller.IsPodReady(p) {
			ready++
		}
	}
	return ready, deleted, errors.Join(errs...)
}

// deletePod is the controller's PodControl.DeletePod, with its events.
func (ctl *Controller) deletePod(job *api.Job, p *api.Pod) error {
	err := client.Delete[*api.Pod](ctl.c, p.Namespace, p.Name, apiserver.DeleteOptions{})
	switch {
	case apiserver.IsNotFound(err):
		return err
	case err != nil:
		ctl.rec.Eventf(job, api.EventWarning, "FailedDelete", "Error deleting: %v", err)
		return err
	}
	ctl.rec.Eventf(job, api.EventNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
	return nil
}

// createPods creates n pods (for the given indexes of an Indexed Job) in
// batches of 1, 2, 4, ... that stop at the first failure, and returns how
// many are counted active for them: all of them but those that failed or
// were skipped in this event, as upstream counts them before its
// goroutines are done. At most controller.CreateChunk are created now,
// the rest in the events that follow (upstream creates from goroutines
// while the cluster goes on; 500 creates in one event held the browser's
// worker); a failure there requeues the Job with the controller's
// backoff, as the sync's error would, and the next sync counts what is.
func (ctl *Controller) createPods(s *syncCtx, n int, indexes []int) (int, error) {
	job := s.job
	ctl.exp.Expect(s.key, n, 0, s.now)
	tmpl := api.Clone(&job.Spec.Template)
	if isIndexed(job) {
		addCompletionIndexEnv(tmpl)
	}
	if !contains(tmpl.Finalizers, TrackingFinalizer) {
		tmpl.Finalizers = append(tmpl.Finalizers, TrackingFinalizer)
	}
	b := controller.NewSlowStart(n)
	create := func() error {
		ix := unknownIndex
		if len(indexes) > 0 {
			ix, indexes = indexes[0], indexes[1:]
		}
		err := ctl.createPod(s, tmpl, ix)
		if err != nil {
			ctl.exp.Created(s.key) // not to be observed
		}
		return err
	}
	done := false
	step := func() bool {
		done = b.Run(controller.CreateChunk, create)
		return done
	}
	finish := func() error {
		for range n - b.Calls() {
			ctl.exp.Created(s.key) // skipped after a failed batch
		}
		return b.Err()
	}
	retry := func() {
		res, _ := ctl.retry("job/"+s.key, loop.Result{}, b.Err())
		ctl.queue.AddAfter(s.key, res.RequeueAfter)
	}
	err := controller.InEvents(ctl.c.Loop(), step, finish, retry)
	if done {
		return b.Successes(), err
	}
	return n - (b.Calls() - b.Successes()), err
}

// createPod is PodControl.CreatePodsWithGenerateName: an Indexed Job's pod
// is named <job>-<index>-, carries its index and its hostname.
func (ctl *Controller) createPod(s *syncCtx, tmpl *api.PodTemplateSpec, ix int) error {
	job := s.job
	t := tmpl
	generateName := job.Name + "-"
	if ix != unknownIndex {
		t = api.Clone(tmpl)
		t.Annotations = withEntry(t.Annotations, CompletionIndexAnnotation, strconv.Itoa(ix))
		t.Labels = withEntry(t.Labels, CompletionIndexAnnotation, strconv.Itoa(ix))
		t.Spec.Hostname = job.Name + "-" + strconv.Itoa(ix)
		generateName = generateNameWithIndex(job.Name, ix)
		if hasBackoffLimitPerIndex(job) {
			addIndexFailureCounts(t, job, s.delayed[ix])
		}
	}
	out, err := client.Create(ctl.c, controller.PodFromTemplate(t, job, generateName))
	if err != nil {
		ctl.rec.Eventf(job, api.EventWarning, "FailedCreate", "Error creating: %v", err)
		return err
	}
	ctl.rec.Eventf(job, api.EventNormal, "SuccessfulCreate", "Created pod: %s", out.Name)
	return nil
}

func withEntry(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// activePodsForRemoval picks the pods to delete: for an Indexed Job the
// duplicates of an index and pods without a valid one, then the least
// advanced pods.
func activePodsForRemoval(job *api.Job, pods []*api.Pod, atLeast int) []*api.Pod {
	var rm, left []*api.Pod
	if isIndexed(job) {
		rm, left = duplicatedIndexPods(pods, int(*job.Spec.Completions))
	} else {
		left = append(left, pods...)
	}
	if len(rm) < atLeast {
		sortActivePods(left)
		rm = append(rm, left[:atLeast-len(rm)]...)
	}
	return rm
}

// sortActivePods orders pods as controller.ActivePods: unscheduled before
// scheduled, pending before unknown before running, not ready before ready,
// ready for less time first, more restarts first, newer first.
func sortActivePods(pods []*api.Pod) {
	sort.SliceStable(pods, func(i, j int) bool { return lessActive(pods[i], pods[j]) })
}

func lessActive(a, b *api.Pod) bool {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if ra, rb := phaseRank(a), phaseRank(b); ra != rb {
		return ra < rb
	}
	if ra, rb := controller.IsPodReady(a), controller.IsPodReady(b); ra != rb {
		return !ra
	}
	if controller.IsPodReady(a) {
		if ta, tb := readySince(a), readySince(b); !ta.Equal(tb) {
			return afterOrZero(ta, tb)
		}
	}
	if ra, rb := maxRestarts(a), maxRestarts(b); ra != rb {
		return ra > rb
	}
	if ta, tb := a.CreationTimestamp.Time, b.CreationTimestamp.Time; !ta.Equal(tb) {
		return afterOrZero(ta, tb)
	}
	return false
}

func phaseRank(p *api.Pod) int {
	switch p.Status.Phase {
	case api.PodPending:
		return 0
	case api.PodUnknown:
		return 1
	case api.PodRunning:
		return 2
	}
	return 3
}

func readySince(p *api.Pod) time.Time {
	if c := controller.PodCondition(p, api.PodReady); c != nil {
		return c.LastTransitionTime.Time
	}
	return time.Time{}
}

// afterOrZero reports whether a is after b, a zero time being the latest.
func afterOrZero(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return a.IsZero()
	}
	return a.After(b)
}

func maxRestarts(p *api.Pod) int32 {
	var n int32
	for _, cs := range p.Status.ContainerStatuses {
		n = max(n, cs.RestartCount)
	}
	return n
}
