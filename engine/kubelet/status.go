package kubelet

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// updateStatus computes the pod's status from its containers and writes it
// when it changed, as the kubelet's status manager does.
func (k *Kubelet) updateStatus(p *api.Pod, st *podState) error {
	// The status is the kubelet's own (statusNew), compared through
	// pointers: as values, or as a pointer to a local, one would be
	// copied to the heap for every sync.
	k.statusNew = k.podStatus(p, st)
	defer func() { k.statusNew = api.PodStatus{} }()
	status := &k.statusNew
	if reflect.DeepEqual(status, &p.Status) {
		return nil
	}
	// The API server copies what it keeps of a status write (the
	// status) and keeps nothing of the request: a shallow copy of the pod
	// is enough to send, made in the kubelet's own request (a pod is a
	// few KB, and there are two status writes per pod), and cleared
	// after.
	upd := &k.statusRequest
	*upd = *p
	upd.Status = *status
	upd.ResourceVersion = ""
	_, err := client.UpdateStatus(k.c, upd)
	*upd = api.Pod{}
	return err
}

func (k *Kubelet) podStatus(p *api.Pod, st *podState) api.PodStatus {
	status := api.PodStatus{
		ObservedGeneration: p.Generation,
		QOSClass:           p.Status.QOSClass,
		NominatedNodeName:  p.Status.NominatedNodeName,
		HostIP:             k.cfg.Address,
		HostIPs:            []api.HostIP{{IP: k.cfg.Address}},
		StartTime:          p.Status.StartTime,
	}
	if st.sandbox {
		status.PodIP = st.ip
		status.PodIPs = []api.PodIP{{IP: st.ip}}
		if status.StartTime == nil {
			status.StartTime = api.NewTimePtr(st.started)
		}
	}
	initRunning := false
	for _, c := range p.Spec.InitContainers {
		cs := k.containerStatus(p, st, c, false)
		status.InitContainerStatuses = append(status.InitContainerStatuses, cs)
		state := st.state(c.Name)
		if isSidecar(c) && !st.finishing && !k.sidecarStarted(c, state) || !isSidecar(c) && !k.initDone(state) {
			initRunning = true
		}
	}
	// The kubelet's scratch space (statusContainers), copied by the API
	// server on a write.
	status.ContainerStatuses = k.statusContainers[:0]
	for _, c := range p.Spec.Containers {
		status.ContainerStatuses = append(status.ContainerStatuses, k.containerStatus(p, st, c, initRunning))
	}
	k.statusContainers = status.ContainerStatuses
	if len(status.ContainerStatuses) == 0 {
		status.ContainerStatuses = nil // as before any was appended
	}
	for _, c := range ephemeralContainers(p) {
		// Neither the phase nor readiness counts an ephemeral container,
		// and the prober reports neither ready nor started for it.
		cs := k.containerStatus(p, st, c, false)
		cs.Ready, cs.Started = false, nil
		if lost := st.state(c.Name).lost; lost != nil && cs.State.Terminated == nil && cs.State.Running == nil {
			// It ran before the kubelet restarted: it is not started again.
			cs.State, cs.LastTerminationState = api.ContainerState{Terminated: lost}, api.ContainerState{}
		}
		status.EphemeralContainerStatuses = append(status.EphemeralContainerStatuses, cs)
	}
	status.Phase = phase(p, status, initRunning, st.killing && !k.anyRunning(p, st))
	if terminal(status.Phase) && (k.sidecarsRunning(p, st) || k.ephemeralRunning(p, st)) {
		// The pod ends once its sidecars and ephemeral containers,
		// stopped after the main containers, have stopped too.
		status.Phase = api.PodRunning
	}
	if st.failed != "" {
		status.Phase, status.Reason, status.Message = api.PodFailed, st.failed, st.failMsg
	}
	status.Conditions = k.conditions(p, status, st, initRunning)
	if st.failed == "Evicted" && !slices.ContainsFunc(status.Conditions, func(c api.PodCondition) bool { return c.Type == "DisruptionTarget" }) {
		// The eviction manager says why the pod went, as since 1.26.
		status.Conditions = append([]api.PodCondition{{Type: "DisruptionTarget", Status: api.ConditionTrue, Reason: "TerminationByKubelet",
			Message: st.failMsg, LastTransitionTime: api.NewTime(k.c.Now()), ObservedGeneration: p.Generation}}, status.Conditions...)
	}
	return status
}

