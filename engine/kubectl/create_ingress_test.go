package kubectl

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

func TestCreateIngress(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"created", []string{"simple", "--rule=foo.com/bar=svc1:8080,tls=my-cert"}, "ingress.networking.k8s.io/simple created\n"},
		{"alias", []string{"ing", "x", "--rule=/=svc:80"}, ""},
		{"exact and prefix", []string{"ingress1", "--class=default", "--rule=foo.com/path*=svc:8080", "--rule=bar.com/admin*=svc2:http", "--rule=foo.com/=svc:80", "--dry-run=client", "-o", "yaml"},
			`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ingress1
spec:
  ingressClassName: default
  rules:
  - host: foo.com
    http:
      paths:
      - backend:
          service:
            name: svc
            port:
              number: 8080
        path: /path
        pathType: Prefix
      - backend:
          service:
            name: svc
            port:
              number: 80
        path: /
        pathType: Exact
  - host: bar.com
    http:
      paths:
      - backend:
          service:
            name: svc2
            port:
              name: http
        path: /admin
        pathType: Prefix
status:
  loadBalancer: {}
`},
		{"no rule", []string{"x"}, "--- stderr\nerror: not enough information provided: every ingress has to either specify a default-backend (which catches all traffic) or a list of rules (which catch specific paths)\n[exit 1]\n"},
		{"bad rule", []string{"x", "--rule=foo.com=svc:80"}, "--- stderr\nerror: rule foo.com=svc:80 is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]\n[exit 1]\n"},
		{"bad tls", []string{"x", "--rule=foo.com/=svc:80,tlx"}, "--- stderr\nerror: rule foo.com/=svc:80,tlx is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]\n[exit 1]\n"},
		{"bad annotation", []string{"x", "--rule=/=svc:80", "--annotation=novalue"}, "--- stderr\nerror: annotation novalue is invalid and should be in format key=[value]\n[exit 1]\n"},
		{"bad backend", []string{"x", "--default-backend=svc"}, "--- stderr\nerror: default-backend should be in format servicename:serviceport\n[exit 1]\n"},
		{"no name", []string{"--rule=/=svc:80"}, "--- stderr\nerror: exactly one NAME is required, got 0\nSee 'kubectl create ingress -h' for help and examples\n[exit 1]\n"},
		{"server refuses", []string{"bad", "--rule=/=svc:0"}, "--- stderr\nerror: failed to create ingress: Ingress.networking.k8s.io \"bad\" is invalid: spec.rules[0].http.paths[0].backend: Required value: port name or number is required\n[exit 1]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDescribeFixture(t)
			args := append([]string{"create", "ingress"}, tt.args...)
			if tt.name == "alias" {
				args, tt.want = append([]string{"create"}, tt.args...), "ingress.networking.k8s.io/x created\n"
			}
			assert.Equal(t, tt.want, f.kubectl("", args...))
		})
	}
}

// TestCreateIngressTLS: a host goes into its secret's entry once; a rule
// with a bare ",tls" makes an entry without a secret.
func TestCreateIngressTLS(t *testing.T) {
	f := newDescribeFixture(t)
	out := f.kubectl("", "create", "ingress", "t", "--rule=a.com/=s:80,tls=c", "--rule=b.com/=s:80,tls=c", "--rule=a.com/x=s:80,tls=d",
		"--rule=c.com/=s:80,tls", "--annotation=k=v=w", "--default-backend=def:http", "--dry-run=client", "-o", "json")
	var ing api.Ingress
	require.NoError(t, json.Unmarshal([]byte(out), &ing), out)
	assert.Equal(t, []api.IngressTLS{{Hosts: []string{"a.com", "b.com"}, SecretName: "c"}, {Hosts: []string{"c.com"}}}, ing.Spec.TLS)
	assert.Equal(t, map[string]string{"k": "v=w"}, ing.Annotations)
	assert.Equal(t, &api.IngressBackend{Service: &api.IngressServiceBackend{Name: "def", Port: api.ServiceBackendPort{Name: "http"}}}, ing.Spec.DefaultBackend)
	assert.Len(t, ing.Spec.Rules, 3)
}
