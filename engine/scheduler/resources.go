package scheduler

import (
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Resource is an amount of each resource in the scheduler's units:
// milli-CPU, bytes, and counts for the rest, as framework.Resource.
// AllowedPodNumber is only meaningful for a node's allocatable.
type Resource struct {
	MilliCPU         int64            `json:"milliCPU"`
	Memory           int64            `json:"memory"`
	EphemeralStorage int64            `json:"ephemeralStorage"`
	AllowedPodNumber int64            `json:"allowedPodNumber,omitempty"`
	Scalar           map[string]int64 `json:"scalar,omitempty"`
}

// The requests the scheduler assumes, for scoring only, of a container
// that asks for no cpu or memory (schedutil.DefaultMilliCPURequest and
// DefaultMemoryRequest).
const (
	defaultMilliCPURequest = 100
	defaultMemoryRequest   = 200 * 1024 * 1024
)

func (r *Resource) add(o Resource) { r.addSigned(o, 1) }

func (r *Resource) addSigned(o Resource, sign int64) {
	r.MilliCPU += sign * o.MilliCPU
	r.Memory += sign * o.Memory
	r.EphemeralStorage += sign * o.EphemeralStorage
	for k, v := range o.Scalar {
		r.setScalar(k, r.Scalar[k]+sign*v)
	}
}

func (r *Resource) setScalar(name string, v int64) {
	if r.Scalar == nil {
		r.Scalar = map[string]int64{}
	}
	r.Scalar[name] = v
}

func (r Resource) clone() Resource {
	if r.Scalar != nil {
		m := make(map[string]int64, len(r.Scalar))
		for k, v := range r.Scalar {
			m[k] = v
		}
		r.Scalar = m
	}
	return r
}

// fromList converts a node's allocatable, as framework.Resource.Add does:
// scalar resources are the extended, hugepages and prefixed native ones.
func fromList(l api.ResourceList) Resource {
	var r Resource
	for name, q := range l {
		switch name {
		case "cpu":
			r.MilliCPU = q.MilliValue()
		case "memory":
			r.Memory = q.Value()
		case "ephemeral-storage":
			r.EphemeralStorage = q.Value()
		case "pods":
			r.AllowedPodNumber = q.Value()
		default:
			if isScalarResource(name) {
				r.setScalar(name, q.Value())
			}
		}
	}
	return r
}

// isScalarResource is v1helper.IsScalarResourceName.
func isScalarResource(name string) bool {
	return isExtendedResource(name) || strings.HasPrefix(name, "hugepages-") ||
		strings.HasPrefix(name, "kubernetes.io/") || strings.HasPrefix(name, "attachable-volumes-")
}

// isExtendedResource is v1helper.IsExtendedResourceName: a name with a
// domain other than kubernetes.io, not a quota's requests.* name.
func isExtendedResource(name string) bool {
	return strings.Contains(name, "/") && !strings.HasPrefix(name, "kubernetes.io/") && !strings.HasPrefix(name, "requests.")
}

// requestList accumulates a pod's requests as component-helpers'
// resource.PodRequests does with ResourceLists, remembering which
// resources were named at all (a named zero is not a missing request).
type requestList struct {
	Resource
	hasCPU, hasMemory bool
}

func (l *requestList) addList(rl api.ResourceList, defaults bool) {
	var c requestList
	c.setList(rl)
	if defaults {
		c.fillDefaults()
	}
	l.addReq(c)
}

func (l *requestList) setList(rl api.ResourceList) {
	for name, q := range rl {
		switch name {
		case "cpu":
			l.MilliCPU, l.hasCPU = q.MilliValue(), true
		case "memory":
			l.Memory, l.hasMemory = q.Value(), true
		case "ephemeral-storage":
			l.EphemeralStorage = q.Value()
		default:
			if isScalarResource(name) {
				l.setScalar(name, q.Value())
			}
		}
	}
}

func (l *requestList) fillDefaults() {
	if !l.hasCPU {
		l.MilliCPU, l.hasCPU = defaultMilliCPURequest, true
	}
	if !l.hasMemory {
		l.Memory, l.hasMemory = defaultMemoryRequest, true
	}
}

func (l *requestList) addReq(o requestList) {
	l.add(o.Resource)
	l.hasCPU = l.hasCPU || o.hasCPU
	l.hasMemory = l.hasMemory || o.hasMemory
}

func (l *requestList) maxReq(o requestList) {
	l.MilliCPU = max(l.MilliCPU, o.MilliCPU)
	l.Memory = max(l.Memory, o.Memory)
	l.EphemeralStorage = max(l.EphemeralStorage, o.EphemeralStorage)
	for k, v := range o.Scalar {
		if v > l.Scalar[k] {
			l.setScalar(k, v)
		}
	}
	l.hasCPU = l.hasCPU || o.hasCPU
	l.hasMemory = l.hasMemory || o.hasMemory
}

// podRequests is what a pod asks for, as resource.PodRequests computes it
// for the scheduler: the sum of its containers and restartable init
// containers (sidecars), or the largest init container plus the sidecars
// started before it if that is more; then the pod-level requests in place
// of those of cpu, memory and hugepages, then the overhead. With defaults,
// a container that names no cpu or memory counts the scheduler's default
// requests (NonMissingContainerRequests), as the score plugins see it.
func podRequests(p *api.Pod, defaults bool) Resource {
	podLevel := podLevelRequests(p)
	total := aggregateContainers(p, defaults && podLevel == nil)
	if podLevel != nil {
		total.applyPodLevel(podLevel)
		if defaults {
			total.fillDefaults()
		}
	}
	total.addList(p.Spec.Overhead, false)
	return total.Resource
}

func aggregateContainers(p *api.Pod, defaults bool) requestList {
	var total, sidecars, initMax requestList
	for _, c := range p.Spec.Containers {
		total.addList(c.Resources.Requests, defaults)
	}
	for _, c := range p.Spec.InitContainers {
		var req requestList
		req.addList(c.Resources.Requests, defaults)
		if api.Deref(c.RestartPolicy, "") == api.RestartAlways {
			total.addReq(req)
			sidecars.addReq(req)
			initMax.maxReq(sidecars)
			continue
		}
		req.addReq(sidecars)
		initMax.maxReq(req)
	}
	total.maxReq(initMax)
	return total
}

// podLevelRequests returns the pod-level requests of the resources that
// may be set there (cpu, memory, hugepages), or nil when there are none.
func podLevelRequests(p *api.Pod) api.ResourceList {
	if p.Spec.Resources == nil {
		return nil
	}
	for name := range p.Spec.Resources.Requests {
		if podLevelResource(name) {
			return p.Spec.Resources.Requests
		}
	}
	return nil
}

func podLevelResource(name string) bool {
	return name == "cpu" || name == "memory" || strings.HasPrefix(name, "hugepages-")
}

func (l *requestList) applyPodLevel(rl api.ResourceList) {
	for name, q := range rl {
		switch {
		case name == "cpu":
			l.MilliCPU, l.hasCPU = q.MilliValue(), true
		case name == "memory":
			l.Memory, l.hasMemory = q.Value(), true
		case podLevelResource(name):
			l.setScalar(name, q.Value())
		}
	}
}
