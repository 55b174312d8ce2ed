package cronjob

import (
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller/controllertest"
	"github.com/kubeplay/kubeplay/engine/controller/job"
	"github.com/kubeplay/kubeplay/engine/cron"
)

var epoch = controllertest.Epoch

// fixture runs the CronJob controller alone: the test finishes the Jobs.
type fixture struct{ *controllertest.Fixture }

func newFixture(t *testing.T) *fixture { return &fixture{controllertest.WithJobs(t, New)} }

func newCronJob(edit func(*api.CronJob)) *api.CronJob {
	cj := &api.CronJob{ObjectMeta: api.ObjectMeta{Name: "hello", Namespace: "default"}}
	cj.Spec.Schedule = "* * * * *"
	cj.Spec.JobTemplate.Labels = map[string]string{"app": "hello"}
	cj.Spec.JobTemplate.Annotations = map[string]string{"note": "kept"}
	pod := &cj.Spec.JobTemplate.Spec.Template.Spec
	pod.Containers = []api.Container{{Name: "hello", Image: "busybox"}}
	pod.RestartPolicy = api.RestartOnFailure
	if edit != nil {
		edit(cj)
	}
	return cj
}

func (f *fixture) create(cj *api.CronJob) {
	f.T.Helper()
	_, err := client.Create(f.C, cj)
	require.NoError(f.T, err)
	f.L.RunUntilIdle()
}

func (f *fixture) cronJob() *api.CronJob {
	f.T.Helper()
	cj, err := client.Get[*api.CronJob](f.C, "default", "hello")
	require.NoError(f.T, err)
	return cj
}

func (f *fixture) update(edit func(*api.CronJob)) {
	f.T.Helper()
	cj := api.Clone(f.cronJob())
	edit(cj)
	_, err := client.Update(f.C, cj)
	require.NoError(f.T, err)
	f.L.RunUntilIdle()
}

// jobs returns the names of the Jobs, sorted.
func (f *fixture) jobs() []string {
	f.T.Helper()
	list, err := client.List[*api.Job](f.C, "default", apiserver.ListOptions{})
	require.NoError(f.T, err)
	var out []string
	for _, j := range list {
		out = append(out, j.Name)
	}
	sort.Strings(out)
	return out
}

// finish gives a Job the final condition of type t, as the Job controller would.
func (f *fixture) finish(name, t string) {
	f.T.Helper()
	j, err := client.Get[*api.Job](f.C, "default", name)
	require.NoError(f.T, err)
	upd := api.Clone(j)
	now := api.NewTime(f.L.Now())
	upd.Status.StartTime = api.Ptr(j.CreationTimestamp)
	upd.Status.Conditions = append(upd.Status.Conditions, api.JobCondition{Type: t, Status: api.ConditionTrue, LastTransitionTime: now})
	if t == job.CondComplete {
		upd.Status.CompletionTime = &now
	}
	_, err = client.UpdateStatus(f.C, upd)
	require.NoError(f.T, err)
	f.L.RunUntilIdle()
}

// events returns "Reason: message" of the CronJob's events, oldest first.
func (f *fixture) events() []string {
	return controllertest.Events(f.T, f.C, "CronJob", "")
}

// jobAt is the name of the Job scheduled n minutes after the epoch.
func jobAt(n int) string {
	return jobName(&api.CronJob{ObjectMeta: api.ObjectMeta{Name: "hello"}}, epoch.Add(time.Duration(n)*time.Minute))
}

