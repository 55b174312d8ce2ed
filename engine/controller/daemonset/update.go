package daemonset

import (
	"fmt"
	"maps"
	"slices"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// rollingUpdate deletes old pods, or creates new ones beside them when
// surging, within the strategy's bounds: without surge it deletes old
// pods while fewer than maxUnavailable are unavailable and lets manage
// create the new ones; with surge it starts a new pod on up to maxSurge
// nodes whose old pod is available, and deletes an old pod once the new
// one beside it is available.
func (ctl *Controller) rollingUpdate(ds *api.DaemonSet, nodes []*api.Node, hash string) error {
	byNode, err := ctl.nodesToDaemonPods(ds, false)
	if err != nil {
		return fmt.Errorf("couldn't get node to daemon pod mapping for daemon set %q: %w", ds.Name, err)
	}
	maxSurge, maxUnavailable, desired, err := ctl.updatedDesiredNodeCounts(ds, nodes, byNode)
	if err != nil {
		return fmt.Errorf("couldn't get unavailable numbers: %w", err)
	}
	if maxSurge == 0 {
		return ctl.syncNodes(ds, ctl.podsToReplace(ds, byNode, hash, maxUnavailable), nil, hash)
	}
	remove, create := ctl.surge(ds, nodes, byNode, hash, maxSurge, desired)
	return ctl.syncNodes(ds, remove, create, hash)
}

// podsToReplace are the old pods to delete without surge: every
// unavailable one, and available ones while the unavailable stay under
// maxUnavailable. A node with several pods, or with none or both an old
// and a new one, counts as unavailable and is left to manage.
func (ctl *Controller) podsToReplace(ds *api.DaemonSet, byNode map[string][]*api.Pod, hash string, maxUnavailable int) []string {
	now := ctl.c.Now()
	unavailable := 0
	var replacements, candidates []string
	for _, node := range slices.Sorted(maps.Keys(byNode)) {
		newPod, oldPod, ok := findUpdatedPodsOnNode(byNode[node], hash)
		switch {
		case !ok, oldPod == nil && newPod == nil, oldPod != nil && newPod != nil:
			unavailable++
		case newPod != nil:
			if !controller.IsPodAvailable(newPod, ds.Spec.MinReadySeconds, now) {
				unavailable++
			}
		case !controller.IsPodAvailable(oldPod, ds.Spec.MinReadySeconds, now):
			replacements = append(replacements, oldPod.Name)
			unavailable++
		case unavailable < maxUnavailable:
			candidates = append(candidates, oldPod.Name)
		}
	}
	room := min(max(maxUnavailable-unavailable, 0), len(candidates))
	return append(replacements, candidates[:room]...)
}

// surge returns the old pods to delete and the nodes to start new pods on.
func (ctl *Controller) surge(ds *api.DaemonSet, nodes []*api.Node, byNode map[string][]*api.Pod, hash string, maxSurge, desired int) (remove, create []string) {
	now := ctl.c.Now()
	byName := map[string]*api.Node{}
	for _, n := range nodes {
		byName[n.Name] = n
	}
	var shouldNotRun, allowed, candidates []string
	surged, available := 0, 0
	for _, node := range slices.Sorted(maps.Keys(byNode)) {
		newPod, oldPod, ok := findUpdatedPodsOnNode(byNode[node], hash)
		if !ok {
			surged++
			continue
		}
		if p := oldPod; p != nil || newPod != nil {
			if p == nil {
				p = newPod
			}
			if controller.IsPodAvailable(p, ds.Spec.MinReadySeconds, now) {
				available++
			}
		}
		switch {
		case oldPod == nil:
		case newPod == nil:
			run := false
			if n, ok := byName[node]; ok {
				run, _ = ctl.shouldRun(n, ds)
			}
			switch {
			case !controller.IsPodAvailable(oldPod, ds.Spec.MinReadySeconds, now) && !run:
				remove = append(remove, oldPod.Name)
			case !controller.IsPodAvailable(oldPod, ds.Spec.MinReadySeconds, now):
				allowed = append(allowed, node)
			case !run:
				shouldNotRun = append(shouldNotRun, oldPod.Name)
			case surged < maxSurge:
				candidates = append(candidates, node)
			}
		case !controller.IsPodAvailable(newPod, ds.Spec.MinReadySeconds, now):
			surged++
		default:
			remove = append(remove, oldPod.Name)
		}
	}
	// An old pod on a node that no longer qualifies goes only once enough
	// pods elsewhere are available: surging promises full availability.
	if deletable := min(available-desired, len(shouldNotRun)); deletable > 0 {
		remove = append(remove, shouldNotRun[:deletable]...)
	}
	room := min(max(maxSurge-surged, 0), len(candidates))
	return remove, append(allowed, candidates[:room]...)
}

// findUpdatedPodsOnNode returns the node's new and old live pod; ok is
// false when there are several of either.
func findUpdatedPodsOnNode(pods []*api.Pod, hash string) (newPod, oldPod *api.Pod, ok bool) {
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		if p.Labels[RevisionHashLabel] == hash {
			if newPod != nil {
				return nil, nil, false
			}
			newPod = p
			continue
		}
		if oldPod != nil {
			return nil, nil, false
		}
		oldPod = p
	}
	return newPod, oldPod, true
}

// updatedDesiredNodeCounts returns maxSurge, maxUnavailable and the
// number of nodes that should run the set, and gives each such node an
// entry in byNode. With both bounds zero, one pod may be unavailable.
func (ctl *Controller) updatedDesiredNodeCounts(ds *api.DaemonSet, nodes []*api.Node, byNode map[string][]*api.Pod) (int, int, int, error) {
	desired := 0
	for _, n := range nodes {
		if run, _ := ctl.shouldRun(n, ds); !run {
			continue
		}
		desired++
		if _, ok := byNode[n.Name]; !ok {
			byNode[n.Name] = nil
		}
	}
	maxUnavailable, err := unavailableCount(ds, desired)
	if err != nil {
		return -1, -1, -1, fmt.Errorf("invalid value for MaxUnavailable: %w", err)
	}
	maxSurge, err := surgeCount(ds, desired)
	if err != nil {
		return -1, -1, -1, fmt.Errorf("invalid value for MaxSurge: %w", err)
	}
	if desired > 0 && maxUnavailable == 0 && maxSurge == 0 {
		maxUnavailable = 1
	}
	return maxSurge, maxUnavailable, desired, nil
}

// surgeCount is SurgeCount: maxSurge of n, rounded up; 0 without one.
func surgeCount(ds *api.DaemonSet, n int) (int, error) {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	if ds.Spec.UpdateStrategy.Type != "RollingUpdate" || ru == nil || ru.MaxSurge == nil {
		return 0, nil
	}
	return ru.MaxSurge.ScaledValue(n, true)
}

// unavailableCount is UnavailableCount: maxUnavailable of n, rounded up.
func unavailableCount(ds *api.DaemonSet, n int) (int, error) {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	if ds.Spec.UpdateStrategy.Type != "RollingUpdate" || ru == nil {
		return 0, nil
	}
	if ru.MaxUnavailable == nil {
		return 0, fmt.Errorf("nil value for IntOrString")
	}
	return ru.MaxUnavailable.ScaledValue(n, true)
}

// allowsSurge reports whether the set may run two pods on a node.
func allowsSurge(ds *api.DaemonSet) bool {
	n, err := surgeCount(ds, 1)
	return err == nil && n > 0
}
