// Package replicaset is the ReplicaSet controller: it keeps exactly
// spec.replicas active pods matching a ReplicaSet's selector, adopting
// orphans and releasing pods that stop matching, and reports the counts in
// its status.
package replicaset

import (
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// burstReplicas caps the pods created or deleted in one sync, as upstream.
const burstReplicas = 500

// Controller is the ReplicaSet controller.
type Controller struct {
	c     *client.Client
	rec   *client.Recorder
	rss   *client.Informer[*api.ReplicaSet]
	pods  *client.Informer[*api.Pod]
	queue *loop.Queue
	exp   *controller.Expectations
}

// New returns a ReplicaSet controller sharing the given pod informer.
func New(c *client.Client, pods *client.Informer[*api.Pod]) *Controller {
	ctl := &Controller{
		c:    c,
		rec:  client.NewRecorder(c, "replicaset-controller", ""),
		rss:  client.NewInformer[*api.ReplicaSet](c, "", apiserver.ListOptions{}),
		pods: pods,
		exp:  controller.NewExpectations(),
	}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	return ctl
}

// Start registers the handlers and starts the ReplicaSet informer.
func (ctl *Controller) Start() error {
	ctl.rss.AddHandler(client.Handler[*api.ReplicaSet]{
		Add:    func(rs *api.ReplicaSet) { ctl.queue.Add(client.KeyOf(rs)) },
		Update: func(_, rs *api.ReplicaSet) { ctl.queue.Add(client.KeyOf(rs)) },
		Delete: func(rs *api.ReplicaSet) { ctl.queue.Add(client.KeyOf(rs)) },
	})
	ctl.pods.AddHandler(client.Handler[*api.Pod]{
		Add:    ctl.podAdded,
		Update: ctl.podUpdated,
		Delete: ctl.podDeleted,
	})
	return ctl.rss.Start()
}

func (ctl *Controller) ownerKey(p *api.Pod) (string, bool) {
	ref := controller.ControllerRef(p)
	if ref == nil || ref.Kind != "ReplicaSet" {
		return "", false
	}
	return client.Key(p.Namespace, ref.Name), true
}

func (ctl *Controller) podAdded(p *api.Pod) {
	if key, ok := ctl.ownerKey(p); ok {
		ctl.exp.Created(key)
		ctl.queue.Add(key)
		return
	}
	ctl.enqueueMatching(p)
}

func (ctl *Controller) podUpdated(old, p *api.Pod) {
	if key, ok := ctl.ownerKey(old); ok {
		ctl.queue.Add(key)
	}
	if key, ok := ctl.ownerKey(p); ok {
		ctl.queue.Add(key)
		return
	}
	ctl.enqueueMatching(p)
}

func (ctl *Controller) podDeleted(p *api.Pod) {
	if key, ok := ctl.ownerKey(p); ok {
		ctl.exp.Deleted(key)
		ctl.queue.Add(key)
	}
}

// enqueueMatching queues the ReplicaSets that might adopt an orphan.
func (ctl *Controller) enqueueMatching(p *api.Pod) {
	for _, rs := range ctl.rss.List() {
		if rs.Namespace != p.Namespace {
			continue
		}
		if sel, err := api.SelectorFromLabelSelector(rs.Spec.Selector); err == nil && sel.Matches(p.Labels) {
			ctl.queue.Add(client.KeyOf(rs))
		}
	}
}

// Reconcile brings one ReplicaSet's pods to its replica count.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	rs, ok := ctl.rss.Get(ns, name)
	if !ok {
		ctl.exp.Forget(key)
		return loop.Result{}, nil
	}
	sel, err := api.SelectorFromLabelSelector(rs.Spec.Selector)
	if err != nil {
		return loop.Result{}, nil
	}
	pods, err := ctl.claimPods(rs, sel)
	if err != nil {
		return loop.Result{}, err
	}
	var manageErr error
	if ctl.exp.Satisfied(key, ctl.c.Now()) && rs.DeletionTimestamp == nil {
		manageErr = ctl.manageReplicas(key, rs, pods)
	}
	res, err := ctl.updateStatus(rs, pods)
	if manageErr != nil {
		return res, manageErr
	}
	return res, err
}

// claimPods returns the active pods rs controls, adopting matching orphans
// and releasing owned pods that no longer match.
func (ctl *Controller) claimPods(rs *api.ReplicaSet, sel api.Selector) ([]*api.Pod, error) {
	var owned []*api.Pod
	for _, p := range ctl.pods.Select(rs.Namespace, api.Everything()) {
		ref := controller.ControllerRef(p)
		switch {
		case ref != nil && ref.UID == rs.UID && !sel.Matches(p.Labels):
			if err := controller.Release(ctl.c, p, rs.UID); err != nil {
				return nil, err
			}
		case ref != nil && ref.UID == rs.UID:
			if controller.IsPodActive(p) {
				owned = append(owned, p)
			}
		case ref == nil && sel.Matches(p.Labels) && controller.IsPodActive(p) && rs.DeletionTimestamp == nil:
			adopted, err := ctl.adopt(p, rs)
			if err != nil {
				return nil, err
			}
			owned = append(owned, adopted)
		}
	}
	return owned, nil
}

func (ctl *Controller) adopt(p *api.Pod, rs *api.ReplicaSet) (*api.Pod, error) {
	upd := api.Clone(p)
	upd.OwnerReferences = append(upd.OwnerReferences, controller.NewControllerRef(rs))
	return client.Update(ctl.c, upd)
}

func (ctl *Controller) release(p *api.Pod, rs *api.ReplicaSet) error {
	upd := api.Clone(p)
	var refs []api.OwnerReference
	for _, r := range upd.OwnerReferences {
		if r.UID != rs.UID {
			refs = append(refs, r)
		}
	}
	upd.OwnerReferences = refs
	_, err := client.Update(ctl.c, upd)
	if apiserver.IsNotFound(err) {
		return nil
	}
	return err
}

