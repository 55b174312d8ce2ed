package job

import (
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Condition types and reasons of a Job, as batch/v1 names them.
const (
	CondSuspended          = "Suspended"
	CondComplete           = "Complete"
	CondFailed             = "Failed"
	CondFailureTarget      = "FailureTarget"
	CondSuccessCriteriaMet = "SuccessCriteriaMet"

	ReasonPodFailurePolicy         = "PodFailurePolicy"
	ReasonBackoffLimitExceeded     = "BackoffLimitExceeded"
	ReasonDeadlineExceeded         = "DeadlineExceeded"
	ReasonMaxFailedIndexesExceeded = "MaxFailedIndexesExceeded"
	ReasonFailedIndexes            = "FailedIndexes"
	ReasonSuccessPolicy            = "SuccessPolicy"
	ReasonCompletionsReached       = "CompletionsReached"
)

// syncCtx is what one sync of a Job knows (upstream's syncJobCtx).
type syncCtx struct {
	key                            string
	now                            time.Time
	job                            *api.Job
	pods                           []*api.Pod
	active                         []*api.Pod
	finished                       *api.JobCondition
	succeeded, failed              int32
	prevSucceededIdx, succeededIdx intervals
	failedIdx                      *intervals
	backoff                        backoffRecord
	uncountedSucceeded             map[string]bool
	uncountedFailed                map[string]bool
	delayed                        map[int]*api.Pod
	terminating                    int32
	ready                          int32
	requeue                        time.Duration
}

// requeueAfter asks for another sync after d, keeping the soonest asked.
func (s *syncCtx) requeueAfter(d time.Duration) {
	if d <= 0 {
		d = time.Nanosecond
	}
	if s.requeue == 0 || d < s.requeue {
		s.requeue = d
	}
}

// Reconcile is upstream's syncJob: it brings a Job's pods in line with its
// spec and records what happened to them in its status.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	delete(ctl.batched, key)
	ns, name := client.SplitKey(key)
	shared, ok := ctl.jobs.Get(ns, name)
	if !ok {
		ctl.exp.Forget(key)
		delete(ctl.backoff, key)
		return loop.Result{}, nil
	}
	if managedElsewhere(shared) {
		return loop.Result{}, nil
	}
	if IsFinished(shared) {
		delete(ctl.backoff, key)
		return loop.Result{}, nil
	}
	if m := api.Deref(shared.Spec.CompletionMode, "NonIndexed"); m != "NonIndexed" && m != "Indexed" {
		ctl.rec.Event(shared, api.EventWarning, "UnknownCompletionMode", "Skipped Job sync because completion mode is unknown")
		return loop.Result{}, nil
	}
	job := api.Clone(shared)
	if job.Status.UncountedTerminatedPods == nil {
		job.Status.UncountedTerminatedPods = &api.UncountedTerminatedPods{}
	}
	now := ctl.c.Now()
	satisfied := ctl.exp.Satisfied(key, now)
	pods, err := ctl.podsForJob(job)
	if err != nil {
		return loop.Result{}, err
	}
	s := newSyncCtx(key, now, job, pods)
	err = ctl.sync(s, satisfied)
	return loop.Result{RequeueAfter: s.requeue}, err
}

func newSyncCtx(key string, now time.Time, job *api.Job, pods []*api.Pod) *syncCtx {
	s := &syncCtx{key: key, now: now, job: job, pods: pods,
		uncountedSucceeded: set(job.Status.UncountedTerminatedPods.Succeeded),
		uncountedFailed:    set(job.Status.UncountedTerminatedPods.Failed),
	}
	for _, p := range pods {
		if controller.IsPodActive(p) {
			s.active = append(s.active, p)
			if controller.IsPodReady(p) {
				s.ready++
			}
		}
		if isTerminating(p) {
			s.terminating++
		}
	}
	return s
}

func set(uids []string) map[string]bool {
	m := make(map[string]bool, len(uids))
	for _, u := range uids {
		m[u] = true
	}
	return m
}

