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

// Probes run as the kubelet's prober workers do: one worker per container
// and probe, started with the pod and ticking every periodSeconds;
// a probe counts once its result has repeated successThreshold or
// failureThreshold times; liveness and readiness wait for the startup
// probe. Exec probes run in the container through the runtime's ExecSync.
// httpGet, tcpSocket and grpc probes need the pod network: they run
// through a NetworkProber, which the network provides.

// ProbeOutcome is a probe's result, as the kubelet's probe.Result.
type ProbeOutcome int

// Probe outcomes.
const (
	ProbeUnknown ProbeOutcome = iota
	ProbeSuccess
	ProbeWarning // a success with something to say (a redirect, say)
	ProbeFailure
	// ProbeNotSimulated: there is no network to run this kind of probe.
	ProbeNotSimulated
)

// ProbeResult is how one probe attempt ended; Output is what its event
// says ("Readiness probe failed: <output>").
type ProbeResult struct {
	Outcome ProbeOutcome
	Output  string
}

// ProbeTarget is the container a network probe or hook reaches.
type ProbeTarget struct {
	Pod       *api.Pod
	Container *api.Container
	PodIP     string
	Sandbox   runtime.Sandbox
}

// NetworkProber runs the probes and hooks that go through the pod's
// network: httpGet, tcpSocket and grpc. Probe runs one attempt with the
// probe's timeout and calls done, as a loop task, with its result. The
// network module implements it; a kubelet without one reports such
// probes and hooks as not simulated.
type NetworkProber interface {
	Probe(t ProbeTarget, h api.ProbeHandler, timeout time.Duration, done func(ProbeResult))
}

// SetNetworkProber gives the kubelet the network's prober.
func (k *Kubelet) SetNetworkProber(p NetworkProber) { k.cfg.NetworkProber = p }

// Probe kinds, as events name them.
const (
	liveness  = "Liveness"
	readiness = "Readiness"
	startup   = "Startup"
)

// probeWorker probes one container of a pod.
type probeWorker struct {
	kind      string
	key       string // the pod's
	container string
	spec      *api.Probe
	stop      func()

	id         string // the container it probes; a new one starts afresh
	result     ProbeOutcome
	lastResult ProbeOutcome
	run        int
	onHold     bool // a liveness or startup failure: waiting for the restart
	inFlight   bool
	warned     bool
}

// initialResult is a probe's result before it has run: a container is
// alive until shown otherwise, not ready until shown ready.
func initialResult(kind string) ProbeOutcome {
	switch kind {
	case liveness:
		return ProbeSuccess
	case readiness:
		return ProbeFailure
	}
	return ProbeUnknown
}

func probeOf(c api.Container, kind string) *api.Probe {
	switch kind {
	case liveness:
		return c.LivenessProbe
	case readiness:
		return c.ReadinessProbe
	}
	return c.StartupProbe
}

// startProbes starts the pod's probe workers when the kubelet first
// sees the pod, as the probe manager's AddPod does: each ticks every
// periodSeconds from then, whenever its container starts, and looks at
// the container at once (doProbe at the start of its run; a container
// that is not running yet is left alone). Upstream's worker waits a
// random part of its period first only in the kubelet's first period,
// which we leave out (it would draw from the random source).
func (k *Kubelet) startProbes(p *api.Pod, st *podState) {
	if st.probing {
		return
	}
	st.probing = true
	for _, c := range allContainers(p) {
		for _, kind := range []string{startup, readiness, liveness} {
			spec := probeOf(c, kind)
			if spec == nil {
				continue
			}
			w := &probeWorker{kind: kind, key: client.KeyOf(p), container: c.Name, spec: spec, result: initialResult(kind)}
			st.workers = append(st.workers, w)
			period := time.Duration(max(spec.PeriodSeconds, 1)) * time.Second
			w.stop = k.loop.Every(period, func() { k.probeTick(w) })
			k.probeTick(w)
		}
	}
}

