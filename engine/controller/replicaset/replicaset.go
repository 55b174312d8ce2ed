// Package replicaset is the ReplicaSet controller and, over the same code,
// the ReplicationController manager, as kube-controller-manager's
// (pkg/controller/replicaset, pkg/controller/replication): each keeps
// exactly spec.replicas active pods matching its selector, adopting
// orphans and releasing pods that stop matching; creates in slow-start
// batches of at most 500 a sync; deletes the pods least worth keeping
// first (getPodsToDelete: unscheduled, pending, not ready, cheaper by
// pod-deletion-cost, more doubled up with their Deployment's other pods,
// ready for less time, restarted more, newer); and reports replicas,
// fullyLabeledReplicas, readyReplicas, availableReplicas (minReadySeconds),
// terminatingReplicas and the ReplicaFailure condition in its status.
package replicaset

import (
	"reflect"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// burstReplicas caps the pods created or deleted in one sync, as upstream.
const burstReplicas = 500

// Controller is the ReplicaSet controller or the replication manager.
type Controller struct {
	c     *client.Client
	rec   *client.Recorder
	src   source
	pods  *client.Informer[*api.Pod]
	queue *loop.Queue
	exp   *controller.Expectations
}

// New returns the ReplicaSet controller, sharing the pod informer.
func New(c *client.Client, pods *client.Informer[*api.Pod]) *Controller {
	return newController(c, pods, newRSSource(c), "replicaset-controller")
}

// NewReplicationManager returns the ReplicationController manager,
// sharing the pod informer.
func NewReplicationManager(c *client.Client, pods *client.Informer[*api.Pod]) *Controller {
	return newController(c, pods, newRCSource(c), "replication-controller")
}

func newController(c *client.Client, pods *client.Informer[*api.Pod], src source, component string) *Controller {
	ctl := &Controller{
		c:    c,
		rec:  client.NewRecorder(c, component, ""),
		src:  src,
		pods: pods,
		exp:  controller.NewExpectations(),
	}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	pods.AddIndex(controller.ControllerIndex, controller.ControllerIndexValues[*api.Pod])
	return ctl
}

// Start registers the handlers and starts the controller's own informer.
func (ctl *Controller) Start() error {
	ctl.pods.AddHandler(client.Handler[*api.Pod]{Add: ctl.podAdded, Update: ctl.podUpdated, Delete: ctl.podDeleted})
	return ctl.src.start(func(old, cur *set) {
		if old != nil && old.rs.UID != cur.rs.UID {
			ctl.exp.Forget(client.KeyOf(old.rs))
		}
		ctl.enqueue(cur)
	}, func(s *set) {
		ctl.exp.Forget(client.KeyOf(s.rs))
		ctl.enqueue(s)
	})
}

func (ctl *Controller) enqueue(s *set) { ctl.queue.Add(client.KeyOf(s.rs)) }

// resolve returns the set a controller reference names, if it exists with
// that UID.
func (ctl *Controller) resolve(ns string, ref *api.OwnerReference) (*set, bool) {
	if ref == nil || ref.Kind != ctl.src.kind() {
		return nil, false
	}
	s, ok := ctl.src.get(ns, ref.Name)
	if !ok || s.rs.UID != ref.UID {
		return nil, false
	}
	return s, true
}

// selecting returns the sets whose selector matches an orphan's labels.
func (ctl *Controller) selecting(p *api.Pod) []*set {
	var out []*set
	for _, s := range ctl.src.list() {
		if s.rs.Namespace != p.Namespace {
			continue
		}
		sel, err := api.SelectorFromLabelSelector(s.rs.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(p.Labels) {
			out = append(out, s)
		}
	}
	return out
}

func (ctl *Controller) podAdded(p *api.Pod) {
	if p.DeletionTimestamp != nil {
		ctl.podDeleted(p)
		return
	}
	if ref := controller.ControllerRef(p); ref != nil {
		if s, ok := ctl.resolve(p.Namespace, ref); ok {
			ctl.exp.Created(client.KeyOf(s.rs))
			ctl.enqueue(s)
		}
		return
	}
	for _, s := range ctl.selecting(p) {
		ctl.enqueue(s)
	}
}

func (ctl *Controller) podUpdated(old, p *api.Pod) {
	if old.ResourceVersion == p.ResourceVersion {
		return
	}
	labelsChanged := !controller.LabelsEqual(old.Labels, p.Labels)
	if p.DeletionTimestamp != nil {
		ctl.podDeleted(p)
		if labelsChanged {
			ctl.podDeleted(old)
		}
		return
	}
	oldRef, ref := controller.ControllerRef(old), controller.ControllerRef(p)
	refChanged := !reflect.DeepEqual(oldRef, ref)
	if refChanged && oldRef != nil {
		if s, ok := ctl.resolve(old.Namespace, oldRef); ok {
			ctl.enqueue(s)
		}
	}
	if ref != nil {
		s, ok := ctl.resolve(p.Namespace, ref)
		if !ok {
			return
		}
		ctl.enqueue(s)
		// A pod that became ready becomes available minReadySeconds later:
		// look again then, a second late as upstream.
		if !controller.IsPodReady(old) && controller.IsPodReady(p) && s.rs.Spec.MinReadySeconds > 0 {
			ctl.queue.AddAfter(client.KeyOf(s.rs), time.Duration(s.rs.Spec.MinReadySeconds)*time.Second+time.Second)
		}
		return
	}
	if labelsChanged || refChanged {
		for _, s := range ctl.selecting(p) {
			ctl.enqueue(s)
		}
	}
}

func (ctl *Controller) podDeleted(p *api.Pod) {
	if s, ok := ctl.resolve(p.Namespace, controller.ControllerRef(p)); ok {
		ctl.exp.DeletedObject(client.KeyOf(s.rs), client.KeyOf(p))
		ctl.enqueue(s)
	}
}

// Reconcile is syncReplicaSet: it claims the set's pods, creates or
// deletes pods once its earlier requests have been seen, and writes its
// status.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	s, ok := ctl.src.get(ns, name)
	if !ok {
		ctl.exp.Forget(key)
		return loop.Result{}, nil
	}
	rs := s.rs
	sel, err := api.SelectorFromLabelSelector(rs.Spec.Selector)
	if err != nil {
		return loop.Result{}, nil
	}
	needsSync := ctl.exp.Satisfied(key, ctl.c.Now())
	all := ctl.podsOwnedOrOrphaned(rs)
	active, err := controller.Claim(ctl.c, s.obj, sel, activePods(all))
	if err != nil {
		return loop.Result{}, err
	}
	var terminating []*api.Pod
	if ctl.src.terminatingReplicas() {
		terminating = claimedTerminating(rs, sel, all)
	}
	var manageErr error
	if needsSync && rs.DeletionTimestamp == nil {
		manageErr = ctl.manageReplicas(key, s, active)
	}
	st := calculateStatus(rs, active, terminating, manageErr, ctl.src.terminatingReplicas(), ctl.c.Now())
	if err := ctl.updateStatus(s, st); err != nil {
		return loop.Result{}, err
	}
	var res loop.Result
	if manageErr == nil && rs.Spec.MinReadySeconds > 0 && st.ReadyReplicas == replicas(rs) && st.AvailableReplicas != replicas(rs) {
		res.RequeueAfter = time.Duration(rs.Spec.MinReadySeconds) * time.Second
	}
	return res, manageErr
}

func replicas(rs *api.ReplicaSet) int32 { return api.Deref(rs.Spec.Replicas, 1) }

// activePods are FilterActivePods: neither finished nor being deleted.
func activePods(pods []*api.Pod) []*api.Pod {
	var out []*api.Pod
	for _, p := range pods {
		if controller.IsPodActive(p) {
			out = append(out, p)
		}
	}
	return out
}

// claimedTerminating are the set's pods that are being deleted and have
// not finished (FilterTerminatingPods, FilterClaimedPods).
func claimedTerminating(rs *api.ReplicaSet, sel api.Selector, pods []*api.Pod) []*api.Pod {
	var out []*api.Pod
	for _, p := range pods {
		if p.DeletionTimestamp == nil || p.Status.Phase == api.PodFailed || p.Status.Phase == api.PodSucceeded {
			continue
		}
		if ref := controller.ControllerRef(p); ref != nil && ref.UID == rs.UID && sel.Matches(p.Labels) {
			out = append(out, p)
		}
	}
	return out
}

// podsOwnedOrOrphaned are the set's own pods and the namespace's orphans,
// in namespace and name order, found through the controller index as
// upstream's FilterPodsByOwner finds them: the only pods a sync may claim.
func (ctl *Controller) podsOwnedOrOrphaned(rs *api.ReplicaSet) []*api.Pod {
	owned := ctl.pods.ByIndex(controller.ControllerIndex, rs.UID)
	orphans := ctl.pods.ByIndex(controller.ControllerIndex, controller.OrphanIndexValue(rs.Namespace))
	out := make([]*api.Pod, 0, len(owned)+len(orphans))
	for len(owned) > 0 && len(orphans) > 0 {
		if client.KeyOf(owned[0]) < client.KeyOf(orphans[0]) {
			out, owned = append(out, owned[0]), owned[1:]
		} else {
			out, orphans = append(out, orphans[0]), orphans[1:]
		}
	}
	return append(append(out, owned...), orphans...)
}
