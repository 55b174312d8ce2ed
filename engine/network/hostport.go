package network

import "net/netip"

// Host ports are what the CNI portmap plugin programs on a node for a
// pod's containerPort with a hostPort: a connection or datagram for any
// of the node's addresses on that port and protocol goes to the pod's
// address and container port, wherever it comes from (another pod, the
// node's neighbours, the host machine). kube-proxy's rules are looked at
// first, as its chains come before the plugin's.
type hostPortKey struct {
	node  string
	proto Protocol
	port  uint16
}

// MapHostPort sends node's hostPort for proto to the pod's address and
// container port, as the kubelet asks when it sets up the pod's sandbox.
func (n *Network) MapHostPort(node string, proto Protocol, hostPort uint16, to netip.AddrPort) {
	if n.hostPorts == nil {
		n.hostPorts = map[hostPortKey]netip.AddrPort{}
	}
	n.hostPorts[hostPortKey{node, proto, hostPort}] = to
}

// UnmapHostPorts takes away node's host ports that go to pod.
func (n *Network) UnmapHostPorts(node string, pod netip.Addr) {
	for k, to := range n.hostPorts {
		if k.node == node && to.Addr() == pod {
			delete(n.hostPorts, k)
		}
	}
}

// hostPort is where node's host port for proto and dst's port goes, when
// dst is an address of a node.
func (n *Network) hostPort(proto Protocol, dst netip.AddrPort) (string, netip.AddrPort, bool) {
	if len(n.hostPorts) == 0 {
		return "", netip.AddrPort{}, false
	}
	or, ok := n.router.(outsideRouter)
	if !ok {
		return "", netip.AddrPort{}, false
	}
	node, ok := or.NodeOf(dst.Addr())
	if !ok {
		return "", netip.AddrPort{}, false
	}
	to, ok := n.hostPorts[hostPortKey{node, proto, dst.Port()}]
	return node, to, ok
}
