// Package daemonset is the DaemonSet controller, as kube-controller-
// manager's (pkg/controller/daemon): one pod of each DaemonSet on every
// node that should run it (NodeShouldRunDaemonPod: the node name, the
// required node affinity and nodeSelector, and the taints the pod
// tolerates with the tolerations every daemon pod gets), created when a
// node joins or starts to qualify and deleted when it stops qualifying;
// failed pods deleted and made again with a backoff; ControllerRevisions
// named <set>-<template hash> with the controller-revision-hash label; the
// RollingUpdate strategy with maxUnavailable or maxSurge (the new pod
// starts before the old one goes), and OnDelete; the set's status counts.
//
// The code keeps upstream's structure (syncDaemonSet, manage,
// podsShouldBeOnNode, syncNodes, rollingUpdate, constructHistory) so that
// the order in which it acts and the events it records can be checked
// side by side with the original. A pod on a node that is deleted is left
// to the pod garbage collector, as upstream leaves it.
package daemonset

import (
	"reflect"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Labels and annotations of a DaemonSet's pods and revisions, as upstream.
const (
	RevisionHashLabel          = "controller-revision-hash"
	TemplateGenLabel           = "pod-template-generation"
	TemplateGenerationAnnotate = "deprecated.daemonset.template.generation"
)

// Event reasons, as upstream's.
const (
	reasonSelectingAll    = "SelectingAll"
	reasonFailedDaemonPod = "FailedDaemonPod"
	reasonSucceededDaemon = "SucceededDaemonPod"
)

// burstReplicas caps the pods created or deleted in one sync.
const burstReplicas = 250

// Failed pods are deleted with a backoff per node, as kube-controller-
// manager's flowcontrol.NewBackOff(1s, 15m) for this controller.
const (
	failedPodsBackoffInitial = time.Second
	failedPodsBackoffMax     = 15 * time.Minute
)

// Controller is the DaemonSet controller.
type Controller struct {
	c       *client.Client
	rec     *client.Recorder
	dss     *client.Informer[*api.DaemonSet]
	revs    *client.Informer[*api.ControllerRevision]
	nodes   *client.Informer[*api.Node]
	pods    *client.Informer[*api.Pod]
	queue   *loop.Queue
	exp     *controller.Expectations
	backoff *backoff
	specs   map[string]specMemo // by the set's key (shouldRun)
}

// New returns a DaemonSet controller sharing the given informers.
func New(c *client.Client, nodes *client.Informer[*api.Node], pods *client.Informer[*api.Pod]) *Controller {
	ctl := &Controller{
		c:       c,
		rec:     client.NewRecorder(c, "daemonset-controller", ""),
		dss:     client.NewInformer[*api.DaemonSet](c, "", apiserver.ListOptions{}),
		revs:    client.NewInformer[*api.ControllerRevision](c, "", apiserver.ListOptions{}),
		nodes:   nodes,
		pods:    pods,
		exp:     controller.NewExpectations(),
		backoff: newBackoff(failedPodsBackoffInitial, failedPodsBackoffMax),
		specs:   map[string]specMemo{},
	}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	return ctl
}

// Start registers the handlers and starts the controller's own informers.
func (ctl *Controller) Start() error {
	ctl.dss.AddHandler(client.Handler[*api.DaemonSet]{
		Add:    ctl.enqueue,
		Update: func(_, ds *api.DaemonSet) { ctl.enqueue(ds) },
		Delete: func(ds *api.DaemonSet) {
			ctl.exp.Forget(client.KeyOf(ds))
			ctl.enqueue(ds)
		},
	})
	ctl.revs.AddHandler(client.Handler[*api.ControllerRevision]{Add: ctl.revisionAdded, Update: ctl.revisionUpdated, Delete: ctl.revisionDeleted})
	ctl.pods.AddHandler(client.Handler[*api.Pod]{Add: ctl.podAdded, Update: ctl.podUpdated, Delete: ctl.podDeleted})
	ctl.nodes.AddHandler(client.Handler[*api.Node]{Add: ctl.nodeAdded, Update: ctl.nodeUpdated})
	if err := ctl.revs.Start(); err != nil {
		return err
	}
	return ctl.dss.Start()
}

func (ctl *Controller) enqueue(ds *api.DaemonSet) { ctl.queue.Add(client.KeyOf(ds)) }

// resolve returns the DaemonSet a controller reference names, if it exists
// with that UID.
func (ctl *Controller) resolve(ns string, ref *api.OwnerReference) (*api.DaemonSet, bool) {
	if ref == nil || ref.Kind != "DaemonSet" {
		return nil, false
	}
	ds, ok := ctl.dss.Get(ns, ref.Name)
	if !ok || ds.UID != ref.UID {
		return nil, false
	}
	return ds, true
}

// selecting returns the DaemonSets whose selector matches labels in ns.
func (ctl *Controller) selecting(ns string, labels map[string]string) []*api.DaemonSet {
	var out []*api.DaemonSet
	for _, ds := range ctl.dss.List() {
		if ds.Namespace != ns {
			continue
		}
		sel, err := api.SelectorFromLabelSelector(ds.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels) {
			out = append(out, ds)
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
		if ds, ok := ctl.resolve(p.Namespace, ref); ok {
			ctl.exp.Created(client.KeyOf(ds))
			ctl.enqueue(ds)
		}
		return
	}
	for _, ds := range ctl.selecting(p.Namespace, p.Labels) {
		ctl.enqueue(ds)
	}
}

func (ctl *Controller) podUpdated(old, p *api.Pod) {
	if old.ResourceVersion == p.ResourceVersion {
		return
	}
	if p.DeletionTimestamp != nil {
		ctl.podDeleted(p)
		return
	}
	oldRef, ref := controller.ControllerRef(old), controller.ControllerRef(p)
	refChanged := !reflect.DeepEqual(oldRef, ref)
	if refChanged && oldRef != nil {
		if ds, ok := ctl.resolve(old.Namespace, oldRef); ok {
			ctl.enqueue(ds)
		}
	}
	if ref != nil {
		ds, ok := ctl.resolve(p.Namespace, ref)
		if !ok {
			return
		}
		ctl.enqueue(ds)
		if !controller.IsPodReady(old) && controller.IsPodReady(p) && ds.Spec.MinReadySeconds > 0 {
			ctl.queue.AddAfter(client.KeyOf(ds), time.Duration(ds.Spec.MinReadySeconds)*time.Second+time.Second)
		}
		return
	}
	if refChanged || !controller.LabelsEqual(old.Labels, p.Labels) {
		for _, ds := range ctl.selecting(p.Namespace, p.Labels) {
			ctl.enqueue(ds)
		}
	}
}

func (ctl *Controller) podDeleted(p *api.Pod) {
	if ds, ok := ctl.resolve(p.Namespace, controller.ControllerRef(p)); ok {
		ctl.exp.Deleted(client.KeyOf(ds))
		ctl.enqueue(ds)
	}
}

func (ctl *Controller) revisionAdded(r *api.ControllerRevision) {
	if r.DeletionTimestamp != nil {
		ctl.revisionDeleted(r)
		return
	}
	if controller.ControllerRef(r) != nil {
		return
	}
	for _, ds := range ctl.selecting(r.Namespace, r.Labels) {
		ctl.enqueue(ds)
	}
}

func (ctl *Controller) revisionUpdated(old, r *api.ControllerRevision) {
	if old.ResourceVersion == r.ResourceVersion {
		return
	}
	oldRef, ref := controller.ControllerRef(old), controller.ControllerRef(r)
	refChanged := !reflect.DeepEqual(oldRef, ref)
	if refChanged && oldRef != nil {
		if ds, ok := ctl.resolve(old.Namespace, oldRef); ok {
			ctl.enqueue(ds)
		}
	}
	if ref != nil {
		if ds, ok := ctl.resolve(r.Namespace, ref); ok {
			ctl.enqueue(ds)
		}
		return
	}
	if refChanged || !controller.LabelsEqual(old.Labels, r.Labels) {
		for _, ds := range ctl.selecting(r.Namespace, r.Labels) {
			ctl.enqueue(ds)
		}
	}
}

func (ctl *Controller) revisionDeleted(r *api.ControllerRevision) {
	if ds, ok := ctl.resolve(r.Namespace, controller.ControllerRef(r)); ok {
		ctl.enqueue(ds)
	}
}

func (ctl *Controller) nodeAdded(n *api.Node) {
	for _, ds := range ctl.dss.List() {
		if shouldRun, _ := ctl.shouldRun(n, ds); shouldRun {
			ctl.enqueue(ds)
		}
	}
}

func (ctl *Controller) nodeUpdated(old, n *api.Node) {
	if shouldIgnoreNodeUpdate(old, n) {
		return
	}
	for _, ds := range ctl.dss.List() {
		oldRun, oldContinue := ctl.shouldRun(old, ds)
		run, cont := ctl.shouldRun(n, ds)
		if oldRun != run || oldContinue != cont {
			ctl.enqueue(ds)
		}
	}
}

// shouldIgnoreNodeUpdate reports whether a node changed only in its
// resource version or in conditions that are not True (heartbeats).
func shouldIgnoreNodeUpdate(old, n *api.Node) bool {
	if !sameTrueConditions(old.Status.Conditions, n.Status.Conditions) {
		return false
	}
	o := *old
	o.ResourceVersion = n.ResourceVersion
	o.Status.Conditions = n.Status.Conditions
	return reflect.DeepEqual(&o, n)
}

func sameTrueConditions(a, b []api.NodeCondition) bool {
	trueIn := func(cs []api.NodeCondition) map[string]bool {
		m := map[string]bool{}
		for _, c := range cs {
			if c.Status == api.ConditionTrue {
				m[c.Type] = true
			}
		}
		return m
	}
	return reflect.DeepEqual(trueIn(a), trueIn(b))
}

// Reconcile is syncDaemonSet: it brings one DaemonSet's pods and history
// in line with its spec and the nodes, then writes its status.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	ds, ok := ctl.dss.Get(ns, name)
	if !ok {
		delete(ctl.specs, key)
		ctl.exp.Forget(key)
		return loop.Result{}, nil
	}
	nodes := ctl.nodes.List()
	if ds.Spec.Selector != nil && reflect.DeepEqual(*ds.Spec.Selector, api.LabelSelector{}) {
		ctl.rec.Event(ds, api.EventWarning, reasonSelectingAll, "This daemon set is selecting all pods. A non-empty selector is required.")
		return loop.Result{}, nil
	}
	// A DaemonSet being deleted may already have lost its history to the
	// garbage collector: its status cannot be trusted, so it is left alone.
	if ds.DeletionTimestamp != nil {
		return loop.Result{}, nil
	}
	cur, old, err := ctl.constructHistory(ds)
	if err != nil {
		return loop.Result{}, err
	}
	hash := cur.Labels[RevisionHashLabel]
	if !ctl.exp.Satisfied(key, ctl.c.Now()) {
		return ctl.updateStatus(ds, nodes, hash, false)
	}
	err = ctl.updateDaemonSet(key, ds, nodes, hash, old)
	res, statusErr := ctl.updateStatus(ds, nodes, hash, true)
	if err != nil {
		return res, err
	}
	return res, statusErr
}

func (ctl *Controller) updateDaemonSet(key string, ds *api.DaemonSet, nodes []*api.Node, hash string, old []*api.ControllerRevision) error {
	if err := ctl.manage(ds, nodes, hash); err != nil {
		return err
	}
	if ctl.exp.Satisfied(key, ctl.c.Now()) && ds.Spec.UpdateStrategy.Type == "RollingUpdate" {
		if err := ctl.rollingUpdate(ds, nodes, hash); err != nil {
			return err
		}
	}
	return ctl.cleanupHistory(ds, old)
}
