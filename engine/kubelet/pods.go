package kubelet

import (
	"net/netip"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
	"github.com/kubeplay/kubeplay/engine/network"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// podState is what the kubelet knows of a pod beyond the API: its sandbox,
// its containers in the runtime, their restarts and backoffs.
type podState struct {
	uid        string
	ip         string
	started    time.Time
	containers map[string]*containerState
	sandbox    bool
	// stopped: the pod finished and its sandbox was stopped, as the
	// kubelet stops a terminal pod's: the CNI plugin's DEL freed its
	// address and took its host ports away. Its status keeps the address.
	stopped bool
	killing bool

	// failed is why the kubelet failed the pod (DeadlineExceeded,
	// Evicted), and failMsg its message; its containers are stopped.
	failed, failMsg string
	// finishing: the main containers have exited for good, the sidecars
	// are stopped and not restarted.
	finishing bool

	volumes      map[string]*podVolume
	refresh      bool // the periodic sync: the kubelet's volumes are written again
	mountBackoff time.Duration
	mountRetryAt time.Time
	tokens       map[string]issuedToken

	probing bool           // the probe workers were started
	workers []*probeWorker // the probe workers, ticking
}

// containerState tracks one container of a pod across restarts.
type containerState struct {
	name     string
	id       string // current runtime container
	lastID   string // the previous one, for lastState and logs --previous
	restarts int32

	pulling     bool
	image       *runtime.Image // the image pulled for this container
	pullErr     string         // ErrImagePull, ImagePullBackOff, ErrImageNeverPull
	pullMsg     string
	pullBackoff time.Duration
	pullRetryAt time.Time

	crashBackoff time.Duration
	restartAt    time.Time
	startErr     string // CreateContainerConfigError, CreateContainerError
	startMsg     string
	ranBefore    bool                          // a container of this name ran before the kubelet restarted
	lost         *api.ContainerStateTerminated // how it ended then: unknown

	probes          map[string]*probeWorker // by kind
	hookRunning     bool                    // its postStart hook runs
	postStartFailed string
	killedID        string // the container being stopped by the kubelet
}

// Backoffs, as the kubelet's: 10 s doubling to 5 min.
const (
	initialBackoff = 10 * time.Second
	maxBackoff     = 5 * time.Minute
	// backoffReset is how long a container must run to forget its crashes.
	backoffReset = 10 * time.Minute
)

func nextBackoff(d time.Duration) time.Duration {
	if d == 0 {
		return initialBackoff
	}
	return min(2*d, maxBackoff)
}

// syncPod brings one pod's containers in line with its spec and reports
// its status. It is the pod worker of the kubelet.
func (k *Kubelet) syncPod(key string) (loop.Result, error) {
	if k.stopped {
		return loop.Result{}, nil
	}
	ns, name := client.SplitKey(key)
	p, ok := k.pods.Get(ns, name)
	st := k.states[key]
	if !ok || st != nil && st.uid != p.UID {
		k.forgetPod(key)
		if !ok {
			return loop.Result{}, nil
		}
		st = nil
	}
	if st == nil {
		st = newPodState(p, k.c.Now())
		k.states[key] = st
	}
	if p.DeletionTimestamp != nil {
		return k.terminatePod(key, p, st)
	}
	if st.failed == "" && k.pastDeadline(p, st) {
		st.failed, st.failMsg = "DeadlineExceeded", deadlineMessage
		k.rec.Event(p, api.EventNormal, "DeadlineExceeded", deadlineMessage)
	}
	if st.failed == "" {
		if msg := k.emptyDirOverLimit(p, st); msg != "" {
			st.failed, st.failMsg = "Evicted", msg
			k.rec.Event(p, api.EventWarning, "Evicted", msg)
		}
	}
	if st.failed != "" {
		return k.failPod(p, st)
	}
	if p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed {
		stopProbes(st)
		if k.anyRunning(p, st) {
			// Its containers are still being stopped: the sandbox goes
			// once they have.
			return loop.Result{RequeueAfter: time.Second}, nil
		}
		k.stopSandbox(st)
		return loop.Result{}, nil
	}
	k.startProbes(p, st)
	if !k.ensureSandbox(p, st) {
		return loop.Result{RequeueAfter: time.Second}, k.updateStatus(p, st)
	}
	if wake, ok := k.mountVolumes(p, st); !ok {
		return loop.Result{RequeueAfter: wake}, k.updateStatus(p, st)
	}
	wake := k.runContainers(p, st)
	k.triggerReadiness(p, st)
	if d, ok := k.untilDeadline(p, st); ok && (wake == 0 || d < wake) {
		wake = d
	}
	if hasSizeLimit(p) && (wake == 0 || evictionInterval < wake) {
		wake = evictionInterval
	}
	if err := k.updateStatus(p, st); err != nil {
		return loop.Result{}, err
	}
	return loop.Result{RequeueAfter: wake}, nil
}

// forgetPod kills whatever is left of a pod that is gone from the API.
func (k *Kubelet) forgetPod(key string) {
	st, ok := k.states[key]
	if !ok {
		return
	}
	stopProbes(st)
	k.unmapHostPorts(st)
	for _, cs := range st.containers {
		for _, id := range []string{cs.id, cs.lastID} {
			if id != "" {
				k.rt.RemoveContainer(id)
			}
		}
	}
	delete(k.states, key)
}

// ensureSandbox gives the pod its network identity: the node's address for
// hostNetwork pods, else the next address of the node's pod CIDR.
func (k *Kubelet) ensureSandbox(p *api.Pod, st *podState) bool {
	if st.sandbox {
		return true
	}
	if p.Spec.HostNetwork {
		st.ip = k.cfg.Address
	} else {
		ip, ok := k.allocateIP(p)
		if !ok {
			return false
		}
		st.ip = ip
		k.mapHostPorts(p, ip)
	}
	st.sandbox = true
	st.started = k.c.Now()
	return true
}

// HostPortMapper is the network's portmap plugin: the host ports of a
// node's pods.
type HostPortMapper interface {
	MapHostPort(node string, proto network.Protocol, hostIP netip.Addr, hostPort uint16, to netip.AddrPort)
	UnmapHostPorts(node string, pod netip.Addr)
}

// stopSandbox is StopPodSandbox for a pod that has finished, once its
// containers have stopped: its address goes back to the node's range
// and its host ports go away. The address may then be given to another
// pod, so nothing of this pod's network is used again.
func (k *Kubelet) stopSandbox(st *podState) {
	if !st.sandbox || st.stopped {
		return
	}
	k.unmapHostPorts(st)
	st.stopped = true
}

// unmapHostPorts takes away the pod's host ports.
func (k *Kubelet) unmapHostPorts(st *podState) {
	if ip, err := netip.ParseAddr(st.ip); err == nil && k.cfg.HostPorts != nil && st.sandbox && !st.stopped {
		k.cfg.HostPorts.UnmapHostPorts(k.cfg.NodeName, ip)
	}
}

// mapHostPorts maps the pod's containerPorts that have a hostPort to
// its address, as the portmap plugin does when the sandbox is made.
func (k *Kubelet) mapHostPorts(p *api.Pod, podIP string) {
	ip, err := netip.ParseAddr(podIP)
	if k.cfg.HostPorts == nil || err != nil {
		return
	}
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.HostPort <= 0 || cp.HostPort > 65535 || cp.ContainerPort <= 0 {
				continue
			}
			proto := network.Protocol(cp.Protocol)
			if proto == "" {
				proto = network.TCP
			}
			hostIP, _ := netip.ParseAddr(cp.HostIP) // "" is any address
			k.cfg.HostPorts.MapHostPort(k.cfg.NodeName, proto, hostIP, uint16(cp.HostPort), netip.AddrPortFrom(ip, uint16(cp.ContainerPort)))
		}
	}
}

