package scheduler

import (
	"maps"
	"reflect"

	"github.com/kubeplay/kubeplay/engine/api"
)

// resource is what a cluster event is about, as framework.EventResource.
type resource int

const (
	resAssignedPod  resource = iota // a pod bound to a node
	resUnscheduled                  // the unscheduled pod itself
	resNode                         // a Node
	resClaim                        // a PersistentVolumeClaim
	resVolume                       // a PersistentVolume
	resStorageClass                 // a StorageClass
	resWildCard                     // any: the unschedulable pods' timeout
)

// action is a bit set of what happened, as framework.ActionType.
type action uint32

const (
	actAdd action = 1 << iota
	actDelete
	actUpdateNodeAllocatable
	actUpdateNodeLabel
	actUpdateNodeTaint
	actUpdateNodeCondition
	actUpdateNodeAnnotation
	actUpdatePodLabel
	actUpdatePodScaleDown
	actUpdatePodToleration
	actUpdatePodGatesEliminated
	actUpdatePodOther
	actUpdate // any other object's update

	actUpdateNode = actUpdateNodeAllocatable | actUpdateNodeLabel | actUpdateNodeTaint | actUpdateNodeCondition | actUpdateNodeAnnotation
	actUpdatePod  = actUpdatePodLabel | actUpdatePodScaleDown | actUpdatePodToleration | actUpdatePodGatesEliminated | actUpdatePodOther
	actAll        = ^action(0)
)

// clusterEvent is a change of the cluster that may make a pod schedulable.
type clusterEvent struct {
	resource resource
	action   action
}

var unschedulableTimeout = clusterEvent{resource: resWildCard, action: actAll}

// hintFn is a QueueingHintFn: whether the change from old to new (either
// nil for an add or a delete) may make the rejected pod schedulable.
type hintFn func(p *api.Pod, old, new any) bool

// eventHint is a ClusterEventWithHint: the events a plugin registers, with
// the hint that decides; a nil hint always queues.
type eventHint struct {
	resource resource
	actions  action
	hint     hintFn
}

func (h eventHint) matches(ev clusterEvent) bool {
	return ev.resource == resWildCard || h.resource == ev.resource && h.actions&ev.action != 0
}

// nodeChanges is NodeSchedulingPropertiesChange: what changed between two
// versions of a node, as far as scheduling is concerned.
func nodeChanges(old, n *api.Node) action {
	var a action
	if old.Spec.Unschedulable != n.Spec.Unschedulable && !n.Spec.Unschedulable {
		a |= actUpdateNodeTaint
	}
	if !reflect.DeepEqual(old.Status.Allocatable, n.Status.Allocatable) {
		a |= actUpdateNodeAllocatable
	}
	if !maps.Equal(old.Labels, n.Labels) {
		a |= actUpdateNodeLabel
	}
	if !reflect.DeepEqual(old.Spec.Taints, n.Spec.Taints) {
		a |= actUpdateNodeTaint
	}
	if !maps.Equal(conditionStatuses(old), conditionStatuses(n)) {
		a |= actUpdateNodeCondition
	}
	if !maps.Equal(old.Annotations, n.Annotations) {
		a |= actUpdateNodeAnnotation
	}
	return a
}

func conditionStatuses(n *api.Node) map[string]string {
	m := make(map[string]string, len(n.Status.Conditions))
	for _, c := range n.Status.Conditions {
		m[c.Type] = c.Status
	}
	return m
}

// podChanges is PodSchedulingPropertiesChange: what changed between two
// versions of a pod; a change of nothing else is UpdatePodOther.
func podChanges(old, p *api.Pod) action {
	var a action
	if !maps.Equal(old.Labels, p.Labels) {
		a |= actUpdatePodLabel
	}
	if scaledDown(old, p) {
		a |= actUpdatePodScaleDown
	}
	if len(old.Spec.SchedulingGates) > 0 && len(p.Spec.SchedulingGates) == 0 {
		a |= actUpdatePodGatesEliminated
	}
	if !reflect.DeepEqual(old.Spec.Tolerations, p.Spec.Tolerations) {
		a |= actUpdatePodToleration
	}
	if a == 0 {
		a = actUpdatePodOther
	}
	return a
}

func scaledDown(old, p *api.Pod) bool {
	o, n := podRequests(old, false), podRequests(p, false)
	return n.MilliCPU < o.MilliCPU || n.Memory < o.Memory || n.EphemeralStorage < o.EphemeralStorage
}

// asPods and asNodes unpack a hint's objects; either may be nil.
func asPods(old, new any) (*api.Pod, *api.Pod) {
	o, _ := old.(*api.Pod)
	n, _ := new.(*api.Pod)
	return o, n
}

func asNodes(old, new any) (*api.Node, *api.Node) {
	o, _ := old.(*api.Node)
	n, _ := new.(*api.Node)
	return o, n
}
