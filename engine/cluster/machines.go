package cluster

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"sort"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/cloud"
	"github.com/kubeplay/kubeplay/engine/kubelet"
	"github.com/kubeplay/kubeplay/engine/pki"
)

// The cluster's machines are the instances of its cloud (engine/cloud).
// A new cluster has the control plane and the workers its Config asks
// for; a restored one has the instances the cloud kept, or, for a store
// kept before the cloud was, one machine per kept Node object.

// Addresses of the nodes, on a network like kind's (172.18.0.0/16): the
// first 253 in 172.18.0.0/24 from .2, then 254 in each next /24 from .1.
func nodeAddress(i int) string {
	if i < 253 {
		return fmt.Sprintf("172.18.0.%d", i+2)
	}
	j := i - 253
	return fmt.Sprintf("172.18.%d.%d", 1+j/254, 1+j%254)
}

// maxNodes is how many addresses the nodes' network has.
const maxNodes = 253 + 254*254

// fakePodCIDR is a fake node's pod CIDR, which it registers with: a /24
// of 100.64.0.0/10 that its address picks (172.18.A.B gives
// 100.(64+A).B.0/24), so that a thousand fake nodes do not exhaust the
// cluster's 10.244.0.0/16, whose 256 /24s the node IPAM controller gives
// the real nodes.
func fakePodCIDR(address string) string {
	var a, b int
	if _, err := fmt.Sscanf(address, "172.18.%d.%d", &a, &b); err != nil {
		return ""
	}
	return fmt.Sprintf("100.%d.%d.0/24", 64+a, b)
}

// initialInstances are the machines of a new cluster. The control plane
// is in the first zone; the workers go round the zones.
func initialInstances(cfg Config) []cloud.Instance {
	zones := cfg.zones()
	out := []cloud.Instance{newInstance(ControlPlaneName, zones[0], cfg.NodeCPU, cfg.NodeMemory, nodeAddress(0))}
	out[0].ControlPlane = true
	for i := 1; i <= cfg.Workers+cfg.FakeNodes; i++ {
		in := newInstance(fmt.Sprintf("node%02d", i), zones[(i-1)%len(zones)], cfg.NodeCPU, cfg.NodeMemory, nodeAddress(i))
		if i > cfg.Workers {
			in = fakeInstance(in)
		}
		out = append(out, in)
	}
	return out
}

// FakeNodeTaint keeps the pods that do not ask for a fake node off it, as
// kwok's example nodes do: a pod that tolerates it (and selects type:
// kwok to go nowhere else) is one whose program need not run.
var FakeNodeTaint = api.Taint{Key: kubelet.FakeNodeAnnotation, Value: "fake", Effect: api.TaintNoSchedule}

// fakeInstance makes a machine a fake node's; its type says so.
func fakeInstance(in cloud.Instance) cloud.Instance {
	in.Fake, in.Type = true, "fake-"+in.Type
	return in
}

func newInstance(name, zone, cpu, memory, address string) cloud.Instance {
	return cloud.Instance{
		Name: name, Zone: zone, CPU: cpu, Memory: memory, Address: address, State: cloud.Running, Boots: 1,
		Type: cloud.InstanceType(api.MustParse(cpu), api.MustParse(memory)),
	}
}

// keptInstances are the machines of a restored cluster whose cloud was
// not kept: one per Node object, in the order they joined, with the shape,
// address and zone the Node records.
func (c *Cluster) keptInstances() ([]cloud.Instance, error) {
	l, err := c.api.List(resource("nodes"), "", apiserver.ListOptions{})
	if err != nil {
		return nil, err
	}
	nodes := make([]*api.Node, len(l.Items))
	for i, o := range l.Items {
		nodes[i] = o.(*api.Node)
	}
	sort.SliceStable(nodes, func(i, j int) bool {
		if !nodes[i].CreationTimestamp.Equal(nodes[j].CreationTimestamp.Time) {
			return nodes[i].CreationTimestamp.Before(nodes[j].CreationTimestamp.Time)
		}
		return nodes[i].Name < nodes[j].Name
	})
	zones := c.cfg.zones()
	var out []cloud.Instance
	for i, n := range nodes {
		zone := n.Labels["topology.kubernetes.io/zone"]
		if zone == "" {
			zone = zones[max(i-1, 0)%len(zones)]
		}
		cpu, mem := n.Status.Capacity["cpu"], n.Status.Capacity["memory"]
		in := newInstance(n.Name, zone, cpu.String(), mem.String(), internalIP(n))
		_, in.ControlPlane = n.Labels["node-role.kubernetes.io/control-plane"]
		if pods, ok := n.Status.Capacity["pods"]; ok && pods.Value() != int64(cmp.Or(c.cfg.MaxPods, 110)) {
			in.MaxPods = int(pods.Value())
		}
		if n.Annotations[kubelet.FakeNodeAnnotation] == "fake" {
			in = fakeInstance(in)
		}
		out = append(out, in)
	}
	return out, nil
}

func internalIP(n *api.Node) string {
	for _, a := range n.Status.Addresses {
		if a.Type == "InternalIP" {
			return a.Address
		}
	}
	return ""
}

