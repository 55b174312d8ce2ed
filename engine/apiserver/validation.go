package apiserver

import (
	"fmt"
	"maps"
	"reflect"
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
	for _, k := range slices.Sorted(maps.Keys(meta.Annotations)) {
		for _, msg := range api.ValidateQualifiedName(strings.ToLower(k)) {
			errs = append(errs, Invalid("metadata.annotations", k, msg))
		}
	}
	return errs
}

// nameRule returns the name check for a kind: most are DNS subdomains;
// namespaces are DNS labels; services are DNS-1035 labels.
func nameRule(r *api.ResourceInfo) func(string) []string {
	switch r.Kind {
	case "Namespace":
		return api.IsDNS1123Label
	case "Service":
		return isDNS1035Label
	}
	return api.IsDNS1123Subdomain
}

func isDNS1035Label(v string) []string {
	if len(v) > 0 && v[0] >= '0' && v[0] <= '9' || strings.Contains(v, ".") || len(api.IsDNS1123Label(v)) > 0 {
		return []string{"a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"}
	}
	return nil
}

func validateLabels(labels map[string]string, path string) []FieldError {
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

func validatePod(s *Server, obj api.Object) []FieldError {
	return validatePodSpec(&obj.(*api.Pod).Spec, "spec")
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

func validateService(s *Server, obj api.Object) []FieldError {
	svc := obj.(*api.Service)
	var errs []FieldError
	switch svc.Spec.Type {
	case "ClusterIP", "NodePort", "LoadBalancer", "ExternalName":
	default:
		errs = append(errs, NotSupported("spec.type", svc.Spec.Type, []string{"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}))
	}
	if len(svc.Spec.Ports) == 0 && svc.Spec.ClusterIP != "None" && svc.Spec.Type != "ExternalName" {
		errs = append(errs, Required("spec.ports", ""))
	}
	for i, p := range svc.Spec.Ports {
		if p.Port < 1 || p.Port > 65535 {
			errs = append(errs, Invalid(fmt.Sprintf("spec.ports[%d].port", i), p.Port, "must be between 1 and 65535, inclusive"))
		}
		if len(svc.Spec.Ports) > 1 && p.Name == "" {
			errs = append(errs, Required(fmt.Sprintf("spec.ports[%d].name", i), ""))
		}
	}
	return errs
}

func validateServiceUpdate(obj, old api.Object) []FieldError {
	svc, o := obj.(*api.Service), old.(*api.Service)
	if svc.Spec.ClusterIP != o.Spec.ClusterIP && o.Spec.ClusterIP != "" && svc.Spec.Type != "ExternalName" {
		return []FieldError{Invalid("spec.clusterIPs[0]", svc.Spec.ClusterIP, "may not change once set")}
	}
	return nil
}

// validateTemplateWorkload checks what Deployments, ReplicaSets and
// DaemonSets share: a selector that matches the template's labels, and a
// template whose pods restart always.
func validateTemplateWorkload(sel *api.LabelSelector, tmpl *api.PodTemplateSpec, replicas *int32) []FieldError {
	var errs []FieldError
	if replicas != nil && *replicas < 0 {
		errs = append(errs, Invalid("spec.replicas", *replicas, "must be greater than or equal to 0"))
	}
	if sel == nil {
		errs = append(errs, Required("spec.selector", ""))
	} else {
		s, err := api.SelectorFromLabelSelector(sel)
		switch {
		case err != nil:
			errs = append(errs, Invalid("spec.selector", sel, err.Error()))
		case len(sel.MatchLabels)+len(sel.MatchExpressions) == 0:
			errs = append(errs, Invalid("spec.selector", sel, "empty selector is invalid for deployment"))
		case !s.Matches(tmpl.Labels):
			errs = append(errs, Invalid("spec.template.metadata.labels", tmpl.Labels, "`selector` does not match template `labels`"))
		}
	}
	errs = append(errs, validateLabels(tmpl.Labels, "spec.template.metadata.labels")...)
	errs = append(errs, validatePodSpec(&tmpl.Spec, "spec.template.spec")...)
	if tmpl.Spec.RestartPolicy != api.RestartAlways && tmpl.Spec.RestartPolicy != "" {
		errs = append(errs, NotSupported("spec.template.spec.restartPolicy", tmpl.Spec.RestartPolicy, []string{api.RestartAlways}))
	}
	return errs
}

func validateDeployment(s *Server, obj api.Object) []FieldError {
	d := obj.(*api.Deployment)
	return validateTemplateWorkload(d.Spec.Selector, &d.Spec.Template, d.Spec.Replicas)
}

func validateReplicaSet(s *Server, obj api.Object) []FieldError {
	rs := obj.(*api.ReplicaSet)
	return validateTemplateWorkload(rs.Spec.Selector, &rs.Spec.Template, rs.Spec.Replicas)
}

func validateDaemonSet(s *Server, obj api.Object) []FieldError {
	ds := obj.(*api.DaemonSet)
	return validateTemplateWorkload(ds.Spec.Selector, &ds.Spec.Template, nil)
}

func immutableSelector(sel, old *api.LabelSelector) []FieldError {
	if reflect.DeepEqual(sel, old) {
		return nil
	}
	return []FieldError{Invalid("spec.selector", sel, "field is immutable")}
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
