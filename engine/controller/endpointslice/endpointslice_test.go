package endpointslice_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/controller/controllertest"
	"github.com/kubeplay/kubeplay/engine/controller/endpoint"
	"github.com/kubeplay/kubeplay/engine/controller/endpointslice"
	"github.com/kubeplay/kubeplay/engine/controller/endpointslicemirroring"
)

// fixture runs the endpoints, EndpointSlice and mirroring controllers;
// the test plays the scheduler and kubelets by writing pods' status.
type fixture struct {
	*controllertest.Fixture
	ips int
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{Fixture: controllertest.New(t, 1, func(cl *client.Client) ([]controller.Controller, []controllertest.Starter) {
		pods := client.NewInformer[*api.Pod](cl, "", apiserver.ListOptions{})
		nodes := client.NewInformer[*api.Node](cl, "", apiserver.ListOptions{})
		return []controller.Controller{endpoint.New(cl, pods), endpointslice.New(cl, pods, nodes), endpointslicemirroring.New(cl)},
			[]controllertest.Starter{pods, nodes}
	})}
	for i, zone := range []string{"zone-a", "zone-b"} {
		n := &api.Node{ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("node%02d", i+1), Labels: map[string]string{endpointslice.LabelTopologyZone: zone}}}
		_, err := client.Create(f.C, n)
		require.NoError(t, err)
	}
	return f
}

func (f *fixture) service(name string, edit ...func(*api.Service)) {
	svc := &api.Service{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": name}},
		Spec: api.ServiceSpec{
			Selector: map[string]string{"app": name},
			Ports:    []api.ServicePort{{Name: "http", Port: 80, Protocol: "TCP", TargetPort: api.FromString("web")}},
		},
	}
	for _, e := range edit {
		e(svc)
	}
	_, err := client.Create(f.C, svc)
	require.NoError(f.T, err)
	f.L.RunUntilIdle()
}

// pod creates a running pod of app on node, ready or not.
func (f *fixture) pod(name, app, node string, ready bool) {
	p := &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": app}},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "web", Image: "nginx", Ports: []api.ContainerPort{{Name: "web", ContainerPort: 8080, Protocol: "TCP"}}}}},
	}
	_, err := client.Create(f.C, p)
	require.NoError(f.T, err)
	require.NoError(f.T, f.C.Bind("default", &api.Binding{ObjectMeta: api.ObjectMeta{Name: name}, Target: api.ObjectReference{Kind: "Node", Name: node}}))
	f.ips++
	ip := fmt.Sprintf("10.%d.%d.%d", 244+f.ips%2, f.ips/200, 10+f.ips%200)
	controllertest.EditStatus(f.Fixture, "default", name, func(p *api.Pod) {
		p.Status.Phase = api.PodRunning
		p.Status.PodIP, p.Status.PodIPs = ip, []api.PodIP{{IP: ip}}
		status := api.ConditionFalse
		if ready {
			status = api.ConditionTrue
		}
		controller.UpdatePodCondition(&p.Status, api.PodCondition{Type: api.PodReady, Status: status}, f.L.Now())
	})
}

func (f *fixture) slices(service string) []*api.EndpointSlice {
	slices, err := client.List[*api.EndpointSlice](f.C, "default", apiserver.ListOptions{LabelSelector: endpointslice.LabelServiceName + "=" + service})
	require.NoError(f.T, err)
	return slices
}

// endpoints describes a service's slices' endpoints as
// "pod ip ready/serving/terminating node zone", sorted.
func (f *fixture) endpoints(service string) []string {
	var out []string
	for _, s := range f.slices(service) {
		for _, e := range s.Endpoints {
			c := e.Conditions
			out = append(out, fmt.Sprintf("%s %s %v/%v/%v %s %s", e.TargetRef.Name, e.Addresses[0],
				*c.Ready, *c.Serving, *c.Terminating, api.Deref(e.NodeName, ""), api.Deref(e.Zone, "")))
		}
	}
	sort.Strings(out)
	return out
}

func TestSlicesFollowPods(t *testing.T) {
	f := newFixture(t)
	f.service("web")
	slices := f.slices("web")
	require.Len(t, slices, 1, "a placeholder")
	placeholder := slices[0]
	assert.Empty(t, placeholder.Endpoints)
	assert.Empty(t, placeholder.Ports)
	assert.Equal(t, "web-", placeholder.GenerateName)
	assert.Equal(t, map[string]string{"app": "web", endpointslice.LabelServiceName: "web", endpointslice.LabelManagedBy: endpointslice.ControllerName}, placeholder.Labels)
	ref := placeholder.OwnerReferences[0]
	assert.Equal(t, []string{"v1", "Service", "web"}, []string{ref.APIVersion, ref.Kind, ref.Name})

	f.pod("web-1", "web", "node01", false)
	f.pod("web-2", "web", "node02", true)
	f.L.RunUntilIdle()
	slices = f.slices("web")
	require.Len(t, slices, 1)
	assert.Equal(t, placeholder.Name, slices[0].Name, "the placeholder becomes the slice")
	assert.Equal(t, []api.DiscoveryV1EndpointPort{{Name: api.Ptr("http"), Port: api.Ptr(int32(8080)), Protocol: api.Ptr("TCP")}}, slices[0].Ports)
	assert.Equal(t, []string{
		"web-1 10.245.0.11 false/false/false node01 zone-a",
		"web-2 10.244.0.12 true/true/false node02 zone-b",
	}, f.endpoints("web"))

	require.NoError(t, client.Delete[*api.Pod](f.C, "default", "web-2", apiserver.DeleteOptions{}))
	f.L.RunUntilIdle()
	assert.Equal(t, []string{
		"web-1 10.245.0.11 false/false/false node01 zone-a",
		"web-2 10.244.0.12 false/true/true node02 zone-b",
	}, f.endpoints("web"), "a terminating pod is serving but not ready")

	ep := controllertest.Get[*api.Endpoints](f.Fixture, "default", "web")
	require.Len(t, ep.Subsets, 1)
	assert.Len(t, ep.Subsets[0].NotReadyAddresses, 1, "the terminating pod is gone from Endpoints")
	assert.Empty(t, ep.Subsets[0].Addresses)
	assert.Equal(t, []api.EndpointPort{{Name: "http", Port: 8080, Protocol: "TCP"}}, ep.Subsets[0].Ports)
	assert.Equal(t, map[string]string{"app": "web"}, ep.Labels)
}

