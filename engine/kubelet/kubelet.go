// Package kubelet is a node's kubelet: it registers the node and keeps its
// lease and status fresh, runs the pods bound to the node through the
// container runtime (pulling images, starting and restarting containers,
// killing them on deletion), reports each pod's status, and serves
// container logs to the API server.
package kubelet

import (
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"time"

	"github.com/hack-pad/hackpadfs"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// Upstream timings.
const (
	leaseDuration            = 40 * time.Second
	leaseRenewInterval       = 10 * time.Second // a quarter of the lease duration
	nodeStatusUpdateInterval = 10 * time.Second
	nodeStatusReportInterval = 5 * time.Minute
	resyncInterval           = time.Minute
)

// Config describes the node a kubelet runs.
type Config struct {
	NodeName string
	Address  string // InternalIP
	CPU      api.Quantity
	Memory   api.Quantity
	Pods     int64
	Labels   map[string]string
	Taints   []api.Taint
	// CloudProvider "external" (--cloud-provider=external) leaves the
	// node's cloud identity to the cloud controller manager: the node
	// registers with the uninitialized taint, and its addresses are the
	// cloud's once the manager has set them.
	CloudProvider string
	// StaticPods are the manifests in /etc/kubernetes/manifests: the
	// kubelet runs them itself and mirrors them into the API.
	StaticPods []*api.Pod
	// Preload lists images already on the node's disk.
	Preload []string
	// Disk is the node's own disk, in DiskDir of it: hostPath volumes
	// and the local persistent volumes live there.
	Disk    hackpadfs.FS
	DiskDir string
	// ServiceAccountKey signs the service account tokens the kubelet
	// projects into pods (kube-apiserver's TokenRequest).
	ServiceAccountKey ed25519.PrivateKey
	// NetworkProber runs httpGet, tcpSocket and grpc probes and hooks;
	// without one they are reported as not simulated.
	NetworkProber NetworkProber
	// HostPorts maps the host ports of the node's pods, as the CNI
	// portmap plugin does; nil maps none.
	HostPorts HostPortMapper
	// PodCIDR, when set, is the node's pod CIDR from its registration on
	// (as a Node created with spec.podCIDR), instead of the one the node
	// IPAM controller gives it.
	PodCIDR string
	// Fake marks a fake node, whose runtime runs no program (kwok's
	// kind of node): it registers with kwok's label and annotation, and
	// refuses kubectl exec.
	Fake bool
}

// Fake nodes carry kwok's marks, so that manifests written for kwok
// (nodeSelector type: kwok, a toleration of kwok.x-k8s.io/node) work
// unchanged.
const (
	FakeNodeAnnotation = "kwok.x-k8s.io/node"
	FakeNodeLabel      = "type"
)

// Kubelet is one node's agent.
type Kubelet struct {
	cfg   Config
	c     *client.Client
	rec   *client.Recorder
	loop  *loop.Loop
	rand  *rand.Rand
	rt    runtime.ContainerRuntime
	pods  *client.Informer[*api.Pod]
	queue *loop.Queue
	// allocMemory is the allocatable memory of the configured memory,
	// remembered: a quantity's subtraction goes through big numbers.
	allocMemory struct {
		of, left api.Quantity
		set      bool
	}
	// statusRequest is the pod a status write sends (updateStatus).
	statusRequest api.Pod
	// statusConds and statusContainers are the scratch space of the
	// status a sync computes (podStatus): most syncs find it the same as
	// the pod's and write nothing, and the API server copies the status
	// of a write, so the next sync can write over them.
	statusConds      []api.PodCondition
	statusContainers []api.ContainerStatus
	statusNew        api.PodStatus
	// svcEnv is the last service variables made (serviceEnv).
	svcEnv serviceEnvMemo

	node       *api.Node
	lastReport time.Time
	bootID     string
	machineID  string
	systemUUID string
	states     map[string]*podState // by pod key
	nextIP     int
	stopped    bool
	stops      []func()
}

// New returns a kubelet for a node; engine makes the node's container
// runtime (a *runtime.Engine makes wazero's).
func New(c *client.Client, cfg Config, engine runtime.Factory, rng *rand.Rand) *Kubelet {
	k := &Kubelet{
		cfg:    cfg,
		c:      c,
		rec:    client.NewRecorder(c, "kubelet", cfg.NodeName),
		loop:   c.Loop(),
		rand:   rng,
		states: map[string]*podState{},
		nextIP: 2,
	}
	k.rt = engine.NewRuntime(cfg.NodeName, k.loop, rng, k.containerExited)
	k.queue = loop.NewQueue(k.loop, k.syncPod)
	k.pods = client.NewInformer[*api.Pod](c, "", apiserver.ListOptions{FieldSelector: "spec.nodeName=" + cfg.NodeName})
	return k
}

// Runtime returns the node's container runtime.
func (k *Kubelet) Runtime() runtime.ContainerRuntime { return k.rt }

// Start registers the node and starts running its pods.
func (k *Kubelet) Start() error {
	for _, ref := range k.cfg.Preload {
		if err := k.rt.Preload(ref); err != nil {
			return fmt.Errorf("preload %s: %w", ref, err)
		}
	}
	k.bootID = k.hex(16)
	k.machineID, k.systemUUID = k.hex(16), k.hex(16)
	if err := k.register(); err != nil {
		return err
	}
	k.c.RegisterKubelet(k.cfg.NodeName, k)
	k.pods.AddHandler(client.Handler[*api.Pod]{
		Add:    func(p *api.Pod) { k.queue.Add(client.KeyOf(p)) },
		Update: func(_, p *api.Pod) { k.queue.Add(client.KeyOf(p)) },
		Delete: func(p *api.Pod) {
			k.queue.Add(client.KeyOf(p))
			if isMirror(p) {
				k.syncStaticPods()
			}
		},
	})
	if err := k.pods.Start(); err != nil {
		return err
	}
	k.renewLease()
	k.every(leaseRenewInterval, k.renewLease)
	k.every(nodeStatusUpdateInterval, func() { k.updateNodeStatus(false) })
	k.every(resyncInterval, k.resyncAll)
	k.syncStaticPods()
	return nil
}

// Stop halts the kubelet and its containers at once: the machine lost
// power. Its heartbeats stop with it.
func (k *Kubelet) Stop() {
	k.stopped = true
	for _, stop := range k.stops {
		stop()
	}
	k.pods.Stop()
	k.rt.PowerOff()
	k.c.RegisterKubelet(k.cfg.NodeName, nil)
	// The node's portmap rules go with its power, as iptables' do.
	for _, st := range k.states {
		k.unmapHostPorts(st)
	}
}

// every runs f every d of virtual time until the kubelet stops.
func (k *Kubelet) every(d time.Duration, f func()) {
	k.stops = append(k.stops, k.loop.Every(d, f))
}

func (k *Kubelet) hex(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(k.rand.UintN(256))
	}
	return fmt.Sprintf("%x", b)
}

