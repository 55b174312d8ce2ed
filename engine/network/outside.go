package network

import (
	"net/netip"
	"sort"
)

// The machine the cluster runs on (the page's "host machine", where the
// playground's shell runs) is outside the cluster, on the nodes' network
// as a kind host is: it reaches the nodes' addresses, and through them
// NodePorts and hostNetwork listeners, and the cloud's load balancers,
// but not pod or Service addresses, which only the nodes route.

// HostIP is the host machine's address on the nodes' network (the
// bridge's gateway; the nodes are 172.18.0.2 and up).
var HostIP = netip.MustParseAddr("172.18.0.1")

// Host returns the host machine's network namespace. It lasts as long as
// the network: curl dials from it and kubectl port-forward listens in it.
func (n *Network) Host() *Namespace {
	if ns, ok := n.spaces[HostIP]; ok && ns.Node == "" {
		return ns
	}
	return n.Join(HostIP, "")
}

// outsideRouter is what a Router knows of the nodes, for connections
// from outside the cluster.
type outsideRouter interface {
	// NodeOf returns the running node holding ip.
	NodeOf(ip netip.Addr) (string, bool)
	// Nodes are the running nodes, in order.
	Nodes() []string
	// RouteExternal routes, by node's rules, a connection for an
	// external IP or a load balancer's address.
	RouteExternal(node string, proto Protocol, src netip.Addr, dst netip.AddrPort) Verdict
}

// dialOutside connects from outside the cluster: a node's address goes
// to that node, where its kube-proxy's NodePort rules apply, and
// otherwise to its own listeners; an address the nodes' rules claim (a
// load balancer's) goes through the first running node that has the
// rule, as the cloud's balancer sends it to a healthy node; anything else
// is not routed from here and times out.
func (ns *Namespace) dialOutside(local, dst netip.AddrPort) (*Conn, error) {
	or, ok := ns.net.router.(outsideRouter)
	if !ok {
		return ns.unanswered(local, dst), nil
	}
	if node, ok := or.NodeOf(dst.Addr()); ok {
		target := dst
		if v := ns.net.router.Route(node, TCP, ns.IP, dst); v.Matched {
			if v.Reject {
				return nil, ECONNREFUSED
			}
			target = v.To
		} else if _, to, ok := ns.net.hostPort(TCP, dst); ok {
			target = to
		}
		return ns.connectOrWait(local, dst, target)
	}
	for _, node := range or.Nodes() {
		if v := or.RouteExternal(node, TCP, ns.IP, dst); v.Matched {
			if v.Reject {
				return nil, ECONNREFUSED
			}
			return ns.connectOrWait(local, dst, v.To)
		}
	}
	return ns.unanswered(local, dst), nil
}

// connectOrWait connects to target's listener; a running node's address
// with nobody listening refuses, and an address nobody holds times out.
func (ns *Namespace) connectOrWait(local, dst, target netip.AddrPort) (*Conn, error) {
	if !target.IsValid() {
		return ns.unanswered(local, dst), nil
	}
	peer, ok := ns.net.spaces[target.Addr()]
	if !ok {
		if or, isOR := ns.net.router.(outsideRouter); isOR {
			if _, live := or.NodeOf(target.Addr()); live {
				return nil, ECONNREFUSED
			}
		}
		return ns.unanswered(local, dst), nil
	}
	return ns.connectTo(peer, local, dst, target)
}

// NodeOf implements outsideRouter: the running node whose kube-proxy
// knows ip as its node's address.
func (ps Proxies) NodeOf(ip netip.Addr) (string, bool) {
	for _, node := range ps.Nodes() {
		if ps[node].owns(ip) {
			return node, true
		}
	}
	return "", false
}

// Nodes implements outsideRouter.
func (ps Proxies) Nodes() []string {
	names := make([]string, 0, len(ps))
	for n := range ps {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// RouteExternal implements outsideRouter.
func (ps Proxies) RouteExternal(node string, proto Protocol, src netip.Addr, dst netip.AddrPort) Verdict {
	p, ok := ps[node]
	if !ok {
		return Verdict{}
	}
	p.sync()
	if r, ok := p.rules[ruleKey{proto, dst}]; ok && r.external {
		return p.routeRule(r, src)
	}
	return Verdict{}
}

// owns reports whether ip is an address of the proxy's node.
func (p *Proxy) owns(ip netip.Addr) bool {
	n, ok := p.nodes.Get("", p.node)
	if !ok {
		return false
	}
	for _, a := range n.Status.Addresses {
		if a.Address == ip.String() {
			return true
		}
	}
	return false
}

// DialPod connects to port on the loopback of the pod whose address is
// podIP, on the prober's node, as a container runtime's port forwarding
// does from inside the pod's namespace: a listener bound to 127.0.0.1
// answers too.
func (p *Prober) DialPod(podIP string, port int32) (*Conn, error) {
	ip, err := netip.ParseAddr(podIP)
	if err != nil {
		return nil, EINVAL
	}
	ns := p.net.Join(ip, p.node)
	defer ns.Leave()
	return ns.Dial(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)))
}
