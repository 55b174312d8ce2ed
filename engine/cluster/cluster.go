// Package cluster wires a whole cluster together: the API server, the
// controller manager, the scheduler and each node's kubelet and container
// runtime, on one event loop and one seeded random source, and brings it up
// the way kubeadm does.
package cluster

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/hack-pad/hackpadfs"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/cloud"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/controller/cronjob"
	"github.com/kubeplay/kubeplay/engine/controller/daemonset"
	"github.com/kubeplay/kubeplay/engine/controller/deployment"
	"github.com/kubeplay/kubeplay/engine/controller/disruption"
	"github.com/kubeplay/kubeplay/engine/controller/endpoint"
	"github.com/kubeplay/kubeplay/engine/controller/endpointslice"
	"github.com/kubeplay/kubeplay/engine/controller/endpointslicemirroring"
	"github.com/kubeplay/kubeplay/engine/controller/garbagecollector"
	"github.com/kubeplay/kubeplay/engine/controller/job"
	"github.com/kubeplay/kubeplay/engine/controller/namespace"
	"github.com/kubeplay/kubeplay/engine/controller/nodeipam"
	"github.com/kubeplay/kubeplay/engine/controller/nodelifecycle"
	"github.com/kubeplay/kubeplay/engine/controller/podautoscaler"
	"github.com/kubeplay/kubeplay/engine/controller/podgc"
	"github.com/kubeplay/kubeplay/engine/controller/replicaset"
	"github.com/kubeplay/kubeplay/engine/controller/rootcacert"
	"github.com/kubeplay/kubeplay/engine/controller/serviceaccount"
	"github.com/kubeplay/kubeplay/engine/controller/statefulset"
	"github.com/kubeplay/kubeplay/engine/controller/tainteviction"
	"github.com/kubeplay/kubeplay/engine/controller/ttlafterfinished"
	"github.com/kubeplay/kubeplay/engine/controller/volume"
	"github.com/kubeplay/kubeplay/engine/kubelet"
	"github.com/kubeplay/kubeplay/engine/loop"
	"github.com/kubeplay/kubeplay/engine/metricsserver"
	"github.com/kubeplay/kubeplay/engine/network"
	"github.com/kubeplay/kubeplay/engine/pki"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/engine/scheduler"
	"github.com/kubeplay/kubeplay/engine/store"
)

// DefaultStart is the virtual instant a cluster starts at unless told
// otherwise; a fixed instant makes histories comparable across runs.
var DefaultStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Config shapes a cluster.
type Config struct {
	Seed    uint64
	Start   time.Time // zero means DefaultStart
	Workers int       // worker nodes besides the control plane
	// FakeNodes are fake worker nodes besides those (NodeOptions.Fake).
	FakeNodes int
	// NodeCPU and NodeMemory size every node (2 CPUs and 4Gi by default).
	NodeCPU    string
	NodeMemory string
	// MaxPods is every kubelet's maxPods (110 by default).
	MaxPods int
	// Zones are the cloud's zones (zone-a and zone-b by default): the
	// control plane is in the first, the workers go round them.
	Zones []string
	// Modules are the container images' WASI modules.
	Modules runtime.ModuleSource
	// ClusterCIDR is the pods' network, a /24 of it to each node
	// (10.244.0.0/16 by default, room for 256 nodes).
	ClusterCIDR string
	// NodeCIDRMaskSize is kube-controller-manager's --node-cidr-mask-size,
	// each node's share of ClusterCIDR (24 by default: 253 pod addresses;
	// a node that runs more pods needs a shorter mask, 23 for 509).
	NodeCIDRMaskSize int
	// Data, if set, keeps the cluster's store in DataDir of this file
	// system, so that a new Cluster over the same directory carries on
	// where the last one stopped.
	Data    hackpadfs.FS
	DataDir string
}