func (ctl *Controller) manageReplicas(key string, rs *api.ReplicaSet, pods []*api.Pod) error {
	diff := len(pods) - int(api.Deref(rs.Spec.Replicas, 1))
	switch {
	case diff < 0:
		return ctl.createPods(key, rs, min(-diff, burstReplicas))
	case diff > 0:
		return ctl.deletePods(key, rs, pods, min(diff, burstReplicas))
	}
	return nil
}

// createPods creates n pods in batches of 1, 2, 4, ... (slow start), so a
// systematic failure costs one request, not n.
func (ctl *Controller) createPods(key string, rs *api.ReplicaSet, n int) error {
	ctl.exp.Expect(key, n, 0, ctl.c.Now())
	created := 0
	for batch := 1; created < n; batch *= 2 {
		for i := 0; i < min(batch, n-created); i++ {
			p := controller.PodFromTemplate(&rs.Spec.Template, rs, rs.Name+"-")
			out, err := client.Create(ctl.c, p)
			if err != nil {
				ctl.exp.Expect(key, 0, 0, ctl.c.Now())
				ctl.rec.Eventf(rs, api.EventWarning, "FailedCreate", "Error creating: %v", err)
				return err
			}
			ctl.rec.Eventf(rs, api.EventNormal, "SuccessfulCreate", "Created pod: %s", out.Name)
		}
		created += min(batch, n-created)
	}
	return nil
}

func (ctl *Controller) deletePods(key string, rs *api.ReplicaSet, pods []*api.Pod, n int) error {
	victims := podsToDelete(pods, n)
	ctl.exp.Expect(key, 0, len(victims), ctl.c.Now())
	for _, p := range victims {
		err := client.Delete[*api.Pod](ctl.c, p.Namespace, p.Name, apiserver.DeleteOptions{})
		if err != nil && !apiserver.IsNotFound(err) {
			ctl.rec.Eventf(rs, api.EventWarning, "FailedDelete", "Error deleting: %v", err)
			return err
		}
		ctl.rec.Eventf(rs, api.EventNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
	}
	return nil
}

// podsToDelete picks the n pods least worth keeping, in upstream's order:
// unscheduled before scheduled, pending before running, not ready before
// ready, lower deletion cost, more pods of the set on the same node, ready
// for less time, more restarts, newer.
func podsToDelete(pods []*api.Pod, n int) []*api.Pod {
	perNode := map[string]int{}
	for _, p := range pods {
		perNode[p.Spec.NodeName]++
	}
	sorted := append([]*api.Pod(nil), pods...)
	sort.SliceStable(sorted, func(i, j int) bool { return lessWorth(sorted[i], sorted[j], perNode) })
	return sorted[:n]
}

func lessWorth(a, b *api.Pod, perNode map[string]int) bool {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if pa, pb := phaseRank(a), phaseRank(b); pa != pb {
		return pa < pb
	}
	if ra, rb := controller.IsPodReady(a), controller.IsPodReady(b); ra != rb {
		return !ra
	}
	if ca, cb := deletionCost(a), deletionCost(b); ca != cb {
		return ca < cb
	}
	if na, nb := perNode[a.Spec.NodeName], perNode[b.Spec.NodeName]; na != nb {
		return na > nb
	}
	if ta, tb := readySince(a), readySince(b); !ta.Equal(tb) {
		return ta.After(tb)
	}
	if ra, rb := restarts(a), restarts(b); ra != rb {
		return ra > rb
	}
	return a.CreationTimestamp.After(b.CreationTimestamp.Time)
}

func phaseRank(p *api.Pod) int {
	switch p.Status.Phase {
	case api.PodPending:
		return 0
	case api.PodUnknown:
		return 1
	}
	return 2
}

func deletionCost(p *api.Pod) int64 {
	v, err := strconv.ParseInt(p.Annotations["controller.kubernetes.io/pod-deletion-cost"], 10, 32)
	if err != nil {
		return 0
	}
	return v
}

func readySince(p *api.Pod) time.Time {
	if c := controller.PodCondition(p, api.PodReady); c != nil && c.Status == api.ConditionTrue {
		return c.LastTransitionTime.Time
	}
	return time.Time{}
}

func restarts(p *api.Pod) int32 {
	var n int32
	for _, s := range p.Status.ContainerStatuses {
		n += s.RestartCount
	}
	return n
}

// updateStatus writes the observed counts; it asks to be called again when
// a ready pod will become available after minReadySeconds.
func (ctl *Controller) updateStatus(rs *api.ReplicaSet, pods []*api.Pod) (loop.Result, error) {
	sel, _ := api.SelectorFromLabelSelector(&api.LabelSelector{MatchLabels: rs.Spec.Template.Labels})
	now := ctl.c.Now()
	st := api.ReplicaSetStatus{Replicas: int32(len(pods)), ObservedGeneration: rs.Generation, Conditions: rs.Status.Conditions}
	var res loop.Result
	for _, p := range pods {
		if sel.Matches(p.Labels) {
			st.FullyLabeledReplicas++
		}
		if controller.IsPodReady(p) {
			st.ReadyReplicas++
			if controller.IsPodAvailable(p, rs.Spec.MinReadySeconds, now) {
				st.AvailableReplicas++
			} else {
				res.RequeueAfter = time.Duration(rs.Spec.MinReadySeconds) * time.Second
			}
		}
	}
	if reflect.DeepEqual(st, rs.Status) {
		return res, nil
	}
	upd := api.Clone(rs)
	upd.Status = st
	_, err := client.UpdateStatus(ctl.c, upd)
	return res, err
}
