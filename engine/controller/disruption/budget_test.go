package disruption

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func ownedPod(name, owner string, ready bool) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"}}}
	if owner != "" {
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: owner, UID: "uid-" + owner, Controller: api.Ptr(true)}}
	}
	status := api.ConditionFalse
	if ready {
		status = api.ConditionTrue
	}
	p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: status}}
	return p
}

// replicas is a finder that knows ReplicaSets a (3 replicas) and b (2).
func replicas(ref *api.OwnerReference, ns string) (string, int32, bool, error) {
	switch ref.Name {
	case "a":
		return ref.UID, 3, true, nil
	case "b":
		return ref.UID, 2, true, nil
	case "job":
		return "", 0, false, errors.New("jobs.batch does not implement the scale subresource")
	}
	return "", 0, false, nil
}

func TestExpectedCounts(t *testing.T) {
	three := []*api.Pod{ownedPod("a-1", "a", true), ownedPod("a-2", "a", true), ownedPod("a-3", "a", false)}
	mixed := append(append([]*api.Pod{}, three...), ownedPod("b-1", "b", true), ownedPod("bare", "", true))
	intOr := func(v api.IntOrString) *api.IntOrString { return &v }
	tests := []struct {
		name           string
		minAvailable   *api.IntOrString
		maxUnavailable *api.IntOrString
		pods           []*api.Pod
		expected       int32
		desired        int32
		unmanaged      []string
		err            string
	}{
		{name: "minAvailable number counts the pods", minAvailable: intOr(api.FromInt(2)), pods: mixed, expected: 5, desired: 2},
		{name: "minAvailable percent scales the controllers, rounding up", minAvailable: intOr(api.FromString("50%")), pods: three, expected: 3, desired: 2},
		{name: "maxUnavailable number", maxUnavailable: intOr(api.FromInt(1)), pods: three, expected: 3, desired: 2},
		{name: "maxUnavailable percent rounds up", maxUnavailable: intOr(api.FromString("50%")), pods: three, expected: 3, desired: 1},
		{name: "maxUnavailable above the scale", maxUnavailable: intOr(api.FromInt(5)), pods: three, expected: 3, desired: 0},
		{name: "each controller once", minAvailable: intOr(api.FromString("100%")), pods: mixed, expected: 5, desired: 5, unmanaged: []string{"bare"}},
		{name: "neither", pods: three},
		{name: "no controller", maxUnavailable: intOr(api.FromInt(1)), pods: []*api.Pod{ownedPod("x-1", "x", true)}, err: `found no controllers for pod "x-1"`},
		{name: "no scale", maxUnavailable: intOr(api.FromInt(1)), pods: []*api.Pod{ownedPod("job-1", "job", true)}, err: "jobs.batch does not implement the scale subresource"},
		{name: "bad percent", minAvailable: intOr(api.FromString("half")), pods: three, expected: 3,
			err: "invalid value for IntOrString: invalid type: string is not a percentage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdb := &api.PodDisruptionBudget{Spec: api.PodDisruptionBudgetSpec{MinAvailable: tt.minAvailable, MaxUnavailable: tt.maxUnavailable}}
			c, err := expectedCounts(pdb, tt.pods, replicas)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, counts{expected: tt.expected, desiredHealthy: tt.desired, unmanaged: tt.unmanaged}, c)
		})
	}
}

func TestDisruptedPodsExpire(t *testing.T) {
	now := epoch.Add(time.Hour)
	going := ownedPod("going", "a", true)
	going.DeletionTimestamp = api.NewTimePtr(now)
	pods := []*api.Pod{ownedPod("fresh", "a", true), ownedPod("old", "a", true), ownedPod("due", "a", true), going}
	pdb := &api.PodDisruptionBudget{Status: api.PodDisruptionBudgetStatus{DisruptedPods: map[string]api.Time{
		"fresh": api.NewTime(now.Add(-time.Minute)),
		"old":   api.NewTime(now.Add(-3 * time.Minute)),
		"due":   api.NewTime(now.Add(-DeletionTimeout)),
		"going": api.NewTime(now),
		"gone":  api.NewTime(now),
	}}}
	keep, expired, recheck := disruptedPods(pdb, pods, now)
	assert.Equal(t, map[string]api.Time{"fresh": api.NewTime(now.Add(-time.Minute))}, keep)
	var names []string
	for _, p := range expired {
		names = append(names, p.Name)
	}
	assert.Equal(t, []string{"old", "due"}, names)
	assert.Equal(t, now.Add(time.Minute), recheck)

	// The pod about to go and the one being deleted do not count.
	assert.Equal(t, int32(2), countHealthy(pods, keep, now))
}

func TestNewStatus(t *testing.T) {
	pdb := &api.PodDisruptionBudget{ObjectMeta: api.ObjectMeta{Generation: 2}}
	st := newStatus(pdb, counts{expected: 3, desiredHealthy: 2}, 3, map[string]api.Time{}, epoch)
	assert.Equal(t, api.PodDisruptionBudgetStatus{
		ObservedGeneration: 2, DisruptionsAllowed: 1, CurrentHealthy: 3, DesiredHealthy: 2, ExpectedPods: 3,
		Conditions: []api.Condition{{Type: "DisruptionAllowed", Status: "True", ObservedGeneration: 2, LastTransitionTime: api.NewTime(epoch), Reason: "SufficientPods"}},
	}, st)
	pdb.Status = st
	assert.True(t, upToDate(pdb, st))

	st = newStatus(pdb, counts{expected: 0, desiredHealthy: 0}, 3, nil, epoch)
	assert.Equal(t, int32(0), st.DisruptionsAllowed, "a budget expecting no pods allows nothing")
	assert.Equal(t, "InsufficientPods", st.Conditions[0].Reason)
	assert.False(t, upToDate(pdb, st))
}

func TestSelectorString(t *testing.T) {
	ls := &api.LabelSelector{MatchLabels: map[string]string{"b": "2", "a": "1"},
		MatchExpressions: []api.LabelSelectorRequirement{{Key: "tier", Operator: "In", Values: []string{"web"}}}}
	assert.Equal(t, "&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:tier,Operator:In,Values:[web],},},}", selectorString(ls))
	assert.Equal(t, "nil", selectorString(nil))
}