// allocateIP takes the next free address of the node's pod CIDR, as the
// host-local IPAM plugin does: round-robin from the last one given, never
// the network's, the gateway's (its first) or the broadcast address, nor
// one a pod sandbox on the node holds. A full range fails the sandbox in
// the plugin's words.
func (k *Kubelet) allocateIP(p *api.Pod) (string, bool) {
	node, err := client.Get[*api.Node](k.c, "", k.cfg.NodeName)
	if err != nil || node.Spec.PodCIDR == "" {
		return "", false
	}
	cidr, err := netip.ParsePrefix(node.Spec.PodCIDR)
	if err != nil || !cidr.Addr().Is4() || cidr.Bits() > 30 {
		return "", false
	}
	b := cidr.Masked().Addr().As4()
	base := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	last := 1<<(32-cidr.Bits()) - 2 // the last offset before the broadcast address
	addr := func(off int) string {
		ip := base + uint32(off)
		return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}).String()
	}
	used := map[string]bool{}
	for _, st := range k.states {
		if st.sandbox && !st.stopped {
			used[st.ip] = true
		}
	}
	for range last - 1 {
		if k.nextIP < 2 || k.nextIP > last {
			k.nextIP = 2
		}
		ip := addr(k.nextIP)
		k.nextIP++
		if !used[ip] {
			return ip, true
		}
	}
	k.rec.Eventf(p, api.EventWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox %q: plugin type=\"bridge\" failed (add): failed to allocate for range 0: no IP addresses available in range set: %s-%s",
		k.hex(32), addr(1), addr(last))
	return "", false
}

