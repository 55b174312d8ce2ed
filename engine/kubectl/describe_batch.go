package kubectl

import (
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// This file describes Jobs and CronJobs as kubectl's JobDescriber and
// CronJobDescriber do.

func (d *describer) job(j *api.Job) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", j.Name)
		w.write(0, "Namespace:\t%s\n", j.Namespace)
		if sel, err := api.SelectorFromLabelSelector(j.Spec.Selector); err == nil {
			w.write(0, "Selector:\t%s\n", sel.String())
		} else {
			w.write(0, "Selector:\tFailed to get selector: %s\n", err)
		}
		w.labels("Labels", j.Labels)
		w.annotations("Annotations", j.Annotations)
		if c := controlledBy(j); c != "" {
			w.write(0, "Controlled By:\t%s\n", c)
		}
		if j.Spec.Parallelism != nil {
			w.write(0, "Parallelism:\t%d\n", *j.Spec.Parallelism)
		}
		w.write(0, "Completions:\t%s\n", int32OrUnset(j.Spec.Completions))
		if j.Spec.CompletionMode != nil {
			w.write(0, "Completion Mode:\t%s\n", *j.Spec.CompletionMode)
		}
		if j.Spec.Suspend != nil {
			w.write(0, "Suspend:\t%v\n", *j.Spec.Suspend)
		}
		if j.Spec.BackoffLimit != nil {
			w.write(0, "Backoff Limit:\t%v\n", *j.Spec.BackoffLimit)
		}
		if j.Spec.TTLSecondsAfterFinished != nil {
			w.write(0, "TTL Seconds After Finished:\t%v\n", *j.Spec.TTLSecondsAfterFinished)
		}
		d.jobTimes(w, j)
		st := j.Status
		if st.Ready == nil {
			w.write(0, "Pods Statuses:\t%d Active / %d Succeeded / %d Failed\n", st.Active, st.Succeeded, st.Failed)
		} else {
			w.write(0, "Pods Statuses:\t%d Active (%d Ready) / %d Succeeded / %d Failed\n", st.Active, *st.Ready, st.Succeeded, st.Failed)
		}
		if api.Deref(j.Spec.CompletionMode, "") == "Indexed" {
			w.write(0, "Completed Indexes:\t%s\n", capIndexes(st.CompletedIndexes, 50))
		}
		describePodTemplate(w, &j.Spec.Template)
		d.eventsSection(w, j)
	})
}

// jobTimes writes when a Job started and finished, and its deadline.
func (d *describer) jobTimes(w *prefixWriter, j *api.Job) {
	st := j.Status
	if st.StartTime != nil {
		w.write(0, "Start Time:\t%s\n", rfc1123(st.StartTime.Time))
	}
	if st.CompletionTime != nil {
		w.write(0, "Completed At:\t%s\n", rfc1123(st.CompletionTime.Time))
	}
	if st.StartTime != nil && st.CompletionTime != nil {
		w.write(0, "Duration:\t%s\n", humanDuration(st.CompletionTime.Sub(st.StartTime.Time)))
	}
	if j.Spec.ActiveDeadlineSeconds != nil {
		w.write(0, "Active Deadline Seconds:\t%ds\n", *j.Spec.ActiveDeadlineSeconds)
	}
}

// capIndexes cuts a list of indexes after the first comma past limit
// characters, with "..." to say so, or is <none>.
func capIndexes(indexes string, limit int) string {
	if indexes == "" {
		return "<none>"
	}
	i := limit
	for ; i < len(indexes); i++ {
		if indexes[i] == ',' {
			break
		}
	}
	if i >= len(indexes) {
		return indexes
	}
	return indexes[:i+1] + "..."
}

func int32OrUnset(v *int32) string {
	if v == nil {
		return "<unset>"
	}
	return strconv.Itoa(int(*v))
}

func (d *describer) cronJob(cj *api.CronJob) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", cj.Name)
		w.write(0, "Namespace:\t%s\n", cj.Namespace)
		w.labels("Labels", cj.Labels)
		w.annotations("Annotations", cj.Annotations)
		s := cj.Spec
		w.write(0, "Schedule:\t%s\n", s.Schedule)
		w.write(0, "Concurrency Policy:\t%s\n", s.ConcurrencyPolicy)
		w.write(0, "Suspend:\t%s\n", boolPtrText(s.Suspend))
		w.write(0, "Time Zone:\t%s\n", api.Deref(s.TimeZone, "<unset>"))
		w.write(0, "Successful Job History Limit:\t%s\n", int32OrUnset(s.SuccessfulJobsHistoryLimit))
		w.write(0, "Failed Job History Limit:\t%s\n", int32OrUnset(s.FailedJobsHistoryLimit))
		if s.StartingDeadlineSeconds != nil {
			w.write(0, "Starting Deadline Seconds:\t%ds\n", *s.StartingDeadlineSeconds)
		} else {
			w.write(0, "Starting Deadline Seconds:\t<unset>\n")
		}
		describeJobTemplate(w, &s.JobTemplate)
		if t := cj.Status.LastScheduleTime; t != nil {
			w.write(0, "Last Schedule Time:\t%s\n", rfc1123(t.Time))
		} else {
			w.write(0, "Last Schedule Time:\t<unset>\n")
		}
		names := make([]string, len(cj.Status.Active))
		for i, j := range cj.Status.Active {
			names[i] = j.Name
		}
		if len(names) == 0 {
			names = []string{"<none>"}
		}
		w.write(0, "Active Jobs:\t%s\n", strings.Join(names, ", "))
		d.eventsSection(w, cj)
	})
}

func describeJobTemplate(w *prefixWriter, t *api.JobTemplateSpec) {
	if t.Spec.Selector != nil {
		if sel, err := api.SelectorFromLabelSelector(t.Spec.Selector); err == nil {
			w.write(0, "Selector:\t%s\n", sel.String())
		} else {
			w.write(0, "Selector:\tFailed to get selector: %s\n", err)
		}
	} else {
		w.write(0, "Selector:\t<unset>\n")
	}
	w.write(0, "Parallelism:\t%s\n", int32OrUnset(t.Spec.Parallelism))
	w.write(0, "Completions:\t%s\n", int32OrUnset(t.Spec.Completions))
	if t.Spec.ActiveDeadlineSeconds != nil {
		w.write(0, "Active Deadline Seconds:\t%ds\n", *t.Spec.ActiveDeadlineSeconds)
	}
	describePodTemplate(w, &t.Spec.Template)
}

// boolPtrText is printBoolPtr: True, False, or <unset>.
func boolPtrText(b *bool) string {
	if b == nil {
		return "<unset>"
	}
	return printBool(*b)
}
