// Package nodeipam is the node IPAM controller: it gives each node a /24
// (--node-cidr-mask-size) of the cluster's pod CIDR (10.244.0.0/16 by
// default, as kubeadm with flannel's default: room for 256 nodes), from
// which the node's pods get their addresses. A larger cluster needs a
// wider pod CIDR (a /14 holds 1,024 nodes), a node with more than 253 pods
// a wider node mask (a /23 holds 509); a node left without a range gets
// upstream's CIDRNotAvailable event and runs no pods.
package nodeipam

import (
	"fmt"
	"net/netip"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// DefaultClusterCIDR is the pod CIDR of kubeadm with flannel.
const DefaultClusterCIDR = "10.244.0.0/16"

// DefaultNodeMaskSize is --node-cidr-mask-size's default for IPv4: each
// node's share.
const DefaultNodeMaskSize = 24

// maxMaskDiff is how many bits longer than the cluster CIDR's a node's
// mask may be, as upstream's cidrset allows (at most 65,536 ranges).
const maxMaskDiff = 16

// Controller is the node IPAM controller.
type Controller struct {
	c       *client.Client
	rec     *client.Recorder
	nodes   *client.Informer[*api.Node]
	cidr    netip.Prefix
	used    map[int]string // subnet index -> node
	warned  map[string]bool
	queue   *loop.Queue
	subnets int
	mask    int // --node-cidr-mask-size
}

// New returns a node IPAM controller sharing the node informer, dividing
// clusterCIDR ("" for DefaultClusterCIDR), an IPv4 prefix, into ranges of
// maskSize bits (--node-cidr-mask-size; 0 for DefaultNodeMaskSize), at
// most 16 bits longer than the cluster CIDR's and at most /30.
func New(c *client.Client, nodes *client.Informer[*api.Node], clusterCIDR string, maskSize int) (*Controller, error) {
	if clusterCIDR == "" {
		clusterCIDR = DefaultClusterCIDR
	}
	if maskSize == 0 {
		maskSize = DefaultNodeMaskSize
	}
	if maskSize < 1 || maskSize > 30 {
		return nil, fmt.Errorf("invalid --node-cidr-mask-size %d: want a mask size from 1 to 30", maskSize)
	}
	cidr, err := netip.ParsePrefix(clusterCIDR)
	if err != nil || !cidr.Addr().Is4() || cidr.Bits() > maskSize || cidr.Masked() != cidr {
		return nil, fmt.Errorf("invalid --cluster-cidr %q: want an IPv4 network of /%d or wider", clusterCIDR, maskSize)
	}
	if maskSize-cidr.Bits() > maxMaskDiff {
		return nil, fmt.Errorf("invalid --node-cidr-mask-size %d: the cluster CIDR %s would hold more than 2^%d node CIDRs", maskSize, clusterCIDR, maxMaskDiff)
	}
	ctl := &Controller{
		c: c, rec: client.NewRecorder(c, "cidrAllocator", ""), nodes: nodes, cidr: cidr,
		used: map[int]string{}, warned: map[string]bool{}, subnets: 1 << (maskSize - cidr.Bits()), mask: maskSize,
	}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	return ctl, nil
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

// subnet returns the index'th node range of the cluster CIDR.
func (ctl *Controller) subnet(idx int) string {
	ip := be(ctl.cidr.Addr()) + uint32(idx)<<(32-ctl.mask)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), ctl.mask).String()
}

// index returns which node range of the cluster CIDR a pod CIDR is.
func (ctl *Controller) index(podCIDR string) (int, bool) {
	p, err := netip.ParsePrefix(podCIDR)
	if err != nil || p.Bits() != ctl.mask || !ctl.cidr.Contains(p.Addr()) {
		return 0, false
	}
	return int((be(p.Addr()) - be(ctl.cidr.Addr())) >> (32 - ctl.mask)), true
}

// be is an IPv4 address as a number.
func be(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func (ctl *Controller) observe(n *api.Node) {
	if idx, ok := ctl.index(n.Spec.PodCIDR); ok {
		ctl.used[idx] = n.Name
	}
}

func (ctl *Controller) release(node string) {
	delete(ctl.warned, node)
	for idx, name := range ctl.used {
		if name == node {
			delete(ctl.used, idx)
		}
	}
}

// Reconcile gives a node without a pod CIDR the lowest free range.
func (ctl *Controller) Reconcile(name string) (loop.Result, error) {
	n, ok := ctl.nodes.Get("", name)
	if !ok || n.Spec.PodCIDR != "" {
		return loop.Result{}, nil
	}
	idx := 0
	for idx < ctl.subnets && ctl.used[idx] != "" && ctl.used[idx] != name {
		idx++
	}
	if idx == ctl.subnets {
		if !ctl.warned[name] {
			ctl.warned[name] = true
			ctl.rec.EventRef(api.ObjectReference{APIVersion: "v1", Kind: "Node", Name: n.Name, UID: n.UID}, api.EventNormal,
				"CIDRNotAvailable", "Node %s status is now: %s", n.Name, "CIDRNotAvailable")
		}
		return loop.Result{}, fmt.Errorf("no pod CIDR left for node %s", name)
	}
	cur, err := client.Get[*api.Node](ctl.c, "", name)
	if err != nil {
		return loop.Result{}, err
	}
	upd := api.Clone(cur)
	upd.Spec.PodCIDR = ctl.subnet(idx)
	upd.Spec.PodCIDRs = []string{upd.Spec.PodCIDR}
	if _, err := client.Update(ctl.c, upd); err != nil {
		return loop.Result{}, err
	}
	ctl.used[idx] = name
	return loop.Result{}, nil
}
