// Package nodeipam is the node IPAM controller: it gives each node a /24
// of the cluster's pod CIDR (10.244.0.0/16, as kubeadm with flannel's
// default), from which the node's pods get their addresses.
package nodeipam

import (
	"fmt"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Controller is the node IPAM controller.
type Controller struct {
	c     *client.Client
	nodes *client.Informer[*api.Node]
	used  map[int]string // subnet index -> node
	queue *loop.Queue
}

// New returns a node IPAM controller sharing the node informer.
func New(c *client.Client, nodes *client.Informer[*api.Node]) *Controller {
	ctl := &Controller{c: c, nodes: nodes, used: map[int]string{}}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	return ctl
}

// Start registers the handlers.
func (ctl *Controller) Start() error {
	ctl.nodes.AddHandler(client.Handler[*api.Node]{
		Add:    func(n *api.Node) { ctl.observe(n); ctl.queue.Add(n.Name) },
		Update: func(_, n *api.Node) { ctl.observe(n) },
		Delete: func(n *api.Node) { ctl.release(n.Name) },
	})
	return nil
}

func (ctl *Controller) observe(n *api.Node) {
	var idx int
	if _, err := fmt.Sscanf(n.Spec.PodCIDR, "10.244.%d.0/24", &idx); err == nil {
		ctl.used[idx] = n.Name
	}
}

func (ctl *Controller) release(node string) {
	for idx, name := range ctl.used {
		if name == node {
			delete(ctl.used, idx)
		}
	}
}

// Reconcile gives a node without a pod CIDR the lowest free /24.
func (ctl *Controller) Reconcile(name string) (loop.Result, error) {
	n, ok := ctl.nodes.Get("", name)
	if !ok || n.Spec.PodCIDR != "" {
		return loop.Result{}, nil
	}
	idx := 0
	for ctl.used[idx] != "" && ctl.used[idx] != name {
		idx++
	}
	if idx > 255 {
		return loop.Result{}, fmt.Errorf("no pod CIDR left for node %s", name)
	}
	cur, err := client.Get[*api.Node](ctl.c, "", name)
	if err != nil {
		return loop.Result{}, err
	}
	upd := api.Clone(cur)
	upd.Spec.PodCIDR = fmt.Sprintf("10.244.%d.0/24", idx)
	upd.Spec.PodCIDRs = []string{upd.Spec.PodCIDR}
	if _, err := client.Update(ctl.c, upd); err != nil {
		return loop.Result{}, err
	}
	ctl.used[idx] = name
	return loop.Result{}, nil
}
