// Package disruption is the disruption controller (upstream
// pkg/controller/disruption): it keeps each PodDisruptionBudget's status —
// the pods it expects, how many are healthy, how many must be, and so how
// many may be disrupted now — which the eviction handler of the API
// server consults and decrements. It also forgets the evictions that did
// not happen, and turns stale DisruptionTarget conditions of pods that
// were not deleted after all back to False.
package disruption

import (
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// The budget condition and its reasons.
const (
	allowedCondition = apiserver.DisruptionAllowedCondition
	sufficientPods   = apiserver.SufficientPodsReason
	insufficientPods = apiserver.InsufficientPodsReason
)

func setCondition(pdb *api.PodDisruptionBudget, now time.Time) {
	apiserver.SetDisruptionAllowedCondition(pdb, now)
}

// stalePodDisruptionTimeout is how long a pod may carry a DisruptionTarget
// condition without being deleted before the condition is set to False.
const stalePodDisruptionTimeout = 2 * time.Minute

// Controller is the disruption controller.
type Controller struct {
	c    *client.Client
	rec  *client.Recorder
	pdbs *client.Informer[*api.PodDisruptionBudget]
	pods *client.Informer[*api.Pod]
	rss  *client.Informer[*api.ReplicaSet]
	ds   *client.Informer[*api.Deployment]
	sss  *client.Informer[*api.StatefulSet]
	rcs  *client.Informer[*api.ReplicationController]

	queue *loop.Queue // budgets
	stale *loop.Queue // pods with a DisruptionTarget condition
}

// New returns a disruption controller sharing the pod and ReplicaSet
// informers; it keeps its own of budgets and the other workloads.
func New(c *client.Client, pods *client.Informer[*api.Pod], rss *client.Informer[*api.ReplicaSet]) *Controller {
	all := apiserver.ListOptions{}
	ctl := &Controller{
		c:    c,
		rec:  client.NewRecorder(c, "controllermanager", ""),
		pdbs: client.NewInformer[*api.PodDisruptionBudget](c, "", all),
		pods: pods,
		rss:  rss,
		ds:   client.NewInformer[*api.Deployment](c, "", all),
		sss:  client.NewInformer[*api.StatefulSet](c, "", all),
		rcs:  client.NewInformer[*api.ReplicationController](c, "", all),
	}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	ctl.stale = loop.NewQueue(c.Loop(), ctl.ReconcilePod)
	return ctl
}

// Start registers the handlers and starts the controller's own informers.
func (ctl *Controller) Start() error {
	enqueue := func(pdb *api.PodDisruptionBudget) { ctl.queue.Add(client.KeyOf(pdb)) }
	ctl.pdbs.AddHandler(client.Handler[*api.PodDisruptionBudget]{
		Add: enqueue, Update: func(_, pdb *api.PodDisruptionBudget) { enqueue(pdb) }, Delete: enqueue,
	})
	ctl.pods.AddHandler(client.Handler[*api.Pod]{
		Add:    ctl.podChanged,
		Update: func(_, p *api.Pod) { ctl.podChanged(p) },
		Delete: ctl.enqueueBudgetOf,
	})
	for _, start := range []func() error{ctl.ds.Start, ctl.sss.Start, ctl.rcs.Start, ctl.pdbs.Start} {
		if err := start(); err != nil {
			return err
		}
	}
	return nil
}

func (ctl *Controller) podChanged(p *api.Pod) {
	ctl.enqueueBudgetOf(p)
	if stale, after := ctl.staleDisruption(p); stale {
		ctl.stale.AddAfter(client.KeyOf(p), after)
	}
}

// enqueueBudgetOf queues the budget of a pod; with several, the first, as
// upstream picks one and says so.
func (ctl *Controller) enqueueBudgetOf(p *api.Pod) {
	pdbs := ctl.budgetsOf(p)
	if len(pdbs) == 0 {
		return
	}
	if len(pdbs) > 1 {
		ctl.rec.Eventf(p, api.EventWarning, "MultiplePodDisruptionBudgets", "Pod %q/%q matches multiple PodDisruptionBudgets.  Chose %q arbitrarily.", p.Namespace, p.Name, pdbs[0].Name)
	}
	ctl.queue.Add(client.KeyOf(pdbs[0]))
}

// budgetsOf returns the budgets selecting a pod, by name. A budget with an
// empty selector selects every pod of its namespace.
func (ctl *Controller) budgetsOf(p *api.Pod) []*api.PodDisruptionBudget {
	if len(p.Labels) == 0 {
		return nil
	}
	var out []*api.PodDisruptionBudget
	for _, pdb := range ctl.pdbs.List() {
		if pdb.Namespace != p.Namespace {
			continue
		}
		if sel, err := api.SelectorFromLabelSelector(pdb.Spec.Selector); err == nil && sel.Matches(p.Labels) {
			out = append(out, pdb)
		}
	}
	return out
}

// Reconcile brings one budget's status up to date.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	pdb, ok := ctl.pdbs.Get(ns, name)
	if !ok {
		return loop.Result{}, nil
	}
	res, err := ctl.sync(pdb)
	if err == nil || apiserver.IsConflict(err) {
		return res, err
	}
	return loop.Result{}, ctl.failSafe(pdb, err)
}

