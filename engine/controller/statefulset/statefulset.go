// Package statefulset is the StatefulSet controller, as kube-controller-
// manager's (pkg/controller/statefulset): pods with stable names
// <set>-<ordinal>, hostnames under the governing Service and a claim per
// volumeClaimTemplate that outlives them; OrderedReady creation (each pod
// waits for its predecessor to be Running, Ready and available) and
// reverse-order scale-down, or Parallel; ControllerRevisions for the pod
// template, rolling updates from the highest ordinal down to the
// partition within maxUnavailable, or OnDelete; the claims' retention
// policy through owner references; and the set's status.
//
// The code follows upstream's structure (updateStatefulSet, processReplica,
// processCondemned, StatefulPodControl, controller history) closely, rather
// than computing a plan first: the order in which it acts and the events it
// records are what a user sees, and are easiest to keep right side by side
// with the original.
package statefulset

import (
	"errors"
	"reflect"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Controller is the StatefulSet controller.
type Controller struct {
	c      *client.Client
	rec    *client.Recorder
	sets   *client.Informer[*api.StatefulSet]
	pods   *client.Informer[*api.Pod]
	claims *client.Informer[*api.PersistentVolumeClaim]
	revs   *client.Informer[*api.ControllerRevision]
	queue  *loop.Queue
}

// New returns a StatefulSet controller sharing the given pod informer.
func New(c *client.Client, pods *client.Informer[*api.Pod]) *Controller {
	ctl := &Controller{
		c:      c,
		rec:    client.NewRecorder(c, "statefulset-controller", ""),
		sets:   client.NewInformer[*api.StatefulSet](c, "", apiserver.ListOptions{}),
		pods:   pods,
		claims: client.NewInformer[*api.PersistentVolumeClaim](c, "", apiserver.ListOptions{}),
		revs:   client.NewInformer[*api.ControllerRevision](c, "", apiserver.ListOptions{}),
	}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	return ctl
}

// Start registers the handlers and starts the controller's own informers.
func (ctl *Controller) Start() error {
	enqueue := func(set *api.StatefulSet) { ctl.queue.Add(client.KeyOf(set)) }
	ctl.sets.AddHandler(client.Handler[*api.StatefulSet]{Add: enqueue, Update: func(_, set *api.StatefulSet) { enqueue(set) }, Delete: enqueue})
	ctl.pods.AddHandler(client.Handler[*api.Pod]{Add: ctl.podAdded, Update: ctl.podUpdated, Delete: ctl.podDeleted})
	for _, start := range []func() error{ctl.claims.Start, ctl.revs.Start, ctl.sets.Start} {
		if err := start(); err != nil {
			return err
		}
	}
	return nil
}

// owner returns the set a controller reference points to, if it exists
// with that UID.
func (ctl *Controller) owner(ns string, ref *api.OwnerReference) (*api.StatefulSet, bool) {
	if ref == nil || ref.Kind != "StatefulSet" {
		return nil, false
	}
	set, ok := ctl.sets.Get(ns, ref.Name)
	if !ok || set.UID != ref.UID {
		return nil, false
	}
	return set, true
}

func (ctl *Controller) podAdded(p *api.Pod) {
	if p.DeletionTimestamp != nil {
		ctl.podDeleted(p)
		return
	}
	if ref := controller.ControllerRef(p); ref != nil {
		if set, ok := ctl.owner(p.Namespace, ref); ok {
			ctl.queue.Add(client.KeyOf(set))
		}
		return
	}
	ctl.enqueueSelecting(p)
}

func (ctl *Controller) podUpdated(old, p *api.Pod) {
	if old.ResourceVersion == p.ResourceVersion {
		return
	}
	oldRef, ref := controller.ControllerRef(old), controller.ControllerRef(p)
	refChanged := !reflect.DeepEqual(oldRef, ref)
	if refChanged && oldRef != nil {
		if set, ok := ctl.owner(old.Namespace, oldRef); ok {
			ctl.queue.Add(client.KeyOf(set))
		}
	}
	if ref != nil {
		set, ok := ctl.owner(p.Namespace, ref)
		if !ok {
			return
		}
		ctl.queue.Add(client.KeyOf(set))
		return
	}
	if refChanged || !controller.LabelsEqual(old.Labels, p.Labels) {
		ctl.enqueueSelecting(p)
	}
}

func (ctl *Controller) podDeleted(p *api.Pod) {
	if set, ok := ctl.owner(p.Namespace, controller.ControllerRef(p)); ok {
		ctl.queue.Add(client.KeyOf(set))
	}
}

// enqueueSelecting queues the sets whose selector matches an orphan, to
// see whether one adopts it.
func (ctl *Controller) enqueueSelecting(p *api.Pod) {
	for _, set := range ctl.sets.List() {
		if set.Namespace != p.Namespace {
			continue
		}
		sel, err := api.SelectorFromLabelSelector(set.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(p.Labels) {
			ctl.queue.Add(client.KeyOf(set))
		}
	}
}

// Reconcile syncs one StatefulSet.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	set, ok := ctl.sets.Get(ns, name)
	if !ok {
		return loop.Result{}, nil
	}
	sel, err := api.SelectorFromLabelSelector(set.Spec.Selector)
	if err != nil {
		return loop.Result{}, nil // not worth a retry
	}
	if err := ctl.adoptOrphanRevisions(set, sel); err != nil {
		return loop.Result{}, err
	}
	pods, err := ctl.claimPods(set, sel)
	if err != nil {
		return loop.Result{}, err
	}
	if _, err := ctl.sync(set, sel, pods); err != nil {
		return loop.Result{}, err
	}
	return loop.Result{RequeueAfter: ctl.untilAvailable(set, pods)}, nil
}

// untilAvailable is how long until the next ready pod has been ready for
// minReadySeconds, when the set must look again (upstream requeues after
// minReadySeconds; the virtual clock lets us be exact).
func (ctl *Controller) untilAvailable(set *api.StatefulSet, pods []*api.Pod) time.Duration {
	minReady := time.Duration(set.Spec.MinReadySeconds) * time.Second
	now := ctl.c.Now()
	var next time.Duration
	for _, p := range pods {
		c := controller.PodCondition(p, api.PodReady)
		if minReady == 0 || c == nil || c.Status != api.ConditionTrue {
			continue
		}
		if d := c.LastTransitionTime.Add(minReady).Sub(now); d > 0 && (next == 0 || d < next) {
			next = d
		}
	}
	return next
}

// claimPods returns the pods set controls: its own that still match its
// selector and name, and orphans that do, which it adopts. Its pods that
// stopped matching are released.
func (ctl *Controller) claimPods(set *api.StatefulSet, sel api.Selector) ([]*api.Pod, error) {
	var out []*api.Pod
	for _, p := range ctl.pods.Select(set.Namespace, api.Everything()) {
		ref := controller.ControllerRef(p)
		match := !sel.Empty() && sel.Matches(p.Labels) && isMemberOf(set, p)
		switch {
		case ref != nil && ref.UID != set.UID:
		case ref != nil && match:
			out = append(out, p)
		case ref != nil:
			if set.DeletionTimestamp == nil {
				if err := ctl.release(set, p); err != nil {
					return nil, err
				}
			}
		case match && set.DeletionTimestamp == nil && p.DeletionTimestamp == nil:
			adopted, err := controller.Adopt(ctl.c, p, set)
			if err != nil {
				return nil, err
			}
			out = append(out, adopted)
		}
	}
	return out, nil
}

// release drops set's references from a pod that stopped matching it.
func (ctl *Controller) release(set *api.StatefulSet, p *api.Pod) error {
	upd := api.Clone(p)
	upd.OwnerReferences = nil
	for _, r := range p.OwnerReferences {
		if r.UID != set.UID {
			upd.OwnerReferences = append(upd.OwnerReferences, r)
		}
	}
	_, err := client.Update(ctl.c, upd)
	if apiserver.IsNotFound(err) {
		return nil
	}
	return err
}

// sync is UpdateStatefulSet: find or make the revisions, move the pods a
// step, record the status, and trim the history.
func (ctl *Controller) sync(set *api.StatefulSet, sel api.Selector, pods []*api.Pod) (*api.StatefulSetStatus, error) {
	set = api.Clone(set)
	revs := ctl.listRevisions(set, sel)
	sortRevisions(revs)
	current, update, status, err := ctl.performUpdate(set, pods, revs)
	truncErr := ctl.truncateHistory(set, pods, revs, current, update)
	if err != nil {
		return nil, errors.Join(err, truncErr)
	}
	return status, truncErr
}

func (ctl *Controller) performUpdate(set *api.StatefulSet, pods []*api.Pod, revs []*api.ControllerRevision) (current, update *api.ControllerRevision, _ *api.StatefulSetStatus, _ error) {
	current, update, collisionCount, err := ctl.revisions(set, revs)
	if err != nil {
		return current, update, nil, err
	}
	status, err := ctl.syncPods(set, current, update, collisionCount, pods)
	if err != nil && status == nil {
		return current, update, nil, err
	}
	statusErr := ctl.writeStatus(set, status)
	if err != nil {
		return current, update, status, err
	}
	return current, update, status, statusErr
}

// writeStatus records status, completing a finished rolling update, if it
// differs from the set's.
func (ctl *Controller) writeStatus(set *api.StatefulSet, status *api.StatefulSetStatus) error {
	completeRollingUpdate(set, status)
	if !inconsistentStatus(set, status) {
		return nil
	}
	upd := api.Clone(set)
	upd.Status = *status
	_, err := client.UpdateStatus(ctl.c, upd)
	return err
}
