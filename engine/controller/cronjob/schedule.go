package cronjob

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/cron"
)

// Scheduling arithmetic (upstream's utils.go).

// nextScheduleDelta pads each wake-up so that it lands after the scheduled
// instant, as upstream does against clock skew.
const nextScheduleDelta = 100 * time.Millisecond

// ScheduledTimestampAnnotation records the time a CronJob's Job was due.
const ScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"

// missed says how many scheduled times went by unmet.
type missed int

const (
	noneMissed missed = iota
	fewMissed
	manyMissed
)

// mostRecentScheduleTime returns the time counted from (the last scheduled
// time, else the creation time, or with the starting deadline the latest
// time it still allows), the most recent scheduled time not after now if
// any, and how many were missed. An impossible schedule (February 30th)
// is an error.
func mostRecentScheduleTime(cj *api.CronJob, now time.Time, sched cron.Schedule, withDeadline bool) (time.Time, *time.Time, missed, error) {
	earliest := cj.CreationTimestamp.Time
	if t := cj.Status.LastScheduleTime; t != nil {
		earliest = t.Time
	}
	if sds := cj.Spec.StartingDeadlineSeconds; withDeadline && sds != nil {
		if d := now.Add(-time.Duration(*sds) * time.Second); d.After(earliest) {
			earliest = d
		}
	}
	t1 := sched.Next(earliest)
	t2 := sched.Next(t1)
	if now.Before(t1) {
		return earliest, nil, noneMissed, nil
	}
	if now.Before(t2) {
		return earliest, &t1, noneMissed, nil
	}
	between := int64(t2.Sub(t1).Round(time.Second).Seconds())
	if between < 1 {
		return earliest, nil, noneMissed, errors.New("time difference between two schedules is less than 1 second")
	}
	// A rough count of the times that fit between the first and now.
	count := int64(now.Sub(t1).Seconds())/between + 1
	var latest time.Time
	from := t1.Add(time.Duration((count-2)*between) * time.Second)
	for t := sched.Next(from); !t.After(now); t = sched.Next(t) {
		latest = t
	}
	m := fewMissed
	if count > 100 {
		m = manyMissed
	}
	if latest.IsZero() {
		return earliest, nil, m, nil
	}
	return earliest, &latest, m, nil
}

// nextScheduleTimeDuration is how long until the next scheduled time, plus
// the padding.
func nextScheduleTimeDuration(cj *api.CronJob, now time.Time, sched cron.Schedule) time.Duration {
	earliest, latest, m, err := mostRecentScheduleTime(cj, now, sched, false)
	switch {
	case err != nil:
		latest = &now
	case latest == nil && m == noneMissed:
		latest = &earliest
	case latest == nil:
		latest = &now
	}
	d := sched.Next(*latest).Add(nextScheduleDelta).Sub(now)
	if d <= 0 {
		d = nextScheduleDelta
	}
	return d
}

// nextScheduleTime returns the scheduled time to start a Job for, if one
// has come; more than 100 missed times earn a warning.
func (ctl *Controller) nextScheduleTime(cj *api.CronJob, now time.Time, sched cron.Schedule) (*time.Time, error) {
	_, latest, m, err := mostRecentScheduleTime(cj, now, sched, true)
	if latest == nil || latest.After(now) {
		return nil, err
	}
	if m == manyMissed {
		ctl.rec.Event(cj, api.EventWarning, "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew")
	}
	return latest, err
}

// formatSchedule puts spec.timeZone in front of the schedule as TZ=, and
// warns (when warn is set) about a TZ= the user wrote.
func formatSchedule(rec *client.Recorder, cj *api.CronJob, warn bool) string {
	if strings.Contains(cj.Spec.Schedule, "TZ") {
		if warn {
			rec.Eventf(cj, api.EventWarning, "UnsupportedSchedule", "CRON_TZ or TZ used in schedule %q is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details", cj.Spec.Schedule)
		}
		return cj.Spec.Schedule
	}
	if tz := cj.Spec.TimeZone; tz != nil {
		if _, err := time.LoadLocation(*tz); err == nil {
			return fmt.Sprintf("TZ=%s %s", *tz, cj.Spec.Schedule)
		}
	}
	return cj.Spec.Schedule
}

// jobName is <cronjob>-<scheduled time in minutes since the epoch>: the
// name is the lock that keeps a time from running twice.
func jobName(cj *api.CronJob, scheduled time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, scheduled.Unix()/60)
}

// jobFromTemplate makes the Job of a scheduled time.
func jobFromTemplate(cj *api.CronJob, scheduled time.Time) (*api.Job, error) {
	loc, err := time.LoadLocation(api.Deref(cj.Spec.TimeZone, ""))
	if err != nil {
		return nil, err
	}
	tmpl := api.Clone(&cj.Spec.JobTemplate)
	annotations := map[string]string{}
	maps.Copy(annotations, tmpl.Annotations)
	annotations[ScheduledTimestampAnnotation] = scheduled.In(loc).Format(time.RFC3339)
	labels := map[string]string{}
	maps.Copy(labels, tmpl.Labels)
	return &api.Job{
		ObjectMeta: api.ObjectMeta{
			Name:            jobName(cj, scheduled),
			Namespace:       cj.Namespace,
			Labels:          labels,
			Annotations:     annotations,
			OwnerReferences: []api.OwnerReference{controller.NewControllerRef(cj)},
		},
		Spec: tmpl.Spec,
	}, nil
}

// sortByStartTime orders Jobs by start time, unstarted last, then by name.
func sortByStartTime(jobs []*api.Job) {
	sort.SliceStable(jobs, func(i, j int) bool {
		a, b := jobs[i].Status.StartTime, jobs[j].Status.StartTime
		switch {
		case a == nil && b != nil:
			return false
		case a != nil && b == nil:
			return true
		case a == nil || a.Equal(b.Time):
			return jobs[i].Name < jobs[j].Name
		}
		return a.Before(b.Time)
	})
}