func (ctl *Controller) sync(s *syncCtx, satisfied bool) error {
	job := s.job
	active := int32(len(s.active))
	newSucceeded, newFailed := s.newFinishedPods()
	s.succeeded = job.Status.Succeeded + int32(len(newSucceeded)+len(s.uncountedSucceeded))
	s.failed = job.Status.Failed + int32(nonIgnoredFailures(job, newFailed)+len(s.uncountedFailed))
	if job.Status.StartTime == nil && !suspended(job) {
		job.Status.StartTime = api.NewTimePtr(s.now)
	}
	s.backoff = ctl.newBackoffRecord(s.key, newSucceeded, newFailed)
	s.finished = s.failureOrSuccess()
	if isIndexed(job) {
		s.indexedOutcome()
	}
	var manageErr error
	suspendChanged := false
	if s.finished != nil {
		deletedReady, deleted, err := ctl.deleteActivePods(job, s.active)
		if deleted != active || !satisfied {
			// Pods may remain, or not be in the cache yet: not finished yet.
			s.finished = nil
		}
		active -= deleted
		s.terminating += deleted
		s.ready -= deletedReady
		manageErr = err
	} else {
		called := false
		if satisfied && job.DeletionTimestamp == nil {
			active, manageErr = ctl.manageJob(s)
			called = true
		}
		switch {
		case complete(job, s.succeeded, active):
			s.finished = newCondition(CondSuccessCriteriaMet, ReasonCompletionsReached, "Reached expected number of succeeded pods", s.now)
		case called:
			suspendChanged = ctl.updateSuspended(s)
		}
	}
	needsUpdate := suspendChanged || active != job.Status.Active ||
		!equalPtr(&s.ready, job.Status.Ready) || !equalPtr(&s.terminating, job.Status.Terminating)
	job.Status.Active = active
	job.Status.Ready = api.Ptr(s.ready)
	job.Status.Terminating = api.Ptr(s.terminating)
	if err := ctl.trackStatus(s, needsUpdate); err != nil {
		return err
	}
	return manageErr
}

// failureOrSuccess is the outcome decided before any pod is managed: a
// success already met, a failure target already set or matched by the pod
// failure policy, the backoff limit or the deadline.
func (s *syncCtx) failureOrSuccess() *api.JobCondition {
	job := s.job
	if c := trueCondition(job, CondSuccessCriteriaMet); c != nil {
		return c
	}
	if c := trueCondition(job, CondFailureTarget); c != nil {
		return newCondition(CondFailed, c.Reason, c.Message, s.now)
	}
	if msg, ok := failJobMessage(job, s.pods); ok {
		return newCondition(CondFailureTarget, ReasonPodFailurePolicy, msg, s.now)
	}
	switch {
	case s.failed > api.Deref(job.Spec.BackoffLimit, 6) || pastBackoffLimitOnFailure(job, s.pods):
		return newCondition(CondFailureTarget, ReasonBackoffLimitExceeded, "Job has reached the specified backoff limit", s.now)
	case pastActiveDeadline(job, s.now):
		return newCondition(CondFailureTarget, ReasonDeadlineExceeded, "Job was active longer than specified deadline", s.now)
	case job.Spec.ActiveDeadlineSeconds != nil && !suspended(job):
		s.requeueAfter(deadline(job).Sub(s.now))
	}
	return nil
}

// indexedOutcome counts an Indexed Job's indexes and checks the limits on
// failed indexes and the success policy.
func (s *syncCtx) indexedOutcome() {
	job := s.job
	completions := int(*job.Spec.Completions)
	s.prevSucceededIdx, s.succeededIdx = succeededIndexes(job, s.pods)
	s.succeeded = int32(s.succeededIdx.total())
	if hasBackoffLimitPerIndex(job) {
		s.failedIdx = failedIndexes(job, s.pods)
		if s.finished == nil {
			failed := s.failedIdx.total()
			switch {
			case job.Spec.MaxFailedIndexes != nil && failed > int(*job.Spec.MaxFailedIndexes):
				s.finished = newCondition(CondFailureTarget, ReasonMaxFailedIndexesExceeded, "Job has exceeded the specified maximal number of failed indexes", s.now)
			case failed > 0 && failed+s.succeededIdx.total() >= completions:
				s.finished = newCondition(CondFailureTarget, ReasonFailedIndexes, "Job has failed indexes", s.now)
			}
		}
		s.delayed = podsWithDelayedDeletion(s)
	}
	if s.finished == nil {
		if msg, ok := matchSuccessPolicy(job.Spec.SuccessPolicy, *job.Spec.Completions, s.succeededIdx); ok {
			s.finished = newCondition(CondSuccessCriteriaMet, ReasonSuccessPolicy, msg, s.now)
		}
	}
}

