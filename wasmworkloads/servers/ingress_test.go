package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// req is a request for host and path (the URI too), sent as curl sends it.
func req(host, uri string) ingressRequest {
	path, _, _ := strings.Cut(uri, "?")
	return ingressRequest{host: host, httpHost: host, path: path, uri: uri}
}

// TestIngressMatch: hosts and paths match as ingress-nginx matches them.
// A Prefix path comes as network.IngressController sends it: a prefix
// location ending in "/" and an exact location.
func TestIngressMatch(t *testing.T) {
	cfg := ingressConfig{Servers: []ingressServer{
		{Host: "", Paths: []ingressPath{
			{Path: "/testpath/", Type: "Prefix", Upstream: "default-test-80"},
			{Path: "/testpath", Type: "Exact", Upstream: "default-test-80"},
		}, Default: "default-fallback-80"},
		{Host: "*.example.com", Paths: []ingressPath{{Path: "/", Type: "Prefix", Upstream: "default-wild-80"}}},
		{Host: "foo.example.com", Paths: []ingressPath{
			{Path: "/", Type: "Prefix", Upstream: "default-root-80"},
			{Path: "/foo/", Type: "Prefix", Upstream: "default-foo-80"},
			{Path: "/foo", Type: "Exact", Upstream: "default-exact-80"},
			{Path: "/img", Type: "ImplementationSpecific", Upstream: "default-img-80"},
			{Path: "/docs/", Type: "Prefix", Upstream: "default-docs-80"}, // a Prefix path written with its slash
			{Path: "/docs/", Type: "Exact", Upstream: "default-docs-80"},
		}},
		{Host: "hello-world.example", Paths: []ingressPath{
			{Path: "/v2/", Type: "Prefix", Upstream: "default-web2-8080"},
			{Path: "/v2", Type: "Exact", Upstream: "default-web2-8080"},
		}},
	}}
	tests := []struct {
		name string
		req  ingressRequest
		want route
	}{
		{"root", req("foo.example.com", "/"), route{upstream: "default-root-80"}},
		{"exact", req("foo.example.com", "/foo"), route{upstream: "default-exact-80"}},
		{"prefix", req("foo.example.com", "/foo/"), route{upstream: "default-foo-80"}},
		{"prefix deeper", req("foo.example.com", "/foo/bar"), route{upstream: "default-foo-80"}},
		{"prefix by elements", req("foo.example.com", "/foobar"), route{upstream: "default-root-80"}},
		{"implementation specific: an nginx prefix", req("foo.example.com", "/imgs/a"), route{upstream: "default-img-80"}},
		{"nginx adds the slash of a prefix location", req("foo.example.com", "/docs?a=1"), route{status: 301, location: "http://foo.example.com/docs/?a=1", logName: "-"}},
		{"wildcard: one label under it", req("bar.example.com", "/x"), route{upstream: "default-wild-80"}},
		{"wildcard: not two", req("a.b.example.com", "/testpath"), route{upstream: "default-test-80"}},
		{"default server", req("other", "/testpath/x"), route{upstream: "default-test-80"}},
		{"default server's default backend", req("other", "/testpathx"), route{upstream: "default-fallback-80"}},
		{"no / on the host: the default backend", req("hello-world.example", "/"), route{}},
		{"prefix path itself", req("hello-world.example", "/v2"), route{upstream: "default-web2-8080"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cfg.match(tt.req))
		})
	}
	assert.Equal(t, route{}, (&ingressConfig{}).match(req("x", "/")), "no server: the default backend")
}

