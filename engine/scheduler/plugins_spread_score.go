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
}

// PreScore counts, per domain that holds a filtered node, the matching
// pods on every node of the cluster; hostname counts are taken in Score.
func (pl *podTopologySpread) PreScore(s *cycleState, p *api.Pod, filtered []*nodeInfo) *Status {
	s.spreadScore = nil
	all := pl.h.cache.nodeList()
	cs := pl.constraints(p, scheduleAnyway)
	if len(all) == 0 || len(cs) == 0 {
		return newStatus(Skip)
	}
	// Only the pod's own constraints need every key on a node; the
	// system's let a node without a zone still spread by hostname.
	requireAll := len(p.Spec.TopologySpreadConstraints) > 0
	st := &spreadScoreState{constraints: cs, ignored: map[string]bool{}, counts: make([]map[string]int64, len(cs))}
	st.initDomains(filtered, requireAll)
	req := requiredNodeAffinity(p)
	for _, n := range all {
		if requireAll && !hasAllKeys(n.node.Labels, cs) {
			continue
		}
		for i := range cs {
			c := &cs[i]
			if !c.includes(p, n.node, req) {
				continue
			}
			v := n.node.Labels[c.key]
			if _, ok := st.counts[i][v]; ok && c.key != labelHostname {
				st.counts[i][v] += countMatching(n.pods, c.selector, p.Namespace)
			}
		}
	}
	s.spreadScore = st
	return nil
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
			v := n.node.Labels[c.key]
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
	if st.ignored[n.name()] {
		return 0
	}
	var score float64
	for i, c := range st.constraints {
		v, ok := n.node.Labels[c.key]
		if !ok {
			continue
		}
		cnt := st.counts[i][v]
		if c.key == labelHostname {
			cnt = countMatching(n.pods, c.selector, p.Namespace)
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
		if st.ignored[n.name()] {
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
