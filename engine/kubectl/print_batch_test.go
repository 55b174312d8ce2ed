package kubectl

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

func piTemplate() api.PodTemplateSpec {
	return api.PodTemplateSpec{Spec: api.PodSpec{RestartPolicy: "Never", Containers: []api.Container{
		{Name: "pi", Image: "perl:5.34.0", Command: []string{"perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"}},
	}}}
}

// manualJob is a job that picks its own selector, as a job may
// (spec.manualSelector), rather than have one generated from its UID.
func manualJob(name string, completions, parallelism *int32) *api.Job {
	tmpl := piTemplate()
	tmpl.Labels = map[string]string{"app": "pi", "run": name}
	return &api.Job{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.JobSpec{Completions: completions, Parallelism: parallelism, BackoffLimit: api.Ptr(int32(4)), ManualSelector: api.Ptr(true),
			Selector: &api.LabelSelector{MatchLabels: tmpl.Labels}, Template: tmpl},
	}
}

// setupJobs makes jobs in each state: done, failed, running with several
// pods at once, not started, suspended and being deleted.
func setupJobs(f *describeFixture) {
	job := func(name string, completions, parallelism *int32, status func(j *api.Job)) {
		j := manualJob(name, completions, parallelism)
		j.Finalizers = []string{"example.com/keep"}
		create(f, j, status)
	}
	start := f.l.Now()
	job("pi", api.Ptr(int32(1)), api.Ptr(int32(1)), func(j *api.Job) {
		j.Status = api.JobStatus{StartTime: api.NewTimePtr(start), CompletionTime: api.NewTimePtr(start.Add(46 * time.Second)), Succeeded: 1,
			Conditions: []api.JobCondition{{Type: "SuccessCriteriaMet", Status: "True"}, {Type: "Complete", Status: "True"}}}
	})
	job("broken", api.Ptr(int32(1)), api.Ptr(int32(1)), func(j *api.Job) {
		j.Status = api.JobStatus{StartTime: api.NewTimePtr(start), Failed: 5,
			Conditions: []api.JobCondition{{Type: "FailureTarget", Status: "True"}, {Type: "Failed", Status: "True"}}}
	})
	f.l.AdvanceBy(3 * time.Minute)
	job("queue", nil, api.Ptr(int32(3)), func(j *api.Job) {
		j.Status = api.JobStatus{StartTime: api.NewTimePtr(f.l.Now()), Active: 3, Ready: api.Ptr(int32(3))}
	})
	job("batch", api.Ptr(int32(5)), api.Ptr(int32(2)), nil)
	job("paused", api.Ptr(int32(1)), api.Ptr(int32(1)), func(j *api.Job) {
		j.Status = api.JobStatus{Conditions: []api.JobCondition{{Type: "Suspended", Status: "True"}}}
	})
	job("stopping", api.Ptr(int32(1)), api.Ptr(int32(1)), func(j *api.Job) {
		j.Status = api.JobStatus{StartTime: api.NewTimePtr(f.l.Now()), Active: 1}
	})
	_, err := f.c.Delete(api.ResourceFor(&api.Job{}), "default", "stopping", apiserver.DeleteOptions{})
	assert.NoError(f.t, err)
	f.l.AdvanceBy(125 * time.Second)
}

