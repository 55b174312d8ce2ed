package scheduler

import (
	"maps"
	"math"
	"reflect"
	"slices"

	"github.com/kubeplay/kubeplay/engine/api"
)

// podTopologySpread is the PodTopologySpread plugin: the pod's hard and
// soft topology spread constraints, or the system default constraints for
// a pod that has none and belongs to a Service or a controller.
type podTopologySpread struct{ h *handle }

func (*podTopologySpread) Name() string { return "PodTopologySpread" }

// The plugin's reasons.
const (
	errSpreadNotMatch  = "node(s) didn't match pod topology spread constraints"
	errSpreadNoLabel   = errSpreadNotMatch + " (missing required label)"
	labelHostname      = "kubernetes.io/hostname"
	labelZone          = "topology.kubernetes.io/zone"
	doNotSchedule      = "DoNotSchedule"
	scheduleAnyway     = "ScheduleAnyway"
	policyHonor        = "Honor"
	policyIgnore       = "Ignore"
	invalidSpreadScore = -1
)

// systemDefaultConstraints are kube-scheduler's default constraints:
// hostname with maxSkew 3, zone with maxSkew 5, both ScheduleAnyway.
var systemDefaultConstraints = []api.TopologySpreadConstraint{
	{TopologyKey: labelHostname, WhenUnsatisfiable: scheduleAnyway, MaxSkew: 3},
	{TopologyKey: labelZone, WhenUnsatisfiable: scheduleAnyway, MaxSkew: 5},
}

// spreadConstraint is a parsed constraint, its defaults applied.
type spreadConstraint struct {
	maxSkew                    int32
	key                        string
	selector                   api.Selector
	minDomains                 int32
	honorAffinity, honorTaints bool
}

// constraints returns the pod's constraints of the given kind, or the
// default ones built from the selectors that pick the pod.
func (pl *podTopologySpread) constraints(p *api.Pod, kind string) []spreadConstraint {
	if len(p.Spec.TopologySpreadConstraints) > 0 {
		return parseConstraints(p.Spec.TopologySpreadConstraints, p.Labels, kind)
	}
	cs := parseConstraints(systemDefaultConstraints, p.Labels, kind)
	if len(cs) == 0 {
		return nil
	}
	sel := pl.h.defaultSelector(p)
	if sel.Empty() {
		return nil
	}
	for i := range cs {
		cs[i].selector = sel
	}
	return cs
}

// parseConstraints is filterTopologySpreadConstraints: matchLabelKeys join
// the selector with the pod's own label values; minDomains defaults to 1,
// nodeAffinityPolicy to Honor, nodeTaintsPolicy to Ignore.
func parseConstraints(in []api.TopologySpreadConstraint, labels map[string]string, kind string) []spreadConstraint {
	var out []spreadConstraint
	for _, c := range in {
		if c.WhenUnsatisfiable != kind {
			continue
		}
		out = append(out, spreadConstraint{
			maxSkew: c.MaxSkew, key: c.TopologyKey, minDomains: api.Deref(c.MinDomains, 1),
			selector:      selectorOrNothing(withLabelKeys(c.LabelSelector, c.MatchLabelKeys, nil, labels)),
			honorAffinity: api.Deref(c.NodeAffinityPolicy, policyHonor) == policyHonor,
			honorTaints:   api.Deref(c.NodeTaintsPolicy, policyIgnore) == policyHonor,
		})
	}
	return out
}

// includes is matchNodeInclusionPolicies.
func (c *spreadConstraint) includes(p *api.Pod, n *api.Node, req nodeSelector) bool {
	if c.honorAffinity && !req.matches(n) {
		return false
	}
	if c.honorTaints {
		if _, bad := untoleratedTaint(n.Spec.Taints, p.Spec.Tolerations); bad {
			return false
		}
	}
	return true
}

func hasAllKeys(labels map[string]string, cs []spreadConstraint) bool {
	for _, c := range cs {
		if _, ok := labels[c.key]; !ok {
			return false
		}
	}
	return true
}

// countMatching is countPodsMatchSelector: pods of the namespace, not
// terminating, that the selector picks.
func countMatching(pods []*podInfo, sel api.Selector, ns string) int64 {
	if sel.Empty() {
		return 0
	}
	var n int64
	for _, pi := range pods {
		if pi.pod.DeletionTimestamp == nil && pi.pod.Namespace == ns && sel.Matches(pi.pod.Labels) {
			n++
		}
	}
	return n
}

// spreadState is the prefilter state: matching pods per domain of each
// hard constraint, and each constraint's two emptiest domains.
type spreadState struct {
	constraints []spreadConstraint
	counts      []map[string]int64
	paths       []criticalPaths
	required    nodeSelector
}

func (st *spreadState) clone() *spreadState {
	if st == nil {
		return nil
	}
	c := *st
	c.counts = make([]map[string]int64, len(st.counts))
	for i, m := range st.counts {
		c.counts[i] = maps.Clone(m)
	}
	c.paths = slices.Clone(st.paths)
	return &c
}

// criticalPaths keeps the two domains with the fewest matching pods.
type criticalPaths [2]struct {
	value string
	num   int64
}

func newCriticalPaths() criticalPaths {
	var p criticalPaths
	p[0].num, p[1].num = math.MaxInt32, math.MaxInt32
	return p
}

func (p *criticalPaths) update(value string, num int64) {
	i := -1
	if value == p[0].value {
		i = 0
	} else if value == p[1].value {
		i = 1
	}
	if i >= 0 {
		p[i].num = num
		if p[0].num > p[1].num {
			p[0], p[1] = p[1], p[0]
		}
		return
	}
	if num < p[0].num {
		p[1] = p[0]
		p[0].value, p[0].num = value, num
	} else if num < p[1].num {
		p[1].value, p[1].num = value, num
	}
}

