package api

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// ResourceInfo describes one API resource: its REST name, kind and version,
// scope, and the names kubectl accepts for it.
type ResourceInfo struct {
	Group      string
	Version    string
	Resource   string // plural, as in the URL: "deployments"
	Singular   string
	Kind       string
	Namespaced bool
	ShortNames []string
	Categories []string
	New        func() Object
	// Aggregated marks a resource served by an aggregated API server
	// (metrics-server's metrics.k8s.io), or made by the API server when
	// asked (componentstatuses, apiservices): not stored, only get and
	// list.
	Aggregated bool

	// A resource served by converting another's objects (see convert.go).
	storage     *ResourceInfo
	toStorage   func(Object) Object
	fromStorage func(Object) Object
	// storageCopies: toStorage's object shares nothing with its input.
	storageCopies bool
}

// Alternate reports whether r is a second view of another resource's
// objects: discovery lists it, but kubectl prefers the other, and
// controllers that walk every resource skip it.
func (r *ResourceInfo) Alternate() bool { return r.storage != nil }

// APIVersion returns "group/version", or "version" for the core group.
func (r *ResourceInfo) APIVersion() string {
	if r.Group == "" {
		return r.Version
	}
	return r.Group + "/" + r.Version
}

// GroupResource returns "resource.group", or "resource" for the core group,
// as the API server names resources in its messages.
func (r *ResourceInfo) GroupResource() string {
	if r.Group == "" {
		return r.Resource
	}
	return r.Resource + "." + r.Group
}

// GroupKind returns "Kind.group", or "Kind" for the core group.
func (r *ResourceInfo) GroupKind() string {
	if r.Group == "" {
		return r.Kind
	}
	return r.Kind + "." + r.Group
}

