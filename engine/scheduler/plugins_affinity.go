package scheduler

import (
	"math"

	"github.com/kubeplay/kubeplay/engine/api"
)

// interPodAffinity is the InterPodAffinity plugin: required and preferred
// pod affinity and anti-affinity, and the symmetry of existing pods'
// anti-affinity.
type interPodAffinity struct{ h *handle }

func (*interPodAffinity) Name() string { return "InterPodAffinity" }

// The plugin's reasons.
const (
	errAffinityNotMatch         = "node(s) didn't match pod affinity rules"
	errAntiAffinityNotMatch     = "node(s) didn't match pod anti-affinity rules"
	errExistingAntiAffinityRule = "node(s) didn't satisfy existing pods anti-affinity rules"
)

// hardPodAffinityWeight is InterPodAffinityArgs' default: the score an
// existing pod's required affinity for the incoming pod is worth.
const hardPodAffinityWeight = 1

type topologyPair struct{ key, value string }

// topologyCounts counts matching terms per topology domain.
type topologyCounts map[topologyPair]int64

func (m topologyCounts) update(n *api.Node, key string, delta int64) {
	v, ok := n.Labels[key]
	if !ok {
		return
	}
	p := topologyPair{key: key, value: v}
	m[p] += delta
	if m[p] == 0 {
		delete(m, p)
	}
}

// updateAnti counts the terms of an anti-affinity list that match p.
func (m topologyCounts) updateAnti(terms []affinityTerm, p *api.Pod, nsLabels map[string]string, n *api.Node, delta int64) {
	for i := range terms {
		if terms[i].matches(p, nsLabels) {
			m.update(n, terms[i].topologyKey, delta)
		}
	}
}

// updateAffinity counts each term's domain when p matches all the terms.
func (m topologyCounts) updateAffinity(terms []affinityTerm, p *api.Pod, n *api.Node, delta int64) {
	if matchesAllTerms(terms, p) {
		for _, t := range terms {
			m.update(n, t.topologyKey, delta)
		}
	}
}