func (pl *podTopologySpread) PreFilter(s *cycleState, p *api.Pod) (*preFilterResult, *Status) {
	cs := pl.constraints(p, doNotSchedule)
	if len(cs) == 0 {
		return nil, skipped
	}
	st := &spreadState{constraints: cs, counts: make([]map[string]int64, len(cs)), paths: make([]criticalPaths, len(cs)), required: requiredNodeAffinity(p)}
	for i := range cs {
		st.counts[i] = map[string]int64{}
	}
	counters := make([]*matchCounter, len(cs))
	for i := range cs {
		counters[i] = pl.h.cache.counterFor(cs[i].selector, p.Namespace)
	}
	for _, n := range pl.h.cache.nodeList() {
		st.countNode(counters, p, n)
	}
	for i := range cs {
		st.paths[i] = newCriticalPaths()
		for _, v := range slices.Sorted(maps.Keys(st.counts[i])) {
			st.paths[i].update(v, st.counts[i][v])
		}
	}
	s.spread = st
	return nil, nil
}

// countNode adds the node's matching pods to the domains of the
// constraints it is eligible for; a node without every topology key does
// not count at all. As upstream, constraints on the same key share one
// count per node: the last eligible one's.
func (st *spreadState) countNode(counters []*matchCounter, p *api.Pod, n *nodeInfo) {
	if !hasAllKeys(n.node.Labels, st.constraints) {
		return
	}
	cs := st.constraints
	for i := range cs {
		if !cs[i].includes(p, n.node, st.required) || st.laterIncluded(p, n, i) {
			continue
		}
		v, _ := n.label(cs[i].key)
		num := counters[i].on(n, cs[i].selector, p.Namespace)
		for j := range cs {
			if cs[j].key == cs[i].key {
				st.counts[j][v] += num
			}
		}
	}
}

func (st *spreadState) laterIncluded(p *api.Pod, n *nodeInfo, i int) bool {
	for j := i + 1; j < len(st.constraints); j++ {
		if st.constraints[j].key == st.constraints[i].key && st.constraints[j].includes(p, n.node, st.required) {
			return true
		}
	}
	return false
}

func (pl *podTopologySpread) AddPod(s *cycleState, p *api.Pod, added *podInfo, n *nodeInfo) {
	s.spread.updateWithPod(added.pod, p, n.node, 1)
}

func (pl *podTopologySpread) RemovePod(s *cycleState, p *api.Pod, removed *podInfo, n *nodeInfo) {
	s.spread.updateWithPod(removed.pod, p, n.node, -1)
}

func (st *spreadState) updateWithPod(changed, p *api.Pod, n *api.Node, delta int64) {
	if st == nil || changed.Namespace != p.Namespace || !hasAllKeys(n.Labels, st.constraints) {
		return
	}
	for i, c := range st.constraints {
		if !c.selector.Matches(changed.Labels) || !c.includes(p, n, st.required) {
			continue
		}
		v := n.Labels[c.key]
		st.counts[i][v] += delta
		st.paths[i].update(v, st.counts[i][v])
	}
}

// Filter rejects a node where the pod would make a domain exceed maxSkew
// over the emptiest one (taken as 0 when there are fewer than minDomains).
func (pl *podTopologySpread) Filter(s *cycleState, p *api.Pod, n *nodeInfo) *Status {
	st := s.spread
	for i, c := range st.constraints {
		v, ok := n.label(c.key)
		if !ok {
			return newStatus(UnschedulableAndUnresolvable, errSpreadNoLabel)
		}
		minNum := st.paths[i][0].num
		if int32(len(st.counts[i])) < c.minDomains {
			minNum = 0
		}
		var self int64
		if c.selector.Matches(p.Labels) {
			self = 1
		}
		if st.counts[i][v]+self-minNum > int64(c.maxSkew) {
			return newStatus(Unschedulable, errSpreadNotMatch)
		}
	}
	return nil
}

func (pl *podTopologySpread) Events() []eventHint {
	return []eventHint{
		{resource: resAssignedPod, actions: actAdd | actUpdatePodLabel | actDelete, hint: pl.podHint},
		{resource: resNode, actions: actAdd | actDelete | actUpdateNodeLabel | actUpdateNodeTaint, hint: pl.nodeHint},
		{resource: resUnscheduled, actions: actUpdatePodLabel | actUpdatePodToleration},
	}
}

// podHint queues for a change of a pod of the namespace that a constraint
// selects, before or after.
func (pl *podTopologySpread) podHint(p *api.Pod, old, new any) bool {
	cs := pl.constraints(p, doNotSchedule)
	for _, changed := range []any{old, new} {
		if q, ok := changed.(*api.Pod); ok && q != nil && q.Namespace == p.Namespace {
			for _, c := range cs {
				if c.selector.Matches(q.Labels) {
					return true
				}
			}
		}
	}
	return false
}

// nodeHint queues for a node with every topology key, or one whose keys
// or taints changed.
func (pl *podTopologySpread) nodeHint(p *api.Pod, old, new any) bool {
	o, n := asNodes(old, new)
	cs := pl.constraints(p, doNotSchedule)
	switch {
	case o == nil:
		return n != nil && hasAllKeys(n.Labels, cs)
	case n == nil:
		return hasAllKeys(o.Labels, cs)
	}
	for _, c := range cs {
		if o.Labels[c.key] != n.Labels[c.key] {
			return true
		}
	}
	return !reflect.DeepEqual(o.Spec.Taints, n.Spec.Taints)
}