// TestParseIngressConfig reads the lines network.IngressController writes.
func TestParseIngressConfig(t *testing.T) {
	cfg, err := parseIngressConfig("server _ default=default-web-http\npath Exact /x -\nserver secure.example tls app-root=%2Fapp1 ssl-redirect=false\nupstream default-missing-80\nupstream default-web-http 10.244.1.5:8080 10.244.2.6:8080\nignored default/a nginx.ingress.kubernetes.io/canary nginx.ingress.kubernetes.io/proxy-body-size\n")
	assert.NoError(t, err)
	assert.Equal(t, ingressConfig{
		Servers: []ingressServer{
			{Host: "", Default: "default-web-http", Paths: []ingressPath{{Path: "/x", Type: "Exact"}}},
			{Host: "secure.example", TLS: true, AppRoot: "/app1", Root: ingressAnnotations{NoSSLRedirect: true}},
		},
		Upstreams: map[string][]string{"default-missing-80": {}, "default-web-http": {"10.244.1.5:8080", "10.244.2.6:8080"}},
		Ignored:   map[string][]string{"default/a": {"nginx.ingress.kubernetes.io/canary", "nginx.ingress.kubernetes.io/proxy-body-size"}},
	}, cfg)
	cfg, err = parseIngressConfig("server a.example\npath ImplementationSpecific /api/(.*) default-web-80 rewrite=%2Fv1%2F%241 regex force-ssl-redirect preserve-trailing-slash redirect=308,https%3A%2F%2Fb.example%2F x-forwarded-prefix=%2Fapi\n")
	assert.NoError(t, err)
	assert.Equal(t, []ingressPath{{Path: "/api/(.*)", Type: "ImplementationSpecific", Upstream: "default-web-80", Anns: ingressAnnotations{
		Rewrite: "/v1/$1", Regex: true, ForceSSLRedirect: true, PreserveSlash: true, RedirectURL: "https://b.example/", RedirectCode: 308, XForwardedPrefix: "/api"}}}, cfg.Servers[0].Paths)
	for _, bad := range []string{"location / {", "server a.example frobnicate", "server a\npath Prefix / - redirect=x"} {
		_, err = parseIngressConfig(bad)
		assert.Error(t, err, bad)
	}
}