func (m topologyCounts) clone() topologyCounts {
	out := make(topologyCounts, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func matchesAllTerms(terms []affinityTerm, p *api.Pod) bool {
	if len(terms) == 0 {
		return false
	}
	for i := range terms {
		if !terms[i].matches(p, nil) {
			return false
		}
	}
	return true
}

func matchesAnyTerm(terms []affinityTerm, p *api.Pod) bool {
	for i := range terms {
		if terms[i].matches(p, nil) {
			return true
		}
	}
	return false
}

// affinityState is the plugin's prefilter state.
type affinityState struct {
	existingAnti topologyCounts // existing pods' anti-affinity terms the pod matches
	affinity     topologyCounts // pods matching all the pod's affinity terms
	anti         topologyCounts // pods matching the pod's anti-affinity terms
	terms        []affinityTerm // the pod's, namespace selectors resolved
	antiTerms    []affinityTerm
	nsLabels     map[string]string
	incoming     *api.Pod
}

func (a *affinityState) clone() *affinityState {
	if a == nil {
		return nil
	}
	c := *a
	c.existingAnti, c.affinity, c.anti = a.existingAnti.clone(), a.affinity.clone(), a.anti.clone()
	return &c
}

func (pl *interPodAffinity) PreFilter(s *cycleState, p *api.Pod) (*preFilterResult, *Status) {
	st := &affinityState{
		existingAnti: topologyCounts{}, affinity: topologyCounts{}, anti: topologyCounts{},
		terms:     pl.h.resolveNamespaces(s.pod.requiredAffinity),
		antiTerms: pl.h.resolveNamespaces(s.pod.requiredAntiAffinity),
		nsLabels:  pl.h.namespaceLabels(p.Namespace), incoming: p,
	}
	nodes := pl.h.cache.nodeList()
	if pl.h.cache.antiPods > 0 {
		for _, n := range nodes {
			for _, existing := range n.anti {
				st.existingAnti.updateAnti(existing.requiredAntiAffinity, p, st.nsLabels, n.node, 1)
			}
		}
	}
	if len(st.terms)+len(st.antiTerms) > 0 {
		for _, n := range nodes {
			for _, existing := range n.pods {
				st.affinity.updateAffinity(st.terms, existing.pod, n.node, 1)
				st.anti.updateAnti(st.antiTerms, existing.pod, nil, n.node, 1)
			}
		}
	}
	if len(st.existingAnti) == 0 && len(st.terms)+len(st.antiTerms) == 0 {
		return nil, skipped
	}
	s.affinity = st
	return nil, nil
}

func (pl *interPodAffinity) AddPod(s *cycleState, _ *api.Pod, added *podInfo, n *nodeInfo) {
	s.affinity.updateWithPod(added, n.node, 1)
}

func (pl *interPodAffinity) RemovePod(s *cycleState, _ *api.Pod, removed *podInfo, n *nodeInfo) {
	s.affinity.updateWithPod(removed, n.node, -1)
}

// updateWithPod counts a pod added to or removed from a node.
func (a *affinityState) updateWithPod(pi *podInfo, n *api.Node, delta int64) {
	if a == nil {
		return
	}
	a.existingAnti.updateAnti(pi.requiredAntiAffinity, a.incoming, a.nsLabels, n, delta)
	a.affinity.updateAffinity(a.terms, pi.pod, n, delta)
	a.anti.updateAnti(a.antiTerms, pi.pod, nil, n, delta)
}

func (pl *interPodAffinity) Filter(s *cycleState, _ *api.Pod, n *nodeInfo) *Status {
	a := s.affinity
	switch {
	case !a.satisfiesAffinity(s.pod.pod, n.node):
		return newStatus(UnschedulableAndUnresolvable, errAffinityNotMatch)
	case !a.satisfiesAnti(n.node):
		return newStatus(Unschedulable, errAntiAffinityNotMatch)
	case !a.satisfiesExistingAnti(n.node):
		return newStatus(Unschedulable, errExistingAntiAffinityRule)
	}
	return nil
}

// satisfiesAffinity: every term's domain of the node holds a matching pod;
// or no pod anywhere matches and the pod matches its own terms (the first
// of a group with affinity to itself), on a node with every topology key.
func (a *affinityState) satisfiesAffinity(p *api.Pod, n *api.Node) bool {
	podsExist := true
	for _, t := range a.terms {
		v, ok := n.Labels[t.topologyKey]
		if !ok {
			return false
		}
		if a.affinity[topologyPair{key: t.topologyKey, value: v}] <= 0 {
			podsExist = false
		}
	}
	return podsExist || len(a.affinity) == 0 && matchesAllTerms(a.terms, p)
}

func (a *affinityState) satisfiesAnti(n *api.Node) bool {
	if len(a.anti) == 0 {
		return true
	}
	for _, t := range a.antiTerms {
		if v, ok := n.Labels[t.topologyKey]; ok && a.anti[topologyPair{key: t.topologyKey, value: v}] > 0 {
			return false
		}
	}
	return true
}

func (a *affinityState) satisfiesExistingAnti(n *api.Node) bool {
	if len(a.existingAnti) == 0 {
		return true
	}
	for k, v := range n.Labels {
		if a.existingAnti[topologyPair{key: k, value: v}] > 0 {
			return false
		}
	}
	return true
}

// PreScore sums, per topology domain, the weights of the preferred terms
// that existing pods and the incoming pod satisfy in each other's eyes.
func (pl *interPodAffinity) PreScore(s *cycleState, p *api.Pod, nodes []*nodeInfo) *Status {
	s.affinityScore = nil
	preferred := len(s.pod.preferredAffinity)+len(s.pod.preferredAntiAffinity) > 0
	if len(nodes) == 0 || !preferred && pl.h.cache.affinityPods == 0 {
		return skipped
	}
	sc := &affinityScorer{
		scores:   map[string]map[string]int64{},
		affinity: pl.h.resolveWeighted(s.pod.preferredAffinity),
		anti:     pl.h.resolveWeighted(s.pod.preferredAntiAffinity),
		nsLabels: pl.h.namespaceLabels(p.Namespace), incoming: p,
	}
	for _, n := range pl.h.cache.nodeList() {
		pods := n.affinity
		if preferred {
			pods = n.pods
		}
		for _, existing := range pods {
			sc.process(existing, n.node)
		}
	}
	if !sc.any {
		return skipped
	}
	s.affinityScore = sc.scores
	return nil
}

type affinityScorer struct {
	scores         map[string]map[string]int64
	affinity, anti []weightedTerm
	nsLabels       map[string]string
	incoming       *api.Pod
	any            bool
}

// process is processExistingPod.
func (sc *affinityScorer) process(existing *podInfo, n *api.Node) {
	if len(n.Labels) == 0 {
		return
	}
	sc.terms(sc.affinity, existing.pod, nil, n, 1)
	sc.terms(sc.anti, existing.pod, nil, n, -1)
	for i := range existing.requiredAffinity {
		sc.term(&existing.requiredAffinity[i], hardPodAffinityWeight, sc.incoming, sc.nsLabels, n, 1)
	}
	sc.terms(existing.preferredAffinity, sc.incoming, sc.nsLabels, n, 1)
	sc.terms(existing.preferredAntiAffinity, sc.incoming, sc.nsLabels, n, -1)
}

func (sc *affinityScorer) terms(ts []weightedTerm, p *api.Pod, nsLabels map[string]string, n *api.Node, sign int64) {
	for i := range ts {
		sc.term(&ts[i].affinityTerm, ts[i].weight, p, nsLabels, n, sign)
	}
}

func (sc *affinityScorer) term(t *affinityTerm, weight int64, p *api.Pod, nsLabels map[string]string, n *api.Node, sign int64) {
	if !t.matches(p, nsLabels) {
		return
	}
	v, ok := n.Labels[t.topologyKey]
	if !ok {
		return
	}
	if sc.scores[t.topologyKey] == nil {
		sc.scores[t.topologyKey] = map[string]int64{}
	}
	sc.scores[t.topologyKey][v] += weight * sign
	sc.any = true
}

// Score sums the node's domains' scores.
func (pl *interPodAffinity) Score(s *cycleState, _ *api.Pod, n *nodeInfo) int64 {
	var score int64
	for key, values := range s.affinityScore {
		if v, ok := n.node.Labels[key]; ok {
			score += values[v]
		}
	}
	return score
}

// Normalize scales between the lowest and highest score.
func (pl *interPodAffinity) Normalize(s *cycleState, _ *api.Pod, _ []*nodeInfo, scores []int64) {
	if len(s.affinityScore) == 0 {
		return
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, v := range scores {
		lo, hi = min(lo, v), max(hi, v)
	}
	for i, v := range scores {
		f := 0.0
		if hi > lo {
			f = float64(MaxNodeScore) * (float64(v-lo) / float64(hi-lo))
		}
		scores[i] = int64(f)
	}
}

func (pl *interPodAffinity) Events() []eventHint {
	return []eventHint{
		{resource: resAssignedPod, actions: actAdd | actUpdatePodLabel | actDelete, hint: affinityPodHint},
		{resource: resNode, actions: actAdd | actUpdateNodeLabel, hint: affinityNodeHint},
	}
}

// affinityPodHint is isSchedulableAfterPodChange: an added pod that
// matches the pod's affinity, an updated one that now does (or no longer
// matches its anti-affinity), a deleted one its anti-affinity matched or
// whose own anti-affinity kept the pod away.
func affinityPodHint(p *api.Pod, old, new any) bool {
	o, n := asPods(old, new)
	if n != nil && n.Spec.NodeName == "" || o != nil && o.Spec.NodeName == "" {
		return false
	}
	pi := newPodInfo(p)
	switch {
	case o != nil && n != nil:
		return !matchesAllTerms(pi.requiredAffinity, o) && matchesAllTerms(pi.requiredAffinity, n) ||
			matchesAnyTerm(pi.requiredAntiAffinity, o) && !matchesAnyTerm(pi.requiredAntiAffinity, n)
	case n != nil:
		return matchesAllTerms(pi.requiredAffinity, n)
	}
	return matchesAnyTerm(pi.requiredAntiAffinity, o) || matchesAnyTerm(newPodInfo(o).requiredAntiAffinity, p)
}

// affinityNodeHint is isSchedulableAfterNodeChange: a node that gains (or
// changes) a topology label the pod's terms use; any new node for a pod
// kept away by anti-affinity.
func affinityNodeHint(p *api.Pod, old, new any) bool {
	o, n := asNodes(old, new)
	if n == nil {
		return false
	}
	pi := newPodInfo(p)
	if o == nil && (len(pi.requiredAntiAffinity) > 0 || len(pi.requiredAffinity) == 0) {
		return true
	}
	for _, terms := range [][]affinityTerm{pi.requiredAffinity, pi.requiredAntiAffinity} {
		for _, t := range terms {
			nv, nok := n.Labels[t.topologyKey]
			if o == nil && nok {
				return true
			}
			if o != nil {
				ov, ook := o.Labels[t.topologyKey]
				if nok && (!ook || ov != nv) || ook && !nok {
					return true
				}
			}
		}
	}
	return false
}
