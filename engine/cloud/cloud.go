// Package cloud is the playground's cloud: a simulated provider named
// "kubeplay" whose instances are the cluster's machines and whose load
// balancers take their addresses from a pool, and the cloud controller
// manager that ties it to the cluster as upstream's k8s.io/cloud-provider
// controllers do: the cloud node controller (provider ID, zone, region
// and instance-type labels, addresses, and off with the uninitialized
// taint), the cloud node lifecycle controller (a Node whose instance is
// gone is deleted; one whose instance is stopped is tainted shutdown) and
// the service controller (an address for each Service of type
// LoadBalancer).
//
// The user is the cloud's only customer: engine/cluster creates, stops,
// starts and deletes instances on their behalf and runs a kubelet on each
// running one.
package cloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/kubeplay/kubeplay/engine/api"
)

// ProviderName is the cloud's name, the scheme of its provider IDs.
const ProviderName = "kubeplay"

// Region is the one region of the cloud.
const Region = "region-1"

// DefaultZones are the zones of a cloud not told otherwise.
var DefaultZones = []string{"zone-a", "zone-b"}

// Taints of cloud-provider nodes, with upstream's keys.
const (
	// TaintUninitialized is the taint a kubelet started with
	// --cloud-provider=external registers its node with; the cloud node
	// controller takes it off once the node has its cloud identity.
	TaintUninitialized = "node.cloudprovider.kubernetes.io/uninitialized"
	// TaintShutdown marks a node whose instance is stopped.
	TaintShutdown = "node.cloudprovider.kubernetes.io/shutdown"
)

// Instance states.
const (
	Running = "running"
	Stopped = "stopped"
)

// Instance is one machine of the cloud.
type Instance struct {
	Name    string `json:"name"`
	Zone    string `json:"zone"`
	Type    string `json:"type"`
	CPU     string `json:"cpu"`
	Memory  string `json:"memory"`
	Address string `json:"address"` // its private address, the node's InternalIP
	State   string `json:"state"`
	// ControlPlane marks the machine kubeadm set up the control plane on.
	ControlPlane bool `json:"controlPlane,omitempty"`
	// Labels and Taints are what its kubelet registers the node with
	// (--node-labels, --register-with-taints).
	Labels map[string]string `json:"labels,omitempty"`
	Taints []api.Taint       `json:"taints,omitempty"`
	// Fake marks a fake node's machine: its kubelet runs the pods'
	// lifecycle without running their programs (kwok's kind of node).
	Fake bool `json:"fake,omitempty"`
	// MaxPods is its kubelet's --max-pods, when not the cluster's.
	MaxPods int `json:"maxPods,omitempty"`
	// Boots counts the times the machine was started.
	Boots int `json:"boots"`
}

// ProviderID is the instance's ID in the provider's terms, as a Node's
// spec.providerID holds it.
func (i Instance) ProviderID() string { return ProviderName + "://" + i.Zone + "/" + i.Name }

// InstanceType names a machine size as a custom machine type:
// "custom-CPUS-MEMORY_MIB".
func InstanceType(cpu, memory api.Quantity) string {
	return fmt.Sprintf("custom-%s-%d", cpu.String(), memory.Value()>>20)
}

// Cloud is the provider's state: its zones, instances and load balancers.
type Cloud struct {
	zones     []string
	instances []*Instance // in the order they were created
	lbs       map[string]*LoadBalancer
	pool      pool
	changed   bool
}

// New returns a cloud with the given zones (DefaultZones if none).
func New(zones []string) *Cloud {
	if len(zones) == 0 {
		zones = DefaultZones
	}
	return &Cloud{zones: append([]string(nil), zones...), lbs: map[string]*LoadBalancer{}, pool: defaultPool}
}

// Zones returns the cloud's zones.
func (c *Cloud) Zones() []string { return append([]string(nil), c.zones...) }

// HasZone reports whether the cloud has a zone.
func (c *Cloud) HasZone(z string) bool {
	for _, have := range c.zones {
		if have == z {
			return true
		}
	}
	return false
}

// Errors of the cloud.
var (
	ErrNotFound = errors.New("instance not found")
	ErrExists   = errors.New("instance already exists")
)

// Instances returns copies of the instances, in the order they were created.
func (c *Cloud) Instances() []Instance {
	out := make([]Instance, len(c.instances))
	for i, in := range c.instances {
		out[i] = *in
	}
	return out
}

