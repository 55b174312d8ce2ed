package kubectl

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// TestEvents runs kubectl events over the events of setupEvents: a pod's
// scheduling series, a repeated event, one of two lines and one about the
// namespace.
func TestEvents(t *testing.T) {
	const table = "LAST SEEN   TYPE      REASON      OBJECT      MESSAGE\n" +
		"2m          Warning   Unhealthy   Pod/web-0   Readiness probe failed: HTTP probe failed with statuscode: 503\n" +
		"body: not ready\n" +
		"95s (x4 over 10m)   Warning   FailedScheduling   Pod/web-0           0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.\n" +
		"60s                 Normal    Audit              Namespace/default   namespace checked\n" +
		"30s (x3 over 8m)    Normal    Pulled             Pod/web-0           Container image \"nginx\" already present on machine\n"
	tests := []struct {
		name, args, want string
	}{
		{"table", "events", table},
		{"all namespaces", "events -A --types=Normal",
			"NAMESPACE   LAST SEEN          TYPE     REASON   OBJECT              MESSAGE\n" +
				"default     60s                Normal   Audit    Namespace/default   namespace checked\n" +
				"default     30s (x3 over 8m)   Normal   Pulled   Pod/web-0           Container image \"nginx\" already present on machine\n"},
		{"for and types, no headers", "events --for pod/web-0 --types=warning,Warning --no-headers",
			"2m    Warning   Unhealthy   Pod/web-0   Readiness probe failed: HTTP probe failed with statuscode: 503\n" +
				"body: not ready\n" +
				"95s (x4 over 10m)   Warning   FailedScheduling   Pod/web-0   0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.\n"},
		{"for a kind by its plural and group", "events --for namespaces/default -o name", "event/default.18820a1b2c3d4e5f\n"},
		{"names, oldest first", "events -o name",
			"event/web-0.188672c1b034c000\nevent/web-0.1881f0e3a5b6c7d8\nevent/default.18820a1b2c3d4e5f\nevent/web-0.188672d6a49fc400\n"},
		{"jsonpath over the list", "events --types=Normal -o jsonpath={.kind}:{.items[*].reason}", "EventList:Audit Pulled"},
		{"none here", "events -n kube-system", "--- stderr\nNo events found in kube-system namespace.\n"},
		{"none anywhere of a type", "events -A --for pod/nope", "--- stderr\nNo events found.\n"},
		{"for without a name", "events --for web", "--- stderr\nerror: --for must be in resource/name form\n[exit 1]\n"},
		{"for two slashes", "events --for pod/a/b", "--- stderr\nerror: arguments in resource/name form may not have more than one slash\n[exit 1]\n"},
		{"for an unknown type", "events --for widget/a", "--- stderr\nerror: the server doesn't have a resource type \"widget\"\n[exit 1]\n"},
		{"bad type", "events --types=Error", "--- stderr\nerror: valid --types are Normal or Warning\n[exit 1]\n"},
		{"wide", "events -o wide", "--- stderr\nerror: unable to match a printer suitable for the output format \"wide\", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml\n[exit 1]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDescribeFixture(t)
			setupEvents(f)
			assert.Equal(t, tt.want, f.kubectl("", strings.Fields(tt.args)...))
		})
	}
}

// TestEventsYAML prints the typed client's EventList: kind and apiVersion
// on each item, empty list metadata.
func TestEventsYAML(t *testing.T) {
	f := newDescribeFixture(t)
	setupEvents(f)
	got := f.kubectl("", "events", "--for", "namespace/default", "-o", "yaml")
	want := `apiVersion: v1
items:
- apiVersion: v1
  count: 1
  eventTime: null
  firstTimestamp: "2026-01-01T00:09:00Z"
  involvedObject:
    apiVersion: v1
    kind: Namespace
    name: default
    resourceVersion: "` + "%RV%" + `"
    uid: ` + "%UID%" + `
  kind: Event
  lastTimestamp: "2026-01-01T00:09:00Z"
  message: '  namespace checked  '
  metadata:
    creationTimestamp: "2026-01-01T00:10:00Z"
    name: default.18820a1b2c3d4e5f
    namespace: default
    resourceVersion: "` + "%ERV%" + `"
    uid: ` + "%EUID%" + `
  reason: Audit
  reportingComponent: ""
  reportingInstance: ""
  source:
    component: auditor
    host: node01
  type: Normal
kind: EventList
metadata: {}
`
	r, _ := api.LookupResource("events")
	l, err := f.c.List(r, "default", apiserver.ListOptions{FieldSelector: "involvedObject.kind=Namespace"})
	require.NoError(t, err)
	require.Len(t, l.Items, 1)
	e := l.Items[0].(*api.Event)
	want = strings.NewReplacer("%RV%", e.InvolvedObject.ResourceVersion, "%UID%", e.InvolvedObject.UID, "%ERV%", e.ResourceVersion, "%EUID%", e.UID).Replace(want)
	assert.Equal(t, want, got)
}

// TestEventsWatch watches on the virtual clock: the events there are in
// the API server's order, then each new or changed one, the columns never
// narrower than before, until --request-timeout.
func TestEventsWatch(t *testing.T) {
	f := newDescribeFixture(t)
	p := create(f, &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: "web-0", Namespace: "default"},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "web", Image: "nginx"}}},
	}, nil)
	f.event(p, api.EventNormal, "Scheduled", "Successfully assigned default/web-0 to node01", "default-scheduler", "", 1, 0, 0)
	f.l.After(30*time.Second, func() {
		f.event(p, api.EventWarning, "BackOff", "Back-off pulling image \"nginx:nope\"", "kubelet", "spec.containers{web}", 1, 0, 0)
	})
	f.l.After(90*time.Second, func() {
		ns, err := client.Get[*api.Namespace](f.c, "", "default")
		require.NoError(t, err)
		f.event(ns, api.EventNormal, "Checked", "ok", "auditor", "", 1, 0, 0)
	})
	got := f.kubectlOn(context.Background(), jumpHost{f.l}, "", "events", "-w", "--request-timeout=2m")
	want := "LAST SEEN   TYPE     REASON      OBJECT      MESSAGE\n" +
		"0s          Normal   Scheduled   Pod/web-0   Successfully assigned default/web-0 to node01\n" +
		"0s          Warning   BackOff     Pod/web-0   Back-off pulling image \"nginx:nope\"\n" +
		"0s          Normal    Checked     Namespace/default   ok\n"
	assert.Equal(t, want, got)
}
