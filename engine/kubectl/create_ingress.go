package kubectl

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// ingressRule is the form of create ingress's --rule
// (pkg/cmd/create/create_ingress.go's ruleRegex):
// host/path=svcname:svcport[,tls[=secret]].
var ingressRule = regexp.MustCompile(`^(?P<host>[\w\*\-\.]*)(?P<path>/[^,=\n]*)=(?P<svcname>[\w\-]+):(?P<svcport>[\w\-]+)` +
	`(,(?P<istls>tls)=?(?P<secretname>[\w\-]+)?)?$`)

// createIngress is `kubectl create ingress NAME --rule=host/path=service:port[,tls[=secret]]`.
func (k *Kubectl) createIngress(io IO, args []string) error {
	g := k.newGenerator(io, "ingress")
	class := g.fs.String("class", "", "")
	rules := g.fs.Array("rule", "")
	backend := g.fs.String("default-backend", "", "")
	annotations := g.fs.Array("annotation", "")
	name, _, err := g.parse(args)
	if err != nil {
		return err
	}
	if err := validateIngressFlags(*rules, *annotations, *backend); err != nil {
		return err
	}
	ing := &api.Ingress{ObjectMeta: api.ObjectMeta{Name: name, Annotations: ingressAnnotations(*annotations)}}
	if *class != "" {
		ing.Spec.IngressClassName = class
	}
	if *backend != "" {
		ing.Spec.DefaultBackend = ingressBackend(*backend)
	}
	ing.Spec.TLS, ing.Spec.Rules = ingressTLS(*rules), ingressRules(*rules)
	err = g.create(ing)
	var se *apiserver.StatusError
	if errors.As(err, &se) {
		return fmt.Errorf("failed to create ingress: %v", err)
	}
	return err
}

// validateIngressFlags is CreateIngressOptions.Validate.
func validateIngressFlags(rules, annotations []string, backend string) error {
	if backend == "" && len(rules) == 0 {
		return errors.New("not enough information provided: every ingress has to either specify a default-backend (which catches all traffic) or a list of rules (which catch specific paths)")
	}
	for _, r := range rules {
		if !ingressRule.MatchString(r) {
			return fmt.Errorf("rule %s is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]", r)
		}
	}
	for _, a := range annotations {
		if !strings.Contains(a, "=") {
			return fmt.Errorf("annotation %s is invalid and should be in format key=[value]", a)
		}
	}
	if backend != "" && len(strings.Split(backend, ":")) != 2 {
		return errors.New("default-backend should be in format servicename:serviceport")
	}
	return nil
}

func ingressAnnotations(list []string) map[string]string {
	out := map[string]string{}
	for _, a := range list {
		key, value, _ := strings.Cut(a, "=")
		out[key] = value
	}
	return out
}

// ingressTLS builds spec.tls from the rules that have ",tls": a host goes
// into the entry of its secret, each host once, as buildTLSRules.
func ingressTLS(rules []string) []api.IngressTLS {
	var out []api.IngressTLS
	seen := map[string]bool{}
	for _, r := range rules {
		parts := strings.Split(r, ",")
		if len(parts) != 2 {
			continue
		}
		host, _, _ := strings.Cut(r, "/")
		secret := ""
		if s := strings.Split(parts[1], "="); len(s) > 1 {
			secret = s[1]
		}
		if seen[host] {
			continue
		}
		seen[host] = true
		if i := tlsIndex(out, secret); i >= 0 {
			out[i].Hosts = append(out[i].Hosts, host)
			continue
		}
		t := api.IngressTLS{SecretName: secret}
		if host != "" {
			t.Hosts = []string{host}
		}
		if t.SecretName != "" || len(t.Hosts) > 0 {
			out = append(out, t)
		}
	}
	return out
}

func tlsIndex(list []api.IngressTLS, secret string) int {
	for i, t := range list {
		if t.SecretName == secret {
			return i
		}
	}
	return -1
}

// ingressRules builds spec.rules: one rule per host, its paths in the
// order given.
func ingressRules(rules []string) []api.IngressRule {
	var out []api.IngressRule
	for _, r := range rules {
		r, _, _ = strings.Cut(r, ",")
		host, pathSvc, _ := strings.Cut(r, "/")
		p := ingressPath(pathSvc)
		if i := ruleIndex(out, host); i >= 0 {
			out[i].HTTP.Paths = append(out[i].HTTP.Paths, p)
			continue
		}
		out = append(out, api.IngressRule{Host: host, IngressRuleValue: api.IngressRuleValue{HTTP: &api.HTTPIngressRuleValue{Paths: []api.HTTPIngressPath{p}}}})
	}
	return out
}

func ruleIndex(list []api.IngressRule, host string) int {
	for i, r := range list {
		if r.Host == host {
			return i
		}
	}
	return -1
}

// ingressPath reads "path=svc:port" (the leading "/" already cut): a
// trailing "*" makes the path a Prefix one, else it is Exact.
func ingressPath(pathSvc string) api.HTTPIngressPath {
	parts := strings.Split(pathSvc, "=")
	path, pathType := "/"+parts[0], "Exact"
	if strings.HasSuffix(path, "*") {
		path, pathType = strings.TrimSuffix(path, "*"), "Prefix"
	}
	return api.HTTPIngressPath{Path: path, PathType: &pathType, Backend: *ingressBackend(parts[1])}
}

// ingressBackend reads "svc:port"; a port that is a number is a number,
// anything else a port name (intstr.Parse).
func ingressBackend(svc string) *api.IngressBackend {
	parts := strings.Split(svc, ":")
	b := &api.IngressServiceBackend{Name: parts[0]}
	if n, err := strconv.Atoi(parts[1]); err == nil {
		b.Port.Number = int32(n)
	} else {
		b.Port.Name = parts[1]
	}
	return &api.IngressBackend{Service: b}
}