func (k *Kubelet) resyncAll() {
	for _, st := range k.states {
		st.refresh = true
	}
	for _, p := range k.pods.List() {
		k.queue.Add(client.KeyOf(p))
	}
}

// register creates the Node object, or takes over an existing one: the
// node of a machine that rebooted, whose identity (machine ID, system
// UUID, the addresses the cloud gave it) stays and whose boot ID changes.
func (k *Kubelet) register() error {
	node := k.initialNode()
	out, err := client.Create(k.c, node)
	var rebooted bool
	if apiserver.IsAlreadyExists(err) {
		var cur *api.Node
		cur, err = client.Get[*api.Node](k.c, "", k.cfg.NodeName)
		if err != nil {
			return err
		}
		out, rebooted, err = k.takeOver(cur, node.Status)
	}
	if err != nil {
		return fmt.Errorf("register node %s: %w", k.cfg.NodeName, err)
	}
	k.node = out
	k.lastReport = k.c.Now()
	k.rec.Event(out, api.EventNormal, "Starting", "Starting kubelet.")
	if rebooted {
		k.rec.Eventf(out, api.EventWarning, "Rebooted", "Node %s has been rebooted, boot id: %s", k.cfg.NodeName, k.bootID)
	}
	k.rec.Eventf(out, api.EventNormal, "NodeHasSufficientMemory", "Node %s status is now: NodeHasSufficientMemory", k.cfg.NodeName)
	k.rec.Eventf(out, api.EventNormal, "NodeHasNoDiskPressure", "Node %s status is now: NodeHasNoDiskPressure", k.cfg.NodeName)
	k.rec.Eventf(out, api.EventNormal, "NodeHasSufficientPID", "Node %s status is now: NodeHasSufficientPID", k.cfg.NodeName)
	k.rec.Event(out, api.EventNormal, "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods")
	k.rec.Eventf(out, api.EventNormal, "NodeReady", "Node %s status is now: NodeReady", k.cfg.NodeName)
	return nil
}