// complete reports whether the Job has all the successes it needs and no
// pod left running. Without completions one success is enough.
func complete(job *api.Job, succeeded, active int32) bool {
	if job.Spec.Completions == nil {
		return succeeded > 0 && active == 0
	}
	return succeeded >= *job.Spec.Completions && active == 0
}

// updateSuspended sets the Suspended condition as spec.suspend says, with
// its event; resuming restarts the clock of activeDeadlineSeconds.
func (ctl *Controller) updateSuspended(s *syncCtx) bool {
	job := s.job
	var changed bool
	if suspended(job) {
		job.Status.Conditions, changed = ensureCondition(job.Status.Conditions, CondSuspended, api.ConditionTrue, "JobSuspended", "Job suspended", s.now)
		if changed {
			ctl.rec.Event(job, api.EventNormal, "Suspended", "Job suspended")
		}
		return changed
	}
	job.Status.Conditions, changed = ensureCondition(job.Status.Conditions, CondSuspended, api.ConditionFalse, "JobResumed", "Job resumed", s.now)
	if changed {
		ctl.rec.Event(job, api.EventNormal, "Resumed", "Job resumed")
		job.Status.StartTime = api.NewTimePtr(s.now)
	}
	return changed
}

// newFinishedPods returns the pods that finished since the last count: they
// still have the finalizer and are not in uncountedTerminatedPods.
func (s *syncCtx) newFinishedPods() (succeeded, failed []*api.Pod) {
	succeeded = s.validPods(s.uncountedSucceeded, func(p *api.Pod) bool { return p.Status.Phase == api.PodSucceeded })
	failed = s.validPods(s.uncountedFailed, func(p *api.Pod) bool { return isPodFailed(p, s.job) })
	return succeeded, failed
}

