// Package nodelifecycle is kube-controller-manager's node lifecycle
// controller (pkg/controller/nodelifecycle): it watches each node's
// heartbeats (its Lease in kube-node-lease and its status), marks a node
// whose kubelet has gone quiet for the grace period Unknown, marks its
// pods not ready, and taints it: NoSchedule at once from its conditions,
// NoExecute through a rate limiter per zone, so that the taint eviction
// controller moves its pods away. A node that comes back loses the taints.
package nodelifecycle

import (
	"fmt"
	"reflect"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Name is the controller's name in the events it records.
const Name = "node-controller"

// kube-controller-manager's defaults.
const (
	monitorPeriod               = 5 * time.Second  // --node-monitor-period
	monitorGracePeriod          = 50 * time.Second // --node-monitor-grace-period (v1.32+)
	startupGracePeriod          = 60 * time.Second // --node-startup-grace-period
	evictionLimiterQPS          = 0.1              // --node-eviction-rate
	secondaryEvictionLimiterQPS = 0.01             // --secondary-node-eviction-rate
	largeClusterThreshold       = 50               // --large-cluster-size-threshold
	unhealthyZoneThreshold      = 0.55             // --unhealthy-zone-threshold
	evictionRateLimiterBurst    = 1
)

// The NoExecute taints the controller puts on a node, after its Ready
// condition: False gives not-ready, Unknown gives unreachable.
var (
	notReadyTaint    = api.Taint{Key: controller.TaintNodeNotReady, Effect: api.TaintNoExecute}
	unreachableTaint = api.Taint{Key: controller.TaintNodeUnreachable, Effect: api.TaintNoExecute}
)

// health is what the controller last saw of a node, on its own clock:
// when it last heard from the kubelet (probe) and when Ready last changed.
type health struct {
	probe           time.Time
	readyTransition time.Time
	ready           *api.NodeCondition // the Ready condition last seen
	leaseRenew      *time.Time         // the lease's renewTime last seen
}

// Controller is the node lifecycle controller.
type Controller struct {
	c      *client.Client
	rec    *client.Recorder
	nodes  *client.Informer[*api.Node]
	pods   *client.Informer[*api.Pod]
	leases *client.Informer[*api.Lease]

	nodeQueue *loop.Queue // NoSchedule taints from conditions
	podQueue  *loop.Queue // pods bound to a node that is not ready

	health map[string]*health
	known  map[string]*api.Node
	retry  map[string]bool // nodes whose pods still need marking not ready
	zones  map[string]*zone
	timer  func() bool // the pending NoExecute tainting pass, if any
}

// New returns a node lifecycle controller over shared node and pod informers.
func New(c *client.Client, nodes *client.Informer[*api.Node], pods *client.Informer[*api.Pod]) *Controller {
	ctl := &Controller{
		c:      c,
		rec:    client.NewRecorder(c, Name, ""),
		nodes:  nodes,
		pods:   pods,
		leases: client.NewInformer[*api.Lease](c, "kube-node-lease", apiserver.ListOptions{}),
		health: map[string]*health{},
		known:  map[string]*api.Node{},
		retry:  map[string]bool{},
		zones:  map[string]*zone{},
	}
	ctl.nodeQueue = loop.NewQueue(c.Loop(), ctl.reconcileTaints)
	ctl.podQueue = loop.NewQueue(c.Loop(), ctl.reconcilePod)
	return ctl
}

// Start registers the handlers, starts the lease informer and the monitor.
func (ctl *Controller) Start() error {
	ctl.nodes.AddHandler(client.Handler[*api.Node]{
		Add:    func(n *api.Node) { ctl.nodeQueue.Add(n.Name) },
		Update: func(_, n *api.Node) { ctl.nodeQueue.Add(n.Name) },
		Delete: func(n *api.Node) { delete(ctl.retry, n.Name) },
	})
	ctl.pods.AddHandler(client.Handler[*api.Pod]{
		Add: func(p *api.Pod) { ctl.podUpdated(nil, p) },
		Update: func(old, p *api.Pod) {
			ctl.podUpdated(old, p)
		},
	})
	if err := ctl.leases.Start(); err != nil {
		return err
	}
	ctl.c.Loop().Every(monitorPeriod, ctl.monitor)
	return nil
}

// podUpdated queues a pod newly bound to a node, to be marked not ready
// if the node is not.
func (ctl *Controller) podUpdated(old, p *api.Pod) {
	if p.Spec.NodeName != "" && (old == nil || old.Spec.NodeName != p.Spec.NodeName) {
		ctl.podQueue.Add(client.KeyOf(p))
	}
}

// reconcilePod marks a pod not ready when the node it is bound to is not.
func (ctl *Controller) reconcilePod(key string) (loop.Result, error) {
	p, ok := ctl.pods.Get(client.SplitKey(key))
	if !ok {
		return loop.Result{}, nil
	}
	h := ctl.health[p.Spec.NodeName]
	if h == nil || h.ready == nil {
		return loop.Result{}, nil
	}
	if _, ok := ctl.nodes.Get("", p.Spec.NodeName); !ok {
		return loop.Result{}, nil
	}
	if h.ready.Status != api.ConditionTrue {
		return loop.Result{}, ctl.markPodsNotReady([]*api.Pod{p}, p.Spec.NodeName)
	}
	return loop.Result{}, nil
}

// monitor is monitorNodeHealth: every monitor period it looks at each
// node's heartbeats, marks the silent ones Unknown, queues NoExecute
// taints and works out each zone's state.
func (ctl *Controller) monitor() {
	nodes := ctl.nodes.List()
	ctl.classify(nodes)
	byZone := map[string][]*api.NodeCondition{}
	for _, n := range nodes {
		ctl.monitorNode(api.Clone(n), byZone)
	}
	ctl.handleDisruption(byZone, nodes)
	ctl.taintPass()
}

// classify notes nodes that appeared or went since the last pass.
func (ctl *Controller) classify(nodes []*api.Node) {
	seen := map[string]bool{}
	for _, n := range nodes {
		seen[n.Name] = true
		if ctl.known[n.Name] == nil {
			ctl.recordNodeEvent(n, "RegisteredNode", fmt.Sprintf("Registered Node %s in Controller", n.Name))
			ctl.known[n.Name] = n
			ctl.zoneOf(n)
			_ = ctl.markReachable(n)
		} else {
			ctl.zoneOf(n)
		}
	}
	for _, name := range sortedKeys(ctl.known) {
		if !seen[name] {
			ctl.recordNodeEvent(ctl.known[name], "RemovingNode", fmt.Sprintf("Removing Node %s from Controller", name))
			delete(ctl.known, name)
			delete(ctl.health, name)
		}
	}
}

func (ctl *Controller) monitorNode(n *api.Node, byZone map[string][]*api.NodeCondition) {
	observed, current, err := ctl.tryUpdateHealth(n)
	if err != nil {
		return
	}
	if _, excluded := n.Labels["node.kubernetes.io/exclude-disruption"]; !excluded {
		key := zoneKey(n)
		byZone[key] = append(byZone[key], current)
	}
	if current == nil {
		return
	}
	ctl.processTaintBasedEviction(n, observed)
	switch {
	case current.Status != api.ConditionTrue && observed.Status == api.ConditionTrue:
		ctl.rec.EventRef(nodeRef(n), api.EventNormal, "NodeNotReady", "Node %s status is now: %s", n.Name, "NodeNotReady")
		fallthrough
	case ctl.retry[n.Name] && observed.Status != api.ConditionTrue:
		if err := ctl.markPodsNotReady(ctl.podsOn(n.Name), n.Name); err != nil {
			ctl.retry[n.Name] = true
			return
		}
	}
	delete(ctl.retry, n.Name)
}

// tryUpdateHealth is tryUpdateNodeHealth: it updates what the controller
// knows of the node's heartbeats and, when the node has been silent for
// longer than its grace period, sets its conditions Unknown. It returns
// the Ready condition as it was and as it is now.
func (ctl *Controller) tryUpdateHealth(n *api.Node) (api.NodeCondition, *api.NodeCondition, error) {
	now := ctl.c.Now()
	h := ctl.health[n.Name]
	grace := monitorGracePeriod
	current := controller.NodeCondition(n, "Ready")
	var observed api.NodeCondition
	if current == nil {
		// The kubelet never posted a status: count from the node's creation.
		observed = api.NodeCondition{Type: "Ready", Status: api.ConditionUnknown, LastHeartbeatTime: n.CreationTimestamp, LastTransitionTime: n.CreationTimestamp}
		grace = startupGracePeriod
		if h == nil {
			h = &health{probe: n.CreationTimestamp.Time, readyTransition: n.CreationTimestamp.Time}
		}
	} else {
		observed = *current
	}
	h = ctl.observeStatus(n.Name, h, current, now)
	ctl.health[n.Name] = h
	ctl.observeLease(n.Name, h, now)
	if !now.After(h.probe.Add(grace)) {
		return observed, current, nil
	}
	markUnknown(n, now)
	current = controller.NodeCondition(n, "Ready")
	if reflect.DeepEqual(*current, observed) {
		return observed, current, nil
	}
	out, err := client.UpdateStatus(ctl.c, n)
	if err != nil {
		return observed, current, err
	}
	h.ready = cloneCondition(controller.NodeCondition(out, "Ready"))
	h.readyTransition = now
	return observed, current, nil
}

// observeStatus moves the probe time forward when the kubelet posted a
// new heartbeat in the node's status.
func (ctl *Controller) observeStatus(name string, h *health, current *api.NodeCondition, now time.Time) *health {
	fresh := func() *health { return &health{probe: now, readyTransition: now, ready: cloneCondition(current)} }
	switch {
	case h == nil:
		return fresh()
	case h.ready == nil && current != nil, h.ready != nil && current == nil:
		return fresh()
	case h.ready != nil && !h.ready.LastHeartbeatTime.Equal(current.LastHeartbeatTime.Time):
		transition := h.readyTransition
		if !h.ready.LastTransitionTime.Equal(current.LastTransitionTime.Time) {
			transition = now
		}
		return &health{probe: now, readyTransition: transition, ready: cloneCondition(current), leaseRenew: h.leaseRenew}
	}
	return h
}

// observeLease moves the probe time forward when the node's lease was renewed.
func (ctl *Controller) observeLease(name string, h *health, now time.Time) {
	l, ok := ctl.leases.Get("kube-node-lease", name)
	if !ok || l.Spec.RenewTime == nil {
		return
	}
	renew := l.Spec.RenewTime.Time
	if h.leaseRenew == nil || h.leaseRenew.Before(renew) {
		h.leaseRenew = &renew
		h.probe = now
	}
}

// markUnknown sets the kubelet's conditions Unknown, as the controller
// does for a node it has not heard from.
func markUnknown(n *api.Node, now time.Time) {
	for _, t := range []string{"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"} {
		c := controller.NodeCondition(n, t)
		if c == nil {
			n.Status.Conditions = append(n.Status.Conditions, api.NodeCondition{
				Type: t, Status: api.ConditionUnknown, Reason: "NodeStatusNeverUpdated", Message: "Kubelet never posted node status.",
				LastHeartbeatTime: n.CreationTimestamp, LastTransitionTime: api.NewTime(now),
			})
			continue
		}
		if c.Status != api.ConditionUnknown {
			c.Status = api.ConditionUnknown
			c.Reason = "NodeStatusUnknown"
			c.Message = "Kubelet stopped posting node status."
			c.LastTransitionTime = api.NewTime(now)
		}
	}
}

func cloneCondition(c *api.NodeCondition) *api.NodeCondition {
	if c == nil {
		return nil
	}
	cp := *c
	return &cp
}

// processTaintBasedEviction queues a NoExecute taint for a node that is
// not ready or unreachable, swaps one for the other at once when the
// node already has the opposite one, and takes them off a ready node.
func (ctl *Controller) processTaintBasedEviction(n *api.Node, observed api.NodeCondition) {
	switch observed.Status {
	case api.ConditionFalse:
		ctl.taintOrQueue(n, notReadyTaint, unreachableTaint)
	case api.ConditionUnknown:
		ctl.taintOrQueue(n, unreachableTaint, notReadyTaint)
	case api.ConditionTrue:
		_ = ctl.markReachable(n)
	}
}

func (ctl *Controller) taintOrQueue(n *api.Node, want, opposite api.Taint) {
	if controller.TaintExists(n.Spec.Taints, opposite) {
		_ = controller.SwapNodeTaints(ctl.c, n.Name, []api.Taint{want}, []api.Taint{opposite}, true)
		return
	}
	q := ctl.zoneOf(n).tainter
	if !controller.TaintExists(n.Spec.Taints, want) {
		q.remove(n.Name)
	}
	q.add(n.Name, n.UID, ctl.c.Now())
}

// markReachable takes the NoExecute taints off a node and out of its
// zone's queue.
func (ctl *Controller) markReachable(n *api.Node) error {
	var remove []api.Taint
	for _, t := range []api.Taint{unreachableTaint, notReadyTaint} {
		if controller.TaintExists(n.Spec.Taints, t) {
			remove = append(remove, t)
		}
	}
	ctl.zoneOf(n).tainter.remove(n.Name)
	if len(remove) == 0 {
		return nil
	}
	return controller.SwapNodeTaints(ctl.c, n.Name, nil, remove, false)
}

// markPodsNotReady sets the Ready condition of the node's pods False, with
// the NodeNotReady event on each, as MarkPodsNotReady.
func (ctl *Controller) markPodsNotReady(pods []*api.Pod, node string) error {
	var firstErr error
	for _, p := range pods {
		if p.Spec.NodeName != node || controller.PodCondition(p, api.PodReady) == nil {
			continue
		}
		upd := api.Clone(p)
		cond := *controller.PodCondition(upd, api.PodReady)
		cond.Status = api.ConditionFalse
		if !controller.UpdatePodCondition(&upd.Status, cond, ctl.c.Now()) {
			continue
		}
		if _, err := client.UpdateStatus(ctl.c, upd); err != nil {
			if apiserver.IsNotFound(err) {
				continue
			}
			if firstErr == nil {
				firstErr = err
			}
		}
		ctl.rec.Event(upd, api.EventWarning, "NodeNotReady", "Node is not ready")
	}
	return firstErr
}

func (ctl *Controller) podsOn(node string) []*api.Pod {
	var out []*api.Pod
	for _, p := range ctl.pods.List() {
		if p.Spec.NodeName == node {
			out = append(out, p)
		}
	}
	return out
}

// recordNodeEvent records an event about a node as RecordNodeEvent does.
func (ctl *Controller) recordNodeEvent(n *api.Node, reason, msg string) {
	ctl.rec.EventRef(nodeRef(n), api.EventNormal, reason, "Node %s event: %s", n.Name, msg)
}

func nodeRef(n *api.Node) api.ObjectReference {
	return api.ObjectReference{APIVersion: "v1", Kind: "Node", Name: n.Name, UID: n.UID}
}
