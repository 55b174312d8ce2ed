package ttlafterfinished

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller/controllertest"
	"github.com/kubeplay/kubeplay/engine/controller/job"
)

var epoch = controllertest.Epoch

// fixture runs the controller alone: the test finishes the Jobs.
type fixture struct{ *controllertest.Fixture }

func newFixture(t *testing.T) *fixture { return &fixture{controllertest.WithJobs(t, New)} }

// finishedJob creates a Job that finished (with condition t) at the epoch.
func (f *fixture) finishedJob(name, t string, ttl *int32) {
	f.T.Helper()
	j := &api.Job{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"}}
	j.Spec.Template.Spec.Containers = []api.Container{{Name: "main", Image: "busybox"}}
	j.Spec.Template.Spec.RestartPolicy = api.RestartNever
	j.Spec.TTLSecondsAfterFinished = ttl
	out, err := client.Create(f.C, j)
	require.NoError(f.T, err)
	upd := api.Clone(out)
	upd.Status.Conditions = []api.JobCondition{{Type: t, Status: api.ConditionTrue, LastTransitionTime: api.NewTime(epoch)}}
	_, err = client.UpdateStatus(f.C, upd)
	require.NoError(f.T, err)
	f.L.RunUntilIdle()
}

// deleted reports whether the Job is gone or being deleted, and with which
// finalizers.
func (f *fixture) deleted(name string) (bool, []string) {
	j, err := client.Get[*api.Job](f.C, "default", name)
	if apiserver.IsNotFound(err) {
		return true, nil
	}
	require.NoError(f.T, err)
	return j.DeletionTimestamp != nil, j.Finalizers
}

func TestFinishedJobsGoAfterTheirTTL(t *testing.T) {
	tests := []struct {
		name      string
		condition string
		ttl       *int32
		at        time.Duration
	}{
		{"complete", job.CondComplete, api.Ptr(int32(100)), 100 * time.Second},
		{"failed", job.CondFailed, api.Ptr(int32(5)), 5 * time.Second},
		{"at once", job.CondComplete, api.Ptr(int32(0)), 0},
		{"never without a TTL", job.CondComplete, nil, -1},
		{"not finished", job.CondSuspended, api.Ptr(int32(1)), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.finishedJob("j", tt.condition, tt.ttl)
			if tt.at < 0 {
				f.L.AdvanceBy(time.Hour)
				gone, _ := f.deleted("j")
				assert.False(t, gone)
				return
			}
			if tt.at > 0 {
				f.L.AdvanceTo(epoch.Add(tt.at - time.Millisecond))
				gone, _ := f.deleted("j")
				assert.False(t, gone, "not before the TTL")
			}
			f.L.AdvanceTo(epoch.Add(tt.at))
			gone, finalizers := f.deleted("j")
			assert.True(t, gone)
			assert.Equal(t, []string{apiserver.FinalizerForeground}, finalizers, "pods first, then the Job")
		})
	}
}

func TestEditedTTLIsHonoured(t *testing.T) {
	f := newFixture(t)
	f.finishedJob("j", job.CondComplete, api.Ptr(int32(60)))
	f.L.AdvanceBy(30 * time.Second)
	j, err := client.Get[*api.Job](f.C, "default", "j")
	require.NoError(t, err)
	upd := api.Clone(j)
	upd.Spec.TTLSecondsAfterFinished = api.Ptr(int32(3600))
	_, err = client.Update(f.C, upd)
	require.NoError(t, err)
	f.L.AdvanceTo(epoch.Add(time.Hour - time.Second))
	gone, _ := f.deleted("j")
	assert.False(t, gone, "the longer TTL wins")
	f.L.AdvanceTo(epoch.Add(time.Hour))
	gone, _ = f.deleted("j")
	assert.True(t, gone)

	f.finishedJob("k", job.CondComplete, api.Ptr(int32(3600)))
	k, err := client.Get[*api.Job](f.C, "default", "k")
	require.NoError(t, err)
	upd = api.Clone(k)
	upd.Spec.TTLSecondsAfterFinished = api.Ptr(int32(10))
	_, err = client.Update(f.C, upd)
	require.NoError(t, err)
	f.L.RunUntilIdle()
	gone, _ = f.deleted("k")
	assert.True(t, gone, "a shorter TTL already run out deletes at once")
}
