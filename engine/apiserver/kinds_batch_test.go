package apiserver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

// manifest decodes one YAML document as kubectl sends it.
func manifest(t *testing.T, doc string) (*api.ResourceInfo, api.Object) {
	t.Helper()
	docs, err := api.SplitYAML([]byte(doc))
	require.NoError(t, err)
	require.Len(t, docs, 1)
	tm, err := api.TypeOf(docs[0].JSON)
	require.NoError(t, err)
	r, err := api.LookupKind(tm.APIVersion, tm.Kind)
	require.NoError(t, err)
	obj, err := api.DecodeInto(r, docs[0].JSON)
	require.NoError(t, err)
	return r, obj
}

// apply creates the object of a manifest in the default namespace.
func apply(t *testing.T, s *Server, doc string) (api.Object, error) {
	t.Helper()
	r, obj := manifest(t, doc)
	return s.Create(r, "default", obj)
}

// mustApply creates it or fails.
func mustApply[T api.Object](t *testing.T, s *Server, doc string) T {
	t.Helper()
	obj, err := apply(t, s, doc)
	require.NoError(t, err)
	return obj.(T)
}

// yamlOf prints v as kubectl's -o yaml does.
func yamlOf(t *testing.T, v any) string {
	t.Helper()
	b, err := api.ToYAML(v)
	require.NoError(t, err)
	return string(b)
}

// applyErr returns the error a manifest's creation fails with.
func applyErr(t *testing.T, s *Server, doc string) string {
	t.Helper()
	_, err := apply(t, s, doc)
	require.Error(t, err)
	return err.Error()
}

// update sends obj back after change, and returns the error text or "".
func update[T api.Object](t *testing.T, s *Server, obj T, change func(T)) string {
	t.Helper()
	obj = api.Clone(obj)
	change(obj)
	_, err := s.Update(api.ResourceFor(obj), obj)
	if err != nil {
		return err.Error()
	}
	return ""
}

const piJob = `
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
      restartPolicy: Never
  backoffLimit: 4
`

func TestJobDefaultsAndGeneratedSelector(t *testing.T) {
	s := newServer()
	j := mustApply[*api.Job](t, s, piJob)
	uid := j.UID
	require.NotEmpty(t, uid)
	assert.Equal(t, map[string]string{
		"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi",
		"controller-uid": uid, "job-name": "pi",
	}, j.Labels)
	assert.Equal(t, int64(1), j.Generation)
	want := `backoffLimit: 4
completionMode: NonIndexed
completions: 1
manualSelector: false
parallelism: 1
podReplacementPolicy: TerminatingOrFailed
selector:
  matchLabels:
    batch.kubernetes.io/controller-uid: UID
suspend: false
template:
  metadata:
    labels:
      batch.kubernetes.io/controller-uid: UID
      batch.kubernetes.io/job-name: pi
      controller-uid: UID
      job-name: pi
  spec:
    containers:
    - command:
      - perl
      - -Mbignum=bpi
      - -wle
      - print bpi(2000)
      image: perl:5.34.0
      imagePullPolicy: IfNotPresent
      name: pi
      resources: {}
      terminationMessagePath: /dev/termination-log
      terminationMessagePolicy: File
    dnsPolicy: ClusterFirst
    restartPolicy: Never
    schedulerName: default-scheduler
    securityContext: {}
    terminationGracePeriodSeconds: 30
`
	assert.Equal(t, strings.ReplaceAll(want, "UID", uid), yamlOf(t, j.Spec))
	assert.Equal(t, "{}\n", yamlOf(t, j.Status))
}

