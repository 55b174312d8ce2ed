package kubelet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// Lifecycle hooks, as the kubelet's handler runner runs them: postStart
// right after the container starts (the container is not ready, and the
// pod shows ContainerCreating, until it ends; a failure kills the
// container), preStop before the container is stopped, within its grace
// period.

// minimumGrace is what is left of a grace period after a preStop hook
// at the least, as the kubelet's minimumGracePeriodInSeconds.
const minimumGrace = 2 * time.Second

// podFormat is a pod as the kubelet's messages name it.
func podFormat(p *api.Pod) string { return fmt.Sprintf("%s_%s(%s)", p.Name, p.Namespace, p.UID) }

// runHook runs a lifecycle handler in a container and calls done with
// the failure message and error, or nothing.
func (k *Kubelet) runHook(p *api.Pod, c api.Container, id string, h *api.LifecycleHandler, timeout time.Duration, done func(msg string, err error)) {
	switch {
	case h.Exec != nil:
		cmd := h.Exec.Command
		var stdout, stderr bytes.Buffer
		err := k.rt.ExecSync(context.Background(), id, runtime.ExecRequest{
			Cmd: cmd, Stdout: &stdout, Stderr: &stderr, Timeout: timeout,
			Done: func(res runtime.ExecResult) {
				var err error
				switch {
				case res.Err != nil:
					err = res.Err
				case res.ExitCode != 0:
					err = fmt.Errorf("command '%s' exited with %d: %s", strings.Join(cmd, " "), res.ExitCode, stderr.String())
				}
				if err == nil {
					done("", nil)
					return
				}
				output := stdout.String() + stderr.String()
				done(fmt.Sprintf("Exec lifecycle hook (%v) for Container %q in Pod %q failed - error: %v, message: %q", cmd, c.Name, podFormat(p), err, output), err)
			},
		})
		if err != nil {
			done(fmt.Sprintf("Exec lifecycle hook (%v) for Container %q in Pod %q failed - error: %v, message: %q", cmd, c.Name, podFormat(p), err, ""), err)
		}
	case h.Sleep != nil:
		d := min(time.Duration(h.Sleep.Seconds)*time.Second, timeout)
		if timeout <= 0 {
			d = time.Duration(h.Sleep.Seconds) * time.Second
		}
		k.loop.After(d, func() { done("", nil) })
	case (h.HTTPGet != nil || h.TCPSocket != nil) && k.cfg.NetworkProber != nil:
		ph := api.ProbeHandler{HTTPGet: h.HTTPGet, TCPSocket: h.TCPSocket}
		st := k.states[client.KeyOf(p)]
		ip := ""
		if st != nil {
			ip = st.ip
		}
		k.cfg.NetworkProber.Probe(ProbeTarget{Pod: p, Container: &c, PodIP: ip, Sandbox: sandboxOf(p)}, ph, timeout, func(r ProbeResult) {
			if r.Outcome == ProbeSuccess || r.Outcome == ProbeWarning {
				done("", nil)
				return
			}
			if r.Outcome == ProbeNotSimulated {
				k.rec.ContainerEventf(p, c.Name, api.EventWarning, "HookNotSimulated", "kubeplay: %s lifecycle hooks are not simulated yet; the hook was skipped", handlerType(ph))
				done("", nil)
				return
			}
			err := errors.New(r.Output)
			if h.HTTPGet != nil {
				done(fmt.Sprintf("HTTP lifecycle hook (%s) for Container %q in Pod %q failed - error: %v", h.HTTPGet.Path, c.Name, podFormat(p), err), err)
				return
			}
			done(fmt.Sprintf("TCP lifecycle hook for Container %q in Pod %q failed - error: %v", c.Name, podFormat(p), err), err)
		})
	default:
		kind := "httpGet"
		if h.TCPSocket != nil {
			kind = "tcpSocket"
		}
		k.rec.ContainerEventf(p, c.Name, api.EventWarning, "HookNotSimulated", "kubeplay: %s lifecycle hooks are not simulated yet; the hook was skipped", kind)
		done("", nil)
	}
}

// runPostStart runs the container's postStart hook, if it has one.
func (k *Kubelet) runPostStart(p *api.Pod, c api.Container, cs *containerState) {
	if c.Lifecycle == nil || c.Lifecycle.PostStart == nil {
		return
	}
	id, key := cs.id, client.KeyOf(p)
	cs.hookRunning = true
	k.runHook(p, c, id, c.Lifecycle.PostStart, 0, func(msg string, err error) {
		if cs.id != id {
			return
		}
		cs.hookRunning = false
		k.queue.Add(key)
		if err == nil {
			return
		}
		k.rec.ContainerEventf(p, c.Name, api.EventWarning, "FailedPostStartHook", "%s", msg)
		cs.postStartFailed = msg
		k.rec.ContainerEventf(p, c.Name, api.EventNormal, "Killing", "FailedPostStartHook")
		k.stopContainer(cs, id, time.Duration(api.Deref(p.Spec.TerminationGracePeriodSeconds, 30))*time.Second)
	})
}

// killContainer stops a running container: its preStop hook first, then
// SIGTERM and SIGKILL with what is left of the grace period.
func (k *Kubelet) killContainer(p *api.Pod, c api.Container, cs *containerState, grace time.Duration) {
	id := cs.id
	if cs.killedID == id {
		return
	}
	cs.killedID = id
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil {
		k.stopContainer(cs, id, grace)
		return
	}
	start := k.c.Now()
	k.runHook(p, c, id, c.Lifecycle.PreStop, grace, func(msg string, err error) {
		if err != nil {
			k.rec.ContainerEventf(p, c.Name, api.EventWarning, "FailedPreStopHook", "%s", msg)
		}
		k.stopContainer(cs, id, max(grace-k.c.Now().Sub(start), minimumGrace))
	})
}

func (k *Kubelet) stopContainer(cs *containerState, id string, grace time.Duration) {
	cs.killedID = id
	k.rt.StopContainer(id, grace)
}
