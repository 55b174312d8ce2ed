package apiserver

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Validation with the API server's field paths and messages.

func validateMeta(r *api.ResourceInfo, meta *api.ObjectMeta) []FieldError {
	var errs []FieldError
	if meta.Name == "" {
		errs = append(errs, Required("metadata.name", "name or generateName is required"))
	} else {
		for _, msg := range nameRule(r)(meta.Name) {
			errs = append(errs, Invalid("metadata.name", meta.Name, msg))
		}
	}
	errs = append(errs, validateLabels(meta.Labels, "metadata.labels")...)
	if !annotationKeysValid(meta.Annotations) {
		// The errors are given in the keys' order.
		for _, k := range slices.Sorted(maps.Keys(meta.Annotations)) {
			for _, msg := range api.ValidateQualifiedName(strings.ToLower(k)) {
				errs = append(errs, Invalid("metadata.annotations", k, msg))
			}
		}
	}
	return errs
}

// annotationKeysValid reports whether every annotation key is valid, in
// no particular order: every create checks them, and sorting the keys
// matters only for the errors' order.
func annotationKeysValid(annotations map[string]string) bool {
	for k := range annotations {
		if len(api.ValidateQualifiedName(strings.ToLower(k))) > 0 {
			return false
		}
	}
	return true
}

// nameRule returns the name check for a kind: most are DNS subdomains;
// namespaces and StatefulSets (whose pods take their name) are DNS labels;
// services are DNS-1035 labels.
func nameRule(r *api.ResourceInfo) func(string) []string {
	switch r.GroupKind() {
	case "Namespace", "StatefulSet.apps":
		return dnsLabelErrors
	case "Service":
		return isDNS1035Label
	}
	return api.IsDNS1123Subdomain
}

var dns1035LabelRe = regexp.MustCompile("^[a-z]([-a-z0-9]*[a-z0-9])?$")

func isDNS1035Label(v string) []string {
	var errs []string
	if len(v) > 63 {
		errs = append(errs, maxLenError(63))
	}
	if !dns1035LabelRe.MatchString(v) {
		errs = append(errs, regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", "[a-z]([-a-z0-9]*[a-z0-9])?", "my-name", "abc-123"))
	}
	return errs
}

func validateLabels(labels map[string]string, path string) []FieldError {
	if labelsValid(labels) {
		return nil
	}
	var errs []FieldError
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		for _, msg := range api.ValidateQualifiedName(k) {
			errs = append(errs, Invalid(path, k, msg))
		}
		for _, msg := range api.IsValidLabelValue(labels[k]) {
			errs = append(errs, Invalid(path, labels[k], msg))
		}
	}
	return errs
}

// labelsValid reports whether every label is valid, in no particular
// order (validateLabels sorts the keys only to give its errors in order).
func labelsValid(labels map[string]string) bool {
	for k, v := range labels {
		if len(api.ValidateQualifiedName(k)) > 0 || len(api.IsValidLabelValue(v)) > 0 {
			return false
		}
	}
	return true
}

func validatePod(s *Server, obj api.Object) []FieldError {
	p := obj.(*api.Pod)
	errs := validatePodSpec(&p.Spec, "spec")
	errs = append(errs, validateEphemeralContainers(&p.Spec, "spec.ephemeralContainers")...)
	if creating(obj) && len(p.Spec.EphemeralContainers) > 0 {
		// Ephemeral containers come only through pods/ephemeralcontainers.
		errs = append(errs, Forbidden("spec.ephemeralContainers", "cannot be set on create"))
	}
	return errs
}

func validatePodSpec(spec *api.PodSpec, path string) []FieldError {
	var errs []FieldError
	if len(spec.Containers) == 0 {
		errs = append(errs, Required(path+".containers", ""))
	}
	names := map[string]bool{}
	errs = append(errs, validateContainers(spec.InitContainers, path+".initContainers", names)...)
	errs = append(errs, validateContainers(spec.Containers, path+".containers", names)...)
	switch spec.RestartPolicy {
	case api.RestartAlways, api.RestartOnFailure, api.RestartNever:
	default:
		errs = append(errs, NotSupported(path+".restartPolicy", spec.RestartPolicy, []string{api.RestartAlways, api.RestartNever, api.RestartOnFailure}))
	}
	switch spec.DNSPolicy {
	case "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None":
	default:
		errs = append(errs, NotSupported(path+".dnsPolicy", spec.DNSPolicy, []string{"ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"}))
	}
	vols := map[string]bool{}
	for i, v := range spec.Volumes {
		f := fmt.Sprintf("%s.volumes[%d].name", path, i)
		for _, msg := range api.IsDNS1123Label(v.Name) {
			errs = append(errs, Invalid(f, v.Name, msg))
		}
		if vols[v.Name] {
			errs = append(errs, Duplicate(f, v.Name))
		}
		vols[v.Name] = true
	}
	return errs
}