// triggerReadiness runs the readiness probe of each started container
// that is not ready yet at once, as the probe manager's UpdatePodStatus
// does whenever the kubelet makes the pod's status (its initial delay
// still applies).
func (k *Kubelet) triggerReadiness(p *api.Pod, st *podState) {
	for _, w := range st.workers {
		if w.kind != readiness {
			continue
		}
		c, ok := containerSpec(p, w.container)
		if cs := st.containers[w.container]; ok && cs != nil && cs.id != "" && cs.started(c) && cs.probeResult(readiness) != ProbeSuccess {
			k.probeTick(w)
		}
	}
}

// stopProbes stops a pod's probe workers.
func stopProbes(st *podState) {
	for _, w := range st.workers {
		if w.stop != nil {
			w.stop()
		}
	}
	st.workers = nil
	for _, cs := range st.containers {
		cs.probes = nil
	}
}

// probeResult is a container's current result of a kind of probe it
// has: the initial one until its worker has looked at this container.
func (cs *containerState) probeResult(kind string) ProbeOutcome {
	if w, ok := cs.probes[kind]; ok && w.id == cs.id {
		return w.result
	}
	return initialResult(kind)
}

// started and ready are the container's status fields: started once its
// startup probe succeeded (at once without one), ready once started and
// its readiness probe succeeded.
func (cs *containerState) started(c api.Container) bool {
	return c.StartupProbe == nil || cs.probeResult(startup) == ProbeSuccess
}

func (cs *containerState) ready(c api.Container) bool {
	if !cs.started(c) || cs.hookRunning {
		return false
	}
	return c.ReadinessProbe == nil || cs.probeResult(readiness) == ProbeSuccess
}

// probeTick is a worker's doProbe.
func (k *Kubelet) probeTick(w *probeWorker) {
	st := k.states[w.key]
	ns, name := client.SplitKey(w.key)
	p, ok := k.pods.Get(ns, name)
	if k.stopped || st == nil || !ok || p.UID != st.uid {
		if w.stop != nil {
			w.stop()
		}
		return
	}
	cs := st.containers[w.container]
	if cs == nil || cs.id == "" {
		return // not created yet
	}
	s, running := k.rt.ContainerStatus(cs.id)
	if !running || s.State != runtime.Running || p.DeletionTimestamp != nil || st.failed != "" {
		return
	}
	if w.id != cs.id {
		w.id, w.result, w.lastResult, w.run, w.onHold, w.inFlight = cs.id, initialResult(w.kind), ProbeUnknown, 0, false, false
	}
	if cs.probes[w.kind] != w {
		if cs.probes == nil {
			cs.probes = map[string]*probeWorker{}
		}
		cs.probes[w.kind] = w
	}
	c, ok := containerSpec(p, w.container)
	if !ok || w.onHold || w.inFlight {
		return
	}
	if w.kind == startup && w.result == ProbeSuccess {
		return
	}
	if w.kind != startup && !cs.started(c) {
		return
	}
	if k.c.Now().Sub(s.StartedAt) < time.Duration(w.spec.InitialDelaySeconds)*time.Second {
		return
	}
	id := cs.id
	timeout := time.Duration(max(w.spec.TimeoutSeconds, 1)) * time.Second
	done := func(r ProbeResult) {
		w.inFlight = false
		if w.id != id {
			return // the container changed meanwhile
		}
		k.probeDone(p, c, cs, w, r)
	}
	switch {
	case w.spec.Exec != nil:
		w.inFlight = true
		if err := k.execProbe(id, w.spec.Exec.Command, timeout, done); err != nil {
			w.inFlight = false
		}
	case k.cfg.NetworkProber != nil:
		w.inFlight = true
		k.cfg.NetworkProber.Probe(ProbeTarget{Pod: p, Container: &c, PodIP: st.ip, Sandbox: sandboxOf(p)}, w.spec.ProbeHandler, timeout, done)
	default:
		k.probeDone(p, c, cs, w, ProbeResult{Outcome: ProbeNotSimulated})
	}
}

