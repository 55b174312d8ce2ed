package cloud

import (
	"fmt"
	"reflect"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Component is the name the cloud controller manager acts under.
const Component = "cloud-controller-manager"

// nodeMonitorPeriod is how often the cloud node lifecycle controller looks
// at the nodes (--node-monitor-period).
const nodeMonitorPeriod = 5 * time.Second

// Manager is the cloud controller manager: the cloud node controller, the
// cloud node lifecycle controller and the service controller, over one
// cloud.
type Manager struct {
	cloud     *Cloud
	c         *client.Client
	nodes     *client.Informer[*api.Node]
	nodeQueue *loop.Queue
	nodeRec   *client.Recorder
	lifeRec   *client.Recorder
	services  *services
}

// NewManager returns a cloud controller manager for cl, acting through c.
func NewManager(c *client.Client, cl *Cloud) *Manager {
	m := &Manager{
		cloud:   cl,
		c:       c,
		nodes:   client.NewInformer[*api.Node](c, "", apiserver.ListOptions{}),
		nodeRec: client.NewRecorder(c, "cloud-node-controller", ""),
		lifeRec: client.NewRecorder(c, "cloud-node-lifecycle-controller", ""),
	}
	m.nodeQueue = loop.NewQueue(c.Loop(), m.syncNode)
	m.services = newServices(c, cl, m.nodes)
	return m
}

// Start starts the controllers and their informers.
func (m *Manager) Start() error {
	m.nodes.AddHandler(client.Handler[*api.Node]{
		Add:    func(n *api.Node) { m.nodeQueue.Add(n.Name) },
		Update: func(_, n *api.Node) { m.nodeQueue.Add(n.Name) },
	})
	if err := m.services.start(); err != nil {
		return err
	}
	if err := m.nodes.Start(); err != nil {
		return err
	}
	m.c.Loop().Every(nodeMonitorPeriod, m.monitorNodes)
	return nil
}

// syncNode is the cloud node controller's syncNode: a node registered
// with the uninitialized taint gets its provider ID, its zone, region and
// instance-type labels and its addresses from the cloud, and loses the
// taint.
func (m *Manager) syncNode(name string) (loop.Result, error) {
	n, ok := m.nodes.Get("", name)
	if !ok || !controller.TaintKeyExists(n.Spec.Taints, TaintUninitialized) {
		return loop.Result{}, nil
	}
	md, err := m.cloud.InstanceMetadata(n)
	if err != nil {
		return loop.Result{}, fmt.Errorf("failed to get instance metadata for node %s: %w", name, err)
	}
	err = controller.UpdateNode(m.c, name, func(n *api.Node) bool {
		if n.Spec.ProviderID == "" {
			n.Spec.ProviderID = md.ProviderID
		}
		if n.Labels == nil {
			n.Labels = map[string]string{}
		}
		for k, v := range cloudLabels(md) {
			n.Labels[k] = v
		}
		n.Spec.Taints = withoutTaintKey(n.Spec.Taints, TaintUninitialized)
		return true
	})
	if err != nil {
		return loop.Result{}, err
	}
	if err := m.updateAddresses(name, md.Addresses); err != nil {
		return loop.Result{}, err
	}
	m.nodeRec.Event(n, api.EventNormal, "Synced", "Node synced successfully")
	return loop.Result{}, nil
}

// cloudLabels are the labels the cloud node controller sets, the beta
// ones beside the GA ones as upstream still does.
func cloudLabels(md Metadata) map[string]string {
	return map[string]string{
		"beta.kubernetes.io/instance-type":         md.Type,
		"node.kubernetes.io/instance-type":         md.Type,
		"failure-domain.beta.kubernetes.io/zone":   md.Zone,
		"topology.kubernetes.io/zone":              md.Zone,
		"failure-domain.beta.kubernetes.io/region": md.Region,
		"topology.kubernetes.io/region":            md.Region,
	}
}

// providedIPAnnotation is where a kubelet started with --node-ip and an
// external cloud provider leaves the address it was given.
const providedIPAnnotation = "alpha.kubernetes.io/provided-node-ip"

// updateAddresses sets the node's addresses to the cloud's, the address
// the kubelet was given first.
func (m *Manager) updateAddresses(name string, addrs []api.NodeAddress) error {
	n, err := client.Get[*api.Node](m.c, "", name)
	if err != nil {
		return err
	}
	addrs = preferIP(addrs, n.Annotations[providedIPAnnotation])
	if reflect.DeepEqual(n.Status.Addresses, addrs) {
		return nil
	}
	upd := api.Clone(n)
	upd.Status.Addresses = addrs
	_, err = client.UpdateStatus(m.c, upd)
	return err
}

// preferIP moves the addresses equal to ip to the front, as PreferNodeIP.
func preferIP(addrs []api.NodeAddress, ip string) []api.NodeAddress {
	if ip == "" {
		return addrs
	}
	var first, rest []api.NodeAddress
	for _, a := range addrs {
		if a.Address == ip {
			first = append(first, a)
		} else {
			rest = append(rest, a)
		}
	}
	return append(first, rest...)
}

// monitorNodes is the cloud node lifecycle controller's MonitorNodes: a
// node that is not ready and whose instance is gone is deleted; one whose
// instance is stopped gets the shutdown taint, which comes off when the
// node is ready again.
func (m *Manager) monitorNodes() {
	for _, n := range m.nodes.List() {
		if controller.IsNodeReady(n) {
			if controller.TaintKeyExists(n.Spec.Taints, TaintShutdown) {
				_ = controller.SwapNodeTaints(m.c, n.Name, nil, []api.Taint{shutdownTaint}, false)
			}
			continue
		}
		if !m.cloud.InstanceExists(n) {
			ref := api.ObjectReference{Kind: "Node", Name: n.Name, UID: n.UID}
			m.lifeRec.EventRef(ref, api.EventNormal, "DeletingNode", "Deleting node %s because it does not exist in the cloud provider", n.Name)
			_ = client.Delete[*api.Node](m.c, "", n.Name, apiserver.DeleteOptions{})
			continue
		}
		if m.cloud.InstanceShutdown(n) && !controller.TaintExists(n.Spec.Taints, shutdownTaint) {
			_ = controller.SwapNodeTaints(m.c, n.Name, []api.Taint{shutdownTaint}, nil, false)
		}
	}
}

var shutdownTaint = api.Taint{Key: TaintShutdown, Effect: api.TaintNoSchedule}

func withoutTaintKey(taints []api.Taint, key string) []api.Taint {
	out := []api.Taint{}
	for _, t := range taints {
		if t.Key != key {
			out = append(out, t)
		}
	}
	return out
}