// runContainers runs the init containers in order, then the regular ones.
// It returns how soon it wants to look again (a backoff ending), or 0.
func (k *Kubelet) runContainers(p *api.Pod, st *podState) time.Duration {
	var wake time.Duration
	soonest := func(w time.Duration) {
		if w > 0 && (wake == 0 || w < wake) {
			wake = w
		}
	}
	st.finishing = st.finishing || k.mainContainersDone(p, st)
	if st.finishing {
		grace := time.Duration(api.Deref(p.Spec.TerminationGracePeriodSeconds, 30)) * time.Second
		k.stopEphemeral(p, st, grace)
		k.stopSidecars(p, st, grace)
		return 0
	}
	for _, c := range p.Spec.InitContainers {
		cs := st.state(c.Name)
		if isSidecar(c) {
			// A sidecar starts in its turn and then runs beside the
			// others: the next container waits only for it to have
			// started (its startup probe passed).
			w, _ := k.ensureRunning(p, st, c, cs, true)
			soonest(w)
			if !k.sidecarStarted(c, cs) {
				return wake
			}
			continue
		}
		if k.initDone(cs) {
			continue
		}
		if w, blocked := k.ensureRunning(p, st, c, cs, true); blocked {
			soonest(w)
			return wake
		}
	}
	for _, c := range p.Spec.Containers {
		w, _ := k.ensureRunning(p, st, c, st.state(c.Name), false)
		soonest(w)
	}
	for _, c := range ephemeralContainers(p) {
		soonest(k.startEphemeral(p, st, c, st.state(c.Name)))
	}
	return wake
}

// ephemeralContainers are a pod's ephemeral containers as containers
// (their fields are a container's).
func ephemeralContainers(p *api.Pod) []api.Container {
	out := make([]api.Container, len(p.Spec.EphemeralContainers))
	for i, ec := range p.Spec.EphemeralContainers {
		out[i] = api.Container(ec.EphemeralContainerCommon)
	}
	return out
}

func isEphemeral(p *api.Pod, name string) bool {
	for _, ec := range p.Spec.EphemeralContainers {
		if ec.Name == name {
			return true
		}
	}
	return false
}

// startEphemeral starts an ephemeral container once, as the kubelet's
// computePodActions does for one that has no status yet: its image pulled
// as any container's, then created and started; once it has run it is
// never started again, whatever the pod's restart policy. It returns how
// soon to try again (an image backoff, a config error), or 0.
func (k *Kubelet) startEphemeral(p *api.Pod, st *podState, c api.Container, cs *containerState) time.Duration {
	if cs.id != "" || cs.ranBefore {
		return 0
	}
	img, wait := k.ensureImage(p, c, cs)
	if img == nil {
		return wait
	}
	return k.startContainer(p, st, c, cs, *img)
}

// stopEphemeral stops the ephemeral containers still running in a pod
// whose main containers have exited for good.
func (k *Kubelet) stopEphemeral(p *api.Pod, st *podState, grace time.Duration) {
	for _, c := range ephemeralContainers(p) {
		cs := st.containers[c.Name]
		if cs == nil {
			continue
		}
		if s, ok := k.rt.ContainerStatus(cs.id); ok && s.State == runtime.Running {
			if cs.killedID != cs.id {
				k.rec.ContainerEventf(p, c.Name, api.EventNormal, "Killing", "Stopping container %s", c.Name)
			}
			k.killContainer(p, c, cs, grace)
		}
	}
}

// runsToCompletion reports whether a container is expected to end: an
// init container that is not a sidecar, or a container of a pod whose
// restart policy lets it end. A fake node's runtime ends it at once.
func runsToCompletion(p *api.Pod, c api.Container) bool {
	if isSidecar(c) {
		return false
	}
	for _, ic := range p.Spec.InitContainers {
		if ic.Name == c.Name {
			return true
		}
	}
	return p.Spec.RestartPolicy != api.RestartAlways
}

