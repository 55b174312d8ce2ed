package cluster

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/cloud"
	"github.com/kubeplay/kubeplay/engine/kubelet"
	"github.com/kubeplay/kubeplay/engine/network"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// The user is the cloud: these are the operations a cloud console offers
// on the cluster's machines. A machine that stops loses power at once (its
// kubelet, containers and heartbeats stop, its Node stays); one that
// starts boots and its kubelet carries on with the pods still bound to
// it, as after a reboot; one that is deleted is gone from the cloud, and
// the cloud controller manager deletes its Node once the node lifecycle
// controller has found it unreachable.

// NodeOptions describe a machine to add. Empty fields take the cluster's
// defaults: the next free name nodeNN, the configured size, the zone with
// the fewest workers.
type NodeOptions struct {
	Name   string
	CPU    string
	Memory string
	Zone   string
	Labels map[string]string // the kubelet's --node-labels
	Taints []api.Taint       // the kubelet's --register-with-taints
	// Fake makes a fake node: its kubelet runs the pods' lifecycle
	// (statuses, conditions, IPs, graceful deletion) on a runtime that
	// runs no program, as kwok's nodes do.
	Fake bool
	// MaxPods is the kubelet's --max-pods (0: the cluster's).
	MaxPods int
}

// zones are the cloud zones of a cluster.
func (cfg Config) zones() []string {
	if len(cfg.Zones) == 0 {
		return cloud.DefaultZones
	}
	return cfg.Zones
}

// validate checks the shape a Config asks for.
func (cfg Config) validate() error {
	if _, _, err := parseSize(cfg.NodeCPU, cfg.NodeMemory); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, z := range cfg.Zones {
		if errs := api.IsDNS1123Label(z); len(errs) > 0 {
			return fmt.Errorf("invalid zone %q: %s", z, strings.Join(errs, "; "))
		}
		if seen[z] {
			return fmt.Errorf("zone %q given twice", z)
		}
		seen[z] = true
	}
	return nil
}

// minMemory is what a machine needs beyond the kubelet's eviction threshold.
var minMemory = api.MustParse("128Mi")

// parseSize reads a machine size.
func parseSize(cpu, memory string) (api.Quantity, api.Quantity, error) {
	c, err := api.ParseQuantity(cpu)
	if err != nil {
		return c, c, fmt.Errorf("invalid cpu %q: %w", cpu, err)
	}
	m, err := api.ParseQuantity(memory)
	if err != nil {
		return c, m, fmt.Errorf("invalid memory %q: %w", memory, err)
	}
	if c.Sign() <= 0 {
		return c, m, fmt.Errorf("invalid cpu %q: must be greater than 0", cpu)
	}
	if m.Cmp(minMemory) < 0 {
		return c, m, fmt.Errorf("invalid memory %q: must be at least %s", memory, minMemory.String())
	}
	return c, m, nil
}

// Machines returns the cloud's instances, in the order they were created.
func (c *Cluster) Machines() []cloud.Instance { return c.cloud.Instances() }

// AddNode creates a machine and boots it: its kubelet registers its node,
// which the cloud controller manager then initializes. It returns the
// machine's name.
func (c *Cluster) AddNode(o NodeOptions) (string, error) {
	in, err := c.instanceFor(o)
	if err != nil {
		return "", err
	}
	if err := c.cloud.Create(in); err != nil {
		return "", fmt.Errorf("node %q already exists", in.Name)
	}
	if err := c.boot(in); err != nil {
		return "", err
	}
	return in.Name, nil
}