// containerStatus reports one container: waiting (and why), running, or
// terminated, with its previous run as lastState.
func (k *Kubelet) containerStatus(p *api.Pod, st *podState, c api.Container, blocked bool) api.ContainerStatus {
	cs := st.state(c.Name)
	out := api.ContainerStatus{Name: c.Name, Image: c.Image, RestartCount: cs.restarts, Started: api.Ptr(false)}
	if cs.image != nil {
		out.Image, out.ImageID = cs.image.Name, cs.image.ID
	}
	if last, ok := k.rt.ContainerStatus(cs.lastID); ok && last.State == runtime.Exited {
		out.LastTerminationState = api.ContainerState{Terminated: terminated(last)}
	} else if cs.lost != nil {
		out.LastTerminationState = api.ContainerState{Terminated: cs.lost}
	}
	s, ok := k.rt.ContainerStatus(cs.id)
	switch {
	case !ok:
		out.State = api.ContainerState{Waiting: k.waitingState(p, c, cs, blocked)}
	case s.State == runtime.Running && cs.hookRunning:
		// The pod worker waits for the postStart hook: the status it
		// reports is still the one from before the start.
		out.State = api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "ContainerCreating"}}
	case s.State == runtime.Running:
		out.ContainerID = s.ID
		out.State = api.ContainerState{Running: &api.ContainerStateRunning{StartedAt: api.NewTime(s.StartedAt)}}
		out.Ready, out.Started = cs.ready(c), api.Ptr(cs.started(c))
	case s.State == runtime.Exited && cs.startErr != "":
		out.ContainerID = s.ID
		out.LastTerminationState = api.ContainerState{Terminated: terminated(s)}
		out.State = api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: cs.startErr, Message: cs.startMsg}}
	case s.State == runtime.Exited && st.finishing && isSidecar(c):
		out.ContainerID = s.ID
		out.State = api.ContainerState{Terminated: terminated(s)}
	case s.State == runtime.Exited && cs.postStartFailed != "" && k.willRestart(p, c, s, cs) && cs.restarts == 0:
		out.ContainerID = s.ID
		out.LastTerminationState = api.ContainerState{Terminated: terminated(s)}
		out.State = api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "PostStartHookError", Message: cs.postStartFailed}}
	case s.State == runtime.Exited && k.willRestart(p, c, s, cs):
		out.ContainerID = s.ID
		out.LastTerminationState = api.ContainerState{Terminated: terminated(s)}
		out.State = api.ContainerState{Waiting: &api.ContainerStateWaiting{
			Reason:  "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off %v restarting failed container=%s pod=%s_%s(%s)", cs.crashBackoff, c.Name, p.Name, p.Namespace, p.UID),
		}}
	case s.State == runtime.Exited:
		out.ContainerID = s.ID
		out.State = api.ContainerState{Terminated: terminated(s)}
	default:
		out.ContainerID = s.ID
		out.State = api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "ContainerCreating"}}
	}
	return out
}

// willRestart reports whether an exited container is waiting out a backoff.
func (k *Kubelet) willRestart(p *api.Pod, c api.Container, s runtime.ContainerStatus, cs *containerState) bool {
	return p.DeletionTimestamp == nil && shouldRestart(p, c, s.ExitCode) && k.c.Now().Before(cs.restartAt)
}

func (k *Kubelet) waitingState(p *api.Pod, c api.Container, cs *containerState, blocked bool) *api.ContainerStateWaiting {
	switch {
	case cs.pullErr == "ImagePullBackOff":
		return &api.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: fmt.Sprintf("Back-off pulling image %q: ErrImagePull: %s", c.Image, cs.pullMsg)}
	case cs.pullErr != "":
		return &api.ContainerStateWaiting{Reason: cs.pullErr, Message: cs.pullMsg}
	case cs.startErr != "":
		return &api.ContainerStateWaiting{Reason: cs.startErr, Message: cs.startMsg}
	case blocked:
		return &api.ContainerStateWaiting{Reason: "PodInitializing"}
	}
	return &api.ContainerStateWaiting{Reason: "ContainerCreating"}
}

