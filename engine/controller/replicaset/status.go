package replicaset

import (
	"reflect"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// calculateStatus is upstream's: the counts of the active pods (fully
// labelled: carrying every label of the template; available: ready for
// minReadySeconds), the terminating ones, and a ReplicaFailure condition
// while creating or deleting pods fails.
func calculateStatus(rs *api.ReplicaSet, active, terminating []*api.Pod, manageErr error, countTerminating bool, now time.Time) api.ReplicaSetStatus {
	st := rs.Status
	st.Conditions = append([]api.ReplicaSetCondition(nil), st.Conditions...)
	st.Replicas, st.FullyLabeledReplicas, st.ReadyReplicas, st.AvailableReplicas = int32(len(active)), 0, 0, 0
	for _, p := range active {
		if hasLabels(p.Labels, rs.Spec.Template.Labels) {
			st.FullyLabeledReplicas++
		}
		if controller.IsPodReady(p) {
			st.ReadyReplicas++
			if controller.IsPodAvailable(p, rs.Spec.MinReadySeconds, now) {
				st.AvailableReplicas++
			}
		}
	}
	st.TerminatingReplicas = nil
	if countTerminating {
		st.TerminatingReplicas = api.Ptr(int32(len(terminating)))
	}
	failure := condition(st.Conditions, "ReplicaFailure")
	switch {
	case manageErr != nil && failure == nil:
		reason := ""
		if diff := len(active) - int(replicas(rs)); diff < 0 {
			reason = "FailedCreate"
		} else if diff > 0 {
			reason = "FailedDelete"
		}
		st.Conditions = append(st.Conditions, api.ReplicaSetCondition{
			Type: "ReplicaFailure", Status: api.ConditionTrue, Reason: reason, Message: manageErr.Error(), LastTransitionTime: api.NewTime(now),
		})
	case manageErr == nil && failure != nil:
		st.Conditions = removeCondition(st.Conditions, "ReplicaFailure")
	}
	return st
}

func hasLabels(labels, want map[string]string) bool {
	for k, v := range want {
		if have, ok := labels[k]; !ok || have != v {
			return false
		}
	}
	return true
}

func condition(conds []api.ReplicaSetCondition, typ string) *api.ReplicaSetCondition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

func removeCondition(conds []api.ReplicaSetCondition, typ string) []api.ReplicaSetCondition {
	var out []api.ReplicaSetCondition
	for _, c := range conds {
		if c.Type != typ {
			out = append(out, c)
		}
	}
	return out
}

// updateStatus writes st with the generation acted on, unless nothing a
// client reads has changed (updateReplicaSetStatus).
func (ctl *Controller) updateStatus(s *set, st api.ReplicaSetStatus) error {
	rs := s.rs
	old := rs.Status
	if old.Replicas == st.Replicas && old.FullyLabeledReplicas == st.FullyLabeledReplicas &&
		old.ReadyReplicas == st.ReadyReplicas && old.AvailableReplicas == st.AvailableReplicas &&
		reflect.DeepEqual(old.TerminatingReplicas, st.TerminatingReplicas) &&
		rs.Generation == old.ObservedGeneration && reflect.DeepEqual(old.Conditions, st.Conditions) {
		return nil
	}
	st.ObservedGeneration = rs.Generation
	return ctl.src.writeStatus(ctl.c, s, st)
}