// Instance returns an instance by name.
func (c *Cloud) Instance(name string) (Instance, bool) {
	if in := c.find(name); in != nil {
		return *in, true
	}
	return Instance{}, false
}

func (c *Cloud) find(name string) *Instance {
	for _, in := range c.instances {
		if in.Name == name {
			return in
		}
	}
	return nil
}

// Create adds an instance.
func (c *Cloud) Create(in Instance) error {
	if c.find(in.Name) != nil {
		return ErrExists
	}
	cp := in
	c.instances = append(c.instances, &cp)
	c.changed = true
	return nil
}

// SetState starts or stops an instance; a start counts a boot.
func (c *Cloud) SetState(name, state string) error {
	in := c.find(name)
	if in == nil {
		return ErrNotFound
	}
	in.State = state
	if state == Running {
		in.Boots++
	}
	c.changed = true
	return nil
}

// Delete removes an instance.
func (c *Cloud) Delete(name string) error {
	for i, in := range c.instances {
		if in.Name == name {
			c.instances = append(c.instances[:i], c.instances[i+1:]...)
			c.changed = true
			return nil
		}
	}
	return ErrNotFound
}

// byNode finds the instance of a node, by its provider ID when it has one
// and by name when not, as the cloud provider's Instances interface does.
func (c *Cloud) byNode(n *api.Node) *Instance {
	in := c.find(n.Name)
	if in == nil || n.Spec.ProviderID != "" && n.Spec.ProviderID != in.ProviderID() {
		return nil
	}
	return in
}

// Metadata is what the cloud tells about a node's instance
// (cloudprovider.InstanceMetadata).
type Metadata struct {
	ProviderID string
	Type       string
	Zone       string
	Region     string
	Addresses  []api.NodeAddress
}

// InstanceMetadata returns the metadata of a node's instance.
func (c *Cloud) InstanceMetadata(n *api.Node) (Metadata, error) {
	in := c.byNode(n)
	if in == nil {
		return Metadata{}, ErrNotFound
	}
	return Metadata{
		ProviderID: in.ProviderID(), Type: in.Type, Zone: in.Zone, Region: Region,
		Addresses: []api.NodeAddress{{Type: "InternalIP", Address: in.Address}, {Type: "Hostname", Address: in.Name}},
	}, nil
}

// InstanceExists reports whether a node's instance exists.
func (c *Cloud) InstanceExists(n *api.Node) bool { return c.byNode(n) != nil }

// InstanceShutdown reports whether a node's instance is stopped.
func (c *Cloud) InstanceShutdown(n *api.Node) bool {
	in := c.byNode(n)
	return in != nil && in.State == Stopped
}

// state is the cloud as it is kept between runs.
type state struct {
	Format        int             `json:"format"`
	Zones         []string        `json:"zones"`
	Instances     []*Instance     `json:"instances"`
	LoadBalancers []*LoadBalancer `json:"loadBalancers,omitempty"`
}

// stateFormat is the version of the kept state.
const stateFormat = 1

// Changed reports whether the cloud changed since the last Marshal.
func (c *Cloud) Changed() bool { return c.changed }

// Marshal returns the cloud's state, for keeping.
func (c *Cloud) Marshal() ([]byte, error) {
	lbs := make([]*LoadBalancer, 0, len(c.lbs))
	for _, lb := range c.lbs {
		lbs = append(lbs, lb)
	}
	sort.Slice(lbs, func(i, j int) bool { return lbs[i].Name < lbs[j].Name })
	b, err := json.MarshalIndent(state{Format: stateFormat, Zones: c.zones, Instances: c.instances, LoadBalancers: lbs}, "", "  ")
	if err == nil {
		c.changed = false
	}
	return b, err
}

// Unmarshal returns the cloud a Marshal kept.
func Unmarshal(data []byte) (*Cloud, error) {
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("cloud: %w", err)
	}
	if st.Format != stateFormat {
		return nil, fmt.Errorf("cloud: unknown format %d", st.Format)
	}
	c := New(st.Zones)
	for _, in := range st.Instances {
		if in == nil || in.Name == "" || c.find(in.Name) != nil {
			return nil, errors.New("cloud: a bad instance")
		}
		c.instances = append(c.instances, in)
	}
	for _, lb := range st.LoadBalancers {
		if lb != nil {
			c.lbs[lb.Name] = lb
		}
	}
	return c, nil
}