func setupCronJobs(f *describeFixture) {
	// The CronJob of kubernetes.io's "Running Automated Tasks" page, with
	// a job running; one in a time zone, suspended; one never run.
	hello := api.JobTemplateSpec{Spec: api.JobSpec{Template: api.PodTemplateSpec{Spec: api.PodSpec{RestartPolicy: "OnFailure",
		Containers: []api.Container{{Name: "hello", Image: "busybox:1.28", Command: []string{"/bin/sh", "-c", "date; echo Hello from the Kubernetes cluster"}}}}}}}
	create(f, &api.CronJob{
		ObjectMeta: api.ObjectMeta{Name: "hello", Namespace: "default"},
		Spec:       api.CronJobSpec{Schedule: "* * * * *", Suspend: api.Ptr(false), ConcurrencyPolicy: "Allow", JobTemplate: hello},
	}, nil)
	f.l.AdvanceBy(10 * time.Minute)
	create(f, &api.CronJob{
		ObjectMeta: api.ObjectMeta{Name: "report", Namespace: "default"},
		Spec: api.CronJobSpec{Schedule: "0 3 * * 1-5", TimeZone: api.Ptr("Europe/Berlin"), Suspend: api.Ptr(true), JobTemplate: api.JobTemplateSpec{Spec: api.JobSpec{
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "report"}}, Spec: piTemplate().Spec}}}},
	}, nil)
	create(f, &api.CronJob{
		ObjectMeta: api.ObjectMeta{Name: "legacy", Namespace: "default"},
		Spec:       api.CronJobSpec{Schedule: "@hourly", Suspend: api.Ptr(false), JobTemplate: hello},
	}, nil)
	f.l.AdvanceBy(42 * time.Second)
	cj, err := client.Get[*api.CronJob](f.c, "default", "hello")
	assert.NoError(f.t, err)
	cj.Status = api.CronJobStatus{Active: []api.ObjectReference{{Kind: "Job", Namespace: "default", Name: "hello-29452270", APIVersion: "batch/v1"}},
		LastScheduleTime: api.NewTimePtr(f.ago(42 * time.Second))}
	_, err = client.UpdateStatus(f.c, cj)
	assert.NoError(f.t, err)
}

func TestGetBatch(t *testing.T) {
	runGetCases(t, []getCase{
		{"jobs", setupJobs, []string{"jobs"}, `NAME       STATUS        COMPLETIONS   DURATION   AGE
batch      Running       0/5                      2m5s
broken     Failed        0/1           5m5s       5m5s
paused     Suspended     0/1                      2m5s
pi         Complete      1/1           46s        5m5s
queue      Running       0/1 of 3      2m5s       2m5s
stopping   Terminating   0/1           2m5s       2m5s
`},
		{"jobs-wide", setupJobs, []string{"job", "pi", "queue", "-o", "wide"}, `NAME    STATUS     COMPLETIONS   DURATION   AGE    CONTAINERS   IMAGES        SELECTOR
pi      Complete   1/1           46s        5m5s   pi           perl:5.34.0   app=pi,run=pi
queue   Running    0/1 of 3      2m5s       2m5s   pi           perl:5.34.0   app=pi,run=queue
`},
		{"cronjobs", setupCronJobs, []string{"cronjobs"}, `NAME     SCHEDULE      TIMEZONE        SUSPEND   ACTIVE   LAST SCHEDULE   AGE
hello    * * * * *     <none>          False     1        42s             10m
legacy   @hourly       <none>          False     0        <none>          42s
report   0 3 * * 1-5   Europe/Berlin   True      0        <none>          42s
`},
		{"cronjobs-wide", setupCronJobs, []string{"cj", "-o", "wide"}, `NAME     SCHEDULE      TIMEZONE        SUSPEND   ACTIVE   LAST SCHEDULE   AGE   CONTAINERS   IMAGES         SELECTOR
hello    * * * * *     <none>          False     1        42s             10m   hello        busybox:1.28   <none>
legacy   @hourly       <none>          False     0        <none>          42s   hello        busybox:1.28   <none>
report   0 3 * * 1-5   Europe/Berlin   True      0        <none>          42s   pi           perl:5.34.0    <none>
`},
	})
}

func TestJobCompletions(t *testing.T) {
	tests := []struct {
		completions, parallelism *int32
		succeeded                int32
		want                     string
	}{
		{completions: api.Ptr(int32(3)), parallelism: api.Ptr(int32(2)), succeeded: 1, want: "1/3"},
		{parallelism: api.Ptr(int32(4)), succeeded: 0, want: "0/1 of 4"},
		{parallelism: api.Ptr(int32(1)), succeeded: 1, want: "1/1"},
		{want: "0/1"},
	}
	for _, tt := range tests {
		j := &api.Job{Spec: api.JobSpec{Completions: tt.completions, Parallelism: tt.parallelism}, Status: api.JobStatus{Succeeded: tt.succeeded}}
		assert.Equal(t, tt.want, jobCompletions(j))
	}
}
