package scheduler

import (
	"math"

	"github.com/kubeplay/kubeplay/engine/api"
)

// PodTopologySpread's scoring, for its ScheduleAnyway constraints.

type spreadScoreState struct {
	constraints []spreadConstraint
	ignored     map[string]bool    // nodes without every topology key
	counts      []map[string]int64 // matching pods per domain of the filtered nodes
	weights     []float64          // log(domains + 2) per constraint
	counters    []*matchCounter    // the cache's counts of each constraint's pods
}

// PreScore counts, per domain that holds a filtered node, the matching
// pods on every node of the cluster; hostname counts are taken in Score.
func (pl *podTopologySpread) PreScore(s *cycleState, p *api.Pod, filtered []*nodeInfo) *Status {
	s.spreadScore = nil
	all := pl.h.cache.nodeList()
	cs := pl.constraints(p, scheduleAnyway)
	if len(all) == 0 || len(cs) == 0 {
		return skipped
	}
	// Only the pod's own constraints need every key on a node; the
	// system's let a node without a zone still spread by hostname.
	requireAll := len(p.Spec.TopologySpreadConstraints) > 0
	st := &spreadScoreState{constraints: cs, ignored: map[string]bool{}, counts: make([]map[string]int64, len(cs))}
	st.initDomains(filtered, requireAll)
	st.counters = make([]*matchCounter, len(cs))
	for i := range cs {
		st.counters[i] = pl.h.cache.counterFor(cs[i].selector, p.Namespace)
	}
	req := requiredNodeAffinity(p)
	byNode := pl.sumDomains(st, p, requireAll, req)
	for _, n := range all {
		if len(byNode) == 0 {
			break
		}
		if requireAll && !hasAllKeys(n.node.Labels, cs) {
			continue
		}
		for _, i := range byNode {
			c := &cs[i]
			if !c.includes(p, n.node, req) {
				continue
			}
			v := n.node.Labels[c.key]
			if _, ok := st.counts[i][v]; ok {
				st.counts[i][v] += st.counters[i].on(n, c.selector, p.Namespace)
			}
		}
	}
	s.spreadScore = st
	return nil
}

// sumDomains fills in the domain counts of the constraints for which
// every existing node counts, or every node with the labels of the pod's
// nodeSelector (none is left out for lacking another key, for required
// node affinity terms or for its taints), from the cache's sums by
// domain; it returns the other constraints, to count node by node.
// Hostname constraints are counted in Score.
func (pl *podTopologySpread) sumDomains(st *spreadScoreState, p *api.Pod, requireAll bool, req nodeSelector) []int {
	var byNode []int
	for i := range st.constraints {
		c := &st.constraints[i]
		switch {
		case c.key == labelHostname:
		case !requireAll && !pl.h.cache.exact && !c.honorTaints && (!c.honorAffinity || !req.any):
			var nodeLabels map[string]string
			if c.honorAffinity {
				nodeLabels = req.labels
			}
			sums := pl.h.cache.domainCounts(st.counters[i], c.key, nodeLabels)
			for v := range st.counts[i] {
				st.counts[i][v] = sums[v]
			}
		default:
			byNode = append(byNode, i)
		}
	}
	return byNode
}

// initDomains is initPreScoreState: the domains of the filtered nodes, and
// each constraint's normalizing weight from their number.
func (st *spreadScoreState) initDomains(filtered []*nodeInfo, requireAll bool) {
	sizes := make([]int, len(st.constraints))
	for i := range st.constraints {
		st.counts[i] = map[string]int64{}
	}
	for _, n := range filtered {
		if requireAll && !hasAllKeys(n.node.Labels, st.constraints) {
			st.ignored[n.name()] = true
			continue
		}
		for i, c := range st.constraints {
			if c.key == labelHostname {
				continue
			}
			v, _ := n.label(c.key)
			if _, ok := st.counts[i][v]; !ok {
				st.counts[i][v] = 0
				sizes[i]++
			}
		}
	}
	st.weights = make([]float64, len(st.constraints))
	for i, c := range st.constraints {
		size := sizes[i]
		if c.key == labelHostname {
			size = len(filtered) - len(st.ignored)
		}
		st.weights[i] = math.Log(float64(size + 2))
	}
}

// Score is the matching pods of the node's domains, each weighted and
// offset by maxSkew-1 so that small skews matter less.
func (pl *podTopologySpread) Score(s *cycleState, p *api.Pod, n *nodeInfo) int64 {
	st := s.spreadScore
	if len(st.ignored) > 0 && st.ignored[n.name()] {
		return 0
	}
	var score float64
	for i, c := range st.constraints {
		v, ok := n.label(c.key)
		if !ok {
			continue
		}
		var cnt int64
		if c.key == labelHostname {
			cnt = st.counters[i].on(n, c.selector, p.Namespace)
		} else {
			cnt = st.counts[i][v]
		}
		score += float64(cnt)*st.weights[i] + float64(c.maxSkew-1)
	}
	return int64(math.Round(score))
}

// Normalize reverses: the fewer matching pods, the higher the score; an
// ignored node gets 0.
func (pl *podTopologySpread) Normalize(s *cycleState, _ *api.Pod, nodes []*nodeInfo, scores []int64) {
	st := s.spreadScore
	lo, hi := int64(math.MaxInt64), int64(0)
	for i, n := range nodes {
		if len(st.ignored) > 0 && st.ignored[n.name()] {
			scores[i] = invalidSpreadScore
			continue
		}
		lo, hi = min(lo, scores[i]), max(hi, scores[i])
	}
	for i, v := range scores {
		switch {
		case v == invalidSpreadScore:
			scores[i] = 0
		case hi == 0:
			scores[i] = MaxNodeScore
		default:
			scores[i] = MaxNodeScore * (hi + lo - v) / hi
		}
	}
}