func TestJobDefaults(t *testing.T) {
	s := newServer()
	j := mustApply[*api.Job](t, s, `
apiVersion: batch/v1
kind: Job
metadata: {name: work, labels: {team: a}}
spec:
  parallelism: 3
  backoffLimitPerIndex: 1
  completions: 5
  completionMode: Indexed
  podFailurePolicy:
    rules:
    - action: Ignore
      onPodConditions: [{type: DisruptionTarget}]
  template:
    metadata: {labels: {app: work}}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
`)
	require.NotNil(t, j.Spec.Completions)
	assert.Equal(t, int32(5), *j.Spec.Completions)
	assert.Equal(t, int32(2147483647), *j.Spec.BackoffLimit, "backoffLimit with backoffLimitPerIndex")
	assert.Equal(t, "Failed", *j.Spec.PodReplacementPolicy, "with a pod failure policy")
	assert.Equal(t, "True", j.Spec.PodFailurePolicy.Rules[0].OnPodConditions[0].Status)
	assert.Equal(t, map[string]string{"team": "a"}, j.Labels, "a Job's own labels stay")
	assert.Equal(t, "work", j.Spec.Template.Labels["app"])
}

func TestJobManualSelector(t *testing.T) {
	s := newServer()
	j := mustApply[*api.Job](t, s, `
apiVersion: batch/v1
kind: Job
metadata: {name: manual}
spec:
  manualSelector: true
  selector: {matchLabels: {app: manual}}
  template:
    metadata: {labels: {app: manual}}
    spec:
      restartPolicy: OnFailure
      containers: [{name: c, image: busybox}]
`)
	assert.Equal(t, map[string]string{"app": "manual"}, j.Spec.Selector.MatchLabels)
	assert.Equal(t, map[string]string{"app": "manual"}, j.Spec.Template.Labels)
	assert.Equal(t, map[string]string{"app": "manual"}, j.Labels)
}

