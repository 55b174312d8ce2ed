package deployment

import (
	"fmt"
	"math"
	"reflect"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
)

// hasProgressDeadline reports whether the Deployment reports progress in
// a Progressing condition.
func hasProgressDeadline(d *api.Deployment) bool {
	return d.Spec.ProgressDeadlineSeconds != nil && *d.Spec.ProgressDeadlineSeconds != math.MaxInt32
}

func condition(conds []api.DeploymentCondition, typ string) *api.DeploymentCondition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

func removeCondition(conds []api.DeploymentCondition, typ string) []api.DeploymentCondition {
	var out []api.DeploymentCondition
	for _, c := range conds {
		if c.Type != typ {
			out = append(out, c)
		}
	}
	return out
}

// newCondition is NewDeploymentCondition: updated and transitioned now.
func (ctl *Controller) newCondition(typ, status, reason, msg string) *api.DeploymentCondition {
	now := api.NewTime(ctl.c.Now())
	return &api.DeploymentCondition{Type: typ, Status: status, Reason: reason, Message: msg, LastUpdateTime: now, LastTransitionTime: now}
}

// setCondition is SetDeploymentCondition: a condition of the same status
// and reason is left as it is; otherwise the new one goes last, keeping the
// old transition time if the status did not change.
func setCondition(conds []api.DeploymentCondition, c api.DeploymentCondition) []api.DeploymentCondition {
	cur := condition(conds, c.Type)
	if cur != nil && cur.Status == c.Status && cur.Reason == c.Reason {
		return conds
	}
	if cur != nil && cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	return append(removeCondition(conds, c.Type), c)
}

// calculateStatus is upstream's: the ReplicaSets' counts (unavailable is
// their desired total less the available), and the Available condition:
// at least replicas - maxUnavailable pods available.
func (ctl *Controller) calculateStatus(d *api.Deployment, all []*api.ReplicaSet, newRS *api.ReplicaSet) api.DeploymentStatus {
	st := api.DeploymentStatus{ObservedGeneration: d.Generation, CollisionCount: d.Status.CollisionCount, TerminatingReplicas: api.Ptr(int32(0))}
	for _, rs := range all {
		if rs == nil {
			continue
		}
		st.Replicas += rs.Status.Replicas
		st.ReadyReplicas += rs.Status.ReadyReplicas
		st.AvailableReplicas += rs.Status.AvailableReplicas
		st.UnavailableReplicas += api.Deref(rs.Spec.Replicas, 0)
		if st.TerminatingReplicas != nil && rs.Status.TerminatingReplicas != nil {
			*st.TerminatingReplicas += *rs.Status.TerminatingReplicas
		} else {
			st.TerminatingReplicas = nil
		}
	}
	st.UnavailableReplicas = max(st.UnavailableReplicas-st.AvailableReplicas, 0)
	if newRS != nil {
		st.UpdatedReplicas = newRS.Status.Replicas
	}
	st.Conditions = append([]api.DeploymentCondition(nil), d.Status.Conditions...)
	if st.AvailableReplicas >= replicas(d)-int32(maxUnavailable(d)) {
		st.Conditions = setCondition(st.Conditions, *ctl.newCondition("Available", api.ConditionTrue, ReasonMinimumAvailable, "Deployment has minimum availability."))
	} else {
		st.Conditions = setCondition(st.Conditions, *ctl.newCondition("Available", api.ConditionFalse, ReasonMinimumUnavailable, "Deployment does not have minimum availability."))
	}
	return st
}

// complete is DeploymentComplete: every replica updated and available,
// none old, and the spec observed.
func complete(d *api.Deployment, st api.DeploymentStatus) bool {
	return st.UpdatedReplicas == replicas(d) && st.Replicas == replicas(d) && st.AvailableReplicas == replicas(d) && st.ObservedGeneration >= d.Generation
}

// progressing is DeploymentProgressing: the rollout moved since the
// status d has.
func progressing(d *api.Deployment, st api.DeploymentStatus) bool {
	old := d.Status
	return st.UpdatedReplicas > old.UpdatedReplicas ||
		st.Replicas-st.UpdatedReplicas < old.Replicas-old.UpdatedReplicas ||
		st.ReadyReplicas > old.ReadyReplicas ||
		st.AvailableReplicas > old.AvailableReplicas
}

// timedOut is DeploymentTimedOut: the Progressing condition was last
// updated more than progressDeadlineSeconds ago.
func (ctl *Controller) timedOut(d *api.Deployment, st api.DeploymentStatus) bool {
	if !hasProgressDeadline(d) {
		return false
	}
	c := condition(st.Conditions, "Progressing")
	switch {
	case c == nil, c.Reason == ReasonNewRSAvailable:
		return false
	case c.Reason == ReasonTimedOut:
		return true
	}
	deadline := time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second
	return c.LastUpdateTime.Add(deadline).Before(ctl.c.Now())
}

