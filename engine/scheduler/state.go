package scheduler

import (
	"slices"

	"github.com/kubeplay/kubeplay/engine/api"
)

// cycleState is what the plugins compute for one pod in one scheduling
// cycle, as the framework's CycleState. It is a struct rather than a map
// of plugin names: the plugins are fixed, and the hot path stays free of
// lookups. Preemption and nominated pods work on clones.
type cycleState struct {
	pod        *podInfo
	skipFilter pluginSet      // plugins whose PreFilter said Skip
	skipScore  pluginSet      // plugins whose PreScore said Skip
	filters    []filterPlugin // the filter plugins not skipped, in order

	fit      Resource // NodeResourcesFit's pod request
	ports    []api.ContainerPort
	required nodeSelector // NodeAffinity's nodeSelector and required terms
	rwop     *rwopState
	volumes  *volumeState
	spread   *spreadState
	affinity *affinityState

	// PreScore state.
	preferNoSchedule []api.Toleration
	preferred        []preferredTerm
	fitScore         [2]int64 // cpu, memory requests for NodeResourcesFit's score
	balancedScore    [2]int64 // the same without defaults, for BalancedAllocation
	spreadScore      *spreadScoreState
	affinityScore    map[string]map[string]int64
}

func newCycleState(pi *podInfo) *cycleState {
	return &cycleState{pod: pi}
}

// clone copies the state that AddPod and RemovePod change, so a dry run
// does not disturb the cycle's own state.
func (s *cycleState) clone() *cycleState {
	c := *s
	c.skipFilter = slices.Clone(s.skipFilter)
	c.skipScore = slices.Clone(s.skipScore)
	c.rwop = s.rwop.clone()
	c.spread = s.spread.clone()
	c.affinity = s.affinity.clone()
	return &c
}

// pluginSet is a small set of plugin names.
type pluginSet []string

func (ps *pluginSet) add(name string) {
	if !ps.has(name) {
		*ps = append(*ps, name)
	}
}

func (ps pluginSet) has(name string) bool {
	for _, n := range ps {
		if n == name {
			return true
		}
	}
	return false
}