// isSidecar reports whether an init container is a sidecar: one with
// restartPolicy Always.
func isSidecar(c api.Container) bool { return api.Deref(c.RestartPolicy, "") == api.RestartAlways }

// sidecarStarted reports whether a sidecar runs and has passed its
// startup probe.
func (k *Kubelet) sidecarStarted(c api.Container, cs *containerState) bool {
	s, ok := k.rt.ContainerStatus(cs.id)
	return ok && s.State == runtime.Running && cs.started(c) && !cs.hookRunning
}

// mainContainersDone reports whether every regular container has exited
// for good: the pod's sidecars are then stopped.
func (k *Kubelet) mainContainersDone(p *api.Pod, st *podState) bool {
	for _, c := range p.Spec.Containers {
		cs := st.containers[c.Name]
		if cs == nil {
			return false
		}
		s, ok := k.rt.ContainerStatus(cs.id)
		if !ok || s.State != runtime.Exited || shouldRestart(p, c, s.ExitCode) {
			return false
		}
	}
	return true
}

// stopSidecars stops a pod's sidecars once its other containers have
// stopped, the last one first, each after the one after it has exited.
func (k *Kubelet) stopSidecars(p *api.Pod, st *podState, grace time.Duration) bool {
	for i := len(p.Spec.InitContainers) - 1; i >= 0; i-- {
		c := p.Spec.InitContainers[i]
		cs := st.containers[c.Name]
		if !isSidecar(c) || cs == nil {
			continue
		}
		if s, ok := k.rt.ContainerStatus(cs.id); ok && s.State == runtime.Running {
			if cs.killedID != cs.id {
				k.rec.ContainerEventf(p, c.Name, api.EventNormal, "Killing", "Stopping container %s", c.Name)
			}
			k.killContainer(p, c, cs, grace)
			return true
		}
	}
	return false
}

// newPodState starts tracking a pod. A pod that ran before this kubelet
// started (the node restarted) keeps its restart counts; each of its
// containers that was running counts one restart more when it starts
// again, and its last state says it ended unknown (exit code 255), as a
// real kubelet reports containers lost in a reboot.
func newPodState(p *api.Pod, now time.Time) *podState {
	st := &podState{uid: p.UID, containers: map[string]*containerState{}}
	for i, list := range [][]api.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses, p.Status.EphemeralContainerStatuses} {
		for _, cs := range list {
			c := &containerState{name: cs.Name, restarts: cs.RestartCount, ranBefore: cs.ContainerID != ""}
			if r := cs.State.Running; r != nil {
				c.lost = &api.ContainerStateTerminated{ExitCode: 255, Reason: "Unknown", StartedAt: r.StartedAt, FinishedAt: api.NewTime(now), ContainerID: cs.ContainerID}
			} else if t := cs.State.Terminated; i == 2 && t != nil {
				// An ephemeral container that had ended stays as it ended:
				// it is not started again.
				c.lost = t.DeepCopy()
			}
			st.containers[cs.Name] = c
		}
	}
	return st
}

func (st *podState) state(name string) *containerState {
	cs, ok := st.containers[name]
	if !ok {
		cs = &containerState{name: name}
		st.containers[name] = cs
	}
	return cs
}

func (k *Kubelet) initDone(cs *containerState) bool {
	s, ok := k.rt.ContainerStatus(cs.id)
	return ok && s.State == runtime.Exited && s.ExitCode == 0
}

// ensureRunning starts, or restarts, one container as its pod's restart
// policy says. For an init container, blocked reports that the containers
// after it must wait.
func (k *Kubelet) ensureRunning(p *api.Pod, st *podState, c api.Container, cs *containerState, init bool) (time.Duration, bool) {
	status, exists := k.rt.ContainerStatus(cs.id)
	if exists && status.State == runtime.Running {
		k.noteHealthyRun(cs, status)
		return 0, true
	}
	if exists && status.State == runtime.Exited {
		if !shouldRestart(p, c, status.ExitCode) {
			return 0, init // a failed init container under Never fails the pod
		}
		if now := k.c.Now(); now.Before(cs.restartAt) {
			return cs.restartAt.Sub(now), true
		}
	}
	if exists && status.State == runtime.Created {
		return 0, true
	}
	img, wait := k.ensureImage(p, c, cs)
	if img == nil {
		return wait, true
	}
	return k.startContainer(p, st, c, cs, *img), true
}

