// Package cronjob is the CronJob controller of kube-controller-manager
// v1.37 (pkg/controller/cronjob, "v2"): at each time a CronJob's schedule
// names, in its time zone, it creates a Job named after that time, minding
// concurrencyPolicy, startingDeadlineSeconds and suspend; it keeps the
// history limits of finished Jobs and the status (active, lastScheduleTime,
// lastSuccessfulTime), and records upstream's events.
package cronjob

import (
	"fmt"
	"reflect"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/controller/job"
	"github.com/kubeplay/kubeplay/engine/cron"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Controller is the CronJob controller.
type Controller struct {
	c        *client.Client
	rec      *client.Recorder
	cronJobs *client.Informer[*api.CronJob]
	jobs     *client.Informer[*api.Job]
	queue    *loop.Queue
}

// New returns a CronJob controller sharing the given Job informer.
func New(c *client.Client, jobs *client.Informer[*api.Job]) *Controller {
	ctl := &Controller{
		c:        c,
		rec:      client.NewRecorder(c, "cronjob-controller", ""),
		cronJobs: client.NewInformer[*api.CronJob](c, "", apiserver.ListOptions{}),
		jobs:     jobs,
	}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	return ctl
}

// Start registers the handlers and starts the CronJob informer.
func (ctl *Controller) Start() error {
	enqueue := func(cj *api.CronJob) { ctl.queue.Add(client.KeyOf(cj)) }
	ctl.cronJobs.AddHandler(client.Handler[*api.CronJob]{Add: enqueue, Update: ctl.cronJobUpdated, Delete: enqueue})
	ctl.jobs.AddHandler(client.Handler[*api.Job]{
		Add: func(j *api.Job) { ctl.enqueueOwner(j) },
		Update: func(old, cur *api.Job) {
			if cur.ResourceVersion == old.ResourceVersion {
				return
			}
			if oldRef := controller.ControllerRef(old); oldRef != nil && !reflect.DeepEqual(oldRef, controller.ControllerRef(cur)) {
				ctl.enqueueOwner(old)
			}
			ctl.enqueueOwner(cur)
		},
		Delete: func(j *api.Job) { ctl.enqueueOwner(j) },
	})
	return ctl.cronJobs.Start()
}

// enqueueOwner syncs the CronJob that controls a Job.
func (ctl *Controller) enqueueOwner(j *api.Job) {
	ref := controller.ControllerRef(j)
	if ref == nil || ref.Kind != "CronJob" {
		return
	}
	if cj, ok := ctl.cronJobs.Get(j.Namespace, ref.Name); ok && cj.UID == ref.UID {
		ctl.queue.Add(client.KeyOf(cj))
	}
}

// cronJobUpdated syncs a CronJob whose schedule changed at its next time,
// any other change at once.
func (ctl *Controller) cronJobUpdated(old, cur *api.CronJob) {
	key := client.KeyOf(cur)
	if old.Spec.Schedule == cur.Spec.Schedule && reflect.DeepEqual(old.Spec.TimeZone, cur.Spec.TimeZone) {
		ctl.queue.Add(key)
		return
	}
	sched, err := cron.Parse(formatSchedule(ctl.rec, cur, false))
	if err != nil {
		ctl.rec.Eventf(cur, api.EventWarning, "UnParseableCronJobSchedule", "unparseable schedule for cronjob: %s", cur.Spec.Schedule)
		return
	}
	ctl.queue.AddAfter(key, nextScheduleTimeDuration(cur, ctl.c.Now(), sched))
}

// Reconcile syncs one CronJob: it cleans up finished Jobs beyond the
// history limits, starts the Job of the latest missed time, and writes the
// status once.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	shared, ok := ctl.cronJobs.Get(ns, name)
	if !ok {
		return loop.Result{}, nil
	}
	var jobs []*api.Job
	for _, j := range ctl.jobs.List() {
		if ref := controller.ControllerRef(j); j.Namespace == ns && ref != nil && ref.Name == name {
			jobs = append(jobs, j)
		}
	}
	cj := api.Clone(shared)
	cleaned := ctl.cleanupFinishedJobs(cj, jobs)
	requeue, synced, syncErr := ctl.syncCronJob(cj, jobs)
	if cleaned || synced {
		if _, err := client.UpdateStatus(ctl.c, cj); err != nil {
			return loop.Result{}, err
		}
	}
	if requeue > 0 {
		return loop.Result{RequeueAfter: requeue}, nil
	}
	return loop.Result{}, syncErr
}

