package network

import "net/netip"

// Host ports are what the CNI portmap plugin programs on a node for a
// pod's containerPort with a hostPort: a connection or datagram for the
// node's address on that port and protocol goes to the pod's address and
// container port, wherever it comes from (another pod, the node's
// neighbours, the host machine). A hostIP narrows the rule to that
// destination address, as the plugin's DNAT rule matches it; an address
// the node does not have is never reached. kube-proxy's rules are looked
// at first, as its chains come before the plugin's.
type hostPortKey struct {
	node  string
	proto Protocol
	port  uint16
}

// hostPortRule is one pod's rule for a host port: hostIP is the
// destination it takes (any when not valid or unspecified).
type hostPortRule struct {
	hostIP netip.Addr
	to     netip.AddrPort
}

func (r hostPortRule) matches(dst netip.Addr) bool {
	return !r.hostIP.IsValid() || r.hostIP.IsUnspecified() || r.hostIP == dst
}

// MapHostPort sends node's hostPort for proto, for hostIP (any address
// when it is the zero Addr or unspecified), to the pod's address and
// container port, as the kubelet asks when it sets up the pod's sandbox.
// A rule for the same hostIP replaces the one before.
func (n *Network) MapHostPort(node string, proto Protocol, hostIP netip.Addr, hostPort uint16, to netip.AddrPort) {
	if n.hostPorts == nil {
		n.hostPorts = map[hostPortKey][]hostPortRule{}
	}
	k := hostPortKey{node, proto, hostPort}
	rules := n.hostPorts[k]
	for i, r := range rules {
		if r.hostIP == hostIP {
			rules[i].to = to
			return
		}
	}
	n.hostPorts[k] = append(rules, hostPortRule{hostIP, to})
}

// UnmapHostPorts takes away node's host ports that go to pod.
func (n *Network) UnmapHostPorts(node string, pod netip.Addr) {
	for k, rules := range n.hostPorts {
		if k.node != node {
			continue
		}
		kept := rules[:0]
		for _, r := range rules {
			if r.to.Addr() != pod {
				kept = append(kept, r)
			}
		}
		if len(kept) == 0 {
			delete(n.hostPorts, k)
		} else {
			n.hostPorts[k] = kept
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
	for _, r := range n.hostPorts[hostPortKey{node, proto, dst.Port()}] {
		if r.matches(dst.Addr()) {
			return node, r.to, true
		}
	}
	return "", netip.AddrPort{}, false
}
