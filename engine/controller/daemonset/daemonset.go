// Package daemonset is the DaemonSet controller: one pod of each DaemonSet
// on every node that should run it, created when a node joins and removed
// when it no longer qualifies, with the tolerations upstream adds.
package daemonset

import (
	"encoding/json"
	"hash/fnv"
	"maps"
	"reflect"
	"slices"
	"strconv"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Labels on a DaemonSet's pods, as upstream.
const (
	RevisionHashLabel = "controller-revision-hash"
	TemplateGenLabel  = "pod-template-generation"
)

// Controller is the DaemonSet controller.
type Controller struct {
	c     *client.Client
	rec   *client.Recorder
	dss   *client.Informer[*api.DaemonSet]
	nodes *client.Informer[*api.Node]
	pods  *client.Informer[*api.Pod]
	queue *loop.Queue
	exp   *controller.Expectations
}

// New returns a DaemonSet controller sharing the given informers.
func New(c *client.Client, nodes *client.Informer[*api.Node], pods *client.Informer[*api.Pod]) *Controller {
	ctl := &Controller{
		c:     c,
		rec:   client.NewRecorder(c, "daemonset-controller", ""),
		dss:   client.NewInformer[*api.DaemonSet](c, "", apiserver.ListOptions{}),
		nodes: nodes,
		pods:  pods,
		exp:   controller.NewExpectations(),
	}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	return ctl
}

// Start registers the handlers and starts the DaemonSet informer.
func (ctl *Controller) Start() error {
	enqueue := func(ds *api.DaemonSet) { ctl.queue.Add(client.KeyOf(ds)) }
	ctl.dss.AddHandler(client.Handler[*api.DaemonSet]{Add: enqueue, Update: func(_, ds *api.DaemonSet) { enqueue(ds) }, Delete: enqueue})
	all := func() {
		for _, ds := range ctl.dss.List() {
			enqueue(ds)
		}
	}
	ctl.nodes.AddHandler(client.Handler[*api.Node]{
		Add: func(*api.Node) { all() },
		Update: func(old, n *api.Node) {
			if !reflect.DeepEqual(old.Labels, n.Labels) || !reflect.DeepEqual(old.Spec.Taints, n.Spec.Taints) {
				all()
			}
		},
		Delete: func(*api.Node) { all() },
	})
	owner := func(p *api.Pod) (string, bool) {
		ref := controller.ControllerRef(p)
		if ref == nil || ref.Kind != "DaemonSet" {
			return "", false
		}
		return client.Key(p.Namespace, ref.Name), true
	}
	ctl.pods.AddHandler(client.Handler[*api.Pod]{
		Add: func(p *api.Pod) {
			if k, ok := owner(p); ok {
				ctl.exp.Created(k)
				ctl.queue.Add(k)
			}
		},
		Update: func(_, p *api.Pod) {
			if k, ok := owner(p); ok {
				ctl.queue.Add(k)
			}
		},
		Delete: func(p *api.Pod) {
			if k, ok := owner(p); ok {
				ctl.exp.Deleted(k)
				ctl.queue.Add(k)
			}
		},
	})
	return ctl.dss.Start()
}

// Reconcile makes one DaemonSet's pods match the nodes that should run it.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	ds, ok := ctl.dss.Get(ns, name)
	if !ok {
		ctl.exp.Forget(key)
		return loop.Result{}, nil
	}
	byNode := ctl.podsByNode(ds)
	if ctl.exp.Satisfied(key, ctl.c.Now()) && ds.DeletionTimestamp == nil {
		if err := ctl.manage(key, ds, byNode); err != nil {
			return loop.Result{}, err
		}
	}
	return loop.Result{}, ctl.updateStatus(ds, byNode)
}

// podsByNode groups the DaemonSet's live pods by the node they are for.
func (ctl *Controller) podsByNode(ds *api.DaemonSet) map[string][]*api.Pod {
	out := map[string][]*api.Pod{}
	for _, p := range ctl.pods.Select(ds.Namespace, api.Everything()) {
		ref := controller.ControllerRef(p)
		if ref == nil || ref.UID != ds.UID || p.DeletionTimestamp != nil {
			continue
		}
		if node := targetNode(p); node != "" {
			out[node] = append(out[node], p)
		}
	}
	return out
}

// targetNode is the node a daemon pod runs on or is pinned to.
func targetNode(p *api.Pod) string {
	if p.Spec.NodeName != "" {
		return p.Spec.NodeName
	}
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, t := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, f := range t.MatchFields {
			if f.Key == "metadata.name" && len(f.Values) == 1 {
				return f.Values[0]
			}
		}
	}
	return ""
}

