package apiserver

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

// runningPod creates a pod labelled app=web, bound to node01, running and
// (if ready) ready.
func runningPod(t *testing.T, s *Server, name string, ready bool) *api.Pod {
	t.Helper()
	p := busybox(name)
	p.Labels = map[string]string{"app": "web"}
	_, err := s.Create(pods, "default", p)
	require.NoError(t, err)
	require.NoError(t, s.Bind("default", &api.Binding{ObjectMeta: api.ObjectMeta{Name: name}, Target: api.ObjectReference{Kind: "Node", Name: "node01"}}))
	cur := mustGet[*api.Pod](t, s, "pods", name)
	upd := api.Clone(cur)
	upd.Status.Phase = api.PodRunning
	status := api.ConditionFalse
	if ready {
		status = api.ConditionTrue
	}
	upd.Status.Conditions = append(upd.Status.Conditions, api.PodCondition{Type: api.PodReady, Status: status})
	out, err := s.UpdateStatus(pods, upd)
	require.NoError(t, err)
	return out.(*api.Pod)
}

// budget creates a PodDisruptionBudget over app=web with the given status,
// observed (unless its observedGeneration is -1).
func budget(t *testing.T, s *Server, name string, st api.PodDisruptionBudgetStatus, policy string) {
	t.Helper()
	pdb := &api.PodDisruptionBudget{
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.PodDisruptionBudgetSpec{
			MinAvailable: api.Ptr(api.FromInt(2)),
			Selector:     &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}
	if policy != "" {
		pdb.Spec.UnhealthyPodEvictionPolicy = api.Ptr(policy)
	}
	r := resourceOf("poddisruptionbudgets")
	out, err := s.Create(r, "default", pdb)
	require.NoError(t, err)
	upd := api.Clone(out.(*api.PodDisruptionBudget))
	switch st.ObservedGeneration {
	case 0:
		st.ObservedGeneration = upd.Generation
	case -1: // not observed yet
		st.ObservedGeneration = 0
	}
	upd.Status = st
	_, err = s.UpdateStatus(r, upd)
	require.NoError(t, err)
}

func evict(s *Server, name string, opts *api.DeleteOptions) error {
	return s.Evict("default", name, &api.Eviction{ObjectMeta: api.ObjectMeta{Name: name}, DeleteOptions: opts})
}

const violated = "Cannot evict pod as it would violate the pod's disruption budget."

func TestEviction(t *testing.T) {
	allowed := api.PodDisruptionBudgetStatus{DisruptionsAllowed: 1, CurrentHealthy: 3, DesiredHealthy: 2, ExpectedPods: 3}
	none := api.PodDisruptionBudgetStatus{DisruptionsAllowed: 0, CurrentHealthy: 2, DesiredHealthy: 2, ExpectedPods: 2}
	tests := []struct {
		name    string
		ready   bool
		budgets []api.PodDisruptionBudgetStatus
		policy  string
		opts    *api.DeleteOptions
		err     string
		reason  string
		cause   string
		evicted bool
	}{
		{name: "no budget", ready: true, evicted: true},
		{name: "budget allows", ready: true, budgets: []api.PodDisruptionBudgetStatus{allowed}, evicted: true},
		{name: "budget refuses", ready: true, budgets: []api.PodDisruptionBudgetStatus{none},
			err: violated, reason: "TooManyRequests", cause: "The disruption budget pdb0 needs 2 healthy pods and has 2 currently"},
		{name: "budget not observed yet", ready: true, budgets: []api.PodDisruptionBudgetStatus{{ObservedGeneration: -1}},
			err: violated, reason: "TooManyRequests", cause: "The disruption budget pdb0 is still being processed by the server."},
		{name: "negative budget", ready: true, budgets: []api.PodDisruptionBudgetStatus{{DisruptionsAllowed: -1}},
			err: `poddisruptionbudget.policy "pdb0" is forbidden: pdb disruptions allowed is negative`, reason: "Forbidden"},
		{name: "two budgets", ready: true, budgets: []api.PodDisruptionBudgetStatus{allowed, allowed},
			err: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."},
		{name: "unready pod of a healthy application", budgets: []api.PodDisruptionBudgetStatus{none}, evicted: true},
		{name: "unready pod of an unhealthy application", budgets: []api.PodDisruptionBudgetStatus{{CurrentHealthy: 1, DesiredHealthy: 2}},
			err: violated, reason: "TooManyRequests", cause: "The disruption budget pdb0 needs 2 healthy pods and has 1 currently"},
		{name: "unready pod, AlwaysAllow", budgets: []api.PodDisruptionBudgetStatus{{CurrentHealthy: 1, DesiredHealthy: 2}}, policy: "AlwaysAllow", evicted: true},
		{name: "dry run", ready: true, budgets: []api.PodDisruptionBudgetStatus{allowed}, opts: &api.DeleteOptions{DryRun: []string{"All"}}},
		{name: "uid precondition", ready: true, opts: &api.DeleteOptions{Preconditions: &api.Preconditions{UID: api.Ptr("other")}},
			err: `Operation cannot be fulfilled on Pod "web-0": the UID in the precondition (other) does not match the UID in record (`, reason: "Conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer()
			runningPod(t, s, "web-0", tt.ready)
			for i, st := range tt.budgets {
				budget(t, s, fmt.Sprintf("pdb%d", i), st, tt.policy)
			}
			err := evict(s, "web-0", tt.opts)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				assert.Equal(t, tt.reason, ReasonOf(err))
				if tt.cause != "" {
					se := err.(*StatusError)
					assert.Equal(t, []api.StatusCause{{Type: "DisruptionBudget", Message: tt.cause}}, se.Status.Details.Causes)
				}
			} else {
				require.NoError(t, err)
			}
			p := mustGet[*api.Pod](t, s, "pods", "web-0")
			assert.Equal(t, tt.evicted, p.DeletionTimestamp != nil)
			c := podCondition(p, "DisruptionTarget")
			if !tt.evicted {
				assert.Nil(t, c)
				return
			}
			require.NotNil(t, c)
			assert.Equal(t, api.PodCondition{Type: "DisruptionTarget", Status: "True", ObservedGeneration: 1, LastTransitionTime: api.NewTime(epoch),
				Reason: "EvictionByEvictionAPI", Message: "Eviction API: evicting"}, *c)
		})
	}
}

