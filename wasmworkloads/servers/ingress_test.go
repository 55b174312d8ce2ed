package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestIngressMatch: hosts and paths match as ingress-nginx matches them.
func TestIngressMatch(t *testing.T) {
	cfg := ingressConfig{Servers: []ingressServer{
		{Host: "", Paths: []ingressPath{{Path: "/testpath", Type: "Prefix", Upstream: "default-test-80"}}, Default: "default-fallback-80"},
		{Host: "*.example.com", Paths: []ingressPath{{Path: "/", Type: "Prefix", Upstream: "default-wild-80"}}},
		{Host: "foo.example.com", Paths: []ingressPath{
			{Path: "/", Type: "Prefix", Upstream: "default-root-80"},
			{Path: "/foo/", Type: "Prefix", Upstream: "default-foo-80"},
			{Path: "/foo", Type: "Exact", Upstream: "default-exact-80"},
			{Path: "/img", Type: "ImplementationSpecific", Upstream: "default-img-80"},
		}},
		{Host: "hello-world.example", Paths: []ingressPath{{Path: "/v2", Type: "Prefix", Upstream: "default-web2-8080"}}},
		{Host: "secure.example", TLS: true, Paths: []ingressPath{{Path: "/", Type: "Prefix", Upstream: "default-web-80"}}},
	}}
	tests := []struct {
		host, path string
		want       route
	}{
		{"foo.example.com", "/", route{upstream: "default-root-80"}},
		{"foo.example.com", "/foo", route{upstream: "default-exact-80"}},
		{"foo.example.com", "/foo/", route{upstream: "default-foo-80"}},
		{"foo.example.com", "/foo/bar", route{upstream: "default-foo-80"}},
		{"foo.example.com", "/foobar", route{upstream: "default-root-80"}},   // Prefix is element-wise
		{"foo.example.com", "/imgs/a", route{upstream: "default-img-80"}},    // an nginx prefix is not
		{"bar.example.com", "/x", route{upstream: "default-wild-80"}},        // one label under the wildcard
		{"a.b.example.com", "/testpath", route{upstream: "default-test-80"}}, // not two: the default server
		{"other", "/testpath/x", route{upstream: "default-test-80"}},
		{"other", "/testpathx", route{upstream: "default-fallback-80"}},
		{"hello-world.example", "/", route{}}, // the host's server has no / : the default backend
		{"hello-world.example", "/v2", route{upstream: "default-web2-8080"}},
		{"secure.example", "/", route{redirect: true}},
	}
	for _, tt := range tests {
		t.Run(tt.host+tt.path, func(t *testing.T) {
			assert.Equal(t, tt.want, cfg.match(tt.host, tt.path, ""))
		})
	}
	assert.Equal(t, route{}, (&ingressConfig{}).match("x", "/", ""), "no server: the default backend")
}

// TestParseIngressConfig reads the lines network.IngressController writes.
func TestParseIngressConfig(t *testing.T) {
	cfg, err := parseIngressConfig("server _ default=default-web-http\npath Exact /x -\nserver secure.example tls\nupstream default-missing-80\nupstream default-web-http 10.244.1.5:8080 10.244.2.6:8080\n")
	assert.NoError(t, err)
	assert.Equal(t, ingressConfig{
		Servers:   []ingressServer{{Host: "", Default: "default-web-http", Paths: []ingressPath{{Path: "/x", Type: "Exact"}}}, {Host: "secure.example", TLS: true}},
		Upstreams: map[string][]string{"default-missing-80": {}, "default-web-http": {"10.244.1.5:8080", "10.244.2.6:8080"}},
	}, cfg)
	cfg, err = parseIngressConfig("server a.example\npath ImplementationSpecific /api/(.*) default-web-80 rewrite=%2Fv1%2F%241 regex\n")
	assert.NoError(t, err)
	assert.Equal(t, []ingressPath{{Path: "/api/(.*)", Type: "ImplementationSpecific", Upstream: "default-web-80", Rewrite: "/v1/$1", Regex: true}}, cfg.Servers[0].Paths)
	_, err = parseIngressConfig("location / {\n")
	assert.EqualError(t, err, `bad line "location / {"`)
}

// TestIngressRewrite: rewrite-target with capture groups and use-regex,
// as ingress-nginx's documentation shows them.
func TestIngressRewrite(t *testing.T) {
	cfg := ingressConfig{Servers: []ingressServer{
		{Host: "rewrite.bar.com", Paths: []ingressPath{
			{Path: "/something(/|$)(.*)", Type: "ImplementationSpecific", Upstream: "default-http-svc-80", Rewrite: "/$2"},
			{Path: "/exact", Type: "Exact", Upstream: "default-exact-80"}, // another Ingress's, regex all the same
		}},
		{Host: "test.com", Paths: []ingressPath{
			{Path: "/foo/bar/bar", Type: "Prefix", Upstream: "default-long-80", Regex: true},
			{Path: "/foo/bar/[A-Z0-9]{3}", Type: "ImplementationSpecific", Upstream: "default-regex-80", Regex: true},
		}},
		{Host: "args.example", Paths: []ingressPath{
			{Path: "/api/(.*)", Type: "ImplementationSpecific", Upstream: "default-api-80", Rewrite: "/v1/$1?from=ingress"},
		}},
	}}
	tests := []struct {
		host, path, query string
		want              route
	}{
		{"rewrite.bar.com", "/something", "", route{upstream: "default-http-svc-80", target: "/"}},
		{"rewrite.bar.com", "/something/", "", route{upstream: "default-http-svc-80", target: "/"}},
		{"rewrite.bar.com", "/something/new", "", route{upstream: "default-http-svc-80", target: "/new"}},
		{"rewrite.bar.com", "/SomeThing/new", "a=1", route{upstream: "default-http-svc-80", target: "/new?a=1"}}, // ~* and (?i)
		{"rewrite.bar.com", "/somethingelse", "", route{}},                                                       // (/|$) wants an end or a slash
		{"rewrite.bar.com", "/exactly", "", route{upstream: "default-exact-80"}},                                 // ^/exact, no longer exact
		{"test.com", "/foo/bar/bar", "", route{upstream: "default-regex-80"}},                                    // the longer location first
		{"test.com", "/foo/bar/bar/x", "", route{upstream: "default-regex-80"}},
		{"test.com", "/foo/bar/ab1", "", route{upstream: "default-regex-80"}},
		{"test.com", "/foo/bar/a", "", route{}},
		{"args.example", "/api/users", "page=2", route{upstream: "default-api-80", target: "/v1/users?from=ingress&page=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.host+tt.path, func(t *testing.T) {
			assert.Equal(t, tt.want, cfg.match(tt.host, tt.path, tt.query))
		})
	}
}
