package apiserver

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Registry strategies of networking.k8s.io/v1 Ingresses and IngressClasses
// (pkg/apis/networking/v1/defaults.go, pkg/registry/networking/*,
// pkg/apis/networking/validation), with the DefaultIngressClass admission
// plugin.

const (
	ingressClassAnnotation        = "kubernetes.io/ingress.class"
	defaultIngressClassAnnotation = "ingressclass.kubernetes.io/is-default-class"
	maxLenIngressClassController  = 250
)

var (
	ingressPathTypes             = []string{"Exact", "ImplementationSpecific", "Prefix"}
	invalidIngressPathSequences  = []string{"//", "/./", "/../", "%2f", "%2F"}
	invalidIngressPathSuffixes   = []string{"/..", "/."}
	ingressClassParametersScopes = []string{"Cluster", "Namespace"}
)

func init() {
	strategies["Ingress.networking.k8s.io"] = &strategy{
		prepareCreate: func(s *Server, obj api.Object) {
			ing := obj.(*api.Ingress)
			ing.Status = api.IngressStatus{}
			s.admitDefaultIngressClass(ing)
		},
		validate:       validateIngress,
		validateUpdate: func(obj, old api.Object) []FieldError { return validateIngressSpec(obj.(*api.Ingress)) },
	}
	strategies["IngressClass.networking.k8s.io"] = &strategy{
		prepareCreate: func(s *Server, obj api.Object) { defaultIngressClass(obj.(*api.IngressClass)) },
		prepareUpdate: func(s *Server, obj, _ api.Object) { defaultIngressClass(obj.(*api.IngressClass)) },
		validate: func(s *Server, obj api.Object) []FieldError {
			if !creating(obj) {
				return nil
			}
			return validateIngressClassSpec(&obj.(*api.IngressClass).Spec)
		},
		validateUpdate: func(obj, old api.Object) []FieldError {
			spec := &obj.(*api.IngressClass).Spec
			errs := immutable("spec.controller", spec.Controller, old.(*api.IngressClass).Spec.Controller)
			return append(errs, validateIngressClassSpec(spec)...)
		},
	}
}

// admitDefaultIngressClass is the DefaultIngressClass admission plugin: an
// Ingress that names no class, by field or annotation, gets the default
// IngressClass, the newest if several are marked.
func (s *Server) admitDefaultIngressClass(ing *api.Ingress) {
	if ing.Spec.IngressClassName != nil {
		return
	}
	if _, ok := ing.Annotations[ingressClassAnnotation]; ok {
		return
	}
	l, err := s.List(resourceOf("ingressclasses"), "", ListOptions{})
	if err != nil {
		return
	}
	var best *api.IngressClass
	for _, o := range l.Items {
		c := o.(*api.IngressClass)
		if c.Annotations[defaultIngressClassAnnotation] == "true" && (best == nil || newer(&c.ObjectMeta, &best.ObjectMeta)) {
			best = c
		}
	}
	if best != nil {
		ing.Spec.IngressClassName = api.Ptr(best.Name)
	}
}

// validateIngress is ValidateIngressCreate; an update is checked by the
// spec alone (kube-apiserver tolerates on update the invalid secret names
// and wildcard rules older versions stored; the playground stores none).
func validateIngress(s *Server, obj api.Object) []FieldError {
	if !creating(obj) {
		return nil
	}
	ing := obj.(*api.Ingress)
	errs := validateIngressSpec(ing)
	if a, ok := ing.Annotations[ingressClassAnnotation]; ok && ing.Spec.IngressClassName != nil && a != *ing.Spec.IngressClassName {
		errs = append(errs, Invalid("annotations."+ingressClassAnnotation, a, "must match `ingressClassName` when both are specified"))
	}
	if len(errs) == 0 {
		if _, ok := ing.Annotations[ingressClassAnnotation]; ok {
			s.warnings = append(s.warnings, "metadata.annotations[kubernetes.io/ingress.class]: deprecated in v1.18+, use spec.ingressClassName instead")
		}
	}
	return errs
}

