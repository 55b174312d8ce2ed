package controller

import (
	"reflect"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// Taints the node lifecycle controller and the cloud controller manager
// put on nodes, with upstream's keys.
const (
	TaintNodeNotReady           = "node.kubernetes.io/not-ready"
	TaintNodeUnreachable        = "node.kubernetes.io/unreachable"
	TaintNodeUnschedulable      = "node.kubernetes.io/unschedulable"
	TaintNodeMemoryPressure     = "node.kubernetes.io/memory-pressure"
	TaintNodeDiskPressure       = "node.kubernetes.io/disk-pressure"
	TaintNodePIDPressure        = "node.kubernetes.io/pid-pressure"
	TaintNodeNetworkUnavailable = "node.kubernetes.io/network-unavailable"
	TaintNodeOutOfService       = "node.kubernetes.io/out-of-service"
)

// DisruptionTarget is the pod condition a controller sets before it deletes
// a pod for reasons of its own (an eviction, a taint, a lost node).
const DisruptionTarget = "DisruptionTarget"

// TaintExists reports whether taints hold a taint with t's key and effect.
func TaintExists(taints []api.Taint, t api.Taint) bool {
	for _, have := range taints {
		if have.Key == t.Key && have.Effect == t.Effect {
			return true
		}
	}
	return false
}

// TaintKeyExists reports whether taints hold a taint with the key, of
// any effect.
func TaintKeyExists(taints []api.Taint, key string) bool {
	for _, t := range taints {
		if t.Key == key {
			return true
		}
	}
	return false
}

// WithTaint returns taints with t added, or put in place of the taint of
// the same key and effect, as taintutils.AddOrUpdateTaint; it reports
// whether anything changed.
func WithTaint(taints []api.Taint, t api.Taint) ([]api.Taint, bool) {
	return AddOrReplace(taints, t, func(have, t api.Taint) bool { return have.Key == t.Key && have.Effect == t.Effect })
}

// WithoutTaint returns taints without the taint of t's key and effect.
func WithoutTaint(taints []api.Taint, t api.Taint) ([]api.Taint, bool) {
	var out []api.Taint
	removed := false
	for _, have := range taints {
		if have.Key == t.Key && have.Effect == t.Effect {
			removed = true
			continue
		}
		out = append(out, have)
	}
	return out, removed
}

// conflictRetries is how often a read-modify-write of a node is retried
// when another writer got there first.
const conflictRetries = 5

// SwapNodeTaints adds taints (each stamped with now as timeAdded when stamp
// is set, as the node lifecycle controller's SwapNodeControllerTaint does)
// and removes others from a node in one update, re-reading the node when
// the update conflicts. A node that is gone is not an error.
func SwapNodeTaints(c *client.Client, name string, add, remove []api.Taint, stamp bool) error {
	if stamp {
		now := api.NewTime(c.Now())
		add = append([]api.Taint(nil), add...)
		for i := range add {
			add[i].TimeAdded = &now
		}
	}
	return UpdateNode(c, name, func(n *api.Node) bool {
		changed := false
		for _, t := range add {
			var ok bool
			n.Spec.Taints, ok = WithTaint(n.Spec.Taints, t)
			changed = changed || ok
		}
		for _, t := range remove {
			var ok bool
			n.Spec.Taints, ok = WithoutTaint(n.Spec.Taints, t)
			changed = changed || ok
		}
		return changed
	})
}

// UpdateNode reads a node, lets change modify it (reporting whether it
// did) and writes it back, retrying on conflicts. A node that is gone is
// not an error.
func UpdateNode(c *client.Client, name string, change func(*api.Node) bool) error {
	var err error
	for range conflictRetries {
		var cur *api.Node
		cur, err = client.Get[*api.Node](c, "", name)
		if apiserver.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		upd := api.Clone(cur)
		if !change(upd) {
			return nil
		}
		_, err = client.Update(c, upd)
		if !apiserver.IsConflict(err) {
			return err
		}
	}
	return err
}

// UpdatePodCondition sets a condition in a pod status as upstream's
// UpdatePodCondition: the transition time moves only when the status
// changes. It reports whether anything changed.
func UpdatePodCondition(status *api.PodStatus, c api.PodCondition, now time.Time) bool {
	c.LastTransitionTime = api.NewTime(now)
	for i, old := range status.Conditions {
		if old.Type != c.Type {
			continue
		}
		if old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
		equal := reflect.DeepEqual(old, c)
		status.Conditions[i] = c
		return !equal
	}
	status.Conditions = append(status.Conditions, c)
	return true
}

// NodeCondition returns a node's condition of the given type, if present.
func NodeCondition(n *api.Node, t string) *api.NodeCondition {
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == t {
			return &n.Status.Conditions[i]
		}
	}
	return nil
}

// IsNodeReady reports whether a node's Ready condition is True.
func IsNodeReady(n *api.Node) bool {
	c := NodeCondition(n, "Ready")
	return c != nil && c.Status == api.ConditionTrue
}