// takeOver posts a fresh status on an existing Node, keeping what
// survives a reboot.
func (k *Kubelet) takeOver(cur *api.Node, status api.NodeStatus) (*api.Node, bool, error) {
	info := cur.Status.NodeInfo
	if info.MachineID != "" {
		k.machineID, k.systemUUID = info.MachineID, info.SystemUUID
		status.NodeInfo.MachineID, status.NodeInfo.SystemUUID = info.MachineID, info.SystemUUID
	}
	if k.external() && len(cur.Status.Addresses) > 0 {
		status.Addresses = cur.Status.Addresses
	}
	upd := api.Clone(cur)
	upd.Status = status
	out, err := client.UpdateStatus(k.c, upd)
	return out, info.BootID != "" && info.BootID != k.bootID, err
}

func (k *Kubelet) external() bool { return k.cfg.CloudProvider == "external" }

func (k *Kubelet) initialNode() *api.Node {
	labels := map[string]string{
		"beta.kubernetes.io/arch": "amd64",
		"beta.kubernetes.io/os":   "linux",
		"kubernetes.io/arch":      "amd64",
		"kubernetes.io/hostname":  k.cfg.NodeName,
		"kubernetes.io/os":        "linux",
	}
	for key, v := range k.cfg.Labels {
		labels[key] = v
	}
	annotations := map[string]string{
		"node.alpha.kubernetes.io/ttl":                           "0",
		"volumes.kubernetes.io/controller-managed-attach-detach": "true",
	}
	if k.cfg.Fake {
		labels[FakeNodeLabel] = "kwok"
		annotations[FakeNodeAnnotation] = "fake"
	}
	taints := append([]api.Taint(nil), k.cfg.Taints...)
	if k.external() {
		annotations["alpha.kubernetes.io/provided-node-ip"] = k.cfg.Address
		taints = append(taints, api.Taint{Key: "node.cloudprovider.kubernetes.io/uninitialized", Value: "true", Effect: api.TaintNoSchedule})
	}
	return &api.Node{
		ObjectMeta: api.ObjectMeta{Name: k.cfg.NodeName, Labels: labels, Annotations: annotations},
		Spec:       api.NodeSpec{Taints: taints, PodCIDR: k.cfg.PodCIDR, PodCIDRs: nonEmpty(k.cfg.PodCIDR)},
		Status:     k.nodeStatus(),
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// Memory and storage the node keeps for itself, as kubeadm's default
// eviction threshold (memory.available<100Mi) and nodefs reserve do.
var (
	evictionMemory   = api.MustParse("100Mi")
	ephemeralStorage = api.MustParse("20Gi")
	storageReserve   = api.MustParse("2Gi")
	// allocatableStorage is what is left of the ephemeral storage.
	allocatableStorage = ephemeralStorage.Sub(storageReserve)
)

// allocatable is what the node offers its pods.
func (k *Kubelet) allocatable() api.ResourceList {
	pods := api.NewQuantity(k.cfg.Pods, api.DecimalSI)
	if k.allocMemory.of != k.cfg.Memory || !k.allocMemory.set {
		k.allocMemory.of, k.allocMemory.left, k.allocMemory.set = k.cfg.Memory, k.cfg.Memory.Sub(evictionMemory), true
	}
	return api.ResourceList{"cpu": k.cfg.CPU, "memory": k.allocMemory.left, "pods": pods, "ephemeral-storage": allocatableStorage}
}

func (k *Kubelet) nodeStatus() api.NodeStatus {
	now := api.NewTime(k.c.Now())
	pods := api.NewQuantity(k.cfg.Pods, api.DecimalSI)
	capacity := api.ResourceList{"cpu": k.cfg.CPU, "memory": k.cfg.Memory, "pods": pods, "ephemeral-storage": ephemeralStorage}
	allocatable := k.allocatable()
	return api.NodeStatus{
		Capacity:        capacity,
		Allocatable:     allocatable,
		Conditions:      healthyConditions(now),
		Addresses:       k.addresses(),
		DaemonEndpoints: api.NodeDaemonEndpoints{KubeletEndpoint: api.DaemonEndpoint{Port: 10250}},
		NodeInfo: api.NodeSystemInfo{
			MachineID:               k.machineID,
			SystemUUID:              k.systemUUID,
			BootID:                  k.bootID,
			KernelVersion:           "6.1.0-kubeplay",
			OSImage:                 k.osImage(),
			ContainerRuntimeVersion: k.runtimeVersion(),
			KubeletVersion:          apiserver.Version,
			OperatingSystem:         "linux",
			Architecture:            "amd64",
		},
		Images: k.nodeImages(),
	}
}

func (k *Kubelet) osImage() string {
	if k.cfg.Fake {
		return "kubeplay fake node"
	}
	return "kubeplay WebAssembly node"
}

func (k *Kubelet) runtimeVersion() string {
	if k.cfg.Fake {
		return runtime.FakeName + "://" + runtime.Version
	}
	return runtime.Name + "://" + runtime.Version
}

// healthyConditions are the kubelet's conditions of a healthy node.
func healthyConditions(now api.Time) []api.NodeCondition {
	return []api.NodeCondition{
		{Type: "MemoryPressure", Status: "False", LastHeartbeatTime: now, LastTransitionTime: now, Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
		{Type: "DiskPressure", Status: "False", LastHeartbeatTime: now, LastTransitionTime: now, Reason: "KubeletHasNoDiskPressure", Message: "kubelet has no disk pressure"},
		{Type: "PIDPressure", Status: "False", LastHeartbeatTime: now, LastTransitionTime: now, Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available"},
		{Type: "Ready", Status: "True", LastHeartbeatTime: now, LastTransitionTime: now, Reason: "KubeletReady", Message: "kubelet is posting ready status"},
	}
}

// addresses are the node's addresses as the kubelet reports them: the
// address it was given and its hostname.
func (k *Kubelet) addresses() []api.NodeAddress {
	return []api.NodeAddress{{Type: "InternalIP", Address: k.cfg.Address}, {Type: "Hostname", Address: k.cfg.NodeName}}
}

// nodeImages lists the node's images, largest first, as the kubelet reports them.
func (k *Kubelet) nodeImages() []api.ContainerImage {
	var out []api.ContainerImage
	for _, img := range k.rt.ListImages() {
		out = append(out, api.ContainerImage{Names: []string{img.ID, img.Name}, SizeBytes: img.Size})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].SizeBytes > out[j].SizeBytes })
	return out
}

// updateNodeStatus posts the node's status when it changed, or every five
// minutes as a heartbeat of its own.
func (k *Kubelet) updateNodeStatus(force bool) {
	cur, err := client.Get[*api.Node](k.c, "", k.cfg.NodeName)
	if err != nil {
		return
	}
	upd := api.Clone(cur)
	now := api.NewTime(k.c.Now())
	upd.Status.Images = k.nodeImages()
	if !k.external() || len(upd.Status.Addresses) == 0 {
		// With an external cloud provider the cloud's addresses win.
		upd.Status.Addresses = k.addresses()
	}
	changed := !reflect.DeepEqual(upd.Status.Images, cur.Status.Images)
	report := force || changed || k.c.Now().Sub(k.lastReport) >= nodeStatusReportInterval
	k.ensureReady(upd)
	if !report && reflect.DeepEqual(upd.Status.Conditions, cur.Status.Conditions) {
		return
	}
	for i := range upd.Status.Conditions {
		upd.Status.Conditions[i].LastHeartbeatTime = now
	}
	if out, err := client.UpdateStatus(k.c, upd); err == nil {
		k.node = out
		k.lastReport = k.c.Now()
	}
}

// ensureReady sets the node's own conditions back to healthy: another
// component (the node lifecycle controller) may have marked them Unknown.
func (k *Kubelet) ensureReady(n *api.Node) {
	now := api.NewTime(k.c.Now())
	healthy := healthyConditions(now)
	for i, c := range n.Status.Conditions {
		for _, h := range healthy {
			if h.Type == c.Type && (h.Status != c.Status || h.Reason != c.Reason) {
				h.LastTransitionTime = now
				n.Status.Conditions[i] = h
			}
		}
	}
}

func (k *Kubelet) renewLease() {
	now := api.MicroTime{Time: k.c.Now()}
	cur, err := client.Get[*api.Lease](k.c, "kube-node-lease", k.cfg.NodeName)
	if apiserver.IsNotFound(err) {
		lease := &api.Lease{
			ObjectMeta: api.ObjectMeta{Name: k.cfg.NodeName, Namespace: "kube-node-lease"},
			Spec:       api.LeaseSpec{HolderIdentity: api.Ptr(k.cfg.NodeName), LeaseDurationSeconds: api.Ptr(int32(leaseDuration / time.Second)), RenewTime: &now},
		}
		// The lease belongs to the node, when there is one: a node
		// deleted under a running kubelet leaves its lease unowned.
		if node, err := client.Get[*api.Node](k.c, "", k.cfg.NodeName); err == nil {
			lease.OwnerReferences = []api.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}}
		}
		_, _ = client.Create(k.c, lease)
		return
	}
	if err != nil {
		return
	}
	upd := api.Clone(cur)
	upd.Spec.RenewTime = &now
	_, _ = client.Update(k.c, upd)
}
