package scheduler

import (
	"fmt"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The plugins that judge a node by itself: SchedulingGates,
// NodeUnschedulable, NodeName, TaintToleration and NodeAffinity.

const schedulingGatesName = "SchedulingGates"

// schedulingGates keeps a pod with scheduling gates out of the queue.
type schedulingGates struct{}

func (schedulingGates) Name() string { return schedulingGatesName }

func (schedulingGates) PreEnqueue(p *api.Pod) *Status {
	if len(p.Spec.SchedulingGates) == 0 {
		return nil
	}
	gates := make([]string, len(p.Spec.SchedulingGates))
	for i, g := range p.Spec.SchedulingGates {
		gates[i] = g.Name
	}
	return newStatus(UnschedulableAndUnresolvable, fmt.Sprintf("waiting for scheduling gates: %v", gates))
}

func (schedulingGates) Events() []eventHint {
	return []eventHint{{resource: resUnscheduled, actions: actUpdatePodGatesEliminated}}
}

type nodeUnschedulable struct{}

func (nodeUnschedulable) Name() string { return "NodeUnschedulable" }

var unschedulableTaint = api.Taint{Key: "node.kubernetes.io/unschedulable", Effect: api.TaintNoSchedule}

// Filter rejects a cordoned node unless the pod tolerates its taint.
func (nodeUnschedulable) Filter(_ *cycleState, p *api.Pod, n *nodeInfo) *Status {
	if !n.unschedulable || api.TolerationsTolerateTaint(p.Spec.Tolerations, &unschedulableTaint) {
		return nil
	}
	return newStatus(UnschedulableAndUnresolvable, "node(s) were unschedulable")
}

func (nodeUnschedulable) Events() []eventHint {
	return []eventHint{
		{resource: resNode, actions: actAdd | actUpdateNodeTaint, hint: func(_ *api.Pod, old, new any) bool {
			o, n := asNodes(old, new)
			return n != nil && !n.Spec.Unschedulable && (o == nil || o.Spec.Unschedulable)
		}},
		{resource: resUnscheduled, actions: actUpdatePodToleration},
	}
}

type nodeName struct{}

func (nodeName) Name() string { return "NodeName" }

func (nodeName) Filter(_ *cycleState, p *api.Pod, n *nodeInfo) *Status {
	if p.Spec.NodeName == "" || p.Spec.NodeName == n.nodeName {
		return nil
	}
	return newStatus(UnschedulableAndUnresolvable, "node(s) didn't match the requested node name")
}

func (nodeName) Events() []eventHint {
	return []eventHint{{resource: resNode, actions: actAdd, hint: func(p *api.Pod, _, new any) bool {
		_, n := asNodes(nil, new)
		return n != nil && (p.Spec.NodeName == "" || p.Spec.NodeName == n.Name)
	}}}
}

type taintToleration struct{}

func (taintToleration) Name() string { return "TaintToleration" }

// Filter rejects a node with a NoSchedule or NoExecute taint the pod does
// not tolerate, naming the first such taint.
func (taintToleration) Filter(_ *cycleState, p *api.Pod, n *nodeInfo) *Status {
	t, ok := untoleratedTaint(n.taints, p.Spec.Tolerations)
	if !ok {
		return nil
	}
	return newStatus(UnschedulableAndUnresolvable, fmt.Sprintf("node(s) had untolerated taint {%s: %s}", t.Key, t.Value))
}

// untoleratedTaint is FindMatchingUntoleratedTaint with
// DoNotScheduleTaintsFilterFunc.
func untoleratedTaint(taints []api.Taint, tolerations []api.Toleration) (api.Taint, bool) {
	for i := range taints {
		t := &taints[i]
		if (t.Effect == api.TaintNoSchedule || t.Effect == api.TaintNoExecute) && !api.TolerationsTolerateTaint(tolerations, t) {
			return *t, true
		}
	}
	return api.Taint{}, false
}

// PreScore keeps the tolerations that can tolerate PreferNoSchedule taints.
func (taintToleration) PreScore(s *cycleState, p *api.Pod, _ []*nodeInfo) *Status {
	s.preferNoSchedule = nil
	for _, t := range p.Spec.Tolerations {
		if t.Effect == "" || t.Effect == api.TaintPreferNoSchedule {
			s.preferNoSchedule = append(s.preferNoSchedule, t)
		}
	}
	return nil
}

// Score counts the PreferNoSchedule taints the pod does not tolerate.
func (taintToleration) Score(s *cycleState, _ *api.Pod, n *nodeInfo) int64 {
	var c int64
	for i := range n.taints {
		t := &n.taints[i]
		if t.Effect == api.TaintPreferNoSchedule && !api.TolerationsTolerateTaint(s.preferNoSchedule, t) {
			c++
		}
	}
	return c
}

// Normalize reverses: fewer intolerable taints is better.
func (taintToleration) Normalize(_ *cycleState, _ *api.Pod, _ []*nodeInfo, scores []int64) {
	defaultNormalize(scores, true)
}

func (taintToleration) Events() []eventHint {
	return []eventHint{
		{resource: resNode, actions: actAdd | actUpdateNodeTaint, hint: func(p *api.Pod, old, new any) bool {
			o, n := asNodes(old, new)
			if n == nil {
				return false
			}
			_, now := untoleratedTaint(n.Spec.Taints, p.Spec.Tolerations)
			was := true
			if o != nil {
				_, was = untoleratedTaint(o.Spec.Taints, p.Spec.Tolerations)
			}
			return was && !now
		}},
		{resource: resUnscheduled, actions: actUpdatePodToleration},
	}
}

// defaultNormalize is helper.DefaultNormalizeScore: scale to 0..100 by the
// highest score, reversed if asked.
func defaultNormalize(scores []int64, reverse bool) {
	var maxCount int64
	for _, s := range scores {
		maxCount = max(maxCount, s)
	}
	if maxCount == 0 {
		if reverse {
			for i := range scores {
				scores[i] = MaxNodeScore
			}
		}
		return
	}
	for i, s := range scores {
		s = MaxNodeScore * s / maxCount
		if reverse {
			s = MaxNodeScore - s
		}
		scores[i] = s
	}
}

type nodeAffinity struct{ h *handle }

func (nodeAffinity) Name() string { return "NodeAffinity" }

// nodeSelector is RequiredNodeAffinity: the pod's nodeSelector and its
// required node affinity terms, both of which must match.
type nodeSelector struct {
	labels map[string]string
	terms  []api.NodeSelectorTerm
	any    bool // there are required terms (none of which may match)
	memo   int  // for a selector of labels only, its slot in the nodes' memos, plus 1
}

func requiredNodeAffinity(p *api.Pod) nodeSelector {
	ns := nodeSelector{labels: p.Spec.NodeSelector}
	if a := p.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		ns.terms, ns.any = a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms, true
	}
	return ns
}

