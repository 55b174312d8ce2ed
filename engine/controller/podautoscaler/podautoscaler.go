// Package podautoscaler is the HorizontalPodAutoscaler controller, as
// kube-controller-manager's (pkg/controller/podautoscaler): every 15 s
// each autoscaler reads its target's scale subresource and its pods'
// metrics from the resource metrics API (metrics.k8s.io, which the
// metrics server fills from the kubelets' metered CPU and memory),
// computes the replicas that bring each metric to its target (10%
// tolerance; unready and missing pods handled as upstream, and the 5
// minute CPU initialization period), stabilizes the recommendation (5
// minutes for scale-downs by default) and limits its rate (behavior
// policies, or at most double without a behavior), rescales, and writes
// its status, conditions and events in upstream's words.
package podautoscaler

import (
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Upstream's defaults (kube-controller-manager's flags).
const (
	syncPeriod                   = 15 * time.Second // --horizontal-pod-autoscaler-sync-period
	downscaleStabilizationWindow = 5 * time.Minute  // --horizontal-pod-autoscaler-downscale-stabilization
	tolerance                    = 0.1              // --horizontal-pod-autoscaler-tolerance
	cpuInitializationPeriod      = 5 * time.Minute  // --horizontal-pod-autoscaler-cpu-initialization-period
	initialReadinessDelay        = 30 * time.Second // --horizontal-pod-autoscaler-initial-readiness-delay
)

// Component is the controller's event source.
const Component = "horizontal-pod-autoscaler"

// Controller is the HPA controller.
type Controller struct {
	c       *client.Client
	rec     *client.Recorder
	hpas    *client.Informer[*api.HorizontalPodAutoscaler]
	pods    *client.Informer[*api.Pod]
	queue   *loop.Queue
	history map[string]*history
}

// New returns the HPA controller, sharing the pod informer.
func New(c *client.Client, pods *client.Informer[*api.Pod]) *Controller {
	ctl := &Controller{
		c:       c,
		rec:     client.NewRecorder(c, Component, ""),
		hpas:    client.NewInformer[*api.HorizontalPodAutoscaler](c, "", apiserver.ListOptions{}),
		pods:    pods,
		history: map[string]*history{},
	}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	return ctl
}

// Start watches autoscalers. As upstream's rate-limited queue does, a new
// or changed autoscaler is synced a sync period later, and each one every
// sync period after.
func (ctl *Controller) Start() error {
	enqueue := func(h *api.HorizontalPodAutoscaler) { ctl.queue.AddAfter(client.KeyOf(h), syncPeriod) }
	ctl.hpas.AddHandler(client.Handler[*api.HorizontalPodAutoscaler]{
		Add:    enqueue,
		Update: func(_, h *api.HorizontalPodAutoscaler) { enqueue(h) },
		Delete: func(h *api.HorizontalPodAutoscaler) { delete(ctl.history, client.KeyOf(h)) },
	})
	return ctl.hpas.Start()
}

// Reconcile syncs one autoscaler and asks to be called again a sync
// period later.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	h, ok := ctl.hpas.Get(ns, name)
	if !ok {
		delete(ctl.history, key)
		return loop.Result{}, nil
	}
	ctl.reconcile(key, h)
	return loop.Result{RequeueAfter: syncPeriod}, nil
}
