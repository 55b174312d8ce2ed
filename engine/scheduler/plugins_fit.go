package scheduler

import (
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The plugins about what a node has room for: NodePorts,
// NodeResourcesFit, NodeResourcesBalancedAllocation and ImageLocality.

type nodePorts struct{}

func (nodePorts) Name() string { return "NodePorts" }

func (nodePorts) PreFilter(s *cycleState, _ *api.Pod) (*preFilterResult, *Status) {
	s.ports = s.pod.ports
	if len(s.ports) == 0 {
		return nil, skipped
	}
	return nil, nil
}

// Filter rejects a node where a host port the pod wants is taken; a
// preemption may free it.
func (nodePorts) Filter(s *cycleState, _ *api.Pod, n *nodeInfo) *Status {
	for _, p := range s.ports {
		if n.usedPorts.conflicts(p) {
			return newStatus(Unschedulable, "node(s) didn't have free ports for the requested pod ports")
		}
	}
	return nil
}

func (nodePorts) Events() []eventHint {
	return []eventHint{
		{resource: resAssignedPod, actions: actDelete, hint: func(p *api.Pod, old, _ any) bool {
			deleted, _ := asPods(old, nil)
			if deleted == nil || deleted.Spec.NodeName == "" && deleted.Status.NominatedNodeName == "" {
				return false
			}
			var used hostPortInfo
			for _, port := range hostPorts(deleted) {
				used.update(port, 1)
			}
			return slices.ContainsFunc(hostPorts(p), used.conflicts)
		}},
		{resource: resNode, actions: actAdd},
	}
}

type nodeResourcesFit struct{ h *handle }

func (*nodeResourcesFit) Name() string { return "NodeResourcesFit" }

func (*nodeResourcesFit) PreFilter(s *cycleState, _ *api.Pod) (*preFilterResult, *Status) {
	s.fit = s.pod.req
	return nil, nil
}

// insufficient is one resource a node lacks for the pod; unresolvable when
// the pod asks for more than the node has at all, which no preemption
// can cure.
type insufficient struct {
	reason       string
	unresolvable bool
}

func (*nodeResourcesFit) Filter(s *cycleState, _ *api.Pod, n *nodeInfo) *Status {
	lacks := fitsRequest(&s.fit, n)
	if len(lacks) == 0 {
		return nil
	}
	st := newStatus(Unschedulable)
	for _, l := range lacks {
		st.Reasons = append(st.Reasons, l.reason)
		if l.unresolvable {
			st.Code = UnschedulableAndUnresolvable
		}
	}
	return st
}

// fitsRequest is noderesources.fitsRequest: pods first, then cpu, memory,
// ephemeral storage and the scalar resources (in name order here).
func fitsRequest(req *Resource, n *nodeInfo) []insufficient {
	var out []insufficient
	alloc, used := &n.allocatable, &n.requested
	if int64(len(n.pods))+1 > alloc.AllowedPodNumber {
		out = append(out, insufficient{reason: "Too many pods"})
	}
	if req.MilliCPU == 0 && req.Memory == 0 && req.EphemeralStorage == 0 && len(req.Scalar) == 0 {
		return out
	}
	out = lack(out, "cpu", req.MilliCPU, used.MilliCPU, alloc.MilliCPU)
	out = lack(out, "memory", req.Memory, used.Memory, alloc.Memory)
	out = lack(out, "ephemeral-storage", req.EphemeralStorage, used.EphemeralStorage, alloc.EphemeralStorage)
	if len(req.Scalar) > 0 {
		for _, name := range slices.Sorted(maps.Keys(req.Scalar)) {
			out = lack(out, name, req.Scalar[name], used.Scalar[name], alloc.Scalar[name])
		}
	}
	return out
}

func lack(out []insufficient, name string, want, used, capacity int64) []insufficient {
	if want > 0 && want > capacity-used {
		out = append(out, insufficient{reason: "Insufficient " + name, unresolvable: want > capacity})
	}
	return out
}

// PreScore computes the pod's cpu and memory requests with the default
// requests, for the LeastAllocated strategy.
func (*nodeResourcesFit) PreScore(s *cycleState, _ *api.Pod, _ []*nodeInfo) *Status {
	s.fitScore = [2]int64{s.pod.nonZero.MilliCPU, s.pod.nonZero.Memory}
	return nil
}

// Score is the LeastAllocated strategy with cpu and memory of weight 1:
// the share of each left free once the pod is there.
func (*nodeResourcesFit) Score(s *cycleState, _ *api.Pod, n *nodeInfo) int64 {
	requested := [2]int64{n.nonZero.MilliCPU + s.fitScore[0], n.nonZero.Memory + s.fitScore[1]}
	alloc := [2]int64{n.allocatable.MilliCPU, n.allocatable.Memory}
	var score, weights int64
	for i := range requested {
		if alloc[i] == 0 {
			continue
		}
		score += leastRequested(requested[i], alloc[i])
		weights++
	}
	if weights == 0 {
		return 0
	}
	return score / weights
}

func leastRequested(requested, capacity int64) int64 {
	if capacity == 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * MaxNodeScore / capacity
}

func (f *nodeResourcesFit) Events() []eventHint {
	return []eventHint{
		{resource: resAssignedPod, actions: actDelete, hint: func(_ *api.Pod, old, _ any) bool {
			deleted, _ := asPods(old, nil)
			return deleted != nil && (deleted.Spec.NodeName != "" || deleted.Status.NominatedNodeName != "")
		}},
		{resource: resNode, actions: actAdd | actUpdateNodeAllocatable, hint: fitsChangedNode},
	}
}

// fitsChangedNode is isSchedulableAfterNodeChange: the pod fits the node's
// allocatable and, for an update, some resource it asks for grew.
func fitsChangedNode(p *api.Pod, old, new any) bool {
	o, n := asNodes(old, new)
	if n == nil {
		return false
	}
	req := podRequests(p, false)
	empty := newNodeInfo()
	empty.setNode(n)
	if len(fitsRequest(&req, empty)) > 0 {
		return false
	}
	return o == nil || grew(&req, fromList(o.Status.Allocatable), empty.allocatable)
}

func grew(req *Resource, old, cur Resource) bool {
	if cur.AllowedPodNumber > old.AllowedPodNumber {
		return true
	}
	if req.MilliCPU > 0 && cur.MilliCPU > old.MilliCPU || req.Memory > 0 && cur.Memory > old.Memory ||
		req.EphemeralStorage > 0 && cur.EphemeralStorage > old.EphemeralStorage {
		return true
	}
	for name, v := range req.Scalar {
		if v > 0 && cur.Scalar[name] > old.Scalar[name] {
			return true
		}
	}
	return false
}

type balancedAllocation struct{}

func (balancedAllocation) Name() string { return "NodeResourcesBalancedAllocation" }

// PreScore skips a pod that requests nothing (BestEffort), which would
// otherwise pile onto one node.
func (balancedAllocation) PreScore(s *cycleState, _ *api.Pod, _ []*nodeInfo) *Status {
	s.balancedScore = [2]int64{s.pod.req.MilliCPU, s.pod.req.Memory}
	if s.balancedScore == [2]int64{} {
		return skipped
	}
	return nil
}

// Score favours nodes whose balance of cpu and memory use the pod would
// improve: 75 for no change, from 50 (perfect balance lost) to 100
// (perfect balance reached).
func (balancedAllocation) Score(s *cycleState, _ *api.Pod, n *nodeInfo) int64 {
	alloc := [2]int64{n.allocatable.MilliCPU, n.allocatable.Memory}
	before := [2]int64{n.requested.MilliCPU, n.requested.Memory}
	after := [2]int64{before[0] + s.balancedScore[0], before[1] + s.balancedScore[1]}
	with, without := balance(after, alloc), balance(before, alloc)
	return MaxNodeScore/2 + (MaxNodeScore/2+with-without)/2
}

// balance is (1 - the standard deviation of the used fractions) * 100.
// With one resource of the two to go by, the deviation is zero.
func balance(requested, alloc [2]int64) int64 {
	std := 0.0
	if alloc[0] != 0 && alloc[1] != 0 {
		cpu := min(1, float64(requested[0])/float64(alloc[0]))
		mem := min(1, float64(requested[1])/float64(alloc[1]))
		std = math.Abs((cpu - mem) / 2)
	}
	return int64((1 - std) * MaxNodeScore)
}

type imageLocality struct{ h *handle }

func (*imageLocality) Name() string { return "ImageLocality" }

// The sizes between which ImageLocality scales: below 23 MiB an image
// counts for nothing, above 1000 MiB per container for no more.
const (
	mib                   = 1024 * 1024
	minImageThreshold     = 23 * mib
	maxContainerThreshold = 1000 * mib
)

// Score favours nodes that already have the pod's images, each counted by
// its size times the share of nodes that have it.
func (il *imageLocality) Score(s *cycleState, _ *api.Pod, n *nodeInfo) int64 {
	total := len(il.h.cache.nodeList())
	var sum int64
	for _, name := range s.pod.images {
		for _, ni := range n.imageList {
			if ni.name == name {
				spread := float64(len(ni.summary.nodes)) / float64(total)
				sum += int64(float64(ni.summary.size) * spread)
				break
			}
		}
	}
	maxThreshold := int64(maxContainerThreshold * len(s.pod.images))
	sum = min(max(sum, minImageThreshold), maxThreshold)
	return MaxNodeScore * (sum - minImageThreshold) / (maxThreshold - minImageThreshold)
}

// normalizedImageName adds the latest tag to an untagged name, and nothing
// else, as kube-scheduler does: "nginx" does not find the runtime's
// "docker.io/library/nginx:latest".
func normalizedImageName(name string) string {
	if strings.LastIndex(name, ":") <= strings.LastIndex(name, "/") {
		return name + ":latest"
	}
	return name
}