// instanceFor fills in the defaults of a new machine and checks it.
func (c *Cluster) instanceFor(o NodeOptions) (cloud.Instance, error) {
	name := o.Name
	if name == "" {
		name = c.nextNodeName()
	}
	if errs := api.IsDNS1123Label(name); len(errs) > 0 {
		return cloud.Instance{}, fmt.Errorf("invalid node name %q: %s", name, strings.Join(errs, "; "))
	}
	if c.exists(name) {
		return cloud.Instance{}, fmt.Errorf("node %q already exists", name)
	}
	cpu, mem := or(o.CPU, c.cfg.NodeCPU), or(o.Memory, c.cfg.NodeMemory)
	cq, mq, err := parseSize(cpu, mem)
	if err != nil {
		return cloud.Instance{}, err
	}
	zone := o.Zone
	if zone == "" {
		zone = c.quietestZone()
	} else if !c.cloud.HasZone(zone) {
		return cloud.Instance{}, fmt.Errorf("unknown zone %q (the zones are %s)", zone, strings.Join(c.cloud.Zones(), ", "))
	}
	if err := checkNodeLabels(o.Labels); err != nil {
		return cloud.Instance{}, err
	}
	addr, err := c.freeAddress()
	if err != nil {
		return cloud.Instance{}, err
	}
	in := newInstance(name, zone, cq.String(), mq.String(), addr)
	in.Labels, in.Taints = o.Labels, o.Taints
	if o.MaxPods < 0 {
		return cloud.Instance{}, fmt.Errorf("invalid configuration: maxPods (--max-pods) %d must not be a negative number", o.MaxPods)
	}
	in.MaxPods = o.MaxPods
	if o.Fake {
		in = fakeInstance(in)
	}
	return in, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// exists reports whether a machine or a Node has the name.
func (c *Cluster) exists(name string) bool {
	if _, ok := c.cloud.Instance(name); ok {
		return true
	}
	_, err := c.api.Get(resource("nodes"), "", name)
	return err == nil
}

var nodeNameRe = regexp.MustCompile(`^node(\d+)$`)

// nextNodeName is nodeNN, one past the highest number any machine or Node
// has.
func (c *Cluster) nextNodeName() string {
	highest := 0
	names := c.nodeNames()
	for _, in := range c.cloud.Instances() {
		names = append(names, in.Name)
	}
	for _, n := range names {
		if m := nodeNameRe.FindStringSubmatch(n); m != nil {
			if v, err := strconv.Atoi(m[1]); err == nil && v > highest {
				highest = v
			}
		}
	}
	return fmt.Sprintf("node%02d", highest+1)
}

func (c *Cluster) nodeNames() []string {
	var out []string
	if l, err := c.api.List(resource("nodes"), "", apiserver.ListOptions{}); err == nil {
		for _, o := range l.Items {
			out = append(out, o.GetObjectMeta().Name)
		}
	}
	return out
}

// quietestZone is the zone with the fewest workers, the first such on a tie.
func (c *Cluster) quietestZone() string {
	count := map[string]int{}
	for _, in := range c.cloud.Instances() {
		if !in.ControlPlane {
			count[in.Zone]++
		}
	}
	zones := c.cloud.Zones()
	best := zones[0]
	for _, z := range zones[1:] {
		if count[z] < count[best] {
			best = z
		}
	}
	return best
}

// freeAddress is the lowest address of the nodes' network no machine has.
func (c *Cluster) freeAddress() (string, error) {
	used := map[string]bool{}
	for _, in := range c.cloud.Instances() {
		used[in.Address] = true
	}
	for i := 0; i < maxNodes; i++ {
		if a := nodeAddress(i); !used[a] {
			return a, nil
		}
	}
	return "", errors.New("no address left on the nodes' network")
}

// checkNodeLabels refuses labels the kubelet refuses in --node-labels: in
// the kubernetes.io and k8s.io namespaces only its own few are allowed.
func checkNodeLabels(labels map[string]string) error {
	var bad []string
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if errs := api.ValidateQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("invalid label key %q: %s", k, strings.Join(errs, "; "))
		}
		if errs := api.IsValidLabelValue(labels[k]); len(errs) > 0 {
			return fmt.Errorf("invalid label value %q: %s", labels[k], strings.Join(errs, "; "))
		}
		if restrictedLabel(k) {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: %v\n"+
			"--node-labels in the 'kubernetes.io' namespace must begin with an allowed prefix (kubelet.kubernetes.io, node.kubernetes.io) "+
			"or be in the specifically allowed set (beta.kubernetes.io/arch, beta.kubernetes.io/instance-type, beta.kubernetes.io/os, "+
			"failure-domain.beta.kubernetes.io/region, failure-domain.beta.kubernetes.io/zone, kubernetes.io/arch, kubernetes.io/hostname, "+
			"kubernetes.io/os, node.kubernetes.io/instance-type, topology.kubernetes.io/region, topology.kubernetes.io/zone)", bad)
	}
	return nil
}

