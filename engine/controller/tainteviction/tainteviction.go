// Package tainteviction is kube-controller-manager's taint eviction
// controller (pkg/controller/tainteviction): it deletes the pods of a node
// with NoExecute taints they do not tolerate, at once, and those that
// tolerate them for tolerationSeconds once that time is up. Pods get the
// DefaultTolerationSeconds admission's 300 s toleration of the
// not-ready and unreachable taints, so a node that dies loses its pods
// five minutes after the node lifecycle controller taints it.
package tainteviction

import (
	"math"
	"reflect"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/clock"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Name is the controller's name in its events.
const Name = "taint-eviction-controller"

// work is a pod's scheduled deletion.
type work struct {
	createdAt time.Time
	fireAt    time.Time
	timer     *clock.Timer
}

// Controller is the taint eviction controller.
type Controller struct {
	c       *client.Client
	rec     *client.Recorder
	nodes   *client.Informer[*api.Node]
	pods    *client.Informer[*api.Pod]
	tainted map[string][]api.Taint // node -> its NoExecute taints
	work    map[string]*work       // pod key -> its scheduled deletion
	nodeQ   *loop.Queue
	podQ    *loop.Queue
}

// New returns a taint eviction controller over shared informers.
func New(c *client.Client, nodes *client.Informer[*api.Node], pods *client.Informer[*api.Pod]) *Controller {
	ctl := &Controller{
		c: c, rec: client.NewRecorder(c, Name, ""), nodes: nodes, pods: pods,
		tainted: map[string][]api.Taint{}, work: map[string]*work{},
	}
	ctl.nodeQ = loop.NewQueue(c.Loop(), ctl.handleNode)
	ctl.podQ = loop.NewQueue(c.Loop(), ctl.handlePod)
	return ctl
}

// Start registers the handlers.
func (ctl *Controller) Start() error {
	ctl.nodes.AddHandler(client.Handler[*api.Node]{
		Add: func(n *api.Node) { ctl.nodeQ.Add(n.Name) },
		Update: func(old, n *api.Node) {
			if !reflect.DeepEqual(noExecute(old.Spec.Taints), noExecute(n.Spec.Taints)) {
				ctl.nodeQ.Add(n.Name)
			}
		},
		Delete: func(n *api.Node) { ctl.nodeQ.Add(n.Name) },
	})
	ctl.pods.AddHandler(client.Handler[*api.Pod]{
		Add: func(p *api.Pod) { ctl.podQ.Add(client.KeyOf(p)) },
		Update: func(old, p *api.Pod) {
			if old.Spec.NodeName != p.Spec.NodeName || !reflect.DeepEqual(old.Spec.Tolerations, p.Spec.Tolerations) {
				ctl.podQ.Add(client.KeyOf(p))
			}
		},
		Delete: func(p *api.Pod) { ctl.podQ.Add(client.KeyOf(p)) },
	})
	return nil
}

func noExecute(taints []api.Taint) []api.Taint {
	var out []api.Taint
	for _, t := range taints {
		if t.Effect == api.TaintNoExecute {
			out = append(out, t)
		}
	}
	return out
}

// handleNode notes a node's NoExecute taints and looks at each of its pods.
func (ctl *Controller) handleNode(name string) (loop.Result, error) {
	n, ok := ctl.nodes.Get("", name)
	if !ok {
		delete(ctl.tainted, name)
		return loop.Result{}, nil
	}
	taints := noExecute(n.Spec.Taints)
	if len(taints) == 0 {
		delete(ctl.tainted, name)
	} else {
		ctl.tainted[name] = taints
	}
	now := ctl.c.Now()
	for _, p := range ctl.pods.List() {
		if p.Spec.NodeName != name {
			continue
		}
		if len(taints) == 0 {
			ctl.cancel(client.KeyOf(p))
			continue
		}
		ctl.processPod(client.KeyOf(p), p.Spec.Tolerations, taints, now)
	}
	return loop.Result{}, nil
}

// handlePod looks at a pod that is new, moved, changed its tolerations or went.
func (ctl *Controller) handlePod(key string) (loop.Result, error) {
	p, ok := ctl.pods.Get(client.SplitKey(key))
	if !ok {
		ctl.cancel(key)
		return loop.Result{}, nil
	}
	taints, ok := ctl.tainted[p.Spec.NodeName]
	if p.Spec.NodeName == "" || !ok {
		return loop.Result{}, nil
	}
	ctl.processPod(key, p.Spec.Tolerations, taints, ctl.c.Now())
	return loop.Result{}, nil
}

// processPod is processPodOnNode: a pod that does not tolerate every taint
// goes at once; one that tolerates them for a while goes when the
// shortest toleration is up, counted from when its deletion was first
// scheduled; one that tolerates them for ever stays.
func (ctl *Controller) processPod(key string, tolerations []api.Toleration, taints []api.Taint, now time.Time) {
	used, all := matchingTolerations(taints, tolerations)
	if !all {
		ctl.cancel(key)
		ctl.schedule(key, now, now)
		return
	}
	wait := minTolerationTime(used)
	if wait < 0 {
		ctl.cancel(key)
		return
	}
	start := now
	if w, ok := ctl.work[key]; ok {
		start = w.createdAt
		if start.Add(wait).Before(now.Add(wait)) {
			return // the deletion already scheduled comes first
		}
		ctl.cancel(key)
	}
	ctl.schedule(key, start, now.Add(wait))
}

// matchingTolerations returns, for each taint, the first toleration that
// tolerates it, and whether every taint is tolerated.
func matchingTolerations(taints []api.Taint, tolerations []api.Toleration) ([]api.Toleration, bool) {
	var used []api.Toleration
	for _, t := range taints {
		found := false
		for _, tol := range tolerations {
			if tol.ToleratesTaint(&t) {
				used = append(used, tol)
				found = true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return used, true
}

// minTolerationTime is the shortest tolerationSeconds among tolerations
// (zero or less counting as zero), or -1 when they all tolerate for ever.
func minTolerationTime(tolerations []api.Toleration) time.Duration {
	if len(tolerations) == 0 {
		return 0
	}
	shortest := int64(math.MaxInt64)
	for _, t := range tolerations {
		if t.TolerationSeconds == nil {
			continue
		}
		if *t.TolerationSeconds <= 0 {
			return 0
		}
		shortest = min(shortest, *t.TolerationSeconds)
	}
	if shortest == math.MaxInt64 {
		return -1
	}
	return time.Duration(shortest) * time.Second
}

func (ctl *Controller) schedule(key string, created, fire time.Time) {
	w := &work{createdAt: created, fireAt: fire}
	w.timer = ctl.c.Loop().After(fire.Sub(ctl.c.Now()), func() {
		if ctl.work[key] == w {
			delete(ctl.work, key)
			ctl.evict(key)
		}
	})
	ctl.work[key] = w
}

// cancel drops a pod's scheduled deletion, saying so in an event.
func (ctl *Controller) cancel(key string) {
	w, ok := ctl.work[key]
	if !ok {
		return
	}
	w.timer.Stop()
	delete(ctl.work, key)
	ns, name := client.SplitKey(key)
	ctl.rec.EventRef(podRef(ns, name), api.EventNormal, "TaintManagerEviction", "Cancelling deletion of Pod %s", key)
}

// evict marks the pod as a disruption target and deletes it, with its
// grace period: the kubelet, if it is there, stops it.
func (ctl *Controller) evict(key string) {
	ns, name := client.SplitKey(key)
	ctl.rec.EventRef(podRef(ns, name), api.EventNormal, "TaintManagerEviction", "Marking for deletion Pod %s", key)
	p, err := client.Get[*api.Pod](ctl.c, ns, name)
	if err != nil {
		return
	}
	upd := api.Clone(p)
	cond := api.PodCondition{Type: controller.DisruptionTarget, Status: api.ConditionTrue, Reason: "DeletionByTaintManager", Message: "Taint manager: deleting due to NoExecute taint"}
	if controller.UpdatePodCondition(&upd.Status, cond, ctl.c.Now()) {
		if _, err := client.UpdateStatus(ctl.c, upd); err != nil {
			return
		}
	}
	err = client.Delete[*api.Pod](ctl.c, ns, name, apiserver.DeleteOptions{})
	if err != nil && !apiserver.IsNotFound(err) {
		return
	}
}

// podRef refers to a pod by namespace and name only, as the controller's events do.
func podRef(ns, name string) api.ObjectReference {
	return api.ObjectReference{APIVersion: "v1", Kind: "Pod", Namespace: ns, Name: name}
}