// syncStatus writes the Deployment's counts and Available condition.
func (ctl *Controller) syncStatus(d *api.Deployment, all []*api.ReplicaSet, newRS *api.ReplicaSet) error {
	st := ctl.calculateStatus(d, all, newRS)
	if reflect.DeepEqual(d.Status, st) {
		return nil
	}
	upd := api.Clone(d)
	upd.Status = st
	_, err := client.UpdateStatus(ctl.c, upd)
	return err
}

// syncRolloutStatus is syncStatus for a sync that rolled out, as
// upstream's: the Progressing condition says the new ReplicaSet has
// progressed when the rollout is complete, is progressing whenever it
// moved, and has timed out when it has not moved for
// progressDeadlineSeconds; the ReplicaSets' ReplicaFailure condition is
// copied. A rollout that has not moved is looked at again when its
// deadline passes.
func (ctl *Controller) syncRolloutStatus(d *api.Deployment, all []*api.ReplicaSet, newRS *api.ReplicaSet) error {
	st := ctl.calculateStatus(d, all, newRS)
	if !hasProgressDeadline(d) {
		st.Conditions = removeCondition(st.Conditions, "Progressing")
	}
	cur := condition(d.Status.Conditions, "Progressing")
	isComplete := st.Replicas == st.UpdatedReplicas && cur != nil && cur.Reason == ReasonNewRSAvailable
	if hasProgressDeadline(d) && !isComplete {
		ctl.progressCondition(d, &st, cur, newRS)
	}
	if failure := replicaFailure(all, newRS); failure != nil {
		st.Conditions = setCondition(st.Conditions, *failure)
	} else {
		st.Conditions = removeCondition(st.Conditions, "ReplicaFailure")
	}
	if reflect.DeepEqual(d.Status, st) {
		ctl.requeueStuck(d, st)
		return nil
	}
	upd := api.Clone(d)
	upd.Status = st
	_, err := client.UpdateStatus(ctl.c, upd)
	return err
}

func (ctl *Controller) progressCondition(d *api.Deployment, st *api.DeploymentStatus, cur *api.DeploymentCondition, newRS *api.ReplicaSet) {
	subject := fmt.Sprintf("Deployment %q", d.Name)
	if newRS != nil {
		subject = fmt.Sprintf("ReplicaSet %q", newRS.Name)
	}
	switch {
	case complete(d, *st):
		st.Conditions = setCondition(st.Conditions, *ctl.newCondition("Progressing", api.ConditionTrue, ReasonNewRSAvailable, subject+" has successfully progressed."))
	case progressing(d, *st):
		// Progress moves the condition's update time even when its reason
		// stays: that is what the deadline counts from.
		c := ctl.newCondition("Progressing", api.ConditionTrue, ReasonReplicaSetUpdated, subject+" is progressing.")
		if cur != nil {
			if cur.Status == api.ConditionTrue {
				c.LastTransitionTime = cur.LastTransitionTime
			}
			st.Conditions = removeCondition(st.Conditions, "Progressing")
		}
		st.Conditions = setCondition(st.Conditions, *c)
	case ctl.timedOut(d, *st):
		st.Conditions = setCondition(st.Conditions, *ctl.newCondition("Progressing", api.ConditionFalse, ReasonTimedOut, subject+" has timed out progressing."))
	}
}

// replicaFailure is the ReplicaFailure condition of the new ReplicaSet, or
// else of an old one, as a Deployment condition.
func replicaFailure(all []*api.ReplicaSet, newRS *api.ReplicaSet) *api.DeploymentCondition {
	for _, list := range [][]*api.ReplicaSet{{newRS}, all} {
		for _, rs := range list {
			if rs == nil {
				continue
			}
			for _, c := range rs.Status.Conditions {
				if c.Type == "ReplicaFailure" {
					return &api.DeploymentCondition{Type: c.Type, Status: c.Status, Reason: c.Reason, Message: c.Message, LastUpdateTime: c.LastTransitionTime, LastTransitionTime: c.LastTransitionTime}
				}
			}
		}
	}
	return nil
}

// requeueStuck asks for the sync that will find a stalled rollout timed
// out: a second after its deadline, as upstream's requeueStuckDeployment
// (at once, rate limited, when less than a second is left).
func (ctl *Controller) requeueStuck(d *api.Deployment, st api.DeploymentStatus) {
	cur := condition(d.Status.Conditions, "Progressing")
	if !hasProgressDeadline(d) || cur == nil || complete(d, st) || cur.Reason == ReasonTimedOut {
		return
	}
	after := cur.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second).Sub(ctl.c.Now())
	if after < time.Second {
		ctl.requeue = max(after, 0) + 5*time.Millisecond
		return
	}
	ctl.requeue = after + time.Second
}