var allowedKubeletLabels = map[string]bool{
	"beta.kubernetes.io/arch": true, "beta.kubernetes.io/instance-type": true, "beta.kubernetes.io/os": true,
	"failure-domain.beta.kubernetes.io/region": true, "failure-domain.beta.kubernetes.io/zone": true,
	"kubernetes.io/arch": true, "kubernetes.io/hostname": true, "kubernetes.io/os": true,
	"node.kubernetes.io/instance-type": true, "topology.kubernetes.io/region": true, "topology.kubernetes.io/zone": true,
}

// restrictedLabel is a label of the kubernetes.io or k8s.io namespaces
// that is not one of the kubelet's own (IsKubeletLabel).
func restrictedLabel(key string) bool {
	ns, _, ok := strings.Cut(key, "/")
	if !ok || allowedKubeletLabels[key] || !inNamespace(ns, "kubernetes.io") && !inNamespace(ns, "k8s.io") {
		return false
	}
	return !inNamespace(ns, "kubelet.kubernetes.io") && !inNamespace(ns, "node.kubernetes.io")
}

func inNamespace(ns, domain string) bool { return ns == domain || strings.HasSuffix(ns, "."+domain) }

// machine returns a machine that the user may stop, start or delete.
func (c *Cluster) machine(name string) (cloud.Instance, error) {
	in, ok := c.cloud.Instance(name)
	if !ok {
		return in, fmt.Errorf("node %q not found", name)
	}
	if in.ControlPlane {
		return in, fmt.Errorf("node %q runs the control plane, which the playground cannot do without", name)
	}
	return in, nil
}

// StopNode cuts a machine's power.
func (c *Cluster) StopNode(name string) error {
	in, err := c.machine(name)
	if err != nil {
		return err
	}
	if in.State == cloud.Stopped {
		return fmt.Errorf("node %q is already stopped", name)
	}
	c.halt(name)
	return c.cloud.SetState(name, cloud.Stopped)
}

// StartNode boots a stopped machine.
func (c *Cluster) StartNode(name string) error {
	in, err := c.machine(name)
	if err != nil {
		return err
	}
	if in.State == cloud.Running {
		return fmt.Errorf("node %q is already running", name)
	}
	if err := c.cloud.SetState(name, cloud.Running); err != nil {
		return err
	}
	in, _ = c.cloud.Instance(name)
	return c.boot(in)
}

// DeleteNode deletes a machine from the cloud.
func (c *Cluster) DeleteNode(name string) error {
	if _, err := c.machine(name); err != nil {
		return err
	}
	c.halt(name)
	return c.cloud.Delete(name)
}

// boot starts a machine's kubelet. Each boot draws from its own random
// source, so that a machine that boots again gets a new boot ID.
func (c *Cluster) boot(in cloud.Instance) error {
	source := "kubelet/" + in.Name
	if in.Boots > 1 {
		source += fmt.Sprintf("/boot%d", in.Boots)
	}
	cfg := c.kubeletConfig(in)
	var rt runtime.Factory = c.engine
	if in.Fake {
		rt = c.engine.Fakes()
	}
	k := kubelet.New(c.Client("kubelet/"+in.Name), cfg, rt, c.rand(source))
	if err := k.Start(); err != nil {
		return err
	}
	c.kubelets[in.Name] = k
	if in.Fake {
		return nil // a fake node runs no kube-proxy: nothing on it serves
	}
	proxy := network.NewProxy(c.Client("kube-proxy/"+in.Name), in.Name, c.rand("kube-proxy/"+strings.TrimPrefix(source, "kubelet/")))
	if err := proxy.Start(); err != nil {
		return err
	}
	c.proxies[in.Name] = proxy
	return nil
}

// halt stops a machine's kubelet, if it runs.
func (c *Cluster) halt(name string) {
	if k, ok := c.kubelets[name]; ok {
		k.Stop()
		delete(c.kubelets, name)
	}
	if p, ok := c.proxies[name]; ok {
		p.Stop()
		delete(c.proxies, name)
	}
}