func TestJobValidation(t *testing.T) {
	s := newServer()
	job := func(spec string) string {
		return "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n" + spec
	}
	const pod = `  template:
    spec:
      containers: [{name: c, image: busybox}]
`
	tests := []struct {
		name, doc, want string
	}{
		{"restart always", job(pod + "      restartPolicy: Always\n"),
			`Job.batch "j" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`},
		{"restart unset", job(pod),
			`Job.batch "j" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`},
		{"negative numbers", job(pod + "      restartPolicy: Never\n  parallelism: -1\n  completions: -2\n  backoffLimit: -3\n  activeDeadlineSeconds: -4\n  ttlSecondsAfterFinished: -5\n"),
			`Job.batch "j" is invalid: [spec.parallelism: Invalid value: -1: must be greater than or equal to 0, spec.completions: Invalid value: -2: must be greater than or equal to 0, spec.activeDeadlineSeconds: Invalid value: -4: must be greater than or equal to 0, spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0, spec.ttlSecondsAfterFinished: Invalid value: -5: must be greater than or equal to 0]`},
		{"completion mode", job(pod + "      restartPolicy: Never\n  completionMode: Sometimes\n"),
			`Job.batch "j" is invalid: spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"`},
		{"indexed needs completions", job(pod + "      restartPolicy: Never\n  completionMode: Indexed\n  parallelism: 2\n"),
			`Job.batch "j" is invalid: spec.completions: Required value: when completion mode is Indexed`},
		{"per index needs indexed", job(pod + "      restartPolicy: Never\n  backoffLimitPerIndex: 1\n"),
			`Job.batch "j" is invalid: spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode`},
		{"pod failure policy needs Never", job(pod + "      restartPolicy: OnFailure\n  podFailurePolicy:\n    rules:\n    - action: FailJob\n      onExitCodes: {operator: In, values: [0, 2, 1]}\n"),
			`Job.batch "j" is invalid: [spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator, spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{0, 2, 1}: must be ordered, spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified]`},
		{"pod failure rule", job(pod + "      restartPolicy: Never\n  podFailurePolicy:\n    rules:\n    - action: Explode\n"),
			`Job.batch "j" is invalid: [spec.podFailurePolicy.rules[0].action: Unsupported value: "Explode": supported values: "Count", "FailIndex", "FailJob", "Ignore", spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required]`},
		{"replacement policy", job(pod + "      restartPolicy: Never\n  podReplacementPolicy: Sometimes\n"),
			`Job.batch "j" is invalid: spec.podReplacementPolicy: Unsupported value: "Sometimes": supported values: "Failed", "TerminatingOrFailed"`},
		{"selector mismatch", job(pod + "      restartPolicy: Never\n  manualSelector: true\n  selector: {matchLabels: {app: x}}\n"),
			`Job.batch "j" is invalid: spec.template.metadata.labels: Invalid value: map[string]string(nil): ` + "`selector` does not match template `labels`"},
		{"manual without selector", job(pod + "      restartPolicy: Never\n  manualSelector: true\n"),
			`Job.batch "j" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string(nil): ` + "`selector` does not match template `labels`]"},
		{"no containers", job("  template:\n    spec:\n      restartPolicy: Never\n"),
			`Job.batch "j" is invalid: spec.template.spec.containers: Required value`},
		{"managed by", job(pod + "      restartPolicy: Never\n  managedBy: mine\n"),
			`Job.batch "j" is invalid: spec.managedBy: Invalid value: "mine": must be a domain-prefixed path (such as "acme.io/foo")`},
		{"success policy", job(pod + "      restartPolicy: Never\n  completionMode: Indexed\n  completions: 3\n  successPolicy:\n    rules:\n    - succeededIndexes: 0-5\n"),
			`Job.batch "j" is invalid: spec.successPolicy.rules[0].succeededIndexes: Invalid value: "0-5": error parsing succeededIndexes: too large index: "5"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, applyErr(t, s, tt.doc))
		})
	}
}

func TestJobIndexedNameMustMakeHostnames(t *testing.T) {
	s := newServer()
	name := strings.Repeat("a", 62)
	err := applyErr(t, s, "apiVersion: batch/v1\nkind: Job\nmetadata: {name: "+name+"}\nspec:\n  completionMode: Indexed\n  completions: 10\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: busybox}]\n")
	assert.Equal(t, `Job.batch "`+name+`" is invalid: metadata.name: Invalid value: "`+name+`": will not able to create pod with invalid DNS label: `+name+`-9`, err)
}

func TestJobNameWarning(t *testing.T) {
	s := newServer()
	_, err := apply(t, s, strings.Replace(piJob, "name: pi", "name: pi.v2", 1))
	require.NoError(t, err)
	assert.Equal(t, []string{"metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]"}, s.TakeWarnings())
}

func TestJobImmutableFields(t *testing.T) {
	s := newServer()
	j := mustApply[*api.Job](t, s, piJob)
	assert.Contains(t, update(t, s, j, func(j *api.Job) { j.Spec.Template.Spec.Containers[0].Image = "perl:5.36" }),
		`Job.batch "pi" is invalid: spec.template: Invalid value: core.PodTemplateSpec{ObjectMeta:v1.ObjectMeta{`)
	assert.True(t, strings.HasSuffix(update(t, s, j, func(j *api.Job) { j.Spec.Template.Spec.Containers[0].Image = "perl:5.36" }), ": field is immutable"))
	assert.Equal(t, `Job.batch "pi" is invalid: spec.completions: Invalid value: 2: field is immutable`,
		update(t, s, j, func(j *api.Job) { j.Spec.Completions = api.Ptr(int32(2)) }))
	assert.Equal(t, `Job.batch "pi" is invalid: spec.completionMode: Invalid value: "Indexed": field is immutable`,
		update(t, s, j, func(j *api.Job) { j.Spec.CompletionMode = api.Ptr("Indexed") }))
	sel := update(t, s, j, func(j *api.Job) { j.Spec.Selector.MatchLabels["extra"] = "x" })
	assert.Contains(t, sel, "`selector` does not match template `labels`")
	assert.Contains(t, sel, `spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"batch.kubernetes.io/controller-uid":"`+j.UID+`", "extra":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable`)
	// Mutable: parallelism, suspend, activeDeadlineSeconds, labels.
	assert.Empty(t, update(t, s, j, func(j *api.Job) {
		j.Spec.Parallelism = api.Ptr(int32(0))
		j.Spec.Suspend = api.Ptr(true)
		j.Spec.ActiveDeadlineSeconds = api.Ptr(int64(60))
		j.Labels["x"] = "y"
	}))
	got, err := s.Get(resourceOf("jobs"), "default", "pi")
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.GetObjectMeta().Generation)
}

func TestSuspendedJobSchedulingDirectivesAreMutable(t *testing.T) {
	s := newServer()
	j := mustApply[*api.Job](t, s, strings.Replace(piJob, "backoffLimit: 4", "backoffLimit: 4\n  suspend: true", 1))
	assert.Empty(t, update(t, s, j, func(j *api.Job) {
		j.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd"}
		j.Spec.Template.Annotations = map[string]string{"a": "b"}
	}))
	j = mustGet[*api.Job](t, s, "jobs", "pi")
	assert.Contains(t, update(t, s, j, func(j *api.Job) { j.Spec.Template.Spec.Containers[0].Image = "x" }), "field is immutable")
}

func mustGet[T api.Object](t *testing.T, s *Server, resource, name string) T {
	t.Helper()
	obj, err := s.Get(resourceOf(resource), "default", name)
	require.NoError(t, err)
	return obj.(T)
}

const helloCronJob = `
apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox:1.28
            imagePullPolicy: IfNotPresent
            command:
            - /bin/sh
            - -c
            - date; echo Hello from the Kubernetes cluster
          restartPolicy: OnFailure
`

func TestCronJobDefaults(t *testing.T) {
	s := newServer()
	cj := mustApply[*api.CronJob](t, s, helloCronJob)
	assert.Equal(t, `concurrencyPolicy: Allow
failedJobsHistoryLimit: 1
jobTemplate:
  metadata: {}
  spec:
    template:
      metadata: {}
      spec:
        containers:
        - command:
          - /bin/sh
          - -c
          - date; echo Hello from the Kubernetes cluster
          image: busybox:1.28
          imagePullPolicy: IfNotPresent
          name: hello
          resources: {}
          terminationMessagePath: /dev/termination-log
          terminationMessagePolicy: File
        dnsPolicy: ClusterFirst
        restartPolicy: OnFailure
        schedulerName: default-scheduler
        securityContext: {}
        terminationGracePeriodSeconds: 30
schedule: '* * * * *'
successfulJobsHistoryLimit: 3
suspend: false
`, yamlOf(t, cj.Spec))
	assert.Equal(t, int64(1), cj.Generation)
}

func TestCronJobValidation(t *testing.T) {
	s := newServer()
	withSpec := func(old, new string) string { return strings.Replace(helloCronJob, old, new, 1) }
	tests := []struct {
		name, doc, want string
	}{
		{"no schedule", withSpec(`  schedule: "* * * * *"`, ""),
			`CronJob.batch "hello" is invalid: spec.schedule: Required value`},
		{"bad field", withSpec(`"* * * * *"`, `"61 * * * *"`),
			`CronJob.batch "hello" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61`},
		{"six fields", withSpec(`"* * * * *"`, `"0 * * * * *"`),
			`CronJob.batch "hello" is invalid: spec.schedule: Invalid value: "0 * * * * *": expected exactly 5 fields, found 6: [0 * * * * *]`},
		{"macro", withSpec(`"* * * * *"`, `"@often"`),
			`CronJob.batch "hello" is invalid: spec.schedule: Invalid value: "@often": unrecognized descriptor: @often`},
		{"CRON_TZ", withSpec(`"* * * * *"`, `"CRON_TZ=UTC 0 * * * *"`),
			`CronJob.batch "hello" is invalid: spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead`},
		{"bad TZ", withSpec(`"* * * * *"`, `"TZ=Moon/Base 0 * * * *"`),
			`CronJob.batch "hello" is invalid: [spec.schedule: Invalid value: "TZ=Moon/Base 0 * * * *": provided bad location Moon/Base: unknown time zone Moon/Base, spec.schedule: Invalid value: "TZ=Moon/Base 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead]`},
		{"time zone", withSpec("spec:\n", "spec:\n  timeZone: Moon/Base\n"),
			`CronJob.batch "hello" is invalid: spec.timeZone: Invalid value: "Moon/Base": unknown time zone Moon/Base`},
		{"empty time zone", withSpec("spec:\n", "spec:\n  timeZone: \"\"\n"),
			`CronJob.batch "hello" is invalid: spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string`},
		{"local time zone", withSpec("spec:\n", "spec:\n  timeZone: Local\n"),
			`CronJob.batch "hello" is invalid: spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones`},
		{"concurrency", withSpec("spec:\n", "spec:\n  concurrencyPolicy: Sometimes\n"),
			`CronJob.batch "hello" is invalid: spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"`},
		{"restart policy", withSpec("restartPolicy: OnFailure", "restartPolicy: Always"),
			`CronJob.batch "hello" is invalid: spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`},
		{"selector", withSpec("    spec:\n      template:", "    spec:\n      manualSelector: true\n      selector: {matchLabels: {a: b}}\n      template:"),
			`CronJob.batch "hello" is invalid: [spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: ` + "`selector` will be auto-generated" + `, spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"]`},
		{"history", withSpec("spec:\n", "spec:\n  successfulJobsHistoryLimit: -1\n  startingDeadlineSeconds: -2\n"),
			`CronJob.batch "hello" is invalid: [spec.startingDeadlineSeconds: Invalid value: -2: must be greater than or equal to 0, spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0]`},
		{"long name", withSpec("name: hello", "name: "+strings.Repeat("h", 53)),
			`CronJob.batch "` + strings.Repeat("h", 53) + `" is invalid: metadata.name: Invalid value: "` + strings.Repeat("h", 53) + `": must be no more than 52 characters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, applyErr(t, s, tt.doc))
		})
	}
}

func TestCronJobSchedulesAccepted(t *testing.T) {
	s := newServer()
	for i, sched := range []string{"@hourly", "@every 90m", "*/15 9-17 * * MON-FRI", "0 0 1 jan,jul ?"} {
		doc := strings.Replace(strings.Replace(helloCronJob, `"* * * * *"`, `"`+sched+`"`, 1), "name: hello", "name: c"+string(rune('a'+i)), 1)
		_, err := apply(t, s, doc)
		assert.NoError(t, err, sched)
	}
	_, err := apply(t, s, strings.Replace(helloCronJob, "spec:\n", "spec:\n  timeZone: Asia/Kolkata\n", 1))
	assert.NoError(t, err)
}

func TestCronJobUpdate(t *testing.T) {
	s := newServer()
	cj := mustApply[*api.CronJob](t, s, helloCronJob)
	// Everything in a CronJob's spec may change; the 52-character limit is
	// for new ones only.
	assert.Empty(t, update(t, s, cj, func(c *api.CronJob) {
		c.Spec.Schedule = "@daily"
		c.Spec.Suspend = api.Ptr(true)
		c.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Image = "busybox:1.36"
	}))
	cj = mustGet[*api.CronJob](t, s, "cronjobs", "hello")
	assert.Equal(t, int64(2), cj.Generation)
	assert.Equal(t, `CronJob.batch "hello" is invalid: spec.schedule: Invalid value: "TZ=UTC @daily": cannot use TZ or CRON_TZ in schedule, use timeZone field instead`,
		update(t, s, cj, func(c *api.CronJob) { c.Spec.Schedule = "TZ=UTC @daily" }))
}

// A manifest exported with -o yaml carries a uid and a creationTimestamp;
// the server ignores both on create, and still validates it as new.
func TestCreateIgnoresClientUIDAndTimestamp(t *testing.T) {
	s := newServer()
	doc := strings.Replace(piJob, "  name: pi\n", "  name: pi\n  uid: 11111111-2222-3333-4444-555555555555\n  creationTimestamp: \"2020-01-01T00:00:00Z\"\n", 1)
	j := mustApply[*api.Job](t, s, doc)
	assert.NotEqual(t, "11111111-2222-3333-4444-555555555555", j.UID)
	assert.Equal(t, j.UID, j.Spec.Selector.MatchLabels[ControllerUIDLabel])
	assert.Equal(t, epoch, j.CreationTimestamp.Time)
	bad := strings.Replace(strings.Replace(doc, "restartPolicy: Never", "restartPolicy: Always", 1), "name: pi\n", "name: pi2\n", 1)
	assert.Equal(t, `Job.batch "pi2" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`, applyErr(t, s, bad))
}
