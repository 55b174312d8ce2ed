// Package endpointslice is the EndpointSlice controller, as kube-
// controller-manager's (pkg/controller/endpointslice and the reconciler of
// k8s.io/endpointslice): for every Service with a selector, EndpointSlices
// named <service>-<random> of at most 100 endpoints, one per pod with an
// address (ready and serving from the pod's readiness, terminating from
// its deletion), with the node, the node's zone and the pod as target, in
// slices grouped by the ports the pod resolves the Service's target ports
// to; a placeholder slice when there are none. It also holds what the
// endpoints and mirroring controllers share with it.
package endpointslice

import (
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// ControllerName is the managed-by label of the slices this controller
// writes.
const ControllerName = "endpointslice-controller.k8s.io"

// maxEndpointsPerSlice is --max-endpoints-per-slice's default.
const maxEndpointsPerSlice = 100

// sliceChangeDelay is how long after someone else changes one of its
// slices the controller syncs the Service (endpointSliceChangeMinSyncDelay).
const sliceChangeDelay = time.Second

// Controller is the EndpointSlice controller.
type Controller struct {
	c        *client.Client
	rec      *client.Recorder
	services *client.Informer[*api.Service]
	pods     *client.Informer[*api.Pod]
	nodes    *client.Informer[*api.Node]
	slices   *client.Informer[*api.EndpointSlice]
	queue    *loop.Queue
	tracker  *Tracker
	triggers *TriggerTimeTracker
}

// New returns an EndpointSlice controller sharing the pod and node
// informers.
func New(c *client.Client, pods *client.Informer[*api.Pod], nodes *client.Informer[*api.Node]) *Controller {
	ctl := &Controller{
		c:        c,
		rec:      client.NewRecorder(c, "endpoint-slice-controller", ""),
		services: client.NewInformer[*api.Service](c, "", apiserver.ListOptions{}),
		pods:     pods,
		nodes:    nodes,
		slices:   client.NewInformer[*api.EndpointSlice](c, "", apiserver.ListOptions{}),
		tracker:  NewTracker(),
		triggers: NewTriggerTimeTracker(),
	}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	return ctl
}

// Start registers the handlers and starts the controller's own informers.
func (ctl *Controller) Start() error {
	enqueue := func(svc *api.Service) { ctl.queue.Add(client.KeyOf(svc)) }
	ctl.services.AddHandler(client.Handler[*api.Service]{Add: enqueue, Update: func(_, s *api.Service) { enqueue(s) }, Delete: enqueue})
	ctl.pods.AddHandler(client.Handler[*api.Pod]{
		Add:    func(p *api.Pod) { ctl.addAll(PodServiceMemberships(ctl.services, p)) },
		Update: func(old, p *api.Pod) { ctl.addAll(ServicesToUpdateOnPodChange(ctl.services, old, p)) },
		Delete: func(p *api.Pod) { ctl.addAll(PodServiceMemberships(ctl.services, p)) },
	})
	ctl.slices.AddHandler(client.Handler[*api.EndpointSlice]{Add: ctl.sliceAdded, Update: ctl.sliceUpdated, Delete: ctl.sliceDeleted})
	for _, start := range []func() error{ctl.slices.Start, ctl.services.Start} {
		if err := start(); err != nil {
			return err
		}
	}
	return nil
}

func (ctl *Controller) addAll(keys []string) {
	for _, k := range keys {
		ctl.queue.Add(k)
	}
}

func managed(s *api.EndpointSlice) bool { return s.Labels[LabelManagedBy] == ControllerName }

// The controller's own writes come back as events it can ignore; a
// change someone else made is undone a second later.
func (ctl *Controller) sliceAdded(s *api.EndpointSlice) {
	if managed(s) && ctl.tracker.ShouldSync(s) {
		ctl.queue.AddAfter(serviceKey(s), sliceChangeDelay)
	}
}

func (ctl *Controller) sliceUpdated(old, s *api.EndpointSlice) {
	if old.Labels[LabelServiceName] != s.Labels[LabelServiceName] {
		ctl.queue.AddAfter(serviceKey(s), sliceChangeDelay)
		ctl.queue.AddAfter(serviceKey(old), sliceChangeDelay)
		return
	}
	if managed(old) != managed(s) || managed(s) && ctl.tracker.ShouldSync(s) {
		ctl.queue.AddAfter(serviceKey(s), sliceChangeDelay)
	}
}

func (ctl *Controller) sliceDeleted(s *api.EndpointSlice) {
	if managed(s) && ctl.tracker.Has(s) && !ctl.tracker.HandleDeletion(s) {
		ctl.queue.AddAfter(serviceKey(s), sliceChangeDelay)
	}
}

// Reconcile is syncService: it brings a Service's EndpointSlices in line
// with its pods.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	svc, ok := ctl.services.Get(ns, name)
	if !ok {
		ctl.triggers.Forget(key)
		ctl.tracker.DeleteService(key)
		return loop.Result{}, nil
	}
	if svc.Spec.Type == "ExternalName" || svc.Spec.Selector == nil {
		return loop.Result{}, nil
	}
	pods := ctl.pods.Select(ns, api.SelectorFromSet(svc.Spec.Selector))
	var slices []*api.EndpointSlice
	for _, s := range ctl.slices.Select(ns, api.SelectorFromSet(map[string]string{LabelServiceName: name, LabelManagedBy: ControllerName})) {
		if s.DeletionTimestamp == nil {
			slices = append(slices, s)
		}
	}
	if ctl.tracker.StaleSlices(key, slices) {
		return loop.Result{}, ErrStaleInformerCache
	}
	trigger := ctl.triggers.Compute(svc, pods)
	if err := ctl.reconcile(svc, pods, slices, trigger); err != nil {
		ctl.rec.Eventf(svc, api.EventWarning, "FailedToUpdateEndpointSlices", "Error updating Endpoint Slices for Service %s/%s: %v", ns, name, err)
		return loop.Result{}, err
	}
	return loop.Result{}, nil
}