func TestEndpointsAnnotationsAndSubsets(t *testing.T) {
	f := newFixture(t)
	f.service("web")
	f.L.AdvanceBy(5 * time.Second)
	f.pod("web-1", "web", "node01", true)
	f.pod("web-2", "web", "node02", true)
	f.L.RunUntilIdle()
	ep := controllertest.Get[*api.Endpoints](f.Fixture, "default", "web")
	assert.Equal(t, "2026-01-01T00:00:05Z", ep.Annotations[endpointslice.AnnotationLastChangeTrigger])
	require.Len(t, ep.Subsets, 1)
	var ips []string
	for _, a := range ep.Subsets[0].Addresses {
		ips = append(ips, a.IP+"@"+api.Deref(a.NodeName, "")+"/"+a.TargetRef.Name)
	}
	assert.Equal(t, []string{"10.244.0.12@node02/web-2", "10.245.0.11@node01/web-1"}, ips, "sorted by IP")
}

// A Service that publishes not-ready addresses lists every pod as ready,
// terminating ones too.
func TestPublishNotReadyAddresses(t *testing.T) {
	f := newFixture(t)
	f.service("db", func(s *api.Service) { s.Spec.PublishNotReadyAddresses = true; s.Spec.ClusterIP = "None" })
	f.pod("db-0", "db", "node01", false)
	f.L.RunUntilIdle()
	ep := controllertest.Get[*api.Endpoints](f.Fixture, "default", "db")
	require.Len(t, ep.Subsets, 1)
	assert.Len(t, ep.Subsets[0].Addresses, 1)
	assert.Equal(t, map[string]string{"app": "db", endpointslice.LabelHeadless: ""}, ep.Labels)
	assert.Equal(t, []string{"db-0 10.245.0.11 true/false/false node01 zone-a"}, f.endpoints("db"))
}

// A hundred endpoints fill a slice; the next one starts another.
func TestMaxEndpointsPerSlice(t *testing.T) {
	f := newFixture(t)
	f.service("web")
	for i := range 101 {
		f.pod(fmt.Sprintf("web-%03d", i), "web", "node01", true)
	}
	f.L.RunUntilIdle()
	var sizes []int
	for _, s := range f.slices("web") {
		sizes = append(sizes, len(s.Endpoints))
	}
	sort.Ints(sizes)
	assert.Equal(t, []int{1, 100}, sizes)
}

// Endpoints of more than 1000 addresses keep 1000 and say so.
func TestEndpointsOverCapacity(t *testing.T) {
	f := newFixture(t)
	f.service("web")
	for i := range 1001 {
		f.pod(fmt.Sprintf("web-%04d", i), "web", "node01", true)
	}
	f.L.RunUntilIdle()
	ep := controllertest.Get[*api.Endpoints](f.Fixture, "default", "web")
	assert.Equal(t, "truncated", ep.Annotations[endpoint.AnnotationOverCapacity])
	assert.Len(t, ep.Subsets[0].Addresses, 1000)
}

// Endpoints written by hand for a Service without a selector are mirrored.
func TestMirroring(t *testing.T) {
	f := newFixture(t)
	f.service("external", func(s *api.Service) { s.Spec.Selector = nil; s.Spec.Ports[0].TargetPort = api.FromInt(9000) })
	ep := &api.Endpoints{
		ObjectMeta: api.ObjectMeta{Name: "external", Namespace: "default", Labels: map[string]string{"team": "db"}},
		Subsets: []api.EndpointSubset{{
			Addresses:         []api.EndpointAddress{{IP: "192.168.0.10"}, {IP: "not-an-ip"}},
			NotReadyAddresses: []api.EndpointAddress{{IP: "192.168.0.11"}},
			Ports:             []api.EndpointPort{{Name: "http", Port: 9000, Protocol: "TCP"}},
		}},
	}
	_, err := client.Create(f.C, ep)
	require.Error(t, err, "the API server refuses a name that is no IP")
	ep.Subsets[0].Addresses = ep.Subsets[0].Addresses[:1]
	_, err = client.Create(f.C, ep)
	require.NoError(t, err)
	f.L.RunUntilIdle()
	slices := f.slices("external")
	require.Len(t, slices, 1)
	s := slices[0]
	assert.Equal(t, endpointslicemirroring.ControllerName, s.Labels[endpointslice.LabelManagedBy])
	assert.Equal(t, "db", s.Labels["team"])
	assert.Equal(t, "external-", s.GenerateName)
	require.Len(t, s.Endpoints, 2)
	assert.Equal(t, []string{"192.168.0.10"}, s.Endpoints[0].Addresses)
	assert.True(t, *s.Endpoints[0].Conditions.Ready)
	assert.False(t, *s.Endpoints[1].Conditions.Ready)

	require.NoError(t, client.Delete[*api.Endpoints](f.C, "default", "external", apiserver.DeleteOptions{}))
	f.L.RunUntilIdle()
	assert.Empty(t, f.slices("external"))
}
