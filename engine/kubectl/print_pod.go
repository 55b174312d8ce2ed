package kubectl

import (
	"fmt"
	"strconv"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// podRow is kubectl's printPod: the STATUS column is the most telling
// container reason (ContainerCreating, CrashLoopBackOff, Completed, ...),
// Init:N/M while initializing, Terminating while being deleted.
func podRow(obj api.Object, now time.Time) ([]string, []string) {
	p := obj.(*api.Pod)
	return podNarrow(p, now), podWide(p)
}

func podNarrow(p *api.Pod, now time.Time) []string {
	restarts, sidecarRestarts := 0, 0
	total := len(p.Spec.Containers)
	ready := 0
	var lastRestart, lastSidecarRestart time.Time
	reason := p.Status.Phase
	if p.Status.Reason != "" {
		reason = p.Status.Reason
	}
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodScheduled && c.Reason == "SchedulingGated" {
			reason = "SchedulingGated"
		}
	}
	var sidecars map[string]bool // most pods have none
	for _, c := range p.Spec.InitContainers {
		if api.Deref(c.RestartPolicy, "") == api.RestartAlways {
			if sidecars == nil {
				sidecars = map[string]bool{}
			}
			sidecars[c.Name] = true
			total++
		}
	}
	initializing := false
	for i, c := range p.Status.InitContainerStatuses {
		restarts += int(c.RestartCount)
		if t := c.LastTerminationState.Terminated; t != nil && t.FinishedAt.After(lastRestart) {
			lastRestart = t.FinishedAt.Time
		}
		if sidecars[c.Name] {
			sidecarRestarts += int(c.RestartCount)
			if t := c.LastTerminationState.Terminated; t != nil && t.FinishedAt.After(lastSidecarRestart) {
				lastSidecarRestart = t.FinishedAt.Time
			}
		}
		switch {
		case c.State.Terminated != nil && c.State.Terminated.ExitCode == 0:
			continue
		case sidecars[c.Name] && api.Deref(c.Started, false):
			if c.Ready {
				ready++
			}
			continue
		case c.State.Terminated != nil:
			t := c.State.Terminated
			switch {
			case t.Reason != "":
				reason = "Init:" + t.Reason
			case t.Signal != 0:
				reason = fmt.Sprintf("Init:Signal:%d", t.Signal)
			default:
				reason = fmt.Sprintf("Init:ExitCode:%d", t.ExitCode)
			}
		case c.State.Waiting != nil && c.State.Waiting.Reason != "" && c.State.Waiting.Reason != "PodInitializing":
			reason = "Init:" + c.State.Waiting.Reason
		default:
			reason = fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers))
		}
		initializing = true
		break
	}
	if !initializing || conditionTrue(p, api.PodInitialized) {
		restarts, lastRestart = sidecarRestarts, lastSidecarRestart
		hasRunning := false
		for i := len(p.Status.ContainerStatuses) - 1; i >= 0; i-- {
			c := p.Status.ContainerStatuses[i]
			restarts += int(c.RestartCount)
			if t := c.LastTerminationState.Terminated; t != nil && t.FinishedAt.After(lastRestart) {
				lastRestart = t.FinishedAt.Time
			}
			switch {
			case c.State.Waiting != nil && c.State.Waiting.Reason != "":
				reason = c.State.Waiting.Reason
			case c.State.Terminated != nil && c.State.Terminated.Reason != "":
				reason = c.State.Terminated.Reason
			case c.State.Terminated != nil && c.State.Terminated.Signal != 0:
				reason = fmt.Sprintf("Signal:%d", c.State.Terminated.Signal)
			case c.State.Terminated != nil:
				reason = fmt.Sprintf("ExitCode:%d", c.State.Terminated.ExitCode)
			case c.Ready && c.State.Running != nil:
				hasRunning = true
				ready++
			}
		}
		if reason == "Completed" && hasRunning {
			if conditionTrue(p, api.PodReady) {
				reason = "Running"
			} else {
				reason = "NotReady"
			}
		}
	}
	if p.DeletionTimestamp != nil && p.Status.Reason == "NodeLost" {
		reason = "Unknown"
	} else if p.DeletionTimestamp != nil && p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed {
		reason = "Terminating"
	}
	restartsStr := strconv.Itoa(restarts)
	if restarts != 0 && !lastRestart.IsZero() {
		restartsStr = fmt.Sprintf("%d (%s ago)", restarts, humanDuration(now.Sub(lastRestart)))
	}
	return []string{p.Name, strconv.Itoa(ready) + "/" + strconv.Itoa(total), reason, restartsStr, age(p.CreationTimestamp.Time, now)}
}

// podCells is podRow's default cells only, for a table without -o wide.
func podCells(obj api.Object, now time.Time) []string {
	p := obj.(*api.Pod)
	return podNarrow(p, now)
}

func podWide(p *api.Pod) []string {
	ip := "<none>"
	if len(p.Status.PodIPs) > 0 {
		ip = p.Status.PodIPs[0].IP
	}
	gates := "<none>"
	if len(p.Spec.ReadinessGates) > 0 {
		n := 0
		for _, g := range p.Spec.ReadinessGates {
			if conditionTrue(p, g.ConditionType) {
				n++
			}
		}
		gates = fmt.Sprintf("%d/%d", n, len(p.Spec.ReadinessGates))
	}
	return []string{ip, orNone(p.Spec.NodeName), orNone(p.Status.NominatedNodeName), gates}
}

func conditionTrue(p *api.Pod, t string) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}