// execProbe runs an exec probe: exit status 0 is success, another
// failure, and a command that outlives timeoutSeconds fails too.
func (k *Kubelet) execProbe(id string, cmd []string, timeout time.Duration, done func(ProbeResult)) error {
	var out bytes.Buffer
	return k.rt.ExecSync(context.Background(), id, runtime.ExecRequest{
		Cmd: cmd, Stdout: &out, Stderr: &out, Timeout: timeout,
		Done: func(res runtime.ExecResult) {
			switch {
			case errors.Is(res.Err, runtime.ErrExecTimeout):
				done(ProbeResult{Outcome: ProbeFailure, Output: fmt.Sprintf("command %q timed out", strings.Join(cmd, " "))})
			case res.Err != nil:
				done(ProbeResult{Outcome: ProbeUnknown, Output: res.Err.Error()})
			case res.ExitCode != 0:
				done(ProbeResult{Outcome: ProbeFailure, Output: out.String()})
			default:
				done(ProbeResult{Outcome: ProbeSuccess, Output: out.String()})
			}
		},
	})
}

// probeDone records an attempt: the event of a failure, the thresholds,
// and, for a liveness or startup probe that failed for good, the kill.
func (k *Kubelet) probeDone(p *api.Pod, c api.Container, cs *containerState, w *probeWorker, r ProbeResult) {
	output := strings.TrimRight(r.Output, "\n")
	switch r.Outcome {
	case ProbeNotSimulated:
		// A probe the playground cannot run is not pretended: it says so
		// once, and the container passes it.
		if !w.warned {
			w.warned = true
			k.rec.ContainerEventf(p, c.Name, api.EventWarning, "ProbeWarning", "%s probe warning: kubeplay: %s probes are not simulated yet; the container passes this probe", w.kind, handlerType(w.spec.ProbeHandler))
		}
		r.Outcome = ProbeSuccess
	case ProbeFailure:
		k.rec.ContainerEventf(p, c.Name, api.EventWarning, "Unhealthy", "%s probe failed: %s", w.kind, output)
	case ProbeWarning:
		k.rec.ContainerEventf(p, c.Name, api.EventWarning, "ProbeWarning", "%s probe warning: %s", w.kind, output)
		r.Outcome = ProbeSuccess
	case ProbeUnknown:
		k.rec.ContainerEventf(p, c.Name, api.EventWarning, "Unhealthy", "%s probe errored and resulted in unknown state: %s", w.kind, output)
		return
	}
	if w.lastResult == r.Outcome {
		w.run++
	} else {
		w.lastResult, w.run = r.Outcome, 1
	}
	if r.Outcome == ProbeFailure && w.run < int(max(w.spec.FailureThreshold, 1)) ||
		r.Outcome == ProbeSuccess && w.run < int(max(w.spec.SuccessThreshold, 1)) {
		return
	}
	changed := w.result != r.Outcome
	w.result = r.Outcome
	if changed {
		k.queue.Add(w.key)
	}
	if r.Outcome != ProbeFailure || w.kind == readiness {
		return
	}
	w.onHold, w.run = true, 0
	k.rec.ContainerEventf(p, c.Name, api.EventNormal, "Killing", "Container %s failed %s probe, will be restarted", c.Name, strings.ToLower(w.kind))
	grace := time.Duration(api.Deref(p.Spec.TerminationGracePeriodSeconds, 30)) * time.Second
	if w.spec.TerminationGracePeriodSeconds != nil {
		grace = time.Duration(*w.spec.TerminationGracePeriodSeconds) * time.Second
	}
	k.killContainer(p, c, cs, grace)
}

func containerSpec(p *api.Pod, name string) (api.Container, bool) {
	for _, c := range allContainers(p) {
		if c.Name == name {
			return c, true
		}
	}
	return api.Container{}, false
}

func sandboxOf(p *api.Pod) runtime.Sandbox {
	return runtime.Sandbox{PodUID: p.UID, PodNamespace: p.Namespace, PodName: p.Name, Network: p.UID}
}

// handlerType names a probe's or hook's handler.
func handlerType(h api.ProbeHandler) string {
	switch {
	case h.Exec != nil:
		return "exec"
	case h.HTTPGet != nil:
		return "httpGet"
	case h.TCPSocket != nil:
		return "tcpSocket"
	case h.GRPC != nil:
		return "grpc"
	}
	return "empty"
}
