package kubectl

import (
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Tables of batch/v1 kinds.
func init() {
	tables["Job.batch"] = table([]string{"NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"},
		[]string{"CONTAINERS", "IMAGES", "SELECTOR"}, jobRow)
	tables["CronJob.batch"] = table([]string{"NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"},
		[]string{"CONTAINERS", "IMAGES", "SELECTOR"}, cronJobRow)
}

func jobRow(obj api.Object, now time.Time) []string {
	j := obj.(*api.Job)
	names, images := containersAndImages(&j.Spec.Template.Spec)
	return []string{j.Name, jobStatus(j), jobCompletions(j), jobDuration(j, now), age(j.CreationTimestamp.Time, now),
		names, images, formatLabelSelector(j.Spec.Selector)}
}

// jobCompletions is "succeeded/completions"; a job without completions
// finishes with its first success: "0/1", or "0/1 of 3" when it runs
// several pods at once.
func jobCompletions(j *api.Job) string {
	if j.Spec.Completions != nil {
		return fmt.Sprintf("%d/%d", j.Status.Succeeded, *j.Spec.Completions)
	}
	if p := api.Deref(j.Spec.Parallelism, 0); p > 1 {
		return fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, p)
	}
	return fmt.Sprintf("%d/1", j.Status.Succeeded)
}

// jobDuration is how long the job ran, or has run so far; empty before it
// starts.
func jobDuration(j *api.Job, now time.Time) string {
	switch {
	case j.Status.StartTime == nil:
		return ""
	case j.Status.CompletionTime == nil:
		return humanDuration(now.Sub(j.Status.StartTime.Time))
	}
	return humanDuration(j.Status.CompletionTime.Sub(j.Status.StartTime.Time))
}

// jobStatus is the job's most telling condition, in kubectl's order.
func jobStatus(j *api.Job) string {
	switch {
	case jobCondition(j, "Complete"):
		return "Complete"
	case jobCondition(j, "Failed"):
		return "Failed"
	case j.DeletionTimestamp != nil:
		return "Terminating"
	case jobCondition(j, "Suspended"):
		return "Suspended"
	case jobCondition(j, "FailureTarget"):
		return "FailureTarget"
	}
	return "Running"
}

// jobCondition reports whether the job's first condition of type t is true.
func jobCondition(j *api.Job, t string) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == t {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}

func cronJobRow(obj api.Object, now time.Time) []string {
	cj := obj.(*api.CronJob)
	last := "<none>"
	if t := cj.Status.LastScheduleTime; t != nil {
		last = age(t.Time, now)
	}
	spec := &cj.Spec.JobTemplate.Spec
	names, images := containersAndImages(&spec.Template.Spec)
	return []string{cj.Name, cj.Spec.Schedule, api.Deref(cj.Spec.TimeZone, "<none>"), boolPtr(cj.Spec.Suspend), fmt.Sprint(len(cj.Status.Active)),
		last, age(cj.CreationTimestamp.Time, now), names, images, formatLabelSelector(spec.Selector)}
}

// boolPtr is kubectl's printBoolPtr: True, False or <unset>.
func boolPtr(b *bool) string {
	if b == nil {
		return "<unset>"
	}
	return printBool(*b)
}
