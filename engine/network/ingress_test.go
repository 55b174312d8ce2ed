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
// upstreams; another controller's are left alone, and the oldest Ingress
// keeps a path two of them claim.
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
		// kubernetes.io's nginx-example class is ingress-nginx's too.
		&api.IngressClass{ObjectMeta: api.ObjectMeta{Name: "nginx-example"}, Spec: api.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}},
		&api.Ingress{ObjectMeta: api.ObjectMeta{Name: "d", Namespace: "default"}, Spec: api.IngressSpec{IngressClassName: api.Ptr("nginx-example"),
			Rules: []api.IngressRule{rule("", "/testpath", prefix, "web")}}},
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
	require.Len(t, served, 3)
	got := ic.render(served)
	assert.Equal(t, ingressConfig{
		Servers: []ingressServer{
			{Host: "", Default: "default-web-http", Paths: []ingressPath{
				{Path: "/x", Type: "Exact", Upstream: "default-missing-80"},
				{Path: "/testpath/", Type: "Prefix", Upstream: "default-web-80"}, {Path: "/testpath", Type: "Exact", Upstream: "default-web-80"}}},
			// a's tls section lists another host; foo.example gets the
			// default certificate all the same, as in ingress-nginx.
			{Host: "foo.example", TLS: true, Default: "default-web-http", Paths: []ingressPath{
				{Path: "/", Type: "Prefix", Upstream: "default-web-80"},
				{Path: "/api", Type: "ImplementationSpecific", Upstream: "default-web-80", Anns: ingressAnnotations{Rewrite: "/$1", Regex: true}}}},
		},
		Upstreams: map[string][]string{
			"default-web-http":   {"10.244.1.5:8080", "10.244.2.6:8080"},
			"default-web-80":     {"10.244.1.5:8080", "10.244.2.6:8080"},
			"default-missing-80": {},
		},
		Ignored: map[string][]string{},
	}, got)
	assert.Contains(t, got.String(), "path ImplementationSpecific /api default-web-80 rewrite=%2F%241 regex\n")
}

