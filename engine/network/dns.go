package network

import (
	"net/netip"
	"sort"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// DNS answers as CoreDNS's kubernetes plugin does for the cluster.local
// zone (the kubeadm Corefile: "pods insecure"), from Services and
// EndpointSlices it watches through the API server:
//
//   - SVC.NS.svc.cluster.local: a ClusterIP Service's address; a headless
//     Service's ready endpoints (all of them with publishNotReadyAddresses);
//   - HOSTNAME.SVC.NS.svc.cluster.local: the endpoint of a headless Service
//     with that hostname (a StatefulSet's web-0.nginx.default.svc...);
//   - A-B-C-D.NS.pod.cluster.local: A.B.C.D.
//
// Other names go to the upstream resolver, which the playground does not
// have (there is no internet): they do not exist (NXDOMAIN).
type DNS struct {
	net      *Network
	services *client.Informer[*api.Service]
	slices   *client.Informer[*api.EndpointSlice]
}

// Zone is the cluster's domain.
const Zone = "cluster.local"

// Rcode is a DNS response code.
type Rcode int

// Response codes, and Timeout for a query no server answered.
const (
	NoError  Rcode = 0
	ServFail Rcode = 2
	NXDomain Rcode = 3
	Timeout  Rcode = 100
)

// Answer is a DNS response to an A query.
type Answer struct {
	Rcode Rcode
	// CNAME is set for an ExternalName Service.
	CNAME string
	Addrs []netip.Addr
}

// NewDNS returns CoreDNS's answers, talking to the API server as c.
func NewDNS(n *Network, c *client.Client) *DNS {
	return &DNS{
		net:      n,
		services: client.NewInformer[*api.Service](c, "", apiserver.ListOptions{}),
		slices:   client.NewInformer[*api.EndpointSlice](c, "", apiserver.ListOptions{}),
	}
}

// Start starts its watches.
func (d *DNS) Start() error {
	if err := d.services.Start(); err != nil {
		return err
	}
	return d.slices.Start()
}

// Query asks server (from the client's node and address) for the A
// records of name, a fully qualified name. The server must be reachable
// on UDP port 53, where a stub resolver asks: the kube-dns Service's "dns"
// port with a ready CoreDNS endpoint, as the client's node's kube-proxy
// routes it; any other server is the upstream, which knows no names.
func (d *DNS) Query(node string, src netip.Addr, server netip.Addr, name string) Answer {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if d.net.router != nil {
		if v := d.net.router.Route(node, UDP, src, netip.AddrPortFrom(server, 53)); v.Matched {
			if v.Reject || !v.To.IsValid() {
				return Answer{Rcode: Timeout}
			}
			return d.answer(name)
		}
	}
	if _, ok := d.net.spaces[server]; !ok && !isUpstream(server) {
		return Answer{Rcode: Timeout}
	}
	return Answer{Rcode: NXDomain}
}

// Upstream is the resolver of the nodes' network (the nodes' own
// /etc/resolv.conf names it), as a kind network's gateway is.
var Upstream = netip.MustParseAddr("172.18.0.1")

func isUpstream(a netip.Addr) bool { return a == Upstream }

// answer is CoreDNS's answer for a name.
func (d *DNS) answer(name string) Answer {
	if !strings.HasSuffix(name, "."+Zone) {
		return Answer{Rcode: NXDomain}
	}
	labels := strings.Split(strings.TrimSuffix(name, "."+Zone), ".")
	n := len(labels)
	switch {
	case n >= 2 && labels[n-1] == "svc":
		return d.service(labels[:n-1])
	case n == 3 && labels[n-1] == "pod":
		ip, err := netip.ParseAddr(strings.ReplaceAll(labels[0], "-", "."))
		if err != nil || !ip.Is4() {
			return Answer{Rcode: NXDomain}
		}
		return Answer{Addrs: []netip.Addr{ip}}
	}
	return Answer{Rcode: NXDomain}
}

// service answers SVC.NS or HOSTNAME.SVC.NS.
func (d *DNS) service(labels []string) Answer {
	var host string
	switch len(labels) {
	case 2:
	case 3:
		host, labels = labels[0], labels[1:]
	default:
		return Answer{Rcode: NXDomain}
	}
	s, ok := d.services.Get(labels[1], labels[0])
	if !ok {
		return Answer{Rcode: NXDomain}
	}
	headless := s.Spec.ClusterIP == "None"
	switch {
	case host != "" && !headless:
		return Answer{Rcode: NXDomain}
	case s.Spec.Type == "ExternalName":
		return Answer{CNAME: s.Spec.ExternalName}
	case !headless:
		ip, err := netip.ParseAddr(s.Spec.ClusterIP)
		if err != nil {
			return Answer{Rcode: NXDomain}
		}
		return Answer{Addrs: []netip.Addr{ip}}
	}
	addrs := d.endpoints(s, host)
	if host != "" && len(addrs) == 0 {
		return Answer{Rcode: NXDomain}
	}
	return Answer{Addrs: addrs}
}

// endpoints are a headless Service's ready addresses (or those of the
// endpoint with hostname host), sorted.
func (d *DNS) endpoints(s *api.Service, host string) []netip.Addr {
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, sl := range d.slices.Select(s.Namespace, api.SelectorFromSet(map[string]string{"kubernetes.io/service-name": s.Name})) {
		if sl.AddressType != "IPv4" {
			continue
		}
		for _, ep := range sl.Endpoints {
			ready := ep.Conditions.Ready == nil || *ep.Conditions.Ready
			if !ready && !s.Spec.PublishNotReadyAddresses {
				continue
			}
			if host != "" && (ep.Hostname == nil || *ep.Hostname != host) {
				continue
			}
			for _, a := range ep.Addresses {
				if ip, err := netip.ParseAddr(a); err == nil && !seen[ip] {
					seen[ip] = true
					out = append(out, ip)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}

// QueryPTR asks server for the name of ip, as CoreDNS answers reverse
// lookups: a Service's cluster IP is SVC.NS.svc.cluster.local, an
// endpoint of a Service is HOSTNAME.SVC.NS.svc.cluster.local (its
// hostname, or its address with dashes).
func (d *DNS) QueryPTR(node string, src, server, ip netip.Addr) (string, Rcode) {
	if a := d.Query(node, src, server, Zone); a.Rcode == Timeout {
		return "", Timeout
	}
	if !d.reachesCoreDNS(node, src, server) {
		return "", NXDomain // the upstream knows no cluster address
	}
	for _, s := range d.services.List() {
		if s.Spec.ClusterIP == ip.String() {
			return s.Name + "." + s.Namespace + ".svc." + Zone, NoError
		}
	}
	for _, sl := range d.slices.List() {
		svc := sl.Labels["kubernetes.io/service-name"]
		if svc == "" {
			continue
		}
		for _, ep := range sl.Endpoints {
			for _, addr := range ep.Addresses {
				if addr != ip.String() {
					continue
				}
				host := strings.ReplaceAll(addr, ".", "-")
				if ep.Hostname != nil {
					host = *ep.Hostname
				}
				return host + "." + svc + "." + sl.Namespace + ".svc." + Zone, NoError
			}
		}
	}
	return "", NXDomain
}

// reachesCoreDNS reports whether server is the kube-dns Service with a
// ready endpoint, from the client's node.
func (d *DNS) reachesCoreDNS(node string, src, server netip.Addr) bool {
	if d.net.router == nil {
		return false
	}
	v := d.net.router.Route(node, UDP, src, netip.AddrPortFrom(server, 53))
	return v.Matched && !v.Reject && v.To.IsValid()
}