func (ctl *Controller) manage(key string, ds *api.DaemonSet, byNode map[string][]*api.Pod) error {
	var create []string
	var remove []*api.Pod
	wanted := map[string]bool{}
	for _, n := range ctl.nodes.List() {
		if !ShouldRun(ds, n) {
			continue
		}
		wanted[n.Name] = true
		pods := byNode[n.Name]
		switch {
		case len(pods) == 0:
			create = append(create, n.Name)
		case len(pods) > 1:
			remove = append(remove, pods[1:]...) // keep the oldest
		}
		for _, p := range pods {
			if p.Status.Phase == api.PodFailed {
				remove = append(remove, p)
			}
		}
	}
	for _, node := range slices.Sorted(maps.Keys(byNode)) {
		if !wanted[node] {
			remove = append(remove, byNode[node]...)
		}
	}
	ctl.exp.Expect(key, len(create), len(remove), ctl.c.Now())
	for _, node := range create {
		if err := ctl.createPod(ds, node); err != nil {
			ctl.exp.Forget(key)
			return err
		}
	}
	for _, p := range remove {
		if err := client.Delete[*api.Pod](ctl.c, p.Namespace, p.Name, apiserver.DeleteOptions{}); err != nil && !apiserver.IsNotFound(err) {
			return err
		}
		ctl.rec.Eventf(ds, api.EventNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
	}
	return nil
}

func (ctl *Controller) createPod(ds *api.DaemonSet, node string) error {
	p := controller.PodFromTemplate(&ds.Spec.Template, ds, ds.Name+"-")
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Labels[RevisionHashLabel] = templateHash(&ds.Spec.Template)
	p.Labels[TemplateGenLabel] = strconv.FormatInt(ds.Generation, 10)
	pinToNode(&p.Spec, node)
	addDaemonTolerations(&p.Spec)
	out, err := client.Create(ctl.c, p)
	if err != nil {
		ctl.rec.Eventf(ds, api.EventWarning, "FailedCreate", "Error creating: %v", err)
		return err
	}
	ctl.rec.Eventf(ds, api.EventNormal, "SuccessfulCreate", "Created pod: %s", out.Name)
	return nil
}

// pinToNode adds the node affinity by which the default scheduler places a
// daemon pod on its node.
func pinToNode(spec *api.PodSpec, node string) {
	term := api.NodeSelectorTerm{MatchFields: []api.NodeSelectorRequirement{{Key: "metadata.name", Operator: "In", Values: []string{node}}}}
	if spec.Affinity == nil {
		spec.Affinity = &api.Affinity{}
	}
	if spec.Affinity.NodeAffinity == nil {
		spec.Affinity.NodeAffinity = &api.NodeAffinity{}
	}
	spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{term}}
}

// daemonTolerations are added to every daemon pod, as upstream.
var daemonTolerations = []api.Toleration{
	{Key: "node.kubernetes.io/not-ready", Operator: "Exists", Effect: api.TaintNoExecute},
	{Key: "node.kubernetes.io/unreachable", Operator: "Exists", Effect: api.TaintNoExecute},
	{Key: "node.kubernetes.io/disk-pressure", Operator: "Exists", Effect: api.TaintNoSchedule},
	{Key: "node.kubernetes.io/memory-pressure", Operator: "Exists", Effect: api.TaintNoSchedule},
	{Key: "node.kubernetes.io/pid-pressure", Operator: "Exists", Effect: api.TaintNoSchedule},
	{Key: "node.kubernetes.io/unschedulable", Operator: "Exists", Effect: api.TaintNoSchedule},
}

func addDaemonTolerations(spec *api.PodSpec) {
	ts := daemonTolerations
	if spec.HostNetwork {
		ts = append(ts[:len(ts):len(ts)], api.Toleration{Key: "node.kubernetes.io/network-unavailable", Operator: "Exists", Effect: api.TaintNoSchedule})
	}
	for _, t := range ts {
		if !slices.ContainsFunc(spec.Tolerations, func(have api.Toleration) bool { return have.Key == t.Key && have.Effect == t.Effect }) {
			spec.Tolerations = append(spec.Tolerations, t)
		}
	}
}

// ShouldRun reports whether a node should run a pod of ds: it matches the
// template's node selector and required node affinity, and the pod (with the
// daemon tolerations) tolerates the node's NoSchedule and NoExecute taints.
func ShouldRun(ds *api.DaemonSet, n *api.Node) bool {
	spec := api.Clone(&ds.Spec.Template.Spec)
	addDaemonTolerations(spec)
	for k, v := range spec.NodeSelector {
		if n.Labels[k] != v {
			return false
		}
	}
	for _, t := range n.Spec.Taints {
		if t.Effect == api.TaintPreferNoSchedule {
			continue
		}
		if !slices.ContainsFunc(spec.Tolerations, func(tol api.Toleration) bool { return tol.ToleratesTaint(&t) }) {
			return false
		}
	}
	return true
}

func templateHash(t *api.PodTemplateSpec) string {
	h := fnv.New32a()
	b, _ := json.Marshal(t)
	h.Write(b)
	return controller.SafeEncode(strconv.FormatUint(uint64(h.Sum32()), 10))
}

func (ctl *Controller) updateStatus(ds *api.DaemonSet, byNode map[string][]*api.Pod) error {
	st := api.DaemonSetStatus{ObservedGeneration: ds.Generation, CollisionCount: ds.Status.CollisionCount, Conditions: ds.Status.Conditions}
	hash := templateHash(&ds.Spec.Template)
	now := ctl.c.Now()
	for _, n := range ctl.nodes.List() {
		pods := byNode[n.Name]
		should := ShouldRun(ds, n)
		if should {
			st.DesiredNumberScheduled++
		}
		if len(pods) == 0 {
			if should {
				st.NumberUnavailable++
			}
			continue
		}
		if !should {
			st.NumberMisscheduled++
			continue
		}
		st.CurrentNumberScheduled++
		p := pods[0]
		if p.Labels[RevisionHashLabel] == hash {
			st.UpdatedNumberScheduled++
		}
		if controller.IsPodReady(p) {
			st.NumberReady++
		}
		if controller.IsPodAvailable(p, ds.Spec.MinReadySeconds, now) {
			st.NumberAvailable++
		} else {
			st.NumberUnavailable++
		}
	}
	if reflect.DeepEqual(st, ds.Status) {
		return nil
	}
	upd := api.Clone(ds)
	upd.Status = st
	_, err := client.UpdateStatus(ctl.c, upd)
	return err
}
