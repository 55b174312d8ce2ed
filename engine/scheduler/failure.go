package scheduler

import (
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// What happens when a cycle or a binding fails, as handleSchedulingFailure.

// nominating says what to do with the pod's nominatedNodeName, as
// framework.NominatingInfo: override it with node, or leave it.
type nominating struct {
	override bool
	node     string
}

var clearNomination = nominating{override: true}

// noteLengthLimit is the events.k8s.io note's limit, as
// validation.NoteLengthLimit.
const noteLengthLimit = 1024

// handleFailure records why the pod did not schedule (an event, the
// PodScheduled condition, its nominated node) and puts it back in the
// queue, unless it is gone or bound meanwhile.
func (s *Scheduler) handleFailure(qp *queuedPod, st *Status, fe *fitError, nom nominating) {
	p := qp.info.pod
	reason := "SchedulerError"
	if st.IsRejected() {
		reason = "Unschedulable"
	}
	msg := st.Message()
	var rejectors map[string]bool
	if fe != nil {
		rejectors = fe.diag.plugins
	}
	cached, ok := s.pods.Get(p.Namespace, p.Name)
	switch {
	case !ok || cached.Spec.NodeName != "":
		s.queue.done(qp.key())
	default:
		qp.info = newPodInfo(cached)
		s.queue.failed(qp, rejectors)
	}
	s.nominate(qp.info, nom)
	s.rec.Eventf(p, nil, api.EventWarning, "FailedScheduling", "Scheduling", "%s", truncateMessage(msg))
	cond := api.PodCondition{Type: api.PodScheduled, Status: api.ConditionFalse, Reason: reason, Message: msg}
	s.updatePod(p, &cond, nom)
}

// nominate is AddNominatedPod: an override nominates the pod to the node
// (or removes it); otherwise its own nominatedNodeName stands.
func (s *Scheduler) nominate(pi *podInfo, nom nominating) {
	if cur, ok := s.pods.Get(pi.pod.Namespace, pi.pod.Name); !ok || cur.Spec.NodeName != "" {
		s.queue.nominator.delete(pi.key)
		return
	}
	node := pi.pod.Status.NominatedNodeName
	if nom.override {
		node = nom.node
	}
	s.queue.nominator.add(pi, node)
}

func truncateMessage(msg string) string {
	if len(msg) <= noteLengthLimit {
		return msg
	}
	const suffix = " ..."
	return msg[:noteLengthLimit-len(suffix)] + suffix
}

// updatePod writes the condition and the nominated node to the pod's
// status when they change, as updatePod's status patch.
func (s *Scheduler) updatePod(p *api.Pod, cond *api.PodCondition, nom nominating) {
	s.patchStatus(p, func(st *api.PodStatus, generation int64) bool {
		changed := false
		if cond != nil {
			c := *cond
			c.ObservedGeneration = generation
			changed = updatePodCondition(st, c, s.c.Now())
		}
		if nom.override && st.NominatedNodeName != nom.node {
			st.NominatedNodeName = nom.node
			changed = true
		}
		return changed
	})
}

// patchStatus changes a pod's status from its latest version, retrying on
// a conflict, as a strategic merge patch would apply.
func (s *Scheduler) patchStatus(p *api.Pod, change func(*api.PodStatus, int64) bool) {
	for range 3 {
		cur, err := client.Get[*api.Pod](s.c, p.Namespace, p.Name)
		if err != nil || cur.UID != p.UID {
			return
		}
		upd := api.Clone(cur)
		if !change(&upd.Status, upd.Generation) {
			return
		}
		if _, err = client.UpdateStatus(s.c, upd); !apiserver.IsConflict(err) {
			return
		}
	}
}

// updatePodCondition is podutil.UpdatePodCondition: the transition time
// moves only when the status does; it reports whether anything changed.
func updatePodCondition(st *api.PodStatus, c api.PodCondition, now time.Time) bool {
	c.LastTransitionTime = api.NewTime(now)
	for i := range st.Conditions {
		old := &st.Conditions[i]
		if old.Type != c.Type {
			continue
		}
		if c.Status == old.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
		equal := c.Status == old.Status && c.Reason == old.Reason && c.Message == old.Message &&
			c.ObservedGeneration == old.ObservedGeneration && c.LastProbeTime.Equal(old.LastProbeTime.Time) &&
			c.LastTransitionTime.Equal(old.LastTransitionTime.Time)
		*old = c
		return !equal
	}
	st.Conditions = append(st.Conditions, c)
	return true
}
