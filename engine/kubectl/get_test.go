package kubectl

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

// getCase runs kubectl get against objects a setup puts in the API server,
// and expects exactly the table kubectl prints.
type getCase struct {
	name  string
	setup func(f *describeFixture)
	args  []string
	want  string
}

func runGetCases(t *testing.T, cases []getCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			f := newDescribeFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			assert.Equal(t, tt.want, f.kubectl("", append([]string{"get"}, tt.args...)...))
		})
	}
}

// ago is a time d before the fixture's clock.
func (f *describeFixture) ago(d time.Duration) time.Time { return f.l.Now().Add(-d) }

func TestGetDefaultTable(t *testing.T) {
	// A kind without a printer of its own: kube-apiserver's default table.
	cols := tableFor("Widget.example.com")
	assert.Equal(t, []string{"NAME", "CREATED AT"}, cols.headers())
	assert.Equal(t, defaultTable.headers(), tableFor("LimitRange").headers())
}

func TestCellText(t *testing.T) {
	assert.Equal(t, "first line...", cellText("first line\nsecond line"))
	assert.Equal(t, "a...", cellText("a\r\nb"))
	assert.Equal(t, "^[[31mred^[[0m", cellText("\x1b[31mred\x1b[0m"))
	assert.Equal(t, "plain", cellText("plain"))
}

// setupWorkloads makes one of several kinds "kubectl get all" lists.
func setupWorkloads(f *describeFixture) {
	setupStatefulSet(f)
	setupCronJobs(f)
	create(f, manualJob("hello-29452270", api.Ptr(int32(1)), api.Ptr(int32(1))), func(j *api.Job) {
		j.Status = api.JobStatus{StartTime: api.NewTimePtr(f.l.Now()), Active: 1}
	})
	create(f, &api.HorizontalPodAutoscaler{
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: api.HorizontalPodAutoscalerSpec{ScaleTargetRef: api.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "web"},
			MinReplicas: api.Ptr(int32(3)), MaxReplicas: 6, Metrics: []api.MetricSpec{cpuUtilization(70)}},
	}, nil)
	f.l.AdvanceBy(8 * time.Second)
}

func TestGetAll(t *testing.T) {
	runGetCases(t, []getCase{
		{"all", setupWorkloads, []string{"all"}, `NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE
service/kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   11m

NAME                   READY   AGE
statefulset.apps/web   2/3     11m

NAME                                      REFERENCE         TARGETS              MINPODS   MAXPODS   REPLICAS   AGE
horizontalpodautoscaler.autoscaling/web   StatefulSet/web   cpu: <unknown>/70%   3         6         0          8s

NAME                   SCHEDULE      TIMEZONE        SUSPEND   ACTIVE   LAST SCHEDULE   AGE
cronjob.batch/hello    * * * * *     <none>          False     1        50s             10m
cronjob.batch/legacy   @hourly       <none>          False     0        <none>          50s
cronjob.batch/report   0 3 * * 1-5   Europe/Berlin   True      0        <none>          50s

NAME                       STATUS    COMPLETIONS   DURATION   AGE
job.batch/hello-29452270   Running   0/1           8s         8s
`},
	})
}

// Objects as kube-apiserver would store them without defaults (written
// before a default existed, or by another API server) print the cells
// kubectl keeps for missing fields.
func TestRowsWithoutDefaults(t *testing.T) {
	hpa := &api.HorizontalPodAutoscaler{ObjectMeta: api.ObjectMeta{Name: "h"}, Spec: api.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: api.CrossVersionObjectReference{Kind: "Deployment", Name: "web"}, MaxReplicas: 3}}
	assert.Equal(t, []string{"h", "Deployment/web", "<none>", "<unset>", "3", "0", "<unknown>"}, hpaRow(hpa, now))

	es := &api.EndpointSlice{ObjectMeta: api.ObjectMeta{Name: "es"}, AddressType: "IPv4", Ports: []api.DiscoveryV1EndpointPort{{}, {Name: api.Ptr("dns")}}}
	assert.Equal(t, []string{"es", "IPv4", "*,dns", "<unset>", "<unknown>"}, endpointSliceRow(es, now))

	pv := &api.PersistentVolume{ObjectMeta: api.ObjectMeta{Name: "pv"}}
	assert.Equal(t, []string{"pv", "0", "", "", "", "", "", "<unset>", "", "<unknown>", "<unset>"}, persistentVolumeRow(pv, now))

	pvc := &api.PersistentVolumeClaim{ObjectMeta: api.ObjectMeta{Name: "pvc"}}
	assert.Equal(t, []string{"pvc", "", "", "", "", "", "<unset>", "<unknown>", "<unset>"}, persistentVolumeClaimRow(pvc, now))

	cj := &api.CronJob{ObjectMeta: api.ObjectMeta{Name: "cj"}, Spec: api.CronJobSpec{Schedule: "@daily"}}
	assert.Equal(t, []string{"cj", "@daily", "<none>", "<unset>", "0", "<none>", "<unknown>", "", "", "<none>"}, cronJobRow(cj, now))

	sc := &api.StorageClass{ObjectMeta: api.ObjectMeta{Name: "sc"}, Provisioner: "example.com/p"}
	assert.Equal(t, []string{"sc", "example.com/p", "Delete", "Immediate", "false", "<unknown>"}, storageClassRow(sc, now))

	pc := &api.PriorityClass{ObjectMeta: api.ObjectMeta{Name: "pc"}, Value: 5}
	assert.Equal(t, []string{"pc", "5", "false", "<unknown>", ""}, priorityClassRow(pc, now))

	rc := &api.ReplicationController{ObjectMeta: api.ObjectMeta{Name: "rc"}}
	assert.Equal(t, []string{"rc", "1", "0", "0", "<unknown>", "", "", "<none>"}, replicationControllerRow(rc, now))
}