// noteHealthyRun forgets a container's crash backoff once it has run long enough.
func (k *Kubelet) noteHealthyRun(cs *containerState, s runtime.ContainerStatus) {
	if cs.crashBackoff > 0 && k.c.Now().Sub(s.StartedAt) >= backoffReset {
		cs.crashBackoff = 0
	}
}

// shouldRestart is the container's restart policy (a sidecar's own, else
// the pod's) applied to how it exited.
func shouldRestart(p *api.Pod, c api.Container, code int32) bool {
	policy := p.Spec.RestartPolicy
	if c.RestartPolicy != nil {
		policy = *c.RestartPolicy
	}
	switch policy {
	case api.RestartAlways:
		return true
	case api.RestartOnFailure:
		return code != 0
	}
	return false
}

// configRetry is how soon the pod worker tries again after a sync that
// failed, such as a container whose ConfigMap is missing: the kubelet's
// backOffPeriod.
const configRetry = 10 * time.Second

// startContainer creates and starts a container. It returns how soon to
// try again when the container could not be created, or 0.
func (k *Kubelet) startContainer(p *api.Pod, st *podState, c api.Container, cs *containerState, img runtime.Image) time.Duration {
	env, vars, err := k.containerEnv(p, c, st)
	if err != nil {
		cs.startErr, cs.startMsg = "CreateContainerConfigError", err.Error()
		k.rec.ContainerEventf(p, c.Name, api.EventWarning, "Failed", "Error: %v", err)
		return configRetry
	}
	mounts, err := containerMounts(c, st, vars)
	if err != nil {
		cs.startErr, cs.startMsg = "CreateContainerConfigError", err.Error()
		k.rec.ContainerEventf(p, c.Name, api.EventWarning, "Failed", "Error: %v", err)
		return configRetry
	}
	cfg := runtime.ContainerConfig{
		PodUID: p.UID, PodNamespace: p.Namespace, PodName: p.Name, Name: c.Name, Image: img,
		Command: expandAll(c.Command, vars), Args: expandAll(c.Args, vars), Env: env,
		WorkingDir: c.WorkingDir, Files: k.containerFiles(p, st), Mounts: mounts,
		Resources: containerResources(c), Sandbox: runtime.Sandbox{PodUID: p.UID, PodNamespace: p.Namespace, PodName: p.Name, Network: p.UID, IP: st.ip},
		Completes: runsToCompletion(p, c),
		Stdin:     c.Stdin, StdinOnce: c.StdinOnce, TTY: c.TTY,
	}
	id, err := k.rt.CreateContainer(cfg)
	if err != nil {
		cs.startErr, cs.startMsg = "CreateContainerError", err.Error()
		k.rec.ContainerEventf(p, c.Name, api.EventWarning, "Failed", "Error: %v", err)
		return configRetry
	}
	cs.startErr, cs.startMsg = "", ""
	if cs.id != "" || cs.ranBefore {
		if cs.lastID != "" {
			k.rt.RemoveContainer(cs.lastID)
		}
		cs.lastID = cs.id
		cs.restarts++
		cs.ranBefore = false
	}
	cs.id = id
	k.rec.ContainerEventf(p, c.Name, api.EventNormal, "Created", "Created container: %s", c.Name)
	if err := k.rt.StartContainer(id); err != nil {
		k.rec.ContainerEventf(p, c.Name, api.EventWarning, "Failed", "Error: failed to start container %q: %v", c.Name, err)
		return 0
	}
	k.rec.ContainerEventf(p, c.Name, api.EventNormal, "Started", "Started container %s", c.Name)
	k.noteComponentImage(p, c, img)
	cs.postStartFailed = ""
	k.runPostStart(p, c, cs)
	return 0
}

// containerExited is the runtime's lifecycle event: a container ended.
func (k *Kubelet) containerExited(id string) {
	for key, st := range k.states {
		for _, cs := range st.containers {
			if cs.id == id {
				k.scheduleRestart(key, cs)
				k.queue.Add(key)
				return
			}
		}
	}
}

