package kubectl

import (
	"testing"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// TestDescribeMore describes the kinds of describe_batch.go,
// describe_storage.go and describe_config.go, with the objects the get
// tests make, against goldens in testdata/describe.
func TestDescribeMore(t *testing.T) {
	runDescribeGoldens(t, []describeCase{
		{"job-complete", setupJobs, []string{"job", "pi"}},
		{"job-running", setupJobs, []string{"job/queue"}},
		{"job-indexed", setupIndexedJob, []string{"job", "sample"}},
		{"cronjob", setupCronJobs, []string{"cronjob", "hello"}},
		{"cronjob-timezone", setupCronJobs, []string{"cj", "report"}},
		{"pv", setupVolumes, []string{"pv", "task-pv-volume"}},
		{"pv-local", setupLocalVolume, []string{"pv"}},
		{"pvc", setupVolumes, []string{"pvc", "task-pv-claim"}},
		{"storageclass", setupStorageClasses, []string{"sc"}},
		{"secret", setupSecrets, []string{"secret", "db-user-pass"}},
		{"resourcequota", setupQuotas, []string{"quota", "compute-resources"}},
		{"limitrange", setupLimitRange, []string{"limits"}},
	})
}

// setupIndexedJob is the Indexed Job of kubernetes.io's "Indexed Job for
// Parallel Processing with Static Work Assignment", half done.
func setupIndexedJob(f *describeFixture) {
	j := manualJob("sample", api.Ptr(int32(5)), api.Ptr(int32(3)))
	j.Spec.CompletionMode = api.Ptr("Indexed")
	j.Spec.TTLSecondsAfterFinished = api.Ptr(int32(100))
	j.Spec.ActiveDeadlineSeconds = api.Ptr(int64(600))
	j.Spec.Suspend = api.Ptr(false)
	start := f.l.Now()
	job := create(f, j, func(j *api.Job) {
		j.Status = api.JobStatus{StartTime: api.NewTimePtr(start), Active: 3, Ready: api.Ptr(int32(2)), Succeeded: 2, CompletedIndexes: "0,2"}
	})
	f.l.AdvanceBy(40 * time.Second)
	f.event(job, api.EventNormal, "SuccessfulCreate", "Created pod: sample-0-x7k2p", "job-controller", "", 1, 40*time.Second, 40*time.Second)
}

// setupLocalVolume is a volume as kind's local-path provisioner makes one,
// bound and pinned to its node.
func setupLocalVolume(f *describeFixture) {
	pv := create(f, &api.PersistentVolume{
		ObjectMeta: api.ObjectMeta{Name: "pvc-3f1c2a9e", Annotations: map[string]string{"pv.kubernetes.io/provisioned-by": "rancher.io/local-path", "local.path.provisioner/selected-node": "node01"},
			Finalizers: []string{"kubernetes.io/pv-protection"}},
		Spec: api.PersistentVolumeSpec{
			Capacity:               api.ResourceList{"storage": api.MustParse("1Gi")},
			PersistentVolumeSource: api.PersistentVolumeSource{HostPath: &api.HostPathVolumeSource{Path: "/var/local-path-provisioner/pvc-3f1c2a9e_default_www-web-0", Type: api.Ptr("DirectoryOrCreate")}},
			AccessModes:            []string{"ReadWriteOnce"}, PersistentVolumeReclaimPolicy: "Delete", StorageClassName: "standard", VolumeMode: api.Ptr("Filesystem"),
			ClaimRef: &api.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: "default", Name: "www-web-0"},
			NodeAffinity: &api.VolumeNodeAffinity{Required: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{MatchExpressions: []api.NodeSelectorRequirement{
				{Key: "kubernetes.io/hostname", Operator: "In", Values: []string{"node01"}}}}}}},
		},
	}, func(pv *api.PersistentVolume) { pv.Status.Phase = "Bound" })
	f.l.AdvanceBy(time.Minute)
	f.event(pv, api.EventNormal, "Provisioned", "Successfully provisioned volume pvc-3f1c2a9e", "rancher.io/local-path", "", 1, time.Minute, time.Minute)
}

// setupLimitRange is the LimitRange of kubernetes.io's "Configure Default
// Memory Requests and Limits for a Namespace", with a CPU ratio added.
func setupLimitRange(f *describeFixture) {
	create(f, &api.LimitRange{
		ObjectMeta: api.ObjectMeta{Name: "mem-limit-range", Namespace: "default"},
		Spec: api.LimitRangeSpec{Limits: []api.LimitRangeItem{{
			Type:                 "Container",
			Default:              api.ResourceList{"memory": api.MustParse("512Mi")},
			DefaultRequest:       api.ResourceList{"memory": api.MustParse("256Mi")},
			MaxLimitRequestRatio: api.ResourceList{"cpu": api.MustParse("2")},
		}}},
	}, nil)
}
