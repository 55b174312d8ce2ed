package scheduler

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Code is the outcome of a filter, as framework.Code.
type Code int

// Filter outcomes.
const (
	Success Code = iota
	// Unschedulable may be resolved by preempting pods.
	Unschedulable
	// UnschedulableAndUnresolvable cannot be resolved by preemption.
	UnschedulableAndUnresolvable
)

// Status is a filter's verdict on a node.
type Status struct {
	Code    Code
	Reasons []string
	Plugin  string
}

// NodeInfo is a node with the pods the scheduler counts on it.
type NodeInfo struct {
	Node      *api.Node
	Pods      []*api.Pod
	Requested Resource // sum of the pods' requests
	NonZero   Resource // the same with default requests, for scoring
	Images    map[string]int64
}

// FilterPlugin decides whether a pod may run on a node.
type FilterPlugin interface {
	Name() string
	Filter(p *api.Pod, n *NodeInfo) *Status
}

// ScorePlugin ranks the nodes that passed the filters, 0 to 100.
type ScorePlugin interface {
	Name() string
	Weight() int64
	Score(p *api.Pod, n *NodeInfo) int64
}

// Filters, in kube-scheduler's default order.
var defaultFilters = []FilterPlugin{
	nodeUnschedulable{}, nodeName{}, taintToleration{}, nodeAffinity{}, nodeResourcesFit{},
}

// Scores with kube-scheduler's default weights.
var defaultScores = []ScorePlugin{
	taintToleration{}, nodeAffinity{}, nodeResourcesFit{}, balancedAllocation{}, imageLocality{},
}

type nodeUnschedulable struct{}

func (nodeUnschedulable) Name() string { return "NodeUnschedulable" }

func (nodeUnschedulable) Filter(p *api.Pod, n *NodeInfo) *Status {
	if !n.Node.Spec.Unschedulable {
		return nil
	}
	if tolerates(p.Spec.Tolerations, api.Taint{Key: "node.kubernetes.io/unschedulable", Effect: api.TaintNoSchedule}) {
		return nil
	}
	return &Status{Code: UnschedulableAndUnresolvable, Reasons: []string{"node(s) were unschedulable"}}
}

type nodeName struct{}

func (nodeName) Name() string { return "NodeName" }

func (nodeName) Filter(p *api.Pod, n *NodeInfo) *Status {
	if p.Spec.NodeName == "" || p.Spec.NodeName == n.Node.Name {
		return nil
	}
	return &Status{Code: UnschedulableAndUnresolvable, Reasons: []string{"node(s) didn't match the requested node name"}}
}

type taintToleration struct{}

func (taintToleration) Name() string  { return "TaintToleration" }
func (taintToleration) Weight() int64 { return 3 }

func (taintToleration) Filter(p *api.Pod, n *NodeInfo) *Status {
	for _, t := range n.Node.Spec.Taints {
		if t.Effect == api.TaintPreferNoSchedule {
			continue
		}
		if !tolerates(p.Spec.Tolerations, t) {
			return &Status{Code: UnschedulableAndUnresolvable, Reasons: []string{fmt.Sprintf("node(s) had untolerated taint {%s: %s}", t.Key, t.Value)}}
		}
	}
	return nil
}

// Score counts the PreferNoSchedule taints the pod does not tolerate; fewer
// is better. It is normalized (reversed) across nodes by the caller.
func (taintToleration) Score(p *api.Pod, n *NodeInfo) int64 {
	var c int64
	for _, t := range n.Node.Spec.Taints {
		if t.Effect == api.TaintPreferNoSchedule && !tolerates(p.Spec.Tolerations, t) {
			c++
		}
	}
	return c
}

func tolerates(ts []api.Toleration, taint api.Taint) bool {
	for _, t := range ts {
		if toleration(t, taint) {
			return true
		}
	}
	return false
}

func toleration(t api.Toleration, taint api.Taint) bool {
	if t.Effect != "" && t.Effect != taint.Effect {
		return false
	}
	if t.Key != "" && t.Key != taint.Key {
		return false
	}
	switch t.Operator {
	case "Exists":
		return true
	case "", "Equal":
		return t.Key != "" && t.Value == taint.Value
	}
	return false
}

type nodeAffinity struct{}

func (nodeAffinity) Name() string  { return "NodeAffinity" }
func (nodeAffinity) Weight() int64 { return 2 }

func (nodeAffinity) Filter(p *api.Pod, n *NodeInfo) *Status {
	for k, v := range p.Spec.NodeSelector {
		if n.Node.Labels[k] != v {
			return affinityMismatch()
		}
	}
	if a := p.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
		if !slices.ContainsFunc(terms, func(t api.NodeSelectorTerm) bool { return matchTerm(t, n.Node) }) {
			return affinityMismatch()
		}
	}
	return nil
}

func affinityMismatch() *Status {
	return &Status{Code: UnschedulableAndUnresolvable, Reasons: []string{"node(s) didn't match Pod's node affinity/selector"}}
}