// kubeletConfig is how an instance's kubelet runs: with an external cloud
// provider, the instance's labels and taints, kubeadm's control-plane
// label, taint and static pods on the control plane, and the images its
// disk holds.
func (c *Cluster) kubeletConfig(in cloud.Instance) kubelet.Config {
	cfg := kubelet.Config{
		NodeName:      in.Name,
		Address:       in.Address,
		CPU:           api.MustParse(in.CPU),
		Memory:        api.MustParse(in.Memory),
		Pods:          int64(cmp.Or(in.MaxPods, c.cfg.MaxPods, 110)),
		Labels:        in.Labels,
		Taints:        in.Taints,
		CloudProvider: "external",
		Preload:       []string{imageProxy, imageCoreDNS, imagePause},
	}
	if in.ControlPlane {
		cfg.Labels = map[string]string{
			"node-role.kubernetes.io/control-plane":                   "",
			"node.kubernetes.io/exclude-from-external-load-balancers": "",
		}
		for k, v := range in.Labels {
			cfg.Labels[k] = v
		}
		cfg.Taints = append([]api.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: api.TaintNoSchedule}}, in.Taints...)
		cfg.StaticPods = staticPods(in.Address, c.clusterCIDR(), c.cfg.NodeCIDRMaskSize)
		cfg.Preload = append(cfg.Preload, imageAPIServer, imageController, imageScheduler, imageEtcd)
	}
	cfg.Preload = append(cfg.Preload, c.diskImages(in.Name)...)
	cfg.Disk, cfg.DiskDir = c.nodeDisk(in.Name)
	cfg.ServiceAccountKey = pki.ServiceAccountKey(c.cfg.Seed)
	cfg.NetworkProber = nodeProber{c.network.Prober(in.Name, in.Address)}
	cfg.HostPorts = c.network
	if in.Fake {
		cfg.Fake, cfg.PodCIDR, cfg.NetworkProber, cfg.HostPorts = true, fakePodCIDR(in.Address), fakeProber{}, nil
		cfg.Taints = append(slices.Clone(cfg.Taints), FakeNodeTaint)
	}
	return cfg
}

// nodeDisk is a machine's disk, where its hostPath and local persistent
// volumes keep their files: a directory beside the kept store, so that it
// survives a reload, or a memory file system that lasts as long as the
// cluster.
func (c *Cluster) nodeDisk(node string) (hackpadfs.FS, string) {
	if c.cfg.Data != nil {
		return c.cfg.Data, path.Join(c.dataDir(), "disks", node)
	}
	if c.disks == nil {
		c.disks = map[string]hackpadfs.FS{}
	}
	if d, ok := c.disks[node]; ok {
		return d, "."
	}
	d, err := mem.NewFS()
	if err != nil {
		return nil, ""
	}
	c.disks[node] = d
	return d, "."
}

// diskImages are the images a node last reported: a machine that boots
// again, or a restored cluster's, finds them on its disk.
func (c *Cluster) diskImages(node string) []string {
	o, err := c.api.Get(resource("nodes"), "", node)
	if err != nil {
		return nil
	}
	var out []string
	for _, img := range o.(*api.Node).Status.Images {
		if len(img.Names) > 0 {
			out = append(out, img.Names[len(img.Names)-1])
		}
	}
	return out
}

// cloudFile keeps the cloud's state beside the store.
const cloudFile = "cloud.json"

// loadCloud returns the cloud a restored cluster kept, or the machines its
// Node objects tell of, or a new cluster's.
func (c *Cluster) loadCloud() (*cloud.Cloud, error) {
	if c.restored.Restored {
		if cl, ok := c.readCloud(); ok {
			return cl, nil
		}
		kept, err := c.keptInstances()
		if err != nil {
			return nil, err
		}
		if len(kept) > 0 {
			return newCloud(c.cfg, kept), nil
		}
	}
	return newCloud(c.cfg, initialInstances(c.cfg)), nil
}

func newCloud(cfg Config, instances []cloud.Instance) *cloud.Cloud {
	cl := cloud.New(cfg.zones())
	for _, in := range instances {
		_ = cl.Create(in)
	}
	return cl
}

// readCloud reads the kept cloud; one it cannot read is reported and left
// for the Node objects to stand in for.
func (c *Cluster) readCloud() (*cloud.Cloud, bool) {
	for _, name := range []string{cloudFile, cloudFile + ".tmp"} {
		data, err := hackpadfs.ReadFile(c.cfg.Data, path.Join(c.dataDir(), name))
		if err != nil {
			continue
		}
		cl, err := cloud.Unmarshal(data)
		if err != nil {
			c.restored.Dropped = append(c.restored.Dropped, fmt.Sprintf("%s: %v; the machines are those of the kept Node objects", name, err))
			return nil, false
		}
		return cl, true
	}
	return nil, false
}

// saveCloud writes the cloud's state when it changed.
func (c *Cluster) saveCloud() error {
	if c.cfg.Data == nil || c.cloud == nil || !c.cloud.Changed() {
		return nil
	}
	data, err := c.cloud.Marshal()
	if err != nil {
		return err
	}
	name := path.Join(c.dataDir(), cloudFile)
	if err := hackpadfs.WriteFullFile(c.cfg.Data, name+".tmp", data, 0o644); err != nil {
		return fmt.Errorf("cloud: %w", err)
	}
	_ = hackpadfs.Remove(c.cfg.Data, name)
	if err := hackpadfs.Rename(c.cfg.Data, name+".tmp", name); err != nil {
		return fmt.Errorf("cloud: %w", err)
	}
	return nil
}

func (c *Cluster) dataDir() string {
	if c.cfg.DataDir == "" {
		return "."
	}
	return c.cfg.DataDir
}