func terminated(s runtime.ContainerStatus) *api.ContainerStateTerminated {
	return &api.ContainerStateTerminated{
		ExitCode: s.ExitCode, Reason: s.Reason, Message: s.Message,
		StartedAt: api.NewTime(s.StartedAt), FinishedAt: api.NewTime(s.FinishedAt), ContainerID: s.ID,
	}
}

// anyRunning reports whether a container of the pod still runs.
func (k *Kubelet) anyRunning(p *api.Pod, st *podState) bool {
	for _, cs := range st.containers {
		if s, ok := k.rt.ContainerStatus(cs.id); ok && s.State == runtime.Running {
			return true
		}
	}
	return false
}

// sidecarsRunning reports whether a sidecar of the pod still runs.
func (k *Kubelet) sidecarsRunning(p *api.Pod, st *podState) bool {
	for _, c := range p.Spec.InitContainers {
		if cs := st.containers[c.Name]; isSidecar(c) && cs != nil {
			if s, ok := k.rt.ContainerStatus(cs.id); ok && s.State == runtime.Running {
				return true
			}
		}
	}
	return false
}

// ephemeralRunning reports whether an ephemeral container of the pod
// still runs.
func (k *Kubelet) ephemeralRunning(p *api.Pod, st *podState) bool {
	for _, ec := range p.Spec.EphemeralContainers {
		if cs := st.containers[ec.Name]; cs != nil {
			if s, ok := k.rt.ContainerStatus(cs.id); ok && s.State == runtime.Running {
				return true
			}
		}
	}
	return false
}

// phase is the kubelet's getPhase: Pending while initializing or while a
// container has never run; Running while any runs or will be restarted;
// Succeeded or Failed once all have stopped for good. A pod whose
// containers were stopped for its deletion (podIsTerminal) ends
// Succeeded if they all exited 0, else Failed, whatever its restart
// policy, as the kubelet reports it since 1.27.
func phase(p *api.Pod, status api.PodStatus, initRunning, podIsTerminal bool) string {
	if initRunning {
		for _, s := range status.InitContainerStatuses {
			if t := s.State.Terminated; t != nil && t.ExitCode != 0 && p.Spec.RestartPolicy == api.RestartNever {
				return api.PodFailed
			}
		}
		return api.PodPending
	}
	var running, waiting, stopped, succeeded int
	for _, s := range status.ContainerStatuses {
		switch {
		case s.State.Running != nil:
			running++
		case s.State.Terminated != nil:
			stopped++
			if s.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case s.State.Waiting != nil && s.LastTerminationState.Terminated != nil:
			stopped++
		default:
			waiting++
		}
	}
	n := len(p.Spec.Containers)
	switch {
	case podIsTerminal && running == 0 && stopped > 0 && succeeded == stopped && waiting == 0:
		return api.PodSucceeded
	case podIsTerminal && running == 0 && stopped > 0:
		return api.PodFailed
	case waiting > 0:
		return api.PodPending
	case running > 0:
		return api.PodRunning
	case stopped == n && p.Spec.RestartPolicy == api.RestartAlways:
		return api.PodRunning
	case stopped == n && succeeded == n:
		return api.PodSucceeded
	case stopped == n && p.Spec.RestartPolicy == api.RestartNever:
		return api.PodFailed
	case stopped == n:
		return api.PodRunning
	}
	return api.PodPending
}