// Resources lists every resource the API server serves, in discovery order:
// the core group first, its resources by name as /api/v1 lists them, then
// the groups in the order /apis lists them, each version of a group in
// preference order. Short names and categories are those Kubernetes reports.
// Subresource kinds (Binding, Eviction, Scale) have types but no entry.
var Resources = []*ResourceInfo{
	{Version: "v1", Resource: "componentstatuses", Singular: "componentstatus", Kind: "ComponentStatus", ShortNames: []string{"cs"}, Aggregated: true, New: func() Object { return &ComponentStatus{} }},
	{Version: "v1", Resource: "configmaps", Singular: "configmap", Kind: "ConfigMap", Namespaced: true, ShortNames: []string{"cm"}, New: func() Object { return &ConfigMap{} }},
	{Version: "v1", Resource: "endpoints", Singular: "endpoints", Kind: "Endpoints", Namespaced: true, ShortNames: []string{"ep"}, New: func() Object { return &Endpoints{} }},
	{Version: "v1", Resource: "events", Singular: "event", Kind: "Event", Namespaced: true, ShortNames: []string{"ev"}, New: func() Object { return &Event{} }},
	{Version: "v1", Resource: "limitranges", Singular: "limitrange", Kind: "LimitRange", Namespaced: true, ShortNames: []string{"limits"}, New: func() Object { return &LimitRange{} }},
	{Version: "v1", Resource: "namespaces", Singular: "namespace", Kind: "Namespace", ShortNames: []string{"ns"}, New: func() Object { return &Namespace{} }},
	{Version: "v1", Resource: "nodes", Singular: "node", Kind: "Node", ShortNames: []string{"no"}, New: func() Object { return &Node{} }},
	{Version: "v1", Resource: "persistentvolumeclaims", Singular: "persistentvolumeclaim", Kind: "PersistentVolumeClaim", Namespaced: true, ShortNames: []string{"pvc"}, New: func() Object { return &PersistentVolumeClaim{} }},
	{Version: "v1", Resource: "persistentvolumes", Singular: "persistentvolume", Kind: "PersistentVolume", ShortNames: []string{"pv"}, New: func() Object { return &PersistentVolume{} }},
	{Version: "v1", Resource: "pods", Singular: "pod", Kind: "Pod", Namespaced: true, ShortNames: []string{"po"}, Categories: []string{"all"}, New: func() Object { return &Pod{} }},
	{Version: "v1", Resource: "podtemplates", Singular: "podtemplate", Kind: "PodTemplate", Namespaced: true, New: func() Object { return &PodTemplate{} }},
	{Version: "v1", Resource: "replicationcontrollers", Singular: "replicationcontroller", Kind: "ReplicationController", Namespaced: true, ShortNames: []string{"rc"}, Categories: []string{"all"}, New: func() Object { return &ReplicationController{} }},
	{Version: "v1", Resource: "resourcequotas", Singular: "resourcequota", Kind: "ResourceQuota", Namespaced: true, ShortNames: []string{"quota"}, New: func() Object { return &ResourceQuota{} }},
	{Version: "v1", Resource: "secrets", Singular: "secret", Kind: "Secret", Namespaced: true, New: func() Object { return &Secret{} }},
	{Version: "v1", Resource: "serviceaccounts", Singular: "serviceaccount", Kind: "ServiceAccount", Namespaced: true, ShortNames: []string{"sa"}, New: func() Object { return &ServiceAccount{} }},
	{Version: "v1", Resource: "services", Singular: "service", Kind: "Service", Namespaced: true, ShortNames: []string{"svc"}, Categories: []string{"all"}, New: func() Object { return &Service{} }},
	{Group: RegistrationGroup, Version: "v1", Resource: "apiservices", Singular: "apiservice", Kind: "APIService", Categories: []string{"api-extensions"}, Aggregated: true, New: func() Object { return &APIService{} }},
	{Group: "apps", Version: "v1", Resource: "controllerrevisions", Singular: "controllerrevision", Kind: "ControllerRevision", Namespaced: true, New: func() Object { return &ControllerRevision{} }},
	{Group: "apps", Version: "v1", Resource: "daemonsets", Singular: "daemonset", Kind: "DaemonSet", Namespaced: true, ShortNames: []string{"ds"}, Categories: []string{"all"}, New: func() Object { return &DaemonSet{} }},
	{Group: "apps", Version: "v1", Resource: "deployments", Singular: "deployment", Kind: "Deployment", Namespaced: true, ShortNames: []string{"deploy"}, Categories: []string{"all"}, New: func() Object { return &Deployment{} }},
	{Group: "apps", Version: "v1", Resource: "replicasets", Singular: "replicaset", Kind: "ReplicaSet", Namespaced: true, ShortNames: []string{"rs"}, Categories: []string{"all"}, New: func() Object { return &ReplicaSet{} }},
	{Group: "apps", Version: "v1", Resource: "statefulsets", Singular: "statefulset", Kind: "StatefulSet", Namespaced: true, ShortNames: []string{"sts"}, Categories: []string{"all"}, New: func() Object { return &StatefulSet{} }},
	{Group: "events.k8s.io", Version: "v1", Resource: "events", Singular: "event", Kind: "Event", Namespaced: true, ShortNames: []string{"ev"}, New: func() Object { return &EventsV1Event{} }},
	{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers", Singular: "horizontalpodautoscaler", Kind: "HorizontalPodAutoscaler", Namespaced: true, ShortNames: []string{"hpa"}, Categories: []string{"all"}, New: func() Object { return &HorizontalPodAutoscaler{} }},
	{Group: "autoscaling", Version: "v1", Resource: "horizontalpodautoscalers", Singular: "horizontalpodautoscaler", Kind: "HorizontalPodAutoscaler", Namespaced: true, ShortNames: []string{"hpa"}, Categories: []string{"all"}, New: func() Object { return &AutoscalingV1HorizontalPodAutoscaler{} }},
	{Group: "batch", Version: "v1", Resource: "cronjobs", Singular: "cronjob", Kind: "CronJob", Namespaced: true, ShortNames: []string{"cj"}, Categories: []string{"all"}, New: func() Object { return &CronJob{} }},
	{Group: "batch", Version: "v1", Resource: "jobs", Singular: "job", Kind: "Job", Namespaced: true, Categories: []string{"all"}, New: func() Object { return &Job{} }},
	{Group: "networking.k8s.io", Version: "v1", Resource: "ingressclasses", Singular: "ingressclass", Kind: "IngressClass", New: func() Object { return &IngressClass{} }},
	{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses", Singular: "ingress", Kind: "Ingress", Namespaced: true, ShortNames: []string{"ing"}, New: func() Object { return &Ingress{} }},
	{Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies", Singular: "networkpolicy", Kind: "NetworkPolicy", Namespaced: true, ShortNames: []string{"netpol"}, New: func() Object { return &NetworkPolicy{} }},
	{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets", Singular: "poddisruptionbudget", Kind: "PodDisruptionBudget", Namespaced: true, ShortNames: []string{"pdb"}, New: func() Object { return &PodDisruptionBudget{} }},
	{Group: "storage.k8s.io", Version: "v1", Resource: "storageclasses", Singular: "storageclass", Kind: "StorageClass", ShortNames: []string{"sc"}, New: func() Object { return &StorageClass{} }},
	{Group: "scheduling.k8s.io", Version: "v1", Resource: "priorityclasses", Singular: "priorityclass", Kind: "PriorityClass", ShortNames: []string{"pc"}, New: func() Object { return &PriorityClass{} }},
	{Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Singular: "lease", Kind: "Lease", Namespaced: true, New: func() Object { return &Lease{} }},
	{Group: "discovery.k8s.io", Version: "v1", Resource: "endpointslices", Singular: "endpointslice", Kind: "EndpointSlice", Namespaced: true, New: func() Object { return &EndpointSlice{} }},
	{Group: MetricsGroup, Version: "v1beta1", Resource: "nodes", Singular: "", Kind: "NodeMetrics", Aggregated: true, New: func() Object { return &NodeMetrics{} }},
	{Group: MetricsGroup, Version: "v1beta1", Resource: "pods", Singular: "", Kind: "PodMetrics", Namespaced: true, Aggregated: true, New: func() Object { return &PodMetrics{} }},
}

var byType = func() map[reflect.Type]*ResourceInfo {
	m := map[reflect.Type]*ResourceInfo{}
	for _, r := range Resources {
		m[reflect.TypeOf(r.New())] = r
	}
	return m
}()

// ResourceFor returns the resource of an object from its Go type.
func ResourceFor(obj Object) *ResourceInfo {
	if r, ok := byType[reflect.TypeOf(obj)]; ok {
		return r
	}
	panic(fmt.Sprintf("api: no resource for %T", obj))
}

// LookupKind returns the resource for an apiVersion and kind, or an error in
// the API server's words.
func LookupKind(apiVersion, kind string) (*ResourceInfo, error) {
	for _, r := range Resources {
		if r.Kind == kind && r.APIVersion() == apiVersion {
			return r, nil
		}
	}
	if apiVersion == "" || kind == "" {
		return nil, fmt.Errorf("Object 'Kind' is missing")
	}
	return nil, fmt.Errorf("no matches for kind %q in version %q", kind, apiVersion)
}

// LookupResource finds a resource by the names kubectl accepts: plural,
// singular, kind or short name, optionally qualified by group
// ("deployments.apps") or version and group ("deployments.v1.apps").
func LookupResource(name string) (*ResourceInfo, bool) {
	if r, ok := resourceNames()[name]; ok {
		return r, true // the common case: a plural, singular, kind or short name as is
	}
	name = strings.ToLower(name)
	base, group, _ := strings.Cut(name, ".")
	if group == "" {
		r, ok := resourceNames()[base]
		return r, ok
	}
	for _, r := range Resources {
		if group != r.Group && group != r.Version+"."+r.Group {
			continue
		}
		if base == r.Resource || base == r.Singular || base == strings.ToLower(r.Kind) || slices.Contains(r.ShortNames, base) {
			return r, true
		}
	}
	return nil, false
}

// resourceNames maps each resource's plural, singular, lower-case kind
// and short names, without a group, to the first resource in Resources
// that has it, as LookupResource's scan would find it.
var resourceNames = sync.OnceValue(func() map[string]*ResourceInfo {
	m := map[string]*ResourceInfo{}
	for _, r := range Resources {
		for _, n := range append([]string{r.Resource, r.Singular, strings.ToLower(r.Kind)}, r.ShortNames...) {
			if _, ok := m[n]; !ok {
				m[n] = r
			}
		}
	}
	return m
})

// SetTypeMeta fills in obj's kind and apiVersion from its Go type.
func SetTypeMeta(obj Object) Object {
	r := ResourceFor(obj)
	tm := obj.GetTypeMeta()
	tm.Kind, tm.APIVersion = r.Kind, r.APIVersion()
	return obj
}