func podCondition(p *api.Pod, t string) *api.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

func TestEvictionTakesFromTheBudget(t *testing.T) {
	s := newServer()
	runningPod(t, s, "web-0", true)
	runningPod(t, s, "web-1", true)
	budget(t, s, "web", api.PodDisruptionBudgetStatus{DisruptionsAllowed: 1, CurrentHealthy: 3, DesiredHealthy: 2, ExpectedPods: 3}, "")
	require.NoError(t, evict(s, "web-0", &api.DeleteOptions{GracePeriodSeconds: api.Ptr(int64(10))}))

	p := mustGet[*api.Pod](t, s, "pods", "web-0")
	require.NotNil(t, p.DeletionTimestamp)
	assert.Equal(t, epoch.Add(10*time.Second), p.DeletionTimestamp.Time, "the eviction's delete options apply")
	pdb := mustGet[*api.PodDisruptionBudget](t, s, "poddisruptionbudgets", "web")
	assert.Equal(t, int32(0), pdb.Status.DisruptionsAllowed)
	assert.Equal(t, map[string]api.Time{"web-0": api.NewTime(epoch)}, pdb.Status.DisruptedPods)
	assert.Equal(t, []api.Condition{{Type: "DisruptionAllowed", Status: "False", ObservedGeneration: 1, LastTransitionTime: api.NewTime(epoch), Reason: "InsufficientPods"}}, pdb.Status.Conditions)

	err := evict(s, "web-1", nil)
	assert.EqualError(t, err, violated)
	assert.True(t, IsTooManyRequests(err))
	assert.Equal(t, int32(0), err.(*StatusError).Status.Details.RetryAfterSeconds)

	// A pod being deleted goes again without asking.
	require.NoError(t, evict(s, "web-0", nil))
}

func TestEvictionRequests(t *testing.T) {
	s := newServer()
	runningPod(t, s, "web-0", true)
	err := s.Evict("default", "web-0", &api.Eviction{ObjectMeta: api.ObjectMeta{Name: "web-1"}})
	assert.EqualError(t, err, "name in URL does not match name in Eviction object")
	assert.Equal(t, "BadRequest", ReasonOf(err))
	err = evict(s, "ghost", nil)
	assert.EqualError(t, err, `pods "ghost" not found`)
	err = evict(s, "web-0", &api.DeleteOptions{DryRun: []string{"Some"}})
	assert.Equal(t, "BadRequest", ReasonOf(err))

	// A pod that never started goes without asking any budget.
	_, err = s.Create(pods, "default", busybox("pending"))
	require.NoError(t, err)
	budget(t, s, "web", api.PodDisruptionBudgetStatus{}, "")
	require.NoError(t, evict(s, "pending", nil))
	_, err = s.Get(pods, "default", "pending")
	assert.True(t, IsNotFound(err), "an unbound pod is deleted at once")
}
