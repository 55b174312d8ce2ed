package kubectl

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
)

// setupEvents records events as a cluster's components do: the scheduler
// through events.k8s.io (a series, with reporting controller and instance
// instead of a source), the kubelet through core/v1 (counted, with a field
// path), and one whose message has a second line.
func setupEvents(f *describeFixture) {
	p := create(f, &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: "web-0", Namespace: "default"},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "web", Image: "nginx"}}},
	}, nil)
	f.l.AdvanceBy(10 * time.Minute)
	ref := client.Reference(p, "")
	events, ok := api.LookupResource("events.events.k8s.io")
	require.True(f.t, ok)
	_, err := f.c.Create(events, "default", &api.EventsV1Event{
		ObjectMeta: api.ObjectMeta{Name: "web-0.1881f0e3a5b6c7d8", Namespace: "default"},
		EventTime:  api.MicroTime{Time: f.ago(10 * time.Minute)}, Series: &api.EventsV1EventSeries{Count: 4, LastObservedTime: api.MicroTime{Time: f.ago(95 * time.Second)}},
		ReportingController: "default-scheduler", ReportingInstance: "default-scheduler-controlplane",
		Action: "Scheduling", Reason: "FailedScheduling", Regarding: ref, Type: "Warning",
		Note: "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
	})
	require.NoError(f.t, err)
	f.event(p, api.EventNormal, "Pulled", `Container image "nginx" already present on machine`, "kubelet", "spec.containers{web}", 3, 8*time.Minute, 30*time.Second)
	f.event(p, api.EventWarning, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503\nbody: not ready", "kubelet", "spec.containers{web}", 1, 2*time.Minute, 2*time.Minute)
	// About the namespace, with a host in its source.
	ns, err := client.Get[*api.Namespace](f.c, "", "default")
	require.NoError(f.t, err)
	nsRef := client.Reference(ns, "")
	_, err = f.c.Create(api.ResourceFor(&api.Event{}), "default", &api.Event{
		ObjectMeta: api.ObjectMeta{Name: "default.18820a1b2c3d4e5f", Namespace: "default"}, InvolvedObject: nsRef,
		Reason: "Audit", Message: "  namespace checked  ", Source: api.EventSource{Component: "auditor", Host: "node01"},
		FirstTimestamp: api.NewTime(f.ago(time.Minute)), LastTimestamp: api.NewTime(f.ago(time.Minute)), Count: 1, Type: "Normal",
	})
	require.NoError(f.t, err)
}

func TestGetEvents(t *testing.T) {
	runGetCases(t, []getCase{
		{"events", setupEvents, []string{"events"}, `LAST SEEN   TYPE      REASON             OBJECT              MESSAGE
60s         Normal    Audit              namespace/default   namespace checked
95s         Warning   FailedScheduling   pod/web-0           0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.
2m          Warning   Unhealthy          pod/web-0           Readiness probe failed: HTTP probe failed with statuscode: 503...
30s         Normal    Pulled             pod/web-0           Container image "nginx" already present on machine
`},
		{"events-wide", setupEvents, []string{"ev", "-o", "wide"}, `LAST SEEN   TYPE      REASON             OBJECT              SUBOBJECT              SOURCE                                              MESSAGE                                                                                                                             FIRST SEEN   COUNT   NAME
60s         Normal    Audit              namespace/default                          auditor, node01                                     namespace checked                                                                                                                   60s          1       default.18820a1b2c3d4e5f
95s         Warning   FailedScheduling   pod/web-0                                  default-scheduler, default-scheduler-controlplane   0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.   10m          4       web-0.1881f0e3a5b6c7d8
2m          Warning   Unhealthy          pod/web-0           spec.containers{web}   kubelet                                             Readiness probe failed: HTTP probe failed with statuscode: 503...                                                                   2m           1       web-0.188672c1b034c000
30s         Normal    Pulled             pod/web-0           spec.containers{web}   kubelet                                             Container image "nginx" already present on machine                                                                                  8m           3       web-0.188672d6a49fc400
`},
		{"events-wide-show-kind", setupEvents, []string{"events", "-o", "wide", "--show-kind"}, `LAST SEEN   TYPE      REASON             OBJECT              SUBOBJECT              SOURCE                                              MESSAGE                                                                                                                             FIRST SEEN   COUNT   NAME
60s         Normal    Audit              namespace/default                          auditor, node01                                     namespace checked                                                                                                                   60s          1       event/default.18820a1b2c3d4e5f
95s         Warning   FailedScheduling   pod/web-0                                  default-scheduler, default-scheduler-controlplane   0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.   10m          4       event/web-0.1881f0e3a5b6c7d8
2m          Warning   Unhealthy          pod/web-0           spec.containers{web}   kubelet                                             Readiness probe failed: HTTP probe failed with statuscode: 503...                                                                   2m           1       event/web-0.188672c1b034c000
30s         Normal    Pulled             pod/web-0           spec.containers{web}   kubelet                                             Container image "nginx" already present on machine                                                                                  8m           3       event/web-0.188672d6a49fc400
`},
		{"events-events-k8s-io-named", setupEvents, []string{"events.events.k8s.io", "web-0.1881f0e3a5b6c7d8", "-o", "wide"}, `LAST SEEN   TYPE      REASON             OBJECT      SUBOBJECT   SOURCE                                              MESSAGE                                                                                                                             FIRST SEEN   COUNT   NAME
95s         Warning   FailedScheduling   pod/web-0               default-scheduler, default-scheduler-controlplane   0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.   10m          4       web-0.1881f0e3a5b6c7d8
`},
	})
}

// events.k8s.io Events print as core ones do; without -o wide, --show-kind
// has no name column to prefix.
func TestGetEventsSameTable(t *testing.T) {
	f := newDescribeFixture(t)
	setupEvents(f)
	want := f.kubectl("", "get", "events")
	assert.Equal(t, want, f.kubectl("", "get", "events.events.k8s.io"))
	assert.Equal(t, want, f.kubectl("", "get", "events", "--show-kind"))
}