func TestCronJobCreatesJobsOnSchedule(t *testing.T) {
	f := newFixture(t)
	f.create(newCronJob(nil))
	f.L.AdvanceTo(epoch.Add(time.Minute))
	assert.Empty(t, f.jobs(), "not before the scheduled time and its 100 ms")
	f.L.AdvanceBy(100 * time.Millisecond)
	require.Equal(t, []string{jobAt(1)}, f.jobs())
	assert.Equal(t, "hello-29453761", jobAt(1), "minutes since the epoch")

	j, err := client.Get[*api.Job](f.C, "default", jobAt(1))
	require.NoError(t, err)
	assert.Equal(t, "2026-01-01T00:01:00Z", j.Annotations[ScheduledTimestampAnnotation])
	assert.Equal(t, "kept", j.Annotations["note"])
	assert.Equal(t, "hello", j.Labels["app"])
	ref := j.OwnerReferences[0]
	assert.Equal(t, []any{"batch/v1", "CronJob", "hello", true}, []any{ref.APIVersion, ref.Kind, ref.Name, *ref.Controller})

	cj := f.cronJob()
	require.Len(t, cj.Status.Active, 1)
	assert.Equal(t, api.ObjectReference{Kind: "Job", Namespace: "default", Name: j.Name, UID: j.UID, APIVersion: "batch/v1", ResourceVersion: j.ResourceVersion}, cj.Status.Active[0])
	assert.Equal(t, epoch.Add(time.Minute), cj.Status.LastScheduleTime.Time)
	assert.Equal(t, []string{"SuccessfulCreate: Created job " + jobAt(1)}, f.events())

	f.L.AdvanceBy(30 * time.Second)
	f.finish(jobAt(1), job.CondComplete)
	cj = f.cronJob()
	assert.Empty(t, cj.Status.Active)
	assert.Equal(t, epoch.Add(90*time.Second), cj.Status.LastSuccessfulTime.Time)
	assert.Contains(t, f.events(), "SawCompletedJob: Saw completed job: "+jobAt(1)+", condition: Complete")

	f.L.AdvanceTo(epoch.Add(3*time.Minute + time.Second))
	assert.Equal(t, []string{jobAt(1), jobAt(2), jobAt(3)}, f.jobs(), "concurrency allowed")
}

func TestConcurrencyPolicy(t *testing.T) {
	t.Run("Forbid", func(t *testing.T) {
		f := newFixture(t)
		f.create(newCronJob(func(cj *api.CronJob) { cj.Spec.ConcurrencyPolicy = "Forbid" }))
		f.L.AdvanceTo(epoch.Add(2*time.Minute + time.Second))
		assert.Equal(t, []string{jobAt(1)}, f.jobs())
		assert.Contains(t, f.events(), "JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid")
		f.L.AdvanceTo(epoch.Add(2*time.Minute + 30*time.Second))
		f.finish(jobAt(1), job.CondFailed)
		// Without a starting deadline, the missed run starts late.
		assert.Equal(t, []string{jobAt(1), jobAt(2)}, f.jobs())
	})
	t.Run("Replace", func(t *testing.T) {
		f := newFixture(t)
		f.create(newCronJob(func(cj *api.CronJob) { cj.Spec.ConcurrencyPolicy = "Replace" }))
		f.L.AdvanceTo(epoch.Add(2*time.Minute + time.Second))
		assert.Equal(t, []string{jobAt(2)}, f.jobs())
		events := f.events()
		assert.Equal(t, "SuccessfulDelete: Deleted job "+jobAt(1), events[len(events)-2])
		assert.Equal(t, "SuccessfulCreate: Created job "+jobAt(2), events[len(events)-1])
	})
}

func TestHistoryLimits(t *testing.T) {
	f := newFixture(t)
	f.create(newCronJob(func(cj *api.CronJob) {
		cj.Spec.SuccessfulJobsHistoryLimit, cj.Spec.FailedJobsHistoryLimit = api.Ptr(int32(2)), api.Ptr(int32(1))
	}))
	outcome := []string{job.CondComplete, job.CondFailed, job.CondComplete, job.CondFailed, job.CondComplete}
	for i, c := range outcome {
		f.L.AdvanceTo(epoch.Add(time.Duration(i+1)*time.Minute + 30*time.Second))
		f.finish(jobAt(i+1), c)
	}
	assert.Equal(t, []string{jobAt(3), jobAt(4), jobAt(5)}, f.jobs(), "the two newest successes, the newest failure")
	assert.Contains(t, f.events(), "SuccessfulDelete: Deleted job "+jobAt(1))
}

func TestSuspendAndStartingDeadline(t *testing.T) {
	f := newFixture(t)
	f.create(newCronJob(func(cj *api.CronJob) {
		cj.Spec.Suspend = api.Ptr(true)
		cj.Spec.StartingDeadlineSeconds = api.Ptr(int64(10))
	}))
	f.L.AdvanceTo(epoch.Add(5*time.Minute + 30*time.Second))
	assert.Empty(t, f.jobs(), "a suspended CronJob starts nothing")
	f.update(func(cj *api.CronJob) { cj.Spec.Suspend = api.Ptr(false) })
	assert.Empty(t, f.jobs(), "00:05 is more than 10 s ago")
	f.L.AdvanceTo(epoch.Add(6*time.Minute + time.Second))
	assert.Equal(t, []string{jobAt(6)}, f.jobs())
}

