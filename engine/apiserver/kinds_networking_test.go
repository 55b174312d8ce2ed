package apiserver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

const minimalIngress = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: minimal-ingress
spec:
  ingressClassName: nginx-example
  rules:
  - http:
      paths:
      - path: /testpath
        pathType: Prefix
        backend:
          service:
            name: test
            port:
              number: 80
`

func TestIngressValidation(t *testing.T) {
	s := newServer()
	ing := mustApply[*api.Ingress](t, s, minimalIngress)
	assert.Equal(t, int64(1), ing.Generation)
	with := func(old, new string) string { return strings.Replace(minimalIngress, old, new, 1) }
	tests := []struct {
		name, doc, want string
	}{
		{"no path type", with("        pathType: Prefix\n", ""),
			`Ingress.networking.k8s.io "minimal-ingress" is invalid: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified`},
		{"path type", with("pathType: Prefix", "pathType: Regex"),
			`Ingress.networking.k8s.io "minimal-ingress" is invalid: spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"`},
		{"relative path", with("path: /testpath", "path: testpath"),
			`Ingress.networking.k8s.io "minimal-ingress" is invalid: spec.rules[0].http.paths[0].path: Invalid value: "testpath": must be an absolute path`},
		{"path sequence", with("path: /testpath", "path: /a//b/.."),
			`Ingress.networking.k8s.io "minimal-ingress" is invalid: [spec.rules[0].http.paths[0].path: Invalid value: "/a//b/..": must not contain '//', spec.rules[0].http.paths[0].path: Invalid value: "/a//b/..": cannot end with '/..']`},
		{"no port", with("            port:\n              number: 80\n", ""),
			`Ingress.networking.k8s.io "minimal-ingress" is invalid: spec.rules[0].http.paths[0].backend: Required value: port name or number is required`},
		{"service name", with("name: test", "name: Test"),
			`Ingress.networking.k8s.io "minimal-ingress" is invalid: spec.rules[0].http.paths[0].backend.service.name: Invalid value: "Test": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`},
		{"host is an IP", with("  - http:", "  - host: 10.0.0.1\n    http:"),
			`Ingress.networking.k8s.io "minimal-ingress" is invalid: spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address`},
		{"wildcard host", with("  - http:", "  - host: \"*.*.example.com\"\n    http:"),
			`Ingress.networking.k8s.io "minimal-ingress" is invalid: spec.rules[0].host: Invalid value: "*.*.example.com": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`},
		{"no rules", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: empty}\nspec: {}\n",
			"Ingress.networking.k8s.io \"empty\" is invalid: spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified"},
		{"class annotation", with("  name: minimal-ingress\n", "  name: minimal-ingress\n  annotations: {kubernetes.io/ingress.class: other}\n"),
			"Ingress.networking.k8s.io \"minimal-ingress\" is invalid: annotations.kubernetes.io/ingress.class: Invalid value: \"other\": must match `ingressClassName` when both are specified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, applyErr(t, s, tt.doc))
		})
	}
}

func TestDefaultIngressClass(t *testing.T) {
	s := newServer()
	mustApply[*api.IngressClass](t, s, `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec:
  controller: k8s.io/ingress-nginx
  parameters: {kind: IngressParameters, name: external-lb, apiGroup: k8s.example.com}
`)
	ing := mustApply[*api.Ingress](t, s, strings.Replace(minimalIngress, "  ingressClassName: nginx-example\n", "", 1))
	assert.Equal(t, "nginx", *ing.Spec.IngressClassName)
	ic := mustGet[*api.IngressClass](t, s, "ingressclasses", "nginx")
	assert.Equal(t, "Cluster", *ic.Spec.Parameters.Scope)
	assert.Equal(t, `IngressClass.networking.k8s.io "nginx" is invalid: spec.controller: Invalid value: "example.com/other": field is immutable`,
		update(t, s, ic, func(c *api.IngressClass) { c.Spec.Controller = "example.com/other" }))
	assert.Equal(t, `IngressClass.networking.k8s.io "bad" is invalid: [spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo"), spec.parameters.namespace: Required value: `+"`parameters.scope`"+` is set to 'Namespace']`,
		applyErr(t, s, "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: bad}\nspec:\n  controller: nginx\n  parameters: {kind: P, name: p, scope: Namespace}\n"))
}