func validateContainers(cs []api.Container, path string, names map[string]bool) []FieldError {
	var errs []FieldError
	for i, c := range cs {
		p := fmt.Sprintf("%s[%d]", path, i)
		if c.Name == "" {
			errs = append(errs, Required(p+".name", ""))
		} else {
			for _, msg := range api.IsDNS1123Label(c.Name) {
				errs = append(errs, Invalid(p+".name", c.Name, msg))
			}
			if names[c.Name] {
				errs = append(errs, Duplicate(p+".name", c.Name))
			}
			names[c.Name] = true
		}
		if strings.TrimSpace(c.Image) == "" {
			errs = append(errs, Required(p+".image", ""))
		}
		for j, port := range c.Ports {
			if port.ContainerPort < 1 || port.ContainerPort > 65535 {
				errs = append(errs, Invalid(fmt.Sprintf("%s.ports[%d].containerPort", p, j), port.ContainerPort, "must be between 1 and 65535, inclusive"))
			}
		}
		switch c.ImagePullPolicy {
		case "Always", "IfNotPresent", "Never":
		default:
			errs = append(errs, NotSupported(p+".imagePullPolicy", c.ImagePullPolicy, []string{"Always", "IfNotPresent", "Never"}))
		}
	}
	return errs
}

// validatePodUpdate allows only the fields of a pod's spec that Kubernetes
// lets change after creation.
func validatePodUpdate(obj, old api.Object) []FieldError {
	p, o := api.Clone(obj.(*api.Pod)), old.(*api.Pod)
	// Mutable: container images, activeDeadlineSeconds, added tolerations,
	// terminationGracePeriodSeconds (to 1 when negative), scheduling gates removal.
	for i := range p.Spec.Containers {
		if i < len(o.Spec.Containers) {
			p.Spec.Containers[i].Image = o.Spec.Containers[i].Image
		}
	}
	for i := range p.Spec.InitContainers {
		if i < len(o.Spec.InitContainers) {
			p.Spec.InitContainers[i].Image = o.Spec.InitContainers[i].Image
		}
	}
	p.Spec.ActiveDeadlineSeconds = o.Spec.ActiveDeadlineSeconds
	p.Spec.Tolerations = o.Spec.Tolerations
	p.Spec.SchedulingGates = o.Spec.SchedulingGates
	if o.Spec.NodeName == "" {
		p.Spec.NodeName = ""
	}
	if reflect.DeepEqual(p.Spec, o.Spec) {
		return nil
	}
	return []FieldError{Forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)")}
}

func validateNode(s *Server, obj api.Object) []FieldError { return nil }

func validateNamespace(s *Server, obj api.Object) []FieldError { return nil }