// matchesInfo is matches, remembered on the node for a selector of labels
// only: every pod of a Deployment asks the same of hundreds of nodes.
func (ns nodeSelector) matchesInfo(n *nodeInfo) bool {
	if ns.memo == 0 {
		return ns.matches(n.node)
	}
	i := ns.memo - 1
	if i >= len(n.selMatch) {
		n.selMatch = append(n.selMatch, make([]uint8, i+1-len(n.selMatch))...)
	}
	if n.selMatch[i] == 0 {
		n.selMatch[i] = 2
		if ns.matches(n.node) {
			n.selMatch[i] = 1
		}
	}
	return n.selMatch[i] == 1
}

func (ns nodeSelector) matches(n *api.Node) bool {
	for k, v := range ns.labels {
		if got, ok := n.Labels[k]; !ok || got != v {
			return false
		}
	}
	return !ns.any || matchesSomeTerm(ns.terms, n)
}

func (pl nodeAffinity) PreFilter(s *cycleState, p *api.Pod) (*preFilterResult, *Status) {
	s.required = requiredNodeAffinity(p)
	if len(s.required.labels) == 0 && !s.required.any {
		return nil, skipped
	}
	if !s.required.any && pl.h != nil {
		s.required.memo = pl.h.cache.selectorMemo(s.required.labels)
	}
	return nodeNamesOfTerms(s.required.terms)
}

// nodeNamesOfTerms narrows the nodes to those the terms name by
// metadata.name, when every term names some; terms that name none
// between them conflict.
func nodeNamesOfTerms(terms []api.NodeSelectorTerm) (*preFilterResult, *Status) {
	if len(terms) == 0 {
		return nil, nil
	}
	names := map[string]bool{}
	for _, t := range terms {
		termNames := termNodeNames(t)
		if termNames == nil {
			return nil, nil
		}
		for n := range termNames {
			names[n] = true
		}
	}
	if len(names) == 0 {
		return nil, newStatus(UnschedulableAndUnresolvable, "pod affinity terms conflict")
	}
	return &preFilterResult{nodes: names}, nil
}

// termNodeNames intersects the term's metadata.name In requirements; nil
// when it has none.
func termNodeNames(t api.NodeSelectorTerm) map[string]bool {
	var names map[string]bool
	for _, r := range t.MatchFields {
		if r.Key != "metadata.name" || r.Operator != "In" {
			continue
		}
		set := map[string]bool{}
		for _, v := range r.Values {
			if names == nil || names[v] {
				set[v] = true
			}
		}
		names = set
	}
	return names
}

func (nodeAffinity) Filter(s *cycleState, _ *api.Pod, n *nodeInfo) *Status {
	if s.required.matchesInfo(n) {
		return nil
	}
	return newStatus(UnschedulableAndUnresolvable, "node(s) didn't match Pod's node affinity/selector")
}

// preferredTerm is a preferred scheduling term with its weight.
type preferredTerm struct {
	term   api.NodeSelectorTerm
	weight int64
}

func (nodeAffinity) PreScore(s *cycleState, p *api.Pod, _ []*nodeInfo) *Status {
	s.preferred = nil
	if a := p.Spec.Affinity; a != nil && a.NodeAffinity != nil {
		for _, t := range a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			if t.Weight != 0 {
				s.preferred = append(s.preferred, preferredTerm{term: t.Preference, weight: int64(t.Weight)})
			}
		}
	}
	if s.preferred == nil {
		return skipped
	}
	return nil
}

// Score sums the weights of the preferred terms the node matches.
func (nodeAffinity) Score(s *cycleState, _ *api.Pod, n *nodeInfo) int64 {
	var sum int64
	for _, t := range s.preferred {
		if matchesTerm(t.term, n.node) {
			sum += t.weight
		}
	}
	return sum
}

func (nodeAffinity) Normalize(_ *cycleState, _ *api.Pod, _ []*nodeInfo, scores []int64) {
	defaultNormalize(scores, false)
}

func (nodeAffinity) Events() []eventHint {
	return []eventHint{{resource: resNode, actions: actAdd | actUpdateNodeLabel, hint: func(p *api.Pod, old, new any) bool {
		o, n := asNodes(old, new)
		req := requiredNodeAffinity(p)
		return n != nil && req.matches(n) && (o == nil || !req.matches(o))
	}}}
}

func matchesSomeTerm(terms []api.NodeSelectorTerm, n *api.Node) bool {
	return api.MatchesSomeNodeSelectorTerm(terms, n)
}

func matchesTerm(t api.NodeSelectorTerm, n *api.Node) bool { return api.MatchesNodeSelectorTerm(t, n) }

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