// validPods filters the pods not counted yet (with, for an Indexed Job, a
// valid index).
func (s *syncCtx) validPods(uncounted map[string]bool, keep func(*api.Pod) bool) []*api.Pod {
	var out []*api.Pod
	for _, p := range s.pods {
		if !hasTrackingFinalizer(p) || uncounted[p.UID] {
			continue
		}
		if isIndexed(s.job) {
			if ix := completionIndex(p); ix == unknownIndex || ix >= int(*s.job.Spec.Completions) {
				continue
			}
		}
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// podsForJob returns the pods the Job controls, adopting matching orphans
// (with the tracking finalizer) and releasing pods that stopped matching.
func (ctl *Controller) podsForJob(job *api.Job) ([]*api.Pod, error) {
	sel, err := api.SelectorFromLabelSelector(job.Spec.Selector)
	if err != nil {
		return nil, err
	}
	var out []*api.Pod
	for _, p := range ctl.pods.Select(job.Namespace, api.Everything()) {
		ref := controller.ControllerRef(p)
		switch {
		case ref != nil && ref.UID != job.UID:
		case ref != nil && sel.Matches(p.Labels):
			out = append(out, p)
		case ref != nil:
			if job.DeletionTimestamp == nil {
				if err := controller.Release(ctl.c, p, job.UID); err != nil {
					return nil, err
				}
			}
		case sel.Matches(p.Labels) && job.DeletionTimestamp == nil && p.DeletionTimestamp == nil:
			adopted, err := ctl.adopt(p, job)
			if err != nil {
				return nil, err
			}
			if adopted != nil {
				out = append(out, adopted)
			}
		}
	}
	return out, nil
}

// adopt makes the Job the pod's controller, after checking with a live read
// that the Job is still there and not being deleted.
func (ctl *Controller) adopt(p *api.Pod, job *api.Job) (*api.Pod, error) {
	fresh, err := client.Get[*api.Job](ctl.c, job.Namespace, job.Name)
	if err != nil || fresh.UID != job.UID || fresh.DeletionTimestamp != nil {
		return nil, nil
	}
	upd := api.Clone(p)
	upd.OwnerReferences = append(upd.OwnerReferences, controller.NewControllerRef(job))
	if !hasTrackingFinalizer(upd) {
		upd.Finalizers = append(upd.Finalizers, TrackingFinalizer)
	}
	out, err := client.Update(ctl.c, upd)
	if apiserver.IsNotFound(err) {
		return nil, nil
	}
	return out, err
}

// pastBackoffLimitOnFailure counts the restarts of the containers of the
// pods still running under restartPolicy OnFailure against backoffLimit.
func pastBackoffLimitOnFailure(job *api.Job, pods []*api.Pod) bool {
	if job.Spec.Template.Spec.RestartPolicy != api.RestartOnFailure {
		return false
	}
	var restarts int32
	for _, p := range pods {
		if p.Status.Phase != api.PodRunning && p.Status.Phase != api.PodPending {
			continue
		}
		for _, list := range [][]api.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
			for _, cs := range list {
				restarts += cs.RestartCount
			}
		}
	}
	limit := api.Deref(job.Spec.BackoffLimit, 6)
	if limit == 0 {
		return restarts > 0
	}
	return restarts >= limit
}

// deadline is when activeDeadlineSeconds runs out.
func deadline(job *api.Job) time.Time {
	return job.Status.StartTime.Add(time.Duration(*job.Spec.ActiveDeadlineSeconds) * time.Second)
}

func pastActiveDeadline(job *api.Job, now time.Time) bool {
	if job.Spec.ActiveDeadlineSeconds == nil || job.Status.StartTime == nil || suspended(job) {
		return false
	}
	return !now.Before(deadline(job))
}

func suspended(job *api.Job) bool { return api.Deref(job.Spec.Suspend, false) }

// isPodFailed reports whether a pod counts as failed: its phase says so or,
// unless only failed pods are replaced, it is being deleted unfinished.
func isPodFailed(p *api.Pod, job *api.Job) bool {
	if p.Status.Phase == api.PodFailed {
		return true
	}
	if onlyReplaceFailedPods(job) {
		return false
	}
	return p.DeletionTimestamp != nil && p.Status.Phase != api.PodSucceeded
}

// onlyReplaceFailedPods is podReplacementPolicy Failed, which a pod failure
// policy implies.
func onlyReplaceFailedPods(job *api.Job) bool {
	return api.Deref(job.Spec.PodReplacementPolicy, "") == "Failed" || job.Spec.PodFailurePolicy != nil
}

// isTerminating reports a pod being deleted that has not finished.
func isTerminating(p *api.Pod) bool {
	return p.DeletionTimestamp != nil && p.Status.Phase != api.PodFailed && p.Status.Phase != api.PodSucceeded
}

func newCondition(t, reason, message string, now time.Time) *api.JobCondition {
	return &api.JobCondition{
		Type: t, Status: api.ConditionTrue, Reason: reason, Message: message,
		LastProbeTime: api.NewTime(now), LastTransitionTime: api.NewTime(now),
	}
}

// trueCondition returns the Job's condition of type t if it is True.
func trueCondition(job *api.Job, t string) *api.JobCondition {
	if c := findCondition(job.Status.Conditions, t); c != nil && c.Status == api.ConditionTrue {
		return c
	}
	return nil
}

func findCondition(list []api.JobCondition, t string) *api.JobCondition {
	for i := range list {
		if list[i].Type == t {
			return &list[i]
		}
	}
	return nil
}

// ensureCondition sets a condition's status, reason and message, appending
// it unless it would be a new False one. It reports whether anything changed.
func ensureCondition(list []api.JobCondition, t, status, reason, message string, now time.Time) ([]api.JobCondition, bool) {
	if c := findCondition(list, t); c != nil {
		if c.Status == status && c.Reason == reason && c.Message == message {
			return list, false
		}
		*c = *newCondition(t, reason, message, now)
		c.Status = status
		return list, true
	}
	if status == api.ConditionFalse {
		return list, false
	}
	c := newCondition(t, reason, message, now)
	c.Status = status
	return append(list, *c), true
}

func equalPtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}