// TestIngressRewrite: rewrite-target with capture groups and use-regex,
// as ingress-nginx's documentation shows them.
func TestIngressRewrite(t *testing.T) {
	rw := func(target string) ingressAnnotations { return ingressAnnotations{Rewrite: target} }
	cfg := ingressConfig{Servers: []ingressServer{
		{Host: "rewrite.bar.com", Paths: []ingressPath{
			{Path: "/something(/|$)(.*)", Type: "ImplementationSpecific", Upstream: "default-http-svc-80", Anns: rw("/$2")},
			{Path: "/exact", Type: "Exact", Upstream: "default-exact-80"}, // another Ingress's, regex all the same
		}},
		{Host: "test.com", Paths: []ingressPath{
			{Path: "/foo/bar/bar", Type: "Prefix", Upstream: "default-long-80", Anns: ingressAnnotations{Regex: true}},
			{Path: "/foo/bar/[A-Z0-9]{3}", Type: "ImplementationSpecific", Upstream: "default-regex-80", Anns: ingressAnnotations{Regex: true}},
		}},
		{Host: "args.example", Paths: []ingressPath{
			{Path: "/api/(.*)", Type: "ImplementationSpecific", Upstream: "default-api-80", Anns: rw("/v1/$1?from=ingress")},
			{Path: "/old/(.*)", Type: "ImplementationSpecific", Upstream: "default-api-80", Anns: rw("https://new.example/$1")},
		}},
		// kubernetes.io's minimal-ingress.yaml: a Prefix path, rewrite-target "/".
		{Host: "", Default: "default-fallback-80", Paths: []ingressPath{
			{Path: "/testpath", Type: "Prefix", Upstream: "default-test-80", Anns: rw("/")},
		}},
		{Host: "prefixed.example", Paths: []ingressPath{
			{Path: "/app(/|$)(.*)", Type: "ImplementationSpecific", Upstream: "default-app-80", Anns: ingressAnnotations{Rewrite: "/$2", XForwardedPrefix: "/app"}},
			{Path: "/plain/", Type: "Prefix", Upstream: "default-plain-80"}, // another Ingress's split Prefix path
			{Path: "/plain", Type: "Exact", Upstream: "default-plain-80"},
		}},
	}}
	tests := []struct {
		name string
		req  ingressRequest
		want route
	}{
		{"no rest", req("rewrite.bar.com", "/something"), route{upstream: "default-http-svc-80", target: "/"}},
		{"slash", req("rewrite.bar.com", "/something/"), route{upstream: "default-http-svc-80", target: "/"}},
		{"rest", req("rewrite.bar.com", "/something/new"), route{upstream: "default-http-svc-80", target: "/new"}},
		{"~* and (?i), arguments kept", req("rewrite.bar.com", "/SomeThing/new?a=1"), route{upstream: "default-http-svc-80", target: "/new?a=1"}},
		{"(/|$) wants an end or a slash", req("rewrite.bar.com", "/somethingelse"), route{}},
		{"^/exact, no longer exact", req("rewrite.bar.com", "/exactly"), route{upstream: "default-exact-80"}},
		{"the longer location first", req("test.com", "/foo/bar/bar"), route{upstream: "default-regex-80"}},
		{"longer, deeper", req("test.com", "/foo/bar/bar/x"), route{upstream: "default-regex-80"}},
		{"class and count", req("test.com", "/foo/bar/ab1"), route{upstream: "default-regex-80"}},
		{"too short", req("test.com", "/foo/bar/a"), route{}},
		{"the target's arguments first", req("args.example", "/api/users?page=2"), route{upstream: "default-api-80", target: "/v1/users?from=ingress&page=2"}},
		{"a target with a scheme redirects", req("args.example", "/old/a?b=c"), route{upstream: "default-api-80", status: 302, location: "https://new.example/a?b=c"}},
		{"minimal-ingress", req("172.18.255.200", "/testpath"), route{upstream: "default-test-80", target: "/"}},
		{"minimal-ingress: all of it becomes /", req("172.18.255.200", "/testpath/a/b?x=1"), route{upstream: "default-test-80", target: "/?x=1"}},
		{"minimal-ingress: ~* ^/testpath is a string prefix", req("172.18.255.200", "/testpathology"), route{upstream: "default-test-80", target: "/"}},
		{"minimal-ingress: elsewhere the default backend", req("172.18.255.200", "/other"), route{upstream: "default-fallback-80"}},
		{"x-forwarded-prefix", req("prefixed.example", "/app/x"), route{upstream: "default-app-80", target: "/x", prefix: "/app"}},
		{"no rewrite, no prefix header", req("prefixed.example", "/plain/x"), route{upstream: "default-plain-80"}},
		{"a regex host: ^/plain for the exact location", req("prefixed.example", "/plainly"), route{upstream: "default-plain-80"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cfg.match(tt.req))
		})
	}
}

