package daemonset

import (
	"slices"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// NodeShouldRunDaemonPod is upstream's: shouldRun says whether a node
// without the set's pod should get one; shouldContinueRunning whether a
// pod already there may stay. The node must match the template's node
// name, required node affinity and nodeSelector; the pod, with the daemon
// tolerations, must tolerate the node's NoSchedule and NoExecute taints to
// start, and its NoExecute taints to stay.
func NodeShouldRunDaemonPod(n *api.Node, ds *api.DaemonSet) (shouldRun, shouldContinueRunning bool) {
	return nodeShouldRun(n, newPodSpec(ds))
}

// nodeShouldRun is NodeShouldRunDaemonPod of the set's pod spec (newPodSpec).
func nodeShouldRun(n *api.Node, spec *api.PodSpec) (shouldRun, shouldContinueRunning bool) {
	if spec.NodeName != "" && spec.NodeName != n.Name {
		return false, false
	}
	if !api.RequiredNodeAffinityMatches(spec, n) {
		return false, false
	}
	if untolerated(n.Spec.Taints, spec.Tolerations, api.TaintNoSchedule, api.TaintNoExecute) {
		return false, !untolerated(n.Spec.Taints, spec.Tolerations, api.TaintNoExecute)
	}
	return true, true
}

// newPodSpec is the spec of the set's pod as NodeShouldRunDaemonPod sees
// it: the template's, with the daemon tolerations.
func newPodSpec(ds *api.DaemonSet) *api.PodSpec {
	spec := ds.Spec.Template.Spec
	spec.Tolerations = slices.Clone(spec.Tolerations)
	addDaemonTolerations(&spec)
	return &spec
}

// shouldRun is NodeShouldRunDaemonPod with the set's pod spec made once
// for each version of the set: a node's add or update asks it about every
// set, and a sync about every node, and making the spec each time (the
// tolerations copied, the daemon tolerations added) was a sixth of the
// CPU of 1,000 nodes joining. The informer's objects never change, so the
// object is its version's key.
func (ctl *Controller) shouldRun(n *api.Node, ds *api.DaemonSet) (shouldRun, shouldContinueRunning bool) {
	key := client.Key(ds.Namespace, ds.Name)
	m, ok := ctl.specs[key]
	if !ok || m.ds != ds {
		m = specMemo{ds: ds, spec: newPodSpec(ds)}
		ctl.specs[key] = m
	}
	return nodeShouldRun(n, m.spec)
}

// specMemo is a set's pod spec as NodeShouldRunDaemonPod sees it, and the
// set it was made from.
type specMemo struct {
	ds   *api.DaemonSet
	spec *api.PodSpec
}

// untolerated reports whether some taint of one of the effects is not
// tolerated, as FindMatchingUntoleratedTaint.
func untolerated(taints []api.Taint, tols []api.Toleration, effects ...string) bool {
	for i := range taints {
		if slices.Contains(effects, taints[i].Effect) && !api.TolerationsTolerateTaint(tols, &taints[i]) {
			return true
		}
	}
	return false
}

// daemonTolerations are what AddOrUpdateDaemonPodTolerations gives every
// daemon pod: it survives a node going not ready or unreachable, and
// tolerates the conditions' NoSchedule taints and cordoning.
var daemonTolerations = []api.Toleration{
	{Key: controller.TaintNodeNotReady, Operator: "Exists", Effect: api.TaintNoExecute},
	{Key: controller.TaintNodeUnreachable, Operator: "Exists", Effect: api.TaintNoExecute},
	{Key: controller.TaintNodeDiskPressure, Operator: "Exists", Effect: api.TaintNoSchedule},
	{Key: controller.TaintNodeMemoryPressure, Operator: "Exists", Effect: api.TaintNoSchedule},
	{Key: controller.TaintNodePIDPressure, Operator: "Exists", Effect: api.TaintNoSchedule},
	{Key: controller.TaintNodeUnschedulable, Operator: "Exists", Effect: api.TaintNoSchedule},
}

// networkUnavailable is added for pods on the host's network.
var networkUnavailable = api.Toleration{Key: controller.TaintNodeNetworkUnavailable, Operator: "Exists", Effect: api.TaintNoSchedule}

func addDaemonTolerations(spec *api.PodSpec) {
	for _, t := range daemonTolerations {
		spec.Tolerations = addOrUpdateToleration(spec.Tolerations, t)
	}
	if spec.HostNetwork {
		spec.Tolerations = addOrUpdateToleration(spec.Tolerations, networkUnavailable)
	}
}

// addOrUpdateToleration is AddOrUpdateTolerationInPodSpec: a toleration of
// the same key, operator, value and effect is replaced in place (so a
// tolerationSeconds goes), any other kept, and t appended if none matched.
func addOrUpdateToleration(tols []api.Toleration, t api.Toleration) []api.Toleration {
	out, _ := controller.AddOrReplace(tols, t, func(have, t api.Toleration) bool {
		return have.Key == t.Key && have.Operator == t.Operator && have.Value == t.Value && have.Effect == t.Effect
	})
	return out
}

// pinToNode is ReplaceDaemonSetPodNodeNameNodeAffinity: the pod's required
// node affinity becomes one term selecting its node by name, which the
// scheduler honours (the set's own terms were checked already).
func pinToNode(spec *api.PodSpec, node string) {
	sel := &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{
		MatchFields: []api.NodeSelectorRequirement{{Key: "metadata.name", Operator: "In", Values: []string{node}}},
	}}}
	switch {
	case spec.Affinity == nil:
		spec.Affinity = &api.Affinity{NodeAffinity: &api.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: sel}}
	case spec.Affinity.NodeAffinity == nil:
		spec.Affinity.NodeAffinity = &api.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: sel}
	case spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil:
		spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = sel
	default:
		spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms = sel.NodeSelectorTerms
	}
}

// targetNode is GetTargetNodeName: the node a daemon pod runs on, or is
// pinned to while it waits for the scheduler.
func targetNode(p *api.Pod) (string, bool) {
	if p.Spec.NodeName != "" {
		return p.Spec.NodeName, true
	}
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return "", false
	}
	for _, t := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, f := range t.MatchFields {
			if f.Key == "metadata.name" && f.Operator == "In" {
				if len(f.Values) != 1 {
					return "", false
				}
				return f.Values[0], true
			}
		}
	}
	return "", false
}