var (
	serviceTypes            = []string{"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}
	sessionAffinities       = []string{"ClientIP", "None"}
	ipFamilyPolicies        = []string{"PreferDualStack", "RequireDualStack", "SingleStack"}
	trafficPolicies         = []string{"Cluster", "Local"}
	trafficDistributions    = []string{"PreferClose", "PreferSameZone", "PreferSameNode"}
	maxClientIPAffinityTime = int32(86400)
)

func isHeadless(svc *api.Service) bool {
	return len(svc.Spec.ClusterIPs) == 1 && svc.Spec.ClusterIPs[0] == "None"
}

// externallyAccessible is service.ExternallyAccessible: node ports, load
// balancers, or external IPs.
func externallyAccessible(spec *api.ServiceSpec) bool {
	return needsNodePort(spec.Type) || spec.Type == "ClusterIP" && len(spec.ExternalIPs) > 0
}

// validateService is ValidateService. An update's own checks come first
// (validateServiceUpdate), so updates are validated there in full.
func validateService(s *Server, obj api.Object) []FieldError {
	if !creating(obj) {
		return nil
	}
	return validateServiceSpec(obj.(*api.Service))
}

func validateServiceSpec(svc *api.Service) []FieldError {
	spec := &svc.Spec
	var errs []FieldError
	if len(spec.Ports) == 0 && !isHeadless(svc) && spec.Type != "ExternalName" {
		errs = append(errs, Required("spec.ports", ""))
	}
	switch spec.Type {
	case "LoadBalancer", "NodePort":
		if isHeadless(svc) {
			errs = append(errs, Invalid("spec.clusterIPs[0]", spec.ClusterIPs[0], "may not be set to 'None' for "+spec.Type+" services"))
		}
	case "ExternalName":
		if len(spec.ClusterIPs) > 0 {
			errs = append(errs, Forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
		}
		if len(spec.IPFamilies) > 0 {
			errs = append(errs, Forbidden("spec.ipFamilies", "may not be set for ExternalName services"))
		}
		if spec.IPFamilyPolicy != nil {
			errs = append(errs, Forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"))
		}
		// A CNAME may end with a dot, fully qualified.
		if cname := strings.TrimSuffix(spec.ExternalName, "."); cname != "" {
			errs = append(errs, dnsSubdomain("spec.externalName", cname)...)
		} else {
			errs = append(errs, Required("spec.externalName", ""))
		}
	}
	names := map[string]bool{}
	for i := range spec.Ports {
		errs = append(errs, validateServicePort(&spec.Ports[i], len(spec.Ports) > 1, names, fmt.Sprintf("spec.ports[%d]", i))...)
	}
	if spec.Selector != nil {
		errs = append(errs, validateLabels(spec.Selector, "spec.selector")...)
	}
	switch {
	case spec.SessionAffinity == "":
		errs = append(errs, Required("spec.sessionAffinity", ""))
	case !slices.Contains(sessionAffinities, spec.SessionAffinity):
		errs = append(errs, NotSupported("spec.sessionAffinity", spec.SessionAffinity, sessionAffinities))
	}
	if spec.SessionAffinity == "ClientIP" {
		const p, when = "spec.sessionAffinityConfig", "when session affinity type is ClientIP"
		switch c := spec.SessionAffinityConfig; {
		case c == nil:
			errs = append(errs, Required(p, when))
		case c.ClientIP == nil:
			errs = append(errs, Required(p+".clientIP", when))
		case c.ClientIP.TimeoutSeconds == nil:
			errs = append(errs, Required(p+".clientIP.timeoutSeconds", when))
		case *c.ClientIP.TimeoutSeconds <= 0 || *c.ClientIP.TimeoutSeconds > maxClientIPAffinityTime:
			errs = append(errs, Invalid(p+".clientIP.timeoutSeconds", *c.ClientIP.TimeoutSeconds, fmt.Sprintf("must be greater than 0 and less than %d", maxClientIPAffinityTime)))
		}
	} else if spec.SessionAffinity == "None" && spec.SessionAffinityConfig != nil {
		errs = append(errs, Forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"))
	}
	errs = append(errs, validateClusterIPFields(svc)...)
	for i, ip := range spec.ExternalIPs {
		f := fmt.Sprintf("spec.externalIPs[%d]", i)
		if e := ipErrors(f, ip); len(e) > 0 {
			errs = append(errs, e...)
		} else {
			errs = append(errs, nonSpecialIP(f, ip)...)
		}
	}
	switch {
	case spec.Type == "":
		errs = append(errs, Required("spec.type", ""))
	case !slices.Contains(serviceTypes, spec.Type):
		errs = append(errs, NotSupported("spec.type", spec.Type, serviceTypes))
	}
	if spec.Type == "ClusterIP" {
		for i, p := range spec.Ports {
			if p.NodePort != 0 {
				errs = append(errs, Forbidden(fmt.Sprintf("spec.ports[%d].nodePort", i), "may not be used when `type` is 'ClusterIP'"))
			}
		}
	}
	type protoPort struct {
		protocol string
		port     int32
	}
	nodePorts, ports := map[protoPort]bool{}, map[protoPort]bool{}
	for i, p := range spec.Ports {
		if p.NodePort != 0 {
			if key := (protoPort{p.Protocol, p.NodePort}); nodePorts[key] {
				errs = append(errs, Duplicate(fmt.Sprintf("spec.ports[%d].nodePort", i), p.NodePort))
			} else {
				nodePorts[key] = true
			}
		}
	}
	for i, p := range spec.Ports {
		if key := (protoPort{p.Protocol, p.Port}); ports[key] {
			errs = append(errs, Duplicate(fmt.Sprintf("spec.ports[%d]", i), goSyntax(fmt.Sprintf(`core.ServicePort{Name:"", Protocol:%q, AppProtocol:(*string)(nil), Port:%d, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`, p.Protocol, p.Port))))
		} else {
			ports[key] = true
		}
	}
	if len(spec.LoadBalancerSourceRanges) > 0 {
		// The field path is capitalized so in kube-apiserver.
		const p = "spec.LoadBalancerSourceRanges"
		if spec.Type != "LoadBalancer" {
			errs = append(errs, Forbidden(p, "may only be used when `type` is 'LoadBalancer'"))
		}
		for i, r := range spec.LoadBalancerSourceRanges {
			errs = append(errs, cidrErrors(fmt.Sprintf("%s[%d]", p, i), strings.TrimSpace(r))...)
		}
	}
	if spec.AllocateLoadBalancerNodePorts != nil && spec.Type != "LoadBalancer" {
		errs = append(errs, Forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"))
	}
	if c := spec.LoadBalancerClass; c != nil {
		if spec.Type != "LoadBalancer" {
			errs = append(errs, Forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'"))
		} else {
			errs = append(errs, qualifiedName("spec.loadBalancerClass", *c)...)
		}
	}
	if !externallyAccessible(spec) {
		if spec.ExternalTrafficPolicy != "" {
			errs = append(errs, Invalid("spec.externalTrafficPolicy", spec.ExternalTrafficPolicy, "may only be set for externally-accessible services"))
		}
	} else if spec.ExternalTrafficPolicy == "" {
		errs = append(errs, Required("spec.externalTrafficPolicy", ""))
	} else if !slices.Contains(trafficPolicies, spec.ExternalTrafficPolicy) {
		errs = append(errs, NotSupported("spec.externalTrafficPolicy", spec.ExternalTrafficPolicy, trafficPolicies))
	}
	if spec.HealthCheckNodePort != 0 && !(spec.Type == "LoadBalancer" && spec.ExternalTrafficPolicy == "Local") {
		errs = append(errs, Invalid("spec.healthCheckNodePort", spec.HealthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
	}
	if itp := spec.InternalTrafficPolicy; itp == nil {
		if spec.Type != "ExternalName" {
			errs = append(errs, Required("spec.internalTrafficPolicy", ""))
		}
	} else if !slices.Contains(trafficPolicies, *itp) {
		errs = append(errs, NotSupported("spec.internalTrafficPolicy", *itp, trafficPolicies))
	}
	if td := spec.TrafficDistribution; td != nil && !slices.Contains(trafficDistributions, *td) {
		errs = append(errs, NotSupported("spec.trafficDistribution", *td, trafficDistributions))
	}
	if len(errs) > 0 {
		return errs
	}
	// The allocators' words, once the service is valid: this cluster is
	// single-stack IPv4, its node ports 30000-32767.
	if p := spec.IPFamilyPolicy; p != nil && *p == "RequireDualStack" {
		errs = append(errs, Invalid("spec.ipFamilyPolicy", *p, "this cluster is not configured for dual-stack services"))
	}
	for i, f := range spec.IPFamilies {
		if f == "IPv6" {
			errs = append(errs, Invalid(fmt.Sprintf("spec.ipFamilies[%d]", i), f, "not configured on this cluster"))
		}
	}
	if needsNodePort(spec.Type) {
		for i, p := range spec.Ports {
			if p.NodePort != 0 && (p.NodePort < nodePortMin || p.NodePort > nodePortMax) {
				errs = append(errs, Invalid(fmt.Sprintf("spec.ports[%d].nodePort", i), p.NodePort, fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %d-%d", nodePortMin, nodePortMax)))
			}
		}
	}
	return errs
}

func validateServicePort(sp *api.ServicePort, requireName bool, names map[string]bool, p string) []FieldError {
	var errs []FieldError
	if requireName && sp.Name == "" {
		errs = append(errs, Required(p+".name", ""))
	} else if sp.Name != "" {
		errs = append(errs, dnsLabel(p+".name", sp.Name)...)
		if names[sp.Name] {
			errs = append(errs, Duplicate(p+".name", sp.Name))
		}
		names[sp.Name] = true
	}
	for _, msg := range portNumErrors(int(sp.Port)) {
		errs = append(errs, Invalid(p+".port", sp.Port, msg))
	}
	errs = append(errs, protocolErrors(p+".protocol", sp.Protocol)...)
	errs = append(errs, portNumOrName(p+".targetPort", sp.TargetPort)...)
	if sp.AppProtocol != nil {
		errs = append(errs, qualifiedName(p+".appProtocol", *sp.AppProtocol)...)
	}
	return errs
}

// validateClusterIPFields is ValidateServiceClusterIPsRelatedFields.
func validateClusterIPFields(svc *api.Service) []FieldError {
	spec := &svc.Spec
	if spec.Type == "ExternalName" {
		return nil
	}
	var errs []FieldError
	const ipsField = "spec.clusterIPs"
	if spec.ClusterIP != "" {
		if len(spec.ClusterIPs) == 0 {
			errs = append(errs, Required(ipsField, ""))
		} else if spec.ClusterIPs[0] != spec.ClusterIP {
			errs = append(errs, Invalid(ipsField, spec.ClusterIPs, "first value must match `clusterIP`"))
		}
	} else if len(spec.ClusterIPs) != 0 {
		errs = append(errs, Invalid(ipsField, spec.ClusterIPs, "must be empty when `clusterIP` is not specified"))
	}
	seen := map[string]bool{}
	for i, f := range spec.IPFamilies {
		if f != "IPv4" && f != "IPv6" {
			errs = append(errs, NotSupported(fmt.Sprintf("spec.ipFamilies[%d]", i), f, []string{"IPv4", "IPv6"}))
		}
		if seen[f] {
			errs = append(errs, Duplicate(fmt.Sprintf("spec.ipFamilies[%d]", i), f))
		}
		seen[f] = true
	}
	if p := spec.IPFamilyPolicy; p != nil && !slices.Contains(ipFamilyPolicies, *p) {
		errs = append(errs, NotSupported("spec.ipFamilyPolicy", *p, ipFamilyPolicies))
	}
	for i, ip := range spec.ClusterIPs {
		if i == 0 && ip == "None" {
			if len(spec.ClusterIPs) > 1 {
				errs = append(errs, Invalid(ipsField, spec.ClusterIPs, "'None' must be the first and only value"))
			}
			continue
		}
		errs = append(errs, ipErrors(fmt.Sprintf("%s[%d]", ipsField, i), ip)...)
	}
	if len(spec.ClusterIPs) > 2 {
		errs = append(errs, Invalid(ipsField, spec.ClusterIPs, "may only hold up to 2 values"))
	}
	return errs
}

// validateServiceUpdate is ValidateServiceUpdate: a cluster IP may not
// change (unless to or from ExternalName), nor the health check node port,
// nor a load balancer's class; then the service is validated.
func validateServiceUpdate(obj, old api.Object) []FieldError {
	svc, o := obj.(*api.Service), old.(*api.Service)
	var errs []FieldError
	if svc.Spec.Type != "ExternalName" && o.Spec.Type != "ExternalName" && !(isHeadless(svc) && isHeadless(o)) {
		ips, oldIPs := svc.Spec.ClusterIPs, o.Spec.ClusterIPs
		switch {
		case len(oldIPs) == len(ips):
			for i := range oldIPs {
				if oldIPs[i] != ips[i] {
					errs = append(errs, Invalid(fmt.Sprintf("spec.clusterIPs[%d]", i), ips, "may not change once set"))
				}
			}
		case len(oldIPs) > len(ips):
			if len(ips) == 0 {
				errs = append(errs, Invalid("spec.clusterIPs[0]", ips, "primary clusterIP can not be unset"))
			} else if ips[0] != oldIPs[0] {
				errs = append(errs, Invalid("spec.clusterIPs[0]", ips, "may not change once set"))
			}
		case len(oldIPs) > 0 && ips[0] != oldIPs[0]:
			errs = append(errs, Invalid("spec.clusterIPs[0]", ips, "may not change once set"))
		}
	}
	if o.Spec.Type == "LoadBalancer" && svc.Spec.Type == "LoadBalancer" && !equalPtr(o.Spec.LoadBalancerClass, svc.Spec.LoadBalancerClass) {
		errs = append(errs, Invalid("spec.loadBalancerClass", svc.Spec.LoadBalancerClass, "may not change once set"))
	}
	needsHealthCheck := func(s *api.Service) bool {
		return s.Spec.Type == "LoadBalancer" && s.Spec.ExternalTrafficPolicy == "Local"
	}
	if needsHealthCheck(o) && needsHealthCheck(svc) && svc.Spec.HealthCheckNodePort != o.Spec.HealthCheckNodePort {
		errs = append(errs, Forbidden("spec.healthCheckNodePort", "field is immutable"))
	}
	return append(errs, validateServiceSpec(svc)...)
}

// validateReplicaSetTemplate is ValidatePodTemplateSpecForReplicaSet, which
// Deployments use too (their pods' messages name ReplicaSets).
func validateReplicaSetTemplate(sel *api.LabelSelector, tmpl *api.PodTemplateSpec) []FieldError {
	s, err := api.SelectorFromLabelSelector(sel)
	if err != nil {
		return []FieldError{Invalid("spec.selector", sel, "invalid label selector")}
	}
	var errs []FieldError
	if !s.Empty() && !s.Matches(tmpl.Labels) {
		errs = append(errs, Invalid("spec.template.metadata.labels", tmpl.Labels, "`selector` does not match template `labels`"))
	}
	errs = append(errs, validatePodTemplateSpec(tmpl, "spec.template")...)
	return append(errs, alwaysRestart(&tmpl.Spec, "spec.template.spec", "ReplicaSet")...)
}

// validateDeployment is ValidateDeploymentSpec.
func validateDeployment(s *Server, obj api.Object) []FieldError {
	spec := &obj.(*api.Deployment).Spec
	errs := nonNegative("spec.replicas", int64(api.Deref(spec.Replicas, 1)))
	errs = append(errs, validateWorkloadSelector(spec.Selector, "deployment", true)...)
	errs = append(errs, validateReplicaSetTemplate(spec.Selector, &spec.Template)...)
	errs = append(errs, validateDeploymentStrategy(&spec.Strategy)...)
	errs = append(errs, nonNegative("spec.minReadySeconds", int64(spec.MinReadySeconds))...)
	if l := spec.RevisionHistoryLimit; l != nil {
		errs = append(errs, nonNegative("spec.revisionHistoryLimit", int64(*l))...)
	}
	if pds := spec.ProgressDeadlineSeconds; pds != nil {
		errs = append(errs, nonNegative("spec.progressDeadlineSeconds", int64(*pds))...)
		if *pds <= spec.MinReadySeconds {
			errs = append(errs, Invalid("spec.progressDeadlineSeconds", *pds, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

func validateDeploymentStrategy(st *api.DeploymentStrategy) []FieldError {
	const p = "spec.strategy"
	switch st.Type {
	case "Recreate":
		if st.RollingUpdate != nil {
			return []FieldError{Forbidden(p+".rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")}
		}
	case "RollingUpdate":
		ru := st.RollingUpdate
		if ru == nil {
			return []FieldError{Required(p+".rollingUpdate", "this should be defaulted and never be nil")}
		}
		mu, ms := api.Deref(ru.MaxUnavailable, api.FromInt(0)), api.Deref(ru.MaxSurge, api.FromInt(0))
		errs := validateIntOrPercent(mu, p+".rollingUpdate.maxUnavailable")
		errs = append(errs, validateIntOrPercent(ms, p+".rollingUpdate.maxSurge")...)
		if intOrPercent(mu) == 0 && intOrPercent(ms) == 0 {
			errs = append(errs, Invalid(p+".rollingUpdate.maxUnavailable", intstrValue(mu), "may not be 0 when `maxSurge` is 0"))
		}
		return append(errs, notMoreThan100Percent(mu, p+".rollingUpdate.maxUnavailable")...)
	default:
		return []FieldError{NotSupported(p, internal("apps", st), []string{"Recreate", "RollingUpdate"})}
	}
	return nil
}

// validateReplicaSet is ValidateReplicaSetSpec (whose empty selector is
// "invalid for deployment", as kube-apiserver words it).
func validateReplicaSet(s *Server, obj api.Object) []FieldError {
	spec := &obj.(*api.ReplicaSet).Spec
	errs := nonNegative("spec.replicas", int64(api.Deref(spec.Replicas, 1)))
	errs = append(errs, nonNegative("spec.minReadySeconds", int64(spec.MinReadySeconds))...)
	errs = append(errs, validateWorkloadSelector(spec.Selector, "deployment", true)...)
	return append(errs, validateReplicaSetTemplate(spec.Selector, &spec.Template)...)
}

// validateDaemonSet is ValidateDaemonSetSpec. A missing selector is
// reported only as one that does not match the template.
func validateDaemonSet(s *Server, obj api.Object) []FieldError {
	spec := &obj.(*api.DaemonSet).Spec
	errs := validateLabelSelector(spec.Selector, "spec.selector")
	if sel, err := api.SelectorFromLabelSelector(spec.Selector); err == nil && !sel.Matches(spec.Template.Labels) {
		errs = append(errs, Invalid("spec.template.metadata.labels", spec.Template.Labels, "`selector` does not match template `labels`"))
	}
	if spec.Selector != nil && len(spec.Selector.MatchLabels)+len(spec.Selector.MatchExpressions) == 0 {
		errs = append(errs, Invalid("spec.selector", spec.Selector, "empty selector is invalid for daemonset"))
	}
	errs = append(errs, validatePodTemplateSpec(&spec.Template, "spec.template")...)
	errs = append(errs, alwaysRestart(&spec.Template.Spec, "spec.template.spec", "DaemonSet")...)
	errs = append(errs, nonNegative("spec.minReadySeconds", int64(spec.MinReadySeconds))...)
	const p = "spec.updateStrategy"
	switch st := &spec.UpdateStrategy; st.Type {
	case "OnDelete":
	case "RollingUpdate":
		if st.RollingUpdate == nil {
			errs = append(errs, Required(p+".rollingUpdate", ""))
			break
		}
		mu, ms := api.Deref(st.RollingUpdate.MaxUnavailable, api.FromInt(0)), api.Deref(st.RollingUpdate.MaxSurge, api.FromInt(0))
		errs = append(errs, validateIntOrPercent(mu, p+".rollingUpdate.maxUnavailable")...)
		errs = append(errs, validateIntOrPercent(ms, p+".rollingUpdate.maxSurge")...)
		errs = append(errs, notMoreThan100Percent(mu, p+".rollingUpdate.maxUnavailable")...)
		errs = append(errs, notMoreThan100Percent(ms, p+".rollingUpdate.maxSurge")...)
		switch hasU, hasS := intOrPercent(mu) != 0, intOrPercent(ms) != 0; {
		case hasU && hasS:
			errs = append(errs, Invalid(p+".rollingUpdate.maxSurge", intstrValue(ms), "may not be set when maxUnavailable is non-zero"))
		case !hasU && !hasS:
			errs = append(errs, Required(p+".rollingUpdate.maxUnavailable", "cannot be 0 when maxSurge is 0"))
		}
	default:
		errs = append(errs, NotSupported(p, internal("apps", st), []string{"RollingUpdate", "OnDelete"}))
	}
	if l := spec.RevisionHistoryLimit; l != nil {
		errs = append(errs, nonNegative("spec.revisionHistoryLimit", int64(*l))...)
	}
	return errs
}

func immutableSelector(sel, old *api.LabelSelector) []FieldError {
	return immutable("spec.selector", sel, old)
}

func validateDeploymentUpdate(obj, old api.Object) []FieldError {
	return immutableSelector(obj.(*api.Deployment).Spec.Selector, old.(*api.Deployment).Spec.Selector)
}

func validateReplicaSetUpdate(obj, old api.Object) []FieldError {
	return immutableSelector(obj.(*api.ReplicaSet).Spec.Selector, old.(*api.ReplicaSet).Spec.Selector)
}

func validateDaemonSetUpdate(obj, old api.Object) []FieldError {
	return immutableSelector(obj.(*api.DaemonSet).Spec.Selector, old.(*api.DaemonSet).Spec.Selector)
}