func (ctl *Controller) sync(pdb *api.PodDisruptionBudget) (loop.Result, error) {
	sel, err := api.SelectorFromLabelSelector(pdb.Spec.Selector)
	if err != nil {
		ctl.rec.Eventf(pdb, api.EventWarning, "NoPods", "Failed to get pods: %v", err)
		return loop.Result{}, err
	}
	pods := ctl.pods.Select(pdb.Namespace, sel)
	if len(pods) == 0 {
		ctl.rec.Eventf(pdb, api.EventNormal, "NoPods", "No matching pods found")
	}
	c, err := expectedCounts(pdb, pods, ctl.findScale)
	if err != nil {
		ctl.rec.Eventf(pdb, api.EventWarning, "CalculateExpectedPodCountFailed", "Failed to calculate the number of expected pods: %v", err)
		return loop.Result{}, err
	}
	if len(c.unmanaged) > 0 {
		ctl.rec.Eventf(pdb, api.EventWarning, "UnmanagedPods", "Pods selected by this PodDisruptionBudget (selector: %v) were found "+
			"to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. "+
			"To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.", selectorString(pdb.Spec.Selector))
	}
	now := ctl.c.Now()
	disrupted, expired, recheck := disruptedPods(pdb, pods, now)
	for _, p := range expired {
		// Upstream names the budget's namespace twice.
		ctl.rec.Eventf(p, api.EventWarning, "NotDeleted", "Pod was expected by PDB %s/%s to be deleted but it wasn't", pdb.Namespace, pdb.Namespace)
	}
	st := newStatus(pdb, c, countHealthy(pods, disrupted, now), disrupted, now)
	if err := ctl.writeStatus(pdb, st); err != nil {
		return loop.Result{}, err
	}
	if recheck.IsZero() {
		return loop.Result{}, nil
	}
	return loop.Result{RequeueAfter: recheck.Sub(now)}, nil
}

func (ctl *Controller) writeStatus(pdb *api.PodDisruptionBudget, st api.PodDisruptionBudgetStatus) error {
	if upToDate(pdb, st) {
		return nil
	}
	upd := api.Clone(pdb)
	upd.Status = st
	_, err := client.UpdateStatus(ctl.c, upd)
	return err
}

// failSafe at least sets disruptionsAllowed to 0 when the status cannot be
// computed, so that no eviction is approved on a guess.
func (ctl *Controller) failSafe(pdb *api.PodDisruptionBudget, cause error) error {
	upd := api.Clone(pdb)
	upd.Status.DisruptionsAllowed = 0
	apiserver.SetStatusCondition(&upd.Status.Conditions, api.Condition{
		Type: allowedCondition, Status: api.ConditionFalse, Reason: apiserver.SyncFailedReason,
		Message: cause.Error(), ObservedGeneration: upd.Status.ObservedGeneration,
	}, ctl.c.Now())
	_, err := client.UpdateStatus(ctl.c, upd)
	return err
}

