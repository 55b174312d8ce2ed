package apiserver

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The pods/eviction subresource (pkg/registry/core/pod/storage/eviction.go):
// a delete that asks the pod's PodDisruptionBudget first. The budget's
// status, kept by the disruption controller, says how many pods may go;
// each approved eviction takes one and names the pod in disruptedPods, so
// that the controller does not count it as healthy before it is gone.
//
// Upstream retries conflicts and guards its reads with resourceVersion
// preconditions, because another request may run between them. Here one
// request runs from start to end as one step of the loop, so the pod and
// the budget it reads are the ones it writes.

// maxDisruptedPodSize bounds status.disruptedPods: past it the budget's
// controller is far behind, and evictions are refused.
const maxDisruptedPodSize = 2000

// Pod condition and reason of an eviction, as upstream.
const (
	conditionDisruptionTarget = "DisruptionTarget"
	reasonEvictionAPI         = "EvictionByEvictionAPI"
	disruptionBudgetCause     = "DisruptionBudget"
	dryRunAll                 = "All"
)

// Evict evicts pod name in ns as the eviction ev asks: POST
// .../namespaces/ns/pods/name/eviction. It deletes the pod, gracefully and
// with ev's delete options, unless a PodDisruptionBudget forbids it, in
// which case it fails with 429 TooManyRequests.
func (s *Server) Evict(ns, name string, ev *api.Eviction) error {
	opts, err := evictionOptions(ns, name, ev)
	if err != nil {
		return err
	}
	pods := resourceOf("pods")
	obj, err := s.getStored(pods, ns, name)
	if err != nil {
		return err
	}
	pod := obj.(*api.Pod)
	// A pod that is finished, not started or already going has caused its
	// disruption, or never will: no budget applies.
	if canIgnorePDB(pod) {
		return s.evictPod(pod, opts)
	}
	pdbs, err := s.podBudgets(pod)
	if err != nil {
		return err
	}
	switch len(pdbs) {
	case 0:
		return s.evictPod(pod, opts)
	case 1:
	default:
		return newStatus(http.StatusInternalServerError, "", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.", nil)
	}
	if !unhealthyMayGo(pod, pdbs[0]) {
		if err := s.checkAndDecrement(pod.Name, pdbs[0], isDryRun(opts)); err != nil {
			return err
		}
	}
	return s.evictPod(pod, opts)
}

// evictionOptions checks the request and returns its delete options.
func evictionOptions(ns, name string, ev *api.Eviction) (*api.DeleteOptions, error) {
	if ev.Name != name {
		return nil, NewBadRequest("name in URL does not match name in Eviction object")
	}
	if ev.Namespace != "" && ev.Namespace != ns {
		return nil, NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	opts := ev.DeleteOptions
	if opts == nil {
		opts = &api.DeleteOptions{}
	}
	for _, v := range opts.DryRun {
		if v != dryRunAll {
			return nil, NewBadRequest(fmt.Sprintf("Invalid dryRun value %q: the only supported value is %q", v, dryRunAll))
		}
	}
	return opts, nil
}

func isDryRun(opts *api.DeleteOptions) bool { return len(opts.DryRun) > 0 }

// canIgnorePDB reports whether a pod may be deleted without asking its
// budget: it is terminal, pending or already being deleted.
func canIgnorePDB(p *api.Pod) bool {
	switch p.Status.Phase {
	case api.PodSucceeded, api.PodFailed, api.PodPending:
		return true
	}
	return p.DeletionTimestamp != nil
}

// unhealthyMayGo reports whether a pod that is not ready may go without
// taking from the budget: always with the AlwaysAllow policy, and with
// the default IfHealthyBudget while the application is healthy enough.
func unhealthyMayGo(p *api.Pod, pdb *api.PodDisruptionBudget) bool {
	if podReady(p) {
		return false
	}
	if api.Deref(pdb.Spec.UnhealthyPodEvictionPolicy, "") == "AlwaysAllow" {
		return true
	}
	return pdb.Status.CurrentHealthy >= pdb.Status.DesiredHealthy && pdb.Status.DesiredHealthy > 0
}

func podReady(p *api.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}

// podBudgets returns the budgets whose selector matches the pod, by name.
// A budget with an empty selector matches nothing here, as upstream.
func (s *Server) podBudgets(p *api.Pod) ([]*api.PodDisruptionBudget, error) {
	l, err := s.listStored(resourceOf("poddisruptionbudgets"), p.Namespace, ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []*api.PodDisruptionBudget
	for _, o := range l.Items {
		pdb := o.(*api.PodDisruptionBudget)
		sel, err := api.SelectorFromLabelSelector(pdb.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(p.Labels) {
			continue
		}
		out = append(out, pdb)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// checkAndDecrement takes one disruption from the budget, or says why not.
func (s *Server) checkAndDecrement(podName string, pdb *api.PodDisruptionBudget, dryRun bool) error {
	st := pdb.Status
	switch {
	case st.ObservedGeneration < pdb.Generation:
		return budgetBusy(pdb.Name)
	case st.DisruptionsAllowed < 0:
		return budgetForbidden(pdb.Name, "pdb disruptions allowed is negative")
	case len(st.DisruptedPods) > maxDisruptedPodSize:
		return budgetForbidden(pdb.Name, "DisruptedPods map too big - too many evictions not confirmed by PDB controller")
	case st.DisruptionsAllowed == 0:
		return budgetViolated(fmt.Sprintf("The disruption budget %s needs %d healthy pods and has %d currently", pdb.Name, st.DesiredHealthy, st.CurrentHealthy), 0)
	}
	if dryRun {
		return nil
	}
	upd := api.Clone(pdb)
	upd.Status.DisruptionsAllowed--
	if upd.Status.DisruptionsAllowed == 0 {
		SetDisruptionAllowedCondition(upd, s.Now())
	}
	if upd.Status.DisruptedPods == nil {
		upd.Status.DisruptedPods = map[string]api.Time{}
	}
	upd.Status.DisruptedPods[podName] = api.NewTime(s.Now())
	_, err := s.update(resourceOf("poddisruptionbudgets"), upd, true)
	return err
}

// budgetViolated is the 429 a client retries after a while.
func budgetViolated(cause string, retryAfter int32) *StatusError {
	err := NewTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", retryAfter)
	err.Status.Details.Causes = []api.StatusCause{{Type: disruptionBudgetCause, Message: cause}}
	return err
}

// budgetBusy is the 429 for a budget its controller has not caught up with.
func budgetBusy(name string) *StatusError {
	return budgetViolated(fmt.Sprintf("The disruption budget %s is still being processed by the server.", name), 10)
}

func budgetForbidden(name, why string) *StatusError {
	msg := fmt.Sprintf("poddisruptionbudget.policy %q is forbidden: %s", name, why)
	return newStatus(http.StatusForbidden, "Forbidden", msg, &api.StatusDetails{Name: name, Group: "policy", Kind: "poddisruptionbudget"})
}

// evictPod marks the pod as the target of a disruption and deletes it.
func (s *Server) evictPod(p *api.Pod, opts *api.DeleteOptions) error {
	if err := evictionPreconditions(p, opts.Preconditions); err != nil {
		return err
	}
	if isDryRun(opts) {
		return nil
	}
	upd := api.Clone(p)
	setPodCondition(&upd.Status, api.PodCondition{
		Type: conditionDisruptionTarget, Status: api.ConditionTrue, ObservedGeneration: p.Generation,
		LastTransitionTime: api.NewTime(s.Now()), Reason: reasonEvictionAPI, Message: "Eviction API: evicting",
	})
	pods := resourceOf("pods")
	if _, err := s.update(pods, upd, true); err != nil {
		return err
	}
	_, err := s.deleteStored(pods, p.Namespace, p.Name, deleteOptions(opts))
	return err
}

// evictionPreconditions checks the eviction's preconditions against the
// pod, in the words of upstream's eviction handler.
func evictionPreconditions(p *api.Pod, pre *api.Preconditions) error {
	if pre == nil {
		return nil
	}
	if uid := api.Deref(pre.UID, ""); uid != "" && uid != p.UID {
		return podConflict(p.Name, fmt.Sprintf("the UID in the precondition (%s) does not match the UID in record (%s). The object might have been deleted and then recreated", uid, p.UID))
	}
	if rv := api.Deref(pre.ResourceVersion, ""); rv != "" && rv != p.ResourceVersion {
		return podConflict(p.Name, fmt.Sprintf("the ResourceVersion in the precondition (%s) does not match the ResourceVersion in record (%s). The object might have been modified", rv, p.ResourceVersion))
	}
	return nil
}

// podConflict names the resource "Pod", as upstream's handler does.
func podConflict(name, why string) *StatusError {
	return newStatus(http.StatusConflict, "Conflict", fmt.Sprintf("Operation cannot be fulfilled on Pod %q: %s", name, why), &api.StatusDetails{Name: name, Kind: "Pod"})
}

// deleteOptions converts the options of a request body to the server's.
func deleteOptions(o *api.DeleteOptions) DeleteOptions {
	out := DeleteOptions{GracePeriodSeconds: o.GracePeriodSeconds, PropagationPolicy: api.Deref(o.PropagationPolicy, "")}
	if out.PropagationPolicy == "" && o.OrphanDependents != nil {
		out.PropagationPolicy = PropagationBackground
		if *o.OrphanDependents {
			out.PropagationPolicy = PropagationOrphan
		}
	}
	if o.Preconditions != nil {
		out.PreconditionUID = api.Deref(o.Preconditions.UID, "")
	}
	return out
}

// PodDisruptionBudget condition and its reasons.
const (
	DisruptionAllowedCondition = "DisruptionAllowed"
	SufficientPodsReason       = "SufficientPods"
	InsufficientPodsReason     = "InsufficientPods"
	SyncFailedReason           = "SyncFailed"
)

// SetDisruptionAllowedCondition sets a budget's DisruptionAllowed
// condition from its disruptionsAllowed, as the component-helpers'
// UpdateDisruptionAllowedCondition does for the eviction handler and the
// disruption controller alike.
func SetDisruptionAllowedCondition(pdb *api.PodDisruptionBudget, now time.Time) {
	c := api.Condition{Type: DisruptionAllowedCondition, Status: api.ConditionFalse, Reason: InsufficientPodsReason, ObservedGeneration: pdb.Status.ObservedGeneration}
	if pdb.Status.DisruptionsAllowed > 0 {
		c.Status, c.Reason = api.ConditionTrue, SufficientPodsReason
	}
	SetStatusCondition(&pdb.Status.Conditions, c, now)
}

// SetStatusCondition sets c in conds as apimachinery's meta.SetStatusCondition:
// the transition time changes only when the status does.
func SetStatusCondition(conds *[]api.Condition, c api.Condition, now time.Time) {
	for i := range *conds {
		old := &(*conds)[i]
		if old.Type != c.Type {
			continue
		}
		if old.Status != c.Status {
			old.Status = c.Status
			old.LastTransitionTime = transitionTime(c, now)
		}
		old.Reason, old.Message, old.ObservedGeneration = c.Reason, c.Message, c.ObservedGeneration
		return
	}
	c.LastTransitionTime = transitionTime(c, now)
	*conds = append(*conds, c)
}

func transitionTime(c api.Condition, now time.Time) api.Time {
	if c.LastTransitionTime.IsZero() {
		return api.NewTime(now)
	}
	return c.LastTransitionTime
}

// DeleteOptionsOf converts the metav1.DeleteOptions of a request (a
// DELETE's body) to the server's.
func DeleteOptionsOf(o *api.DeleteOptions) DeleteOptions {
	out := deleteOptions(o)
	out.DryRun = isDryRun(o)
	return out
}