// TestIngressRedirects: app-root, permanent-redirect and temporal-redirect,
// and the redirect to HTTPS of a host with a certificate (or
// force-ssl-redirect), as nginx.tmpl and lua_ingress.lua make them.
func TestIngressRedirects(t *testing.T) {
	redirect := func(code int, u string) ingressAnnotations {
		return ingressAnnotations{RedirectURL: u, RedirectCode: code}
	}
	cfg := ingressConfig{Servers: []ingressServer{
		{Host: "approot.bar.com", AppRoot: "/app1", Paths: []ingressPath{{Path: "/", Type: "Prefix", Upstream: "default-http-svc-80"}}},
		{Host: "redirect.example", Default: "", Root: redirect(301, "https://www.google.com"), Paths: []ingressPath{
			{Path: "/source", Type: "ImplementationSpecific", Upstream: "default-http-svc-80", Anns: redirect(301, "https://www.google.com")},
		}},
		{Host: "moved.example", Paths: []ingressPath{
			{Path: "/tmp", Type: "ImplementationSpecific", Upstream: "default-web-80", Anns: redirect(307, "http://elsewhere.example/")},
			{Path: "/odd", Type: "ImplementationSpecific", Upstream: "default-web-80", Anns: redirect(300, "http://elsewhere.example/")},
		}},
		{Host: "secure.example", TLS: true, Paths: []ingressPath{
			{Path: "/", Type: "Prefix", Upstream: "default-web-80"},
			{Path: "/open", Type: "ImplementationSpecific", Upstream: "default-open-80", Anns: ingressAnnotations{NoSSLRedirect: true}},
			{Path: "/keep", Type: "ImplementationSpecific", Upstream: "default-web-80", Anns: ingressAnnotations{PreserveSlash: true}},
		}},
		{Host: "*.wild.example", TLS: true, Paths: []ingressPath{{Path: "/", Type: "Prefix", Upstream: "default-web-80"}}},
		{Host: "a.wild.example", Paths: []ingressPath{{Path: "/", Type: "Prefix", Upstream: "default-a-80"}}}, // no certificate of its own
		{Host: "plain.example", Paths: []ingressPath{
			{Path: "/", Type: "Prefix", Upstream: "default-web-80"},
			{Path: "/login", Type: "ImplementationSpecific", Upstream: "default-login-80", Anns: ingressAnnotations{ForceSSLRedirect: true}},
		}},
	}}
	https := func(up, l string) route { return route{upstream: up, status: 308, location: l} }
	tests := []struct {
		name string
		req  ingressRequest
		want route
	}{
		{"app-root: / only", req("approot.bar.com", "/"), route{status: 302, location: "http://approot.bar.com/app1", logName: "-"}},
		{"app-root: the Host header as sent", ingressRequest{host: "approot.bar.com", httpHost: "approot.bar.com:8080", path: "/", uri: "/?x=1"}, route{status: 302, location: "http://approot.bar.com:8080/app1", logName: "-"}},
		{"app-root: not elsewhere", req("approot.bar.com", "/app1"), route{upstream: "default-http-svc-80"}},
		{"permanent-redirect", req("redirect.example", "/source/x"), route{upstream: "default-http-svc-80", status: 301, location: "https://www.google.com"}},
		{"permanent-redirect: the root location has it too", req("redirect.example", "/elsewhere"), route{status: 301, location: "https://www.google.com"}},
		{"temporal-redirect-code", req("moved.example", "/tmp"), route{upstream: "default-web-80", status: 307, location: "http://elsewhere.example/"}},
		{"a code that is not a redirect's: return CODE TEXT", req("moved.example", "/odd"), route{upstream: "default-web-80", status: 300, text: "http://elsewhere.example/"}},
		{"a certificate: to HTTPS", req("secure.example", "/login?next=1"), https("default-web-80", "https://secure.example/login?next=1")},
		{"the URI's last slash, even in its query", req("secure.example", "/login?next=/"), https("default-web-80", "https://secure.example/login?next=")},
		{"the trailing slash dropped", req("secure.example", "/a/"), https("default-web-80", "https://secure.example/a")},
		{"even the root's", req("secure.example", "/"), https("default-web-80", "https://secure.example")},
		{"preserve-trailing-slash", req("secure.example", "/keep/"), https("default-web-80", "https://secure.example/keep/")},
		{"ssl-redirect: false", req("secure.example", "/open"), route{upstream: "default-open-80"}},
		{"the Host header's name, not its port", ingressRequest{host: "secure.example", httpHost: "Secure.Example:80", path: "/x", uri: "/x"}, https("default-web-80", "https://Secure.Example/x")},
		{"a wildcard's certificate", req("b.wild.example", "/x"), https("default-web-80", "https://b.wild.example/x")},
		{"a wildcard's certificate, another server's location", req("a.wild.example", "/x"), https("default-a-80", "https://a.wild.example/x")},
		{"no certificate", req("plain.example", "/x"), route{upstream: "default-web-80"}},
		{"force-ssl-redirect", req("plain.example", "/login"), https("default-login-80", "https://plain.example/login")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cfg.match(tt.req))
		})
	}
}