// syncCronJob reconciles the status with the Jobs, then starts a Job if a
// scheduled time has come. It returns when to look again (0 for not until
// something changes) and whether the status changed.
func (ctl *Controller) syncCronJob(cj *api.CronJob, jobs []*api.Job) (time.Duration, bool, error) {
	now := ctl.c.Now()
	changed, err := ctl.reconcileJobs(cj, jobs)
	if err != nil || cj.DeletionTimestamp != nil {
		return 0, changed, err
	}
	if tz := cj.Spec.TimeZone; tz != nil {
		if _, err := time.LoadLocation(*tz); err != nil {
			ctl.rec.Eventf(cj, api.EventWarning, "UnknownTimeZone", "invalid timeZone: %q: %s", *tz, err)
			return 0, changed, nil
		}
	}
	if api.Deref(cj.Spec.Suspend, false) {
		return 0, changed, nil
	}
	sched, err := cron.Parse(formatSchedule(ctl.rec, cj, true))
	if err != nil {
		ctl.rec.Eventf(cj, api.EventWarning, "UnparseableSchedule", "unparseable schedule: %q : %s", cj.Spec.Schedule, err)
		return 0, changed, nil
	}
	scheduled, err := ctl.nextScheduleTime(cj, now, sched)
	if err != nil {
		ctl.rec.Eventf(cj, api.EventWarning, "InvalidSchedule", "invalid schedule: %s : %s", cj.Spec.Schedule, err)
		return 0, changed, nil
	}
	next := func() time.Duration { return nextScheduleTimeDuration(cj, now, sched) }
	if scheduled == nil {
		return next(), changed, nil
	}
	if sds := cj.Spec.StartingDeadlineSeconds; sds != nil && scheduled.Add(time.Duration(*sds)*time.Second).Before(now) {
		ctl.rec.Eventf(cj, api.EventWarning, "MissSchedule", "Missed scheduled time to start a job: %s", scheduled.UTC().Format(time.RFC1123Z))
		return next(), changed, nil
	}
	if inActiveListByName(cj, jobName(cj, *scheduled)) || cj.Status.LastScheduleTime != nil && cj.Status.LastScheduleTime.Equal(*scheduled) {
		return next(), changed, nil
	}
	if cj.Spec.ConcurrencyPolicy == "Forbid" && len(cj.Status.Active) > 0 {
		ctl.rec.Event(cj, api.EventNormal, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid")
		return next(), changed, nil
	}
	if cj.Spec.ConcurrencyPolicy == "Replace" {
		replaced, err := ctl.replaceActive(cj)
		changed = changed || replaced
		if err != nil {
			return 0, changed, err
		}
	}
	started, err := ctl.startJob(cj, *scheduled)
	if err != nil || !started {
		return 0, changed || started, err
	}
	return next(), true, nil
}

// reconcileJobs brings status.active and lastSuccessfulTime in line with
// the CronJob's Jobs.
func (ctl *Controller) reconcileJobs(cj *api.CronJob, jobs []*api.Job) (bool, error) {
	changed := false
	children := map[string]bool{}
	for _, j := range jobs {
		children[j.UID] = true
		found := inActiveList(cj, j.UID)
		finished, cond := job.IsFinished(j), ""
		switch {
		case !found && !finished:
			fresh, err := client.Get[*api.CronJob](ctl.c, cj.Namespace, cj.Name)
			if err != nil {
				return changed, err
			}
			if inActiveList(fresh, j.UID) {
				continue
			}
			// A Job this controller did not create, or forgot.
			ctl.rec.Eventf(cj, api.EventWarning, "UnexpectedJob", "Saw a job that the controller did not create or forgot: %s", j.Name)
		case found && finished:
			cond, _ = job.FinishedCondition(j)
			deleteFromActiveList(cj, j.UID)
			ctl.rec.Eventf(cj, api.EventNormal, "SawCompletedJob", "Saw completed job: %s, condition: %s", j.Name, cond)
			changed = true
		case succeeded(j):
			last := cj.Status.LastSuccessfulTime
			if t := j.Status.CompletionTime; last == nil || t != nil && t.After(last.Time) {
				cj.Status.LastSuccessfulTime = t
				changed = true
			}
		}
	}
	for _, ref := range append([]api.ObjectReference(nil), cj.Status.Active...) {
		if children[ref.UID] {
			continue
		}
		// The informer may lag: ask the API server before giving up on it.
		_, err := client.Get[*api.Job](ctl.c, ref.Namespace, ref.Name)
		switch {
		case apiserver.IsNotFound(err):
			ctl.rec.Eventf(cj, api.EventNormal, "MissingJob", "Active job went missing: %s", ref.Name)
			deleteFromActiveList(cj, ref.UID)
			changed = true
		case err != nil:
			return changed, err
		}
	}
	return changed, nil
}

// replaceActive deletes the Jobs still running at a new scheduled time.
func (ctl *Controller) replaceActive(cj *api.CronJob) (bool, error) {
	changed := false
	for _, ref := range append([]api.ObjectReference(nil), cj.Status.Active...) {
		j, err := client.Get[*api.Job](ctl.c, ref.Namespace, ref.Name)
		if err != nil {
			ctl.rec.Eventf(cj, api.EventWarning, "FailedGet", "Get job: %v", err)
			return changed, err
		}
		if !ctl.deleteJob(cj, j) {
			return changed, fmt.Errorf("could not replace job %s/%s", j.Namespace, j.Name)
		}
		changed = true
	}
	return changed, nil
}

// startJob creates the Job of a scheduled time and records it as active.
// A Job of that name already there counts if this CronJob controls it.
func (ctl *Controller) startJob(cj *api.CronJob, scheduled time.Time) (bool, error) {
	req, err := jobFromTemplate(cj, scheduled)
	if err != nil {
		return false, err
	}
	created, err := client.Create(ctl.c, req)
	switch {
	case apiserver.IsAlreadyExists(err):
		existing, err := client.Get[*api.Job](ctl.c, req.Namespace, req.Name)
		if err != nil {
			return false, err
		}
		if ref := controller.ControllerRef(existing); ref == nil || ref.UID != cj.UID || inActiveList(cj, existing.UID) {
			return false, nil
		}
		created = existing
	case err != nil:
		ctl.rec.Eventf(cj, api.EventWarning, "FailedCreate", "Error creating job: %v", err)
		return false, err
	default:
		ctl.rec.Eventf(cj, api.EventNormal, "SuccessfulCreate", "Created job %s", created.Name)
	}
	cj.Status.Active = append(cj.Status.Active, api.ObjectReference{
		Kind: "Job", Namespace: created.Namespace, Name: created.Name, UID: created.UID,
		APIVersion: "batch/v1", ResourceVersion: created.ResourceVersion,
	})
	cj.Status.LastScheduleTime = api.NewTimePtr(scheduled)
	return true, nil
}

// cleanupFinishedJobs deletes the oldest finished Jobs beyond the history
// limits; it reports whether the status changed.
func (ctl *Controller) cleanupFinishedJobs(cj *api.CronJob, jobs []*api.Job) bool {
	if cj.Spec.SuccessfulJobsHistoryLimit == nil && cj.Spec.FailedJobsHistoryLimit == nil {
		return false
	}
	var ok, failed []*api.Job
	for _, j := range jobs {
		switch c, _ := job.FinishedCondition(j); c {
		case job.CondComplete:
			ok = append(ok, j)
		case job.CondFailed:
			failed = append(failed, j)
		}
	}
	changed := false
	if l := cj.Spec.SuccessfulJobsHistoryLimit; l != nil && ctl.removeOldestJobs(cj, ok, *l) {
		changed = true
	}
	if l := cj.Spec.FailedJobsHistoryLimit; l != nil && ctl.removeOldestJobs(cj, failed, *l) {
		changed = true
	}
	return changed
}

func (ctl *Controller) removeOldestJobs(cj *api.CronJob, jobs []*api.Job, limit int32) bool {
	n := len(jobs) - int(limit)
	if n <= 0 {
		return false
	}
	sortByStartTime(jobs)
	changed := false
	for _, j := range jobs[:n] {
		if ctl.deleteJob(cj, j) {
			changed = true
		}
	}
	return changed
}

// deleteJob deletes a Job (its pods in the background) and its reference.
func (ctl *Controller) deleteJob(cj *api.CronJob, j *api.Job) bool {
	err := client.Delete[*api.Job](ctl.c, j.Namespace, j.Name, apiserver.DeleteOptions{PropagationPolicy: apiserver.PropagationBackground})
	if err != nil {
		ctl.rec.Eventf(cj, api.EventWarning, "FailedDelete", "Deleted job: %v", err)
		return false
	}
	deleteFromActiveList(cj, j.UID)
	ctl.rec.Eventf(cj, api.EventNormal, "SuccessfulDelete", "Deleted job %s", j.Name)
	return true
}

func succeeded(j *api.Job) bool {
	c, _ := job.FinishedCondition(j)
	return c == job.CondComplete
}

func inActiveList(cj *api.CronJob, uid string) bool {
	for _, r := range cj.Status.Active {
		if r.UID == uid {
			return true
		}
	}
	return false
}

func inActiveListByName(cj *api.CronJob, name string) bool {
	for _, r := range cj.Status.Active {
		if r.Name == name && r.Namespace == cj.Namespace {
			return true
		}
	}
	return false
}

func deleteFromActiveList(cj *api.CronJob, uid string) {
	active := []api.ObjectReference{}
	for _, r := range cj.Status.Active {
		if r.UID != uid {
			active = append(active, r)
		}
	}
	cj.Status.Active = active
}
