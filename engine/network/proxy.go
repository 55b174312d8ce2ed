package network

import (
	"math/rand/v2"
	"net/netip"
	"sort"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// Proxy is one node's kube-proxy: it watches Services and EndpointSlices
// through the API server, as kube-proxy does, and its rules send a
// connection (TCP) or a flow's first datagram (UDP) for a Service's
// ClusterIP, external IPs, load balancer ingress IPs or a NodePort (on any
// node's address) to one of the ready endpoints of the Service port of
// that protocol, picked at random from the seeded source, as iptables'
// statistic match picks (the network's conntrack keeps a UDP flow's later
// datagrams on the same endpoint). sessionAffinity ClientIP keeps a client
// on the endpoint it got for timeoutSeconds (10800 by default). A Service
// without a ready endpoint rejects (ECONNREFUSED; for UDP the ICMP error a
// connected socket reads); headless and ExternalName Services have no
// rules, and SCTP ports none either.
type Proxy struct {
	node     string
	rand     *rand.Rand
	now      func() time.Time
	services *client.Informer[*api.Service]
	slices   *client.Informer[*api.EndpointSlice]
	nodes    *client.Informer[*api.Node]
	stale    bool
	rules    map[ruleKey]*rule
	eps      map[*rule][]netip.AddrPort // each rule's endpoints, until a slice changes
	affinity map[affinityKey]affinityEntry
}

// ruleKey is what a rule matches: a protocol and a destination.
type ruleKey struct {
	proto Protocol
	dst   netip.AddrPort
}

// rule is what one Service port's address leads to.
type rule struct {
	service  string // namespace/name
	port     string // the Service port's name
	proto    Protocol
	affinity time.Duration
	// external marks an external IP's or a load balancer's address,
	// which connections from outside the cluster reach.
	external bool
	// local is the node whose endpoints alone serve the rule, for
	// externalTrafficPolicy Local on a node's port and
	// internalTrafficPolicy Local (the client's node, "." here); "" is
	// every node's.
	local string
}

// affinityKey is a client of a Service port; it outlives the rules, which
// are made again whenever a Service or a node changes.
type affinityKey struct {
	service, port string
	client        netip.Addr
}

type affinityEntry struct {
	to   netip.AddrPort
	used time.Time
}

// defaultAffinityTimeout is sessionAffinityConfig.clientIP.timeoutSeconds'
// default, 3 hours.
const defaultAffinityTimeout = 10800 * time.Second

// NewProxy returns node's kube-proxy, talking to the API server as c.
func NewProxy(c *client.Client, node string, rng *rand.Rand) *Proxy {
	p := &Proxy{node: node, rand: rng, now: c.Now, stale: true, affinity: map[affinityKey]affinityEntry{}}
	p.services = client.NewInformer[*api.Service](c, "", apiserver.ListOptions{})
	p.slices = client.NewInformer[*api.EndpointSlice](c, "", apiserver.ListOptions{})
	p.nodes = client.NewInformer[*api.Node](c, "", apiserver.ListOptions{})
	p.services.AddHandler(client.Handler[*api.Service]{Add: func(*api.Service) { p.stale = true },
		Update: func(_, _ *api.Service) { p.stale = true }, Delete: func(*api.Service) { p.stale = true }})
	p.slices.AddHandler(client.Handler[*api.EndpointSlice]{Add: func(*api.EndpointSlice) { p.eps = nil },
		Update: func(_, _ *api.EndpointSlice) { p.eps = nil }, Delete: func(*api.EndpointSlice) { p.eps = nil }})
	p.nodes.AddHandler(client.Handler[*api.Node]{Add: func(*api.Node) { p.stale = true },
		Update: func(o, n *api.Node) { p.stale = p.stale || !sameAddresses(o, n) }, Delete: func(*api.Node) { p.stale = true }})
	return p
}

func sameAddresses(a, b *api.Node) bool {
	if len(a.Status.Addresses) != len(b.Status.Addresses) {
		return false
	}
	for i := range a.Status.Addresses {
		if a.Status.Addresses[i] != b.Status.Addresses[i] {
			return false
		}
	}
	return true
}

// Start starts the proxy's watches.
func (p *Proxy) Start() error {
	for _, start := range []func() error{p.services.Start, p.slices.Start, p.nodes.Start} {
		if err := start(); err != nil {
			return err
		}
	}
	return nil
}

// Stop stops them: the node is down.
func (p *Proxy) Stop() {
	p.services.Stop()
	p.slices.Stop()
	p.nodes.Stop()
}

// sync rebuilds the rules from the Services and nodes.
func (p *Proxy) sync() {
	if !p.stale {
		return
	}
	p.stale = false
	p.rules, p.eps = map[ruleKey]*rule{}, nil
	var nodeIPs []nodeIP
	for _, n := range p.nodes.List() {
		for _, a := range n.Status.Addresses {
			if ip, err := netip.ParseAddr(a.Address); err == nil && (a.Type == "InternalIP" || a.Type == "ExternalIP") {
				nodeIPs = append(nodeIPs, nodeIP{n.Name, ip})
			}
		}
	}
	for _, s := range p.services.List() {
		p.addRules(s, nodeIPs)
	}
}

// nodeIP is an address of a node.
type nodeIP struct {
	node string
	ip   netip.Addr
}

func (p *Proxy) addRules(s *api.Service, nodeIPs []nodeIP) {
	if s.Spec.Type == "ExternalName" || s.Spec.ClusterIP == "" || s.Spec.ClusterIP == "None" {
		return
	}
	var addrs []netip.Addr
	for _, a := range append(append([]string{s.Spec.ClusterIP}, s.Spec.ExternalIPs...), ingressIPs(s)...) {
		if ip, err := netip.ParseAddr(a); err == nil {
			addrs = append(addrs, ip)
		}
	}
	timeout := time.Duration(0)
	if s.Spec.SessionAffinity == "ClientIP" {
		timeout = defaultAffinityTimeout
		if c := s.Spec.SessionAffinityConfig; c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil {
			timeout = time.Duration(*c.ClientIP.TimeoutSeconds) * time.Second
		}
	}
	key := client.KeyOf(s)
	internalLocal := s.Spec.InternalTrafficPolicy != nil && *s.Spec.InternalTrafficPolicy == "Local"
	externalLocal := s.Spec.ExternalTrafficPolicy == "Local"
	for _, sp := range s.Spec.Ports {
		proto := Protocol(sp.Protocol)
		if proto == "" {
			proto = TCP
		}
		if proto != TCP && proto != UDP {
			continue
		}
		r := &rule{service: key, port: sp.Name, proto: proto, affinity: timeout}
		cluster := r
		if internalLocal {
			cluster = &rule{service: key, port: sp.Name, proto: proto, affinity: timeout, local: "."}
		}
		ext := &rule{service: key, port: sp.Name, proto: proto, affinity: timeout, external: true}
		for i, ip := range addrs {
			if i == 0 {
				p.rules[ruleKey{proto, netip.AddrPortFrom(ip, uint16(sp.Port))}] = cluster
			} else {
				p.rules[ruleKey{proto, netip.AddrPortFrom(ip, uint16(sp.Port))}] = ext
			}
		}
		if sp.NodePort != 0 && (s.Spec.Type == "NodePort" || s.Spec.Type == "LoadBalancer") {
			for _, n := range nodeIPs {
				nr := r
				if externalLocal {
					nr = &rule{service: key, port: sp.Name, proto: proto, affinity: timeout, local: n.node}
				}
				p.rules[ruleKey{proto, netip.AddrPortFrom(n.ip, uint16(sp.NodePort))}] = nr
			}
		}
	}
}

func ingressIPs(s *api.Service) []string {
	if s.Spec.Type != "LoadBalancer" {
		return nil
	}
	var out []string
	for _, in := range s.Status.LoadBalancer.Ingress {
		if in.IP != "" {
			out = append(out, in.IP)
		}
	}
	return out
}

// Route implements the node's part of Router.
func (p *Proxy) Route(proto Protocol, src netip.Addr, dst netip.AddrPort) Verdict {
	p.sync()
	r, ok := p.rules[ruleKey{proto, dst}]
	if !ok {
		return Verdict{}
	}
	return p.routeRule(r, src)
}

// serves reports whether to is still a ready endpoint of the rule for
// proto and dst: kube-proxy deletes the conntrack entries of UDP flows to
// an endpoint that is gone, so that their next datagram is routed anew.
func (p *Proxy) serves(proto Protocol, dst, to netip.AddrPort) bool {
	p.sync()
	r, ok := p.rules[ruleKey{proto, dst}]
	return ok && contains(p.endpoints(r), to)
}

func (p *Proxy) routeRule(r *rule, src netip.Addr) Verdict {
	ready := p.endpoints(r)
	if len(ready) == 0 {
		if r.local != "" {
			// A Local policy's rule with no endpoint on the node drops.
			return Verdict{Matched: true}
		}
		return Verdict{Matched: true, Reject: true}
	}
	now := p.now()
	if r.affinity > 0 {
		k := affinityKey{r.service, r.port, src}
		if e, ok := p.affinity[k]; ok && now.Sub(e.used) < r.affinity && contains(ready, e.to) {
			p.affinity[k] = affinityEntry{e.to, now}
			return Verdict{Matched: true, To: e.to}
		}
		to := ready[p.rand.IntN(len(ready))]
		p.affinity[k] = affinityEntry{to, now}
		return Verdict{Matched: true, To: to}
	}
	return Verdict{Matched: true, To: ready[p.rand.IntN(len(ready))]}
}

func contains(list []netip.AddrPort, a netip.AddrPort) bool {
	for _, b := range list {
		if a == b {
			return true
		}
	}
	return false
}

// endpoints are the ready endpoints of a Service port, sorted: from the
// EndpointSlices labelled with the Service's name, whose port of the same
// name gives the target port (a named targetPort resolved per pod).
func (p *Proxy) endpoints(r *rule) []netip.AddrPort {
	if eps, ok := p.eps[r]; ok {
		return eps
	}
	if p.eps == nil {
		p.eps = map[*rule][]netip.AddrPort{}
	}
	p.eps[r] = p.readyEndpoints(r)
	return p.eps[r]
}

func (p *Proxy) readyEndpoints(r *rule) []netip.AddrPort {
	ns, name := client.SplitKey(r.service)
	var out []netip.AddrPort
	seen := map[netip.AddrPort]bool{}
	for _, sl := range p.slices.Select(ns, api.SelectorFromSet(map[string]string{"kubernetes.io/service-name": name})) {
		if sl.AddressType != "IPv4" {
			continue
		}
		port, ok := slicePort(sl, r.port, r.proto)
		if !ok {
			continue
		}
		for _, ep := range sl.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			if local := r.local; local != "" {
				if local == "." {
					local = p.node
				}
				if ep.NodeName == nil || *ep.NodeName != local {
					continue
				}
			}
			for _, a := range ep.Addresses {
				if ip, err := netip.ParseAddr(a); err == nil {
					ap := netip.AddrPortFrom(ip, port)
					if !seen[ap] {
						seen[ap] = true
						out = append(out, ap)
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Compare(out[j]) < 0 })
	return out
}

// slicePort is the port of the slice's port with that name and protocol.
func slicePort(sl *api.EndpointSlice, name string, proto Protocol) (uint16, bool) {
	for _, sp := range sl.Ports {
		n, pr := "", TCP
		if sp.Name != nil {
			n = *sp.Name
		}
		if sp.Protocol != nil && *sp.Protocol != "" {
			pr = Protocol(*sp.Protocol)
		}
		if n == name && pr == proto && sp.Port != nil {
			return uint16(*sp.Port), true
		}
	}
	return 0, false
}

// Proxies routes each connection by its node's kube-proxy.
type Proxies map[string]*Proxy

// Route implements Router.
func (ps Proxies) Route(node string, proto Protocol, src netip.Addr, dst netip.AddrPort) Verdict {
	p, ok := ps[node]
	if !ok {
		return Verdict{}
	}
	return p.Route(proto, src, dst)
}

// Serves implements flowChecker: a node that is down has lost its flows.
func (ps Proxies) Serves(node string, proto Protocol, dst, to netip.AddrPort) bool {
	p, ok := ps[node]
	return ok && p.serves(proto, dst, to)
}
