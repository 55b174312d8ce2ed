package network

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller/controllertest"
)

func ingressBackend(svc string, port int32) api.IngressBackend {
	return api.IngressBackend{Service: &api.IngressServiceBackend{Name: svc, Port: api.ServiceBackendPort{Number: port}}}
}

// TestIngressRender: the served Ingresses become nginx's servers and
// upstreams; another class's are left alone, and the oldest Ingress keeps
// a path two of them claim.
func TestIngressRender(t *testing.T) {
	l, s := controllertest.NewServer(t, 1)
	c := client.New(s, "test")
	prefix, exact := api.Ptr("Prefix"), api.Ptr("Exact")
	rule := func(host, path string, typ *string, svc string) api.IngressRule {
		return api.IngressRule{Host: host, IngressRuleValue: api.IngressRuleValue{HTTP: &api.HTTPIngressRuleValue{
			Paths: []api.HTTPIngressPath{{Path: path, PathType: typ, Backend: ingressBackend(svc, 80)}}}}}
	}
	objs := []api.Object{
		&api.IngressClass{ObjectMeta: api.ObjectMeta{Name: "nginx", Annotations: map[string]string{"ingressclass.kubernetes.io/is-default-class": "true"}},
			Spec: api.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}},
		&api.Service{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"}, Spec: api.ServiceSpec{ClusterIP: "10.96.0.20",
			Ports: []api.ServicePort{{Name: "http", Port: 80, Protocol: "TCP"}}}},
		slice("web", "web-1", 8080, "http", endpoint("10.244.2.6", true, ""), endpoint("10.244.1.5", true, ""), endpoint("10.244.1.9", false, "")),
		&api.Ingress{ObjectMeta: api.ObjectMeta{Name: "a", Namespace: "default"}, Spec: api.IngressSpec{
			DefaultBackend: &api.IngressBackend{Service: &api.IngressServiceBackend{Name: "web", Port: api.ServiceBackendPort{Name: "http"}}},
			TLS:            []api.IngressTLS{{Hosts: []string{"secure.example"}}},
			Rules:          []api.IngressRule{rule("foo.example", "/", prefix, "web"), rule("", "/x", exact, "missing")}}},
		&api.Ingress{ObjectMeta: api.ObjectMeta{Name: "b", Namespace: "default", Annotations: map[string]string{
			"nginx.ingress.kubernetes.io/rewrite-target": "/$1", "nginx.ingress.kubernetes.io/use-regex": "true"}}, Spec: api.IngressSpec{IngressClassName: api.Ptr("nginx"),
			Rules: []api.IngressRule{rule("foo.example", "/", prefix, "other"), rule("foo.example", "/api", api.Ptr("ImplementationSpecific"), "web")}}},
		&api.Ingress{ObjectMeta: api.ObjectMeta{Name: "c", Namespace: "default"}, Spec: api.IngressSpec{IngressClassName: api.Ptr("traefik"),
			Rules: []api.IngressRule{rule("bar.example", "/", prefix, "web")}}},
	}
	for _, o := range objs {
		_, err := c.Create(api.ResourceFor(o), o.GetObjectMeta().Namespace, o)
		require.NoError(t, err, "%s", o.GetObjectMeta().Name)
		l.AdvanceBy(1e9) // creation order: a is older than b
	}
	ic := NewIngressController(New(l), c)
	require.NoError(t, ic.Start())
	l.RunUntilIdle()
	served := ic.served()
	require.Len(t, served, 2)
	got := ic.render(served)
	assert.Equal(t, ingressConfig{
		Servers: []ingressServer{
			{Host: "", Default: "default-web-http", Paths: []ingressPath{{Path: "/x", Type: "Exact", Upstream: "default-missing-80"}}},
			{Host: "foo.example", Default: "default-web-http", Paths: []ingressPath{
				{Path: "/", Type: "Prefix", Upstream: "default-web-80"},
				{Path: "/api", Type: "ImplementationSpecific", Upstream: "default-web-80", Rewrite: "/$1", Regex: true}}},
			{Host: "secure.example", TLS: true},
		},
		Upstreams: map[string][]string{
			"default-web-http":   {"10.244.1.5:8080", "10.244.2.6:8080"},
			"default-web-80":     {"10.244.1.5:8080", "10.244.2.6:8080"},
			"default-missing-80": {},
		},
	}, got)
	assert.Contains(t, got.String(), "path ImplementationSpecific /api default-web-80 rewrite=%2F%241 regex\n")
}