func TestTooManyMissedStartTimes(t *testing.T) {
	f := newFixture(t)
	f.create(newCronJob(func(cj *api.CronJob) { cj.Spec.Suspend = api.Ptr(true) }))
	f.L.AdvanceTo(epoch.Add(3 * time.Hour))
	f.update(func(cj *api.CronJob) { cj.Spec.Suspend = api.Ptr(false) })
	assert.Equal(t, []string{jobAt(180)}, f.jobs(), "only the latest missed time runs")
	assert.Equal(t, []string{
		"TooManyMissedTimes: too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
		"SuccessfulCreate: Created job " + jobAt(180),
	}, f.events())
}

func TestUnexpectedAndMissingJobs(t *testing.T) {
	f := newFixture(t)
	f.create(newCronJob(nil))
	cj := f.cronJob()
	stray := &api.Job{ObjectMeta: api.ObjectMeta{Name: "by-hand", Namespace: "default", OwnerReferences: []api.OwnerReference{{
		APIVersion: "batch/v1", Kind: "CronJob", Name: "hello", UID: cj.UID, Controller: api.Ptr(true),
	}}}}
	stray.Spec.Template.Spec = cj.Spec.JobTemplate.Spec.Template.Spec
	_, err := client.Create(f.C, stray)
	require.NoError(t, err)
	f.L.RunUntilIdle()
	assert.Contains(t, f.events(), "UnexpectedJob: Saw a job that the controller did not create or forgot: by-hand")

	f.L.AdvanceTo(epoch.Add(time.Minute + time.Second))
	require.NoError(t, client.Delete[*api.Job](f.C, "default", jobAt(1), apiserver.DeleteOptions{}))
	f.L.RunUntilIdle()
	assert.Contains(t, f.events(), "MissingJob: Active job went missing: "+jobAt(1))
	assert.Empty(t, f.cronJob().Status.Active)
}

func TestTimeZone(t *testing.T) {
	f := newFixture(t)
	f.create(newCronJob(func(cj *api.CronJob) {
		cj.Spec.Schedule = "0 9 * * *"
		cj.Spec.TimeZone = api.Ptr("Asia/Tokyo")
	}))
	f.L.AdvanceTo(epoch.Add(24*time.Hour + time.Second))
	name := jobAt(24 * 60)
	require.Equal(t, []string{name}, f.jobs(), "9:00 in Tokyo is midnight UTC")
	j, err := client.Get[*api.Job](f.C, "default", name)
	require.NoError(t, err)
	assert.Equal(t, "2026-01-02T09:00:00+09:00", j.Annotations[ScheduledTimestampAnnotation])
}

func TestMostRecentScheduleTime(t *testing.T) {
	every5, err := cron.Parse("*/5 * * * *")
	require.NoError(t, err)
	never, err := cron.Parse("59 23 31 2 *")
	require.NoError(t, err)
	at := func(d time.Duration) *time.Time { t := epoch.Add(d); return &t }
	tests := []struct {
		name     string
		sched    cron.Schedule
		last     time.Duration // after the epoch, when the CronJob last ran (created at the epoch)
		sds      *int64
		now      time.Duration
		want     *time.Time
		missed   missed
		wantNext time.Duration
		wantErr  bool
	}{
		{"not yet", every5, 0, nil, 4 * time.Minute, nil, noneMissed, time.Minute + nextScheduleDelta, false},
		{"due", every5, 0, nil, 6 * time.Minute, at(5 * time.Minute), noneMissed, 4*time.Minute + nextScheduleDelta, false},
		{"a few missed", every5, 0, nil, 17 * time.Minute, at(15 * time.Minute), fewMissed, 3*time.Minute + nextScheduleDelta, false},
		{"many missed", every5, 0, nil, 10 * time.Hour, at(10 * time.Hour), manyMissed, 5*time.Minute + nextScheduleDelta, false},
		{"the deadline trims the count", every5, 0, api.Ptr(int64(600)), 10 * time.Hour, at(10 * time.Hour), fewMissed, 5*time.Minute + nextScheduleDelta, false},
		{"impossible", never, 0, nil, time.Hour, nil, noneMissed, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cj := newCronJob(func(cj *api.CronJob) { cj.Spec.StartingDeadlineSeconds = tt.sds })
			cj.CreationTimestamp = api.NewTime(epoch.Add(tt.last))
			now := epoch.Add(tt.now)
			_, got, m, err := mostRecentScheduleTime(cj, now, tt.sched, true)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.missed, m)
			assert.Equal(t, tt.wantNext, nextScheduleTimeDuration(cj, now, tt.sched))
		})
	}
}
