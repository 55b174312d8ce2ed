package api

// The resource metrics API, metrics.k8s.io/v1beta1, as k8s.io/metrics
// defines it. It is no stored API: metrics-server serves it through the
// API server's aggregation layer, read-only (get and list), each object
// made afresh from its latest scrapes.

// PodMetrics is a pod's resource usage: each container's CPU rate over
// Window, ending at Timestamp, and its memory working set.
type PodMetrics struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Timestamp  Time               `json:"timestamp"`
	Window     Duration           `json:"window"`
	Containers []ContainerMetrics `json:"containers"`
}

// ContainerMetrics is one container's usage within a PodMetrics.
type ContainerMetrics struct {
	Name  string       `json:"name"`
	Usage ResourceList `json:"usage"`
}

// NodeMetrics is a node's resource usage.
type NodeMetrics struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Timestamp  Time         `json:"timestamp"`
	Window     Duration     `json:"window"`
	Usage      ResourceList `json:"usage"`
}

// MetricsGroup is the resource metrics API's group.
const MetricsGroup = "metrics.k8s.io"

// DeepCopy returns a deep copy of the receiver, or nil for nil.
func (in *PodMetrics) DeepCopy() *PodMetrics {
	if in == nil {
		return nil
	}
	out := *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Containers = make([]ContainerMetrics, len(in.Containers))
	for i, c := range in.Containers {
		out.Containers[i] = ContainerMetrics{Name: c.Name, Usage: copyResources(c.Usage)}
	}
	if in.Containers == nil {
		out.Containers = nil
	}
	return &out
}

// DeepCopyObject returns a deep copy of the receiver as an Object.
func (in *PodMetrics) DeepCopyObject() Object {
	if c := in.DeepCopy(); c != nil {
		return c
	}
	return nil
}

// DeepCopy returns a deep copy of the receiver, or nil for nil.
func (in *NodeMetrics) DeepCopy() *NodeMetrics {
	if in == nil {
		return nil
	}
	out := *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Usage = copyResources(in.Usage)
	return &out
}

// DeepCopyObject returns a deep copy of the receiver as an Object.
func (in *NodeMetrics) DeepCopyObject() Object {
	if c := in.DeepCopy(); c != nil {
		return c
	}
	return nil
}

func copyResources(in ResourceList) ResourceList {
	if in == nil {
		return nil
	}
	out := make(ResourceList, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}
