package nodelifecycle

import (
	"maps"
	"slices"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// Zone states, as upstream's ZoneState.
const (
	stateInitial           = "Initial"
	stateNormal            = "Normal"
	stateFullDisruption    = "FullDisruption"
	statePartialDisruption = "PartialDisruption"
)

// zone is one failure domain: its state and the queue of its nodes
// waiting for a NoExecute taint.
type zone struct {
	state   string
	tainter *rateLimitedQueue
}

// zoneKey is a node's region and zone, as topology.GetZoneKey.
func zoneKey(n *api.Node) string {
	region := n.Labels["topology.kubernetes.io/region"]
	z := n.Labels["topology.kubernetes.io/zone"]
	if region == "" && z == "" {
		return ""
	}
	return region + ":\x00:" + z
}

// zoneOf returns a node's zone, making it the first time the zone is seen
// (addPodEvictorForNewZone).
func (ctl *Controller) zoneOf(n *api.Node) *zone { return ctl.zoneFor(zoneKey(n)) }

// zoneFor returns the zone of a key, making it if need be. A zone's state
// is empty while no monitor pass has counted its nodes.
func (ctl *Controller) zoneFor(key string) *zone {
	z, ok := ctl.zones[key]
	if !ok {
		z = &zone{tainter: newRateLimitedQueue(newTokenBucket(evictionLimiterQPS, evictionRateLimiterBurst, ctl.c.Now()))}
		ctl.zones[key] = z
	}
	if z.state == "" {
		z.state = stateInitial
	}
	return z
}

// computeZoneState is ComputeZoneState: a zone with no ready node is fully
// disrupted, one with more than two nodes not ready making at least
// unhealthyZoneThreshold of it partially, any other normal. It returns the
// number of nodes not ready too.
func computeZoneState(conditions []*api.NodeCondition) (int, string) {
	ready, notReady := 0, 0
	for _, c := range conditions {
		if c != nil && c.Status == api.ConditionTrue {
			ready++
		} else {
			notReady++
		}
	}
	switch {
	case ready == 0 && notReady > 0:
		return notReady, stateFullDisruption
	case notReady > 2 && float64(notReady)/float64(notReady+ready) >= unhealthyZoneThreshold:
		return notReady, statePartialDisruption
	}
	return notReady, stateNormal
}

// zoneQPS is the eviction rate of a zone in a state: the normal rate, a
// lower one (or none, in a small zone) in a partial disruption.
func zoneQPS(state string, size int) float64 {
	switch state {
	case statePartialDisruption:
		if size > largeClusterThreshold {
			return secondaryEvictionLimiterQPS
		}
		return 0
	case stateNormal, stateFullDisruption:
		return evictionLimiterQPS
	}
	return evictionLimiterQPS
}

// handleDisruption works out each zone's state and sets its eviction rate.
// When every zone is fully disrupted the trouble is more likely on the
// control plane's side than on the nodes', so the controller stops
// evicting and takes the NoExecute taints off every node.
func (ctl *Controller) handleDisruption(byZone map[string][]*api.NodeCondition, nodes []*api.Node) {
	now := ctl.c.Now()
	newStates := map[string]string{}
	allFully := true
	for _, key := range slices.Sorted(maps.Keys(byZone)) {
		_, state := computeZoneState(byZone[key])
		if state != stateFullDisruption {
			allFully = false
		}
		newStates[key] = state
		ctl.zoneFor(key)
	}
	allWereFully := true
	keys := slices.Sorted(maps.Keys(ctl.zones))
	for _, key := range keys {
		z := ctl.zones[key]
		if _, ok := byZone[key]; !ok {
			z.state = ""
			continue
		}
		if z.state != stateFullDisruption {
			allWereFully = false
		}
	}
	if allFully && allWereFully {
		return
	}
	switch {
	case allFully:
		for _, n := range nodes {
			_ = ctl.markReachable(n)
		}
		for _, key := range keys {
			if z := ctl.zones[key]; z.state != "" {
				z.tainter.swapLimiter(0, now)
				z.state = stateFullDisruption
			}
		}
	case allWereFully:
		for _, n := range nodes {
			if h := ctl.health[n.Name]; h != nil {
				h.probe, h.readyTransition = now, now
			}
		}
		ctl.setLimiters(keys, newStates, byZone, true)
	default:
		ctl.setLimiters(keys, newStates, byZone, false)
	}
}

// setLimiters gives each counted zone the eviction rate of its new state;
// unless all is set, only zones whose state changed.
func (ctl *Controller) setLimiters(keys []string, states map[string]string, byZone map[string][]*api.NodeCondition, all bool) {
	for _, key := range keys {
		z := ctl.zones[key]
		if z.state == "" || !all && z.state == states[key] {
			continue
		}
		z.tainter.swapLimiter(zoneQPS(states[key], len(byZone[key])), ctl.c.Now())
		z.state = states[key]
	}
}

// taintPass is doNoExecuteTaintingPass: it lets each zone's queue taint as
// many nodes as its limiter allows, then sets a timer for the next token
// if nodes are still waiting.
func (ctl *Controller) taintPass() {
	now := ctl.c.Now()
	if ctl.timer != nil {
		ctl.timer()
		ctl.timer = nil
	}
	var next time.Time
	for _, key := range slices.Sorted(maps.Keys(ctl.zones)) {
		q := ctl.zones[key].tainter
		q.try(now, ctl.taintNode)
		if at, ok := q.next(now); ok && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	if !next.IsZero() {
		ctl.timer = ctl.c.Loop().After(next.Sub(now), func() {
			ctl.timer = nil
			ctl.taintPass()
		}).Stop
	}
}

// taintNode puts the NoExecute taint that matches the node's Ready
// condition on it, taking the opposite one off.
func (ctl *Controller) taintNode(v timedValue) (bool, time.Duration) {
	n, ok := ctl.nodes.Get("", v.node)
	if !ok {
		return true, 0
	}
	ready := controller.NodeCondition(n, "Ready")
	if ready == nil {
		return false, 50 * time.Millisecond
	}
	var add, remove api.Taint
	switch ready.Status {
	case api.ConditionFalse:
		add, remove = notReadyTaint, unreachableTaint
	case api.ConditionUnknown:
		add, remove = unreachableTaint, notReadyTaint
	default:
		return true, 0 // ready again
	}
	err := controller.SwapNodeTaints(ctl.c, n.Name, []api.Taint{add}, []api.Taint{remove}, true)
	return err == nil, 0
}
