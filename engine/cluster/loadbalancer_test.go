package cluster

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/cloud"
)

func (f *fixture) service(name, typ string) *api.Service {
	s, err := client.Create(f.k, &api.Service{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.ServiceSpec{
			Type:     typ,
			Selector: map[string]string{"app": name},
			Ports:    []api.ServicePort{{Port: 80, TargetPort: api.FromInt(8080)}},
		},
	})
	require.NoError(f.t, err)
	return s
}

func (f *fixture) svc(name string) (*api.Service, error) {
	return client.Get[*api.Service](f.k, "default", name)
}

func (f *fixture) ingress(name string) string {
	s, err := f.svc(name)
	require.NoError(f.t, err)
	if len(s.Status.LoadBalancer.Ingress) == 0 {
		return "<pending>"
	}
	return s.Status.LoadBalancer.Ingress[0].IP
}

func (f *fixture) reasons(obj string) []string {
	var out []string
	l, err := client.List[*api.Event](f.k, "default", apiserver.ListOptions{})
	require.NoError(f.t, err)
	for _, e := range l {
		if e.InvolvedObject.Name == obj && e.Source.Component == "service-controller" {
			out = append(out, e.Reason)
		}
	}
	return out
}

// Each Service of type LoadBalancer gets an address from the pool once the
// cloud has built its load balancer, and gives it back when it goes or
// changes type.
func TestLoadBalancers(t *testing.T) {
	f := newFixture(t)
	created := f.c.Now()
	f.service("web", "LoadBalancer")
	f.c.RunUntilIdle()
	s, err := f.svc("web")
	require.NoError(t, err)
	assert.Equal(t, []string{cloud.LoadBalancerCleanupFinalizer}, s.Finalizers)
	assert.Equal(t, "<pending>", f.ingress("web"))
	assert.Equal(t, []string{"EnsuringLoadBalancer"}, f.reasons("web"))

	f.until("the load balancer is provisioned", 10*time.Second, func() bool { return f.ingress("web") != "<pending>" })
	assert.Equal(t, cloud.ProvisionTime, f.c.Now().Sub(created))
	assert.Equal(t, "172.18.255.200", f.ingress("web"))
	s, _ = f.svc("web")
	assert.Equal(t, "VIP", *s.Status.LoadBalancer.Ingress[0].IPMode)
	assert.Equal(t, []string{"EnsuringLoadBalancer", "EnsuredLoadBalancer"}, f.reasons("web"))

	f.service("api", "LoadBalancer")
	f.service("plain", "ClusterIP")
	f.c.Advance(5 * time.Second)
	assert.Equal(t, "172.18.255.201", f.ingress("api"))
	assert.Empty(t, f.reasons("plain"), "the service controller leaves other Services alone")

	require.NoError(t, client.Delete[*api.Service](f.k, "default", "web", apiserver.DeleteOptions{}))
	f.until("the Service goes with its load balancer", time.Second, func() bool {
		_, err := f.svc("web")
		return apiserver.IsNotFound(err)
	})
	assert.Equal(t, []string{"EnsuringLoadBalancer", "EnsuredLoadBalancer", "DeletingLoadBalancer", "DeletedLoadBalancer"}, f.reasons("web"))

	s, _ = f.svc("api")
	upd := api.Clone(s)
	// The API server does not yet drop the fields of the old type
	// (dropTypeDependentFields), so the test does.
	upd.Spec.Type = "ClusterIP"
	upd.Spec.AllocateLoadBalancerNodePorts, upd.Spec.ExternalTrafficPolicy = nil, ""
	for i := range upd.Spec.Ports {
		upd.Spec.Ports[i].NodePort = 0
	}
	_, err = client.Update(f.k, upd)
	require.NoError(t, err)
	f.c.RunUntilIdle()
	s, _ = f.svc("api")
	assert.Empty(t, s.Status.LoadBalancer.Ingress)
	assert.False(t, slices.Contains(s.Finalizers, cloud.LoadBalancerCleanupFinalizer))
	assert.Equal(t, []string{"EnsuringLoadBalancer", "EnsuredLoadBalancer", "Type", "DeletingLoadBalancer", "DeletedLoadBalancer"}, f.reasons("api"))

	f.service("again", "LoadBalancer")
	f.c.Advance(5 * time.Second)
	assert.Equal(t, "172.18.255.200", f.ingress("again"), "addresses go back to the pool")
}