// TestIngressAnnotations: the annotations read as ingress-nginx's
// parsers read them, and those kubeplay ignores.
func TestIngressAnnotations(t *testing.T) {
	tests := []struct {
		name    string
		anns    map[string]string
		want    ingressAnnotations
		ignored []string
	}{
		{"none", nil, ingressAnnotations{}, nil},
		{"rewrite", map[string]string{"nginx.ingress.kubernetes.io/rewrite-target": "/$2", "nginx.ingress.kubernetes.io/use-regex": "true"},
			ingressAnnotations{Rewrite: "/$2", Regex: true}, nil},
		{"use-regex not a bool", map[string]string{"nginx.ingress.kubernetes.io/use-regex": "yes"}, ingressAnnotations{}, nil},
		{"ssl", map[string]string{"nginx.ingress.kubernetes.io/ssl-redirect": "false", "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
			"nginx.ingress.kubernetes.io/preserve-trailing-slash": "true"}, ingressAnnotations{NoSSLRedirect: true, ForceSSLRedirect: true, PreserveSlash: true}, nil},
		{"app-root", map[string]string{"nginx.ingress.kubernetes.io/app-root": "/app1"}, ingressAnnotations{appRoot: "/app1"}, nil},
		{"app-root absolute", map[string]string{"nginx.ingress.kubernetes.io/app-root": "http://x.example/app1"}, ingressAnnotations{},
			[]string{"nginx.ingress.kubernetes.io/app-root"}},
		{"permanent-redirect", map[string]string{"nginx.ingress.kubernetes.io/permanent-redirect": "https://www.google.com"},
			ingressAnnotations{RedirectURL: "https://www.google.com", RedirectCode: 301}, nil},
		{"permanent-redirect-code", map[string]string{"nginx.ingress.kubernetes.io/permanent-redirect": "https://a.example", "nginx.ingress.kubernetes.io/permanent-redirect-code": "308"},
			ingressAnnotations{RedirectURL: "https://a.example", RedirectCode: 308}, nil},
		{"permanent-redirect-code out of range", map[string]string{"nginx.ingress.kubernetes.io/permanent-redirect": "https://a.example", "nginx.ingress.kubernetes.io/permanent-redirect-code": "418"},
			ingressAnnotations{RedirectURL: "https://a.example", RedirectCode: 301}, nil},
		{"temporal wins", map[string]string{"nginx.ingress.kubernetes.io/permanent-redirect": "https://a.example", "nginx.ingress.kubernetes.io/temporal-redirect": "https://b.example"},
			ingressAnnotations{RedirectURL: "https://b.example", RedirectCode: 302}, nil},
		{"temporal-redirect-code", map[string]string{"nginx.ingress.kubernetes.io/temporal-redirect": "https://b.example", "nginx.ingress.kubernetes.io/temporal-redirect-code": "307"},
			ingressAnnotations{RedirectURL: "https://b.example", RedirectCode: 307}, nil},
		{"temporal-redirect-code out of range", map[string]string{"nginx.ingress.kubernetes.io/temporal-redirect": "https://b.example", "nginx.ingress.kubernetes.io/temporal-redirect-code": "308"},
			ingressAnnotations{RedirectURL: "https://b.example", RedirectCode: 302}, nil},
		{"a redirect that is not http", map[string]string{"nginx.ingress.kubernetes.io/permanent-redirect": "ftp://a.example"}, ingressAnnotations{},
			[]string{"nginx.ingress.kubernetes.io/permanent-redirect"}},
		{"x-forwarded-prefix", map[string]string{"nginx.ingress.kubernetes.io/x-forwarded-prefix": "/app"}, ingressAnnotations{XForwardedPrefix: "/app"}, nil},
		{"ignored, sorted; other prefixes are not nginx's", map[string]string{"nginx.ingress.kubernetes.io/proxy-body-size": "8m", "nginx.ingress.kubernetes.io/canary": "true",
			"kubernetes.io/ingress.class": "nginx", "example.com/x": "y"}, ingressAnnotations{},
			[]string{"nginx.ingress.kubernetes.io/canary", "nginx.ingress.kubernetes.io/proxy-body-size"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ignored := parseIngressAnnotations(&api.Ingress{ObjectMeta: api.ObjectMeta{Annotations: tt.anns}})
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.ignored, ignored)
		})
	}
}