func validateIngressSpec(ing *api.Ingress) []FieldError {
	spec := &ing.Spec
	var errs []FieldError
	if len(spec.Rules) == 0 && spec.DefaultBackend == nil {
		errs = append(errs, Invalid("spec", internal("networking", spec.Rules), "either `defaultBackend` or `rules` must be specified"))
	}
	if spec.DefaultBackend != nil {
		errs = append(errs, validateIngressBackend(spec.DefaultBackend, "spec.defaultBackend")...)
	}
	for i, rule := range spec.Rules {
		p := fmt.Sprintf("spec.rules[%d]", i)
		if rule.Host != "" {
			if _, err := netip.ParseAddr(rule.Host); err == nil {
				errs = append(errs, Invalid(p+".host", rule.Host, "must be a DNS name, not an IP address"))
			}
			errs = append(errs, hostErrors(p+".host", rule.Host)...)
		}
		if h := rule.HTTP; h != nil {
			if len(h.Paths) == 0 {
				errs = append(errs, Required(p+".http.paths", ""))
			}
			for j := range h.Paths {
				errs = append(errs, validateIngressPath(&h.Paths[j], fmt.Sprintf("%s.http.paths[%d]", p, j))...)
			}
		}
	}
	for i, tls := range spec.TLS {
		for j, host := range tls.Hosts {
			errs = append(errs, hostErrors(fmt.Sprintf("spec.tls[%d].hosts[%d]", i, j), host)...)
		}
		if tls.SecretName != "" {
			errs = append(errs, dnsSubdomain(fmt.Sprintf("spec.tls[%d].secretName", i), tls.SecretName)...)
		}
	}
	if c := spec.IngressClassName; c != nil {
		errs = append(errs, dnsSubdomain("spec.ingressClassName", *c)...)
	}
	return errs
}