// findScale finds the scale of a pod's controller as upstream's finders
// do: a ReplicaSet's Deployment if it has one, else the scale of the
// controller itself — a ReplicationController, ReplicaSet, StatefulSet or
// Deployment, the kinds with a scale subresource.
func (ctl *Controller) findScale(ref *api.OwnerReference, ns string) (string, int32, bool, error) {
	if ref.Kind == "ReplicaSet" && appsGroup(ref.APIVersion) {
		if uid, n, ok := ctl.deploymentScale(ref, ns); ok {
			return uid, n, true, nil
		}
	}
	switch group := groupOf(ref.APIVersion); {
	case ref.Kind == "ReplicationController" && group == "":
		rc, ok := ctl.rcs.Get(ns, ref.Name)
		return scaleOf(ok && rc.UID == ref.UID, rc, func() *int32 { return rc.Spec.Replicas })
	case ref.Kind == "ReplicaSet" && appsGroup(ref.APIVersion):
		rs, ok := ctl.rss.Get(ns, ref.Name)
		return scaleOf(ok && rs.UID == ref.UID, rs, func() *int32 { return rs.Spec.Replicas })
	case ref.Kind == "StatefulSet" && group == "apps":
		ss, ok := ctl.sss.Get(ns, ref.Name)
		return scaleOf(ok && ss.UID == ref.UID, ss, func() *int32 { return ss.Spec.Replicas })
	case ref.Kind == "Deployment" && appsGroup(ref.APIVersion):
		d, ok := ctl.ds.Get(ns, ref.Name)
		return scaleOf(ok && d.UID == ref.UID, d, func() *int32 { return d.Spec.Replicas })
	}
	r, err := api.LookupKind(ref.APIVersion, ref.Kind)
	if err != nil {
		return "", 0, false, err
	}
	return "", 0, false, fmt.Errorf("%s does not implement the scale subresource", r.GroupResource())
}

// deploymentScale is the scale of the Deployment controlling a ReplicaSet.
func (ctl *Controller) deploymentScale(ref *api.OwnerReference, ns string) (string, int32, bool) {
	rs, ok := ctl.rss.Get(ns, ref.Name)
	if !ok || rs.UID != ref.UID {
		return "", 0, false
	}
	owner := controller.ControllerRef(rs)
	if owner == nil || owner.Kind != "Deployment" || !appsGroup(owner.APIVersion) {
		return "", 0, false
	}
	d, ok := ctl.ds.Get(ns, owner.Name)
	if !ok || d.UID != owner.UID {
		return "", 0, false
	}
	return d.UID, api.Deref(d.Spec.Replicas, 1), true
}

func appsGroup(apiVersion string) bool {
	g := groupOf(apiVersion)
	return g == "apps" || g == "extensions"
}

func scaleOf(found bool, obj api.Object, replicas func() *int32) (string, int32, bool, error) {
	if !found {
		return "", 0, false, nil
	}
	return obj.GetObjectMeta().UID, api.Deref(replicas(), 1), true, nil
}

func groupOf(apiVersion string) string {
	for i := 0; i < len(apiVersion); i++ {
		if apiVersion[i] == '/' {
			return apiVersion[:i]
		}
	}
	return ""
}

// staleDisruption reports whether a pod carries a DisruptionTarget
// condition it should lose, and after how long: the pod is not being
// deleted, the condition is not the kubelet's and the pod is not finished.
func (ctl *Controller) staleDisruption(p *api.Pod) (bool, time.Duration) {
	if p.DeletionTimestamp != nil || p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed {
		return false, 0
	}
	c := controller.PodCondition(p, controller.DisruptionTarget)
	if c == nil || c.Status != api.ConditionTrue || c.Reason == "TerminationByKubelet" {
		return false, 0
	}
	return true, max(stalePodDisruptionTimeout-ctl.c.Now().Sub(c.LastTransitionTime.Time), 0)
}

// ReconcilePod sets a pod's stale DisruptionTarget condition to False.
func (ctl *Controller) ReconcilePod(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	p, ok := ctl.pods.Get(ns, name)
	if !ok {
		return loop.Result{}, nil
	}
	stale, after := ctl.staleDisruption(p)
	if !stale {
		return loop.Result{}, nil
	}
	if after > 0 {
		return loop.Result{RequeueAfter: after}, nil
	}
	upd := api.Clone(p)
	c := controller.PodCondition(upd, controller.DisruptionTarget)
	*c = api.PodCondition{Type: controller.DisruptionTarget, Status: api.ConditionFalse, LastTransitionTime: api.NewTime(ctl.c.Now())}
	_, err := client.UpdateStatus(ctl.c, upd)
	return loop.Result{}, err
}
