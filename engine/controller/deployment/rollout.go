package deployment

import (
	"reflect"
	"sort"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// rolloutRolling does one step of a rolling update: scale the new
// ReplicaSet up within maxSurge, else scale old ones down within
// maxUnavailable, else tidy up.
func (ctl *Controller) rolloutRolling(d *api.Deployment, rsList []*api.ReplicaSet) error {
	oldRSs := oldReplicaSets(rsList, findNewReplicaSet(d, rsList))
	newRS, err := ctl.getNewReplicaSet(d, rsList, oldRSs, true)
	if err != nil {
		return err
	}
	all := append(append([]*api.ReplicaSet(nil), oldRSs...), newRS)
	if scaled, err := ctl.reconcileNewReplicaSet(d, all, newRS); err != nil || scaled {
		return firstErr(err, ctl.syncRolloutStatus(d, rsList, newRS))
	}
	if scaled, err := ctl.reconcileOldReplicaSets(d, all, activeReplicaSets(oldRSs), newRS); err != nil || scaled {
		return firstErr(err, ctl.syncRolloutStatus(d, rsList, newRS))
	}
	if complete(d, ctl.status(d, all, newRS)) {
		if err := ctl.cleanup(d, oldRSs); err != nil {
			return err
		}
	}
	return ctl.syncRolloutStatus(d, rsList, newRS)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func (ctl *Controller) reconcileNewReplicaSet(d *api.Deployment, all []*api.ReplicaSet, newRS *api.ReplicaSet) (bool, error) {
	cur := api.Deref(newRS.Spec.Replicas, 0)
	if cur == replicas(d) {
		return false, nil
	}
	if cur > replicas(d) {
		_, err := ctl.scale(d, newRS, replicas(d))
		return true, err
	}
	n := newRSReplicas(d, all, newRS)
	if n == cur {
		return false, nil
	}
	_, err := ctl.scale(d, newRS, n)
	return true, err
}

// reconcileOldReplicaSets scales old ReplicaSets down as far as
// maxUnavailable allows, unhealthy replicas first.
func (ctl *Controller) reconcileOldReplicaSets(d *api.Deployment, all, oldRSs []*api.ReplicaSet, newRS *api.ReplicaSet) (bool, error) {
	if sumReplicas(oldRSs) == 0 {
		return false, nil
	}
	minAvailable := int(replicas(d)) - maxUnavailable(d)
	newUnavailable := int(api.Deref(newRS.Spec.Replicas, 0)) - int(newRS.Status.AvailableReplicas)
	maxScaledDown := sumReplicas(all) - minAvailable - newUnavailable
	if maxScaledDown <= 0 {
		return false, nil
	}
	cleaned, oldRSs, err := ctl.cleanupUnhealthy(d, oldRSs, maxScaledDown)
	if err != nil {
		return false, err
	}
	all = append(append([]*api.ReplicaSet(nil), oldRSs...), newRS)
	scaled, err := ctl.scaleDownOld(d, all, oldRSs)
	return cleaned+scaled > 0, err
}

// cleanupUnhealthy removes old replicas that are not available anyway.
func (ctl *Controller) cleanupUnhealthy(d *api.Deployment, oldRSs []*api.ReplicaSet, maxCleanup int) (int, []*api.ReplicaSet, error) {
	sort.SliceStable(oldRSs, func(i, j int) bool { return oldRSs[i].CreationTimestamp.Before(oldRSs[j].CreationTimestamp.Time) })
	total := 0
	out := make([]*api.ReplicaSet, len(oldRSs))
	for i, rs := range oldRSs {
		out[i] = rs
		if total >= maxCleanup {
			continue
		}
		cur := api.Deref(rs.Spec.Replicas, 0)
		unhealthy := int(cur) - int(rs.Status.AvailableReplicas)
		if cur == 0 || unhealthy <= 0 {
			continue
		}
		down := min(unhealthy, maxCleanup-total)
		scaled, err := ctl.scale(d, rs, cur-int32(down))
		if err != nil {
			return total, nil, err
		}
		out[i] = scaled
		total += down
	}
	return total, out, nil
}

// scaleDownOld scales old ReplicaSets down, oldest first, keeping
// replicas - maxUnavailable pods available.
func (ctl *Controller) scaleDownOld(d *api.Deployment, all, oldRSs []*api.ReplicaSet) (int, error) {
	minAvailable := int(replicas(d)) - maxUnavailable(d)
	budget := sumAvailable(all) - minAvailable
	if budget <= 0 {
		return 0, nil
	}
	total := 0
	for _, rs := range oldRSs {
		if total >= budget {
			break
		}
		cur := int(api.Deref(rs.Spec.Replicas, 0))
		if cur == 0 {
			continue
		}
		down := min(cur, budget-total)
		if _, err := ctl.scale(d, rs, int32(cur-down)); err != nil {
			return total, err
		}
		total += down
	}
	return total, nil
}

// rolloutRecreate scales every old ReplicaSet to zero, waits until their
// pods are gone, then scales the new one up.
func (ctl *Controller) rolloutRecreate(d *api.Deployment, rsList []*api.ReplicaSet) error {
	oldRSs := oldReplicaSets(rsList, findNewReplicaSet(d, rsList))
	newRS, err := ctl.getNewReplicaSet(d, rsList, oldRSs, false)
	if err != nil {
		return err
	}
	scaledDown := false
	for _, rs := range activeReplicaSets(oldRSs) {
		if _, err := ctl.scale(d, rs, 0); err != nil {
			return err
		}
		scaledDown = true
	}
	if scaledDown || ctl.oldPodsRunning(oldRSs) {
		return ctl.syncRolloutStatus(d, rsList, newRS)
	}
	if newRS == nil {
		if newRS, err = ctl.getNewReplicaSet(d, rsList, oldRSs, true); err != nil {
			return err
		}
	} else if _, err := ctl.scale(d, newRS, replicas(d)); err != nil {
		return err
	}
	all := append(append([]*api.ReplicaSet(nil), oldRSs...), newRS)
	if complete(d, ctl.status(d, all, newRS)) {
		if err := ctl.cleanup(d, oldRSs); err != nil {
			return err
		}
	}
	return ctl.syncRolloutStatus(d, rsList, newRS)
}

func (ctl *Controller) oldPodsRunning(oldRSs []*api.ReplicaSet) bool {
	for _, rs := range oldRSs {
		if rs.Status.Replicas > 0 {
			return true
		}
		for _, p := range ctl.pods.Select(rs.Namespace, api.Everything()) {
			if ref := controller.ControllerRef(p); ref != nil && ref.UID == rs.UID && p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed {
				return true
			}
		}
	}
	return false
}

// status computes the deployment's status from its ReplicaSets.
func (ctl *Controller) status(d *api.Deployment, all []*api.ReplicaSet, newRS *api.ReplicaSet) api.DeploymentStatus {
	st := api.DeploymentStatus{ObservedGeneration: d.Generation, CollisionCount: d.Status.CollisionCount}
	for _, rs := range all {
		if rs == nil {
			continue
		}
		st.Replicas += rs.Status.Replicas
		st.ReadyReplicas += rs.Status.ReadyReplicas
		st.AvailableReplicas += rs.Status.AvailableReplicas
	}
	if newRS != nil {
		st.UpdatedReplicas = newRS.Status.Replicas
	}
	st.UnavailableReplicas = max(replicas(d)-st.AvailableReplicas, 0)
	st.Conditions = ctl.availableCondition(d, st)
	return st
}

// availableCondition returns the Deployment's conditions with Available
// updated; the others stay as they are.
func (ctl *Controller) availableCondition(d *api.Deployment, st api.DeploymentStatus) []api.DeploymentCondition {
	now := api.NewTime(ctl.c.Now())
	conds := append([]api.DeploymentCondition(nil), d.Status.Conditions...)
	avail := api.DeploymentCondition{Type: "Available", Status: "True", Reason: "MinimumReplicasAvailable", Message: "Deployment has minimum availability."}
	if int(st.AvailableReplicas) < int(replicas(d))-maxUnavailable(d) {
		avail = api.DeploymentCondition{Type: "Available", Status: "False", Reason: "MinimumReplicasUnavailable", Message: "Deployment does not have minimum availability."}
	}
	return setCondition(conds, avail, now)
}

// setCondition replaces or adds c; the transition time moves only when the
// status changes, the update time whenever anything does.
func setCondition(conds []api.DeploymentCondition, c api.DeploymentCondition, now api.Time) []api.DeploymentCondition {
	for i, old := range conds {
		if old.Type != c.Type {
			continue
		}
		if old.Status == c.Status && old.Reason == c.Reason && old.Message == c.Message {
			return conds
		}
		c.LastUpdateTime, c.LastTransitionTime = now, old.LastTransitionTime
		if old.Status != c.Status {
			c.LastTransitionTime = now
		}
		conds[i] = c
		return conds
	}
	c.LastUpdateTime, c.LastTransitionTime = now, now
	return append(conds, c)
}

// syncStatus writes the Deployment's counts and Available condition.
func (ctl *Controller) syncStatus(d *api.Deployment, rsList []*api.ReplicaSet, newRS *api.ReplicaSet) error {
	return ctl.writeStatus(d, rsList, newRS, false)
}

// syncRolloutStatus is syncStatus for a sync that rolled out: the
// Progressing condition follows the rollout too.
func (ctl *Controller) syncRolloutStatus(d *api.Deployment, rsList []*api.ReplicaSet, newRS *api.ReplicaSet) error {
	return ctl.writeStatus(d, rsList, newRS, true)
}

func (ctl *Controller) writeStatus(d *api.Deployment, rsList []*api.ReplicaSet, newRS *api.ReplicaSet, rollout bool) error {
	// Read the ReplicaSets again: this sync may have changed them.
	var all []*api.ReplicaSet
	for _, rs := range rsList {
		if cur, ok := ctl.rss.Get(rs.Namespace, rs.Name); ok {
			all = append(all, cur)
		}
	}
	if newRS != nil {
		if cur, ok := ctl.rss.Get(newRS.Namespace, newRS.Name); ok {
			newRS = cur
		}
		if !containsRS(all, newRS) {
			all = append(all, newRS)
		}
	}
	st := ctl.status(d, all, newRS)
	if rollout {
		ctl.progressCondition(d, &st, newRS)
	}
	if reflect.DeepEqual(st, d.Status) {
		return nil
	}
	upd := api.Clone(d)
	upd.Status = st
	_, err := client.UpdateStatus(ctl.c, upd)
	return err
}

func containsRS(list []*api.ReplicaSet, rs *api.ReplicaSet) bool {
	for _, r := range list {
		if r.UID == rs.UID {
			return true
		}
	}
	return false
}
