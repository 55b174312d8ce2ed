package nodelifecycle

import (
	"maps"
	"slices"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// conditionTaints maps a node condition and its status to the taint that
// says so, as nodeConditionToTaintKeyStatusMap.
var conditionTaints = map[string]map[string]string{
	"Ready":              {api.ConditionFalse: controller.TaintNodeNotReady, api.ConditionUnknown: controller.TaintNodeUnreachable},
	"MemoryPressure":     {api.ConditionTrue: controller.TaintNodeMemoryPressure},
	"DiskPressure":       {api.ConditionTrue: controller.TaintNodeDiskPressure},
	"NetworkUnavailable": {api.ConditionTrue: controller.TaintNodeNetworkUnavailable},
	"PIDPressure":        {api.ConditionTrue: controller.TaintNodePIDPressure},
}

// conditionTaintKeys are the keys of the NoSchedule taints the controller owns.
var conditionTaintKeys = map[string]bool{
	controller.TaintNodeNotReady: true, controller.TaintNodeUnreachable: true, controller.TaintNodeMemoryPressure: true,
	controller.TaintNodeDiskPressure: true, controller.TaintNodeNetworkUnavailable: true, controller.TaintNodePIDPressure: true,
	controller.TaintNodeUnschedulable: true,
}

// reconcileTaints is doNoScheduleTaintingPass: it gives a node the
// NoSchedule taints its conditions and spec.unschedulable call for, and
// takes off those they no longer do.
func (ctl *Controller) reconcileTaints(name string) (loop.Result, error) {
	n, ok := ctl.nodes.Get("", name)
	if !ok {
		return loop.Result{}, nil
	}
	want := noScheduleTaints(n)
	var have []api.Taint
	for _, t := range n.Spec.Taints {
		if t.Effect == api.TaintNoSchedule && conditionTaintKeys[t.Key] {
			have = append(have, t)
		}
	}
	add, remove := taintSetDiff(want, have)
	if len(add) == 0 && len(remove) == 0 {
		return loop.Result{}, nil
	}
	return loop.Result{}, controller.SwapNodeTaints(ctl.c, name, add, remove, true)
}

// noScheduleTaints are the NoSchedule taints a node's conditions call for,
// in the order of its conditions, then the unschedulable one.
func noScheduleTaints(n *api.Node) []api.Taint {
	var out []api.Taint
	for _, c := range n.Status.Conditions {
		if key, ok := conditionTaints[c.Type][c.Status]; ok {
			out = append(out, api.Taint{Key: key, Effect: api.TaintNoSchedule})
		}
	}
	if n.Spec.Unschedulable {
		out = append(out, api.Taint{Key: controller.TaintNodeUnschedulable, Effect: api.TaintNoSchedule})
	}
	return out
}

// taintSetDiff returns the taints of want missing from have and those of
// have missing from want, matched by key and effect.
func taintSetDiff(want, have []api.Taint) (add, remove []api.Taint) {
	for _, t := range want {
		if !controller.TaintExists(have, t) {
			add = append(add, t)
		}
	}
	for _, t := range have {
		if !controller.TaintExists(want, t) {
			remove = append(remove, t)
		}
	}
	return add, remove
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
