package job

import (
	"errors"
	"fmt"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
)

// Counting finished pods with the tracking finalizer (upstream's
// trackJobStatusAndRemoveFinalizers): a finished pod is first written into
// status.uncountedTerminatedPods, then its finalizer is removed, then it
// moves to the succeeded or failed counter. Whatever fails midway, no pod
// is counted twice or lost.

// trackStatus counts the finished pods, removes their finalizers, writes
// the interim and final conditions and the status.
func (ctl *Controller) trackStatus(s *syncCtx, needsFlush bool) error {
	job := s.job
	indexed := isIndexed(job)
	if indexed {
		sortByIndex(s.pods)
	}
	withFinalizer := map[string]bool{}
	for _, p := range s.pods {
		if hasTrackingFinalizer(p) {
			withFinalizer[p.UID] = true
		}
	}
	if cleanUncounted(&job.Status, withFinalizer) {
		needsFlush = true
	}
	toRemove, newSucceeded, full, counted := s.countFinished()
	needsFlush = needsFlush || counted
	if indexed && s.recordIndexes(newSucceeded) {
		needsFlush = true
	}
	if s.finished != nil && s.finished.Type == CondFailureTarget {
		job.Status.Conditions = append(job.Status.Conditions, *s.finished)
		needsFlush = true
		s.finished = newCondition(CondFailed, s.finished.Reason, s.finished.Message, s.now)
	}
	if s.finished != nil && s.finished.Type == CondSuccessCriteriaMet {
		if trueCondition(job, CondSuccessCriteriaMet) == nil {
			job.Status.Conditions = append(job.Status.Conditions, *s.finished)
			needsFlush = true
		}
		s.finished = newCondition(CondComplete, s.finished.Reason, s.finished.Message, s.now)
	}
	needsFlush, err := ctl.flushAndRemoveFinalizers(s, toRemove, withFinalizer, needsFlush)
	if err != nil {
		return err
	}
	finished := !full && s.enactFinished()
	if !needsFlush && !finished {
		return nil
	}
	if _, err := ctl.updateStatus(s); err != nil {
		return fmt.Errorf("removing uncounted pods from status: %w", err)
	}
	if finished {
		ctl.recordFinished(s.job, s.finished)
	}
	return nil
}

// countFinished picks the pods whose finalizer can go and adds the newly
// finished ones to status.uncountedTerminatedPods (an Indexed Job's
// successes go to newSucceeded instead). It stops at maxUncountedPods.
func (s *syncCtx) countFinished() (toRemove []*api.Pod, newSucceeded []int, full, counted bool) {
	job := s.job
	u := job.Status.UncountedTerminatedPods
	indexed := isIndexed(job)
	for _, p := range s.pods {
		if !hasTrackingFinalizer(p) {
			continue
		}
		failed := isPodFailed(p, job)
		if !s.canRemoveFinalizer(p, failed) {
			continue
		}
		toRemove = append(toRemove, p)
		ix := completionIndex(p)
		validIx := !indexed || ix != unknownIndex && ix < int(*job.Spec.Completions)
		switch {
		case p.Status.Phase == api.PodSucceeded && !s.uncountedFailed[p.UID]:
			if indexed && validIx && !s.prevSucceededIdx.has(ix) {
				newSucceeded = append(newSucceeded, ix)
				counted = true
			} else if !indexed && !s.uncountedSucceeded[p.UID] {
				u.Succeeded = append(u.Succeeded, p.UID)
				counted = true
			}
		case failed || s.finished != nil && s.finished.Type != CondSuccessCriteriaMet:
			// Once the Job has failed, every unfinished pod counts as failed.
			if s.uncountedFailed[p.UID] || !validIx {
				break
			}
			if _, count, _ := matchPodFailurePolicy(job.Spec.PodFailurePolicy, p); count {
				u.Failed = append(u.Failed, p.UID)
				counted = true
			}
		}
		if len(newSucceeded)+len(u.Succeeded)+len(u.Failed) >= maxUncountedPods {
			return toRemove, newSucceeded, true, counted
		}
	}
	return toRemove, newSucceeded, false, counted
}

// canRemoveFinalizer: once the Job is finishing or deleted, or the pod
// succeeded, or it failed (unless it must wait for its replacement to
// inherit its index's failure count).
func (s *syncCtx) canRemoveFinalizer(p *api.Pod, failed bool) bool {
	if s.job.DeletionTimestamp != nil || s.finished != nil || p.Status.Phase == api.PodSucceeded {
		return true
	}
	if !failed {
		return false
	}
	if hasBackoffLimitPerIndex(s.job) {
		if d, ok := s.delayed[completionIndex(p)]; ok && d.UID == p.UID {
			return false
		}
	}
	return true
}