// Cluster is a running cluster.
type Cluster struct {
	cfg       Config
	loop      *loop.Loop
	api       *apiserver.Server
	engine    *runtime.Engine
	registry  *runtime.Registry
	scheduler *scheduler.Scheduler
	kubelets  map[string]*kubelet.Kubelet
	cloud     *cloud.Cloud
	observer  func(client.Request)
	ca        *pki.CA
	persister *store.Persister
	restored  store.Report
	disks     map[string]hackpadfs.FS // the nodes' disks when nothing is kept
	network   *network.Network
	proxies   network.Proxies // each running node's kube-proxy
	dns       *network.DNS
}

// New builds a cluster and brings it up: the control plane first, then the
// add-ons, then the workers join, and the loop runs until every node is
// Ready and every system pod runs.
func New(cfg Config) (*Cluster, error) {
	if cfg.Start.IsZero() {
		cfg.Start = DefaultStart
	}
	if cfg.NodeCPU == "" {
		cfg.NodeCPU = "2"
	}
	if cfg.NodeMemory == "" {
		cfg.NodeMemory = "4Gi"
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	if cfg.Modules == nil {
		return nil, errors.New("cluster: no module source")
	}
	c := &Cluster{cfg: cfg, kubelets: map[string]*kubelet.Kubelet{}}
	ca, err := pki.NewCA(cfg.Seed, cfg.Start)
	if err != nil {
		return nil, err
	}
	c.ca = ca
	st, err := c.openStore()
	if err != nil {
		return nil, err
	}
	st.KeepDigest() // kubeplay hash
	start := cfg.Start
	if c.restored.Restored && c.restored.Time.After(start) {
		start = c.restored.Time
	}
	c.loop = loop.New(start)
	c.api = apiserver.NewWithStore(c.loop, c.rand("kube-apiserver"), st)
	c.api.StartHousekeeping()
	c.registry = runtime.NewRegistry(cfg.Modules)
	c.restoreImages()
	c.network, c.proxies = network.New(c.loop), network.Proxies{}
	c.network.SetRouter(c.proxies)
	c.dns = network.NewDNS(c.network, c.Client("coredns"))
	c.engine = runtime.NewEngine(c.registry, runtime.Options{HostModules: []runtime.HostModule{c.network.Module(c.dns)}})
	if err := c.bootstrap(); err != nil {
		return nil, err
	}
	return c, c.Flush()
}

// openStore opens the kept store, or makes an empty one.
func (c *Cluster) openStore() (*store.Store, error) {
	if c.cfg.Data == nil {
		return store.New(), nil
	}
	dir := c.cfg.DataDir
	if dir == "" {
		dir = "."
	}
	st, p, rep, err := store.Open(c.cfg.Data, dir, func() time.Time { return c.loop.Now() })
	if err != nil {
		return nil, err
	}
	c.persister, c.restored = p, rep
	return st, nil
}

// Restored reports what was found in the data directory.
func (c *Cluster) Restored() store.Report { return c.restored }

// ChangedBeside reports whether what is kept beside the store changed
// since it was last saved: the cloud's machines or the registry's images.
func (c *Cluster) ChangedBeside() bool {
	return c.cloud != nil && c.cloud.Changed() || c.registry != nil && c.registry.Changed()
}

// Flush makes every change so far durable; without a data directory it
// does nothing.
func (c *Cluster) Flush() error {
	if c.persister == nil {
		return nil
	}
	beside := c.ChangedBeside()
	if err := c.saveCloud(); err != nil {
		return err
	}
	if err := c.saveImages(); err != nil {
		return err
	}
	if beside {
		return c.persister.Mark()
	}
	return c.persister.Flush()
}

// rand returns the random source of one component, derived from the seed
// and the component's name so that adding a component does not change what
// the others draw.
//
// A restored cluster mixes in the revision it was restored at, so that it
// does not draw again the names and UIDs it drew before.
func (c *Cluster) rand(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	if c.restored.Restored {
		fmt.Fprintf(h, "/%d", c.restored.Revision)
	}
	return rand.New(rand.NewPCG(c.cfg.Seed, h.Sum64()))
}

// Network returns the cluster's network: its probers are the kubelet's
// httpGet and tcpSocket probes (Network.Prober).
func (c *Cluster) Network() *network.Network { return c.network }

// Loop returns the cluster's event loop.
func (c *Cluster) Loop() *loop.Loop { return c.loop }

// API returns the API server.
func (c *Cluster) API() *apiserver.Server { return c.api }

// Scheduler returns the scheduler, whose Explain and LastCycle say why a
// pod is where it is (or nowhere).
func (c *Cluster) Scheduler() *scheduler.Scheduler { return c.scheduler }

// Client returns a client acting as component.
func (c *Cluster) Client(component string) *client.Client {
	return client.New(c.api, component).WithObserver(c.observe)
}

// Observe reports every API request any component makes from now on,
// those of the components started before it included; nil stops it.
func (c *Cluster) Observe(f func(client.Request)) { c.observer = f }

func (c *Cluster) observe(r client.Request) {
	if c.observer != nil {
		c.observer(r)
	}
}

// Nodes returns the names of the cluster's machines, in the order they
// were created.
func (c *Cluster) Nodes() []string {
	var out []string
	for _, in := range c.cloud.Instances() {
		out = append(out, in.Name)
	}
	return out
}

// Kubelet returns a node's kubelet.
func (c *Cluster) Kubelet(node string) (*kubelet.Kubelet, bool) {
	k, ok := c.kubelets[node]
	return k, ok
}

// Close saves the cluster (when it has a data directory) and releases the
// container runtime.
func (c *Cluster) Close() error {
	var err error
	if c.persister != nil {
		err = errors.Join(c.saveCloud(), c.saveImages(), c.persister.Close())
	}
	return errors.Join(err, c.engine.Close())
}

func (c *Cluster) bootstrap() error {
	if err := c.startControllerManager(); err != nil {
		return err
	}
	c.scheduler = scheduler.New(c.Client(scheduler.Name), ControlPlaneName, c.rand(scheduler.Name))
	if err := c.scheduler.Start(); err != nil {
		return err
	}
	if err := c.startCloud(); err != nil {
		return err
	}
	if err := metricsserver.New(c.Client(metricsserver.Component)).Start(); err != nil {
		return err
	}
	first, rest := c.bootOrder()
	if err := c.boot(first); err != nil {
		return err
	}
	if err := endpoint.NewKubernetesService(c.Client("kube-apiserver"), first.Address).Start(); err != nil {
		return err
	}
	if err := applyAddons(c.Client("kubeadm"), c.clusterCIDR()); err != nil {
		return err
	}
	if err := c.dns.Start(); err != nil {
		return err
	}
	// ingress-nginx's controller half: idle until the add-on's pods run.
	if err := network.NewIngressController(c.network, c.Client("ingress-nginx")).Start(); err != nil {
		return err
	}
	for _, in := range rest {
		if err := c.boot(in); err != nil {
			return err
		}
	}
	if !c.loop.RunUntil(c.settled, c.loop.Now().Add(5*time.Minute)) {
		return fmt.Errorf("cluster: the system pods did not come up")
	}
	return nil
}

// clusterCIDR is the configured pod network or the default.
func (c *Cluster) clusterCIDR() string {
	if c.cfg.ClusterCIDR == "" {
		return nodeipam.DefaultClusterCIDR
	}
	return c.cfg.ClusterCIDR
}

func (c *Cluster) startControllerManager() error {
	cl := c.Client("kube-controller-manager")
	nodes := client.NewInformer[*api.Node](cl, "", apiserver.ListOptions{})
	pods := client.NewInformer[*api.Pod](cl, "", apiserver.ListOptions{})
	rss := client.NewInformer[*api.ReplicaSet](cl, "", apiserver.ListOptions{})
	nss := client.NewInformer[*api.Namespace](cl, "", apiserver.ListOptions{})
	jobs := client.NewInformer[*api.Job](cl, "", apiserver.ListOptions{})
	ipam, err := nodeipam.New(cl, nodes, c.clusterCIDR(), c.cfg.NodeCIDRMaskSize)
	if err != nil {
		return err
	}
	controllers := []controller.Controller{
		ipam,
		replicaset.New(cl, pods),
		replicaset.NewReplicationManager(cl, pods),
		deployment.New(cl, rss, pods),
		daemonset.New(cl, nodes, pods),
		endpoint.New(cl, pods),
		endpointslice.New(cl, pods, nodes),
		endpointslicemirroring.New(cl),
		nodelifecycle.New(cl, nodes, pods),
		tainteviction.New(cl, nodes, pods),
		podgc.New(cl, nodes, pods),
		statefulset.New(cl, pods),
		volume.New(cl, pods),
		job.New(cl, jobs, pods),
		cronjob.New(cl, jobs),
		ttlafterfinished.New(cl, jobs),
		disruption.New(cl, pods, rss),
		podautoscaler.New(cl, pods),
		garbagecollector.New(cl),
		namespace.New(cl, nss),
		serviceaccount.New(cl, nss),
		serviceaccount.NewTokens(cl, pki.ServiceAccountKey(c.cfg.Seed), c.ca.PEM),
		rootcacert.New(cl, nss, c.ca.PEM),
	}
	for _, ctl := range controllers {
		if err := ctl.Start(); err != nil {
			return err
		}
	}
	for _, start := range []func() error{nodes.Start, pods.Start, rss.Start, nss.Start, jobs.Start} {
		if err := start(); err != nil {
			return err
		}
	}
	return nil
}

// startCloud brings up the cloud, kept or new, and its controller manager.
func (c *Cluster) startCloud() error {
	cl, err := c.loadCloud()
	if err != nil {
		return err
	}
	c.cloud = cl
	return cloud.NewManager(c.Client(cloud.Component), cl).Start()
}

// bootOrder returns the control plane's machine, then the other running
// machines in the order they were created.
func (c *Cluster) bootOrder() (cloud.Instance, []cloud.Instance) {
	var first cloud.Instance
	var rest []cloud.Instance
	for _, in := range c.cloud.Instances() {
		switch {
		case in.ControlPlane && first.Name == "":
			first = in
		case in.State == cloud.Running:
			rest = append(rest, in)
		}
	}
	return first, rest
}

// settled reports whether the node of every running machine is Ready, and
// every kube-system pod is there and, unless its node is down, running and
// ready.
func (c *Cluster) settled() bool {
	nodes, _ := c.api.List(resource("nodes"), "", apiserver.ListOptions{})
	up := 0
	for _, o := range nodes.Items {
		n := o.(*api.Node)
		if _, running := c.kubelets[n.Name]; running {
			if !nodeReady(n) {
				return false
			}
			up++
		}
	}
	if up != len(c.kubelets) {
		return false
	}
	pods, _ := c.api.List(resource("pods"), "kube-system", apiserver.ListOptions{})
	want := 4 + 2 + len(nodes.Items) // static pods, coredns, kube-proxy per node
	if len(pods.Items) < want {
		return false
	}
	for _, o := range pods.Items {
		p := o.(*api.Pod)
		if _, running := c.kubelets[p.Spec.NodeName]; (running || p.Spec.NodeName == "") && !controller.IsPodReady(p) {
			return false
		}
	}
	return true
}

func nodeReady(n *api.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == "Ready" {
			return c.Status == "True"
		}
	}
	return false
}

func resource(name string) *api.ResourceInfo {
	r, _ := api.LookupResource(name)
	return r
}

// RunUntilIdle runs everything due at the current instant.
func (c *Cluster) RunUntilIdle() { c.loop.RunUntilIdle() }

// Advance runs the cluster forward by d of virtual time.
func (c *Cluster) Advance(d time.Duration) { c.loop.AdvanceBy(d) }

// Now returns the virtual time.
func (c *Cluster) Now() time.Time { return c.loop.Now() }
