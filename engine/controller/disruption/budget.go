package disruption

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// The arithmetic of a budget, as values: what the controller computes
// from the pods a budget selects before it writes anything.

// DeletionTimeout is how long a pod the eviction handler approved may stay
// in a budget's disruptedPods before it is seen being deleted; after that
// it is assumed not to be going, and counts again.
const DeletionTimeout = 2 * time.Minute

// scaleFinder returns the scale of the controller a pod names as its
// owner: its uid and replicas, or found false when there is no such
// controller.
type scaleFinder func(ref *api.OwnerReference, ns string) (uid string, replicas int32, found bool, err error)

// counts are a budget's expected and desired pods.
type counts struct {
	expected, desiredHealthy int32
	unmanaged                []string // pods without a controller
}

// expectedCounts computes how many pods a budget expects and how many of
// them must stay healthy: minAvailable as a number counts the selected
// pods; a percentage, or maxUnavailable, scales the sum of the owning
// controllers' replicas, rounding up as upstream.
func expectedCounts(pdb *api.PodDisruptionBudget, pods []*api.Pod, find scaleFinder) (counts, error) {
	spec := pdb.Spec
	switch {
	case spec.MaxUnavailable != nil:
		c, err := expectedScale(pods, find)
		if err != nil {
			return c, err
		}
		maxUnavailable, err := spec.MaxUnavailable.ScaledValue(int(c.expected), true)
		if err != nil {
			return c, err
		}
		c.desiredHealthy = max(c.expected-int32(maxUnavailable), 0)
		return c, nil
	case spec.MinAvailable != nil && spec.MinAvailable.Type == api.Int:
		return counts{expected: int32(len(pods)), desiredHealthy: spec.MinAvailable.IntVal}, nil
	case spec.MinAvailable != nil:
		c, err := expectedScale(pods, find)
		if err != nil {
			return c, err
		}
		minAvailable, err := spec.MinAvailable.ScaledValue(int(c.expected), true)
		c.desiredHealthy = int32(minAvailable)
		return c, err
	}
	return counts{}, nil
}

// expectedScale sums the replicas of the controllers of the pods, each
// controller once.
func expectedScale(pods []*api.Pod, find scaleFinder) (counts, error) {
	var c counts
	scales := map[string]int32{}
	for _, p := range pods {
		ref := controller.ControllerRef(p)
		if ref == nil {
			c.unmanaged = append(c.unmanaged, p.Name)
			continue
		}
		if _, ok := scales[ref.UID]; ok {
			continue
		}
		uid, replicas, found, err := find(ref, p.Namespace)
		if err != nil {
			return c, err
		}
		if !found {
			return c, fmt.Errorf("found no controllers for pod %q", p.Name)
		}
		scales[uid] = replicas
	}
	for _, n := range scales {
		c.expected += n
	}
	return c, nil
}

// disruptedPods keeps the entries of a budget's disruptedPods whose pods
// are still there, not yet being deleted, and not expired. It returns the
// pods that expired and when the next entry expires.
func disruptedPods(pdb *api.PodDisruptionBudget, pods []*api.Pod, now time.Time) (keep map[string]api.Time, expired []*api.Pod, recheck time.Time) {
	keep = map[string]api.Time{}
	for _, p := range pods {
		at, ok := pdb.Status.DisruptedPods[p.Name]
		if !ok || p.DeletionTimestamp != nil {
			continue
		}
		// Upstream expires an entry strictly after the timeout; on a
		// virtual clock that instant must count, or the recheck at it
		// would find nothing to do, forever.
		deadline := at.Add(DeletionTimeout)
		if !deadline.After(now) {
			expired = append(expired, p)
			continue
		}
		keep[p.Name] = at
		if recheck.IsZero() || deadline.Before(recheck) {
			recheck = deadline
		}
	}
	return keep, expired, recheck
}

// countHealthy counts the ready pods that are neither being deleted nor
// about to be, by the eviction handler's word.
func countHealthy(pods []*api.Pod, disrupted map[string]api.Time, now time.Time) int32 {
	var n int32
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		if at, ok := disrupted[p.Name]; ok && at.Add(DeletionTimeout).After(now) {
			continue
		}
		if controller.IsPodReady(p) {
			n++
		}
	}
	return n
}

// newStatus is the status a budget should have. Like upstream, it starts
// the DisruptionAllowed condition afresh.
func newStatus(pdb *api.PodDisruptionBudget, c counts, healthy int32, disrupted map[string]api.Time, now time.Time) api.PodDisruptionBudgetStatus {
	allowed := healthy - c.desiredHealthy
	if c.expected <= 0 || allowed <= 0 {
		allowed = 0
	}
	if len(disrupted) == 0 {
		disrupted = nil
	}
	upd := &api.PodDisruptionBudget{ObjectMeta: pdb.ObjectMeta, Status: api.PodDisruptionBudgetStatus{
		CurrentHealthy: healthy, DesiredHealthy: c.desiredHealthy, ExpectedPods: c.expected,
		DisruptionsAllowed: allowed, DisruptedPods: disrupted, ObservedGeneration: pdb.Generation,
	}}
	setCondition(upd, now)
	return upd.Status
}

// upToDate reports whether a budget's status already says what st says,
// as upstream compares: the numbers, the disrupted pods, the generation
// observed and a condition agreeing with them.
func upToDate(pdb *api.PodDisruptionBudget, st api.PodDisruptionBudgetStatus) bool {
	cur := pdb.Status
	return cur.CurrentHealthy == st.CurrentHealthy && cur.DesiredHealthy == st.DesiredHealthy &&
		cur.ExpectedPods == st.ExpectedPods && cur.DisruptionsAllowed == st.DisruptionsAllowed &&
		sameTimes(cur.DisruptedPods, st.DisruptedPods) && cur.ObservedGeneration == pdb.Generation &&
		conditionUpToDate(pdb)
}

func sameTimes(a, b map[string]api.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for k, t := range a {
		if u, ok := b[k]; !ok || !t.Equal(u.Time) {
			return false
		}
	}
	return true
}

// conditionUpToDate is component-helpers' ConditionsAreUpToDate.
func conditionUpToDate(pdb *api.PodDisruptionBudget) bool {
	if pdb.Status.ObservedGeneration != pdb.Generation {
		return false
	}
	for _, c := range pdb.Status.Conditions {
		if c.Type != allowedCondition {
			continue
		}
		if pdb.Status.DisruptionsAllowed > 0 {
			return c.Status == api.ConditionTrue && c.Reason == sufficientPods
		}
		return c.Status == api.ConditionFalse && c.Reason == insufficientPods
	}
	return false
}

// selectorString prints a label selector as the generated String method
// of metav1.LabelSelector does, which upstream's events show.
func selectorString(ls *api.LabelSelector) string {
	if ls == nil {
		return "nil"
	}
	var b strings.Builder
	b.WriteString("&LabelSelector{MatchLabels:map[string]string{")
	keys := make([]string, 0, len(ls.MatchLabels))
	for k := range ls.MatchLabels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%v: %v,", k, ls.MatchLabels[k])
	}
	b.WriteString("},MatchExpressions:[]LabelSelectorRequirement{")
	for _, e := range ls.MatchExpressions {
		fmt.Fprintf(&b, "LabelSelectorRequirement{Key:%v,Operator:%v,Values:%v,},", e.Key, e.Operator, e.Values)
	}
	b.WriteString("},}")
	return b.String()
}