// Score sums the weights of the preferred terms the node matches.
func (nodeAffinity) Score(p *api.Pod, n *NodeInfo) int64 {
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil {
		return 0
	}
	var s int64
	for _, t := range a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		if matchTerm(t.Preference, n.Node) {
			s += int64(t.Weight)
		}
	}
	return s
}

func matchTerm(t api.NodeSelectorTerm, n *api.Node) bool {
	if len(t.MatchExpressions)+len(t.MatchFields) == 0 {
		return false
	}
	for _, r := range t.MatchExpressions {
		v, ok := n.Labels[r.Key]
		if !matchRequirement(r, v, ok) {
			return false
		}
	}
	for _, r := range t.MatchFields {
		if r.Key != "metadata.name" || !matchRequirement(r, n.Name, true) {
			return false
		}
	}
	return true
}

func matchRequirement(r api.NodeSelectorRequirement, v string, ok bool) bool {
	switch r.Operator {
	case "In":
		return ok && slices.Contains(r.Values, v)
	case "NotIn":
		return !ok || !slices.Contains(r.Values, v)
	case "Exists":
		return ok
	case "DoesNotExist":
		return !ok
	case "Gt", "Lt":
		if !ok || len(r.Values) != 1 {
			return false
		}
		have, err1 := strconv.ParseInt(v, 10, 64)
		want, err2 := strconv.ParseInt(r.Values[0], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		return r.Operator == "Gt" && have > want || r.Operator == "Lt" && have < want
	}
	return false
}

type nodeResourcesFit struct{}

func (nodeResourcesFit) Name() string  { return "NodeResourcesFit" }
func (nodeResourcesFit) Weight() int64 { return 1 }

func (nodeResourcesFit) Filter(p *api.Pod, n *NodeInfo) *Status {
	req := podRequests(p, false)
	alloc := fromList(n.Node.Status.Allocatable)
	var reasons []string
	if n.Requested.Pods+1 > alloc.Pods {
		reasons = append(reasons, "Too many pods")
	}
	if req.MilliCPU > 0 && n.Requested.MilliCPU+req.MilliCPU > alloc.MilliCPU {
		reasons = append(reasons, "Insufficient cpu")
	}
	if req.Memory > 0 && n.Requested.Memory+req.Memory > alloc.Memory {
		reasons = append(reasons, "Insufficient memory")
	}
	if req.EphemeralStorage > 0 && n.Requested.EphemeralStorage+req.EphemeralStorage > alloc.EphemeralStorage {
		reasons = append(reasons, "Insufficient ephemeral-storage")
	}
	for _, name := range slices.Sorted(maps.Keys(req.Scalar)) {
		if req.Scalar[name] > 0 && n.Requested.Scalar[name]+req.Scalar[name] > alloc.Scalar[name] {
			reasons = append(reasons, "Insufficient "+name)
		}
	}
	if len(reasons) == 0 {
		return nil
	}
	return &Status{Code: Unschedulable, Reasons: reasons}
}

// Score is the LeastAllocated strategy: the share of cpu and memory left free.
func (nodeResourcesFit) Score(p *api.Pod, n *NodeInfo) int64 {
	req := podRequests(p, true)
	alloc := fromList(n.Node.Status.Allocatable)
	cpu := leastAllocated(n.NonZero.MilliCPU+req.MilliCPU, alloc.MilliCPU)
	mem := leastAllocated(n.NonZero.Memory+req.Memory, alloc.Memory)
	return (cpu + mem) / 2
}

func leastAllocated(requested, capacity int64) int64 {
	if capacity == 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * 100 / capacity
}

type balancedAllocation struct{}

func (balancedAllocation) Name() string  { return "NodeResourcesBalancedAllocation" }
func (balancedAllocation) Weight() int64 { return 1 }

// Score favours nodes whose cpu and memory would be used in equal shares.
func (balancedAllocation) Score(p *api.Pod, n *NodeInfo) int64 {
	req := podRequests(p, true)
	alloc := fromList(n.Node.Status.Allocatable)
	if alloc.MilliCPU == 0 || alloc.Memory == 0 {
		return 0
	}
	cpu := math.Min(1, float64(n.NonZero.MilliCPU+req.MilliCPU)/float64(alloc.MilliCPU))
	mem := math.Min(1, float64(n.NonZero.Memory+req.Memory)/float64(alloc.Memory))
	std := math.Abs(cpu-mem) / 2
	return int64((1 - std) * 100)
}

type imageLocality struct{}

func (imageLocality) Name() string  { return "ImageLocality" }
func (imageLocality) Weight() int64 { return 1 }

// Score favours nodes that already hold the pod's images, scaled by size
// between 23 MB and 1000 MB per container as upstream does.
func (imageLocality) Score(p *api.Pod, n *NodeInfo) int64 {
	const minThreshold, maxThreshold = 23 * 1024 * 1024, 1000 * 1024 * 1024
	var sum int64
	for _, c := range p.Spec.Containers {
		sum += n.Images[api.NormalizeImage(c.Image)]
	}
	lo := int64(minThreshold)
	hi := int64(maxThreshold) * int64(len(p.Spec.Containers))
	if sum < lo {
		return 0
	}
	if sum > hi {
		sum = hi
	}
	return (sum - lo) * 100 / (hi - lo)
}