var wildcardSubdomainRe = regexp.MustCompile(`^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// hostErrors checks a host as a DNS subdomain, or a wildcard one (*.a.b).
func hostErrors(field, host string) []FieldError {
	if !strings.Contains(host, "*") {
		return dnsSubdomain(field, host)
	}
	var errs []FieldError
	if len(host) > 253 {
		errs = append(errs, Invalid(field, host, maxLenError(253)))
	}
	if !wildcardSubdomainRe.MatchString(host) {
		errs = append(errs, Invalid(field, host, regexError("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character", `\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`, "*.example.com")))
	}
	return errs
}

func validateIngressPath(path *api.HTTPIngressPath, p string) []FieldError {
	if path.PathType == nil {
		return []FieldError{Required(p+".pathType", "pathType must be specified")}
	}
	var errs []FieldError
	switch *path.PathType {
	case "Exact", "Prefix":
		if !strings.HasPrefix(path.Path, "/") {
			errs = append(errs, Invalid(p+".path", path.Path, "must be an absolute path"))
		}
		if path.Path != "" {
			for _, seq := range invalidIngressPathSequences {
				if strings.Contains(path.Path, seq) {
					errs = append(errs, Invalid(p+".path", path.Path, fmt.Sprintf("must not contain '%s'", seq)))
				}
			}
			for _, suffix := range invalidIngressPathSuffixes {
				if strings.HasSuffix(path.Path, suffix) {
					errs = append(errs, Invalid(p+".path", path.Path, fmt.Sprintf("cannot end with '%s'", suffix)))
				}
			}
		}
	case "ImplementationSpecific":
		if path.Path != "" && !strings.HasPrefix(path.Path, "/") {
			errs = append(errs, Invalid(p+".path", path.Path, "must be an absolute path"))
		}
	default:
		errs = append(errs, NotSupported(p+".pathType", *path.PathType, ingressPathTypes))
	}
	return append(errs, validateIngressBackend(&path.Backend, p+".backend")...)
}

func validateIngressBackend(b *api.IngressBackend, p string) []FieldError {
	switch {
	case b.Resource != nil && b.Service != nil:
		return []FieldError{Invalid(p, "", "cannot set both resource and service backends")}
	case b.Resource != nil:
		return validateTypedLocalObjectReference(b.Resource, p+".resource")
	case b.Service != nil:
		var errs []FieldError
		if b.Service.Name == "" {
			errs = append(errs, Required(p+".service.name", ""))
		} else {
			for _, msg := range isDNS1035Label(b.Service.Name) {
				errs = append(errs, Invalid(p+".service.name", b.Service.Name, msg))
			}
		}
		port := b.Service.Port
		switch {
		case port.Name != "" && port.Number != 0:
			errs = append(errs, Invalid(p, "", "cannot set both port name & port number"))
		case port.Name != "":
			for _, msg := range portNameErrors(port.Name) {
				errs = append(errs, Invalid(p+".service.port.name", port.Name, msg))
			}
		case port.Number != 0:
			for _, msg := range portNumErrors(int(port.Number)) {
				errs = append(errs, Invalid(p+".service.port.number", port.Number, msg))
			}
		default:
			errs = append(errs, Required(p, "port name or number is required"))
		}
		return errs
	}
	return []FieldError{Invalid(p, "", "resource or service backend is required")}
}

func validateTypedLocalObjectReference(ref *api.TypedLocalObjectReference, p string) []FieldError {
	var errs []FieldError
	if ref.APIGroup != nil {
		errs = append(errs, dnsSubdomain(p+".apiGroup", *ref.APIGroup)...)
	}
	errs = append(errs, pathSegment(p+".kind", ref.Kind, "kind is required")...)
	return append(errs, pathSegment(p+".name", ref.Name, "name is required")...)
}

func pathSegment(field, v, required string) []FieldError {
	if v == "" {
		return []FieldError{Required(field, required)}
	}
	var errs []FieldError
	for _, msg := range pathSegmentErrors(v) {
		errs = append(errs, Invalid(field, v, msg))
	}
	return errs
}

// defaultIngressClass is SetDefaults_IngressClass: parameters are
// cluster-scoped unless said otherwise.
func defaultIngressClass(c *api.IngressClass) {
	if p := c.Spec.Parameters; p != nil && p.Scope == nil {
		p.Scope = api.Ptr("Cluster")
	}
}

func validateIngressClassSpec(spec *api.IngressClassSpec) []FieldError {
	var errs []FieldError
	if len(spec.Controller) > maxLenIngressClassController {
		errs = append(errs, TooLong("spec.controller", maxLenIngressClassController))
	}
	errs = append(errs, domainPrefixedPath("spec.controller", spec.Controller)...)
	params := spec.Parameters
	if params == nil {
		return errs
	}
	const p = "spec.parameters"
	errs = append(errs, validateTypedLocalObjectReference(&api.TypedLocalObjectReference{APIGroup: params.APIGroup, Kind: params.Kind, Name: params.Name}, p)...)
	if params.Scope == nil {
		return append(errs, Required(p+".scope", ""))
	}
	switch scope := *params.Scope; scope {
	case "Namespace":
		if params.Namespace == nil {
			errs = append(errs, Required(p+".namespace", "`parameters.scope` is set to 'Namespace'"))
		} else {
			for _, msg := range dnsLabelErrors(*params.Namespace) {
				errs = append(errs, Invalid(p+".namespace", *params.Namespace, msg))
			}
		}
	case "Cluster":
		if params.Namespace != nil {
			errs = append(errs, Forbidden(p+".namespace", "`parameters.scope` is set to 'Cluster'"))
		}
	default:
		errs = append(errs, NotSupported(p+".scope", scope, ingressClassParametersScopes))
	}
	return errs
}
