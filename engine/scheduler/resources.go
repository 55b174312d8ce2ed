package scheduler

import (
	"github.com/kubeplay/kubeplay/engine/api"
)

// Resource is an amount of each resource, in the scheduler's units:
// milli-CPU, bytes, and counts for the rest.
type Resource struct {
	MilliCPU         int64
	Memory           int64
	EphemeralStorage int64
	Pods             int64
	Scalar           map[string]int64
}

// Default requests the scheduler assumes for scoring a container that asks
// for nothing, as kube-scheduler's non-zero requests do.
const (
	defaultMilliCPURequest = 100
	defaultMemoryRequest   = 200 * 1024 * 1024
)

func (r *Resource) add(o Resource) {
	r.MilliCPU += o.MilliCPU
	r.Memory += o.Memory
	r.EphemeralStorage += o.EphemeralStorage
	r.Pods += o.Pods
	for k, v := range o.Scalar {
		if r.Scalar == nil {
			r.Scalar = map[string]int64{}
		}
		r.Scalar[k] += v
	}
}

func (r *Resource) max(o Resource) {
	r.MilliCPU = max(r.MilliCPU, o.MilliCPU)
	r.Memory = max(r.Memory, o.Memory)
	r.EphemeralStorage = max(r.EphemeralStorage, o.EphemeralStorage)
	for k, v := range o.Scalar {
		if r.Scalar == nil {
			r.Scalar = map[string]int64{}
		}
		r.Scalar[k] = max(r.Scalar[k], v)
	}
}

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
			r.Pods = q.Value()
		default:
			if r.Scalar == nil {
				r.Scalar = map[string]int64{}
			}
			r.Scalar[name] = q.Value()
		}
	}
	return r
}

// podRequests computes what a pod asks for as kube-scheduler does: the sum
// of its containers (and restartable init containers, the sidecars), or the
// largest init container plus the sidecars started before it if that is
// more, plus the pod overhead.
func podRequests(p *api.Pod, nonZero bool) Resource {
	var total, sidecars Resource
	for _, c := range p.Spec.Containers {
		total.add(containerRequests(c, nonZero))
	}
	var initMax Resource
	for _, c := range p.Spec.InitContainers {
		req := containerRequests(c, nonZero)
		if api.Deref(c.RestartPolicy, "") == api.RestartAlways {
			sidecars.add(req)
			continue
		}
		withSidecars := req
		withSidecars.add(sidecars)
		initMax.max(withSidecars)
	}
	total.add(sidecars)
	total.max(initMax)
	total.add(fromList(p.Spec.Overhead))
	total.Pods = 1
	return total
}

func containerRequests(c api.Container, nonZero bool) Resource {
	r := fromList(c.Resources.Requests)
	if nonZero {
		if _, ok := c.Resources.Requests["cpu"]; !ok {
			r.MilliCPU = defaultMilliCPURequest
		}
		if _, ok := c.Resources.Requests["memory"]; !ok {
			r.Memory = defaultMemoryRequest
		}
	}
	return r
}