// TestIngressLocations: a server's locations, its root location and its
// app-root, as ingress-nginx's createServers, updateServerLocations and
// nginx.tmpl make them.
func TestIngressLocations(t *testing.T) {
	prefix, exact, impl := api.Ptr("Prefix"), api.Ptr("Exact"), api.Ptr("ImplementationSpecific")
	path := func(p string, typ *string, svc string) api.HTTPIngressPath {
		return api.HTTPIngressPath{Path: p, PathType: typ, Backend: ingressBackend(svc, 80)}
	}
	ing := func(name string, anns map[string]string, tls bool, host string, paths ...api.HTTPIngressPath) *api.Ingress {
		i := &api.Ingress{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Annotations: anns},
			Spec: api.IngressSpec{Rules: []api.IngressRule{{Host: host, IngressRuleValue: api.IngressRuleValue{HTTP: &api.HTTPIngressRuleValue{Paths: paths}}}}}}
		if tls {
			i.Spec.TLS = []api.IngressTLS{{Hosts: []string{host}, SecretName: "tls"}}
		}
		return i
	}
	tests := []struct {
		name    string
		ings    []*api.Ingress
		want    []ingressServer
		ignored map[string][]string
	}{
		{"a Prefix path is a prefix location with its slash and an exact one", []*api.Ingress{
			ing("a", nil, false, "a.example", path("/foo", prefix, "foo"), path("/bar/", prefix, "bar"), path("/", prefix, "root"), path("/img", impl, "img")),
		}, []ingressServer{{Host: "a.example", Paths: []ingressPath{
			{Path: "/foo/", Type: "Prefix", Upstream: "default-foo-80"}, {Path: "/foo", Type: "Exact", Upstream: "default-foo-80"},
			{Path: "/bar/", Type: "Prefix", Upstream: "default-bar-80"}, {Path: "/bar/", Type: "Exact", Upstream: "default-bar-80"},
			{Path: "/", Type: "Prefix", Upstream: "default-root-80"},
			{Path: "/img", Type: "ImplementationSpecific", Upstream: "default-img-80"},
		}}}, nil},
		{"an Exact path of the same keeps its own", []*api.Ingress{
			ing("a", nil, false, "a.example", path("/foo", exact, "exact"), path("/foo", prefix, "foo")),
		}, []ingressServer{{Host: "a.example", Paths: []ingressPath{
			{Path: "/foo", Type: "Exact", Upstream: "default-exact-80"}, {Path: "/foo/", Type: "Prefix", Upstream: "default-foo-80"},
		}}}, nil},
		{"minimal-ingress: a rewrite keeps the Prefix path whole; rewrite-target / of / is none", []*api.Ingress{
			ing("minimal", map[string]string{"nginx.ingress.kubernetes.io/rewrite-target": "/"}, false, "", path("/testpath", prefix, "test"), path("/", prefix, "root")),
		}, []ingressServer{{Host: "", Paths: []ingressPath{
			{Path: "/testpath", Type: "Prefix", Upstream: "default-test-80", Anns: ingressAnnotations{Rewrite: "/"}},
			{Path: "/", Type: "Prefix", Upstream: "default-root-80"},
		}}}, nil},
		{"the root location has the host's first Ingress's annotations; app-root of the longest location", []*api.Ingress{
			ing("a", map[string]string{"nginx.ingress.kubernetes.io/app-root": "/a", "nginx.ingress.kubernetes.io/ssl-redirect": "false"}, false, "h.example", path("/x", impl, "x")),
			ing("b", map[string]string{"nginx.ingress.kubernetes.io/app-root": "/b", "nginx.ingress.kubernetes.io/rewrite-target": "/"}, false, "h.example", path("/longer", impl, "longer")),
		}, []ingressServer{{Host: "", Paths: nil}, {Host: "h.example", Root: ingressAnnotations{NoSSLRedirect: true}, AppRoot: "/b", Paths: []ingressPath{
			{Path: "/x", Type: "ImplementationSpecific", Upstream: "default-x-80", Anns: ingressAnnotations{NoSSLRedirect: true}},
			{Path: "/longer", Type: "ImplementationSpecific", Upstream: "default-longer-80", Anns: ingressAnnotations{Rewrite: "/"}},
		}}}, nil},
		{"a tls section: a certificate for the rule's host; a canary is ignored", []*api.Ingress{
			ing("a", map[string]string{"nginx.ingress.kubernetes.io/permanent-redirect": "https://b.example"}, true, "s.example", path("/", impl, "s")),
			ing("canary", map[string]string{"nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "50"}, false, "c.example", path("/", prefix, "c")),
		}, []ingressServer{{Host: "", Paths: nil}, {Host: "s.example", TLS: true, Root: ingressAnnotations{RedirectURL: "https://b.example", RedirectCode: 301}, Paths: []ingressPath{
			{Path: "/", Type: "ImplementationSpecific", Upstream: "default-s-80", Anns: ingressAnnotations{RedirectURL: "https://b.example", RedirectCode: 301}},
		}}}, map[string][]string{"default/canary": {"nginx.ingress.kubernetes.io/canary", "nginx.ingress.kubernetes.io/canary-weight"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, s := controllertest.NewServer(t, 1)
			ic := NewIngressController(New(l), client.New(s, "test"))
			got := ic.render(tt.ings)
			if tt.want[0].Host != "" {
				tt.want = append([]ingressServer{{}}, tt.want...)
			}
			assert.Equal(t, tt.want, got.Servers)
			if tt.ignored == nil {
				tt.ignored = map[string][]string{}
			}
			assert.Equal(t, tt.ignored, got.Ignored)
		})
	}
}
