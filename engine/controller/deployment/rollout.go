package deployment

import (
	"cmp"
	"sort"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// rolloutRolling does one step of a rolling update: scale the new
// ReplicaSet up within maxSurge, else scale old ones down within
// maxUnavailable, else tidy up.
func (ctl *Controller) rolloutRolling(d *api.Deployment, rsList []*api.ReplicaSet) error {
	oldRSs := oldReplicaSets(rsList, findNewReplicaSet(d, rsList))
	newRS, d, err := ctl.getNewReplicaSet(d, rsList, oldRSs, true)
	if err != nil {
		return err
	}
	all := append(append([]*api.ReplicaSet(nil), oldRSs...), newRS)
	if scaled, err := ctl.reconcileNewReplicaSet(d, all, newRS); err != nil || scaled {
		return cmp.Or(err, ctl.syncRolloutStatus(d, all, newRS))
	}
	if scaled, err := ctl.reconcileOldReplicaSets(d, all, activeReplicaSets(oldRSs), newRS); err != nil || scaled {
		return cmp.Or(err, ctl.syncRolloutStatus(d, all, newRS))
	}
	if complete(d, d.Status) {
		if err := ctl.cleanup(d, oldRSs); err != nil {
			return err
		}
	}
	return ctl.syncRolloutStatus(d, all, newRS)
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
	newRS, d, err := ctl.getNewReplicaSet(d, rsList, oldRSs, false)
	if err != nil {
		return err
	}
	all := withNew(oldRSs, newRS)
	scaledDown := false
	for _, rs := range activeReplicaSets(oldRSs) {
		if _, err := ctl.scale(d, rs, 0); err != nil {
			return err
		}
		scaledDown = true
	}
	if scaledDown || ctl.oldPodsRunning(oldRSs) {
		return ctl.syncRolloutStatus(d, all, newRS)
	}
	if newRS == nil {
		if newRS, d, err = ctl.getNewReplicaSet(d, rsList, oldRSs, true); err != nil {
			return err
		}
		all = withNew(oldRSs, newRS)
	}
	if api.Deref(newRS.Spec.Replicas, 0) != replicas(d) {
		if _, err := ctl.scale(d, newRS, replicas(d)); err != nil {
			return err
		}
	}
	if complete(d, d.Status) {
		if err := ctl.cleanup(d, oldRSs); err != nil {
			return err
		}
	}
	return ctl.syncRolloutStatus(d, all, newRS)
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
