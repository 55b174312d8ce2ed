// Package podgc is kube-controller-manager's pod garbage collector
// (pkg/controller/podgc). Every 20 s it force-deletes pods no kubelet
// will ever clean up: those bound to a node that no longer exists (after
// 40 s of quarantine, in case the node is only slow to show up), those
// being deleted that were never scheduled, those being deleted on a node
// that is not ready and tainted out-of-service, and the oldest finished
// pods once there are more than 12,500 of them.
package podgc

import (
	"sort"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// Upstream's timings and kube-controller-manager's default threshold.
const (
	gcCheckPeriod          = 20 * time.Second
	quarantineTime         = 40 * time.Second
	terminatedPodThreshold = 12500 // --terminated-pod-gc-threshold
)

// Controller is the pod garbage collector.
type Controller struct {
	c          *client.Client
	nodes      *client.Informer[*api.Node]
	pods       *client.Informer[*api.Pod]
	threshold  int
	quarantine map[string]time.Time // missing node -> when to look again
}

// New returns a pod garbage collector over shared informers.
func New(c *client.Client, nodes *client.Informer[*api.Node], pods *client.Informer[*api.Pod]) *Controller {
	return &Controller{c: c, nodes: nodes, pods: pods, threshold: terminatedPodThreshold, quarantine: map[string]time.Time{}}
}

// Start starts the periodic collection.
func (ctl *Controller) Start() error {
	ctl.c.Loop().Every(gcCheckPeriod, ctl.gc)
	return nil
}

func (ctl *Controller) gc() {
	pods := ctl.pods.List()
	if ctl.threshold > 0 {
		ctl.gcTerminated(pods)
	}
	ctl.gcTerminating(pods)
	ctl.gcOrphaned(pods)
	ctl.gcUnscheduledTerminating(pods)
}

func terminated(p *api.Pod) bool {
	return p.Status.Phase != api.PodPending && p.Status.Phase != api.PodRunning && p.Status.Phase != api.PodUnknown
}

// gcTerminated deletes the finished pods beyond the threshold, evicted
// ones first, then the oldest.
func (ctl *Controller) gcTerminated(pods []*api.Pod) {
	var done []*api.Pod
	for _, p := range pods {
		if terminated(p) {
			done = append(done, p)
		}
	}
	n := len(done) - ctl.threshold
	if n <= 0 {
		return
	}
	sort.SliceStable(done, func(i, j int) bool { return evictedFirst(done[i], done[j]) })
	for _, p := range done[:n] {
		_ = ctl.markFailedAndDelete(p, nil)
	}
}

// evictedFirst orders pods as byEvictionAndCreationTimestamp.
func evictedFirst(a, b *api.Pod) bool {
	ea, eb := a.Status.Phase == api.PodFailed && a.Status.Reason == "Evicted", b.Status.Phase == api.PodFailed && b.Status.Reason == "Evicted"
	if ea != eb {
		return ea
	}
	if !a.CreationTimestamp.Equal(b.CreationTimestamp.Time) {
		return a.CreationTimestamp.Before(b.CreationTimestamp.Time)
	}
	return a.Name < b.Name
}

// gcTerminating deletes pods being deleted on a node that is not ready and
// carries the out-of-service taint: its kubelet is known not to come back.
func (ctl *Controller) gcTerminating(pods []*api.Pod) {
	var out []*api.Pod
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			continue
		}
		n, ok := ctl.nodes.Get("", p.Spec.NodeName)
		if ok && !controller.IsNodeReady(n) && controller.TaintKeyExists(n.Spec.Taints, controller.TaintNodeOutOfService) {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return evictedFirst(out[i], out[j]) })
	for _, p := range out {
		_ = ctl.markFailedAndDelete(p, nil)
	}
}

// gcOrphaned deletes the pods of nodes that are gone: a node missing from
// the cache is quarantined first, then looked up in the API.
func (ctl *Controller) gcOrphaned(pods []*api.Pod) {
	now := ctl.c.Now()
	for _, p := range pods {
		if name := p.Spec.NodeName; name != "" {
			if _, ok := ctl.nodes.Get("", name); !ok {
				if _, waiting := ctl.quarantine[name]; !waiting {
					ctl.quarantine[name] = now.Add(quarantineTime)
				}
			}
		}
	}
	deleted := ctl.deletedNodes(now)
	for _, p := range pods {
		if !deleted[p.Spec.NodeName] {
			continue
		}
		cond := &api.PodCondition{Type: controller.DisruptionTarget, Status: api.ConditionTrue, Reason: "DeletionByPodGC", Message: "PodGC: node no longer exists"}
		_ = ctl.markFailedAndDelete(p, cond)
	}
}

// deletedNodes takes the nodes whose quarantine is over out of it and
// returns those the API server confirms are gone.
func (ctl *Controller) deletedNodes(now time.Time) map[string]bool {
	deleted := map[string]bool{}
	for _, name := range sortedKeys(ctl.quarantine) {
		if now.Before(ctl.quarantine[name]) {
			continue
		}
		delete(ctl.quarantine, name)
		if _, ok := ctl.nodes.Get("", name); ok {
			continue
		}
		if _, err := client.Get[*api.Node](ctl.c, "", name); apiserver.IsNotFound(err) {
			deleted[name] = true
		}
	}
	return deleted
}

// gcUnscheduledTerminating deletes pods being deleted that no node has.
func (ctl *Controller) gcUnscheduledTerminating(pods []*api.Pod) {
	for _, p := range pods {
		if p.DeletionTimestamp != nil && p.Spec.NodeName == "" {
			_ = ctl.markFailedAndDelete(p, nil)
		}
	}
}

// markFailedAndDelete moves a pod that has not finished to Failed (with
// the condition, if any), since no kubelet will, and deletes it at once.
func (ctl *Controller) markFailedAndDelete(p *api.Pod, cond *api.PodCondition) error {
	if !terminated(p) {
		upd := api.Clone(p)
		upd.Status.Phase = api.PodFailed
		if cond != nil {
			controller.UpdatePodCondition(&upd.Status, *cond, ctl.c.Now())
		}
		if _, err := client.UpdateStatus(ctl.c, upd); err != nil {
			return err
		}
	}
	err := client.Delete[*api.Pod](ctl.c, p.Namespace, p.Name, apiserver.DeleteOptions{GracePeriodSeconds: api.Ptr(int64(0))})
	if apiserver.IsNotFound(err) {
		return nil
	}
	return err
}

func sortedKeys(m map[string]time.Time) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