// recordIndexes writes completedIndexes, succeeded and failedIndexes; it
// reports whether they changed.
func (s *syncCtx) recordIndexes(newSucceeded []int) bool {
	st := &s.job.Status
	s.succeededIdx = s.succeededIdx.withIndexes(newSucceeded)
	text := s.succeededIdx.String()
	changed := text != st.CompletedIndexes
	st.Succeeded = int32(s.succeededIdx.total())
	st.CompletedIndexes = text
	var failed *string
	if s.failedIdx != nil {
		failed = api.Ptr(s.failedIdx.String())
	}
	if !equalPtr(st.FailedIndexes, failed) {
		st.FailedIndexes = failed
		changed = true
	}
	return changed
}

// flushAndRemoveFinalizers writes the uncounted pods (and the interim
// conditions), then removes the finalizers, then moves the pods whose
// finalizer is gone to the counters. It returns whether the status still
// needs writing.
func (ctl *Controller) flushAndRemoveFinalizers(s *syncCtx, toRemove []*api.Pod, withFinalizer map[string]bool, needsFlush bool) (bool, error) {
	if needsFlush {
		if _, err := ctl.updateStatus(s); err != nil {
			return needsFlush, fmt.Errorf("adding uncounted pods to status: %w", err)
		}
		ctl.backoff[s.key] = s.backoff
		needsFlush = false
	}
	var errs []error
	for _, p := range toRemove {
		ok, err := ctl.removeFinalizer(p)
		if ok {
			delete(withFinalizer, p.UID)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("removing tracking finalizer: %w", err))
		}
	}
	if cleanUncounted(&s.job.Status, withFinalizer) {
		needsFlush = true
	}
	rmErr := errors.Join(errs...)
	if rmErr != nil && needsFlush {
		if _, err := ctl.updateStatus(s); err != nil {
			return needsFlush, fmt.Errorf("removing uncounted pods from status: %w", err)
		}
	}
	return needsFlush, rmErr
}

// cleanUncounted moves the uncounted pods whose finalizer is gone to the
// counters; it reports whether anything moved.
func cleanUncounted(st *api.JobStatus, withFinalizer map[string]bool) bool {
	u := st.UncountedTerminatedPods
	keep := func(uids []string) []string {
		var out []string
		for _, uid := range uids {
			if withFinalizer[uid] {
				out = append(out, uid)
			}
		}
		return out
	}
	s, f := keep(u.Succeeded), keep(u.Failed)
	if len(s) == len(u.Succeeded) && len(f) == len(u.Failed) {
		return false
	}
	st.Succeeded += int32(len(u.Succeeded) - len(s))
	st.Failed += int32(len(u.Failed) - len(f))
	u.Succeeded, u.Failed = s, f
	return true
}

// enactFinished adds the final Complete or Failed condition once every pod
// is counted and none is left terminating.
func (s *syncCtx) enactFinished() bool {
	if s.finished == nil {
		return false
	}
	st := &s.job.Status
	if u := st.UncountedTerminatedPods; len(u.Succeeded)+len(u.Failed) > 0 {
		return false
	}
	if s.terminating > 0 {
		return false
	}
	c := s.finished
	st.Conditions, _ = ensureCondition(st.Conditions, c.Type, c.Status, c.Reason, c.Message, s.now)
	if c.Type == CondComplete {
		st.CompletionTime = api.Ptr(c.LastTransitionTime)
	}
	return true
}

// recordFinished records the events of a Job that has just finished.
func (ctl *Controller) recordFinished(job *api.Job, c *api.JobCondition) {
	if c.Type != CondComplete {
		ctl.rec.Event(job, api.EventWarning, c.Reason, c.Message)
		return
	}
	if job.Spec.Completions != nil && job.Status.Succeeded > *job.Spec.Completions {
		ctl.rec.Event(job, api.EventWarning, "TooManySucceededPods", "Too many succeeded pods running after completion count reached")
	}
	ctl.rec.Event(job, api.EventNormal, "Completed", "Job completed")
}

// updateStatus writes the sync's status and carries on from what the API
// server stored (a private copy: stored objects are shared).
func (ctl *Controller) updateStatus(s *syncCtx) (*api.Job, error) {
	out, err := client.UpdateStatus(ctl.c, s.job)
	if err != nil {
		return nil, err
	}
	s.job = api.Clone(out)
	if s.job.Status.UncountedTerminatedPods == nil {
		s.job.Status.UncountedTerminatedPods = &api.UncountedTerminatedPods{}
	}
	return s.job, nil
}