// conditions are the pod's conditions in the order the kubelet writes
// them, with transition times kept while the status does not change.
func (k *Kubelet) conditions(p *api.Pod, status api.PodStatus, st *podState, initRunning bool) []api.PodCondition {
	sandbox := cond(api.PodReadyToStartContainers, st.sandbox && !terminal(status.Phase), "", "")
	initialized := cond(api.PodInitialized, true, "", "")
	if initRunning {
		initialized = cond(api.PodInitialized, false, "ContainersNotInitialized", unready("containers with incomplete status", status.InitContainerStatuses, true))
	}
	ready := cond(api.ContainersReady, true, "", "")
	// A sidecar's readiness counts, as the main containers' do.
	var notReady []string
	for i, s := range status.InitContainerStatuses {
		if i < len(p.Spec.InitContainers) && isSidecar(p.Spec.InitContainers[i]) && !s.Ready {
			notReady = append(notReady, s.Name)
		}
	}
	for _, s := range status.ContainerStatuses {
		if !s.Ready {
			notReady = append(notReady, s.Name)
		}
	}
	switch {
	case terminal(status.Phase):
		ready = cond(api.ContainersReady, false, "PodCompleted", "")
	case len(notReady) > 0:
		ready = cond(api.ContainersReady, false, "ContainersNotReady", "containers with unready status: ["+strings.Join(notReady, " ")+"]")
	}
	podReady := ready
	podReady.Type = api.PodReady
	if ready.Status == api.ConditionTrue {
		podReady = readinessGates(p, podReady)
	}
	// PodScheduled is the scheduler's to set; the kubelet reports it true
	// for pods the scheduler never saw, such as static pods' mirrors.
	scheduled := cond(api.PodScheduled, true, "", "")
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodScheduled {
			scheduled = c
		}
	}
	k.statusConds = mergeConditions(k.statusConds[:0], p, []api.PodCondition{sandbox, initialized, podReady, ready, scheduled}, api.NewTime(k.c.Now()))
	return k.statusConds
}

// mergeConditions is the status manager's merge: conditions others own
// (DisruptionTarget from an eviction, a readiness gate's) are kept ahead
// of the kubelet's own, whose transition times stay while their status
// does not change.
func mergeConditions(out []api.PodCondition, p *api.Pod, own []api.PodCondition, now api.Time) []api.PodCondition {
	for _, c := range p.Status.Conditions {
		if !kubeletOwned[c.Type] {
			out = append(out, c)
		}
	}
	for _, c := range own {
		c.ObservedGeneration = p.Generation
		c.LastTransitionTime = now
		for _, old := range p.Status.Conditions {
			if old.Type == c.Type && old.Status == c.Status {
				c.LastTransitionTime = old.LastTransitionTime
			}
		}
		out = append(out, c)
	}
	return out
}

// kubeletOwned are the pod conditions the kubelet writes.
var kubeletOwned = map[string]bool{
	api.PodReadyToStartContainers: true, api.PodInitialized: true, api.PodReady: true,
	api.ContainersReady: true, api.PodScheduled: true,
}

// readinessGates is the last check of GeneratePodReadyCondition: a pod
// with ready containers is ready only when every readiness gate's
// condition is True.
func readinessGates(p *api.Pod, ready api.PodCondition) api.PodCondition {
	var msgs []string
	for _, g := range p.Spec.ReadinessGates {
		i := slices.IndexFunc(p.Status.Conditions, func(c api.PodCondition) bool { return c.Type == g.ConditionType })
		switch {
		case i < 0:
			msgs = append(msgs, fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.", g.ConditionType))
		case p.Status.Conditions[i].Status != api.ConditionTrue:
			msgs = append(msgs, fmt.Sprintf("the status of pod readiness gate %q is not \"True\", but %v", g.ConditionType, p.Status.Conditions[i].Status))
		}
	}
	if len(msgs) > 0 {
		ready.Status, ready.Reason, ready.Message = api.ConditionFalse, "ReadinessGatesNotReady", strings.Join(msgs, ", ")
	}
	return ready
}

func terminal(phase string) bool { return phase == api.PodSucceeded || phase == api.PodFailed }

func cond(t string, ok bool, reason, msg string) api.PodCondition {
	s := api.ConditionFalse
	if ok {
		s = api.ConditionTrue
	}
	return api.PodCondition{Type: t, Status: s, Reason: reason, Message: msg}
}

func unready(prefix string, statuses []api.ContainerStatus, init bool) string {
	var names []string
	for _, s := range statuses {
		if s.State.Terminated == nil || s.State.Terminated.ExitCode != 0 {
			names = append(names, s.Name)
		}
	}
	return prefix + ": [" + strings.Join(names, " ") + "]"
}