// scheduleRestart sets the crash-loop backoff of a container that exited.
func (k *Kubelet) scheduleRestart(key string, cs *containerState) {
	ns, name := client.SplitKey(key)
	p, ok := k.pods.Get(ns, name)
	if !ok || p.DeletionTimestamp != nil {
		return
	}
	if isEphemeral(p, cs.name) {
		return // never restarted
	}
	s, _ := k.rt.ContainerStatus(cs.id)
	c, _ := containerSpec(p, cs.name)
	if st := k.states[key]; st != nil && (st.failed != "" || st.finishing && isSidecar(c)) || !shouldRestart(p, c, s.ExitCode) {
		return
	}
	// The first restart is immediate, later ones back off, as the
	// kubelet's backoff keyed by container does.
	if cs.restarts == 0 && cs.crashBackoff == 0 {
		cs.crashBackoff = initialBackoff / 2
		cs.restartAt = k.c.Now()
		return
	}
	cs.crashBackoff = nextBackoff(cs.crashBackoff)
	cs.restartAt = k.c.Now().Add(cs.crashBackoff)
}

// terminatePod stops a pod being deleted; once its containers are gone it
// reports their final state and removes the pod from the API.
func (k *Kubelet) terminatePod(key string, p *api.Pod, st *podState) (loop.Result, error) {
	grace := time.Duration(api.Deref(p.DeletionGracePeriodSeconds, 30)) * time.Second
	running := k.stopAll(p, st, grace)
	st.killing = true
	if running {
		return loop.Result{}, k.updateStatus(p, st)
	}
	if err := k.updateStatus(p, st); err != nil && !apiserver.IsNotFound(err) {
		return loop.Result{}, err
	}
	err := client.Delete[*api.Pod](k.c, p.Namespace, p.Name, apiserver.DeleteOptions{GracePeriodSeconds: api.Ptr(int64(0)), PreconditionUID: p.UID})
	if err != nil && !apiserver.IsNotFound(err) {
		return loop.Result{}, err
	}
	return loop.Result{}, nil
}

// stopAll stops the pod's containers, its sidecars once the others are
// gone, and reports whether any still runs.
func (k *Kubelet) stopAll(p *api.Pod, st *podState, grace time.Duration) bool {
	stopProbes(st)
	running := false
	for _, c := range allContainers(p) {
		cs := st.containers[c.Name]
		if cs == nil || cs.id == "" || isSidecar(c) {
			continue
		}
		s, ok := k.rt.ContainerStatus(cs.id)
		if !ok || s.State != runtime.Running {
			continue
		}
		running = true
		if cs.killedID != cs.id {
			k.rec.ContainerEventf(p, c.Name, api.EventNormal, "Killing", "Stopping container %s", c.Name)
		}
		k.killContainer(p, c, cs, grace)
	}
	if running {
		return true
	}
	return k.stopSidecars(p, st, grace)
}

// pastDeadline reports whether the pod has been active longer than its
// activeDeadlineSeconds; untilDeadline says how long it has left.
func (k *Kubelet) pastDeadline(p *api.Pod, st *podState) bool {
	d, ok := k.untilDeadline(p, st)
	return ok && d <= 0
}

func (k *Kubelet) untilDeadline(p *api.Pod, st *podState) (time.Duration, bool) {
	if p.Spec.ActiveDeadlineSeconds == nil || !st.sandbox {
		return 0, false
	}
	start := st.started
	if p.Status.StartTime != nil {
		start = p.Status.StartTime.Time
	}
	return start.Add(time.Duration(*p.Spec.ActiveDeadlineSeconds) * time.Second).Sub(k.c.Now()), true
}

// failPod stops the containers of a pod the kubelet failed: past its
// activeDeadlineSeconds (the active deadline handler) or evicted (the
// eviction manager, which gives no grace period).
func (k *Kubelet) failPod(p *api.Pod, st *podState) (loop.Result, error) {
	grace := time.Duration(api.Deref(p.Spec.TerminationGracePeriodSeconds, 30)) * time.Second
	if st.failed == "Evicted" {
		grace = 0
	}
	k.stopAll(p, st, grace)
	return loop.Result{}, k.updateStatus(p, st)
}

const deadlineMessage = "Pod was active on the node longer than the specified deadline"

// allContainers are a pod's init, regular and ephemeral containers.
func allContainers(p *api.Pod) []api.Container {
	out := append(append([]api.Container(nil), p.Spec.InitContainers...), p.Spec.Containers...)
	return append(out, ephemeralContainers(p)...)
}

// containerResources are the limits the runtime enforces.
func containerResources(c api.Container) runtime.Resources {
	var r runtime.Resources
	if q, ok := c.Resources.Limits["cpu"]; ok {
		r.CPUMillis = q.MilliValue()
	}
	if q, ok := c.Resources.Limits["memory"]; ok {
		r.MemoryBytes = q.Value()
	}
	return r
}
